//! The response tree: what a view builds and the two renderers write, as Redmine's `.api.rsb`
//! templates feed one structure to its XML and JSON builders.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A leaf value.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
    Date(NaiveDate),
    /// A UTC instant, rendered `2024-01-01T12:00:00Z`.
    Time(DateTime<Utc>),
}

/// A node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Value(Scalar),
    Element(Element),
    List(List),
    /// The plugin's TagList: a JSON array of strings, but one `", "`-joined text in XML.
    JoinedText(Vec<String>),
}

/// An object: attributes (XML attributes, JSON keys) then children, in template order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    pub attrs: Vec<(&'static str, Scalar)>,
    pub children: Vec<(&'static str, Node)>,
}

/// An array whose XML items are named `item`; `meta` (total_count, offset, limit) renders as
/// sibling keys in JSON and as attributes in XML. `links` (a paged list's neighbours) renders
/// as a sibling `links` object in JSON only: an XML array holds nothing but its items, and the
/// `Link` header carries the same.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    pub item: &'static str,
    pub items: Vec<Node>,
    pub meta: Vec<(&'static str, Scalar)>,
    pub links: Vec<(&'static str, Scalar)>,
}

/// A whole response body: the root name and its node.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: &'static str,
    pub node: Node,
}

impl Document {
    pub fn new(root: &'static str, node: impl Into<Node>) -> Document {
        Document { root, node: node.into() }
    }

    /// Redmine's `nometa`: the list without total_count, offset and limit (nor links).
    pub fn without_meta(mut self) -> Document {
        if let Node::List(list) = &mut self.node {
            list.meta.clear();
            list.links.clear();
        }
        self
    }
}

impl Element {
    pub fn new() -> Element {
        Element::default()
    }

    /// A child holding one value: `<name>v</name>` / `"name": v`.
    pub fn value(&mut self, name: &'static str, value: impl Into<Scalar>) -> &mut Element {
        self.children.push((name, Node::Value(value.into())));
        self
    }

    /// An attribute of this element.
    pub fn attr(&mut self, name: &'static str, value: impl Into<Scalar>) -> &mut Element {
        self.attrs.push((name, value.into()));
        self
    }

    /// Any child node.
    pub fn child(&mut self, name: &'static str, node: impl Into<Node>) -> &mut Element {
        self.children.push((name, node.into()));
        self
    }

    /// `<name id="1" name="Ann"/>` / `"name": {"id": 1, "name": "Ann"}`: a reference to a record.
    pub fn reference(&mut self, name: &'static str, id: i32, label: &str) -> &mut Element {
        let mut r = Element::new();
        r.attr("id", id).attr("name", label);
        self.child(name, r)
    }

    /// Builder form of `attr`, for list items.
    pub fn with_attr(mut self, name: &'static str, value: impl Into<Scalar>) -> Element {
        self.attr(name, value);
        self
    }
}

impl List {
    pub fn new(item: &'static str, items: impl IntoIterator<Item = Node>) -> List {
        List { item, items: items.into_iter().collect(), meta: Vec::new(), links: Vec::new() }
    }

    pub fn meta(mut self, name: &'static str, value: impl Into<Scalar>) -> List {
        self.meta.push((name, value.into()));
        self
    }

    pub fn link(mut self, rel: &'static str, url: Option<String>) -> List {
        self.links.push((rel, url.into()));
        self
    }
}

impl From<Element> for Node {
    fn from(e: Element) -> Node {
        Node::Element(e)
    }
}

impl From<List> for Node {
    fn from(l: List) -> Node {
        Node::List(l)
    }
}

impl<T: Into<Scalar>> From<T> for Node {
    fn from(v: T) -> Node {
        Node::Value(v.into())
    }
}

impl From<bool> for Scalar {
    fn from(v: bool) -> Scalar {
        Scalar::Bool(v)
    }
}
impl From<i32> for Scalar {
    fn from(v: i32) -> Scalar {
        Scalar::Int(v.into())
    }
}
impl From<i64> for Scalar {
    fn from(v: i64) -> Scalar {
        Scalar::Int(v)
    }
}
impl From<u64> for Scalar {
    fn from(v: u64) -> Scalar {
        Scalar::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<&str> for Scalar {
    fn from(v: &str) -> Scalar {
        Scalar::Text(v.to_string())
    }
}
impl From<&String> for Scalar {
    fn from(v: &String) -> Scalar {
        Scalar::Text(v.clone())
    }
}
impl From<String> for Scalar {
    fn from(v: String) -> Scalar {
        Scalar::Text(v)
    }
}
impl From<NaiveDate> for Scalar {
    fn from(v: NaiveDate) -> Scalar {
        Scalar::Date(v)
    }
}
impl From<DateTime<Utc>> for Scalar {
    fn from(v: DateTime<Utc>) -> Scalar {
        Scalar::Time(v)
    }
}
/// Stored timestamps are naive UTC.
impl From<NaiveDateTime> for Scalar {
    fn from(v: NaiveDateTime) -> Scalar {
        Scalar::Time(v.and_utc())
    }
}
impl<T: Into<Scalar>> From<Option<T>> for Scalar {
    fn from(v: Option<T>) -> Scalar {
        v.map_or(Scalar::Null, Into::into)
    }
}

impl Scalar {
    /// The text both renderers write for a non-null value.
    pub fn to_text(&self) -> Option<String> {
        match self {
            Scalar::Null => None,
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::Int(i) => Some(i.to_string()),
            Scalar::Text(s) => Some(s.clone()),
            Scalar::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
            Scalar::Time(t) => Some(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        }
    }
}
