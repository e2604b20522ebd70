//! Hostile plugins through the real binary, gateway and tenant: every misbehaviour is
//! contained, denied writes never reach the tenant and are audited, and the server keeps
//! serving the other plugins.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::harness::{Harness, Options, ikmcp_bin, run_cli};

/// `<target>/wasm32-wasip2/guest`, beside the binary's `<target>/debug`.
pub fn guest_dir() -> PathBuf {
    PathBuf::from(ikmcp_bin())
        .parent()
        .and_then(|p| p.parent())
        .expect("target dir")
        .join("wasm32-wasip2/guest")
}

/// A directory holding only the named test component.
/// A directory holding only the named test component, as `<id>.wasm`: a plugin file is
/// named after the plugin id it declares (README: Plugins).
pub fn plugin_dir_as(file: &str, id: &str) -> tempfile::TempDir {
    let dir = plugin_dir(file);
    std::fs::rename(dir.path().join(file), dir.path().join(format!("{id}.wasm"))).unwrap();
    dir
}

pub fn plugin_dir(file: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = guest_dir().join(file);
    assert!(
        from.exists(),
        "{} missing: run `make test-plugins`",
        from.display()
    );
    std::fs::copy(&from, dir.path().join(file)).unwrap();
    dir
}

/// A server with the DNS plugin plus the named test component (installed as `<id>.wasm`
/// and granted `infomaniak-api`), default limits.
pub async fn with_component(file: &str, id: &str) -> (Harness, tempfile::TempDir) {
    with_component_and(file, id, "").await
}

/// [`with_component`] with more configuration after the plugin sections (e.g. `[limits]`).
async fn with_component_and(
    file: &str,
    id: &str,
    extra_config: &str,
) -> (Harness, tempfile::TempDir) {
    let dir = plugin_dir_as(file, id);
    let config = format!(
        "[plugins]\ndirs = [{:?}]\n[plugins.roles]\n{id} = [\"infomaniak-api\"]\n{extra_config}",
        dir.path()
    );
    (
        Harness::start(Options {
            config,
            ..Options::default()
        })
        .await,
        dir,
    )
}

/// The hostile component with tight limits, so its bombs trip them fast.
async fn hostile_harness() -> (Harness, tempfile::TempDir) {
    with_component_and(
        "ikmcp_test_plugin_hostile.wasm",
        "hostile",
        "[limits]\ncall_timeout_seconds = 1\nmemory_mb = 32\nmax_output_kb = 1024\n",
    )
    .await
}

/// The DNS plugin and the hostile one's echo both still answer.
async fn still_serving(h: &Harness) {
    let echo = h.ok("hostile_echo", json!({"text": "still here"})).await;
    assert!(echo.to_string().contains("still here"), "{echo}");
    h.ok("infomaniak_list_domains", json!({})).await;
}

fn denied_lines(h: &Harness, tool: &str) -> Vec<Value> {
    h.audit_lines()
        .into_iter()
        .filter(|l| l["phase"] == "denied" && l["tool"] == tool)
        .collect()
}

#[tokio::test]
async fn a_write_during_a_read_tool_is_denied_audited_and_never_sent() {
    let (h, _dir) = hostile_harness().await;
    let out = h.ok("hostile_write_during_read", json!({})).await;
    assert!(
        out["post"]["error"].as_str().unwrap().starts_with("denied"),
        "{out}"
    );
    assert!(
        h.writes().is_empty(),
        "nothing reached the tenant: {:?}",
        h.writes()
    );
    let denied = denied_lines(&h, "hostile_write_during_read");
    assert_eq!(denied.len(), 1, "{:?}", h.audit_lines());
    assert_eq!(denied[0]["upstream"][0]["method"], "POST");
    still_serving(&h).await;
}

#[tokio::test]
async fn an_apply_can_only_perform_the_planned_effects() {
    let (h, _dir) = hostile_harness().await;
    let plan = h.ok("hostile_write_outside_plan", json!({})).await;
    assert_eq!(plan["status"], "plan");
    assert!(h.writes().is_empty(), "planning wrote nothing");
    let applied = h
        .ok(
            "hostile_write_outside_plan",
            json!({"confirmation_token": plan["confirmation_token"]}),
        )
        .await;
    let result = &applied["result"];
    assert!(
        result["declared_delete"]["ok"].is_object(),
        "the declared write went through: {result}"
    );
    assert!(
        result["extra_delete"]["error"]
            .as_str()
            .unwrap()
            .starts_with("denied"),
        "{result}"
    );
    assert!(
        result["extra_post"]["error"]
            .as_str()
            .unwrap()
            .starts_with("denied"),
        "{result}"
    );
    let writes = h.writes();
    assert_eq!(
        writes.len(),
        1,
        "only the planned effect reached the tenant: {writes:?}"
    );
    assert_eq!(
        (writes[0].method.as_str(), writes[0].path.as_str()),
        ("DELETE", "/2/zones/example.com/records/1")
    );
    let denied = denied_lines(&h, "hostile_write_outside_plan");
    assert_eq!(denied.len(), 1);
    assert_eq!(
        denied[0]["upstream"].as_array().unwrap().len(),
        2,
        "both extra writes audited: {}",
        denied[0]
    );
    still_serving(&h).await;
}

#[tokio::test]
async fn a_plugin_cannot_use_its_own_credentials_or_an_ungranted_role() {
    let (h, _dir) = hostile_harness().await;
    let out = h.ok("hostile_auth_header", json!({})).await;
    let answer = &out["get"]["ok"];
    assert!(
        answer.is_object(),
        "the request went out with the host's credential: {out}"
    );
    assert_ne!(
        answer["status"], 401,
        "the plugin's fake Authorization did not replace the host's: {out}"
    );
    let headers = answer["headers"].to_string().to_lowercase();
    assert!(!headers.contains("set-cookie"), "{headers}");
    let last = h.sim.requests().into_iter().last().unwrap();
    assert!(last.token.is_some(), "the tenant saw the host's token");

    let out = h.ok("hostile_foreign_role", json!({})).await;
    assert!(
        out["get"]["error"].as_str().unwrap().starts_with("denied"),
        "{out}"
    );
    assert!(!denied_lines(&h, "hostile_foreign_role").is_empty());
    still_serving(&h).await;
}

#[tokio::test]
async fn runaway_plugins_are_stopped_and_the_server_keeps_serving() {
    let (h, _dir) = hostile_harness().await;
    for (tool, args, code) in [
        ("hostile_spin", json!({}), "plugin_timeout"),
        ("hostile_memory_bomb", json!({}), "plugin_memory_limit"),
        (
            "hostile_huge_output",
            json!({"mib": 8}),
            "plugin_output_too_large",
        ),
        ("hostile_panic", json!({}), "plugin_crashed"),
    ] {
        let err = h.err(tool, args).await;
        assert_eq!(err["error"]["kind"], "sandbox", "{tool}: {err}");
        assert_eq!(err["error"]["code"], code, "{tool}: {err}");
        assert!(err["error"]["hint"].is_string(), "{tool}: {err}");
        still_serving(&h).await;
    }
    let failed: Vec<_> = h
        .audit_lines()
        .into_iter()
        .filter(|l| l["phase"] == "failed")
        .collect();
    assert_eq!(failed.len(), 4, "each stop is audited as failed");
}

#[tokio::test]
async fn plugin_stdout_never_reaches_the_mcp_stream() {
    let (h, _dir) = hostile_harness().await;
    // A corrupted stdout would break the JSON-RPC stream and every later call.
    h.ok("hostile_stdio", json!({})).await;
    still_serving(&h).await;
}

#[tokio::test]
async fn a_component_with_a_forbidden_import_is_refused_at_load() {
    let plugins = plugin_dir("ikmcp_test_plugin_forbidden_import.wasm");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        format!("[plugins]\ndirs = [{:?}]\n", plugins.path()),
    )
    .unwrap();
    let (code, _, err) = run_cli(
        dir.path(),
        &["--config", config.to_str().unwrap(), "plugins", "list"],
        &[],
    )
    .await;
    assert_eq!(code, 2);
    assert!(
        err.contains("wasi:filesystem"),
        "the import is named: {err}"
    );
    assert!(
        err.contains("ikmcp_test_plugin_forbidden_import.wasm"),
        "the file is named: {err}"
    );
}
