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
    /// Domains the audit reported as audited.
    pub domains_scanned: u64,
    /// Domains the audit reported as failed (an upstream error on that zone).
    pub domains_failed: u64,
    /// Distinct zones whose records the audit read (from the tenant's log).
    pub zones_read: usize,
    /// Requests the tenant received during the audit.
    pub upstream_requests: usize,
    /// Of which answered 429.
    pub rate_limited_429: usize,
    /// Wall time of the `tools/call`, as the client saw it.
    pub wall_s: f64,
    /// `upstream_requests / 60` minutes, in seconds: the time at a steady one per second.
    pub floor_plain_s: f64,
    /// The rolling-window floor, in seconds: with at most 60 requests in any 60 s, request
    /// `n` (from 0) cannot leave before `floor(n / 60)` minutes, so the last one of
    /// `upstream_requests` not before `floor((upstream_requests - 1) / 60)` minutes.
    pub floor_window_s: f64,
    /// `wall_s / floor_window_s` (1.0 = as fast as the limit allows).
    pub wall_over_floor: f64,
    /// Why the audit failed with the default configuration, when it did.
    pub default_config_failure: Option<String>,
    /// The per-call deadline the figures were measured with, when the default was too short.
    pub call_timeout_raised_to_s: Option<u64>,
}

/// Runs one audit of every zone of the fleet tenant with the default configuration. If
/// the host's per-call deadline stops it, says so and measures again on a fresh tenant
/// with the deadline raised, so the figures still describe a whole-fleet audit.
pub async fn run(bin: &Path, cache_dir: &Path) -> anyhow::Result<Audit> {
    match attempt(bin, cache_dir, "").await? {
        Outcome::Done(audit) => Ok(audit),
        Outcome::DeadlineHit(message) => {
            let config = format!("[limits]\ncall_timeout_seconds = {RAISED_CALL_TIMEOUT_S}\n");
            match attempt(bin, cache_dir, &config).await? {
                Outcome::Done(audit) => Ok(Audit {
                    default_config_failure: Some(message),
                    call_timeout_raised_to_s: Some(RAISED_CALL_TIMEOUT_S),
                    ..audit
                }),
                Outcome::DeadlineHit(again) => bail!(
                    "{AUDIT_TOOL} hit the call deadline even at {RAISED_CALL_TIMEOUT_S} s: {again}"
                ),
            }
        }
    }
}

/// Per-call deadline (`limits.call_timeout_seconds`) of the second attempt.
pub const RAISED_CALL_TIMEOUT_S: u64 = 600;

/// How one attempt ended.
enum Outcome {
    /// The audit finished.
    Done(Audit),
    /// The host's per-call deadline stopped the audit (its message).
    DeadlineHit(String),
}

/// One audit on a fresh fleet tenant, `config` being the host's TOML configuration.
async fn attempt(bin: &Path, cache_dir: &Path, config: &str) -> anyhow::Result<Outcome> {
    let sim = tenant::start(ikmcp_sim::Scale::Fleet, Some(REQUESTS_PER_MINUTE)).await?;
    let zones = tenant::zone_count(&sim);
    let mut launch = tenant::launch(&sim, bin, cache_dir, REQUESTS_PER_MINUTE);
    launch.config = config.to_string();
    let server = launch.start().await?;
    let tools = server.tools().await?;
    let args = unlimited_args(&tools)?;
    sim.set_faults(Faults {
        latency_ms: LATENCY_MS,
        ..Faults::default()
    })
    .map_err(|e| anyhow::anyhow!("the tenant refused the latency fault: {e}"))?;
    sim.clear_requests();
    let started = Instant::now();
    let result = tokio::time::timeout(TIMEOUT, server.call(AUDIT_TOOL, &args))
        .await
        .with_context(|| format!("{AUDIT_TOOL} took more than {TIMEOUT:?}"))??;
    let wall = started.elapsed();
    server.stop().await;
    let requests = sim.requests();
    sim.shutdown().await;
    let out = result.structured_content.clone().unwrap_or(Value::Null);
    if result.is_error == Some(true) {
        let text = crate::server::text(&result);
        if out["error"]["code"] == "plugin_timeout" {
            let first_line = text.lines().next().unwrap_or_default();
            return Ok(Outcome::DeadlineHit(format!(
                "{first_line} (after {:.1} s and {} upstream requests)",
                wall.as_secs_f64(),
                requests.len()
            )));
        }
        bail!("{AUDIT_TOOL} returned an error: {text}");
    }
    let (domains_scanned, domains_failed) = coverage(&out)?;
    let upstream_requests = requests.len();
    let floor = window_floor_s(upstream_requests, REQUESTS_PER_MINUTE);
    Ok(Outcome::Done(Audit {
        zones,
        domains_scanned,
        domains_failed,
        zones_read: zones_read(requests.iter().map(|r| r.path.as_str())),
        upstream_requests,
        rate_limited_429: requests.iter().filter(|r| r.status == 429).count(),
        wall_s: wall.as_secs_f64(),
        floor_plain_s: upstream_requests as f64 * 60.0 / f64::from(REQUESTS_PER_MINUTE),
        floor_window_s: floor,
        wall_over_floor: if floor > 0.0 {
            wall.as_secs_f64() / floor
        } else {
            0.0
        },
        default_config_failure: None,
        call_timeout_raised_to_s: None,
    }))
}

/// The audit's arguments: none, so no `max_domains` cap (the tool audits every domain by
/// default). Refuses to run when the server does not offer the tool.
fn unlimited_args(tools: &[Tool]) -> anyhow::Result<Value> {
    if !tools.iter().any(|t| t.name == AUDIT_TOOL) {
        bail!("ikmcp does not offer {AUDIT_TOOL}: is the DNS plugin built? (`make plugins`)");
    }
    Ok(json!({}))
}

/// `(scanned, failed)` from the audit's answer; an audit that stopped early or skipped
/// domains is an error, since its timing would not be that of a whole-fleet audit.
fn coverage(out: &Value) -> anyhow::Result<(u64, u64)> {
    let field = |name: &str| {
        out[name]
            .as_u64()
            .with_context(|| format!("{AUDIT_TOOL} answered without {name}: {out}"))
    };
    let (total, scanned, failed) = (field("total_domains")?, field("scanned")?, field("failed")?);
    if let Some(why) = out["stopped_early"].as_str() {
        bail!("{AUDIT_TOOL} stopped early: {why}");
    }
    if scanned + failed != total {
        bail!("{AUDIT_TOOL} covered {scanned} + {failed} of {total} domains");
    }
    Ok((scanned, failed))
}

/// Seconds before the last of `requests` may leave when at most `requests_per_minute`
/// go in any rolling minute: every full budget after the first costs one minute.
pub fn window_floor_s(requests: usize, requests_per_minute: u32) -> f64 {
    let budget = (requests_per_minute as usize).max(1);
    (requests.saturating_sub(1) / budget) as f64 * 60.0
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
    fn the_floor_costs_a_minute_per_full_budget_after_the_first() {
        assert_eq!(window_floor_s(0, 60), 0.0);
        assert_eq!(window_floor_s(60, 60), 0.0);
        assert_eq!(window_floor_s(61, 60), 60.0);
        assert_eq!(window_floor_s(120, 60), 60.0);
        assert_eq!(window_floor_s(121, 60), 120.0);
        assert_eq!(window_floor_s(61, 30), 120.0);
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

    #[test]
    fn the_audit_runs_without_arguments_only_if_offered() {
        let schema = json!({"type": "object"});
        let tool = Tool::new(
            AUDIT_TOOL,
            "audit",
            std::sync::Arc::new(schema.as_object().unwrap().clone()),
        );
        assert_eq!(unlimited_args(&[tool]).unwrap(), json!({}));
        let err = unlimited_args(&[]).unwrap_err().to_string();
        assert!(
            err.contains(AUDIT_TOOL) && err.contains("make plugins"),
            "{err}"
        );
    }

    #[test]
    fn coverage_must_be_the_whole_fleet() {
        let whole = json!({"total_domains": 60, "scanned": 59, "failed": 1});
        assert_eq!(coverage(&whole).unwrap(), (59, 1));
        let partial = json!({"total_domains": 60, "scanned": 20, "failed": 0});
        assert!(
            coverage(&partial)
                .unwrap_err()
                .to_string()
                .contains("20 + 0 of 60")
        );
        let stopped =
            json!({"total_domains": 60, "scanned": 60, "failed": 0, "stopped_early": "budget"});
        assert!(
            coverage(&stopped)
                .unwrap_err()
                .to_string()
                .contains("budget")
        );
        assert!(coverage(&json!({"scanned": 1})).is_err());
    }
}
