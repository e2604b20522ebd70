//! Secret arguments: a value the user gives a tool that must reach the upstream and
//! nothing else (a share-link password, an FTP or database user's password, a key).
//!
//! Declare the argument as [`SecretArg`] (or `Option<SecretArg>`): its schema in the
//! manifest is a string marked `"writeOnly": true`, and that mark is all the host needs.
//! For every call the host then shows the value as `«secret: <name>»` in the approval,
//! the plan response, errors, results, log lines and progress, and redacts it from the
//! audit log, while the plan pins the real body and the guard enforces it. So a plugin
//! pins a body holding the secret like any other body (no "NOT PINNED" escape hatch),
//! and may describe the change as it likes: whatever it repeats of the value is masked.
//!
//! ```ignore
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct PasswordArgs {
//!     user_id: u64,
//!     /// New password (8+ characters).
//!     password: SecretArg,
//! }
//! // in the plan: PlanBuilder::new(..).effect(HttpMethod::Patch, path, Some(&json!({"password": a.password})))
//! ```

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// A secret string argument: `"writeOnly": true` in the schema, never shown by `Debug`.
/// Serializes as the plain string, so it goes into a request body as is.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct SecretArg(String);

impl SecretArg {
    /// Wraps a value (tests, or a value the plugin derived).
    pub fn new(value: impl Into<String>) -> Self {
        SecretArg(value.into())
    }

    /// The value, for the body that carries it upstream and for checks on it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretArg(«secret»)")
    }
}

impl JsonSchema for SecretArg {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "SecretArg".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "writeOnly": true})
    }
}

/// The top-level arguments of `tool` that its manifest marks secret (`"writeOnly": true`),
/// sorted: what the host will mask. For plugin tests (`testing` feature).
#[cfg(any(test, feature = "testing"))]
pub fn secret_properties(manifest: &crate::Manifest, tool: &str) -> Vec<String> {
    let Some(t) = manifest.tools.iter().find(|t| t.name == tool) else {
        panic!("no tool {tool} in the manifest");
    };
    let schema: serde_json::Value = serde_json::from_str(&t.input_schema).unwrap_or_default();
    let mut names: Vec<String> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, p)| p["writeOnly"] == true)
        .map(|(k, _)| k.clone())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::schema::{Side, compact};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Args {
        /// User.
        user: String,
        /// New password.
        password: SecretArg,
        /// Optional key.
        key: Option<SecretArg>,
    }

    fn input_schema() -> Value {
        let raw = schemars::SchemaGenerator::default()
            .into_root_schema_for::<Args>()
            .to_value();
        compact(raw, Side::Input)
    }

    #[test]
    fn the_compact_schema_marks_secret_properties_write_only() {
        let s = input_schema();
        assert_eq!(
            s["properties"]["password"],
            json!({"type": "string", "writeOnly": true, "description": "New password."})
        );
        assert_eq!(s["properties"]["key"]["writeOnly"], true, "{s}");
        assert_eq!(s["properties"]["key"]["type"], "string", "{s}");
        assert!(s["properties"]["user"].get("writeOnly").is_none());
    }

    #[test]
    fn it_reads_and_writes_as_a_plain_string_but_never_debugs_its_value() {
        let a: Args =
            serde_json::from_value(json!({"user": "u", "password": "correct horse"})).unwrap();
        assert_eq!(a.password.expose(), "correct horse");
        assert_eq!(
            json!({"password": a.password}),
            json!({"password": "correct horse"})
        );
        assert!(a.key.is_none());
        assert!(!format!("{a:?}").contains("horse"), "{a:?}");
    }
}
