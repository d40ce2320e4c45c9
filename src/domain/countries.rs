pub fn country_name(code: &str) -> Option<&'static str> {
    match code {
        "GB" => Some("United Kingdom"),
        "RU" => Some("Russia"),
        "US" => Some("United States"),
        "DE" => Some("Germany"),
        _ => None,
    }
}
