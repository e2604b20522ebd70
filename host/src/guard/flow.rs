//! The guard flow: plan → approval → confirmation → apply, for every write tool call,
//! whichever way the human's approval arrives.
//!
//! Read it top to bottom:
//!
//! 1. [`GuardFlow::plan`]: the plugin plans (reads only). The host fingerprints the plan
//!    and renders the approval from the effects it will enforce. On the token way it
//!    mints a single-use token into the plan response; in-protocol it mints nothing, so
//!    no token ever reaches the model, and the MCP layer asks the human directly.
//! 2. The approval arrives as a [`Confirmation`]: a token the model sends back after the
//!    user approved, or the fingerprint of the plan the human approved in-protocol
//!    (elicitation; or an `input_required` round trip, whose state [`GuardFlow::seal`]
//!    seals and [`GuardFlow::open_seal`] checks).
//! 3. [`GuardFlow::confirm`]: the plugin plans again, and the host takes the locks the
//!    plan's effects declare ([`super::locks`]): if another apply holds one, it waits
//!    for it and plans once more. The new plan's fingerprint must equal the approved one. If not, the world (or the plan) changed: nothing is
//!    written, and the fresh plan goes back to whoever approves: with a new token on the
//!    token way, as a new approval request in-protocol.
//! 4. Apply: `apply_attempt` is written to the audit log durably, then the plugin
//!    applies under a session that lets through only the approved effects, each once.
//!    Its first write must leave within `apply_start_timeout` of the freshness check
//!    ([`super::first_write`]), or it is stopped before writing. The apply may read
//!    (GET/HEAD) as it goes, e.g. to check that a create really happened. If it fails,
//!    the answer says which planned writes were performed and which were not, from the
//!    host's own record ([`super::partial`]), beside the plugin's error (its undo plan).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::approval::{self, ApprovalSubject};
use super::error::GuardError;
use super::fingerprint::{CONFIRMATION_TOKEN_KEY, fingerprint};
use super::first_write::within_start_limit;
use super::locks::{Held, WriteLocks, plan_keys};
use super::partial;
use super::seal::Seals;
use super::store::Tokens;
use crate::audit::{AuditEvent, AuditPhase};
use crate::call::{
    CallAudit, CallOutcome, PendingApproval, Sessions, error_json, line, summarize, take,
};
use crate::contract::{ErrorKind, Plan, PlanOutcome, ToolError};
use crate::registry::RegisteredTool;
use crate::sandbox::{CallContext, LoadedPlugin, ProgressSink};
use crate::secret_args::SecretArgs;
use crate::upstream::{FirstWriteGate, Phase, RecordLog, RequestRecord};

/// One call of a write tool, arguments validated (without `confirmation_token`).
pub struct WriteCall<'a> {
    /// The tool.
    pub tool: &'a RegisteredTool,
    /// The plugin that implements it.
    pub plugin: &'a LoadedPlugin,
    /// The arguments.
    pub args: &'a Value,
    /// Who is calling: the client session (tokens and seals are bound to it).
    pub caller: &'a str,
    /// Where plugin progress reports go.
    pub progress: Option<Arc<dyn ProgressSink>>,
}

impl WriteCall<'_> {
    fn name(&self) -> &str {
        &self.tool.descriptor.name
    }

    /// The call's secret arguments, as the tool's manifest marks them.
    fn secrets(&self) -> SecretArgs {
        self.tool.secret_args(self.args)
    }
}

/// How the human's approval will arrive for this session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalWay {
    /// The model shows the plan, and sends the token back once the user approved.
    Token,
    /// The host asks the human itself (elicitation or `input_required`); no token.
    InProtocol,
}

/// The human's approval of a plan, as it arrived.
#[derive(Debug, Clone, Copy)]
pub enum Confirmation<'a> {
    /// A confirmation token from the plan response (the token way).
    Token(&'a str),
    /// The fingerprint of the plan the human approved in-protocol.
    Approved(&'a str),
}

impl ApprovalWay {
    /// How the audit log names it (`approved_via` of `apply_attempt`).
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalWay::Token => "token",
            ApprovalWay::InProtocol => "in_protocol",
        }
    }
}

/// A plan whose approval was just found fresh.
struct Approved {
    fingerprint: String,
    way: ApprovalWay,
}

/// The guard: no write without a plan a human saw and approved, exactly as approved.
pub struct GuardFlow {
    tokens: Tokens,
    seals: Seals,
    audit: Arc<CallAudit>,
    sessions: Arc<Sessions>,
    apply_start_timeout: Duration,
    locks: WriteLocks,
}

impl GuardFlow {
    /// The flow with its token store, writing to `audit`, opening `sessions`; seals live
    /// as long as tokens.
    pub fn new(
        tokens: Tokens,
        audit: Arc<CallAudit>,
        sessions: Arc<Sessions>,
        apply_start_timeout: Duration,
    ) -> Self {
        let seals = Seals::new(tokens.ttl());
        GuardFlow {
            tokens,
            seals,
            audit,
            sessions,
            apply_start_timeout,
            locks: WriteLocks::default(),
        }
    }

    /// Step 1: plan the call and render its approval (see the module documentation).
    /// What goes back shows the call's secret arguments as markers only.
    pub async fn plan(&self, call: &WriteCall<'_>, way: ApprovalWay) -> CallOutcome {
        self.plan_unmasked(call, way).await.masked(&call.secrets())
    }

    async fn plan_unmasked(&self, call: &WriteCall<'_>, way: ApprovalWay) -> CallOutcome {
        let started = Instant::now();
        let (outcome, records) = self.plan_once(call).await;
        self.audit.denials(call.tool, call.args, &records, started);
        match outcome {
            Err(error) => self.audit.failed(
                line(call.tool, AuditPhase::Failed, call.args, started),
                records,
                None,
                error,
            ),
            Ok(PlanOutcome::NoChange(result)) => {
                let response = json!({"status": "no_change", "result": result});
                self.audit.write(AuditEvent {
                    result_summary: Some(response.clone()),
                    upstream: records,
                    ..line(call.tool, AuditPhase::Plan, call.args, started)
                });
                CallOutcome::Success(response)
            }
            Ok(PlanOutcome::NeedsConfirmation(plan)) => {
                let pending = self.pending(call, &plan, way, false);
                self.audit.write(AuditEvent {
                    result_summary: Some(for_audit(&pending.response)),
                    upstream: records,
                    fingerprint: Some(pending.fingerprint.clone()),
                    ..line(call.tool, AuditPhase::Plan, call.args, started)
                });
                CallOutcome::NeedsApproval(pending)
            }
        }
    }

    /// Steps 2 to 4: check the confirmation, plan again, compare, apply. What goes back
    /// shows the call's secret arguments as markers only (the apply sends the real ones).
    pub async fn confirm(
        &self,
        call: &WriteCall<'_>,
        confirmation: Confirmation<'_>,
    ) -> CallOutcome {
        self.confirm_unmasked(call, confirmation)
            .await
            .masked(&call.secrets())
    }

    async fn confirm_unmasked(
        &self,
        call: &WriteCall<'_>,
        confirmation: Confirmation<'_>,
    ) -> CallOutcome {
        let started = Instant::now();
        let name = call.name();
        let audited_args = match confirmation {
            Confirmation::Token(token) => with_token(call.args, token),
            Confirmation::Approved(_) => call.args.clone(),
        };
        let way = match confirmation {
            Confirmation::Token(token) => {
                if let Err(e) = self.tokens.check(call.caller, token, name, call.args) {
                    return self.refuse(call, &audited_args, e, None, vec![], started);
                }
                ApprovalWay::Token
            }
            Confirmation::Approved(_) => ApprovalWay::InProtocol,
        };
        // Plan again; when the plan's locks are held by another apply, wait for them and
        // plan once more, so the plan is checked against the world that apply left.
        let mut records = Vec::new();
        let mut held: Option<Held> = None;
        let plan = loop {
            let (outcome, more) = self.plan_once(call).await;
            self.audit.denials(call.tool, call.args, &more, started);
            records.extend(more);
            let plan = match outcome {
                Err(error) => {
                    return self.audit.failed(
                        line(call.tool, AuditPhase::Failed, &audited_args, started),
                        records,
                        None,
                        error,
                    );
                }
                Ok(PlanOutcome::NoChange(result)) => {
                    // The world already is as asked: the approved plan no longer applies.
                    if let Confirmation::Token(token) = confirmation {
                        let _ = self.tokens.consume(call.caller, token, name, call.args, "");
                    }
                    let response = json!({"status": "no_change", "result": result});
                    self.audit.write(AuditEvent {
                        result_summary: Some(response.clone()),
                        upstream: records,
                        ..line(call.tool, AuditPhase::Plan, &audited_args, started)
                    });
                    return CallOutcome::Success(response);
                }
                Ok(PlanOutcome::NeedsConfirmation(plan)) => plan,
            };
            let keys = plan_keys(&plan);
            // Planned again after waiting: the locks held are the ones waited for (a plan
            // that now declares others differs from the approved one and is refused).
            if held.is_some() {
                break plan;
            }
            if let Some(now) = self.locks.try_take(&keys) {
                held = Some(now);
                break plan;
            }
            let wait = self.sessions.limits().call_wall_timeout;
            match tokio::time::timeout(wait, self.locks.take(&keys)).await {
                Ok(now) => held = Some(now),
                Err(_) => {
                    let error = lock_timeout(name, &keys, wait);
                    return self.audit.failed(
                        line(call.tool, AuditPhase::Failed, &audited_args, started),
                        records,
                        None,
                        error,
                    );
                }
            }
        };
        let fp = fingerprint(name, call.args, &plan, &call.secrets());
        let fresh = match confirmation {
            Confirmation::Token(token) => {
                self.tokens
                    .consume(call.caller, token, name, call.args, &fp)
            }
            Confirmation::Approved(approved) if approved == fp => Ok(()),
            Confirmation::Approved(_) => Err(GuardError::Stale),
        };
        if let Err(e) = fresh {
            let replacement =
                (e == GuardError::Stale).then(|| self.pending(call, &plan, way, true));
            return self.refuse(call, &audited_args, e, replacement, records, started);
        }
        let approved = Approved {
            fingerprint: fp,
            way,
        };
        let locks = held.as_ref().map(Held::keys).unwrap_or_default();
        let outcome = self
            .apply(call, plan, approved, locks, audited_args, records, started)
            .await;
        drop(held);
        outcome
    }

    /// The sealed `input_required` state of `pending`, for the client to send back.
    pub fn seal(&self, call: &WriteCall<'_>, pending: &PendingApproval) -> String {
        self.seals
            .seal(call.caller, call.name(), call.args, &pending.fingerprint)
    }

    /// Opens a sealed state sent back with `call`: the fingerprint the human was asked to
    /// approve, or the refusal (audited as `denied`).
    pub fn open_seal(&self, call: &WriteCall<'_>, state: &str) -> Result<String, ToolError> {
        self.seals
            .open(state, call.caller, call.name(), call.args)
            .map_err(|e| {
                let tool_error = e.to_tool_error(call.name());
                self.audit.write(AuditEvent {
                    error: Some(error_json(&tool_error)),
                    ..line(call.tool, AuditPhase::Denied, call.args, Instant::now())
                });
                tool_error
            })
    }

    /// Records that the human did not approve `fingerprint` in-protocol (declined, or the
    /// request could not be answered): a `denied` line; nothing was written.
    pub fn not_approved(&self, call: &WriteCall<'_>, fingerprint: Option<&str>, why: &ToolError) {
        self.audit.write(AuditEvent {
            error: Some(error_json(why)),
            fingerprint: fingerprint.map(str::to_string),
            ..line(call.tool, AuditPhase::Denied, call.args, Instant::now())
        });
    }

    /// Audits a refused confirmation, and says what to do. A stale plan's replacement is
    /// returned for approval in-protocol, or with its new token on the token way.
    fn refuse(
        &self,
        call: &WriteCall<'_>,
        audited_args: &Value,
        error: GuardError,
        replacement: Option<PendingApproval>,
        records: Vec<RequestRecord>,
        started: Instant,
    ) -> CallOutcome {
        let tool_error = error.to_tool_error(call.name());
        self.audit.write(AuditEvent {
            result_summary: replacement.as_ref().map(|p| for_audit(&p.response)),
            error: Some(error_json(&tool_error)),
            upstream: records,
            fingerprint: replacement.as_ref().map(|p| p.fingerprint.clone()),
            ..line(call.tool, AuditPhase::Denied, audited_args, started)
        });
        match replacement {
            Some(pending) if pending.response.get(CONFIRMATION_TOKEN_KEY).is_none() => {
                CallOutcome::NeedsApproval(pending)
            }
            Some(pending) => CallOutcome::Failure {
                error: tool_error,
                detail: Some(json!({"fresh_plan": pending.response})),
            },
            None => CallOutcome::failure(tool_error),
        }
    }

    /// Step 4: the audited, gated apply of a confirmed plan, under its `locks`.
    #[allow(clippy::too_many_arguments)]
    async fn apply(
        &self,
        call: &WriteCall<'_>,
        plan: Plan,
        approved: Approved,
        locks: &[(String, String)],
        audited_args: Value,
        plan_records: Vec<RequestRecord>,
        started: Instant,
    ) -> CallOutcome {
        // The clock of the first write starts at the freshness check, just done.
        let gate = Arc::new(FirstWriteGate::default());
        let limit = self.apply_start_timeout;
        let attempt = AuditEvent {
            result_summary: Some(attempt_summary(&plan, approved.way, locks)),
            upstream: plan_records,
            fingerprint: Some(approved.fingerprint.clone()),
            ..line(call.tool, AuditPhase::ApplyAttempt, &audited_args, started)
        };
        if let Err(error) = self.audit.write_before_writing(attempt) {
            return CallOutcome::failure(error);
        }
        let apply_started = Instant::now();
        let (upstream, records) =
            self.sessions
                .open_apply(call.tool, plan.effects.clone(), gate.clone());
        let ctx = CallContext {
            upstream,
            progress: call.progress.clone(),
            secrets: call.secrets(),
        };
        let applied = within_start_limit(
            &gate,
            limit,
            call.plugin.apply(call.name(), call.args, &plan, ctx),
        )
        .await;
        let result = applied.unwrap_or_else(|limit| Err(start_timeout(call.name(), limit)));
        self.finish_apply(
            call,
            &plan,
            approved.fingerprint,
            &audited_args,
            &records,
            apply_started,
            result,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_apply(
        &self,
        call: &WriteCall<'_>,
        plan: &Plan,
        fp: String,
        audited_args: &Value,
        records: &RecordLog,
        apply_started: Instant,
        result: Result<Value, ToolError>,
    ) -> CallOutcome {
        let records = take(records);
        self.audit
            .denials(call.tool, call.args, &records, apply_started);
        match result {
            Ok(value) => {
                let response =
                    json!({"status": "applied", "summary": plan.summary, "result": value});
                self.audit.write(AuditEvent {
                    result_summary: Some(summarize(&response)),
                    upstream: records,
                    fingerprint: Some(fp),
                    ..line(call.tool, AuditPhase::Applied, audited_args, apply_started)
                });
                CallOutcome::Success(response)
            }
            Err(error) => {
                let (summary, report) = partial::report(plan, &records, &error);
                let outcome = self.audit.failed(
                    AuditEvent {
                        result_summary: Some(json!({"apply_report": report})),
                        ..line(call.tool, AuditPhase::Failed, audited_args, apply_started)
                    },
                    records,
                    Some(fp),
                    error,
                );
                match outcome {
                    CallOutcome::Failure { mut error, .. } => {
                        error.message = format!("{summary}: {}", error.message);
                        CallOutcome::Failure {
                            error,
                            detail: Some(json!({"apply_report": report})),
                        }
                    }
                    other => other,
                }
            }
        }
    }

    async fn plan_once(
        &self,
        call: &WriteCall<'_>,
    ) -> (Result<PlanOutcome, ToolError>, Vec<RequestRecord>) {
        let (ctx, records) =
            self.sessions
                .context(call.tool, call.args, Phase::Plan, call.progress.clone());
        let mut outcome = call.plugin.plan(call.name(), call.args, ctx).await;
        if let Ok(PlanOutcome::NeedsConfirmation(plan)) = &mut outcome {
            self.sessions.complete_base_params(plan);
        }
        (outcome, take(&records))
    }

    /// The plan as the approver gets it: fingerprint, host-rendered approval, and on the
    /// token way a freshly minted token.
    fn pending(
        &self,
        call: &WriteCall<'_>,
        plan: &Plan,
        way: ApprovalWay,
        after_stale: bool,
    ) -> PendingApproval {
        let name = call.name();
        let secrets = call.secrets();
        let fp = fingerprint(name, call.args, plan, &secrets);
        let base_url = |role: &str| self.sessions.base_url(role);
        let approval = approval::render(&ApprovalSubject {
            tool: name,
            plugin: &call.tool.plugin_id,
            effect: call.tool.descriptor.effect,
            plan,
            base_url: &base_url,
            secrets: &secrets,
        });
        let shown = approval::shown(plan, &secrets);
        let mut response = json!({
            "status": "plan",
            "summary": shown.summary,
            "changes": shown.changes,
            "effects": shown.effects,
            "approval": approval,
        });
        let next_step = match way {
            ApprovalWay::Token => {
                let confirmation = self.tokens.mint(call.caller, name, call.args, &fp);
                let expires = confirmation.expires_at.format(&Rfc3339).unwrap_or_default();
                let next = format!(
                    "Nothing has been changed. Show the approval above to the user. If they approve, call {name} again with exactly the same arguments plus \"confirmation_token\": \"{}\" before {expires}. If they do not, do nothing.",
                    confirmation.token
                );
                response[CONFIRMATION_TOKEN_KEY] = json!(confirmation.token);
                response["token_expires_at"] = json!(expires);
                next
            }
            ApprovalWay::InProtocol => {
                "Nothing has been changed. The user is asked to approve this plan directly."
                    .to_string()
            }
        };
        response["next_step"] = json!(next_step);
        PendingApproval {
            response,
            approval,
            fingerprint: fp,
            after_stale,
        }
    }
}

/// The error of an apply stopped because it did not start writing in time.
fn start_timeout(tool: &str, limit: Duration) -> ToolError {
    ToolError::new(
        ErrorKind::Sandbox,
        "apply_start_timeout",
        format!(
            "{tool} did not start writing within {} s of its confirmation, so it was stopped before writing anything (the state it was confirmed against may have changed meanwhile)",
            limit.as_secs_f32()
        ),
    )
    .with_hint(format!(
        "call {tool} again without confirmation_token for a fresh plan and confirm it; if it keeps happening, the upstream is slow: the operator can raise [limits] apply_start_timeout_seconds"
    ))
}

/// What `apply_attempt` records besides the fingerprint: the summary, how it was approved
/// and the locks held, if any.
fn attempt_summary(plan: &Plan, way: ApprovalWay, locks: &[(String, String)]) -> Value {
    let mut summary = json!({"summary": plan.summary, "approved_via": way.as_str()});
    if !locks.is_empty() {
        summary["locks"] = locks
            .iter()
            .map(|(role, key)| json!({"role": role, "key": key}))
            .collect();
    }
    summary
}

/// The error of a confirmation that waited too long for another apply's lock.
fn lock_timeout(tool: &str, keys: &[(String, String)], waited: Duration) -> ToolError {
    let keys: Vec<String> = keys
        .iter()
        .map(|(role, key)| format!("{key} on {role}"))
        .collect();
    ToolError::new(
        ErrorKind::Busy,
        "write_locked",
        format!(
            "another confirmed write holding {} has been running for over {} s, so {tool} did not start; nothing was written",
            keys.join(", "),
            waited.as_secs()
        ),
    )
    .with_hint(format!(
        "confirm {tool} again once the other write has finished (the confirmation was not used up)"
    ))
}

fn with_token(args: &Value, token: &str) -> Value {
    let mut args = args.clone();
    if let Some(obj) = args.as_object_mut() {
        obj.insert(CONFIRMATION_TOKEN_KEY.into(), Value::String(token.into()));
    }
    args
}

/// A plan response as the audit log keeps it: without the next-step prose, which repeats
/// the token in clear (the `confirmation_token` field itself becomes a reference), and
/// without the approval text, which is rendered from the fields kept.
fn for_audit(plan_response: &Value) -> Value {
    let mut kept = plan_response.clone();
    if let Some(obj) = kept.as_object_mut() {
        obj.remove("next_step");
        obj.remove("approval");
    }
    kept
}
