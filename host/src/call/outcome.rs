//! What a tool call produced, before any protocol gives it a shape.

use serde_json::Value;

use crate::contract::ToolError;

/// What a tool call produced.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutcome {
    /// The tool's result (read tools, applied writes, no-change writes, declined plans).
    Success(Value),
    /// A plan waiting for a human's approval.
    NeedsApproval(PendingApproval),
    /// The call failed; `detail` carries extra structured data (a fresh plan when stale).
    Failure {
        /// What went wrong and what to do next.
        error: ToolError,
        /// Extra data for the client.
        detail: Option<Value>,
    },
}

impl CallOutcome {
    /// A failure with nothing more to say than the error.
    pub fn failure(error: ToolError) -> Self {
        CallOutcome::Failure {
            error,
            detail: None,
        }
    }
}

/// A plan waiting for a human's approval, as the guard flow hands it out.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingApproval {
    /// The plan response: `status: "plan"`, the plugin's `summary` and `changes`, the
    /// `effects`, the host-rendered `approval`, and `next_step`; on the token way also
    /// `confirmation_token` and `token_expires_at` (never when confirming in-protocol).
    pub response: Value,
    /// The host-rendered approval text (also in `response.approval`).
    pub approval: String,
    /// The fingerprint of the plan the approval shows.
    pub fingerprint: String,
    /// Whether this plan replaces one the human approved but that went stale before
    /// anything was written (the human must be told, and asked again).
    pub after_stale: bool,
}
