//! Building the engine and linker, and loading one component: read, pin check, compile
//! (or reuse the precompile cache), import policy, contract version, link, `describe`,
//! manifest checks.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine};

use super::bindings::latest::ikmcp::plugin::types as wit;
use super::bindings::{v0_1, v0_2, v0_3};
use super::cache::{self, CacheError, PrecompileCache};
use super::limits::start_epoch_ticker;
use super::pool::{self, Slots};
use super::run::{Describe, Runner};
use super::state::HostState;
use super::world::{ContractWorld, WorldPre};
use super::{CallContext, LoadError, LoadedPlugin, Sandbox, SandboxLimits, convert, policy};

/// Creates the engine (epoch interruption on, ticker started) and the linker with WASI p2
/// and the imports of every contract version the host loads (their names carry the
/// version, so they do not collide).
pub(super) fn new_sandbox(
    limits: SandboxLimits,
    cache_dir: Option<PathBuf>,
) -> anyhow::Result<Sandbox> {
    let (engine, slots) = new_engine(limits.instances)?;
    start_epoch_ticker(&engine)?;
    let mut linker = Linker::<HostState>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)
        .map_err(|e| setup_error("link WASI", &e))?;
    v0_3::Plugin::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
        .map_err(|e| setup_error("link the plugin world 0.3", &e))?;
    v0_2::Plugin::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
        .map_err(|e| setup_error("link the plugin world 0.2", &e))?;
    v0_1::Plugin::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
        .map_err(|e| setup_error("link the plugin world 0.1", &e))?;
    let cache = match cache_dir.map(|dir| PrecompileCache::open(dir, &engine)) {
        None => None,
        Some(Ok(cache)) => Some(cache),
        Some(Err(e @ CacheError::Exposed(_))) => return Err(e.into()),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "compiling plugins without a cache");
            None
        }
    };
    Ok(Sandbox {
        engine,
        linker,
        limits,
        cache,
        slots,
    })
}

/// The engine: epoch interruption on, instances from a pool of `instances` slots (or
/// allocated on demand with 0, or when the pool cannot be mapped, e.g. under a tight
/// address-space limit: the pool reserves a few GiB of address space per slot).
fn new_engine(instances: usize) -> anyhow::Result<(Engine, Slots)> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let on_demand = |config: &Config| {
        Engine::new(config).map_err(|e| setup_error("create the wasmtime engine", &e))
    };
    let Some(slots) = u32::try_from(instances).ok().filter(|n| *n > 0) else {
        return Ok((on_demand(&config)?, Slots::default()));
    };
    let mut pooled = config.clone();
    pool::configure(&mut pooled, slots);
    match Engine::new(&pooled) {
        Ok(engine) => Ok((engine, Slots::new(slots))),
        Err(e) => {
            tracing::warn!(error = %e, slots, "cannot map the plugin instance pool; allocating instances per call");
            Ok((on_demand(&config)?, Slots::default()))
        }
    }
}

/// `wasmtime::Error` is not an `anyhow::Error` without wasmtime's `anyhow` feature.
fn setup_error(what: &str, e: &wasmtime::Error) -> anyhow::Error {
    anyhow::anyhow!("cannot {what}: {e:#}")
}

/// Loads, checks and describes the component at `path`.
pub(super) fn load(
    sandbox: &Sandbox,
    path: &Path,
    pin: Option<&str>,
) -> Result<LoadedPlugin, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_bytes(sandbox, path, &bytes, pin)
}

/// Loads, checks and describes a component held in memory; `path` names it in errors.
pub(super) fn load_bytes(
    sandbox: &Sandbox,
    path: &Path,
    bytes: &[u8],
    pin: Option<&str>,
) -> Result<LoadedPlugin, LoadError> {
    let invalid = |reason: String| LoadError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let sha256 = hex::encode(Sha256::digest(bytes));
    if let Some(expected) = pin
        && !expected.trim().eq_ignore_ascii_case(&sha256)
    {
        return Err(LoadError::PinMismatch {
            path: path.to_path_buf(),
            expected: expected.trim().to_string(),
            actual: sha256,
        });
    }
    let started = std::time::Instant::now();
    let compiled = match &sandbox.cache {
        Some(cache) => cache.load_or_compile(&sandbox.engine, bytes, &sha256),
        None => cache::compile(&sandbox.engine, bytes),
    };
    let (component, source) = compiled.map_err(|e| {
        invalid(format!(
            "it is not a WebAssembly component this host can compile ({e}); build it with `cargo build --target wasm32-wasip2`"
        ))
    })?;
    tracing::debug!(path = %path.display(), ?source, elapsed_ms = started.elapsed().as_secs_f64() * 1e3, "plugin component ready");
    check_imports(&sandbox.engine, &component, path)?;
    let (world, pre) = link(sandbox, &component).map_err(invalid)?;
    let label = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plugin".into());
    let mut runner = Runner::new(pre, &label, sandbox.limits.clone(), sandbox.slots.clone());
    let described = describe(&runner).map_err(|e| invalid(format!("describe failed: {e}")))?;
    let manifest = convert::manifest(described).map_err(invalid)?;
    let size = serde_json::to_vec(&manifest).map_or(usize::MAX, |json| json.len());
    let cap = sandbox.limits.max_output_bytes;
    if size > cap {
        return Err(invalid(format!(
            "its manifest is {size} bytes of JSON, more than the {cap}-byte output limit; shorten the descriptions and schemas"
        )));
    }
    policy::check_manifest(&manifest, world.version()).map_err(invalid)?;
    runner.set_plugin(&manifest.id);
    tracing::info!(plugin = %manifest.id, version = %manifest.version, contract = world.version(), tools = manifest.tools.len(), %sha256, "plugin loaded");
    Ok(LoadedPlugin {
        manifest,
        sha256,
        runner,
    })
}

/// Refuses the component if it imports anything outside the plugin world and WASI plumbing.
fn check_imports(engine: &Engine, component: &Component, path: &Path) -> Result<(), LoadError> {
    let ty = component.component_type();
    let mut forbidden: Vec<&str> = ty
        .imports(engine)
        .map(|(name, _)| name)
        .filter(|name| !policy::import_allowed(name))
        .collect();
    if forbidden.is_empty() {
        return Ok(());
    }
    forbidden.sort_unstable();
    Err(LoadError::ForbiddenImport {
        path: path.to_path_buf(),
        import: forbidden.join(", "),
    })
}

/// Links the component and type-checks it against the contract world its imports name (a
/// component importing nothing from `ikmcp:plugin` is tried against each, latest first).
fn link(sandbox: &Sandbox, component: &Component) -> Result<(ContractWorld, WorldPre), String> {
    let ty = component.component_type();
    let named = ContractWorld::of_imports(ty.imports(&sandbox.engine).map(|(name, _)| name))?;
    let candidates = match named {
        Some(world) => vec![world],
        None => ContractWorld::ALL.to_vec(),
    };
    let mut failures = Vec::new();
    for world in candidates {
        let linked = sandbox
            .linker
            .instantiate_pre(component)
            .and_then(|pre| WorldPre::new(world, pre));
        match linked {
            Ok(pre) => return Ok((world, pre)),
            Err(e) => failures.push(format!("ikmcp:plugin@{}: {e}", world.version())),
        }
    }
    Err(format!(
        "it cannot be linked against the ikmcp:plugin world ({}); build it with the ikmcp PDK or against one of the wit/ folders",
        failures.join("; ")
    ))
}

/// Calls `describe` on a private single-threaded runtime in its own thread, so `load` can
/// stay synchronous whether or not the caller is inside a tokio runtime.
fn describe(runner: &Runner) -> Result<wit::Manifest, String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start a runtime for describe: {e}"))?;
                // The contract forbids upstream access in `describe`.
                let ctx = CallContext::without_upstream("describe may not call upstream");
                runtime
                    .block_on(runner.run("describe", Describe, ctx))
                    .map_err(|e| e.to_string())
            })
            .join()
            .unwrap_or_else(|_| Err("describe panicked in the host".to_string()))
    })
}
