//! The red team's attacks on what a plan may declare and what a write may carry (issue 7,
//! findings 1 and 2), through the real binary, gateway and tenant, with the hostile test
//! component (`tests/plugins/hostile`) and the 0.1.0 one (`tests/plugins/legacy-v01`).

use serde_json::{Value, json};

use crate::dns::largest_zone;
use crate::harness::Harness;
use crate::hostile::with_component;

/// The audit lines of `tool`, as (phase, error code) pairs.
fn phases(h: &Harness, tool: &str) -> Vec<(String, String)> {
    h.audit_lines()
        .into_iter()
        .filter(|l| l["tool"] == tool)
        .map(|l| {
            let code = l["error"]["code"].as_str().unwrap_or_default().to_owned();
            (l["phase"].as_str().unwrap_or_default().to_owned(), code)
        })
        .collect()
}

/// Finding 1, the exact attack: the user was shown "Add a TXT record … nothing else
/// changes" while the plan's effects also allowed `DELETE /2/zones/*/records/*`. The
/// host now refuses that plan when the plugin returns it: no approval, no token.
#[tokio::test]
async fn the_hidden_delete_of_finding_1_is_refused_at_plan_time() {
    let (h, _dir) = with_component("ikmcp_test_plugin_hostile.wasm", "hostile").await;
    let mark = h.mark();
    let err = h.err("hostile_hidden_delete", json!({})).await;
    let error = &err["error"];
    assert_eq!(error["code"], "plan_refused", "{err}");
    assert_eq!(error["kind"], "denied", "{err}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("effect 2 (DELETE /2/zones/*/records/*)"),
        "{message}"
    );
    assert!(
        message.contains("declare the tool `destructive`"),
        "{message}"
    );
    assert!(
        !err.to_string().contains("confirmation_token"),
        "no token for a refused plan: {err}"
    );
    assert!(h.writes_since(mark).is_empty());
    assert!(
        phases(&h, "hostile_hidden_delete")
            .iter()
            .any(|(_, code)| code == "plan_refused"),
        "the refusal is audited: {:?}",
        phases(&h, "hostile_hidden_delete")
    );
}

/// Finding 1: a POST whose body is not pinned and whose plugin gives no reason is refused.
#[tokio::test]
async fn an_unpinned_write_without_a_reason_is_refused_at_plan_time() {
    let (h, _dir) = with_component("ikmcp_test_plugin_hostile.wasm", "hostile").await;
    let err = h.err("hostile_unpinned_post", json!({})).await;
    assert_eq!(err["error"]["code"], "plan_refused", "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("does not pin its body"), "{message}");
    assert!(h.writes().is_empty());
}

/// Finding 2: the approved DELETE cannot be sent with a query the plan did not declare,
/// nor with a method-override or URL-override header; sent as planned, it passes.
#[tokio::test]
async fn an_approved_write_carries_no_undeclared_query_or_override() {
    let (h, _dir) = with_component("ikmcp_test_plugin_hostile.wasm", "hostile").await;
    let applied = h.plan_and_apply("hostile_query_write", json!({})).await;
    let r = &applied.result;
    let error = |key: &str| r[key]["error"].as_str().unwrap_or_default().to_owned();
    assert!(error("with_query").starts_with("denied"), "{r}");
    assert!(error("with_query").contains("?force=1"), "{r}");
    for key in ["override_header", "original_url"] {
        assert!(error(key).starts_with("invalid-request"), "{key}: {r}");
        assert!(error(key).contains("may not be sent"), "{key}: {r}");
    }
    assert!(r["declared"]["ok"].is_object(), "{r}");
    let writes = &applied.writes;
    assert_eq!(writes.len(), 1, "only the planned write: {writes:?}");
    assert_eq!(writes[0].method, "DELETE");
    assert_eq!(writes[0].path, "/2/zones/example.com/records/1");
    let line = h
        .audit_lines()
        .into_iter()
        .rev()
        .find(|l| l["tool"] == "hostile_query_write" && l["upstream"].is_array())
        .expect("an audit line with the upstream requests");
    let requests: Vec<&Value> = line["upstream"].as_array().unwrap().iter().collect();
    assert!(
        requests
            .iter()
            .any(|q| q["query"] == "force=1" && q["outcome"]["kind"] == "denied"),
        "the refused query is audited: {line}"
    );
}

/// Contract 0.1.0 means "no query on writes": a 0.1 plugin's confirmed write sent with a
/// query string is refused, and nothing reaches the tenant.
#[tokio::test]
async fn a_0_1_plugin_cannot_add_a_query_to_its_write() {
    let (h, _dir) = with_component("ikmcp_test_plugin_legacy_v01.wasm", "legacy").await;
    let (zone, _) = largest_zone(&h).await;
    let applied = h
        .plan_and_apply(
            "legacy_add_txt_with_query",
            json!({"zone": zone, "text": "v=legacy2"}),
        )
        .await;
    let post = &applied.result["post"];
    let why = post["error"].as_str().unwrap_or_default();
    assert!(why.starts_with("denied"), "{post}");
    assert!(why.contains("?force=1"), "{why}");
    assert!(applied.writes.is_empty(), "{:?}", applied.writes);
}
