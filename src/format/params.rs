//! Request bodies → one params tree (`serde_json::Value`), the way Rails builds `params`: JSON
//! as it is, XML by `Hash.from_xml`'s rules, forms by Rack's bracket syntax. Hostile input
//! (a DOCTYPE, deep nesting, thousands of fields, invalid UTF-8) is refused, never expanded.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{Map, Value};

/// Why a body could not be parsed; the message is shown to the client in a 400 body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(message.into()))
}

/// Limits that protect the parsers from hostile bodies.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    pub max_depth: usize,
    pub max_fields: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits { max_depth: 32, max_fields: 1000 }
    }
}

pub fn parse_json(body: &[u8], limits: ParseLimits) -> Result<Value, ParseError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let mut reader = serde_json::Deserializer::from_slice(body);
    let value = serde::de::DeserializeSeed::deserialize(UniqueKeys, &mut reader)
        .and_then(|value| reader.end().map(|()| value))
        .map_err(|e| ParseError(format!("invalid JSON: {e}")))?;
    if !value.is_object() {
        return fail("the JSON body must be an object");
    }
    if depth(&value) > limits.max_depth {
        return fail("the JSON body is nested too deeply");
    }
    Ok(value)
}

/// Reads a JSON value as `serde_json::Value` does, but refuses an object that names a key
/// twice (at any depth): serde_json would keep the last silently, and which of two
/// `"admin"`s a request meant is not ours to guess.
struct UniqueKeys;

impl<'de> serde::de::DeserializeSeed<'de> for UniqueKeys {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for UniqueKeys {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(UniqueKeys)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                let shown: String = key.chars().take(100).collect();
                return Err(serde::de::Error::custom(format!("duplicate key `{shown}`")));
            }
            let value = map.next_value_seed(UniqueKeys)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Nesting depth; serde_json's own recursion limit bounds this recursion.
fn depth(value: &Value) -> usize {
    match value {
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// One open XML element while reading.
struct Frame {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<(String, Value)>,
    text: String,
}

impl Frame {
    fn open(start: &BytesStart) -> Result<Frame, ParseError> {
        let name = std::str::from_utf8(start.name().as_ref())
            .map_err(|_| ParseError("invalid UTF-8 in XML".into()))?
            .to_string();
        let mut attrs = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| ParseError(format!("invalid XML: {e}")))?;
            let key = std::str::from_utf8(attr.key.as_ref()).map_err(|_| ParseError("invalid UTF-8 in XML".into()))?;
            let value = attr.unescape_value().map_err(|e| ParseError(format!("invalid XML: {e}")))?;
            attrs.push((key.to_string(), value.into_owned()));
        }
        Ok(Frame { name, attrs, children: Vec::new(), text: String::new() })
    }

    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The element's value by `Hash.from_xml`'s rules.
    fn into_value(self) -> Value {
        if self.attr("type") == Some("array") {
            return Value::Array(self.children.into_iter().map(|(_, v)| v).collect());
        }
        let nil = self.attr("nil") == Some("true");
        let mut map = Map::new();
        for (k, v) in self.attrs.into_iter().filter(|(k, _)| k != "type" && k != "nil") {
            map.insert(k, Value::String(v));
        }
        if !self.children.is_empty() {
            for (k, v) in self.children {
                match map.get_mut(&k) {
                    // A repeated name becomes a list of its values.
                    Some(Value::Array(items)) => items.push(v),
                    Some(existing) => {
                        let first = existing.take();
                        *existing = Value::Array(vec![first, v]);
                    }
                    None => {
                        map.insert(k, v);
                    }
                }
            }
            return Value::Object(map);
        }
        let blank = self.text.trim().is_empty();
        match (nil, map.is_empty(), blank) {
            (true, _, _) => Value::Null,
            (false, true, true) => Value::Null,
            (false, true, false) => Value::String(self.text),
            (false, false, true) => Value::Object(map),
            (false, false, false) => {
                map.insert("__content__".into(), Value::String(self.text));
                Value::Object(map)
            }
        }
    }
}

pub fn parse_xml(body: &[u8], limits: ParseLimits) -> Result<Value, ParseError> {
    let text = std::str::from_utf8(body).map_err(|_| ParseError("invalid UTF-8 in XML".into()))?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<(String, Value)> = None;
    let mut elements = 0usize;
    let invalid = |e: quick_xml::Error| ParseError(format!("invalid XML: {e}"));
    loop {
        let event = reader.read_event().map_err(invalid)?;
        let finished = match event {
            Event::DocType(_) => return fail("XML with a DOCTYPE is not accepted"),
            Event::Start(start) | Event::Empty(start) if root.is_some() && stack.is_empty() => {
                let _ = start;
                return fail("invalid XML: more than one root element");
            }
            Event::Start(start) => {
                elements += 1;
                if elements > limits.max_fields {
                    return fail("the XML body has too many elements");
                }
                if stack.len() >= limits.max_depth {
                    return fail("the XML body is nested too deeply");
                }
                stack.push(Frame::open(&start)?);
                None
            }
            Event::Empty(start) => {
                elements += 1;
                if elements > limits.max_fields {
                    return fail("the XML body has too many elements");
                }
                let frame = Frame::open(&start)?;
                Some((frame.name.clone(), frame.into_value()))
            }
            Event::End(_) => {
                let frame = stack.pop().ok_or_else(|| ParseError("invalid XML: unexpected end tag".into()))?;
                Some((frame.name.clone(), frame.into_value()))
            }
            Event::Text(t) => {
                let decoded = t.decode().map_err(|e| ParseError(format!("invalid XML: {e}")))?;
                match stack.last_mut() {
                    Some(frame) => frame.text.push_str(&decoded),
                    None if decoded.trim().is_empty() => {}
                    None => return fail("invalid XML: text outside the root element"),
                }
                None
            }
            Event::CData(c) => {
                let decoded = c.decode().map_err(|e| ParseError(format!("invalid XML: {e}")))?;
                if let Some(frame) = stack.last_mut() {
                    frame.text.push_str(&decoded);
                }
                None
            }
            Event::GeneralRef(r) => {
                // Only the five predefined entities and character references exist here.
                let resolved = match r.resolve_char_ref().map_err(invalid)? {
                    Some(c) => c,
                    None => match r.decode().map_err(|e| ParseError(format!("invalid XML: {e}")))?.as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return fail(format!("invalid XML: unknown entity &{other};")),
                    },
                };
                if let Some(frame) = stack.last_mut() {
                    frame.text.push(resolved);
                }
                None
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => None,
            Event::Eof => break,
        };
        if let Some((name, value)) = finished {
            match stack.last_mut() {
                Some(parent) => parent.children.push((name, value)),
                None => root = Some((name, value)),
            }
        }
    }
    if !stack.is_empty() {
        return fail("invalid XML: the document ends inside an element");
    }
    let mut map = Map::new();
    if let Some((name, value)) = root {
        map.insert(name, value);
    }
    Ok(Value::Object(map))
}

pub fn parse_form(body: &[u8], limits: ParseLimits) -> Result<Value, ParseError> {
    let mut root = Map::new();
    let pairs = body.split(|b| *b == b'&').filter(|p| !p.is_empty());
    for (count, pair) in pairs.enumerate() {
        if count >= limits.max_fields {
            return fail("the form has too many fields");
        }
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        let name = percent_decode(name)?;
        if name.is_empty() {
            continue;
        }
        insert_rack_pair(&mut root, &name, Value::String(percent_decode(value)?), limits)?;
    }
    Ok(Value::Object(root))
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space), refusing invalid UTF-8.
fn percent_decode(raw: &[u8]) -> Result<String, ParseError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len() => match (hex(raw[i + 1]), hex(raw[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ParseError("invalid UTF-8 in form body".into()))
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Splits a Rack name into its first key and the bracketed rest: `a[b][]` → (`a`, `[b][]`).
fn split_name(name: &str) -> (&str, &str) {
    let trimmed = name.trim_start_matches(['[', ']']);
    let end = trimmed.find(['[', ']']).unwrap_or(trimmed.len());
    let key = &trimmed[..end];
    let rest = trimmed[end..].trim_start_matches(']');
    (key, rest)
}

/// Adds one `name=value` pair to `root` by Rack's `normalize_params`.
pub fn insert_rack_pair(
    root: &mut Map<String, Value>,
    name: &str,
    value: Value,
    limits: ParseLimits,
) -> Result<(), ParseError> {
    normalize(root, name, value, limits.max_depth)
}

fn conflict(name: &str) -> ParseError {
    ParseError(format!("conflicting form field names at `{name}`"))
}

fn normalize(params: &mut Map<String, Value>, name: &str, value: Value, depth: usize) -> Result<(), ParseError> {
    if depth == 0 {
        return fail("the form is nested too deeply");
    }
    let (key, after) = split_name(name);
    if key.is_empty() {
        return Ok(());
    }
    if after.is_empty() {
        params.insert(key.to_string(), value);
    } else if after == "[" {
        // Rack keeps an unclosed bracket as part of the name.
        params.insert(name.to_string(), value);
    } else if after == "[]" {
        match params.entry(key.to_string()).or_insert_with(|| Value::Array(Vec::new())) {
            Value::Array(items) => items.push(value),
            _ => return Err(conflict(name)),
        }
    } else if let Some(child) = after.strip_prefix("[]") {
        // `x[][k]=…`: extend the last hash of the list unless it already has `k`.
        let Value::Array(items) = params.entry(key.to_string()).or_insert_with(|| Value::Array(Vec::new())) else {
            return Err(conflict(name));
        };
        let (child_key, _) = split_name(child);
        let reuse = matches!(items.last(), Some(Value::Object(last)) if !last.contains_key(child_key));
        if !reuse {
            items.push(Value::Object(Map::new()));
        }
        let Some(Value::Object(last)) = items.last_mut() else { return Err(conflict(name)) };
        normalize(last, child, value, depth - 1)?;
    } else {
        let Value::Object(nested) = params.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new())) else {
            return Err(conflict(name));
        };
        normalize(nested, after, value, depth - 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(body: &str) -> Result<Value, ParseError> {
        parse_form(body.as_bytes(), ParseLimits::default())
    }

    fn xml(body: &str) -> Result<Value, ParseError> {
        parse_xml(body.as_bytes(), ParseLimits::default())
    }

    #[test]
    fn forms_follow_racks_bracket_rules() {
        assert_eq!(form("a=1&b=x+y%21").unwrap(), json!({"a": "1", "b": "x y!"}));
        assert_eq!(form("a[b][c]=1&a[d]=2").unwrap(), json!({"a": {"b": {"c": "1"}, "d": "2"}}));
        assert_eq!(form("a[]=1&a[]=2").unwrap(), json!({"a": ["1", "2"]}));
        assert_eq!(
            form("c[cf][][id]=1&c[cf][][value]=x&c[cf][][id]=2&c[cf][][value]=y").unwrap(),
            json!({"c": {"cf": [{"id": "1", "value": "x"}, {"id": "2", "value": "y"}]}})
        );
        assert_eq!(form("a=1&a=2").unwrap(), json!({"a": "2"}));
        assert_eq!(form("=x&&[]=1").unwrap(), json!({}));
        assert_eq!(form("a%5Bb%5D=1").unwrap(), json!({"a": {"b": "1"}}));
        assert_eq!(form("p=100%").unwrap(), json!({"p": "100%"}));
    }

    #[test]
    fn forms_refuse_conflicts_depth_invalid_utf8_and_floods() {
        assert!(form("a=1&a[b]=2").is_err());
        assert!(form("a[]=1&a[b]=2").is_err());
        assert!(form(&format!("a{}=1", "[x]".repeat(40))).is_err());
        assert!(form("a=%ff").is_err());
        let flood: Vec<String> = (0..10_000).map(|i| format!("f{i}=1")).collect();
        assert!(form(&flood.join("&")).is_err());
        assert!(form("a]=1&a[=2&[x]=3").is_ok());
    }

    #[test]
    fn xml_follows_hash_from_xml() {
        let parsed = xml(r#"<?xml version="1.0"?><contact><first_name>Ann &amp; Bo &#233;</first_name><last_name/><custom_fields type="array"><custom_field id="1"><value>12</value></custom_field></custom_fields><tag_list>a, b</tag_list><project id="2"/><x nil="true">t</x></contact>"#).unwrap();
        assert_eq!(
            parsed,
            json!({"contact": {"first_name": "Ann & Bo é", "last_name": null, "custom_fields": [{"id": "1", "value": "12"}], "tag_list": "a, b", "project": {"id": "2"}, "x": null}})
        );
        assert_eq!(
            xml("<v><value type=\"array\"><value>a</value><value>b</value></value></v>").unwrap(),
            json!({"v": {"value": ["a", "b"]}})
        );
        assert_eq!(xml("<a><b>1</b><b>2</b><b>3</b></a>").unwrap(), json!({"a": {"b": ["1", "2", "3"]}}));
        assert_eq!(xml("<a>\n  <b><![CDATA[<x>]]></b>\n</a>").unwrap(), json!({"a": {"b": "<x>"}}));
        assert_eq!(xml("").unwrap(), json!({}));
    }

    #[test]
    fn xml_refuses_doctype_unknown_entities_bad_structure_and_floods() {
        let bomb =
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>"#;
        assert_eq!(xml(bomb).unwrap_err().0, "XML with a DOCTYPE is not accepted");
        assert!(xml("<a>&nbsp;</a>").is_err());
        assert!(xml("<a><b></a>").is_err());
        assert!(xml("<a><b>").is_err());
        assert!(xml("<a/><b/>").is_err());
        assert!(xml(&format!("{}{}", "<a>".repeat(40), "</a>".repeat(40))).is_err());
        assert!(parse_xml(b"<a>\xff</a>", ParseLimits::default()).is_err());
        let many = format!("<a>{}</a>", "<b/>".repeat(2000));
        assert!(xml(&many).is_err());
    }

    #[test]
    fn json_must_be_a_shallow_object() {
        assert_eq!(parse_json(b"{\"a\": 1}", ParseLimits::default()).unwrap(), json!({"a": 1}));
        assert!(parse_json(b"[1]", ParseLimits::default()).is_err());
        assert!(parse_json(b"{\"a\": ", ParseLimits::default()).is_err());
        assert!(parse_json(b"{\"a\": \"\xff\"}", ParseLimits::default()).is_err());
        assert!(parse_json(b"{\"a\": 1} x", ParseLimits::default()).is_err(), "trailing characters");
        let numbers =
            parse_json(br#"{"i": -3, "u": 18446744073709551615, "f": 1.5, "n": null}"#, ParseLimits::default());
        assert_eq!(numbers.unwrap(), json!({"i": -3, "u": 18446744073709551615u64, "f": 1.5, "n": null}));
        for body in [r#"{"a": 1, "a": 2}"#, r#"{"c": {"a": 1, "b": {"x": 1, "x": 1}}}"#, r#"{"l": [{"x": 1, "x": 2}]}"#]
        {
            let err = parse_json(body.as_bytes(), ParseLimits::default()).unwrap_err();
            assert!(err.0.starts_with("invalid JSON: duplicate key `"), "{body}: {}", err.0);
        }
        assert_eq!(parse_json(br#"{"a": {"x": 1}, "b": {"x": 2}}"#, ParseLimits::default()).unwrap()["b"]["x"], 2);
        let deep = format!("{}{}", "{\"a\":".repeat(40), "1".to_string() + &"}".repeat(40));
        assert!(parse_json(deep.as_bytes(), ParseLimits::default()).is_err());
    }
}
