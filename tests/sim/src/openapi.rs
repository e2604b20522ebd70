//! The official OpenAPI documents, embedded, and JSON Schema validators built
//! from them: request bodies are checked against them at run time, responses in the tests.
//!
//! The exports are OpenAPI 3.1 in name but carry OpenAPI 3.0 / PHP-isms that a 2020-12
//! validator would misread. [`normalize`] repairs them mechanically, and only them:
//! - `"nullable": true` next to `"type": T` becomes `"type": [T, "null"]` (3.0 semantics);
//! - keys whose value is `null` (`"items": null`, `"format": null`) are dropped (not schemas);
//! - `"properties": []` (a PHP empty array) becomes `{}`;
//! - `pattern`s written as PHP regex literals (`"/^...`, truncated in the export) are dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use crate::envelope::ApiError;

/// Which embedded document: one per official OpenAPI export in `openapi/`, all present from
/// the start so that domains add routes without touching this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spec {
    /// `openapi/dns.json`: zones, records, DNSSEC, domain zones/nameservers.
    Dns,
    /// `openapi/core.json`: accounts, products, profile, users, teams, invitations, tags.
    Core,
    /// `openapi/mail.json`: mail hostings, mailboxes, aliases, redirections, filters.
    Mail,
    /// `openapi/newsletter.json`.
    Newsletter,
    /// `openapi/kdrive.json`.
    Kdrive,
    /// `openapi/kchat.json` (Mattermost v4; its `servers` entry is wrong, see
    /// `infomaniak-api.md` §7.6).
    Kchat,
    /// `openapi/public-cloud.json`.
    PublicCloud,
    /// `openapi/swiss-backup.json`.
    SwissBackup,
    /// `openapi/ai-tools.json`.
    AiTools,
    /// `openapi/url-shortener.json`.
    UrlShortener,
}

impl Spec {
    /// Every document, for tests that walk them all.
    pub const ALL: [Spec; 10] = [
        Spec::Dns,
        Spec::Core,
        Spec::Mail,
        Spec::Newsletter,
        Spec::Kdrive,
        Spec::Kchat,
        Spec::PublicCloud,
        Spec::SwissBackup,
        Spec::AiTools,
        Spec::UrlShortener,
    ];

    /// The exported text, embedded in the binary.
    pub fn text(self) -> &'static str {
        match self {
            Spec::Dns => include_str!("../openapi/dns.json"),
            Spec::Core => include_str!("../openapi/core.json"),
            Spec::Mail => include_str!("../openapi/mail.json"),
            Spec::Newsletter => include_str!("../openapi/newsletter.json"),
            Spec::Kdrive => include_str!("../openapi/kdrive.json"),
            Spec::Kchat => include_str!("../openapi/kchat.json"),
            Spec::PublicCloud => include_str!("../openapi/public-cloud.json"),
            Spec::SwissBackup => include_str!("../openapi/swiss-backup.json"),
            Spec::AiTools => include_str!("../openapi/ai-tools.json"),
            Spec::UrlShortener => include_str!("../openapi/url-shortener.json"),
        }
    }
}

/// The normalized document, parsed on first use only (a tenant serving DNS never parses the
/// kDrive document).
pub fn document(spec: Spec) -> &'static Value {
    static DOCS: [OnceLock<Value>; Spec::ALL.len()] = [const { OnceLock::new() }; Spec::ALL.len()];
    let index = Spec::ALL
        .iter()
        .position(|s| *s == spec)
        .expect("every Spec is in Spec::ALL");
    DOCS[index].get_or_init(|| {
        let mut v: Value =
            serde_json::from_str(spec.text()).expect("embedded OpenAPI is valid JSON");
        normalize(&mut v);
        v
    })
}

/// Applies the repairs listed in the module documentation, recursively.
pub fn normalize(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, val| !val.is_null() || k == "const");
            if map
                .get("properties")
                .is_some_and(|p| p.as_array().is_some_and(Vec::is_empty))
            {
                map.insert("properties".into(), Value::Object(Default::default()));
            }
            if map
                .get("pattern")
                .and_then(Value::as_str)
                .is_some_and(|p| p.starts_with('/'))
            {
                map.remove("pattern");
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.remove("nullable");
                if let Some(Value::String(t)) = map.get("type").cloned() {
                    map.insert("type".into(), serde_json::json!([t, "null"]));
                }
            }
            for val in map.values_mut() {
                normalize(val);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

/// Escapes one JSON-pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Pointer to an operation's request-body schema.
pub fn request_pointer(path: &str, method: &str) -> String {
    format!(
        "/paths/{}/{}/requestBody/content/application~1json/schema",
        escape(path),
        method.to_ascii_lowercase()
    )
}

/// Pointer to an operation's response schema for `status`.
pub fn response_pointer(path: &str, method: &str, status: u16) -> String {
    format!(
        "/paths/{}/{}/responses/{status}/content/application~1json/schema",
        escape(path),
        method.to_ascii_lowercase()
    )
}

/// Percent-encodes a JSON pointer for use as a URI fragment (`{zone}` is not URI-safe).
pub fn fragment(pointer: &str) -> String {
    pointer
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"/~-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A 2020-12 validator for the schema at `pointer`, with `$ref`s resolved inside the document
/// (the whole document is the root resource; its root `$ref` points at the schema).
pub fn validator(spec: Spec, pointer: &str) -> Result<Arc<jsonschema::Validator>, String> {
    type Cache = Mutex<HashMap<(Spec, String), Arc<jsonschema::Validator>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (spec, pointer.to_string());
    if let Some(v) = cache.lock().map_err(|e| e.to_string())?.get(&key) {
        return Ok(v.clone());
    }
    let doc = document(spec);
    if doc.pointer(pointer).is_none() {
        return Err(format!(
            "no schema at {pointer} in the {spec:?} OpenAPI document"
        ));
    }
    let mut root = doc.clone();
    root["$ref"] = Value::String(format!("#{}", fragment(pointer)));
    let compiled = jsonschema::draft202012::options()
        .build(&root)
        .map_err(|e| format!("cannot compile {pointer}: {e}"))?;
    let compiled = Arc::new(compiled);
    cache
        .lock()
        .map_err(|e| e.to_string())?
        .insert(key, compiled.clone());
    Ok(compiled)
}

/// Validates a request body against the operation's request schema; a mismatch is the 422
/// `validation_failed` the API gives, one item per offending attribute.
pub fn check_request(spec: Spec, path: &str, method: &str, body: &Value) -> Result<(), ApiError> {
    let v = validator(spec, &request_pointer(path, method)).map_err(|e| {
        tracing::error!("request schema unavailable: {e}");
        ApiError::unexpected()
    })?;
    let items: Vec<(String, &'static str, String)> = v
        .iter_errors(body)
        .map(|e| {
            let attribute = match e.kind() {
                jsonschema::error::ValidationErrorKind::Required { property } => {
                    property.as_str().unwrap_or_default().to_string()
                }
                _ => e
                    .instance_path()
                    .as_str()
                    .trim_start_matches('/')
                    .replace('/', "."),
            };
            let attribute = if attribute.is_empty() {
                "body".to_string()
            } else {
                attribute
            };
            (attribute, "validation_rule_invalid", e.to_string())
        })
        .collect();
    if items.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalize_repairs_oas30_isms() {
        let mut v = json!({"type": "integer", "nullable": true, "items": null,
            "properties": [], "pattern": "/^(?!x", "x": {"type": "string", "nullable": true}});
        normalize(&mut v);
        assert_eq!(
            v,
            json!({"type": ["integer", "null"], "properties": {},
            "x": {"type": ["string", "null"]}})
        );
    }

    #[test]
    fn record_create_body_is_checked() {
        let p = "/2/zones/{zone}/records";
        assert!(
            check_request(
                Spec::Dns,
                p,
                "POST",
                &json!({"type":"A","target":"1.2.3.4","ttl":300})
            )
            .is_ok()
        );
        let e = check_request(
            Spec::Dns,
            p,
            "POST",
            &json!({"type":"A","target":"1.2.3.4","ttl":30}),
        )
        .unwrap_err();
        assert_eq!(e.code, "validation_failed");
        assert_eq!(e.errors[0]["context"]["attribute"], "ttl");
        let e = check_request(Spec::Dns, p, "POST", &json!({"type":"A","ttl":300})).unwrap_err();
        assert_eq!(e.errors[0]["context"]["attribute"], "target");
        assert!(
            check_request(
                Spec::Dns,
                p,
                "POST",
                &json!({"source":null,"type":"A","target":"1.2.3.4","ttl":300})
            )
            .is_ok()
        );
    }

    #[test]
    fn every_embedded_document_parses_and_has_paths() {
        for spec in Spec::ALL {
            let doc = document(spec);
            assert!(
                doc["paths"].as_object().is_some_and(|p| !p.is_empty()),
                "{spec:?} has no paths"
            );
        }
    }

    #[test]
    fn unknown_pointer_is_reported() {
        assert!(validator(Spec::Dns, "/paths/nope").is_err());
    }
}
