//! Scenario 5: upstream efficiency. A fleet-wide DNS audit against a tenant that enforces
//! Infomaniak's real limit (60 requests per minute per token) and answers every request
//! 100 ms late: how many requests the audit needs, how long it takes against the floor the
//! limit allows, and whether the host ever overran the limit (429s).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ikmcp_sim::Faults;
use rmcp::model::Tool;
use serde::Serialize;
use serde_json::{Value, json};

use crate::tenant;

/// The audit tool measured.
pub const AUDIT_TOOL: &str = "infomaniak_audit_dns_zones";

/// Infomaniak's limit per token, which the tenant enforces here.
pub const REQUESTS_PER_MINUTE: u32 = 60;

/// Latency the tenant adds to every request.
pub const LATENCY_MS: u64 = 100;

/// Upper bound of one audit; a run that takes longer is reported as a failure.
const TIMEOUT: Duration = Duration::from_secs(600);

/// Upstream-efficiency figures.
#[derive(Debug, Serialize)]
pub struct Audit {
    /// Zones in the tenant.
    pub zones: usize,
    /// Distinct zones whose records the audit read.
    pub zones_read: usize,
    /// Requests the tenant received during the audit.
    pub upstream_requests: usize,
    /// Of which answered 429.
    pub rate_limited_429: usize,
    /// Wall time of the `tools/call`, as the client saw it.
    pub wall_s: f64,
    /// `upstream_requests / 60` minutes, in seconds: the floor with no burst at all.
    pub floor_plain_s: f64,
    /// `max(0, upstream_requests - burst) / 60` minutes, in seconds: the floor once the
    /// host's initial burst allowance is spent.
    pub floor_after_burst_s: f64,
    /// The host's burst allowance used for that floor.
    pub host_burst: u32,
    /// `wall_s / floor_after_burst_s` (1.0 = as fast as the limit allows).
    pub wall_over_floor: f64,
}

/// Runs one audit of every zone of the fleet tenant.
pub async fn run(bin: &Path, cache_dir: &Path) -> anyhow::Result<Audit> {
    let sim = tenant::start(ikmcp_sim::Scale::Fleet, Some(REQUESTS_PER_MINUTE)).await?;
    let zones = tenant::zone_count(&sim);
    let server = tenant::launch(&sim, bin, cache_dir, REQUESTS_PER_MINUTE)
        .start()
        .await?;
    let tools = server.tools().await?;
    let args = unlimited_args(&tools, zones)?;
    sim.set_faults(Faults {
        latency_ms: LATENCY_MS,
        ..Faults::default()
    })
    .map_err(|e| anyhow::anyhow!("the tenant refused the latency fault: {e}"))?;
    sim.clear_requests();
    let started = Instant::now();
    let out = tokio::time::timeout(TIMEOUT, server.call_ok(AUDIT_TOOL, &args))
        .await
        .with_context(|| format!("{AUDIT_TOOL} took more than {TIMEOUT:?}"))??;
    let wall = started.elapsed();
    server.stop().await;
    let requests = sim.requests();
    sim.shutdown().await;
    if out.is_null() {
        bail!("{AUDIT_TOOL} answered without structured content");
    }
    let upstream_requests = requests.len();
    let host_burst = host_burst(REQUESTS_PER_MINUTE);
    let floor = floor_s(upstream_requests, host_burst, REQUESTS_PER_MINUTE);
    Ok(Audit {
        zones,
        zones_read: zones_read(requests.iter().map(|r| r.path.as_str())),
        upstream_requests,
        rate_limited_429: requests.iter().filter(|r| r.status == 429).count(),
        wall_s: wall.as_secs_f64(),
        floor_plain_s: floor_s(upstream_requests, 0, REQUESTS_PER_MINUTE),
        floor_after_burst_s: floor,
        host_burst,
        wall_over_floor: if floor > 0.0 {
            wall.as_secs_f64() / floor
        } else {
            0.0
        },
    })
}

/// The audit's arguments with no domain cap: the tool's `max_domains` set to its schema
/// maximum or, without one, to the number of zones.
fn unlimited_args(tools: &[Tool], zones: usize) -> anyhow::Result<Value> {
    let tool = tools
        .iter()
        .find(|t| t.name == AUDIT_TOOL)
        .with_context(|| format!("ikmcp does not offer {AUDIT_TOOL}: is the DNS plugin built?"))?;
    let Some(max_domains) = tool
        .input_schema
        .get("properties")
        .and_then(|p| p.get("max_domains"))
    else {
        return Ok(json!({}));
    };
    let cap = max_domains
        .get("maximum")
        .and_then(Value::as_u64)
        .unwrap_or(zones as u64);
    if cap < zones as u64 {
        bail!(
            "{AUDIT_TOOL} caps max_domains at {cap} but the tenant has {zones} zones: the \
             audit cannot cover every zone in one call"
        );
    }
    Ok(json!({ "max_domains": zones }))
}

/// The host's default burst allowance for a per-minute limit: `rpm - rpm/12`, at least 1
/// (55 for 60). It starts a little below the upstream bucket so jitter never causes a 429.
pub fn host_burst(requests_per_minute: u32) -> u32 {
    (requests_per_minute - requests_per_minute / 12).max(1)
}

/// Seconds `requests` need at `requests_per_minute` once `burst` went out at once.
pub fn floor_s(requests: usize, burst: u32, requests_per_minute: u32) -> f64 {
    let paced = requests.saturating_sub(burst as usize);
    paced as f64 * 60.0 / f64::from(requests_per_minute)
}

/// Distinct zones among `/2/zones/{zone}/records` paths.
pub fn zones_read<'a>(paths: impl Iterator<Item = &'a str>) -> usize {
    let mut zones: Vec<&str> = paths
        .filter_map(|p| p.strip_prefix("/2/zones/"))
        .filter_map(|rest| rest.strip_suffix("/records"))
        .collect();
    zones.sort_unstable();
    zones.dedup();
    zones.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_counts_only_requests_after_the_burst() {
        assert_eq!(floor_s(120, 0, 60), 120.0);
        assert_eq!(floor_s(120, 55, 60), 65.0);
        assert_eq!(floor_s(30, 55, 60), 0.0);
        assert_eq!(floor_s(61, 1, 30), 120.0);
    }

    #[test]
    fn host_burst_matches_the_documented_default() {
        assert_eq!(host_burst(60), 55);
        assert_eq!(host_burst(1), 1);
        assert_eq!(host_burst(12), 11);
    }

    #[test]
    fn zones_are_counted_once_from_record_listings_only() {
        let paths = [
            "/2/zones/a.ch/records",
            "/2/zones/a.ch/records",
            "/2/zones/b.ch/records",
            "/2/zones/c.ch",
            "/2/zones/d.ch/records/12",
            "/1/products",
        ];
        assert_eq!(zones_read(paths.into_iter()), 2);
    }

    fn audit_tool(max_domains: Value) -> Tool {
        let schema = json!({"type": "object", "properties": {"max_domains": max_domains}});
        Tool::new(
            AUDIT_TOOL,
            "audit",
            std::sync::Arc::new(schema.as_object().unwrap().clone()),
        )
    }

    #[test]
    fn arguments_lift_the_domain_cap_or_say_why_they_cannot() {
        let tools = [audit_tool(json!({"type": "integer", "maximum": 500}))];
        assert_eq!(
            unlimited_args(&tools, 60).unwrap(),
            json!({"max_domains": 60})
        );
        let tools = [audit_tool(json!({"type": "integer"}))];
        assert_eq!(
            unlimited_args(&tools, 60).unwrap(),
            json!({"max_domains": 60})
        );
        let tools = [audit_tool(json!({"type": "integer", "maximum": 50}))];
        let err = unlimited_args(&tools, 60).unwrap_err().to_string();
        assert!(err.contains("50") && err.contains("60"), "{err}");
        let err = unlimited_args(&[], 60).unwrap_err().to_string();
        assert!(err.contains(AUDIT_TOOL), "{err}");
    }
}
