//! Calling a plugin's tools the way the host does (JSON in, JSON out) and the Infomaniak
//! answer envelopes its fake upstream returns, so each plugin's unit tests read as
//! "given these answers, this call plans/writes/returns that".

use serde_json::{Value, json};

use crate::{Plan, PlanOutcome, Plugin, ToolError};

use super::MockHost;

/// `{"result": "success", "data": data}`: a successful Infomaniak answer.
pub fn ok(data: Value) -> Value {
    json!({"result": "success", "data": data})
}

/// Page `page` of `pages` of a listing of `total` items (Infomaniak's paging fields).
pub fn paged(data: Value, page: u32, pages: u32, total: u32) -> Value {
    json!({"result": "success", "data": data, "page": page, "pages": pages, "total": total, "items_per_page": 100})
}

/// `{"result": "error", "error": {code, description}}`: an Infomaniak refusal.
pub fn api_error(code: &str, description: &str) -> Value {
    json!({"result": "error", "error": {"code": code, "description": description, "errors": []}})
}

/// Runs read tool `tool` of plugin `P` with `args`, its JSON result parsed.
pub fn invoke<P: Plugin>(host: &MockHost, tool: &str, args: Value) -> Result<Value, ToolError> {
    P::registry()
        .invoke(host, tool, &args.to_string())
        .map(|s| parse(&s))
}

/// Plans write tool `tool` of plugin `P` with `args`.
pub fn plan<P: Plugin>(host: &MockHost, tool: &str, args: Value) -> Result<PlanOutcome, ToolError> {
    P::registry().plan(host, tool, &args.to_string())
}

/// Applies `confirmed` for write tool `tool` of plugin `P`, its JSON result parsed.
pub fn apply<P: Plugin>(
    host: &MockHost,
    tool: &str,
    args: Value,
    confirmed: &Plan,
) -> Result<Value, ToolError> {
    P::registry()
        .apply(host, tool, &args.to_string(), confirmed)
        .map(|s| parse(&s))
}

/// The plan of an outcome that must need confirmation (panics on no-change).
pub fn expect_plan(outcome: PlanOutcome) -> Plan {
    match outcome {
        PlanOutcome::NeedsConfirmation(p) => p,
        PlanOutcome::NoChange(r) => panic!("expected a plan, got no-change {r}"),
    }
}

/// The result of an outcome that must be no-change (panics on a plan).
pub fn expect_no_change(outcome: PlanOutcome) -> Value {
    match outcome {
        PlanOutcome::NoChange(r) => parse(&r),
        PlanOutcome::NeedsConfirmation(p) => panic!("expected no-change, got plan {p:?}"),
    }
}

/// Parses JSON text a plugin produced (a result, a plan body or snapshot), panicking with
/// the text when it is not JSON.
pub fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_have_the_apis_shape() {
        assert_eq!(ok(json!(1))["result"], "success");
        assert_eq!(paged(json!([]), 2, 3, 250)["pages"], 3);
        let e = api_error("not_found", "no such zone");
        assert_eq!(e["result"], "error");
        assert_eq!(e["error"]["code"], "not_found");
    }
}
