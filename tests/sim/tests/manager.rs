//! Manager-private proxy: cookie session, XSRF on writes (419), expired-session HTML page.

mod common;

use common::*;
use ikmcp_sim::Faults;
use ikmcp_sim::seed::ZONE_COMPLETE;
use serde_json::{Value, json};

fn mreq(
    sim: &ikmcp_sim::SimHandle,
    method: reqwest::Method,
    path: &str,
    session: Option<&str>,
    xsrf: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut rb = client().request(method, format!("{}{}", sim.manager_url(), path));
    if let Some(s) = session {
        rb = rb.header("Cookie", format!("MANAGER-XSRF-TOKEN=abc; SASESSION={s}"));
    }
    if let Some(x) = xsrf {
        rb = rb.header("X-XSRF-TOKEN", x);
    }
    rb
}

#[tokio::test]
async fn session_cookie_is_required() {
    let sim = small().await;
    let ms = sim.manager_session();
    let r = mreq(&sim, reqwest::Method::GET, "/proxy/1/accounts", None, None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_error(&r.json::<Value>().await.unwrap(), "not_authorized");
    let r = mreq(
        &sim,
        reqwest::Method::GET,
        "/proxy/1/accounts",
        Some("stale"),
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 401);
    let r = mreq(
        &sim,
        reqwest::Method::GET,
        "/proxy/1/accounts",
        Some(&ms.sasession),
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["result"], "success");
    // A Bearer token is not a manager session.
    let r = client()
        .get(format!("{}/proxy/1/accounts", sim.manager_url()))
        .bearer_auth(sim.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn domain_routes_singular_only_and_canonical_namespace() {
    let sim = small().await;
    let s = sim.manager_session().sasession;
    let r = mreq(
        &sim,
        reqwest::Method::GET,
        &format!("/proxy/1/domain/{ZONE_COMPLETE}"),
        Some(&s),
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["data"]["customer_name"], ZONE_COMPLETE);
    let r = mreq(
        &sim,
        reqwest::Method::GET,
        &format!("/proxy/1/domains/{ZONE_COMPLETE}"),
        Some(&s),
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 404, "plural /proxy/1/domains 404s");
    let r = mreq(
        &sim,
        reqwest::Method::GET,
        &format!("/v3/api/proxypass_2/1/domain/{ZONE_COMPLETE}"),
        Some(&s),
        None,
    )
    .send()
    .await
    .unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(a, b, "canonical namespace answers identically");
    let r = mreq(
        &sim,
        reqwest::Method::GET,
        "/proxy/private/anything",
        Some(&s),
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn writes_need_matching_xsrf() {
    let sim = small().await;
    let ms = sim.manager_session();
    let path = format!("/proxy/2/zones/{ZONE_COMPLETE}/records");
    let body = json!({"type": "A", "source": "mgr", "target": "192.0.2.7", "ttl": 300});
    let r = mreq(
        &sim,
        reqwest::Method::POST,
        &path,
        Some(&ms.sasession),
        None,
    )
    .json(&body)
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 419);
    let r = mreq(
        &sim,
        reqwest::Method::POST,
        &path,
        Some(&ms.sasession),
        Some("wrong"),
    )
    .json(&body)
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 419);
    assert!(sim.with_world(|w| {
        !w.zone(ZONE_COMPLETE)
            .unwrap()
            .records
            .iter()
            .any(|r| r.source == "mgr")
    }));
    let r = mreq(
        &sim,
        reqwest::Method::POST,
        &path,
        Some(&ms.sasession),
        Some(&ms.xsrf),
    )
    .json(&body)
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert!(sim.with_world(|w| {
        w.zone(ZONE_COMPLETE)
            .unwrap()
            .records
            .iter()
            .any(|r| r.source == "mgr")
    }));
    let log = sim.requests();
    assert!(log.iter().all(|e| e.upstream == "manager"));
    assert_eq!(log.iter().filter(|e| e.status == 419).count(), 2);
}

#[tokio::test]
async fn expired_session_serves_login_html_with_200() {
    let sim = small().await;
    let ms = sim.manager_session();
    sim.set_faults(Faults {
        manager_session_expired: true,
        ..Faults::default()
    })
    .unwrap();
    let r = mreq(
        &sim,
        reqwest::Method::GET,
        "/proxy/1/accounts",
        Some(&ms.sasession),
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = r.text().await.unwrap();
    assert!(text.contains("<html") && text.contains("login"));
    assert!(serde_json::from_str::<Value>(&text).is_err());
    // The public API is unaffected.
    assert_eq!(get(&sim, "/1/accounts").await.0, 200);
    sim.clear_faults();
    let r = mreq(
        &sim,
        reqwest::Method::GET,
        "/proxy/1/accounts",
        Some(&ms.sasession),
        None,
    )
    .send()
    .await
    .unwrap();
    assert!(r.json::<Value>().await.is_ok());
}
