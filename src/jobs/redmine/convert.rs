//! Redmine's stored values read into ours: booleans in every dialect, zoneless times in the
//! source's zone, money, comma lists, role permissions and saved-query filters (Ruby YAML).

use chrono::{NaiveDate, NaiveDateTime, TimeZone};

/// The zone Redmine wrote its times in (`default_timezone = :local`: the server's own).
#[derive(Debug, Clone, Copy)]
pub enum SourceZone {
    Utc,
    /// This machine's zone, with its daylight-saving rules.
    Local,
    /// A fixed offset east of UTC, in seconds.
    Fixed(i32),
}

impl SourceZone {
    /// `UTC`, `local`, or an offset such as `+02:00` / `-0530`.
    pub fn parse(text: &str) -> Result<SourceZone, String> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" {
            return Ok(SourceZone::Utc);
        }
        if t.eq_ignore_ascii_case("local") {
            return Ok(SourceZone::Local);
        }
        let bad = || format!("--time-zone {t:?}: expected UTC, local or an offset such as +02:00");
        let (sign, rest) = match t.chars().next() {
            Some('+') => (1, &t[1..]),
            Some('-') => (-1, &t[1..]),
            _ => return Err(bad()),
        };
        let digits: String = rest.chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let hours: i32 = digits[..2].parse().map_err(|_| bad())?;
        let minutes: i32 = digits[2..].parse().map_err(|_| bad())?;
        if hours > 14 || minutes > 59 {
            return Err(bad());
        }
        Ok(SourceZone::Fixed(sign * (hours * 3600 + minutes * 60)))
    }

    /// A time as the source wrote it, in UTC.
    pub fn to_utc(self, local: NaiveDateTime) -> NaiveDateTime {
        match self {
            SourceZone::Utc => local,
            SourceZone::Fixed(seconds) => local - chrono::Duration::seconds(i64::from(seconds)),
            // An hour that does not exist (spring forward) is read as the hour after it; one
            // that exists twice, as the earlier.
            SourceZone::Local => chrono::Local
                .from_local_datetime(&local)
                .earliest()
                .or_else(|| chrono::Local.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest())
                .map_or(local, |t| t.naive_utc()),
        }
    }
}

pub fn text(cell: &Option<String>) -> Option<String> {
    cell.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

pub fn int(cell: &Option<String>) -> Option<i64> {
    let t = cell.as_deref()?.trim();
    t.parse::<i64>().ok().or_else(|| t.parse::<f64>().ok().filter(|f| f.fract() == 0.0).map(|f| f as i64))
}

pub fn id(cell: &Option<String>) -> Option<i32> {
    int(cell).and_then(|n| i32::try_from(n).ok())
}

/// MySQL 0/1, PostgreSQL true/false, and SQLite's 1/0 or (plugin columns of old files) 't'/'f'.
pub fn boolean(cell: &Option<String>) -> Option<bool> {
    match cell.as_deref()?.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "y" | "yes" => Some(true),
        "0" | "f" | "false" | "n" | "no" | "" => Some(false),
        _ => None,
    }
}

/// A zoneless time (`YYYY-MM-DD HH:MM:SS[.ffffff]`, or with a `T`), in UTC; MySQL's zero date
/// and anything unreadable is `None`.
pub fn time(cell: &Option<String>, zone: SourceZone) -> Option<NaiveDateTime> {
    let t = cell.as_deref()?.trim();
    let t = t.strip_suffix('Z').unwrap_or(t);
    let parsed = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
        .or_else(|| date(cell).and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    // Whole seconds, as Redmine shows them.
    Some(zone.to_utc(parsed.with_nanosecond_zero()))
}

trait WholeSeconds {
    fn with_nanosecond_zero(self) -> Self;
}

impl WholeSeconds for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

pub fn date(cell: &Option<String>) -> Option<NaiveDate> {
    let t = cell.as_deref()?.trim();
    NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()
}

/// A decimal (`3000.50`, `3000.5`, `3000`, SQLite's `3000.5` real) in hundredths.
pub fn cents(cell: &Option<String>) -> Option<Result<i64, String>> {
    let t = cell.as_deref()?.trim();
    if t.is_empty() {
        return None;
    }
    let bad = || format!("price {t:?} is not a number");
    let (negative, t2) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, fraction) = t2.split_once('.').unwrap_or((t2, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Some(Err(bad()));
    }
    let whole: i64 = match whole {
        "" => 0,
        w => match w.parse() {
            Ok(w) => w,
            Err(_) => return Some(Err(bad())),
        },
    };
    let mut digits: String = fraction.chars().take(2).collect();
    while digits.len() < 2 {
        digits.push('0');
    }
    let Ok(fraction) = digits.parse::<i64>() else { return Some(Err(bad())) };
    let value = whole.checked_mul(100).and_then(|w| w.checked_add(fraction));
    Some(value.map(|v| if negative { -v } else { v }).ok_or_else(bad))
}

/// A comma list column (phones, emails): trimmed, blanks and repeats dropped, in order.
pub fn comma_list(cell: &Option<String>, strip_spaces: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in cell.as_deref().unwrap_or_default().split(',') {
        let part =
            if strip_spaces { part.chars().filter(|c| !c.is_whitespace()).collect() } else { part.trim().to_string() };
        if !part.is_empty() && !out.contains(&part) {
            out.push(part);
        }
    }
    out
}

/// Every `:symbol` of a role's YAML `permissions`, as Redmine's own coder reads it.
pub fn symbols(yaml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = yaml.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            if end > start {
                out.push(yaml[start..end].to_string());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// A YAML list of scalars (`possible_values`): `- gold` lines, quotes removed.
pub fn yaml_list(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter_map(|l| l.trim_start().strip_prefix("- ").or_else(|| (l.trim() == "-").then_some("")))
        .map(unquote)
        .filter(|v| !v.is_empty())
        .collect()
}

fn unquote(value: &str) -> String {
    let v = value.trim();
    if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))) {
        let inner = &v[1..v.len() - 1];
        if v.starts_with('\'') {
            inner.replace("''", "'")
        } else {
            inner.replace("\\\"", "\"").replace("\\\\", "\\")
        }
    } else {
        v.to_string()
    }
}

/// One saved filter: field, operator, values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub field: String,
    pub operator: String,
    pub values: Vec<String>,
}

/// A query's `filters` YAML (field → `{:operator:, :values: [...]}`), tolerant of Ruby's tags
/// (`!ruby/hash:…`) and of symbol or string keys.
pub fn filters(yaml: &str) -> Vec<Filter> {
    let mut out: Vec<Filter> = Vec::new();
    let mut in_values = false;
    for line in yaml.lines() {
        if line.trim().is_empty() || line.trim() == "---" || line.trim_start().starts_with("--- ") {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if indent == 0 && !trimmed.starts_with('-') {
            // `field:` or `field: !ruby/hash:…`
            let key = trimmed.split(':').next().unwrap_or_default();
            let key = unquote(key.trim_start_matches(':'));
            if !key.is_empty() {
                out.push(Filter { field: key, operator: String::new(), values: Vec::new() });
            }
            in_values = false;
            continue;
        }
        let Some(current) = out.last_mut() else { continue };
        if let Some(item) = trimmed.strip_prefix("- ").or_else(|| (trimmed == "-").then_some("")) {
            if in_values {
                current.values.push(unquote(item));
            }
            continue;
        }
        let key = trimmed.trim_start_matches(':');
        if let Some(rest) = key.strip_prefix("operator:") {
            current.operator = unquote(rest);
            in_values = false;
        } else if let Some(rest) = key.strip_prefix("values:") {
            in_values = true;
            let rest = rest.trim();
            // An inline list: `:values: [a, b]`.
            if let Some(inner) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                current.values.extend(inner.split(',').map(unquote).filter(|v| !v.is_empty()));
                in_values = false;
            }
        } else {
            in_values = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn booleans_of_every_dialect() {
        for t in ["1", "t", "true", "TRUE"] {
            assert_eq!(boolean(&cell(t)), Some(true));
        }
        for f in ["0", "f", "false"] {
            assert_eq!(boolean(&cell(f)), Some(false));
        }
        assert_eq!(boolean(&None), None);
    }

    #[test]
    fn times_are_moved_from_the_source_zone_to_utc() {
        let zone = SourceZone::parse("+02:00").unwrap();
        let t = time(&cell("2024-03-01 12:30:00.123456"), zone).unwrap();
        assert_eq!(t.to_string(), "2024-03-01 10:30:00");
        assert_eq!(time(&cell("0000-00-00 00:00:00"), SourceZone::Utc), None);
        assert_eq!(time(&cell("2024-03-01T08:00:00"), SourceZone::Utc).unwrap().to_string(), "2024-03-01 08:00:00");
        assert!(SourceZone::parse("Mars").is_err());
    }

    #[test]
    fn prices_become_cents_exactly() {
        assert_eq!(cents(&cell("3000.50")), Some(Ok(300050)));
        assert_eq!(cents(&cell("3000.5")), Some(Ok(300050)));
        assert_eq!(cents(&cell("12")), Some(Ok(1200)));
        assert_eq!(cents(&cell("-1.25")), Some(Ok(-125)));
        assert_eq!(cents(&None), None);
    }

    #[test]
    fn role_permissions_are_read_as_redmine_reads_them() {
        let yaml = "---\n- :view_contacts\n- :add_contacts\n- :view_issues\n";
        assert_eq!(symbols(yaml), ["view_contacts", "add_contacts", "view_issues"]);
    }

    #[test]
    fn query_filters_with_ruby_tags_and_symbol_keys() {
        let yaml = "--- !ruby/hash:ActiveSupport::HashWithIndifferentAccess\ntags: !ruby/hash:ActiveSupport::HashWithIndifferentAccess\n  :operator: \"=\"\n  :values:\n  - vip\n  - \"big fish\"\ncf_3:\n  operator: '~'\n  values: [gold]\n";
        let f = filters(yaml);
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[0],
            Filter { field: "tags".into(), operator: "=".into(), values: vec!["vip".into(), "big fish".into()] }
        );
        assert_eq!(f[1].values, ["gold"]);
        assert_eq!(f[1].operator, "~");
        assert_eq!(yaml_list("---\n- gold\n- 'silver'\n"), ["gold", "silver"]);
    }

    #[test]
    fn comma_lists_are_split_trimmed_and_deduplicated() {
        assert_eq!(comma_list(&cell("a@x, b@y,a@x"), true), ["a@x", "b@y"]);
        assert_eq!(comma_list(&cell("+1 555, ,+1 555"), false), ["+1 555"]);
    }
}
