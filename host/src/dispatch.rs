//! One tool call, start to finish: validation, the confirmation guard, the sandboxed
//! plugin, the upstream session of the right phase, and an audit line for every phase.
//!
//! This is the flow of DESIGN.md "The flow of one tool call", independent of the MCP
//! transport so it can be tested and reused (stdio now, HTTP later).

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;

use crate::audit::{AuditEvent, AuditLog, AuditPhase};
use crate::builtins::{self, BuiltinContext};
use crate::config::Limits;
use crate::contract::{ErrorKind, Plan, PlanOutcome, ToolError};
use crate::grants::Grants;
use crate::guard::{self, Guard, GuardError};
use crate::registry::{CONFIRMATION_ARG, RegisteredTool, Registry, Runner};
use crate::sandbox::{CallContext, LoadedPlugin, ProgressSink};
use crate::upstream::{Gateway, Phase, RequestOutcome, RequestRecord, SessionSpec};

/// What a tool call produced.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutcome {
    /// The tool's result (read tools, applied writes, no-change writes).
    Success(Value),
    /// A plan awaiting the user's approval.
    PlanReady {
        /// The structured plan response (status `plan`, token, expiry, next step).
        response: Value,
        /// The minted token (the MCP layer uses it for in-protocol confirmation).
        token: String,
    },
    /// The call failed; `detail` carries extra structured data (a fresh plan when stale).
    Failure {
        /// What went wrong and what to do next.
        error: ToolError,
        /// Extra data for the client.
        detail: Option<Value>,
    },
}

impl CallOutcome {
    fn failure(error: ToolError) -> Self {
        CallOutcome::Failure {
            error,
            detail: None,
        }
    }
}

/// Runs tool calls; shared by every client session of the process.
pub struct Dispatcher {
    registry: Arc<Registry>,
    gateway: Arc<Gateway>,
    guard: Guard,
    audit: AuditLog,
    limits: Limits,
    grants: Grants,
}

impl Dispatcher {
    /// Assembles the dispatcher from the start-up parts.
    pub fn new(
        registry: Arc<Registry>,
        gateway: Arc<Gateway>,
        guard: Guard,
        audit: AuditLog,
        limits: Limits,
        grants: Grants,
    ) -> Self {
        Dispatcher {
            registry,
            gateway,
            guard,
            audit,
            limits,
            grants,
        }
    }

    /// The registry of offered tools.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Runs one call of an offered tool. `progress` receives plugin progress reports.
    pub async fn call(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        progress: Option<Arc<dyn ProgressSink>>,
    ) -> CallOutcome {
        let Some(tool) = self.registry.get(name) else {
            return CallOutcome::failure(
                ToolError::new(
                    ErrorKind::NotFound,
                    "unknown_tool",
                    format!("no tool named {name} is offered"),
                )
                .with_hint(
                    "call infomaniak_tool_catalog or infomaniak_help to find the right tool",
                ),
            );
        };
        let mut args = arguments;
        let token = if tool.descriptor.effect.is_mutation() {
            match args.remove(CONFIRMATION_ARG) {
                None => None,
                Some(Value::String(t)) if !t.trim().is_empty() => Some(t.trim().to_string()),
                Some(_) => {
                    return CallOutcome::failure(
                        ToolError::new(
                            ErrorKind::InvalidArgs,
                            "invalid_arguments",
                            "confirmation_token must be the non-empty string returned with the plan",
                        )
                        .with_hint(format!("call {name} without confirmation_token to get a plan")),
                    );
                }
            }
        } else {
            None
        };
        let args = Value::Object(args);
        if let Err(error) = tool.validate_args(&args) {
            return CallOutcome::failure(error);
        }
        let started = Instant::now();
        match (&tool.runner, token) {
            (Runner::Builtin, _) => self.run_builtin(tool, &args, started),
            (Runner::Plugin(plugin), _) if !tool.descriptor.effect.is_mutation() => {
                self.run_read(tool, plugin, &args, progress, started).await
            }
            (Runner::Plugin(plugin), None) => {
                self.run_plan(tool, plugin, &args, progress, started).await
            }
            (Runner::Plugin(plugin), Some(token)) => {
                self.run_confirmed(tool, plugin, &args, &token, progress, started)
                    .await
            }
        }
    }

    fn run_builtin(&self, tool: &RegisteredTool, args: &Value, started: Instant) -> CallOutcome {
        let ctx = BuiltinContext {
            registry: &self.registry,
            audit_path: self.audit.path(),
        };
        let result = builtins::run(&tool.descriptor.name, args, &ctx);
        let (phase, summary, error) = match &result {
            Ok(_) => (AuditPhase::Read, None, None),
            Err(e) => (AuditPhase::Failed, None, Some(error_json(e))),
        };
        self.write_audit(AuditEvent {
            result_summary: summary,
            error,
            ..line(tool, phase, args, started)
        });
        match result {
            Ok(v) => CallOutcome::Success(v),
            Err(e) => CallOutcome::failure(e),
        }
    }

    async fn run_read(
        &self,
        tool: &RegisteredTool,
        plugin: &LoadedPlugin,
        args: &Value,
        progress: Option<Arc<dyn ProgressSink>>,
        started: Instant,
    ) -> CallOutcome {
        let (ctx, records) = self.context(tool, Phase::Read, progress);
        let result = plugin.invoke(&tool.descriptor.name, args, ctx).await;
        let records = take(&records);
        self.audit_denials(tool, args, &records, started);
        match result {
            Ok(value) => {
                self.write_audit(AuditEvent {
                    result_summary: Some(summarize(&value)),
                    upstream: records,
                    ..line(tool, AuditPhase::Read, args, started)
                });
                CallOutcome::Success(value)
            }
            Err(error) => self.failed(
                line(tool, AuditPhase::Failed, args, started),
                records,
                None,
                error,
            ),
        }
    }

    /// First call of a write tool: plan, fingerprint, mint a token.
    async fn run_plan(
        &self,
        tool: &RegisteredTool,
        plugin: &LoadedPlugin,
        args: &Value,
        progress: Option<Arc<dyn ProgressSink>>,
        started: Instant,
    ) -> CallOutcome {
        let (outcome, records) = self.plan_once(tool, plugin, args, progress).await;
        self.audit_denials(tool, args, &records, started);
        match outcome {
            Err(error) => self.failed(
                line(tool, AuditPhase::Failed, args, started),
                records,
                None,
                error,
            ),
            Ok(PlanOutcome::NoChange(result)) => {
                let response = json!({"status": "no_change", "result": result});
                self.write_audit(AuditEvent {
                    result_summary: Some(response.clone()),
                    upstream: records,
                    ..line(tool, AuditPhase::Plan, args, started)
                });
                CallOutcome::Success(response)
            }
            Ok(PlanOutcome::NeedsConfirmation(plan)) => {
                let (response, token, fp) = self.mint(tool, args, &plan);
                self.write_audit(AuditEvent {
                    result_summary: Some(for_audit(&response)),
                    upstream: records,
                    fingerprint: Some(fp),
                    ..line(tool, AuditPhase::Plan, args, started)
                });
                CallOutcome::PlanReady { response, token }
            }
        }
    }

    /// Second call of a write tool: check the token, re-plan, compare, apply.
    async fn run_confirmed(
        &self,
        tool: &RegisteredTool,
        plugin: &LoadedPlugin,
        args: &Value,
        token: &str,
        progress: Option<Arc<dyn ProgressSink>>,
        started: Instant,
    ) -> CallOutcome {
        let name = &tool.descriptor.name;
        let audited_args = with_token(args, token);
        if let Err(e) = self.guard.check(token, name, args) {
            return self.refuse(tool, &audited_args, e, None, vec![], started);
        }
        let (outcome, records) = self.plan_once(tool, plugin, args, progress.clone()).await;
        self.audit_denials(tool, args, &records, started);
        let plan = match outcome {
            Err(error) => {
                return self.failed(
                    line(tool, AuditPhase::Failed, &audited_args, started),
                    records,
                    None,
                    error,
                );
            }
            Ok(PlanOutcome::NoChange(result)) => {
                // The world already is as asked: the confirmed plan no longer applies.
                let _ = self.guard.consume(token, name, args, "");
                let response = json!({"status": "no_change", "result": result});
                self.write_audit(AuditEvent {
                    result_summary: Some(response.clone()),
                    upstream: records,
                    ..line(tool, AuditPhase::Plan, &audited_args, started)
                });
                return CallOutcome::Success(response);
            }
            Ok(PlanOutcome::NeedsConfirmation(plan)) => plan,
        };
        let fp = guard::fingerprint(name, args, &plan);
        if let Err(e) = self.guard.consume(token, name, args, &fp) {
            let fresh = if e == GuardError::Stale {
                let (response, _, _) = self.mint(tool, args, &plan);
                Some(response)
            } else {
                None
            };
            return self.refuse(tool, &audited_args, e, fresh, records, started);
        }
        let attempt = AuditEvent {
            result_summary: Some(json!({"summary": plan.summary})),
            upstream: records,
            fingerprint: Some(fp.clone()),
            ..line(tool, AuditPhase::ApplyAttempt, &audited_args, started)
        };
        if let Err(e) = self.audit.record(attempt) {
            tracing::error!(error = %e, tool = %name, "cannot write apply_attempt; refusing to apply");
            return CallOutcome::failure(
                ToolError::new(ErrorKind::Internal, "audit_unavailable", format!("the audit log could not be written ({e}); nothing was changed"))
                    .with_hint("fix the audit log location or permissions (see `ikmcp audit verify`) and confirm again after re-planning"),
            );
        }
        let apply_started = Instant::now();
        let (ctx, records) = self.context(tool, Phase::Apply(plan.effects.clone()), progress);
        let result = plugin.apply(name, args, &plan, ctx).await;
        let records = take(&records);
        self.audit_denials(tool, args, &records, apply_started);
        match result {
            Ok(value) => {
                let response =
                    json!({"status": "applied", "summary": plan.summary, "result": value});
                self.write_audit(AuditEvent {
                    result_summary: Some(summarize(&response)),
                    upstream: records,
                    fingerprint: Some(fp),
                    ..line(tool, AuditPhase::Applied, &audited_args, apply_started)
                });
                CallOutcome::Success(response)
            }
            Err(error) => self.failed(
                line(tool, AuditPhase::Failed, &audited_args, apply_started),
                records,
                Some(fp),
                error,
            ),
        }
    }

    /// Audits a failed phase with the upstream requests it made, and returns the failure.
    fn failed(
        &self,
        base: AuditEvent,
        upstream: Vec<RequestRecord>,
        fingerprint: Option<String>,
        error: ToolError,
    ) -> CallOutcome {
        self.write_audit(AuditEvent {
            error: Some(error_json(&error)),
            upstream,
            fingerprint,
            ..base
        });
        CallOutcome::failure(error)
    }

    async fn plan_once(
        &self,
        tool: &RegisteredTool,
        plugin: &LoadedPlugin,
        args: &Value,
        progress: Option<Arc<dyn ProgressSink>>,
    ) -> (Result<PlanOutcome, ToolError>, Vec<RequestRecord>) {
        let (ctx, records) = self.context(tool, Phase::Plan, progress);
        let outcome = plugin.plan(&tool.descriptor.name, args, ctx).await;
        (outcome, take(&records))
    }

    fn mint(&self, tool: &RegisteredTool, args: &Value, plan: &Plan) -> (Value, String, String) {
        let name = &tool.descriptor.name;
        let fp = guard::fingerprint(name, args, plan);
        let confirmation = self.guard.mint(name, args, &fp);
        let expires = confirmation.expires_at.format(&Rfc3339).unwrap_or_default();
        let response = json!({
            "status": "plan",
            "summary": plan.summary,
            "changes": plan.changes,
            "effects": plan.effects,
            "confirmation_token": confirmation.token,
            "token_expires_at": expires,
            "next_step": format!(
                "Nothing has been changed. Show this plan to the user. If they approve, call {name} again with exactly the same arguments plus \"confirmation_token\": \"{}\" before {expires}. If they do not, do nothing.",
                confirmation.token
            ),
        });
        (response, confirmation.token, fp)
    }

    fn refuse(
        &self,
        tool: &RegisteredTool,
        audited_args: &Value,
        error: GuardError,
        fresh_plan: Option<Value>,
        records: Vec<RequestRecord>,
        started: Instant,
    ) -> CallOutcome {
        let tool_error = error.to_tool_error(&tool.descriptor.name);
        self.write_audit(AuditEvent {
            result_summary: fresh_plan.as_ref().map(for_audit),
            error: Some(error_json(&tool_error)),
            upstream: records,
            ..line(tool, AuditPhase::Denied, audited_args, started)
        });
        CallOutcome::Failure {
            error: tool_error,
            detail: fresh_plan.map(|p| json!({"fresh_plan": p})),
        }
    }

    fn context(
        &self,
        tool: &RegisteredTool,
        phase: Phase,
        progress: Option<Arc<dyn ProgressSink>>,
    ) -> (CallContext, crate::upstream::RecordLog) {
        let granted = match &tool.runner {
            Runner::Plugin(_) => self.grants.roles(&tool.plugin_id).to_vec(),
            Runner::Builtin => vec![],
        };
        let session = self.gateway.session(SessionSpec {
            plugin_id: tool.plugin_id.clone(),
            granted_roles: granted,
            phase,
            max_requests: self.limits.max_upstream_requests,
            max_response_bytes: self.limits.max_response_bytes,
        });
        let records = session.records();
        (
            CallContext {
                upstream: Box::new(session),
                progress,
            },
            records,
        )
    }

    /// A request the guard refused gets its own `denied` line, whatever the call's result.
    fn audit_denials(
        &self,
        tool: &RegisteredTool,
        args: &Value,
        records: &[RequestRecord],
        started: Instant,
    ) {
        let denied: Vec<RequestRecord> = records
            .iter()
            .filter(|r| matches!(r.outcome, RequestOutcome::Denied(_)))
            .cloned()
            .collect();
        if !denied.is_empty() {
            let error = json!({"kind": "denied", "message": "the host refused upstream requests of this call"});
            self.write_audit(AuditEvent {
                error: Some(error),
                upstream: denied,
                ..line(tool, AuditPhase::Denied, args, started)
            });
        }
    }

    fn write_audit(&self, event: AuditEvent) {
        if let Err(e) = self.audit.record(event) {
            tracing::error!(error = %e, "cannot write the audit log");
        }
    }
}

/// The audit line of a call phase, with nothing but who, what and how long; callers add
/// the summary, error, upstream requests and fingerprint that apply.
fn line(tool: &RegisteredTool, phase: AuditPhase, args: &Value, started: Instant) -> AuditEvent {
    AuditEvent {
        phase,
        tool: tool.descriptor.name.clone(),
        plugin: tool.plugin_id.clone(),
        risk: tool.descriptor.effect.as_str().to_string(),
        args: args.clone(),
        result_summary: None,
        error: None,
        duration_ms: Some(started.elapsed().as_millis() as u64),
        upstream: vec![],
        fingerprint: None,
    }
}

fn take(records: &crate::upstream::RecordLog) -> Vec<RequestRecord> {
    std::mem::take(&mut *records.lock().unwrap_or_else(|e| e.into_inner()))
}

fn with_token(args: &Value, token: &str) -> Value {
    let mut args = args.clone();
    if let Some(obj) = args.as_object_mut() {
        obj.insert(CONFIRMATION_ARG.into(), Value::String(token.into()));
    }
    args
}

/// A plan response as the audit log keeps it: without the next-step prose, which repeats
/// the token in clear (the `confirmation_token` field itself becomes a reference).
fn for_audit(plan_response: &Value) -> Value {
    let mut kept = plan_response.clone();
    if let Some(obj) = kept.as_object_mut() {
        obj.remove("next_step");
    }
    kept
}

fn error_json(error: &ToolError) -> Value {
    serde_json::to_value(error).unwrap_or(Value::Null)
}

/// A bounded summary of a result for the audit log: counts for lists, keys for objects.
fn summarize(value: &Value) -> Value {
    const MAX: usize = 2048;
    let text = value.to_string();
    if text.len() <= MAX {
        return value.clone();
    }
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let s = match v {
                    Value::Array(items) => json!({"items": items.len()}),
                    Value::Object(o) => json!({"keys": o.len()}),
                    other if other.to_string().len() <= 256 => other.clone(),
                    _ => json!("…"),
                };
                out.insert(k.clone(), s);
            }
            Value::Object(out)
        }
        Value::Array(items) => json!({"items": items.len()}),
        _ => json!({"bytes": text.len()}),
    }
}
