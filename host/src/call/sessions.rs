//! Role grants and the upstream session of one call.
//!
//! A plugin's call may use the upstream roles it declared in its manifest and the
//! operator granted; the session that enforces them (and the call's phase) is opened
//! here for every plugin call, read, plan or apply.

use std::sync::Arc;

use crate::config::Limits;
use crate::grants::Grants;
use crate::registry::{RegisteredTool, Runner};
use crate::sandbox::{CallContext, ProgressSink, UpstreamPort};
use crate::upstream::{Gateway, Phase, RecordLog, SessionSpec};

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
        let session = self.gateway.session(SessionSpec {
            plugin_id: tool.plugin_id.clone(),
            granted_roles: self.granted(tool),
            phase,
            max_requests: self.limits.max_upstream_requests,
            max_response_bytes: self.limits.max_response_bytes,
        });
        let records = session.records();
        (Box::new(session), records)
    }

    /// The whole context of one call: its upstream port and progress sink.
    pub fn context(
        &self,
        tool: &RegisteredTool,
        phase: Phase,
        progress: Option<Arc<dyn ProgressSink>>,
    ) -> (CallContext, RecordLog) {
        let (upstream, records) = self.open(tool, phase);
        (CallContext { upstream, progress }, records)
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
}
