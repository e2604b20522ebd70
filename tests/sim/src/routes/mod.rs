//! Route tables of the public API and the manager proxy, and small helpers the handlers share.

pub mod core;
pub mod dns;
pub mod domains;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, put};
use serde_json::Value;

use crate::envelope::ApiError;
use crate::server::{Shared, api_guard, manager_guard, no_route};

/// Every public route (`/1/...`, `/2/...`), without guard or state.
pub fn public_routes() -> Router<Arc<Shared>> {
    Router::new()
        // core
        .route("/1/accounts", get(core::accounts))
        .route("/1/account", get(core::accounts))
        .route("/1/accounts/{account}", get(core::account_detail))
        .route("/1/accounts/{account}/tags", get(core::tags))
        .route("/1/accounts/{account}/services", get(core::services))
        .route(
            "/1/accounts/{account}/products",
            get(core::account_products),
        )
        .route("/1/products", get(core::products))
        .route("/2/profile", get(core::profile))
        .route("/2/accounts/{account}/users", get(core::users))
        .route("/1/accounts/{account}/teams", get(core::teams))
        .route("/1/accounts/{account}/teams/{team}", get(core::team))
        .route("/1/accounts/{account}/invitations", get(core::invitations))
        .route(
            "/1/accounts/{account}/invitations/{invitation}",
            get(core::invitation),
        )
        // domains (registration side)
        .route("/1/domain/{domain}", get(domains::legacy_domain))
        .route("/2/domains/domains", get(domains::list_domains))
        .route("/2/domains/domains/{domain}", get(domains::detail))
        .route(
            "/2/domains/domains/{domain}/nameservers",
            put(dns::nameservers),
        )
        .route("/2/domains/domains/{domain}/zones", get(dns::domain_zones))
        // DNS
        .route("/2/domains/{domain}/dnssec/check", get(dns::dnssec_check))
        .route(
            "/2/domains/{domain}/dnssec/enable",
            post(dns::dnssec_enable),
        )
        .route(
            "/2/domains/{domain}/dnssec/disable",
            post(dns::dnssec_disable),
        )
        .route("/2/domains/{domain}/nameservers", put(dns::nameservers))
        .route("/2/domains/{domain}/zones", get(dns::domain_zones))
        .route(
            "/2/zones/{zone}",
            get(dns::zone_get)
                .post(dns::zone_create)
                .put(dns::zone_update)
                .delete(dns::zone_delete),
        )
        .route("/2/zones/{zone}/exists", get(dns::zone_exists))
        .route(
            "/2/zones/{zone}/records",
            get(dns::records_list).post(dns::record_create),
        )
        .route(
            "/2/zones/{zone}/records/{record}",
            get(dns::record_get)
                .put(dns::record_update)
                .delete(dns::record_delete),
        )
        .route(
            "/2/zones/{zone}/records/{record}/check",
            get(dns::record_check),
        )
        .method_not_allowed_fallback(no_route)
}

/// The public API listener's router.
pub fn api_router(sh: Arc<Shared>) -> Router {
    public_routes()
        .fallback(no_route)
        .layer(from_fn_with_state(sh.clone(), api_guard))
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

/// Current unix time in seconds (for `updated_at` of mutated objects).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
