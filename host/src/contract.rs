//! Host-side mirror of the WIT contract (`wit/plugin.wit`, the latest version).
//!
//! The sandbox converts the generated bindings (of whichever contract version a plugin was
//! built against) into these plain types at the boundary, so the guard, the audit log, the
//! upstream gateway and the MCP layer never depend on wasmtime's generated code. The port
//! through which a plugin's requests reach the gateway is part of the contract too
//! ([`port`]), so that the sandbox and the gateway depend on it and not on each other.

pub mod effect_rules;
pub mod port;
pub mod request_rules;

use serde::{Deserialize, Serialize};

pub use port::{BoxFuture, UpstreamPort};

/// Latest version of the WIT package this host implements (it also loads 0.1.0 and 0.2.0).
pub const CONTRACT_VERSION: &str = "0.3.0";

/// Credential headers (lower case): only the host sets them. A plugin's attempt to set
/// one is dropped and reported by the sandbox, and dropped again by the gateway.
pub const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-xsrf-token",
];

/// What a tool can do to the world (WIT `effect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Only reads; runs through `invoke`.
    Read,
    /// Creates or changes something; needs a confirmed plan.
    Write,
    /// Removes or irreversibly changes something; needs a confirmed plan.
    Destructive,
}

impl Effect {
    /// Whether the tool changes the world and therefore goes through plan/apply.
    pub fn is_mutation(self) -> bool {
        !matches!(self, Effect::Read)
    }

    /// The lowercase name used in the audit log and in catalogs.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Read => "read",
            Effect::Write => "write",
            Effect::Destructive => "destructive",
        }
    }
}

/// Whether `name` is a valid tool name: `^[a-zA-Z0-9_-]{1,64}$`, as the WIT contract says.
pub fn valid_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// One tool as a plugin describes it (WIT `tool-descriptor`), schemas parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDescriptor {
    /// Name seen by MCP clients.
    pub name: String,
    /// Short human title.
    pub title: String,
    /// What the tool does, for the model.
    pub description: String,
    /// JSON Schema of the arguments (an object schema).
    pub input_schema: serde_json::Value,
    /// JSON Schema of the successful result.
    pub output_schema: serde_json::Value,
    /// Read, write or destructive.
    pub effect: Effect,
    /// Same arguments twice has the same effect as once.
    pub idempotent: bool,
    /// Grouping for catalogs and help.
    pub category: String,
    /// The tool that undoes this one, if any.
    pub undo_tool: Option<String>,
    /// The toolset an operator enables to expose it (WIT: absent = the plugin id, resolved
    /// when the manifest is read, so it is never empty here).
    pub toolset: String,
    /// Words `infomaniak_help` matches a task against (lowercase; may be empty).
    pub keywords: Vec<String>,
}

/// A plugin's manifest (WIT `manifest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Stable plugin id.
    pub id: String,
    /// Plugin version.
    pub version: String,
    /// Contract version the plugin was built against.
    pub contract_version: String,
    /// One-line description.
    pub description: String,
    /// Upstream roles the plugin needs.
    pub roles: Vec<String>,
    /// The plugin's tools, in listing order.
    pub tools: Vec<ToolDescriptor>,
}

/// HTTP methods a plugin may ask for (WIT `http-method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// GET
    Get,
    /// HEAD
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl HttpMethod {
    /// Whether the method only reads (GET/HEAD), the only methods allowed outside `apply`.
    pub fn is_read(self) -> bool {
        matches!(self, HttpMethod::Get | HttpMethod::Head)
    }

    /// The upper-case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Head => "HEAD",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// One upstream write a plan declares (WIT `planned-effect`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedEffect {
    /// Upstream role.
    pub role: String,
    /// Method of the write.
    pub method: HttpMethod,
    /// Path, where a `*` segment matches any one non-empty segment.
    pub path_pattern: String,
    /// The exact query the write carries, in order (empty = none; always empty for a
    /// plugin built against contract 0.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    /// Values for the `{placeholders}` of the role's base URL, compared as a set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub base_params: Vec<(String, String)>,
    /// The exact JSON body the write must carry, when known at plan time.
    pub body: Option<serde_json::Value>,
    /// Why the body is not pinned (the plugin's words, shown to the human); required for
    /// a POST/PUT/PATCH without `body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpinned_body: Option<String>,
    /// The lock the write holds on its role (e.g. `hosting:42`): confirmed applies holding
    /// one key on one role run one after the other (see `guard::locks`); none = no lock
    /// (always none for a plugin built against contract 0.1 or 0.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<String>,
}

impl PlannedEffect {
    /// A write on `role` with no query, no base params and `body` pinned (or, when `None`,
    /// no body at all): the common case, and the 0.1 contract's only one.
    pub fn new(
        role: impl Into<String>,
        method: HttpMethod,
        path_pattern: impl Into<String>,
        body: Option<serde_json::Value>,
    ) -> Self {
        PlannedEffect {
            role: role.into(),
            method,
            path_pattern: path_pattern.into(),
            query: Vec::new(),
            base_params: Vec::new(),
            body,
            unpinned_body: None,
            lock: None,
        }
    }

    /// The same effect holding the lock `key` (see [`PlannedEffect::lock`]).
    pub fn locked(mut self, key: impl Into<String>) -> Self {
        self.lock = Some(key.into());
        self
    }
}

/// One human-reviewable change (WIT `change`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// What is changed.
    pub target: String,
    /// Kind of change (create, update, delete...).
    pub action: String,
    /// State before, absent for a creation.
    pub before: Option<serde_json::Value>,
    /// State after, absent for a deletion.
    pub after: Option<serde_json::Value>,
}

/// What a write tool will do (WIT `plan`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Human summary to approve.
    pub summary: String,
    /// Structured before/after changes.
    pub changes: Vec<Change>,
    /// Upstream state the plan depends on; part of the fingerprint.
    pub snapshot: serde_json::Value,
    /// Every write `apply` will perform.
    pub effects: Vec<PlannedEffect>,
}

/// Result of `plan` (WIT `plan-outcome`).
#[derive(Debug, Clone, PartialEq)]
pub enum PlanOutcome {
    /// A change that needs confirmation.
    NeedsConfirmation(Plan),
    /// Nothing to do; the value is the tool's result.
    NoChange(serde_json::Value),
}

/// Kinds of tool failure (WIT `tool-error` cases, plus the host's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Arguments wrong (schema or semantics).
    InvalidArgs,
    /// The thing does not exist.
    NotFound,
    /// Conflicts with current state.
    Conflict,
    /// The upstream API refused or failed.
    Upstream,
    /// Refused by policy or the guard.
    Denied,
    /// A bug or unexpected state.
    Internal,
    /// The confirmation token is missing, expired, replayed or does not match.
    Confirmation,
    /// The world changed between plan and confirmation.
    Stale,
    /// The plugin was stopped by the sandbox (time, memory, crash).
    Sandbox,
    /// The server is at its concurrent-call limit; retry shortly.
    Busy,
}

/// The one code of argument errors, whoever finds them (host schema check or plugin);
/// it is also the kind's name.
pub const INVALID_ARGS: &str = "invalid_args";

/// A structured tool failure: what went wrong and what to do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolError {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// Machine-readable code (e.g. upstream `zone_does_not_exists`, or `invalid_token`).
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// What to do next.
    pub hint: Option<String>,
    /// Upstream HTTP status, for upstream errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl ToolError {
    /// Builds an error of the given kind.
    pub fn new(kind: ErrorKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        ToolError {
            kind,
            code: code.into(),
            message: message.into(),
            hint: None,
            status: None,
        }
    }

    /// Adds the next step to take.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)?;
        if let Some(hint) = &self.hint {
            write!(f, ". {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ToolError {}

/// A request a plugin asks the host to send (WIT `upstream.request`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpstreamRequest {
    /// Upstream role.
    pub role: String,
    /// Method.
    pub method: HttpMethod,
    /// Absolute path, no query.
    pub path: String,
    /// Query parameters in order.
    pub query: Vec<(String, String)>,
    /// Values for the `{placeholders}` of the role's base URL.
    pub base_params: Vec<(String, String)>,
    /// Extra headers (credential headers are stripped by the host).
    pub headers: Vec<(String, String)>,
    /// JSON body text.
    pub body: Option<String>,
}

/// The upstream's answer (WIT `upstream.response`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpstreamResponse {
    /// HTTP status.
    pub status: u16,
    /// Lower-case headers, never `set-cookie`.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

/// Why no response was delivered (WIT `upstream-error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum UpstreamError {
    /// The guard refused the request.
    #[error("denied by the host: {0}")]
    Denied(String),
    /// The per-call request budget is used up.
    #[error("the per-call budget of {0} upstream requests is used up")]
    BudgetExhausted(u32),
    /// The response exceeded the per-call byte cap.
    #[error("the upstream response exceeded the cap of {0} bytes")]
    TooLarge(u64),
    /// No answer in time.
    #[error("the upstream did not answer in time")]
    Timeout,
    /// Could not reach the upstream.
    #[error("the upstream could not be reached: {0}")]
    Network(String),
    /// The request was malformed.
    #[error("invalid upstream request: {0}")]
    InvalidRequest(String),
}
