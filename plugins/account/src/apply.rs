//! What every write of this plugin shares: the result shape and the apply step that sends
//! exactly the confirmed plan's writes, in order.

use ikmcp_pdk::{Ctx, Plan, ToolError};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// Result of a write tool.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WriteOutput {
    /// False when the world already was as asked and nothing was sent.
    pub changed: bool,
    /// The API's answer to each write, in order (or the current state when unchanged).
    pub results: Vec<Value>,
}

impl WriteOutput {
    /// The no-change answer, carrying the state that made the change unnecessary.
    pub fn unchanged(current: Value) -> Self {
        WriteOutput {
            changed: false,
            results: vec![current],
        }
    }
}

/// Applies a confirmed plan: performs each planned effect exactly (method, path, query,
/// body), stopping at the first refusal. `A` is the tool's arguments, already checked at
/// plan time; the host refused the call if they changed since.
pub fn apply<A>(ctx: &Ctx, _args: A, confirmed: &Plan) -> Result<WriteOutput, ToolError> {
    let api = ctx.api();
    let mut results = Vec::with_capacity(confirmed.effects.len());
    for effect in &confirmed.effects {
        results.push(api.perform(effect)?);
    }
    Ok(WriteOutput {
        changed: true,
        results,
    })
}
