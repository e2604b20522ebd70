//! Constructors for [`ToolError`], so handlers say what went wrong and what to do next in
//! one line.

use crate::{ErrorDetail, ToolError, UpstreamFailure};

fn detail(message: impl Into<String>, hint: Option<String>) -> ErrorDetail {
    ErrorDetail {
        message: message.into(),
        hint,
    }
}

/// `invalid-args`: the arguments are wrong in a way the schema could not express.
pub fn invalid_args(message: impl Into<String>, hint: impl Into<String>) -> ToolError {
    ToolError::InvalidArgs(detail(message, Some(hint.into())))
}

/// `not-found`: the thing asked for does not exist.
pub fn not_found(message: impl Into<String>, hint: impl Into<String>) -> ToolError {
    ToolError::NotFound(detail(message, Some(hint.into())))
}

/// `conflict`: the change conflicts with the current state.
pub fn conflict(message: impl Into<String>, hint: impl Into<String>) -> ToolError {
    ToolError::Conflict(detail(message, Some(hint.into())))
}

/// `denied`: the host refused a request (policy, guard, budget).
pub fn denied(message: impl Into<String>, hint: Option<String>) -> ToolError {
    ToolError::Denied(detail(message, hint))
}

/// `internal`: a bug or an unexpected state in the plugin.
pub fn internal(message: impl Into<String>) -> ToolError {
    ToolError::Internal(detail(
        message,
        Some(
            "this is a plugin bug or an unexpected API answer; report it with the audit log line"
                .into(),
        ),
    ))
}

/// `upstream`: the upstream API refused or failed.
pub fn upstream(
    status: u16,
    code: &str,
    message: impl Into<String>,
    hint: Option<String>,
) -> ToolError {
    ToolError::Upstream(UpstreamFailure {
        status,
        code: code.to_string(),
        message: message.into(),
        hint,
    })
}

/// Helpers on [`ToolError`] for handlers that know better than the generic mapping.
pub trait ToolErrorExt {
    /// Replaces the hint with one specific to the tool (e.g. which list tool finds the id).
    fn with_hint(self, hint: impl Into<String>) -> Self;
    /// The error's message, whatever its kind.
    fn message(&self) -> &str;
    /// Whether this is a `not-found` error.
    fn is_not_found(&self) -> bool;
}

impl ToolErrorExt for ToolError {
    fn with_hint(mut self, hint: impl Into<String>) -> Self {
        let hint = Some(hint.into());
        match &mut self {
            ToolError::InvalidArgs(d)
            | ToolError::NotFound(d)
            | ToolError::Conflict(d)
            | ToolError::Denied(d)
            | ToolError::Internal(d) => d.hint = hint,
            ToolError::Upstream(u) => u.hint = hint,
        }
        self
    }

    fn message(&self) -> &str {
        match self {
            ToolError::InvalidArgs(d)
            | ToolError::NotFound(d)
            | ToolError::Conflict(d)
            | ToolError::Denied(d)
            | ToolError::Internal(d) => &d.message,
            ToolError::Upstream(u) => &u.message,
        }
    }

    fn is_not_found(&self) -> bool {
        matches!(self, ToolError::NotFound(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_hint_replaces_the_hint_of_every_kind() {
        let e = not_found("no such record", "old").with_hint("call list");
        assert_eq!(
            e,
            ToolError::NotFound(detail("no such record", Some("call list".into())))
        );
        let e = upstream(500, "x", "boom", None).with_hint("retry");
        match e {
            ToolError::Upstream(u) => assert_eq!(u.hint.as_deref(), Some("retry")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn message_and_kind_accessors() {
        let e = conflict("exists", "update it");
        assert_eq!(e.message(), "exists");
        assert!(!e.is_not_found());
        assert!(not_found("gone", "list").is_not_found());
    }
}
