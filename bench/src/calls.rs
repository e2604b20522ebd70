//! Scenarios 2 and 3: what one read call costs through `ikmcp` compared with the same
//! upstream request sent directly, sequentially and with concurrent clients, and the
//! peak memory of the server before and after the calls.
//!
//! The tenant adds no latency and has its rate limit off, and the host runs with
//! `IKMCP_REQUESTS_PER_MINUTE=0`. The host's share of each call is measured directly: the
//! call's round trip as the client sees it minus the time the host itself spent waiting on
//! the upstream (the `wait_us` of the call's audit line): MCP framing, argument validation,
//! a fresh sandbox instance, the guard and the audit log. The client is the bare one of
//! [`crate::wire`], so the round trip holds the server and the pipes, not a client
//! library's own work; the same calls through rmcp's client are kept as a cross-check, and
//! so is the gap to the same requests replayed with reqwest.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ikmcp_sim::SimHandle;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::server::{Launch, Server};
use crate::stats::Summary;
use crate::tenant;
use crate::wire::Wire;

/// The read tool measured: one zone's records.
pub const READ_TOOL: &str = "infomaniak_dns_list_records";

/// Calls made before measuring, per client, so one-time costs (connection set-up, lazy
/// initialisation, page faults) are not counted as per-call overhead.
pub const WARM_UP: usize = 20;

/// How much work each part does.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Sequential calls through one server.
    pub sequential_calls: usize,
    /// Concurrent clients (one `ikmcp` process each).
    pub clients: usize,
    /// Calls per concurrent client.
    pub calls_per_client: usize,
}

/// Per-call figures.
#[derive(Debug, Serialize)]
pub struct PerCall {
    /// The zone listed (the tenant's smallest).
    pub zone: String,
    /// Records in that zone.
    pub zone_records: usize,
    /// Upstream requests one call sends (replayed as-is for the direct baseline).
    pub upstream_requests_per_call: usize,
    /// One client, one call at a time.
    pub sequential: Comparison,
    /// The same sequential calls through rmcp's MCP client, for comparison: what a client
    /// library adds on its side.
    pub sequential_via_rmcp_client: Summary,
    /// Several clients at once.
    pub concurrent: Comparison,
}

/// Calls through `ikmcp` against the same upstream requests sent directly.
#[derive(Debug, Serialize)]
pub struct Comparison {
    /// Clients running at once.
    pub clients: usize,
    /// Calls per client.
    pub calls_per_client: usize,
    /// Whole `tools/call` round trips, as the MCP client sees them.
    pub via_ikmcp: Summary,
    /// The same upstream request(s) sent with reqwest.
    pub direct: Summary,
    /// Per call: the round trip minus the upstream wait the host measured (audit log).
    pub host_share: Summary,
    /// `host_share.p50`.
    pub host_share_p50_ms: f64,
    /// `host_share.p99`.
    pub host_share_p99_ms: f64,
    /// `via_ikmcp.p50 - direct.p50`: the cross-check against the direct replay.
    pub replay_gap_p50_ms: f64,
    /// `via_ikmcp.p99 - direct.p99`.
    pub replay_gap_p99_ms: f64,
    /// Completed calls per second through `ikmcp`, all clients together.
    pub via_ikmcp_per_s: f64,
    /// Completed direct replays per second, all clients together.
    pub direct_per_s: f64,
}

/// Peak resident memory (`VmHWM`) of `ikmcp`.
#[derive(Debug, Serialize)]
pub struct Memory {
    /// After `initialize` and `tools/list`.
    pub after_start_kib: u64,
    /// After the warm-up and the sequential calls.
    pub after_calls_kib: u64,
    /// Largest of the concurrent servers after their calls.
    pub concurrent_max_kib: u64,
}

/// One upstream request as the tenant recorded it, replayable with reqwest.
#[derive(Debug, Clone)]
struct Upstream {
    method: reqwest::Method,
    path_and_query: String,
}

/// Runs the per-call and memory scenarios against `sim` (rate limit off, no latency).
pub async fn run(
    sim: &SimHandle,
    bin: &Path,
    cache_dir: &Path,
    plan: Plan,
) -> anyhow::Result<(PerCall, Memory)> {
    let (zone, zone_records) = tenant::smallest_zone(sim)?;
    let args = json!({ "zone": zone });
    let launch = tenant::launch(sim, bin, cache_dir, 0);

    let server = launch.start().await?;
    server.tools().await?;
    let after_start_kib = server.peak_rss_kib()?;
    let upstream = recorded_requests(sim, &server, &args).await?;
    let via_rmcp = rmcp_timed_calls(&server, &args, WARM_UP, plan.sequential_calls).await?;
    server.stop().await;

    let server = launch.start_wire().await?;
    let (server, sequential_ikmcp) =
        timed_calls(server, &args, WARM_UP, plan.sequential_calls).await?;
    let sequential_shares = host_shares(server.audit_log(), &sequential_ikmcp)?;
    let after_calls_kib = server.peak_rss_kib()?;
    server.stop();

    let client = reqwest::Client::new();
    let sequential_direct =
        timed_replays(&client, sim, &upstream, WARM_UP, plan.sequential_calls).await?;
    let sequential = compare(
        1,
        plan.sequential_calls,
        sequential_ikmcp,
        sequential_direct,
        &sequential_shares,
    )?;

    let (concurrent_ikmcp, concurrent_shares, concurrent_max_kib) =
        concurrent_calls(&launch, &args, plan).await?;
    let concurrent_direct = concurrent_replays(sim, &upstream, plan).await?;
    let concurrent = compare(
        plan.clients,
        plan.calls_per_client,
        concurrent_ikmcp,
        concurrent_direct,
        &concurrent_shares,
    )?;

    Ok((
        PerCall {
            zone,
            zone_records,
            upstream_requests_per_call: upstream.len(),
            sequential,
            sequential_via_rmcp_client: Summary::of(&via_rmcp)
                .context("no call through the rmcp client was measured")?,
            concurrent,
        },
        Memory {
            after_start_kib,
            after_calls_kib,
            concurrent_max_kib,
        },
    ))
}

/// The upstream requests one call of the read tool sends, from the tenant's log.
async fn recorded_requests(
    sim: &SimHandle,
    server: &Server,
    args: &Value,
) -> anyhow::Result<Vec<Upstream>> {
    sim.clear_requests();
    let out = server.call_ok(READ_TOOL, args).await?;
    if !out["records"].is_array() {
        bail!("{READ_TOOL} answered without a records array: {out}");
    }
    let upstream: Vec<Upstream> = sim
        .requests()
        .into_iter()
        .map(|r| {
            let method = r
                .method
                .parse()
                .with_context(|| format!("the tenant recorded an odd method {:?}", r.method))?;
            let path_and_query = match r.query.as_deref() {
                Some(q) if !q.is_empty() => format!("{}?{q}", r.path),
                _ => r.path,
            };
            Ok(Upstream {
                method,
                path_and_query,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    if upstream.is_empty() {
        bail!("{READ_TOOL} sent no upstream request: nothing to compare with");
    }
    Ok(upstream)
}

/// The host's share of each of the last `times.len()` calls of [`READ_TOOL`] through
/// `server`: the call's time minus the upstream wait its audit line records. Read after
/// the calls, from the server's own audit log, so measuring costs the calls nothing.
fn host_shares(path: &Path, times: &[Duration]) -> anyhow::Result<Vec<Duration>> {
    // Read lines are appended by the server's audit thread just after each call answers:
    // pair the calls with the lines once the log has stopped growing.
    let mut waits: Vec<Duration> = Vec::new();
    for _ in 0..100 {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the audit log {}", path.display()))?;
        let now = upstream_waits(&text, READ_TOOL)?;
        let settled = now.len() == waits.len() && now.len() >= times.len();
        waits = now;
        if settled {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if waits.len() < times.len() {
        bail!(
            "{} holds {} read lines of {READ_TOOL} for {} timed calls",
            path.display(),
            waits.len(),
            times.len()
        );
    }
    let waits = &waits[waits.len() - times.len()..];
    Ok(times
        .iter()
        .zip(waits)
        .map(|(time, wait)| time.saturating_sub(*wait))
        .collect())
}

/// The upstream wait of every successful `read` line of `tool` in an audit log's text, in
/// order: the sum of its requests' `wait_us`.
fn upstream_waits(log: &str, tool: &str) -> anyhow::Result<Vec<Duration>> {
    let mut waits = Vec::new();
    for (i, line) in log.lines().enumerate() {
        let line: Value = serde_json::from_str(line)
            .with_context(|| format!("audit line {} is not JSON", i + 1))?;
        if line["tool"] != tool || line["phase"] != "read" {
            continue;
        }
        let requests = line["upstream"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut us = 0;
        for request in requests {
            us += request["wait_us"].as_u64().with_context(|| {
                format!(
                    "audit line {} has an upstream request without wait_us: the ikmcp binary \
                     predates it, rebuild it (`make bench`)",
                    i + 1
                )
            })?;
        }
        waits.push(Duration::from_micros(us));
    }
    Ok(waits)
}

/// `warm_up` untimed calls, then `n` timed ones, one at a time, with the bare client on a
/// thread of its own; gives the client back with the times.
pub async fn timed_calls(
    mut server: Wire,
    args: &Value,
    warm_up: usize,
    n: usize,
) -> anyhow::Result<(Wire, Vec<Duration>)> {
    let args = args.clone();
    tokio::task::spawn_blocking(move || {
        let times = blocking_calls(&mut server, &args, warm_up, n)?;
        Ok((server, times))
    })
    .await
    .context("the client thread panicked")?
}

fn blocking_calls(
    server: &mut Wire,
    args: &Value,
    warm_up: usize,
    n: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(n);
    for i in 0..warm_up + n {
        let answer = server.call(READ_TOOL, args)?;
        if answer.result["isError"] == true {
            bail!(
                "{READ_TOOL} failed on call {i}: {}",
                crate::wire::text(&answer.result)
            );
        }
        if i >= warm_up {
            times.push(answer.elapsed);
        }
    }
    Ok(times)
}

/// The same through rmcp's client (the cross-check of what a client library adds).
async fn rmcp_timed_calls(
    server: &Server,
    args: &Value,
    warm_up: usize,
    n: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(n);
    for i in 0..warm_up + n {
        let start = Instant::now();
        let result = server.call(READ_TOOL, args).await?;
        let elapsed = start.elapsed();
        if result.is_error == Some(true) {
            bail!(
                "{READ_TOOL} failed on call {i}: {}",
                crate::server::text(&result)
            );
        }
        if i >= warm_up {
            times.push(elapsed);
        }
    }
    Ok(times)
}

/// `warm_up` untimed replays, then `n` timed ones, one at a time.
async fn timed_replays(
    client: &reqwest::Client,
    sim: &SimHandle,
    upstream: &[Upstream],
    warm_up: usize,
    n: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(n);
    for i in 0..warm_up + n {
        let start = Instant::now();
        for request in upstream {
            replay(client, sim.api_url(), sim.token(), request).await?;
        }
        if i >= warm_up {
            times.push(start.elapsed());
        }
    }
    Ok(times)
}

/// Sends one request directly and reads its JSON answer, as any API client would.
async fn replay(
    client: &reqwest::Client,
    api_url: &str,
    token: &str,
    request: &Upstream,
) -> anyhow::Result<()> {
    let url = format!(
        "{}{}",
        api_url.trim_end_matches('/'),
        request.path_and_query
    );
    let response = client
        .request(request.method.clone(), &url)
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| format!("direct {} {}", request.method, request.path_and_query))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .with_context(|| format!("direct {} answered no JSON", request.path_and_query))?;
    if !status.is_success() {
        bail!(
            "direct {} {} answered {status}: {body}",
            request.method,
            request.path_and_query
        );
    }
    Ok(())
}

/// `plan.clients` servers, each warmed up, then all calling at once. Returns every call's
/// time with the wall time of the whole run, every call's host share, and the largest peak
/// RSS of the servers.
async fn concurrent_calls(
    launch: &Launch,
    args: &Value,
    plan: Plan,
) -> anyhow::Result<(Timed, Vec<Duration>, u64)> {
    let mut servers = Vec::with_capacity(plan.clients);
    for _ in 0..plan.clients {
        let server = launch.start_wire().await?;
        let (server, _) = timed_calls(server, args, WARM_UP, 0).await?;
        servers.push(server);
    }
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for server in servers {
        let args = args.clone();
        tasks.spawn(async move { timed_calls(server, &args, 0, plan.calls_per_client).await });
    }
    let mut times = Vec::with_capacity(plan.clients * plan.calls_per_client);
    let mut shares = Vec::with_capacity(plan.clients * plan.calls_per_client);
    let mut peak = 0;
    let mut servers = Vec::with_capacity(plan.clients);
    while let Some(joined) = tasks.join_next().await {
        let (server, server_times) = joined.context("a concurrent client panicked")??;
        shares.extend(host_shares(server.audit_log(), &server_times)?);
        times.extend(server_times);
        peak = peak.max(server.peak_rss_kib()?);
        servers.push(server);
    }
    let wall = started.elapsed();
    for server in servers {
        server.stop();
    }
    Ok((Timed { times, wall }, shares, peak))
}

/// `plan.clients` HTTP clients replaying the upstream requests at once.
async fn concurrent_replays(
    sim: &SimHandle,
    upstream: &[Upstream],
    plan: Plan,
) -> anyhow::Result<Timed> {
    let clients: Vec<reqwest::Client> = (0..plan.clients).map(|_| reqwest::Client::new()).collect();
    for client in &clients {
        timed_replays(client, sim, upstream, WARM_UP, 0).await?;
    }
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for client in clients {
        let (api_url, token) = (sim.api_url().to_string(), sim.token().to_string());
        let upstream = upstream.to_vec();
        tasks.spawn(async move {
            let mut times = Vec::with_capacity(plan.calls_per_client);
            for _ in 0..plan.calls_per_client {
                let start = Instant::now();
                for request in &upstream {
                    replay(&client, &api_url, &token, request).await?;
                }
                times.push(start.elapsed());
            }
            anyhow::Ok(times)
        });
    }
    let mut times = Vec::with_capacity(plan.clients * plan.calls_per_client);
    while let Some(joined) = tasks.join_next().await {
        times.extend(joined.context("a concurrent HTTP client panicked")??);
    }
    Ok(Timed {
        times,
        wall: started.elapsed(),
    })
}

/// Call times of a concurrent run and how long the whole run took.
struct Timed {
    times: Vec<Duration>,
    wall: Duration,
}

impl From<Vec<Duration>> for Timed {
    /// A sequential run: its wall time is the sum of its calls.
    fn from(times: Vec<Duration>) -> Self {
        let wall = times.iter().sum();
        Timed { times, wall }
    }
}

fn compare(
    clients: usize,
    calls_per_client: usize,
    via_ikmcp: impl Into<Timed>,
    direct: impl Into<Timed>,
    host_shares: &[Duration],
) -> anyhow::Result<Comparison> {
    let (via, direct) = (via_ikmcp.into(), direct.into());
    let via_summary = Summary::of(&via.times).context("no call through ikmcp was measured")?;
    let direct_summary = Summary::of(&direct.times).context("no direct request was measured")?;
    let host_share = Summary::of(host_shares).context("no host share was measured")?;
    Ok(Comparison {
        clients,
        calls_per_client,
        host_share_p50_ms: host_share.p50_ms,
        host_share_p99_ms: host_share.p99_ms,
        host_share,
        replay_gap_p50_ms: via_summary.p50_ms - direct_summary.p50_ms,
        replay_gap_p99_ms: via_summary.p99_ms - direct_summary.p99_ms,
        via_ikmcp_per_s: rate(via.times.len(), via.wall),
        direct_per_s: rate(direct.times.len(), direct.wall),
        via_ikmcp: via_summary,
        direct: direct_summary,
    })
}

/// Events per second (0 when no time passed).
fn rate(count: usize, wall: Duration) -> f64 {
    let secs = wall.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_per_second_and_never_divide_by_zero() {
        assert_eq!(rate(10, Duration::from_secs(2)), 5.0);
        assert_eq!(rate(10, Duration::ZERO), 0.0);
    }

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|m| Duration::from_millis(*m)).collect()
    }

    #[test]
    fn host_share_is_measured_per_call_and_the_replay_gap_kept_beside_it() {
        let c = compare(1, 3, ms(&[5, 6, 7]), ms(&[1, 2, 3]), &ms(&[2, 1, 3])).unwrap();
        assert_eq!(c.host_share_p50_ms, 2.0);
        assert_eq!(c.host_share.n, 3);
        assert_eq!(c.replay_gap_p50_ms, 4.0);
        assert!((c.replay_gap_p99_ms - 4.0).abs() < 1e-9);
        assert!(
            (c.via_ikmcp_per_s - 3000.0 / 18.0).abs() < 1e-9,
            "3 calls in 18 ms"
        );
        assert!(compare(1, 0, ms(&[]), ms(&[1]), &ms(&[1])).is_err());
        assert!(compare(1, 1, ms(&[1]), ms(&[1]), &[]).is_err());
    }

    #[test]
    fn upstream_waits_sum_each_read_line_of_the_tool() {
        let log = [
            r#"{"tool":"t","phase":"read","upstream":[{"wait_us":300},{"wait_us":200}]}"#,
            r#"{"tool":"other","phase":"read","upstream":[{"wait_us":9}]}"#,
            r#"{"tool":"t","phase":"failed","upstream":[{"wait_us":9}]}"#,
            r#"{"tool":"t","phase":"read","upstream":[]}"#,
        ]
        .join("\n");
        assert_eq!(
            upstream_waits(&log, "t").unwrap(),
            [Duration::from_micros(500), Duration::ZERO]
        );
        let old = r#"{"tool":"t","phase":"read","upstream":[{"ms":1}]}"#;
        let err = upstream_waits(old, "t").unwrap_err();
        assert!(format!("{err:#}").contains("rebuild"), "{err:#}");
        assert!(upstream_waits("not json", "t").is_err());
    }
}
