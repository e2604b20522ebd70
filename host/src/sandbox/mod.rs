//! The WebAssembly sandbox: loads plugin components and runs their calls in isolation.
//!
//! Components are checked at load (only the `ikmcp:plugin` world's imports plus the WASI
//! plumbing a std guest needs, with nothing granted), precompiled once and cached by
//! content hash + engine, and instantiated fresh for every call from a cached
//! `InstancePre`, under a memory limit, an epoch deadline and an output cap. A trap
//! becomes a [`ToolError`] of kind `sandbox`; the host keeps serving.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::contract::{
    Manifest, Plan, PlanOutcome, ToolError, UpstreamError, UpstreamRequest, UpstreamResponse,
};

/// A boxed, sendable future (object-safe async).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the sandbox calls for the plugin's `upstream.send` import.
pub trait UpstreamPort: Send {
    /// Sends one request on the plugin's behalf.
    fn send(
        &mut self,
        request: UpstreamRequest,
    ) -> BoxFuture<'_, Result<UpstreamResponse, UpstreamError>>;
}

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
}

/// Per-call resource limits.
#[derive(Debug, Clone)]
pub struct SandboxLimits {
    /// Maximum linear memory of one instance, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock deadline of one call (enforced with epochs).
    pub timeout: Duration,
    /// Maximum size of a call's JSON result, in bytes.
    pub max_output_bytes: usize,
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
        "plugin {path} imports {import}, which is outside the ikmcp:plugin world; plugins may import only ikmcp:plugin/{{upstream,log,progress}}"
    )]
    ForbiddenImport {
        /// The file.
        path: PathBuf,
        /// The offending import.
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
    _limits: SandboxLimits,
}

impl Sandbox {
    /// Creates the engine (epoch ticker included) with a precompile cache directory
    /// (`None` = compile in memory every start).
    pub fn new(limits: SandboxLimits, cache_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        let _ = (limits, cache_dir);
        todo!("sandbox helper")
    }

    /// Loads, checks and describes one component file; `pin` is an optional sha256 (hex).
    pub fn load(&self, path: &Path, pin: Option<&str>) -> Result<LoadedPlugin, LoadError> {
        let _ = (path, pin);
        todo!("sandbox helper")
    }
}

/// A loaded, described plugin, ready to run calls.
pub struct LoadedPlugin {
    manifest: Manifest,
    sha256: String,
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
        let _ = (tool, args, ctx);
        todo!("sandbox helper")
    }

    /// Plans a write tool.
    pub async fn plan(
        &self,
        tool: &str,
        args: &serde_json::Value,
        ctx: CallContext,
    ) -> Result<PlanOutcome, ToolError> {
        let _ = (tool, args, ctx);
        todo!("sandbox helper")
    }

    /// Applies a confirmed plan.
    pub async fn apply(
        &self,
        tool: &str,
        args: &serde_json::Value,
        confirmed: &Plan,
        ctx: CallContext,
    ) -> Result<serde_json::Value, ToolError> {
        let _ = (tool, args, confirmed, ctx);
        todo!("sandbox helper")
    }
}
