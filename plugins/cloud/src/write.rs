//! What every manage tool shares: one planned write ([`Op`]) turned into a plan whose
//! changes list what is created, changed or lost (dependents included), and the apply that
//! performs exactly that write and reports an asynchronous start as such.
//!
//! Public Cloud answers project and user operations with HTTP 202
//! `{"result": "asynchronous", "data": <id or bool>}` (infomaniak-api.md Q12): the work goes
//! on after the answer. The apply then says `asynchronous: true` and names the read tool
//! that shows the object's status; it never claims the operation completed.

use ikmcp_pdk::{Ctx, HttpMethod, Plan, PlanBuilder, Planned, ToolError, single_effect};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// One write a manage tool plans.
pub struct Op {
    /// What is written, e.g. `project 12 of public cloud 3`.
    pub target: String,
    /// `create`, `update`, `delete`, `invite`…
    pub action: &'static str,
    /// One or two sentences for the human.
    pub summary: String,
    /// The object before (absent for a creation).
    pub before: Option<Value>,
    /// The object after (absent for a deletion).
    pub after: Option<Value>,
    /// What goes with it: `(target, state)` of each dependent the write removes or cuts off.
    pub lost: Vec<(String, Value)>,
    /// The write.
    pub method: HttpMethod,
    /// Its path.
    pub path: String,
    /// Its exact body.
    pub body: Option<Value>,
    /// The read tool (and arguments) that shows the result.
    pub follow_up: String,
}

/// Result of every manage tool.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WriteOutput {
    /// The action done.
    pub action: String,
    /// What was written.
    pub target: String,
    /// True when the API accepted the work and goes on with it (HTTP 202): check the
    /// status with `follow_up` before relying on the result.
    pub asynchronous: bool,
    /// The API's `data` (a new id, `true`…).
    pub result: Value,
    /// The read tool that shows the current state.
    pub follow_up: String,
}

impl Op {
    /// The plan of this write, or no change when before and after are equal.
    pub fn plan(self, ctx: &Ctx) -> Result<Planned<WriteOutput>, ToolError> {
        if self.before.is_some() && self.before == self.after {
            return Ok(Planned::NoChange(WriteOutput {
                action: self.action.into(),
                target: self.target,
                asynchronous: false,
                result: Value::Null,
                follow_up: self.follow_up,
            }));
        }
        let mut plan = PlanBuilder::new(ctx.role(), self.summary).change(
            self.target.clone(),
            self.action,
            self.before.as_ref(),
            self.after.as_ref(),
        );
        for (target, state) in &self.lost {
            plan = plan.change(target.clone(), "lost", Some(state), None::<&Value>);
        }
        plan.snapshot(&serde_json::json!({"target": self.target, "before": self.before, "lost": self.lost, "follow_up": self.follow_up}))
            .effect(self.method, self.path, self.body.as_ref())
            .confirm()
    }
}

/// Performs the confirmed plan's one write and reports what the API said, an asynchronous
/// start included.
pub fn apply(ctx: &Ctx, confirmed: &Plan) -> Result<WriteOutput, ToolError> {
    let effect = single_effect(confirmed)?;
    let body = effect
        .body
        .as_deref()
        .map(serde_json::from_str::<Value>)
        .transpose()
        .map_err(|e| ikmcp_pdk::error::internal(format!("planned body is not JSON: {e}")))?;
    if !effect.query.is_empty() || !effect.base_params.is_empty() {
        return Err(ikmcp_pdk::error::internal(
            "cloud writes carry no query or base params",
        ));
    }
    // Sent as planned (method, path, body; no query) but read whole: `result` says whether
    // the API finished or only accepted the work.
    let answer = ctx
        .api()
        .send(effect.method, &effect.path_pattern, &[], body.as_ref())?;
    let asynchronous = answer.body.get("result").and_then(Value::as_str) == Some("asynchronous");
    let snapshot: Value = serde_json::from_str(&confirmed.snapshot).unwrap_or(Value::Null);
    let text = |k: &str| {
        snapshot
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok(WriteOutput {
        action: confirmed
            .changes
            .first()
            .map(|c| c.action.clone())
            .unwrap_or_default(),
        target: text("target"),
        asynchronous,
        result: answer.data,
        follow_up: text("follow_up"),
    })
}
