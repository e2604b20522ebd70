//! The confirmation guard: no write without a plan a human saw and approved.
//!
//! The first call of a write tool gets a plan and a single-use token bound to the tool
//! and its canonical arguments. The second call must carry that token with the same
//! arguments; the host re-plans, and the token is consumed only if the fresh plan's
//! fingerprint (tool, canonical args, snapshot, effects) equals the confirmed one.

use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;

use crate::contract::{Plan, ToolError};

/// A minted confirmation: what the client must send back, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The single-use token.
    pub token: String,
    /// When it stops being accepted.
    pub expires_at: OffsetDateTime,
}

/// Why a confirmation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// No such token (never minted, already used, or the server restarted).
    #[error("unknown or already used confirmation token")]
    Unknown,
    /// The token's time ran out.
    #[error("the confirmation token expired")]
    Expired,
    /// The token was minted for another tool.
    #[error("the confirmation token was issued for {expected}")]
    WrongTool {
        /// The tool it belongs to.
        expected: String,
    },
    /// The arguments differ from the planned ones.
    #[error("the arguments differ from the ones that were planned")]
    ArgsChanged,
    /// The world changed since the plan; the token is discarded.
    #[error("the state changed since the plan was made")]
    Stale,
}

impl GuardError {
    /// The structured tool error (kind, code, message, hint) for the client.
    pub fn to_tool_error(&self, tool: &str) -> ToolError {
        let _ = tool;
        todo!("guard helper")
    }
}

/// Fingerprint of a plan: sha256 (hex) over the canonical JSON of
/// `(tool, args, snapshot, effects)`.
pub fn fingerprint(tool: &str, args: &Value, plan: &Plan) -> String {
    let _ = (tool, args, plan);
    todo!("guard helper")
}

/// The token store (in memory, per process).
pub struct Guard {
    _ttl: Duration,
}

impl Guard {
    /// A guard whose tokens live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        let _ = ttl;
        todo!("guard helper")
    }

    /// Mints a token for `tool` with `args` (without `confirmation_token`) and the plan's
    /// fingerprint.
    pub fn mint(&self, tool: &str, args: &Value, fingerprint: &str) -> Confirmation {
        let _ = (tool, args, fingerprint);
        todo!("guard helper")
    }

    /// Checks that `token` exists, is alive and belongs to `tool` and `args`, without
    /// consuming it. A mismatch leaves the token untouched.
    pub fn check(&self, token: &str, tool: &str, args: &Value) -> Result<(), GuardError> {
        let _ = (token, tool, args);
        todo!("guard helper")
    }

    /// Consumes `token` if it passes [`Guard::check`] and the fresh plan's `fingerprint`
    /// equals the confirmed one. On `Stale` the token is discarded too.
    pub fn consume(
        &self,
        token: &str,
        tool: &str,
        args: &Value,
        fingerprint: &str,
    ) -> Result<(), GuardError> {
        let _ = (token, tool, args, fingerprint);
        todo!("guard helper")
    }
}
