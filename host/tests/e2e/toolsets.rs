//! Toolsets and dynamic discovery through the real binary: operators choose toolsets,
//! sessions in dynamic mode start small and enable toolsets (with `list_changed` in both
//! protocol eras), enabling never widens policy, and the surface stays within budget.

use std::sync::atomic::Ordering;
use std::time::Duration;

use rmcp::model::{ServerNotification, SubscriptionFilter, Tool};
use serde_json::{Value, json};

use crate::dns::largest_zone;
use crate::harness::{Harness, Options, run_cli};
use crate::hostile::plugin_dir;

const LIST: &str = "infomaniak_list_toolsets";
const ENABLE: &str = "infomaniak_enable_toolset";
const BUILTINS: &[&str] = &[
    "infomaniak_help",
    "infomaniak_tool_catalog",
    "infomaniak_explain",
    "infomaniak_audit_log_tail",
    "infomaniak_audit_log_search",
];
/// Average model-visible tokens per tool the default mode may spend: the project's budget.
const AVERAGE_BUDGET: usize = 100;
/// Any one tool (a record creation with its type enum needs more than a listing).
const TOOL_CEILING: usize = 300;
/// Dynamic mode's first `tools/list`, whatever the number of plugins.
const DYNAMIC_FIRST_LIST_BUDGET: usize = 3000;

fn names(tools: &[Tool]) -> Vec<String> {
    tools.iter().map(|t| t.name.to_string()).collect()
}

/// What the model reads of a tool: `{name, description, inputSchema}`, in tokens (bytes/4).
/// Name + description + input schema, bytes / 4: the measure `make bench` reports.
fn visible_tokens(tool: &Tool) -> usize {
    let input = Value::Object((*tool.input_schema).clone()).to_string();
    (tool.name.len() + tool.description.as_deref().map_or(0, str::len) + input.len()).div_ceil(4)
}

fn dynamic(extra_env: &[(&str, &str)], config: &str, discover: bool) -> Options {
    let mut env = vec![("IKMCP_DYNAMIC_TOOLSETS".to_string(), "1".to_string())];
    env.extend(
        extra_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    Options {
        env,
        config: config.into(),
        discover,
        ..Options::default()
    }
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn the_default_surface_is_within_budget_and_portable() {
    let h = Harness::start(Options::default()).await;
    let tools = h.tools().await;
    assert!(tools.len() > BUILTINS.len(), "{:?}", names(&tools));
    let mut total = 0;
    for tool in &tools {
        let tokens = visible_tokens(tool);
        total += tokens;
        assert!(
            tokens <= TOOL_CEILING,
            "{} costs {tokens} tokens model-visible",
            tool.name
        );
        let input = Value::Object((*tool.input_schema).clone()).to_string();
        for loose in [r#""format":"#, r#""$schema":"#, r#""type":["#, r#""$ref":"#] {
            assert!(!input.contains(loose), "{}: {loose} in {input}", tool.name);
        }
        if let Some(output) = &tool.output_schema {
            let output = Value::Object((**output).clone()).to_string();
            assert!(!output.contains(r#""type":["#), "{}: {output}", tool.name);
        }
    }
    let average = total.div_ceil(tools.len());
    assert!(
        average <= AVERAGE_BUDGET,
        "{average} tokens per tool on average over {} tools",
        tools.len()
    );
    let create = tools
        .iter()
        .find(|t| t.name == "infomaniak_dns_create_record")
        .expect("create tool");
    let description = create.description.as_deref().unwrap_or_default();
    assert_eq!(
        description.matches("confirmation_token").count(),
        1,
        "the two-phase contract is said once, by the host: {description}"
    );
}

#[tokio::test]
async fn operators_choose_toolsets_and_unknown_names_stop_the_start() {
    let h = Harness::start(Options {
        env: vec![("IKMCP_TOOLSETS".into(), "dns".into())],
        ..Options::default()
    })
    .await;
    let all = names(&h.tools().await);
    assert!(all.iter().any(|n| n == "infomaniak_dns_list_records"));
    let catalog = h.ok("infomaniak_tool_catalog", json!({})).await;
    let toolsets: Vec<&str> = catalog["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["toolset"].as_str())
        .collect();
    assert!(
        !toolsets.is_empty() && toolsets.iter().all(|t| *t == "dns"),
        "{catalog}"
    );

    let dir = tempfile::tempdir().unwrap();
    let (code, _out, err) = run_cli(
        dir.path(),
        &["serve", "--sandbox", "--toolsets", "dns,nosuch"],
        &[],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown toolset \"nosuch\""), "{err}");
    assert!(
        err.contains("known toolsets:") && err.contains("dns"),
        "{err}"
    );
    let (code, _out, err) = run_cli(
        dir.path(),
        &["serve", "--sandbox"],
        &[("IKMCP_TOOLSETS", "nope")],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown toolset \"nope\""), "{err}");
}

/// The `dns` entry of a toolset listing (other plugins' toolsets sort around it).
fn dns_toolset(listed: &Value) -> &Value {
    listed["toolsets"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "dns"))
        .unwrap_or_else(|| panic!("no dns toolset: {listed}"))
}

/// 2025-11-25 (`initialize`): the first list is small, enabling adds the toolset's tools and
/// sends `notifications/tools/list_changed`, and a tool is callable by name right away.
#[tokio::test]
async fn dynamic_mode_enables_toolsets_and_notifies_on_initialize_sessions() {
    let h = Harness::start(dynamic(&[], "", false)).await;
    let first = h.tools().await;
    let mut expected: Vec<String> = BUILTINS.iter().map(|s| s.to_string()).collect();
    expected.extend([LIST.to_string(), ENABLE.to_string()]);
    assert_eq!(names(&first), expected);
    let first_list_tokens = serde_json::to_string(&first).unwrap().len().div_ceil(4);
    assert!(
        first_list_tokens <= DYNAMIC_FIRST_LIST_BUDGET,
        "first tools/list costs {first_list_tokens} tokens"
    );

    let refused = h
        .err(
            "infomaniak_dns_list_records",
            json!({"zone": "example.com"}),
        )
        .await;
    assert_eq!(refused["error"]["code"], "toolset_not_enabled", "{refused}");
    assert!(
        refused["error"]["hint"].as_str().unwrap().contains(ENABLE),
        "{refused}"
    );

    let listed = h.ok(LIST, json!({})).await;
    assert_eq!(dns_toolset(&listed)["enabled"], false, "{listed}");

    let before = h.handler.list_changed.load(Ordering::SeqCst);
    let enabled = h.ok(ENABLE, json!({"toolsets": ["dns"]})).await;
    assert_eq!(enabled["enabled"], json!(["dns"]));
    let added: Vec<&str> = enabled["added_tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(added.contains(&"infomaniak_dns_create_record"), "{enabled}");

    // A client that ignores list changes calls the tool by name without listing again.
    let domains = h.ok("infomaniak_list_domains", json!({})).await;
    assert!(domains.to_string().contains("domain"), "{domains}");

    wait_for("tools/list_changed", || {
        h.handler.list_changed.load(Ordering::SeqCst) > before
    })
    .await;
    let now = names(&h.tools().await);
    for tool in &added {
        assert!(now.iter().any(|n| n == tool), "{tool} not listed: {now:?}");
    }
    let listed = h.ok(LIST, json!({})).await;
    assert_eq!(dns_toolset(&listed)["enabled"], true, "{listed}");

    // Enabling it again changes nothing and notifies nobody.
    let count = h.handler.list_changed.load(Ordering::SeqCst);
    let again = h.ok(ENABLE, json!({"toolsets": ["dns"]})).await;
    assert_eq!(again["added_tools"], json!([]));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.handler.list_changed.load(Ordering::SeqCst), count);
}

/// 2026-07-28 (`server/discover`): the notification goes to the session's
/// `subscriptions/listen` stream.
#[tokio::test]
async fn dynamic_mode_notifies_subscribers_on_discover_sessions() {
    let h = Harness::start(dynamic(&[], "", true)).await;
    assert!(
        names(&h.tools().await)
            .iter()
            .all(|n| n.starts_with("infomaniak_")
                && (BUILTINS.contains(&n.as_str()) || n == LIST || n == ENABLE))
    );
    let mut subscription = h
        .client
        .peer()
        .listen(SubscriptionFilter::builder().tools_list_changed().build())
        .await
        .expect("subscriptions/listen is accepted");
    assert_eq!(
        subscription.acknowledged().tools_list_changed,
        Some(true),
        "tool list changes are offered in dynamic mode"
    );
    h.ok(ENABLE, json!({"toolsets": ["dns"]})).await;
    let note = tokio::time::timeout(Duration::from_secs(5), subscription.next())
        .await
        .expect("a notification within 5 s")
        .expect("the stream is open")
        .expect("a notification");
    assert!(
        matches!(note, ServerNotification::ToolListChangedNotification(_)),
        "{note:?}"
    );
    let listed = names(&h.tools().await);
    assert!(
        listed.iter().any(|n| n == "infomaniak_dns_delete_record"),
        "{listed:?}"
    );
    h.ok(
        "infomaniak_dns_list_records",
        json!({"zone": largest_zone(&h).await.0}),
    )
    .await;
}

/// Enabling reveals, it never widens policy: a toolset the operator left out cannot be
/// enabled, and a denied or read-only-hidden tool stays out after its toolset is enabled.
#[tokio::test]
async fn enabling_never_widens_policy() {
    let hostile = plugin_dir("ikmcp_test_plugin_hostile.wasm");
    let config = format!(
        "read_only = true\n[plugins]\ndirs = [{:?}]\n[tools]\ntoolsets = [\"dns\"]\ndeny = [\"infomaniak_get_domain\"]\n",
        hostile.path()
    );
    let h = Harness::start(dynamic(&[], &config, false)).await;
    let listed = h.ok(LIST, json!({})).await;
    let sets: Vec<&str> = listed["toolsets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(sets, ["dns"], "{listed}");
    let refused = h.err(ENABLE, json!({"toolsets": ["hostile"]})).await;
    assert_eq!(refused["error"]["code"], "unknown_toolset", "{refused}");
    assert!(
        refused["error"]["hint"].as_str().unwrap().contains("dns"),
        "{refused}"
    );
    let bad = h.err(ENABLE, json!({"toolsets": []})).await;
    assert_eq!(bad["error"]["kind"], "invalid_args", "{bad}");

    h.ok(ENABLE, json!({"toolsets": ["dns"]})).await;
    let now = names(&h.tools().await);
    for hidden in [
        "infomaniak_get_domain",
        "infomaniak_dns_create_record",
        "hostile_echo",
    ] {
        assert!(!now.iter().any(|n| n == hidden), "{hidden} listed: {now:?}");
    }
    assert!(now.iter().any(|n| n == "infomaniak_dns_list_records"));
    let call = h
        .client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("hostile_echo")
                .with_arguments(json!({"text": "x"}).as_object().cloned().unwrap()),
        )
        .await;
    assert!(
        call.is_err(),
        "a tool outside the offered toolsets is unknown"
    );
}

/// `infomaniak_help` finds a tool from a keyword its plugin declares that its name and
/// description lack (the host has no DNS word list).
#[tokio::test]
async fn help_matches_the_keywords_plugins_declare() {
    let h = Harness::start(Options::default()).await;
    let best = |v: &Value| {
        v["matches"][0]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let whois = h
        .ok("infomaniak_help", json!({"intent": "whois of my domain"}))
        .await;
    assert_eq!(best(&whois), "infomaniak_get_domain", "{whois}");
    assert!(whois["matches"][0]["matched"].to_string().contains("whois"));
    let dkim = h
        .ok("infomaniak_help", json!({"intent": "add a DKIM key"}))
        .await;
    assert_eq!(best(&dkim), "infomaniak_dns_create_record", "{dkim}");
}

/// The command-line flags: `serve --sandbox --toolsets dns --dynamic-toolsets --read-only`
/// starts small, offers only dns, and enabling it reveals no write tool.
#[tokio::test]
async fn serve_flags_choose_toolsets_dynamic_mode_and_read_only() {
    use rmcp::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = crate::harness::base_command(dir.path());
    cmd.args([
        "serve",
        "--sandbox",
        "--toolsets",
        "dns",
        "--dynamic-toolsets",
        "--read-only",
    ]);
    let (transport, _) = rmcp::transport::TokioChildProcess::builder(cmd)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ikmcp starts");
    let client = ().serve(transport).await.expect("initialize succeeds");
    let first = names(&client.list_all_tools().await.unwrap());
    assert!(first.iter().any(|n| n == ENABLE), "{first:?}");
    assert!(!first.iter().any(|n| n.contains("_dns_")), "{first:?}");
    let enabled = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new(ENABLE)
                .with_arguments(json!({"toolsets": ["dns"]}).as_object().cloned().unwrap()),
        )
        .await
        .expect("tools/call");
    assert_ne!(enabled.is_error, Some(true), "{enabled:?}");
    let tools = client.list_all_tools().await.unwrap();
    assert!(
        tools
            .iter()
            .any(|t| t.name == "infomaniak_dns_list_records")
    );
    for tool in &tools {
        let read_only = tool.annotations.as_ref().and_then(|a| a.read_only_hint);
        assert_eq!(
            read_only,
            Some(true),
            "{} offered in read-only mode",
            tool.name
        );
    }
    let _ = client.cancel().await;
}
