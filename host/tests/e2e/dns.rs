//! The DNS plugin through the whole stack: listing, paged reads, plan then apply.

use ikmcp_sim::seed::{ZONE_COMPLETE, ZONE_NO_MAIL_POLICY};
use reqwest::Method;
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

// ---- issue 16: what the live API is known to do, through the whole stack ----

/// Another client moves `domain` to name servers outside Infomaniak.
async fn delegate_elsewhere(h: &Harness, domain: &str) {
    let moved = h
        .direct(
            Method::PUT,
            &format!("/2/domains/{domain}/nameservers"),
            Some(json!({"nameservers": ["ns1.elsewhere.example", "ns2.elsewhere.example"]})),
        )
        .await;
    assert_eq!(moved["result"], "success", "{moved}");
}

/// The TXT targets of every write the tenant received.
fn txt_targets_sent(h: &Harness) -> Vec<String> {
    h.writes()
        .into_iter()
        .filter_map(|w| w.body)
        .filter_map(|b| b["target"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn txt_values_go_raw_and_come_back_quoted() {
    let h = Harness::start(Options::default()).await;
    let zone = ZONE_NO_MAIL_POLICY;
    for (source, given) in [
        ("_dmarc", "v=DMARC1; p=quarantine"),
        ("@", "\"v=spf1 \" \"-all\""),
        ("inner", r#"say "hi""#),
    ] {
        let args = json!({"zone": zone, "source": source, "type": "TXT", "target": given});
        let done = h.plan_and_apply("infomaniak_dns_create_record", args).await;
        assert_eq!(done.writes.len(), 1, "{done:?}");
    }
    let sent = txt_targets_sent(&h);
    assert_eq!(
        sent,
        ["v=DMARC1; p=quarantine", "v=spf1 -all", r#"say "hi""#]
    );
    assert!(
        sent.iter().all(|t| !t.starts_with('"')),
        "never pre-quoted: {sent:?}"
    );
    let listed = records(&h, zone).await;
    let target = |s: &str| {
        listed
            .iter()
            .find(|r| r["source"] == s)
            .map(|r| r["target"].clone())
            .unwrap()
    };
    assert_eq!(
        target("_dmarc"),
        "\"v=DMARC1; p=quarantine\"",
        "shown as the API stores it"
    );
    assert_eq!(target("inner"), r#""say \"hi\"""#);
    // The same text in either form is the same record: no second write.
    for given in ["v=DMARC1; p=quarantine", "\"v=DMARC1; p=quarantine\""] {
        let out = h
            .ok(
                "infomaniak_dns_create_record",
                json!({"zone": zone, "source": "_dmarc", "type": "TXT", "target": given}),
            )
            .await;
        assert_eq!(out["status"], "no_change", "{out}");
    }
    // A TTL change leaves the quoted target out of the PUT.
    let id = listed.iter().find(|r| r["source"] == "_dmarc").unwrap()["id"].clone();
    let done = h
        .plan_and_apply(
            "infomaniak_dns_update_record",
            json!({"zone": zone, "record_id": id, "ttl": 600}),
        )
        .await;
    assert_eq!(done.writes[0].body, Some(json!({"ttl": 600})));
    // The audit reads the policy through the quotes.
    let audit = h
        .ok("infomaniak_audit_domain_dns_admin", json!({"domain": zone}))
        .await;
    let codes: Vec<&str> = audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(!codes.contains(&"missing_dmarc"), "{codes:?}");
    assert!(!codes.contains(&"missing_spf"), "{codes:?}");
}

#[tokio::test]
async fn a_full_name_finds_its_zone_and_the_audit_its_domain() {
    let h = Harness::start(Options::default()).await;
    let zone = ZONE_COMPLETE;
    let done = h
        .plan_and_apply(
            "infomaniak_dns_create_record",
            json!({"zone": format!("www.{zone}"), "source": "_acme-challenge", "type": "TXT", "target": "tok"}),
        )
        .await;
    assert_eq!(done.writes[0].path, format!("/2/zones/{zone}/records"));
    assert_eq!(
        done.writes[0].body.as_ref().unwrap()["source"],
        "_acme-challenge.www"
    );
    assert_eq!(done.result["zone"], zone);
    // A delegated sub-zone holds its own names.
    let created = h
        .direct(Method::POST, &format!("/2/zones/shop.{zone}"), None)
        .await;
    assert_eq!(created["result"], "success", "{created}");
    let listed = h
        .ok(
            "infomaniak_dns_list_records",
            json!({"zone": format!("ns.shop.{zone}")}),
        )
        .await;
    assert_eq!(listed["zone"], format!("shop.{zone}"), "{listed}");
    let audit = h
        .ok(
            "infomaniak_audit_domain_dns_admin",
            json!({"domain": format!("shop.{zone}")}),
        )
        .await;
    assert_eq!(audit["zone"], format!("shop.{zone}"));
    assert_eq!(audit["domain"], zone);
    let dnssec_reads: Vec<String> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/dnssec/check"))
        .map(|r| r.path)
        .collect();
    assert_eq!(dnssec_reads, [format!("/2/domains/{zone}/dnssec/check")]);
}

#[tokio::test]
async fn dnssec_on_external_name_servers_needs_the_providers_ds_data() {
    let h = Harness::start(Options::default()).await;
    let domain = ZONE_NO_MAIL_POLICY;
    delegate_elsewhere(&h, domain).await;
    let err = h
        .err(
            "infomaniak_manage_dnssec",
            json!({"domain": domain, "action": "enable"}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("dnssec_data"),
        "{err}"
    );
    assert_eq!(h.writes().len(), 1, "only the direct PUT: {:?}", h.writes());
    let done = h
        .plan_and_apply(
            "infomaniak_manage_dnssec",
            json!({"domain": domain, "action": "enable", "dnssec_data": ["12345 13 2 ABCDEF0123"]}),
        )
        .await;
    assert_eq!(
        done.writes[0].body,
        Some(json!({"dnssec_data": ["12345 13 2 ABCDEF0123"]}))
    );
    assert_eq!(done.result["has_dnssec"], true, "{done:?}");
}

#[tokio::test]
async fn a_record_on_external_name_servers_is_reported_not_served() {
    let h = Harness::start(Options::default()).await;
    let zone = ZONE_NO_MAIL_POLICY;
    let id = records(&h, zone).await[0]["id"].clone();
    let check = json!({"resource": "check_record", "zone": zone, "record_id": id});
    let out = h.ok("infomaniak_get_domain_resources", check.clone()).await;
    assert_eq!(out["data"]["served"], true, "{out}");
    delegate_elsewhere(&h, zone).await;
    let out = h.ok("infomaniak_get_domain_resources", check).await;
    assert_eq!(out["data"]["served"], false, "{out}");
    assert!(out["data"]["hint"].is_string(), "{out}");
}

#[tokio::test]
async fn the_zone_list_is_read_to_its_last_page() {
    let h = Harness::start(Options::default()).await;
    let domain = ZONE_COMPLETE;
    for i in 0..120 {
        let created = h
            .direct(Method::POST, &format!("/2/zones/sub{i}.{domain}"), None)
            .await;
        assert_eq!(created["result"], "success", "{created}");
    }
    let mark = h.mark();
    let out = h
        .ok(
            "infomaniak_get_domain_resources",
            json!({"resource": "list_zones", "domain": domain}),
        )
        .await;
    assert_eq!(
        out["data"].as_array().unwrap().len(),
        121,
        "every zone, not one page"
    );
    let pages = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.seq > mark && r.path == format!("/2/domains/{domain}/zones"))
        .count();
    assert_eq!(pages, 2);
}

#[tokio::test]
async fn a_record_type_outside_the_spec_is_refused_before_sending() {
    let h = Harness::start(Options::default()).await;
    let mark = h.mark();
    let err = h
        .err(
            "infomaniak_dns_list_records",
            json!({"zone": ZONE_COMPLETE, "type": "HINFO"}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert_eq!(h.mark(), mark, "nothing reached the tenant");
    let soa = h
        .ok(
            "infomaniak_dns_list_records",
            json!({"zone": ZONE_COMPLETE, "type": "SOA"}),
        )
        .await;
    assert_eq!(
        soa["count"], 0,
        "a listable type the tenant has no record of"
    );
}
