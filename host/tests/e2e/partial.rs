//! A multi-effect, multi-role apply that fails midway, through the real binary: the
//! answer lists, from the host's own record of the writes it sent, which planned effects
//! were performed, refused and not sent, with the plugin's undo plan beside it; following
//! that plan undoes what was done. The apply reads between its writes (read-back).

use serde_json::{Value, json};

use crate::dns::{first_zone, records};
use crate::harness::{Harness, Options};
use crate::hostile::plugin_dir_as;

#[tokio::test]
async fn an_apply_that_fails_midway_says_what_was_done_and_how_to_undo_it() {
    let dir = plugin_dir_as("ikmcp_test_plugin_guard_probe.wasm", "guardprobe");
    let config = format!(
        "[plugins]\ndirs = [{:?}]\n[plugins.roles]\nguardprobe = [\"infomaniak-api\", \"infomaniak-manager\"]\n",
        dir.path()
    );
    let h = Harness::start(Options {
        config,
        ..Options::default()
    })
    .await;
    let zone = first_zone(&h).await;
    let args = json!({"zone": zone});
    let plan = h.ok("probe_partial", args.clone()).await;
    let roles: Vec<&str> = plan["effects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["infomaniak-api", "infomaniak-manager", "infomaniak-api"],
        "one plan, every effect across roles, in order"
    );
    let mark = h.mark();
    let mut confirmed = args.clone();
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let failed = h.err("probe_partial", confirmed).await;

    let message = failed["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "the apply stopped after 1 of the 3 planned write(s) were performed (1 refused by the upstream, 1 not sent): "
        ),
        "{failed}"
    );
    let report = &failed["apply_report"];
    let path = format!("/2/zones/{zone}/records");
    assert_eq!(report["performed"].as_array().unwrap().len(), 1, "{report}");
    let performed = &report["performed"][0];
    assert_eq!(
        (
            &performed["effect"],
            &performed["role"],
            &performed["method"],
            &performed["path"]
        ),
        (
            &json!(1),
            &json!("infomaniak-api"),
            &json!("POST"),
            &json!(path)
        )
    );
    assert_eq!(report["refused"][0]["effect"], 2, "{report}");
    assert_eq!(report["refused"][0]["role"], "infomaniak-manager");
    assert_eq!(report["refused"][0]["status"], 404);
    assert_eq!(
        report["not_sent"],
        json!([{"effect": 3, "role": "infomaniak-api", "method": "POST", "path": path}])
    );
    assert_eq!(report["unknown"], json!([]));

    // The host's report matches what reached the tenant, write for write.
    let writes = h.writes_since(mark);
    let sent: Vec<(String, String, u16)> = writes
        .iter()
        .map(|w| (w.upstream.clone(), w.path.clone(), w.status))
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].1, path);
    assert_eq!(sent[1].1, "/proxy/2/zones/no-such-zone.invalid/records");
    assert_eq!(sent[1].2, 404);
    // The apply read between its writes.
    assert!(
        h.sim
            .requests()
            .iter()
            .any(|r| r.seq > writes[0].seq && r.seq < writes[1].seq && r.method == "GET"),
        "an apply may read (read-back after a create)"
    );

    // The plugin's undo plan, as its words, undoes what the host says was performed.
    let hint = report["plugin_error"]["hint"].as_str().unwrap();
    assert!(hint.contains("1. infomaniak_dns_delete_record "), "{hint}");
    let call = hint
        .split("infomaniak_dns_delete_record ")
        .nth(1)
        .and_then(|rest| rest.split(" (").next())
        .unwrap();
    let undo: Value = serde_json::from_str(call).unwrap();
    let created = undo["record_id"].clone();
    assert!(
        records(&h, &zone).await.iter().any(|r| r["id"] == created),
        "partial-1 exists before the undo"
    );
    h.plan_and_apply("infomaniak_dns_delete_record", undo).await;
    assert!(
        !records(&h, &zone).await.iter().any(|r| r["id"] == created),
        "undone"
    );

    // The audit log keeps the report with the failed line.
    let failed_line = h
        .audit_lines()
        .into_iter()
        .find(|l| l["phase"] == "failed" && l["tool"] == "probe_partial")
        .unwrap();
    assert_eq!(failed_line["result_summary"]["apply_report"], *report);
    let efforts: Vec<Value> = failed_line["upstream"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.get("effect").cloned())
        .collect();
    assert_eq!(efforts, [json!(1), json!(2)], "each write names its effect");
}
