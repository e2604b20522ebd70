//! Start-up: from a [`Config`] to a ready [`Dispatcher`].
//!
//! Finds the plugin components (see [`crate::discovery`]), loads only the enabled ones
//! after checking their pins, refuses two components claiming one id, decides each
//! plugin's role grants, checks the granted roles' credentials (reporting each one missing, stopping only when
//! none is usable), then builds
//! the registry, the upstream gateway, the audit log and the guard. Every problem stops
//! start-up with a message that names the file or setting to fix.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use crate::audit::{AuditKey, AuditLog};
use crate::builtins;
use crate::config::{AuthSettings, Config, RoleSettings};
use crate::discovery::{self, FirstParty};
use crate::dispatch::Dispatcher;
use crate::grants::{Grants, PluginIdentity, credential_help, missing_credential};
use crate::guard::Tokens;
use crate::registry::{Registry, ToolPolicy};
use crate::sandbox::{LoadedPlugin, Sandbox, SandboxLimits};
use crate::secret::SecretSet;
use crate::upstream::{
    Auth, ClientCredentials, CredentialAdvice, Gateway, GatewayConfig, RATE_WINDOW, RoleConfig,
};

/// A loaded plugin and where it came from.
pub struct FoundPlugin {
    /// The plugin.
    pub plugin: Arc<LoadedPlugin>,
    /// Its component file.
    pub path: PathBuf,
    /// Whether it is a first-party build (listed by hash in a first-party index).
    pub first_party: bool,
}

impl FoundPlugin {
    /// What the grant decision needs to know about it.
    pub fn identity(&self) -> PluginIdentity {
        PluginIdentity {
            id: self.plugin.manifest().id.clone(),
            declared: self.plugin.manifest().roles.clone(),
            first_party: self.first_party,
        }
    }
}

/// Loads the plugins the configuration enables. A file is compiled only if its name
/// claims an enabled id (every id when `plugins.enabled` is not set) and it matches every
/// pin of an id it claims; its manifest must declare an id its name claims; two
/// components declaring one id are a load error (the same build found twice is loaded
/// once).
pub fn load_plugins(config: &Config, sandbox: &Sandbox) -> anyhow::Result<Vec<FoundPlugin>> {
    let files = discovery::discover(config);
    let first_party = FirstParty::load();
    let mut by_id: BTreeMap<String, FoundPlugin> = BTreeMap::new();
    for file in &files {
        let path = &file.path;
        if let Some(enabled) = &config.enabled_plugins
            && !enabled.iter().any(|id| discovery::claims(path, id))
        {
            tracing::debug!(path = %path.display(), "plugin file not named after an enabled plugin; not loaded");
            continue;
        }
        let bytes =
            std::fs::read(path).with_context(|| format!("reading plugin {}", path.display()))?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        for (id, pin) in config
            .pins
            .iter()
            .filter(|(id, _)| discovery::claims(path, id))
        {
            if *pin != sha256 {
                bail!(
                    "plugin file {} (named for plugin {id}) has sha256 {sha256}, but the \
                     configuration pins {pin}; refusing to load it. Install the pinned build or \
                     update plugins.sha256.{id}",
                    path.display()
                );
            }
        }
        let plugin = sandbox
            .load_bytes(path, &bytes)
            .with_context(|| format!("loading plugin {}", path.display()))?;
        let id = plugin.manifest().id.clone();
        if !discovery::claims(path, &id) {
            bail!(
                "plugin file {} declares the plugin id {id}, which its name does not claim; a \
                 plugin file is named after its id: rename it {id}.wasm",
                path.display()
            );
        }
        if let Some(pin) = config.pins.get(&id)
            && *pin != sha256
        {
            bail!(
                "plugin {id} ({}) has sha256 {sha256}, but the configuration pins {pin}; refusing \
                 to load it. Install the pinned build or update plugins.sha256.{id}",
                path.display()
            );
        }
        if let Some(loaded) = by_id.get(&id) {
            if loaded.plugin.sha256() == sha256 {
                tracing::debug!(plugin = %id, path = %path.display(), "the same build was found twice; loaded once");
                continue;
            }
            bail!(
                "two components declare the plugin id {id}: {} and {}. A plugin id is loaded \
                 once and never silently replaced: remove one of them (or rename a third-party \
                 plugin to an id of its own)",
                loaded.path.display(),
                path.display()
            );
        }
        let first_party = first_party.is_first_party(&sha256, &id);
        if !file.configured && !first_party {
            tracing::warn!(plugin = %id, path = %path.display(), "this component is in a first-party location but not listed by hash in its {} (rebuilt without `make plugins`?); it is treated as third-party and gets no upstream role without a grant", discovery::INDEX_FILE);
        }
        tracing::info!(plugin = %id, version = %plugin.manifest().version, tools = plugin.manifest().tools.len(), first_party, "plugin loaded");
        by_id.insert(
            id,
            FoundPlugin {
                plugin: Arc::new(plugin),
                path: path.clone(),
                first_party,
            },
        );
    }
    if let Some(enabled) = &config.enabled_plugins
        && let Some(id) = enabled.iter().find(|id| !by_id.contains_key(*id))
    {
        let found: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        bail!(
            "plugin {id} is enabled in the configuration but no component provides it; a \
             plugin file is named after its id ({id}.wasm) (components found: {})",
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
            // Every plugin call holds a call slot; a slot runs one instance at a time.
            instances: config.limits.max_concurrent_calls,
        },
        config.cache_dir.clone(),
    )
}

/// The operator's audit key, when `[audit] hmac_key_file` (or `IKMCP_AUDIT_HMAC_KEY_FILE`)
/// names one.
pub fn audit_key(config: &Config) -> anyhow::Result<Option<AuditKey>> {
    config
        .audit_key_file
        .as_deref()
        .map(|path| {
            AuditKey::load(path).with_context(|| "reading the audit key ([audit] hmac_key_file)")
        })
        .transpose()
}

/// The grants of the loaded plugins; warnings go to the log.
pub fn grants(config: &Config, plugins: &[FoundPlugin]) -> anyhow::Result<Grants> {
    let identities: Vec<PluginIdentity> = plugins.iter().map(FoundPlugin::identity).collect();
    let (grants, warnings) = Grants::decide(&identities, config).map_err(|e| anyhow::anyhow!(e))?;
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    Ok(grants)
}

/// Everything `serve` needs.
pub fn build_dispatcher(config: &Config) -> anyhow::Result<Arc<Dispatcher>> {
    let sandbox = sandbox(config)?;
    let plugins = load_plugins(config, &sandbox)?;
    let grants = grants(config, &plugins)?;
    for warning in grants
        .check_credentials(config)
        .map_err(|e| anyhow::anyhow!(e))?
    {
        tracing::warn!("{warning}");
    }
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
    let registry = Arc::new(Registry::build(
        offered_builtins,
        plugins.into_iter().map(|p| p.plugin).collect(),
        &policy,
    )?);
    let secrets = Arc::new(SecretSet::default());
    let mut roles = BTreeMap::new();
    for (name, role) in &config.roles {
        roles.insert(name.clone(), role_config(name, role, config, &secrets)?);
    }
    let gateway = Gateway::new(GatewayConfig {
        roles,
        rate_window: RATE_WINDOW,
        request_timeout: config.limits.request_timeout,
        max_retries: config.limits.max_retries,
        secrets,
    })?;
    let audit = AuditLog::open_keyed(&config.audit_log, gateway.secrets(), audit_key(config)?)
        .with_context(
            || "opening the audit log (set audit_log in the config or IKMCP_AUDIT_LOG)",
        )?;
    Ok(Arc::new(Dispatcher::new(
        registry,
        gateway,
        Tokens::new(config.token_ttl),
        audit,
        config.limits.clone(),
        grants,
    )))
}

/// The gateway's view of a configured role. A credential with a missing secret becomes
/// `None`, and the advice start-up logged becomes the refusal of the role's requests.
fn role_config(
    name: &str,
    role: &RoleSettings,
    config: &Config,
    secrets: &Arc<SecretSet>,
) -> anyhow::Result<RoleConfig> {
    let auth = if role.auth.missing().is_empty() {
        Some(auth(&role.auth, secrets)?)
    } else {
        None
    };
    Ok(RoleConfig {
        base_url: role.base_url.clone(),
        auth,
        methods: role.methods.clone(),
        requests_per_minute: role
            .requests_per_minute
            .unwrap_or(config.limits.requests_per_minute),
        allowed_headers: role.headers.clone(),
        advice: CredentialAdvice {
            missing: missing_credential(name, role).map(|a| format!("the upstream role {a}")),
            renew: Some(credential_help(name, role, false)),
        },
    })
}

/// The auth provider of a complete credential.
fn auth(settings: &AuthSettings, secrets: &Arc<SecretSet>) -> anyhow::Result<Auth> {
    let value = |s: &crate::config::SecretSetting| {
        s.secret()
            .cloned()
            .context("a credential is incomplete (host bug: checked above)")
    };
    Ok(match settings {
        AuthSettings::None => Auth::Anonymous,
        AuthSettings::Bearer { token } => Auth::Bearer(value(token)?),
        AuthSettings::ManagerSession { session, xsrf } => Auth::ManagerSession {
            session: value(session)?,
            xsrf: value(xsrf)?,
        },
        AuthSettings::ApiKeyHeader { header, value: key } => Auth::ApiKeyHeader {
            header: reqwest::header::HeaderName::from_bytes(header.as_bytes())
                .context("the API key header name (checked when the config was read)")?,
            value: value(key)?,
        },
        AuthSettings::OAuth2ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scope,
        } => Auth::OAuth2(Arc::new(ClientCredentials::new(
            token_url.clone(),
            value(client_id)?,
            value(client_secret)?,
            scope.clone(),
            secrets.clone(),
        )?)),
    })
}
