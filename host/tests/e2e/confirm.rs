//! In-protocol confirmation and progress: clients that can ask their user get the plan as
//! a confirmation request (elicitation on 2025-11-25, `input_required` on 2026-07-28);
//! long audits report progress.

use rmcp::model::{
    CallToolRequestParams, ElicitationAction, NumberOrString, ProgressToken, RequestMetaObject,
};
use serde_json::json;

use crate::dns::first_zone;
use crate::harness::{Harness, Options, Scale};

async fn create(h: &Harness, source: &str) -> serde_json::Value {
    let zone = first_zone(h).await;
    h.ok(
        "infomaniak_dns_create_record",
        json!({"zone": zone, "source": source, "type": "A", "target": "192.0.2.77", "ttl": 300}),
    )
    .await
}

#[tokio::test]
async fn an_approving_user_confirms_through_elicitation() {
    let h = Harness::start(Options {
        elicitation: Some(ElicitationAction::Accept),
        ..Options::default()
    })
    .await;
    let out = create(&h, "elicited").await;
    assert_eq!(
        out["status"], "applied",
        "one call, confirmed by the user in-protocol: {out}"
    );
    let asked = h.handler.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains("192.0.2.77"),
        "the user saw the plan: {}",
        asked[0]
    );
    assert_eq!(h.writes().len(), 1);
    let phases: Vec<String> = h
        .audit_lines()
        .iter()
        .map(|l| l["phase"].as_str().unwrap().to_string())
        .collect();
    assert!(
        phases.contains(&"apply_attempt".to_string()) && phases.contains(&"applied".to_string()),
        "{phases:?}"
    );
}

#[tokio::test]
async fn a_declining_user_changes_nothing() {
    let h = Harness::start(Options {
        elicitation: Some(ElicitationAction::Decline),
        ..Options::default()
    })
    .await;
    let out = create(&h, "declined").await;
    assert_eq!(out["status"], "declined", "{out}");
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn the_2026_era_confirms_with_an_input_required_round_trip() {
    let h = Harness::start(Options {
        discover: true,
        elicitation: Some(ElicitationAction::Accept),
        ..Options::default()
    })
    .await;
    let out = create(&h, "mrtr").await;
    assert_eq!(out["status"], "applied", "{out}");
    assert_eq!(h.handler.asked.lock().unwrap().len(), 1);
    assert_eq!(h.writes().len(), 1);
}

#[tokio::test]
async fn the_cross_zone_audit_reports_progress() {
    let h = Harness::start(Options {
        scale: Scale::Fleet,
        ..Options::default()
    })
    .await;
    // rmcp's client replaces this with a token of its own for every request.
    let meta = RequestMetaObject::with_progress_token(ProgressToken(NumberOrString::Number(7)));
    let mut params = CallToolRequestParams::new("infomaniak_audit_dns_zones")
        .with_arguments(json!({"max_domains": 10}).as_object().cloned().unwrap());
    params.meta = Some(meta);
    let result = h.client.call_tool(params).await.unwrap();
    assert_ne!(result.is_error, Some(true), "{:?}", result.content);
    // Reports are coalesced (at most one notification per 100 ms, the latest kept), and
    // the last one is always delivered, shortly after the result.
    let finished =
        |p: &[rmcp::model::ProgressNotificationParam]| p.last().is_some_and(|l| l.progress == 10.0);
    for _ in 0..50 {
        if finished(&h.handler.progress.lock().unwrap()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let progress = h.handler.progress.lock().unwrap().clone();
    assert!(
        finished(&progress),
        "the final report arrives: {progress:?}"
    );
    assert!(
        progress.windows(2).all(|w| w[0].progress <= w[1].progress),
        "in order"
    );
    let token = &progress[0].progress_token;
    assert!(
        progress.iter().all(|p| &p.progress_token == token),
        "one token for the call"
    );
    let last = progress.last().unwrap();
    assert_eq!(last.total, Some(10.0), "{last:?}");
}
