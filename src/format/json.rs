//! Renders a response tree as JSON the way Redmine's JSON builder does: elements are objects
//! (attributes first), lists are arrays, and list meta become sibling keys of the list.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::tree::{Document, Element, List, Node, Scalar};

pub fn render(doc: &Document) -> Vec<u8> {
    // Serializing our own tree cannot fail: every key is a string and every number finite.
    serde_json::to_vec(&Root(doc)).unwrap_or_default()
}

struct Root<'a>(&'a Document);

impl Serialize for Root<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        write_entry(&mut map, self.0.root, &self.0.node)?;
        map.end()
    }
}

/// One `name: node` entry; a list also writes its meta beside itself.
fn write_entry<M: SerializeMap>(map: &mut M, name: &str, node: &Node) -> Result<(), M::Error> {
    map.serialize_entry(name, &NodeJson(node))?;
    if let Node::List(list) = node {
        for (key, value) in &list.meta {
            map.serialize_entry(key, &ScalarJson(value))?;
        }
        if !list.links.is_empty() {
            map.serialize_entry("links", &Links(&list.links))?;
        }
    }
    Ok(())
}

struct NodeJson<'a>(&'a Node);
struct Links<'a>(&'a [(&'static str, Scalar)]);

impl Serialize for Links<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (rel, url) in self.0 {
            map.serialize_entry(rel, &ScalarJson(url))?;
        }
        map.end()
    }
}
struct ScalarJson<'a>(&'a Scalar);

impl Serialize for NodeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Node::Value(v) => ScalarJson(v).serialize(s),
            Node::Element(e) => serialize_element(e, s),
            Node::List(List { items, .. }) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&NodeJson(item))?;
                }
                seq.end()
            }
            Node::JoinedText(parts) => parts.serialize(s),
        }
    }
}

fn serialize_element<S: Serializer>(e: &Element, s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(None)?;
    for (key, value) in &e.attrs {
        map.serialize_entry(key, &ScalarJson(value))?;
    }
    for (key, node) in &e.children {
        write_entry(&mut map, key, node)?;
    }
    map.end()
}

impl Serialize for ScalarJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Scalar::Null => s.serialize_unit(),
            Scalar::Bool(b) => s.serialize_bool(*b),
            Scalar::Int(i) => s.serialize_i64(*i),
            Scalar::Text(t) => s.serialize_str(t),
            other => s.serialize_str(&other.to_text().unwrap_or_default()),
        }
    }
}
