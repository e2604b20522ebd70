//! Serialized writes through the real binary: two confirmed applies whose effects hold one
//! lock key run one after the other, two on different keys run at once. Proven by the
//! order of the writes in the tenant's request log, never by timing: each apply
//! (`probe_locked_pair`) writes `lock-<me>-1`, then reads until it sees the other's first
//! record (or gives up after `polls` reads), then writes `lock-<me>-2`.

use serde_json::{Value, json};

use crate::dns::first_zone;
use crate::harness::{Harness, Options};
use crate::hostile::plugin_dir_as;

/// The guard-probe component beside the DNS plugin, with no host-side pacing (the applies
/// poll the tenant).
async fn probe_harness() -> (Harness, tempfile::TempDir) {
    let dir = plugin_dir_as("ikmcp_test_plugin_guard_probe.wasm", "guardprobe");
    let config = format!(
        "[plugins]\ndirs = [{:?}]\n[plugins.roles]\nguardprobe = [\"infomaniak-api\"]\n[limits]\nrequests_per_minute = 0\n",
        dir.path()
    );
    let h = Harness::start(Options {
        config,
        ..Options::default()
    })
    .await;
    (h, dir)
}

fn pair(zone: &str, me: &str, other: &str, lock: Option<&str>, polls: u32) -> Value {
    let mut args = json!({"zone": zone, "me": me, "other": other, "polls": polls});
    if let Some(lock) = lock {
        args["lock"] = json!(lock);
    }
    args
}

/// Plans both applies, then confirms them at once; returns the record names written, in
/// the order the tenant received them.
async fn run_both(h: &Harness, a: Value, b: Value) -> Vec<String> {
    let plan_a = h.ok("probe_locked_pair", a.clone()).await;
    let plan_b = h.ok("probe_locked_pair", b.clone()).await;
    let mark = h.mark();
    let confirm = |mut args: Value, plan: &Value| {
        args["confirmation_token"] = plan["confirmation_token"].clone();
        args
    };
    let (done_a, done_b) = tokio::join!(
        h.ok("probe_locked_pair", confirm(a, &plan_a)),
        h.ok("probe_locked_pair", confirm(b, &plan_b)),
    );
    assert_eq!(done_a["status"], "applied", "{done_a}");
    assert_eq!(done_b["status"], "applied", "{done_b}");
    h.writes_since(mark)
        .into_iter()
        .map(|w| {
            assert_eq!(w.method, "POST");
            w.body.unwrap()["source"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn two_applies_holding_one_key_never_overlap() {
    let (h, _dir) = probe_harness().await;
    let zone = first_zone(&h).await;
    let key = Some("zone:probe");
    // The plan shows the lock the approval binds.
    let plan = h
        .ok("probe_locked_pair", pair(&zone, "a", "b", key, 20))
        .await;
    assert!(
        plan["approval"]
            .as_str()
            .unwrap()
            .contains("serialized: holds the lock zone:probe on role infomaniak-api"),
        "{plan}"
    );
    assert_eq!(plan["effects"][0]["lock"], "zone:probe", "{plan}");

    let order = run_both(
        &h,
        pair(&zone, "a", "b", key, 20),
        pair(&zone, "b", "a", key, 20),
    )
    .await;
    assert_eq!(order.len(), 4, "{order:?}");
    let first = &order[0][..6]; // lock-a or lock-b
    assert_eq!(
        order,
        [
            format!("{first}-1"),
            format!("{first}-2"),
            order[2].clone(),
            order[3].clone()
        ]
    );
    assert!(
        order[2].ends_with("-1") && order[3].ends_with("-2") && order[2][..6] != *first,
        "the second apply starts only after the first ended: {order:?}"
    );
    // Both applies are audited with the lock they held.
    let attempts: Vec<Value> = h
        .audit_lines()
        .into_iter()
        .filter(|l| l["phase"] == "apply_attempt")
        .collect();
    assert_eq!(attempts.len(), 2);
    for a in &attempts {
        assert_eq!(
            a["result_summary"]["locks"],
            json!([{"role": "infomaniak-api", "key": "zone:probe"}]),
            "{a}"
        );
    }
}

#[tokio::test]
async fn applies_on_different_keys_or_without_a_key_run_at_once() {
    let (h, _dir) = probe_harness().await;
    let zone = first_zone(&h).await;
    for (lock_a, lock_b, me, other) in [
        (Some("zone:one"), Some("zone:two"), "c", "d"),
        (None, None, "e", "f"),
    ] {
        // Each apply waits (up to many reads) for the other's first record: they meet
        // in the middle, so both first writes come before either second one.
        let order = run_both(
            &h,
            pair(&zone, me, other, lock_a, 2000),
            pair(&zone, other, me, lock_b, 2000),
        )
        .await;
        assert_eq!(order.len(), 4, "{order:?}");
        assert!(
            order[0].ends_with("-1") && order[1].ends_with("-1"),
            "{lock_a:?}/{lock_b:?}: the applies overlapped: {order:?}"
        );
    }
}
