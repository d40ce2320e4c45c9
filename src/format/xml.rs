//! Renders a response tree as XML the way Redmine's XML builder does: a declaration, no
//! whitespace, `type="array"` on lists, references as attribute-only elements.

use quick_xml::escape::escape;

use super::tree::{Document, Element, List, Node, Scalar};

pub fn render(doc: &Document) -> Vec<u8> {
    let mut out = String::with_capacity(1024);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    write_node(&mut out, doc.root, &doc.node);
    out.into_bytes()
}

/// `<errors type="array"><error field="email">Email is invalid</error>…</errors>`: an errors
/// list whose items carry an attribute beside their text, which the tree has no shape for.
pub fn render_field_errors(details: &[(String, String)]) -> Vec<u8> {
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?><errors type="array">"#);
    for (field, message) in details {
        out.push_str("<error");
        push_attrs(&mut out, &[("field", Scalar::Text(field.clone()))]);
        out.push('>');
        push_text(&mut out, message);
        close(&mut out, "error");
    }
    close(&mut out, "errors");
    out.into_bytes()
}

fn write_node(out: &mut String, name: &str, node: &Node) {
    match node {
        Node::Value(Scalar::Null) => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Node::Value(value) => {
            open(out, name, &[], &[]);
            push_text(out, &value.to_text().unwrap_or_default());
            close(out, name);
        }
        Node::JoinedText(parts) => {
            open(out, name, &[], &[]);
            push_text(out, &parts.join(", "));
            close(out, name);
        }
        Node::Element(e) => write_element(out, name, e),
        Node::List(List { item, items, meta, .. }) => {
            // A page with no next or previous page leaves the attribute out.
            let meta: Vec<(&str, Scalar)> = meta.iter().filter(|(_, value)| *value != Scalar::Null).cloned().collect();
            open(out, name, &[("type", Scalar::Text("array".into()))], &meta);
            for node in items {
                write_node(out, item, node);
            }
            close(out, name);
        }
    }
}

fn write_element(out: &mut String, name: &str, e: &Element) {
    if e.children.is_empty() {
        out.push('<');
        out.push_str(name);
        push_attrs(out, &e.attrs);
        out.push_str("/>");
        return;
    }
    open(out, name, &e.attrs, &[]);
    for (child, node) in &e.children {
        write_node(out, child, node);
    }
    close(out, name);
}

fn open(out: &mut String, name: &str, first: &[(&str, Scalar)], then: &[(&str, Scalar)]) {
    out.push('<');
    out.push_str(name);
    push_attrs(out, first);
    push_attrs(out, then);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn push_attrs(out: &mut String, attrs: &[(&str, Scalar)]) {
    for (key, value) in attrs {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        push_text(out, &value.to_text().unwrap_or_default());
        out.push('"');
    }
}

/// Escapes markup; characters XML 1.0 cannot carry at all (most C0 controls, U+FFFE/U+FFFF)
/// become U+FFFD so the document always parses.
fn push_text(out: &mut String, text: &str) {
    if text.chars().all(is_xml_char) {
        out.push_str(&escape(text));
    } else {
        let cleaned: String = text.chars().map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' }).collect();
        out.push_str(&escape(&cleaned));
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}
