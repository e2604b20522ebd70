//! Tool-level tests: tools called through the registry against canned API answers.

use ikmcp_pdk::testing::{self, MockHost, ok};
use ikmcp_pdk::{HttpMethod, ToolError};
use serde_json::{Value, json};

use crate::Mail;

#[test]
fn manifest_is_valid_and_within_budget() {
    use ikmcp_pdk::Plugin;
    testing::check_manifest(&Mail::registry().manifest(), crate::ALL_TOOLS);
}

fn mailbox(name: &str) -> Value {
    json!({"mailbox_name": name, "mailbox": format!("{name}@a.ch"), "authorized_senders": [{"email": "x@y.ch", "locked": false}],
        "blocked_senders": [], "has_move_spam": false, "has_mail_filtering": true, "users": []})
}

#[test]
fn block_sender_moves_it_between_lists_and_pins_the_patch() {
    let host = MockHost::new();
    host.route(
        HttpMethod::Get,
        "/1/mail_hostings/5/mailboxes/info",
        200,
        ok(mailbox("info")),
    );
    let args = json!({"mail_hosting_id": 5, "mailbox_name": "info", "sender": "X@y.ch"});
    let plan = testing::expect_plan(
        testing::plan::<Mail>(&host, crate::BLOCK_SENDER, args.clone()).unwrap(),
    );
    assert_eq!(plan.effects.len(), 1);
    assert_eq!(
        plan.effects[0].lock.as_deref(),
        Some("mail:5:info"),
        "a read-modify-write of the sender lists holds the mailbox's lock"
    );
    let body: Value = serde_json::from_str(plan.effects[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"authorized_senders": [], "blocked_senders": ["x@y.ch"]})
    );
    assert!(host.writes().is_empty(), "planning writes nothing");
    host.route(
        HttpMethod::Patch,
        "/1/mail_hostings/5/mailboxes/info",
        200,
        ok(json!(true)),
    );
    let out = testing::apply::<Mail>(&host, crate::BLOCK_SENDER, args, &plan).unwrap();
    assert_eq!(out["changed"], true);
    assert_eq!(host.writes().len(), 1);
}

#[test]
fn bad_arguments_are_refused_before_any_request() {
    let host = MockHost::new();
    for (tool, args) in [
        (
            crate::BLOCK_SENDER,
            json!({"mail_hosting_id": 5, "mailbox_name": "info", "sender": "not a sender"}),
        ),
        (
            crate::BLOCK_SENDER,
            json!({"mail_hosting_id": 5, "mailbox_name": "../x", "sender": "a@b.ch"}),
        ),
        (
            crate::CREATE_MAILBOX,
            json!({"mail_hosting_id": 5, "mailbox_name": "a@b.ch"}),
        ),
    ] {
        match testing::plan::<Mail>(&host, tool, args) {
            Err(ToolError::InvalidArgs(_)) => {}
            other => panic!("{tool}: {other:?}"),
        }
    }
    assert!(host.requests().is_empty());
}

#[test]
fn mailbox_lists_follow_limit_and_skip_to_a_short_page() {
    let host = MockHost::new();
    let page = |n: usize, from: usize| {
        json!(
            (from..from + n)
                .map(|i| json!({"mailbox_name": format!("u{i}")}))
                .collect::<Vec<_>>()
        )
    };
    host.push_ok(200, ok(page(100, 0)));
    host.push_ok(200, ok(page(100, 100)));
    host.push_ok(200, ok(page(30, 200)));
    let out = testing::invoke::<Mail>(&host, crate::LIST_MAILBOXES, json!({"mail_hosting_id": 5}))
        .unwrap();
    assert_eq!(out["count"], 230);
    let skips: Vec<String> = host
        .requests()
        .iter()
        .map(|r| r.query.iter().find(|(k, _)| k == "skip").unwrap().1.clone())
        .collect();
    assert_eq!(skips, ["0", "100", "200"]);
}

#[test]
fn dns_findings_cover_mx_spf_dkim_dmarc() {
    let rec = |id: i64, s: &str, t: &str, target: &str| json!({"id": id, "source": s, "type": t, "target": target});
    let none = crate::audit::dns_findings("a.ch", &[], None);
    let codes: Vec<&str> = none.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "mx_missing",
            "spf_missing",
            "dkim_not_published",
            "dmarc_missing"
        ]
    );
    let good = [
        rec(1, ".", "MX", "5 mta-gw.infomaniak.ch"),
        rec(2, ".", "TXT", "\"v=spf1 include:spf.infomaniak.ch -all\""),
        rec(
            3,
            "20240101._domainkey",
            "TXT",
            "\"v=DKIM1; k=rsa; p=MIIB\"",
        ),
        rec(4, "_dmarc", "TXT", "\"v=DMARC1; p=reject\""),
    ];
    assert!(crate::audit::dns_findings("a.ch", &good, None).is_empty());
    let bad = [
        rec(1, ".", "MX", "10 mx.other.net"),
        rec(2, ".", "TXT", "\"v=spf1 -all\""),
        rec(4, "_dmarc", "TXT", "\"v=DMARC1; p=none\""),
    ];
    let f = crate::audit::dns_findings("a.ch", &bad, None);
    let codes: Vec<&str> = f.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "mx_not_infomaniak",
            "spf_without_infomaniak",
            "dkim_not_published",
            "dmarc_monitor_only"
        ]
    );
    assert_eq!(f[1].fix.as_ref().unwrap()["arguments"]["record_id"], 2);
}
