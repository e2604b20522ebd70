//! The upstream capability: the only way a plugin reaches the network.
//!
//! The [`Gateway`] is shared by the whole process: it owns the HTTP client, the role →
//! base URL + credential map, and one rate budget per credential. Each tool call gets a
//! [`CallSession`] that enforces the call's phase (read/plan: GET/HEAD only; apply: only
//! the confirmed plan's effects, each once, plus GET/HEAD), the granted roles, the
//! per-call request and byte caps, and records every request for the audit log.
//!
//! Layout: `gateway` (process-wide state), `session` (per-call rules and records),
//! `hygiene` (what a request must look like), `effects` (plan matching), `base_url`
//! (a role's URL and its per-request placeholders), `auth` (credential headers of each
//! auth provider), `oauth2` (the client credentials grant), `ratelimit` (per-credential
//! pacing), `retry` (waits between attempts), `transport` (the wire), `unsafe_reads` (the
//! GET routes that change state, gated like writes).

mod auth;
mod base_url;
mod effects;
mod gateway;
mod hygiene;
mod oauth2;
mod ratelimit;
pub mod record;
mod retry;
mod session;
mod transport;
mod unsafe_reads;
mod write_gate;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::contract::{HttpMethod, PlannedEffect};
use crate::secret::SecretSet;
pub use auth::Auth;
pub use base_url::BaseUrl;
pub use gateway::Gateway;
pub use oauth2::ClientCredentials;
pub use ratelimit::RATE_WINDOW;
pub use record::{RequestOutcome, RequestRecord};
pub use session::CallSession;
pub(crate) use unsafe_reads::{declarable as declarable_read, side_effect as read_side_effect};
pub use write_gate::FirstWriteGate;

/// One upstream role: where it is, how to authenticate, and what it allows.
#[derive(Debug, Clone)]
pub struct RoleConfig {
    /// Base URL (scheme, host, port, optional path prefix), possibly with placeholders
    /// each request fills from its base params; request paths are appended.
    pub base_url: BaseUrl,
    /// Credential; `None` when the operator configured none or not all of it (the gateway
    /// refuses the role's requests with [`CredentialAdvice::missing`]).
    pub auth: Option<Auth>,
    /// What the operator is told when the credential is missing or no longer accepted.
    pub advice: CredentialAdvice,
    /// Methods plugins may use on this role; `None` = all.
    pub methods: Option<Vec<HttpMethod>>,
    /// Requests per [`GatewayConfig::rate_window`] allowed on this role's credential
    /// (Infomaniak: 60 per minute); 0 = unlimited. Roles sharing a credential share one
    /// budget, the smallest of theirs.
    pub requests_per_minute: u32,
    /// Extra request headers a plugin may send on this role, besides `accept` and
    /// `content-type` (case-insensitive; method overrides and proxy headers never pass).
    pub allowed_headers: Vec<String>,
}

/// What the host tells the operator about a role's credential: variable names, pages
/// and steps, never a value. It becomes the tool's error when a request on the role is
/// refused for it (see `call::audit`), and the plugin sees it as a denial.
#[derive(Debug, Clone, Default)]
pub struct CredentialAdvice {
    /// Why the role has no usable credential and how to give it one (when `auth` is
    /// `None`); a generic sentence when unset.
    pub missing: Option<String>,
    /// How to renew the credential once the upstream stops accepting it (an expired
    /// manager session); a generic sentence when unset.
    pub renew: Option<String>,
}

/// Settings of the gateway.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Roles by name (e.g. `infomaniak-api`).
    pub roles: BTreeMap<String, RoleConfig>,
    /// The rolling window a role's budget counts in: [`RATE_WINDOW`] (a minute); tests
    /// use a shorter one to observe pacing quickly.
    pub rate_window: Duration,
    /// Timeout of one HTTP attempt (sending and reading the whole answer).
    pub request_timeout: Duration,
    /// Retries for GET/HEAD on 429/5xx/timeouts/network errors (writes are never retried).
    pub max_retries: u32,
    /// Every secret value to scrub from errors and upstream answers; the gateway adds the
    /// roles' credentials, OAuth providers add their access tokens as they get them.
    pub secrets: Arc<SecretSet>,
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
