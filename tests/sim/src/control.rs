//! The control plane (its own port, never mixed with API routes): reset, request log, faults.
//!
//! - `POST /reset` regenerates the tenant from the seed, forgets rate buckets, clears faults;
//! - `GET /requests` lists recorded requests, `DELETE /requests` clears the log;
//! - `GET /faults`, `POST /faults` (JSON [`Faults`]), `DELETE /faults`;
//! - `GET /health`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;

use crate::faults::Faults;
use crate::server::{Shared, control_json, lock};

type Sh = State<Arc<Shared>>;

async fn reset(State(sh): Sh) -> Response {
    sh.reset();
    control_json(StatusCode::OK, json!({"ok": true}))
}

async fn requests(State(sh): Sh) -> Response {
    control_json(StatusCode::OK, json!(lock(&sh.recorder).all()))
}

async fn clear_requests(State(sh): Sh) -> Response {
    lock(&sh.recorder).clear();
    control_json(StatusCode::OK, json!({"ok": true}))
}

async fn get_faults(State(sh): Sh) -> Response {
    control_json(StatusCode::OK, json!(lock(&sh.faults).faults))
}

async fn set_faults(State(sh): Sh, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => {
            return control_json(
                StatusCode::BAD_REQUEST,
                json!({"error": format!("invalid faults JSON: {e}; expected keys latency_ms, error_rate, rate_limit_storm, malformed_json, drop_connections, manager_session_expired")}),
            );
        }
    };
    if let Err(e) = faults.validate() {
        return control_json(StatusCode::BAD_REQUEST, json!({"error": e}));
    }
    lock(&sh.faults).set(faults.clone());
    control_json(StatusCode::OK, json!(faults))
}

async fn clear_faults(State(sh): Sh) -> Response {
    lock(&sh.faults).set(Faults::default());
    control_json(StatusCode::OK, json!({"ok": true}))
}

async fn health() -> Response {
    control_json(StatusCode::OK, json!({"ok": true}))
}

async fn unknown() -> Response {
    control_json(
        StatusCode::NOT_FOUND,
        json!({"error": "unknown control route; use /reset, /requests, /faults or /health"}),
    )
}

/// The control-plane router.
pub fn router(sh: Arc<Shared>) -> Router {
    Router::new()
        .route("/reset", post(reset))
        .route("/requests", get(requests).delete(clear_requests))
        .route(
            "/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/health", get(health))
        .fallback(unknown)
        .method_not_allowed_fallback(unknown)
        .with_state(sh)
}
