//! Contacts as files: CSV rows with every field (what `import` reads back) and vCard 3.0 cards
//! that phone address books import.

use crate::domain::contacts::ContactDetails;
use crate::domain::countries::country_name;

/// The fixed columns of the CSV export, in order; one column per contact custom field follows,
/// headed by the field's name.
pub const CSV_COLUMNS: [&str; 25] = [
    "id",
    "first_name",
    "middle_name",
    "last_name",
    "company",
    "is_company",
    "job_title",
    "website",
    "skype_name",
    "birthday",
    "background",
    "phones",
    "emails",
    "street1",
    "street2",
    "city",
    "region",
    "postcode",
    "country_code",
    "tag_list",
    "visibility",
    "assigned_to_id",
    "projects",
    "created_on",
    "updated_on",
];

/// A CSV writer over a byte buffer, with the header row written.
pub fn csv_header(custom_field_names: &[String]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = CSV_COLUMNS.iter().copied().chain(custom_field_names.iter().map(String::as_str)).collect();
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&header);
    w.into_inner().unwrap_or_default()
}

/// One CSV row per contact.
pub fn csv_rows(contacts: &[ContactDetails]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for c in contacts {
        let r = &c.row;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut record = vec![
            r.id.to_string(),
            r.first_name.clone(),
            text(&r.middle_name),
            text(&r.last_name),
            text(&r.company),
            if r.is_company { "1" } else { "0" }.to_string(),
            text(&r.job_title),
            text(&r.website),
            text(&r.skype_name),
            r.birthday.map(|d| d.to_string()).unwrap_or_default(),
            text(&r.background),
            r.phones.clone(),
            r.emails.clone(),
            text(&r.street1),
            text(&r.street2),
            text(&r.city),
            text(&r.region),
            text(&r.postcode),
            text(&r.country_code),
            c.tags.join(", "),
            r.visibility.to_string(),
            r.assigned_to_id.map(|id| id.to_string()).unwrap_or_default(),
            c.projects.iter().map(|p| p.identifier.as_str()).collect::<Vec<_>>().join(", "),
            r.created_on.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            r.updated_on.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ];
        record.extend(c.custom_fields.iter().map(|f| f.values.join(", ")));
        let _ = w.write_record(record.iter().map(|cell| defuse(cell).into_owned()));
    }
    w.into_inner().unwrap_or_default()
}

/// A cell a spreadsheet would run as a formula (`=…`, `@…`, `+SUM(…)`) gets a leading
/// apostrophe; phone numbers such as `+1 555` stay as they are. `import` removes it again.
pub fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = cell.chars();
    let dangerous = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => chars.next().is_some_and(|c| !(c.is_ascii_digit() || c == ' ' || c == '(')),
        _ => false,
    };
    if dangerous {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// One vCard 3.0 (RFC 2426), lines folded at 75 octets and ended with CRLF.
pub fn vcard(c: &ContactDetails) -> String {
    let r = &c.row;
    let mut lines = vec!["BEGIN:VCARD".to_string(), "VERSION:3.0".to_string()];
    let opt = |v: &Option<String>| escape(v.as_deref().unwrap_or(""));
    if r.is_company {
        lines.push("N:;;;;".into());
        lines.push(format!("FN:{}", escape(&r.first_name)));
        lines.push(format!("ORG:{}", escape(&r.first_name)));
        lines.push("X-ABSHOWAS:COMPANY".into());
    } else {
        lines.push(format!("N:{};{};{};;", opt(&r.last_name), escape(&r.first_name), opt(&r.middle_name)));
        lines.push(format!("FN:{}", escape(&c.name())));
        if let Some(company) = r.company.as_deref().filter(|s| !s.is_empty()) {
            lines.push(format!("ORG:{}", escape(company)));
        }
    }
    if let Some(title) = r.job_title.as_deref().filter(|s| !s.is_empty()) {
        lines.push(format!("TITLE:{}", escape(title)));
    }
    for phone in split(&r.phones) {
        lines.push(format!("TEL;TYPE=WORK,VOICE:{}", escape(phone)));
    }
    for email in split(&r.emails) {
        lines.push(format!("EMAIL;TYPE=INTERNET:{}", escape(email)));
    }
    let street = [r.street1.as_deref(), r.street2.as_deref()].into_iter().flatten().collect::<Vec<_>>().join("\n");
    let country = r.country_code.as_deref().and_then(country_name).unwrap_or("");
    if !(street.is_empty() && r.city.is_none() && r.region.is_none() && r.postcode.is_none() && country.is_empty()) {
        lines.push(format!(
            "ADR;TYPE=WORK:;;{};{};{};{};{}",
            escape(&street),
            opt(&r.city),
            opt(&r.region),
            opt(&r.postcode),
            escape(country)
        ));
    }
    if let Some(site) = r.website.as_deref().filter(|s| !s.is_empty()) {
        lines.push(format!("URL:{}", escape(site)));
    }
    if let Some(birthday) = r.birthday {
        lines.push(format!("BDAY:{birthday}"));
    }
    if let Some(note) = r.background.as_deref().filter(|s| !s.is_empty()) {
        lines.push(format!("NOTE:{}", escape(note)));
    }
    if !c.tags.is_empty() {
        lines.push(format!("CATEGORIES:{}", c.tags.iter().map(|t| escape(t)).collect::<Vec<_>>().join(",")));
    }
    lines.push(format!("UID:contact-{}", r.id));
    lines.push(format!("REV:{}", r.updated_on.and_utc().format("%Y-%m-%dT%H:%M:%SZ")));
    lines.push("END:VCARD".into());
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
}

fn split(stored: &str) -> impl Iterator<Item = &str> {
    stored.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// RFC 2426 text escaping: backslash, comma, semicolon and newlines.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            other => out.push(other),
        }
    }
    out
}

/// Writes `line` folded into pieces of at most 75 octets (never inside a UTF-8 character),
/// each continuation starting with a space.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for ch in line.chars() {
        if width + ch.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += ch.len_utf8();
    }
    out.push_str("\r\n");
}
