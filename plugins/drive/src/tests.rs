//! Tool-level tests: tools called through the registry with JSON arguments against canned
//! API answers (MockHost): what is read, planned and written, and what errors say.

use ikmcp_pdk::testing::{
    MockHost, api_error, apply, expect_no_change, expect_plan, invoke, ok, paged, plan,
    surface_tokens,
};
use ikmcp_pdk::{HttpMethod, Plugin, ToolError};
use serde_json::{Value, json};

use crate::Drive;

fn cursor_page(items: Value, cursor: &str, has_more: bool) -> Value {
    json!({"result": "success", "data": items, "cursor": cursor, "has_more": has_more, "response_at": 1_795_000_000})
}

#[test]
fn manifest_is_within_the_budget_and_every_tool_is_registered() {
    let m = Drive::registry().manifest();
    ikmcp_pdk::testing::check_manifest(&m, crate::ALL_TOOLS);
    assert_eq!(m.id, "drive");
    assert_eq!(m.tools.len(), crate::ALL_TOOLS.len());
    let avg = m.tools.iter().map(surface_tokens).sum::<usize>() / m.tools.len();
    assert!(avg <= 100, "average {avg}");
}

#[test]
fn list_drives_walks_every_account_and_page() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/accounts",
        200,
        paged(json!([{"id": 7}, {"id": 8}]), 1, 1, 2),
    );
    host.push_ok(200, paged(json!([{"id": 1}]), 1, 2, 2));
    host.push_ok(200, paged(json!([{"id": 2}]), 2, 2, 2));
    host.push_ok(200, paged(json!([{"id": 3}]), 1, 1, 1));
    let out = invoke::<Drive>(&host, crate::LIST_DRIVES, json!({})).unwrap();
    assert_eq!(out["count"], 3, "{out}");
    let drive_calls: Vec<_> = host
        .requests()
        .into_iter()
        .filter(|r| r.path == "/2/drive")
        .collect();
    assert_eq!(drive_calls.len(), 3);
    assert!(
        drive_calls[2]
            .query
            .contains(&("account_id".into(), "8".into()))
    );
}

#[test]
fn cursor_lists_follow_every_page() {
    let host = MockHost::new();
    host.push_ok(200, cursor_page(json!([{"id": 2}, {"id": 3}]), "c1", true));
    host.push_ok(200, cursor_page(json!([{"id": 4}]), "c2", false));
    let out = invoke::<Drive>(&host, crate::LIST_FILES, json!({"drive_id": 5})).unwrap();
    assert_eq!(out["count"], 3);
    let sent = host.requests();
    assert_eq!(
        sent[0].path, "/3/drive/5/files/1/files",
        "root is directory 1"
    );
    assert!(sent[1].query.contains(&("cursor".into(), "c1".into())));
}

#[test]
fn maintenance_is_a_clear_try_later() {
    let host = MockHost::new();
    host.push_ok(
        503,
        api_error("drive_is_in_maintenance_error", "maintenance"),
    );
    match invoke::<Drive>(&host, crate::LIST_TRASH, json!({"drive_id": 9})).unwrap_err() {
        ToolError::Upstream(u) => {
            assert_eq!(u.status, 503);
            let hint = u.hint.unwrap();
            assert!(
                hint.contains("maintenance") && hint.contains("later"),
                "{hint}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_missing_link_is_null_not_an_error() {
    let host = MockHost::new();
    host.push_ok(404, api_error("not_found_error", "no link"));
    let out =
        invoke::<Drive>(&host, crate::GET_LINK, json!({"drive_id": 1, "file_id": 4})).unwrap();
    assert_eq!(out["item"], Value::Null);
}

#[test]
fn share_link_passwords_are_secret_arguments() {
    let m = Drive::registry().manifest();
    for tool in [crate::CREATE_LINK, crate::UPDATE_LINK] {
        assert_eq!(
            ikmcp_pdk::secret::secret_properties(&m, tool),
            ["password"],
            "{tool}"
        );
    }
}

#[test]
fn create_link_plans_the_exact_body_and_hides_the_password_in_changes() {
    let host = MockHost::new();
    host.push_ok(404, api_error("not_found_error", "no link"));
    let args = json!({"drive_id": 1, "file_id": 4, "right": "password", "password": "correct horse", "valid_until": 1_800_000_000});
    let p = expect_plan(plan::<Drive>(&host, crate::CREATE_LINK, args.clone()).unwrap());
    let e = &p.effects[0];
    assert_eq!(
        (e.method, e.path_pattern.as_str()),
        (HttpMethod::Post, "/2/drive/1/files/4/link")
    );
    let body: Value = serde_json::from_str(e.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"right": "password", "password": "correct horse", "valid_until": 1_800_000_000})
    );
    assert!(
        !p.changes[0]
            .after
            .as_deref()
            .unwrap()
            .contains("correct horse")
    );
    assert!(host.writes().is_empty(), "planning writes nothing");
    host.push_ok(201, ok(json!({"url": "u"})));
    let out = apply::<Drive>(&host, crate::CREATE_LINK, args, &p).unwrap();
    assert_eq!(out["results"][0]["url"], "u");
    assert_eq!(host.writes().len(), 1);
}

#[test]
fn bad_link_arguments_are_refused_before_any_request() {
    let host = MockHost::new();
    for (args, needle) in [
        (json!({"drive_id": 1, "file_id": 4}), "right is required"),
        (
            json!({"drive_id": 1, "file_id": 4, "right": "password"}),
            "needs a password",
        ),
        (
            json!({"drive_id": 1, "file_id": 4, "right": "public", "password": "abcdefghij"}),
            "only goes with",
        ),
        (
            json!({"drive_id": 1, "file_id": 4, "right": "password", "password": "short"}),
            "shorter",
        ),
        (
            json!({"drive_id": 1, "file_id": 4, "right": "public", "valid_until": -5}),
            "negative",
        ),
    ] {
        match plan::<Drive>(&host, crate::CREATE_LINK, args.clone()) {
            Err(ToolError::InvalidArgs(d)) => {
                assert!(d.message.contains(needle), "{args}: {}", d.message)
            }
            other => panic!("{args}: unexpected {other:?}"),
        }
    }
    assert!(host.requests().is_empty());
}

#[test]
fn an_existing_link_is_a_conflict_naming_the_update_tool() {
    let host = MockHost::new();
    host.push_ok(
        200,
        ok(json!({"url": "https://kdrive/x", "right": "public"})),
    );
    match plan::<Drive>(
        &host,
        crate::CREATE_LINK,
        json!({"drive_id": 1, "file_id": 4, "right": "public"}),
    ) {
        Err(ToolError::Conflict(d)) => assert!(d.hint.unwrap().contains(crate::UPDATE_LINK)),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn lock_of_a_locked_user_is_no_change() {
    let host = MockHost::new();
    host.push_ok(
        200,
        ok(json!({"id": 3, "email": "a@b.ch", "status": "locked"})),
    );
    let out = expect_no_change(
        plan::<Drive>(
            &host,
            crate::LOCK_USER,
            json!({"drive_id": 1, "user_id": 3}),
        )
        .unwrap(),
    );
    assert_eq!(out["changed"], false);
}

#[test]
fn manager_roles_follow_the_spec_not_the_peers_is_manager_body() {
    let host = MockHost::new();
    host.push_ok(
        200,
        ok(json!({"id": 3, "email": "a@b.ch", "status": "active", "manager_roles": []})),
    );
    let p = expect_plan(
        plan::<Drive>(
            &host,
            crate::SET_MANAGER,
            json!({"drive_id": 1, "user_id": 3, "is_manager": true}),
        )
        .unwrap(),
    );
    assert_eq!(p.effects[0].method, HttpMethod::Patch);
    assert_eq!(
        p.effects[0].body.as_deref(),
        Some(r#"{"roles":["statistic","technical"]}"#)
    );
    let e = plan::<Drive>(
        &host,
        crate::SET_MANAGER,
        json!({"drive_id": 1, "user_id": 3, "is_manager": true, "roles": ["statistic"]}),
    );
    assert!(matches!(e, Err(ToolError::InvalidArgs(_))));
}

#[test]
fn trash_retention_out_of_range_is_refused() {
    let host = MockHost::new();
    for d in [0, 366] {
        let e = plan::<Drive>(
            &host,
            crate::UPDATE_TRASH_SETTINGS,
            json!({"drive_id": 1, "max_duration": d}),
        );
        assert!(matches!(e, Err(ToolError::InvalidArgs(_))), "{d}");
    }
    assert!(host.requests().is_empty());
}

#[test]
fn settings_fields_are_checked_and_link_settings_send_the_required_three() {
    let host = MockHost::new();
    let e = plan::<Drive>(
        &host,
        crate::MANAGE_SETTINGS,
        json!({"drive_id": 1, "action": "update_ai", "settings": {"bogus": 1}}),
    );
    assert!(matches!(e, Err(ToolError::InvalidArgs(d)) if d.message.contains("bogus")));
    host.push_ok(
        200,
        ok(json!({"shared_link": {"activate": false, "bgColor": "#000", "txtColor": "#fff"}})),
    );
    let p = expect_plan(
        plan::<Drive>(
            &host,
            crate::MANAGE_SETTINGS,
            json!({"drive_id": 1, "action": "update_link", "settings": {"activate": true}}),
        )
        .unwrap(),
    );
    let body: Value = serde_json::from_str(p.effects[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"activate": true, "bgColor": "#000", "txtColor": "#fff"})
    );
    assert_eq!(p.effects[0].path_pattern, "/2/drive/1/settings/link");
}

#[test]
fn a_multi_write_apply_that_fails_part_way_says_what_was_done() {
    let host = MockHost::new();
    let p = ikmcp_pdk::PlanBuilder::new("infomaniak-api", "two")
        .change("t", "delete", Some(&json!(1)), None::<&Value>)
        .effect(HttpMethod::Delete, "/2/drive/1/files/2/link", None)
        .effect(HttpMethod::Delete, "/2/drive/1/users/3", None)
        .build();
    host.push_ok(200, ok(json!(true)));
    host.push_ok(500, api_error("unexpected_error", "boom"));
    match apply::<Drive>(
        &host,
        crate::OFFBOARD_USER,
        json!({"drive_id": 1, "user_id": 3}),
        &p,
    )
    .unwrap_err()
    {
        ToolError::Upstream(u) => assert!(
            u.hint.unwrap().contains("1 of 2 writes were made"),
            "{}",
            u.message
        ),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn statistics_check_their_arguments() {
    let host = MockHost::new();
    for (args, needle) in [
        (
            json!({"drive_id": 1, "statistic": "sizes", "from": 10, "until": 5}),
            "before",
        ),
        (
            json!({"drive_id": 1, "statistic": "sizes", "from": 1, "until": 5, "interval": 0}),
            "interval",
        ),
        (
            json!({"drive_id": 1, "statistic": "sizes", "from": 1, "until": 5, "metric": "users"}),
            "metric",
        ),
        (
            json!({"drive_id": 1, "statistic": "shared_files", "from": 1, "until": 5, "export": true}),
            "no export",
        ),
    ] {
        match invoke::<Drive>(&host, crate::GET_STATISTICS, args.clone()) {
            Err(ToolError::InvalidArgs(d)) => {
                assert!(d.message.contains(needle), "{args}: {}", d.message)
            }
            other => panic!("{args}: unexpected {other:?}"),
        }
    }
    assert!(host.requests().is_empty());
}
