//! The undo plan of an apply that stopped midway.
//!
//! When an apply fails after some of its writes went out, the host answers with its own
//! record of which planned effects were performed and which were not (`apply_report`);
//! the plugin adds what only it knows: the tool calls that undo what was done. Return the
//! apply's error through [`stopped_midway`] with those calls; they become its hint, which
//! the host shows as the plugin's words. Each undo call is a write the user confirms as
//! usual, so nothing is undone behind anyone's back.

use serde_json::Value;

use crate::ToolError;
use crate::error::ToolErrorExt;

/// One call of the undo plan.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoStep {
    /// The tool to call (e.g. `infomaniak_dns_delete_record`).
    pub tool: String,
    /// Its arguments.
    pub args: Value,
    /// What it undoes, for the human (e.g. `removes the A record www created first`).
    pub undoes: String,
}

impl UndoStep {
    /// A call of `tool` with `args` that undoes `undoes`.
    pub fn new(tool: &str, args: Value, undoes: impl Into<String>) -> Self {
        UndoStep {
            tool: tool.to_string(),
            args,
            undoes: undoes.into(),
        }
    }
}

/// `error`, with the undo plan of what the apply did before it as its hint (in the order
/// to run it: last done, first undone). No steps: says nothing needs undoing.
pub fn stopped_midway(error: ToolError, steps: &[UndoStep]) -> ToolError {
    if steps.is_empty() {
        return error.with_hint("nothing this apply did needs undoing; plan again to retry");
    }
    let calls: Vec<String> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {} {} ({})", i + 1, s.tool, s.args, s.undoes))
        .collect();
    error.with_hint(format!(
        "to undo what this apply did, call in this order (each is a write you confirm as usual): {}",
        calls.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::upstream;
    use serde_json::json;

    #[test]
    fn the_undo_plan_becomes_the_hint_in_order() {
        let error = upstream(404, "not_found", "no such zone", Some("check it".into()));
        let steps = [
            UndoStep::new("b_delete", json!({"id": 2}), "removes b"),
            UndoStep::new("a_delete", json!({"id": 1}), "removes a"),
        ];
        let ToolError::Upstream(u) = stopped_midway(error, &steps) else {
            panic!("the kind is kept")
        };
        assert_eq!(u.status, 404);
        let hint = u.hint.unwrap();
        assert!(
            hint.contains(r#"1. b_delete {"id":2} (removes b); 2. a_delete {"id":1} (removes a)"#),
            "{hint}"
        );
    }

    #[test]
    fn no_steps_says_so() {
        let e = stopped_midway(crate::error::internal("x"), &[]);
        assert!(e.message() == "x");
        let ToolError::Internal(d) = e else { panic!() };
        assert!(
            d.hint
                .unwrap()
                .contains("nothing this apply did needs undoing")
        );
    }
}
