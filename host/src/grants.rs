//! Which upstream roles each plugin may use, and the start-up check that every granted
//! role has its credential.
//!
//! A plugin declares the roles it needs; declaring is asking, not getting. The operator
//! grants roles per plugin (`[plugins.roles] acme = ["acme-api"]`); a first-party plugin
//! (identified by hash, see [`crate::discovery`]) that the operator did not list gets the
//! roles it declares, which are its documented roles. A plugin is never granted a role it
//! did not declare, so a grant cannot widen what the plugin itself asked for, and a
//! third-party plugin listing `infomaniak-manager` gets no manager session unless the
//! operator wrote so.

use std::collections::BTreeMap;

use crate::config::{API_ROLE, API_TOKEN_VAR, Config, SecretSource};

/// One loaded plugin as the grant decision sees it.
#[derive(Debug, Clone)]
pub struct PluginIdentity {
    /// The plugin id.
    pub id: String,
    /// The roles its manifest declares.
    pub declared: Vec<String>,
    /// Whether it is a first-party build (listed by hash).
    pub first_party: bool,
}

/// The roles granted to each plugin.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    by_plugin: BTreeMap<String, Vec<String>>,
}

impl Grants {
    /// Decides the grants of `plugins` under `config`. Returns them with warnings for the
    /// operator (roles asked for and not granted, grants of undeclared roles); fails when
    /// a granted role is not configured.
    pub fn decide(
        plugins: &[PluginIdentity],
        config: &Config,
    ) -> Result<(Grants, Vec<String>), String> {
        let mut by_plugin = BTreeMap::new();
        let mut warnings = Vec::new();
        for plugin in plugins {
            let id = &plugin.id;
            let granted: Vec<String> = match config.plugin_roles.get(id) {
                Some(listed) => {
                    for role in listed.iter().filter(|r| !plugin.declared.contains(r)) {
                        warnings.push(format!(
                            "plugins.roles.{id} grants {role}, which plugin {id} does not \
                             declare; the grant is ignored"
                        ));
                    }
                    plugin
                        .declared
                        .iter()
                        .filter(|r| listed.contains(r))
                        .cloned()
                        .collect()
                }
                None if plugin.first_party => plugin.declared.clone(),
                None => {
                    if !plugin.declared.is_empty() {
                        warnings.push(format!(
                            "plugin {id} is not a first-party build and asks for the upstream \
                             roles {}; it gets none until you grant them: [plugins.roles] \
                             {id} = [{}]",
                            plugin.declared.join(", "),
                            plugin
                                .declared
                                .iter()
                                .map(|r| format!("{r:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    Vec::new()
                }
            };
            if let Some(role) = granted.iter().find(|r| !config.roles.contains_key(*r)) {
                return Err(format!(
                    "plugin {id} is granted the upstream role {role}, which is not configured: \
                     add a [roles.{role}] section (base_url and auth) to the configuration, or \
                     do not grant it"
                ));
            }
            by_plugin.insert(id.clone(), granted);
        }
        Ok((Grants { by_plugin }, warnings))
    }

    /// Every role granted to `plugin_id` (none for an unknown plugin).
    pub fn roles(&self, plugin_id: &str) -> &[String] {
        self.by_plugin.get(plugin_id).map_or(&[], Vec::as_slice)
    }

    /// Every granted role, each once, with the first plugin granted it.
    fn granted_roles(&self) -> BTreeMap<&str, &str> {
        let mut roles = BTreeMap::new();
        for (plugin, granted) in &self.by_plugin {
            for role in granted {
                roles.entry(role.as_str()).or_insert(plugin.as_str());
            }
        }
        roles
    }

    /// Checks that every granted role has its whole credential: start-up asks only for
    /// what enabled plugins were granted. The error names each missing secret, where it
    /// is read from and where to get it.
    pub fn check_credentials(&self, config: &Config) -> Result<(), String> {
        let mut problems = Vec::new();
        for (role, plugin) in self.granted_roles() {
            let Some(settings) = config.roles.get(role) else {
                continue;
            };
            let missing = settings.auth.missing();
            if missing.is_empty() {
                continue;
            }
            let mut text = format!(
                "plugin {plugin} needs the upstream role {role}, whose credential is missing: {}.",
                missing.join("; ")
            );
            let env_vars: Vec<&str> = settings
                .auth
                .settings()
                .into_iter()
                .filter(|s| s.value.is_err())
                .filter_map(|s| match &s.source {
                    SecretSource::Env(var) => Some(var.as_str()),
                    _ => None,
                })
                .collect();
            if role == API_ROLE && env_vars == [API_TOKEN_VAR] {
                if let Some(page) = &settings.credentials_url {
                    text.push_str(&format!("\n  Create an API token at {page}"));
                }
                text.push_str(&format!(
                    "\n  and start ikmcp with {API_TOKEN_VAR}=<token> in its environment."
                ));
            } else {
                if let Some(page) = &settings.credentials_url {
                    text.push_str(&format!("\n  Get it from {page}"));
                }
                if !env_vars.is_empty() {
                    text.push_str(&format!(
                        "\n  and start ikmcp with {} in its environment.",
                        env_vars
                            .iter()
                            .map(|v| format!("{v}=<value>"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ));
                }
                text.push_str(&format!(
                    "\n  (roles.{role}.auth in the configuration says where it is read from.)"
                ));
            }
            problems.push(text);
        }
        if problems.is_empty() {
            return Ok(());
        }
        problems.push(
            "To try ikmcp without an account, run `ikmcp serve --sandbox`; to leave a plugin \
             out, list the others in plugins.enabled."
                .to_owned(),
        );
        Err(problems.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::from_toml as config;

    fn plugin(id: &str, declared: &[&str], first_party: bool) -> PluginIdentity {
        PluginIdentity {
            id: id.into(),
            declared: declared.iter().map(|r| r.to_string()).collect(),
            first_party,
        }
    }

    #[test]
    fn first_party_plugins_get_their_declared_roles_and_others_only_grants() {
        let cfg = config(
            "[plugins.roles]\nacme = [\"acme-api\", \"infomaniak-api\"]\n[roles.acme-api]\nbase_url = \"https://a.example\"\nauth = { type = \"none\" }\n",
            &[],
        );
        let (grants, warnings) = Grants::decide(
            &[
                plugin("dns", &["infomaniak-api"], true),
                plugin("acme", &["acme-api", "infomaniak-manager"], false),
                plugin("evil", &["infomaniak-manager"], false),
            ],
            &cfg,
        )
        .unwrap();
        assert_eq!(grants.roles("dns"), ["infomaniak-api"]);
        assert_eq!(
            grants.roles("acme"),
            ["acme-api"],
            "not the manager (not granted), not the API (not declared)"
        );
        assert!(
            grants.roles("evil").is_empty(),
            "no manager session without a grant"
        );
        assert!(grants.roles("unknown").is_empty());
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("plugins.roles.acme grants infomaniak-api"))
        );
        assert!(warnings.iter().any(|w| w.contains("[plugins.roles] evil")));
    }

    #[test]
    fn an_operator_list_restricts_a_first_party_plugin_too() {
        let cfg = config("[plugins.roles]\ndns = []\n", &[]);
        let (grants, _) =
            Grants::decide(&[plugin("dns", &["infomaniak-api"], true)], &cfg).unwrap();
        assert!(grants.roles("dns").is_empty());
        assert!(
            grants.check_credentials(&cfg).is_ok(),
            "nothing granted, nothing asked"
        );
    }

    #[test]
    fn a_granted_role_must_be_configured() {
        let cfg = config("[plugins.roles]\nacme = [\"acme-api\"]\n", &[]);
        let err = Grants::decide(&[plugin("acme", &["acme-api"], false)], &cfg).unwrap_err();
        assert!(err.contains("[roles.acme-api]"), "{err}");
    }

    #[test]
    fn only_granted_roles_credentials_are_asked_for() {
        let cfg = config(
            "[roles.kchat]\nbase_url = \"https://{team}.kchat.infomaniak.com\"\nauth = { type = \"bearer\", token_env = \"KCHAT_TOKEN\" }\ncredentials_url = \"https://kchat.example/tokens\"\n",
            &[],
        );
        // A plugin needing nothing starts without any token.
        let (none, _) = Grants::decide(&[plugin("tools", &[], true)], &cfg).unwrap();
        assert!(none.check_credentials(&cfg).is_ok());

        let (dns, _) = Grants::decide(&[plugin("dns", &["infomaniak-api"], true)], &cfg).unwrap();
        let err = dns.check_credentials(&cfg).unwrap_err();
        assert!(err.contains("INFOMANIAK_API_TOKEN is not set"), "{err}");
        assert!(err.contains("manager.infomaniak.com"), "{err}");
        assert!(err.contains("--sandbox"), "{err}");
        assert!(!err.contains("KCHAT"), "kchat is not granted: {err}");

        let (kchat, _) = Grants::decide(&[plugin("chat", &["kchat"], true)], &cfg).unwrap();
        let err = kchat.check_credentials(&cfg).unwrap_err();
        assert!(err.contains("KCHAT_TOKEN=<value>"), "{err}");
        assert!(err.contains("https://kchat.example/tokens"), "{err}");
        assert!(!err.contains("INFOMANIAK_API_TOKEN"), "{err}");

        let cfg = config("", &[("INFOMANIAK_API_TOKEN", "t")]);
        let (dns, _) = Grants::decide(&[plugin("dns", &["infomaniak-api"], true)], &cfg).unwrap();
        assert!(dns.check_credentials(&cfg).is_ok());
    }
}
