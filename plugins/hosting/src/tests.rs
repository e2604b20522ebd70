//! Tool-level tests through the registry against canned answers (MockHost).

use ikmcp_pdk::testing::{MockHost, api_error, apply, expect_plan, invoke, ok, paged, plan};
use ikmcp_pdk::{HttpMethod, Plugin, ToolError};
use serde_json::json;

use crate::Hosting;
use crate::audit::{database_findings, site_findings, user_findings};

#[test]
fn manifest_is_within_the_budget() {
    ikmcp_pdk::testing::check_manifest(&Hosting::registry().manifest(), crate::ALL_TOOLS);
}

#[test]
fn passwords_and_private_keys_are_secret_arguments() {
    let m = Hosting::registry().manifest();
    for (tool, secret) in [
        (crate::CHANGE_DATABASE_USER_PASSWORD, "password"),
        (crate::CHANGE_HOSTING_USER_PASSWORD, "password"),
        (crate::CREATE_HOSTING_USER, "password"),
        (crate::REQUEST_CERTIFICATE, "private_key"),
    ] {
        assert_eq!(
            ikmcp_pdk::secret::secret_properties(&m, tool),
            [secret],
            "{tool}"
        );
    }
}

fn hosting(host: &MockHost) {
    host.route(
        HttpMethod::Get,
        "/1/web_hostings/7",
        200,
        ok(json!({"id": 7, "prefix": "ab_"})),
    );
}

#[test]
fn a_password_change_shows_and_restores_the_grants_q2() {
    let host = MockHost::new();
    hosting(&host);
    let granted = json!({"name": "ab_u", "permissions": [{"database": "ab_shop", "rights": {"read": true, "write": true, "admin": false}}]});
    host.route(
        HttpMethod::Get,
        "/1/web_hostings/7/databases",
        200,
        paged(json!([{"name": "ab_shop"}, {"name": "ab_blog"}]), 1, 1, 2),
    );
    host.push_ok(200, ok(granted.clone()));
    let args = json!({"hosting_id": 7, "user_name": "u", "password": "Secret123"});
    let p = expect_plan(
        plan::<Hosting>(&host, crate::CHANGE_DATABASE_USER_PASSWORD, args.clone()).unwrap(),
    );
    assert!(p.summary.contains("Q2"));
    assert!(
        !format!("{:?}{:?}", p.summary, p.changes).contains("Secret123"),
        "the plugin's words do not repeat the password"
    );
    assert_eq!(p.effects.len(), 2);
    // The password is a secret argument: the body is pinned with it (the host masks it).
    let first: serde_json::Value =
        serde_json::from_str(p.effects[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(first["password"], "Secret123");
    assert!(p.effects[0].unpinned_body.is_none());
    let restore: serde_json::Value =
        serde_json::from_str(p.effects[1].body.as_deref().unwrap()).unwrap();
    assert_eq!(first["permissions"], restore["permissions"]);
    assert_eq!(
        restore["permissions"]["ab_blog"],
        json!({"read": false, "write": false, "admin": false})
    );
    // The API wipes the grants anyway: the apply sends the second PATCH and checks again.
    host.push_ok(200, ok(json!(true)));
    host.push_ok(200, ok(json!({"name": "ab_u", "permissions": []})));
    host.push_ok(200, ok(json!(true)));
    host.push_ok(200, ok(granted));
    let out = apply::<Hosting>(&host, crate::CHANGE_DATABASE_USER_PASSWORD, args, &p).unwrap();
    assert_eq!(out["detail"]["second_patch_needed"], true, "{out}");
    let patches: Vec<_> = host
        .requests()
        .into_iter()
        .filter(|r| r.method == HttpMethod::Patch)
        .collect();
    assert_eq!(patches.len(), 2);
    assert!(patches[0].body.as_deref().unwrap().contains("Secret123"));
    assert_eq!(patches[0].role, crate::common::MANAGER);
}

#[test]
fn provision_stopping_midway_names_what_to_undo() {
    let host = MockHost::new();
    hosting(&host);
    host.route(
        HttpMethod::Get,
        "/1/web_hostings/7/sites",
        200,
        paged(json!([]), 1, 1, 0),
    );
    host.route(
        HttpMethod::Get,
        "/1/web_hostings/7/databases",
        200,
        paged(json!([]), 1, 1, 0),
    );
    let args = json!({"hosting_id": 7, "fqdn": "shop.example.com", "database_name": "shop", "skip_dns": true});
    let p = expect_plan(plan::<Hosting>(&host, crate::PROVISION_SITE_FULL, args.clone()).unwrap());
    assert_eq!(p.effects.len(), 2);
    let host = MockHost::new();
    hosting(&host);
    host.route(
        HttpMethod::Post,
        "/proxy/1/web_hostings/7/sites",
        200,
        ok(json!({"progress_id": 1})),
    );
    host.route(
        HttpMethod::Get,
        "/1/web_hostings/7/sites",
        200,
        paged(
            json!([{"id": 99, "main_fqdn": "shop.example.com"}]),
            1,
            1,
            1,
        ),
    );
    host.route(
        HttpMethod::Post,
        "/proxy/1/web_hostings/7/databases",
        400,
        api_error("operation_in_progress", "busy"),
    );
    let err = apply::<Hosting>(&host, crate::PROVISION_SITE_FULL, args, &p).unwrap_err();
    let ToolError::Upstream(u) = err else {
        panic!("{err:?}")
    };
    assert!(
        u.message.contains("step 2 of 2") && u.message.contains("\"id\":99"),
        "{}",
        u.message
    );
    let hint = u.hint.unwrap();
    assert!(
        hint.contains(crate::DELETE_SITE) && hint.contains("\"site_id\":99"),
        "{hint}"
    );
}

#[test]
fn list_hostings_follows_every_page_of_both_services() {
    let host = MockHost::new();
    let page = |ids: std::ops::Range<u64>| {
        json!(
            ids.map(|id| json!({"id": id, "account_id": 1}))
                .collect::<Vec<_>>()
        )
    };
    host.push_ok(200, paged(page(0..100), 1, 2, 130));
    host.push_ok(200, paged(page(100..130), 2, 2, 130));
    host.push_ok(200, paged(page(500..501), 1, 1, 1));
    let out = invoke::<Hosting>(&host, crate::LIST_HOSTINGS, json!({"account_id": 1})).unwrap();
    assert_eq!(out["count"], 131);
    assert_eq!(out["hostings"][130]["is_nodejs"], true);
    assert_eq!(out["hostings"][129]["is_nodejs"], false);
    let queries: Vec<Vec<(String, String)>> =
        host.requests().into_iter().map(|r| r.query).collect();
    let has = |q: &Vec<(String, String)>, k: &str, v: &str| q.iter().any(|(a, b)| a == k && b == v);
    assert_eq!(queries.len(), 3);
    assert!(has(&queries[0], "service_name", "hosting") && has(&queries[0], "page", "1"));
    assert!(has(&queries[1], "service_name", "hosting") && has(&queries[1], "page", "2"));
    assert!(has(&queries[2], "service_name", "hosting_3") && has(&queries[2], "account_id", "1"));
}

#[test]
fn find_site_reads_the_product_then_the_site() {
    let host = MockHost::new();
    host.push_ok(200, ok(json!([])));
    host.push_ok(
        200,
        ok(json!([{"id": 5, "parent_id": 7, "parent_service_name": "hosting"}])),
    );
    host.push_ok(200, ok(json!({"id": 5, "main_fqdn": "example.com"})));
    let out = invoke::<Hosting>(
        &host,
        crate::FIND_SITE,
        json!({"domain": "WWW.example.com"}),
    )
    .unwrap();
    assert_eq!(out["found"], true);
    assert_eq!(out["hosting_id"], 7);
    assert_eq!(out["requests"], 3);
    assert_eq!(out["via"], "products");
    assert_eq!(
        host.requests()[1].query,
        vec![("fqdn".to_string(), "example.com".to_string())]
    );
}

#[test]
fn find_site_scans_the_hostings_named_like_the_domain_first_when_the_index_is_silent() {
    let host = MockHost::new();
    host.push_ok(
        200,
        ok(json!([{"id": 3, "account_id": 2, "service_name": "domain"}])),
    );
    host.push_ok(
        200,
        paged(
            json!([
                {"id": 10, "account_id": 1, "customer_name": "other"},
                {"id": 11, "account_id": 2, "customer_name": "unrelated"},
                {"id": 12, "account_id": 1, "customer_name": "example.com"},
            ]),
            1,
            1,
            3,
        ),
    );
    host.push_ok(
        200,
        paged(
            json!([{"id": 5, "main_fqdn": "other.example.com"}]),
            1,
            1,
            1,
        ),
    );
    host.push_ok(
        200,
        paged(json!([{"id": 6, "main_fqdn": "shop.example.com"}]), 1, 1, 1),
    );
    let out = invoke::<Hosting>(
        &host,
        crate::FIND_SITE,
        json!({"domain": "shop.example.com"}),
    )
    .unwrap();
    assert_eq!(
        (out["found"].clone(), out["hosting_id"].clone()),
        (json!(true), json!(11))
    );
    assert_eq!(out["via"], "scan");
    assert_eq!(
        (out["requests"].clone(), out["scanned_hostings"].clone()),
        (json!(4), json!(2))
    );
    let paths: Vec<String> = host.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths[2..],
        ["/1/web_hostings/12/sites", "/1/web_hostings/11/sites"],
        "the hosting named like the domain, then the domain's account"
    );
}

#[test]
fn find_site_does_not_trust_an_index_answer_the_site_contradicts() {
    let host = MockHost::new();
    host.push_ok(
        200,
        ok(json!([{"id": 5, "parent_id": 7, "parent_service_name": "hosting"}])),
    );
    host.push_ok(
        200,
        ok(json!({"id": 5, "main_fqdn": "renamed.example.com"})),
    );
    host.push_ok(
        200,
        paged(
            json!([{"id": 7, "account_id": 1, "customer_name": "h"}]),
            1,
            1,
            1,
        ),
    );
    host.push_ok(
        200,
        paged(
            json!([{"id": 5, "main_fqdn": "renamed.example.com"}]),
            1,
            1,
            1,
        ),
    );
    let out =
        invoke::<Hosting>(&host, crate::FIND_SITE, json!({"domain": "a.example.com"})).unwrap();
    assert_eq!(out["found"], false);
    assert_eq!(
        (out["requests"].clone(), out["scanned_hostings"].clone()),
        (json!(4), json!(1))
    );
    assert!(
        out["hint"]
            .as_str()
            .unwrap()
            .contains("infomaniak_list_site_aliases")
    );
}

#[test]
fn audit_findings_cover_ssl_php_wordpress_backups_and_ssh() {
    let now = 2_000_000_000;
    let site = json!({"main_fqdn": "a.ch", "ssl_status": "free", "ssl_expired_at": now + 86_400,
        "environments": [{"type": "php", "version": "7.4"}], "applications": [{"type": "wordpress", "version": "6.2.1"}]});
    let cert = json!({"status": "error", "error_identifiers": ["www.a.ch"]});
    let f = site_findings(1, &site, Some(&cert), now);
    let issues: Vec<&str> = f.iter().map(|x| x.issue.as_str()).collect();
    assert_eq!(f.len(), 4, "{issues:?}");
    assert!(
        site_findings(
            1,
            &json!({"main_fqdn": "b.ch", "ssl_status": "disabled"}),
            None,
            now
        )[0]
        .issue
        .contains("no SSL")
    );
    assert_eq!(
        database_findings(1, &json!({"name": "d", "backups": []}), now)[0].severity,
        "high"
    );
    assert!(database_findings(1, &json!({"name": "d", "backups": [now - 3600]}), now).is_empty());
    let ssh = user_findings(1, &json!({"login": "x", "has_ssh": true}));
    assert_eq!(
        ssh[0].call,
        Some(json!({"tool": crate::CHANGE_HOSTING_USER_CONNECTION_TYPE,
            "arguments": {"hosting_id": 1, "login": "x", "connection_type": "ftp"}}))
    );
    let site =
        json!({"id": 9, "main_fqdn": "a.ch", "ssl_status": "free", "ssl_expired_at": now - 86_400});
    let mut all = site_findings(1, &site, Some(&cert), now);
    all.extend(f);
    all.extend(database_findings(
        1,
        &json!({"name": "d", "backups": []}),
        now,
    ));
    all.extend(ssh);
    for x in &all {
        match &x.call {
            Some(call) => {
                let tool = call["tool"].as_str().unwrap();
                assert!(
                    crate::ALL_TOOLS.contains(&tool) && x.fix.contains(tool),
                    "{x:?}"
                );
                assert_eq!(call["arguments"]["hosting_id"], 1, "{x:?}");
            }
            None => assert!(x.fix.starts_with("no tool"), "{x:?}"),
        }
    }
    let expired = &all[0];
    assert_eq!(
        expired.call.as_ref().unwrap()["arguments"],
        json!({"hosting_id": 1, "site_id": 9, "type": "free"})
    );
}

#[test]
fn every_write_on_a_hosting_holds_its_lock() {
    let host = MockHost::new();
    hosting(&host);
    host.route(
        HttpMethod::Get,
        "/1/web_hostings/7/sites",
        200,
        paged(json!([]), 1, 1, 0),
    );
    host.route(
        HttpMethod::Get,
        "/1/web_hostings/7/databases",
        200,
        paged(json!([]), 1, 1, 0),
    );
    let p = expect_plan(plan::<Hosting>(&host, crate::PROVISION_SITE_FULL, json!({"hosting_id": 7, "fqdn": "a.example.com", "database_name": "a", "skip_dns": true})).unwrap());
    assert!(
        p.effects
            .iter()
            .all(|e| e.lock.as_deref() == Some("hosting:7")),
        "{:?}",
        p.effects
    );
    let p = expect_plan(
        plan::<Hosting>(
            &host,
            crate::CREATE_SITE,
            json!({"hosting_id": 7, "fqdn": "b.example.com"}),
        )
        .unwrap(),
    );
    assert_eq!(p.effects[0].lock.as_deref(), Some("hosting:7"));
}
