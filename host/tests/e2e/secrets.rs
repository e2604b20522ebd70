//! Secret arguments through the whole stack (`host/src/secret_args.rs`): a password given
//! to a write tool is pinned in the plan's body and sent exactly, yet never shown (not in
//! the approval, the plan answer, the in-protocol confirmation request or the applied
//! answer), never written to the audit log (not even as a plain hash), and a confirmation
//! that carries another password is refused without a write.

use rmcp::model::ElicitationAction;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{Harness, Options, text};

/// The host paces requests at 60 a minute by default.
const UNPACED: &str = "[limits]\nrequests_per_minute = 0\n";

async fn start(elicitation: Option<ElicitationAction>) -> Harness {
    Harness::start(Options {
        config: UNPACED.into(),
        elicitation,
        ..Options::default()
    })
    .await
}

/// Asserts `secret` appears nowhere in `what`, nor its sha256.
fn never_in(what: &str, shown: &str, secret: &str) {
    assert!(!shown.contains(secret), "the secret is in {what}: {shown}");
    let digest = hex::encode(Sha256::digest(secret.as_bytes()));
    assert!(
        !shown.contains(&digest),
        "a hash of the secret is in {what}"
    );
}

/// The raw audit log file, which must never hold the secret, and the plan / applied
/// lines of `tool`.
fn audit_holds_no(h: &Harness, tool: &str, secret: &str) -> (Value, Value) {
    let raw = std::fs::read_to_string(h.audit_path()).unwrap();
    never_in("the audit log file", &raw, secret);
    let lines = h.audit_lines();
    let line = |phase: &str| {
        lines
            .iter()
            .rev()
            .find(|l| l["tool"] == tool && l["phase"] == phase)
            .cloned()
            .unwrap_or_else(|| panic!("no {phase} line for {tool}"))
    };
    (line("plan"), line("applied"))
}

/// The first call of a write tool: a plan whose every shown part masks the secret, whose
/// body is pinned (marker in place of the value), and that wrote nothing.
async fn plan_masks(h: &Harness, tool: &str, args: &Value, secret: &str) -> Value {
    let mark = h.mark();
    let result = h.call(tool, args.clone()).await;
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    never_in("the plan's text", &text(&result), secret);
    let plan = result.structured_content.clone().unwrap();
    never_in("the plan answer", &plan.to_string(), secret);
    let approval = plan["approval"].as_str().unwrap();
    assert!(
        approval.contains("body, exactly: ") && approval.contains("«secret: "),
        "the body is pinned, the secret shown as a marker: {approval}"
    );
    assert!(!approval.contains("NOT PINNED"), "{approval}");
    assert!(h.writes_since(mark).is_empty(), "the plan wrote");
    plan
}

/// The confirmation with another value of the secret is refused and writes nothing; the
/// token stays valid for the planned arguments.
async fn other_secret_refused(h: &Harness, tool: &str, args: &Value, key: &str, token: &Value) {
    let mark = h.mark();
    let mut changed = args.clone();
    changed[key] = json!("Another-Secret-77x");
    changed["confirmation_token"] = token.clone();
    let refused = h.err(tool, changed).await;
    assert_eq!(
        refused["error"]["code"], "confirmation_args_changed",
        "{refused}"
    );
    never_in("the refusal", &refused.to_string(), "Another-Secret-77x");
    assert!(
        h.writes_since(mark).is_empty(),
        "a refused confirmation wrote"
    );
}

/// The confirmation with the planned arguments: applied, the answer masks the secret;
/// returns the writes the tenant received.
async fn confirm_applies(
    h: &Harness,
    tool: &str,
    args: &Value,
    token: Value,
    secret: &str,
) -> Vec<ikmcp_sim::RecordedRequest> {
    let mark = h.mark();
    let mut confirmed = args.clone();
    confirmed["confirmation_token"] = token;
    let applied = h.call(tool, confirmed).await;
    assert_ne!(applied.is_error, Some(true), "{}", text(&applied));
    never_in("the applied text", &text(&applied), secret);
    let structured = applied.structured_content.unwrap();
    assert_eq!(structured["status"], "applied", "{structured}");
    never_in("the applied answer", &structured.to_string(), secret);
    h.writes_since(mark)
}

#[tokio::test]
async fn a_share_link_password_is_pinned_sent_exactly_and_never_shown() {
    let h = start(None).await;
    let tool = "infomaniak_create_drive_share_link";
    let secret = "Zq7-horse-battery-19";
    let d = h.sim.with_world(|w| w.drives[0].id);
    let args = json!({"drive_id": d, "file_id": 7, "right": "password", "password": secret});
    let plan = plan_masks(&h, tool, &args, secret).await;
    assert_eq!(
        plan["effects"][0]["body"]["password"], "«secret: password»",
        "{plan}"
    );
    let token = plan["confirmation_token"].clone();
    other_secret_refused(&h, tool, &args, "password", &token).await;

    let writes = confirm_applies(&h, tool, &args, token, secret).await;
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(
        (writes[0].method.as_str(), writes[0].path.as_str()),
        ("POST", format!("/2/drive/{d}/files/7/link").as_str())
    );
    assert_eq!(
        writes[0].body,
        Some(json!({"right": "password", "password": secret})),
        "the tenant got the real password, in exactly the pinned body"
    );
    let (plan_line, applied_line) = audit_holds_no(&h, tool, secret);
    assert_eq!(
        plan_line["fingerprint"], applied_line["fingerprint"],
        "the plan and its apply still correlate"
    );
}

#[tokio::test]
async fn a_hosting_user_password_change_is_pinned_sent_exactly_and_never_shown() {
    let h = start(None).await;
    let tool = "infomaniak_change_hosting_user_password";
    let secret = "Kp4SecretHorse88";
    let (hid, prefix, login, kind) = h.sim.with_world(|w| {
        let hosting = &w.web_hostings[0];
        let user = w
            .hosting
            .ftp_users
            .iter()
            .find(|u| u.hosting_id == hosting.id)
            .expect("a seeded FTP user");
        (
            hosting.id,
            hosting.prefix.clone(),
            user.login.clone(),
            user.connection_type.clone(),
        )
    });
    let args = json!({"hosting_id": hid, "login": login, "password": secret});
    let plan = plan_masks(&h, tool, &args, secret).await;
    let token = plan["confirmation_token"].clone();
    other_secret_refused(&h, tool, &args, "password", &token).await;

    let writes = confirm_applies(&h, tool, &args, token, secret).await;
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].method, "PATCH");
    let short = login.strip_prefix(&prefix).unwrap_or(&login);
    assert_eq!(
        writes[0].body,
        Some(json!({"login": short, "password": secret, "connection_type": kind})),
        "the tenant got the real password, in exactly the pinned body"
    );
    audit_holds_no(&h, tool, secret);
}

#[tokio::test]
async fn the_user_asked_in_protocol_never_sees_the_secret() {
    let h = start(Some(ElicitationAction::Accept)).await;
    let tool = "infomaniak_create_drive_share_link";
    let secret = "Zq7-elicited-horse-3";
    let d = h.sim.with_world(|w| w.drives[0].id);
    let mark = h.mark();
    let out = h
        .ok(
            tool,
            json!({"drive_id": d, "file_id": 7, "right": "password", "password": secret}),
        )
        .await;
    assert_eq!(out["status"], "applied", "{out}");
    never_in("the applied answer", &out.to_string(), secret);
    let asked = h.handler.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    never_in("the confirmation request", &asked[0], secret);
    assert!(asked[0].contains("«secret: password»"), "{}", asked[0]);
    let writes = h.writes_since(mark);
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].body.as_ref().unwrap()["password"], secret);
    audit_holds_no(&h, tool, secret);
}

#[tokio::test]
async fn a_refused_secret_argument_is_not_quoted_back() {
    let h = start(None).await;
    let d = h.sim.with_world(|w| w.drives[0].id);
    let secret = "Zq7-in-an-array-5";
    let mark = h.mark();
    let refused = h
        .err(
            "infomaniak_create_drive_share_link",
            json!({"drive_id": d, "file_id": 7, "right": "password", "password": [secret]}),
        )
        .await;
    assert_eq!(refused["error"]["kind"], "invalid_args", "{refused}");
    never_in("the schema error", &refused.to_string(), secret);
    assert!(
        refused.to_string().contains("«secret: password»"),
        "the error quoted the value, masked: {refused}"
    );
    assert!(h.writes_since(mark).is_empty());
}

#[tokio::test]
async fn a_plugin_that_repeats_the_secret_everywhere_cannot_show_it() {
    // guard-probe's probe_secret_echo puts its secret argument in its summary, changes,
    // pinned body, log lines, result and (with fail) its error: the plugin cannot opt out.
    let (h, _dir) = crate::guard::probe_harness("").await;
    let zone = crate::dns::first_zone(&h).await;
    let tool = "probe_secret_echo";
    let secret = "Echo-me-Zq7-42";
    let args = json!({"zone": zone, "secret": secret});
    let plan = plan_masks(&h, tool, &args, secret).await;
    let approval = plan["approval"].as_str().unwrap();
    assert!(
        approval.contains("Store «secret: secret» as a TXT record"),
        "the plugin's own words are masked too: {approval}"
    );
    assert_eq!(
        plan["changes"][0]["after"]["target"], "«secret: secret»",
        "{plan}"
    );
    let token = plan["confirmation_token"].clone();
    let writes = confirm_applies(&h, tool, &args, token, secret).await;
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(
        writes[0].body.as_ref().unwrap()["target"],
        secret,
        "the pinned body went out with the real value"
    );
    audit_holds_no(&h, tool, secret);

    let refused = h
        .err(tool, json!({"zone": zone, "secret": secret, "fail": true}))
        .await;
    never_in("the plugin's error", &refused.to_string(), secret);
    assert_eq!(
        refused["error"]["message"], "the value «secret: secret» is refused",
        "{refused}"
    );
    let raw = std::fs::read_to_string(h.audit_path()).unwrap();
    never_in("the audit log file", &raw, secret);
}
