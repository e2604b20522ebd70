//! What a tool call produced, before any protocol gives it a shape.

use serde_json::Value;

use crate::contract::ToolError;
use crate::secret_args::SecretArgs;

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

    /// The outcome as the client may see it: the call's secret values replaced by their
    /// markers in results, errors (a plugin's or an upstream's echo included) and
    /// details. A plan is left as it is: the guard builds it from the shown plan already
    /// (`guard::approval::shown`), as it does a stale plan's replacement (`fresh_plan`).
    pub fn masked(self, secrets: &SecretArgs) -> Self {
        if secrets.is_empty() {
            return self;
        }
        match self {
            CallOutcome::Success(value) => CallOutcome::Success(secrets.mask(&value)),
            CallOutcome::NeedsApproval(pending) => CallOutcome::NeedsApproval(pending),
            CallOutcome::Failure { error, detail } => CallOutcome::Failure {
                error: secrets.mask_error(error),
                detail: detail.map(|detail| match detail {
                    Value::Object(map) => Value::Object(
                        map.into_iter()
                            .map(|(k, v)| {
                                let v = if k == "fresh_plan" {
                                    v
                                } else {
                                    secrets.mask(&v)
                                };
                                (k, v)
                            })
                            .collect(),
                    ),
                    other => secrets.mask(&other),
                }),
            },
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::ErrorKind;

    #[test]
    fn results_errors_and_details_are_masked_but_a_shown_plan_is_kept() {
        let schema = json!({"type": "object", "properties": {
            "password": {"type": "string", "writeOnly": true}}});
        let secrets = SecretArgs::collect(&schema, &json!({"password": "hunter2-long"}));
        let ok =
            CallOutcome::Success(json!({"link": {"password": "hunter2-long"}})).masked(&secrets);
        assert_eq!(
            ok,
            CallOutcome::Success(json!({"link": {"password": "«secret: password»"}}))
        );
        let failed = CallOutcome::Failure {
            error: ToolError::new(ErrorKind::Upstream, "invalid", "422: hunter2-long is weak")
                .with_hint("not hunter2-long"),
            detail: Some(json!({"apply_report": {"plugin_error": "hunter2-long"}, "fresh_plan": {"approval": "kept"}})),
        }
        .masked(&secrets);
        let CallOutcome::Failure { error, detail } = failed else {
            panic!("still a failure")
        };
        assert_eq!(error.message, "422: «secret: password» is weak");
        assert_eq!(error.hint.as_deref(), Some("not «secret: password»"));
        let detail = detail.unwrap();
        assert_eq!(detail["apply_report"]["plugin_error"], "«secret: password»");
        assert_eq!(detail["fresh_plan"]["approval"], "kept");
    }
}
