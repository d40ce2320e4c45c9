//! XML compared as XML: element names, attributes (`type="array"` among them), the order of
//! children and text, which `Res::body` (XML read into a JSON value) cannot tell apart. A
//! failure shows a line diff of both documents written out one element per line.

use quick_xml::events::Event;
use quick_xml::Reader;

/// An element as parsed: its attributes sorted by name (their order means nothing in XML), and
/// its children; whitespace between child elements is dropped, text inside a leaf kept exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlElement {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<XmlNode>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum XmlNode {
    Element(XmlElement),
    Text(String),
}

impl XmlElement {
    /// The root element of `text`; the declaration, comments and processing instructions are
    /// skipped.
    #[track_caller]
    pub fn parse(text: &str) -> XmlElement {
        let mut reader = Reader::from_str(text);
        let mut stack: Vec<XmlElement> = Vec::new();
        let mut root = None;
        loop {
            let event = reader.read_event().unwrap_or_else(|e| panic!("unreadable XML ({e}): {text}"));
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(start) | Event::Empty(start) => {
                    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                    let mut attrs: Vec<(String, String)> = start
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap_or_else(|e| panic!("a bad attribute ({e}): {text}"));
                            let value = a
                                .decode_and_unescape_value(reader.decoder())
                                .unwrap_or_else(|e| panic!("a bad attribute value ({e}): {text}"));
                            (String::from_utf8_lossy(a.key.as_ref()).into_owned(), value.into_owned())
                        })
                        .collect();
                    attrs.sort();
                    let element = XmlElement { name, attrs, children: Vec::new() };
                    if empty {
                        close(&mut stack, &mut root, element);
                    } else {
                        stack.push(element);
                    }
                }
                Event::End(_) => {
                    let element = stack.pop().unwrap_or_else(|| panic!("an unopened end tag: {text}"));
                    close(&mut stack, &mut root, element);
                }
                Event::Text(t) => {
                    // Entities come apart, as `GeneralRef`s.
                    let decoded = t.decode().unwrap_or_else(|e| panic!("bad text ({e}): {text}"));
                    push_text(&mut stack, decoded.into_owned());
                }
                Event::GeneralRef(r) => {
                    let name = r.decode().unwrap_or_else(|e| panic!("bad entity ({e}): {text}"));
                    let resolved = quick_xml::escape::unescape(&format!("&{name};"))
                        .unwrap_or_else(|e| panic!("unknown entity &{name}; ({e}): {text}"))
                        .into_owned();
                    push_text(&mut stack, resolved);
                }
                Event::CData(c) => push_text(&mut stack, String::from_utf8_lossy(&c).into_owned()),
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(stack.is_empty(), "unclosed elements in {text}");
        let mut root = root.unwrap_or_else(|| panic!("no element in {text:?}"));
        root.drop_layout();
        root
    }

    /// The first descendant reached by `path`, element names separated by `/`
    /// (`custom_fields/custom_field`); the empty path is this element.
    #[track_caller]
    pub fn at(&self, path: &str) -> &XmlElement {
        let mut node = self;
        for name in path.split('/').filter(|s| !s.is_empty()) {
            node = node
                .children
                .iter()
                .find_map(|c| match c {
                    XmlNode::Element(e) if e.name == name => Some(e),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no <{name}> on the way to {path} in\n{}", node.outline()));
        }
        node
    }

    /// One element per line, indented, attributes sorted: what a failure diffs.
    pub fn outline(&self) -> String {
        let mut out = String::new();
        self.write_outline(&mut out, 0);
        out
    }

    fn write_outline(&self, out: &mut String, depth: usize) {
        let indent = "  ".repeat(depth);
        let mut tag = self.name.clone();
        for (k, v) in &self.attrs {
            tag.push_str(&format!(" {k}={}", quoted(v)));
        }
        match self.children.as_slice() {
            [] => out.push_str(&format!("{indent}<{tag}/>\n")),
            [XmlNode::Text(t)] => out.push_str(&format!("{indent}<{tag}>{}</{}>\n", shown(t), self.name)),
            children => {
                out.push_str(&format!("{indent}<{tag}>\n"));
                for child in children {
                    match child {
                        XmlNode::Element(e) => e.write_outline(out, depth + 1),
                        XmlNode::Text(t) => out.push_str(&format!("{indent}  text {}\n", quoted(t))),
                    }
                }
                out.push_str(&format!("{indent}</{}>\n", self.name));
            }
        }
    }

    /// Whitespace between child elements is layout (indentation in an expected document), not
    /// content; text in an element without child elements is content, whitespace and all.
    fn drop_layout(&mut self) {
        let has_elements = self.children.iter().any(|c| matches!(c, XmlNode::Element(_)));
        if has_elements {
            self.children.retain(|c| !matches!(c, XmlNode::Text(t) if t.trim().is_empty()));
        }
        for child in &mut self.children {
            if let XmlNode::Element(e) = child {
                e.drop_layout();
            }
        }
    }
}

fn close(stack: &mut [XmlElement], root: &mut Option<XmlElement>, element: XmlElement) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(XmlNode::Element(element)),
        None => *root = Some(element),
    }
}

/// Adjacent text pieces (text split around an entity) join into one.
fn push_text(stack: &mut [XmlElement], text: String) {
    let Some(parent) = stack.last_mut() else { return };
    if let Some(XmlNode::Text(last)) = parent.children.last_mut() {
        last.push_str(&text);
    } else {
        parent.children.push(XmlNode::Text(text));
    }
}

/// Text as one line of the outline: line breaks and tabs made visible.
fn shown(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r").replace('\t', "\\t")
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", shown(text).replace('"', "\\\""))
}

/// Fails with a line diff unless `actual` and `expected` are the same XML. `expected` may be
/// indented and may leave out the declaration.
#[track_caller]
pub fn assert_xml_eq(actual: &str, expected: &str) {
    assert_elements_eq(&XmlElement::parse(actual), &XmlElement::parse(expected));
}

#[track_caller]
pub fn assert_elements_eq(actual: &XmlElement, expected: &XmlElement) {
    if actual == expected {
        return;
    }
    let (actual, expected) = (actual.outline(), expected.outline());
    let diff = similar::TextDiff::from_lines(&expected, &actual);
    panic!("XML differs (- expected, + actual):\n{}", diff.unified_diff().context_radius(3));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_xml_written_differently_is_equal() {
        assert_xml_eq(
            r#"<?xml version="1.0" encoding="UTF-8"?><a y="2" x="&lt;1&gt;"><b>t &amp; u</b><c></c></a>"#,
            "<a x='&lt;1>' y=\"2\">\n  <b>t &amp; u</b>\n  <c/>\n</a>",
        );
    }

    #[test]
    #[should_panic(expected = "XML differs")]
    fn an_attribute_is_not_a_child() {
        assert_xml_eq(r#"<author id="1"/>"#, "<author><id>1</id></author>");
    }

    #[test]
    #[should_panic(expected = "XML differs")]
    fn type_array_counts() {
        assert_xml_eq(r#"<tags type="array"><tag>a</tag></tags>"#, "<tags><tag>a</tag></tags>");
    }

    #[test]
    #[should_panic(expected = "XML differs")]
    fn children_keep_their_order() {
        assert_xml_eq("<a><b/><c/></a>", "<a><c/><b/></a>");
    }

    #[test]
    #[should_panic(expected = "XML differs")]
    fn text_in_a_leaf_is_exact() {
        assert_xml_eq("<a><b>x </b></a>", "<a><b>x</b></a>");
    }
}
