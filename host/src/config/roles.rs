//! Upstream roles as the operator configures them (`[roles.<name>]`): where a role is, how
//! the host authenticates to it (the auth provider and where each secret comes from),
//! its own rate budget, the methods and extra request headers it allows.
//!
//! Secrets are read here, once, but a missing one is not an error yet: start-up asks only
//! for the credentials of the roles granted to enabled plugins (see [`crate::grants`]), so
//! each secret keeps where it was looked for and why it is missing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::ConfigError;
use crate::contract::HttpMethod;
use crate::secret::Secret;
use crate::upstream::BaseUrl;

/// The role name of the public Infomaniak API.
pub const API_ROLE: &str = "infomaniak-api";
/// The role name of the manager-private proxy.
pub const MANAGER_ROLE: &str = "infomaniak-manager";
/// The role name of kChat (Mattermost v4 on `https://{team}.kchat.infomaniak.com`).
pub const KCHAT_ROLE: &str = "kchat";
/// Environment variable holding a kChat bot token; without it kChat gets the API token
/// (kChat accepts either, infomaniak-api.md §2.2).
pub const KCHAT_TOKEN_VAR: &str = "INFOMANIAK_KCHAT_TOKEN";
/// Where users create Infomaniak API tokens; named in every "missing token" message.
pub const TOKEN_PAGE: &str = "https://manager.infomaniak.com/v3/ng/accounts/token/list";
/// Environment variable holding the API token of the built-in API role.
pub const API_TOKEN_VAR: &str = "INFOMANIAK_API_TOKEN";
/// Environment variable holding the manager session cookie (as the peer servers name it).
pub const MANAGER_SESSION_VAR: &str = "INFOMANIAK_SASESSION";
/// Environment variable holding the manager XSRF token (URL-decoded).
pub const MANAGER_XSRF_VAR: &str = "INFOMANIAK_XSRF_TOKEN";
/// Where manager-session users find their cookies (the browser session of the manager).
const MANAGER_PAGE: &str = "https://manager.infomaniak.com (your browser's session cookies)";

/// One upstream role as configured.
#[derive(Debug, Clone)]
pub struct RoleSettings {
    /// Base URL, possibly with `{placeholders}` filled per request.
    pub base_url: BaseUrl,
    /// How the host authenticates to it.
    pub auth: AuthSettings,
    /// Requests per rolling minute on its credential; `None` = `limits.requests_per_minute`.
    pub requests_per_minute: Option<u32>,
    /// Methods plugins may use on it; `None` = all.
    pub methods: Option<Vec<HttpMethod>>,
    /// Extra request headers plugins may set on it (lower case).
    pub headers: Vec<String>,
    /// Where an operator gets the credential, named when it is missing.
    pub credentials_url: Option<String>,
}

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable.
    Env(String),
    /// A file (its content, trimmed).
    File(PathBuf),
    /// Given by the host itself (the sandbox tenant's credentials).
    Host,
}

impl std::fmt::Display for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Env(var) => write!(f, "the environment variable {var}"),
            SecretSource::File(path) => write!(f, "the file {}", path.display()),
            SecretSource::Host => f.write_str("the host"),
        }
    }
}

/// A secret as configured: where it comes from, and its value or why there is none.
#[derive(Debug, Clone)]
pub struct SecretSetting {
    /// Where it was looked for.
    pub source: SecretSource,
    /// The value, or what is wrong (never containing the value).
    pub value: Result<Secret, String>,
}

impl SecretSetting {
    /// A secret the host provides itself.
    pub fn given(value: impl Into<String>) -> Self {
        SecretSetting {
            source: SecretSource::Host,
            value: Ok(Secret::new(value)),
        }
    }

    fn read(source: SecretSource, env: &dyn Fn(&str) -> Option<String>) -> Self {
        let value = match &source {
            SecretSource::Env(var) => match env(var) {
                Some(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
                _ => Err(format!("{var} is not set")),
            },
            SecretSource::File(path) => match std::fs::read_to_string(path) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
                Ok(_) => Err(format!("{} is empty", path.display())),
                Err(e) => Err(format!("{} cannot be read ({e})", path.display())),
            },
            SecretSource::Host => Err("the host provides no value".to_owned()),
        };
        SecretSetting { source, value }
    }

    fn from_env(var: &str, env: &dyn Fn(&str) -> Option<String>) -> Self {
        Self::read(SecretSource::Env(var.to_owned()), env)
    }

    /// The value, when present.
    pub fn secret(&self) -> Option<&Secret> {
        self.value.as_ref().ok()
    }
}

/// How the host authenticates to a role (the auth provider).
#[derive(Debug, Clone)]
pub enum AuthSettings {
    /// No credential at all (a public API).
    None,
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token.
        token: SecretSetting,
    },
    /// The manager session: `Cookie: SASESSION=…`, plus `X-XSRF-TOKEN` on writes.
    ManagerSession {
        /// The SASESSION cookie value.
        session: SecretSetting,
        /// The URL-decoded XSRF token.
        xsrf: SecretSetting,
    },
    /// A fixed header carrying an API key.
    ApiKeyHeader {
        /// Header name (lower case).
        header: String,
        /// Its value.
        value: SecretSetting,
    },
    /// OAuth 2.0 client credentials grant (RFC 6749 §4.4): the host fetches an access
    /// token from `token_url`, caches it until it expires and refreshes it once on a 401.
    OAuth2ClientCredentials {
        /// The token endpoint.
        token_url: url::Url,
        /// The client id.
        client_id: SecretSetting,
        /// The client secret.
        client_secret: SecretSetting,
        /// Space-separated scopes to ask for, if any.
        scope: Option<String>,
    },
}

impl AuthSettings {
    /// Every secret setting of the provider.
    pub fn settings(&self) -> Vec<&SecretSetting> {
        match self {
            AuthSettings::None => vec![],
            AuthSettings::Bearer { token } => vec![token],
            AuthSettings::ManagerSession { session, xsrf } => vec![session, xsrf],
            AuthSettings::ApiKeyHeader { value, .. } => vec![value],
            AuthSettings::OAuth2ClientCredentials {
                client_id,
                client_secret,
                ..
            } => vec![client_id, client_secret],
        }
    }

    /// What is missing, one line per secret (empty when the credential is complete).
    pub fn missing(&self) -> Vec<String> {
        self.settings()
            .into_iter()
            .filter_map(|s| s.value.as_ref().err().cloned())
            .collect()
    }

    /// Every secret value present, for redaction by value.
    pub fn secrets(&self) -> Vec<Secret> {
        self.settings()
            .into_iter()
            .filter_map(|s| s.secret().cloned())
            .collect()
    }
}

/// `[roles.<name>]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileRole {
    base_url: Option<String>,
    auth: Option<FileAuth>,
    requests_per_minute: Option<u32>,
    methods: Option<Vec<HttpMethod>>,
    #[serde(default)]
    headers: Vec<String>,
    credentials_url: Option<String>,
    /// Values for base-URL placeholders a request leaves out (`params = { team = "acme" }`).
    #[serde(default)]
    params: BTreeMap<String, String>,
}

/// `auth = { type = "…", … }` as written.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum FileAuth {
    None,
    Bearer {
        token_env: Option<String>,
        token_file: Option<PathBuf>,
    },
    ManagerSession {
        session_env: Option<String>,
        xsrf_env: Option<String>,
    },
    ApiKeyHeader {
        header: String,
        value_env: Option<String>,
        value_file: Option<PathBuf>,
    },
    Oauth2ClientCredentials {
        token_url: String,
        client_id_env: String,
        client_secret_env: Option<String>,
        client_secret_file: Option<PathBuf>,
        scope: Option<String>,
    },
}

/// Headers a role may never let plugins set: the host owns framing, routing and
/// credentials, whatever the operator writes.
const NEVER_ALLOWED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-xsrf-token",
    "x-csrf-token",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "x-original-url",
    "x-rewrite-url",
    "forwarded",
];

/// The environment variable prefix of a role for its URL override, one pattern for all:
/// the role name without its `infomaniak-` prefix, upper-cased, after `INFOMANIAK_`
/// (`infomaniak-api` → `INFOMANIAK_API`, `kchat` → `INFOMANIAK_KCHAT`).
pub fn role_env_prefix(role: &str) -> String {
    let stem: String = role
        .strip_prefix("infomaniak-")
        .unwrap_or(role)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("INFOMANIAK_{stem}")
}

/// The built-in roles: name, default base URL, default auth provider.
fn builtin(role: &str) -> Option<&'static str> {
    match role {
        API_ROLE => Some("https://api.infomaniak.com"),
        MANAGER_ROLE => Some("https://manager.infomaniak.com"),
        KCHAT_ROLE => Some("https://{team}.kchat.infomaniak.com"),
        _ => None,
    }
}

/// Resolves every `[roles.*]` section plus the built-in roles, reading secrets from `env`
/// and files. `section` is the table name the operator used (for messages).
pub(super) fn resolve_roles(
    mut file: BTreeMap<String, FileRole>,
    section: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, RoleSettings>, ConfigError> {
    for role in [API_ROLE, MANAGER_ROLE, KCHAT_ROLE] {
        file.entry(role.to_string()).or_default();
    }
    let mut roles = BTreeMap::new();
    for (role, settings) in file {
        let key = |field: &str| format!("{section}.{role}.{field}");
        if !valid_role_name(&role) {
            return Err(ConfigError::Invalid {
                key: format!("{section}.{role}"),
                message: "a role name is 1 to 64 lower-case letters, digits and '-'".into(),
            });
        }
        let url_var = format!("{}_URL", role_env_prefix(&role));
        let (raw, from) = match (env(&url_var), settings.base_url) {
            (Some(url), _) => (url, url_var.clone()),
            (None, Some(url)) => (url, key("base_url")),
            (None, None) => match builtin(&role) {
                Some(url) => (url.to_owned(), key("base_url")),
                None => {
                    return Err(ConfigError::Invalid {
                        key: key("base_url"),
                        message: format!("no base URL: set it in the config file or {url_var}"),
                    });
                }
            },
        };
        let base_url =
            BaseUrl::parse(&raw).map_err(|message| ConfigError::Invalid { key: from, message })?;
        // A placeholder's value: `<PREFIX>_<NAME>` (INFOMANIAK_KCHAT_TEAM), else `params`.
        let mut defaults = Vec::new();
        for name in base_url.placeholders() {
            let var = format!("{}_{}", role_env_prefix(&role), name.to_ascii_uppercase());
            if let Some(value) = env(&var).filter(|v| !v.trim().is_empty()) {
                defaults.push((name.clone(), value.trim().to_ascii_lowercase()));
            } else if let Some(value) = settings.params.get(name) {
                defaults.push((name.clone(), value.clone()));
            }
        }
        if let Some(unknown) = settings
            .params
            .keys()
            .find(|k| !base_url.placeholders().contains(k))
        {
            return Err(ConfigError::Invalid {
                key: key("params"),
                message: format!("the base URL {base_url} has no placeholder {{{unknown}}}"),
            });
        }
        let base_url =
            base_url
                .with_defaults(defaults)
                .map_err(|message| ConfigError::Invalid {
                    key: key("params"),
                    message,
                })?;
        let auth = match settings.auth {
            Some(auth) => resolve_auth(auth, &key("auth"), env)?,
            None => match role.as_str() {
                API_ROLE => AuthSettings::Bearer {
                    token: SecretSetting::from_env(API_TOKEN_VAR, env),
                },
                MANAGER_ROLE => AuthSettings::ManagerSession {
                    session: SecretSetting::from_env(MANAGER_SESSION_VAR, env),
                    xsrf: SecretSetting::from_env(MANAGER_XSRF_VAR, env),
                },
                KCHAT_ROLE => AuthSettings::Bearer {
                    token: match env(KCHAT_TOKEN_VAR) {
                        Some(v) if !v.trim().is_empty() => {
                            SecretSetting::from_env(KCHAT_TOKEN_VAR, env)
                        }
                        _ => SecretSetting::from_env(API_TOKEN_VAR, env),
                    },
                },
                _ => {
                    return Err(ConfigError::Invalid {
                        key: key("auth"),
                        message: "say how the host authenticates to this role: auth = { type = \
                                  \"bearer\", token_env = \"…\" } (or api_key_header, \
                                  oauth2_client_credentials, manager_session, none)"
                            .into(),
                    });
                }
            },
        };
        let mut headers = Vec::new();
        for header in settings.headers {
            let lower = header.to_ascii_lowercase();
            if reqwest::header::HeaderName::from_bytes(lower.as_bytes()).is_err() {
                return Err(ConfigError::Invalid {
                    key: key("headers"),
                    message: format!("{header:?} is not a valid header name"),
                });
            }
            if NEVER_ALLOWED_HEADERS.contains(&lower.as_str())
                || lower.starts_with("x-forwarded-")
                || auth_header(&auth) == Some(lower.as_str())
            {
                return Err(ConfigError::Invalid {
                    key: key("headers"),
                    message: format!(
                        "{header:?} is set by the host only (credentials, routing, method); \
                         plugins may never set it"
                    ),
                });
            }
            headers.push(lower);
        }
        if let Some(methods) = &settings.methods
            && methods.is_empty()
        {
            return Err(ConfigError::Invalid {
                key: key("methods"),
                message: "an empty list allows nothing; remove the key to allow every method"
                    .into(),
            });
        }
        let credentials_url = settings.credentials_url.or_else(|| match role.as_str() {
            API_ROLE | KCHAT_ROLE => Some(TOKEN_PAGE.to_owned()),
            MANAGER_ROLE => Some(MANAGER_PAGE.to_owned()),
            _ => None,
        });
        roles.insert(
            role,
            RoleSettings {
                base_url,
                auth,
                requests_per_minute: settings.requests_per_minute,
                methods: settings.methods,
                headers,
                credentials_url,
            },
        );
    }
    Ok(roles)
}

/// The header an auth provider sets, when it is a custom one.
fn auth_header(auth: &AuthSettings) -> Option<&str> {
    match auth {
        AuthSettings::ApiKeyHeader { header, .. } => Some(header),
        _ => None,
    }
}

fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn resolve_auth(
    auth: FileAuth,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AuthSettings, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        key: key.to_owned(),
        message,
    };
    let one_of =
        |env_name: Option<String>, file: Option<PathBuf>, what: &str| match (env_name, file) {
            (Some(var), None) => Ok(SecretSetting::from_env(&var, env)),
            (None, Some(path)) => Ok(SecretSetting::read(SecretSource::File(path), env)),
            _ => Err(invalid(format!(
                "give exactly one of {what}_env (an environment variable) or {what}_file"
            ))),
        };
    Ok(match auth {
        FileAuth::None => AuthSettings::None,
        FileAuth::Bearer {
            token_env,
            token_file,
        } => AuthSettings::Bearer {
            token: one_of(token_env, token_file, "token")?,
        },
        FileAuth::ManagerSession {
            session_env,
            xsrf_env,
        } => AuthSettings::ManagerSession {
            session: SecretSetting::from_env(
                session_env.as_deref().unwrap_or(MANAGER_SESSION_VAR),
                env,
            ),
            xsrf: SecretSetting::from_env(xsrf_env.as_deref().unwrap_or(MANAGER_XSRF_VAR), env),
        },
        FileAuth::ApiKeyHeader {
            header,
            value_env,
            value_file,
        } => {
            let lower = header.to_ascii_lowercase();
            if reqwest::header::HeaderName::from_bytes(lower.as_bytes()).is_err()
                || NEVER_ALLOWED_HEADERS.contains(&lower.as_str())
                || matches!(lower.as_str(), "content-type" | "accept")
            {
                return Err(invalid(format!(
                    "{header:?} cannot carry an API key: name a header of its own, like x-api-key"
                )));
            }
            AuthSettings::ApiKeyHeader {
                header: lower,
                value: one_of(value_env, value_file, "value")?,
            }
        }
        FileAuth::Oauth2ClientCredentials {
            token_url,
            client_id_env,
            client_secret_env,
            client_secret_file,
            scope,
        } => {
            let url = url::Url::parse(&token_url)
                .map_err(|e| invalid(format!("token_url {token_url:?} is not a URL ({e})")))?;
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            if url.host().is_none()
                || !(url.scheme() == "https" || (url.scheme() == "http" && loopback))
            {
                return Err(invalid(format!(
                    "token_url {token_url:?} must be an https URL (http only on loopback): the \
                     client secret travels to it"
                )));
            }
            AuthSettings::OAuth2ClientCredentials {
                token_url: url,
                client_id: SecretSetting::from_env(&client_id_env, env),
                client_secret: one_of(client_secret_env, client_secret_file, "client_secret")?,
                scope,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::env_of;

    fn roles(toml: &str, env: &[(&str, &str)]) -> Result<BTreeMap<String, RoleSettings>, String> {
        let file: BTreeMap<String, FileRole> = toml::from_str(toml).map_err(|e| e.to_string())?;
        resolve_roles(file, "roles", &env_of(env)).map_err(|e| e.to_string())
    }

    #[test]
    fn builtin_roles_keep_their_variables() {
        let r = roles("", &[(API_TOKEN_VAR, " tok "), (MANAGER_SESSION_VAR, "s")]).unwrap();
        let AuthSettings::Bearer { token } = &r[API_ROLE].auth else {
            panic!("the API role is bearer by default")
        };
        assert_eq!(token.secret().unwrap().expose(), "tok");
        assert_eq!(
            r[API_ROLE].base_url.to_string(),
            "https://api.infomaniak.com"
        );
        assert_eq!(
            r[MANAGER_ROLE].auth.missing(),
            ["INFOMANIAK_XSRF_TOKEN is not set"]
        );
        assert_eq!(r[API_ROLE].credentials_url.as_deref(), Some(TOKEN_PAGE));
    }

    #[test]
    fn every_provider_reads_its_secrets_from_where_the_operator_says() {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("key");
        std::fs::write(&key_file, "file-key\n").unwrap();
        let toml = format!(
            r#"
            [kchat]
            base_url = "https://{{team}}.kchat.infomaniak.com"
            auth = {{ type = "bearer", token_env = "KCHAT_TOKEN" }}
            methods = ["GET", "POST"]
            headers = ["X-Requested-With"]
            requests_per_minute = 30
            [acme]
            base_url = "https://api.acme.example"
            auth = {{ type = "api_key_header", header = "X-Api-Key", value_file = {key_file:?} }}
            [oauth]
            base_url = "https://api.oauth.example"
            auth = {{ type = "oauth2_client_credentials", token_url = "http://127.0.0.1:1/token", client_id_env = "CID", client_secret_env = "CSECRET", scope = "read write" }}
            [public]
            base_url = "https://public.example"
            auth = {{ type = "none" }}
            "#
        );
        let r = roles(&toml, &[("KCHAT_TOKEN", "k"), ("CID", "id")]).unwrap();
        let kchat = &r["kchat"];
        assert_eq!(kchat.base_url.placeholders(), ["team"]);
        assert_eq!(kchat.methods, Some(vec![HttpMethod::Get, HttpMethod::Post]));
        assert_eq!(kchat.headers, ["x-requested-with"]);
        assert_eq!(kchat.requests_per_minute, Some(30));
        assert!(kchat.auth.missing().is_empty());
        let AuthSettings::ApiKeyHeader { header, value } = &r["acme"].auth else {
            panic!("api_key_header")
        };
        assert_eq!(header, "x-api-key");
        assert_eq!(value.secret().unwrap().expose(), "file-key");
        assert_eq!(r["oauth"].auth.missing(), ["CSECRET is not set"]);
        assert!(r["public"].auth.missing().is_empty());
    }

    #[test]
    fn the_builtin_kchat_role_needs_only_a_team() {
        let r = roles("", &[(API_TOKEN_VAR, "api-tok")]).unwrap();
        let kchat = &r[KCHAT_ROLE];
        assert_eq!(
            kchat.base_url.to_string(),
            "https://{team}.kchat.infomaniak.com"
        );
        assert!(kchat.base_url.defaults().is_empty());
        assert_eq!(kchat.auth.secrets()[0].expose(), "api-tok");
        let r = roles(
            "",
            &[
                (API_TOKEN_VAR, "api-tok"),
                (KCHAT_TOKEN_VAR, "bot-tok"),
                ("INFOMANIAK_KCHAT_TEAM", "Acme"),
            ],
        )
        .unwrap();
        let kchat = &r[KCHAT_ROLE];
        assert_eq!(kchat.auth.secrets()[0].expose(), "bot-tok");
        assert_eq!(
            kchat.base_url.defaults(),
            [("team".to_string(), "acme".to_string())]
        );
        let r = roles("[kchat]\nparams = { team = \"shop\" }\n", &[]).unwrap();
        assert_eq!(
            r[KCHAT_ROLE].base_url.complete(&[]),
            [("team".to_string(), "shop".to_string())]
        );
        for (toml, needle) in [
            (
                "[kchat]\nparams = { team = \"a.evil.example\" }\n",
                "DNS label",
            ),
            (
                "[kchat]\nparams = { zone = \"a\" }\n",
                "no placeholder {zone}",
            ),
        ] {
            let err = roles(toml, &[]).unwrap_err();
            assert!(
                err.contains(needle) && err.contains("kchat.params"),
                "{err}"
            );
        }
    }

    #[test]
    fn custom_roles_must_say_how_to_authenticate() {
        let err = roles("[acme]\nbase_url = \"https://a.example\"\n", &[]).unwrap_err();
        assert!(err.contains("roles.acme.auth"), "{err}");
        assert!(err.contains("bearer"), "{err}");
    }

    #[test]
    fn dangerous_settings_are_refused() {
        let cases = [
            (
                "[a]\nbase_url = \"https://a\"\nauth = { type = \"none\" }\nheaders = [\"Authorization\"]\n",
                "set by the host",
            ),
            (
                "[a]\nbase_url = \"https://a\"\nauth = { type = \"none\" }\nheaders = [\"X-Forwarded-Host\"]\n",
                "set by the host",
            ),
            (
                "[a]\nbase_url = \"https://a\"\nauth = { type = \"api_key_header\", header = \"x-k\", value_env = \"K\" }\nheaders = [\"x-k\"]\n",
                "set by the host",
            ),
            (
                "[a]\nbase_url = \"https://a\"\nauth = { type = \"api_key_header\", header = \"Cookie\", value_env = \"K\" }\n",
                "cannot carry",
            ),
            (
                "[a]\nbase_url = \"https://a\"\nauth = { type = \"oauth2_client_credentials\", token_url = \"http://idp.example/token\", client_id_env = \"I\", client_secret_env = \"S\" }\n",
                "https",
            ),
            (
                "[a]\nbase_url = \"https://a\"\nauth = { type = \"bearer\", token_env = \"T\", token_file = \"/t\" }\n",
                "exactly one",
            ),
            (
                "[a]\nbase_url = \"https://a\"\nauth = { type = \"bearer\", token_env = \"T\" }\nmethods = []\n",
                "empty list",
            ),
            (
                "[A_b]\nbase_url = \"https://a\"\nauth = { type = \"none\" }\n",
                "role name",
            ),
            (
                "[a]\nbase_url = \"https://a\"\nauth = { type = \"bearer\", token = \"inline\" }\n",
                "token",
            ),
            (
                "[a]\nbase_url = \"https://a\"\nauth = { type = \"none\" }\nmethods = [\"TRACE\"]\n",
                "TRACE",
            ),
        ];
        for (toml, needle) in cases {
            let err = roles(toml, &[]).unwrap_err();
            assert!(err.contains(needle), "{toml}: {err}");
        }
    }

    #[test]
    fn a_missing_file_secret_says_which_file_without_failing_the_load() {
        let r = roles(
            "[a]\nbase_url = \"https://a\"\nauth = { type = \"bearer\", token_file = \"/nonexistent/t\" }\n",
            &[],
        )
        .unwrap();
        let missing = r["a"].auth.missing();
        assert!(missing[0].contains("/nonexistent/t"), "{missing:?}");
    }

    #[test]
    fn a_bad_base_url_names_where_it_came_from() {
        let err = roles("", &[("INFOMANIAK_API_URL", "ftp://x")]).unwrap_err();
        assert!(err.contains("INFOMANIAK_API_URL"), "{err}");
        let err = roles(
            "[a]\nbase_url = \"https://{Team}.x\"\nauth = { type = \"none\" }\n",
            &[],
        )
        .unwrap_err();
        assert!(err.contains("roles.a.base_url"), "{err}");
    }

    #[test]
    fn role_prefixes_follow_one_pattern() {
        assert_eq!(role_env_prefix("infomaniak-api"), "INFOMANIAK_API");
        assert_eq!(role_env_prefix("infomaniak-manager"), "INFOMANIAK_MANAGER");
        assert_eq!(role_env_prefix("kchat"), "INFOMANIAK_KCHAT");
    }
}
