//! `ikmcp-bench`: what `make bench` runs. It drives the release `ikmcp` binary from outside,
//! like a real MCP client over stdio, against the sandbox tenant started in this process,
//! prints a table and writes the same figures as JSON (`<target>/bench/results.json`).
//!
//! The figures are what users feel: time to the first `tools/list`, the cost of a call over
//! the upstream request itself, memory, the size of the tool surface, how close a bulk audit
//! comes to Infomaniak's 60 requests/minute, and the plan/apply round trip of a write.
//! None of this is a test assertion: numbers on a shared machine are noisy, so the table
//! shows medians and ranges, and only figures of the same run should be compared.

mod audit;
mod audit_tail;
mod calls;
mod cold_start;
mod find_site;
mod node_floor;
mod node_stand_in;
mod plan_apply;
mod procfs;
mod report;
mod server;
mod stats;
mod surface;
mod tenant;
mod wire;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Parser;

/// Command-line options; the defaults are what `make bench` measures.
#[derive(Debug, Parser)]
#[command(about = "Measures the release ikmcp binary like a real MCP client would")]
struct Args {
    /// The ikmcp binary (default: the one beside this program, i.e. the same target dir).
    #[arg(long)]
    ikmcp: Option<PathBuf>,
    /// Where to write the JSON results (default: <target dir>/bench/results.json).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Cold starts per cache state (warm and empty).
    #[arg(long, default_value_t = 20)]
    cold_runs: usize,
    /// Sequential read calls.
    #[arg(long, default_value_t = 1000)]
    calls: usize,
    /// Concurrent clients (one ikmcp process each).
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Read calls per concurrent client.
    #[arg(long, default_value_t = 250)]
    calls_per_client: usize,
    /// Plan/apply round trips.
    #[arg(long, default_value_t = 20)]
    plan_runs: usize,
    /// Skip the fleet audit (it takes about a minute at 60 requests/minute).
    #[arg(long)]
    skip_audit: bool,
    /// Lines of the audit log the audit tools are measured on (0 skips the scenario).
    #[arg(long, default_value_t = 1_000_000)]
    audit_lines: u64,
    /// Measure only the tool surface (scenario 4) and print it; no JSON is written.
    #[arg(long)]
    surface_only: bool,
    /// Measure only the per-call figures (scenario 2) and print them; no JSON is written.
    /// For profiling the host's hot path: attach a profiler to the `ikmcp` it spawns.
    #[arg(long)]
    calls_only: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.cold_runs == 0 || args.calls == 0 || args.clients == 0 || args.calls_per_client == 0 {
        bail!("--cold-runs, --calls, --clients and --calls-per-client must be at least 1");
    }
    if args.plan_runs == 0 {
        bail!("--plan-runs must be at least 1");
    }
    let exe_dir = std::env::current_exe()
        .context("locating ikmcp-bench")?
        .parent()
        .map(Path::to_path_buf)
        .context("ikmcp-bench has no parent directory")?;
    let bin = args.ikmcp.clone().unwrap_or_else(|| exe_dir.join("ikmcp"));
    let out = args.out.clone().unwrap_or_else(|| {
        exe_dir
            .parent()
            .unwrap_or(&exe_dir)
            .join("bench")
            .join("results.json")
    });
    let binary = report::Binary {
        path: bin.display().to_string(),
        bytes: std::fs::metadata(&bin)
            .with_context(|| {
                format!(
                    "{} not found: build it with `make bench` (cargo build --release -p ikmcp-host)",
                    bin.display()
                )
            })?
            .len(),
    };

    if args.surface_only {
        let sim = tenant::start(ikmcp_sim::Scale::Small, None).await?;
        let cache = tempfile::tempdir().context("creating the precompile cache")?;
        let surface = surface::run(&tenant::launch(&sim, &bin, cache.path(), 0)).await?;
        sim.shutdown().await;
        println!("{}", report::surface_table(&surface));
        return Ok(());
    }

    if args.calls_only {
        let sim = tenant::start(ikmcp_sim::Scale::Small, None).await?;
        let cache = tempfile::tempdir().context("creating the precompile cache")?;
        let plan = calls::Plan {
            sequential_calls: args.calls,
            clients: args.clients,
            calls_per_client: args.calls_per_client,
        };
        // Fill the precompile cache first, so a profiler attached to the measured servers
        // sees calls, not compilation.
        tenant::launch(&sim, &bin, cache.path(), 0)
            .start()
            .await?
            .stop()
            .await;
        let (per_call, _memory) = calls::run(&sim, &bin, cache.path(), plan).await?;
        sim.shutdown().await;
        println!("{}", report::per_call_table(&per_call));
        return Ok(());
    }

    let started_at = now_rfc3339();
    let clock = Instant::now();
    let node_dir = out.parent().unwrap_or(Path::new(".")).join("node-stand-in");
    let results = measure(&args, &bin, &node_dir, binary, started_at, clock).await?;

    println!("{}", report::table(&results));
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let json = serde_json::to_string_pretty(&results).context("serializing the results")?;
    std::fs::write(&out, json + "\n").with_context(|| format!("writing {}", out.display()))?;
    println!("results written to {}", out.display());
    Ok(())
}

/// Runs every scenario in order, each against its own tenant.
async fn measure(
    args: &Args,
    bin: &Path,
    node_dir: &Path,
    binary: report::Binary,
    started_at: String,
    clock: Instant,
) -> anyhow::Result<report::Results> {
    let cache = tempfile::tempdir().context("creating the shared precompile cache")?;

    eprintln!(
        "bench: cold start ({} runs per cache state)",
        args.cold_runs
    );
    let sim = tenant::start(ikmcp_sim::Scale::Small, None).await?;
    let cold_start = cold_start::run(&sim, bin, args.cold_runs).await?;

    eprintln!("bench: bare node reference ({} runs)", args.cold_runs);
    let node_floor = node_floor::run(args.cold_runs).await?;

    eprintln!("bench: tool surface");
    let tool_surface = surface::run(&tenant::launch(&sim, bin, cache.path(), 0)).await?;

    eprintln!(
        "bench: per-call overhead and memory ({} sequential, {} clients x {})",
        args.calls, args.clients, args.calls_per_client
    );
    let plan = calls::Plan {
        sequential_calls: args.calls,
        clients: args.clients,
        calls_per_client: args.calls_per_client,
    };
    let (per_call, memory) = calls::run(&sim, bin, cache.path(), plan).await?;

    eprintln!(
        "bench: Node stand-in ({} cold starts, {} sequential calls)",
        args.cold_runs, args.calls
    );
    let ikmcp = node_stand_in::Ikmcp {
        cold_start: &cold_start.warm_cache,
        per_call: &per_call.sequential.via_ikmcp,
        peak_rss_kib: memory.after_calls_kib,
    };
    let node_args = serde_json::json!({ "zone": per_call.zone });
    let node_stand_in = node_stand_in::run(
        &sim,
        node_dir,
        &node_args,
        args.cold_runs,
        args.calls,
        &ikmcp,
    )
    .await?;

    eprintln!("bench: plan/apply round trips ({})", args.plan_runs);
    sim.reset();
    let plan_apply = plan_apply::run(&sim, bin, cache.path(), args.plan_runs).await?;
    let audit_tools = if args.audit_lines == 0 {
        None
    } else {
        eprintln!(
            "bench: audit tools on a {}-line log (writing it takes a while)",
            args.audit_lines
        );
        let launch = tenant::launch(&sim, bin, cache.path(), 0);
        Some(audit_tail::run(&launch, args.audit_lines).await?)
    };

    sim.shutdown().await;
    println!("{}", find_site::run(bin, cache.path()).await?.table());

    let upstream_efficiency = if args.skip_audit {
        None
    } else {
        eprintln!("bench: fleet audit at 60 requests/minute (about 70 s)");
        Some(audit::run(bin, cache.path()).await?)
    };

    Ok(report::Results {
        started_at,
        wall_s: clock.elapsed().as_secs_f64(),
        machine: report::Machine {
            cpu_model: procfs::cpu_model(),
            vcpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        },
        ikmcp: binary,
        cold_start,
        node_floor,
        per_call,
        memory,
        node_stand_in,
        tool_surface,
        upstream_efficiency,
        plan_apply,
        audit_tools,
    })
}

/// The current UTC time, RFC 3339, to the second.
fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.to_string())
}
