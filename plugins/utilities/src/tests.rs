//! Tool-level tests through the registry against canned API answers (MockHost).

use ikmcp_pdk::testing::{MockHost, api_error, apply, expect_plan, invoke, ok, paged, parse, plan};
use ikmcp_pdk::{HttpMethod, Plugin, ToolError};
use serde_json::json;

use crate::*;

fn invalid(e: ToolError) -> String {
    match e {
        ToolError::InvalidArgs(d) => format!("{} / {}", d.message, d.hint.unwrap_or_default()),
        other => panic!("expected invalid_args, got {other:?}"),
    }
}

#[test]
fn manifest_is_valid_and_within_budget() {
    let m = Utilities::registry().manifest();
    ikmcp_pdk::testing::check_manifest(&m, ALL_TOOLS);
    assert_eq!(m.id, "utilities");
    assert_eq!(m.tools.len(), 17);
}

#[test]
fn the_openai_models_list_has_no_envelope() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/2/ai/4/openai/v1/models",
        200,
        json!({"object": "list", "data": [{"id": "qwen3", "object": "model"}]}),
    );
    let out = invoke::<Utilities>(&host, AI_PRODUCT_MODELS, json!({"product_id": 4})).unwrap();
    assert_eq!(out["count"], 1);
    assert_eq!(out["items"][0]["id"], "qwen3");
}

#[test]
fn consumptions_and_short_urls_follow_every_page() {
    let host = MockHost::new();
    host.route_page(
        HttpMethod::Get,
        "/1/ai/4/consumptions",
        1,
        200,
        paged(json!([{"amount": 1}]), 1, 2, 2),
    );
    host.route_page(
        HttpMethod::Get,
        "/1/ai/4/consumptions",
        2,
        200,
        paged(json!([{"amount": 2}]), 2, 2, 2),
    );
    assert_eq!(
        invoke::<Utilities>(&host, AI_CONSUMPTIONS, json!({"product_id": 4})).unwrap()["count"],
        2
    );
    host.route_page(
        HttpMethod::Get,
        "/2/url-shortener",
        1,
        200,
        paged(json!([{"code": "a"}]), 1, 2, 2),
    );
    host.route_page(
        HttpMethod::Get,
        "/2/url-shortener",
        2,
        200,
        paged(json!([{"code": "b"}]), 2, 2, 2),
    );
    assert_eq!(
        invoke::<Utilities>(&host, LIST_SHORT_URLS, json!({})).unwrap()["count"],
        2
    );
}

#[test]
fn is_demo_strings_become_booleans() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/swiss_backups/3",
        200,
        ok(json!({"id": 3, "is_demo": "false"})),
    );
    let out = invoke::<Utilities>(&host, GET_BACKUP, json!({"swiss_backup_id": 3})).unwrap();
    assert_eq!(out["item"]["is_demo"], false);
}

#[test]
fn deleting_a_slot_shows_the_data_lost_then_deletes_only_it() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/swiss_backups/3/slots/9",
        200,
        ok(json!({"id": 9, "customer_name": "nas", "storage_used": 250_000_000_000u64})),
    );
    let args = json!({"swiss_backup_id": 3, "action": "delete", "slot_id": 9});
    let p = expect_plan(plan::<Utilities>(&host, MANAGE_SLOT, args.clone()).unwrap());
    assert!(p.summary.contains("250.0 GB"), "{}", p.summary);
    assert_eq!(p.changes[1].action, "lost");
    assert!(host.writes().is_empty());
    host.push_ok(200, ok(json!(true)));
    apply::<Utilities>(&host, MANAGE_SLOT, args, &p).unwrap();
    let w = host.writes();
    assert_eq!(
        (w.len(), w[0].method, w[0].path.as_str()),
        (1, HttpMethod::Delete, "/1/swiss_backups/3/slots/9")
    );
}

#[test]
fn slot_writes_are_checked_before_any_write() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/swiss_backups/3",
        200,
        ok(json!({"id": 3, "size": 1000, "storage_reserved": 900})),
    );
    host.route(
        HttpMethod::Get,
        "/1/swiss_backups/3/slots/9",
        200,
        ok(json!({"id": 9, "storage_used": 50, "locked": false})),
    );
    let create = json!({"swiss_backup_id": 3, "action": "create", "payload": {"customer_name": "a", "email": "a@b.ch", "size": 500, "type": "server"}});
    assert!(
        invalid(plan::<Utilities>(&host, MANAGE_SLOT, create).unwrap_err()).contains("unallocated")
    );
    let shrink =
        json!({"swiss_backup_id": 3, "action": "update", "slot_id": 9, "payload": {"size": 10}});
    assert!(
        invalid(plan::<Utilities>(&host, MANAGE_SLOT, shrink).unwrap_err())
            .contains("cannot shrink")
    );
    let unknown =
        json!({"swiss_backup_id": 3, "action": "update", "slot_id": 9, "payload": {"quota": 10}});
    assert!(
        invalid(plan::<Utilities>(&host, MANAGE_SLOT, unknown).unwrap_err())
            .contains("customer_name")
    );
    let p = expect_plan(
        plan::<Utilities>(
            &host,
            MANAGE_SLOT,
            json!({"swiss_backup_id": 3, "action": "disable", "slot_id": 9}),
        )
        .unwrap(),
    );
    assert_eq!(
        parse(p.changes[0].after.as_deref().unwrap()),
        json!({"locked": true})
    );
    assert_eq!(
        p.effects[0].path_pattern,
        "/1/swiss_backups/3/slots/9/disable"
    );
    assert!(host.writes().is_empty());
}

#[test]
fn a_short_url_is_planned_with_its_exact_body_and_refused_at_the_quota() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/2/url-shortener/quota",
        200,
        ok(json!({"quota": 3, "limit": 500})),
    );
    let p = expect_plan(
        plan::<Utilities>(
            &host,
            CREATE_SHORT_URL,
            json!({"url": "https://example.com/a"}),
        )
        .unwrap(),
    );
    assert_eq!(
        parse(p.effects[0].body.as_deref().unwrap()),
        json!({"url": "https://example.com/a"})
    );
    host.route(
        HttpMethod::Get,
        "/2/url-shortener/quota",
        200,
        ok(json!({"quota": 500, "limit": 500})),
    );
    let e = plan::<Utilities>(
        &host,
        CREATE_SHORT_URL,
        json!({"url": "https://example.com/a"}),
    )
    .unwrap_err();
    assert!(matches!(e, ToolError::Conflict(_)), "{e:?}");
    assert!(
        invalid(
            plan::<Utilities>(
                &host,
                CREATE_SHORT_URL,
                json!({"url": "javascript:alert(1)"})
            )
            .unwrap_err()
        )
        .contains("http")
    );
    assert!(host.writes().is_empty());
}

#[test]
fn batch_ids_are_checked_and_unknown_ids_get_advice() {
    let host = MockHost::new();
    let e = invoke::<Utilities>(
        &host,
        AI_BATCH,
        json!({"product_id": 4, "batch_id": "../../x"}),
    )
    .unwrap_err();
    assert!(invalid(e).contains("batch id"));
    assert!(host.requests().is_empty());
    host.route(
        HttpMethod::Get,
        "/1/swiss_backups/404",
        404,
        api_error("object_not_found", "not found"),
    );
    match invoke::<Utilities>(&host, GET_BACKUP, json!({"swiss_backup_id": 404})).unwrap_err() {
        ToolError::NotFound(d) => assert!(d.hint.unwrap().contains(LIST_BACKUPS)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_overview_keeps_going_when_a_section_is_refused() {
    let host = MockHost::new();
    host.route(HttpMethod::Get, "/1/accounts", 200, ok(json!([{"id": 1}])));
    host.route(
        HttpMethod::Get,
        "/1/swiss_backups",
        200,
        paged(json!([{"id": 3}]), 1, 1, 1),
    );
    host.route(HttpMethod::Get, "/1/swiss_backups/3/slots", 200, ok(json!([{"id": 9, "customer_name": "full", "size": 10, "storage_used": 10, "usage_last_check": 4_000_000_000i64}])));
    host.route(
        HttpMethod::Get,
        "/1/ai",
        403,
        api_error("access_denied", "no ai scope"),
    );
    host.route(
        HttpMethod::Get,
        "/1/public_clouds",
        200,
        paged(json!([]), 1, 1, 0),
    );
    host.route(
        HttpMethod::Get,
        "/1/public_clouds/dbaas",
        200,
        paged(json!([]), 1, 1, 0),
    );
    host.route(
        HttpMethod::Get,
        "/1/public_clouds/kaas",
        200,
        paged(json!([]), 1, 1, 0),
    );
    host.route(
        HttpMethod::Get,
        "/2/url-shortener/quota",
        200,
        ok(json!({"quota": 1, "limit": 500})),
    );
    let out = invoke::<Utilities>(&host, OVERVIEW, json!({})).unwrap();
    assert_eq!(
        out["findings"][0]["subject"], "Swiss Backup 3 slot 9 (full)",
        "{out}"
    );
    let error = out["errors"][0].as_str().unwrap();
    assert!(error.starts_with("ai: not checked"), "{out}");
    assert!(error.contains("`ai_tools` scope"), "{out}");
    assert!(host.writes().is_empty());
}
