//! A plugin that talks to custom upstream roles, for the end-to-end tests of roles, auth
//! providers and grants (`host/tests/e2e/roles.rs`). Its tools send what their arguments
//! say and report what the host answered, so the tests can check what reached the
//! upstream and what the plugin saw.

// The generated export glue for `apply` takes more arguments than clippy likes.
#![allow(clippy::too_many_arguments)]

// Built against the frozen contract 0.2.0, so the e2e tests also drive the host's 0.2 → 0.3
// adapter.
wit_bindgen::generate!({ world: "plugin", path: "../../../wit/since_v0_2" });

use ikmcp::plugin::types::{
    Change, Effect, ErrorDetail, HttpMethod, PlannedEffect, ToolDescriptor,
};
use ikmcp::plugin::upstream::{Request, UpstreamError, send};
use serde_json::{Value, json};

/// The roles this plugin declares; the operator grants some of them.
const ROLES: [&str; 3] = ["idp-api", "team-api", "infomaniak-manager"];

struct Roles;

const ARGS_SCHEMA: &str = r#"{"type":"object","properties":{"role":{"type":"string"},"path":{"type":"string"},"team":{"type":"string"},"send_team":{"type":"string"},"body":{"type":"object"},"strict":{"type":"boolean"}},"required":["role","path"],"additionalProperties":false}"#;

fn tool(name: &str, effect: Effect, description: &str) -> ToolDescriptor {
    ToolDescriptor {
        name: name.to_string(),
        title: name.replace('_', " "),
        description: description.to_string(),
        input_schema: ARGS_SCHEMA.to_string(),
        output_schema: r#"{"type":"object"}"#.to_string(),
        effect,
        idempotent: matches!(effect, Effect::Read),
        category: "roles".to_string(),
        undo_tool: None,
        toolset: None,
        keywords: Vec::new(),
    }
}

fn internal(message: &str) -> ToolError {
    ToolError::Internal(ErrorDetail {
        message: message.to_string(),
        hint: None,
    })
}

/// The tool's arguments.
struct Args {
    role: String,
    path: String,
    team: Option<String>,
    send_team: Option<String>,
    body: Option<Value>,
    /// Fail the tool on an upstream error, as a domain plugin does, instead of reporting it.
    strict: bool,
}

fn args(text: &str) -> Result<Args, ToolError> {
    let v: Value = serde_json::from_str(text).map_err(|e| internal(&e.to_string()))?;
    let s = |k: &str| v[k].as_str().map(str::to_owned);
    Ok(Args {
        role: s("role").ok_or_else(|| internal("role is required"))?,
        path: s("path").ok_or_else(|| internal("path is required"))?,
        team: s("team"),
        send_team: s("send_team"),
        body: v.get("body").cloned(),
        strict: v["strict"].as_bool().unwrap_or(false),
    })
}

/// `[("team", team)]`, or nothing.
fn base_params(team: Option<&String>) -> Vec<(String, String)> {
    team.map(|t| vec![("team".to_string(), t.clone())])
        .unwrap_or_default()
}

fn request(a: &Args, method: HttpMethod, team: Option<&String>) -> Request {
    Request {
        role: a.role.clone(),
        method,
        path: a.path.clone(),
        query: Vec::new(),
        base_params: base_params(team),
        headers: Vec::new(),
        body: a.body.as_ref().map(Value::to_string),
    }
}

/// What the host answered, as JSON for the tests; with `strict`, an upstream error fails
/// the tool (the plugin's own words, which the host may replace with its advice).
fn answer(req: Request, strict: bool) -> Result<String, ToolError> {
    let value = outcome(req);
    match value.get("error").and_then(Value::as_str) {
        Some(why) if strict => Err(ToolError::Denied(ErrorDetail {
            message: format!("the roles plugin could not reach its upstream: {why}"),
            hint: None,
        })),
        _ => Ok(value.to_string()),
    }
}

/// What the host answered, as JSON for the tests.
fn outcome(req: Request) -> Value {
    match send(&req) {
        Ok(resp) => json!({"ok": {"status": resp.status, "body": resp.body}}),
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

impl Guest for Roles {
    fn describe() -> Manifest {
        Manifest {
            id: "roles".to_string(),
            version: "0.1.0".to_string(),
            contract_version: "0.2.0".to_string(),
            description: "Calls custom upstream roles as its arguments say (tests only)".into(),
            roles: ROLES.iter().map(|r| r.to_string()).collect(),
            tools: vec![
                tool("roles_get", Effect::Read, "GET a path on a role"),
                tool(
                    "roles_post",
                    Effect::Write,
                    "POST a body to a path on a role",
                ),
            ],
        }
    }

    fn invoke(tool: String, args_json: String) -> Result<String, ToolError> {
        if tool != "roles_get" {
            return Err(internal(&format!("no read tool named {tool}")));
        }
        let mut a = args(&args_json)?;
        a.body = None;
        answer(request(&a, HttpMethod::Get, a.team.as_ref()), a.strict)
    }

    fn plan(tool: String, args_json: String) -> Result<PlanOutcome, ToolError> {
        if tool != "roles_post" {
            return Err(internal(&format!("no write tool named {tool}")));
        }
        let a = args(&args_json)?;
        let body = a.body.clone().unwrap_or_else(|| json!({}));
        Ok(PlanOutcome::NeedsConfirmation(Plan {
            summary: format!("POST to {} on {}", a.path, a.role),
            changes: vec![Change {
                target: a.path.clone(),
                action: "create".to_string(),
                before: None,
                after: Some(body.to_string()),
            }],
            snapshot: "{}".to_string(),
            effects: vec![PlannedEffect {
                role: a.role.clone(),
                method: HttpMethod::Post,
                path_pattern: a.path.clone(),
                query: Vec::new(),
                base_params: base_params(a.team.as_ref()),
                body: Some(body.to_string()),
                unpinned_body: None,
            }],
        }))
    }

    fn apply(tool: String, args_json: String, _confirmed: Plan) -> Result<String, ToolError> {
        if tool != "roles_post" {
            return Err(internal(&format!("no write tool named {tool}")));
        }
        let mut a = args(&args_json)?;
        a.body = Some(a.body.clone().unwrap_or_else(|| json!({})));
        let team = a.send_team.clone().or_else(|| a.team.clone());
        answer(request(&a, HttpMethod::Post, team.as_ref()), a.strict)
    }
}

export!(Roles);
