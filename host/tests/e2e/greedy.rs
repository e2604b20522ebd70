//! Greedy plugins through the real binary (components built from WAT at test time, see
//! `tests/plugins/greedy`): a table bomb fails cleanly, a flood of progress reports reaches
//! the client as a handful of notifications, and the server keeps serving.

use rmcp::model::{CallToolRequestParams, NumberOrString, ProgressToken, RequestMetaObject};
use serde_json::json;

use crate::harness::{Harness, Options};

async fn greedy_harness() -> (Harness, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greedy.wasm");
    std::fs::write(
        &path,
        ikmcp_test_plugin_greedy::table_and_progress().expect("the greedy component builds"),
    )
    .unwrap();
    // A generous CPU deadline: the flood must be stopped by the forwarder, not the clock.
    let config = format!(
        "[plugins]\nextra = [{path:?}]\n[limits]\ncall_timeout_seconds = 60\nmemory_mb = 32\n"
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

/// Finding 4, end to end.
#[tokio::test]
async fn a_table_bomb_fails_cleanly_and_the_server_keeps_serving() {
    let (h, _dir) = greedy_harness().await;
    let err = h.err("greedy_table", json!({})).await;
    assert_eq!(err["error"]["code"], "plugin_table_limit", "{err}");
    assert_eq!(err["error"]["kind"], "sandbox", "{err}");
    assert_eq!(h.ok("greedy_ok", json!({})).await, json!({"ok": true}));
    h.ok("infomaniak_list_domains", json!({})).await;
}

/// Finding 11: every `progress.report` became a notification in an unbounded queue, so a
/// plugin could flood the host's memory and the client.
#[tokio::test]
async fn a_progress_flood_reaches_the_client_as_a_few_notifications() {
    let (h, _dir) = greedy_harness().await;
    let reports = ikmcp_test_plugin_greedy::PROGRESS_REPORTS;
    let mut params =
        CallToolRequestParams::new("greedy_progress").with_arguments(serde_json::Map::new());
    params.meta = Some(RequestMetaObject::with_progress_token(ProgressToken(
        NumberOrString::Number(9),
    )));
    let result = h.client.call_tool(params).await.unwrap();
    assert_ne!(result.is_error, Some(true), "{:?}", result.content);
    assert_eq!(
        result.structured_content.unwrap()["reported"],
        json!(reports)
    );
    let last = f64::from(reports - 1);
    for _ in 0..50 {
        if h.handler
            .progress
            .lock()
            .unwrap()
            .last()
            .is_some_and(|p| p.progress == last)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let progress = h.handler.progress.lock().unwrap().clone();
    assert_eq!(
        progress.last().map(|p| p.progress),
        Some(last),
        "the latest report is delivered"
    );
    assert!(
        progress.len() < 200,
        "{} notifications for {reports} reports",
        progress.len()
    );
    h.ok("greedy_ok", json!({})).await;
}
