//! Plugin identity, role grants, start-up credentials and sandbox mode through the real
//! binary: what a component is named, hashed and granted decides what it may do, not
//! what it says about itself.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::json;
use tokio::io::AsyncReadExt;

use crate::harness::{base_command, ikmcp_bin, run_cli};

/// `<target>/wasm32-wasip2/guest`, beside the binary's `<target>/debug`.
fn guest_dir() -> PathBuf {
    PathBuf::from(ikmcp_bin())
        .parent()
        .and_then(|p| p.parent())
        .expect("target dir")
        .join("wasm32-wasip2/guest")
}

/// Copies the built component `file` into `dir` as `name`.
fn install(dir: &Path, file: &str, name: &str) -> PathBuf {
    let from = guest_dir().join(file);
    assert!(
        from.exists(),
        "{} missing: run `make plugins test-plugins`",
        from.display()
    );
    let to = dir.join(name);
    std::fs::copy(&from, &to).unwrap();
    to
}

/// Appends a custom section to a component: still valid, same code, another hash.
fn rebuild_with_a_custom_section(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let name = b"rebuilt";
    let payload = b"by someone else";
    bytes.push(0); // custom section id
    bytes.push((1 + name.len() + payload.len()) as u8); // section size (LEB128, < 128)
    bytes.push(name.len() as u8);
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload);
    std::fs::write(path, bytes).unwrap();
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("c.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn plugins_list(dir: &Path, config: &Path) -> (i32, String, String) {
    run_cli(
        dir,
        &[
            "--config",
            config.to_str().unwrap(),
            "plugins",
            "list",
            "--json",
        ],
        &[],
    )
    .await
}

#[tokio::test]
async fn a_component_in_a_configured_dir_claiming_dns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    // The DNS plugin's own code, rebuilt by someone else: another hash, same id.
    let fake = install(plugins.path(), "ikmcp_plugin_dns.wasm", "dns.wasm");
    rebuild_with_a_custom_section(&fake);
    let config = write_config(
        dir.path(),
        &format!("[plugins]\ndirs = [{:?}]\n", plugins.path()),
    );
    let (code, _, err) = plugins_list(dir.path(), &config).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("two components declare the plugin id dns"),
        "{err}"
    );
    assert!(
        err.contains("dns.wasm") && err.contains("ikmcp_plugin_dns.wasm"),
        "{err}"
    );

    // The same with `dns` enabled explicitly: still refused, never silently replaced.
    let config = write_config(
        dir.path(),
        &format!(
            "[plugins]\nenabled = [\"dns\"]\ndirs = [{:?}]\n",
            plugins.path()
        ),
    );
    let (code, _, err) = plugins_list(dir.path(), &config).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("plugin id dns"), "{err}");
}

#[tokio::test]
async fn a_component_whose_name_does_not_claim_its_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    install(plugins.path(), "ikmcp_test_plugin_hostile.wasm", "dns.wasm");
    let config = write_config(
        dir.path(),
        &format!(
            "[plugins]\nenabled = [\"dns\"]\ndirs = [{:?}]\n",
            plugins.path()
        ),
    );
    let (code, _, err) = plugins_list(dir.path(), &config).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("declares the plugin id hostile, which its name does not claim"),
        "{err}"
    );
}

#[tokio::test]
async fn nothing_is_compiled_unless_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    // A component that fails at load if it is ever compiled.
    install(
        plugins.path(),
        "ikmcp_test_plugin_forbidden_import.wasm",
        "junk.wasm",
    );
    let config = write_config(
        dir.path(),
        &format!(
            "[plugins]\nenabled = [\"dns\"]\ndirs = [{:?}]\n",
            plugins.path()
        ),
    );
    let (code, out, err) = plugins_list(dir.path(), &config).await;
    assert_eq!(
        code, 0,
        "junk.wasm is not enabled, so never compiled: {err}"
    );
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let dns = &list[0];
    assert_eq!(dns["id"], "dns");
    assert_eq!(dns["first_party"], true, "listed by hash in SHA256SUMS");
    assert_eq!(dns["roles_granted"], json!(["infomaniak-api"]));
}

#[tokio::test]
async fn only_the_granted_roles_credentials_are_asked_for_and_grants_decide() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    install(
        plugins.path(),
        "ikmcp_test_plugin_hostile.wasm",
        "hostile.wasm",
    );
    // Only a third-party plugin, not granted any role: the server starts with no token
    // at all, and the plugin's upstream requests are refused as not granted.
    let config = write_config(
        dir.path(),
        &format!(
            "[plugins]\nenabled = [\"hostile\"]\ndirs = [{:?}]\n",
            plugins.path()
        ),
    );
    let mut cmd = base_command(dir.path());
    cmd.env("IKMCP_CONFIG", &config).arg("serve");
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = ().serve(transport).await.expect("starts without any token");
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "hostile_echo"));
    assert!(!tools.iter().any(|t| t.name.starts_with("infomaniak_dns")));
    let answer = client
        .call_tool(
            CallToolRequestParams::new("hostile_write_during_read")
                .with_arguments(Default::default()),
        )
        .await
        .unwrap();
    let text = format!("{:?}", answer.structured_content);
    assert!(
        text.contains("was not granted to plugin hostile"),
        "a role the plugin declares is not a role it gets: {text}"
    );
    client.cancel().await.unwrap();

    // Granting the role makes its credential required again.
    let config = write_config(
        dir.path(),
        &format!(
            "[plugins]\nenabled = [\"hostile\"]\ndirs = [{:?}]\n[plugins.roles]\nhostile = [\"infomaniak-api\"]\n",
            plugins.path()
        ),
    );
    let (code, _, err) = run_cli(
        dir.path(),
        &["--config", config.to_str().unwrap(), "serve"],
        &[],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("plugin hostile needs the upstream role infomaniak-api")
            && err.contains("INFOMANIAK_API_TOKEN"),
        "{err}"
    );
}

#[tokio::test]
async fn sandbox_mode_refuses_a_role_it_cannot_point_at_the_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "[roles.acme-api]\nbase_url = \"https://api.acme.example\"\nauth = { type = \"bearer\", token_env = \"ACME_TOKEN\" }\n",
    );
    let (code, _, err) = run_cli(
        dir.path(),
        &["--config", config.to_str().unwrap(), "serve", "--sandbox"],
        &[("ACME_TOKEN", "real-token")],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("acme-api") && err.contains("real service"),
        "{err}"
    );
    assert!(
        !err.contains("SANDBOX MODE"),
        "refused before the tenant starts"
    );
}

/// A loopback identity provider and API: `/token` issues `at-SECRET-<n>` (1 s lifetime) to
/// the right client, the API accepts issued, unrevoked tokens and echoes the
/// `Authorization` header it got (as a careless upstream might).
#[derive(Default)]
struct Idp {
    issued: Vec<String>,
    revoked: Vec<String>,
    api_saw: Vec<(String, String, Option<String>)>,
}

type SharedIdp = Arc<Mutex<Idp>>;

const CLIENT_ID: &str = "client-ID-7777";
const CLIENT_SECRET: &str = "client-SECRET-e2e-31415";

async fn idp_answer(
    State(idp): State<SharedIdp>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: String,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut idp = idp.lock().unwrap();
    if uri.path() == "/token" {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let basic = auth
            .as_deref()
            .and_then(|a| a.strip_prefix("Basic "))
            .map(str::to_owned);
        let client_ok = basic.is_some_and(|b| {
            // base64("client-ID-7777:client-SECRET-e2e-31415")
            b == "Y2xpZW50LUlELTc3Nzc6Y2xpZW50LVNFQ1JFVC1lMmUtMzE0MTU="
        });
        if !client_ok || !form.contains(&("grant_type".into(), "client_credentials".into())) {
            return (
                axum::http::StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "invalid_client"})),
            )
                .into_response();
        }
        let token = format!("at-SECRET-{}", idp.issued.len() + 1);
        idp.issued.push(token.clone());
        return axum::Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 1}))
            .into_response();
    }
    idp.api_saw
        .push((method.to_string(), uri.path().to_owned(), auth.clone()));
    let token = auth.as_deref().and_then(|a| a.strip_prefix("Bearer "));
    let valid = token
        .is_some_and(|t| idp.issued.iter().any(|i| i == t) && !idp.revoked.iter().any(|r| r == t));
    if valid {
        axum::Json(json!({"result": "success", "you_sent": auth})).into_response()
    } else {
        (
            axum::http::StatusCode::UNAUTHORIZED,
            axum::Json(json!({"result": "error"})),
        )
            .into_response()
    }
}

async fn start_idp() -> (url::Url, SharedIdp) {
    let idp: SharedIdp = Arc::default();
    let app = axum::Router::new()
        .fallback(idp_answer)
        .with_state(idp.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url::Url::parse(&format!("http://{addr}")).unwrap(), idp)
}

/// The roles test plugin from a configured directory, granted `granted`, with `roles`
/// TOML appended; `env` for the server. Returns the client, the server's stderr (read
/// all along, so the pipe never fills; complete once the server exits) and the temp dirs
/// (kept alive).
pub(crate) async fn roles_server(
    granted: &str,
    roles: &str,
    env: &[(&str, &str)],
) -> (
    rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tokio::task::JoinHandle<String>,
    tempfile::TempDir,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    install(plugins.path(), "ikmcp_test_plugin_roles.wasm", "roles.wasm");
    let config = write_config(
        dir.path(),
        &format!(
            "[plugins]\nenabled = [\"roles\"]\ndirs = [{:?}]\n[plugins.roles]\nroles = [{granted}]\n{roles}",
            plugins.path()
        ),
    );
    let mut cmd = base_command(dir.path());
    cmd.env("IKMCP_CONFIG", &config)
        .env("IKMCP_LOG", "debug")
        .arg("serve");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (transport, stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = stderr.unwrap();
    let logs = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let client = ().serve(transport).await.expect("the roles plugin's server starts");
    (client, logs, dir, plugins)
}

pub(crate) async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &str,
    args: serde_json::Value,
) -> serde_json::Value {
    let result = client
        .call_tool(
            CallToolRequestParams::new(tool.to_string())
                .with_arguments(args.as_object().cloned().unwrap_or_default()),
        )
        .await
        .unwrap();
    result.structured_content.unwrap_or(serde_json::Value::Null)
}

#[tokio::test]
async fn an_oauth_role_renews_its_token_on_expiry_and_on_401_and_never_shows_a_secret() {
    let (base, idp) = start_idp().await;
    let roles = format!(
        "[roles.idp-api]\nbase_url = \"{base}\"\nauth = {{ type = \"oauth2_client_credentials\", token_url = \"{base}token\", client_id_env = \"IDP_CLIENT_ID\", client_secret_env = \"IDP_CLIENT_SECRET\" }}\n"
    );
    let (client, logs, dir, _plugins) = roles_server(
        "\"idp-api\"",
        &roles,
        &[
            ("IDP_CLIENT_ID", CLIENT_ID),
            ("IDP_CLIENT_SECRET", CLIENT_SECRET),
        ],
    )
    .await;
    let get = json!({"role": "idp-api", "path": "/api/thing"});
    let first = call(&client, "roles_get", get.clone()).await;
    assert_eq!(first["ok"]["status"], 200, "{first}");
    let body = first["ok"]["body"].as_str().unwrap();
    assert!(
        body.contains("[REDACTED]") && !body.contains("at-SECRET"),
        "the echoed token is scrubbed: {body}"
    );
    call(&client, "roles_get", get.clone()).await;
    assert_eq!(idp.lock().unwrap().issued.len(), 1, "cached while valid");

    // Expiry: the 1 s token is renewed before use.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        call(&client, "roles_get", get.clone()).await["ok"]["status"],
        200
    );
    assert_eq!(idp.lock().unwrap().issued.len(), 2, "renewed on expiry");

    // A 401: the upstream revoked the token; the host renews it and sends the write once
    // more, through the two-phase path.
    idp.lock().unwrap().revoked.push("at-SECRET-2".into());
    let post = json!({"role": "idp-api", "path": "/api/things", "body": {"name": "x"}});
    let plan = call(&client, "roles_post", post.clone()).await;
    let token = plan["confirmation_token"]
        .as_str()
        .unwrap_or_else(|| panic!("a plan: {plan}"));
    let mut confirmed = post.clone();
    confirmed["confirmation_token"] = json!(token);
    let applied = call(&client, "roles_post", confirmed).await;
    assert_eq!(applied["status"], "applied", "{applied}");
    assert_eq!(applied["result"]["ok"]["status"], 200, "{applied}");
    {
        let idp = idp.lock().unwrap();
        let posts: Vec<_> = idp.api_saw.iter().filter(|(m, _, _)| m == "POST").collect();
        assert_eq!(
            posts.len(),
            2,
            "the refused POST and its one renewal: {posts:?}"
        );
        assert_eq!(
            posts[1].2.as_deref(),
            Some(format!("Bearer {}", idp.issued.last().unwrap()).as_str())
        );
    }
    client.cancel().await.unwrap();

    let logs = logs.await.unwrap();
    assert!(
        logs.contains("DEBUG"),
        "debug logging was on: {}",
        logs.len()
    );
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains("/api/things"), "the write is audited");
    for secret in [
        CLIENT_SECRET,
        "at-SECRET-1",
        "at-SECRET-2",
        "at-SECRET-3",
        "Y2xpZW50",
    ] {
        assert!(!audit.contains(secret), "{secret} in the audit log");
        assert!(!logs.contains(secret), "{secret} on stderr");
    }
}

#[tokio::test]
async fn a_team_placeholder_takes_one_dns_label_and_an_approved_write_keeps_its_team() {
    let (base, idp) = start_idp().await;
    let roles = format!(
        "[roles.team-api]\nbase_url = \"{base}teams/{{team}}\"\nauth = {{ type = \"none\" }}\n"
    );
    let (client, _stderr, dir, _plugins) = roles_server("\"team-api\"", &roles, &[]).await;
    for bad in ["a.b", "../x", "x@y"] {
        let out = call(
            &client,
            "roles_get",
            json!({"role": "team-api", "path": "/channels", "team": bad}),
        )
        .await;
        let error = out["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{bad:?} refused: {out}"));
        assert!(
            error.starts_with("invalid-request") && error.contains("not a DNS label"),
            "{bad:?}: {error}"
        );
    }
    let missing = call(
        &client,
        "roles_get",
        json!({"role": "team-api", "path": "/channels"}),
    )
    .await;
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .contains("needs the base param team"),
        "{missing}"
    );
    assert!(
        idp.lock().unwrap().api_saw.is_empty(),
        "nothing refused reached the upstream"
    );

    let ok = call(
        &client,
        "roles_get",
        json!({"role": "team-api", "path": "/channels", "team": "acme"}),
    )
    .await;
    assert!(ok.get("ok").is_some(), "{ok}");
    assert_eq!(idp.lock().unwrap().api_saw[0].1, "/teams/acme/channels");

    // A write approved for team acme that the plugin sends to team evil is refused.
    let post = json!({"role": "team-api", "path": "/posts", "team": "acme", "send_team": "evil", "body": {"m": 1}});
    let plan = call(&client, "roles_post", post.clone()).await;
    let token = plan["confirmation_token"]
        .as_str()
        .unwrap_or_else(|| panic!("a plan: {plan}"));
    assert!(
        plan["approval"]
            .as_str()
            .unwrap_or_default()
            .contains("/teams/acme/posts"),
        "the approval shows where the write goes, team included: {plan}"
    );
    let mut confirmed = post.clone();
    confirmed["confirmation_token"] = json!(token);
    let applied = call(&client, "roles_post", confirmed).await;
    let error = applied.to_string();
    assert!(
        error.contains("denied") && error.contains("not among the confirmed plan's effects"),
        "{applied}"
    );
    assert!(
        !idp.lock()
            .unwrap()
            .api_saw
            .iter()
            .any(|(m, _, _)| m == "POST"),
        "the write never left"
    );
    client.cancel().await.unwrap();
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains("\"denied\""), "the refused write is audited");
}
