//! One session's toolsets in dynamic discovery: which toolsets the client enabled, which
//! tools its `tools/list` shows, and telling it when that changes.
//!
//! With `--dynamic-toolsets` a session starts with the built-ins (the two toolset built-ins
//! included); `infomaniak_enable_toolset` adds toolsets among those the operator offers and
//! sends `notifications/tools/list_changed`: directly on a 2025-11-25 session, on every
//! open `subscriptions/listen` stream of a 2026-07-28 one. A client that ignores the
//! notification still calls an enabled tool by name. Without dynamic mode every offered
//! tool is visible and nothing here changes.

use std::collections::BTreeSet;
use std::sync::Mutex;

use rmcp::RoleServer;
use rmcp::model::CallToolResult;
use rmcp::service::{Peer, SubscriptionSink};
use serde_json::{Map, Value};

use crate::builtins::toolsets;
use crate::call::CallOutcome;
use crate::contract::{ErrorKind, ToolError};
use crate::registry::{RegisteredTool, Registry};

use super::render;

/// The toolset state of one MCP session.
pub struct SessionToolsets {
    dynamic: bool,
    enabled: Mutex<BTreeSet<String>>,
    listeners: Mutex<Vec<SubscriptionSink>>,
}

impl SessionToolsets {
    /// A new session's state: nothing enabled yet (only matters in dynamic mode).
    pub fn new(dynamic: bool) -> Self {
        SessionToolsets {
            dynamic,
            enabled: Mutex::new(BTreeSet::new()),
            listeners: Mutex::new(Vec::new()),
        }
    }

    /// Whether the session's `tools/list` shows `tool` and a call to it runs.
    pub fn visible(&self, tool: &RegisteredTool) -> bool {
        !self.dynamic
            || tool
                .toolset
                .as_ref()
                .is_none_or(|t| self.lock_enabled().contains(t))
    }

    /// Keeps a 2026-07-28 `subscriptions/listen` stream to notify of list changes. The SDK
    /// acknowledges the stream before the server sees it, so a client may enable a toolset
    /// in between: a stream that arrives once toolsets are enabled is told at once that the
    /// list changed (at worst the client lists again for nothing).
    pub async fn listen(&self, sink: SubscriptionSink) {
        {
            let mut listeners = self.listeners.lock().unwrap_or_else(|e| e.into_inner());
            listeners.push(sink.clone());
        }
        let changed = self.dynamic && !self.lock_enabled().is_empty();
        if changed
            && sink.accepted().tools_list_changed == Some(true)
            && let Err(e) = sink.notify_tool_list_changed().await
        {
            tracing::debug!(error = %e, "a new subscription closed at once");
        }
    }

    /// What the session answers itself, before the dispatcher: the toolset built-ins, and a
    /// refusal for a tool whose toolset it has not enabled. `None`: dispatch as usual.
    pub async fn intercept(
        &self,
        tool: &RegisteredTool,
        args: Option<&Map<String, Value>>,
        registry: &Registry,
        peer: &Peer<RoleServer>,
    ) -> Option<CallToolResult> {
        let name = tool.descriptor.name.as_str();
        if toolsets::is_toolset_builtin(name) {
            let args = Value::Object(args.cloned().unwrap_or_default());
            if let Err(error) = tool.validate_args(&args) {
                return Some(failure(error));
            }
            return Some(self.run(name, &args, registry, peer).await);
        }
        (!self.visible(tool)).then(|| self.not_enabled(tool))
    }

    /// Runs `infomaniak_list_toolsets` or `infomaniak_enable_toolset` (arguments already
    /// validated against their schema) for this session.
    async fn run(
        &self,
        name: &str,
        args: &Value,
        registry: &Registry,
        peer: &Peer<RoleServer>,
    ) -> CallToolResult {
        if name == toolsets::LIST {
            let enabled = self.lock_enabled().clone();
            return render::outcome(CallOutcome::Success(toolsets::list(registry, &enabled)));
        }
        let names = match toolsets::requested(args, registry) {
            Ok(names) => names,
            Err(error) => return failure(error),
        };
        let (before, after) = {
            let mut enabled = self.lock_enabled();
            let before = enabled.clone();
            enabled.extend(names);
            (before, enabled.clone())
        };
        if after != before {
            self.notify_list_changed(peer).await;
        }
        render::outcome(CallOutcome::Success(toolsets::enabled(
            registry, &before, &after,
        )))
    }

    /// The answer to a call of an offered tool whose toolset this session has not enabled.
    fn not_enabled(&self, tool: &RegisteredTool) -> CallToolResult {
        let toolset = tool.toolset.clone().unwrap_or_default();
        failure(
            ToolError::new(
                ErrorKind::Denied,
                "toolset_not_enabled",
                format!(
                    "{} is in toolset {toolset}, which this session has not enabled",
                    tool.descriptor.name
                ),
            )
            .with_hint(format!(
                "call {} with toolsets [\"{toolset}\"], then call the tool again",
                toolsets::ENABLE
            )),
        )
    }

    async fn notify_list_changed(&self, peer: &Peer<RoleServer>) {
        if peer.peer_info().is_some() {
            if let Err(e) = peer.notify_tool_list_changed().await {
                tracing::warn!(error = %e, "could not send tools/list_changed");
            }
            return;
        }
        let sinks: Vec<SubscriptionSink> = {
            let mut listeners = self.listeners.lock().unwrap_or_else(|e| e.into_inner());
            listeners.retain(|s| s.accepted().tools_list_changed == Some(true));
            listeners.clone()
        };
        let mut closed = Vec::new();
        for sink in sinks {
            if let Err(e) = sink.notify_tool_list_changed().await {
                tracing::debug!(error = %e, "dropping a closed subscription");
                closed.push(sink.id().clone());
            }
        }
        let mut listeners = self.listeners.lock().unwrap_or_else(|e| e.into_inner());
        listeners.retain(|l| !closed.contains(l.id()));
    }

    fn lock_enabled(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.enabled.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn failure(error: ToolError) -> CallToolResult {
    render::outcome(CallOutcome::failure(error))
}
