//! Tool-level tests through the registry against canned API answers (MockHost).

use ikmcp_pdk::testing::{
    MockHost, api_error, apply, expect_no_change, expect_plan, invoke, ok, paged, parse, plan,
};
use ikmcp_pdk::{HttpMethod, Plugin, ToolError};
use serde_json::{Value, json};

use crate::*;

const PROJECT: &str = "/1/public_clouds/5/projects/7";

fn kind(e: &ToolError) -> &'static str {
    match e {
        ToolError::InvalidArgs(_) => "invalid_args",
        ToolError::NotFound(_) => "not_found",
        ToolError::Conflict(_) => "conflict",
        ToolError::Denied(_) => "denied",
        ToolError::Internal(_) => "internal",
        ToolError::Upstream(_) => "upstream",
    }
}

#[test]
fn manifest_is_valid_and_within_budget() {
    let m = Cloud::registry().manifest();
    ikmcp_pdk::testing::check_manifest(&m, ALL_TOOLS);
    assert_eq!(m.id, "cloud");
    assert_eq!(m.tools.len(), 18);
    assert_eq!(
        m.roles,
        vec![
            "infomaniak-api".to_string(),
            "infomaniak-manager".to_string()
        ]
    );
}

#[test]
fn clouds_of_every_account_and_every_page() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/accounts",
        200,
        ok(json!([{"id": 1}, {"id": 2}])),
    );
    host.push_ok(200, paged(json!([{"id": 10}]), 1, 2, 2));
    host.push_ok(200, paged(json!([{"id": 11}]), 2, 2, 2));
    host.push_ok(200, paged(json!([{"id": 20}]), 1, 1, 1));
    let out = invoke::<Cloud>(&host, LIST_CLOUDS, json!({})).unwrap();
    assert_eq!(out["count"], 3);
    let sent = host.requests();
    let queries: Vec<String> = sent
        .iter()
        .skip(1)
        .map(|r| format!("{:?}", r.query))
        .collect();
    assert!(
        queries[0].contains("\"account_id\", \"1\"") && queries[0].contains("\"page\", \"1\""),
        "{queries:?}"
    );
    assert!(queries[2].contains("\"account_id\", \"2\""), "{queries:?}");
}

#[test]
fn dbaas_connection_quirks_are_normalized_and_the_password_never_shown() {
    let host = MockHost::new();
    let path = format!("{PROJECT}/dbaas/9");
    host.route(
        HttpMethod::Get,
        &path,
        200,
        ok(json!({"id": 9, "connection": {"host": "h", "port": "3306", "password": "s3cret"}})),
    );
    let out = invoke::<Cloud>(
        &host,
        GET_DBAAS,
        json!({"public_cloud_id": 5, "project_id": 7, "dbaas_id": 9}),
    )
    .unwrap();
    assert_eq!(
        out["item"]["connection"],
        json!({"host": "h", "port": 3306})
    );
    assert!(!out.to_string().contains("s3cret"));
    assert_eq!(
        host.requests()[0].query,
        vec![("with".to_string(), "connection".to_string())]
    );
    host.route(
        HttpMethod::Get,
        &path,
        200,
        ok(json!({"id": 9, "connection": []})),
    );
    let out = invoke::<Cloud>(
        &host,
        GET_DBAAS,
        json!({"public_cloud_id": 5, "project_id": 7, "dbaas_id": 9}),
    )
    .unwrap();
    assert_eq!(out["item"]["connection"], Value::Null);
}

#[test]
fn a_project_delete_lists_what_goes_with_it_and_writes_nothing() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        PROJECT,
        200,
        ok(json!({"public_cloud_project_id": 7, "name": "prod"})),
    );
    host.route(
        HttpMethod::Get,
        &format!("{PROJECT}/dbaas"),
        200,
        ok(json!([{"id": 1, "name": "db"}])),
    );
    host.route(
        HttpMethod::Get,
        &format!("{PROJECT}/kaas"),
        200,
        ok(json!([{"kaas_id": 2, "name": "k"}])),
    );
    host.route(
        HttpMethod::Get,
        &format!("{PROJECT}/users"),
        200,
        ok(json!([{"public_cloud_user_id": 3, "description": "ci"}])),
    );
    let p = expect_plan(
        plan::<Cloud>(
            &host,
            MANAGE_PROJECT,
            json!({"public_cloud_id": 5, "action": "delete", "project_id": 7}),
        )
        .unwrap(),
    );
    assert!(host.writes().is_empty());
    assert_eq!(p.changes.len(), 4, "{:?}", p.changes);
    assert!(
        p.summary
            .contains("1 Database service(s), 1 Kubernetes service(s), 1 user(s)"),
        "{}",
        p.summary
    );
    assert!(
        p.changes
            .iter()
            .skip(1)
            .all(|c| c.action == "lost" && c.after.is_none())
    );
    assert_eq!(
        (p.effects[0].method, p.effects[0].path_pattern.as_str()),
        (HttpMethod::Delete, PROJECT)
    );
}

#[test]
fn an_asynchronous_answer_is_reported_as_such() {
    let host = MockHost::new();
    host.route(HttpMethod::Get, PROJECT, 200, ok(json!({"name": "old"})));
    let args = json!({"public_cloud_id": 5, "action": "update", "project_id": 7, "payload": {"name": "new"}});
    let p = expect_plan(plan::<Cloud>(&host, MANAGE_PROJECT, args.clone()).unwrap());
    assert_eq!(
        parse(p.changes[0].before.as_deref().unwrap()),
        json!({"name": "old"})
    );
    assert_eq!(
        parse(p.effects[0].body.as_deref().unwrap()),
        json!({"name": "new"})
    );
    host.push_ok(202, json!({"result": "asynchronous", "data": true}));
    let out = apply::<Cloud>(&host, MANAGE_PROJECT, args, &p).unwrap();
    assert_eq!(out["asynchronous"], true);
    assert!(
        out["follow_up"].as_str().unwrap().contains(GET_PROJECT),
        "{out}"
    );
    let w = host.writes();
    assert_eq!(
        (w.len(), w[0].method, w[0].path.as_str()),
        (1, HttpMethod::Patch, PROJECT)
    );
}

#[test]
fn the_same_name_is_no_change() {
    let host = MockHost::new();
    host.route(HttpMethod::Get, PROJECT, 200, ok(json!({"name": "same"})));
    let out = expect_no_change(plan::<Cloud>(&host, MANAGE_PROJECT, json!({"public_cloud_id": 5, "action": "update", "project_id": 7, "payload": {"name": "same"}})).unwrap());
    assert_eq!(out["asynchronous"], false);
}

#[test]
fn passwords_resets_and_bad_payloads_are_refused_before_any_request() {
    let host = MockHost::new();
    let cases = [
        (
            MANAGE_PROJECT,
            json!({"public_cloud_id": 5, "action": "create", "payload": {"project_name": "x", "user_password": "pw"}}),
        ),
        (
            MANAGE_USER,
            json!({"public_cloud_id": 5, "project_id": 7, "action": "update", "user_id": 1, "payload": {"password": "pw"}}),
        ),
        (
            MANAGE_DBAAS,
            json!({"public_cloud_id": 5, "project_id": 7, "action": "reset_password", "dbaas_id": 9, "payload": {"password": "pw"}}),
        ),
        (
            MANAGE_DBAAS,
            json!({"public_cloud_id": 5, "project_id": 7, "action": "create", "payload": {"name": "x"}}),
        ),
        (
            MANAGE_DBAAS,
            json!({"public_cloud_id": 5, "project_id": 7, "action": "toggle_slow_logs", "dbaas_id": 9}),
        ),
        (
            MANAGE_KAAS,
            json!({"public_cloud_id": 5, "project_id": 7, "action": "update", "kaas_id": 2, "payload": {"flavor": "big"}}),
        ),
        (
            MANAGE_KAAS,
            json!({"public_cloud_id": 5, "project_id": 7, "action": "delete"}),
        ),
    ];
    for (tool, args) in cases {
        let e = plan::<Cloud>(&host, tool, args.clone()).unwrap_err();
        assert_eq!(kind(&e), "invalid_args", "{tool} {args}: {e:?}");
        assert!(!format!("{e:?}").contains("\"pw\""), "{e:?}");
    }
    assert!(host.requests().is_empty());
}

#[test]
fn a_password_reset_pins_the_get_says_what_is_lost_and_returns_the_new_password() {
    let host = MockHost::new();
    let path = format!("{PROJECT}/dbaas/9");
    host.route(HttpMethod::Get, &path, 200, ok(json!({"id": 9, "name": "db", "status": "ready", "connection": {"host": "h", "port": "3306", "user": "admin", "password": "old"}})));
    let args =
        json!({"public_cloud_id": 5, "project_id": 7, "action": "reset_password", "dbaas_id": 9});
    let p = expect_plan(plan::<Cloud>(&host, MANAGE_DBAAS, args.clone()).unwrap());
    assert_eq!(p.effects.len(), 1);
    let e = &p.effects[0];
    assert_eq!(
        (e.method, e.path_pattern.as_str(), e.body.as_deref()),
        (
            HttpMethod::Get,
            format!("{path}/reset_password").as_str(),
            None
        )
    );
    assert!(p.summary.contains("stops working"), "{}", p.summary);
    let lost = p.changes.iter().find(|c| c.action == "lost").unwrap();
    assert!(lost.target.contains("admin@h"), "{}", lost.target);
    assert!(
        !format!("{p:?}").contains("old"),
        "the current password is never shown"
    );
    assert_eq!(host.requests().len(), 1, "planning only read the service");
    host.route(
        HttpMethod::Get,
        &format!("{path}/reset_password"),
        200,
        ok(json!({"host": "h", "port": "3306", "user": "admin", "password": "N3w", "uri": "mysql://admin:N3w@h", "command": "mysql -pN3w", "ca": "c"})),
    );
    let out = apply::<Cloud>(&host, MANAGE_DBAAS, args, &p).unwrap();
    assert_eq!(
        out["result"],
        json!({"host": "h", "port": 3306, "user": "admin", "password": "N3w", "ca": "c"})
    );
    assert_eq!(out["action"], "reset_password");
    // Not ready yet: the API cannot reset it, said before anything is sent.
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        &path,
        200,
        ok(json!({"id": 9, "name": "db", "status": "initializing", "connection": []})),
    );
    let e = plan::<Cloud>(
        &host,
        MANAGE_DBAAS,
        json!({"public_cloud_id": 5, "project_id": 7, "action": "reset_password", "dbaas_id": 9}),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "invalid_args", "{e:?}");
    assert!(format!("{e:?}").contains("initializing"), "{e:?}");
}

#[test]
fn a_dbaas_delete_lists_the_backups_it_loses_unless_kept() {
    let host = MockHost::new();
    host.route(HttpMethod::Get, &format!("{PROJECT}/dbaas/9"), 200, ok(json!({"id": 9, "name": "db", "backups": [{"id": "b1"}, {"id": "b2"}], "connection": []})));
    let args = json!({"public_cloud_id": 5, "project_id": 7, "action": "delete", "dbaas_id": 9});
    let p = expect_plan(plan::<Cloud>(&host, MANAGE_DBAAS, args.clone()).unwrap());
    assert_eq!(p.changes.iter().filter(|c| c.action == "lost").count(), 2);
    assert_eq!(p.effects[0].body, None);
    let mut keep = args;
    keep["payload"] = json!({"keep_backup_files": true});
    let p = expect_plan(plan::<Cloud>(&host, MANAGE_DBAAS, keep).unwrap());
    assert_eq!(p.changes.len(), 1);
    assert_eq!(
        parse(p.effects[0].body.as_deref().unwrap()),
        json!({"keep_backup_files": true})
    );
}

#[test]
fn unknown_ids_point_at_the_list_tool() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/public_clouds/404",
        404,
        api_error("object_not_found", "Public cloud not found"),
    );
    let e = invoke::<Cloud>(&host, GET_CLOUD, json!({"public_cloud_id": 404})).unwrap_err();
    match e {
        ToolError::NotFound(d) => assert!(d.hint.unwrap().contains(LIST_CLOUDS)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn vps_are_read_with_the_manager_role_and_every_expansion() {
    let host = MockHost::new();
    host.route(HttpMethod::Get, "/proxy/1/vps", 200, ok(json!([{"id": 3}])));
    host.route(
        HttpMethod::Get,
        "/proxy/1/vps/3",
        200,
        ok(json!({"id": 3, "status": "running"})),
    );
    let out = invoke::<Cloud>(&host, LIST_VPS, json!({"account_id": 8})).unwrap();
    assert_eq!(out["count"], 1);
    invoke::<Cloud>(&host, GET_VPS, json!({"vps_id": 3})).unwrap();
    let sent = host.requests();
    assert!(
        sent.iter().all(|r| r.role == "infomaniak-manager"),
        "{sent:?}"
    );
    assert_eq!(
        sent[0].query,
        vec![("account_id".to_string(), "8".to_string())]
    );
    assert_eq!(sent[1].query, vec![("with[]".to_string(), "*".to_string())]);
}
