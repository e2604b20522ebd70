//! Scenario 7, the audit tools at any size: a log of `--audit-lines` lines (one million by
//! default) written through the host's own audit writer, then read through the release
//! binary as users do: the MCP tools `infomaniak_audit_log_tail` (newest 50) and
//! `infomaniak_audit_log_search` (a recent match, and a tool found nowhere, which stops
//! at the tools' scan bound), and the `ikmcp audit tail -n 50` command, process start
//! included.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ikmcp_host::audit::{AuditEvent, AuditLog, AuditPhase};
use serde::Serialize;
use serde_json::json;

use crate::server::Launch;
use crate::stats::Summary;

/// The tail tool.
pub const TAIL_TOOL: &str = "infomaniak_audit_log_tail";
/// The search tool.
pub const SEARCH_TOOL: &str = "infomaniak_audit_log_search";
/// Calls per measured query.
const CALLS: usize = 30;
/// Runs of the command-line tail.
const CLI_RUNS: usize = 10;

/// What the scenario measured.
#[derive(Debug, Serialize)]
pub struct AuditTail {
    /// Lines in the log.
    pub lines: u64,
    /// Size of the log file.
    pub log_bytes: u64,
    /// Time to write the log through `AuditLog::record` (setup, not a user path).
    pub write_s: f64,
    /// Spawn to `initialize` answered, with this log (the writer reads only its end).
    pub start: Summary,
    /// `infomaniak_audit_log_tail` `{limit: 50}`.
    pub tail_50: Summary,
    /// `infomaniak_audit_log_search` for a tool used only in the newest lines.
    pub search_recent: Summary,
    /// `infomaniak_audit_log_search` for a tool found nowhere: bounded by the scan limit.
    pub search_bounded: Summary,
    /// Whether the bounded search stopped at the scan limit (false: it read the whole log).
    pub search_bounded_truncated: bool,
    /// `ikmcp audit tail -n 50`, whole process.
    pub cli_tail: Summary,
}

/// Runs the scenario with a log of `lines` lines in a temporary directory.
pub async fn run(launch: &Launch, lines: u64) -> anyhow::Result<AuditTail> {
    if lines < 100 {
        bail!("--audit-lines must be at least 100");
    }
    let dir = tempfile::tempdir().context("creating the audit log directory")?;
    let log = dir.path().join("audit.jsonl");
    let started = Instant::now();
    write_log(&log, lines)?;
    let write_s = started.elapsed().as_secs_f64();
    let log_bytes = std::fs::metadata(&log)?.len();
    let launch = Launch {
        audit_log: Some(log.clone()),
        ..launch.clone()
    };

    let mut start = Vec::new();
    for _ in 0..5 {
        let server = launch.start().await?;
        start.push(server.spawned_at().elapsed());
        server.stop().await;
    }
    let server = launch.start().await?;
    let tail_50 = timed(CALLS, || async {
        let out = server.call_ok(TAIL_TOOL, &json!({"limit": 50})).await?;
        expect_entries(&out, 50)
    })
    .await?;
    let search_recent = timed(CALLS, || async {
        let out = server
            .call_ok(SEARCH_TOOL, &json!({"tool": "bench_recent", "limit": 10}))
            .await?;
        expect_entries(&out, 10)
    })
    .await?;
    // A tool filter, not free text: the server's own audit lines of these searches carry
    // their arguments, so a text needle would find them.
    let nowhere = json!({"tool": "no_such_tool_7f3a", "limit": 10});
    let search_bounded = timed(CALLS / 3, || async {
        let out = server.call_ok(SEARCH_TOOL, &nowhere).await?;
        expect_entries(&out, 0)
    })
    .await?;
    let truncated = server.call_ok(SEARCH_TOOL, &nowhere).await?["truncated"] == json!(true);
    server.stop().await;

    let mut cli = Vec::new();
    for _ in 0..CLI_RUNS {
        let begun = Instant::now();
        let output = tokio::process::Command::new(&launch.bin)
            .args(["audit", "tail", "-n", "50"])
            .env_clear()
            .env("IKMCP_AUDIT_LOG", &log)
            .env("IKMCP_LOG", "warn")
            .env("HOME", dir.path())
            .output()
            .await
            .context("running `ikmcp audit tail`")?;
        cli.push(begun.elapsed());
        let printed = output.stdout.iter().filter(|&&b| b == b'\n').count();
        if !output.status.success() || printed != 50 {
            bail!(
                "`ikmcp audit tail -n 50` printed {printed} lines (status {}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    let summary = |samples: &[Duration]| Summary::of(samples).context("no samples");
    Ok(AuditTail {
        lines,
        log_bytes,
        write_s,
        start: summary(&start)?,
        tail_50: summary(&tail_50)?,
        search_recent: summary(&search_recent)?,
        search_bounded: summary(&search_bounded)?,
        search_bounded_truncated: truncated,
        cli_tail: summary(&cli)?,
    })
}

/// Writes `lines` read lines; the newest 100 are by `bench_recent`.
fn write_log(path: &Path, lines: u64) -> anyhow::Result<()> {
    let log = AuditLog::open(path, Vec::new()).context("opening the bench audit log")?;
    for i in 0..lines {
        let tool = if i + 100 >= lines {
            "bench_recent"
        } else {
            "infomaniak_dns_list_records"
        };
        log.record(AuditEvent {
            phase: AuditPhase::Read,
            tool: tool.into(),
            plugin: "dns".into(),
            risk: "read".into(),
            args: json!({"zone": format!("zone-{}.example", i % 500)}),
            result_summary: Some(json!({"records": i % 40})),
            error: None,
            duration_ms: Some(1),
            upstream: Vec::new(),
            fingerprint: None,
            secrets: Default::default(),
        })
        .context("writing the bench audit log")?;
    }
    Ok(())
}

/// Runs `call` `n` times, timing each.
async fn timed<F, Fut>(n: usize, mut call: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let begun = Instant::now();
        call().await?;
        samples.push(begun.elapsed());
    }
    Ok(samples)
}

fn expect_entries(out: &serde_json::Value, n: usize) -> anyhow::Result<()> {
    let got = out["entries"].as_array().map_or(0, Vec::len);
    if got != n {
        bail!("expected {n} audit entries, got {got}: {out}");
    }
    Ok(())
}
