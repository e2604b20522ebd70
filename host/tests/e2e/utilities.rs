//! The utilities plugin through the whole stack: AI, Swiss Backup and short-URL reads (lists
//! on the fleet tenant's multi-page fixtures), each write planned without a write then
//! applied exactly, a stale plan refused, bad input answered with advice, and the cost
//! and risk overview against what the tenant holds.

use reqwest::Method;
use serde_json::json;

use crate::harness::{Harness, Options, Scale};

/// GET requests the tenant answered for `path`.
fn pages(h: &Harness, path: &str) -> usize {
    h.sim
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .count()
}

#[tokio::test]
async fn every_list_follows_every_page_of_the_fleet() {
    let h = Harness::start(Options {
        scale: Scale::Fleet,
        ..Options::default()
    })
    .await;
    let (acc, backups, urls, ai, lines) = h.sim.with_world(|w| {
        let acc = w.accounts[0].id;
        let ai = w.ai_products[0].id;
        (
            acc,
            w.backups.iter().filter(|b| b.account_id == acc).count(),
            w.short_urls.len(),
            ai,
            w.utilities
                .consumptions
                .iter()
                .filter(|c| c.product_id == ai)
                .count(),
        )
    });
    h.sim.clear_requests();
    let out = h
        .ok("infomaniak_list_swiss_backups", json!({"account_id": acc}))
        .await;
    assert_eq!(out["count"], backups as u64);
    assert!(pages(&h, "/1/swiss_backups") >= 2);
    assert_eq!(
        out["items"][0]["is_demo"], false,
        "Q10: the string \"false\" is a boolean"
    );
    let out = h.ok("infomaniak_list_short_urls", json!({})).await;
    assert_eq!(out["count"], urls as u64);
    assert!(pages(&h, "/2/url-shortener") >= 2);
    let out = h
        .ok("infomaniak_get_ai_consumptions", json!({"product_id": ai}))
        .await;
    assert_eq!(out["count"], lines as u64);
    assert!(pages(&h, &format!("/1/ai/{ai}/consumptions")) >= 2);
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn every_read_tool_answers_from_the_tenant() {
    let h = Harness::start(Options::default()).await;
    let (b, slot, ai) = h.sim.with_world(|w| {
        (
            w.backups[0].id,
            w.backups[0].slots[0].id,
            w.ai_products[0].id,
        )
    });
    let products = h.ok("infomaniak_list_ai_products", json!({})).await;
    assert_eq!(products["items"][0]["product_id"], ai);
    assert!(
        h.ok("infomaniak_list_ai_models", json!({})).await["count"]
            .as_u64()
            .unwrap()
            >= 2
    );
    let models = h
        .ok(
            "infomaniak_list_ai_product_models",
            json!({"product_id": ai}),
        )
        .await;
    assert_eq!(
        models["items"][0]["object"], "model",
        "the envelope-less OpenAI list: {models}"
    );
    let batch = h
        .ok(
            "infomaniak_get_ai_batch_result",
            json!({"product_id": ai, "batch_id": format!("batch-{ai}")}),
        )
        .await;
    assert_eq!(batch["item"]["status"], "success");
    let file = h
        .ok(
            "infomaniak_get_ai_batch_result",
            json!({"product_id": ai, "batch_id": format!("batch-{ai}"), "download": true}),
        )
        .await;
    assert!(file["item"].is_string(), "{file}");
    assert_eq!(
        h.ok("infomaniak_get_swiss_backup", json!({"swiss_backup_id": b}))
            .await["item"]["id"],
        b
    );
    assert!(
        h.ok(
            "infomaniak_get_swiss_backup_acronis_info",
            json!({"swiss_backup_id": b})
        )
        .await["item"]["nb_slots_server"]
            .is_u64()
    );
    let slots = h
        .ok(
            "infomaniak_list_swiss_backup_slots",
            json!({"swiss_backup_id": b}),
        )
        .await;
    assert!(slots["count"].as_u64().unwrap() >= 2);
    assert_eq!(
        h.ok(
            "infomaniak_get_swiss_backup_slot",
            json!({"swiss_backup_id": b, "slot_id": slot})
        )
        .await["item"]["id"],
        slot
    );
    assert!(
        h.ok("infomaniak_get_swiss_backup_pricing", json!({})).await["item"]["prices"].is_array()
    );
    let price = h
        .ok(
            "infomaniak_get_swiss_backup_pricing",
            json!({"calculate": true, "size": 1_000_000_000_000u64, "slot": 1}),
        )
        .await;
    assert!(price["item"].is_number(), "{price}");
    let quota = h.ok("infomaniak_short_urls_quota", json!({})).await;
    assert!(quota["item"]["limit"].is_u64());
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn slots_are_created_resized_disabled_and_deleted_through_plans() {
    let h = Harness::start(Options::default()).await;
    let b = h.sim.with_world(|w| w.backups[0].id);
    let args = json!({"swiss_backup_id": b, "action": "create", "payload": {"customer_name": "e2e", "email": "it@example.ch", "size": 1_000_000_000u64, "type": "linux"}});
    let done = h
        .plan_and_apply("infomaniak_manage_swiss_backup_slot", args)
        .await;
    assert_eq!(
        (done.writes.len(), done.writes[0].method.as_str()),
        (1, "POST")
    );
    assert_eq!(
        done.writes[0].body.clone().unwrap(),
        done.plan["effects"][0]["body"]
    );
    let slot = done.result["result"]["id"].as_u64().unwrap();
    let done = h.plan_and_apply("infomaniak_manage_swiss_backup_slot", json!({"swiss_backup_id": b, "action": "update", "slot_id": slot, "payload": {"size": 2_000_000_000u64}})).await;
    assert_eq!(done.plan["changes"][0]["before"]["size"], 1_000_000_000u64);
    let done = h
        .plan_and_apply(
            "infomaniak_manage_swiss_backup_slot",
            json!({"swiss_backup_id": b, "action": "disable", "slot_id": slot}),
        )
        .await;
    assert_eq!(
        done.writes[0].path,
        format!("/1/swiss_backups/{b}/slots/{slot}/disable")
    );
    assert!(
        h.sim
            .with_world(|w| w.backups[0].slots.iter().any(|s| s.id == slot && s.locked))
    );
    h.plan_and_apply(
        "infomaniak_manage_swiss_backup_slot",
        json!({"swiss_backup_id": b, "action": "enable", "slot_id": slot}),
    )
    .await;
    let done = h
        .plan_and_apply(
            "infomaniak_manage_swiss_backup_slot",
            json!({"swiss_backup_id": b, "action": "delete", "slot_id": slot}),
        )
        .await;
    assert!(
        done.plan["summary"]
            .as_str()
            .unwrap()
            .contains("cannot be undone")
    );
    assert!(
        h.sim
            .with_world(|w| w.backups[0].slots.iter().all(|s| s.id != slot))
    );
    let done = h.plan_and_apply("infomaniak_manage_swiss_backup_administrator", json!({"swiss_backup_id": b, "action": "create", "payload": {"email": "admin@example.ch"}})).await;
    assert_eq!(done.writes[0].method, "POST");
    let done = h.plan_and_apply("infomaniak_manage_swiss_backup_administrator", json!({"swiss_backup_id": b, "action": "update", "payload": {"email": "boss@example.ch"}})).await;
    assert_eq!(
        done.plan["changes"][0]["before"]["email"],
        "admin@example.ch"
    );
    assert_eq!(done.writes[0].method, "PUT");
}

#[tokio::test]
async fn a_short_url_is_created_exactly_as_planned() {
    let h = Harness::start(Options::default()).await;
    let before = h.sim.with_world(|w| w.short_urls.len());
    let done = h
        .plan_and_apply(
            "infomaniak_create_short_url",
            json!({"url": "https://example.com/e2e"}),
        )
        .await;
    assert_eq!(done.writes.len(), 1);
    assert_eq!(
        done.writes[0].body.clone().unwrap(),
        json!({"url": "https://example.com/e2e"})
    );
    assert_eq!(done.result["result"]["url"], "https://example.com/e2e");
    assert_eq!(h.sim.with_world(|w| w.short_urls.len()), before + 1);
}

#[tokio::test]
async fn a_stale_plan_is_refused_and_bad_input_writes_nothing() {
    let h = Harness::start(Options::default()).await;
    let (b, slot) = h
        .sim
        .with_world(|w| (w.backups[0].id, w.backups[0].slots[0].id));
    let args = json!({"swiss_backup_id": b, "action": "delete", "slot_id": slot});
    let plan = h
        .ok("infomaniak_manage_swiss_backup_slot", args.clone())
        .await;
    h.direct(
        Method::PUT,
        &format!("/1/swiss_backups/{b}/slots/{slot}"),
        Some(json!({"customer_name": "renamed-meanwhile"})),
    )
    .await;
    let mark = h.mark();
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let err = h
        .err("infomaniak_manage_swiss_backup_slot", confirmed)
        .await;
    assert_eq!(err["error"]["code"], "plan_stale", "{err}");
    assert!(h.writes_since(mark).is_empty());

    let before = h.sim.requests().len();
    let err = h
        .err(
            "infomaniak_create_short_url",
            json!({"url": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    let err = h
        .err(
            "infomaniak_get_ai_batch_result",
            json!({"product_id": 1, "batch_id": "../x"}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    let err = h.err("infomaniak_manage_swiss_backup_slot", json!({"swiss_backup_id": b, "action": "update", "slot_id": slot, "payload": {"password": "x"}})).await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert_eq!(h.sim.requests().len(), before, "refused before any request");
    let err = h
        .err(
            "infomaniak_get_swiss_backup_slot",
            json!({"swiss_backup_id": b, "slot_id": 1}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("infomaniak_list_swiss_backup_slots"),
        "{err}"
    );
    // A 422 from the tenant (size below what is stored) names the attribute... the plan
    // refuses it first, from the slot it read.
    let err = h.err("infomaniak_manage_swiss_backup_slot", json!({"swiss_backup_id": b, "action": "update", "slot_id": slot, "payload": {"size": 1}})).await;
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot shrink"),
        "{err}"
    );
    assert!(h.writes().len() == 1, "only the direct rename above wrote");
}

#[tokio::test]
async fn the_overview_finds_the_seeded_risks() {
    let h = Harness::start(Options::default()).await;
    let (b, full, stale, orphans) = h.sim.with_world(|w| {
        let orphans: Vec<String> = w
            .cloud
            .clouds
            .iter()
            .flat_map(|c| &c.projects)
            .filter(|p| !p.tags.iter().any(|(_, n)| n.starts_with("owner")))
            .map(|p| p.name.clone())
            .collect();
        (
            w.backups[0].id,
            w.backups[0].slots[0].id,
            w.backups[0].slots[1].id,
            orphans,
        )
    });
    assert!(
        !orphans.is_empty(),
        "the tenant has a project without an owner tag"
    );
    let out = h.ok("infomaniak_cost_risk_overview", json!({})).await;
    let subjects: Vec<String> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["subject"].as_str().unwrap().to_string())
        .collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with(&format!("Swiss Backup {b} slot {full} "))),
        "near quota: {subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with(&format!("Swiss Backup {b} slot {stale} "))),
        "stale: {subjects:?}"
    );
    for name in &orphans {
        assert!(
            subjects.iter().any(|s| s.contains(&format!("({name})"))),
            "{name} has no owner: {subjects:?}"
        );
    }
    assert_eq!(out["ai"].as_array().unwrap().len(), 1, "{out}");
    assert!(out["errors"].as_array().unwrap().is_empty(), "{out}");
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn a_token_without_a_product_scope_is_told_which_scope_to_add() {
    // The tenant's DNS token: it reads accounts but none of the three products.
    let h = Harness::start(Options::dns_read_token()).await;
    let (b, slot) = h
        .sim
        .with_world(|w| (w.backups[0].id, w.backups[0].slots[0].id));
    for (tool, args, scope) in [
        ("infomaniak_list_swiss_backups", json!({}), "swiss-backup"),
        (
            "infomaniak_manage_swiss_backup_slot",
            json!({"swiss_backup_id": b, "action": "delete", "slot_id": slot}),
            "swiss-backup",
        ),
        ("infomaniak_list_ai_products", json!({}), "ai_tools"),
        ("infomaniak_short_urls_quota", json!({}), "url_shortener"),
        (
            "infomaniak_create_short_url",
            json!({"url": "https://example.com/a"}),
            "url_shortener",
        ),
    ] {
        let err = h.err(tool, args).await;
        assert_eq!(err["error"]["kind"], "upstream", "{tool}: {err}");
        assert!(
            err["error"]["hint"]
                .as_str()
                .unwrap()
                .contains(&format!("`{scope}` scope")),
            "{tool}: {err}"
        );
    }
    // The overview reads what it may and names the scope of each section it could not.
    let out = h.ok("infomaniak_cost_risk_overview", json!({})).await;
    let errors = out["errors"].to_string();
    for scope in ["swiss-backup", "ai_tools", "public_cloud", "url_shortener"] {
        assert!(
            errors.contains(&format!("`{scope}` scope")),
            "{scope}: {out}"
        );
    }
    assert!(h.writes().is_empty(), "{:?}", h.writes());
}

#[tokio::test]
async fn a_value_the_api_refuses_comes_back_naming_the_attribute_and_nothing_is_made() {
    let h = Harness::start(Options::default()).await;
    let (b, before) = h
        .sim
        .with_world(|w| (w.backups[0].id, w.backups[0].slots.len()));
    // The plugin checks the payload's keys and types; the API's list of slot types is the
    // tenant's to enforce (swiss-backup.json enum): its 422 names `type`.
    let args = json!({"swiss_backup_id": b, "action": "create", "payload": {"customer_name": "lab", "email": "ops@example.com", "size": 2_000_000_000u64, "type": "floppy"}});
    let plan = h
        .ok("infomaniak_manage_swiss_backup_slot", args.clone())
        .await;
    assert_eq!(plan["status"], "plan", "{plan}");
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let err = h
        .err("infomaniak_manage_swiss_backup_slot", confirmed)
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert!(
        err["error"]["hint"].as_str().unwrap().contains("type"),
        "{err}"
    );
    let writes = h.writes();
    assert_eq!(writes.len(), 1, "the one planned POST: {writes:?}");
    assert_eq!(writes[0].status, 422, "{writes:?}");
    assert_eq!(h.sim.with_world(|w| w.backups[0].slots.len()), before);
}
