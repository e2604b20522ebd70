//! A plugin built against the frozen contract 0.1.0 (`wit/since_v0_1`), directly with
//! wit-bindgen as a third party would have: the host must still load it, list its tools,
//! run its reads and apply its confirmed writes, adapted onto the latest contract. It also
//! tries what 0.1 cannot declare: a write carrying a query string, which the host refuses
//! because a 0.1 effect means "no query".
//!
//! Every upstream outcome is returned as JSON (`{"ok": {...}}` or `{"error": "..."}`), so
//! the tests can see what the host answered.

// The generated export glue for `apply` takes more arguments than clippy likes.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ world: "plugin", path: "../../../wit/since_v0_1" });

use ikmcp::plugin::types::{
    Change, Effect, ErrorDetail, HttpMethod, PlannedEffect, ToolDescriptor,
};
use ikmcp::plugin::upstream::{Request, UpstreamError, send};
use serde_json::{Value, json};

const ROLE: &str = "infomaniak-api";

struct Legacy;

fn tool(name: &str, effect: Effect, description: &str) -> ToolDescriptor {
    ToolDescriptor {
        name: name.to_string(),
        title: name.replace('_', " "),
        description: description.to_string(),
        input_schema: r#"{"type":"object","properties":{"zone":{"type":"string"},"text":{"type":"string"}},"required":["zone"],"additionalProperties":false}"#.to_string(),
        output_schema: r#"{"type":"object"}"#.to_string(),
        effect,
        idempotent: matches!(effect, Effect::Read),
        category: "legacy".to_string(),
        undo_tool: None,
    }
}

fn invalid(message: String) -> ToolError {
    ToolError::InvalidArgs(ErrorDetail {
        message,
        hint: None,
    })
}

/// `(zone, text)` from the arguments.
fn parse(args: &str) -> Result<(String, String), ToolError> {
    let v: Value = serde_json::from_str(args).map_err(|e| invalid(e.to_string()))?;
    let zone = v["zone"]
        .as_str()
        .ok_or_else(|| invalid("zone is required".into()))?;
    let text = v["text"].as_str().unwrap_or("legacy");
    Ok((zone.to_string(), text.to_string()))
}

fn request(method: HttpMethod, path: &str) -> Request {
    Request {
        role: ROLE.to_string(),
        method,
        path: path.to_string(),
        query: Vec::new(),
        headers: vec![("accept".to_string(), "application/json".to_string())],
        body: None,
    }
}

/// What the host answered, as JSON.
fn outcome(req: &Request) -> Value {
    match send(req) {
        Ok(resp) => json!({"ok": {
            "status": resp.status,
            "body": serde_json::from_str::<Value>(&resp.body).unwrap_or(Value::String(resp.body)),
        }}),
        Err(err) => json!({"error": match err {
            UpstreamError::Denied(why) => format!("denied: {why}"),
            UpstreamError::BudgetExhausted(n) => format!("budget-exhausted: {n}"),
            UpstreamError::TooLarge(n) => format!("too-large: {n}"),
            UpstreamError::Timeout => "timeout".to_string(),
            UpstreamError::Network(why) => format!("network: {why}"),
            UpstreamError::InvalidRequest(why) => format!("invalid-request: {why}"),
        }}),
    }
}

fn records_path(zone: &str) -> String {
    format!("/2/zones/{zone}/records")
}

/// The TXT record both write tools create.
fn txt_body(text: &str) -> Value {
    json!({"type": "TXT", "source": "legacy", "target": text, "ttl": 3600})
}

impl Guest for Legacy {
    fn describe() -> Manifest {
        Manifest {
            id: "legacy".to_string(),
            version: "0.1.0".to_string(),
            contract_version: "0.1.0".to_string(),
            description: "Built against contract 0.1.0; proves old plugins keep working"
                .to_string(),
            roles: vec![ROLE.to_string()],
            tools: vec![
                tool(
                    "legacy_count_records",
                    Effect::Read,
                    "Counts a zone's records",
                ),
                tool(
                    "legacy_add_txt",
                    Effect::Write,
                    "Adds a TXT record `legacy`",
                ),
                tool(
                    "legacy_add_txt_with_query",
                    Effect::Write,
                    "Plans the same TXT record, then sends it with a query string",
                ),
            ],
        }
    }

    fn invoke(tool: String, args: String) -> Result<String, ToolError> {
        if tool != "legacy_count_records" {
            return Err(invalid(format!("no read tool named {tool}")));
        }
        let (zone, _) = parse(&args)?;
        let mut req = request(HttpMethod::Get, &records_path(&zone));
        req.query = vec![("per_page".to_string(), "100".to_string())];
        let got = outcome(&req);
        let count = got["ok"]["body"]["data"].as_array().map(Vec::len);
        Ok(json!({"count": count, "upstream": got}).to_string())
    }

    fn plan(tool: String, args: String) -> Result<PlanOutcome, ToolError> {
        let (zone, text) = parse(&args)?;
        let body = txt_body(&text);
        // The snapshot is the zone's TXT records named `legacy`, so the plan goes stale if
        // one appears in between.
        let mut read = request(HttpMethod::Get, &records_path(&zone));
        read.query = vec![
            ("filter[source]".to_string(), "legacy".to_string()),
            ("filter[types][]".to_string(), "TXT".to_string()),
        ];
        let current = outcome(&read);
        let snapshot = current["ok"]["body"]["data"].clone();
        Ok(PlanOutcome::NeedsConfirmation(Plan {
            summary: format!("Add a TXT record legacy to {zone} ({tool})"),
            changes: vec![Change {
                target: format!("{zone}: legacy TXT"),
                action: "create".to_string(),
                before: None,
                after: Some(body.to_string()),
            }],
            snapshot: snapshot.to_string(),
            effects: vec![PlannedEffect {
                role: ROLE.to_string(),
                method: HttpMethod::Post,
                path_pattern: records_path(&zone),
                body: Some(body.to_string()),
            }],
        }))
    }

    fn apply(tool: String, args: String, confirmed: Plan) -> Result<String, ToolError> {
        let (zone, text) = parse(&args)?;
        let mut post = request(HttpMethod::Post, &records_path(&zone));
        post.headers
            .push(("content-type".to_string(), "application/json".to_string()));
        post.body = Some(txt_body(&text).to_string());
        if tool == "legacy_add_txt_with_query" {
            post.query = vec![("force".to_string(), "1".to_string())];
        }
        Ok(json!({
            "confirmed_effects": confirmed.effects.len(),
            "post": outcome(&post),
        })
        .to_string())
    }
}

export!(Legacy);
