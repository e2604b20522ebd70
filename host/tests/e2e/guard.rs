//! The confirmation guard, end to end: every way a confirmation can be wrong is refused,
//! and nothing reaches the tenant when it is.

use serde_json::{Value, json};

use crate::dns::{first_zone, records};
use crate::harness::{Harness, Options};

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
    let zone = first_zone(&h).await;
    let record = records(&h, &zone)
        .await
        .into_iter()
        .find(|r| r["type"] == "A")
        .unwrap();
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
    let zone = first_zone(&h).await;
    let record = records(&h, &zone)
        .await
        .into_iter()
        .find(|r| r["type"] == "A")
        .unwrap();
    let args = json!({"zone": zone, "record_id": record["id"], "target": record["target"]});
    let out = h.ok("infomaniak_dns_update_record", args).await;
    assert_eq!(out["status"], "no_change", "{out}");
    assert!(out.get("confirmation_token").is_none());
    assert!(h.writes().is_empty());
}
