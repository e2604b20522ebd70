//! Role grants and the upstream session of one call.
//!
//! A plugin's call may use the upstream roles it declared in its manifest and the
//! operator granted; the session that enforces them (and the call's phase) is opened
//! here for every plugin call, read, plan or apply.

use std::sync::Arc;

use serde_json::Value;

use crate::config::Limits;
use crate::contract::PlannedEffect;
use crate::grants::Grants;
use crate::registry::{RegisteredTool, Runner};
use crate::sandbox::{CallContext, ProgressSink, UpstreamPort};
use crate::upstream::{CallSession, FirstWriteGate, Gateway, Phase, RecordLog, SessionSpec};

/// Opens upstream sessions for calls.
pub struct Sessions {
    gateway: Arc<Gateway>,
    grants: Grants,
    limits: Limits,
}

impl Sessions {
    /// Sessions through `gateway`, with each plugin's granted roles.
    pub fn new(gateway: Arc<Gateway>, grants: Grants, limits: Limits) -> Self {
        Sessions {
            gateway,
            grants,
            limits,
        }
    }

    /// The call limits the sessions run under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The roles granted to `tool`'s plugin (see [`crate::grants`]).
    fn granted(&self, tool: &RegisteredTool) -> Vec<String> {
        match &tool.runner {
            Runner::Plugin(_) => self.grants.roles(&tool.plugin_id).to_vec(),
            Runner::Builtin => vec![],
        }
    }

    /// The upstream port of one call of `tool` in `phase`, and the log of its requests.
    pub fn open(&self, tool: &RegisteredTool, phase: Phase) -> (Box<dyn UpstreamPort>, RecordLog) {
        let session = self.session(tool, phase);
        let records = session.records();
        (Box::new(session), records)
    }

    /// The upstream port of an apply of `tool` under the confirmed `effects`, whose first
    /// write must pass `gate` (the apply start limit) right before it is sent.
    pub fn open_apply(
        &self,
        tool: &RegisteredTool,
        effects: Vec<PlannedEffect>,
        gate: Arc<FirstWriteGate>,
    ) -> (Box<dyn UpstreamPort>, RecordLog) {
        let mut session = self.session(tool, Phase::Apply(effects));
        session.gate_first_write(gate);
        let records = session.records();
        (Box::new(session), records)
    }

    fn session(&self, tool: &RegisteredTool, phase: Phase) -> CallSession {
        self.gateway.session(SessionSpec {
            plugin_id: tool.plugin_id.clone(),
            granted_roles: self.granted(tool),
            phase,
            max_requests: self.limits.max_upstream_requests,
            max_response_bytes: self.limits.max_response_bytes,
        })
    }

    /// The whole context of one call with `args`: its upstream port, progress sink and
    /// secret arguments.
    pub fn context(
        &self,
        tool: &RegisteredTool,
        args: &Value,
        phase: Phase,
        progress: Option<Arc<dyn ProgressSink>>,
    ) -> (CallContext, RecordLog) {
        let (upstream, records) = self.open(tool, phase);
        let secrets = tool.secret_args(args);
        (
            CallContext {
                upstream,
                progress,
                secrets,
            },
            records,
        )
    }

    /// The configured base URL of an upstream role, as an approval shows it (with its
    /// `{placeholders}`, which the approval fills from the effect's base params).
    pub fn base_url(&self, role: &str) -> Option<String> {
        self.gateway
            .config
            .roles
            .get(role)
            .map(|r| r.base_url.to_string())
    }

    /// Gives every planned write the operator's value of each base-URL placeholder it leaves
    /// out (the default kChat team), as its requests will get them: the approval, the
    /// fingerprint and the apply's ledger then all name where the write really goes.
    pub fn complete_base_params(&self, plan: &mut crate::contract::Plan) {
        for effect in &mut plan.effects {
            if let Some(role) = self.gateway.config.roles.get(&effect.role) {
                effect.base_params = role.base_url.complete(&effect.base_params);
            }
        }
    }
}
