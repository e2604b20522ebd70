//! Scenario 1: cold start, the wait a user has before the first tool shows up in their
//! client: spawn `ikmcp` with every available plugin, `initialize`, and the `tools/list`
//! answer. Measured with a warm precompile cache and with an empty one.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use ikmcp_sim::SimHandle;
use serde::Serialize;

use crate::server::Launch;
use crate::stats::Summary;
use crate::tenant;

/// Cold-start figures.
#[derive(Debug, Serialize)]
pub struct ColdStart {
    /// Spawn to `tools/list` answer with the precompile cache already populated.
    pub warm_cache: Summary,
    /// Spawn to `tools/list` answer with a fresh, empty cache directory each run.
    pub empty_cache: Summary,
    /// Tools the server offered.
    pub tools: usize,
}

/// Runs `runs` warm and `runs` empty starts, alternating so machine noise hits both alike.
pub async fn run(sim: &SimHandle, bin: &Path, runs: usize) -> anyhow::Result<ColdStart> {
    let warm_dir = tempfile::tempdir().context("creating the warm cache directory")?;
    let warm = tenant::launch(sim, bin, warm_dir.path(), 0);
    let tools = start_once(&warm).await?.1;
    if !tools.iter().any(|t| t == crate::calls::READ_TOOL) {
        bail!(
            "ikmcp does not offer {}: build the plugins first (`make plugins`), they are \
             found beside the binary",
            crate::calls::READ_TOOL
        );
    }
    if dir_is_empty(warm_dir.path())? {
        bail!(
            "ikmcp left IKMCP_CACHE_DIR={} empty: it did not write its precompile cache, so a \
             warm start cannot be measured",
            warm_dir.path().display()
        );
    }
    let mut warm_times = Vec::with_capacity(runs);
    let mut empty_times = Vec::with_capacity(runs);
    for _ in 0..runs {
        warm_times.push(start_once(&warm).await?.0);
        let empty_dir = tempfile::tempdir().context("creating an empty cache directory")?;
        let empty = tenant::launch(sim, bin, empty_dir.path(), 0);
        empty_times.push(start_once(&empty).await?.0);
    }
    Ok(ColdStart {
        warm_cache: Summary::of(&warm_times).context("no warm start measured")?,
        empty_cache: Summary::of(&empty_times).context("no empty-cache start measured")?,
        tools: tools.len(),
    })
}

/// One start: the time from spawn to the `tools/list` answer, and the tool names.
async fn start_once(launch: &Launch) -> anyhow::Result<(Duration, Vec<String>)> {
    let server = launch.start().await?;
    let tools = server.tools().await?;
    let elapsed = server.spawned_at().elapsed();
    server.stop().await;
    Ok((
        elapsed,
        tools.into_iter().map(|t| t.name.to_string()).collect(),
    ))
}

fn dir_is_empty(dir: &Path) -> anyhow::Result<bool> {
    let mut entries =
        std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    Ok(entries.next().is_none())
}
