//! The DNS plugin through the whole stack: listing, paged reads, plan then apply.

use serde_json::{Value, json};

use crate::harness::{Harness, Options, Scale};

/// The first domain of the tenant, as the plugin lists it.
pub async fn first_zone(h: &Harness) -> String {
    let domains = h.ok("infomaniak_list_domains", json!({})).await;
    let list = domains["domains"].as_array().expect("domains list");
    assert!(!list.is_empty(), "the tenant has domains: {domains}");
    list[0]["customer_name"]
        .as_str()
        .or(list[0]["name"].as_str())
        .expect("domain name")
        .to_string()
}

/// The zone with the most records, and its record count (read from the tenant directly).
pub async fn largest_zone(h: &Harness) -> (String, usize) {
    let products = h
        .direct(
            reqwest::Method::GET,
            "/1/products?service_name=domain&page=1&per_page=100",
            None,
        )
        .await;
    let mut best = (String::new(), 0usize);
    for p in products["data"].as_array().expect("products") {
        let zone = p["customer_name"].as_str().unwrap().to_string();
        let page = h
            .direct(
                reqwest::Method::GET,
                &format!("/2/zones/{zone}/records?page=1&per_page=1"),
                None,
            )
            .await;
        let total = page["total"].as_u64().unwrap_or(0) as usize;
        if total > best.1 {
            best = (zone, total);
        }
    }
    best
}

/// Every record of `zone`, as the plugin lists them.
pub async fn records(h: &Harness, zone: &str) -> Vec<Value> {
    let out = h
        .ok("infomaniak_dns_list_records", json!({"zone": zone}))
        .await;
    out["records"].as_array().cloned().expect("records array")
}

#[tokio::test]
async fn tools_are_listed_with_schemas_and_annotations() {
    let h = Harness::start(Options::default()).await;
    let tools = h.tools().await;
    let again = h.tools().await;
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(
        names,
        again.iter().map(|t| t.name.to_string()).collect::<Vec<_>>(),
        "order is stable"
    );
    for expected in [
        "infomaniak_help",
        "infomaniak_tool_catalog",
        "infomaniak_explain",
        "infomaniak_audit_log_tail",
        "infomaniak_audit_log_search",
        "infomaniak_list_domains",
        "infomaniak_dns_list_records",
        "infomaniak_dns_create_record",
        "infomaniak_dns_update_record",
        "infomaniak_dns_delete_record",
        "infomaniak_manage_dnssec",
        "infomaniak_audit_domain_dns_admin",
        "infomaniak_audit_dns_zones",
    ] {
        assert!(
            names.contains(&expected.to_string()),
            "{expected} missing from {names:?}"
        );
    }
    let mut seen = std::collections::HashSet::new();
    for tool in &tools {
        assert!(
            seen.insert(tool.name.to_string()),
            "duplicate {}",
            tool.name
        );
        assert!(
            tool.output_schema.is_some(),
            "{} has an output schema",
            tool.name
        );
        assert!(tool.annotations.is_some(), "{} has annotations", tool.name);
    }
    let find = |n: &str| tools.iter().find(|t| t.name == n).unwrap();
    let list = find("infomaniak_dns_list_records")
        .annotations
        .clone()
        .unwrap();
    assert_eq!(list.read_only_hint, Some(true));
    assert_eq!(list.open_world_hint, Some(true));
    let delete = find("infomaniak_dns_delete_record")
        .annotations
        .clone()
        .unwrap();
    assert_eq!(delete.destructive_hint, Some(true));
    assert_eq!(delete.read_only_hint, Some(false));
    let create = find("infomaniak_dns_create_record");
    assert!(create.input_schema["properties"]["confirmation_token"].is_object());
    assert!(
        find("infomaniak_dns_list_records").input_schema["properties"]
            .get("confirmation_token")
            .is_none()
    );
}

#[tokio::test]
async fn a_paged_read_returns_every_record_of_a_large_zone() {
    let h = Harness::start(Options {
        scale: Scale::Fleet,
        ..Options::default()
    })
    .await;
    let (zone, expected) = largest_zone(&h).await;
    h.sim.clear_requests();
    assert!(
        expected > 250,
        "the fleet tenant has a zone with 250+ records, got {expected}"
    );
    let got = records(&h, &zone).await;
    assert_eq!(got.len(), expected, "every record, not just the first page");
    let mut ids: Vec<i64> = got.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), expected, "no record twice");
    let pages: Vec<_> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path == format!("/2/zones/{zone}/records"))
        .collect();
    assert!(
        pages.len() >= 3,
        "followed pagination: {} requests",
        pages.len()
    );
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn create_plans_without_writing_then_applies_exactly_the_plan() {
    let h = Harness::start(Options::default()).await;
    let zone = first_zone(&h).await;
    let args =
        json!({"zone": zone, "source": "e2e", "type": "A", "target": "192.0.2.10", "ttl": 3600});
    let done = h.plan_and_apply("infomaniak_dns_create_record", args).await;
    let plan = &done.plan;
    assert!(
        plan["summary"].as_str().unwrap().contains("192.0.2.10"),
        "{plan}"
    );
    assert!(plan["changes"][0]["after"].is_object(), "{plan}");
    assert!(plan["token_expires_at"].is_string());
    assert_eq!(done.writes.len(), 1, "exactly the planned write: {done:?}");
    assert_eq!(done.writes[0].method, "POST");
    assert_eq!(done.writes[0].path, format!("/2/zones/{zone}/records"));
    let body: Value = done.writes[0].body.clone().expect("the write has a body");
    assert_eq!(
        &body, &plan["effects"][0]["body"],
        "the body sent is the body planned"
    );
    assert_eq!(done.result["record"]["source"], "e2e", "{done:?}");
    assert!(
        records(&h, &zone)
            .await
            .iter()
            .any(|r| r["source"] == "e2e" && r["target"] == "192.0.2.10")
    );
}

#[tokio::test]
async fn update_and_delete_show_before_and_after_then_apply() {
    let h = Harness::start(Options::default()).await;
    let zone = first_zone(&h).await;
    let record = records(&h, &zone)
        .await
        .into_iter()
        .find(|r| r["type"] == "A")
        .expect("an A record");
    let id = record["id"].as_i64().unwrap();
    let args = json!({"zone": zone, "record_id": id, "target": "192.0.2.99"});
    let plan = h.ok("infomaniak_dns_update_record", args.clone()).await;
    assert_eq!(plan["status"], "plan");
    assert_eq!(
        plan["changes"][0]["before"]["target"], record["target"],
        "{plan}"
    );
    assert_eq!(
        plan["changes"][0]["after"]["target"], "192.0.2.99",
        "{plan}"
    );
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    h.ok("infomaniak_dns_update_record", confirmed).await;
    let writes = h.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(
        (writes[0].method.as_str(), writes[0].path.as_str()),
        ("PUT", format!("/2/zones/{zone}/records/{id}").as_str())
    );

    let args = json!({"zone": zone, "record_id": id});
    let plan = h.ok("infomaniak_dns_delete_record", args.clone()).await;
    assert_eq!(
        plan["changes"][0]["before"]["target"], "192.0.2.99",
        "{plan}"
    );
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    h.ok("infomaniak_dns_delete_record", confirmed).await;
    assert_eq!(h.writes().len(), 2);
    assert!(!records(&h, &zone).await.iter().any(|r| r["id"] == id));
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_reaches_nobody() {
    let h = Harness::start(Options::default()).await;
    let zone = first_zone(&h).await;
    let before = h.sim.requests().len();
    let err = h
        .err(
            "infomaniak_dns_create_record",
            json!({"zone": zone, "source": "x", "type": "A", "target": "not-an-ip", "ttl": 3600}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert!(err["error"]["hint"].is_string(), "{err}");
    let err = h
        .err(
            "infomaniak_dns_list_records",
            json!({"zone": zone, "zonee": 1}),
        )
        .await;
    assert!(
        err["error"]["message"].as_str().unwrap().contains("zonee"),
        "{err}"
    );
    assert_eq!(
        h.sim.requests().len(),
        before,
        "schema errors never reach the tenant"
    );
    let err = h
        .err(
            "infomaniak_dns_list_records",
            json!({"zone": "no-such-zone.example"}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");
}

#[tokio::test]
async fn the_2026_discover_era_works_too() {
    let h = Harness::start(Options {
        discover: true,
        ..Options::default()
    })
    .await;
    assert!(h.tools().await.len() > 10);
    let zone = first_zone(&h).await;
    assert!(!records(&h, &zone).await.is_empty());
    let plan = h
        .ok(
            "infomaniak_dns_create_record",
            json!({"zone": zone, "source": "era", "type": "TXT", "target": "hello", "ttl": 300}),
        )
        .await;
    assert_eq!(plan["status"], "plan");
    assert!(h.writes().is_empty());
}
