//! The public API and the manager proxy, built from one route module per domain (see
//! [`DOMAINS`]), and small helpers the handlers share.

pub mod cloud;
pub mod core;
pub mod core_writes;
pub mod dns;
pub mod domains;
pub mod drive;
pub mod hosting;
pub mod kchat; // its own listener (kchat_router), not a public API route
pub mod mail;
pub mod utilities;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::middleware::from_fn_with_state;
use serde_json::Value;

use crate::envelope::ApiError;
use crate::server::{Shared, api_guard, manager_guard, no_route};

/// One domain's routes: a function of its module returning its public routes (`/1/...`,
/// `/2/...`), without guard or state.
pub type Routes = fn() -> Router<Arc<Shared>>;

/// Every domain served, in one place: a new domain adds its module above and one line here.
/// Two domains claiming the same route make the tenant panic at start-up (axum's merge).
pub const DOMAINS: &[(&str, Routes)] = &[
    ("core", core::routes),
    ("domains", domains::routes),
    ("dns", dns::routes),
    ("drive", drive::routes),
    ("hosting", hosting::routes),
    ("cloud", cloud::routes),
    ("mail", mail::routes),
    ("utilities", utilities::routes),
];

/// Every public route (`/1/...`, `/2/...`), without guard or state.
pub fn public_routes() -> Router<Arc<Shared>> {
    DOMAINS
        .iter()
        .fold(Router::new(), |router, (_, routes)| router.merge(routes()))
        .method_not_allowed_fallback(no_route)
}

/// The public API listener's router.
pub fn api_router(sh: Arc<Shared>) -> Router {
    public_routes()
        .fallback(no_route)
        .layer(from_fn_with_state(sh.clone(), api_guard))
        .with_state(sh)
}

/// The kChat listener's router (`{team}.kchat.infomaniak.com`, see [`kchat`]).
pub fn kchat_router(sh: Arc<Shared>) -> Router {
    kchat::routes()
        .layer(from_fn_with_state(sh.clone(), crate::server::kchat_guard))
        .with_state(sh)
}

/// The manager listener's router: the public routes under `/proxy` and the canonical
/// `/v3/api/proxypass_2` namespace (byte-identical answers), cookie-authenticated.
pub fn manager_router(sh: Arc<Shared>) -> Router {
    Router::new()
        .nest("/proxy", public_routes())
        .nest("/v3/api/proxypass_2", public_routes())
        .fallback(no_route)
        .method_not_allowed_fallback(no_route)
        .layer(from_fn_with_state(sh.clone(), manager_guard))
        .with_state(sh)
}

/// Parses a request body: empty means `{}`; anything else must be a JSON object.
pub fn body_json(bytes: &Bytes) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(ApiError::bad_request(
            "bad_request",
            "The request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::bad_request(
            "bad_request",
            format!("The request body is not valid JSON: {e}"),
        )),
    }
}

/// Parses a request body (as [`body_json`]) and validates it against the request schema of
/// `operation` (`method`) in `spec`: the 422 naming the field that the real API gives. Every
/// domain's write handlers start with these two steps.
pub fn spec_body(
    bytes: &Bytes,
    spec: crate::openapi::Spec,
    operation: &str,
    method: &str,
) -> Result<Value, ApiError> {
    let body = body_json(bytes)?;
    crate::openapi::check_request(spec, operation, method, &body)?;
    Ok(body)
}

/// Current unix time in seconds (for `updated_at` of mutated objects).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_is_registered_once_and_routes_do_not_clash() {
        let mut names: Vec<&str> = DOMAINS.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), DOMAINS.len(), "a domain listed twice");
        let _ = public_routes();
        let twice = std::panic::catch_unwind(|| {
            Router::<Arc<Shared>>::new()
                .merge(dns::routes())
                .merge(dns::routes())
        });
        assert!(twice.is_err(), "a route claimed by two domains is refused");
    }
}
