//! A free-form `payload` argument (the peers' manage tools take one per action), checked
//! against the documented request body of the action before anything is read or planned:
//! unknown keys, wrong types and missing required keys are refused with the list of what
//! the action takes, so the body the human approves is always a documented one.
//!
//! Passwords are never taken: a password given to the model sits in the conversation, in
//! the approval text and in the pinned body. Any key naming one is refused with advice.
//!
//! ```ignore
//! use ikmcp_pdk::payload::{self, Kind, req, opt};
//! let body = payload::body("update", args.payload.as_ref(), &[req("name", Kind::Text), opt("size", Kind::Int)])?;
//! ```

use crate::ToolError;
use crate::error::invalid_args;
use serde_json::{Map, Value};

/// The JSON type a payload key must have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A string.
    Text,
    /// An integer.
    Int,
    /// A string the API wants, given as a string or an integer (DBaaS `pack_id`).
    IdText,
    /// A boolean.
    Bool,
    /// A JSON object (passed through after the key check).
    Object,
}

/// One documented body key.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// Whether the action needs it.
    pub required: bool,
}

/// A required key.
pub const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

/// An optional key.
pub const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

fn expected(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| {
            if f.required {
                format!("{} (required)", f.name)
            } else {
                f.name.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a key names a secret the plugin refuses to carry.
pub fn is_password(key: &str) -> bool {
    key.to_ascii_lowercase().contains("password")
}

/// The body for `action` from `payload`, keys and types checked against `fields`.
pub fn body(
    action: &str,
    payload: Option<&Map<String, Value>>,
    fields: &[Field],
) -> Result<Value, ToolError> {
    let empty = Map::new();
    let payload = payload.unwrap_or(&empty);
    let hint = || format!("payload keys for {action}: {}", expected(fields));
    let mut out = Map::new();
    for (key, value) in payload {
        if is_password(key) {
            return Err(invalid_args(
                format!(
                    "`{key}`: ikmcp does not carry passwords (they would sit in the conversation and the approval)"
                ),
                "have the person set it from an invitation or password e-mail (an invite action where the tool has one), or change it in the Infomaniak manager",
            ));
        }
        let Some(field) = fields.iter().find(|f| f.name == key) else {
            return Err(invalid_args(
                format!("{action} takes no payload key `{key}`"),
                hint(),
            ));
        };
        let normalized = match (field.kind, value) {
            (Kind::Text, Value::String(s)) if !s.trim().is_empty() => {
                Value::String(s.trim().to_string())
            }
            (Kind::Int, Value::Number(n)) if n.is_u64() => value.clone(),
            (Kind::IdText, Value::String(s)) if !s.trim().is_empty() => {
                Value::String(s.trim().to_string())
            }
            (Kind::IdText, Value::Number(n)) if n.is_u64() => Value::String(n.to_string()),
            (Kind::Bool, Value::Bool(_)) | (Kind::Object, Value::Object(_)) => value.clone(),
            _ => {
                let want = match field.kind {
                    Kind::Text => "a non-empty string",
                    Kind::Int => "a non-negative integer",
                    Kind::IdText => "an id (string or integer)",
                    Kind::Bool => "true or false",
                    Kind::Object => "an object",
                };
                return Err(invalid_args(
                    format!("payload.{key} must be {want}, got {value}"),
                    hint(),
                ));
            }
        };
        out.insert(key.clone(), normalized);
    }
    let missing: Vec<&str> = fields
        .iter()
        .filter(|f| f.required && !out.contains_key(f.name))
        .map(|f| f.name)
        .collect();
    if !missing.is_empty() {
        return Err(invalid_args(
            format!("{action} needs payload.{}", missing.join(", payload.")),
            hint(),
        ));
    }
    if out.is_empty() && !fields.is_empty() && fields.iter().all(|f| !f.required) {
        return Err(invalid_args(
            format!("{action} needs at least one payload key"),
            hint(),
        ));
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FIELDS: &[Field] = &[
        req("name", Kind::Text),
        opt("pack_id", Kind::IdText),
        opt("keep", Kind::Bool),
    ];

    fn run(p: Value) -> Result<Value, ToolError> {
        body("update", p.as_object(), FIELDS)
    }

    fn message(e: ToolError) -> String {
        match e {
            ToolError::InvalidArgs(d) => format!("{} / {}", d.message, d.hint.unwrap_or_default()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn normalizes_and_pins_documented_keys() {
        assert_eq!(
            run(json!({"name": " db ", "pack_id": 2})).unwrap(),
            json!({"name": "db", "pack_id": "2"})
        );
        assert_eq!(
            run(json!({"name": "x", "keep": true})).unwrap(),
            json!({"name": "x", "keep": true})
        );
    }

    #[test]
    fn refuses_unknown_keys_wrong_types_missing_keys_and_passwords() {
        let m = message(run(json!({"name": "x", "flavor": 1})).unwrap_err());
        assert!(m.contains("flavor") && m.contains("name (required)"), "{m}");
        let m = message(run(json!({"name": 3})).unwrap_err());
        assert!(m.contains("payload.name must be a non-empty string"), "{m}");
        let m = message(run(json!({})).unwrap_err());
        assert!(m.contains("needs payload.name"), "{m}");
        let m = message(run(json!({"name": "x", "user_password": "hunter2"})).unwrap_err());
        assert!(m.contains("passwords") && !m.contains("hunter2"), "{m}");
        let m =
            message(body("update", json!({}).as_object(), &[opt("a", Kind::Text)]).unwrap_err());
        assert!(m.contains("at least one"), "{m}");
        assert!(is_password("Password") && !is_password("name"));
    }
}
