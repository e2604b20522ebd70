//! Plan fingerprints and the canonical form of confirmed arguments.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::canonical::canonical_json;
use crate::contract::Plan;

/// The argument that carries a confirmation token; it is never part of what is confirmed.
pub const CONFIRMATION_TOKEN_KEY: &str = "confirmation_token";

/// Fingerprint of a plan: sha256 (hex) over the canonical JSON of `{"tool", "args"
/// (without `confirmation_token`), "summary", "changes", "snapshot", "effects"}`.
///
/// It covers everything the approval shows (see [`super::approval`]), the plugin's own
/// words included: what a human approved is exactly what may run. A plan whose wording
/// changed between the approval and the apply is a different plan, and is refused as
/// stale like one whose upstream state or declared writes changed.
pub fn fingerprint(tool: &str, args: &Value, plan: &Plan) -> String {
    let subject = json!({
        "tool": tool,
        "args": without_token(args),
        "summary": plan.summary,
        "changes": plan.changes,
        "snapshot": plan.snapshot,
        "effects": plan.effects,
    });
    hex::encode(Sha256::digest(canonical_json(&subject).as_bytes()))
}

/// The canonical JSON of `args` without the `confirmation_token` key, the form a token
/// is bound to (key order and spacing do not matter).
pub(crate) fn canonical_args(args: &Value) -> String {
    canonical_json(&without_token(args))
}

fn without_token(args: &Value) -> Value {
    match args {
        Value::Object(map) if map.contains_key(CONFIRMATION_TOKEN_KEY) => {
            let mut map = map.clone();
            map.remove(CONFIRMATION_TOKEN_KEY);
            Value::Object(map)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Change, HttpMethod, PlannedEffect};

    fn plan() -> Plan {
        Plan {
            summary: "Create A record www -> 192.0.2.1".into(),
            changes: vec![Change {
                target: "www.example.com A".into(),
                action: "create".into(),
                before: None,
                after: Some(json!({"target": "192.0.2.1"})),
            }],
            snapshot: json!({"records": [{"id": 1, "source": "@"}]}),
            effects: vec![PlannedEffect {
                role: "api".into(),
                method: HttpMethod::Post,
                path_pattern: "/2/zones/example.com/records".into(),
                query: Vec::new(),
                base_params: Vec::new(),
                body: Some(json!({"source": "www", "type": "A", "target": "192.0.2.1"})),
                unpinned_body: None,
                lock: None,
            }],
        }
    }

    fn args() -> Value {
        json!({"zone": "example.com", "source": "www", "type": "A", "target": "192.0.2.1"})
    }

    #[test]
    fn is_sha256_hex() {
        let fp = fingerprint("dns_record_create", &args(), &plan());
        assert_eq!(fp.len(), 64);
        assert!(
            fp.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn key_order_and_token_do_not_matter() {
        let reordered: Value = serde_json::from_str(
            r#"{"target":"192.0.2.1","type":"A","source":"www","zone":"example.com",
                "confirmation_token":"whatever"}"#,
        )
        .unwrap();
        assert_eq!(
            fingerprint("dns_record_create", &args(), &plan()),
            fingerprint("dns_record_create", &reordered, &plan())
        );
    }

    #[test]
    fn everything_the_approval_shows_matters() {
        let base = fingerprint("t", &args(), &plan());
        let mut reworded = plan();
        reworded.summary = "Add www".into();
        assert_ne!(base, fingerprint("t", &args(), &reworded), "summary");
        let mut retargeted = plan();
        retargeted.changes[0].target = "www".into();
        assert_ne!(base, fingerprint("t", &args(), &retargeted), "changes");
        let mut rebodied = plan();
        rebodied.effects[0].body = None;
        assert_ne!(base, fingerprint("t", &args(), &rebodied), "effect body");
    }

    #[test]
    fn tool_args_snapshot_and_effects_matter() {
        let base = fingerprint("t", &args(), &plan());
        assert_ne!(base, fingerprint("u", &args(), &plan()));

        let mut other_args = args();
        other_args["target"] = json!("192.0.2.2");
        assert_ne!(base, fingerprint("t", &other_args, &plan()));

        let mut moved = plan();
        moved.snapshot = json!({"records": [{"id": 2, "source": "@"}]});
        assert_ne!(base, fingerprint("t", &args(), &moved));

        let mut other_effect = plan();
        other_effect.effects[0].method = HttpMethod::Put;
        assert_ne!(base, fingerprint("t", &args(), &other_effect));

        let mut locked = plan();
        locked.effects[0].lock = Some("zone:example.com".into());
        assert_ne!(
            base,
            fingerprint("t", &args(), &locked),
            "the lock is approved too"
        );
    }

    #[test]
    fn canonical_args_ignore_token_and_order() {
        assert_eq!(
            canonical_args(&json!({"b": 1, "a": 2, "confirmation_token": "x"})),
            r#"{"a":2,"b":1}"#
        );
        assert_eq!(canonical_args(&json!([1, 2])), "[1,2]");
    }
}
