//! Running one export of a plugin in a fresh, limited store.
//!
//! Every call instantiates the component anew from the cached [`WorldPre`], so a trap
//! (which poisons an instance) or leftover guest state never leaks into the next call.

use std::sync::Arc;

use wasmtime::Store;

use super::bindings::latest::ikmcp::plugin::types as wit;
use super::limits::Stopped;
use super::pool::Slots;
use super::state::HostState;
use super::world::{Instance, WorldPre};
use super::{CallContext, SandboxLimits};
use crate::contract::ToolError;

/// One export call, with its arguments.
pub(crate) trait Export {
    /// What the export returns.
    type Output;
    /// Calls the export on a fresh instance.
    async fn call(
        self,
        plugin: &Instance,
        store: &mut Store<HostState>,
    ) -> wasmtime::Result<Self::Output>;
}

/// `describe()`.
pub(crate) struct Describe;

impl Export for Describe {
    type Output = wit::Manifest;
    async fn call(self, p: &Instance, s: &mut Store<HostState>) -> wasmtime::Result<Self::Output> {
        p.describe(s).await
    }
}

/// `invoke(tool, args)`.
pub(crate) struct Invoke<'a> {
    pub(crate) tool: &'a str,
    pub(crate) args: &'a str,
}

impl Export for Invoke<'_> {
    type Output = Result<String, wit::ToolError>;
    async fn call(self, p: &Instance, s: &mut Store<HostState>) -> wasmtime::Result<Self::Output> {
        p.invoke(s, self.tool, self.args).await
    }
}

/// `plan(tool, args)`.
pub(crate) struct PlanCall<'a> {
    pub(crate) tool: &'a str,
    pub(crate) args: &'a str,
}

impl Export for PlanCall<'_> {
    type Output = Result<wit::PlanOutcome, wit::ToolError>;
    async fn call(self, p: &Instance, s: &mut Store<HostState>) -> wasmtime::Result<Self::Output> {
        p.plan(s, self.tool, self.args).await
    }
}

/// `apply(tool, args, confirmed)`.
pub(crate) struct Apply<'a> {
    pub(crate) tool: &'a str,
    pub(crate) args: &'a str,
    pub(crate) confirmed: &'a wit::Plan,
}

impl Export for Apply<'_> {
    type Output = Result<String, wit::ToolError>;
    async fn call(self, p: &Instance, s: &mut Store<HostState>) -> wasmtime::Result<Self::Output> {
        p.apply(s, self.tool, self.args, self.confirmed).await
    }
}

/// Everything needed to run calls of one plugin.
pub(crate) struct Runner {
    pre: WorldPre,
    plugin: Arc<str>,
    limits: SandboxLimits,
    slots: Slots,
}

impl Runner {
    /// A runner for the pre-linked component `pre`, logged as `plugin`, whose instances
    /// take one of `slots` each.
    pub(crate) fn new(pre: WorldPre, plugin: &str, limits: SandboxLimits, slots: Slots) -> Self {
        Runner {
            pre,
            plugin: Arc::from(plugin),
            limits,
            slots,
        }
    }

    /// Renames the plugin (once `describe` has told its real id).
    pub(crate) fn set_plugin(&mut self, plugin: &str) {
        self.plugin = Arc::from(plugin);
    }

    /// The limits calls run under.
    pub(crate) fn limits(&self) -> &SandboxLimits {
        &self.limits
    }

    /// Error builder for a call of `tool`.
    pub(crate) fn stopped<'a>(&'a self, tool: &'a str) -> Stopped<'a> {
        Stopped {
            plugin: &self.plugin,
            tool,
        }
    }

    /// Runs `export` in a fresh store under the memory cap and the deadline; a trap, an
    /// interrupt or the backstop timeout becomes a `sandbox` [`ToolError`].
    pub(crate) async fn run<E: Export>(
        &self,
        tool: &str,
        export: E,
        ctx: CallContext,
    ) -> Result<E::Output, ToolError> {
        // Held until the store is dropped (see `retire` below).
        let slot = self.slots.take().await;
        let state = HostState::new(self.plugin.clone(), tool, self.limits.memory_bytes, ctx);
        let mut store = Store::new(self.pre.engine(), state);
        store.limiter(|s| s.limiter());
        // The deadline counts guest time only: the time spent waiting for upstream answers
        // is given back, and the call goes on while it has budget. The guest yields to the
        // runtime at every epoch tick, so other calls (on the same worker) go on meanwhile.
        let budget = self.limits.timeout;
        let started = std::time::Instant::now();
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |ctx| {
            let busy = started.elapsed().saturating_sub(ctx.data().upstream_wait());
            match budget.checked_sub(busy) {
                Some(left) if !left.is_zero() => Ok(wasmtime::UpdateDeadline::Yield(1)),
                _ => Err(wasmtime::Trap::Interrupt.into()),
            }
        });
        let call = async {
            let plugin = self.pre.instantiate(&mut store).await?;
            tracing::debug!(target: crate::dispatch::TIMING, plugin = %self.plugin, tool, instantiate_us = started.elapsed().as_micros() as u64, "instance ready");
            export.call(&plugin, &mut store).await
        };
        let outcome = tokio::time::timeout(self.limits.wall_timeout, call).await;
        store.data().flush_diagnostics();
        let stop = self.stopped(tool);
        let result = match outcome {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(err)) => {
                let error = stop.classify(
                    &err,
                    store.data().limits_hit(),
                    self.limits.timeout,
                    self.limits.memory_bytes,
                );
                tracing::warn!(
                    plugin = %self.plugin,
                    tool,
                    code = %error.code,
                    error = ?err,
                    "plugin call stopped by the sandbox"
                );
                Err(error)
            }
            Err(_elapsed) => {
                tracing::warn!(plugin = %self.plugin, tool, "plugin call hit the wall-clock cap");
                Err(stop.timeout(self.limits.wall_timeout))
            }
        };
        store.data_mut().end_call();
        self.slots.retire(store, slot);
        result
    }
}
