//! The command line as an operator uses it: help, missing token, plugin listing, pins,
//! bad configuration, and sandbox mode.

use std::process::Stdio;

use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use crate::harness::{base_command, run_cli};

#[tokio::test]
async fn help_documents_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run_cli(dir.path(), &["--help"], &[]).await;
    assert_eq!(code, 0);
    for word in ["serve", "plugins", "audit", "--config"] {
        assert!(out.contains(word), "--help mentions {word}: {out}");
    }
    let (_, out, _) = run_cli(dir.path(), &["audit", "--help"], &[]).await;
    assert!(out.contains("tail") && out.contains("verify"), "{out}");
    let (_, out, _) = run_cli(dir.path(), &["serve", "--help"], &[]).await;
    assert!(
        out.contains("--sandbox") && out.contains("--scale"),
        "{out}"
    );
}

#[tokio::test]
async fn a_missing_token_names_the_variable_and_where_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run_cli(dir.path(), &["serve"], &[]).await;
    assert_eq!(code, 2);
    assert!(err.contains("INFOMANIAK_API_TOKEN"), "{err}");
    assert!(err.contains("manager.infomaniak.com"), "{err}");
    assert!(err.contains("--sandbox"), "{err}");
}

#[tokio::test]
async fn plugins_list_shows_ids_versions_tools_and_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_cli(dir.path(), &["plugins", "list", "--json"], &[]).await;
    assert_eq!(code, 0, "{err}");
    let list: Value = serde_json::from_str(&out).unwrap();
    let dns = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "dns")
        .expect("dns plugin found with no configuration");
    assert_eq!(dns["sha256"].as_str().unwrap().len(), 64);
    assert!(
        dns["tools"]
            .as_array()
            .unwrap()
            .contains(&json!("infomaniak_dns_list_records"))
    );
    assert!(
        !out.contains("hostile"),
        "test components are never picked up by default"
    );
}

#[tokio::test]
async fn a_pin_mismatch_refuses_to_load() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        format!("[plugins.sha256]\ndns = \"{}\"\n", "0".repeat(64)),
    )
    .unwrap();
    let (code, _, err) = run_cli(
        dir.path(),
        &["--config", config.to_str().unwrap(), "plugins", "list"],
        &[],
    )
    .await;
    assert_eq!(code, 2);
    assert!(err.contains("pins") && err.contains("refusing"), "{err}");
}

#[tokio::test]
async fn a_bad_config_file_is_reported_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[limits]\nmemory_mb = \"lots\"\n").unwrap();
    let (code, _, err) = run_cli(
        dir.path(),
        &["--config", config.to_str().unwrap(), "plugins", "list"],
        &[],
    )
    .await;
    assert_eq!(code, 2);
    assert!(err.contains("c.toml") && err.contains("memory_mb"), "{err}");
}

#[tokio::test]
async fn sandbox_mode_serves_every_tool_without_an_account() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = base_command(dir.path());
    cmd.args(["serve", "--sandbox", "--seed", "7"]);
    let (transport, stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = ().serve(transport).await.expect("initialize");
    let tools = client.list_all_tools().await.unwrap();
    assert!(
        tools
            .iter()
            .any(|t| t.name == "infomaniak_dns_list_records")
    );
    let domains = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("infomaniak_list_domains")
                .with_arguments(Default::default()),
        )
        .await
        .unwrap();
    assert_ne!(domains.is_error, Some(true));
    assert!(
        !domains.structured_content.unwrap()["domains"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    client.cancel().await.unwrap();
    let mut banner = String::new();
    stderr.unwrap().read_to_string(&mut banner).await.unwrap();
    assert!(banner.contains("SANDBOX MODE"), "{banner}");
}
