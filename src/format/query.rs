//! The query string as a forgiving list of pairs: Redmine ignores what it does not know, so an
//! odd parameter is never a 400 here.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{ready, Ready};

#[derive(Debug, Clone, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn from_request(req: &HttpRequest) -> QueryParams {
        QueryParams::parse(req.query_string())
    }

    pub fn parse(query: &str) -> QueryParams {
        QueryParams(form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> QueryParams {
        QueryParams(pairs)
    }

    /// The first value of `name` (also matching Rails' `name[]`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of `name` or `name[]`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name || k.strip_suffix("[]") == Some(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A non-empty, trimmed value.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// These parameters over `defaults`: a default counts only where no value of its name
    /// (with or without `[]`) is here. `query_id` never comes from the defaults.
    pub fn over(&self, defaults: &QueryParams) -> QueryParams {
        let base = |k: &str| k.strip_suffix("[]").unwrap_or(k).to_string();
        let mine: std::collections::HashSet<String> = self.0.iter().map(|(k, _)| base(k)).collect();
        let mut pairs: Vec<(String, String)> =
            defaults.0.iter().filter(|(k, _)| !mine.contains(&base(k)) && base(k) != "query_id").cloned().collect();
        pairs.extend(self.0.iter().cloned());
        QueryParams(pairs)
    }

    /// These parameters with `name=value` added unless `name` is already here.
    pub fn with_default(mut self, name: &str, value: &str) -> QueryParams {
        if self.get(name).is_none() {
            self.0.push((name.to_string(), value.to_string()));
        }
        self
    }
}

impl FromRequest for QueryParams {
    type Error = actix_web::Error;
    type Future = Ready<Result<QueryParams, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(QueryParams::from_request(req)))
    }
}
