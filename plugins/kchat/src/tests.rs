//! Unit tests of the kChat tools against canned Mattermost answers.

use ikmcp_pdk::testing::{MockHost, expect_no_change, expect_plan, invoke, plan};
use ikmcp_pdk::{HttpMethod, Plugin, ToolError};
use serde_json::{Value, json};

use crate::*;

fn channel(id: &str, kind: &str, deleted: i64) -> Value {
    json!({"id": id, "name": format!("c-{id}"), "type": kind, "team_id": "t1", "delete_at": deleted, "last_post_at": 1000})
}

#[test]
fn manifest_is_valid_for_the_host_and_within_budget() {
    let m = Kchat::registry().manifest();
    ikmcp_pdk::testing::check_manifest(&m, crate::ALL_TOOLS);
    assert_eq!(m.roles, vec!["kchat".to_string()]);
    assert_eq!(m.tools.len(), 16);
}

#[test]
fn a_bad_team_or_id_is_refused_before_any_request() {
    let host = MockHost::new();
    for args in [
        json!({"team": "evil.example", "channel_id": "c1"}),
        json!({"team": "a/b", "channel_id": "c1"}),
        json!({"channel_id": "../../bots"}),
    ] {
        let e = invoke::<Kchat>(&host, GET_CHANNEL, args).unwrap_err();
        assert!(matches!(e, ToolError::InvalidArgs(_)), "{e:?}");
    }
    assert!(host.requests().is_empty());
}

#[test]
fn the_team_goes_as_a_base_param_and_lists_follow_every_page() {
    let host = MockHost::new();
    let page = |n: usize, from: usize| {
        Value::Array(
            (from..from + n)
                .map(|i| channel(&i.to_string(), "O", 0))
                .collect(),
        )
    };
    host.route_page(HttpMethod::Get, "/api/v4/channels", 0, 200, page(200, 0));
    host.route_page(HttpMethod::Get, "/api/v4/channels", 1, 200, page(3, 200));
    let out = invoke::<Kchat>(&host, LIST_CHANNELS, json!({"team": "Acme"})).unwrap();
    assert_eq!(out["count"], 203);
    let sent = host.requests();
    assert_eq!(sent.len(), 2);
    for r in &sent {
        assert_eq!(r.role, "kchat");
        assert_eq!(r.base_params, vec![("team".into(), "acme".into())]);
    }
}

#[test]
fn archive_and_delete_plan_an_archive_said_plainly_and_pin_the_team() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/api/v4/channels/c1",
        200,
        channel("c1", "O", 0),
    );
    for action in ["archive", "delete"] {
        let p = expect_plan(
            plan::<Kchat>(
                &host,
                MANAGE_CHANNEL,
                json!({"team": "acme", "action": action, "channel_id": "c1"}),
            )
            .unwrap(),
        );
        assert!(p.summary.starts_with("ARCHIVE"), "{}", p.summary);
        assert!(p.summary.contains("restored"));
        assert_eq!(p.changes[0].action, "archive");
        let e = &p.effects[0];
        assert_eq!(
            (e.method, e.path_pattern.as_str()),
            (HttpMethod::Delete, "/api/v4/channels/c1")
        );
        assert_eq!(e.base_params, vec![("team".into(), "acme".into())]);
        assert_eq!(e.body, None);
    }
    assert!(host.writes().is_empty(), "planning writes nothing");
}

#[test]
fn an_archived_channel_is_no_change_and_restore_pins_a_body() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/api/v4/channels/c1",
        200,
        channel("c1", "O", 5),
    );
    let r = expect_no_change(
        plan::<Kchat>(
            &host,
            MANAGE_CHANNEL,
            json!({"action": "archive", "channel_id": "c1"}),
        )
        .unwrap(),
    );
    assert_eq!(r["changed"], false);
    let p = expect_plan(
        plan::<Kchat>(
            &host,
            MANAGE_CHANNEL,
            json!({"action": "restore", "channel_id": "c1"}),
        )
        .unwrap(),
    );
    assert_eq!(p.effects[0].body.as_deref(), Some("{}"));
    assert!(
        p.effects[0].base_params.is_empty(),
        "no team argument: the host fills the configured team"
    );
}

#[test]
fn payload_keys_and_command_urls_are_checked() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/api/v4/teams",
        200,
        json!([{"id": "t1", "name": "acme"}]),
    );
    let e = plan::<Kchat>(&host, MANAGE_CHANNEL, json!({"action": "create", "payload": {"name": "x", "display_name": "X", "scheme_id": "s"}})).unwrap_err();
    assert!(
        matches!(e, ToolError::InvalidArgs(ref d) if d.message.contains("scheme_id")),
        "{e:?}"
    );
    let e = plan::<Kchat>(
        &host,
        MANAGE_COMMAND,
        json!({"action": "create", "payload": {"trigger": "x", "url": "http://in.clear/x"}}),
    )
    .unwrap_err();
    assert!(
        matches!(e, ToolError::InvalidArgs(ref d) if d.message.contains("https")),
        "{e:?}"
    );
    let p = expect_plan(plan::<Kchat>(&host, MANAGE_COMMAND, json!({"action": "create", "payload": {"trigger": "deploy", "url": "https://ci.example/x"}})).unwrap());
    let body: Value = serde_json::from_str(p.effects[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"trigger": "deploy", "url": "https://ci.example/x", "method": "P", "team_id": "t1"})
    );
    let e = plan::<Kchat>(
        &host,
        MANAGE_BOT,
        json!({"action": "delete", "bot_user_id": "b1"}),
    )
    .unwrap_err();
    assert!(
        matches!(e, ToolError::InvalidArgs(ref d) if d.hint.as_deref().unwrap_or_default().contains("disable"))
    );
    assert!(host.writes().is_empty());
}

#[test]
fn command_tokens_never_reach_the_model() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/api/v4/commands/k1",
        200,
        json!({"id": "k1", "trigger": "x", "token": "s3cret"}),
    );
    let out = invoke::<Kchat>(&host, GET_COMMAND, json!({"command_id": "k1"})).unwrap();
    assert_eq!(out["item"]["token"], "[hidden]");
    assert!(!out.to_string().contains("s3cret"));
}

#[test]
fn mattermost_errors_become_advice() {
    let host = MockHost::new();
    host.route(HttpMethod::Get, "/api/v4/bots/b9", 404, json!({"id": "store.sql_bot.get.missing.app_error", "message": "Unable to find bot.", "status_code": 404}));
    let e = invoke::<Kchat>(&host, GET_BOT, json!({"bot_user_id": "b9"})).unwrap_err();
    match e {
        ToolError::NotFound(d) => {
            assert!(d.message.contains("Unable to find bot."));
            assert!(d.hint.unwrap().contains(LIST_BOTS));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_audit_reports_each_kind_of_finding() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/api/v4/teams",
        200,
        json!([{"id": "t1", "name": "acme", "allowed_domains": "acme.ch"}]),
    );
    host.route(HttpMethod::Get, "/api/v4/users", 200, json!([
        {"id": "u1", "roles": "system_user system_admin", "email": "a@acme.ch"},
        {"id": "g1", "roles": "system_guest", "email": "g@partner.com"},
        {"id": "x1", "roles": "system_user", "email": "x@elsewhere.org"},
        {"id": "b1", "roles": "system_user system_admin", "email": "b@localhost", "is_bot": true}
    ]));
    let day = 86_400_000_i64;
    host.route(
        HttpMethod::Get,
        "/api/v4/teams/t1/channels",
        200,
        json!([
            {"id": "c1", "name": "empty", "type": "O", "last_post_at": 0},
            {"id": "c2", "name": "partners", "type": "O", "last_post_at": 400 * day},
            {"id": "c3", "name": "old", "type": "O", "last_post_at": 100 * day}
        ]),
    );
    host.route(
        HttpMethod::Get,
        "/api/v4/teams/t1/channels/private",
        200,
        json!([]),
    );
    host.route(
        HttpMethod::Get,
        "/api/v4/channels/c1/members",
        200,
        json!([]),
    );
    host.route(
        HttpMethod::Get,
        "/api/v4/channels/c2/members",
        200,
        json!([{"user_id": "u1"}, {"user_id": "g1"}, {"user_id": "x1"}]),
    );
    host.route(
        HttpMethod::Get,
        "/api/v4/channels/c3/members",
        200,
        json!([{"user_id": "u1"}]),
    );
    host.route(
        HttpMethod::Get,
        "/api/v4/bots",
        200,
        json!([{"user_id": "b1", "username": "ops"}]),
    );
    host.route(HttpMethod::Get, "/api/v4/commands", 200, json!([{"id": "k1", "trigger": "oncall", "url": "http://oncall/x"}, {"id": "k2", "trigger": "ok", "url": "https://ok/x"}]));
    let out = invoke::<Kchat>(&host, AUDIT, json!({})).unwrap();
    let checks: Vec<(&str, &str)> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["check"].as_str().unwrap(), f["target"].as_str().unwrap()))
        .collect();
    assert!(
        checks.contains(&("empty_channel", "channel empty (c1)")),
        "{checks:?}"
    );
    assert!(
        checks.contains(&("inactive_channel", "channel old (c3)")),
        "{checks:?}"
    );
    assert!(
        checks.contains(&("external_in_public", "channel partners (c2)")),
        "{checks:?}"
    );
    assert!(
        checks.contains(&("bot_admin", "bot ops (b1)")),
        "{checks:?}"
    );
    assert!(
        checks.contains(&("command_not_https", "command /oncall (k1)")),
        "{checks:?}"
    );
    assert_eq!(checks.len(), 5, "{checks:?}");
    let ext = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "external_in_public")
        .unwrap();
    assert!(
        ext["detail"].as_str().unwrap().contains("g1")
            && ext["detail"].as_str().unwrap().contains("x1")
    );
}

#[test]
fn scheme_roles_and_notify_props_plan_exact_bodies_and_refuse_unknown_keys() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/api/v4/channels/c1",
        200,
        channel("c1", "O", 0),
    );
    host.route(
        HttpMethod::Get,
        "/api/v4/channels/c1/members/u1",
        200,
        json!({"user_id": "u1", "roles": "channel_user", "scheme_admin": false, "scheme_user": true, "notify_props": {"push": "default"}}),
    );
    let same = json!({"action": "update_scheme_roles", "channel_id": "c1", "user_id": "u1", "scheme_roles": {"scheme_admin": false, "scheme_user": true}});
    expect_no_change(plan::<Kchat>(&host, MANAGE_MEMBERS, same).unwrap());
    let p = expect_plan(
        plan::<Kchat>(&host, MANAGE_MEMBERS, json!({"action": "update_scheme_roles", "channel_id": "c1", "user_id": "u1", "scheme_roles": {"scheme_admin": true, "scheme_user": true}})).unwrap(),
    );
    assert_eq!(
        p.effects[0].path_pattern,
        "/api/v4/channels/c1/members/u1/schemeRoles"
    );
    assert_eq!(
        p.effects[0].body.as_deref(),
        Some(r#"{"scheme_admin":true,"scheme_user":true}"#)
    );
    let p = expect_plan(
        plan::<Kchat>(&host, MANAGE_MEMBERS, json!({"action": "update_notify_props", "channel_id": "c1", "user_id": "u1", "notify_props": {"push": "mention"}})).unwrap(),
    );
    assert_eq!(p.effects[0].body.as_deref(), Some(r#"{"push":"mention"}"#));
    let e = plan::<Kchat>(&host, MANAGE_MEMBERS, json!({"action": "update_notify_props", "channel_id": "c1", "user_id": "u1", "notify_props": {"volume": "11"}})).unwrap_err();
    assert!(matches!(e, ToolError::InvalidArgs(_)), "{e:?}");
    assert!(host.writes().is_empty());
}
