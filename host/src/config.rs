//! Operator configuration: a TOML file plus environment overrides.
//!
//! Everything has a default, so `INFOMANIAK_API_TOKEN=… ikmcp serve` is a whole set-up.
//! No MCP tool can change any of this: policy belongs to the operator.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

mod roles;

pub use roles::{
    API_ROLE, API_TOKEN_VAR, AuthSettings, KCHAT_ROLE, KCHAT_TOKEN_VAR, MANAGER_ROLE,
    MANAGER_SESSION_VAR, MANAGER_XSRF_VAR, RoleSettings, SecretSetting, SecretSource, TOKEN_PAGE,
    role_env_prefix,
};

/// The whole configuration, after defaults and environment overrides.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from, if any.
    pub source: Option<PathBuf>,
    /// Hide and refuse every write tool.
    pub read_only: bool,
    /// Plugin ids to enable; `None` = every plugin found.
    pub enabled_plugins: Option<Vec<String>>,
    /// Extra component files (third-party plugins).
    pub extra_plugins: Vec<PathBuf>,
    /// Directories searched for `*.wasm` plugins before the built-in locations.
    pub plugin_dirs: Vec<PathBuf>,
    /// sha256 pins by plugin id: a plugin whose file hash differs is refused.
    pub pins: BTreeMap<String, String>,
    /// Upstream roles granted per plugin id by the operator (`[plugins.roles]`); a plugin
    /// not listed gets its declared roles only if it is first-party.
    pub plugin_roles: BTreeMap<String, Vec<String>>,
    /// If non-empty, only these tools are offered.
    pub allow_tools: Vec<String>,
    /// These tools are never offered.
    pub deny_tools: Vec<String>,
    /// If set, only the tools of these toolsets are offered (`IKMCP_TOOLSETS`, `[tools]
    /// toolsets`, `--toolsets`); a name no plugin has is a start-up error.
    pub toolsets: Option<Vec<String>>,
    /// Dynamic discovery: sessions start with the built-ins and enable toolsets themselves
    /// (`IKMCP_DYNAMIC_TOOLSETS`, `[tools] dynamic_toolsets`, `--dynamic-toolsets`).
    pub dynamic_toolsets: bool,
    /// The audit log file.
    pub audit_log: PathBuf,
    /// The operator's audit key file (`[audit] hmac_key_file`): when set, the chain and
    /// its checkpoint are HMACs under this key.
    pub audit_key_file: Option<PathBuf>,
    /// The precompiled-component cache (`None` disables it).
    pub cache_dir: Option<PathBuf>,
    /// How long a confirmation token lives.
    pub token_ttl: Duration,
    /// Sandbox and upstream limits.
    pub limits: Limits,
    /// Upstream roles (`[roles.<name>]`): base URL, auth provider, budget, methods.
    pub roles: BTreeMap<String, RoleSettings>,
}

/// Per-call and per-credential limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Linear memory cap of one plugin instance.
    pub memory_bytes: usize,
    /// CPU deadline of one plugin call (time waiting for upstream does not count).
    pub call_timeout: Duration,
    /// Wall-clock cap of one plugin call, upstream waits included.
    pub call_wall_timeout: Duration,
    /// Maximum size of one tool result.
    pub max_output_bytes: usize,
    /// Maximum upstream requests in one tool call.
    pub max_upstream_requests: u32,
    /// Maximum upstream response bytes in one tool call.
    pub max_response_bytes: u64,
    /// Requests per rolling minute per credential, for roles that set no budget of their
    /// own (Infomaniak allows 60; 0 = unlimited).
    pub requests_per_minute: u32,
    /// Timeout of one upstream HTTP attempt.
    pub request_timeout: Duration,
    /// Retries of idempotent upstream requests.
    pub max_retries: u32,
    /// Tool calls in flight at once; past it a call is refused as busy.
    pub max_concurrent_calls: usize,
    /// Longest time between a write's freshness check and its apply's first write.
    pub apply_start_timeout: Duration,
}

/// A configuration problem, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("config file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (line and column included).
        message: String,
    },
    /// A value is out of range or malformed.
    #[error("invalid setting {key}: {message}")]
    Invalid {
        /// The setting, as written in the file or environment.
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

/// The TOML file as written by the operator (every field optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    read_only: Option<bool>,
    audit_log: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    #[serde(default)]
    audit: FileAudit,
    #[serde(default)]
    plugins: FilePlugins,
    #[serde(default)]
    tools: FileTools,
    #[serde(default)]
    guard: FileGuard,
    #[serde(default)]
    limits: FileLimits,
    /// `[roles.*]`; `[upstream.*]` is the name it had before roles had more than a URL.
    #[serde(default, alias = "upstream")]
    roles: BTreeMap<String, roles::FileRole>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAudit {
    hmac_key_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePlugins {
    enabled: Option<Vec<String>>,
    #[serde(default)]
    dirs: Vec<PathBuf>,
    #[serde(default)]
    extra: Vec<PathBuf>,
    #[serde(default)]
    sha256: BTreeMap<String, String>,
    #[serde(default)]
    roles: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTools {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
    toolsets: Option<Vec<String>>,
    dynamic_toolsets: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileGuard {
    token_ttl_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    memory_mb: Option<usize>,
    call_timeout_seconds: Option<u64>,
    call_wall_timeout_seconds: Option<u64>,
    max_output_kb: Option<usize>,
    max_upstream_requests: Option<u32>,
    max_response_mb: Option<u64>,
    requests_per_minute: Option<u32>,
    request_timeout_seconds: Option<u64>,
    max_retries: Option<u32>,
    max_concurrent_calls: Option<usize>,
    apply_start_timeout_seconds: Option<u64>,
}

/// Reads configuration from an explicit path, `IKMCP_CONFIG`, or the user's config dir
/// (a missing default file is fine; a missing explicit file is an error), then applies
/// environment overrides from `env`.
pub fn load(
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let explicit = explicit
        .map(Path::to_path_buf)
        .or_else(|| env("IKMCP_CONFIG").map(PathBuf::from));
    let (file, source) = match explicit {
        Some(path) => (read_file(&path)?, Some(path)),
        None => match default_config_path() {
            Some(path) if path.exists() => (read_file(&path)?, Some(path)),
            _ => (FileConfig::default(), None),
        },
    };
    resolve(file, source, env)
}

/// Where the config file lives when none is named: `$XDG_CONFIG_HOME/ikmcp/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "ikmcp")
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn resolve(
    file: FileConfig,
    source: Option<PathBuf>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let dirs = project_dirs();
    let state_dir = dirs
        .as_ref()
        .map(|d| d.state_dir().unwrap_or(d.data_local_dir()).to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."));
    let audit_log = env("IKMCP_AUDIT_LOG")
        .map(PathBuf::from)
        .or(file.audit_log)
        .unwrap_or_else(|| state_dir.join("audit.jsonl"));
    let cache_dir = match env("IKMCP_CACHE_DIR") {
        Some(v) if v.is_empty() => None,
        Some(v) => Some(PathBuf::from(v)),
        None => file
            .cache_dir
            .or_else(|| dirs.as_ref().map(|d| d.cache_dir().join("components"))),
    };
    let read_only = match env("IKMCP_READ_ONLY") {
        Some(v) => parse_bool("IKMCP_READ_ONLY", &v)?,
        None => file.read_only.unwrap_or(false),
    };
    let toolsets = env("IKMCP_TOOLSETS")
        .map(|v| toolset_list(&v))
        .or(file.tools.toolsets)
        .filter(|t| !t.is_empty());
    let dynamic_toolsets = match env("IKMCP_DYNAMIC_TOOLSETS") {
        Some(v) => parse_bool("IKMCP_DYNAMIC_TOOLSETS", &v)?,
        None => file.tools.dynamic_toolsets.unwrap_or(false),
    };
    let l = file.limits;
    let limits = Limits {
        memory_bytes: l.memory_mb.unwrap_or(64) << 20,
        call_timeout: Duration::from_secs(l.call_timeout_seconds.unwrap_or(10)),
        call_wall_timeout: Duration::from_secs(l.call_wall_timeout_seconds.unwrap_or(1800)),
        max_output_bytes: l.max_output_kb.unwrap_or(4096) << 10,
        max_upstream_requests: l.max_upstream_requests.unwrap_or(2000),
        max_response_bytes: l.max_response_mb.unwrap_or(64) << 20,
        requests_per_minute: match env("IKMCP_REQUESTS_PER_MINUTE") {
            Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
                key: "IKMCP_REQUESTS_PER_MINUTE".into(),
                message: format!("expected a whole number, got {v:?}"),
            })?,
            None => l.requests_per_minute.unwrap_or(60),
        },
        request_timeout: Duration::from_secs(l.request_timeout_seconds.unwrap_or(30)),
        max_retries: l.max_retries.unwrap_or(3),
        max_concurrent_calls: l.max_concurrent_calls.unwrap_or(16),
        apply_start_timeout: Duration::from_secs(l.apply_start_timeout_seconds.unwrap_or(10)),
    };
    if limits.max_concurrent_calls == 0 || limits.apply_start_timeout.is_zero() {
        return Err(ConfigError::Invalid {
            key: "limits".into(),
            message:
                "max_concurrent_calls and apply_start_timeout_seconds must be greater than zero"
                    .into(),
        });
    }
    if limits.memory_bytes == 0 || limits.call_timeout.is_zero() {
        return Err(ConfigError::Invalid {
            key: "limits".into(),
            message: "memory_mb and call_timeout_seconds must be greater than zero".into(),
        });
    }
    if limits.call_wall_timeout < limits.call_timeout {
        return Err(ConfigError::Invalid {
            key: "limits.call_wall_timeout_seconds".into(),
            message: "must be at least call_timeout_seconds".into(),
        });
    }
    let ttl = file.guard.token_ttl_seconds.unwrap_or(300);
    if !(1..=3600).contains(&ttl) {
        return Err(ConfigError::Invalid {
            key: "guard.token_ttl_seconds".into(),
            message: format!("must be between 1 and 3600 seconds, got {ttl}"),
        });
    }
    let mut pins = BTreeMap::new();
    for (id, hash) in file.plugins.sha256 {
        let hash = hash.to_ascii_lowercase();
        if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ConfigError::Invalid {
                key: format!("plugins.sha256.{id}"),
                message: "expected 64 hex digits (see `ikmcp plugins list` for the hashes)".into(),
            });
        }
        pins.insert(id, hash);
    }
    let mut plugin_dirs: Vec<PathBuf> = env("IKMCP_PLUGIN_DIRS")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    plugin_dirs.extend(file.plugins.dirs);
    Ok(Config {
        source,
        read_only,
        enabled_plugins: file.plugins.enabled,
        extra_plugins: file.plugins.extra,
        plugin_dirs,
        pins,
        plugin_roles: file.plugins.roles,
        allow_tools: file.tools.allow,
        deny_tools: file.tools.deny,
        toolsets,
        dynamic_toolsets,
        audit_log,
        audit_key_file: env("IKMCP_AUDIT_HMAC_KEY_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or(file.audit.hmac_key_file),
        cache_dir,
        token_ttl: Duration::from_secs(ttl),
        limits,
        roles: roles::resolve_roles(file.roles, "roles", env)?,
    })
}

/// `dns, mail` → `["dns", "mail"]` (the form of `IKMCP_TOOLSETS` and `--toolsets`).
pub fn toolset_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_bool(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(ConfigError::Invalid {
            key: key.into(),
            message: format!("expected true or false, got {value:?}"),
        }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    /// An environment holding only `pairs` (shared by the config tests of other modules).
    pub(crate) fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    /// The configuration `toml` and `env` make.
    pub(crate) fn from_toml(toml: &str, env: &[(&str, &str)]) -> Config {
        let file = write(toml);
        load(Some(file.path()), &env_of(env)).unwrap()
    }

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn defaults_need_nothing() {
        let file = write("");
        let cfg = load(Some(file.path()), &env_of(&[])).unwrap();
        assert!(!cfg.read_only);
        assert_eq!(cfg.limits.requests_per_minute, 60);
        assert_eq!(cfg.token_ttl, Duration::from_secs(300));
        let api = &cfg.roles[API_ROLE];
        assert_eq!(api.base_url.to_string(), "https://api.infomaniak.com");
        assert_eq!(api.auth.missing(), ["INFOMANIAK_API_TOKEN is not set"]);
    }

    #[test]
    fn environment_overrides_the_file() {
        let file = write(
            "read_only = false\n[roles.infomaniak-api]\nbase_url = \"http://file.example\"\n",
        );
        let env = env_of(&[
            ("INFOMANIAK_API_TOKEN", " tok-abc "),
            ("INFOMANIAK_API_URL", "http://127.0.0.1:9999"),
            ("IKMCP_READ_ONLY", "true"),
        ]);
        let cfg = load(Some(file.path()), &env).unwrap();
        assert!(cfg.read_only);
        let api = &cfg.roles[API_ROLE];
        assert_eq!(api.base_url.to_string(), "http://127.0.0.1:9999");
        assert_eq!(api.auth.secrets()[0].expose(), "tok-abc");
    }

    #[test]
    fn the_audit_key_file_comes_from_the_file_or_the_environment() {
        let file = write("[audit]\nhmac_key_file = \"/etc/ikmcp/audit.key\"\n");
        let cfg = load(Some(file.path()), &env_of(&[])).unwrap();
        assert_eq!(
            cfg.audit_key_file.as_deref(),
            Some(Path::new("/etc/ikmcp/audit.key"))
        );
        let env = env_of(&[("IKMCP_AUDIT_HMAC_KEY_FILE", "/run/key")]);
        let cfg = load(Some(file.path()), &env).unwrap();
        assert_eq!(cfg.audit_key_file.as_deref(), Some(Path::new("/run/key")));
        let cfg = load(Some(write("").path()), &env_of(&[])).unwrap();
        assert!(cfg.audit_key_file.is_none());
    }

    #[test]
    fn toolsets_come_from_the_file_or_the_environment() {
        let file = write("[tools]\ntoolsets = [\"dns\"]\ndynamic_toolsets = true\n");
        let cfg = load(Some(file.path()), &env_of(&[])).unwrap();
        assert_eq!(cfg.toolsets, Some(vec!["dns".to_string()]));
        assert!(cfg.dynamic_toolsets);
        let env = env_of(&[
            ("IKMCP_TOOLSETS", " dns , mail,"),
            ("IKMCP_DYNAMIC_TOOLSETS", "0"),
        ]);
        let cfg = load(Some(file.path()), &env).unwrap();
        assert_eq!(
            cfg.toolsets,
            Some(vec!["dns".to_string(), "mail".to_string()])
        );
        assert!(!cfg.dynamic_toolsets);
        let cfg = load(Some(write("").path()), &env_of(&[("IKMCP_TOOLSETS", "")])).unwrap();
        assert_eq!(cfg.toolsets, None, "empty means every toolset");
        let err = load(
            Some(file.path()),
            &env_of(&[("IKMCP_DYNAMIC_TOOLSETS", "maybe")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("IKMCP_DYNAMIC_TOOLSETS"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected_with_the_location() {
        let file = write("[limits]\nmemory_megabytes = 3\n");
        let err = load(Some(file.path()), &env_of(&[])).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("memory_megabytes"), "{text}");
    }

    #[test]
    fn bad_values_say_what_is_expected() {
        let file = write("[guard]\ntoken_ttl_seconds = 0\n");
        let err = load(Some(file.path()), &env_of(&[])).unwrap_err();
        assert!(err.to_string().contains("between 1 and 3600"), "{err}");
        let file = write("[plugins.sha256]\ndns = \"abc\"\n");
        let err = load(Some(file.path()), &env_of(&[])).unwrap_err();
        assert!(err.to_string().contains("64 hex digits"), "{err}");
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let err = load(Some(Path::new("/nonexistent/ikmcp.toml")), &env_of(&[])).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }));
    }

    #[test]
    fn the_old_upstream_section_still_names_roles_and_grants_are_read() {
        let file = write(
            "[upstream.infomaniak-api]\nbase_url = \"http://old.example\"\n[plugins.roles]\nacme = [\"acme-api\"]\n",
        );
        let cfg = load(Some(file.path()), &env_of(&[])).unwrap();
        assert_eq!(
            cfg.roles[API_ROLE].base_url.to_string(),
            "http://old.example"
        );
        assert_eq!(cfg.plugin_roles["acme"], ["acme-api"]);
    }
}
