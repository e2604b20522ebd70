//! The WebAssembly sandbox: loads plugin components and runs their calls in isolation.
//!
//! Components are checked at load (only the `ikmcp:plugin` world's imports plus the WASI
//! plumbing a std guest needs, with nothing granted), precompiled once and cached by
//! content hash + engine, and instantiated fresh for every call from a cached
//! `InstancePre`, under a memory limit, an epoch deadline and an output cap. A trap
//! becomes a [`ToolError`] of kind `sandbox`; the host keeps serving.
//!
//! Layout: `loader` (engine, linker, load checks), `world` (which contract version a
//! component implements), `bindings` (one module per version), `adapt` (0.1 → latest),
//! `convert` (latest → `crate::contract`), `policy` (imports and manifest rules), `run`
//! (one call in a fresh store), `state` (the imports' host side), `limits`, `cache`, `text`.

mod adapt;
mod bindings;
mod cache;
mod convert;
mod limits;
mod loader;
mod policy;
mod pool;
mod run;
mod state;
mod text;
mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::Engine;
use wasmtime::component::Linker;

use crate::contract::effect_rules::check_plan_effects_with;
/// The port a call's upstream requests go through (defined by the contract).
pub use crate::contract::{BoxFuture, UpstreamPort};
use crate::contract::{
    ErrorKind, Manifest, Plan, PlanOutcome, ToolDescriptor, ToolError, UpstreamError,
    UpstreamRequest, UpstreamResponse,
};
use crate::secret_args::SecretArgs;
use bindings::latest::ikmcp::plugin::types as wit;
use run::{Apply, Invoke, PlanCall, Runner};

/// Where the plugin's `progress.report` import goes.
pub trait ProgressSink: Send + Sync {
    /// `done` of `total` units finished.
    fn report(&self, done: u32, total: Option<u32>, message: Option<String>);
}

/// Everything one call may use.
pub struct CallContext {
    /// The call's upstream capability.
    pub upstream: Box<dyn UpstreamPort>,
    /// Progress notifications, when the client asked for them.
    pub progress: Option<Arc<dyn ProgressSink>>,
    /// The call's secret arguments: shown as markers in the plugin's log lines, stderr
    /// and progress messages.
    pub secrets: SecretArgs,
}

impl CallContext {
    /// A context whose upstream requests are all refused with `why` (e.g. "describe may
    /// not call upstream"), with no progress sink and no secrets.
    pub(crate) fn without_upstream(why: &'static str) -> Self {
        CallContext {
            upstream: Box::new(NoUpstream(why)),
            progress: None,
            secrets: SecretArgs::default(),
        }
    }
}

/// The port of [`CallContext::without_upstream`].
struct NoUpstream(&'static str);

impl UpstreamPort for NoUpstream {
    fn send(
        &mut self,
        request: UpstreamRequest,
    ) -> BoxFuture<'_, Result<UpstreamResponse, UpstreamError>> {
        let why = format!("{} ({} {})", self.0, request.method.as_str(), request.path);
        Box::pin(async move { Err(UpstreamError::Denied(why)) })
    }
}

/// Per-call resource limits.
#[derive(Debug, Clone)]
pub struct SandboxLimits {
    /// Maximum linear memory of one instance, in bytes.
    pub memory_bytes: usize,
    /// Time one call may spend running guest code (enforced with epochs). Time spent
    /// waiting for upstream answers does not count: a rate-limited audit of many zones
    /// legitimately waits for minutes.
    pub timeout: Duration,
    /// Wall-clock cap of one call, waits included: the backstop against an import that
    /// never returns.
    pub wall_timeout: Duration,
    /// Maximum size of a call's JSON result, in bytes.
    pub max_output_bytes: usize,
    /// Plugin instances alive at once: the slots of the instance pool, whose memory is
    /// reused from call to call instead of being mapped and unmapped for each. A call
    /// beyond them waits for a free slot. 0 allocates every instance on demand.
    pub instances: usize,
}

/// Why a component could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Reading the file failed.
    #[error("cannot read plugin {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The content does not match the operator's sha256 pin.
    #[error(
        "plugin {path} has sha256 {actual}, but the configuration pins {expected}; refusing to load it"
    )]
    PinMismatch {
        /// The file.
        path: PathBuf,
        /// The pinned hash.
        expected: String,
        /// The file's hash.
        actual: String,
    },
    /// The component imports something outside the plugin world.
    #[error(
        "plugin {path} imports {import}, which is outside the ikmcp:plugin world; plugins may import only ikmcp:plugin/{{types,upstream,log,progress}} and WASI streams, stdio, clocks and random (no filesystem, sockets or http): remove the code that needs it"
    )]
    ForbiddenImport {
        /// The file.
        path: PathBuf,
        /// The offending import(s), comma-separated (e.g. `wasi:filesystem/types@0.2.6`).
        import: String,
    },
    /// Not a valid component, or `describe` failed.
    #[error("plugin {path} is not a valid ikmcp plugin: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// The wasmtime engine, linker and precompile cache, shared by all plugins.
pub struct Sandbox {
    engine: Engine,
    linker: Linker<state::HostState>,
    limits: SandboxLimits,
    cache: Option<cache::PrecompileCache>,
    slots: pool::Slots,
}

impl Sandbox {
    /// Creates the engine (epoch ticker included) with a precompile cache directory
    /// (`None` = compile in memory every start).
    pub fn new(limits: SandboxLimits, cache_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        loader::new_sandbox(limits, cache_dir)
    }

    /// Loads, checks and describes one component file; `pin` is an optional sha256 (hex).
    ///
    /// Blocking (it compiles, or reads the precompile cache, and runs `describe` on a
    /// private thread): call it at startup, or from `spawn_blocking`.
    pub fn load(&self, path: &Path, pin: Option<&str>) -> Result<LoadedPlugin, LoadError> {
        loader::load(self, path, pin)
    }

    /// Like [`Sandbox::load`], for a component already read (and checked) by the caller;
    /// `path` names it in errors.
    pub fn load_bytes(&self, path: &Path, bytes: &[u8]) -> Result<LoadedPlugin, LoadError> {
        loader::load_bytes(self, path, bytes, None)
    }
}

/// A loaded, described plugin, ready to run calls.
pub struct LoadedPlugin {
    manifest: Manifest,
    sha256: String,
    runner: Runner,
}

/// Which export a tool may run through.
#[derive(Clone, Copy)]
enum Phase {
    Invoke,
    PlanOrApply,
}

impl LoadedPlugin {
    /// What the plugin declared in `describe`.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// sha256 (hex) of the component file.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Runs a read tool.
    pub async fn invoke(
        &self,
        tool: &str,
        args: &serde_json::Value,
        ctx: CallContext,
    ) -> Result<serde_json::Value, ToolError> {
        self.expect_tool(tool, Phase::Invoke)?;
        let args = args.to_string();
        let returned = self
            .runner
            .run(tool, Invoke { tool, args: &args }, ctx)
            .await?;
        self.text_result(tool, returned)
    }

    /// Plans a write tool. A plan whose effects break the contract's effect rules
    /// ([`crate::contract::effect_rules`]) is refused here, before the guard renders or
    /// mints anything: no human is ever asked to approve it.
    pub async fn plan(
        &self,
        tool: &str,
        args: &serde_json::Value,
        ctx: CallContext,
    ) -> Result<PlanOutcome, ToolError> {
        let effect = self.expect_tool(tool, Phase::PlanOrApply)?.effect;
        let args = args.to_string();
        let returned = self
            .runner
            .run(tool, PlanCall { tool, args: &args }, ctx)
            .await?;
        let stop = self.runner.stopped(tool);
        let cap = self.runner.limits().max_output_bytes;
        match returned {
            Ok(outcome) => {
                let size = convert::plan_outcome_size(&outcome);
                if size > cap {
                    return Err(stop.too_large(size, cap));
                }
                let outcome =
                    convert::plan_outcome(outcome).map_err(|why| stop.invalid_output(&why))?;
                if let PlanOutcome::NeedsConfirmation(plan) = &outcome {
                    check_plan_effects_with(
                        effect,
                        &plan.effects,
                        crate::upstream::declarable_read,
                    )
                    .map_err(|why| self.plan_refused(tool, &why))?;
                }
                Ok(outcome)
            }
            Err(e) => Err(self.plugin_error(tool, e)),
        }
    }

    /// The error for a plan whose effects break the effect rules: the plugin's fault.
    fn plan_refused(&self, tool: &str, why: &str) -> ToolError {
        tracing::warn!(plugin = %self.manifest.id, tool, reason = why, "plan refused by the effect rules");
        ToolError::new(
            ErrorKind::Denied,
            "plan_refused",
            format!(
                "plugin {} planned {tool} with a write the host does not allow: {why}",
                self.manifest.id
            ),
        )
        .with_hint(
            "Nothing was written and nothing can be confirmed. The plugin breaks the ikmcp contract's effect rules; report this message to its author.",
        )
    }

    /// Applies a confirmed plan.
    pub async fn apply(
        &self,
        tool: &str,
        args: &serde_json::Value,
        confirmed: &Plan,
        ctx: CallContext,
    ) -> Result<serde_json::Value, ToolError> {
        self.expect_tool(tool, Phase::PlanOrApply)?;
        let args = args.to_string();
        let confirmed = convert::plan_to_wit(confirmed);
        let export = Apply {
            tool,
            args: &args,
            confirmed: &confirmed,
        };
        let returned = self.runner.run(tool, export, ctx).await?;
        self.text_result(tool, returned)
    }

    /// The tool's descriptor, if it exists and runs through `phase`.
    fn expect_tool(&self, tool: &str, phase: Phase) -> Result<&ToolDescriptor, ToolError> {
        let descriptor = self
            .manifest
            .tools
            .iter()
            .find(|t| t.name == tool)
            .ok_or_else(|| {
                ToolError::new(
                    ErrorKind::NotFound,
                    "unknown_tool",
                    format!("plugin {} has no tool named {tool}", self.manifest.id),
                )
                .with_hint("List the tools to see the available names.")
            })?;
        let fits = match phase {
            Phase::Invoke => !descriptor.effect.is_mutation(),
            Phase::PlanOrApply => descriptor.effect.is_mutation(),
        };
        if fits {
            Ok(descriptor)
        } else {
            let (is, runs) = match phase {
                Phase::Invoke => ("a write tool", "plan then apply"),
                Phase::PlanOrApply => ("a read tool", "invoke"),
            };
            Err(ToolError::new(
                ErrorKind::Internal,
                "wrong_phase",
                format!("tool {tool} is {is}; it runs through {runs}"),
            )
            .with_hint("This is a host bug: report it with the tool name."))
        }
    }

    /// Checks and parses the JSON text an `invoke` or `apply` returned.
    fn text_result(
        &self,
        tool: &str,
        returned: Result<String, wit::ToolError>,
    ) -> Result<serde_json::Value, ToolError> {
        let stop = self.runner.stopped(tool);
        let cap = self.runner.limits().max_output_bytes;
        match returned {
            Ok(text) if text.len() > cap => Err(stop.too_large(text.len(), cap)),
            Ok(text) => convert::json("the result", &text).map_err(|why| stop.invalid_output(&why)),
            Err(e) => Err(self.plugin_error(tool, e)),
        }
    }

    /// Converts a tool error the plugin returned, under the same size cap as results.
    fn plugin_error(&self, tool: &str, e: wit::ToolError) -> ToolError {
        let size = convert::tool_error_size(&e);
        let cap = self.runner.limits().max_output_bytes;
        if size > cap {
            return self.runner.stopped(tool).too_large(size, cap);
        }
        convert::tool_error(e)
    }
}
