//! Why a confirmation was refused, and what the client should do about it.

use crate::contract::{ErrorKind, ToolError};

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
    /// An in-protocol confirmation came back with a state the host did not seal for
    /// this session, tool and arguments (forged, altered, or from another server run).
    #[error("the confirmation state is not one this server issued")]
    BadState,
}

impl GuardError {
    /// The structured tool error (kind, code, message, hint) for the client, whose call of
    /// `tool` carried the refused token.
    pub fn to_tool_error(&self, tool: &str) -> ToolError {
        let replan = format!("call {tool} again without confirmation_token to get a fresh plan");
        let (kind, code, message, hint) = match self {
            GuardError::Unknown => (
                ErrorKind::Confirmation,
                "confirmation_unknown",
                "the confirmation token is unknown or was already used (tokens are single-use \
                 and do not survive a server restart)"
                    .to_string(),
                format!("{replan}, then confirm it with the new token"),
            ),
            GuardError::Expired => (
                ErrorKind::Confirmation,
                "confirmation_expired",
                "the confirmation token expired before it was used".to_string(),
                format!("{replan}, then confirm it with the new token"),
            ),
            GuardError::WrongTool { expected } => (
                ErrorKind::Confirmation,
                "confirmation_wrong_tool",
                format!("the confirmation token was issued for {expected}, not for {tool}"),
                format!(
                    "the token belongs to {expected}; call {expected} with it, or re-plan \
                     {tool}: {replan}"
                ),
            ),
            GuardError::ArgsChanged => (
                ErrorKind::Confirmation,
                "confirmation_args_changed",
                format!("the arguments of {tool} differ from the ones that were planned"),
                format!(
                    "send exactly the planned arguments with the token, or drop the token to \
                     re-plan {tool} with the new arguments; the token is still valid"
                ),
            ),
            GuardError::BadState => (
                ErrorKind::Confirmation,
                "confirmation_state_invalid",
                format!(
                    "the confirmation state sent back with {tool} was not issued by this server \
                     for this session, tool and arguments; nothing was written"
                ),
                format!("{replan}; the user is then asked to approve it again"),
            ),
            GuardError::Stale => (
                ErrorKind::Stale,
                "plan_stale",
                "the state changed since the plan was made; the token was discarded and \
                 nothing was written"
                    .to_string(),
                format!("{replan}, review what changed, and confirm the new plan"),
            ),
        };
        ToolError::new(kind, code, message).with_hint(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_kinds() {
        let cases = [
            (
                GuardError::Unknown,
                ErrorKind::Confirmation,
                "confirmation_unknown",
            ),
            (
                GuardError::Expired,
                ErrorKind::Confirmation,
                "confirmation_expired",
            ),
            (
                GuardError::WrongTool {
                    expected: "dns_record_delete".into(),
                },
                ErrorKind::Confirmation,
                "confirmation_wrong_tool",
            ),
            (
                GuardError::ArgsChanged,
                ErrorKind::Confirmation,
                "confirmation_args_changed",
            ),
            (GuardError::Stale, ErrorKind::Stale, "plan_stale"),
            (
                GuardError::BadState,
                ErrorKind::Confirmation,
                "confirmation_state_invalid",
            ),
        ];
        for (error, kind, code) in cases {
            let tool_error = error.to_tool_error("dns_record_create");
            assert_eq!(tool_error.kind, kind, "{error:?}");
            assert_eq!(tool_error.code, code, "{error:?}");
            assert!(!tool_error.message.is_empty());
            assert!(
                tool_error
                    .hint
                    .is_some_and(|h| h.contains("dns_record_create"))
            );
        }
    }

    #[test]
    fn wrong_tool_names_both_tools() {
        let e = GuardError::WrongTool {
            expected: "dns_record_delete".into(),
        }
        .to_tool_error("dns_record_create");
        assert!(e.message.contains("dns_record_delete"));
        let hint = e.hint.unwrap();
        assert!(hint.contains("call dns_record_delete with it"));
        assert!(hint.contains("dns_record_create again without confirmation_token"));
    }

    #[test]
    fn unknown_and_expired_tell_how_to_replan() {
        for error in [GuardError::Unknown, GuardError::Expired, GuardError::Stale] {
            let hint = error.to_tool_error("t").hint.unwrap();
            assert!(
                hint.starts_with("call t again without confirmation_token"),
                "{hint}"
            );
        }
        let hint = GuardError::ArgsChanged.to_tool_error("t").hint.unwrap();
        assert!(hint.contains("send exactly the planned arguments"));
    }
}
