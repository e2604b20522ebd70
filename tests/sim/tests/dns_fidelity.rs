//! DNS behaviours the live API is known to have (issue 16): raw TXT values stored and
//! returned quoted, record type filters checked against the spec's enum, zones found from any
//! name inside a domain, DNSSEC on external name servers needing `dnssec_data`, paged zone
//! lists; and the one case the tenant refuses because the live behaviour is unknown (a TXT
//! target sent already quoted).

mod common;

use common::*;
use ikmcp_sim::seed::{ZONE_COMPLETE, ZONE_NO_MAIL_POLICY};
use serde_json::json;

#[tokio::test]
async fn a_raw_txt_value_is_stored_and_returned_quoted() {
    let sim = small().await;
    let base = format!("/2/zones/{ZONE_NO_MAIL_POLICY}/records");
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "POST",
        &base,
        Some(json!({"type": "TXT", "source": "q", "target": r#"say "hi" \o/"#, "ttl": 300})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["target"], r#""say \"hi\" \\o/""#);
    let id = v["data"]["id"].as_u64().unwrap();
    let (_, v) = get(&sim, &format!("{base}/{id}")).await;
    assert_eq!(
        v["data"]["target"], r#""say \"hi\" \\o/""#,
        "read back quoted"
    );
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "PUT",
        &format!("{base}/{id}"),
        Some(json!({"target": "v=spf1 -all"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["target"], "\"v=spf1 -all\"");
}

#[tokio::test]
async fn a_pre_quoted_txt_value_is_refused_with_advice() {
    let sim = small().await;
    let base = format!("/2/zones/{ZONE_NO_MAIL_POLICY}/records");
    let before = sim.with_world(|w| w.zone(ZONE_NO_MAIL_POLICY).unwrap().records.len());
    for target in ["\"v=spf1 -all\"", "\"part one\" \"part two\""] {
        let (s, _, v) = call(
            &sim,
            sim.token(),
            "POST",
            &base,
            Some(json!({"type": "TXT", "target": target, "ttl": 300})),
        )
        .await;
        assert_eq!(s, 400, "{v}");
        assert_error(&v, "invalid_dns_record");
        assert!(
            v["error"]["description"]
                .as_str()
                .unwrap()
                .contains("raw text"),
            "{v}"
        );
    }
    let after = sim.with_world(|w| w.zone(ZONE_NO_MAIL_POLICY).unwrap().records.len());
    assert_eq!(before, after, "nothing stored");
}

#[tokio::test]
async fn an_unknown_type_filter_is_the_apis_422() {
    let sim = small().await;
    let base = format!("/2/zones/{ZONE_COMPLETE}/records");
    let (s, v) = get(&sim, &format!("{base}?filter[types][]=HINFO")).await;
    assert_eq!(s, 422, "{v}");
    assert_error(&v, "validation_failed");
    let item = &v["error"]["errors"][0];
    assert_eq!(item["code"], "validation_rule_in");
    assert_eq!(item["context"]["attribute"], "filter.types");
    assert!(
        item["context"]["values"]
            .as_array()
            .unwrap()
            .contains(&json!("SOA"))
    );
    let (s, _) = get(&sim, &format!("{base}?filter[types][]=soa")).await;
    assert_eq!(s, 200, "listable types are accepted in any case");
}

#[tokio::test]
async fn zones_are_found_from_any_name_inside_a_domain() {
    let sim = small().await;
    let t = sim.token().to_string();
    let (s, _, v) = call(
        &sim,
        &t,
        "POST",
        &format!("/2/zones/shop.{ZONE_COMPLETE}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    for name in [
        ZONE_COMPLETE.to_string(),
        format!("www.{ZONE_COMPLETE}"),
        format!("_acme-challenge.www.shop.{ZONE_COMPLETE}"),
    ] {
        let (s, v) = get(&sim, &format!("/2/domains/{name}/zones")).await;
        assert_eq!(s, 200, "{name}: {v}");
        let fqdns: Vec<&str> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|z| z["fqdn"].as_str().unwrap())
            .collect();
        assert_eq!(
            fqdns,
            [ZONE_COMPLETE.to_string(), format!("shop.{ZONE_COMPLETE}")],
            "{name}: the base zone and the delegated one"
        );
    }
    let (s, v) = get(&sim, "/2/domains/www.not-ours.example/zones").await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = get(&sim, "/2/domains/ch/zones").await;
    assert_eq!(s, 404, "a bare TLD is nobody's domain: {v}");
}

#[tokio::test]
async fn the_zone_list_pages() {
    let sim = small().await;
    let t = sim.token().to_string();
    for i in 0..7 {
        let (s, _, v) = call(
            &sim,
            &t,
            "POST",
            &format!("/2/zones/z{i}.{ZONE_COMPLETE}"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    let (_, v) = get(
        &sim,
        &format!("/2/domains/{ZONE_COMPLETE}/zones?page=2&per_page=3"),
    )
    .await;
    assert_eq!(v["total"], 8);
    assert_eq!(v["pages"], 3);
    assert_eq!(v["data"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn dnssec_on_external_name_servers_needs_dnssec_data() {
    let sim = small().await;
    let t = sim.token().to_string();
    let z = ZONE_NO_MAIL_POLICY;
    let (s, _, _) = call(
        &sim,
        &t,
        "PUT",
        &format!("/2/domains/{z}/nameservers"),
        Some(json!({"nameservers": ["ns1.elsewhere.example", "ns2.elsewhere.example"]})),
    )
    .await;
    assert_eq!(s, 200);
    let enable = format!("/2/domains/{z}/dnssec/enable");
    for body in [None, Some(json!({})), Some(json!({"dnssec_data": []}))] {
        let (s, _, v) = call(&sim, &t, "POST", &enable, body.clone()).await;
        assert_eq!(s, 422, "{body:?}: {v}");
        assert_eq!(
            v["error"]["errors"][0]["context"]["attribute"],
            "dnssec_data"
        );
        assert!(
            v["error"]["errors"][0]["description"]
                .as_str()
                .unwrap()
                .contains("ns1.elsewhere.example"),
            "{v}"
        );
    }
    assert!(!sim.with_world(|w| w.domain(z).unwrap().dnssec.is_enabled));
    let (s, _, v) = call(
        &sim,
        &t,
        "POST",
        &enable,
        Some(json!({"dnssec_data": ["12345 13 2 ABCDEF0123"]})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(sim.with_world(|w| w.domain(z).unwrap().dnssec.is_enabled));
    // On Infomaniak's name servers no data is needed.
    let (s, _, v) = call(
        &sim,
        &t,
        "POST",
        &format!("/2/domains/{ZONE_COMPLETE}/dnssec/enable"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
}
