//! Tool-level tests: every tool called through the registry against canned API answers.

use ikmcp_pdk::testing::{MockHost, check_manifest, invoke, ok, paged};
use ikmcp_pdk::{HttpMethod, Plugin, ToolError};
use serde_json::json;

use crate::{ALL_TOOLS, Account};

#[test]
fn manifest_is_valid_and_within_budget() {
    check_manifest(&Account::registry().manifest(), ALL_TOOLS);
}

#[test]
fn one_account_is_used_without_account_id() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/accounts",
        200,
        ok(json!([{"id": 7, "name": "A"}])),
    );
    host.route(
        HttpMethod::Get,
        "/1/accounts/7",
        200,
        ok(json!({"id": 7, "name": "A"})),
    );
    let out = invoke::<Account>(&host, crate::GET_ACCOUNT_FULL, json!({})).unwrap();
    assert_eq!(out["account_id"], 7);
    assert_eq!(out["account"]["name"], "A");
}

#[test]
fn several_accounts_without_account_id_are_refused_with_the_list() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/accounts",
        200,
        ok(json!([{"id": 7, "name": "A"}, {"id": 9, "name": "B"}])),
    );
    let err = invoke::<Account>(&host, crate::LIST_ACCOUNT_USERS, json!({})).unwrap_err();
    match err {
        ToolError::InvalidArgs(d) => {
            assert!(
                d.message.contains("7 (A)") && d.message.contains("9 (B)"),
                "{}",
                d.message
            );
            assert!(d.hint.unwrap().contains("account_id"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(host.requests().len(), 1, "only the account list was read");
}

#[test]
fn users_follow_every_page_with_filters() {
    let host = MockHost::new();
    host.route_page(
        HttpMethod::Get,
        "/2/accounts/7/users",
        1,
        200,
        paged(json!([{"user_id": 1}]), 1, 2, 2),
    );
    host.route_page(
        HttpMethod::Get,
        "/2/accounts/7/users",
        2,
        200,
        paged(json!([{"user_id": 2}]), 2, 2, 2),
    );
    let out = invoke::<Account>(
        &host,
        crate::LIST_ACCOUNT_USERS,
        json!({"account_id": 7, "role_type": "admin", "search": "ann"}),
    )
    .unwrap();
    assert_eq!(out["count"], 2);
    let q = &host.requests()[0].query;
    assert!(q.contains(&("filter[role_type]".into(), "admin".into())));
    assert!(q.contains(&("search".into(), "ann".into())));
}

#[test]
fn security_is_derived_from_the_profile() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/2/profile",
        200,
        ok(json!({"preferences": {"security": {"otp": false, "sms": true, "double_auth": true, "remaining_rescue_code": 0}}})),
    );
    let out = invoke::<Account>(&host, crate::GET_MY_SECURITY, json!({})).unwrap();
    assert_eq!(out["two_factor"], true);
    assert_eq!(out["method"], "sms");
    assert_eq!(out["findings"].as_array().unwrap().len(), 2, "{out}");
    host.route(
        HttpMethod::Get,
        "/2/profile",
        200,
        ok(json!({"otp": false})),
    );
}

#[test]
fn resources_need_their_ids() {
    let host = MockHost::new();
    let err = invoke::<Account>(
        &host,
        crate::GET_ACCOUNT_RESOURCES,
        json!({"resource": "get_team", "account_id": 7}),
    )
    .unwrap_err();
    assert!(matches!(err, ToolError::InvalidArgs(_)));
    assert!(host.requests().is_empty());
    host.route(
        HttpMethod::Get,
        "/1/accounts/7/teams/3/users",
        200,
        ok(json!([{"id": 1}])),
    );
    let out = invoke::<Account>(
        &host,
        crate::GET_ACCOUNT_RESOURCES,
        json!({"resource": "list_team_users", "account_id": 7, "team_id": 3}),
    )
    .unwrap();
    assert_eq!(out["data"][0]["id"], 1);
}
