//! Shared helpers for the simulator's integration tests.
#![allow(dead_code)]

use std::time::Duration;

use ikmcp_sim::openapi::{self, Spec};
use ikmcp_sim::{Scale, Sim, SimConfig, SimHandle};
use serde_json::Value;

/// Starts a small sim with the rate limit off (tests that need it turn it on).
pub async fn small() -> SimHandle {
    start(Scale::Small, None).await
}

/// Starts a sim.
pub async fn start(scale: Scale, rate: Option<u32>) -> SimHandle {
    Sim::start(SimConfig {
        seed: 42,
        scale,
        rate_limit_per_minute: rate,
        rate_limit_period: Duration::from_secs(60),
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

/// A client without connection reuse surprises.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// One request against the API with a token; returns (status, headers, parsed body).
pub async fn call(
    sim: &SimHandle,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut rb = client()
        .request(m, format!("{}{}", sim.api_url(), path))
        .bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let resp = rb.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{method} {path}: body is not JSON ({e}): {text}"));
    (status, headers, v)
}

/// GET with the full token.
pub async fn get(sim: &SimHandle, path: &str) -> (u16, Value) {
    let (s, _, v) = call(sim, sim.token(), "GET", path, None).await;
    (s, v)
}

/// Every violation of the schema at `pointer` in `spec` by `body` (empty: valid).
pub fn schema_errors(spec: Spec, pointer: &str, body: &Value) -> Result<Vec<String>, String> {
    let v = openapi::validator(spec, pointer)?;
    Ok(v.iter_errors(body)
        .map(|e| {
            format!(
                "{} at {} (schema {})",
                e,
                e.instance_path(),
                e.schema_path()
            )
        })
        .collect())
}

/// Validates `body` against the schema at `pointer` in `spec`; panics listing every violation.
pub fn validate_at(spec: Spec, pointer: &str, body: &Value, what: &str) {
    let errors = schema_errors(spec, pointer, body).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        errors.is_empty(),
        "{what}: response violates the OpenAPI schema:\n{}\nbody: {body:#}",
        errors.join("\n")
    );
}

/// Validates a response against the operation's response schema for its status.
pub fn validate_response(spec: Spec, path: &str, method: &str, status: u16, body: &Value) {
    let pointer = openapi::response_pointer(path, method, status);
    validate_at(
        spec,
        &pointer,
        body,
        &format!("{method} {path} -> {status}"),
    );
}

/// Asserts the generic error envelope shape and code.
pub fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["result"], "error", "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    assert!(body["error"]["errors"].is_array(), "{body}");
}
