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

fn method(m: old::HttpMethod) -> new::HttpMethod {
    match m {
        old::HttpMethod::Get => new::HttpMethod::Get,
        old::HttpMethod::Head => new::HttpMethod::Head,
        old::HttpMethod::Post => new::HttpMethod::Post,
        old::HttpMethod::Put => new::HttpMethod::Put,
        old::HttpMethod::Patch => new::HttpMethod::Patch,
        old::HttpMethod::Delete => new::HttpMethod::Delete,
    }
}

fn method_back(m: new::HttpMethod) -> old::HttpMethod {
    match m {
        new::HttpMethod::Get => old::HttpMethod::Get,
        new::HttpMethod::Head => old::HttpMethod::Head,
        new::HttpMethod::Post => old::HttpMethod::Post,
        new::HttpMethod::Put => old::HttpMethod::Put,
        new::HttpMethod::Patch => old::HttpMethod::Patch,
        new::HttpMethod::Delete => old::HttpMethod::Delete,
    }
}

/// A 0.1 plan outcome as 0.2.
pub(crate) fn plan_outcome(o: old::PlanOutcome) -> new::PlanOutcome {
    match o {
        old::PlanOutcome::NeedsConfirmation(p) => new::PlanOutcome::NeedsConfirmation(plan(p)),
        old::PlanOutcome::NoChange(text) => new::PlanOutcome::NoChange(text),
    }
}

fn plan(p: old::Plan) -> new::Plan {
    new::Plan {
        summary: p.summary,
        changes: p
            .changes
            .into_iter()
            .map(|c| new::Change {
                target: c.target,
                action: c.action,
                before: c.before,
                after: c.after,
            })
            .collect(),
        snapshot: p.snapshot,
        effects: p
            .effects
            .into_iter()
            .map(|e| new::PlannedEffect {
                role: e.role,
                method: method(e.method),
                path_pattern: e.path_pattern,
                query: Vec::new(),
                base_params: Vec::new(),
                body: e.body,
                unpinned_body: None,
            })
            .collect(),
    }
}

/// The confirmed plan, for a 0.1 component's `apply`. It was planned by that component
/// through [`plan_outcome`], so the fields 0.1 lacks are empty and nothing is lost.
pub(crate) fn plan_back(p: &new::Plan) -> old::Plan {
    old::Plan {
        summary: p.summary.clone(),
        changes: p
            .changes
            .iter()
            .map(|c| old::Change {
                target: c.target.clone(),
                action: c.action.clone(),
                before: c.before.clone(),
                after: c.after.clone(),
            })
            .collect(),
        snapshot: p.snapshot.clone(),
        effects: p
            .effects
            .iter()
            .map(|e| old::PlannedEffect {
                role: e.role.clone(),
                method: method_back(e.method),
                path_pattern: e.path_pattern.clone(),
                body: e.body.clone(),
            })
            .collect(),
    }
}

/// A 0.1 tool error as 0.2 (the variants did not change).
pub(crate) fn tool_error(e: old::ToolError) -> new::ToolError {
    let detail = |d: old::ErrorDetail| new::ErrorDetail {
        message: d.message,
        hint: d.hint,
    };
    match e {
        old::ToolError::InvalidArgs(d) => new::ToolError::InvalidArgs(detail(d)),
        old::ToolError::NotFound(d) => new::ToolError::NotFound(detail(d)),
        old::ToolError::Conflict(d) => new::ToolError::Conflict(detail(d)),
        old::ToolError::Denied(d) => new::ToolError::Denied(detail(d)),
        old::ToolError::Internal(d) => new::ToolError::Internal(detail(d)),
        old::ToolError::Upstream(f) => new::ToolError::Upstream(new::UpstreamFailure {
            status: f.status,
            code: f.code,
            message: f.message,
            hint: f.hint,
        }),
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

fn response_back(r: new_up::Response) -> old_up::Response {
    old_up::Response {
        status: r.status,
        headers: r.headers,
        body: r.body,
    }
}

fn upstream_error_back(e: new_up::UpstreamError) -> old_up::UpstreamError {
    match e {
        new_up::UpstreamError::Denied(why) => old_up::UpstreamError::Denied(why),
        new_up::UpstreamError::BudgetExhausted(n) => old_up::UpstreamError::BudgetExhausted(n),
        new_up::UpstreamError::TooLarge(n) => old_up::UpstreamError::TooLarge(n),
        new_up::UpstreamError::Timeout => old_up::UpstreamError::Timeout,
        new_up::UpstreamError::Network(why) => old_up::UpstreamError::Network(why),
        new_up::UpstreamError::InvalidRequest(why) => old_up::UpstreamError::InvalidRequest(why),
    }
}

impl old::Host for HostState {}

impl old_up::Host for HostState {
    async fn send(
        &mut self,
        req: old_up::Request,
    ) -> Result<old_up::Response, old_up::UpstreamError> {
        new_up::Host::send(self, request(req))
            .await
            .map(response_back)
            .map_err(upstream_error_back)
    }
}

impl old_log::Host for HostState {
    async fn log(&mut self, level: old_log::Level, message: String) {
        let level = match level {
            old_log::Level::Trace => new_log::Level::Trace,
            old_log::Level::Debug => new_log::Level::Debug,
            old_log::Level::Info => new_log::Level::Info,
            old_log::Level::Warn => new_log::Level::Warn,
            old_log::Level::Error => new_log::Level::Error,
        };
        new_log::Host::log(self, level, message).await;
    }
}

impl old_progress::Host for HostState {
    async fn report(&mut self, done: u32, total: Option<u32>, message: Option<String>) {
        new_progress::Host::report(self, done, total, message).await;
    }
}

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
