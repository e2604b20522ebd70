//! Tool-level tests: every tool called through the registry with JSON arguments, against
//! canned API answers (MockHost), checking what is read, planned and written.

use ikmcp_pdk::testing::MockHost;
use ikmcp_pdk::{Effect, HttpMethod, Plan, PlanOutcome, Plugin, ToolError, UpstreamError};
use serde_json::{Value, json};

use crate::Dns;
use crate::audit::{Severity, audit_zone};
use crate::zone::DnsRecord;

fn ok(data: Value) -> Value {
    json!({"result": "success", "data": data})
}

fn paged(data: Value, page: u32, pages: u32) -> Value {
    json!({"result": "success", "data": data, "page": page, "pages": pages, "total": 250, "items_per_page": 100})
}

fn err(code: &str, description: &str) -> Value {
    json!({"result": "error", "error": {"code": code, "description": description, "errors": []}})
}

fn invoke(host: &MockHost, tool: &str, args: Value) -> Result<Value, ToolError> {
    Dns::registry()
        .invoke(host, tool, &args.to_string())
        .map(|s| serde_json::from_str(&s).unwrap())
}

fn plan(host: &MockHost, tool: &str, args: Value) -> Result<PlanOutcome, ToolError> {
    Dns::registry().plan(host, tool, &args.to_string())
}

fn apply(host: &MockHost, tool: &str, args: Value, confirmed: &Plan) -> Result<Value, ToolError> {
    Dns::registry()
        .apply(host, tool, &args.to_string(), confirmed)
        .map(|s| serde_json::from_str(&s).unwrap())
}

fn needs_confirmation(outcome: PlanOutcome) -> Plan {
    match outcome {
        PlanOutcome::NeedsConfirmation(p) => p,
        PlanOutcome::NoChange(r) => panic!("expected a plan, got no-change {r}"),
    }
}

fn no_change(outcome: PlanOutcome) -> Value {
    match outcome {
        PlanOutcome::NoChange(r) => serde_json::from_str(&r).unwrap(),
        PlanOutcome::NeedsConfirmation(p) => panic!("expected no-change, got plan {p:?}"),
    }
}

fn parse(text: Option<&str>) -> Value {
    serde_json::from_str(text.expect("JSON text")).unwrap()
}

fn rec(id: i64, source: &str, rtype: &str, target: &str, ttl: u32) -> Value {
    json!({"id": id, "source": source, "type": rtype, "target": target, "ttl": ttl, "updated_at": 1_700_000_000})
}

/// A healthy zone: MX, SPF, DMARC at the right names, normal TTLs.
fn healthy_zone() -> Value {
    json!([
        rec(1, ".", "NS", "ns11.infomaniak.ch", 3600),
        rec(2, ".", "A", "192.0.2.1", 3600),
        rec(3, ".", "MX", "5 mta-gw.infomaniak.ch", 3600),
        rec(
            4,
            ".",
            "TXT",
            "\"v=spf1 include:spf.infomaniak.ch -all\"",
            3600
        ),
        rec(5, "_dmarc", "TXT", "\"v=DMARC1;p=reject\"", 3600),
        rec(6, "www", "CNAME", "example.com", 3600),
    ])
}

const RECORDS: &str = "/2/zones/example.com/records";

fn zone_host() -> MockHost {
    let host = MockHost::new();
    host.route(HttpMethod::Get, RECORDS, 200, ok(healthy_zone()));
    host
}

// ---- describe ----

#[test]
fn manifest_is_valid_for_the_host() {
    let m = Dns::registry().manifest();
    // The DNS tools are still above the project's 100 (112 by this estimate, which counts
    // the host's write additions at their allowance); the whole default surface, with the
    // built-ins, is within 100. This bound keeps them from growing.
    ikmcp_pdk::testing::check_manifest_within(&m, crate::ALL_TOOLS, 112);
    assert_eq!(m.id, "dns");
    assert_eq!(m.roles, vec!["infomaniak-api".to_string()]);
    assert!(m.tools.len() >= 10);
    let mut names = std::collections::HashSet::new();
    for t in &m.tools {
        assert!(
            (1..=64).contains(&t.name.len())
                && t.name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "bad name {}",
            t.name
        );
        assert!(names.insert(t.name.clone()), "duplicate {}", t.name);
        assert!(
            ["dns", "domain", "audit"].contains(&t.category.as_str()),
            "{}",
            t.name
        );
        assert!(
            t.description.len() > 30,
            "{} needs a real description",
            t.name
        );
        let input: Value = serde_json::from_str(&t.input_schema).unwrap();
        assert_eq!(input["type"], "object", "{}", t.name);
        assert_eq!(input["additionalProperties"], false, "{}", t.name);
        assert!(input.get("$schema").is_none(), "compact: {}", t.name);
        assert!(
            input["properties"].get("confirmation_token").is_none(),
            "{}",
            t.name
        );
        let output: Value = serde_json::from_str(&t.output_schema).unwrap();
        assert_eq!(output["type"], "object", "{}", t.name);
        assert!(
            output["properties"]
                .as_object()
                .is_some_and(|p| !p.is_empty()),
            "{}",
            t.name
        );
    }
    let tool = |n: &str| {
        m.tools
            .iter()
            .find(|t| t.name == n)
            .unwrap_or_else(|| panic!("missing {n}"))
    };
    assert_eq!(
        tool("infomaniak_dns_create_record").undo_tool.as_deref(),
        Some("infomaniak_dns_delete_record")
    );
    assert_eq!(
        tool("infomaniak_dns_delete_record").effect,
        Effect::Destructive
    );
    assert_eq!(tool("infomaniak_dns_update_record").effect, Effect::Write);
    assert_eq!(
        tool("infomaniak_manage_domain_nameservers").effect,
        Effect::Destructive
    );
    assert_eq!(tool("infomaniak_dns_list_records").effect, Effect::Read);
    assert_eq!(tool("infomaniak_audit_dns_zones").category, "audit");
    let create: Value =
        serde_json::from_str(&tool("infomaniak_dns_create_record").input_schema).unwrap();
    assert_eq!(create["required"], json!(["zone", "type", "target"]));
}

// ---- list records ----

#[test]
fn list_records_follows_all_pages_and_filters() {
    let host = MockHost::new();
    let page = |start: i64, n: i64| {
        Value::Array(
            (start..start + n)
                .map(|i| rec(i, "www", "A", "192.0.2.1", 3600))
                .collect(),
        )
    };
    host.route_page(HttpMethod::Get, RECORDS, 1, 200, paged(page(0, 100), 1, 3));
    host.route_page(
        HttpMethod::Get,
        RECORDS,
        2,
        200,
        paged(page(100, 100), 2, 3),
    );
    host.route_page(
        HttpMethod::Get,
        RECORDS,
        3,
        200,
        paged(json!([rec(500, ".", "TXT", "\"x\"", 300)]), 3, 3),
    );
    let out = invoke(
        &host,
        "infomaniak_dns_list_records",
        json!({"zone": "Example.com."}),
    )
    .unwrap();
    assert_eq!(out["count"], 201);
    assert_eq!(out["records"].as_array().unwrap().len(), 201);
    assert_eq!(host.requests().len(), 3);

    let apex = invoke(
        &host,
        "infomaniak_dns_list_records",
        json!({"zone": "example.com", "source": "@"}),
    )
    .unwrap();
    assert_eq!(apex["count"], 1);
    assert_eq!(apex["records"][0]["id"], 500);
    let txt = invoke(
        &host,
        "infomaniak_dns_list_records",
        json!({"zone": "example.com", "type": "txt"}),
    )
    .unwrap();
    assert_eq!(txt["count"], 1);
    let sent = host.requests().pop().unwrap();
    assert!(
        sent.query
            .contains(&("filter[types][]".to_string(), "TXT".to_string()))
    );
}

#[test]
fn list_records_of_an_unknown_zone_is_not_found_with_a_hint() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/2/zones/nope.ch/records",
        404,
        err("zone_does_not_exists", "Zone does not exist"),
    );
    match invoke(
        &host,
        "infomaniak_dns_list_records",
        json!({"zone": "nope.ch"}),
    ) {
        Err(ToolError::NotFound(d)) => assert!(d.hint.unwrap().contains("infomaniak_list_domains")),
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        invoke(
            &host,
            "infomaniak_dns_list_records",
            json!({"zone": "../etc"})
        ),
        Err(ToolError::InvalidArgs(_))
    ));
}

// ---- create ----

#[test]
fn create_plan_shows_the_record_and_pins_the_post() {
    let host = zone_host();
    let args = json!({"zone": "example.com", "source": "blog.example.com", "type": "A", "target": "192.0.2.10", "ttl": 600});
    let p = needs_confirmation(plan(&host, "infomaniak_dns_create_record", args).unwrap());
    assert!(p.summary.contains("blog.example.com"), "{}", p.summary);
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.changes[0].action, "create");
    assert_eq!(p.changes[0].before, None);
    assert_eq!(
        parse(p.changes[0].after.as_deref()),
        json!({"source": "blog", "type": "A", "target": "192.0.2.10", "ttl": 600})
    );
    assert_eq!(p.effects.len(), 1);
    assert_eq!(p.effects[0].method, HttpMethod::Post);
    assert_eq!(p.effects[0].path_pattern, RECORDS);
    assert_eq!(p.effects[0].role, "infomaniak-api");
    assert_eq!(
        parse(p.effects[0].body.as_deref()),
        json!({"source": "blog", "type": "A", "target": "192.0.2.10", "ttl": 600})
    );
    assert_eq!(
        parse(Some(&p.snapshot)),
        json!({"zone": "example.com", "source": "blog", "records": []})
    );
    assert!(host.writes().is_empty(), "plan must only read");
}

#[test]
fn create_txt_at_apex_sends_the_raw_text_and_omits_source() {
    let host = zone_host();
    let args = json!({"zone": "example.com", "source": "@", "type": "TXT", "target": "google-site-verification=abc"});
    let p = needs_confirmation(plan(&host, "infomaniak_dns_create_record", args).unwrap());
    assert_eq!(
        parse(p.effects[0].body.as_deref()),
        json!({"type": "TXT", "target": "google-site-verification=abc", "ttl": 3600}),
        "raw, as acme.sh and LEGO send it"
    );
    let snapshot = parse(Some(&p.snapshot));
    assert_eq!(snapshot["source"], ".");
    assert_eq!(
        snapshot["records"].as_array().unwrap().len(),
        4,
        "the apex records are the state it depends on"
    );
}

#[test]
fn create_mx_folds_priority_into_target() {
    let host = zone_host();
    let args =
        json!({"zone": "example.com", "type": "MX", "target": "mx2.example.net", "priority": 20});
    let p = needs_confirmation(plan(&host, "infomaniak_dns_create_record", args).unwrap());
    assert_eq!(
        parse(p.effects[0].body.as_deref())["target"],
        "20 mx2.example.net"
    );
}

#[test]
fn create_identical_record_is_no_change_and_different_ttl_is_conflict() {
    let host = zone_host();
    let same = json!({"zone": "example.com", "source": "_dmarc", "type": "TXT", "target": "v=DMARC1;p=reject"});
    let out = no_change(plan(&host, "infomaniak_dns_create_record", same).unwrap());
    assert_eq!(out["created"], false);
    assert_eq!(out["record"]["id"], 5);

    let other_ttl = json!({"zone": "example.com", "source": "_dmarc", "type": "TXT", "target": "v=DMARC1;p=reject", "ttl": 300});
    match plan(&host, "infomaniak_dns_create_record", other_ttl) {
        Err(ToolError::Conflict(d)) => assert!(d.hint.unwrap().contains("record_id 5")),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn create_refuses_cname_at_apex_and_cname_clashes() {
    let host = zone_host();
    match plan(
        &host,
        "infomaniak_dns_create_record",
        json!({"zone": "example.com", "type": "CNAME", "target": "x.example.net"}),
    ) {
        Err(ToolError::InvalidArgs(d)) => assert!(d.message.contains("apex")),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        host.requests().len(),
        1,
        "only the zone is read (to know where the name is)"
    );
    let clash = json!({"zone": "example.com", "source": "www", "type": "A", "target": "192.0.2.5"});
    assert!(matches!(
        plan(&host, "infomaniak_dns_create_record", clash),
        Err(ToolError::Conflict(_))
    ));
    let cname_over = json!({"zone": "example.com", "source": "_dmarc", "type": "CNAME", "target": "x.example.net"});
    assert!(matches!(
        plan(&host, "infomaniak_dns_create_record", cname_over),
        Err(ToolError::Conflict(_))
    ));
}

#[test]
fn create_rejects_bad_targets_and_ttls() {
    let host = zone_host();
    for (rtype, target) in [
        ("A", "2001:db8::1"),
        ("AAAA", "192.0.2.1"),
        ("MX", "mail.example.com"),
        ("SRV", "1 2 x.example.com"),
        ("CAA", "issue x"),
    ] {
        let args = json!({"zone": "example.com", "source": "x", "type": rtype, "target": target});
        assert!(
            matches!(
                plan(&host, "infomaniak_dns_create_record", args),
                Err(ToolError::InvalidArgs(_))
            ),
            "{rtype} {target}"
        );
    }
    let args = json!({"zone": "example.com", "type": "A", "target": "192.0.2.1", "ttl": 30});
    assert!(matches!(
        plan(&host, "infomaniak_dns_create_record", args),
        Err(ToolError::InvalidArgs(_))
    ));
    let args = json!({"zone": "example.com", "type": "BOGUS", "target": "x"});
    assert!(matches!(
        plan(&host, "infomaniak_dns_create_record", args),
        Err(ToolError::InvalidArgs(_))
    ));
    assert!(
        host.requests().is_empty(),
        "bad values are refused before any request"
    );
}

#[test]
fn apply_create_posts_exactly_the_plan_and_returns_the_record() {
    let host = zone_host();
    let args =
        json!({"zone": "example.com", "source": "blog", "type": "A", "target": "192.0.2.10"});
    let p = needs_confirmation(plan(&host, "infomaniak_dns_create_record", args.clone()).unwrap());
    host.route(
        HttpMethod::Post,
        RECORDS,
        200,
        ok(rec(77, "blog", "A", "192.0.2.10", 3600)),
    );
    let out = apply(&host, "infomaniak_dns_create_record", args.clone(), &p).unwrap();
    assert_eq!(out["created"], true);
    assert_eq!(out["record"]["id"], 77);
    let writes = host.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].path, RECORDS);
    assert_eq!(writes[0].body, p.effects[0].body);

    // An API that answers `true` instead of the record: the record is found by listing.
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        RECORDS,
        200,
        ok(json!([rec(78, "blog", "A", "192.0.2.10", 3600)])),
    );
    host.route(HttpMethod::Post, RECORDS, 200, ok(json!(true)));
    let out = apply(&host, "infomaniak_dns_create_record", args, &p).unwrap();
    assert_eq!(out["record"]["id"], 78);
}

#[test]
fn apply_surfaces_api_refusals() {
    let host = zone_host();
    let args =
        json!({"zone": "example.com", "source": "blog", "type": "A", "target": "192.0.2.10"});
    let p = needs_confirmation(plan(&host, "infomaniak_dns_create_record", args.clone()).unwrap());
    host.route(
        HttpMethod::Post,
        RECORDS,
        400,
        err("dns_record_already_exists", "exists"),
    );
    assert!(matches!(
        apply(&host, "infomaniak_dns_create_record", args.clone(), &p),
        Err(ToolError::Conflict(_))
    ));
    host.route_error(
        HttpMethod::Post,
        RECORDS,
        UpstreamError::Denied("not in plan".into()),
    );
    assert!(matches!(
        apply(&host, "infomaniak_dns_create_record", args, &p),
        Err(ToolError::Denied(_))
    ));
}

// ---- update ----

const REC4: &str = "/2/zones/example.com/records/4";

#[test]
fn update_plan_shows_before_and_after_and_pins_the_put() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        REC4,
        200,
        ok(rec(4, ".", "TXT", "\"v=spf1 -all\"", 3600)),
    );
    let args = json!({"zone": "example.com", "record_id": 4, "target": "v=spf1 include:spf.infomaniak.ch -all"});
    let p = needs_confirmation(plan(&host, "infomaniak_dns_update_record", args.clone()).unwrap());
    let before = parse(p.changes[0].before.as_deref());
    let after = parse(p.changes[0].after.as_deref());
    assert_eq!(before["target"], "\"v=spf1 -all\"");
    assert_eq!(after["target"], "v=spf1 include:spf.infomaniak.ch -all");
    assert_eq!(after["ttl"], 3600);
    assert_eq!(after["id"], 4);
    assert_eq!(p.effects[0].method, HttpMethod::Put);
    assert_eq!(p.effects[0].path_pattern, REC4);
    assert_eq!(
        parse(p.effects[0].body.as_deref()),
        json!({"target": "v=spf1 include:spf.infomaniak.ch -all"}),
        "raw text, and only what changes"
    );
    assert_eq!(parse(Some(&p.snapshot)), before);

    host.route(
        HttpMethod::Put,
        REC4,
        200,
        ok(rec(
            4,
            ".",
            "TXT",
            "\"v=spf1 include:spf.infomaniak.ch -all\"",
            3600,
        )),
    );
    let out = apply(&host, "infomaniak_dns_update_record", args, &p).unwrap();
    assert_eq!(out["updated"], true);
    assert_eq!(
        out["record"]["target"],
        "\"v=spf1 include:spf.infomaniak.ch -all\""
    );
}

#[test]
fn update_to_the_same_values_is_no_change() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        REC4,
        200,
        ok(rec(4, ".", "TXT", "\"v=spf1 -all\"", 3600)),
    );
    let out = no_change(
        plan(
            &host,
            "infomaniak_dns_update_record",
            json!({"zone": "example.com", "record_id": 4, "target": "v=spf1 -all", "ttl": 3600}),
        )
        .unwrap(),
    );
    assert_eq!(out["updated"], false);
    assert!(matches!(
        plan(
            &host,
            "infomaniak_dns_update_record",
            json!({"zone": "example.com", "record_id": 4})
        ),
        Err(ToolError::InvalidArgs(_))
    ));
    assert!(matches!(
        plan(
            &host,
            "infomaniak_dns_update_record",
            json!({"zone": "example.com", "record_id": 4, "priority": 5})
        ),
        Err(ToolError::InvalidArgs(_))
    ));
}

#[test]
fn update_mx_priority_alone_keeps_the_host() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/2/zones/example.com/records/3",
        200,
        ok(rec(3, ".", "MX", "5 mta-gw.infomaniak.ch", 3600)),
    );
    let p = needs_confirmation(
        plan(
            &host,
            "infomaniak_dns_update_record",
            json!({"zone": "example.com", "record_id": 3, "priority": 10}),
        )
        .unwrap(),
    );
    assert_eq!(
        parse(p.effects[0].body.as_deref()),
        json!({"target": "10 mta-gw.infomaniak.ch"})
    );
}

#[test]
fn update_of_a_missing_record_points_to_the_list_tool() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/2/zones/example.com/records/9",
        404,
        err("object_not_found", "Object not found"),
    );
    match plan(
        &host,
        "infomaniak_dns_update_record",
        json!({"zone": "example.com", "record_id": 9, "ttl": 600}),
    ) {
        Err(ToolError::NotFound(d)) => {
            assert!(d.hint.unwrap().contains("infomaniak_dns_list_records"))
        }
        other => panic!("unexpected {other:?}"),
    }
}

// ---- delete ----

#[test]
fn delete_plan_shows_the_record_and_apply_reports_it() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/2/zones/example.com/records/6",
        200,
        ok(rec(6, "www", "CNAME", "example.com", 3600)),
    );
    let args = json!({"zone": "example.com", "record_id": 6});
    let p = needs_confirmation(plan(&host, "infomaniak_dns_delete_record", args.clone()).unwrap());
    assert_eq!(p.changes[0].action, "delete");
    assert_eq!(
        parse(p.changes[0].before.as_deref())["target"],
        "example.com"
    );
    assert_eq!(p.changes[0].after, None);
    assert_eq!(p.effects[0].method, HttpMethod::Delete);
    assert_eq!(p.effects[0].path_pattern, "/2/zones/example.com/records/6");
    assert_eq!(p.effects[0].body, None);
    assert!(host.writes().is_empty());

    host.route(
        HttpMethod::Delete,
        "/2/zones/example.com/records/6",
        200,
        ok(json!(true)),
    );
    let out = apply(&host, "infomaniak_dns_delete_record", args, &p).unwrap();
    assert_eq!(out["deleted"], true);
    assert_eq!(out["record"]["source"], "www");
    assert_eq!(host.writes().len(), 1);
}

#[test]
fn delete_refuses_apex_ns() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/2/zones/example.com/records/1",
        200,
        ok(rec(1, ".", "NS", "ns11.infomaniak.ch", 3600)),
    );
    assert!(matches!(
        plan(
            &host,
            "infomaniak_dns_delete_record",
            json!({"zone": "example.com", "record_id": 1})
        ),
        Err(ToolError::InvalidArgs(_))
    ));
}

// ---- DNSSEC ----

const DNSSEC_CHECK: &str = "/2/domains/example.com/dnssec/check";

fn dnssec(on: bool) -> Value {
    ok(
        json!({"has_dnssec": on, "dnssec_type": "keydata", "dnssec_data": [], "ksk": {"algorithm": "", "public_key": ""}}),
    )
}

#[test]
fn dnssec_check_and_redundant_actions_are_no_change() {
    let host = MockHost::new();
    host.route(HttpMethod::Get, DNSSEC_CHECK, 200, dnssec(true));
    let out = no_change(
        plan(
            &host,
            "infomaniak_manage_dnssec",
            json!({"domain": "example.com", "action": "check"}),
        )
        .unwrap(),
    );
    assert_eq!(out["has_dnssec"], true);
    assert_eq!(out["changed"], false);
    no_change(
        plan(
            &host,
            "infomaniak_manage_dnssec",
            json!({"domain": "example.com", "action": "enable"}),
        )
        .unwrap(),
    );
    assert!(host.writes().is_empty());
    assert!(matches!(
        plan(
            &host,
            "infomaniak_manage_dnssec",
            json!({"domain": "example.com", "action": "toggle"})
        ),
        Err(ToolError::InvalidArgs(_))
    ));
}

#[test]
fn dnssec_enable_plans_the_post_and_apply_reports_the_new_status() {
    let host = domain_host(true);
    host.route(HttpMethod::Get, DNSSEC_CHECK, 200, dnssec(false));
    let args = json!({"domain": "example.com", "action": "enable"});
    let p = needs_confirmation(plan(&host, "infomaniak_manage_dnssec", args.clone()).unwrap());
    assert_eq!(p.effects[0].method, HttpMethod::Post);
    assert_eq!(
        p.effects[0].path_pattern,
        "/2/domains/example.com/dnssec/enable"
    );
    assert_eq!(p.effects[0].body.as_deref(), Some("{}"));
    assert_eq!(
        parse(p.changes[0].before.as_deref()),
        json!({"has_dnssec": false})
    );
    assert_eq!(
        parse(p.changes[0].after.as_deref()),
        json!({"has_dnssec": true})
    );

    host.route(
        HttpMethod::Post,
        "/2/domains/example.com/dnssec/enable",
        200,
        ok(json!(true)),
    );
    host.route(HttpMethod::Get, DNSSEC_CHECK, 200, dnssec(true));
    let out = apply(&host, "infomaniak_manage_dnssec", args, &p).unwrap();
    assert_eq!(out["changed"], true);
    assert_eq!(out["has_dnssec"], true);
}

// ---- name servers ----

fn domain_host(managed: bool) -> MockHost {
    let host = MockHost::new();
    host.route(HttpMethod::Get, "/1/domain/example.com", 200, ok(json!({"id": 1, "customer_name": "example.com", "is_dns_managed_by_infomaniak": managed})));
    host.route(
        HttpMethod::Get,
        "/2/domains/example.com/zones",
        200,
        ok(json!([{"fqdn": "example.com", "dnssec": {"is_enabled": false}, "nameservers": ["ns11.infomaniak.ch", "ns12.infomaniak.ch"]}])),
    );
    host
}

#[test]
fn nameservers_arguments_are_checked() {
    let host = domain_host(true);
    for args in [
        json!({"domain": "example.com"}),
        json!({"domain": "example.com", "nameservers": ["ns1.example.net"]}),
        json!({"domain": "example.com", "nameservers": ["ns1.example.net", "NS1.example.net."]}),
        json!({"domain": "example.com", "nameservers": ["ns1.example.net", "ns2.example.net"], "use_infomaniak_ns": true}),
        json!({"domain": "example.com", "nameservers": ["192.0.2.1", "ns2.example.net"]}),
        json!({"domain": "example.com", "use_infomaniak_ns": false}),
    ] {
        assert!(
            matches!(
                plan(&host, "infomaniak_manage_domain_nameservers", args.clone()),
                Err(ToolError::InvalidArgs(_))
            ),
            "{args}"
        );
    }
    assert!(host.requests().is_empty());
}

#[test]
fn nameservers_plan_and_no_change() {
    let host = domain_host(true);
    let out = no_change(
        plan(
            &host,
            "infomaniak_manage_domain_nameservers",
            json!({"domain": "example.com", "use_infomaniak_ns": true}),
        )
        .unwrap(),
    );
    assert_eq!(out["changed"], false);

    let args =
        json!({"domain": "example.com", "nameservers": ["NS1.example.net.", "ns2.example.net"]});
    let p = needs_confirmation(
        plan(&host, "infomaniak_manage_domain_nameservers", args.clone()).unwrap(),
    );
    assert_eq!(p.effects[0].method, HttpMethod::Put);
    assert_eq!(
        p.effects[0].path_pattern,
        "/2/domains/example.com/nameservers"
    );
    assert_eq!(
        parse(p.effects[0].body.as_deref()),
        json!({"nameservers": ["ns1.example.net", "ns2.example.net"]})
    );
    assert_eq!(
        parse(p.changes[0].before.as_deref())["nameservers"],
        json!(["ns11.infomaniak.ch", "ns12.infomaniak.ch"])
    );

    host.route(
        HttpMethod::Put,
        "/2/domains/example.com/nameservers",
        200,
        ok(json!(true)),
    );
    let out = apply(&host, "infomaniak_manage_domain_nameservers", args, &p).unwrap();
    assert_eq!(out["changed"], true);
    assert_eq!(out["before"]["is_dns_managed_by_infomaniak"], true);
    assert_eq!(host.writes()[0].body, p.effects[0].body);
}

// ---- domains ----

fn product(id: i64, name: &str) -> Value {
    json!({"id": id, "account_id": 42, "service_id": 14, "service_name": "domain", "customer_name": name, "expired_at": 1_600_000_000})
}

#[test]
fn list_domains_pages_to_the_end() {
    let host = MockHost::new();
    host.route_page(
        HttpMethod::Get,
        "/1/products",
        1,
        200,
        paged(json!([product(1, "a.ch"), product(2, "b.ch")]), 1, 2),
    );
    host.route_page(
        HttpMethod::Get,
        "/1/products",
        2,
        200,
        paged(json!([product(3, "c.ch")]), 2, 2),
    );
    let out = invoke(&host, "infomaniak_list_domains", json!({"account_id": 42})).unwrap();
    assert_eq!(out["count"], 3);
    assert_eq!(out["domains"][2]["customer_name"], "c.ch");
    let first = &host.requests()[0];
    assert!(
        first
            .query
            .contains(&("service_name".into(), "domain".into()))
    );
    assert!(first.query.contains(&("account_id".into(), "42".into())));
    assert!(first.query.contains(&("per_page".into(), "100".into())));
}

#[test]
fn get_domain_tolerates_a_missing_registration() {
    let host = domain_host(true);
    host.route(
        HttpMethod::Get,
        "/2/domains/domains/example.com",
        404,
        err("object_not_found", "Object not found"),
    );
    let out = invoke(
        &host,
        "infomaniak_get_domain",
        json!({"domain": "example.com"}),
    )
    .unwrap();
    assert_eq!(out["details"]["is_dns_managed_by_infomaniak"], true);
    assert_eq!(out["registration"], Value::Null);

    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/domain/nope.ch",
        404,
        err("object_not_found", "Object not found"),
    );
    host.route(
        HttpMethod::Get,
        "/2/domains/domains/nope.ch",
        200,
        ok(json!({"name": "nope.ch"})),
    );
    let out = invoke(&host, "infomaniak_get_domain", json!({"domain": "nope.ch"})).unwrap();
    assert_eq!(out["details"], Value::Null);
    assert_eq!(out["registration"]["name"], "nope.ch");
    host.route(
        HttpMethod::Get,
        "/2/domains/domains/nope.ch",
        404,
        err("object_not_found", "Object not found"),
    );
    match invoke(&host, "infomaniak_get_domain", json!({"domain": "nope.ch"})) {
        Err(ToolError::NotFound(d)) => assert!(d.hint.unwrap().contains("infomaniak_list_domains")),
        other => panic!("unexpected {other:?}"),
    }
}

// ---- audits ----

fn records(v: Value) -> Vec<DnsRecord> {
    serde_json::from_value(v).unwrap()
}

#[test]
fn a_healthy_zone_has_no_findings() {
    assert_eq!(
        audit_zone(
            "example.com",
            "example.com",
            &records(healthy_zone()),
            Some(true),
            300
        ),
        vec![]
    );
}

#[test]
fn a_neglected_zone_has_every_finding() {
    let zone = records(json!([
        rec(1, ".", "A", "192.0.2.1", 60),
        rec(2, "*", "A", "192.0.2.1", 3600),
        rec(3, "_dmarc", "TXT", "\"not a policy\"", 3600),
    ]));
    let findings = audit_zone("example.com", "example.com", &zone, Some(false), 300);
    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        vec![
            "missing_spf",
            "missing_mx",
            "missing_dmarc",
            "dnssec_off",
            "wildcard_record",
            "low_ttl"
        ]
    );
    assert_eq!(findings[0].severity, Severity::High);
    let low = findings.iter().find(|f| f.code == "low_ttl").unwrap();
    assert_eq!(low.record_ids, vec![1]);
    assert!(findings.iter().all(|f| !f.fix.is_empty()));
}

#[test]
fn duplicate_spf_and_unknown_dnssec_are_reported() {
    let mut zone = records(healthy_zone());
    zone.push(DnsRecord {
        id: 9,
        source: ".".into(),
        record_type: "TXT".into(),
        target: "\"v=spf1 -all\"".into(),
        ttl: 3600,
        updated_at: None,
    });
    let findings = audit_zone("example.com", "example.com", &zone, None, 300);
    let spf = findings.iter().find(|f| f.code == "multiple_spf").unwrap();
    assert_eq!(spf.record_ids, vec![4, 9]);
    assert!(
        findings
            .iter()
            .any(|f| f.code == "dnssec_unknown" && f.severity == Severity::Info)
    );
}

#[test]
fn audit_domain_reads_records_and_dnssec() {
    let host = zone_host();
    host.route(
        HttpMethod::Get,
        "/2/domains/example.com/zones",
        200,
        ok(json!([{"fqdn": "example.com"}])),
    );
    host.route(HttpMethod::Get, DNSSEC_CHECK, 200, dnssec(false));
    let out = invoke(
        &host,
        "infomaniak_audit_domain_dns_admin",
        json!({"domain": "example.com", "low_ttl_threshold": 7200}),
    )
    .unwrap();
    assert_eq!(out["record_count"], 6);
    assert_eq!(out["has_dnssec"], false);
    assert_eq!(out["summary"]["medium"], 1);
    assert_eq!(out["summary"]["low"], 1, "every TTL is below 7200");
}

#[test]
fn audit_zones_continues_past_a_failing_zone_and_reports_progress() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/products",
        200,
        ok(json!([
            product(1, "a.ch"),
            product(2, "b.ch"),
            product(3, "c.ch"),
            product(4, "other.org")
        ])),
    );
    host.route(
        HttpMethod::Get,
        "/2/zones/a.ch/records",
        200,
        ok(json!([rec(1, ".", "MX", "5 mx.a.ch", 3600)])),
    );
    host.route(
        HttpMethod::Get,
        "/2/zones/b.ch/records",
        500,
        err("unexpected_error", "boom"),
    );
    host.route(
        HttpMethod::Get,
        "/2/zones/c.ch/records",
        200,
        ok(healthy_zone()),
    );
    host.route(
        HttpMethod::Get,
        "/2/domains/a.ch/dnssec/check",
        200,
        dnssec(true),
    );
    host.route(
        HttpMethod::Get,
        "/2/domains/c.ch/dnssec/check",
        500,
        err("unexpected_error", "boom"),
    );
    let out = invoke(
        &host,
        "infomaniak_audit_dns_zones",
        json!({"filter_contains": ".CH"}),
    )
    .unwrap();
    assert_eq!(out["total_domains"], 3);
    assert_eq!(out["scanned"], 2);
    assert_eq!(out["failed"], 1);
    assert!(out["zones"][1]["error"].as_str().unwrap().contains("boom"));
    assert_eq!(out["zones"][2]["has_dnssec"], Value::Null);
    assert_eq!(out["summary"]["high"], 1, "a.ch has no SPF");
    let progress = host.progress_reports();
    assert_eq!(progress.len(), 4);
    assert_eq!(progress[0], (0, Some(3), Some("auditing a.ch".into())));
    assert_eq!(progress[3].0, 3);
    assert!(host.logs().iter().any(|(_, m)| m.contains("c.ch")));
}

#[test]
fn audit_zones_stops_when_the_budget_is_used_up() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/products",
        200,
        ok(json!([
            product(1, "a.ch"),
            product(2, "b.ch"),
            product(3, "c.ch")
        ])),
    );
    host.route_error(
        HttpMethod::Get,
        "/2/zones/a.ch/records",
        UpstreamError::BudgetExhausted(20),
    );
    let out = invoke(
        &host,
        "infomaniak_audit_dns_zones",
        json!({"max_domains": 2}),
    )
    .unwrap();
    assert_eq!(out["total_domains"], 3);
    assert_eq!(out["failed"], 1);
    assert_eq!(out["not_scanned"], json!(["b.ch"]));
    assert!(out["stopped_early"].as_str().unwrap().contains("budget"));
}

#[test]
fn nameservers_of_an_unknown_domain_is_not_found() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/domain/nope.ch",
        404,
        err("object_not_found", "Object not found"),
    );
    host.route(
        HttpMethod::Get,
        "/2/domains/nope.ch/zones",
        404,
        err("object_not_found", "Object not found"),
    );
    let args = json!({"domain": "nope.ch", "use_infomaniak_ns": true});
    assert!(matches!(
        plan(&host, "infomaniak_manage_domain_nameservers", args),
        Err(ToolError::NotFound(_))
    ));
}

#[test]
fn apply_maps_record_clashes_to_conflict() {
    let host = zone_host();
    let args =
        json!({"zone": "example.com", "source": "blog", "type": "A", "target": "192.0.2.10"});
    let p = needs_confirmation(plan(&host, "infomaniak_dns_create_record", args.clone()).unwrap());
    host.route(
        HttpMethod::Post,
        RECORDS,
        400,
        err("dns_record_mutual_exclusion", "Mutual exclusion"),
    );
    assert!(matches!(
        apply(&host, "infomaniak_dns_create_record", args, &p),
        Err(ToolError::Conflict(_))
    ));
}

// ---- issue 16: fidelity to what the live API is known to do ----

fn txt_record(target: &str) -> Value {
    ok(rec(4, ".", "TXT", target, 3600))
}

#[test]
fn no_txt_value_is_ever_sent_quoted() {
    // Whatever form the text is given in, and whatever form the API stored it in, the
    // create and update bodies carry raw text (acme.sh and LEGO send it so; what the live
    // API does with a quoted value is unknown).
    let long = "k".repeat(300);
    let given = [
        "v=spf1 -all",
        "\"v=spf1 -all\"",
        "\"v=spf1 \" \"include:spf.infomaniak.ch -all\"",
        r#"say "hi""#,
        long.as_str(),
    ];
    for text in given {
        let host = zone_host();
        let create = json!({"zone": "example.com", "source": "t", "type": "TXT", "target": text});
        let p = needs_confirmation(plan(&host, "infomaniak_dns_create_record", create).unwrap());
        let sent = parse(p.effects[0].body.as_deref())["target"].clone();
        assert!(!sent.as_str().unwrap().starts_with('"'), "{text} -> {sent}");
        for stored in ["\"old\"", "old"] {
            let host = MockHost::new();
            host.route(HttpMethod::Get, REC4, 200, txt_record(stored));
            for update in [
                json!({"zone": "example.com", "record_id": 4, "target": text}),
                json!({"zone": "example.com", "record_id": 4, "ttl": 600}),
            ] {
                let p = needs_confirmation(
                    plan(&host, "infomaniak_dns_update_record", update.clone()).unwrap(),
                );
                let body = parse(p.effects[0].body.as_deref());
                assert!(
                    body.get("target")
                        .is_none_or(|t| !t.as_str().unwrap().starts_with('"')),
                    "{update} on {stored} sent {body}"
                );
            }
        }
    }
}

#[test]
fn a_long_txt_value_is_sent_whole_and_the_plan_says_so() {
    let host = zone_host();
    let long = "v=DKIM1; k=rsa; p=".to_string() + &"A".repeat(400);
    let args =
        json!({"zone": "example.com", "source": "mail._domainkey", "type": "TXT", "target": long});
    let p = needs_confirmation(plan(&host, "infomaniak_dns_create_record", args).unwrap());
    assert_eq!(parse(p.effects[0].body.as_deref())["target"], json!(long));
    assert!(p.summary.contains("longer than 255 bytes"), "{}", p.summary);
    assert!(p.summary.contains("check the record"), "{}", p.summary);
}

#[test]
fn txt_duplicates_are_found_on_the_unquoted_text() {
    // The API returns the DMARC record quoted and split; the same text given raw is the
    // same record.
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        RECORDS,
        200,
        ok(json!([
            rec(5, "_dmarc", "TXT", "\"v=DMARC1;\" \"p=reject\"", 3600),
            rec(6, "raw", "TXT", "unquoted form", 3600)
        ])),
    );
    let same = json!({"zone": "example.com", "source": "_dmarc", "type": "TXT", "target": "v=DMARC1;p=reject"});
    let out = no_change(plan(&host, "infomaniak_dns_create_record", same).unwrap());
    assert_eq!(out["record"]["id"], 5);
    let raw = json!({"zone": "example.com", "source": "raw", "type": "TXT", "target": "\"unquoted form\""});
    assert_eq!(
        no_change(plan(&host, "infomaniak_dns_create_record", raw).unwrap())["record"]["id"],
        6
    );
}

#[test]
fn spf_and_dmarc_are_audited_on_the_unquoted_text() {
    let zone = json!([
        rec(1, ".", "MX", "5 mta-gw.infomaniak.ch", 3600),
        rec(
            2,
            ".",
            "TXT",
            "\"v=spf1 include:spf.infomaniak.ch\" \" -all\"",
            3600
        ),
        rec(3, ".", "TXT", "v=spf1 -all", 3600),
        rec(4, "_dmarc", "TXT", "v=DMARC1; p=reject", 3600),
    ]);
    let findings = audit_zone(
        "example.com",
        "example.com",
        &records(zone),
        Some(true),
        300,
    );
    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        ["multiple_spf"],
        "split and raw SPF both count; raw DMARC is found"
    );
    assert_eq!(findings[0].record_ids, [2, 3]);
}

#[test]
fn list_type_filters_are_checked_against_the_spec_enum_before_sending() {
    let host = zone_host();
    match invoke(
        &host,
        "infomaniak_dns_list_records",
        json!({"zone": "example.com", "type": "HINFO"}),
    ) {
        Err(ToolError::InvalidArgs(d)) => {
            let hint = d.hint.unwrap();
            assert!(hint.contains("SOA") && hint.contains("TXT"), "{hint}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(host.requests().is_empty(), "nothing sent");
    invoke(
        &host,
        "infomaniak_dns_list_records",
        json!({"zone": "example.com", "type": "soa"}),
    )
    .unwrap();
    assert!(
        host.requests()[0]
            .query
            .contains(&("filter[types][]".to_string(), "SOA".to_string()))
    );
}

/// A tenant where `www.example.com` is a name in zone `example.com`, and `shop.example.com`
/// a delegated zone.
fn nested_host() -> MockHost {
    let host = zone_host();
    for name in [
        "www.example.com",
        "_acme-challenge.www.example.com",
        "a.shop.example.com",
    ] {
        host.route(
            HttpMethod::Get,
            &format!("/2/zones/{name}/records"),
            404,
            err("object_not_found", "Zone not found"),
        );
        host.route(
            HttpMethod::Get,
            &format!("/2/domains/{name}/zones"),
            200,
            ok(json!([{"fqdn": "example.com"}, {"fqdn": "shop.example.com"}])),
        );
    }
    host.route(
        HttpMethod::Get,
        "/2/zones/shop.example.com/records",
        200,
        ok(json!([rec(40, "a", "A", "192.0.2.40", 3600)])),
    );
    host
}

#[test]
fn a_full_name_finds_its_zone_the_acme_sh_way() {
    let host = nested_host();
    let out = invoke(
        &host,
        "infomaniak_dns_list_records",
        json!({"zone": "www.example.com"}),
    )
    .unwrap();
    assert_eq!(out["zone"], "example.com");
    assert_eq!(out["count"], 1, "only the records of www: {out}");
    assert_eq!(out["records"][0]["source"], "www");
    let out = invoke(
        &host,
        "infomaniak_dns_list_records",
        json!({"zone": "a.shop.example.com"}),
    )
    .unwrap();
    assert_eq!(
        out["zone"], "shop.example.com",
        "the delegated zone, not its parent"
    );
    assert_eq!(out["records"][0]["id"], 40);

    let args = json!({"zone": "www.example.com", "source": "_acme-challenge", "type": "TXT", "target": "token"});
    let p = needs_confirmation(plan(&host, "infomaniak_dns_create_record", args.clone()).unwrap());
    assert_eq!(p.effects[0].path_pattern, RECORDS);
    assert_eq!(
        parse(p.effects[0].body.as_deref()),
        json!({"source": "_acme-challenge.www", "type": "TXT", "target": "token", "ttl": 3600})
    );
    host.route(
        HttpMethod::Post,
        RECORDS,
        200,
        ok(rec(77, "_acme-challenge.www", "TXT", "\"token\"", 3600)),
    );
    let out = apply(&host, "infomaniak_dns_create_record", args, &p).unwrap();
    assert_eq!(out["zone"], "example.com");
    assert_eq!(out["record"]["id"], 77);
    let asked: Vec<String> = host.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        asked.contains(&"/2/domains/www.example.com/zones".to_string()),
        "{asked:?}"
    );
}

#[test]
fn a_zone_the_api_knows_costs_no_lookup() {
    let host = zone_host();
    invoke(
        &host,
        "infomaniak_dns_list_records",
        json!({"zone": "example.com"}),
    )
    .unwrap();
    assert_eq!(host.requests().len(), 1);
}

#[test]
fn the_audit_separates_the_zone_from_the_registered_domain() {
    let host = nested_host();
    host.route(
        HttpMethod::Get,
        "/2/domains/shop.example.com/zones",
        200,
        ok(json!([{"fqdn": "example.com"}, {"fqdn": "shop.example.com"}])),
    );
    host.route(HttpMethod::Get, DNSSEC_CHECK, 200, dnssec(false));
    let out = invoke(
        &host,
        "infomaniak_audit_domain_dns_admin",
        json!({"domain": "shop.example.com"}),
    )
    .unwrap();
    assert_eq!(out["zone"], "shop.example.com");
    assert_eq!(out["domain"], "example.com");
    assert_eq!(out["record_count"], 1);
    let dnssec_off = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "dnssec_off")
        .unwrap();
    assert!(
        dnssec_off["fix"]
            .as_str()
            .unwrap()
            .contains("domain example.com"),
        "{dnssec_off}"
    );
    let asked: Vec<String> = host.requests().iter().map(|r| r.path.clone()).collect();
    assert!(asked.contains(&DNSSEC_CHECK.to_string()), "{asked:?}");
    assert!(
        !asked.iter().any(|p| p.contains("shop.example.com/dnssec")),
        "{asked:?}"
    );
}

#[test]
fn dnssec_on_external_name_servers_asks_for_ds_data() {
    let host = domain_host(false);
    host.route(HttpMethod::Get, DNSSEC_CHECK, 200, dnssec(false));
    let enable = json!({"domain": "example.com", "action": "enable"});
    match plan(&host, "infomaniak_manage_dnssec", enable) {
        Err(ToolError::InvalidArgs(d)) => {
            assert!(d.message.contains("external name servers"), "{}", d.message);
            assert!(d.hint.unwrap().contains("dnssec_data"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let with_data = json!({"domain": "example.com", "action": "enable", "dnssec_data": ["12345  13 2 ABCDEF0123"]});
    let p = needs_confirmation(plan(&host, "infomaniak_manage_dnssec", with_data).unwrap());
    assert_eq!(
        parse(p.effects[0].body.as_deref()),
        json!({"dnssec_data": ["12345 13 2 ABCDEF0123"]})
    );
    assert!(
        p.summary
            .contains("external name servers must already sign"),
        "{}",
        p.summary
    );
    for bad in [
        json!([]),
        json!(["12345 13 ABCDEF"]),
        json!(["a b c d"]),
        json!(["1 2 3 <script>"]),
    ] {
        let args = json!({"domain": "example.com", "action": "enable", "dnssec_data": bad});
        assert!(
            matches!(
                plan(&host, "infomaniak_manage_dnssec", args),
                Err(ToolError::InvalidArgs(_))
            ),
            "{bad}"
        );
    }
    assert!(host.writes().is_empty());
}

#[test]
fn dnssec_data_only_goes_where_it_is_needed() {
    let host = domain_host(true);
    host.route(HttpMethod::Get, DNSSEC_CHECK, 200, dnssec(false));
    let args =
        json!({"domain": "example.com", "action": "enable", "dnssec_data": ["12345 13 2 ABCDEF"]});
    match plan(&host, "infomaniak_manage_dnssec", args) {
        Err(ToolError::InvalidArgs(d)) => assert!(d.hint.unwrap().contains("without dnssec_data")),
        other => panic!("unexpected {other:?}"),
    }
    let args =
        json!({"domain": "example.com", "action": "disable", "dnssec_data": ["12345 13 2 ABCDEF"]});
    assert!(matches!(
        plan(&host, "infomaniak_manage_dnssec", args),
        Err(ToolError::InvalidArgs(_))
    ));
}

#[test]
fn a_record_on_external_name_servers_is_not_served_with_a_hint() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/2/zones/example.com/records/4/check",
        400,
        err("zone_not_managed_by_infomaniak_dns", "not managed"),
    );
    let out = invoke(
        &host,
        "infomaniak_get_domain_resources",
        json!({"resource": "check_record", "zone": "example.com", "record_id": 4}),
    )
    .unwrap();
    assert_eq!(out["data"]["served"], false);
    assert!(
        out["data"]["hint"]
            .as_str()
            .unwrap()
            .contains("infomaniak_manage_domain_nameservers")
    );
    host.route(
        HttpMethod::Get,
        "/2/zones/example.com/records/4/check",
        500,
        err("unexpected_error", "boom"),
    );
    assert!(matches!(
        invoke(
            &host,
            "infomaniak_get_domain_resources",
            json!({"resource": "check_record", "zone": "example.com", "record_id": 4}),
        ),
        Err(ToolError::Upstream(_))
    ));
}

#[test]
fn the_zone_list_follows_every_page() {
    let host = MockHost::new();
    let zones = "/2/domains/example.com/zones";
    host.route_page(
        HttpMethod::Get,
        zones,
        1,
        200,
        paged(json!([{"fqdn": "example.com"}]), 1, 2),
    );
    host.route_page(
        HttpMethod::Get,
        zones,
        2,
        200,
        paged(json!([{"fqdn": "shop.example.com"}]), 2, 2),
    );
    let out = invoke(
        &host,
        "infomaniak_get_domain_resources",
        json!({"resource": "list_zones", "domain": "example.com"}),
    )
    .unwrap();
    assert_eq!(out["data"].as_array().unwrap().len(), 2);
    assert_eq!(host.requests().len(), 2);
}
