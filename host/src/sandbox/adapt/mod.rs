//! Adapters from the older contract versions the host still loads onto the latest, one
//! step per version: 0.1 → 0.2 ([`v0_1`]), 0.2 → 0.3 ([`v0_2`]). A value from an older
//! component climbs the steps; what the host hands it (upstream answers, the confirmed
//! plan) goes back down them. Each step reads the older version with its own meaning and
//! never widens it: what the older version could not say is absent.

/// The conversions and host-trait delegations every version step shares: the adapter
/// modules name the older version's bindings `old`, `old_up`, `old_log`, `old_progress`
/// and the newer one's `new`, `new_up`, `new_log`, `new_progress`, and define what
/// differs per step (`effect`, `effect_back`, `request`); what did not change between two
/// versions (plans around their effects, methods, tool errors, responses, upstream
/// errors, log and progress) is written once, here.
macro_rules! unchanged_between_steps {
    () => {
        /// An older plan outcome as the newer version's.
        pub(crate) fn plan_outcome(o: old::PlanOutcome) -> new::PlanOutcome {
            match o {
                old::PlanOutcome::NeedsConfirmation(p) => {
                    new::PlanOutcome::NeedsConfirmation(plan(p))
                }
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
                effects: p.effects.into_iter().map(effect).collect(),
            }
        }

        /// The confirmed plan, for an older component's `apply` (see `effect_back`).
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
                effects: p.effects.iter().map(effect_back).collect(),
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
                new_up::UpstreamError::BudgetExhausted(n) => {
                    old_up::UpstreamError::BudgetExhausted(n)
                }
                new_up::UpstreamError::TooLarge(n) => old_up::UpstreamError::TooLarge(n),
                new_up::UpstreamError::Timeout => old_up::UpstreamError::Timeout,
                new_up::UpstreamError::Network(why) => old_up::UpstreamError::Network(why),
                new_up::UpstreamError::InvalidRequest(why) => {
                    old_up::UpstreamError::InvalidRequest(why)
                }
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
    };
}

pub(crate) mod v0_1;
pub(crate) mod v0_2;
