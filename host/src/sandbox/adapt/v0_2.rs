//! The adapter from contract 0.2.0 to the latest (0.3.0): what a 0.2 component returns is
//! read as a 0.3 value, and what the host hands it (upstream answers, the confirmed plan)
//! is written back in 0.2 types. The host traits of the 0.2 imports delegate to the latest
//! ones, so there is one implementation of each import.
//!
//! 0.3 only adds a planned effect's `lock`: a 0.2 effect holds none, so a 0.2 component's
//! applies are never serialized by the host (as before).

use super::super::bindings::latest::ikmcp::plugin::{
    log as new_log, progress as new_progress, types as new, upstream as new_up,
};
use super::super::bindings::v0_2::ikmcp::plugin::{
    log as old_log, progress as old_progress, types as old, upstream as old_up,
};
use super::super::state::HostState;

/// A 0.2 manifest as 0.3 (the plugin keeps reporting the version it was built against).
pub(crate) fn manifest(m: old::Manifest) -> new::Manifest {
    new::Manifest {
        id: m.id,
        version: m.version,
        contract_version: m.contract_version,
        description: m.description,
        roles: m.roles,
        tools: m
            .tools
            .into_iter()
            .map(|t| new::ToolDescriptor {
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
                toolset: t.toolset,
                keywords: t.keywords,
            })
            .collect(),
    }
}

/// A 0.2 planned write as 0.3: it holds no lock.
fn effect(e: old::PlannedEffect) -> new::PlannedEffect {
    new::PlannedEffect {
        role: e.role,
        method: method(e.method),
        path_pattern: e.path_pattern,
        query: e.query,
        base_params: e.base_params,
        body: e.body,
        unpinned_body: e.unpinned_body,
        lock: None,
    }
}

/// A confirmed write, for a 0.2 component's `apply`. It was planned by that component, so
/// it holds no lock and nothing is lost.
fn effect_back(e: &new::PlannedEffect) -> old::PlannedEffect {
    old::PlannedEffect {
        role: e.role.clone(),
        method: method_back(e.method),
        path_pattern: e.path_pattern.clone(),
        query: e.query.clone(),
        base_params: e.base_params.clone(),
        body: e.body.clone(),
        unpinned_body: e.unpinned_body.clone(),
    }
}

/// A 0.2 request as 0.3 (unchanged).
fn request(r: old_up::Request) -> new_up::Request {
    new_up::Request {
        role: r.role,
        method: method(r.method),
        path: r.path,
        query: r.query,
        base_params: r.base_params,
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

    fn old_plan() -> old::Plan {
        old::Plan {
            summary: "Create www".into(),
            changes: vec![],
            snapshot: "[]".into(),
            effects: vec![old::PlannedEffect {
                role: "kchat".into(),
                method: old::HttpMethod::Post,
                path_pattern: "/api/v4/posts".into(),
                query: vec![("a".into(), "1".into())],
                base_params: vec![("team".into(), "acme".into())],
                body: None,
                unpinned_body: Some("carries the id".into()),
            }],
        }
    }

    #[test]
    fn a_0_2_plan_keeps_every_field_and_holds_no_lock() {
        let new::PlanOutcome::NeedsConfirmation(p) =
            plan_outcome(old::PlanOutcome::NeedsConfirmation(old_plan()))
        else {
            panic!("expected a plan");
        };
        let e = &p.effects[0];
        assert_eq!(e.lock, None);
        assert_eq!(e.query, [("a".to_owned(), "1".to_owned())]);
        assert_eq!(e.base_params, [("team".to_owned(), "acme".to_owned())]);
        assert_eq!(e.unpinned_body.as_deref(), Some("carries the id"));
        assert_eq!(format!("{:?}", plan_back(&p)), format!("{:?}", old_plan()));
    }

    #[test]
    fn a_0_2_tool_keeps_its_toolset_and_keywords() {
        let m = manifest(old::Manifest {
            id: "p".into(),
            version: "1.0.0".into(),
            contract_version: "0.2.0".into(),
            description: "d".into(),
            roles: vec![],
            tools: vec![old::ToolDescriptor {
                name: "p_x".into(),
                title: "t".into(),
                description: "d".into(),
                input_schema: "{}".into(),
                output_schema: "{}".into(),
                effect: old::Effect::Write,
                idempotent: false,
                category: "c".into(),
                undo_tool: None,
                toolset: Some("p-x".into()),
                keywords: vec!["k".into()],
            }],
        });
        assert_eq!(m.contract_version, "0.2.0");
        assert_eq!(m.tools[0].toolset.as_deref(), Some("p-x"));
        assert_eq!(m.tools[0].keywords, ["k"]);
    }
}
