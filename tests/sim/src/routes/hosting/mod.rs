//! Web hosting: hostings, sites, aliases, certificates, databases and their users,
//! FTP/SSH users, Node.js apps. No OpenAPI document exists for these routes; they are
//! modelled route by route from infomaniak-api.md §7.4 (MOGA live probes) and
//! peer-agent-mcp.md §3–4, and request bodies are validated against the fields those
//! sections document (422 `validation_failed` naming the field).
//!
//! Quirks reproduced (infomaniak-api.md §8, switchable with `HostingWorld::quirks`):
//! - Q1: `POST .../sites` and `POST .../databases` with a Bearer token answer success and
//!   create nothing; the manager's site POST also no-ops unless `fqdn`, a `/sites/...`
//!   `directory`, `force_fqdn: true` and `environment` are all sent.
//! - Q2: `PATCH .../database_users/{name}` with a `password` on the public API (or with the
//!   array form of `permissions`) changes the password and empties the grants.
//! - Q20: Node.js routes are keyed by the `hosting_3` site id (403 with the parent
//!   hosting id) and `PATCH .../nodejs/{id}` succeeds without changing anything.
//! - Overlapping writes on one hosting answer `400 operation_in_progress`.
//!
//! Manager-only routes (aliases, Node.js details and actions, database and FTP user
//! PATCH of the manager's shape) answer `404 method_not_found` on the public API.
//! Deviation: creations take effect at once (the live API takes 10–30 s), so read-backs
//! see them immediately.

mod data;
mod nodejs;
mod sites;
pub mod world;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use serde_json::Value;

pub use world::{HostingWorld, seed};

use crate::auth::Caller;
use crate::envelope::{ApiError, Query};
use crate::server::{Shared, lock};
use crate::state::{State as World, WebHosting};

/// The web hosting routes (served on the API and, nested, on the manager proxy).
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/1/web_hostings/{hosting}", get(sites::hosting))
        .route(
            "/1/web_hostings/{hosting}/sites",
            get(sites::list_sites).post(sites::create),
        )
        .route(
            "/1/web_hostings/{hosting}/sites/{site}",
            get(sites::get_one).delete(sites::delete),
        )
        .route(
            "/1/web_hostings/{hosting}/sites/{site}/aliases",
            get(sites::aliases).post(sites::add_aliases),
        )
        .route(
            "/1/web_hostings/{hosting}/sites/{site}/aliases/{alias}",
            axum::routing::delete(sites::delete_alias),
        )
        .route(
            "/1/web_hostings/{hosting}/certificates",
            post(sites::request_certificate),
        )
        .route(
            "/1/web_hostings/{hosting}/certificates/{site}",
            get(sites::certificate).delete(sites::delete_certificate),
        )
        .route(
            "/1/web_hostings/{hosting}/databases",
            get(data::databases).post(data::create_database),
        )
        .route(
            "/1/web_hostings/{hosting}/databases/{name}",
            get(data::database).delete(data::delete_database),
        )
        .route(
            "/1/web_hostings/{hosting}/database_users",
            get(data::db_users).post(data::create_db_user),
        )
        .route(
            "/1/web_hostings/{hosting}/database_users/{name}",
            get(data::db_user)
                .patch(data::patch_db_user)
                .delete(data::delete_db_user),
        )
        .route(
            "/1/web_hostings/{hosting}/users",
            get(data::ftp_users).post(data::create_ftp_user),
        )
        .route(
            "/1/web_hostings/{hosting}/users/{login}",
            axum::routing::patch(data::patch_ftp_user).delete(data::delete_ftp_user),
        )
        .route("/1/hostings/{site}", get(nodejs::hosting))
        .route(
            "/1/hostings/{site}/nodejs/{vhost}",
            get(nodejs::app).patch(nodejs::patch_app),
        )
        .route(
            "/1/hostings/{site}/nodejs/{vhost}/actions/status",
            get(nodejs::status),
        )
        .route(
            "/1/hostings/{site}/nodejs/{vhost}/actions/{action}",
            post(nodejs::action),
        )
        .route("/1/hostings/{site}/nodejs/{vhost}/jobs", get(nodejs::jobs))
        .route(
            "/1/hostings/{site}/webapp/{vhost}/stream",
            get(nodejs::stream),
        )
        .route(
            "/1/hostings/{site}/webapp/{vhost}/thumbnail",
            get(nodejs::thumbnail),
        )
        .route(
            "/1/hostings/{site}/vhost_route/{vhost}/aliases",
            get(nodejs::aliases),
        )
}

/// Whether the request came through the manager proxy (cookie session).
pub fn is_manager(c: &Caller) -> bool {
    c.label == "manager"
}

/// Refuses a manager-only route on the public API the way an unknown route is refused.
pub fn manager_only(c: &Caller, method: &str, path: &str) -> Result<(), ApiError> {
    if is_manager(c) {
        Ok(())
    } else {
        Err(ApiError::no_route(method, path))
    }
}

/// The hosting `id` if the caller may see it, else 404 (ids of other accounts included).
pub fn hosting_ref<'a>(w: &'a World, c: &Caller, id: &str) -> Result<&'a WebHosting, ApiError> {
    id.parse::<u64>()
        .ok()
        .and_then(|id| w.web_hostings.iter().find(|h| h.id == id))
        .filter(|h| c.can_access(h.account_id))
        .ok_or_else(|| ApiError::not_found("Web hosting"))
}

/// A write holding its hosting busy; dropping it (answer sent or request abandoned) frees it.
pub struct Busy {
    sh: Arc<Shared>,
    key: u64,
}

impl Drop for Busy {
    fn drop(&mut self) {
        lock(&self.sh.world).hosting.busy.remove(&self.key);
    }
}

/// Starts a write on hosting (or Node.js site) `key`: `400 operation_in_progress` while
/// another write on it runs; otherwise holds it for `op_ms` (the time the operation takes)
/// and returns the guard to keep until the mutation is done.
pub async fn begin(sh: &Arc<Shared>, key: u64) -> Result<Busy, ApiError> {
    let ms = {
        let mut w = lock(&sh.world);
        if !w.hosting.busy.insert(key) {
            return Err(ApiError::bad_request(
                "operation_in_progress",
                "An operation is already in progress on this hosting; retry when it has finished",
            ));
        }
        w.hosting.op_ms
    };
    let guard = Busy {
        sh: sh.clone(),
        key,
    };
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    Ok(guard)
}

/// A fresh `progress_id` (the async operation handle creates answer with).
pub fn progress_id(w: &mut World) -> Value {
    w.hosting.progress += 1;
    Value::from(w.hosting.progress + 70_000)
}

/// The products `GET /1/products?fqdn=` finds among sites: each site is a `web_hosting`
/// product whose parent is its hosting (infomaniak-api.md §7.1: products carry `fqdn`,
/// `parent_id`, `parent_service_name`; sites carry `parent_id` and `customer_name`).
/// [L]: that sites are products is inferred, not seen; the tenant lists them only when the
/// `fqdn` filter names one, so the product lists other domains rely on stay as seeded.
/// The query's other filters (`account_id`, `service_name`, `service_id`, `product_id`)
/// apply to them as to any product. `Faults::products_without_sites` turns this off (the
/// inference proven wrong).
pub fn site_products(sh: &Shared, w: &World, c: &Caller, q: &Query) -> Vec<Value> {
    let Some(fqdn) = q.get("fqdn") else {
        return Vec::new();
    };
    if lock(&sh.faults).faults.products_without_sites {
        return Vec::new();
    }
    let int = |k: &str| q.int(k).ok().flatten();
    let (account, product) = (int("account_id"), int("product_id"));
    if q.get("service_name").is_some_and(|n| n != "web_hosting")
        || int("service_id").is_some_and(|id| id != 1)
    {
        return Vec::new();
    }
    let fqdn = fqdn.trim().trim_end_matches('.').to_ascii_lowercase();
    w.sites
        .iter()
        .filter(|s| s.main_fqdn == fqdn && c.can_access(s.account_id))
        .filter(|s| account.is_none_or(|a| s.account_id as i64 == a))
        .filter(|s| product.is_none_or(|p| s.id as i64 == p))
        .map(|s| {
            serde_json::json!({
                "id": s.id, "account_id": s.account_id, "service_id": 1,
                "service_name": "web_hosting", "customer_name": s.main_fqdn,
                "internal_name": null, "created_at": crate::seed::REFERENCE_TIME,
                "expired_at": null, "version": 1, "has_maintenance": false, "is_locked": false,
                "has_operation_in_progress": w.hosting.busy.contains(&s.hosting_id),
                "tags": [], "unique_id": s.id, "is_free": true, "is_zero_price": true,
                "is_trial": false,
                "rights": {"technical": true, "statistic": true, "check": true, "sale": true},
                "parent_id": s.hosting_id, "parent_service_id": 1,
                "parent_service_name": "hosting", "fqdn": s.main_fqdn,
            })
        })
        .collect()
}
