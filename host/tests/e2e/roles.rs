//! Plugin identity, role grants, start-up credentials and sandbox mode through the real
//! binary: what a component is named, hashed and granted decides what it may do, not
//! what it says about itself.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::json;

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
