//! Secret arguments: values a user gives a tool that must reach the upstream and nothing
//! else (a share-link password, an FTP or database user's password, a private key).
//!
//! A tool marks such an input property `"writeOnly": true` in its manifest's input schema
//! (JSON Schema's own word for "sent, never shown back"). The host reads the mark from
//! the manifest it loaded, never from what the plugin says during a call, so a plugin
//! cannot opt a value out. For each call the host collects the values of those properties
//! ([`SecretArgs::collect`]) and then:
//!
//! - the plan still pins the real body, and the guard enforces it exactly;
//! - everything a person or a model is shown (the approval, the plan response, errors,
//!   results, progress) has each value replaced by a marker, `«secret: password»`;
//! - the audit log redacts the values wherever they appear (the audit's redactor is
//!   extended with them), and so do the plugin's log lines on stderr;
//! - nothing holds a plain hash of a value (a low-entropy password would be found back
//!   from it): digests over a call's arguments or plan are keyed with a per-process key
//!   (see `guard::fingerprint`).
//!
//! Values are replaced as substrings, in their raw form and in their JSON-escaped form.
//! An empty value is no secret (it would match everywhere). A very short value is still
//! replaced everywhere it occurs, which can make text around it harder to read: failing
//! closed is the point.

use std::fmt;

use serde_json::{Map, Value};

use crate::contract::ToolError;

/// One secret value of a call and the property it was given in.
#[derive(Clone, PartialEq, Eq)]
struct Found {
    name: String,
    value: String,
}

/// The secret values of one call's arguments (see the module documentation).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretArgs {
    found: Vec<Found>,
}

impl fmt::Debug for SecretArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretArgs({} value(s), [REDACTED])", self.found.len())
    }
}

/// Whether an input schema marks any property `"writeOnly": true`, at any depth.
pub fn declares_secrets(schema: &Value) -> bool {
    match schema {
        Value::Object(obj) => {
            obj.get("writeOnly") == Some(&Value::Bool(true)) || obj.values().any(declares_secrets)
        }
        Value::Array(items) => items.iter().any(declares_secrets),
        _ => false,
    }
}

/// The marker shown instead of the value of the secret property `name`.
pub fn marker(name: &str) -> String {
    format!("«secret: {name}»")
}

impl SecretArgs {
    /// The values in `args` of the properties `schema` marks `"writeOnly": true` (on the
    /// property itself, in nested objects and array items too). A secret property given
    /// an object or array makes every string and number in it secret.
    pub fn collect(schema: &Value, args: &Value) -> Self {
        let mut found = Vec::new();
        walk(schema, args, &mut found);
        found.sort_by(|a, b| a.value.cmp(&b.value).then(a.name.cmp(&b.name)));
        found.dedup_by(|a, b| a.value == b.value);
        SecretArgs { found }
    }

    /// Whether the call carries no secret value.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// The secret values (for a redactor that replaces them its own way).
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.found.iter().map(|f| f.value.as_str())
    }

    /// Each form a value may take in text (raw, JSON-escaped) with its marker.
    pub fn needles(&self) -> Vec<(String, String)> {
        let mut needles = Vec::new();
        for f in &self.found {
            push_text_forms(&f.value, &marker(&f.name), &mut needles);
        }
        needles
    }

    /// `text` with every secret value replaced by its marker.
    pub fn mask_text(&self, text: &str) -> String {
        if self.is_empty() {
            return text.to_string();
        }
        replace_all(text, &self.needles())
    }

    /// `error` with every secret value replaced by its marker in its code, message and hint.
    pub fn mask_error(&self, error: ToolError) -> ToolError {
        if self.is_empty() {
            return error;
        }
        ToolError {
            code: self.mask_text(&error.code),
            message: self.mask_text(&error.message),
            hint: error.hint.as_deref().map(|h| self.mask_text(h)),
            ..error
        }
    }

    /// `value` with every secret value replaced by its marker, in strings and keys at any
    /// depth; a number whose digits hold a secret becomes the marker.
    pub fn mask(&self, value: &Value) -> Value {
        if self.is_empty() {
            return value.clone();
        }
        mask_value(value, &self.needles())
    }
}

fn walk(schema: &Value, value: &Value, out: &mut Vec<Found>) {
    if let (Some(props), Some(obj)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object(),
    ) {
        for (key, sub) in props {
            let Some(v) = obj.get(key) else { continue };
            if sub.get("writeOnly") == Some(&Value::Bool(true)) {
                leaves(key, v, out);
            } else {
                walk(sub, v, out);
            }
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for v in values {
            walk(items, v, out);
        }
    }
}

fn leaves(name: &str, value: &Value, out: &mut Vec<Found>) {
    let value = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => return items.iter().for_each(|v| leaves(name, v, out)),
        Value::Object(map) => return map.values().for_each(|v| leaves(name, v, out)),
        Value::Null | Value::Bool(_) => return,
    };
    if !value.is_empty() {
        out.push(Found {
            name: name.to_string(),
            value,
        });
    }
}

fn mask_value(value: &Value, needles: &[(String, String)]) -> Value {
    match value {
        Value::String(s) => Value::String(replace_all(s, needles)),
        Value::Number(n) => {
            let shown = n.to_string();
            let masked = replace_all(&shown, needles);
            if masked == shown {
                value.clone()
            } else {
                Value::String(masked)
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| mask_value(v, needles)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (replace_all(k, needles), mask_value(v, needles)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Null | Value::Bool(_) => value.clone(),
    }
}

/// Pushes the forms `value` may take in text, each to become `shown`: JSON-escaped (inside
/// a JSON string, when that differs) and raw.
pub(crate) fn push_text_forms(value: &str, shown: &str, needles: &mut Vec<(String, String)>) {
    let escaped = serde_json::to_string(value).unwrap_or_default();
    let escaped = escaped
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_default();
    if !escaped.is_empty() && escaped != value {
        needles.push((escaped.to_string(), shown.to_string()));
    }
    needles.push((value.to_string(), shown.to_string()));
}

/// `text` with every occurrence of every needle (overlapping ones included) replaced by
/// that needle's replacement; overlapping or adjacent occurrences become one replacement
/// (the first one's). Empty needles are ignored.
pub(crate) fn replace_all(text: &str, needles: &[(String, String)]) -> String {
    let mut ranges: Vec<(usize, usize, usize)> = Vec::new();
    for (n, (needle, _)) in needles.iter().enumerate() {
        if needle.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(found) = text[from..].find(needle.as_str()) {
            let start = from + found;
            ranges.push((start, start + needle.len(), n));
            // Step one character, not past the match, to catch overlapping occurrences.
            from = start + text[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if ranges.is_empty() {
        return text.to_string();
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end, n) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end, n)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end, n) in merged {
        out.push_str(&text[copied..start]);
        out.push_str(&needles[n].1);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "name": {"type": "string"},
            "password": {"type": "string", "writeOnly": true},
            "tls": {"type": "object", "properties": {"key": {"type": "string", "writeOnly": true}}},
            "users": {"type": "array", "items": {"type": "object", "properties": {"pin": {"type": "integer", "writeOnly": true}}}}
        }})
    }

    #[test]
    fn only_marked_properties_are_secret_at_any_depth() {
        let s = SecretArgs::collect(
            &schema(),
            &json!({"name": "shop", "password": "correct horse", "tls": {"key": "-----BEGIN KEY-----"},
                    "users": [{"pin": 482913}, {"pin": 482913}]}),
        );
        let mut values: Vec<&str> = s.values().collect();
        values.sort_unstable();
        assert_eq!(values, ["-----BEGIN KEY-----", "482913", "correct horse"]);
        assert!(declares_secrets(&schema()));
        assert!(!declares_secrets(
            &json!({"type": "object", "properties": {"password": {"type": "string"}}})
        ));
    }

    #[test]
    fn empty_missing_and_null_secrets_are_no_secrets() {
        for args in [
            json!({"name": "x"}),
            json!({"password": ""}),
            json!({"password": null}),
        ] {
            assert!(SecretArgs::collect(&schema(), &args).is_empty(), "{args}");
        }
        let none = SecretArgs::default();
        assert_eq!(none.mask(&json!({"a": "b"})), json!({"a": "b"}));
    }

    #[test]
    fn masking_replaces_every_form_everywhere() {
        let s = SecretArgs::collect(&schema(), &json!({"password": "p\"w-0123"}));
        let masked = s.mask(&json!({
            "body": {"password": "p\"w-0123"},
            "summary": "set to p\"w-0123 now",
            "echo": r#"{"password":"p\"w-0123"}"#,
            "p\"w-0123": 1
        }));
        let text = masked.to_string();
        assert!(!text.contains("w-0123"), "{text}");
        assert_eq!(masked["body"]["password"], "«secret: password»");
        assert_eq!(masked["summary"], "set to «secret: password» now");
        assert_eq!(masked["echo"], r#"{"password":"«secret: password»"}"#);
        assert_eq!(masked["«secret: password»"], 1);
        assert_eq!(
            s.mask_text("a p\"w-0123p\"w-0123 b"),
            "a «secret: password» b"
        );
    }

    #[test]
    fn numbers_holding_a_secret_become_the_marker() {
        let s = SecretArgs::collect(&schema(), &json!({"users": [{"pin": 482913}]}));
        assert_eq!(
            s.mask(&json!({"pin": 482913, "n": 7})),
            json!({"pin": "«secret: pin»", "n": 7})
        );
    }

    #[test]
    fn debug_never_shows_a_value() {
        let s = SecretArgs::collect(&schema(), &json!({"password": "correct horse"}));
        assert!(!format!("{s:?}").contains("horse"));
    }

    #[test]
    fn overlapping_and_multibyte_occurrences_leave_nothing() {
        let needles = vec![
            ("abcdefgh".to_string(), "[A]".to_string()),
            ("efghijkl".to_string(), "[B]".to_string()),
            (String::new(), "[never]".to_string()),
        ];
        assert_eq!(replace_all("xxabcdefghijklyy", &needles), "xx[A]yy");
        let needles = vec![("clé-é".to_string(), "[S]".to_string())];
        assert_eq!(replace_all("éclé-éclé-é!", &needles), "é[S]!");
        assert_eq!(replace_all("none", &needles), "none");
    }
}
