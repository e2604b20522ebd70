//! Public Cloud (`openapi/public-cloud.json`): public clouds, projects, project users,
//! Database services, Kubernetes services, their catalogues, and the public-cloud status
//! feed (`/2/events/public-cloud-status`, core document).
//!
//! Quirks reproduced (infomaniak-api.md §7.7, §8): `account_id` required on the
//! account-wide lists (422 naming it otherwise); project and user operations answer
//! **202 `result: "asynchronous"`** with an id or a boolean and leave the object in a
//! transitional status (`creating`, `updating`, `deleting`) until the next read of it
//! (Q12); a DBaaS `connection` is `[]` until the service is ready (Q13) and its `port` is a
//! string (Q10); a project in a transitional status cannot be deleted (400
//! `public_cloud_project_cannot_be_deleted`). Request bodies are validated against the spec.

use crate::routes::spec_body;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{Value, json};

use super::now;
use crate::auth::Caller;
use crate::cloud_world::{
    CloudUser, DBAAS_PACKS, Dbaas, KAAS_PACKS, KAAS_VERSIONS, Kaas, Project, PublicCloud, REGIONS,
};
use crate::envelope::{ApiError, ApiResult, Query, json_response, list, ok, ok_status};
use crate::openapi::Spec;
use crate::server::{Shared, lock};
use crate::state::{State as World, Vps};

type Sh = State<Arc<Shared>>;

const PROJECTS: &str = "/1/public_clouds/{public_cloud_id}/projects";
const PROJECT: &str = "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}";

/// The Public Cloud routes.
pub fn routes() -> Router<Arc<Shared>> {
    let p = "/1/public_clouds/{pc}/projects/{project}";
    Router::new()
        .route("/1/public_clouds", get(clouds))
        .route("/1/public_clouds/accesses", get(accesses))
        .route("/1/public_clouds/config", get(config))
        .route("/1/public_clouds/dbaas", get(all_dbaas))
        .route("/1/public_clouds/kaas", get(all_kaas))
        .route("/1/public_clouds/dbaas/{what}", get(dbaas_catalogue))
        .route("/1/public_clouds/kaas/{what}", get(kaas_catalogue))
        .route("/1/public_clouds/{pc}", get(cloud))
        .route("/1/public_clouds/{pc}/projects", get(projects))
        .route(
            "/1/public_clouds/{pc}/projects/invite",
            post(project_invite),
        )
        .route(p, get(project).patch(project_update).delete(project_delete))
        .route(&format!("{p}/users"), get(users))
        .route(&format!("{p}/users/invite"), post(user_invite))
        .route(
            &format!("{p}/users/{{user}}"),
            get(user).patch(user_update).delete(user_delete),
        )
        .route(&format!("{p}/users/{{user}}/invite"), post(user_reinvite))
        .route(&format!("{p}/dbaas"), get(project_dbaas).post(dbaas_create))
        .route(
            &format!("{p}/dbaas/{{id}}"),
            get(dbaas_get).patch(dbaas_update).delete(dbaas_delete),
        )
        .route(
            &format!("{p}/dbaas/{{id}}/reset_password"),
            get(dbaas_reset_password),
        )
        .route(&format!("{p}/kaas"), get(project_kaas).post(kaas_create))
        .route(
            &format!("{p}/kaas/{{id}}"),
            get(kaas_get).patch(kaas_update).delete(kaas_delete),
        )
        .route("/2/events/public-cloud-status", get(status))
        .route("/1/vps", get(vps_list))
        .route("/1/vps/{id}", get(vps_get))
}

/// `202 {"result":"asynchronous","data":data}` (Q12).
fn accepted(data: Value) -> ApiResult {
    Ok(json_response(
        StatusCode::ACCEPTED,
        &json!({"result": "asynchronous", "data": data}),
    ))
}

fn required_account(q: &Query) -> Result<u64, ApiError> {
    match q.int("account_id")? {
        Some(a) if a > 0 => Ok(a as u64),
        _ => Err(ApiError::validation(vec![(
            "account_id".into(),
            "validation_rule_required",
            "The account_id attribute is required".into(),
        )])),
    }
}

fn id_of(raw: &str, what: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found(what))
}

fn cloud_idx(w: &World, c: &Caller, pc: &str) -> Result<usize, ApiError> {
    let id = id_of(pc, "Public cloud")?;
    w.cloud
        .clouds
        .iter()
        .position(|p| p.id == id && c.can_access(p.account_id))
        .ok_or_else(|| ApiError::not_found("Public cloud"))
}

fn project_idx(w: &World, c: &Caller, pc: &str, project: &str) -> Result<(usize, usize), ApiError> {
    let ci = cloud_idx(w, c, pc)?;
    let id = id_of(project, "Public cloud project")?;
    let pi = w.cloud.clouds[ci]
        .projects
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| ApiError::not_found("Public cloud project"))?;
    Ok((ci, pi))
}

fn tags_json(tags: &[(u64, String)]) -> Value {
    tags.iter()
        .map(|(id, name)| json!({"id": id, "name": name, "color": 1}))
        .collect()
}

/// The product-shaped public cloud item; the billing fields are both at the top (the
/// `PublicCloud` schema requires them there) and under `public_cloud`.
fn cloud_json(pc: &PublicCloud) -> Value {
    let billing = json!({"price": 12.5 * pc.projects.len() as f64, "price_updated_at": pc.created_at,
        "updated_at": pc.created_at, "project_count": pc.projects.len(),
        "billing_start_at": pc.created_at, "billing_end_at": null});
    let mut v = json!({
        "id": pc.id, "account_id": pc.account_id, "service_id": 44, "service_name": "public_cloud",
        "customer_name": pc.customer_name, "internal_name": null, "created_at": pc.created_at,
        "expired_at": null, "version": 1, "has_maintenance": false, "is_locked": false,
        "has_operation_in_progress": false, "tags": [], "unique_id": pc.id, "is_free": false,
        "is_zero_price": false, "is_trial": false,
        "rights": {"technical": true, "statistic": true, "check": true, "sale": true},
        "public_cloud_id": pc.id, "public_cloud": billing,
    });
    if let (Some(obj), Some(b)) = (v.as_object_mut(), billing.as_object()) {
        obj.extend(b.clone());
    }
    v
}

fn project_ref(pc: &PublicCloud, p: &Project) -> Value {
    json!({"id": p.id, "public_cloud_id": pc.id, "name": p.name, "open_stack_name": format!("PCP-{}", p.id)})
}

fn project_json(pc: &PublicCloud, p: &Project) -> Value {
    json!({
        "public_cloud_project_id": p.id, "public_cloud_id": pc.id,
        "open_stack_name": format!("PCP-{}", p.id), "name": p.name, "price": 12.5,
        "resource_level": 1, "status": p.status, "price_updated_at": null,
        "billing_start_at": p.created_at, "billing_end_at": null, "created_at": p.created_at,
        "updated_at": p.updated_at, "user_count": p.users.len(), "tags": tags_json(&p.tags),
        "services": [], "meta": [],
    })
}

fn user_json(p: &Project, u: &CloudUser) -> Value {
    json!({
        "public_cloud_user_id": u.id, "public_cloud_project_id": p.id,
        "open_stack_name": format!("PCU-{}", u.id), "description": u.description,
        "status": u.status, "created_at": u.created_at, "updated_at": u.created_at,
    })
}

fn dbaas_pack_json(id: u64) -> Value {
    let (id, ty, name, cpu, ram, storage) = DBAAS_PACKS
        .iter()
        .copied()
        .find(|p| p.0 == id)
        .unwrap_or(DBAAS_PACKS[0]);
    json!({"id": id, "type": ty, "group": "standard", "name": name, "instances": 1,
        "cpu": cpu, "ram": ram, "storage": storage, "rates": []})
}

/// A DBaaS item; with `connection` when asked (`with=connection`): `[]` until the service
/// is ready (Q13), then an object whose `port` is a string (Q10).
fn dbaas_json(pc: &PublicCloud, p: &Project, d: &Dbaas, with: &[String]) -> Value {
    let mut v = json!({
        "id": d.id, "name": d.name, "kube_identifier": format!("pcdb-{}", d.id),
        "region": d.region, "status": d.status, "type": d.r#type, "version": d.version,
        "project": project_ref(pc, p), "pack": dbaas_pack_json(d.pack_id), "tags": [],
        "backup_schedules": [{"id": d.id, "name": "daily", "scheduled_at": "02:00", "retention": 7, "is_pitr_enabled": false}],
        "configuration": [],
        "backups": d.backups.iter().map(|(id, at)| json!({"id": id, "location": d.region, "endpoint": "https://s3.pub1.infomaniak.cloud", "created_at": at, "completed_at": at + 600, "status": "completed"})).collect::<Vec<_>>(),
        "last_backup_at": d.backups.iter().map(|(_, at)| *at).max(),
    });
    if with.iter().any(|w| w == "connection") {
        v["connection"] = if d.status == "ready" {
            json!({"host": format!("pcdb-{}.{}.infomaniak.cloud", d.id, d.region), "port": "3306", "user": "admin", "password": "********", "ca": "-----BEGIN CERTIFICATE-----"})
        } else {
            json!([])
        };
    }
    v
}

fn kaas_json(pc: &PublicCloud, p: &Project, k: &Kaas) -> Value {
    let name = KAAS_PACKS
        .iter()
        .find(|x| x.0 == k.pack_id)
        .map_or("shared", |x| x.1);
    json!({
        "kaas_id": k.id, "name": k.name, "open_stack_name": format!("kaas-{}", k.id),
        "region": k.region, "kubernetes_version": k.kubernetes_version, "status": k.status,
        "pack": {"kaas_pack_id": k.pack_id, "name": name, "description": format!("{name} control plane"),
            "price_per_hour": [], "limit_per_project": null, "is_active": "1"},
        "project": project_ref(pc, p), "tags": [],
        "instances": {"total": k.instances, "used": k.instances, "fixed": k.instances,
            "minimum_autoscaled": 0, "maximum_autoscaled": 0,
            "minimum_available_instances": 0, "maximum_available_instances": 0},
    })
}

/// Objects in a transitional status settle when read again (the async task ran).
fn settle(status: &mut String) {
    match status.as_str() {
        "creating" | "updating" => *status = "ok".into(),
        "Creating" | "Updating" => *status = "Active".into(),
        _ => {}
    }
}

/// `GET /1/public_clouds?account_id=` (required).
async fn clouds(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let account = required_account(&q)?;
    let w = lock(&sh.world);
    let items = w
        .cloud
        .clouds
        .iter()
        .filter(|p| p.account_id == account && c.can_access(p.account_id))
        .map(cloud_json)
        .collect();
    list(items, &q)
}

/// `GET /1/public_clouds/accesses?account_id=`: the ids of the public clouds the user may
/// administer, as strings.
async fn accesses(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let account = required_account(&q)?;
    let w = lock(&sh.world);
    ok(w.cloud
        .clouds
        .iter()
        .filter(|p| p.account_id == account && c.can_access(p.account_id))
        .map(|p| json!(p.id.to_string()))
        .collect())
}

/// `GET /1/public_clouds/config?account_id=`.
async fn config(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let account = required_account(&q)?;
    if !c.can_access(account) {
        return Err(ApiError::access_denied(
            "This token cannot see this account",
        ));
    }
    let w = lock(&sh.world);
    let projects: usize = w
        .cloud
        .clouds
        .iter()
        .filter(|p| p.account_id == account)
        .map(|p| p.projects.len())
        .sum();
    ok(
        json!({"free_tier": 300.0, "free_tier_used": 42.5, "account_resource_level": 2,
        "valid_from": 1_700_000_000, "valid_to": 1_900_000_000, "project_count": projects}),
    )
}

/// Every `(cloud, project)` of `account` the caller sees, optionally one cloud only.
fn each_project<'a>(
    w: &'a World,
    c: &'a Caller,
    account: u64,
    cloud: Option<i64>,
) -> impl Iterator<Item = (&'a PublicCloud, &'a Project)> + 'a {
    w.cloud
        .clouds
        .iter()
        .filter(move |pc| pc.account_id == account && c.can_access(pc.account_id))
        .filter(move |pc| cloud.is_none_or(|id| pc.id as i64 == id))
        .flat_map(|pc| pc.projects.iter().map(move |p| (pc, p)))
}

/// `GET /1/public_clouds/dbaas?account_id=` (optional `public_cloud_id`).
async fn all_dbaas(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let account = required_account(&q)?;
    let with = q.with(&["connection", "packs", "projects", "tags"])?;
    let w = lock(&sh.world);
    let items = each_project(&w, &c, account, q.int("public_cloud_id")?)
        .flat_map(|(pc, p)| {
            p.dbaas
                .iter()
                .map(|d| dbaas_json(pc, p, d, &with))
                .collect::<Vec<_>>()
        })
        .collect();
    list(items, &q)
}

/// `GET /1/public_clouds/kaas?account_id=` (optional `public_cloud_id`).
async fn all_kaas(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let account = required_account(&q)?;
    let w = lock(&sh.world);
    let items = each_project(&w, &c, account, q.int("public_cloud_id")?)
        .flat_map(|(pc, p)| {
            p.kaas
                .iter()
                .map(|k| kaas_json(pc, p, k))
                .collect::<Vec<_>>()
        })
        .collect();
    list(items, &q)
}

/// `GET /1/public_clouds/dbaas/{regions,packs,types,configurations}`.
async fn dbaas_catalogue(Path(what): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let q = Query::parse(q.as_deref());
    match what.as_str() {
        "regions" => ok(json!(REGIONS)),
        "types" => ok(json!([{"name": "mysql", "versions": ["8.0.42", "8.4.5"]}])),
        "configurations" => ok(json!([
            "auto_increment_increment",
            "connect_timeout",
            "max_connections"
        ])),
        "packs" => {
            let ty = q.get("type");
            ok(DBAAS_PACKS
                .iter()
                .filter(|p| ty.is_none_or(|t| t == p.1))
                .map(|p| dbaas_pack_json(p.0))
                .collect())
        }
        _ => Err(ApiError::no_route(
            "GET",
            &format!("/1/public_clouds/dbaas/{what}"),
        )),
    }
}

/// `GET /1/public_clouds/kaas/{packs,versions,regions,availability_zones}`.
async fn kaas_catalogue(Path(what): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let q = Query::parse(q.as_deref());
    match what.as_str() {
        "versions" => ok(json!(KAAS_VERSIONS)),
        "regions" => ok(json!(REGIONS)),
        "packs" => ok(KAAS_PACKS
            .iter()
            .map(|(id, name)| json!({"kaas_pack_id": id, "name": name, "description": format!("{name} control plane"), "price_per_hour": [], "limit_per_project": null, "is_active": "1"}))
            .collect()),
        "availability_zones" => match q.get("region") {
            Some(r) if REGIONS.contains(&r) => ok(json!([format!("{r}-1"), format!("{r}-2"), format!("{r}-3")])),
            _ => Err(ApiError::not_one_of("region", "The region attribute is required", REGIONS)),
        },
        _ => Err(ApiError::no_route("GET", &format!("/1/public_clouds/kaas/{what}"))),
    }
}

/// `GET /1/public_clouds/{id}`.
async fn cloud(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(pc): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let ci = cloud_idx(&w, &c, &pc)?;
    ok(cloud_json(&w.cloud.clouds[ci]))
}

/// `GET …/projects`.
async fn projects(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(pc): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let mut w = lock(&sh.world);
    let ci = cloud_idx(&w, &c, &pc)?;
    let cloud = &mut w.cloud.clouds[ci];
    cloud
        .projects
        .iter_mut()
        .for_each(|p| settle(&mut p.status));
    let items = cloud
        .projects
        .iter()
        .map(|p| project_json(cloud, p))
        .collect();
    list(items, &q)
}

/// `GET …/projects/{id}`.
async fn project(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid)): Path<(String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (ci, pi) = project_idx(&w, &c, &pc, &pid)?;
    let cloud = &mut w.cloud.clouds[ci];
    settle(&mut cloud.projects[pi].status);
    ok(project_json(cloud, &cloud.projects[pi]))
}

/// `POST …/projects/invite` (202): a project whose first user is invited by e-mail.
async fn project_invite(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(pc): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::PublicCloud,
        &format!("{PROJECTS}/invite"),
        "POST",
    )?;
    let mut w = lock(&sh.world);
    let ci = cloud_idx(&w, &c, &pc)?;
    let (id, uid) = (w.next_id(), w.next_id());
    let t = now();
    w.cloud.clouds[ci].projects.push(Project {
        id,
        name: body["project_name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        status: "creating".into(),
        created_at: t,
        updated_at: t,
        tags: vec![],
        users: vec![CloudUser {
            id: uid,
            description: body["user_description"]
                .as_str()
                .unwrap_or("invited")
                .to_string(),
            email: body["user_email"].as_str().map(str::to_string),
            status: "creating".into(),
            created_at: t,
        }],
        dbaas: vec![],
        kaas: vec![],
    });
    accepted(json!(id))
}

/// `PATCH …/projects/{id}` (202).
async fn project_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::PublicCloud, PROJECT, "PATCH")?;
    let mut w = lock(&sh.world);
    let (ci, pi) = project_idx(&w, &c, &pc, &pid)?;
    let p = &mut w.cloud.clouds[ci].projects[pi];
    p.name = body["name"].as_str().unwrap_or_default().to_string();
    p.status = "updating".into();
    p.updated_at = now();
    accepted(json!(true))
}

/// `DELETE …/projects/{id}` (202; 400 while the project is being created or changed).
async fn project_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid)): Path<(String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (ci, pi) = project_idx(&w, &c, &pc, &pid)?;
    if w.cloud.clouds[ci].projects[pi].status != "ok" {
        return Err(ApiError::bad_request(
            "public_cloud_project_cannot_be_deleted",
            "Public cloud project cannot be deleted",
        ));
    }
    w.cloud.clouds[ci].projects.remove(pi);
    accepted(json!(true))
}

/// `GET …/users`.
async fn users(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let mut w = lock(&sh.world);
    let (ci, pi) = project_idx(&w, &c, &pc, &pid)?;
    let p = &mut w.cloud.clouds[ci].projects[pi];
    p.users.iter_mut().for_each(|u| settle(&mut u.status));
    let items = p.users.iter().map(|u| user_json(p, u)).collect();
    list(items, &q)
}

fn user_idx(
    w: &World,
    c: &Caller,
    pc: &str,
    pid: &str,
    uid: &str,
) -> Result<(usize, usize, usize), ApiError> {
    child_idx(w, c, (pc, pid, uid), "Public cloud user", |p| {
        p.users.iter().map(|u| u.id).collect()
    })
}

/// `(cloud, project, child)` indexes of one user or service of a project, the child found
/// among `ids(project)`; 404 naming `what` otherwise.
fn child_idx(
    w: &World,
    c: &Caller,
    (pc, pid, raw): (&str, &str, &str),
    what: &str,
    ids: impl Fn(&Project) -> Vec<u64>,
) -> Result<(usize, usize, usize), ApiError> {
    let (ci, pi) = project_idx(w, c, pc, pid)?;
    let id = id_of(raw, what)?;
    let child = ids(&w.cloud.clouds[ci].projects[pi])
        .into_iter()
        .position(|x| x == id)
        .ok_or_else(|| ApiError::not_found(what))?;
    Ok((ci, pi, child))
}

/// `GET …/users/{id}`.
async fn user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, uid)): Path<(String, String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let (ci, pi, ui) = user_idx(&w, &c, &pc, &pid, &uid)?;
    let p = &w.cloud.clouds[ci].projects[pi];
    ok(user_json(p, &p.users[ui]))
}

/// `POST …/users/invite` (202).
async fn user_invite(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::PublicCloud,
        &format!("{PROJECT}/users/invite"),
        "POST",
    )?;
    let mut w = lock(&sh.world);
    let (ci, pi) = project_idx(&w, &c, &pc, &pid)?;
    let id = w.next_id();
    w.cloud.clouds[ci].projects[pi].users.push(CloudUser {
        id,
        description: body["description"]
            .as_str()
            .unwrap_or("invited")
            .to_string(),
        email: body["email"].as_str().map(str::to_string),
        status: "creating".into(),
        created_at: now(),
    });
    accepted(json!(id))
}

/// Sets a user's `email` and `description` from a body validated against the spec
/// operation `method op`; `status` marks an asynchronous change.
fn change_user(
    sh: &Shared,
    c: &Caller,
    (pc, pid, uid): (&str, &str, &str),
    body: &Bytes,
    (method, op): (&str, &str),
    status: Option<&str>,
) -> Result<(), ApiError> {
    let body = spec_body(body, Spec::PublicCloud, op, method)?;
    let mut w = lock(&sh.world);
    let (ci, pi, ui) = user_idx(&w, c, pc, pid, uid)?;
    let u = &mut w.cloud.clouds[ci].projects[pi].users[ui];
    if let Some(e) = body["email"].as_str() {
        u.email = Some(e.to_string());
    }
    if let Some(d) = body["description"].as_str() {
        u.description = d.to_string();
    }
    if let Some(s) = status {
        u.status = s.into();
    }
    Ok(())
}

/// `POST …/users/{id}/invite` (202, `true`): invites an e-mail onto an existing user.
async fn user_reinvite(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, uid)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let op = format!("{PROJECT}/users/{{public_cloud_user_id}}/invite");
    change_user(
        &sh,
        &c,
        (&pc, &pid, &uid),
        &body,
        ("POST", &op),
        Some("updating"),
    )?;
    accepted(json!(true))
}

/// `PATCH …/users/{id}` (200).
async fn user_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, uid)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let op = format!("{PROJECT}/users/{{public_cloud_user_id}}");
    change_user(&sh, &c, (&pc, &pid, &uid), &body, ("PATCH", &op), None)?;
    ok(json!(true))
}

/// `DELETE …/users/{id}` (202).
async fn user_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, uid)): Path<(String, String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (ci, pi, ui) = user_idx(&w, &c, &pc, &pid, &uid)?;
    w.cloud.clouds[ci].projects[pi].users.remove(ui);
    accepted(json!(true))
}

/// `GET …/dbaas`.
async fn project_dbaas(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let with = q.with(&["connection", "packs", "projects", "tags"])?;
    let w = lock(&sh.world);
    let (ci, pi) = project_idx(&w, &c, &pc, &pid)?;
    let (cloud, p) = (&w.cloud.clouds[ci], &w.cloud.clouds[ci].projects[pi]);
    list(
        p.dbaas
            .iter()
            .map(|d| dbaas_json(cloud, p, d, &with))
            .collect(),
        &q,
    )
}

fn dbaas_idx(
    w: &World,
    c: &Caller,
    pc: &str,
    pid: &str,
    id: &str,
) -> Result<(usize, usize, usize), ApiError> {
    child_idx(w, c, (pc, pid, id), "Database service", |p| {
        p.dbaas.iter().map(|d| d.id).collect()
    })
}

/// `GET …/dbaas/{id}`.
async fn dbaas_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, id)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let with = Query::parse(q.as_deref()).with(&["connection", "packs", "projects", "tags"])?;
    let w = lock(&sh.world);
    let (ci, pi, di) = dbaas_idx(&w, &c, &pc, &pid, &id)?;
    let (cloud, p) = (&w.cloud.clouds[ci], &w.cloud.clouds[ci].projects[pi]);
    ok(dbaas_json(cloud, p, &p.dbaas[di], &with))
}

/// `POST …/dbaas` (201 `{id, admin_password, kube_identifier}`).
async fn dbaas_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::PublicCloud,
        &format!("{PROJECT}/dbaas"),
        "POST",
    )?;
    let pack_id = body["pack_id"].as_str().and_then(|p| p.parse::<u64>().ok());
    let Some(pack) = pack_id.and_then(|id| DBAAS_PACKS.iter().find(|p| p.0 == id)) else {
        return Err(ApiError::invalid_attribute(
            "pack_id",
            "Unknown pack_id: see /1/public_clouds/dbaas/packs",
        ));
    };
    let region = body["region"].as_str().unwrap_or_default();
    if !REGIONS.contains(&region) {
        return Err(ApiError::not_one_of("region", "Unknown region", REGIONS));
    }
    let mut w = lock(&sh.world);
    let (ci, pi) = project_idx(&w, &c, &pc, &pid)?;
    let id = w.next_id();
    w.cloud.clouds[ci].projects[pi].dbaas.push(Dbaas {
        id,
        name: body["name"].as_str().unwrap_or_default().to_string(),
        r#type: body["type"].as_str().unwrap_or(pack.1).to_string(),
        version: body["version"].as_str().unwrap_or_default().to_string(),
        region: region.to_string(),
        status: "initializing".into(),
        pack_id: pack.0,
        backups: vec![],
        password_resets: 0,
    });
    ok_status(
        StatusCode::CREATED,
        json!({"id": id, "admin_password": format!("Adm-{:x}", id.wrapping_mul(0x9E37_79B9)), "kube_identifier": format!("pcdb-{id}")}),
    )
}

/// `GET …/dbaas/{id}/reset_password` (public-cloud.json "Reset Password"): a GET that
/// sets a new root password and answers the connection with it (`uri` and `command`
/// repeat the password, as the spec's `DatabaseServiceConnection` has them); 400
/// `cannot_retrieve_connection_information` while the service is not ready.
async fn dbaas_reset_password(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, id)): Path<(String, String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (ci, pi, di) = dbaas_idx(&w, &c, &pc, &pid, &id)?;
    let d = &mut w.cloud.clouds[ci].projects[pi].dbaas[di];
    if d.status != "ready" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "cannot_retrieve_connection_information",
            "Cannot retrieve connection information",
        ));
    }
    d.password_resets += 1;
    let (host, password) = (
        format!("pcdb-{}.{}.infomaniak.cloud", d.id, d.region),
        d.root_password(),
    );
    ok(json!({
        "host": host, "port": "3306", "user": "admin", "password": password,
        "uri": format!("mysql://admin:{password}@{host}:3306"),
        "command": format!("mysql -h {host} -P 3306 -u admin -p'{password}'"),
        "ca": "-----BEGIN CERTIFICATE-----",
    }))
}

/// `PATCH …/dbaas/{id}` → `true`.
async fn dbaas_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, id)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::PublicCloud,
        &format!("{PROJECT}/dbaas/{{dbaas_id}}"),
        "PATCH",
    )?;
    let mut w = lock(&sh.world);
    let (ci, pi, di) = dbaas_idx(&w, &c, &pc, &pid, &id)?;
    let d = &mut w.cloud.clouds[ci].projects[pi].dbaas[di];
    if let Some(n) = body["name"].as_str() {
        d.name = n.to_string();
    }
    if let Some(p) = body["pack_id"].as_str() {
        d.pack_id = p
            .parse()
            .map_err(|_| ApiError::invalid_attribute("pack_id", "pack_id must be a pack id"))?;
    }
    ok(json!(true))
}

/// `DELETE …/dbaas/{id}` → `true` (body `{keep_backup_files}` optional).
async fn dbaas_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, id)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let _body = spec_body(
        &body,
        Spec::PublicCloud,
        &format!("{PROJECT}/dbaas/{{dbaas_id}}"),
        "DELETE",
    )?;
    let mut w = lock(&sh.world);
    let (ci, pi, di) = dbaas_idx(&w, &c, &pc, &pid, &id)?;
    w.cloud.clouds[ci].projects[pi].dbaas.remove(di);
    ok(json!(true))
}

/// `GET …/kaas`.
async fn project_kaas(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    let (ci, pi) = project_idx(&w, &c, &pc, &pid)?;
    let (cloud, p) = (&w.cloud.clouds[ci], &w.cloud.clouds[ci].projects[pi]);
    list(p.kaas.iter().map(|k| kaas_json(cloud, p, k)).collect(), &q)
}

fn kaas_idx(
    w: &World,
    c: &Caller,
    pc: &str,
    pid: &str,
    id: &str,
) -> Result<(usize, usize, usize), ApiError> {
    child_idx(w, c, (pc, pid, id), "Kubernetes service", |p| {
        p.kaas.iter().map(|k| k.id).collect()
    })
}

/// `GET …/kaas/{id}`.
async fn kaas_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, id)): Path<(String, String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let (ci, pi, ki) = kaas_idx(&w, &c, &pc, &pid, &id)?;
    let (cloud, p) = (&w.cloud.clouds[ci], &w.cloud.clouds[ci].projects[pi]);
    ok(kaas_json(cloud, p, &p.kaas[ki]))
}

/// `POST …/kaas` (201, the new id).
async fn kaas_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::PublicCloud, &format!("{PROJECT}/kaas"), "POST")?;
    let pack_id = body["kaas_pack_id"].as_u64().unwrap_or_default();
    if !KAAS_PACKS.iter().any(|p| p.0 == pack_id) {
        return Err(ApiError::invalid_attribute(
            "kaas_pack_id",
            "Unknown kaas_pack_id: see /1/public_clouds/kaas/packs",
        ));
    }
    let version = body["kubernetes_version"].as_str().unwrap_or_default();
    if !KAAS_VERSIONS.contains(&version) {
        return Err(ApiError::not_one_of(
            "kubernetes_version",
            "Unknown version",
            KAAS_VERSIONS,
        ));
    }
    let region = body["region"].as_str().unwrap_or_default();
    if !REGIONS.contains(&region) {
        return Err(ApiError::not_one_of("region", "Unknown region", REGIONS));
    }
    let mut w = lock(&sh.world);
    let (ci, pi) = project_idx(&w, &c, &pc, &pid)?;
    let id = w.next_id();
    w.cloud.clouds[ci].projects[pi].kaas.push(Kaas {
        id,
        name: body["name"].as_str().unwrap_or_default().to_string(),
        region: region.to_string(),
        kubernetes_version: version.to_string(),
        status: "Creating".into(),
        pack_id,
        instances: 0,
    });
    ok_status(StatusCode::CREATED, json!(id))
}

/// `PATCH …/kaas/{id}` → `true`.
async fn kaas_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, id)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::PublicCloud,
        &format!("{PROJECT}/kaas/{{kaas_id}}"),
        "PATCH",
    )?;
    if let Some(v) = body["kubernetes_version"].as_str()
        && !KAAS_VERSIONS.contains(&v)
    {
        return Err(ApiError::not_one_of(
            "kubernetes_version",
            "Unknown version",
            KAAS_VERSIONS,
        ));
    }
    let mut w = lock(&sh.world);
    let (ci, pi, ki) = kaas_idx(&w, &c, &pc, &pid, &id)?;
    let k = &mut w.cloud.clouds[ci].projects[pi].kaas[ki];
    if let Some(n) = body["name"].as_str() {
        k.name = n.to_string();
    }
    if let Some(v) = body["kubernetes_version"].as_str() {
        k.kubernetes_version = v.to_string();
    }
    ok(json!(true))
}

/// `DELETE …/kaas/{id}` → `true`.
async fn kaas_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pc, pid, id)): Path<(String, String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (ci, pi, ki) = kaas_idx(&w, &c, &pc, &pid, &id)?;
    w.cloud.clouds[ci].projects[pi].kaas.remove(ki);
    ok(json!(true))
}

/// `GET /2/events/public-cloud-status` (core document: `data` is an object).
async fn status() -> ApiResult {
    ok(json!({"status": "operational", "incidents": [], "maintenances": [], "updated_at": now()}))
}

/// VPS are manager-private (§7.7): the public API has no such route, only `/proxy/1/vps`.
fn manager_only(c: &Caller, path: &str) -> Result<(), ApiError> {
    if c.label == "manager" {
        Ok(())
    } else {
        Err(ApiError::no_route("GET", path))
    }
}

/// The `with` values the manager accepts on a VPS (peer-agent-mcp.md, enumerated by 422).
const VPS_WITH: &[&str] = &[
    "*",
    "all",
    "configuration",
    "network",
    "quota",
    "pack",
    "reinstall",
    "rescue",
    "status",
    "vnc",
    "state",
    "firewall_applications",
    "os_version",
];

fn vps_json(v: &Vps, full: bool) -> Value {
    let mut out = json!({
        "id": v.id, "account_id": v.account_id, "customer_name": v.internal_name,
        "internal_name": v.internal_name, "location": "dc4-a", "managed": v.managed,
        "lite": false, "cloud_version": 2, "ip_v4": v.ip_v4, "ip_v6": v.ip_v6, "cpu": v.cpu,
        "ram": v.ram, "os_version": v.os_version, "total_disk_space": v.total_disk_space,
    });
    if full {
        out["status"] = json!("running");
        out["state"] = json!({"power": "on", "backup": v.managed});
        out["firewall_applications"] = json!([]);
        out["pack"] = json!({"name": format!("VPS {} vCPU", v.cpu)});
    }
    out
}

/// `GET /proxy/1/vps?account_id=` (manager only).
async fn vps_list(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    manager_only(&c, "/1/vps")?;
    let q = Query::parse(q.as_deref());
    let account = required_account(&q)?;
    let w = lock(&sh.world);
    ok(w.vps
        .iter()
        .filter(|v| v.account_id == account && c.can_access(v.account_id))
        .map(|v| vps_json(v, false))
        .collect())
}

/// `GET /proxy/1/vps/{id}?with[]=…` (manager only).
async fn vps_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    manager_only(&c, "/1/vps/{id}")?;
    let with = Query::parse(q.as_deref()).with(VPS_WITH)?;
    let id = id_of(&id, "VPS")?;
    let w = lock(&sh.world);
    let v = w
        .vps
        .iter()
        .find(|v| v.id == id && c.can_access(v.account_id))
        .ok_or_else(|| ApiError::not_found("VPS"))?;
    ok(vps_json(v, !with.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitional_states_settle() {
        for (from, to) in [
            ("creating", "ok"),
            ("updating", "ok"),
            ("Creating", "Active"),
            ("ok", "ok"),
            ("deleting", "deleting"),
        ] {
            let mut s = from.to_string();
            settle(&mut s);
            assert_eq!(s, to);
        }
    }

    #[test]
    fn account_id_is_required() {
        let err = required_account(&Query::parse(None)).unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.errors[0]["context"]["attribute"], "account_id");
        assert_eq!(
            required_account(&Query::parse(Some("account_id=7"))).unwrap(),
            7
        );
    }
}
