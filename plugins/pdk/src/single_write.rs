//! Write tools that make exactly one upstream write: the write ([`Op`]) turned into a plan
//! whose changes list what is created, changed or lost (dependents included), and the
//! apply that performs exactly that write and reports an asynchronous start as such.
//!
//! Some APIs answer with `{"result": "asynchronous", "data": <id or bool>}` (HTTP 202,
//! infomaniak-api.md Q12): the work goes on after the answer. The apply then says
//! `asynchronous: true` and names the read tool that shows the object's status; it never
//! claims the operation completed.

use crate::{Ctx, HttpMethod, Plan, PlanBuilder, Planned, ToolError, single_effect};
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

/// The current values of the keys `body` sets (null where `current` lacks one): the
/// `before` of an update that changes only those keys.
pub fn before_of(current: &Value, body: &Value) -> Value {
    Value::Object(
        body.as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| (k.clone(), current.get(k).cloned().unwrap_or(Value::Null)))
            .collect(),
    )
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
        .map_err(|e| crate::error::internal(format!("planned body is not JSON: {e}")))?;
    if !effect.query.is_empty() || !effect.base_params.is_empty() {
        return Err(crate::error::internal(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockHost, ok, parse};
    use crate::{Ctx, INFOMANIAK_API};
    use serde_json::json;

    fn op(before: Option<Value>, after: Option<Value>) -> Op {
        Op {
            target: "thing 1".into(),
            action: "update",
            summary: "Change thing 1.".into(),
            before,
            after,
            lost: vec![("part 2".into(), json!({"id": 2}))],
            method: HttpMethod::Patch,
            path: "/1/things/1".into(),
            body: Some(json!({"name": "b"})),
            follow_up: "get_thing".into(),
        }
    }

    #[test]
    fn plans_changes_lost_parts_and_one_pinned_effect() {
        let host = MockHost::new();
        let ctx = Ctx::new(&host, INFOMANIAK_API);
        let Planned::Confirm(plan) = op(Some(json!({"name": "a"})), Some(json!({"name": "b"})))
            .plan(&ctx)
            .unwrap()
        else {
            panic!("expected a plan")
        };
        assert_eq!(plan.changes.len(), 2);
        assert_eq!(plan.changes[1].action, "lost");
        assert_eq!(plan.effects.len(), 1);
        assert_eq!(
            parse(plan.effects[0].body.as_deref().unwrap()),
            json!({"name": "b"})
        );
        let same = op(Some(json!({"name": "a"})), Some(json!({"name": "a"})))
            .plan(&ctx)
            .unwrap();
        assert!(matches!(same, Planned::NoChange(_)));
        assert!(host.requests().is_empty());
    }

    #[test]
    fn apply_sends_the_effect_and_tells_async_from_done() {
        let host = MockHost::new();
        let ctx = Ctx::new(&host, INFOMANIAK_API);
        let Planned::Confirm(plan) = op(None, Some(json!({"name": "b"}))).plan(&ctx).unwrap()
        else {
            panic!("expected a plan")
        };
        host.push_ok(202, json!({"result": "asynchronous", "data": 7}));
        let out = apply(&ctx, &plan).unwrap();
        assert!(out.asynchronous);
        assert_eq!(
            (out.result, out.follow_up.as_str(), out.target.as_str()),
            (json!(7), "get_thing", "thing 1")
        );
        host.push_ok(200, ok(json!(true)));
        assert!(!apply(&ctx, &plan).unwrap().asynchronous);
        let sent = host.writes();
        assert_eq!(sent.len(), 2);
        assert_eq!(
            (sent[0].method, sent[0].path.as_str()),
            (HttpMethod::Patch, "/1/things/1")
        );
        assert_eq!(
            before_of(&json!({"name": "a", "x": 1}), &json!({"name": "b", "y": 2})),
            json!({"name": "a", "y": null})
        );
    }
}
