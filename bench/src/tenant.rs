//! The sandbox tenant (`ikmcp-sim`) in this process: what the servers under test talk to,
//! and what counts the requests they send.

use std::path::Path;

use anyhow::Context;
use ikmcp_sim::{Scale, Sim, SimConfig, SimHandle};

use crate::server::Launch;

/// Starts a tenant with a fixed seed (same data every run). `rate_limit_per_minute: None`
/// turns the tenant's own 429 limit off.
pub async fn start(scale: Scale, rate_limit_per_minute: Option<u32>) -> anyhow::Result<SimHandle> {
    Sim::start(SimConfig {
        seed: 42,
        scale,
        rate_limit_per_minute,
        ..SimConfig::default()
    })
    .await
    .context("starting the sandbox tenant on loopback")
}

/// How to launch `ikmcp` against this tenant, with the default configuration.
pub fn launch(sim: &SimHandle, bin: &Path, cache_dir: &Path, requests_per_minute: u32) -> Launch {
    Launch {
        bin: bin.to_path_buf(),
        api_url: sim.api_url().to_string(),
        token: sim.token().to_string(),
        cache_dir: cache_dir.to_path_buf(),
        requests_per_minute,
        config: String::new(),
        audit_log: None,
    }
}

/// The zone with the fewest records (at least one), and its record count.
pub fn smallest_zone(sim: &SimHandle) -> anyhow::Result<(String, usize)> {
    sim.with_world(|w| {
        w.zones
            .iter()
            .filter(|z| !z.records.is_empty())
            .min_by_key(|z| (z.records.len(), z.fqdn.clone()))
            .map(|z| (z.fqdn.clone(), z.records.len()))
    })
    .context("the sandbox tenant has no zone with records")
}

/// How many DNS zones the tenant holds.
pub fn zone_count(sim: &SimHandle) -> usize {
    sim.with_world(|w| w.zones.len())
}
