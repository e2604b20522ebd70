//! Routing one tool call: find the tool, validate its arguments, then hand it to the
//! right runner: the built-ins, the plugin's `invoke` for read tools, or the guard flow
//! for write tools.
//!
//! This is the flow of DESIGN.md "The flow of one tool call", independent of the MCP
//! transport so it can be tested and reused (stdio now, HTTP later). Everything about
//! confirming a write lives in [`crate::guard`]; what every call shares (audit lines,
//! upstream sessions and role grants, the concurrent-call limit, the outcome) in
//! [`crate::call`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::audit::{AuditEvent, AuditLog, AuditPhase};
use crate::builtins::{self, BuiltinContext};
use crate::call::{CallAudit, CallLimit, CallOutcome, Sessions, error_json, line, summarize, take};
use crate::config::Limits;
use crate::contract::{ErrorKind, ToolError};
use crate::grants::Grants;
use crate::guard::{ApprovalWay, Confirmation, GuardFlow, Tokens, WriteCall};
use crate::registry::{CONFIRMATION_ARG, RegisteredTool, Registry, Runner};
use crate::sandbox::{LoadedPlugin, ProgressSink};
use crate::upstream::{Gateway, Phase};

pub use crate::call::{CallPermit, PendingApproval};

/// Runs tool calls; shared by every client session of the process.
pub struct Dispatcher {
    registry: Arc<Registry>,
    audit: Arc<CallAudit>,
    sessions: Arc<Sessions>,
    guard: GuardFlow,
    limit: CallLimit,
}

/// A resolved call of a write tool, for the guard flow.
pub struct ResolvedWrite<'a> {
    /// The tool.
    pub tool: &'a RegisteredTool,
    /// Its plugin.
    pub plugin: &'a LoadedPlugin,
    /// The validated arguments, without `confirmation_token`.
    pub args: Value,
}

impl<'a> ResolvedWrite<'a> {
    /// The call as the guard flow takes it.
    pub fn call(
        &'a self,
        caller: &'a str,
        progress: Option<Arc<dyn ProgressSink>>,
    ) -> WriteCall<'a> {
        WriteCall {
            tool: self.tool,
            plugin: self.plugin,
            args: &self.args,
            caller,
            progress,
        }
    }
}

impl Dispatcher {
    /// Assembles the dispatcher from the start-up parts.
    pub fn new(
        registry: Arc<Registry>,
        gateway: Arc<Gateway>,
        tokens: Tokens,
        audit: AuditLog,
        limits: Limits,
        grants: Grants,
    ) -> Self {
        let audit = Arc::new(CallAudit::new(audit));
        let limit = CallLimit::new(limits.max_concurrent_calls);
        let apply_start_timeout: Duration = limits.apply_start_timeout;
        let sessions = Arc::new(Sessions::new(gateway, grants, limits));
        let guard = GuardFlow::new(tokens, audit.clone(), sessions.clone(), apply_start_timeout);
        Dispatcher {
            registry,
            audit,
            sessions,
            guard,
            limit,
        }
    }

    /// The registry of offered tools.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Appends the audit lines still queued (read and plan lines are written by a
    /// background thread); transports call it when the client goes away.
    pub fn flush_audit(&self) {
        self.audit.flush();
    }

    /// The guard flow, for transports that confirm writes in-protocol.
    pub fn guard(&self) -> &GuardFlow {
        &self.guard
    }

    /// A slot for one call under `[limits] max_concurrent_calls`, or the "busy" error.
    /// Transports take it for the whole request, in-protocol confirmation included.
    pub fn admit(&self, tool: &str) -> Result<CallPermit, ToolError> {
        self.limit.admit(tool)
    }

    /// Runs one call of an offered tool for `caller`, whose approvals of writes arrive
    /// `way`. On the token way, a `confirmation_token` argument confirms a plan.
    pub async fn call(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        progress: Option<Arc<dyn ProgressSink>>,
        caller: &str,
        way: ApprovalWay,
    ) -> CallOutcome {
        let entered = Instant::now();
        let mut args = arguments;
        let token = match self.registry.get(name) {
            Some(tool) if tool.descriptor.effect.is_mutation() => {
                match take_token(name, &mut args) {
                    Ok(token) => token,
                    Err(error) => return CallOutcome::failure(error),
                }
            }
            _ => None,
        };
        let (tool, args) = match self.resolve(name, args) {
            Ok(resolved) => resolved,
            Err(error) => return CallOutcome::failure(error),
        };
        let started = Instant::now();
        let plugin = match &tool.runner {
            Runner::Builtin => return self.run_builtin(tool, &args, started).await,
            Runner::Plugin(plugin) => plugin,
        };
        if !tool.descriptor.effect.is_mutation() {
            let outcome = self.run_read(tool, plugin, &args, progress, started).await;
            tracing::debug!(
                target: TIMING,
                tool = name,
                resolve_us = micros(started - entered),
                total_us = micros(entered.elapsed()),
                "read call"
            );
            return outcome.masked(&tool.secret_args(&args));
        }
        let write = ResolvedWrite { tool, plugin, args };
        let call = write.call(caller, progress);
        match token {
            None => self.guard.plan(&call, way).await,
            Some(token) => self.guard.confirm(&call, Confirmation::Token(&token)).await,
        }
    }

    /// Resolves a call of the write tool `name` (arguments validated), for a transport
    /// that confirms it in-protocol through [`Dispatcher::guard`].
    pub fn resolve_write(
        &self,
        name: &str,
        args: Map<String, Value>,
    ) -> Result<ResolvedWrite<'_>, ToolError> {
        let (tool, args) = self.resolve(name, args)?;
        match &tool.runner {
            Runner::Plugin(plugin) if tool.descriptor.effect.is_mutation() => {
                Ok(ResolvedWrite { tool, plugin, args })
            }
            _ => Err(ToolError::new(
                ErrorKind::InvalidArgs,
                "not_a_write_tool",
                format!("{name} is not a write tool; it has nothing to confirm"),
            )
            .with_hint(format!("call {name} without input responses"))),
        }
    }

    fn resolve(
        &self,
        name: &str,
        args: Map<String, Value>,
    ) -> Result<(&RegisteredTool, Value), ToolError> {
        let Some(tool) = self.registry.get(name) else {
            return Err(ToolError::new(
                ErrorKind::NotFound,
                "unknown_tool",
                format!("no tool named {name} is offered"),
            )
            .with_hint("call infomaniak_tool_catalog or infomaniak_help to find the right tool"));
        };
        let args = Value::Object(args);
        // A schema error may quote the value it refused: a secret one is masked.
        tool.validate_args(&args)
            .map_err(|e| tool.secret_args(&args).mask_error(e))?;
        Ok((tool, args))
    }

    async fn run_builtin(
        &self,
        tool: &RegisteredTool,
        args: &Value,
        started: Instant,
    ) -> CallOutcome {
        // The audit tools read the log: every line of the calls before this one first.
        self.audit.flush();
        let ctx = BuiltinContext {
            registry: &self.registry,
            audit_path: self.audit.path(),
        };
        let result = builtins::run(&tool.descriptor.name, args, &ctx).await;
        let (phase, error) = match &result {
            Ok(_) => (AuditPhase::Read, None),
            Err(e) => (AuditPhase::Failed, Some(error_json(e))),
        };
        self.audit.write(AuditEvent {
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
        let (ctx, records) = self.sessions.context(tool, args, Phase::Read, progress);
        let result = plugin.invoke(&tool.descriptor.name, args, ctx).await;
        let invoked = Instant::now();
        let records = take(&records);
        let _timing = Timing {
            tool: &tool.descriptor.name,
            invoke_us: micros(invoked - started),
            upstream_us: records.iter().map(|r| r.wait_us).sum(),
            audited: invoked,
        };
        self.audit.denials(tool, args, &records, started);
        match result {
            Ok(value) => {
                self.audit.write(AuditEvent {
                    result_summary: Some(summarize(&value)),
                    upstream: records,
                    ..line(tool, AuditPhase::Read, args, started)
                });
                CallOutcome::Success(value)
            }
            Err(error) => self.audit.failed(
                line(tool, AuditPhase::Failed, args, started),
                records,
                None,
                error,
            ),
        }
    }
}

/// The `tracing` target of the per-call timings (`IKMCP_LOG=ikmcp::timing=debug`): where a
/// read call's time goes, for profiling the host's share. Off, they cost a few
/// `Instant::now()` calls.
pub const TIMING: &str = "ikmcp::timing";

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Logs a read call's invoke, upstream and audit times when dropped (after its audit
/// lines are written).
struct Timing<'a> {
    tool: &'a str,
    invoke_us: u64,
    upstream_us: u64,
    audited: Instant,
}

impl Drop for Timing<'_> {
    fn drop(&mut self) {
        tracing::debug!(
            target: TIMING,
            tool = self.tool,
            invoke_us = self.invoke_us,
            upstream_us = self.upstream_us,
            audit_us = micros(self.audited.elapsed()),
            "read call parts"
        );
    }
}

/// Takes the `confirmation_token` argument out of a write tool's arguments.
fn take_token(name: &str, args: &mut Map<String, Value>) -> Result<Option<String>, ToolError> {
    match args.remove(CONFIRMATION_ARG) {
        None => Ok(None),
        Some(Value::String(t)) if !t.trim().is_empty() => Ok(Some(t.trim().to_string())),
        Some(_) => Err(ToolError::new(
            ErrorKind::InvalidArgs,
            crate::contract::INVALID_ARGS,
            "confirmation_token must be the non-empty string returned with the plan",
        )
        .with_hint(format!(
            "call {name} without confirmation_token to get a plan"
        ))),
    }
}
