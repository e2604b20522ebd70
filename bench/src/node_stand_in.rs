//! The Node stand-in: what the peer servers are built on (the official TypeScript MCP SDK
//! over stdio, fetch for the upstream), serving the tool scenario 2 measures with the same
//! upstream requests, so ikmcp's figures get a ratio measured in the same run, on the same
//! tenant, by the same client. Its sources are `bench/node/`; the bench installs its
//! dependencies with `npm ci` into the target dir (never into the source tree) and skips
//! the comparison, saying why, when node or npm is missing or the install fails.

use std::path::Path;
use std::process::Stdio;

use anyhow::{Context, bail};
use ikmcp_sim::SimHandle;
use serde::Serialize;
use serde_json::Value;

use crate::calls::{READ_TOOL, WARM_UP, timed_calls};
use crate::server::Server;
use crate::stats::Summary;
use crate::wire::Wire;

const PACKAGE_JSON: &str = include_str!("../node/package.json");
const PACKAGE_LOCK: &str = include_str!("../node/package-lock.json");
const SERVER_JS: &str = include_str!("../node/server.js");

/// What became of the comparison.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum NodeComparison {
    /// Measured.
    Measured(NodeStandIn),
    /// Not measured, and why.
    Skipped {
        /// What was missing or failed, and what to do.
        reason: String,
    },
}

/// The stand-in's figures, and how ikmcp compares.
#[derive(Debug, Serialize)]
pub struct NodeStandIn {
    /// `node --version`.
    pub node_version: String,
    /// Spawn -> initialize -> `tools/list` answer.
    pub cold_start: Summary,
    /// Sequential `tools/call` round trips of the same tool with the same arguments.
    pub per_call: Summary,
    /// Peak RSS (`VmHWM`) after the calls, in KiB.
    pub peak_rss_kib: u64,
    /// Node's figure over ikmcp's (above 1: ikmcp is better by that factor).
    pub ratios: Ratios,
}

/// Node stand-in figure / ikmcp figure, each measured in this run.
#[derive(Debug, Serialize, PartialEq)]
pub struct Ratios {
    /// Cold start p50 (ikmcp: warm precompile cache).
    pub cold_start_p50: f64,
    /// Per-call p50 (ikmcp: one client, sequential).
    pub per_call_p50: f64,
    /// Per-call p99.
    pub per_call_p99: f64,
    /// Peak RSS after the sequential calls.
    pub peak_rss: f64,
}

/// ikmcp's figures the stand-in is compared with.
pub struct Ikmcp<'a> {
    /// Warm-cache cold start.
    pub cold_start: &'a Summary,
    /// Sequential calls.
    pub per_call: &'a Summary,
    /// Peak RSS after the sequential calls, in KiB.
    pub peak_rss_kib: u64,
}

impl Ratios {
    /// Node's figures over ikmcp's.
    pub fn of(node: &NodeStandIn, ikmcp: &Ikmcp) -> Ratios {
        let ratio = |n: f64, i: f64| if i > 0.0 { n / i } else { f64::NAN };
        Ratios {
            cold_start_p50: ratio(node.cold_start.p50_ms, ikmcp.cold_start.p50_ms),
            per_call_p50: ratio(node.per_call.p50_ms, ikmcp.per_call.p50_ms),
            per_call_p99: ratio(node.per_call.p99_ms, ikmcp.per_call.p99_ms),
            peak_rss: ratio(node.peak_rss_kib as f64, ikmcp.peak_rss_kib as f64),
        }
    }
}

/// Installs the stand-in under `dir` and measures `runs` cold starts and `calls` calls with
/// `args` against `sim`; `ikmcp` gives the ratios.
pub async fn run(
    sim: &SimHandle,
    dir: &Path,
    args: &Value,
    runs: usize,
    calls: usize,
    ikmcp: &Ikmcp<'_>,
) -> anyhow::Result<NodeComparison> {
    let node_version = match tokio::process::Command::new("node")
        .arg("--version")
        .output()
        .await
    {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        _ => {
            return Ok(skipped(
                "node is not on PATH: install Node.js 20+ to compare",
            ));
        }
    };
    if let Err(reason) = install(dir).await {
        return Ok(skipped(&reason));
    }
    let mut cold = Vec::with_capacity(runs);
    for _ in 0..runs {
        let server = start(sim, dir).await?;
        let tools = server.tools().await?;
        cold.push(server.spawned_at().elapsed());
        server.stop().await;
        if !tools.iter().any(|t| t.name == READ_TOOL) {
            bail!("the Node stand-in does not list {READ_TOOL}");
        }
    }
    let (cmd, home) = command(sim, dir)?;
    let no_audit = home.path().join("no-audit-log");
    let server = Wire::spawn(cmd, home, no_audit, "the Node stand-in").await?;
    let (server, times) = timed_calls(server, args, WARM_UP, calls).await?;
    let peak_rss_kib = server.peak_rss_kib()?;
    server.stop();
    let mut node = NodeStandIn {
        node_version,
        cold_start: Summary::of(&cold).context("no Node cold start measured")?,
        per_call: Summary::of(&times).context("no Node call measured")?,
        peak_rss_kib,
        ratios: Ratios {
            cold_start_p50: 0.0,
            per_call_p50: 0.0,
            per_call_p99: 0.0,
            peak_rss: 0.0,
        },
    };
    node.ratios = Ratios::of(&node, ikmcp);
    Ok(NodeComparison::Measured(node))
}

fn skipped(reason: &str) -> NodeComparison {
    eprintln!("bench: Node stand-in skipped: {reason}");
    NodeComparison::Skipped {
        reason: reason.to_string(),
    }
}

/// Writes the stand-in's sources into `dir` and runs `npm ci` there, unless the same lock
/// file was installed before. Errors are the skip reason.
async fn install(dir: &Path) -> Result<(), String> {
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).map_err(|e| format!("writing {name}: {e}"))
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    write("package.json", PACKAGE_JSON)?;
    write("package-lock.json", PACKAGE_LOCK)?;
    write("server.js", SERVER_JS)?;
    let stamp = dir.join("node_modules").join(".ikmcp-bench-installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(PACKAGE_LOCK) {
        return Ok(());
    }
    eprintln!("bench: npm ci for the Node stand-in in {}", dir.display());
    let out = tokio::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| format!("npm cannot be run ({e}): install npm to compare with Node"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(format!(
            "`npm ci` in {} failed ({}): {}; is the npm registry reachable?",
            dir.display(),
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ));
    }
    std::fs::write(&stamp, PACKAGE_LOCK).map_err(|e| format!("writing {}: {e}", stamp.display()))
}

/// Spawns the stand-in against `sim` with a clean environment, like ikmcp is.
async fn start(sim: &SimHandle, dir: &Path) -> anyhow::Result<Server> {
    let (cmd, home) = command(sim, dir)?;
    Server::spawn(cmd, home, "the Node stand-in").await
}

/// The stand-in's command against `sim`, with a clean environment and its own HOME.
fn command(
    sim: &SimHandle,
    dir: &Path,
) -> anyhow::Result<(tokio::process::Command, tempfile::TempDir)> {
    let home = tempfile::tempdir().context("creating a temporary HOME")?;
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(dir.join("server.js"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("INFOMANIAK_API_URL", sim.api_url())
        .env("INFOMANIAK_API_TOKEN", sim.token());
    Ok((cmd, home))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(p50_ms: f64, p99_ms: f64) -> Summary {
        Summary {
            n: 1,
            min_ms: p50_ms,
            p50_ms,
            p99_ms,
            max_ms: p99_ms,
        }
    }

    #[test]
    fn ratios_are_node_over_ikmcp() {
        let node = NodeStandIn {
            node_version: "v20".into(),
            cold_start: summary(260.0, 300.0),
            per_call: summary(0.9, 6.0),
            peak_rss_kib: 120 * 1024,
            ratios: Ratios {
                cold_start_p50: 0.0,
                per_call_p50: 0.0,
                per_call_p99: 0.0,
                peak_rss: 0.0,
            },
        };
        let (cold, call) = (summary(13.0, 20.0), summary(0.45, 1.5));
        let ikmcp = Ikmcp {
            cold_start: &cold,
            per_call: &call,
            peak_rss_kib: 24 * 1024,
        };
        assert_eq!(
            Ratios::of(&node, &ikmcp),
            Ratios {
                cold_start_p50: 20.0,
                per_call_p50: 2.0,
                per_call_p99: 4.0,
                peak_rss: 5.0,
            }
        );
    }

    #[test]
    fn the_committed_sources_are_what_gets_installed() {
        let package: Value = serde_json::from_str(PACKAGE_JSON).unwrap();
        let lock: Value = serde_json::from_str(PACKAGE_LOCK).unwrap();
        let sdk = &package["dependencies"]["@modelcontextprotocol/sdk"];
        assert_eq!(
            &lock["packages"]["node_modules/@modelcontextprotocol/sdk"]["version"], sdk,
            "package-lock.json pins the SDK package.json names"
        );
        assert!(
            SERVER_JS.contains(READ_TOOL),
            "the stand-in serves {READ_TOOL}"
        );
    }
}
