//! Node.js hostings (`hosting_3`): public `GET /1/hostings/{id}` (state only); everything
//! else through the manager, keyed by the site id (Q20: the parent web hosting id answers
//! 403 `access_denied`), infomaniak-api.md §7.4 and peer-agent-mcp.md §3 rows 17–19.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use serde_json::{Value, json};

use super::world::{NodeApp, NodeJob};
use super::{begin, is_manager, manager_only};
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, list, ok};
use crate::routes::{body_json, now};
use crate::server::{Shared, lock};
use crate::state::State as World;

type Sh = State<Arc<Shared>>;

const HOSTING_WITH: &[&str] = &["product", "hosting_features", "offer", "feature"];
const APP_WITH: &[&str] = &["ips", "ssl", "environments", "storage"];

/// The app keyed by `site`: 403 when `site` is a web hosting id (Q20), 404 when unknown.
fn app_idx(w: &World, c: &Caller, site: &str) -> Result<usize, ApiError> {
    let id = site
        .parse::<u64>()
        .map_err(|_| ApiError::not_found("Hosting"))?;
    if let Some(i) = w
        .hosting
        .nodejs
        .iter()
        .position(|a| a.site_id == id && c.can_access(a.account_id))
    {
        return Ok(i);
    }
    if w.web_hostings.iter().any(|h| h.id == id) {
        return Err(ApiError::access_denied(
            "the user do not have access to this resource",
        ));
    }
    Err(ApiError::not_found("Hosting"))
}

fn app_with_vhost(w: &World, c: &Caller, site: &str, vhost: &str) -> Result<usize, ApiError> {
    let i = app_idx(w, c, site)?;
    if vhost.parse::<u64>().ok() != Some(w.hosting.nodejs[i].vhost_route_id) {
        return Err(ApiError::not_found("VhostRoute"));
    }
    Ok(i)
}

/// `GET /1/hostings/{site}`: public answers the state; the manager adds
/// `with[]=hosting_features` (Storage, WebApp "Node.js" → child VhostRoute).
pub async fn hosting(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(site): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let with = q.with(HOSTING_WITH)?;
    let w = lock(&sh.world);
    let a = &w.hosting.nodejs[app_idx(&w, &c, &site)?];
    let mut v = json!({"id": a.site_id, "name": a.fqdn, "state": "active", "service_id": 57, "service_name": "hosting_3"});
    if is_manager(&c) && with.iter().any(|x| x == "hosting_features") {
        v["hosting_features"] = json!([
            {"id": a.webapp_id - 1, "feature": "storage", "feature_type": "Storage", "hosting_feature_parent_id": null, "fqdns": []},
            {"id": a.webapp_id, "feature": "Node.js", "feature_type": "WebApp", "hosting_feature_parent_id": null, "fqdns": []},
            {"id": a.vhost_route_id, "feature": "vhost", "feature_type": "VhostRoute", "hosting_feature_parent_id": a.webapp_id,
             "fqdns": [{"id": a.vhost_route_id * 10, "hosting_id": a.site_id, "source": a.fqdn, "domain": a.fqdn, "path": "/", "type": "main"}]},
        ]);
    }
    ok(v)
}

fn app_json(a: &NodeApp, with: &[String]) -> Value {
    let mut v = json!({
        "feature_id": a.vhost_route_id, "main_fqdn": a.fqdn,
        "preview_url": format!("https://{}.preview.hosting-ik.com", a.vhost_route_id),
        "directory": format!("/sites/{}", a.fqdn), "ssl_status": "free", "state": a.status.to_lowercase(),
    });
    if with.iter().any(|x| x == "environments") {
        v["environment"] = json!({"version": a.version, "version_status": "supported", "start_command": a.start_command, "build_command": a.build_command, "port": a.port});
    }
    if with.iter().any(|x| x == "ips") {
        v["ips"] = json!([{"host": "185.177.62.161", "type": "IPv4"}, {"host": "2001:1600:13:100:f816:3eff:fe5c:fa22", "type": "IPv6"}]);
    }
    if with.iter().any(|x| x == "storage") {
        v["storage"] = json!({"capacity": 10_737_418_240u64, "used": 734_003_200u64});
    }
    v
}

/// `GET /1/hostings/{site}/nodejs/{vhost}` (manager only).
pub async fn app(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((site, vhost)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    manager_only(&c, "GET", uri.path())?;
    let with = Query::parse(q.as_deref()).with(APP_WITH)?;
    let w = lock(&sh.world);
    ok(app_json(
        &w.hosting.nodejs[app_with_vhost(&w, &c, &site, &vhost)?],
        &with,
    ))
}

/// `PATCH /1/hostings/{site}/nodejs/{vhost}` (manager only): `{success: true}`, no change (Q20).
pub async fn patch_app(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((site, vhost)): Path<(String, String)>,
) -> ApiResult {
    manager_only(&c, "PATCH", uri.path())?;
    let w = lock(&sh.world);
    app_with_vhost(&w, &c, &site, &vhost)?;
    ok(json!({"success": true}))
}

/// `GET .../actions/status` (manager only) → `{status: Running|Stopped}`.
pub async fn status(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((site, vhost)): Path<(String, String)>,
) -> ApiResult {
    manager_only(&c, "GET", uri.path())?;
    let w = lock(&sh.world);
    ok(json!({"status": w.hosting.nodejs[app_with_vhost(&w, &c, &site, &vhost)?].status}))
}

/// `POST .../actions/{start|stop|restart|build}` (manager only) with `{}`.
pub async fn action(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((site, vhost, action)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    manager_only(&c, "POST", uri.path())?;
    body_json(&body)?;
    if !["start", "stop", "restart", "build"].contains(&action.as_str()) {
        return Err(ApiError::no_route("POST", uri.path()));
    }
    let key = {
        let w = lock(&sh.world);
        w.hosting.nodejs[app_with_vhost(&w, &c, &site, &vhost)?].site_id
    };
    let _busy = begin(&sh, key).await?;
    let mut w = lock(&sh.world);
    let i = app_with_vhost(&w, &c, &site, &vhost)?;
    let app = &mut w.hosting.nodejs[i];
    match action.as_str() {
        "stop" => app.status = "Stopped".into(),
        "start" | "restart" => app.status = "Running".into(),
        _ => {
            let job = NodeJob {
                resource_id: app.vhost_route_id * 10 + app.jobs.len() as u64,
                status: "running".into(),
                created_at: now(),
            };
            let out = json!({"resource_id": job.resource_id, "status": job.status, "log_stream": stream_json(app)});
            app.jobs.push(job);
            return ok(out);
        }
    }
    ok(json!({"status": app.status}))
}

fn stream_json(a: &NodeApp) -> Value {
    json!({"endpoint": format!("https://manager-logs-01.hosting-ik.com/stream/{}", a.vhost_route_id),
           "jwt_token": format!("eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJtc2diZWFtIiwic3ViIjoi{}In0.c2lt", a.vhost_route_id)})
}

/// `GET .../nodejs/{vhost}/jobs` (manager only).
pub async fn jobs(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((site, vhost)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    manager_only(&c, "GET", uri.path())?;
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    let a = &w.hosting.nodejs[app_with_vhost(&w, &c, &site, &vhost)?];
    list(a.jobs.iter().map(|j| json!({"resource_id": j.resource_id, "status": j.status, "log_stream": stream_json(a), "created_at": j.created_at})).collect(), &q)
}

/// `GET /1/hostings/{site}/webapp/{vhost}/stream` (manager only) → `{endpoint, jwt_token}`.
pub async fn stream(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((site, vhost)): Path<(String, String)>,
) -> ApiResult {
    manager_only(&c, "GET", uri.path())?;
    let w = lock(&sh.world);
    ok(stream_json(
        &w.hosting.nodejs[app_with_vhost(&w, &c, &site, &vhost)?],
    ))
}

/// `GET /1/hostings/{site}/webapp/{vhost}/thumbnail?refresh=` (manager only) → `{blob}`.
pub async fn thumbnail(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((site, vhost)): Path<(String, String)>,
) -> ApiResult {
    manager_only(&c, "GET", uri.path())?;
    let w = lock(&sh.world);
    app_with_vhost(&w, &c, &site, &vhost)?;
    ok(
        json!({"blob": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="}),
    )
}

/// `GET /1/hostings/{site}/vhost_route/{vhost}/aliases` (manager only, paging).
pub async fn aliases(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((site, vhost)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    manager_only(&c, "GET", uri.path())?;
    let q = Query::parse(q.as_deref());
    q.with(&["domain_options"])?;
    let w = lock(&sh.world);
    let a = &w.hosting.nodejs[app_with_vhost(&w, &c, &site, &vhost)?];
    let main = std::iter::once((&a.fqdn, true));
    let items = main
        .chain(a.aliases.iter().map(|n| (n, false)))
        .map(|(name, is_main)| json!({"name": name, "fqdn_idn": name, "is_main": is_main, "is_protected": is_main, "is_synonym": false, "can_update_dns": true}))
        .collect();
    list(items, &q)
}
