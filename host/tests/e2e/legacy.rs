//! A plugin built against the frozen contract 0.1.0 (`tests/plugins/legacy-v01`), through
//! the real binary, gateway and tenant: the host adapts it onto the latest contract, so it
//! still loads, lists, reads and applies; and what 0.1 could not declare (a query on a
//! write) it cannot send.

use serde_json::json;

use crate::dns::largest_zone;
use crate::harness::Harness;
use crate::hostile::with_component;

async fn legacy_harness() -> (Harness, tempfile::TempDir) {
    with_component("ikmcp_test_plugin_legacy_v01.wasm", "legacy").await
}

#[tokio::test]
async fn a_0_1_plugin_loads_lists_reads_and_applies() {
    let (h, _dir) = legacy_harness().await;
    let tools = h.tools().await;
    for name in [
        "legacy_count_records",
        "legacy_add_txt",
        "legacy_add_txt_with_query",
    ] {
        assert!(
            tools.iter().any(|t| t.name == name),
            "{name} is listed beside the DNS plugin's tools"
        );
    }
    let add = tools.iter().find(|t| t.name == "legacy_add_txt").unwrap();
    let hints = add.annotations.as_ref().expect("annotations");
    assert_eq!(hints.read_only_hint, Some(false), "a 0.1 write is a write");

    let (zone, records) = largest_zone(&h).await;
    let count = h.ok("legacy_count_records", json!({"zone": zone})).await;
    assert_eq!(
        count["count"].as_u64(),
        Some(records.min(100) as u64),
        "{count}"
    );

    let applied = h
        .plan_and_apply("legacy_add_txt", json!({"zone": zone, "text": "v=legacy1"}))
        .await;
    let effect = &applied.plan["effects"][0];
    assert_eq!(effect["method"], "POST", "{}", applied.plan);
    assert_eq!(effect["path_pattern"], format!("/2/zones/{zone}/records"));
    assert!(
        effect.get("query").is_none_or(|q| q == &json!([])),
        "a 0.1 effect carries no query: {effect}"
    );
    assert_eq!(applied.result["confirmed_effects"], 1, "{applied:?}");
    assert_eq!(applied.result["post"]["ok"]["status"], 200, "{applied:?}");
    let writes = &applied.writes;
    assert_eq!(writes.len(), 1, "exactly the planned write: {writes:?}");
    assert_eq!(
        (writes[0].method.as_str(), writes[0].path.as_str()),
        ("POST", format!("/2/zones/{zone}/records").as_str())
    );
}
