//! Conversions between the generated WIT types of the latest contract and the host's
//! `crate::contract` types (older contracts are first adapted by [`super::adapt`]).
//!
//! Values coming out of the plugin are untrusted: JSON carried as text is parsed here, and
//! text that is not JSON is reported (never passed on as a string).

use serde_json::Value;

use super::bindings::latest::ikmcp::plugin::types as wit;
use super::bindings::latest::ikmcp::plugin::upstream as wit_up;
use crate::contract::{
    CREDENTIAL_HEADERS, Change, Effect, ErrorKind, HttpMethod, Manifest, Plan, PlanOutcome,
    PlannedEffect, ToolDescriptor, ToolError, UpstreamError, UpstreamRequest, UpstreamResponse,
};

/// Converts the manifest returned by `describe`, parsing every schema; a tool without a
/// toolset gets the plugin id, as the contract says.
pub(crate) fn manifest(m: wit::Manifest) -> Result<Manifest, String> {
    let tools = m
        .tools
        .into_iter()
        .map(|t| tool_descriptor(t, &m.id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Manifest {
        id: m.id,
        version: m.version,
        contract_version: m.contract_version,
        description: m.description,
        roles: m.roles,
        tools,
    })
}

fn tool_descriptor(t: wit::ToolDescriptor, plugin: &str) -> Result<ToolDescriptor, String> {
    let input_schema = schema(&t.name, "input-schema", &t.input_schema)?;
    if input_schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err(format!(
            "tool {}: input-schema must be an object schema (\"type\": \"object\")",
            t.name
        ));
    }
    let output_schema = schema(&t.name, "output-schema", &t.output_schema)?;
    Ok(ToolDescriptor {
        name: t.name,
        title: t.title,
        description: t.description,
        input_schema,
        output_schema,
        effect: effect(t.effect),
        idempotent: t.idempotent,
        category: t.category,
        undo_tool: t.undo_tool,
        toolset: t.toolset.unwrap_or_else(|| plugin.to_owned()),
        keywords: t.keywords,
    })
}

fn schema(tool: &str, field: &str, text: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("tool {tool}: {field} is not valid JSON ({e})"))?;
    if !value.is_object() {
        return Err(format!("tool {tool}: {field} must be a JSON Schema object"));
    }
    Ok(value)
}

fn effect(e: wit::Effect) -> Effect {
    match e {
        wit::Effect::Read => Effect::Read,
        wit::Effect::Write => Effect::Write,
        wit::Effect::Destructive => Effect::Destructive,
    }
}

fn method_from_wit(m: wit::HttpMethod) -> HttpMethod {
    match m {
        wit::HttpMethod::Get => HttpMethod::Get,
        wit::HttpMethod::Head => HttpMethod::Head,
        wit::HttpMethod::Post => HttpMethod::Post,
        wit::HttpMethod::Put => HttpMethod::Put,
        wit::HttpMethod::Patch => HttpMethod::Patch,
        wit::HttpMethod::Delete => HttpMethod::Delete,
    }
}

fn method_to_wit(m: HttpMethod) -> wit::HttpMethod {
    match m {
        HttpMethod::Get => wit::HttpMethod::Get,
        HttpMethod::Head => wit::HttpMethod::Head,
        HttpMethod::Post => wit::HttpMethod::Post,
        HttpMethod::Put => wit::HttpMethod::Put,
        HttpMethod::Patch => wit::HttpMethod::Patch,
        HttpMethod::Delete => wit::HttpMethod::Delete,
    }
}

/// Parses JSON text the plugin returned; `what` names it in the error.
pub(crate) fn json(what: &str, text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("{what} is not valid JSON ({e})"))
}

fn optional_json(what: &str, text: Option<String>) -> Result<Option<Value>, String> {
    text.map(|t| json(what, &t)).transpose()
}

/// Converts the outcome of `plan`, parsing its JSON fields.
pub(crate) fn plan_outcome(outcome: wit::PlanOutcome) -> Result<PlanOutcome, String> {
    Ok(match outcome {
        wit::PlanOutcome::NeedsConfirmation(plan) => {
            PlanOutcome::NeedsConfirmation(plan_from_wit(plan)?)
        }
        wit::PlanOutcome::NoChange(text) => {
            PlanOutcome::NoChange(json("the no-change result", &text)?)
        }
    })
}

fn plan_from_wit(p: wit::Plan) -> Result<Plan, String> {
    let changes = p
        .changes
        .into_iter()
        .map(|c| {
            Ok(Change {
                before: optional_json("a change's `before`", c.before)?,
                after: optional_json("a change's `after`", c.after)?,
                target: c.target,
                action: c.action,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let effects = p
        .effects
        .into_iter()
        .map(|e| {
            Ok(PlannedEffect {
                body: optional_json("a planned effect's body", e.body)?,
                role: e.role,
                method: method_from_wit(e.method),
                path_pattern: e.path_pattern,
                query: e.query,
                base_params: e.base_params,
                unpinned_body: e.unpinned_body,
                lock: e.lock,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Plan {
        summary: p.summary,
        changes,
        snapshot: json("the plan snapshot", &p.snapshot)?,
        effects,
    })
}

/// Converts a confirmed plan back into the WIT form `apply` receives.
pub(crate) fn plan_to_wit(p: &Plan) -> wit::Plan {
    wit::Plan {
        summary: p.summary.clone(),
        changes: p
            .changes
            .iter()
            .map(|c| wit::Change {
                target: c.target.clone(),
                action: c.action.clone(),
                before: c.before.as_ref().map(Value::to_string),
                after: c.after.as_ref().map(Value::to_string),
            })
            .collect(),
        snapshot: p.snapshot.to_string(),
        effects: p
            .effects
            .iter()
            .map(|e| wit::PlannedEffect {
                role: e.role.clone(),
                method: method_to_wit(e.method),
                path_pattern: e.path_pattern.clone(),
                query: e.query.clone(),
                base_params: e.base_params.clone(),
                body: e.body.as_ref().map(Value::to_string),
                unpinned_body: e.unpinned_body.clone(),
                lock: e.lock.clone(),
            })
            .collect(),
    }
}

/// Converts a tool error the plugin returned; upstream failures keep their code and status.
pub(crate) fn tool_error(e: wit::ToolError) -> ToolError {
    let (kind, code, detail) = match e {
        wit::ToolError::InvalidArgs(d) => {
            (ErrorKind::InvalidArgs, crate::contract::INVALID_ARGS, d)
        }
        wit::ToolError::NotFound(d) => (ErrorKind::NotFound, "not_found", d),
        wit::ToolError::Conflict(d) => (ErrorKind::Conflict, "conflict", d),
        wit::ToolError::Denied(d) => (ErrorKind::Denied, "denied", d),
        wit::ToolError::Internal(d) => (ErrorKind::Internal, "internal", d),
        wit::ToolError::Upstream(f) => {
            let code = if f.code.is_empty() {
                "upstream_error".to_string()
            } else {
                f.code
            };
            return ToolError {
                kind: ErrorKind::Upstream,
                code,
                message: f.message,
                hint: f.hint,
                status: Some(f.status),
            };
        }
    };
    ToolError {
        kind,
        code: code.to_string(),
        message: detail.message,
        hint: detail.hint,
        status: None,
    }
}

/// Bytes of plugin-supplied text in a plan outcome (for the output cap).
pub(crate) fn plan_outcome_size(outcome: &wit::PlanOutcome) -> usize {
    match outcome {
        wit::PlanOutcome::NoChange(text) => text.len(),
        wit::PlanOutcome::NeedsConfirmation(p) => {
            let opt = |t: &Option<String>| t.as_ref().map_or(0, String::len);
            let pairs = |l: &[(String, String)]| -> usize {
                l.iter().map(|(k, v)| k.len() + v.len()).sum()
            };
            p.summary.len()
                + p.snapshot.len()
                + p.changes
                    .iter()
                    .map(|c| c.target.len() + c.action.len() + opt(&c.before) + opt(&c.after))
                    .sum::<usize>()
                + p.effects
                    .iter()
                    .map(|e| {
                        e.role.len()
                            + e.path_pattern.len()
                            + pairs(&e.query)
                            + pairs(&e.base_params)
                            + opt(&e.body)
                            + opt(&e.unpinned_body)
                            + opt(&e.lock)
                    })
                    .sum::<usize>()
        }
    }
}

/// Bytes of plugin-supplied text in a tool error (for the output cap).
pub(crate) fn tool_error_size(e: &wit::ToolError) -> usize {
    let hint = |h: &Option<String>| h.as_ref().map_or(0, String::len);
    match e {
        wit::ToolError::InvalidArgs(d)
        | wit::ToolError::NotFound(d)
        | wit::ToolError::Conflict(d)
        | wit::ToolError::Denied(d)
        | wit::ToolError::Internal(d) => d.message.len() + hint(&d.hint),
        wit::ToolError::Upstream(f) => f.code.len() + f.message.len() + hint(&f.hint),
    }
}

/// Converts the plugin's upstream request, dropping any credential header it tried to set.
/// Returns the request and the names of the headers dropped.
pub(crate) fn upstream_request(r: wit_up::Request) -> (UpstreamRequest, Vec<String>) {
    let (dropped, headers): (Vec<_>, Vec<_>) = r.headers.into_iter().partition(|(name, _)| {
        CREDENTIAL_HEADERS
            .iter()
            .any(|c| name.trim().eq_ignore_ascii_case(c))
    });
    let request = UpstreamRequest {
        role: r.role,
        method: method_from_wit(r.method),
        path: r.path,
        query: r.query,
        base_params: r.base_params,
        headers,
        body: r.body,
    };
    (request, dropped.into_iter().map(|(name, _)| name).collect())
}

/// Converts the gateway's answer for the plugin.
pub(crate) fn upstream_response(r: UpstreamResponse) -> wit_up::Response {
    wit_up::Response {
        status: r.status,
        headers: r.headers,
        body: r.body,
    }
}

/// Converts the gateway's refusal or failure for the plugin.
pub(crate) fn upstream_error(e: UpstreamError) -> wit_up::UpstreamError {
    match e {
        UpstreamError::Denied(why) => wit_up::UpstreamError::Denied(why),
        UpstreamError::BudgetExhausted(n) => wit_up::UpstreamError::BudgetExhausted(n),
        UpstreamError::TooLarge(n) => wit_up::UpstreamError::TooLarge(n),
        UpstreamError::Timeout => wit_up::UpstreamError::Timeout,
        UpstreamError::Network(why) => wit_up::UpstreamError::Network(why),
        UpstreamError::InvalidRequest(why) => wit_up::UpstreamError::InvalidRequest(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptor(input: &str, output: &str) -> wit::ToolDescriptor {
        wit::ToolDescriptor {
            name: "t".into(),
            title: "T".into(),
            description: "d".into(),
            input_schema: input.into(),
            output_schema: output.into(),
            effect: wit::Effect::Destructive,
            idempotent: false,
            category: "c".into(),
            undo_tool: Some("u".into()),
            toolset: None,
            keywords: vec!["zone".into()],
        }
    }

    #[test]
    fn descriptor_schemas_are_parsed_and_effect_kept() {
        let t = tool_descriptor(
            descriptor(r#"{"type":"object"}"#, r#"{"type":"array"}"#),
            "dns",
        )
        .unwrap();
        assert_eq!(t.effect, Effect::Destructive);
        assert_eq!(t.toolset, "dns", "no toolset means the plugin id");
        assert_eq!(t.keywords, vec!["zone".to_string()]);
        let mut own = descriptor(r#"{"type":"object"}"#, "{}");
        own.toolset = Some("dns-records".into());
        assert_eq!(tool_descriptor(own, "dns").unwrap().toolset, "dns-records");
        assert_eq!(t.input_schema["type"], "object");
        assert_eq!(t.output_schema["type"], "array");
        assert_eq!(t.undo_tool.as_deref(), Some("u"));
    }

    #[test]
    fn invalid_or_non_object_schemas_are_refused() {
        let err = tool_descriptor(descriptor("{not json", "{}"), "p").unwrap_err();
        assert!(err.contains("input-schema is not valid JSON"), "{err}");
        let err = tool_descriptor(descriptor(r#"{"type":"string"}"#, "{}"), "p").unwrap_err();
        assert!(err.contains("must be an object schema"), "{err}");
        let err = tool_descriptor(descriptor(r#"{"type":"object"}"#, "[1]"), "p").unwrap_err();
        assert!(
            err.contains("output-schema must be a JSON Schema object"),
            "{err}"
        );
    }

    #[test]
    fn credential_headers_are_dropped_case_insensitively() {
        let (req, dropped) = upstream_request(wit_up::Request {
            role: "r".into(),
            method: wit::HttpMethod::Get,
            path: "/x".into(),
            query: vec![("a".into(), "1".into())],
            base_params: vec![("team".into(), "acme".into())],
            headers: vec![
                ("Authorization".into(), "Bearer x".into()),
                ("COOKIE".into(), "s=1".into()),
                ("x-xsrf-token".into(), "t".into()),
                ("accept".into(), "application/json".into()),
            ],
            body: None,
        });
        assert_eq!(dropped, vec!["Authorization", "COOKIE", "x-xsrf-token"]);
        assert_eq!(
            req.headers,
            vec![("accept".to_string(), "application/json".to_string())]
        );
        assert_eq!(req.method, HttpMethod::Get);
        assert_eq!(req.query, vec![("a".to_string(), "1".to_string())]);
        assert_eq!(req.base_params, vec![("team".into(), "acme".into())]);
    }

    #[test]
    fn plan_round_trips_through_wit() {
        let plan = Plan {
            summary: "s".into(),
            changes: vec![Change {
                target: "t".into(),
                action: "delete".into(),
                before: Some(serde_json::json!({"id": 1})),
                after: None,
            }],
            snapshot: serde_json::json!([1, 2]),
            effects: vec![PlannedEffect {
                role: "r".into(),
                method: HttpMethod::Delete,
                path_pattern: "/a/*".into(),
                query: vec![("force".into(), "1".into())],
                base_params: vec![("team".into(), "acme".into())],
                body: Some(serde_json::json!({"k": "v"})),
                unpinned_body: Some("why".into()),
                lock: Some("hosting:42".into()),
            }],
        };
        let back = plan_from_wit(plan_to_wit(&plan)).unwrap();
        assert_eq!(back, plan);
    }

    #[test]
    fn plan_with_invalid_snapshot_is_reported() {
        let mut p = plan_to_wit(&Plan {
            summary: "s".into(),
            changes: vec![],
            snapshot: Value::Null,
            effects: vec![],
        });
        p.snapshot = "nope".into();
        let err = plan_outcome(wit::PlanOutcome::NeedsConfirmation(p)).unwrap_err();
        assert!(err.contains("snapshot is not valid JSON"), "{err}");
    }

    #[test]
    fn tool_errors_map_kind_code_and_status() {
        let e = tool_error(wit::ToolError::NotFound(wit::ErrorDetail {
            message: "m".into(),
            hint: Some("h".into()),
        }));
        assert_eq!(
            (e.kind, e.code.as_str(), e.hint.as_deref()),
            (ErrorKind::NotFound, "not_found", Some("h"))
        );
        let e = tool_error(wit::ToolError::Upstream(wit::UpstreamFailure {
            status: 404,
            code: "zone_does_not_exists".into(),
            message: "m".into(),
            hint: None,
        }));
        assert_eq!(
            (e.kind, e.code.as_str(), e.status),
            (ErrorKind::Upstream, "zone_does_not_exists", Some(404))
        );
        let e = tool_error(wit::ToolError::Upstream(wit::UpstreamFailure {
            status: 500,
            code: String::new(),
            message: "m".into(),
            hint: None,
        }));
        assert_eq!(e.code, "upstream_error");
    }
}
