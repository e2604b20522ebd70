//! `ikmcp serve --sandbox`: a simulated Infomaniak tenant in-process, so anyone can try
//! every tool without an account and without anything leaving the machine.

use anyhow::Context;

use crate::config::{API_ROLE, Config, MANAGER_ROLE};
use crate::secret::Secret;

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

/// Starts the simulated tenant and points every upstream role of `config` at it.
pub async fn start(config: &mut Config, seed: u64, scale: Scale) -> anyhow::Result<Tenant> {
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
    let api = config
        .roles
        .get_mut(API_ROLE)
        .context("the infomaniak-api role is missing")?;
    api.base_url = url::Url::parse(sim.api_url())?;
    api.token = Some(Secret::new(sim.token()));
    if let Some(manager) = config.roles.get_mut(MANAGER_ROLE) {
        manager.base_url = url::Url::parse(sim.manager_url())?;
        let session = sim.manager_session();
        manager.manager_session = Some((Secret::new(session.sasession), Secret::new(session.xsrf)));
    }
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
