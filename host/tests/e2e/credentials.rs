//! Credentials of optional roles and the manager session, through the real binary and the
//! sandbox tenant: a granted role without its credential does not stop the start but
//! every request on it is refused before leaving the host, with the operator's advice as
//! the tool's error; an expired manager session (HTML login page with 200, 401, 419) is
//! one clear error and its page never reaches the plugin.

use ikmcp_sim::{Faults, Sim, SimConfig, SimHandle};
use serde_json::{Value, json};

use crate::roles::{call, roles_server};

async fn tenant() -> SimHandle {
    Sim::start(SimConfig {
        seed: 42,
        ..SimConfig::default()
    })
    .await
    .expect("sandbox tenant starts")
}

/// The audit log of a server started by `roles_server` (in its temp dir).
fn audit(dir: &tempfile::TempDir) -> Vec<Value> {
    std::fs::read_to_string(dir.path().join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The upstream records of every audit line whose outcome is `unauthenticated`.
fn unauthenticated(lines: &[Value]) -> Vec<(String, Value)> {
    lines
        .iter()
        .flat_map(|l| {
            let phase = l["phase"].as_str().unwrap_or_default().to_owned();
            l["upstream"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r["outcome"]["kind"] == "unauthenticated")
                .map(move |r| (phase.clone(), r))
        })
        .collect()
}

fn manager_requests(sim: &SimHandle) -> Vec<ikmcp_sim::RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.upstream == "manager")
        .collect()
}

#[tokio::test]
async fn a_role_without_its_credential_does_not_stop_the_start_and_is_refused_with_advice() {
    let sim = tenant().await;
    let team = format!(
        "[roles.team-api]\nbase_url = \"{}\"\nauth = {{ type = \"bearer\", token_env = \"TEAM_TOKEN\" }}\n",
        sim.api_url()
    );
    // The operator has a token for team-api but no manager session.
    let (client, logs, dir, _plugins) = roles_server(
        "\"team-api\", \"infomaniak-manager\"",
        &team,
        &[
            ("TEAM_TOKEN", sim.token()),
            ("INFOMANIAK_MANAGER_URL", sim.manager_url()),
        ],
    )
    .await;

    let works = call(
        &client,
        "roles_get",
        json!({"role": "team-api", "path": "/1/accounts", "strict": true}),
    )
    .await;
    assert_eq!(works["ok"]["status"], 200, "the usable role works: {works}");

    let refused = call(
        &client,
        "roles_get",
        json!({"role": "infomaniak-manager", "path": "/proxy/1/accounts", "strict": true}),
    )
    .await;
    let error = &refused["error"];
    assert_eq!(error["code"], "credential_missing", "{refused}");
    assert_eq!(error["kind"], "denied", "{refused}");
    let message = error["message"].as_str().unwrap();
    for needle in [
        "infomaniak-manager",
        "INFOMANIAK_SASESSION is not set",
        "INFOMANIAK_XSRF_TOKEN is not set",
        "Log in at https://manager.infomaniak.com",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
    assert!(
        !message.contains("roles plugin could not reach"),
        "the host's advice, not the plugin's words: {message}"
    );

    // The plugin itself saw a denial carrying the same advice (no secret to see).
    let seen = call(
        &client,
        "roles_get",
        json!({"role": "infomaniak-manager", "path": "/proxy/1/accounts"}),
    )
    .await;
    let seen = seen["error"].as_str().unwrap();
    assert!(
        seen.starts_with("denied:") && seen.contains("INFOMANIAK_SASESSION"),
        "{seen}"
    );
    assert!(manager_requests(&sim).is_empty(), "nothing left the host");

    let lines = audit(&dir);
    let refusals = unauthenticated(&lines);
    assert!(
        refusals.iter().any(|(phase, r)| phase == "denied"
            && r["status"].is_null()
            && r["outcome"]["reason"]
                .as_str()
                .unwrap()
                .contains("INFOMANIAK_SASESSION")),
        "the audit log records the refusal: {refusals:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["phase"] == "failed" && l["error"]["code"] == "credential_missing"),
        "the failed call is audited with the host's error"
    );

    client.cancel().await.unwrap();
    let logs = logs.await.unwrap();
    assert_eq!(
        logs.matches("needs the upstream role infomaniak-manager")
            .count(),
        1,
        "reported once at start: {logs}"
    );
    assert!(logs.contains("INFOMANIAK_SASESSION"), "{logs}");
    assert!(!logs.contains(sim.token()), "no secret in the logs");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_expired_manager_session_is_one_clear_error_and_its_login_page_never_reaches_the_plugin()
{
    let sim = tenant().await;
    let session = sim.manager_session();
    let (client, logs, dir, _plugins) = roles_server(
        "\"infomaniak-manager\"",
        "",
        &[
            ("INFOMANIAK_MANAGER_URL", sim.manager_url()),
            ("INFOMANIAK_SASESSION", &session.sasession),
            ("INFOMANIAK_XSRF_TOKEN", &session.xsrf),
        ],
    )
    .await;
    let read = json!({"role": "infomaniak-manager", "path": "/proxy/1/accounts", "strict": true});
    let fresh = call(&client, "roles_get", read.clone()).await;
    assert_eq!(fresh["ok"]["status"], 200, "a live session reads: {fresh}");

    // A write carries the XSRF token: the tenant answers it past its CSRF check.
    let write = json!({"role": "infomaniak-manager", "path": "/proxy/1/xsrf-probe", "body": {"a": 1}, "strict": false});
    let plan = call(&client, "roles_post", write.clone()).await;
    let mut confirmed = write.clone();
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    call(&client, "roles_post", confirmed).await;
    let posted = manager_requests(&sim)
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the confirmed write reached the manager");
    assert_ne!(posted.status, 419, "X-XSRF-TOKEN was sent with the write");

    // The session expires: the manager answers its HTML login page with 200.
    sim.set_faults(Faults {
        manager_session_expired: true,
        ..Faults::default()
    })
    .unwrap();
    let expired = call(&client, "roles_get", read.clone()).await;
    let error = &expired["error"];
    assert_eq!(error["code"], "credential_expired", "{expired}");
    let message = error["message"].as_str().unwrap();
    for needle in [
        "login page",
        "INFOMANIAK_SASESSION",
        "INFOMANIAK_XSRF_TOKEN",
        "MANAGER-XSRF-TOKEN",
        "restart ikmcp",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
    assert!(!expired.to_string().contains("<form"), "{expired}");
    let seen = call(
        &client,
        "roles_get",
        json!({"role": "infomaniak-manager", "path": "/proxy/1/accounts"}),
    )
    .await;
    assert!(
        seen["error"].as_str().unwrap().starts_with("denied:")
            && !seen.to_string().contains("DOCTYPE"),
        "the plugin gets the advice, never the page as data: {seen}"
    );
    let refusals = unauthenticated(&audit(&dir));
    assert!(
        refusals.iter().any(|(_, r)| r["status"] == 200),
        "the audit log records the answered request as unauthenticated: {refusals:?}"
    );
    client.cancel().await.unwrap();
    let logs = logs.await.unwrap();
    assert!(!logs.contains(&session.sasession) && !logs.contains(&session.xsrf));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_stale_xsrf_token_419_stops_the_apply_with_the_same_advice() {
    let sim = tenant().await;
    let session = sim.manager_session();
    let (client, _logs, _dir, _plugins) = roles_server(
        "\"infomaniak-manager\"",
        "",
        &[
            ("INFOMANIAK_MANAGER_URL", sim.manager_url()),
            ("INFOMANIAK_SASESSION", &session.sasession),
            ("INFOMANIAK_XSRF_TOKEN", "stale-xsrf"),
        ],
    )
    .await;
    let write = json!({"role": "infomaniak-manager", "path": "/proxy/1/xsrf-probe", "body": {"a": 1}, "strict": true});
    let plan = call(&client, "roles_post", write.clone()).await;
    assert_eq!(plan["status"], "plan", "{plan}");
    let mut confirmed = write;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let failed = call(&client, "roles_post", confirmed).await;
    assert_eq!(failed["error"]["code"], "credential_expired", "{failed}");
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("419") && message.contains("INFOMANIAK_XSRF_TOKEN"),
        "{message}"
    );
    let posts: Vec<u16> = manager_requests(&sim)
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.status)
        .collect();
    assert_eq!(posts, [419], "sent once, refused by the manager");
    client.cancel().await.unwrap();
    sim.shutdown().await;
}
