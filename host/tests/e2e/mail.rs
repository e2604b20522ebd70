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

/// `base` with the fields of `extra` added (the arguments of one call on one mailbox).
fn merged(base: &Value, extra: Value) -> Value {
    let mut v = base.clone();
    for (k, x) in extra.as_object().expect("extra is an object") {
        v[k] = x.clone();
    }
    v
}

/// The arguments of a mailbox tool on `mailbox` of hosting `id`, plus `extra`.
fn on_box(id: u64, mailbox: &str, extra: Value) -> Value {
    merged(
        &json!({"mail_hosting_id": id, "mailbox_name": mailbox}),
        extra,
    )
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
    // More redirections than a page holds: all of them are read, and an offboarding finds
    // the one past the first hundred that sends to the mailbox.
    let redirs = h
        .ok(
            "infomaniak_list_redirections",
            json!({"mail_hosting_id": id}),
        )
        .await;
    let expected = h
        .sim
        .with_world(|w| w.mail.hostings[&id].redirections.len());
    assert!(expected > 100, "{expected}");
    assert_eq!(redirs["count"], expected);
    let plan = h
        .ok(
            "infomaniak_delete_mailbox",
            json!({"mail_hosting_id": id, "mailbox_name": "user007"}),
        )
        .await;
    let last = format!("fwd-{:03}", ikmcp_sim::routes::mail::FLEET_REDIRECTIONS - 1);
    assert!(
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["target"].as_str().unwrap().contains(&last)),
        "{plan}"
    );
    // Device accesses and newsletter subscribers past one page.
    h.sim.clear_requests();
    let devices = h
        .ok(
            "infomaniak_get_mail_device_access",
            json!({"mail_hosting_id": id, "mailbox_name": "user000", "action": "inventory"}),
        )
        .await;
    assert_eq!(devices["count"], ikmcp_sim::routes::mail::FLEET_DEVICES);
    let subscribers = h
        .ok(
            "infomaniak_get_newsletter_admin",
            json!({"domain": ZONE_NO_MAIL_POLICY, "action": "subscribers"}),
        )
        .await;
    assert_eq!(
        subscribers["count"],
        ikmcp_sim::routes::mail::FLEET_SUBSCRIBERS
    );
    let pages = |suffix: &str| {
        h.sim
            .requests()
            .iter()
            .filter(|r| r.path.ends_with(suffix))
            .count()
    };
    assert_eq!(pages("/accesses/devices"), 2);
    assert_eq!(pages("/subscribers"), 3);
    extra_lists_follow_every_page(&h, id).await;
    assert!(h.writes().is_empty());
}

/// The fleet's webmail users, account-wide devices and hosting signature templates are
/// longer than a page (mail.json pages all three): each is read whole, page by page.
async fn extra_lists_follow_every_page(h: &Harness, id: u64) {
    let doc = |key: String| h.sim.with_world(|w| w.mail.docs[&key].clone());
    // The page numbers the tenant saw for `path`, in order.
    let pages_of = |path: &str| -> Vec<String> {
        h.sim
            .requests()
            .into_iter()
            .filter(|r| r.path == path)
            .map(|r| r.query.unwrap_or_default())
            .collect()
    };
    let paged = |queries: &[String], n: usize| {
        assert_eq!(queries.len(), n.div_ceil(100), "{queries:?}");
        for (i, q) in queries.iter().enumerate() {
            let pairs: Vec<&str> = q.split('&').collect();
            assert!(
                pairs.contains(&format!("page={}", i + 1).as_str())
                    && pairs.contains(&"per_page=100"),
                "{queries:?}"
            );
        }
    };
    // Webmail users of user000: the account's owner and the guests.
    let path = format!("/1/mail_hostings/{id}/mailboxes/user000/accesses/webmail/users");
    let expected = doc(format!(
        "/1/mail_hostings/{id}/mailboxes/user000/accesses/webmail"
    ));
    assert_eq!(expected.len(), ikmcp_sim::routes::mail::FLEET_WEBMAIL_USERS);
    h.sim.clear_requests();
    let users = h
        .ok(
            "infomaniak_get_mail_webmail_access",
            json!({"mail_hosting_id": id, "mailbox_name": "user000", "action": "users"}),
        )
        .await;
    assert_eq!(users["count"], expected.len(), "{users}");
    let last = &expected.last().unwrap()["user"]["email"];
    assert!(
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| &u["email"] == last),
        "the last user, past the first page: {last}"
    );
    paged(&pages_of(&path), expected.len());
    // Every device of the account's mailboxes, user000's and user001's among them.
    let path = "/1/mail_hostings/accesses/devices";
    let expected: usize = h.sim.with_world(|w| {
        w.mail
            .docs
            .iter()
            .filter(|(k, _)| k.ends_with("/accesses/devices"))
            .map(|(_, v)| v.len())
            .sum()
    });
    assert!(
        expected
            >= ikmcp_sim::routes::mail::FLEET_DEVICES + ikmcp_sim::routes::mail::FLEET_MORE_DEVICES,
        "{expected}"
    );
    h.sim.clear_requests();
    let all = h
        .ok(
            "infomaniak_get_mail_device_access",
            json!({"mail_hosting_id": id, "action": "inventory"}),
        )
        .await;
    assert_eq!(all["count"], expected);
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["label"].as_str().is_some_and(|n| n.starts_with("Tablet"))),
        "user001's devices are in the account-wide list"
    );
    paged(&pages_of(path), expected);
    // The hosting's signature templates.
    let path = format!("/1/mail_hostings/{id}/signatures/templates");
    let expected = doc(path.clone());
    assert_eq!(expected.len(), ikmcp_sim::routes::mail::FLEET_TEMPLATES);
    h.sim.clear_requests();
    let listed = h
        .ok(
            "infomaniak_get_mail_signatures",
            json!({"mail_hosting_id": id, "resource": "template", "action": "list"}),
        )
        .await;
    let ids: Vec<&Value> = listed["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["id"])
        .collect();
    let want: Vec<&Value> = expected.iter().map(|t| &t["id"]).collect();
    assert_eq!(ids, want);
    paged(&pages_of(&path), expected.len());
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
    let mb = |extra: Value| on_box(id, "support", extra);
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
    let args = |extra: Value| on_box(id, "info", extra);
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

#[tokio::test]
async fn signatures_webmail_and_device_accesses() {
    let h = Harness::start(Options::default()).await;
    let (id, _) = hosting(&h).await;
    let mb = |extra: Value| on_box(id, "info", extra);
    let sigs = h
        .ok(
            "infomaniak_get_mail_signatures",
            mb(json!({"resource": "signature", "action": "list"})),
        )
        .await;
    let first = sigs["signatures"][0]["id"].to_string();
    let one = h
        .ok(
            "infomaniak_get_mail_signatures",
            mb(json!({"resource": "signature", "action": "show", "id": first})),
        )
        .await;
    assert_eq!(one["id"].to_string(), first, "{one}");
    let tpl = h
        .ok(
            "infomaniak_get_mail_signatures",
            json!({"mail_hosting_id": id, "resource": "template", "action": "show_default"}),
        )
        .await;
    let tid = tpl["id"]
        .as_str()
        .expect("template ids are strings")
        .to_string();
    let a = h.plan_and_apply("infomaniak_manage_mail_signatures", mb(json!({"action": "create", "payload": {"name": "Sales", "content": "<p>Sales team</p>"}}))).await;
    exactly_planned(&a);
    let sid = a.result["result"]["id"].to_string();
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mail_signatures",
            mb(json!({"action": "update", "id": sid, "payload": {"content": "<p>Sales</p>"}})),
        )
        .await,
    );
    exactly_planned(&h.plan_and_apply("infomaniak_manage_mail_signatures", mb(json!({"action": "set_defaults", "payload": {"default_signature_id": sid.parse::<u64>().unwrap()}}))).await);
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mail_signatures",
            mb(json!({"action": "delete", "id": first})),
        )
        .await,
    );
    let after = h
        .ok(
            "infomaniak_get_mail_signatures",
            mb(json!({"resource": "signature", "action": "list"})),
        )
        .await;
    assert_eq!(after["signatures"].as_array().unwrap().len(), 1, "{after}");
    assert_eq!(after["default_signature_id"].to_string(), sid);
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mail_signatures",
            json!({"mail_hosting_id": id, "action": "create_signatures", "id": tid}),
        )
        .await,
    );
    let hosting_sig = |extra: Value| merged(&json!({"mail_hosting_id": id}), extra);
    let a = h
        .plan_and_apply(
            "infomaniak_manage_mail_signatures",
            hosting_sig(json!({"action": "create_template", "payload": {"name": "Sales", "content": "<p>{{name}}</p>"}})),
        )
        .await;
    exactly_planned(&a);
    let new_tpl = a.result["result"]
        .as_str()
        .expect("template id")
        .to_string();
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mail_signatures",
            hosting_sig(json!({"action": "update_template", "id": new_tpl, "payload": {"name": "Sales team"}})),
        )
        .await,
    );
    let listed = h
        .ok(
            "infomaniak_get_mail_signatures",
            hosting_sig(json!({"resource": "template", "action": "list"})),
        )
        .await;
    assert!(
        listed["templates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == new_tpl.as_str() && t["name"] == "Sales team"),
        "{listed}"
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mail_signatures",
            hosting_sig(json!({"action": "delete_template", "id": new_tpl})),
        )
        .await,
    );

    let users = h
        .ok(
            "infomaniak_get_mail_webmail_access",
            mb(json!({"action": "users"})),
        )
        .await;
    assert_eq!(users["count"], 1, "the account owner: {users}");
    let inv = h
        .ok(
            "infomaniak_get_mail_webmail_access",
            mb(json!({"action": "inventory"})),
        )
        .await;
    assert!(inv["items"][0]["user_access"].is_object(), "{inv}");
    let uid = h.sim.with_world(|w| w.users[1].user_id);
    exactly_planned(&h.plan_and_apply("infomaniak_manage_mail_webmail_access", mb(json!({"action": "create_user", "user_id": uid, "payload": {"permissions": {"can_manage_filters": true}}}))).await);
    exactly_planned(&h.plan_and_apply("infomaniak_manage_mail_webmail_access", mb(json!({"action": "update_user", "user_id": uid, "payload": {"permissions": {"can_manage_filters": false}}}))).await);
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mail_webmail_access",
            mb(json!({"action": "delete_user", "user_id": uid})),
        )
        .await,
    );
    let a = h
        .plan_and_apply(
            "infomaniak_manage_mail_webmail_access",
            mb(json!({"action": "create_invitation", "payload": {"firstname": "Ana"}})),
        )
        .await;
    exactly_planned(&a);
    let key = a.result["result"]["key"]
        .as_str()
        .expect("invitation key")
        .to_string();
    exactly_planned(&h.plan_and_apply("infomaniak_manage_mail_webmail_access", mb(json!({"action": "send_invitation", "invitation_id": key, "payload": {"email": "ana@partner.example"}}))).await);

    let devices = h
        .ok(
            "infomaniak_get_mail_device_access",
            mb(json!({"action": "inventory"})),
        )
        .await;
    assert_eq!(devices["count"], 2, "{devices}");
    let dev = devices["items"][0]["id"].as_u64().unwrap();
    let all = h
        .ok(
            "infomaniak_get_mail_device_access",
            json!({"mail_hosting_id": id, "action": "inventory"}),
        )
        .await;
    assert_eq!(all["count"], 2, "the account's devices: {all}");
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mail_device_access",
            mb(json!({"action": "delete_user_device", "device_access": dev})),
        )
        .await,
    );
    let owner = h.sim.with_world(|w| {
        let m = w
            .mailboxes
            .iter()
            .find(|m| m.mail_hosting_id == id && m.mailbox_name == "info")
            .unwrap();
        w.mail.boxes[&m.mailbox_id].users[0]["id"].as_u64().unwrap()
    });
    let theirs = h
        .ok(
            "infomaniak_get_mail_device_access",
            mb(json!({"action": "list_user", "user_id": owner})),
        )
        .await;
    assert_eq!(theirs["count"], 1, "{theirs}");
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_mail_device_access",
            mb(json!({"action": "delete_user_devices", "user_id": owner})),
        )
        .await,
    );
    let none = h
        .ok(
            "infomaniak_manage_mail_device_access",
            mb(json!({"action": "delete_user_devices", "user_id": owner})),
        )
        .await;
    assert_eq!(none["status"], "no_change", "{none}");
    let bad = h
        .err(
            "infomaniak_manage_mail_device_access",
            mb(json!({"action": "delete_user_device", "device_access": 1})),
        )
        .await;
    assert_eq!(bad["error"]["kind"], "not_found", "{bad}");
}

#[tokio::test]
async fn newsletter_groups_and_subscribers() {
    let h = Harness::start(Options::default()).await;
    let d = ikmcp_sim::seed::ZONE_COMPLETE;
    let groups = h
        .ok(
            "infomaniak_get_newsletter_admin",
            json!({"domain": d, "action": "groups"}),
        )
        .await;
    assert_eq!(groups["count"], 2, "{groups}");
    let g = groups["items"][0]["id"].as_u64().unwrap();
    let subs = h
        .ok(
            "infomaniak_get_newsletter_admin",
            json!({"domain": d, "action": "subscribers"}),
        )
        .await;
    assert_eq!(subs["count"], 5);
    let s0 = subs["items"][1]["id"].as_u64().unwrap();
    let m = |action: &str, extra: Value| merged(&json!({"domain": d, "action": action}), extra);
    for (action, extra) in [
        ("group", json!({"group": g})),
        ("group_subscribers", json!({"group": g})),
        ("subscriber", json!({"subscriber": s0})),
        ("count_status", json!({})),
    ] {
        h.ok("infomaniak_get_newsletter_admin", m(action, extra))
            .await;
    }
    let a = h
        .plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m("create_group", json!({"payload": {"name": "VIP"}})),
        )
        .await;
    exactly_planned(&a);
    let vip = a.result["result"]["id"].as_u64().unwrap();
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m(
                "update_group",
                json!({"group": vip, "payload": {"name": "VIPs"}}),
            ),
        )
        .await,
    );
    let a = h
        .plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m(
                "create_subscriber",
                json!({"payload": {"email": "new@reader.example"}}),
            ),
        )
        .await;
    exactly_planned(&a);
    let new = a.result["result"]["id"].as_u64().unwrap();
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m(
                "update_subscriber",
                json!({"subscriber": new, "payload": {"status": "active"}}),
            ),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m(
                "group_assign_subscribers",
                json!({"group": vip, "payload": {"subscriber_ids": [new]}}),
            ),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m(
                "group_unassign_subscribers",
                json!({"group": vip, "payload": {"subscriber_ids": [new]}}),
            ),
        )
        .await,
    );
    let sel = json!({"select": {"all": false, "include": [s0]}});
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m(
                "assign_subscribers",
                json!({"payload": {"select": sel["select"], "groups": [vip.to_string()]}}),
            ),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m(
                "unassign_subscribers",
                json!({"payload": {"select": sel["select"], "group_id": vip}}),
            ),
        )
        .await,
    );
    let a = h
        .plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m("unsubscribe_subscribers", json!({"payload": sel})),
        )
        .await;
    exactly_planned(&a);
    assert_eq!(
        a.plan["changes"][0]["before"].as_array().unwrap().len(),
        1,
        "the plan names who is unsubscribed: {}",
        a.plan
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m("delete_subscribers", json!({"payload": sel})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m("forget_subscriber", json!({"subscriber": new})),
        )
        .await,
    );
    let s2 = subs["items"][2]["id"].as_u64().unwrap();
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m("delete_subscriber", json!({"subscriber": s2})),
        )
        .await,
    );
    exactly_planned(
        &h.plan_and_apply(
            "infomaniak_manage_newsletter_admin",
            m("delete_group", json!({"group": vip})),
        )
        .await,
    );
    let left = h
        .ok(
            "infomaniak_get_newsletter_admin",
            json!({"domain": d, "action": "subscribers"}),
        )
        .await;
    assert_eq!(left["count"], 3, "{left}");
    let e = h
        .err(
            "infomaniak_manage_newsletter_admin",
            m("delete_subscribers", json!({"payload": {}})),
        )
        .await;
    assert_eq!(e["error"]["kind"], "invalid_args", "{e}");
    let e = h
        .err(
            "infomaniak_get_newsletter_admin",
            json!({"domain": "nope.example", "action": "groups"}),
        )
        .await;
    assert_eq!(e["error"]["kind"], "not_found", "{e}");
}

#[tokio::test]
async fn a_token_without_the_mail_scope_is_told_which_scope_to_add() {
    // The tenant's DNS token reads accounts and products (so the hostings are listed) but
    // lacks the `mail` scope, as a DNS-only token would.
    let h = Harness::start(Options::dns_read_token()).await;
    let (id, _) = hosting(&h).await;
    for (tool, args) in [
        ("infomaniak_list_mailboxes", json!({"mail_hosting_id": id})),
        (
            "infomaniak_get_mailbox_security",
            on_box(id, "info", json!({})),
        ),
        (
            "infomaniak_create_mailbox",
            json!({"mail_hosting_id": id, "mailbox_name": "scoped"}),
        ),
        (
            "infomaniak_manage_mailbox_aliases",
            on_box(id, "info", json!({"action": "add", "alias": "scoped"})),
        ),
        (
            "infomaniak_manage_service_redirections",
            json!({"mail_hosting_id": id, "action": "delete", "redirection_id": "x"}),
        ),
    ] {
        let e = h.err(tool, args).await;
        assert_eq!(e["error"]["kind"], "upstream", "{tool}: {e}");
        let hint = e["error"]["hint"].as_str().unwrap();
        assert!(
            hint.contains("`mail` scope") && hint.contains("accounts/token/list"),
            "{tool}: {e}"
        );
    }
    let mail: Vec<_> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/1/mail_hostings"))
        .collect();
    assert!(
        !mail.is_empty() && mail.iter().all(|r| r.status == 403),
        "the tenant refuses every mail route: {mail:?}"
    );
    assert!(h.writes().is_empty(), "{:?}", h.writes());
}

#[tokio::test]
async fn two_sender_list_edits_on_one_mailbox_never_interleave() {
    // Both plans are made from the same sender lists; each apply rewrites the whole list
    // (PATCH with the list it read). Holding the mailbox's lock, the second apply is
    // checked against what the first left and refused as stale: the first block is never
    // lost to the second's older copy of the list.
    let h = Harness::start(Options::default()).await;
    let (id, _) = hosting(&h).await;
    let a = on_box(id, "info", json!({"sender": "one@junk.example"}));
    let b = on_box(id, "info", json!({"sender": "two@junk.example"}));
    let plan_a = h.ok("infomaniak_block_sender", a.clone()).await;
    let plan_b = h.ok("infomaniak_block_sender", b.clone()).await;
    for p in [&plan_a, &plan_b] {
        assert_eq!(p["effects"][0]["lock"], format!("mail:{id}:info"), "{p}");
        assert!(
            p["approval"]
                .as_str()
                .unwrap()
                .contains(&format!("holds the lock mail:{id}:info")),
            "{p}"
        );
    }
    let mark = h.mark();
    let (ra, rb) = tokio::join!(
        h.call(
            "infomaniak_block_sender",
            with_token(&a, &plan_a["confirmation_token"])
        ),
        h.call(
            "infomaniak_block_sender",
            with_token(&b, &plan_b["confirmation_token"])
        ),
    );
    let outcome = |r: &rmcp::model::CallToolResult| {
        let v = r.structured_content.clone().unwrap_or_default();
        if r.is_error == Some(true) {
            v["error"]["code"].as_str().unwrap_or_default().to_string()
        } else {
            v["status"].as_str().unwrap_or_default().to_string()
        }
    };
    let mut outcomes = [outcome(&ra), outcome(&rb)];
    outcomes.sort();
    assert_eq!(
        outcomes,
        ["applied", "plan_stale"],
        "{} / {}",
        crate::harness::text(&ra),
        crate::harness::text(&rb)
    );
    let patches: Vec<_> = h
        .writes_since(mark)
        .into_iter()
        .filter(|w| w.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1, "one rewrite of the list: {patches:?}");
    let blocked = world_box(&h, id, "info").unwrap().0.blocked_senders;
    let winner = if outcome(&ra) == "applied" {
        "one"
    } else {
        "two"
    };
    assert_eq!(blocked, [format!("{winner}@junk.example")], "{blocked:?}");
    // Re-planned on the list the first apply left, the other block keeps both.
    let loser = if winner == "one" { b } else { a };
    exactly_planned(&h.plan_and_apply("infomaniak_block_sender", loser).await);
    let blocked = world_box(&h, id, "info").unwrap().0.blocked_senders;
    assert_eq!(blocked.len(), 2, "{blocked:?}");
}

#[tokio::test]
async fn redirection_targets_signature_images_and_account_devices() {
    let h = Harness::start(Options::default()).await;
    let (id, domain) = hosting(&h).await;
    let redir = |extra: Value| merged(&json!({"mail_hosting_id": id}), extra);
    let a = h
        .plan_and_apply(
            "infomaniak_create_redirection",
            redir(json!({"name": "events", "targets": [format!("info@{domain}")]})),
        )
        .await;
    let rid = a.result["result"].as_str().unwrap().to_string();
    let on = |action: &str, target: Option<&str>| {
        let mut v = redir(json!({"action": "list_targets", "redirection_id": rid})).clone();
        v["action"] = json!(action);
        if let Some(t) = target {
            v["target"] = json!(t);
        }
        v
    };
    let tool = "infomaniak_manage_service_redirections";
    let listed = h.ok(tool, on("list_targets", None)).await;
    assert_eq!(listed["status"], "no_change", "a read: {listed}");
    assert_eq!(
        listed["result"]["result"][0]["address"],
        format!("info@{domain}")
    );
    let a = h
        .plan_and_apply(tool, on("add_target", Some("New@Partner.example")))
        .await;
    exactly_planned(&a);
    assert_eq!(a.writes[0].status, 201, "{:?}", a.writes);
    let target = |addr: &str| {
        h.sim.with_world(|w| {
            w.mail.hostings[&id]
                .redirections
                .iter()
                .find(|r| r["id"] == rid.as_str())
                .and_then(|r| {
                    r["targets"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|t| t["address"] == addr)
                        .cloned()
                })
        })
    };
    assert_eq!(
        target("new@partner.example").expect("added")["state"],
        "pending"
    );
    for (action, t) in [
        ("resend_confirmation", None),
        ("resend_target_confirmation", Some("new@partner.example")),
    ] {
        exactly_planned(&h.plan_and_apply(tool, on(action, t)).await);
    }
    let a = h
        .plan_and_apply(tool, on("remove_target", Some(&format!("info@{domain}"))))
        .await;
    exactly_planned(&a);
    assert_eq!(
        a.writes[0].method, "PUT",
        "the documented PUT with the rest"
    );
    assert!(target(&format!("info@{domain}")).is_none());
    // Already a target: nothing to do.
    let again = h
        .ok(tool, on("add_target", Some("new@partner.example")))
        .await;
    assert_eq!(again["status"], "no_change", "{again}");

    let mark = h.mark();
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAE=";
    let a = h
        .plan_and_apply(
            "infomaniak_manage_mail_signatures",
            on_box(
                id,
                "info",
                json!({"action": "upload", "payload": {"image": png}}),
            ),
        )
        .await;
    exactly_planned(&a);
    assert!(
        a.result["result"]["image"]
            .as_str()
            .unwrap()
            .starts_with("https://"),
        "{}",
        a.result
    );
    let a = h
        .plan_and_apply(
            "infomaniak_manage_mail_signatures",
            json!({"mail_hosting_id": id, "action": "upload", "payload": {"image": "R0lGODlhAQABAAAAACw="}}),
        )
        .await;
    exactly_planned(&a);
    assert!(a.writes[0].path.ends_with("/signatures/templates/upload"));
    assert_eq!(h.writes_since(mark).len(), 2);

    // Devices: one device off every mailbox of the account (no mailbox_name).
    h.ok(
        "infomaniak_get_mail_device_access",
        on_box(id, "contact", json!({"action": "inventory"})),
    )
    .await;
    let all = h
        .ok(
            "infomaniak_get_mail_device_access",
            json!({"mail_hosting_id": id, "action": "inventory"}),
        )
        .await;
    let device = all["items"][0]["id"].as_u64().unwrap();
    let a = h
        .plan_and_apply(
            "infomaniak_manage_mail_device_access",
            json!({"mail_hosting_id": id, "action": "delete_user_device", "device_access": device}),
        )
        .await;
    exactly_planned(&a);
    assert_eq!(
        a.writes[0].path,
        format!("/1/mail_hostings/accesses/devices/{device}")
    );
    let left = h
        .ok(
            "infomaniak_get_mail_device_access",
            json!({"mail_hosting_id": id, "action": "inventory"}),
        )
        .await;
    assert!(
        left["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["id"] != device),
        "{left}"
    );

    // Webmail: a person's accesses across the account.
    // Each mailbox's webmail access is seeded with its account's first user.
    let (account, owner) = h.sim.with_world(|w| {
        let account = w
            .mail_hostings
            .iter()
            .find(|x| x.id == id)
            .unwrap()
            .account_id;
        let first = w.users.iter().find(|u| u.account_id == account).unwrap();
        (account, first.user_id)
    });
    let theirs = h
        .ok(
            "infomaniak_get_mail_webmail_access",
            json!({"action": "account_user", "account_id": account, "user_id": owner}),
        )
        .await;
    assert!(theirs["count"].as_u64().unwrap() >= 1, "{theirs}");
}

#[tokio::test]
async fn peer_actions_without_a_documented_route_are_refused_with_advice() {
    let h = Harness::start(Options::default()).await;
    let (id, domain) = hosting(&h).await;
    let mark = h.mark();
    for (tool, args, says) in [
        (
            "infomaniak_manage_mail_webmail_access",
            on_box(id, "info", json!({"action": "bulk_create_teams"})),
            "no documented route",
        ),
        (
            "infomaniak_get_mail_webmail_access",
            on_box(
                id,
                "info",
                json!({"action": "user_team_accesses", "user_id": 1}),
            ),
            "no documented route",
        ),
        (
            "infomaniak_get_mail_webmail_access",
            json!({"action": "account_team", "account_id": 1}),
            "no documented route",
        ),
        (
            "infomaniak_manage_mail_device_access",
            json!({"mail_hosting_id": id, "action": "delete_user_devices", "user_id": 1}),
            "no hosting-wide route",
        ),
        (
            "infomaniak_manage_service_redirections",
            json!({"mail_hosting_id": id, "action": "remove_target", "redirection_id": "sales-team", "target": "nobody@partner.example"}),
            "is not a target",
        ),
        (
            "infomaniak_manage_service_redirections",
            json!({"mail_hosting_id": id, "action": "add_target", "redirection_id": "sales-team", "target": "not-an-address"}),
            "not an e-mail address",
        ),
        (
            "infomaniak_manage_mail_signatures",
            on_box(
                id,
                "info",
                json!({"action": "upload", "payload": {"image": "<svg onload=x>"}}),
            ),
            "base64",
        ),
        (
            "infomaniak_manage_mail_device_access",
            json!({"mail_hosting_id": id, "action": "delete_user_device", "device_access": 1}),
            "no device 1",
        ),
    ] {
        let e = h.err(tool, args).await;
        assert!(
            e["error"]["message"].as_str().unwrap().contains(says),
            "{tool}: {e}"
        );
        assert!(
            !e["error"]["hint"].as_str().unwrap_or_default().is_empty(),
            "{e}"
        );
    }
    // The only target of a redirection cannot be removed: deleting the redirection is.
    let only = h
        .plan_and_apply(
            "infomaniak_create_redirection",
            json!({"mail_hosting_id": id, "name": "solo", "targets": [format!("info@{domain}")]}),
        )
        .await;
    let e = h
        .err(
            "infomaniak_manage_service_redirections",
            json!({"mail_hosting_id": id, "action": "remove_target", "redirection_id": only.result["result"], "target": format!("info@{domain}")}),
        )
        .await;
    assert!(
        e["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("action delete"),
        "{e}"
    );
    // A valid base64 that is no image: the tenant's 422 comes back naming the field.
    let plan = h
        .ok(
            "infomaniak_manage_mail_signatures",
            on_box(
                id,
                "info",
                json!({"action": "upload", "payload": {"image": "bm90IGFuIGltYWdl"}}),
            ),
        )
        .await;
    let e = h
        .err(
            "infomaniak_manage_mail_signatures",
            with_token(
                &on_box(
                    id,
                    "info",
                    json!({"action": "upload", "payload": {"image": "bm90IGFuIGltYWdl"}}),
                ),
                &plan["confirmation_token"],
            ),
        )
        .await;
    assert_eq!(e["error"]["kind"], "invalid_args", "{e}");
    assert!(
        e["error"]["hint"].as_str().unwrap().contains("image"),
        "{e}"
    );
    let writes: Vec<_> = h
        .writes_since(mark)
        .into_iter()
        .filter(|w| w.status < 400 && !w.path.ends_with("/redirections"))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
}
