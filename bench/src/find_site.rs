//! Part "find_site": `infomaniak_find_site` on the `fleet` tenant (46 web hostings, one of
//! them with two pages of sites), the issue's "≤ 3 upstream requests where the peers scan
//! every hosting". Each path is measured on its own: the product index (the tenant lists
//! sites under `/1/products?fqdn=`, the [L] inference the tool's fast path relies on), the
//! scan the tool falls back to when the index lists no site, and a name no site has (a full
//! scan). Upstream requests are counted in the tenant's request log, not taken from the tool.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ikmcp_sim::{Faults, Scale, SimHandle};
use serde::Serialize;
use serde_json::json;

use crate::server::Server;
use crate::stats::Summary;
use crate::tenant;

/// The tool measured.
pub const TOOL: &str = "infomaniak_find_site";

/// Calls made before measuring (plugin instantiation, connection set-up).
const WARM_UP: usize = 3;

/// Sites looked up per path (spread over the fleet's sites).
const SAMPLES: usize = 25;

/// One lookup path: call times and upstream requests per call.
#[derive(Debug, Serialize)]
pub struct PathFigures {
    /// Call times.
    pub time: Summary,
    /// Fewest upstream requests of one call.
    pub requests_min: usize,
    /// Median upstream requests per call.
    pub requests_p50: usize,
    /// Most upstream requests of one call.
    pub requests_max: usize,
}

/// The part's figures.
#[derive(Debug, Serialize)]
pub struct FindSite {
    /// Web hostings and sites of the tenant.
    pub hostings: usize,
    /// Sites of the tenant.
    pub sites: usize,
    /// Found through `/1/products?fqdn=` then the site.
    pub index: PathFigures,
    /// Found by scanning hostings (the index lists no site).
    pub scan: PathFigures,
    /// A name no site has (every hosting read).
    pub miss: PathFigures,
}

/// Runs the three paths against a fresh fleet tenant, client-side rate limit off.
pub async fn run(bin: &Path, cache_dir: &Path) -> anyhow::Result<FindSite> {
    eprintln!("bench: {TOOL} on the fleet tenant (product index, scan, miss)");
    let sim = tenant::start(Scale::Fleet, None).await?;
    let server = tenant::launch(&sim, bin, cache_dir, 0).start().await?;
    let (hostings, names) = sim.with_world(|w| {
        let step = (w.sites.len() / SAMPLES).max(1);
        let names: Vec<String> = w
            .sites
            .iter()
            .step_by(step)
            .take(SAMPLES)
            .map(|s| s.main_fqdn.clone())
            .collect();
        (w.web_hostings.len(), names)
    });
    let sites = sim.with_world(|w| w.sites.len());
    for name in names.iter().take(WARM_UP) {
        lookup(&server, &sim, name, true).await?;
    }
    let index = measure(&server, &sim, &names, true).await?;
    sim.set_faults(Faults {
        products_without_sites: true,
        ..Faults::default()
    })
    .map_err(anyhow::Error::msg)?;
    let scan = measure(&server, &sim, &names, true).await?;
    let misses: Vec<String> = (0..5).map(|i| format!("nowhere{i}.example.org")).collect();
    let miss = measure(&server, &sim, &misses, false).await?;
    server.stop().await;
    sim.shutdown().await;
    Ok(FindSite {
        hostings,
        sites,
        index,
        scan,
        miss,
    })
}

/// Looks up every name of `names`, each expected found (or not).
async fn measure(
    server: &Server,
    sim: &SimHandle,
    names: &[String],
    found: bool,
) -> anyhow::Result<PathFigures> {
    let (mut times, mut requests) = (Vec::new(), Vec::new());
    for name in names {
        let (time, n) = lookup(server, sim, name, found).await?;
        times.push(time);
        requests.push(n);
    }
    requests.sort_unstable();
    Ok(PathFigures {
        time: Summary::of(&times).context("no lookup measured")?,
        requests_min: requests[0],
        requests_p50: requests[requests.len() / 2],
        requests_max: requests[requests.len() - 1],
    })
}

/// One call: its time and the upstream requests the tenant answered meanwhile.
async fn lookup(
    server: &Server,
    sim: &SimHandle,
    name: &str,
    found: bool,
) -> anyhow::Result<(Duration, usize)> {
    let before = sim.requests().last().map_or(0, |r| r.seq);
    let start = Instant::now();
    let out = server.call_ok(TOOL, &json!({ "domain": name })).await?;
    let time = start.elapsed();
    if out["found"] != found {
        bail!("{TOOL} {name}: expected found={found}, got {out}");
    }
    let n = sim.requests().iter().filter(|r| r.seq > before).count();
    Ok((time, n))
}

impl FindSite {
    /// The part's table.
    pub fn table(&self) -> String {
        let mut t = format!(
            "{TOOL} on the fleet tenant ({} hostings, {} sites)\n  {:<26} {:>9} {:>9} {:>15}\n",
            self.hostings, self.sites, "path", "p50 ms", "max ms", "requests (p50/max)"
        );
        for (label, p) in [
            ("product index", &self.index),
            ("scan (index has no site)", &self.scan),
            ("name no site has", &self.miss),
        ] {
            t.push_str(&format!(
                "  {:<26} {:>9.1} {:>9.1} {:>9}/{}\n",
                label, p.time.p50_ms, p.time.max_ms, p.requests_p50, p.requests_max
            ));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p50: f64, req: usize) -> PathFigures {
        PathFigures {
            time: Summary::of(&[Duration::from_secs_f64(p50 / 1e3)]).unwrap(),
            requests_min: req,
            requests_p50: req,
            requests_max: req,
        }
    }

    #[test]
    fn the_table_names_each_path_with_its_requests() {
        let t = FindSite {
            hostings: 46,
            sites: 330,
            index: path(4.0, 2),
            scan: path(40.0, 12),
            miss: path(90.0, 49),
        }
        .table();
        assert!(t.contains("46 hostings, 330 sites"), "{t}");
        assert!(t.contains("product index") && t.contains("2/2"), "{t}");
        assert!(t.contains("name no site has") && t.contains("49/49"), "{t}");
    }
}
