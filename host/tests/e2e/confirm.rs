//! In-protocol confirmation and progress: clients that can ask their user get the plan as
//! a confirmation request (elicitation on 2025-11-25, `input_required` on 2026-07-28);
//! long audits report progress.

use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ElicitResult, ElicitationAction, InputResponses,
    NumberOrString, ProgressToken, RequestMetaObject,
};
use serde_json::json;

use crate::dns::first_zone;
use crate::guard::{an_a_record, approved_via};
use crate::harness::{Ask, Harness, Options, Scale};

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
    assert!(
        asked[0].starts_with(HEADING) && asked[0].contains("1. POST "),
        "the user saw the host's approval of every write: {}",
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
    assert_eq!(approved_via(&h), "in_protocol");
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
    assert!(!carries_a_token(&out.to_string()), "{out}");
    let refusal = h.audit_lines().into_iter().find(|l| l["phase"] == "denied");
    assert_eq!(
        refusal.as_ref().map(|l| l["error"]["code"].clone()),
        Some(json!("not_approved")),
        "the refusal is audited: {refusal:?}"
    );
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
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let progress = h.handler.progress.lock().unwrap().clone();
    assert!(
        progress.len() >= 10,
        "one report per zone at least: {}",
        progress.len()
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

/// The first line of every host-rendered approval.
const HEADING: &str = "APPROVAL REQUEST, rendered by the ikmcp host";

/// Whether `text` carries a confirmation token anywhere.
fn carries_a_token(text: &str) -> bool {
    text.contains("confirmation_token")
}

fn whole(result: &rmcp::model::CallToolResult) -> String {
    format!(
        "{}\n{}",
        crate::harness::text(result),
        result.structured_content.clone().unwrap_or_default()
    )
}

fn scripted(
    answer: impl Fn(usize) -> Result<ElicitResult, rmcp::ErrorData> + Send + Sync + 'static,
) -> Option<Ask> {
    let answer = Arc::new(answer);
    Some(Arc::new(move |n, _message| {
        let answer = answer.clone();
        Box::pin(async move { answer(n) })
    }))
}

fn accept(content: serde_json::Value) -> Result<ElicitResult, rmcp::ErrorData> {
    Ok(ElicitResult::new(ElicitationAction::Accept).with_content(content))
}

#[tokio::test]
async fn the_plan_shows_the_host_rendered_approval_of_every_write() {
    let h = Harness::start(Options::default()).await;
    let zone = first_zone(&h).await;
    let args =
        json!({"zone": zone, "source": "shown", "type": "TXT", "target": "v=shown", "ttl": 600});
    let result = h.call("infomaniak_dns_create_record", args).await;
    let plan = result.structured_content.clone().unwrap();
    let approval = plan["approval"]
        .as_str()
        .expect("the plan carries the approval");
    assert!(approval.starts_with(HEADING), "{approval}");
    let api = h.sim.api_url().trim_end_matches('/').to_string();
    assert!(
        approval.contains(&format!(
            "1. POST {api}/2/zones/{zone}/records (role infomaniak-api)"
        )),
        "the full URL the guard enforces: {approval}"
    );
    let body = plan["effects"][0]["body"].clone();
    assert!(
        approval.contains(&format!("body, exactly: {}", canonical(&body))),
        "the pinned body: {approval}"
    );
    assert!(
        approval.contains(&format!("  │ {}", plan["summary"].as_str().unwrap())),
        "the plugin's words, quoted: {approval}"
    );
    let text = crate::harness::text(&result);
    assert!(
        text.starts_with(approval),
        "the model reads the approval: {text}"
    );
    assert!(h.writes().is_empty());
}

/// Canonical JSON (sorted keys, no spaces), as the approval shows bodies.
fn canonical(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<_> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", json!(k), canonical(&map[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        other => other.to_string(),
    }
}

#[tokio::test]
async fn a_failed_confirmation_request_writes_nothing_and_hands_out_no_token() {
    let h = Harness::start(Options {
        ask: scripted(|_| Err(rmcp::ErrorData::internal_error("the dialog crashed", None))),
        ..Options::default()
    })
    .await;
    let zone = first_zone(&h).await;
    let result = h
        .call(
            "infomaniak_dns_create_record",
            json!({"zone": zone, "source": "crash", "type": "TXT", "target": "v=1", "ttl": 600}),
        )
        .await;
    assert_eq!(result.is_error, Some(true), "{}", whole(&result));
    let body = result.structured_content.clone().unwrap();
    assert_eq!(
        body["error"]["code"], "confirmation_request_failed",
        "{body}"
    );
    assert!(
        h.audit_lines()
            .iter()
            .any(|l| l["phase"] == "denied" && l["error"]["code"] == "confirmation_request_failed"),
        "the failed request is audited"
    );
    assert!(!carries_a_token(&whole(&result)), "{}", whole(&result));
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn only_an_explicit_approve_true_approves() {
    for content in [json!({}), json!({"approve": "yes"}), json!({"approve": 1})] {
        let sent = content.clone();
        let h = Harness::start(Options {
            ask: scripted(move |_| accept(sent.clone())),
            ..Options::default()
        })
        .await;
        let out = create(&h, "vague").await;
        assert_eq!(out["status"], "declined", "{content}: {out}");
        assert!(!carries_a_token(&out.to_string()), "{out}");
        assert!(h.writes().is_empty(), "{content} wrote");
    }
}

#[tokio::test]
async fn a_plan_gone_stale_goes_back_to_the_human_never_to_the_model() {
    stale_after_approval(false).await;
}

#[tokio::test]
async fn a_plan_gone_stale_goes_back_to_the_human_in_the_2026_era_too() {
    stale_after_approval(true).await;
}

/// Someone changes the record right after the user's first approval: the host writes
/// nothing, asks the user again with the new plan, and the model never sees a token.
async fn stale_after_approval(discover: bool) {
    // Filled once the tenant runs: the change someone else makes after the first approval.
    let meddle: Arc<Mutex<Option<(String, String, serde_json::Value)>>> = Arc::default();
    let todo = meddle.clone();
    let ask: Ask = Arc::new(move |n, _message| {
        let todo = todo.clone();
        Box::pin(async move {
            if n == 0 {
                let (url, token, body) = todo.lock().unwrap().take().expect("set");
                let answer = reqwest::Client::new()
                    .put(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert!(answer.status().is_success());
            }
            accept(json!({"approve": true}))
        })
    });
    let h = Harness::start(Options {
        ask: Some(ask),
        discover,
        ..Options::default()
    })
    .await;
    let (zone, record) = an_a_record(&h).await;
    let id = record["id"].as_i64().unwrap();
    *meddle.lock().unwrap() = Some((
        format!(
            "{}/2/zones/{zone}/records/{id}",
            h.sim.api_url().trim_end_matches('/')
        ),
        h.sim.token().to_string(),
        json!({"target": "198.51.100.9"}),
    ));
    let result = h
        .call(
            "infomaniak_dns_update_record",
            json!({"zone": zone, "record_id": id, "ttl": 7200}),
        )
        .await;
    let everything = whole(&result);
    assert_ne!(result.is_error, Some(true), "{everything}");
    assert_eq!(result.structured_content.unwrap()["status"], "applied");
    assert!(!carries_a_token(&everything), "{everything}");
    let asked = h.handler.asked.lock().unwrap().clone();
    assert_eq!(
        asked.len(),
        2,
        "asked again after the stale plan: {asked:?}"
    );
    assert!(asked[1].starts_with("The state changed"), "{}", asked[1]);
    assert!(
        asked[1].contains("198.51.100.9"),
        "the new plan shows the new state: {}",
        asked[1]
    );
    let stale = h
        .audit_lines()
        .into_iter()
        .find(|l| l["phase"] == "denied" && l["error"]["code"] == "plan_stale");
    assert!(stale.is_some(), "the stale approval is audited");
    assert_eq!(
        h.writes().len(),
        2,
        "the meddling PUT, then the one approved update"
    );
}

fn retry_with(
    name: &str,
    args: &serde_json::Value,
    state: &str,
    approve: bool,
) -> CallToolRequestParams {
    let mut responses = InputResponses::new();
    responses.insert(
        "confirm".into(),
        json!({"action": "accept", "content": {"approve": approve}}),
    );
    CallToolRequestParams::new(name.to_string())
        .with_arguments(args.as_object().cloned().unwrap())
        .with_request_state(state)
        .with_input_responses(responses)
}

async fn once(h: &Harness, params: CallToolRequestParams) -> CallToolResponse {
    h.client.call_tool_once(params).await.expect("tools/call")
}

fn complete(response: CallToolResponse) -> rmcp::model::CallToolResult {
    match response {
        CallToolResponse::Complete(result) => result,
        other => panic!("expected a final result, got {other:?}"),
    }
}

#[tokio::test]
async fn the_input_required_state_is_sealed_bound_and_single_use() {
    let h = Harness::start(Options {
        discover: true,
        elicitation: Some(ElicitationAction::Accept),
        ..Options::default()
    })
    .await;
    let zone = first_zone(&h).await;
    let name = "infomaniak_dns_create_record";
    let args =
        json!({"zone": zone, "source": "sealed", "type": "TXT", "target": "v=sealed", "ttl": 600});
    let first = once(
        &h,
        CallToolRequestParams::new(name).with_arguments(args.as_object().cloned().unwrap()),
    )
    .await;
    let CallToolResponse::InputRequired(asked) = first else {
        panic!("a 2026 client that can ask its user gets input_required: {first:?}")
    };
    let state = asked.request_state.clone().expect("a state");
    let request = serde_json::to_string(&asked.input_requests).unwrap();
    assert!(
        request.contains(HEADING),
        "the host approval is asked: {request}"
    );
    assert!(!carries_a_token(&request));

    // The state is no token: sent as one, it confirms nothing.
    let mut as_token = args.clone();
    as_token["confirmation_token"] = json!(state);
    let refused = complete(
        once(
            &h,
            CallToolRequestParams::new(name).with_arguments(as_token.as_object().cloned().unwrap()),
        )
        .await,
    );
    assert_eq!(refused.is_error, Some(true), "{}", whole(&refused));
    assert!(h.writes().is_empty(), "the state used as a token wrote");

    // Forged, or bent to other arguments: refused.
    let forged = complete(once(&h, retry_with(name, &args, "rs1.e30.AAAA", true)).await);
    assert_eq!(
        forged.structured_content.unwrap()["error"]["code"],
        "confirmation_state_invalid"
    );
    let mut other = args.clone();
    other["target"] = json!("v=evil");
    let bent = complete(once(&h, retry_with(name, &other, &state, true)).await);
    assert_eq!(
        bent.structured_content.unwrap()["error"]["code"],
        "confirmation_args_changed"
    );
    assert!(h.writes().is_empty());

    // The genuine answer applies, once.
    let applied = complete(once(&h, retry_with(name, &args, &state, true)).await);
    assert_eq!(
        applied.structured_content.unwrap()["status"],
        "applied",
        "the sealed approval applies"
    );
    assert_eq!(h.writes().len(), 1);
    let replay = complete(once(&h, retry_with(name, &args, &state, true)).await);
    assert_eq!(replay.is_error, Some(true), "{}", whole(&replay));
    assert_eq!(h.writes().len(), 1, "a replayed state writes nothing");
}
