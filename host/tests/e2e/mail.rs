//! The mail plugin through the whole stack: every tool against the tenant, paged mailbox
//! lists, each write planned without writing then applied with exactly its planned writes,
//! stale plans, bad arguments and upstream errors.

use ikmcp_sim::seed::ZONE_NO_MAIL_POLICY;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Harness, Options, Scale};

/// The first mail hosting: (id, domain).
async fn hosting(h: &Harness) -> (u64, String) {
    let out = h.ok("infomaniak_list_mail_hostings", json!({})).await;
    let first = &out["items"][0];
    (
        first["mail_hosting_id"].as_u64().expect("id"),
        first["domain"].as_str().expect("domain").to_string(),
    )
}

/// The tenant's mailbox `name` of hosting `id`, with its extension.
fn world_box(
    h: &Harness,
    id: u64,
    name: &str,
) -> Option<(ikmcp_sim::state::Mailbox, ikmcp_sim::routes::mail::BoxExt)> {
    h.sim.with_world(|w| {
        let mb = w
            .mailboxes
            .iter()
            .find(|m| m.mail_hosting_id == id && m.mailbox_name == name)?
            .clone();
        let ext = w
            .mail
            .boxes
            .get(&mb.mailbox_id)
            .cloned()
            .unwrap_or_default();
        Some((mb, ext))
    })
}

fn with_token(args: &Value, token: &Value) -> Value {
    let mut a = args.clone();
    a["confirmation_token"] = token.clone();
    a
}

/// Asserts the apply sent exactly the writes the plan declared, in order, bodies included.
fn exactly_planned(applied: &crate::harness::Applied) {
    let effects = applied.plan["effects"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        applied.writes.len(),
        effects.len(),
        "one write per planned effect: {:?} vs {}",
        applied.writes,
        applied.plan
    );
    for (w, e) in applied.writes.iter().zip(&effects) {
        assert_eq!(
            w.method,
            e["method"].as_str().unwrap().to_ascii_uppercase(),
            "{e}"
        );
        if let Some(body) = e.get("body").filter(|b| !b.is_null()) {
            let planned: Value = match body {
                Value::String(s) => serde_json::from_str(s).unwrap_or(body.clone()),
                other => other.clone(),
            };
            assert_eq!(
                w.body.as_ref(),
                Some(&planned),
                "the body sent is the body approved"
            );
        }
    }
}

#[tokio::test]
async fn every_read_tool_answers_from_the_tenant() {
    let h = Harness::start(Options::default()).await;
    let names: Vec<String> = h.tools().await.iter().map(|t| t.name.to_string()).collect();
    for t in [
        "infomaniak_list_mail_hostings",
        "infomaniak_list_mailboxes",
        "infomaniak_delete_mailbox",
        "infomaniak_manage_mailbox_forwarding",
        "infomaniak_audit_mail_hostings",
        "infomaniak_rotate_mail_dkim",
    ] {
        assert!(names.contains(&t.to_string()), "{t} listed");
    }
    let (id, domain) = hosting(&h).await;
    let boxes = h
        .ok("infomaniak_list_mailboxes", json!({"mail_hosting_id": id}))
        .await;
    let expected = h.sim.with_world(|w| {
        w.mailboxes
            .iter()
            .filter(|m| m.mail_hosting_id == id)
            .count()
    });
    assert_eq!(boxes["count"], expected, "{boxes}");
    let mb = json!({"mail_hosting_id": id, "mailbox_name": "info"});
    let info = h.ok("infomaniak_get_mailbox_info", mb.clone()).await;
    assert_eq!(
        info["data"]["aliases"]["aliases"][0],
        format!("postmaster@{domain}"),
        "{info}"
    );
    assert!(info["data"]["backups"]["backups"].is_array(), "{info}");
    let sec = h.ok("infomaniak_get_mailbox_security", mb.clone()).await;
    assert!(
        sec["blocked_senders"].is_array() && sec.get("has_move_spam").is_some(),
        "{sec}"
    );
    let filters = h.ok("infomaniak_list_mailbox_filters", mb.clone()).await;
    assert_eq!(filters["filters"][0]["name"], "Invoices", "{filters}");
    let scripts = h
        .ok("infomaniak_list_mailbox_filter_scripts", mb.clone())
        .await;
    assert_eq!(scripts["items"][0]["name"], "vacation", "{scripts}");
    let full = h.ok("infomaniak_get_mailbox_full", mb.clone()).await;
    assert!(
        full["full_aliases"].is_array() && full["size"].is_number(),
        "{full}"
    );
    let hid = json!({"mail_hosting_id": id});
    let hf = h.ok("infomaniak_get_mail_hosting_full", hid.clone()).await;
    assert_eq!(hf["mailbox_count"], expected, "{hf}");
    assert_eq!(hf["product"]["customer_name"], domain.as_str());
    let prefs = h.ok("infomaniak_get_mail_preferences", hid.clone()).await;
    assert!(prefs["default_permissions"].is_object(), "{prefs}");
    for tool in [
        "infomaniak_list_mailing_lists",
        "infomaniak_list_service_auto_replies",
        "infomaniak_list_service_filter_models",
        "infomaniak_list_redirections",
    ] {
        let out = h.ok(tool, hid.clone()).await;
        assert!(out["count"].as_u64().unwrap() >= 1, "{tool}: {out}");
    }
    let redirs = h.ok("infomaniak_list_redirections", hid.clone()).await;
    assert!(
        redirs["items"][0]["id"].is_string(),
        "redirection ids are strings (Q10): {redirs}"
    );
    let dkim = h
        .ok(
            "infomaniak_rotate_mail_dkim",
            json!({"mail_hosting_id": id, "action": "check"}),
        )
        .await;
    assert_eq!(
        dkim["status"], "no_change",
        "check reads without a token: {dkim}"
    );
    assert!(
        h.writes().is_empty(),
        "reads write nothing: {:?}",
        h.writes()
    );
}

#[tokio::test]
async fn mailbox_lists_follow_every_page_on_the_fleet() {
    let h = Harness::start(Options {
        scale: Scale::Fleet,
        ..Options::default()
    })
    .await;
    let (id, total) = h.sim.with_world(|w| {
        let big = w
            .mail_hostings
            .iter()
            .find(|m| m.domain == ZONE_NO_MAIL_POLICY)
            .unwrap();
        (
            big.id,
            w.mailboxes
                .iter()
                .filter(|m| m.mail_hosting_id == big.id)
                .count(),
        )
    });
    assert!(total > 200, "{total}");
    h.sim.clear_requests();
    let out = h
        .ok("infomaniak_list_mailboxes", json!({"mail_hosting_id": id}))
        .await;
    assert_eq!(out["count"], total);
    let pages: Vec<String> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/mailboxes"))
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(pages.len(), total.div_ceil(100), "{pages:?}");
    assert!(pages.iter().all(|q| q.contains("limit=100")), "{pages:?}");
    assert!(pages.last().unwrap().contains("skip=200"), "{pages:?}");
    let hostings = h.ok("infomaniak_list_mail_hostings", json!({})).await;
    let n = h.sim.with_world(|w| w.mail_hostings.len());
    assert_eq!(hostings["count"], n);
}

#[tokio::test]
async fn sender_and_spam_writes_plan_then_apply_exactly() {
    let h = Harness::start(Options::default()).await;
    let (id, _) = hosting(&h).await;
    let a = h
        .plan_and_apply(
            "infomaniak_block_sender",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "sender": "Spam@Junk.example"}),
        )
        .await;
    exactly_planned(&a);
    let (mb, _) = world_box(&h, id, "info").unwrap();
    assert!(
        mb.blocked_senders
            .contains(&"spam@junk.example".to_string())
    );
    let a = h
        .plan_and_apply(
            "infomaniak_authorize_sender",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "sender": "spam@junk.example"}),
        )
        .await;
    exactly_planned(&a);
    let (mb, _) = world_box(&h, id, "info").unwrap();
    assert!(
        !mb.blocked_senders
            .contains(&"spam@junk.example".to_string())
            && mb
                .authorized_senders
                .contains(&"spam@junk.example".to_string())
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_unauthorize_sender",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "sender": "spam@junk.example"}),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_block_sender",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "sender": "@junk.example"}),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_unblock_sender",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "sender": "@junk.example"}),
        )
        .await,
    );
    let (mb, _) = world_box(&h, id, "info").unwrap();
    assert!(
        mb.blocked_senders.is_empty() && mb.authorized_senders.is_empty(),
        "{mb:?}"
    );
    // Already as asked: no plan, no token.
    let again = h
        .ok(
            "infomaniak_unblock_sender",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "sender": "@junk.example"}),
        )
        .await;
    assert_eq!(again["status"], "no_change", "{again}");
    let a = h
        .plan_and_apply("infomaniak_set_mailbox_spam_policy", json!({"mail_hosting_id": id, "mailbox_name": "info", "has_move_spam": false, "note": "front desk"}))
        .await;
    exactly_planned(&a);
    let (_, ext) = world_box(&h, id, "info").unwrap();
    assert!(!ext.has_move_spam && ext.note.as_deref() == Some("front desk"));
    let a = h
        .plan_and_apply(
            "infomaniak_harden_mailbox_security",
            json!({"mail_hosting_id": id, "mailbox_name": "info"}),
        )
        .await;
    exactly_planned(&a);
    let (_, ext) = world_box(&h, id, "info").unwrap();
    assert!(ext.has_move_spam && ext.has_mail_filtering);
    let a = h
        .plan_and_apply(
            "infomaniak_update_mailbox_folders",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "archives_folder": "Old"}),
        )
        .await;
    exactly_planned(&a);
    assert_eq!(
        world_box(&h, id, "info").unwrap().1.folders["archives_folder"],
        "Old"
    );
    for (tool, check) in [
        ("infomaniak_purge_spam_folder", 0),
        ("infomaniak_empty_mailbox_trash", 1),
    ] {
        exactly_planned(
            &h.plan_and_apply(
                tool,
                json!({"mail_hosting_id": id, "mailbox_name": "contact"}),
            )
            .await,
        );
        let (_, ext) = world_box(&h, id, "contact").unwrap();
        assert_eq!([ext.spam_count, ext.trash_count][check], 0, "{tool}");
    }
}

#[tokio::test]
async fn aliases_forwarding_auto_replies_and_redirections() {
    let h = Harness::start(Options::default()).await;
    let (id, domain) = hosting(&h).await;
    let mb = |extra: Value| {
        let mut v = json!({"mail_hosting_id": id, "mailbox_name": "support"});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let list = h
        .ok(
            "infomaniak_manage_mailbox_aliases",
            mb(json!({"action": "list"})),
        )
        .await;
    assert_eq!(list["status"], "no_change", "list needs no token: {list}");
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_create_mailbox_alias",
            mb(json!({"alias": format!("helpdesk@{domain}")})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_aliases",
            mb(json!({"action": "add", "alias": "hotline"})),
        )
        .await,
    );
    assert_eq!(
        world_box(&h, id, "support").unwrap().0.aliases,
        ["helpdesk", "hotline"]
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_aliases",
            mb(json!({"action": "delete", "alias": "helpdesk"})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_aliases",
            mb(json!({"action": "replace", "aliases": ["care", "hotline"]})),
        )
        .await,
    );
    assert_eq!(
        world_box(&h, id, "support").unwrap().0.aliases,
        ["care", "hotline"]
    );

    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_forwarding",
            mb(json!({"action": "add", "forwarding_address": "ops@partner.example"})),
        )
        .await,
    );
    exactly_planned(&h.plan_and_apply("infomaniak_manage_mailbox_forwarding", mb(json!({"action": "replace", "redirect_addresses": ["a@partner.example", "b@partner.example"], "has_dont_deliver": true}))).await);
    let (m, e) = world_box(&h, id, "support").unwrap();
    assert_eq!(m.redirections, ["a@partner.example", "b@partner.example"]);
    assert!(e.has_dont_deliver && e.forwarding_enabled);
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_forwarding",
            mb(json!({"action": "delete", "forwarding_address": "a@partner.example"})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_forwarding",
            mb(json!({"action": "delete_all"})),
        )
        .await,
    );
    assert!(
        world_box(&h, id, "support")
            .unwrap()
            .0
            .redirections
            .is_empty()
    );

    let a = h
        .plan_and_apply("infomaniak_manage_mailbox_auto_reply", mb(json!({"action": "create", "name": "Away", "message": "Back Monday", "reply_from_id": 1})))
        .await;
    exactly_planned(&a);
    let model = a.result["result"].as_u64().expect("the new model id");
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_auto_reply",
            mb(json!({"action": "update", "model_id": model, "is_active": true})),
        )
        .await,
    );
    assert!(world_box(&h, id, "support").unwrap().0.has_auto_responder);
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_auto_reply",
            mb(json!({"action": "reset"})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_auto_reply",
            mb(json!({"action": "delete", "model_id": model})),
        )
        .await,
    );
    assert!(
        world_box(&h, id, "support")
            .unwrap()
            .1
            .auto_replies
            .is_empty()
    );

    let a = h
        .plan_and_apply(
            "infomaniak_create_redirection",
            json!({"mail_hosting_id": id, "name": "events", "targets": [format!("info@{domain}")]}),
        )
        .await;
    exactly_planned(&a);
    let rid = a.result["result"]
        .as_str()
        .expect("string id (Q10)")
        .to_string();
    exactly_planned(&h.plan_and_apply("infomaniak_manage_service_redirections", json!({"mail_hosting_id": id, "action": "update", "redirection_id": rid, "targets": ["x@partner.example"]})).await);
    let list = h
        .ok(
            "infomaniak_manage_service_redirections",
            json!({"mail_hosting_id": id, "action": "list"}),
        )
        .await;
    assert!(
        list["result"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["targets"] == json!(["x@partner.example"])),
        "{list}"
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_delete_redirection",
            json!({"mail_hosting_id": id, "name": "events"}),
        )
        .await,
    );
    assert!(h.sim.with_world(|w| {
        !w.mail.hostings[&id]
            .redirections
            .iter()
            .any(|r| r["name"] == "events")
    }));
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_rotate_mail_dkim",
            json!({"mail_hosting_id": id, "action": "rotate"}),
        )
        .await,
    );
}

#[tokio::test]
async fn filters_scripts_and_their_lifecycle() {
    let h = Harness::start(Options::default()).await;
    let (id, _) = hosting(&h).await;
    let args = |extra: Value| {
        let mut v = json!({"mail_hosting_id": id, "mailbox_name": "info"});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let cond = json!({"property": "from", "operator": "contains", "value": "newsletter"});
    let act = json!({"value": "move", "create_a_folder": "News"});
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_create_mailbox_filter",
            args(json!({"name": "News", "condition": cond, "action": act})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_update_mailbox_filter",
            args(json!({"old_name": "News", "name": "Newsletters", "is_enabled": false})),
        )
        .await,
    );
    let f = world_box(&h, id, "info").unwrap().1.filters;
    assert_eq!(f[1]["name"], "Newsletters");
    assert_eq!(f[1]["is_enabled"], false);
    assert_eq!(f[1]["actions"][0]["value"], "News", "unset fields are kept");
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_filter_lifecycle",
            args(json!({"action": "set_activation", "name": "Newsletters", "is_enabled": true})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_filter_lifecycle",
            args(json!({"action": "reorder", "order": ["Newsletters", "Invoices"]})),
        )
        .await,
    );
    assert_eq!(
        world_box(&h, id, "info").unwrap().1.filters[0]["name"],
        "Newsletters"
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_upsert_mailbox_filter_script",
            args(json!({"name": "tag", "content": "require \"fileinto\";"})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_upsert_mailbox_filter_script",
            args(json!({"old_name": "tag", "name": "tag2", "content": "keep;"})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mailbox_filter_lifecycle",
            args(
                json!({"action": "set_script_activation", "name": "vacation", "is_enabled": true}),
            ),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_delete_mailbox_filter_script",
            args(json!({"name": "tag2"})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_delete_mailbox_filter",
            args(json!({"name": "Newsletters"})),
        )
        .await,
    );
    let ext = world_box(&h, id, "info").unwrap().1;
    assert_eq!(ext.filters.len(), 1);
    assert_eq!(ext.scripts.len(), 1);
    assert_eq!(ext.scripts[0]["is_enabled"], "1");
    let bad = h
        .err(
            "infomaniak_manage_mailbox_filter_lifecycle",
            args(json!({"action": "reorder", "order": ["Invoices", "Nope"]})),
        )
        .await;
    assert_eq!(bad["error"]["kind"], "invalid_args", "{bad}");
}

#[tokio::test]
async fn creating_and_offboarding_a_mailbox() {
    let h = Harness::start(Options::default()).await;
    let (id, domain) = hosting(&h).await;
    let a = h.plan_and_apply("infomaniak_create_mailbox", json!({"mail_hosting_id": id, "mailbox_name": "newhire", "description": "joins in May"})).await;
    exactly_planned(&a);
    assert_eq!(a.writes[0].status, 201, "creates answer 201");
    assert!(world_box(&h, id, "newhire").is_some());
    let dup = h
        .err(
            "infomaniak_create_mailbox",
            json!({"mail_hosting_id": id, "mailbox_name": "newhire"}),
        )
        .await;
    assert_eq!(dup["error"]["kind"], "conflict", "{dup}");
    let pw = h
        .err(
            "infomaniak_create_mailbox",
            json!({"mail_hosting_id": id, "mailbox_name": "x2", "password": "Secret-123!"}),
        )
        .await;
    assert_eq!(
        pw["error"]["kind"], "invalid_args",
        "no password argument (Q17): {pw}"
    );

    // Offboarding `sales`: a redirection sends to it, with another target.
    let before = h.sim.with_world(|w| {
        w.mail.hostings[&id]
            .redirections
            .iter()
            .find(|r| r["name"] == "sales-team")
            .cloned()
            .unwrap()
    });
    let plan = h
        .ok(
            "infomaniak_delete_mailbox",
            json!({"mail_hosting_id": id, "mailbox_name": "sales"}),
        )
        .await;
    assert_eq!(plan["status"], "plan");
    let targets: Vec<String> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["target"].as_str().unwrap().to_string())
        .collect();
    for part in [
        "aliases",
        "forwarding",
        "filters and scripts",
        "auto-replies",
        "redirection sales-team",
    ] {
        assert!(
            targets.iter().any(|t| t.contains(part)),
            "{part} shown: {targets:?}"
        );
    }
    let a = h
        .plan_and_apply(
            "infomaniak_delete_mailbox",
            json!({"mail_hosting_id": id, "mailbox_name": "sales"}),
        )
        .await;
    exactly_planned(&a);
    assert_eq!(
        a.writes.len(),
        2,
        "redirection PUT then mailbox DELETE: {:?}",
        a.writes
    );
    assert!(world_box(&h, id, "sales").is_none());
    let after = h.sim.with_world(|w| {
        w.mail.hostings[&id]
            .redirections
            .iter()
            .find(|r| r["name"] == "sales-team")
            .cloned()
            .unwrap()
    });
    assert_ne!(before["targets"], after["targets"]);
    assert!(
        !after.to_string().contains(&format!("sales@{domain}")),
        "{after}"
    );
}

#[tokio::test]
async fn stale_plans_bad_arguments_and_upstream_errors_write_nothing() {
    let h = Harness::start(Options::default()).await;
    let (id, _) = hosting(&h).await;
    let args = json!({"mail_hosting_id": id, "mailbox_name": "info", "sender": "late@x.example"});
    let plan = h.ok("infomaniak_block_sender", args.clone()).await;
    // Another admin changes the lists between plan and confirmation.
    let changed = h
        .direct(
            Method::PATCH,
            &format!("/1/mail_hostings/{id}/mailboxes/info"),
            Some(json!({"blocked_senders": ["other@x.example"]})),
        )
        .await;
    assert_eq!(changed["result"], "success", "{changed}");
    let mark = h.mark();
    let err = h
        .err(
            "infomaniak_block_sender",
            with_token(&args, &plan["confirmation_token"]),
        )
        .await;
    assert_eq!(err["error"]["code"], "plan_stale", "{err}");
    assert!(h.writes_since(mark).is_empty());

    let mark = h.mark();
    let nf = h
        .err(
            "infomaniak_get_mailbox_security",
            json!({"mail_hosting_id": id, "mailbox_name": "nobody"}),
        )
        .await;
    assert_eq!(nf["error"]["kind"], "not_found", "{nf}");
    assert!(
        nf["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("infomaniak_list_mailboxes"),
        "{nf}"
    );
    let nh = h
        .err("infomaniak_list_mailboxes", json!({"mail_hosting_id": 1}))
        .await;
    assert_eq!(nh["error"]["kind"], "not_found", "{nh}");
    for (tool, a) in [
        (
            "infomaniak_block_sender",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "sender": "no sender"}),
        ),
        (
            "infomaniak_manage_mailbox_forwarding",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "action": "add", "forwarding_address": "nope"}),
        ),
        (
            "infomaniak_manage_mailbox_aliases",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "action": "add", "alias": "x@elsewhere.example"}),
        ),
        (
            "infomaniak_set_mailbox_spam_policy",
            json!({"mail_hosting_id": id, "mailbox_name": "info", "note": "x".repeat(81)}),
        ),
        (
            "infomaniak_manage_service_redirections",
            json!({"mail_hosting_id": id, "action": "bogus"}),
        ),
        (
            "infomaniak_get_mailbox_full",
            json!({"mail_hosting_id": id, "mailbox_name": "../../1/account"}),
        ),
    ] {
        let e = h.err(tool, a).await;
        assert_eq!(e["error"]["kind"], "invalid_args", "{tool}: {e}");
    }
    // The tenant refuses (400) a forwarding to the mailbox itself: an upstream error with its code.
    let (_, domain) = hosting(&h).await;
    let own_args = json!({"mail_hosting_id": id, "mailbox_name": "info", "action": "add", "forwarding_address": format!("info@{domain}")});
    let own_plan = h
        .ok("infomaniak_manage_mailbox_forwarding", own_args.clone())
        .await;
    let own = h
        .err(
            "infomaniak_manage_mailbox_forwarding",
            with_token(&own_args, &own_plan["confirmation_token"]),
        )
        .await;
    assert_eq!(own["error"]["kind"], "upstream", "{own}");
    assert!(
        h.writes_since(mark).iter().all(|w| w.status >= 400),
        "{:?}",
        h.writes_since(mark)
    );
}

#[tokio::test]
async fn the_mail_audits_name_their_fixes() {
    let h = Harness::start(Options::default()).await;
    let (id, _) = hosting(&h).await;
    let a = h
        .ok(
            "infomaniak_audit_mailbox_security",
            json!({"mail_hosting_id": id, "mailbox_name": "contact"}),
        )
        .await;
    assert!(
        a["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "external_forwarding"
                && f["fix"]["tool"] == "infomaniak_manage_mailbox_forwarding"),
        "{a}"
    );
    let all = h
        .ok(
            "infomaniak_audit_mail_hostings",
            json!({"include_mailboxes": true}),
        )
        .await;
    assert_eq!(all["audited"], 1, "{all}");
    let codes: Vec<&str> = all["hostings"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"dkim_not_published") && codes.contains(&"external_forwarding"),
        "{codes:?}"
    );
    assert!(h.writes().is_empty());
    let fleet = Harness::start(Options {
        scale: Scale::Fleet,
        ..Options::default()
    })
    .await;
    let big = fleet.sim.with_world(|w| {
        w.mail_hostings
            .iter()
            .find(|m| m.domain == ZONE_NO_MAIL_POLICY)
            .unwrap()
            .id
    });
    let one = fleet
        .ok(
            "infomaniak_audit_mail_hostings",
            json!({"mail_hosting_id": big}),
        )
        .await;
    let codes: Vec<&str> = one["hostings"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"spf_missing") && codes.contains(&"dmarc_missing"),
        "{codes:?}"
    );
}
