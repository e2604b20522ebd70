//! Swiss Backup (`openapi/swiss-backup.json`), AI Tools (`ai-tools.json`) and the URL
//! shortener v2 (`url-shortener.json`).
//!
//! Quirks reproduced (infomaniak-api.md §7.8–7.10, §8): `account_id` required on the Swiss
//! Backup list; `is_demo` (and the other flags) as the strings `"false"`/`"true"` (Q10);
//! slot creation answers 201; batch results and the OpenAI-compatible models list answer
//! without the `{result, data}` envelope (Q11); the v2 short-URL list uses the envelope and
//! paginates. Request bodies are validated against the spec (422 naming the field).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{Value, json};

use super::{now, spec_body};
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, json_response, list, ok, ok_status};
use crate::openapi::Spec;
use crate::seed::REFERENCE_TIME;
use crate::server::{Shared, lock};
use crate::state::{BackupSlot, ShortUrl, State as World, SwissBackup};
use crate::utilities_world::MODELS;

type Sh = State<Arc<Shared>>;

const SLOTS: &str = "/1/swiss_backups/{swiss_backup_id}/slots";
const SLOT: &str = "/1/swiss_backups/{swiss_backup_id}/slots/{slot_id}";
const SLOT_TYPES: &[&str] = &[
    "acronis",
    "linux",
    "mobile",
    "office",
    "other",
    "qnap",
    "server",
    "synology",
    "virtual",
    "workstation",
];

/// The utilities routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/1/swiss_backups", get(backups))
        .route("/1/swiss_backups/pricing", get(pricing))
        .route("/1/swiss_backups/calculate", get(calculate))
        .route("/1/swiss_backups/{id}", get(backup))
        .route("/1/swiss_backups/{id}/acronis_informations", get(acronis))
        .route(
            "/1/swiss_backups/{id}/admin",
            post(admin_create).put(admin_update),
        )
        .route("/1/swiss_backups/{id}/slots", get(slots).post(slot_create))
        .route(
            "/1/swiss_backups/{id}/slots/{slot}",
            get(slot).put(slot_update).delete(slot_delete),
        )
        .route(
            "/1/swiss_backups/{id}/slots/{slot}/enable",
            post(slot_enable),
        )
        .route(
            "/1/swiss_backups/{id}/slots/{slot}/disable",
            post(slot_disable),
        )
        .route("/1/ai", get(ai_products))
        .route("/1/ai/models", get(ai_models))
        .route("/1/ai/{pid}/consumptions", get(consumptions))
        .route("/1/ai/{pid}/results/{batch}", get(batch))
        .route("/1/ai/{pid}/results/{batch}/download", get(batch_download))
        .route("/2/ai/{pid}/openai/v1/models", get(openai_models))
        .route("/2/url-shortener", get(short_urls).post(short_url_create))
        .route("/2/url-shortener/quota", get(short_url_quota))
}

/// A seeded time (relative to [`REFERENCE_TIME`]) as served: moved by as much as the clock
/// was past the reference when the tenant first served one, so ages ("checked 2 days ago")
/// stay true whenever the tenant runs. The shift is fixed from then on: an object read
/// twice (a plan, then its apply) reads the same, whichever second each read falls in.
fn served_time(t: i64) -> i64 {
    static SHIFT: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    t + *SHIFT.get_or_init(|| (now() - REFERENCE_TIME).max(0))
}

fn reserved(b: &SwissBackup) -> u64 {
    b.slots.iter().map(|s| s.size).sum()
}

/// The product-shaped Swiss Backup item (flags as strings, Q10).
fn backup_json(w: &World, b: &SwissBackup) -> Value {
    let account = w.accounts.iter().find(|a| a.id == b.account_id);
    json!({
        "id": b.id, "account_id": b.account_id, "service_id": 34, "service_name": "swiss_backup",
        "customer_name": format!("Swiss Backup {}", b.id), "internal_name": null,
        "created_at": 1_700_000_000, "expired_at": null, "version": 1, "has_maintenance": false,
        "is_locked": false, "has_operation_in_progress": false, "tags": [], "unique_id": b.id,
        "is_free": false, "is_zero_price": false, "is_trial": false,
        "rights": {"technical": true, "statistic": true, "check": true, "sale": true},
        "account_name": account.map_or("", |a| a.name.as_str()),
        "nb_slots": b.slots.len(), "max_slots": 50, "nb_unallocated_slots": 50 - b.slots.len(),
        "nb_unallocated_mobile_workstation": 0, "size": b.size, "storage_reserved": reserved(b),
        "size_free_storage": reserved(b), "is_demo": "false", "is_migrated": "false",
        "new_interface": "true", "admin": b.admin_email.clone().unwrap_or_default(),
    })
}

fn slot_json(s: &BackupSlot) -> Value {
    json!({
        "id": s.id, "customer_name": s.customer_name, "type": s.r#type, "subtype": "swift",
        "connection_type": "swift", "size": s.size, "storage_used": s.storage_used,
        "usage_last_check": served_time(s.usage_last_check), "created_at": 1_700_000_000,
        "locked_at": if s.locked { served_time(s.usage_last_check) } else { 0 }, "locked": s.locked, "tags": [],
        "lang": 2, "activate_notifications": true, "unit_admin": false,
        "username": format!("SBA-{:08}", s.id), "endpoint": "https://s3.swiss-backup04.infomaniak.com",
        "email": s.email,
    })
}

/// Swiss Backup's own 404 (swiss-backup.json: `not_found`, "Not Found").
fn sb_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "Not Found")
}

/// Swiss Backup's own 400 (`error`, "Bad Request"); the reason goes in `context`.
fn sb_bad_request(reason: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "error", "Bad Request")
        .with_context(json!({"reason": reason}))
}

fn backup_idx(w: &World, c: &Caller, id: &str) -> Result<usize, ApiError> {
    let id: u64 = id.parse().map_err(|_| sb_not_found())?;
    w.backups
        .iter()
        .position(|b| b.id == id && c.can_access(b.account_id))
        .ok_or_else(sb_not_found)
}

fn slot_idx(w: &World, c: &Caller, id: &str, slot: &str) -> Result<(usize, usize), ApiError> {
    let bi = backup_idx(w, c, id)?;
    let sid: u64 = slot.parse().map_err(|_| sb_not_found())?;
    let si = w.backups[bi]
        .slots
        .iter()
        .position(|s| s.id == sid)
        .ok_or_else(sb_not_found)?;
    Ok((bi, si))
}

/// `GET /1/swiss_backups?account_id=` (required).
async fn backups(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let Some(account) = q.int("account_id")? else {
        return Err(ApiError::validation(vec![(
            "account_id".into(),
            "validation_rule_required",
            "The account_id attribute is required".into(),
        )]));
    };
    let w = lock(&sh.world);
    let items = w
        .backups
        .iter()
        .filter(|b| b.account_id as i64 == account && c.can_access(b.account_id))
        .map(|b| backup_json(&w, b))
        .collect();
    list(items, &q)
}

/// `GET /1/swiss_backups/{id}`.
async fn backup(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let bi = backup_idx(&w, &c, &id)?;
    ok(backup_json(&w, &w.backups[bi]))
}

/// `GET /1/swiss_backups/{id}/acronis_informations`.
async fn acronis(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let b = &w.backups[backup_idx(&w, &c, &id)?];
    let count = |t: &str| b.slots.iter().filter(|s| s.r#type == t).count();
    ok(json!({
        "storage_used_acronis": b.slots.iter().filter(|s| s.r#type == "acronis").map(|s| s.storage_used).sum::<u64>(),
        "nb_slots_workstation": count("workstation"), "nb_slots_server": count("server"),
        "nb_slots_virtual": count("virtual"), "nb_slots_mobile": count("mobile"),
    }))
}

/// `POST /1/swiss_backups/{id}/admin` (201) and `PUT` (200): `{email}` → `[email]`.
async fn admin_set(
    sh: Arc<Shared>,
    c: Caller,
    id: String,
    body: Bytes,
    method: &str,
) -> Result<Value, ApiError> {
    let body = spec_body(
        &body,
        Spec::SwissBackup,
        "/1/swiss_backups/{swiss_backup_id}/admin",
        method,
    )?;
    let mut w = lock(&sh.world);
    let bi = backup_idx(&w, &c, &id)?;
    let email = body["email"].as_str().unwrap_or_default().to_string();
    w.backups[bi].admin_email = Some(email.clone());
    Ok(json!([email]))
}

async fn admin_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    ok_status(
        StatusCode::CREATED,
        admin_set(sh, c, id, body, "POST").await?,
    )
}

async fn admin_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    ok(admin_set(sh, c, id, body, "PUT").await?)
}

/// `GET /1/swiss_backups/{id}/slots` (not paged in the spec).
async fn slots(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let b = &w.backups[backup_idx(&w, &c, &id)?];
    ok(b.slots.iter().map(slot_json).collect())
}

/// `GET …/slots/{slot}`.
async fn slot(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, slot)): Path<(String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let (bi, si) = slot_idx(&w, &c, &id, &slot)?;
    ok(slot_json(&w.backups[bi].slots[si]))
}

/// `POST …/slots` (201): refused with 400 when the size exceeds the unallocated storage.
async fn slot_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::SwissBackup, SLOTS, "POST")?;
    let ty = body["type"].as_str().unwrap_or_default();
    if !SLOT_TYPES.contains(&ty) {
        return Err(ApiError::not_one_of(
            "type",
            "Unknown slot type",
            SLOT_TYPES,
        ));
    }
    let mut w = lock(&sh.world);
    let bi = backup_idx(&w, &c, &id)?;
    let size = body["size"].as_u64().unwrap_or(0);
    let b = &w.backups[bi];
    if size == 0 || reserved(b) + size > b.size {
        return Err(sb_bad_request(
            "not enough unallocated storage for this slot",
        ));
    }
    let sid = w.next_id();
    let slot = BackupSlot {
        id: sid,
        customer_name: body["customer_name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        r#type: ty.to_string(),
        size,
        storage_used: 0,
        // Stored on the reference clock, like the seeded slots (see served_time).
        usage_last_check: REFERENCE_TIME,
        locked: false,
        email: body["email"].as_str().unwrap_or_default().to_string(),
    };
    let out = slot_json(&slot);
    w.backups[bi].slots.push(slot);
    ok_status(StatusCode::CREATED, out)
}

/// `PUT …/slots/{slot}`.
async fn slot_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, slot)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::SwissBackup, SLOT, "PUT")?;
    let mut w = lock(&sh.world);
    let (bi, si) = slot_idx(&w, &c, &id, &slot)?;
    let s = &mut w.backups[bi].slots[si];
    if let Some(size) = body["size"].as_u64() {
        if size < s.storage_used {
            return Err(ApiError::invalid_attribute(
                "size",
                "The size cannot be smaller than the storage used",
            ));
        }
        s.size = size;
    }
    if let Some(n) = body["customer_name"].as_str() {
        s.customer_name = n.to_string();
    }
    if let Some(e) = body["email"].as_str() {
        s.email = e.to_string();
    }
    ok(slot_json(s))
}

/// `DELETE …/slots/{slot}` → `true`.
async fn slot_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, slot)): Path<(String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (bi, si) = slot_idx(&w, &c, &id, &slot)?;
    w.backups[bi].slots.remove(si);
    ok(json!(true))
}

fn set_lock(sh: &Shared, c: &Caller, id: &str, slot: &str, locked: bool) -> ApiResult {
    let mut w = lock(&sh.world);
    let (bi, si) = slot_idx(&w, c, id, slot)?;
    w.backups[bi].slots[si].locked = locked;
    ok(json!(true))
}

/// `POST …/slots/{slot}/enable` → `true`.
async fn slot_enable(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, slot)): Path<(String, String)>,
) -> ApiResult {
    set_lock(&sh, &c, &id, &slot, false)
}

/// `POST …/slots/{slot}/disable` → `true`.
async fn slot_disable(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, slot)): Path<(String, String)>,
) -> ApiResult {
    set_lock(&sh, &c, &id, &slot, true)
}

/// `GET /1/swiss_backups/pricing`.
async fn pricing() -> ApiResult {
    ok(json!({
        "prices": [
            {"type": "slot", "unit": 1, "currency": 1, "amount": "2.000", "amount_excl_vat": "1.850"},
            {"type": "storage", "unit": 1_000_000_000_000u64, "currency": 1, "amount": "15.000", "amount_excl_vat": "13.880"},
        ],
        "discounts": [{"label": "yearly", "periodicity": 12, "value": 10}],
    }))
}

/// `GET /1/swiss_backups/calculate?size=` (required): a yearly price.
async fn calculate(RawQuery(q): RawQuery) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let Some(size) = q.int("size")? else {
        return Err(ApiError::invalid_attribute(
            "size",
            "The size attribute is required",
        ));
    };
    let slots: i64 = [
        "slot",
        "slot_server",
        "slot_virtual",
        "slot_workstation",
        "slot_mobile",
    ]
    .iter()
    .map(|k| q.int(k).map(|v| v.unwrap_or(0)))
    .sum::<Result<i64, ApiError>>()?;
    // Yearly, VAT included (8.1 %), in cents; the schema's `oneOf: [number, integer]`
    // rejects a whole number (it matches both), so the price always carries cents.
    let price = (size as f64 / 1e12 * 15.0 * 12.0 + slots as f64 * 2.0 * 12.0) * 1.081;
    let cents = (price * 100.0).round() as i64;
    let cents = if cents % 100 == 0 { cents + 5 } else { cents };
    ok(json!(cents as f64 / 100.0))
}

/// `GET /1/ai`.
async fn ai_products(State(sh): Sh, Extension(c): Extension<Caller>) -> ApiResult {
    let w = lock(&sh.world);
    ok(w.ai_products
        .iter()
        .filter(|p| c.can_access(p.account_id))
        .map(|p| {
            let account = w.accounts.iter().find(|a| a.id == p.account_id).map_or("", |a| a.name.as_str());
            json!({"product_id": p.id, "product_name": p.name, "account_name": account, "status": p.status})
        })
        .collect())
}

/// `GET /1/ai/models`.
async fn ai_models() -> ApiResult {
    ok(MODELS
        .iter()
        .map(|(id, name, ty)| {
            json!({
                "id": id, "name": name, "type": ty, "documentation_link": null,
                "description": format!("{name} hosted in Switzerland"), "info_status": null,
                "logo_url": null, "last_updated_at": "2026-10-01", "max_token_input": 32_768,
                "version": null, "meta": {"is_beta": false},
            })
        })
        .collect())
}

fn ai_product(w: &World, c: &Caller, pid: &str) -> Result<u64, ApiError> {
    let id: u64 = pid.parse().map_err(|_| ApiError::not_found("AI product"))?;
    w.ai_products
        .iter()
        .find(|p| p.id == id && c.can_access(p.account_id))
        .map(|p| p.id)
        .ok_or_else(|| ApiError::not_found("AI product"))
}

/// `GET /1/ai/{product_id}/consumptions` (paged).
async fn consumptions(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(pid): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    let id = ai_product(&w, &c, &pid)?;
    let items = w
        .utilities
        .consumptions
        .iter()
        .filter(|l| l.product_id == id)
        .map(|l| {
            json!({"created_at": served_time(l.created_at), "model": l.model,
                "input_tokens": l.input_tokens, "output_tokens": l.output_tokens, "amount": l.amount})
        })
        .collect();
    list(items, &q)
}

/// `GET /1/ai/{product_id}/results/{batch_id}`: no envelope (Q11).
async fn batch(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pid, batch)): Path<(String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let id = ai_product(&w, &c, &pid)?;
    let b = w
        .utilities
        .batches
        .iter()
        .find(|b| b.product_id == id && b.id == batch)
        .ok_or_else(|| ApiError::not_found("Batch"))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"status": b.status, "url": format!("https://api.infomaniak.com/1/ai/{id}/results/{}/download", b.id),
            "file_name": format!("{}.jsonl", b.id), "file_size": 2048, "data": []}),
    ))
}

/// `GET …/results/{batch_id}/download`: the file, as a JSON string.
async fn batch_download(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((pid, batch)): Path<(String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let id = ai_product(&w, &c, &pid)?;
    if !w
        .utilities
        .batches
        .iter()
        .any(|b| b.product_id == id && b.id == batch)
    {
        return Err(ApiError::not_found("Batch"));
    }
    Ok(json_response(
        StatusCode::OK,
        &json!("{\"id\":\"req-1\",\"response\":\"ok\"}\n"),
    ))
}

/// `GET /2/ai/{product_id}/openai/v1/models`: OpenAI JSON, no envelope (Q11).
async fn openai_models(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(pid): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    ai_product(&w, &c, &pid)?;
    let data: Vec<Value> = MODELS
        .iter()
        .map(|(_, name, _)| json!({"id": name, "object": "model", "created": 1_750_000_000, "owned_by": "system"}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"object": "list", "data": data}),
    ))
}

fn short_url_json(u: &ShortUrl) -> Value {
    // The spec requires an integer expiration; a link that never expires has 0.
    json!({"code": u.code, "url": u.url, "created_at": u.created_at, "expiration_date": u.expiration_date.unwrap_or(0)})
}

/// `GET /2/url-shortener` (envelope, paged).
async fn short_urls(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    let items = w
        .short_urls
        .iter()
        .filter(|u| c.can_access(u.account_id))
        .map(short_url_json)
        .collect();
    list(items, &q)
}

/// `GET /2/url-shortener/quota`.
async fn short_url_quota(State(sh): Sh, Extension(c): Extension<Caller>) -> ApiResult {
    let w = lock(&sh.world);
    let used = w
        .short_urls
        .iter()
        .filter(|u| c.can_access(u.account_id))
        .count();
    ok(json!({"quota": used, "limit": w.utilities.short_url_limit}))
}

/// `POST /2/url-shortener` `{url, expiration_date?}` → the short URL (400 at the limit).
async fn short_url_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::UrlShortener, "/2/url-shortener", "POST")?;
    let url = body["url"].as_str().unwrap_or_default();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(ApiError::invalid_attribute(
            "url",
            "The url must be an http(s) URL",
        ));
    }
    let mut w = lock(&sh.world);
    let account = w
        .accounts
        .iter()
        .map(|a| a.id)
        .find(|a| c.can_access(*a))
        .ok_or_else(|| ApiError::access_denied("This token has no account"))?;
    let used = w
        .short_urls
        .iter()
        .filter(|u| c.can_access(u.account_id))
        .count() as u64;
    if used >= w.utilities.short_url_limit {
        return Err(ApiError::bad_request(
            "quota_exceeded",
            "The short URL quota is reached",
        ));
    }
    let n = w.next_id();
    let short = ShortUrl {
        code: format!("s{n:x}"),
        account_id: account,
        url: url.to_string(),
        created_at: now(),
        expiration_date: body["expiration_date"].as_i64(),
    };
    let out = short_url_json(&short);
    w.short_urls.push(short);
    ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan and its apply read the same object in different seconds: what they read must
    /// not differ by the clock alone (the e2e slot test went stale when they straddled a
    /// second).
    #[test]
    fn served_times_do_not_move_between_two_reads() {
        let seeded = REFERENCE_TIME - 86_400;
        let first = served_time(seeded);
        let second = now();
        while now() == second {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(served_time(seeded), first);
        assert!(
            first >= seeded,
            "ages stay true: shifted forward, never back"
        );
    }
}
