//! Turns call outcomes into MCP results: `structuredContent` for programs, a short text
//! for people and models. A plan's text is the host-rendered approval (see
//! `guard::approval`), never the plugin's words alone.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Value, json};

use crate::call::CallOutcome;

/// The MCP result of an outcome. Failures are tool results with `isError: true` and
/// `{error: {kind, code, message, hint}}`.
pub fn outcome(outcome: CallOutcome) -> CallToolResult {
    match outcome {
        CallOutcome::Success(value) => CallToolResult::structured(value),
        CallOutcome::NeedsApproval(pending) => {
            let text = plan_text(&pending.response);
            let mut result = CallToolResult::structured(pending.response);
            result.content = vec![ContentBlock::text(text)];
            result
        }
        CallOutcome::Failure { error, detail } => {
            let mut body = json!({"error": error});
            if let (Some(obj), Some(Value::Object(extra))) = (body.as_object_mut(), detail) {
                obj.extend(extra);
            }
            let mut text = format!(
                "Error ({:?}, {}): {}",
                error.kind, error.code, error.message
            );
            if let Some(hint) = &error.hint {
                text.push_str(&format!("\nNext step: {hint}"));
            }
            if let Some(fresh) = body.get("fresh_plan") {
                text.push_str(&format!("\n\nFresh plan:\n{}", plan_text(fresh)));
            }
            let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
            result.structured_content = Some(body);
            result
        }
    }
}

/// A plan response as text: the host-rendered approval, then the next step.
fn plan_text(plan: &Value) -> String {
    format!(
        "{}\n\n{}",
        plan["approval"].as_str().unwrap_or_default(),
        plan["next_step"].as_str().unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::PendingApproval;
    use crate::contract::{ErrorKind, ToolError};

    #[test]
    fn failures_are_tool_errors_with_structure_and_a_next_step() {
        let error = ToolError::new(ErrorKind::Stale, "plan_stale", "the zone changed")
            .with_hint("review the fresh plan");
        let result = outcome(CallOutcome::Failure {
            error,
            detail: Some(
                json!({"fresh_plan": {"summary": "create A www", "approval": "APPROVAL fresh", "changes": []}}),
            ),
        });
        assert_eq!(result.is_error, Some(true));
        let body = result.structured_content.unwrap();
        assert_eq!(body["error"]["code"], "plan_stale");
        assert_eq!(body["error"]["kind"], "stale");
        assert_eq!(body["fresh_plan"]["summary"], "create A www");
        let text = result.content[0].as_text().unwrap().text.clone();
        assert!(text.contains("Fresh plan:\nAPPROVAL fresh"), "{text}");
    }

    #[test]
    fn a_plan_reads_as_the_host_approval_then_the_next_step() {
        let result = outcome(CallOutcome::NeedsApproval(PendingApproval {
            response: json!({"status": "plan", "summary": "plugin words", "approval": "APPROVAL REQUEST x", "next_step": "Show it"}),
            approval: "APPROVAL REQUEST x".into(),
            fingerprint: "f".into(),
            after_stale: false,
        }));
        let text = result.content[0].as_text().unwrap().text.clone();
        assert_eq!(text, "APPROVAL REQUEST x\n\nShow it");
        assert_eq!(result.structured_content.unwrap()["status"], "plan");
    }
}
