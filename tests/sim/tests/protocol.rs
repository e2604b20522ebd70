//! Envelope, errors, auth, rate limit, pagination, mutations, request log, determinism.

mod common;

use std::time::Duration;

use common::*;
use ikmcp_sim::seed::{ZONE_BIG, ZONE_COMPLETE, ZONE_NO_MAIL_POLICY};
use ikmcp_sim::{Scale, Sim, SimConfig};
use serde_json::{Value, json};

#[tokio::test]
async fn success_envelope_and_unknown_route() {
    let sim = small().await;
    let (s, v) = get(&sim, "/1/accounts").await;
    assert_eq!(s, 200);
    assert_eq!(v["result"], "success");
    assert!(v["data"].is_array());
    let (s, v) = get(&sim, "/9/nothing/here").await;
    assert_eq!(s, 404);
    assert_error(&v, "method_not_found");
    // A known path with an unsupported method is also method_not_found.
    let (s, _, v) = call(&sim, sim.token(), "PATCH", "/1/accounts", None).await;
    assert_eq!(s, 404);
    assert_error(&v, "method_not_found");
}

#[tokio::test]
async fn missing_and_unknown_tokens_are_401() {
    let sim = small().await;
    let r = client()
        .get(format!("{}/1/accounts", sim.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_error(&v, "not_authorized");
    let (s, _, v) = call(&sim, "not-a-token", "GET", "/1/accounts", None).await;
    assert_eq!(s, 401);
    assert_error(&v, "not_authorized");
}

#[tokio::test]
async fn read_only_dns_token_cannot_write() {
    let sim = small().await;
    let ro = sim.readonly_dns_token();
    let path = format!("/2/zones/{ZONE_COMPLETE}/records");
    let (s, _, _) = call(&sim, ro, "GET", &path, None).await;
    assert_eq!(s, 200);
    let body = json!({"type": "A", "source": "ro", "target": "1.2.3.4", "ttl": 300});
    let (s, _, v) = call(&sim, ro, "POST", &path, Some(body.clone())).await;
    assert_eq!(s, 403);
    assert_error(&v, "access_denied");
    let (s, _, v) = call(
        &sim,
        ro,
        "POST",
        &format!("/2/domains/{ZONE_COMPLETE}/dnssec/enable"),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    // Nothing was created.
    assert!(sim.with_world(|w| {
        !w.zone(ZONE_COMPLETE)
            .unwrap()
            .records
            .iter()
            .any(|r| r.source == "ro")
    }));
    let (s, _, _) = call(&sim, sim.token(), "POST", &path, Some(body)).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn rate_limit_429_after_60_and_per_token() {
    // 60 per 10 minutes: the bucket refills by 0.1/s, so the test never races the refill.
    let sim = Sim::start(SimConfig {
        rate_limit_per_minute: Some(60),
        rate_limit_period: Duration::from_secs(600),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    for i in 0..60 {
        let (s, h, _) = call(&sim, sim.token(), "GET", "/1/accounts", None).await;
        assert_eq!(s, 200, "request {} should pass", i + 1);
        assert_eq!(h["x-ratelimit-limit"], "60");
    }
    let (s, h, v) = call(&sim, sim.token(), "GET", "/1/accounts", None).await;
    assert_eq!(s, 429);
    assert_error(&v, "too_many_requests");
    let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1, "Retry-After is at least 1 s");
    assert_eq!(h["x-ratelimit-remaining"], "0");
    assert_eq!(h["x-ratelimit-limit"], "60");
    let reset: u64 = h["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(reset >= now && reset <= now + retry + 1);
    // The second token has its own budget.
    let (s, _, _) = call(&sim, sim.second_token(), "GET", "/1/accounts", None).await;
    assert_eq!(s, 200);
    // Reset refills buckets.
    sim.reset();
    let (s, _, _) = call(&sim, sim.token(), "GET", "/1/accounts", None).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn retry_after_is_honest() {
    // Token bucket, 2 per 2 s (1 token/s): after the burst, a token comes back within a
    // second.
    let sim = Sim::start(SimConfig {
        rate_limit_per_minute: Some(2),
        rate_limit_period: Duration::from_secs(2),
        rate_limit_mode: ikmcp_sim::RateLimitMode::TokenBucket,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut denied = None;
    for _ in 0..10 {
        let (s, h, _) = call(&sim, sim.token(), "GET", "/2/profile", None).await;
        if s == 429 {
            denied = Some(h["retry-after"].to_str().unwrap().parse::<u64>().unwrap());
            break;
        }
    }
    let retry = denied.expect("the burst of 2 is exceeded");
    assert_eq!(retry, 1);
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let (s, _, _) = call(&sim, sim.token(), "GET", "/2/profile", None).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn sliding_window_retry_after_waits_for_the_oldest_request() {
    // Sliding window (the default), 2 per 2 s: the third request within 2 s is refused
    // until the first one is 2 s old, and succeeds then.
    let sim = Sim::start(SimConfig {
        rate_limit_per_minute: Some(2),
        rate_limit_period: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let started = std::time::Instant::now();
    for _ in 0..2 {
        let (s, _, _) = call(&sim, sim.token(), "GET", "/2/profile", None).await;
        assert_eq!(s, 200);
    }
    let (s, h, _) = call(&sim, sim.token(), "GET", "/2/profile", None).await;
    assert_eq!(s, 429);
    let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry, 2, "the oldest request leaves the window after 2 s");
    tokio::time::sleep(Duration::from_millis(2200).saturating_sub(started.elapsed())).await;
    let (s, _, _) = call(&sim, sim.token(), "GET", "/2/profile", None).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn rate_limit_can_be_disabled() {
    let sim = small().await;
    for _ in 0..80 {
        let (s, _) = get(&sim, "/2/profile").await;
        assert_eq!(s, 200);
    }
}

#[tokio::test]
async fn pagination_across_the_big_zone() {
    let sim = start(Scale::Fleet, None).await;
    let path = format!("/2/zones/{ZONE_BIG}/records");
    let expected = sim.with_world(|w| w.zone(ZONE_BIG).unwrap().records.len());
    assert!(expected >= 250);
    // Without page: one page of 100, no pagination keys.
    let (_, v) = get(&sim, &path).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 100);
    assert!(v.get("total").is_none() && v.get("pages").is_none());
    // Paging collects every record exactly once.
    let mut ids = std::collections::BTreeSet::new();
    let mut page = 1;
    loop {
        let (s, v) = get(&sim, &format!("{path}?page={page}&per_page=1000")).await;
        assert_eq!(s, 200);
        assert_eq!(v["total"], expected);
        assert_eq!(v["items_per_page"], 100, "per_page is clamped to 100");
        assert_eq!(v["page"], page);
        for r in v["data"].as_array().unwrap() {
            assert!(ids.insert(r["id"].as_u64().unwrap()));
        }
        if page >= v["pages"].as_u64().unwrap() {
            break;
        }
        page += 1;
    }
    assert_eq!(page, expected.div_ceil(100) as u64);
    assert_eq!(ids.len(), expected);
    let (_, v) = get(&sim, &format!("{path}?return=total")).await;
    assert_eq!(v["data"], expected);
    let (s, v) = get(&sim, &format!("{path}?page=abc")).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["errors"][0]["context"]["attribute"], "page");
}

#[tokio::test]
async fn record_filters_and_search() {
    let sim = small().await;
    let base = format!("/2/zones/{ZONE_COMPLETE}/records");
    let (_, v) = get(
        &sim,
        &format!("{base}?filter[types][]=MX&filter[types][]=TXT"),
    )
    .await;
    let types: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert!(!types.is_empty() && types.iter().all(|t| *t == "MX" || *t == "TXT"));
    let (_, v) = get(&sim, &format!("{base}?filter[source]=_dmarc")).await;
    let d = v["data"].as_array().unwrap();
    assert_eq!(d.len(), 1);
    assert!(
        d[0]["target"].as_str().unwrap().starts_with("\"v=DMARC1"),
        "TXT is quoted"
    );
    let (_, v) = get(&sim, &format!("{base}?search=mta-gw")).await;
    let d = v["data"].as_array().unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0]["target"], "5 mta-gw.infomaniak.ch",
        "MX priority lives in target"
    );
    assert_eq!(d[0]["source"], ".", "apex is '.'");
    let (_, v) = get(&sim, &format!("{base}?order_by=ttl&order=desc")).await;
    let ttls: Vec<u64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ttl"].as_u64().unwrap())
        .collect();
    assert!(ttls.windows(2).all(|w| w[0] >= w[1]));
    let (s, v) = get(&sim, &format!("{base}?order_by=colour")).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["errors"][0]["context"]["attribute"], "order_by");
}

#[tokio::test]
async fn record_mutations_are_visible() {
    let sim = small().await;
    let base = format!("/2/zones/{ZONE_NO_MAIL_POLICY}/records");
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "POST",
        &base,
        Some(json!({"type": "TXT", "source": "_dmarc", "target": "v=DMARC1; p=none", "ttl": 3600})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let rec = &v["data"];
    let id = rec["id"].as_u64().expect("integer id");
    assert_eq!(rec["target"], "\"v=DMARC1; p=none\"");
    assert!(rec["updated_at"].as_i64().unwrap() > 1_700_000_000);
    let (_, v) = get(&sim, &format!("{base}/{id}")).await;
    assert_eq!(v["data"]["source"], "_dmarc");
    // Duplicate -> 400.
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "POST",
        &base,
        Some(json!({"type": "TXT", "source": "_dmarc", "target": "v=DMARC1; p=none", "ttl": 3600})),
    )
    .await;
    assert_eq!(s, 400);
    assert_error(&v, "dns_record_already_exists");
    // Update.
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "PUT",
        &format!("{base}/{id}"),
        Some(json!({"target": "v=DMARC1; p=reject", "ttl": 600})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = get(&sim, &format!("{base}/{id}")).await;
    assert_eq!(v["data"]["target"], "\"v=DMARC1; p=reject\"");
    assert_eq!(v["data"]["ttl"], 600);
    // Delete.
    let (s, _, v) = call(&sim, sim.token(), "DELETE", &format!("{base}/{id}"), None).await;
    assert_eq!((s, v["data"].clone()), (200, json!(true)));
    let (s, v) = get(&sim, &format!("{base}/{id}")).await;
    assert_eq!(s, 404);
    assert_error(&v, "object_not_found");
    // Reset restores the seed.
    sim.reset();
    let n = sim.with_world(|w| w.zone(ZONE_NO_MAIL_POLICY).unwrap().records.len());
    let (_, v) = get(&sim, &base).await;
    assert_eq!(v["data"].as_array().unwrap().len(), n);
}

#[tokio::test]
async fn record_validation_errors() {
    let sim = small().await;
    let base = format!("/2/zones/{ZONE_COMPLETE}/records");
    let post = |body: Value| {
        let sim = &sim;
        let base = base.clone();
        async move { call(sim, sim.token(), "POST", &base, Some(body)).await }
    };
    let (s, _, v) = post(json!({"type": "A", "target": "1.2.3.4", "ttl": 30})).await;
    assert_eq!(s, 422);
    assert_error(&v, "validation_failed");
    assert_eq!(v["error"]["errors"][0]["context"]["attribute"], "ttl");
    let (s, _, v) = post(json!({"type": "A", "ttl": 300})).await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["errors"][0]["context"]["attribute"], "target");
    let (s, _, v) = post(json!({"type": "PTR", "target": "x.example", "ttl": 300})).await;
    assert_eq!(s, 400);
    assert_error(&v, "unsupported_dns_record_type");
    let (s, _, v) = post(json!({"type": "A", "target": "999.1.1.1", "ttl": 300})).await;
    assert_eq!(s, 400);
    assert_error(&v, "invalid_dns_record");
    let (s, _, v) = post(json!({"type": "MX", "target": "mx.example.com", "ttl": 300})).await;
    assert_eq!(s, 400);
    assert_error(&v, "invalid_dns_record");
    let (s, _, v) =
        post(json!({"type": "A", "source": "www", "target": "1.2.3.4", "ttl": 300})).await;
    assert_eq!(s, 400, "www is a CNAME");
    assert_error(&v, "dns_record_mutual_exclusion");
    let r = client()
        .post(format!("{}{base}", sim.api_url()))
        .bearer_auth(sim.token())
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "POST",
        "/2/zones/unknown-zone.ch/records",
        Some(json!({"type": "A", "target": "1.2.3.4", "ttl": 300})),
    )
    .await;
    assert_eq!(s, 404);
    assert_error(&v, "zone_does_not_exists");
}

#[tokio::test]
async fn zone_lifecycle_and_exists_quirk() {
    let sim = small().await;
    let (s, v) = get(&sim, "/2/zones/new-zone.ch/exists").await;
    assert_eq!(s, 404, "unknown zone -> 404, not data:false");
    assert_error(&v, "object_not_found");
    assert_eq!(v["error"]["context"]["model"], "DelegatedSubDomain");
    let skel = "www 300 IN A 192.0.2.10\n@ IN MX 10 mx.new-zone.ch.\n@ IN TXT \"v=spf1 -all\"";
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "POST",
        "/2/zones/new-zone.ch?with=records",
        Some(json!({"skel": skel})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["data"]["records"].as_array().unwrap().len(),
        5,
        "2 NS + 3 from skel"
    );
    let (s, v) = get(&sim, "/2/zones/new-zone.ch/exists").await;
    assert_eq!((s, v["data"].clone()), (200, json!(true)));
    let (s, _, v) = call(&sim, sim.token(), "POST", "/2/zones/new-zone.ch", None).await;
    assert_eq!(s, 400);
    assert_error(&v, "zone_already_exists");
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "PUT",
        "/2/zones/new-zone.ch?with=records",
        Some(json!({"skel": "api 60 IN A 192.0.2.1"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["records"].as_array().unwrap().len(), 3);
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "PUT",
        "/2/zones/new-zone.ch",
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["errors"][0]["context"]["attribute"], "skel");
    let (s, _, v) = call(&sim, sim.token(), "DELETE", "/2/zones/new-zone.ch", None).await;
    assert_eq!((s, v["data"].clone()), (200, json!(true)));
    let (s, v) = get(&sim, "/2/zones/new-zone.ch").await;
    assert_eq!(s, 404);
    assert_error(&v, "zone_does_not_exists");
    let (s, v) = get(&sim, &format!("/2/zones/{ZONE_COMPLETE}?with=bogus")).await;
    assert_eq!(s, 422);
    assert!(
        v["error"]["errors"][0]["context"]["values"]
            .as_array()
            .unwrap()
            .contains(&json!("records"))
    );
}

#[tokio::test]
async fn dnssec_and_nameservers_flip_state() {
    let sim = small().await;
    let d = ZONE_COMPLETE;
    let (_, v) = get(&sim, &format!("/2/domains/{d}/dnssec/check")).await;
    assert_eq!(v["data"]["has_dnssec"], false);
    let (s, _, _) = call(
        &sim,
        sim.token(),
        "POST",
        &format!("/2/domains/{d}/dnssec/enable"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (_, v) = get(&sim, &format!("/2/domains/{d}/dnssec/check")).await;
    assert_eq!(v["data"]["has_dnssec"], true);
    assert!(!v["data"]["dnssec_data"].as_array().unwrap().is_empty());
    let (_, v) = get(&sim, &format!("/2/zones/{d}")).await;
    assert_eq!(v["data"]["dnssec"]["is_enabled"], true);
    let (_, v) = get(&sim, &format!("/2/domains/{d}/zones")).await;
    assert_eq!(v["data"][0]["dnssec"]["is_enabled"], true);
    call(
        &sim,
        sim.token(),
        "POST",
        &format!("/2/domains/{d}/dnssec/disable"),
        None,
    )
    .await;
    let (_, v) = get(&sim, &format!("/2/zones/{d}")).await;
    assert_eq!(v["data"]["dnssec"]["is_enabled"], false);

    // Name servers: external delegation makes record checks fail; Infomaniak NS fix it.
    let rec = sim.with_world(|w| w.zone(d).unwrap().records[0].id);
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "PUT",
        &format!("/2/domains/{d}/nameservers"),
        Some(json!({"nameservers": ["ns1.other.example", "ns2.other.example"]})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = get(&sim, &format!("/2/zones/{d}/records/{rec}/check")).await;
    assert_eq!(s, 400);
    assert_error(&v, "zone_not_managed_by_infomaniak_dns");
    let (_, v) = get(&sim, &format!("/1/domain/{d}")).await;
    assert_eq!(v["data"]["is_dns_managed_by_infomaniak"], false);
    let (s, _, _) = call(
        &sim,
        sim.token(),
        "PUT",
        &format!("/2/domains/domains/{d}/nameservers"),
        Some(json!({"use_infomaniak_ns": true})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = get(&sim, &format!("/2/zones/{d}/records/{rec}/check")).await;
    assert_eq!((s, v["data"].clone()), (200, json!(true)));
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "PUT",
        &format!("/2/domains/{d}/nameservers"),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(
        v["error"]["errors"][0]["context"]["attribute"],
        "nameservers"
    );
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "PUT",
        &format!("/2/domains/{d}/nameservers"),
        Some(json!({"nameservers": ["only.one"]})),
    )
    .await;
    assert_eq!(s, 422, "minItems 2: {v}");
}

#[tokio::test]
async fn products_filters_and_service_names() {
    let sim = start(Scale::Fleet, None).await;
    let (_, v) = get(&sim, "/1/products?service_name=domain&return=total").await;
    assert_eq!(v["data"], 60);
    let (_, v) = get(&sim, "/1/products?service_name=hosting&page=1&per_page=10").await;
    assert_eq!(v["total"], 46, "web hostings are service_name=hosting");
    assert_eq!(v["pages"], 5);
    let (_, v) = get(&sim, "/1/products?service_name=email_hosting&return=total").await;
    assert_eq!(v["data"], 12);
    let (_, v) = get(
        &sim,
        &format!("/1/products?customer_name={ZONE_COMPLETE}&service_name=domain"),
    )
    .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    let acc = sim.with_world(|w| w.accounts[1].id);
    let (_, v) = get(&sim, &format!("/1/products?account_id={acc}&page=1")).await;
    assert!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["account_id"] == acc)
    );
    let (_, v) = get(&sim, "/1/products?limit=5&skip=5").await;
    assert_eq!(v["data"].as_array().unwrap().len(), 5);
    let (s, _) = get(&sim, "/1/products?account_id=abc").await;
    assert_eq!(s, 422);
    let (_, v) = get(&sim, &format!("/1/accounts/{acc}/services")).await;
    assert!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "domain")
    );
    let (s, v) = get(&sim, "/1/accounts/999999").await;
    assert_eq!(s, 404);
    assert_error(&v, "object_not_found");
}

#[tokio::test]
async fn request_log_records_everything_without_secrets() {
    let sim = small().await;
    sim.clear_requests();
    get(&sim, "/2/profile?with=x").await;
    call(
        &sim,
        sim.token(),
        "POST",
        &format!("/2/zones/{ZONE_COMPLETE}/records"),
        Some(json!({"type": "A", "source": "log", "target": "192.0.2.1", "ttl": 300})),
    )
    .await;
    call(&sim, "bogus", "GET", "/1/accounts", None).await;
    let log = sim.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/2/profile");
    assert_eq!(log[0].query.as_deref(), Some("with=x"));
    assert_eq!(log[1].body.as_ref().unwrap()["source"], "log");
    assert_eq!(log[1].status, 200);
    assert_eq!(log[2].status, 401);
    assert!(log[1].seq > log[0].seq);
    let fp = log[0].token.clone().unwrap();
    assert!(
        !sim.token().contains(&fp) && fp.len() <= 16,
        "fingerprint, not the token"
    );
    assert_eq!(log[0].token, log[1].token);
    assert_ne!(log[0].token, log[2].token);
    // Same log over the control plane; DELETE clears it.
    let v: Value = client()
        .get(format!("{}/requests", sim.control_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert!(!v.to_string().contains(sim.token()));
    client()
        .delete(format!("{}/requests", sim.control_url()))
        .send()
        .await
        .unwrap();
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn control_plane_reset_and_unknown_route() {
    let sim = small().await;
    call(
        &sim,
        sim.token(),
        "DELETE",
        &format!("/2/zones/{ZONE_COMPLETE}"),
        None,
    )
    .await;
    assert_eq!(get(&sim, &format!("/2/zones/{ZONE_COMPLETE}")).await.0, 404);
    let r = client()
        .post(format!("{}/reset", sim.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get(&sim, &format!("/2/zones/{ZONE_COMPLETE}")).await.0, 200);
    let r = client()
        .get(format!("{}/1/accounts", sim.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "the control plane does not serve API routes"
    );
    let r = client()
        .get(format!("{}/reset", sim.api_url()))
        .bearer_auth(sim.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "the API does not serve control routes");
}

#[tokio::test]
async fn same_seed_same_data_over_http() {
    let a = start(Scale::Fleet, None).await;
    let b = start(Scale::Fleet, None).await;
    for path in [
        "/1/products?page=2&per_page=50",
        "/2/domains/domains?page=1",
        "/2/accounts/ACC/users",
    ] {
        let acc = a.with_world(|w| w.accounts[0].id).to_string();
        let path = path.replace("ACC", &acc);
        let (_, va) = get(&a, &path).await;
        let (_, vb) = get(&b, &path).await;
        assert_eq!(va, vb, "{path}");
    }
    assert_eq!(a.token(), b.token());
    let c = Sim::start(SimConfig {
        seed: 7,
        scale: Scale::Fleet,
        rate_limit_per_minute: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (_, va) = get(&a, "/2/domains/domains").await;
    let (_, vc) = get(&c, "/2/domains/domains").await;
    assert_ne!(va, vc, "another seed gives another tenant");
}
