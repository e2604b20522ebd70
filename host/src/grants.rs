//! Which upstream roles each plugin may use, and the start-up check of the granted roles'
//! credentials (a role without one is reported, and refused at request time, with advice).
//!
//! A plugin declares the roles it needs; declaring is asking, not getting. The operator
//! grants roles per plugin (`[plugins.roles] acme = ["acme-api"]`); a first-party plugin
//! (identified by hash, see [`crate::discovery`]) that the operator did not list gets the
//! roles it declares, which are its documented roles. A plugin is never granted a role it
//! did not declare, so a grant cannot widen what the plugin itself asked for, and a
//! third-party plugin listing `infomaniak-manager` gets no manager session unless the
//! operator wrote so.

use std::collections::BTreeMap;

use crate::config::{
    API_ROLE, API_TOKEN_VAR, AuthSettings, Config, RoleSettings, SecretSetting, SecretSource,
};

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

    /// Every granted role, each once, with the plugins granted it.
    fn granted_roles(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut roles: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (plugin, granted) in &self.by_plugin {
            for role in granted {
                roles
                    .entry(role.as_str())
                    .or_default()
                    .push(plugin.as_str());
            }
        }
        roles
    }

    /// Checks the credentials of the granted roles: start-up asks only for what enabled
    /// plugins were granted, and stops only when no granted role at all has its whole
    /// credential (nothing could work). A granted role without its credential does not
    /// stop the start (an operator with only an API token can still use every API tool
    /// while the manager-session tools wait for their session): it is returned as one
    /// warning per role, naming each missing secret, where it is read from and where to
    /// get it, and the gateway refuses that role's requests with the same advice
    /// ([`missing_credential`]).
    pub fn check_credentials(&self, config: &Config) -> Result<Vec<String>, String> {
        let mut warnings = Vec::new();
        let mut usable = 0;
        for (role, plugins) in self.granted_roles() {
            let Some(settings) = config.roles.get(role) else {
                continue;
            };
            match missing_credential(role, settings) {
                None => usable += 1,
                Some(advice) => warnings.push(format!(
                    "plugin {} needs the upstream role {advice}",
                    plugins.join(", ")
                )),
            }
        }
        if usable > 0 || warnings.is_empty() {
            return Ok(warnings
                .into_iter()
                .map(|w| {
                    format!(
                        "{w}\n  Until then the tools' requests on that role are refused with \
                         this advice; the other roles work."
                    )
                })
                .collect());
        }
        warnings.push(
            "No granted role has its credential, so no plugin tool could work. To try ikmcp \
             without an account, run `ikmcp serve --sandbox`; to leave a plugin out, list the \
             others in plugins.enabled."
                .to_owned(),
        );
        Err(warnings.join("\n"))
    }
}

/// When `role`'s credential is incomplete: `"<role>, whose credential is missing: <what>."`
/// followed by where to get it ([`credential_help`]); `None` when it is complete. The
/// text names variables and files, never a value.
pub fn missing_credential(role: &str, settings: &RoleSettings) -> Option<String> {
    let missing = settings.auth.missing();
    if missing.is_empty() {
        return None;
    }
    Some(format!(
        "{role}, whose credential is missing: {}.{}",
        missing.join("; "),
        credential_help(role, settings, true)
    ))
}

/// Where the operator gets `role`'s credential and how to hand it to ikmcp (lines starting
/// with a newline and two spaces). `only_missing`: name only the variables not set (a
/// missing credential); otherwise every variable (an expired one, to renew).
pub fn credential_help(role: &str, settings: &RoleSettings, only_missing: bool) -> String {
    let env_vars: Vec<&str> = settings
        .auth
        .settings()
        .into_iter()
        .filter(|s| !only_missing || s.value.is_err())
        .filter_map(|s| match &s.source {
            SecretSource::Env(var) => Some(var.as_str()),
            _ => None,
        })
        .collect();
    let mut text = String::new();
    if role == API_ROLE && env_vars == [API_TOKEN_VAR] {
        if let Some(page) = &settings.credentials_url {
            text.push_str(&format!("\n  Create an API token at {page}"));
        }
        text.push_str(&format!(
            "\n  and start ikmcp with {API_TOKEN_VAR}=<token> in its environment."
        ));
        return text;
    }
    if let AuthSettings::ManagerSession { session, xsrf } = &settings.auth {
        let name = |s: &SecretSetting| s.source.to_string();
        text.push_str(&format!(
            "\n  Log in at https://manager.infomaniak.com in a browser, copy its cookie SASESSION \
             into {} and the URL-decoded value of its cookie MANAGER-XSRF-TOKEN into {}, and \
             restart ikmcp.",
            name(session),
            name(xsrf)
        ));
        return text;
    }
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
    text
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
        assert_eq!(dns.check_credentials(&cfg).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_role_without_its_credential_is_reported_and_does_not_stop_the_start() {
        let kchat = "[roles.kchat]\nbase_url = \"https://{team}.kchat.infomaniak.com\"\nauth = { type = \"bearer\", token_env = \"KCHAT_TOKEN\" }\ncredentials_url = \"https://kchat.example/tokens\"\n";
        let plugins = [
            plugin("dns", &["infomaniak-api"], true),
            plugin("hosting", &["infomaniak-api", "infomaniak-manager"], true),
            plugin("chat", &["kchat"], true),
        ];
        // Only an API token: the manager and kChat roles are reported, once each.
        let cfg = config(kchat, &[("INFOMANIAK_API_TOKEN", "t")]);
        let (grants, _) = Grants::decide(&plugins, &cfg).unwrap();
        let warnings = grants.check_credentials(&cfg).unwrap();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        let manager = &warnings[0];
        assert!(
            manager.starts_with("plugin hosting needs the upstream role infomaniak-manager"),
            "{manager}"
        );
        for needle in [
            "INFOMANIAK_SASESSION is not set",
            "INFOMANIAK_XSRF_TOKEN is not set",
            "cookie SASESSION into the environment variable INFOMANIAK_SASESSION",
            "MANAGER-XSRF-TOKEN into the environment variable INFOMANIAK_XSRF_TOKEN",
            "refused with this advice",
        ] {
            assert!(manager.contains(needle), "{needle}: {manager}");
        }
        let chat = &warnings[1];
        assert!(
            chat.starts_with("plugin chat needs the upstream role kchat"),
            "{chat}"
        );
        assert!(chat.contains("KCHAT_TOKEN=<value>") && chat.contains("kchat.example/tokens"));
        assert!(!warnings.iter().any(|w| w.contains("INFOMANIAK_API_TOKEN")));

        // No credential at all: nothing could work, so the start stops, naming each.
        let cfg = config(kchat, &[]);
        let (grants, _) = Grants::decide(&plugins, &cfg).unwrap();
        let err = grants.check_credentials(&cfg).unwrap_err();
        for needle in [
            "plugin dns, hosting needs the upstream role infomaniak-api",
            "INFOMANIAK_API_TOKEN=<token>",
            "INFOMANIAK_SASESSION",
            "KCHAT_TOKEN",
            "No granted role has its credential",
            "--sandbox",
        ] {
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }

    #[test]
    fn the_advice_names_variables_never_values() {
        let cfg = config("", &[("INFOMANIAK_SASESSION", "secret-session-value")]);
        let manager = &cfg.roles["infomaniak-manager"];
        let missing = missing_credential("infomaniak-manager", manager).unwrap();
        assert!(
            missing.contains("INFOMANIAK_XSRF_TOKEN is not set"),
            "{missing}"
        );
        assert!(
            !missing.contains("INFOMANIAK_SASESSION is not set"),
            "{missing}"
        );
        let renew = credential_help("infomaniak-manager", manager, false);
        assert!(renew.contains("INFOMANIAK_SASESSION") && renew.contains("restart ikmcp"));
        for text in [missing, renew] {
            assert!(!text.contains("secret-session-value"), "{text}");
        }
        let cfg = config("", &[("INFOMANIAK_API_TOKEN", "t")]);
        assert_eq!(
            missing_credential("infomaniak-api", &cfg.roles["infomaniak-api"]),
            None
        );
    }
}
