//! What the audit log keeps of each upstream request a plugin made.

use serde::{Deserialize, Serialize};

/// One upstream request as seen by the gateway: enough to audit it, never a credential
/// or a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Upstream role the plugin named.
    pub role: String,
    /// HTTP method.
    pub method: String,
    /// Path (no query, no host).
    pub path: String,
    /// Query, form-encoded as sent (empty = none), so a write's full target is audited.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub query: String,
    /// Final HTTP status, when a response arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Wall time including rate-limit waits and retries, in milliseconds.
    pub ms: u64,
    /// Of that, the time spent waiting on the upstream (rate-limit waits, every attempt's
    /// exchange, reading the answer), in microseconds: the part of a call that is not the
    /// host's own work (`make bench` subtracts it to report the host's share).
    #[serde(default)]
    pub wait_us: u64,
    /// How many times it was sent (retries of idempotent requests count).
    pub attempts: u32,
    /// What became of it.
    pub outcome: RequestOutcome,
}

/// What became of an upstream request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "reason")]
pub enum RequestOutcome {
    /// Sent and answered (whatever the status).
    Sent,
    /// Refused by the guard or policy before anything was sent.
    Denied(String),
    /// Sent but no usable answer (timeout, network, too large).
    Failed(String),
    /// Refused before sending because the role has no credential (no `status`), or
    /// answered in a way that says the upstream no longer accepts it (an expired manager
    /// session: `status` is the answer's); the reason is the operator's advice, which
    /// becomes the tool's error when the call fails.
    Unauthenticated(String),
}
