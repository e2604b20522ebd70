//! The upstream capability: the only way a plugin reaches the network.
//!
//! The [`Gateway`] is shared by the whole process: it owns the HTTP client, the role →
//! base URL + credential map, and one rate budget per credential. Each tool call gets a
//! [`CallSession`] that enforces the call's phase (read/plan: GET/HEAD only; apply: only
//! the confirmed plan's effects, each once, plus GET/HEAD), the granted roles, the
//! per-call request and byte caps, and records every request for the audit log.
//!
//! Layout: `gateway` (process-wide state), `session` (per-call rules and records),
//! `hygiene` (what a request must look like), `effects` (plan matching), `auth`
//! (credential headers), `ratelimit` (per-credential pacing), `retry` (waits between
//! attempts), `transport` (the wire).

mod auth;
mod effects;
mod gateway;
mod hygiene;
mod ratelimit;
pub mod record;
mod retry;
mod session;
mod transport;
mod write_gate;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::contract::PlannedEffect;
use crate::secret::Secret;
pub use auth::credential_env_vars;
pub use gateway::Gateway;
pub use record::{RequestOutcome, RequestRecord};
pub use session::CallSession;
pub use write_gate::FirstWriteGate;

/// How the host authenticates to one upstream role.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Bearer <token>` (the public Infomaniak API).
    Bearer(Secret),
    /// Manager session: `Cookie: SASESSION=<session>` and `X-XSRF-TOKEN` on non-GET.
    ManagerSession {
        /// The SASESSION cookie value.
        session: Secret,
        /// The URL-decoded MANAGER-XSRF-TOKEN value.
        xsrf: Secret,
    },
}

/// One upstream role: where it is and how to authenticate.
#[derive(Debug, Clone)]
pub struct RoleConfig {
    /// Base URL (scheme, host, port, optional path prefix); request paths are appended.
    pub base_url: url::Url,
    /// Credential; `None` when the operator configured none (requests are then refused
    /// with a message naming the variable to set).
    pub auth: Option<Auth>,
    /// Extra request headers a plugin may send on this role, besides `accept` and
    /// `content-type` (case-insensitive; method overrides and proxy headers never pass).
    pub allowed_headers: Vec<String>,
}

/// Settings of the gateway.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Roles by name (e.g. `infomaniak-api`).
    pub roles: BTreeMap<String, RoleConfig>,
    /// Requests per minute allowed per credential (Infomaniak: 60); 0 = unlimited.
    pub requests_per_minute: u32,
    /// Requests a credential may send back to back before pacing starts; `None` = a few
    /// below `requests_per_minute` (55 for 60), which keeps us under the upstream's own
    /// bucket despite jitter; 0 means the same. Tests set a small burst to observe pacing
    /// quickly.
    pub burst: Option<u32>,
    /// Timeout of one HTTP attempt (sending and reading the whole answer).
    pub request_timeout: Duration,
    /// Retries for GET/HEAD on 429/5xx/timeouts/network errors (writes are never retried).
    pub max_retries: u32,
}

/// The phase of the tool call a session belongs to.
#[derive(Debug, Clone)]
pub enum Phase {
    /// A read tool (`invoke`): GET/HEAD only.
    Read,
    /// Planning a write (`plan`): GET/HEAD only.
    Plan,
    /// Applying a confirmed plan: these effects (each once) plus GET/HEAD.
    Apply(Vec<PlannedEffect>),
}

/// What one tool call may do upstream.
#[derive(Debug, Clone)]
pub struct SessionSpec {
    /// Plugin making the call (for logs and denials).
    pub plugin_id: String,
    /// Roles the plugin declared and the operator granted.
    pub granted_roles: Vec<String>,
    /// The call's phase.
    pub phase: Phase,
    /// Maximum upstream requests in this call.
    pub max_requests: u32,
    /// Maximum total response bytes in this call.
    pub max_response_bytes: u64,
}

/// Shared handle on the requests a session made, readable after the call.
pub type RecordLog = Arc<Mutex<Vec<RequestRecord>>>;
