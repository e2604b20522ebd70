//! The results of one `make bench` run: the JSON written to `target/bench/results.json`
//! and the table printed for humans, both from the same figures.

use serde::Serialize;

use crate::audit::{self, Audit};
use crate::audit_tail::{self, AuditTail};
use crate::calls::{self, Comparison, Memory, PerCall};
use crate::cold_start::ColdStart;
use crate::node_floor::NodeFloor;
use crate::node_stand_in::NodeComparison;
use crate::plan_apply::{self, PlanApply};
use crate::stats::Summary;
use crate::surface::{BYTES_PER_TOKEN, Surface};

/// Everything one run measured.
#[derive(Debug, Serialize)]
pub struct Results {
    /// When the run started (UTC, RFC 3339).
    pub started_at: String,
    /// Wall time of the measurements (not the build), in seconds.
    pub wall_s: f64,
    /// Where the figures came from.
    pub machine: Machine,
    /// The binary measured.
    pub ikmcp: Binary,
    /// Scenario 1.
    pub cold_start: ColdStart,
    /// Reference for scenarios 1 and 3: a bare Node.js process (`None` without `node`).
    pub node_floor: Option<NodeFloor>,
    /// Scenario 2.
    pub per_call: PerCall,
    /// Scenario 3.
    pub memory: Memory,
    /// Scenarios 1-3 again on a Node server built on the official MCP SDK.
    pub node_stand_in: NodeComparison,
    /// Scenario 4.
    pub tool_surface: Surface,
    /// Scenario 5 (`None` when skipped with `--skip-audit`).
    pub upstream_efficiency: Option<Audit>,
    /// Scenario 6.
    pub plan_apply: PlanApply,
    /// Scenario 7 (`None` with `--audit-lines 0`).
    pub audit_tools: Option<AuditTail>,
}

/// The machine the run happened on.
#[derive(Debug, Serialize)]
pub struct Machine {
    /// CPU model from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// CPUs available to this process.
    pub vcpus: usize,
}

/// The binary under test.
#[derive(Debug, Serialize)]
pub struct Binary {
    /// Its path.
    pub path: String,
    /// Its size on disk.
    pub bytes: u64,
}

/// The human-readable table of `results`.
pub fn table(r: &Results) -> String {
    let mut t = Table::default();
    t.title(format!(
        "ikmcp bench, {}, {} vCPU ({}), {} ({:.1} MB), measured in {:.0} s",
        r.started_at,
        r.machine.vcpus,
        r.machine.cpu_model,
        r.ikmcp.path,
        r.ikmcp.bytes as f64 / 1e6,
        r.wall_s
    ));

    let c = &r.cold_start;
    t.section(format!(
        "1. Cold start: spawn -> initialize -> tools/list answer ({} tools, every plugin)",
        c.tools
    ));
    t.stat("warm precompile cache", &c.warm_cache);
    t.stat(
        "empty precompile cache (fresh dir each run)",
        &c.empty_cache,
    );
    match &r.node_floor {
        Some(n) => t.stat(
            &format!("reference: bare node {} to first output", n.version),
            &n.ready,
        ),
        None => t.value("reference: bare node", "skipped (node not on PATH)".into()),
    }

    let p = &r.per_call;
    per_call_section(&mut t, p);

    let m = &r.memory;
    t.section("3. Memory: ikmcp peak RSS (VmHWM)".into());
    t.value("after start (tools/list answered)", mib(m.after_start_kib));
    t.value(
        &format!(
            "after warm-up and {} sequential calls",
            thousands(p.sequential.via_ikmcp.n)
        ),
        mib(m.after_calls_kib),
    );
    t.value(
        &format!("largest of the {} concurrent servers", p.concurrent.clients),
        mib(m.concurrent_max_kib),
    );
    if let Some(n) = &r.node_floor {
        t.value(
            "reference: bare node, no SDK loaded (median)",
            mib(n.peak_rss_kib),
        );
    }

    node_stand_in(&mut t, &r.node_stand_in);

    surface_section(&mut t, &r.tool_surface);

    match &r.upstream_efficiency {
        Some(a) => upstream(&mut t, a),
        None => {
            t.section("5. Upstream efficiency: skipped (--skip-audit)".into());
        }
    }

    let pa = &r.plan_apply;
    t.section(format!(
        "6. Plan/apply: {} on {}, fresh record names; rate limits off",
        plan_apply::WRITE_TOOL,
        pa.zone
    ));
    t.stat("plan call (no token)", &pa.plan);
    t.stat("apply call (confirmed)", &pa.apply);
    t.stat("round trip (plan + apply)", &pa.round_trip);

    match &r.audit_tools {
        Some(a) => audit_tools(&mut t, a),
        None => t.section("7. Audit tools: skipped (--audit-lines 0)".into()),
    }
    t.render()
}

fn node_stand_in(t: &mut Table, n: &NodeComparison) {
    let n = match n {
        NodeComparison::Measured(n) => n,
        NodeComparison::Skipped { reason } => {
            t.section(format!("3b. Node stand-in: skipped ({reason})"));
            return;
        }
    };
    t.section(format!(
        "3b. Node stand-in (node {}, @modelcontextprotocol/sdk, stdio): same tool, tenant and client",
        n.node_version
    ));
    t.stat("spawn -> initialize -> tools/list answer", &n.cold_start);
    t.stat(
        &format!("per call, 1 client: {}", calls::READ_TOOL),
        &n.per_call,
    );
    t.value("peak RSS after the calls", mib(n.peak_rss_kib));
    let r = &n.ratios;
    t.value(
        "Node / ikmcp: cold start p50, call p50, call p99, RSS",
        format!(
            "{:.1}x, {:.2}x, {:.2}x, {:.1}x",
            r.cold_start_p50, r.per_call_p50, r.per_call_p99, r.peak_rss
        ),
    );
}

fn audit_tools(t: &mut Table, a: &AuditTail) {
    t.section(format!(
        "7. Audit tools on a {}-line log ({:.0} MiB), read from the end",
        thousands(a.lines as usize),
        a.log_bytes as f64 / (1024.0 * 1024.0)
    ));
    t.stat("spawn -> initialize with this log", &a.start);
    t.stat(&format!("{} limit 50", audit_tail::TAIL_TOOL), &a.tail_50);
    t.stat("search tool: match in the newest lines", &a.search_recent);
    t.stat(
        if a.search_bounded_truncated {
            "search tool: no match (stops at its scan bound)"
        } else {
            "search tool: no match (whole log read)"
        },
        &a.search_bounded,
    );
    t.stat("`ikmcp audit tail -n 50` (whole process)", &a.cli_tail);
    t.value(
        "(setup) writing the log through AuditLog",
        format!("{:.1} s", a.write_s),
    );
}

fn comparison(t: &mut Table, c: &Comparison) {
    let who = match c.clients {
        1 => "1 client".to_string(),
        n => format!("{n} clients at once"),
    };
    t.stat(&format!("{who}: via ikmcp (tools/call)"), &c.via_ikmcp);
    t.stat(&format!("{who}: direct (reqwest, same request)"), &c.direct);
    t.stat(
        &format!("{who}: host share (call - upstream wait)"),
        &c.host_share,
    );
    t.value(
        &format!("{who}: cross-check: via - direct, p50 / p99"),
        format!("{} / {}", ms(c.replay_gap_p50_ms), ms(c.replay_gap_p99_ms)),
    );
    t.value(
        &format!("{who}: calls/s via ikmcp / direct"),
        format!("{:.0} / {:.0}", c.via_ikmcp_per_s, c.direct_per_s),
    );
}

fn upstream(t: &mut Table, a: &Audit) {
    t.section(format!(
        "5. Upstream efficiency: {} over every zone of the fleet tenant; tenant limit {}/min, +{} ms latency",
        audit::AUDIT_TOOL,
        audit::REQUESTS_PER_MINUTE,
        audit::LATENCY_MS
    ));
    t.value(
        "domains audited / failed (tool's answer)",
        format!("{} / {}", a.domains_scanned, a.domains_failed),
    );
    t.value(
        "zones read (tenant's log) / zones in tenant",
        format!("{} / {}", a.zones_read, a.zones),
    );
    t.value(
        "upstream requests (tenant's log)",
        thousands(a.upstream_requests),
    );
    t.value(
        "429 answers (tenant's log; 0 expected)",
        a.rate_limited_429.to_string(),
    );
    if let (Some(why), Some(raised)) = (&a.default_config_failure, a.call_timeout_raised_to_s) {
        t.value("with the default config", format!("FAILED: {why}"));
        t.value(
            "so measured with",
            format!("[limits] call_timeout_seconds = {raised}"),
        );
    }
    t.value("wall time of the call", format!("{:.1} s", a.wall_s));
    t.value(
        &format!(
            "floor: at most {} requests in any rolling minute",
            audit::REQUESTS_PER_MINUTE
        ),
        format!(
            "{:.1} s (wall = {:.2}x floor)",
            a.floor_window_s, a.wall_over_floor
        ),
    );
    t.value(
        "steady pace: requests / 60 per min",
        format!("{:.1} s", a.floor_plain_s),
    );
}

/// Milliseconds with a precision that suits their size.
pub fn ms(v: f64) -> String {
    if v.abs() >= 10_000.0 {
        format!("{:.1} s", v / 1e3)
    } else if v.abs() >= 100.0 {
        format!("{v:.0} ms")
    } else if v.abs() >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

/// KiB as MiB.
fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Scenario 2 alone (what `--calls-only` prints).
pub fn per_call_table(p: &PerCall) -> String {
    let mut t = Table::default();
    per_call_section(&mut t, p);
    t.render()
}

fn per_call_section(t: &mut Table, p: &PerCall) {
    t.section(format!(
        "2. Per call: {} on {} ({} records, {} upstream request(s)); no added latency, rate limits off",
        calls::READ_TOOL,
        p.zone,
        p.zone_records,
        p.upstream_requests_per_call
    ));
    comparison(t, &p.sequential);
    t.stat(
        "1 client: via ikmcp, through rmcp's client instead",
        &p.sequential_via_rmcp_client,
    );
    comparison(t, &p.concurrent);
}

/// Scenario 4 alone (what `--surface-only` prints).
pub fn surface_table(s: &Surface) -> String {
    let mut t = Table::default();
    surface_section(&mut t, s);
    t.render()
}

fn surface_section(t: &mut Table, s: &Surface) {
    t.section(format!(
        "4. Tool surface: model-visible = name + description + inputSchema; tokens = bytes/{BYTES_PER_TOKEN} (an estimate, not a tokenizer)"
    ));
    for (mode, m) in [
        ("default", &s.default),
        ("dynamic, first tools/list", &s.dynamic),
    ] {
        t.value(
            &format!("{mode}: {} tools, model-visible", m.tools.len()),
            format!(
                "~{} tokens, ~{} per tool",
                thousands(m.visible_tokens),
                m.visible_per_tool()
            ),
        );
        t.value(
            &format!("{mode}: with output schemas"),
            format!("~{} tokens", thousands(m.with_output_tokens)),
        );
        t.value(
            &format!("{mode}: whole tools/list result"),
            format!(
                "{} B, ~{} tokens",
                thousands(m.total_bytes),
                thousands(m.total_tokens_estimate)
            ),
        );
    }
    for p in &s.default.plugins {
        t.value(
            &format!("  plugin {} ({} tools)", p.plugin, p.tools),
            format!(
                "~{} per tool, ~{} with output schemas",
                p.visible_per_tool,
                thousands(p.with_output_tokens)
            ),
        );
    }
    for tool in &s.default.tools {
        t.value(
            &format!("  {}", tool.name),
            format!(
                "~{} visible, ~{} with output ({} B whole)",
                tool.visible_tokens,
                tool.with_output_tokens,
                thousands(tool.bytes)
            ),
        );
    }
}

/// An integer with thousands separators (`12,345`).
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A fixed-width text table: statistics rows (n, p50, p99, range) and single values.
#[derive(Default)]
struct Table {
    lines: Vec<Line>,
}

enum Line {
    Title(String),
    Section(String),
    Stat(String, Summary),
    Value(String, String),
}

const LABEL: usize = 52;

impl Table {
    fn title(&mut self, text: String) {
        self.lines.push(Line::Title(text));
    }
    fn section(&mut self, text: String) {
        self.lines.push(Line::Section(text));
    }
    fn stat(&mut self, label: &str, s: &Summary) {
        self.lines.push(Line::Stat(label.into(), s.clone()));
    }
    fn value(&mut self, label: &str, value: String) {
        self.lines.push(Line::Value(label.into(), value));
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Title(text) => {
                    out.push_str(text);
                    out.push('\n');
                    out.push_str(&format!(
                        "{:<LABEL$} {:>6} {:>10} {:>10}  {}\n",
                        "measure", "n", "p50", "p99", "min - max"
                    ));
                }
                Line::Section(text) => out.push_str(&format!("\n{text}\n")),
                Line::Stat(label, s) => out.push_str(&format!(
                    "  {label:<w$} {:>6} {:>10} {:>10}  {} - {}\n",
                    thousands(s.n),
                    ms(s.p50_ms),
                    ms(s.p99_ms),
                    ms(s.min_ms),
                    ms(s.max_ms),
                    w = LABEL - 2
                )),
                Line::Value(label, value) => {
                    out.push_str(&format!("  {label:<w$} {value}\n", w = LABEL - 2 + 7));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_keep_three_significant_digits() {
        assert_eq!(ms(0.4123), "0.41 ms");
        assert_eq!(ms(12.345), "12.3 ms");
        assert_eq!(ms(123.4), "123 ms");
        assert_eq!(ms(65_432.0), "65.4 s");
        assert_eq!(ms(-0.5), "-0.50 ms");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn table_rows_line_up() {
        let mut t = Table::default();
        t.title("title".into());
        t.section("section".into());
        let s = Summary {
            n: 10,
            min_ms: 1.0,
            p50_ms: 2.0,
            p99_ms: 3.0,
            max_ms: 4.0,
        };
        t.stat("a stat", &s);
        t.value("a value", "5 MiB".into());
        let text = t.render();
        let stat = text.lines().find(|l| l.contains("a stat")).unwrap();
        let value = text.lines().find(|l| l.contains("a value")).unwrap();
        let header = text.lines().nth(1).unwrap();
        assert_eq!(
            stat.find("2.00 ms").unwrap() + 7,
            header.find("p50").unwrap() + 3
        );
        assert!(stat.ends_with("1.00 ms - 4.00 ms"), "{stat}");
        assert_eq!(value.find("5 MiB"), stat.find(" 2.00 ms").map(|i| i - 2));
    }
}
