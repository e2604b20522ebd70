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

/// A 0.2 plan outcome as 0.3.
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
                query: e.query,
                base_params: e.base_params,
                body: e.body,
                unpinned_body: e.unpinned_body,
                lock: None,
            })
            .collect(),
    }
}

/// The confirmed plan, for a 0.2 component's `apply`. It was planned by that component
/// through [`plan_outcome`], so its effects hold no lock and nothing is lost.
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
                query: e.query.clone(),
                base_params: e.base_params.clone(),
                body: e.body.clone(),
                unpinned_body: e.unpinned_body.clone(),
            })
            .collect(),
    }
}

/// A 0.2 tool error as 0.3 (the variants did not change).
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
