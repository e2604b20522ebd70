//! `ikmcp serve --sandbox`: a simulated Infomaniak tenant in-process, so anyone can try
//! every tool without an account and without anything leaving the machine.
//!
//! Every role must point at the tenant: the built-in roles are repointed (with the
//! tenant's credentials, whatever auth the configuration names), and start-up refuses a
//! configuration with any other role, since the tenant simulates only the Infomaniak API
//! and the manager. A role left as configured would reach the real service with real
//! credentials from a session the user believes is a sandbox.

use anyhow::{Context, bail};

use crate::config::{
    API_ROLE, AuthSettings, Config, KCHAT_ROLE, MANAGER_ROLE, RoleSettings, SecretSetting,
};
use crate::upstream::BaseUrl;

/// Size of the simulated tenant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// A handful of domains: fast, easy to read.
    #[default]
    Small,
    /// An agency-sized tenant: ~60 domains, one zone with 250+ records.
    Fleet,
}

/// The running simulated tenant; dropping it stops the simulator.
pub struct Tenant {
    _sim: ikmcp_sim::SimHandle,
}

/// Refuses a configuration with a role the tenant cannot stand in for, before anything
/// starts.
pub fn check_roles(config: &Config) -> anyhow::Result<()> {
    let others: Vec<&str> = config
        .roles
        .keys()
        .map(String::as_str)
        .filter(|r| ![API_ROLE, MANAGER_ROLE, KCHAT_ROLE].contains(r))
        .collect();
    if !others.is_empty() {
        bail!(
            "sandbox mode refuses to start: the configuration has the upstream role(s) {}, \
             which the sandbox tenant does not simulate (it stands in for {API_ROLE}, \
             {MANAGER_ROLE} and {KCHAT_ROLE} only), so their requests would reach the real service. Run \
             --sandbox with a configuration without them (--config PATH), or without --sandbox",
            others.join(", ")
        );
    }
    Ok(())
}

/// Starts the simulated tenant and points every upstream role of `config` at it.
pub async fn start(config: &mut Config, seed: u64, scale: Scale) -> anyhow::Result<Tenant> {
    check_roles(config)?;
    let sim = ikmcp_sim::Sim::start(ikmcp_sim::SimConfig {
        seed,
        scale: match scale {
            Scale::Small => ikmcp_sim::Scale::Small,
            Scale::Fleet => ikmcp_sim::Scale::Fleet,
        },
        ..ikmcp_sim::SimConfig::default()
    })
    .await
    .context("starting the sandbox tenant")?;
    repoint(config, &sim)?;
    eprintln!(
        "==================================================================\n\
         ikmcp SANDBOX MODE: every request goes to a simulated Infomaniak\n\
         tenant at {} (seed {seed}, {scale:?}). Nothing reaches\n\
         Infomaniak; changes live in memory and vanish on exit.\n\
         ==================================================================",
        sim.api_url()
    );
    Ok(Tenant { _sim: sim })
}

/// Points the built-in roles at the tenant, with its credentials.
fn repoint(config: &mut Config, sim: &ikmcp_sim::SimHandle) -> anyhow::Result<()> {
    let session = sim.manager_session();
    for (name, role) in &mut config.roles {
        // kChat keeps the operator's team if one was set, else the tenant's first team.
        let mut defaults = role.base_url.defaults().to_vec();
        let (url, auth) = match name.as_str() {
            KCHAT_ROLE => {
                if defaults.is_empty() {
                    defaults.push(("team".to_owned(), sim.kchat_team()));
                }
                (
                    sim.kchat_url(),
                    AuthSettings::Bearer {
                        token: SecretSetting::given(sim.token()),
                    },
                )
            }
            API_ROLE => (
                sim.api_url().to_owned(),
                AuthSettings::Bearer {
                    token: SecretSetting::given(sim.token()),
                },
            ),
            MANAGER_ROLE => (
                sim.manager_url().to_owned(),
                AuthSettings::ManagerSession {
                    session: SecretSetting::given(session.sasession.clone()),
                    xsrf: SecretSetting::given(session.xsrf.clone()),
                },
            ),
            other => {
                bail!("sandbox mode cannot repoint the role {other} (host bug: checked first)")
            }
        };
        *role = RoleSettings {
            base_url: BaseUrl::parse(&url)
                .and_then(|b| b.with_defaults(defaults))
                .map_err(|e| anyhow::anyhow!(e))?,
            auth,
            ..role.clone()
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml: &str) -> Config {
        crate::config::tests::from_toml(toml, &[])
    }

    #[test]
    fn a_role_the_tenant_does_not_simulate_is_refused() {
        let cfg = config(
            "[roles.acme]\nbase_url = \"https://api.acme.example\"\nauth = { type = \"bearer\", token_env = \"ACME\" }\n",
        );
        let err = check_roles(&cfg).unwrap_err().to_string();
        assert!(
            err.contains("acme") && err.contains("real service"),
            "{err}"
        );
        assert!(check_roles(&config("")).is_ok());
    }

    #[tokio::test]
    async fn every_role_points_at_the_tenant_with_its_credentials() {
        let mut cfg = config(
            "[roles.infomaniak-api]\nbase_url = \"https://api.infomaniak.com\"\nauth = { type = \"bearer\", token_env = \"REAL\" }\n",
        );
        let sim = ikmcp_sim::Sim::start(ikmcp_sim::SimConfig::default())
            .await
            .unwrap();
        repoint(&mut cfg, &sim).unwrap();
        for (name, role) in &cfg.roles {
            let url = role.base_url.resolve(&role.base_url.complete(&[])).unwrap();
            assert_eq!(url.host_str(), Some("127.0.0.1"), "{name}");
            assert!(role.auth.missing().is_empty(), "{name}");
        }
        assert_eq!(cfg.roles[API_ROLE].auth.secrets()[0].expose(), sim.token());
        let kchat = &cfg.roles[KCHAT_ROLE].base_url;
        assert_eq!(kchat.placeholders(), ["team"], "the placeholder stays real");
        assert_eq!(kchat.complete(&[])[0].1, sim.kchat_team());
    }
}
