//! Reference point for "lighter than Node-based MCP servers": the floor any of them starts
//! from. A bare `node` process that prints one line and waits on stdin loads no MCP SDK,
//! no HTTP client and no tool definitions, so every real Node server starts slower and
//! holds more memory than this. Measured only when `node` is on PATH.

use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::stats::Summary;

/// The script: announce readiness, then keep the event loop alive on stdin like a stdio server.
const SCRIPT: &str = "process.stdout.write('ready\\n'); process.stdin.resume();";

/// Bare Node.js figures.
#[derive(Debug, Serialize)]
pub struct NodeFloor {
    /// `node --version`.
    pub version: String,
    /// Spawn to the `ready` line.
    pub ready: Summary,
    /// Median peak RSS (`VmHWM`) once ready, in KiB.
    pub peak_rss_kib: u64,
}

/// Measures `runs` bare starts, or `None` when `node` cannot be run.
pub async fn run(runs: usize) -> anyhow::Result<Option<NodeFloor>> {
    let Ok(output) = command().arg("--version").output().await else {
        return Ok(None);
    };
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let mut times = Vec::with_capacity(runs);
    let mut rss = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (time, kib) = start_once().await?;
        times.push(time);
        rss.push(kib);
    }
    rss.sort_unstable();
    Ok(Some(NodeFloor {
        version,
        ready: Summary::of(&times).context("no node start measured")?,
        peak_rss_kib: rss[rss.len() / 2],
    }))
}

fn command() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new("node");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .kill_on_drop(true);
    cmd
}

async fn start_once() -> anyhow::Result<(Duration, u64)> {
    let started = Instant::now();
    let mut child = command()
        .args(["-e", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting node")?;
    let stdout = child.stdout.take().context("node has no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .context("reading node's ready line")?;
    let elapsed = started.elapsed();
    if line.trim() != "ready" {
        bail!("node printed {line:?} instead of its ready line");
    }
    let pid = child
        .id()
        .context("node exited before it could be measured")?;
    let kib = crate::procfs::peak_rss_kib(pid)?;
    child.kill().await.context("stopping node")?;
    Ok((elapsed, kib))
}
