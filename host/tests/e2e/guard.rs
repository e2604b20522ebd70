//! The confirmation guard, end to end: every way a confirmation can be wrong is refused,
//! and nothing reaches the tenant when it is.

use std::time::Duration;

use serde_json::{Value, json};

use crate::dns::{first_zone, records};
use crate::harness::{Harness, Options};
use crate::hostile::plugin_dir_as;

/// The first zone and its first A record (a record plans can update).
pub async fn an_a_record(h: &Harness) -> (String, Value) {
    let zone = first_zone(h).await;
    let record = records(h, &zone)
        .await
        .into_iter()
        .find(|r| r["type"] == "A")
        .expect("the tenant's first zone has an A record");
    (zone, record)
}

fn with_token(args: &Value, token: &Value) -> Value {
    let mut a = args.clone();
    a["confirmation_token"] = token.clone();
    a
}

async fn create_args(h: &Harness, source: &str) -> Value {
    let zone = first_zone(h).await;
    json!({"zone": zone, "source": source, "type": "TXT", "target": "v=guard", "ttl": 600})
}

#[tokio::test]
async fn a_token_is_single_use() {
    let h = Harness::start(Options::default()).await;
    let args = create_args(&h, "replay").await;
    let plan = h.ok("infomaniak_dns_create_record", args.clone()).await;
    let token = plan["confirmation_token"].clone();
    h.ok("infomaniak_dns_create_record", with_token(&args, &token))
        .await;
    assert_eq!(h.writes().len(), 1);
    let err = h
        .err("infomaniak_dns_create_record", with_token(&args, &token))
        .await;
    assert_eq!(err["error"]["code"], "confirmation_unknown", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("without confirmation_token"),
        "{err}"
    );
    assert_eq!(h.writes().len(), 1, "a replay writes nothing");
    assert_eq!(approved_via(&h), "token");
}

/// How the audit log says the (first) applied plan was approved.
pub fn approved_via(h: &Harness) -> Value {
    let attempt = h
        .audit_lines()
        .into_iter()
        .find(|l| l["phase"] == "apply_attempt")
        .expect("an apply_attempt line");
    attempt["result_summary"]["approved_via"].clone()
}

#[tokio::test]
async fn changed_arguments_are_refused_and_do_not_spend_the_token() {
    let h = Harness::start(Options::default()).await;
    let args = create_args(&h, "changed").await;
    let plan = h.ok("infomaniak_dns_create_record", args.clone()).await;
    let token = plan["confirmation_token"].clone();
    let mut other = args.clone();
    other["target"] = json!("v=something-else");
    let err = h
        .err("infomaniak_dns_create_record", with_token(&other, &token))
        .await;
    assert_eq!(err["error"]["code"], "confirmation_args_changed", "{err}");
    assert!(h.writes().is_empty());
    let applied = h
        .ok("infomaniak_dns_create_record", with_token(&args, &token))
        .await;
    assert_eq!(
        applied["status"], "applied",
        "the token survived the mismatch"
    );
    assert_eq!(h.writes().len(), 1);
}

#[tokio::test]
async fn a_token_for_another_tool_is_refused() {
    let h = Harness::start(Options::default()).await;
    let args = create_args(&h, "wrongtool").await;
    let plan = h.ok("infomaniak_dns_create_record", args.clone()).await;
    let zone = args["zone"].as_str().unwrap();
    let id = records(&h, zone).await[0]["id"].clone();
    let err = h
        .err("infomaniak_dns_delete_record", json!({"zone": zone, "record_id": id, "confirmation_token": plan["confirmation_token"]}))
        .await;
    assert_eq!(err["error"]["code"], "confirmation_wrong_tool", "{err}");
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let h = Harness::start(Options {
        config: "[guard]\ntoken_ttl_seconds = 1\n".into(),
        ..Options::default()
    })
    .await;
    let args = create_args(&h, "expired").await;
    let plan = h.ok("infomaniak_dns_create_record", args.clone()).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let err = h
        .err(
            "infomaniak_dns_create_record",
            with_token(&args, &plan["confirmation_token"]),
        )
        .await;
    assert_eq!(err["error"]["code"], "confirmation_expired", "{err}");
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn a_plan_whose_state_changed_is_refused_as_stale_with_a_fresh_plan() {
    let h = Harness::start(Options::default()).await;
    let (zone, record) = an_a_record(&h).await;
    let id = record["id"].as_i64().unwrap();
    let args = json!({"zone": zone, "record_id": id, "ttl": 7200});
    let plan = h.ok("infomaniak_dns_update_record", args.clone()).await;
    // Someone else changes the record between plan and confirmation.
    let changed = h
        .direct(
            reqwest::Method::PUT,
            &format!("/2/zones/{zone}/records/{id}"),
            Some(json!({"target": "198.51.100.7"})),
        )
        .await;
    assert_eq!(changed["result"], "success", "{changed}");
    let writes_before = h.writes().len();
    let err = h
        .err(
            "infomaniak_dns_update_record",
            with_token(&args, &plan["confirmation_token"]),
        )
        .await;
    assert_eq!(err["error"]["code"], "plan_stale", "{err}");
    assert_eq!(err["error"]["kind"], "stale");
    let fresh = &err["fresh_plan"];
    assert_eq!(
        fresh["changes"][0]["before"]["target"], "198.51.100.7",
        "the fresh plan shows the new state: {err}"
    );
    assert_eq!(
        h.writes().len(),
        writes_before,
        "nothing written on a stale plan"
    );
    let old = h
        .err(
            "infomaniak_dns_update_record",
            with_token(&args, &plan["confirmation_token"]),
        )
        .await;
    assert_eq!(
        old["error"]["code"], "confirmation_unknown",
        "the stale token is gone"
    );
    let applied = h
        .ok(
            "infomaniak_dns_update_record",
            with_token(&args, &fresh["confirmation_token"]),
        )
        .await;
    assert_eq!(applied["status"], "applied");
    assert_eq!(h.writes().len(), writes_before + 1);
}

#[tokio::test]
async fn nothing_to_do_mints_no_token() {
    let h = Harness::start(Options::default()).await;
    let (zone, record) = an_a_record(&h).await;
    let args = json!({"zone": zone, "record_id": record["id"], "target": record["target"]});
    let out = h.ok("infomaniak_dns_update_record", args).await;
    assert_eq!(out["status"], "no_change", "{out}");
    assert!(out.get("confirmation_token").is_none());
    assert!(h.writes().is_empty());
}

/// A server with the guard-probe test component beside the DNS plugin.
pub(crate) async fn probe_harness(limits: &str) -> (Harness, tempfile::TempDir) {
    // A plugin file is named after its id, and a third-party plugin's roles are granted.
    let dir = plugin_dir_as("ikmcp_test_plugin_guard_probe.wasm", "guardprobe");
    let config = format!(
        "[plugins]\ndirs = [{:?}]\n[plugins.roles]\nguardprobe = [\"infomaniak-api\"]\n[limits]\n{limits}",
        dir.path()
    );
    let h = Harness::start(Options {
        config,
        ..Options::default()
    })
    .await;
    (h, dir)
}

#[tokio::test]
async fn plugin_text_posing_as_host_text_is_quoted_and_a_legitimate_wildcard_is_flagged() {
    let (h, _dir) = probe_harness("").await;
    let zone = first_zone(&h).await;
    let args = json!({"zone": zone});
    let result = h.call("probe_fake_host_text", args.clone()).await;
    let plan = result.structured_content.clone().unwrap();
    let approval = plan["approval"].as_str().unwrap().to_string();
    let api = h.sim.api_url().trim_end_matches('/').to_string();
    let host_lines: Vec<&str> = approval
        .lines()
        .filter(|l| !l.starts_with("  │ "))
        .collect();
    assert!(
        !host_lines
            .iter()
            .any(|l| l.contains("harmless") || l.contains("GET nothing")),
        "plugin text escaped its quotes: {approval}"
    );
    assert_eq!(
        host_lines
            .iter()
            .filter(|l| l.contains("exactly these"))
            .count(),
        1,
        "{approval}"
    );
    assert!(
        host_lines
            .iter()
            .any(|l| l.contains("exactly these 2 upstream write(s)")),
        "{approval}"
    );
    assert!(
        !approval.contains('\u{1b}') && !approval.contains('\u{202e}') && !approval.contains('\r'),
        "{approval:?}"
    );
    assert!(approval.contains("\\u{1b}[2K"), "{approval}");
    assert!(
        approval.contains(&format!(
            "2. PUT {api}/2/zones/{zone}/records/* (role infomaniak-api)"
        )),
        "{approval}"
    );
    assert!(
        approval.contains("WILDCARD: path segment 5 is `*`"),
        "{approval}"
    );
    // Approved as shown, it applies: the wildcard takes the id the create answered.
    let mut confirmed = args.clone();
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let applied = h.ok("probe_fake_host_text", confirmed).await;
    assert_eq!(applied["status"], "applied", "{applied}");
    let writes: Vec<String> = h
        .writes()
        .iter()
        .map(|w| format!("{} {}", w.method, w.path))
        .collect();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert_eq!(writes[0], format!("POST /2/zones/{zone}/records"));
    assert!(
        writes[1].starts_with(&format!("PUT /2/zones/{zone}/records/")),
        "{writes:?}"
    );
}

#[tokio::test]
async fn an_apply_that_idles_before_its_first_write_is_stopped_unwritten() {
    let (h, _dir) = probe_harness("apply_start_timeout_seconds = 1\n").await;
    let zone = first_zone(&h).await;
    h.sim
        .set_faults(ikmcp_sim::Faults {
            latency_ms: 400,
            ..ikmcp_sim::Faults::default()
        })
        .unwrap();
    // 12 reads at 400 ms each keep the apply from writing for ~4.8 s, far past the 1 s limit.
    let args = json!({"zone": zone, "reads": 12});
    confirm_stops_at_start_limit(&h, &args, Duration::from_secs(4), "the reads").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        h.writes().is_empty(),
        "the write never left: {:?}",
        h.writes()
    );
    let failed = h
        .audit_lines()
        .into_iter()
        .find(|l| l["phase"] == "failed" && l["error"]["code"] == "apply_start_timeout");
    assert!(failed.is_some(), "the stop is audited");
    // A prompt apply under the same limit writes.
    let args = json!({"zone": zone, "reads": 0});
    let plan = h.ok("probe_idle_apply", args.clone()).await;
    let applied = h
        .ok(
            "probe_idle_apply",
            with_token(&args, &plan["confirmation_token"]),
        )
        .await;
    assert_eq!(applied["status"], "applied", "{applied}");
    assert_eq!(h.writes().len(), 1);
}

#[tokio::test]
async fn a_write_held_in_the_rate_limiter_past_the_start_limit_is_never_sent() {
    // One request a minute: the zone lookup spends it, so the apply's write waits.
    let (h, _dir) =
        probe_harness("apply_start_timeout_seconds = 1\nrequests_per_minute = 1\n").await;
    let zone = first_zone(&h).await;
    let args = json!({"zone": zone, "reads": 0});
    confirm_stops_at_start_limit(&h, &args, Duration::from_secs(5), "the rate limiter's wait")
        .await;
    assert!(h.writes().is_empty(), "{:?}", h.writes());
}

/// Plans `probe_idle_apply` with `args`, confirms it, and checks the apply was refused as
/// `apply_start_timeout` well before `what` (which would take far longer than `within`)
/// could have ended.
async fn confirm_stops_at_start_limit(h: &Harness, args: &Value, within: Duration, what: &str) {
    let plan = h.ok("probe_idle_apply", args.clone()).await;
    let started = std::time::Instant::now();
    let err = h
        .err(
            "probe_idle_apply",
            with_token(args, &plan["confirmation_token"]),
        )
        .await;
    assert_eq!(err["error"]["code"], "apply_start_timeout", "{err}");
    assert!(
        started.elapsed() < within,
        "stopped at the limit, not after {what}: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn calls_past_the_concurrent_limit_are_refused_as_busy() {
    let h = Harness::start(Options {
        config: "[limits]\nmax_concurrent_calls = 1\n".into(),
        ..Options::default()
    })
    .await;
    let zone = first_zone(&h).await;
    h.sim
        .set_faults(ikmcp_sim::Faults {
            latency_ms: 1500,
            ..ikmcp_sim::Faults::default()
        })
        .unwrap();
    let args = json!({"zone": zone});
    let (slow, quick) = tokio::join!(h.call("infomaniak_dns_list_records", args.clone()), async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        h.call("infomaniak_dns_list_records", args.clone()).await
    });
    assert_ne!(slow.is_error, Some(true), "{}", crate::harness::text(&slow));
    assert_eq!(
        quick.is_error,
        Some(true),
        "{}",
        crate::harness::text(&quick)
    );
    let body = quick.structured_content.unwrap();
    assert_eq!(body["error"]["kind"], "busy", "{body}");
    assert_eq!(body["error"]["code"], "too_many_calls", "{body}");
    h.sim.set_faults(ikmcp_sim::Faults::default()).unwrap();
    let after = h.call("infomaniak_dns_list_records", args).await;
    assert_ne!(after.is_error, Some(true), "a freed slot serves again");
}

#[tokio::test]
async fn read_only_mode_offers_exactly_the_tools_whose_effect_is_read() {
    let full = Harness::start(Options::default()).await;
    let effects: std::collections::HashMap<String, String> =
        full.ok("infomaniak_tool_catalog", json!({})).await["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_string(),
                    t["effect"].as_str().unwrap().to_string(),
                )
            })
            .collect();
    assert!(effects.values().any(|e| e != "read"), "{effects:?}");
    let mut reads: Vec<String> = effects
        .iter()
        .filter(|(_, e)| *e == "read")
        .map(|(n, _)| n.clone())
        .collect();
    reads.sort();

    let h = Harness::start(Options {
        config: "read_only = true\n".into(),
        ..Options::default()
    })
    .await;
    let tools = h.tools().await;
    let mut listed: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    listed.sort();
    assert_eq!(listed, reads, "exactly the read tools, every one of them");
    for tool in &tools {
        let hints = tool.annotations.clone().unwrap();
        assert_eq!(hints.read_only_hint, Some(true), "{}", tool.name);
        assert_ne!(hints.destructive_hint, Some(true), "{}", tool.name);
    }
    for (name, effect) in effects.iter().filter(|(_, e)| *e != "read") {
        let refused = h
            .client
            .call_tool(
                rmcp::model::CallToolRequestParams::new(name.clone())
                    .with_arguments(serde_json::Map::new()),
            )
            .await;
        assert!(refused.is_err(), "{name} ({effect}) is hidden and unknown");
    }
    assert!(h.writes().is_empty());
}
