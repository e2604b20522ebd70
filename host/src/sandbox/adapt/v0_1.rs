//! The adapter from contract 0.1.0 to 0.2.0: what a 0.1 component returns is read as a 0.2
//! value (and then as the latest through [`super::v0_2`]), and what the host hands a 0.1
//! component (upstream answers, the confirmed plan) is written back in 0.1 types. The host
//! traits of the 0.1 imports delegate to the 0.2 ones, which delegate to the latest, so
//! there is one implementation of each import.
//!
//! What 0.1 could not say is read with its 0.1 meaning, never widened: a tool's toolset is
//! absent (= the plugin id) and it has no keywords; a planned write carries no query and
//! no base params, and has no reason for an unpinned body (so the effect rules require
//! every POST/PUT/PATCH body to be pinned); a request carries no base params.

use super::super::bindings::v0_1::ikmcp::plugin::{
    log as old_log, progress as old_progress, types as old, upstream as old_up,
};
use super::super::bindings::v0_2::ikmcp::plugin::{
    log as new_log, progress as new_progress, types as new, upstream as new_up,
};
use super::super::state::HostState;

/// A 0.1 manifest as 0.2. The plugin keeps reporting the contract version it was built
/// against (`0.1.x`), which the load checks compare with the world it implements.
pub(crate) fn manifest(m: old::Manifest) -> new::Manifest {
    new::Manifest {
        id: m.id,
        version: m.version,
        contract_version: m.contract_version,
        description: m.description,
        roles: m.roles,
        tools: m.tools.into_iter().map(tool_descriptor).collect(),
    }
}

fn tool_descriptor(t: old::ToolDescriptor) -> new::ToolDescriptor {
    new::ToolDescriptor {
        name: t.name,
        title: t.title,
        description: t.description,
        input_schema: t.input_schema,
        output_schema: t.output_schema,
        effect: match t.effect {
            old::Effect::Read => new::Effect::Read,
            old::Effect::Write => new::Effect::Write,
            old::Effect::Destructive => new::Effect::Destructive,
        },
        idempotent: t.idempotent,
        category: t.category,
        undo_tool: t.undo_tool,
        toolset: None,
        keywords: Vec::new(),
    }
}

/// A 0.1 planned write as 0.2: no query, no base params, no reason for an unpinned body.
fn effect(e: old::PlannedEffect) -> new::PlannedEffect {
    new::PlannedEffect {
        role: e.role,
        method: method(e.method),
        path_pattern: e.path_pattern,
        query: Vec::new(),
        base_params: Vec::new(),
        body: e.body,
        unpinned_body: None,
    }
}

/// A confirmed write, for a 0.1 component's `apply`. It was planned by that component, so
/// the fields 0.1 lacks are empty and nothing is lost.
fn effect_back(e: &new::PlannedEffect) -> old::PlannedEffect {
    old::PlannedEffect {
        role: e.role.clone(),
        method: method_back(e.method),
        path_pattern: e.path_pattern.clone(),
        body: e.body.clone(),
    }
}

/// A 0.1 request as 0.2: no base params.
fn request(r: old_up::Request) -> new_up::Request {
    new_up::Request {
        role: r.role,
        method: method(r.method),
        path: r.path,
        query: r.query,
        base_params: Vec::new(),
        headers: r.headers,
        body: r.body,
    }
}

// `plan_outcome`, `plan_back`, `method`, `method_back`, `tool_error`, `response_back`,
// `upstream_error_back` and the host traits of the imports: unchanged in this step.
unchanged_between_steps!();

#[cfg(test)]
mod tests {
    use super::*;

    fn old_effect(method: old::HttpMethod, body: Option<&str>) -> old::PlannedEffect {
        old::PlannedEffect {
            role: "infomaniak-api".into(),
            method,
            path_pattern: "/2/zones/a.ch/records".into(),
            body: body.map(str::to_owned),
        }
    }

    fn old_plan() -> old::Plan {
        old::Plan {
            summary: "Create www".into(),
            changes: vec![old::Change {
                target: "a.ch: www".into(),
                action: "create".into(),
                before: None,
                after: Some("{}".into()),
            }],
            snapshot: "[]".into(),
            effects: vec![
                old_effect(old::HttpMethod::Post, Some(r#"{"a":1}"#)),
                old_effect(old::HttpMethod::Put, None),
            ],
        }
    }

    #[test]
    fn a_0_1_plan_carries_no_query_no_base_params_and_no_unpinned_reason() {
        let new::PlanOutcome::NeedsConfirmation(p) =
            plan_outcome(old::PlanOutcome::NeedsConfirmation(old_plan()))
        else {
            panic!("expected a plan");
        };
        assert_eq!(p.effects.len(), 2);
        for e in &p.effects {
            assert!(e.query.is_empty() && e.base_params.is_empty());
            assert_eq!(e.unpinned_body, None);
        }
        assert_eq!(p.effects[0].body.as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(p.effects[1].body, None);
        assert_eq!(p.effects[1].method, new::HttpMethod::Put);
    }

    #[test]
    fn a_confirmed_plan_goes_back_to_0_1_unchanged() {
        let new::PlanOutcome::NeedsConfirmation(p) =
            plan_outcome(old::PlanOutcome::NeedsConfirmation(old_plan()))
        else {
            panic!("expected a plan");
        };
        // The generated types have Debug but not PartialEq.
        assert_eq!(format!("{:?}", plan_back(&p)), format!("{:?}", old_plan()));
    }

    #[test]
    fn a_0_1_tool_has_no_toolset_and_no_keywords() {
        let m = manifest(old::Manifest {
            id: "legacy".into(),
            version: "1.0.0".into(),
            contract_version: "0.1.0".into(),
            description: "d".into(),
            roles: vec!["infomaniak-api".into()],
            tools: vec![old::ToolDescriptor {
                name: "legacy_delete".into(),
                title: "t".into(),
                description: "d".into(),
                input_schema: "{}".into(),
                output_schema: "{}".into(),
                effect: old::Effect::Destructive,
                idempotent: false,
                category: "c".into(),
                undo_tool: Some("u".into()),
            }],
        });
        assert_eq!(m.contract_version, "0.1.0");
        let t = &m.tools[0];
        assert_eq!((t.toolset.as_deref(), t.keywords.len()), (None, 0));
        assert_eq!(t.effect, new::Effect::Destructive);
        assert_eq!(t.undo_tool.as_deref(), Some("u"));
    }

    #[test]
    fn a_0_1_request_has_no_base_params_and_keeps_its_query() {
        let r = request(old_up::Request {
            role: "r".into(),
            method: old::HttpMethod::Get,
            path: "/x".into(),
            query: vec![("a".into(), "1".into())],
            headers: vec![("accept".into(), "application/json".into())],
            body: None,
        });
        assert!(r.base_params.is_empty());
        assert_eq!(r.query, vec![("a".to_owned(), "1".to_owned())]);
        assert_eq!(r.method, new::HttpMethod::Get);
    }

    #[test]
    fn tool_errors_keep_kind_and_detail() {
        let e = tool_error(old::ToolError::Upstream(old::UpstreamFailure {
            status: 404,
            code: "c".into(),
            message: "m".into(),
            hint: Some("h".into()),
        }));
        assert!(matches!(e, new::ToolError::Upstream(f) if f.status == 404 && f.code == "c"));
        let e = tool_error(old::ToolError::Conflict(old::ErrorDetail {
            message: "m".into(),
            hint: None,
        }));
        assert!(matches!(e, new::ToolError::Conflict(d) if d.message == "m"));
    }
}
