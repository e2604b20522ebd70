//! Turns call outcomes into MCP results: `structuredContent` for programs, a short text
//! for people and models.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Value, json};

use crate::dispatch::CallOutcome;

/// The MCP result of an outcome. Failures are tool results with `isError: true` and
/// `{error: {kind, code, message, hint}}`.
pub fn outcome(outcome: CallOutcome) -> CallToolResult {
    match outcome {
        CallOutcome::Success(value) => CallToolResult::structured(value),
        CallOutcome::PlanReady { response, .. } => {
            let text = format!(
                "{}\n\n{}",
                plan_text(&response),
                response["next_step"].as_str().unwrap_or_default()
            );
            let mut result = CallToolResult::structured(response);
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

/// A plan as a few human-readable lines: summary, then each change with before → after.
pub fn plan_text(plan: &Value) -> String {
    let mut text = format!(
        "Plan: {}",
        plan["summary"].as_str().unwrap_or("(no summary)")
    );
    for change in plan["changes"].as_array().into_iter().flatten() {
        let show = |v: &Value| match v {
            Value::Null => "∅".to_string(),
            other => other.to_string(),
        };
        text.push_str(&format!(
            "\n- {} {}: {} → {}",
            change["action"].as_str().unwrap_or("change"),
            change["target"].as_str().unwrap_or(""),
            show(&change["before"]),
            show(&change["after"]),
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{ErrorKind, ToolError};

    #[test]
    fn failures_are_tool_errors_with_structure_and_a_next_step() {
        let error = ToolError::new(ErrorKind::Stale, "plan_stale", "the zone changed")
            .with_hint("review the fresh plan");
        let result = outcome(CallOutcome::Failure {
            error,
            detail: Some(json!({"fresh_plan": {"summary": "create A www", "changes": []}})),
        });
        assert_eq!(result.is_error, Some(true));
        let body = result.structured_content.unwrap();
        assert_eq!(body["error"]["code"], "plan_stale");
        assert_eq!(body["error"]["kind"], "stale");
        assert_eq!(body["fresh_plan"]["summary"], "create A www");
    }

    #[test]
    fn plan_text_shows_before_and_after() {
        let text = plan_text(&json!({"summary": "s", "changes": [
            {"action": "update", "target": "www", "before": {"ttl": 300}, "after": {"ttl": 3600}}
        ]}));
        assert!(
            text.contains("update www: {\"ttl\":300} → {\"ttl\":3600}"),
            "{text}"
        );
    }
}
