//! Phone numbers as stored: as sent (Redmine's way), or normalised to E.164 when the server is
//! asked to (`--phone-format e164`). Every phone input goes through `normalise`.

/// How phone numbers are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhoneFormat {
    /// As sent, trimmed.
    #[default]
    AsSent,
    /// `+` and 7 to 15 digits: `+1 (555) 010-2030` becomes `+15550102030`.
    E164,
}

impl PhoneFormat {
    /// Its name in `--phone-format`.
    pub fn name(self) -> &'static str {
        match self {
            PhoneFormat::AsSent => "as-sent",
            PhoneFormat::E164 => "e164",
        }
    }
}

/// The number to store, or `None` when E.164 is asked and `number` is not an international
/// number (`+` or `00`, a country code that does not begin with 0, then the digits, spaced or
/// punctuated with `-`, `.`, `/` and parentheses). No country is assumed for a national number.
pub fn normalise(number: &str, format: PhoneFormat) -> Option<String> {
    let number = number.trim();
    if format == PhoneFormat::AsSent {
        return Some(number.to_string());
    }
    let rest = number.strip_prefix('+').or_else(|| number.strip_prefix("00"))?;
    if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '/' | '(' | ')')) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if !(7..=15).contains(&digits.len()) || digits.starts_with('0') {
        return None;
    }
    Some(format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_keeps_the_digits_of_international_numbers_only() {
        let e164 = |n| normalise(n, PhoneFormat::E164);
        assert_eq!(e164("+1 (555) 010-2030").as_deref(), Some("+15550102030"));
        assert_eq!(e164(" 0044 20 7946 0000 ").as_deref(), Some("+442079460000"));
        assert_eq!(e164("+49 30/1234.567").as_deref(), Some("+49301234567"));
        for bad in ["555 0102", "020 7946 0000", "+0 123 4567", "+1 555 CALL NOW", "+123", "+1234567890123456", ""] {
            assert_eq!(e164(bad), None, "{bad}");
        }
        assert_eq!(normalise(" 555 0102 ", PhoneFormat::AsSent).as_deref(), Some("555 0102"));
    }
}
