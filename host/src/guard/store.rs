//! The in-memory store of single-use confirmation tokens (the token way of confirming).
//!
//! A token is bound to the caller (the client session) it was minted for, the tool, the
//! canonical arguments and the plan's fingerprint; a token presented by another session
//! is unknown to it.
//!
//! Nothing of a plan is kept between the two phases but this binding: the confirming call
//! sends its arguments again (secret ones included, see [`crate::secret_args`]) and the
//! plugin plans again from them; the store keeps only a keyed digest of the arguments
//! ([`super::fingerprint::keyed_digest`]), never their values. The store lives in this
//! process's memory and is never written to disk; a shared store (replicas) must keep it
//! that way: digests only, under a key the replicas share and nothing else sees.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use time::OffsetDateTime;

use super::error::GuardError;
use super::fingerprint::{canonical_args, keyed_digest};

/// How long a confirmation token lives unless the operator configures otherwise.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(5 * 60);

/// A minted confirmation: what the client must send back, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintedToken {
    /// The single-use token.
    pub token: String,
    /// When it stops being accepted.
    pub expires_at: OffsetDateTime,
}

/// What a token was minted for.
struct Entry {
    caller: String,
    tool: String,
    /// Keyed digest of the canonical arguments (they may hold a secret).
    args: String,
    fingerprint: String,
    /// Monotonic deadline; `None` when the TTL is too large to represent (never expires).
    deadline: Option<Instant>,
}

impl Entry {
    fn expired(&self, now: Instant) -> bool {
        self.deadline.is_some_and(|deadline| now >= deadline)
    }
}

/// The token store (in memory, per process, shared by every session of the server).
pub struct Tokens {
    ttl: Duration,
    tokens: Mutex<HashMap<String, Entry>>,
}

impl Tokens {
    /// A guard whose tokens live `ttl` (the caller passes the configured value).
    pub fn new(ttl: Duration) -> Self {
        Tokens {
            ttl,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// How long tokens live.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Mints a token for `caller`'s call of `tool` with `args` (a `confirmation_token` key
    /// in them is ignored) and the plan's fingerprint. Expired tokens are purged on the way.
    pub fn mint(&self, caller: &str, tool: &str, args: &Value, fingerprint: &str) -> MintedToken {
        let token = uuid::Uuid::new_v4().to_string();
        let now = Instant::now();
        let expires_at = time::Duration::try_from(self.ttl)
            .ok()
            .and_then(|ttl| OffsetDateTime::now_utc().checked_add(ttl))
            .unwrap_or(OffsetDateTime::new_utc(
                time::Date::MAX,
                time::Time::MIDNIGHT,
            ));
        let entry = Entry {
            caller: caller.to_string(),
            tool: tool.to_string(),
            args: args_digest(args),
            fingerprint: fingerprint.to_string(),
            deadline: now.checked_add(self.ttl),
        };
        let mut tokens = self.tokens();
        tokens.retain(|_, entry| !entry.expired(now));
        tokens.insert(token.clone(), entry);
        MintedToken { token, expires_at }
    }

    /// Checks that `token` exists, is alive and belongs to `tool` and `args`, without
    /// consuming it. A mismatch leaves the token untouched; an expired token is removed.
    pub fn check(
        &self,
        caller: &str,
        token: &str,
        tool: &str,
        args: &Value,
    ) -> Result<(), GuardError> {
        check_entry(&mut self.tokens(), caller, token, tool, args)
    }

    /// Consumes `token` if it passes [`Guard::check`] and the fresh plan's `fingerprint`
    /// equals the confirmed one. On `Stale` the token is discarded too.
    pub fn consume(
        &self,
        caller: &str,
        token: &str,
        tool: &str,
        args: &Value,
        fingerprint: &str,
    ) -> Result<(), GuardError> {
        let mut tokens = self.tokens();
        check_entry(&mut tokens, caller, token, tool, args)?;
        let entry = tokens.remove(token).ok_or(GuardError::Unknown)?;
        if entry.fingerprint == fingerprint {
            Ok(())
        } else {
            Err(GuardError::Stale)
        }
    }

    fn tokens(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Every update of the map is a single insert/remove/retain, so a panic elsewhere
        // while the lock was held cannot leave it half-changed.
        self.tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn check_entry(
    tokens: &mut HashMap<String, Entry>,
    caller: &str,
    token: &str,
    tool: &str,
    args: &Value,
) -> Result<(), GuardError> {
    let entry = tokens
        .get(token)
        .filter(|entry| entry.caller == caller)
        .ok_or(GuardError::Unknown)?;
    if entry.expired(Instant::now()) {
        tokens.remove(token);
        return Err(GuardError::Expired);
    }
    if entry.tool != tool {
        return Err(GuardError::WrongTool {
            expected: entry.tool.clone(),
        });
    }
    if entry.args != args_digest(args) {
        return Err(GuardError::ArgsChanged);
    }
    Ok(())
}

/// What a token binds of the arguments: a keyed digest of their canonical form.
fn args_digest(args: &Value) -> String {
    keyed_digest(&canonical_args(args))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};
    use std::thread;

    use serde_json::json;

    use super::*;

    const TOOL: &str = "dns_record_create";
    const FP: &str = "aaaa";
    const ME: &str = "session-1";

    fn args() -> Value {
        json!({"zone": "example.com", "source": "www", "ttl": 300})
    }

    fn guard() -> Tokens {
        Tokens::new(Duration::from_secs(300))
    }

    #[test]
    fn mint_gives_uuid_v4_and_future_expiry() {
        let before = OffsetDateTime::now_utc();
        let c = guard().mint(ME, TOOL, &args(), FP);
        let uuid = uuid::Uuid::parse_str(&c.token).unwrap();
        assert_eq!(uuid.get_version_num(), 4);
        assert!(c.expires_at >= before + time::Duration::seconds(299));
        assert!(c.expires_at <= OffsetDateTime::now_utc() + time::Duration::seconds(300));
    }

    #[test]
    fn tokens_are_distinct() {
        let g = guard();
        assert_ne!(
            g.mint(ME, TOOL, &args(), FP).token,
            g.mint(ME, TOOL, &args(), FP).token
        );
    }

    #[test]
    fn happy_path_then_replay_refused() {
        let g = guard();
        let c = g.mint(ME, TOOL, &args(), FP);
        assert_eq!(g.check(ME, &c.token, TOOL, &args()), Ok(()));
        assert_eq!(g.consume(ME, &c.token, TOOL, &args(), FP), Ok(()));
        assert_eq!(
            g.consume(ME, &c.token, TOOL, &args(), FP),
            Err(GuardError::Unknown)
        );
        assert_eq!(
            g.check(ME, &c.token, TOOL, &args()),
            Err(GuardError::Unknown)
        );
    }

    #[test]
    fn another_callers_token_is_unknown_and_not_spent() {
        let g = guard();
        let c = g.mint(ME, TOOL, &args(), FP);
        assert_eq!(
            g.check("session-2", &c.token, TOOL, &args()),
            Err(GuardError::Unknown)
        );
        assert_eq!(
            g.consume("session-2", &c.token, TOOL, &args(), FP),
            Err(GuardError::Unknown)
        );
        assert_eq!(g.consume(ME, &c.token, TOOL, &args(), FP), Ok(()));
    }

    #[test]
    fn unknown_token() {
        let g = guard();
        g.mint(ME, TOOL, &args(), FP);
        assert_eq!(g.check(ME, "nope", TOOL, &args()), Err(GuardError::Unknown));
        assert_eq!(
            g.consume(ME, "nope", TOOL, &args(), FP),
            Err(GuardError::Unknown)
        );
    }

    #[test]
    fn wrong_tool_does_not_spend() {
        let g = guard();
        let c = g.mint(ME, TOOL, &args(), FP);
        let wrong = Err(GuardError::WrongTool {
            expected: TOOL.into(),
        });
        assert_eq!(g.check(ME, &c.token, "dns_record_delete", &args()), wrong);
        assert_eq!(
            g.consume(ME, &c.token, "dns_record_delete", &args(), FP),
            wrong
        );
        assert_eq!(g.consume(ME, &c.token, TOOL, &args(), FP), Ok(()));
    }

    #[test]
    fn changed_args_do_not_spend() {
        let g = guard();
        let c = g.mint(ME, TOOL, &args(), FP);
        let changed = json!({"zone": "example.com", "source": "www", "ttl": 3600});
        assert_eq!(
            g.check(ME, &c.token, TOOL, &changed),
            Err(GuardError::ArgsChanged)
        );
        assert_eq!(
            g.consume(ME, &c.token, TOOL, &changed, FP),
            Err(GuardError::ArgsChanged)
        );
        let missing = json!({"zone": "example.com", "source": "www"});
        assert_eq!(
            g.check(ME, &c.token, TOOL, &missing),
            Err(GuardError::ArgsChanged)
        );
        assert_eq!(g.consume(ME, &c.token, TOOL, &args(), FP), Ok(()));
    }

    #[test]
    fn key_order_and_confirmation_token_are_ignored() {
        let g = guard();
        let c = g.mint(
            ME,
            TOOL,
            &json!({"confirmation_token": "old", "a": 1, "b": [1, 2]}),
            FP,
        );
        let sent: Value = serde_json::from_str(&format!(
            r#"{{"b":[1,2],"confirmation_token":"{}","a":1}}"#,
            c.token
        ))
        .unwrap();
        assert_eq!(g.consume(ME, &c.token, TOOL, &sent, FP), Ok(()));
    }

    #[test]
    fn array_order_is_not_ignored() {
        let g = guard();
        let c = g.mint(ME, TOOL, &json!({"b": [1, 2]}), FP);
        assert_eq!(
            g.check(ME, &c.token, TOOL, &json!({"b": [2, 1]})),
            Err(GuardError::ArgsChanged)
        );
    }

    #[test]
    fn stale_discards_the_token() {
        let g = guard();
        let c = g.mint(ME, TOOL, &args(), FP);
        assert_eq!(
            g.consume(ME, &c.token, TOOL, &args(), "bbbb"),
            Err(GuardError::Stale)
        );
        assert_eq!(
            g.consume(ME, &c.token, TOOL, &args(), FP),
            Err(GuardError::Unknown)
        );
    }

    #[test]
    fn zero_ttl_is_expired_at_once_and_removed() {
        let g = Tokens::new(Duration::ZERO);
        let c = g.mint(ME, TOOL, &args(), FP);
        assert_eq!(
            g.check(ME, &c.token, TOOL, &args()),
            Err(GuardError::Expired)
        );
        assert_eq!(
            g.check(ME, &c.token, TOOL, &args()),
            Err(GuardError::Unknown)
        );
    }

    #[test]
    fn short_ttl_expires() {
        let g = Tokens::new(Duration::from_millis(50));
        let c = g.mint(ME, TOOL, &args(), FP);
        assert_eq!(g.check(ME, &c.token, TOOL, &args()), Ok(()));
        thread::sleep(Duration::from_millis(80));
        assert_eq!(
            g.consume(ME, &c.token, TOOL, &args(), FP),
            Err(GuardError::Expired)
        );
        assert_eq!(
            g.consume(ME, &c.token, TOOL, &args(), FP),
            Err(GuardError::Unknown)
        );
    }

    #[test]
    fn expiry_wins_over_mismatches() {
        let g = Tokens::new(Duration::ZERO);
        let c = g.mint(ME, TOOL, &args(), FP);
        assert_eq!(
            g.check(ME, &c.token, "other", &json!({})),
            Err(GuardError::Expired)
        );
    }

    #[test]
    fn mint_purges_expired_tokens() {
        let g = Tokens::new(Duration::ZERO);
        for _ in 0..10 {
            g.mint(ME, TOOL, &args(), FP);
        }
        assert_eq!(g.tokens().len(), 1);
    }

    #[test]
    fn huge_ttl_never_expires_and_does_not_panic() {
        let g = Tokens::new(Duration::MAX);
        let c = g.mint(ME, TOOL, &args(), FP);
        assert!(c.expires_at.year() >= 9999);
        assert_eq!(g.consume(ME, &c.token, TOOL, &args(), FP), Ok(()));
    }

    #[test]
    fn concurrent_consumers_exactly_one_wins() {
        for _ in 0..20 {
            let g = Arc::new(guard());
            let token = g.mint(ME, TOOL, &args(), FP).token;
            let barrier = Arc::new(Barrier::new(2));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let (g, token, barrier) = (g.clone(), token.clone(), barrier.clone());
                    thread::spawn(move || {
                        barrier.wait();
                        g.consume(ME, &token, TOOL, &args(), FP)
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            assert_eq!(
                results.iter().filter(|r| r.is_ok()).count(),
                1,
                "{results:?}"
            );
            assert!(results.contains(&Err(GuardError::Unknown)));
        }
    }
}
