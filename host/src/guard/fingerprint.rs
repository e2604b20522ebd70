//! Plan fingerprints and the canonical form of confirmed arguments.

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::canonical::canonical_json;
use crate::contract::Plan;
use crate::secret_args::SecretArgs;

/// The argument that carries a confirmation token; it is never part of what is confirmed.
pub const CONFIRMATION_TOKEN_KEY: &str = "confirmation_token";

/// Fingerprint of a plan: sha256 (hex) over the canonical JSON of `{"tool", "args"
/// (without `confirmation_token`), "summary", "changes", "snapshot", "effects"}`.
///
/// It covers everything the approval shows (see [`super::approval`]), the plugin's own
/// words included: what a human approved is exactly what may run. A plan whose wording
/// changed between the approval and the apply is a different plan, and is refused as
/// stale like one whose upstream state or declared writes changed.
///
/// A call with secret arguments ([`crate::secret_args`]) gets a keyed fingerprint
/// instead (HMAC-SHA256 under [`keyed_digest`]'s per-process key): the fingerprint is
/// written to the audit log and handed to clients, and a plain hash over a plan that
/// holds a low-entropy password would let anyone with the log try passwords until one
/// matched.
pub fn fingerprint(tool: &str, args: &Value, plan: &Plan, secrets: &SecretArgs) -> String {
    let subject = json!({
        "tool": tool,
        "args": without_token(args),
        "summary": plan.summary,
        "changes": plan.changes,
        "snapshot": plan.snapshot,
        "effects": plan.effects,
    });
    let text = canonical_json(&subject);
    if secrets.is_empty() {
        hex::encode(Sha256::digest(text.as_bytes()))
    } else {
        keyed_digest(&text)
    }
}

/// HMAC-SHA256 (hex) of `text` under a key drawn at random once per process and never
/// written anywhere: a digest that binds what it covers (arguments that may hold a
/// secret) and that nobody outside this process can test guesses against. Tokens and
/// seals live no longer than the process, so neither do these digests. (Replicas sharing
/// a token store would need to share this key.)
pub(crate) fn keyed_digest(text: &str) -> String {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        key
    });
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
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

    fn none() -> SecretArgs {
        SecretArgs::default()
    }

    fn args() -> Value {
        json!({"zone": "example.com", "source": "www", "type": "A", "target": "192.0.2.1"})
    }

    #[test]
    fn is_sha256_hex() {
        let fp = fingerprint("dns_record_create", &args(), &plan(), &none());
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
            fingerprint("dns_record_create", &args(), &plan(), &none()),
            fingerprint("dns_record_create", &reordered, &plan(), &none())
        );
    }

    #[test]
    fn everything_the_approval_shows_matters() {
        let base = fingerprint("t", &args(), &plan(), &none());
        let mut reworded = plan();
        reworded.summary = "Add www".into();
        assert_ne!(
            base,
            fingerprint("t", &args(), &reworded, &none()),
            "summary"
        );
        let mut retargeted = plan();
        retargeted.changes[0].target = "www".into();
        assert_ne!(
            base,
            fingerprint("t", &args(), &retargeted, &none()),
            "changes"
        );
        let mut rebodied = plan();
        rebodied.effects[0].body = None;
        assert_ne!(
            base,
            fingerprint("t", &args(), &rebodied, &none()),
            "effect body"
        );
    }

    #[test]
    fn tool_args_snapshot_and_effects_matter() {
        let base = fingerprint("t", &args(), &plan(), &none());
        assert_ne!(base, fingerprint("u", &args(), &plan(), &none()));

        let mut other_args = args();
        other_args["target"] = json!("192.0.2.2");
        assert_ne!(base, fingerprint("t", &other_args, &plan(), &none()));

        let mut moved = plan();
        moved.snapshot = json!({"records": [{"id": 2, "source": "@"}]});
        assert_ne!(base, fingerprint("t", &args(), &moved, &none()));

        let mut other_effect = plan();
        other_effect.effects[0].method = HttpMethod::Put;
        assert_ne!(base, fingerprint("t", &args(), &other_effect, &none()));

        let mut locked = plan();
        locked.effects[0].lock = Some("zone:example.com".into());
        assert_ne!(
            base,
            fingerprint("t", &args(), &locked, &none()),
            "the lock is approved too"
        );
    }

    #[test]
    fn a_call_with_secrets_gets_a_keyed_fingerprint_that_still_binds_them() {
        let schema = json!({"type": "object", "properties": {"password": {"type": "string", "writeOnly": true}}});
        let with = |pw: &str| {
            let mut a = args();
            a["password"] = json!(pw);
            let secrets = SecretArgs::collect(&schema, &a);
            (a, secrets)
        };
        let (a, s) = with("correct horse");
        let fp = fingerprint("t", &a, &plan(), &s);
        let plain = hex::encode(Sha256::digest(
            canonical_json(&json!({"tool": "t", "args": a, "summary": plan().summary,
                "changes": plan().changes, "snapshot": plan().snapshot, "effects": plan().effects}))
            .as_bytes(),
        ));
        assert_ne!(fp, plain, "no plain hash over the password");
        assert_eq!(fp.len(), 64);
        assert_eq!(fp, fingerprint("t", &a, &plan(), &s), "stable in a process");
        let (b, s2) = with("correct horsf");
        assert_ne!(fp, fingerprint("t", &b, &plan(), &s2), "bound to the value");
        assert_eq!(keyed_digest("x"), keyed_digest("x"));
        assert_ne!(keyed_digest("x"), hex::encode(Sha256::digest(b"x")));
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
