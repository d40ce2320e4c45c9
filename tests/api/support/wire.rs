//! Responses read into one JSON value whatever their format, and request bodies written as XML.

use contacts_server::format::params::{parse_xml, ParseLimits};
use contacts_server::format::Format;
use serde_json::Value;

use super::xml::{assert_elements_eq, XmlElement};

/// A response: status, headers, raw text, and the body as one value (XML parsed the way Rails
/// parses request XML: scalars are strings, `type="array"` elements are arrays).
pub struct Res {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub body: Value,
    pub format: Format,
}

impl Res {
    pub async fn read(format: Format, res: reqwest::Result<reqwest::Response>) -> Res {
        let res = res.expect("the request reached the server");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("a readable body");
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            match format {
                Format::Json => serde_json::from_str(&text).unwrap_or(Value::Null),
                Format::Xml => parse_xml(text.as_bytes(), ParseLimits { max_depth: 32, max_fields: usize::MAX })
                    .unwrap_or_else(|e| panic!("unreadable XML ({e:?}): {text}")),
                _ => Value::Null,
            }
        };
        Res { status, headers, text, body, format }
    }

    /// The value at a dotted path (`contact.author.name`, `contacts.0.id`).
    #[track_caller]
    pub fn at(&self, path: &str) -> &Value {
        let mut node = &self.body;
        for part in path.split('.') {
            node = match part.parse::<usize>() {
                Ok(i) => node.get(i),
                Err(_) => node.get(part),
            }
            .unwrap_or(&Value::Null);
        }
        node
    }

    /// The value at `path` as text (numbers and booleans too), or None for null or absent.
    #[track_caller]
    pub fn opt(&self, path: &str) -> Option<String> {
        match self.at(path) {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    #[track_caller]
    pub fn str(&self, path: &str) -> String {
        self.opt(path).unwrap_or_else(|| panic!("no value at {path} in {}", self.text))
    }

    #[track_caller]
    pub fn int(&self, path: &str) -> i64 {
        self.str(path).parse().unwrap_or_else(|_| panic!("{path} is not a number in {}", self.text))
    }

    /// The array at `path` (empty when absent).
    #[track_caller]
    pub fn list(&self, path: &str) -> Vec<Value> {
        self.at(path).as_array().cloned().unwrap_or_default()
    }

    /// The ids of the list under `path`: numbers in JSON, text in XML.
    pub fn ids(&self, path: &str) -> Vec<i64> {
        self.list(path).iter().map(|item| item["id"].to_string().trim_matches('"').parse().unwrap()).collect()
    }

    /// A list's meta value: a sibling key in JSON, an attribute of the root element in XML.
    pub fn meta(&self, name: &str) -> Option<i64> {
        match self.format {
            Format::Xml => {
                let root_end = self.text.find("?>").map(|i| i + 2).unwrap_or(0);
                let tag_end = self.text[root_end..].find('>').map(|i| root_end + i)?;
                let tag = &self.text[root_end..tag_end];
                let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
                tag[start..].split('"').next()?.parse().ok()
            }
            _ => self.body.get(name).and_then(Value::as_i64),
        }
    }

    /// The `errors` list's messages.
    pub fn errors(&self) -> Vec<String> {
        self.list("errors").iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
    }

    /// The XML body as XML (attributes, `type="array"`, order), for `xml::assert_elements_eq`.
    #[track_caller]
    pub fn xml(&self) -> XmlElement {
        assert_eq!(self.format, Format::Xml, "not an XML answer: {}", self.text);
        XmlElement::parse(&self.text)
    }

    /// Fails with a diff unless the element at `path` (names separated by `/` below the root,
    /// `""` for the root itself) is the XML `expected`.
    #[track_caller]
    pub fn assert_xml_at(&self, path: &str, expected: &str) {
        assert_elements_eq(self.xml().at(path), &XmlElement::parse(expected));
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

/// Writes a JSON request body as Redmine XML: objects become elements, arrays `type="array"`
/// containers whose items take the singular name.
pub fn to_xml(value: &Value) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    if let Value::Object(map) = value {
        for (k, v) in map {
            write(&mut out, k, v);
        }
    }
    out
}

fn write(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => out.push_str(&format!("<{name}/>")),
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in map {
                write(out, k, v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(items) => {
            out.push_str(&format!(r#"<{name} type="array">"#));
            let item = name.strip_suffix('s').unwrap_or(name);
            for v in items {
                write(out, item, v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
