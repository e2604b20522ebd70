//! The sealed state of an `input_required` round trip (MCP 2026-07-28).
//!
//! A 2026-era client confirms in-protocol by answering the host's confirmation request
//! and calling the tool again with the `requestState` the host gave it. That string
//! comes back from the client, so it is attacker-controlled: if it were the bare token
//! (as it once was), a client could replay it or send any token it had seen. Here it is
//! sealed: an HMAC (rmcp's `RequestStateCodec`, HMAC-SHA256 under a key drawn at random
//! for each process) over the plan's fingerprint, the tool and a keyed digest of its
//! arguments, bound to the caller (the client session) as associated data, with an
//! expiry; and each seal opens once (its nonce is spent). A forged, altered, expired,
//! replayed or foreign state is refused before anything is planned again.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rand::RngCore;
use rmcp::model::{RequestStateCodec, RequestStateError, SealOptions};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::GuardError;
use super::fingerprint::{canonical_args, keyed_digest};

/// What a sealed state says (readable by the client, but not changeable).
#[derive(Debug, Serialize, Deserialize)]
struct Sealed {
    tool: String,
    /// Keyed digest (hex) of the canonical arguments.
    args: String,
    /// The fingerprint of the plan the human was asked to approve.
    fingerprint: String,
    /// Makes each seal single-use.
    nonce: String,
}

/// Seals and opens `input_required` states; one per process.
pub struct Seals {
    codec: RequestStateCodec,
    ttl: Duration,
    /// Nonces already opened, with when they may be forgotten (their seal has expired).
    spent: Mutex<HashMap<String, Instant>>,
}

impl Seals {
    /// Seals that expire after `ttl` (the token lifetime), under a fresh random key.
    pub fn new(ttl: Duration) -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Seals {
            codec: RequestStateCodec::new_unchecked(key.to_vec()),
            ttl,
            spent: Mutex::new(HashMap::new()),
        }
    }

    /// The state for `caller`'s pending approval of `tool` with `args` and `fingerprint`.
    pub fn seal(&self, caller: &str, tool: &str, args: &Value, fingerprint: &str) -> String {
        let sealed = Sealed {
            tool: tool.to_string(),
            args: args_digest(args),
            fingerprint: fingerprint.to_string(),
            nonce: uuid::Uuid::new_v4().to_string(),
        };
        let payload = serde_json::to_vec(&sealed).unwrap_or_default();
        self.codec.seal_with(
            &payload,
            &SealOptions::new()
                .associated_data(caller.as_bytes())
                .ttl(self.ttl),
        )
    }

    /// Opens `state` for `caller`'s retry of `tool` with `args`, spends it, and returns the
    /// fingerprint the human was asked to approve.
    pub fn open(
        &self,
        state: &str,
        caller: &str,
        tool: &str,
        args: &Value,
    ) -> Result<String, GuardError> {
        let payload = self
            .codec
            .open_with(state, caller.as_bytes())
            .map_err(|e| match e {
                RequestStateError::Expired => GuardError::Expired,
                _ => GuardError::BadState,
            })?;
        let sealed: Sealed = serde_json::from_slice(&payload).map_err(|_| GuardError::BadState)?;
        if sealed.tool != tool {
            return Err(GuardError::WrongTool {
                expected: sealed.tool,
            });
        }
        if sealed.args != args_digest(args) {
            return Err(GuardError::ArgsChanged);
        }
        let now = Instant::now();
        let mut spent = self.spent();
        spent.retain(|_, forget_at| *forget_at > now);
        if spent.contains_key(&sealed.nonce) {
            return Err(GuardError::Unknown);
        }
        // Kept a little longer than the seal lives, so it cannot be replayed at the edge.
        spent.insert(sealed.nonce, now + self.ttl + Duration::from_secs(1));
        Ok(sealed.fingerprint)
    }

    fn spent(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        // Every update is a single retain/insert, so a poisoned map is still consistent.
        self.spent.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Keyed: the sealed payload is readable by the client, and the arguments may hold a
/// secret that a plain hash would let anyone who sees the state test guesses against.
fn args_digest(args: &Value) -> String {
    keyed_digest(&canonical_args(args))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ME: &str = "session-1";
    const TOOL: &str = "infomaniak_dns_create_record";
    const FP: &str = "f1";

    fn args() -> Value {
        json!({"zone": "example.com", "source": "www"})
    }

    fn seals() -> Seals {
        Seals::new(Duration::from_secs(300))
    }

    #[test]
    fn a_seal_opens_once_for_its_caller_tool_and_args() {
        let s = seals();
        let state = s.seal(ME, TOOL, &args(), FP);
        assert_eq!(s.open(&state, ME, TOOL, &args()), Ok(FP.to_string()));
        assert_eq!(s.open(&state, ME, TOOL, &args()), Err(GuardError::Unknown));
    }

    #[test]
    fn a_bare_token_or_garbage_is_refused() {
        let s = seals();
        for state in [
            "",
            "4f1c2c2e-8b1d-4a57-9d36-0d6f1e8f8e11",
            "rs1.AAAA.BBBB",
            "x.y",
        ] {
            assert_eq!(
                s.open(state, ME, TOOL, &args()),
                Err(GuardError::BadState),
                "{state:?}"
            );
        }
    }

    #[test]
    fn a_tampered_seal_is_refused() {
        let s = seals();
        let state = s.seal(ME, TOOL, &args(), FP);
        let mut bytes = state.clone().into_bytes();
        let mid = bytes.len() / 2;
        bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(
            s.open(&tampered, ME, TOOL, &args()),
            Err(GuardError::BadState)
        );
        assert_eq!(s.open(&state, ME, TOOL, &args()), Ok(FP.to_string()));
    }

    #[test]
    fn another_caller_or_process_cannot_open_it() {
        let s = seals();
        let state = s.seal(ME, TOOL, &args(), FP);
        assert_eq!(
            s.open(&state, "session-2", TOOL, &args()),
            Err(GuardError::BadState)
        );
        assert_eq!(
            seals().open(&state, ME, TOOL, &args()),
            Err(GuardError::BadState),
            "a restarted server has another key"
        );
    }

    #[test]
    fn another_tool_or_other_arguments_are_refused() {
        let s = seals();
        let state = s.seal(ME, TOOL, &args(), FP);
        assert!(matches!(
            s.open(&state, ME, "infomaniak_dns_delete_record", &args()),
            Err(GuardError::WrongTool { .. })
        ));
        assert_eq!(
            s.open(
                &state,
                ME,
                TOOL,
                &json!({"zone": "example.com", "source": "evil"})
            ),
            Err(GuardError::ArgsChanged)
        );
    }

    #[test]
    fn an_expired_seal_is_refused() {
        let s = Seals::new(Duration::from_millis(30));
        let state = s.seal(ME, TOOL, &args(), FP);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(s.open(&state, ME, TOOL, &args()), Err(GuardError::Expired));
    }
}
