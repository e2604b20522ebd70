//! Redaction of everything the audit log writes: by value first, by key name second.
//!
//! The host knows every credential it loaded, so each one is removed wherever it shows
//! up (inside any string, at any depth, as a substring). Key names are only a second net
//! for values the host never knew (a password typed into an argument). Confirmation
//! tokens become a short reference so a plan and its apply can be correlated without the
//! log holding a usable token. A call's secret arguments (properties its manifest marks
//! `"writeOnly": true`, see [`crate::secret_args`]) are redacted by value too, for that
//! call's lines: [`Redactor::with_call`].

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::guard::CONFIRMATION_TOKEN_KEY;
use crate::secret::Secret;
use crate::secret_args::{SecretArgs, push_text_forms, replace_all};

/// What a redacted value or substring becomes.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Key names (lower case, without `_` and `-`) whose values are always redacted.
const SENSITIVE_KEY_PARTS: [&str; 8] = [
    "authorization",
    "cookie",
    "password",
    "passwd",
    "secret",
    "token",
    "privatekey",
    "apikey",
];

/// Key names (normalized like the above) that contain a sensitive part but hold no
/// credential: the plan's expiry time is useful in the log.
const HARMLESS_KEYS: [&str; 1] = ["tokenexpiresat"];

/// Redacts values before they are written.
#[derive(Clone)]
pub(crate) struct Redactor {
    /// Each value to remove, with what it becomes.
    secrets: Vec<(String, String)>,
}

impl Redactor {
    /// A redactor for these secret values (empty ones are ignored: they match everywhere).
    pub(crate) fn new(secrets: &[Secret]) -> Self {
        let mut values: Vec<String> = secrets
            .iter()
            .map(|s| s.expose().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        values.sort();
        values.dedup();
        let secrets = values
            .into_iter()
            .map(|v| (v, REDACTED.to_string()))
            .collect();
        Redactor { secrets }
    }

    /// `value` with every secret removed from its strings, sensitive keys blanked and
    /// confirmation tokens turned into references.
    ///
    /// A value found under a sensitive key (a password an API answered with) is also
    /// removed wherever else it shows up in the same value: APIs repeat it inside other
    /// strings (a DBaaS reset answers `password` and a `uri` holding it), and blanking the
    /// key alone would keep those copies.
    #[cfg(test)]
    pub(crate) fn value(&self, value: &Value) -> Value {
        match self.learning_from(&[value]) {
            Some(extended) => extended.scrub(value),
            None => self.scrub(value),
        }
    }

    /// This redactor extended with the long strings `parts` hold under sensitive keys, so
    /// that their copies elsewhere in any of the parts go too (one audit line redacts its
    /// fields with one such redactor); `None` when there is nothing new to learn.
    pub(crate) fn learning_from(&self, parts: &[&Value]) -> Option<Redactor> {
        let mut found = Vec::new();
        for part in parts {
            sensitive_values(part, &mut found);
        }
        found.retain(|v| !self.secrets.iter().any(|(known, _)| known == v));
        if found.is_empty() {
            return None;
        }
        let mut extended = self.clone();
        for v in found {
            push_text_forms(&v, REDACTED, &mut extended.secrets);
        }
        Some(extended)
    }

    /// [`Redactor::value`] without learning from the value: the caller already did.
    pub(crate) fn scrub(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Number(n) => {
                let shown = n.to_string();
                if self.text(&shown) == shown {
                    value.clone()
                } else {
                    Value::String(REDACTED.to_string())
                }
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.scrub(v)).collect()),
            Value::Object(map) => Value::Object(self.object(map)),
            Value::Null | Value::Bool(_) => value.clone(),
        }
    }

    fn object(&self, map: &Map<String, Value>) -> Map<String, Value> {
        map.iter()
            .map(|(key, value)| {
                let redacted = if key.eq_ignore_ascii_case(CONFIRMATION_TOKEN_KEY) {
                    token_reference(value)
                } else if sensitive_key(key) {
                    Value::String(REDACTED.to_string())
                } else {
                    self.scrub(value)
                };
                (self.text(key), redacted)
            })
            .collect()
    }

    /// `text` with every occurrence of every secret (overlapping ones included) replaced.
    pub(crate) fn text(&self, text: &str) -> String {
        // Most strings of a line (keys, ids, names) are shorter than any secret: no search
        // (each builds a substring searcher) for those.
        if self
            .secrets
            .iter()
            .all(|(secret, _)| text.len() < secret.len())
        {
            return text.to_string();
        }
        replace_all(text, &self.secrets)
    }

    /// This redactor extended with one call's secret arguments, each replaced by its
    /// marker (`«secret: password»`) in raw and JSON-escaped form.
    pub(crate) fn with_call(&self, call: &SecretArgs) -> Redactor {
        let mut secrets = self.secrets.clone();
        secrets.extend(call.needles());
        Redactor { secrets }
    }
}

/// A short, non-reversible reference to a confirmation token: `tok:` and the first 8 hex
/// digits of its sha256. The same token always gives the same reference.
pub(crate) fn token_reference(token: &Value) -> Value {
    match token {
        Value::Null => Value::Null,
        Value::String(token) => {
            let digest = hex::encode(Sha256::digest(token.as_bytes()));
            Value::String(format!("tok:{}", &digest[..8]))
        }
        _ => Value::String(REDACTED.to_string()),
    }
}

/// Shorter values under a sensitive key are not searched for elsewhere: they would blank
/// ordinary words and numbers (`"password": "none"`); real passwords and tokens are longer.
const MIN_FOUND_SECRET: usize = 8;

/// The strings held under sensitive keys anywhere in `value` (the confirmation token
/// excepted: it becomes a reference, not a blank).
fn sensitive_values(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key.eq_ignore_ascii_case(CONFIRMATION_TOKEN_KEY) {
                    continue;
                }
                if sensitive_key(key) {
                    if let Value::String(s) = value
                        && s.len() >= MIN_FOUND_SECRET
                        && !found.contains(s)
                    {
                        found.push(s.clone());
                    }
                } else {
                    sensitive_values(value, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| sensitive_values(v, found)),
        _ => {}
    }
}

fn sensitive_key(key: &str) -> bool {
    let normalized: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    !HARMLESS_KEYS.contains(&normalized.as_str())
        && SENSITIVE_KEY_PARTS
            .iter()
            .any(|part| normalized.contains(part))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_token_expiry_time_is_kept() {
        assert!(!sensitive_key("token_expires_at"));
        assert!(sensitive_key("api_token"));
        assert!(sensitive_key("X-XSRF-TOKEN"));
    }

    fn redactor() -> Redactor {
        Redactor::new(&[
            Secret::new("tok-SECRET-0123456789"),
            Secret::new("xsrf-abcdefgh"),
            Secret::new(""),
        ])
    }

    #[test]
    fn secrets_are_redacted_by_value_at_any_depth_and_as_substrings() {
        let v = json!({
            "zone": "example.com",
            "nested": [{"deep": {"note": "Bearer tok-SECRET-0123456789 was used"}}],
            "path": "/1/x?t=xsrf-abcdefgh&u=1",
            "xsrf-abcdefgh": 1
        });
        let out = redactor().value(&v);
        let text = out.to_string();
        assert!(!text.contains("tok-SECRET-0123456789"), "{text}");
        assert!(!text.contains("xsrf-abcdefgh"), "{text}");
        assert_eq!(
            out["nested"][0]["deep"]["note"],
            "Bearer [REDACTED] was used"
        );
        assert_eq!(out["path"], "/1/x?t=[REDACTED]&u=1");
        assert_eq!(out["zone"], "example.com");
        assert_eq!(out["[REDACTED]"], 1);
    }

    #[test]
    fn a_value_under_a_sensitive_key_is_removed_from_the_rest_of_the_value() {
        let answer = json!({
            "data": {
                "password": "Zq7#p9-Long\"Pass",
                "uri": "mysql://root:Zq7#p9-Long\"Pass@db.example:3306",
                "command": ["mysql", "-pZq7#p9-Long\"Pass"],
                "user": "root",
                "api_token": "none",
                "note": "none of this is secret"
            }
        });
        let out = Redactor::new(&[]).value(&answer);
        let text = out.to_string();
        assert!(!text.contains("Zq7#p9"), "{text}");
        assert_eq!(
            out["data"]["uri"],
            "mysql://root:[REDACTED]@db.example:3306"
        );
        assert_eq!(out["data"]["command"][1], "-p[REDACTED]");
        assert_eq!(out["data"]["user"], "root");
        // A short value under a sensitive key is blanked there only.
        assert_eq!(out["data"]["api_token"], REDACTED);
        assert_eq!(out["data"]["note"], "none of this is secret");
    }

    #[test]
    fn overlapping_and_adjacent_occurrences_leave_nothing() {
        let r = Redactor::new(&[Secret::new("abcdefgh"), Secret::new("efghijkl")]);
        assert_eq!(r.text("xxabcdefghijklyy"), "xx[REDACTED]yy");
        assert_eq!(r.text("abcdefghabcdefgh"), "[REDACTED]");
        let r = Redactor::new(&[Secret::new("abab")]);
        assert_eq!(r.text("ababab!"), "[REDACTED]!");
        assert_eq!(r.text("no match"), "no match");
    }

    #[test]
    fn multibyte_text_is_safe() {
        let r = Redactor::new(&[Secret::new("clé-secrète-é")]);
        assert_eq!(r.text("ééclé-secrète-éé"), "éé[REDACTED]é");
    }

    #[test]
    fn numbers_holding_a_secret_are_redacted() {
        let r = Redactor::new(&[Secret::new("12345678")]);
        assert_eq!(
            r.value(&json!({"pin": 9, "n": 1234567890})),
            json!({"pin": 9, "n": REDACTED})
        );
    }

    #[test]
    fn confirmation_token_becomes_a_reference() {
        let out = redactor().value(&json!({
            "confirmation_token": "3f0c6a2e-5c1b-4a57-9d1e-0c2b8a7f9e11",
            "inner": {"Confirmation_Token": "3f0c6a2e-5c1b-4a57-9d1e-0c2b8a7f9e11"},
            "none": {"confirmation_token": null}
        }));
        let reference = out["confirmation_token"].as_str().unwrap();
        assert!(
            reference.starts_with("tok:") && reference.len() == 12,
            "{reference}"
        );
        assert_eq!(out["inner"]["Confirmation_Token"], reference);
        assert_eq!(out["none"]["confirmation_token"], Value::Null);
        assert!(!out.to_string().contains("3f0c6a2e"));
        assert_ne!(
            token_reference(&json!("a")),
            token_reference(&json!("b")),
            "different tokens, different references"
        );
    }

    #[test]
    fn a_calls_secret_arguments_are_redacted_by_value_with_their_marker() {
        let schema = json!({"type": "object", "properties": {
            "pass": {"type": "string", "writeOnly": true}, "note": {"type": "string"}}});
        let call = SecretArgs::collect(&schema, &json!({"pass": "hunter2-long"}));
        let r = redactor().with_call(&call);
        let out = r.value(&json!({
            "args": {"pass": "hunter2-long", "note": "n"},
            "upstream": [{"path": "/1/x?p=hunter2-long", "auth": "tok-SECRET-0123456789 "}],
            "error": {"message": "422: field pass \"hunter2-long\" is too weak"}
        }));
        let text = out.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            !text.contains("tok-SECRET"),
            "the credentials stay redacted: {text}"
        );
        assert_eq!(out["upstream"][0]["path"], "/1/x?p=«secret: pass»");
        assert_eq!(out["args"]["note"], "n");
        assert!(
            redactor().text("hunter2-long").contains("hunter2"),
            "only that call's redactor knows the value"
        );
    }

    #[test]
    fn sensitive_keys_are_a_second_net() {
        let out = Redactor::new(&[]).value(&json!({
            "Authorization": "Bearer x", "set-cookie": "s=1", "db_password": "p",
            "client_secret": {"a": 1}, "api_token": "t", "private_key": "k", "apiKey": "k",
            "name": "kept", "list": [{"password": "p"}]
        }));
        for key in [
            "Authorization",
            "set-cookie",
            "db_password",
            "client_secret",
            "api_token",
            "private_key",
            "apiKey",
        ] {
            assert_eq!(out[key], REDACTED, "{key}");
        }
        assert_eq!(out["name"], "kept");
        assert_eq!(out["list"][0]["password"], REDACTED);
    }
}
