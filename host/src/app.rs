//! Start-up: from a [`Config`] to a ready [`Dispatcher`].
//!
//! Finds the plugin components (configured directories first, then the ones installed
//! beside the binary), loads them into the sandbox, applies pins and the enabled list,
//! builds the registry, the upstream gateway, the audit log and the guard. Every
//! problem stops start-up with a message that names the file or setting to fix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::audit::AuditLog;
use crate::builtins;
use crate::config::{Config, RoleSettings};
use crate::dispatch::Dispatcher;
use crate::guard::Tokens;
use crate::registry::{Registry, ToolPolicy};
use crate::sandbox::{LoadedPlugin, Sandbox, SandboxLimits};
use crate::upstream::{Auth, Gateway, GatewayConfig, RoleConfig};

/// File-name prefix of first-party plugin components in the build output.
const FIRST_PARTY_PREFIX: &str = "ikmcp_plugin_";

/// A component file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginFile {
    /// Where it is.
    pub path: PathBuf,
    /// Found in a configured location (rather than a built-in default).
    pub configured: bool,
}

/// Every candidate component, configured locations first. In the cargo build layout
/// (`target/<profile>/ikmcp` beside `target/wasm32-wasip2/guest/`) only files named
/// `ikmcp_plugin_*.wasm` are taken, so test components are never picked up.
pub fn discover(config: &Config) -> Vec<PluginFile> {
    let mut found = Vec::new();
    for path in &config.extra_plugins {
        found.push(PluginFile {
            path: path.clone(),
            configured: true,
        });
    }
    for dir in &config.plugin_dirs {
        for path in wasm_files(dir, None) {
            found.push(PluginFile {
                path,
                configured: true,
            });
        }
    }
    for (dir, prefix) in default_dirs() {
        for path in wasm_files(&dir, prefix) {
            found.push(PluginFile {
                path,
                configured: false,
            });
        }
    }
    found
}

fn default_dirs() -> Vec<(PathBuf, Option<&'static str>)> {
    let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.parent().map(Path::to_path_buf))
    else {
        return vec![];
    };
    vec![
        (exe_dir.join("plugins"), None),
        (exe_dir.join("../share/ikmcp/plugins"), None),
        (
            exe_dir.join("../wasm32-wasip2/guest"),
            Some(FIRST_PARTY_PREFIX),
        ),
    ]
}

fn wasm_files(dir: &Path, prefix: Option<&str>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .filter(|p| {
            prefix.is_none_or(|pre| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(pre))
            })
        })
        .collect();
    files.sort();
    files
}

/// Loads the plugins the configuration enables, checking pins. The first component
/// providing an id wins (configured locations come first).
pub fn load_plugins(config: &Config, sandbox: &Sandbox) -> anyhow::Result<Vec<Arc<LoadedPlugin>>> {
    let files = discover(config);
    let mut by_id: BTreeMap<String, Arc<LoadedPlugin>> = BTreeMap::new();
    for file in &files {
        let plugin = sandbox
            .load(&file.path, None)
            .with_context(|| format!("loading plugin {}", file.path.display()))?;
        let id = plugin.manifest().id.clone();
        if let Some(enabled) = &config.enabled_plugins
            && !enabled.contains(&id)
        {
            tracing::info!(plugin = %id, path = %file.path.display(), "plugin not enabled; skipped");
            continue;
        }
        if let Some(pin) = config.pins.get(&id)
            && pin != plugin.sha256()
        {
            bail!(
                "plugin {id} ({}) has sha256 {}, but the configuration pins {pin}; refusing to load it. Install the pinned build or update plugins.sha256.{id}",
                file.path.display(),
                plugin.sha256()
            );
        }
        if by_id.contains_key(&id) {
            tracing::warn!(plugin = %id, path = %file.path.display(), "another component already provides this plugin id; ignored");
            continue;
        }
        tracing::info!(plugin = %id, version = %plugin.manifest().version, tools = plugin.manifest().tools.len(), "plugin loaded");
        by_id.insert(id, Arc::new(plugin));
    }
    if let Some(enabled) = &config.enabled_plugins
        && let Some(id) = enabled.iter().find(|id| !by_id.contains_key(*id))
    {
        let found: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        bail!(
            "plugin {id} is enabled in the configuration but no component provides it (components found: {})",
            if found.is_empty() {
                "none".into()
            } else {
                found.join(", ")
            }
        );
    }
    Ok(by_id.into_values().collect())
}

/// The sandbox engine for a configuration.
pub fn sandbox(config: &Config) -> anyhow::Result<Sandbox> {
    Sandbox::new(
        SandboxLimits {
            memory_bytes: config.limits.memory_bytes,
            timeout: config.limits.call_timeout,
            wall_timeout: config.limits.call_wall_timeout,
            max_output_bytes: config.limits.max_output_bytes,
        },
        config.cache_dir.clone(),
    )
}

/// Everything `serve` needs.
pub fn build_dispatcher(config: &Config) -> anyhow::Result<Arc<Dispatcher>> {
    let sandbox = sandbox(config)?;
    let plugins = load_plugins(config, &sandbox)?;
    let policy = ToolPolicy {
        read_only: config.read_only,
        allow: config.allow_tools.clone(),
        deny: config.deny_tools.clone(),
        toolsets: config.toolsets.clone(),
        dynamic: config.dynamic_toolsets,
    };
    let mut offered_builtins = builtins::descriptors();
    if policy.dynamic {
        offered_builtins.extend(builtins::toolsets::descriptors());
    }
    let registry = Arc::new(Registry::build(offered_builtins, plugins, &policy)?);
    let gateway = Gateway::new(GatewayConfig {
        roles: config
            .roles
            .iter()
            .map(|(name, role)| (name.clone(), role_config(role)))
            .collect(),
        requests_per_minute: config.limits.requests_per_minute,
        burst: None,
        request_timeout: config.limits.request_timeout,
        max_retries: config.limits.max_retries,
    })?;
    let audit = AuditLog::open(&config.audit_log, gateway.secrets()).with_context(
        || "opening the audit log (set audit_log in the config or IKMCP_AUDIT_LOG)",
    )?;
    let granted: Vec<String> = config.roles.keys().cloned().collect();
    Ok(Arc::new(Dispatcher::new(
        registry,
        gateway,
        Tokens::new(config.token_ttl),
        audit,
        config.limits.clone(),
        granted,
    )))
}

fn role_config(role: &RoleSettings) -> RoleConfig {
    let auth = match (&role.token, &role.manager_session) {
        (_, Some((session, xsrf))) => Some(Auth::ManagerSession {
            session: session.clone(),
            xsrf: xsrf.clone(),
        }),
        (Some(token), None) => Some(Auth::Bearer(token.clone())),
        (None, None) => None,
    };
    RoleConfig {
        base_url: role.base_url.clone(),
        auth,
        // D wires the operator's per-role list from the configuration.
        allowed_headers: Vec::new(),
    }
}
