//! Web hosting as infomaniak-api.md §7.4 and §8 describe it, since no OpenAPI document
//! exists: Q1 (public creates are silent no-ops; the manager's needs all four fields),
//! Q2 (a password PATCH wipes grants unless the manager gets the full map), Q20 (Node.js by
//! site id, PATCH no-op), `operation_in_progress` on overlapping writes, 422 naming the field,
//! manager-only routes, paging, and the quirk switch.

mod common;

use common::*;
use ikmcp_sim::{Faults, SimHandle};
use serde_json::{Value, json};

async fn manager(sim: &SimHandle, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let s = sim.manager_session();
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut rb = client()
        .request(m, format!("{}{}", sim.manager_url(), path))
        .header("Cookie", format!("SASESSION={}", s.sasession))
        .header("X-XSRF-TOKEN", s.xsrf);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn hosting(sim: &SimHandle) -> (u64, String) {
    sim.with_world(|w| (w.web_hostings[0].id, w.web_hostings[0].prefix.clone()))
}

fn site_exists(sim: &SimHandle, fqdn: &str) -> bool {
    sim.with_world(|w| w.sites.iter().any(|s| s.main_fqdn == fqdn))
}

#[tokio::test]
async fn q1_public_site_and_database_posts_succeed_and_create_nothing() {
    let sim = small().await;
    let (hid, prefix) = hosting(&sim);
    let body = json!({"fqdn": "q1.example.ch", "directory": "/sites/q1.example.ch", "force_fqdn": true, "environment": "apache_php"});
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "POST",
        &format!("/1/web_hostings/{hid}/sites"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["data"]["progress_id"].is_u64(), "a real progress_id: {v}");
    assert!(
        !site_exists(&sim, "q1.example.ch"),
        "Bearer POST is a silent no-op"
    );
    // The manager without force_fqdn: success, nothing.
    let mut partial = body.clone();
    partial.as_object_mut().unwrap().remove("force_fqdn");
    let (s, _) = manager(
        &sim,
        "POST",
        &format!("/proxy/1/web_hostings/{hid}/sites"),
        Some(partial),
    )
    .await;
    assert_eq!(s, 200);
    assert!(!site_exists(&sim, "q1.example.ch"));
    // The manager with all four fields creates it.
    let (s, v) = manager(
        &sim,
        "POST",
        &format!("/proxy/1/web_hostings/{hid}/sites"),
        Some(body),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(site_exists(&sim, "q1.example.ch"));
    // Databases: public no-op, manager creates with the prefix.
    let (s, _, _) = call(
        &sim,
        sim.token(),
        "POST",
        &format!("/1/web_hostings/{hid}/databases"),
        Some(json!({"database_name": "q1"})),
    )
    .await;
    assert_eq!(s, 200);
    let full = format!("{prefix}q1");
    let (s, _) = get(&sim, &format!("/1/web_hostings/{hid}/databases/{full}")).await;
    assert_eq!(s, 404);
    let (s, _) = manager(
        &sim,
        "POST",
        &format!("/proxy/1/web_hostings/{hid}/databases"),
        Some(json!({"database_name": "q1"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = get(&sim, &format!("/1/web_hostings/{hid}/databases/{full}")).await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test]
async fn the_quirk_switch_and_the_silent_noop_fault() {
    let sim = small().await;
    let (hid, _) = hosting(&sim);
    sim.set_faults(Faults {
        hosting_silent_noop: true,
        ..Faults::default()
    })
    .unwrap();
    let body = json!({"fqdn": "noop.example.ch", "directory": "/sites/noop.example.ch", "force_fqdn": true, "environment": "apache_php"});
    let (s, _) = manager(
        &sim,
        "POST",
        &format!("/proxy/1/web_hostings/{hid}/sites"),
        Some(body),
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        !site_exists(&sim, "noop.example.ch"),
        "the fault makes every create a no-op"
    );
    sim.clear_faults();
    assert!(
        sim.with_world(|w| w.hosting.quirks),
        "quirks are on by default"
    );
}

#[tokio::test]
async fn q2_a_password_patch_wipes_grants_unless_the_manager_gets_the_full_map() {
    let sim = small().await;
    let (hid, _) = hosting(&sim);
    let (user, db) = sim.with_world(|w| {
        let u = w
            .hosting
            .db_users
            .iter()
            .find(|u| u.hosting_id == hid && !u.permissions.is_empty())
            .unwrap();
        (u.name.clone(), u.permissions[0].0.clone())
    });
    let path = format!("/1/web_hostings/{hid}/database_users/{user}");
    let (s, _, v) = call(
        &sim,
        sim.token(),
        "PATCH",
        &path,
        Some(json!({"password": "weak"})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["error"]["errors"][0]["context"]["attribute"], "password");
    let (s, _, _) = call(
        &sim,
        sim.token(),
        "PATCH",
        &path,
        Some(json!({"password": "Str0ngPass"})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, v) = get(&sim, &path).await;
    assert_eq!(v["data"]["permissions"], json!([]), "Q2: grants wiped");
    let (s, v) = manager(&sim, "PATCH", &format!("/proxy{path}"), Some(json!({"password": "Str0ngPass2", "permissions": {db.clone(): {"read": true, "write": true, "admin": false}}}))).await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = get(&sim, &path).await;
    assert_eq!(v["data"]["permissions"][0]["database"], db.as_str());
    let (s, v) = manager(
        &sim,
        "PATCH",
        &format!("/proxy{path}"),
        Some(json!({"permissions": {"nope": {"read": true, "write": true, "admin": true}}})),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        v["error"]["errors"][0]["context"]["attribute"],
        "permissions.nope"
    );
}

#[tokio::test]
async fn overlapping_writes_on_one_hosting_answer_operation_in_progress() {
    let sim = small().await;
    let (hid, _) = hosting(&sim);
    let path = format!("/proxy/1/web_hostings/{hid}/databases");
    let (a, b) = tokio::join!(
        manager(&sim, "POST", &path, Some(json!({"database_name": "one"}))),
        manager(&sim, "POST", &path, Some(json!({"database_name": "two"}))),
    );
    let statuses = [a.0, b.0];
    assert!(
        statuses.contains(&200) && statuses.contains(&400),
        "{a:?} {b:?}"
    );
    let refused = if a.0 == 400 { a.1 } else { b.1 };
    assert_error(&refused, "operation_in_progress");
    // One after the other, both succeed.
    let (s, _) = manager(&sim, "POST", &path, Some(json!({"database_name": "three"}))).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn validation_names_the_field_and_manager_routes_are_not_public() {
    let sim = small().await;
    let (hid, _) = hosting(&sim);
    let users = format!("/1/web_hostings/{hid}/users");
    for (body, field) in [
        (
            json!({"connection_type": "telnet", "login": "x", "password": "Abcdefg1"}),
            "connection_type",
        ),
        (
            json!({"connection_type": "ftp", "password": "Abcdefg1"}),
            "login",
        ),
        (
            json!({"connection_type": "ftp", "login": "x", "password": "short"}),
            "password",
        ),
    ] {
        let (s, _, v) = call(&sim, sim.token(), "POST", &users, Some(body)).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["error"]["errors"][0]["context"]["attribute"], field);
    }
    let site = sim.with_world(|w| w.sites.iter().find(|s| s.hosting_id == hid).unwrap().id);
    let (s, v) = get(&sim, &format!("/1/web_hostings/{hid}/sites/{site}/aliases")).await;
    assert_eq!(s, 404);
    assert_error(&v, "method_not_found");
    let (s, v) = manager(
        &sim,
        "GET",
        &format!("/proxy/1/web_hostings/{hid}/sites/{site}/aliases"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = get(&sim, "/1/web_hostings/999/sites").await;
    assert_eq!(s, 404);
    let (s, v) = get(&sim, &format!("/1/web_hostings/{hid}/sites?with=bogus")).await;
    assert_eq!(s, 422);
    assert!(
        v["error"]["errors"][0]["context"]["values"]
            .as_array()
            .unwrap()
            .contains(&json!("applications"))
    );
}

#[tokio::test]
async fn q20_nodejs_routes_take_the_site_id_and_patch_changes_nothing() {
    let sim = small().await;
    let app = sim.with_world(|w| w.hosting.nodejs[0].clone());
    let (s, v) = manager(
        &sim,
        "GET",
        &format!(
            "/proxy/1/hostings/{}?with[]=hosting_features",
            app.parent_hosting_id
        ),
        None,
    )
    .await;
    assert_eq!(s, 403);
    assert_error(&v, "access_denied");
    let base = format!(
        "/proxy/1/hostings/{}/nodejs/{}",
        app.site_id, app.vhost_route_id
    );
    let (s, v) = manager(&sim, "PATCH", &base, Some(json!({"version": "22"}))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        sim.with_world(|w| w.hosting.nodejs[0].clone()),
        app,
        "PATCH is a no-op"
    );
    let (s, _) = manager(
        &sim,
        "POST",
        &format!("{base}/actions/deploy"),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _, _) = call(
        &sim,
        sim.token(),
        "GET",
        &format!("/1/hostings/{}/nodejs/{}", app.site_id, app.vhost_route_id),
        None,
    )
    .await;
    assert_eq!(s, 404, "Node.js details are manager only");
}

#[tokio::test]
async fn fleet_lists_need_several_pages_and_site_products_lead_to_their_hosting() {
    let sim = start(ikmcp_sim::Scale::Fleet, None).await;
    let (hid, _) = hosting(&sim);
    for what in ["databases", "database_users", "users"] {
        let (_, v) = get(
            &sim,
            &format!("/1/web_hostings/{hid}/{what}?page=1&per_page=100"),
        )
        .await;
        assert!(v["pages"].as_u64().unwrap() >= 2, "{what}: {}", v["total"]);
    }
    let site = sim.with_world(|w| w.sites[120].clone());
    let (_, v) = get(&sim, &format!("/1/products?fqdn={}", site.main_fqdn)).await;
    let p = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["service_name"] == "web_hosting")
        .unwrap();
    assert_eq!(p["parent_id"], site.hosting_id);
    assert_eq!(p["id"], site.id);
    // The other filters apply to site products too.
    let other = sim.with_world(|w| {
        w.accounts
            .iter()
            .find(|a| a.id != site.account_id)
            .unwrap()
            .id
    });
    for filter in [format!("account_id={other}"), "service_name=hosting".into()] {
        let (_, v) = get(
            &sim,
            &format!("/1/products?fqdn={}&{filter}", site.main_fqdn),
        )
        .await;
        assert!(
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["service_name"] != "web_hosting"),
            "{filter}: {v}"
        );
    }
    let (_, v) = get(&sim, "/1/products?service_name=web_hosting&return=total").await;
    assert_eq!(
        v["data"], 0,
        "site products only appear through the fqdn filter"
    );
    // The switch for clients that must not rely on the [L] index: no site product at all.
    sim.set_faults(Faults {
        products_without_sites: true,
        ..Faults::default()
    })
    .unwrap();
    let (_, v) = get(&sim, &format!("/1/products?fqdn={}", site.main_fqdn)).await;
    assert!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["service_name"] != "web_hosting"),
        "{v}"
    );
    sim.clear_faults();
    // The fleet's paging fixtures: a hosting's sites, a site's aliases, a Node.js app's
    // builds and names each need two pages of 100.
    let first = sim.with_world(|w| w.sites.iter().find(|s| s.hosting_id == hid).unwrap().id);
    let (_, v) = get(
        &sim,
        &format!("/1/web_hostings/{hid}/sites?page=2&per_page=100"),
    )
    .await;
    assert_eq!(v["page"], 2);
    assert!(!v["data"].as_array().unwrap().is_empty(), "{v}");
    let app = sim.with_world(|w| w.hosting.nodejs[0].clone());
    for path in [
        format!("/proxy/1/web_hostings/{hid}/sites/{first}/aliases?page=2&per_page=100"),
        format!(
            "/proxy/1/hostings/{}/nodejs/{}/jobs?page=2&per_page=100",
            app.site_id, app.vhost_route_id
        ),
        format!(
            "/proxy/1/hostings/{}/vhost_route/{}/aliases?page=2&per_page=100",
            app.site_id, app.vhost_route_id
        ),
    ] {
        let (s, v) = manager(&sim, "GET", &path, None).await;
        assert_eq!(s, 200, "{path}: {v}");
        assert_eq!(
            (v["page"].clone(), v["pages"].clone()),
            (json!(2), json!(2)),
            "{path}"
        );
        assert!(!v["data"].as_array().unwrap().is_empty(), "{path}");
    }
}
