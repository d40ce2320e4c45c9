//! `deal[…]`, prices as numbers or text.

use serde_json::{Map, Value};

use super::custom_fields::custom_values;
use super::Fields;
use crate::domain::deals::DealInput;
use crate::domain::input::{MAX_STRING, MAX_TEXT};
use crate::error::Error;

/// A price as a number or as text (`3000`, `"3000.50"`, `"1 000,50"`), in hundredths.
fn parse_price(value: &Value) -> Result<Option<i64>, ()> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.replace([' ', '\u{a0}'], ""),
        _ => return Err(()),
    };
    let normal = if text.contains('.') { text.replace(',', "") } else { text.replace(',', ".") };
    let amount: f64 = normal.parse().map_err(|_| ())?;
    if !amount.is_finite() || amount.abs() > 1e15 {
        return Err(());
    }
    Ok(Some((amount * 100.0).round() as i64))
}

pub fn deal(map: Map<String, Value>, fallback_project: Option<&Value>) -> DealInput {
    let mut f = Fields::new(map);
    let project_ref = match f.raw("project_id").or(fallback_project) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let price_cents = match f.raw("price").map(parse_price) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(())) => {
            f.error("Price is not a number");
            None
        }
    };
    let probability = match f.int("probability", "Probability") {
        Some(Some(p)) if !(0..=100).contains(&p) => {
            f.error("Probability is not included in the list");
            None
        }
        other => other.map(|p| p.map(|p| p as i32)),
    };
    let mut input = DealInput {
        project_ref,
        name: f.text("name", "Name", MAX_STRING),
        contact_id: f.id("contact_id", "Contact"),
        price_cents,
        currency: f.text("currency", "Currency", 10),
        probability,
        due_date: f.date("due_date", "Due date"),
        background: f.text("background", "Background", MAX_TEXT),
        status_id: f.id("status_id", "Status").flatten(),
        category_id: f.id("category_id", "Category"),
        assigned_to_id: f.id("assigned_to_id", "Assigned to"),
        custom_fields: custom_values(&mut f),
        errors: Vec::new(),
    };
    if let Err(Error::Invalid(messages)) = f.finish() {
        input.errors = messages;
    }
    input
}
