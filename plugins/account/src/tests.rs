//! Tool-level tests: every tool called through the registry against canned API answers.

use ikmcp_pdk::testing::{
    MockHost, api_error, apply, check_manifest, expect_no_change, expect_plan, invoke, ok, paged,
    parse,
};
use ikmcp_pdk::{HttpMethod, PlanOutcome, Plugin, ToolError};
use serde_json::{Value, json};

use crate::{ALL_TOOLS, Account};

/// Plans write tool `tool` with `args` (named apart from the plans the tests hold).
fn plan_of(host: &MockHost, tool: &str, args: Value) -> Result<PlanOutcome, ToolError> {
    ikmcp_pdk::testing::plan::<Account>(host, tool, args)
}

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

fn one_account(host: &MockHost) {
    host.route(HttpMethod::Get, "/1/accounts", 200, ok(json!([{"id": 7, "name": "A", "has_2fa_required": false, "nb_users": 3, "nb_invitations": 1}])));
}

fn body_of(plan: &ikmcp_pdk::Plan, i: usize) -> Value {
    parse(plan.effects[i].body.as_deref().expect("a pinned body"))
}

#[test]
fn create_team_plans_the_exact_post_and_refuses_a_taken_name() {
    let host = MockHost::new();
    one_account(&host);
    host.route(
        HttpMethod::Get,
        "/1/accounts/7/teams",
        200,
        ok(json!([{"id": 1, "name": "Web team"}])),
    );
    let plan = expect_plan(
        plan_of(
            &host,
            crate::CREATE_TEAM,
            json!({"name": " Ops ", "services": [1, 29]}),
        )
        .unwrap(),
    );
    assert_eq!(plan.effects.len(), 1);
    assert_eq!(plan.effects[0].method, HttpMethod::Post);
    assert_eq!(plan.effects[0].path_pattern, "/1/accounts/7/teams");
    assert_eq!(
        body_of(&plan, 0),
        json!({"name": "Ops", "permissions": {"services": [1, 29]}})
    );
    assert!(
        host.requests().iter().all(|r| r.method == HttpMethod::Get),
        "planning only reads"
    );
    let err = plan_of(&host, crate::CREATE_TEAM, json!({"name": "web TEAM"})).unwrap_err();
    assert!(matches!(err, ToolError::Conflict(_)), "{err:?}");
    let err = plan_of(&host, crate::CREATE_TEAM, json!({"name": "  "})).unwrap_err();
    assert!(matches!(err, ToolError::InvalidArgs(_)));
    // Apply sends exactly the planned write.
    host.route(
        HttpMethod::Post,
        "/1/accounts/7/teams",
        201,
        ok(json!({"id": 5, "name": "Ops"})),
    );
    let out = apply::<Account>(
        &host,
        crate::CREATE_TEAM,
        json!({"name": " Ops ", "services": [1, 29]}),
        &plan,
    )
    .unwrap();
    assert_eq!(out["changed"], true);
    assert_eq!(out["results"][0]["id"], 5);
    let sent = host
        .requests()
        .into_iter()
        .filter(|r| r.method == HttpMethod::Post)
        .collect::<Vec<_>>();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        parse(sent[0].body.as_deref().unwrap()),
        json!({"name": "Ops", "permissions": {"services": [1, 29]}})
    );
}

#[test]
fn team_members_change_only_by_the_difference() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/accounts/7/teams/3/users",
        200,
        ok(json!([{"id": 10}, {"id": 11}])),
    );
    let plan = expect_plan(
        plan_of(
            &host,
            crate::ADD_TEAM_USERS,
            json!({"account_id": 7, "team_id": 3, "user_ids": [11, 12, 12]}),
        )
        .unwrap(),
    );
    assert_eq!(body_of(&plan, 0), json!({"user_ids": [12]}));
    let same = expect_no_change(
        plan_of(
            &host,
            crate::ADD_TEAM_USERS,
            json!({"account_id": 7, "team_id": 3, "user_ids": [10]}),
        )
        .unwrap(),
    );
    assert_eq!(same["changed"], false);
    let plan = expect_plan(
        plan_of(
            &host,
            crate::REMOVE_TEAM_USERS,
            json!({"account_id": 7, "team_id": 3, "user_ids": [11, 99]}),
        )
        .unwrap(),
    );
    assert_eq!(plan.effects[0].method, HttpMethod::Delete);
    assert_eq!(
        body_of(&plan, 0),
        json!({"user_ids": [11]}),
        "only members are removed"
    );
    let none = expect_no_change(
        plan_of(
            &host,
            crate::REMOVE_TEAM_USERS,
            json!({"account_id": 7, "team_id": 3, "user_ids": [99]}),
        )
        .unwrap(),
    );
    assert_eq!(none["changed"], false);
    let err = plan_of(
        &host,
        crate::ADD_TEAM_USERS,
        json!({"account_id": 7, "team_id": 3, "user_ids": []}),
    )
    .unwrap_err();
    assert!(matches!(err, ToolError::InvalidArgs(_)));
}

#[test]
fn tags_are_found_in_the_list_and_changed_by_difference() {
    let host = MockHost::new();
    host.route(HttpMethod::Get, "/1/accounts/7/tags", 200, ok(json!([{"id": 70, "name": "prod", "color": 1, "product_count": 4}, {"id": 71, "name": "dev", "color": 2}])));
    let same = expect_no_change(
        plan_of(
            &host,
            crate::UPDATE_TAG,
            json!({"account_id": 7, "tag_id": 70, "name": "prod", "color": 1}),
        )
        .unwrap(),
    );
    assert_eq!(same["changed"], false);
    let plan = expect_plan(
        plan_of(
            &host,
            crate::UPDATE_TAG,
            json!({"account_id": 7, "tag_id": 70, "color": 5}),
        )
        .unwrap(),
    );
    assert_eq!(plan.effects[0].method, HttpMethod::Put);
    assert_eq!(plan.effects[0].path_pattern, "/1/accounts/7/tags/70");
    assert_eq!(body_of(&plan, 0), json!({"color": 5}));
    let err = plan_of(
        &host,
        crate::UPDATE_TAG,
        json!({"account_id": 7, "tag_id": 70, "name": "DEV"}),
    )
    .unwrap_err();
    assert!(matches!(err, ToolError::Conflict(_)));
    let err = plan_of(
        &host,
        crate::DELETE_TAG,
        json!({"account_id": 7, "tag_id": 1}),
    )
    .unwrap_err();
    assert!(matches!(err, ToolError::NotFound(_)));
    let err = plan_of(
        &host,
        crate::CREATE_TAG,
        json!({"account_id": 7, "name": "x", "color": 99}),
    )
    .unwrap_err();
    assert!(matches!(err, ToolError::InvalidArgs(_)));
    let plan = expect_plan(
        plan_of(
            &host,
            crate::DELETE_TAG,
            json!({"account_id": 7, "tag_id": 70}),
        )
        .unwrap(),
    );
    assert!(plan.summary.contains("4 product"), "{}", plan.summary);
}

#[test]
fn invitations_refuse_existing_users_and_bad_addresses() {
    let host = MockHost::new();
    let err = plan_of(&host, crate::CREATE_INVITATION, json!({"account_id": 7, "email": "not-an-address", "first_name": "A", "last_name": "B", "locale": "fr_FR", "role_type": "normal"})).unwrap_err();
    assert!(matches!(err, ToolError::InvalidArgs(_)));
    assert!(host.requests().is_empty(), "refused before any request");
    host.route(
        HttpMethod::Get,
        "/2/accounts/7/users",
        200,
        ok(json!([{"user_id": 4, "email": "anna@org.example", "state_in_account": "valid"}])),
    );
    let err = plan_of(&host, crate::CREATE_INVITATION, json!({"account_id": 7, "email": "Anna@org.example", "first_name": "A", "last_name": "B", "locale": "fr_FR", "role_type": "normal"})).unwrap_err();
    assert!(matches!(err, ToolError::Conflict(_)), "{err:?}");
    let plan = expect_plan(plan_of(&host, crate::CREATE_INVITATION, json!({"account_id": 7, "email": "new@org.example", "first_name": "N", "last_name": "P", "locale": "en_GB", "role_type": "owner"})).unwrap());
    assert!(plan.summary.contains("owner"), "{}", plan.summary);
    assert_eq!(
        body_of(&plan, 0),
        json!({"email": "new@org.example", "first_name": "N", "last_name": "P", "locale": "en_GB", "role_type": "owner"})
    );
}

#[test]
fn a_users_pending_invitations_are_cancelled_one_delete_each() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/accounts/7/invitations/users/4",
        200,
        ok(json!([
        {"id": 1, "status": "pending", "email": "a@x.example"},
        {"id": 2, "status": "accepted", "email": "b@x.example"},
        {"id": 3, "status": "pending", "email": "c@x.example"}])),
    );
    let plan = expect_plan(
        plan_of(
            &host,
            crate::CANCEL_PENDING_INVITATIONS,
            json!({"account_id": 7, "user_id": 4}),
        )
        .unwrap(),
    );
    let paths: Vec<_> = plan
        .effects
        .iter()
        .map(|e| (e.method, e.path_pattern.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            (HttpMethod::Delete, "/1/accounts/7/invitations/1"),
            (HttpMethod::Delete, "/1/accounts/7/invitations/3")
        ]
    );
    host.route(
        HttpMethod::Delete,
        "/1/accounts/7/invitations/1",
        200,
        ok(json!(true)),
    );
    host.route(
        HttpMethod::Delete,
        "/1/accounts/7/invitations/3",
        200,
        ok(json!(true)),
    );
    let out = apply::<Account>(
        &host,
        crate::CANCEL_PENDING_INVITATIONS,
        json!({"account_id": 7, "user_id": 4}),
        &plan,
    )
    .unwrap();
    assert_eq!(out["results"].as_array().unwrap().len(), 2);
}

#[test]
fn invitation_access_changes_are_checked_before_any_request() {
    let host = MockHost::new();
    for bad in [
        json!({"account_id": 7, "invitation_id": 1, "target": "kchat", "action": "delete"}),
        json!({"account_id": 7, "invitation_id": 1, "target": "drive", "action": "create"}),
        json!({"account_id": 7, "invitation_id": 1, "target": "mailbox", "action": "create", "mail_id": 3, "mailbox_name": "x", "permissions": ["can_fly"]}),
    ] {
        let err = plan_of(&host, crate::MANAGE_INVITATION_ACCESS, bad.clone()).unwrap_err();
        assert!(matches!(err, ToolError::InvalidArgs(_)), "{bad}: {err:?}");
    }
    assert!(host.requests().is_empty());
    host.route(
        HttpMethod::Get,
        "/1/accounts/7/invitations/1",
        200,
        ok(json!({"id": 1, "status": "pending", "email": "n@x.example", "permissions": []})),
    );
    let plan = expect_plan(plan_of(&host, crate::MANAGE_INVITATION_ACCESS, json!({"account_id": 7, "invitation_id": 1, "target": "mailbox", "action": "create", "mail_id": 3, "mailbox_name": "info", "permissions": ["can_manage_filters"]})).unwrap());
    assert_eq!(
        plan.effects[0].path_pattern,
        "/1/accounts/7/invitations/1/mailbox/3"
    );
    let body = body_of(&plan, 0);
    assert_eq!(body["mailbox_permissions"]["can_manage_filters"], true);
    assert_eq!(body["mailbox_permissions"]["can_manage_security"], false);
    host.route(
        HttpMethod::Get,
        "/1/accounts/7/invitations/2",
        200,
        ok(json!({"id": 2, "status": "accepted"})),
    );
    let err = plan_of(
        &host,
        crate::MANAGE_INVITATION_ACCESS,
        json!({"account_id": 7, "invitation_id": 2, "target": "ksuite", "action": "delete"}),
    )
    .unwrap_err();
    assert!(matches!(err, ToolError::Conflict(_)));
}

#[test]
fn b2b_assigns_only_new_customers() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/accounts/7/invitations/1/b2b",
        200,
        ok(json!([{"id": 50}])),
    );
    let plan = expect_plan(plan_of(&host, crate::MANAGE_INVITATION_B2B, json!({"account_id": 7, "invitation_id": 1, "action": "assign", "partnership_ids": [50, 51]})).unwrap());
    assert_eq!(body_of(&plan, 0), json!({"partnership_ids": [51]}));
    let same = expect_no_change(plan_of(&host, crate::MANAGE_INVITATION_B2B, json!({"account_id": 7, "invitation_id": 1, "action": "unassign", "partnership_id": 52})).unwrap());
    assert_eq!(same["changed"], false);
    let err = plan_of(
        &host,
        crate::MANAGE_INVITATION_B2B,
        json!({"account_id": 7, "invitation_id": 1, "action": "unassign"}),
    )
    .unwrap_err();
    assert!(matches!(err, ToolError::InvalidArgs(_)));
}

#[test]
fn offboarding_lists_every_holding_and_degrades_per_product() {
    let host = MockHost::new();
    host.route(HttpMethod::Get, "/2/accounts/7/users/4/app_accesses", 200, ok(json!({
        "role_type": "admin", "teams": [{"id": 30, "name": "Web"}],
        "drives": [{"drive_id": 8, "name": "kDrive 1", "role": "admin"}],
        "kchat": [{"team_id": "t1", "name": "Org", "role": "admin"}], "mailboxes": [], "products": []})));
    host.route(
        HttpMethod::Get,
        "/1/accounts/7/invitations/users/4",
        200,
        ok(json!([{"id": 9, "status": "pending", "email": "g@x.example"}])),
    );
    host.route(
        HttpMethod::Get,
        "/2/drive/users/4/drives",
        404,
        api_error("method_not_found", "No route"),
    );
    host.route(
        HttpMethod::Get,
        "/1/mail_hostings/accesses/webmail/accounts/7/users/4",
        403,
        api_error("forbidden", "scope"),
    );
    let out = invoke::<Account>(
        &host,
        crate::PLAN_OFFBOARDING,
        json!({"account_id": 7, "user_id": 4}),
    )
    .unwrap();
    let products: Vec<&str> = out["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["product"].as_str().unwrap())
        .collect();
    assert_eq!(
        products,
        ["team", "invitation", "kdrive", "kchat", "account"],
        "{out}"
    );
    assert_eq!(
        out["holdings"][0]["removal"]["tool"],
        crate::REMOVE_TEAM_USERS
    );
    assert_eq!(
        out["holdings"][0]["removal"]["arguments"],
        json!({"account_id": 7, "team_id": 30, "user_ids": [4]})
    );
    assert_eq!(
        out["holdings"][2]["removal"]["request"]["path"],
        "/2/drive/8/users/4"
    );
    let nc: Vec<&str> = out["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["product"].as_str().unwrap())
        .collect();
    assert_eq!(nc, ["kdrive", "mailbox"]);
    assert!(
        host.requests().iter().all(|r| r.method == HttpMethod::Get),
        "a plan only reads"
    );
    host.route(
        HttpMethod::Get,
        "/2/accounts/7/users/5/app_accesses",
        404,
        api_error("object_not_found", "User not found"),
    );
    let err = invoke::<Account>(
        &host,
        crate::PLAN_OFFBOARDING,
        json!({"account_id": 7, "user_id": 5}),
    )
    .unwrap_err();
    assert!(matches!(err, ToolError::NotFound(_)));
}

#[test]
fn access_audit_finds_admins_without_2fa_externals_loners_and_uses_live_expiry() {
    let host = MockHost::new();
    one_account(&host);
    let now = crate::audit::now();
    host.route(HttpMethod::Get, "/2/accounts/7/users", 200, ok(json!([
        {"user_id": 1, "email": "boss@org.example", "role_type": "owner", "state_in_account": "valid", "has_otp": true, "teams": []},
        {"user_id": 2, "email": "x@consult.example", "role_type": "admin", "state_in_account": "valid", "has_otp": false, "teams": []},
        {"user_id": 3, "email": "y@org.example", "role_type": "normal", "state_in_account": "valid", "teams": []},
        {"user_id": null, "invitation_id": 40, "email": "z@org.example", "role_type": "normal", "state_in_account": "pending"}])));
    host.route(HttpMethod::Get, "/1/accounts/7/invitations/40", 200, ok(json!({"id": 40, "email": "z@org.example", "created_at": now - 90 * 86_400, "expired_at": now - 60 * 86_400})));
    // Q9: the product's expired_at is long past, the live expiry is in 5 days.
    host.route(HttpMethod::Get, "/1/products", 200, ok(json!([
        {"id": 100, "service_name": "domain", "customer_name": "a.ch", "expired_at": now - 400 * 86_400},
        {"id": 101, "service_name": "domain", "customer_name": "b.ch", "expired_at": now - 400 * 86_400}])));
    host.route(
        HttpMethod::Get,
        "/2/domains/domains",
        200,
        ok(json!([{"name": "a.ch", "expires_at": now + 5 * 86_400}])),
    );
    let out = invoke::<Account>(&host, crate::AUDIT_ACCESS, json!({})).unwrap();
    let issues: Vec<String> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["subject"], f["issue"]))
        .collect();
    let has = |s: &str| issues.iter().any(|i| i.contains(s));
    assert!(
        has("user 2 (x@consult.example)") && has("without two-factor"),
        "{issues:?}"
    );
    assert!(has("outside the organisation"), "{issues:?}");
    assert!(has("user 3") && has("no team"), "{issues:?}");
    assert!(
        !issues
            .iter()
            .any(|i| i.contains("user 1 ") && i.contains("no team")),
        "admins need no team"
    );
    assert!(has("invitation 40") && has("expired"), "{issues:?}");
    assert!(has("a.ch") && has("expires in"), "{issues:?}");
    assert!(
        !has("b.ch"),
        "the stale /1/products expiry is not an expiry: {issues:?}"
    );
    assert_eq!(out["findings"][0]["severity"], "high");
    let err = invoke::<Account>(&host, crate::AUDIT_ACCESS, json!({"days": 0})).unwrap_err();
    assert!(matches!(err, ToolError::InvalidArgs(_)));
}

#[test]
fn overview_counts_per_service_from_two_reads() {
    let host = MockHost::new();
    host.route(HttpMethod::Get, "/1/accounts", 200, ok(json!([{"id": 7, "name": "A", "nb_users": 3, "nb_invitations": 1}, {"id": 9, "name": "B"}])));
    host.route(HttpMethod::Get, "/1/products", 200, ok(json!([
        {"account_id": 7, "service_name": "domain"}, {"account_id": 7, "service_name": "domain"},
        {"account_id": 9, "service_name": "hosting"}, {"account_id": 1, "service_name": "hosting"}])));
    let out = invoke::<Account>(&host, crate::OVERVIEW, json!({})).unwrap();
    assert_eq!(out["accounts"][0]["by_service"]["domain"], 2);
    assert_eq!(out["accounts"][0]["users"], 3);
    assert_eq!(out["accounts"][1]["products"], 1);
    assert_eq!(
        out["total_products"], 3,
        "a product of an unseen account is not counted"
    );
    assert_eq!(host.requests().len(), 2);
}
