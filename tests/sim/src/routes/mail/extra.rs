//! Mail routes beyond the core families: signatures and signature templates, webmail and
//! device accesses (mail.json), and newsletters (newsletter.json). Their items live in
//! [`MailWorld::docs`](super::MailWorld), one list per collection path, seeded on first use
//! from the collection's own path so the same tenant always shows the same items.

use crate::routes::spec_body;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Extension, Router};
use serde_json::{Value, json};
use sha2::Digest;

use super::{hosting, mailbox_idx};
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, list, ok, ok_status};
use crate::openapi::{Spec, check_request};
use crate::routes::{body_json, now};
use crate::seed::REFERENCE_TIME;
use crate::server::{Shared, lock};
use crate::state::State as World;

type Sh = State<Arc<Shared>>;
type P2 = Path<(u64, String)>;
type P3 = Path<(u64, String, String)>;

const M: &str = "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}";
const H: &str = "/1/mail_hostings/{mail_hosting_id}";
/// mail.json names the hosting `{service_mail}` on access routes; the router needs one name
/// per segment, so these routes say `{mail_hosting_id}` and validate against this template.
const S: &str = "/1/mail_hostings/{service_mail}/mailboxes/{mailbox_name}";
const N: &str = "/1/newsletters/{domain}";

/// The extra mail routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            &format!("{M}/signatures"),
            get(signatures_get).post(signature_create),
        )
        .route(
            &format!("{M}/signatures/set_defaults"),
            post(signature_defaults),
        )
        .route(&format!("{M}/signatures/templates"), get(box_templates))
        .route(&format!("{M}/signatures/upload"), post(signature_upload))
        .route(
            &format!("{H}/signatures/templates/upload"),
            post(template_upload),
        )
        .route(
            &format!("{M}/signatures/templates/{{t}}"),
            get(box_template),
        )
        .route(
            &format!("{M}/signatures/{{signature}}"),
            get(signature_get)
                .patch(signature_patch)
                .delete(signature_delete),
        )
        .route(
            &format!("{H}/signatures/templates"),
            get(templates_list).post(template_create),
        )
        .route(
            &format!("{H}/signatures/templates/default"),
            get(template_default),
        )
        .route(
            &format!("{H}/signatures/templates/{{t}}"),
            get(template_get).put(template_put).delete(template_delete),
        )
        .route(
            &format!("{H}/signatures/templates/{{t}}/create_signatures"),
            post(template_apply),
        )
        .route(
            &format!("{M}/accesses/webmail"),
            get(webmail_get).post(webmail_add),
        )
        .route(&format!("{M}/accesses/webmail/users"), get(webmail_users))
        .route(
            &format!("{M}/accesses/webmail/users/{{user_id}}"),
            axum::routing::patch(webmail_patch).delete(webmail_delete),
        )
        .route(
            &format!("{M}/accesses/webmail/invitations"),
            post(invitation_create),
        )
        .route(
            &format!("{M}/accesses/webmail/invitations/{{inv}}/send"),
            post(invitation_send),
        )
        .route(&format!("{M}/accesses/devices"), get(devices_get))
        .route(
            &format!("{M}/accesses/devices/users/{{user_id}}"),
            get(devices_of_user).delete(devices_of_user_delete),
        )
        .route(
            &format!("{M}/accesses/devices/{{device_access}}"),
            delete(device_delete),
        )
        .route("/1/mail_hostings/accesses/devices", get(devices_all))
        .route(
            "/1/mail_hostings/accesses/devices/{device}",
            delete(device_everywhere_delete),
        )
        .route(
            "/1/mail_hostings/accesses/webmail/accounts/{account_id}/users/{user_id}",
            get(account_user_accesses),
        )
        .route(
            &format!("{H}/accesses/devices/users/{{user_id}}"),
            get(hosting_devices_of_user),
        )
        .route(&format!("{N}/groups"), get(groups_list).post(group_create))
        .route(
            &format!("{N}/groups/{{group}}"),
            get(group_get).put(group_put).delete(group_delete),
        )
        .route(
            &format!("{N}/groups/{{group}}/subscribers"),
            get(group_subscribers),
        )
        .route(
            &format!("{N}/groups/{{group}}/subscribers/assign"),
            post(group_assign),
        )
        .route(
            &format!("{N}/groups/{{group}}/subscribers/unassign"),
            post(group_unassign),
        )
        .route(
            &format!("{N}/subscribers"),
            get(subscribers_list)
                .post(subscriber_create)
                .delete(subscribers_delete),
        )
        .route(&format!("{N}/subscribers/count_status"), get(count_status))
        .route(
            &format!("{N}/subscribers/unsubscribe"),
            put(bulk_unsubscribe),
        )
        .route(&format!("{N}/subscribers/assign"), put(bulk_assign))
        .route(&format!("{N}/subscribers/unassign"), put(bulk_unassign))
        .route(
            &format!("{N}/subscribers/{{subscriber}}"),
            get(subscriber_get)
                .put(subscriber_put)
                .delete(subscriber_delete),
        )
        .route(
            &format!("{N}/subscribers/{{subscriber}}/forget"),
            delete(subscriber_forget),
        )
}

// ---------------------------------------------------------------------------------------
// The collection store

fn box_key(w: &World, c: &Caller, id: u64, name: &str, what: &str) -> Result<String, ApiError> {
    let i = mailbox_idx(w, c, id, name)?;
    Ok(format!(
        "/1/mail_hostings/{id}/mailboxes/{}/{what}",
        w.mailboxes[i].mailbox_name
    ))
}

fn hosting_key(w: &World, c: &Caller, id: u64, what: &str) -> Result<String, ApiError> {
    hosting(w, c, id)?;
    Ok(format!("/1/mail_hostings/{id}/{what}"))
}

/// The list at `key`, seeded by `seed` on first use.
fn docs<'a>(
    w: &'a mut World,
    key: &str,
    seed: impl FnOnce(u64) -> Vec<Value>,
) -> &'a mut Vec<Value> {
    let base = key.bytes().fold(1000u64, |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b))
    }) % 90_000
        + 10_000;
    w.mail
        .docs
        .entry(key.to_string())
        .or_insert_with(|| seed(base))
}

fn find(list: &[Value], id: &str) -> Result<usize, ApiError> {
    list.iter()
        .position(|v| {
            v["id"]
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| v["id"].to_string())
                == id
        })
        .ok_or_else(|| ApiError::not_found("Object"))
}

fn mailbox_address(w: &World, c: &Caller, id: u64, name: &str) -> Result<String, ApiError> {
    let i = mailbox_idx(w, c, id, name)?;
    Ok(w.mailboxes[i].mailbox.clone())
}

// ---------------------------------------------------------------------------------------
// Signatures and templates

/// Checks `{image}` (base64 of a png, jpg, svg or gif, as mail.json says), keeps it under
/// `key` and answers its URL (`ImageURL`).
fn store_image(w: &mut World, key: String, body: &Value) -> ApiResult {
    let image = body["image"].as_str().unwrap_or_default();
    let base64 = !image.is_empty()
        && image.len().is_multiple_of(4)
        && image
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c));
    // The first bytes of a PNG, JPEG, GIF, SVG and XML-prefixed SVG, in base64.
    let kind = ["iVBORw0KGgo", "/9j/", "R0lGOD", "PHN2Zy", "PD94bWw"]
        .iter()
        .any(|p| image.starts_with(p));
    if !(base64 && kind) {
        return Err(ApiError::invalid_attribute(
            "image",
            "image must be a png, jpg, jpeg, svg or gif image in base64",
        ));
    }
    let hash = hex::encode(&sha2::Sha256::digest(image.as_bytes())[..8]);
    let url = format!("https://signatures.infomaniak.com/images/{hash}");
    docs(w, &key, |_| Vec::new()).push(json!({"image": url, "base64_length": image.len()}));
    ok(json!({"image": url}))
}

async fn signature_upload(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, &format!("{M}/signatures/upload"), "POST")?;
    let mut w = lock(&sh.world);
    let key = box_key(&w, &c, id, &name, "signatures/images")?;
    store_image(&mut w, key, &body)
}

async fn template_upload(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        &format!("{H}/signatures/templates/upload"),
        "POST",
    )?;
    let mut w = lock(&sh.world);
    let key = hosting_key(&w, &c, id, "signatures/templates/images")?;
    store_image(&mut w, key, &body)
}

fn template_json(id: &str, hosting_id: u64, name: &str, is_default: bool) -> Value {
    json!({"id": id, "name": name, "service_mail_id": hosting_id.to_string(), "content": "<p>{{name}}</p>",
        "position": "bottom", "name_format": "first_last", "status": "enabled", "is_default": is_default})
}

fn templates<'a>(w: &'a mut World, c: &Caller, id: u64) -> Result<&'a mut Vec<Value>, ApiError> {
    let key = hosting_key(w, c, id, "signatures/templates")?;
    Ok(docs(w, &key, |b| {
        vec![template_json(&b.to_string(), id, "Company", true)]
    }))
}

fn signature_json(
    id: u64,
    name: &str,
    address: &str,
    template: &Value,
    is_default: bool,
    body: &Value,
) -> Value {
    json!({
        "id": id, "name": name, "fullname": body.get("fullname").cloned().unwrap_or(json!(name)), "full_name": name,
        "content": body.get("content").cloned().unwrap_or(json!("<p>Regards</p>")),
        "position": body.get("position").cloned().unwrap_or(json!("bottom")),
        "filled_at": REFERENCE_TIME, "is_auto": false, "is_default": is_default,
        "sender": address, "sender_idn": address, "sender_id": 1, "reply_to": address, "reply_to_idn": address, "reply_to_id": 1,
        "has_infomaniak_footer": body.get("has_infomaniak_footer").cloned().unwrap_or(json!(false)),
        "template": template,
    })
}

fn signatures<'a>(
    w: &'a mut World,
    c: &Caller,
    id: u64,
    name: &str,
) -> Result<&'a mut Vec<Value>, ApiError> {
    let address = mailbox_address(w, c, id, name)?;
    let template = templates(w, c, id)?[0].clone();
    let key = box_key(w, c, id, name, "signatures")?;
    Ok(docs(w, &key, |b| {
        vec![signature_json(
            b,
            "Default",
            &address,
            &template,
            true,
            &json!({}),
        )]
    }))
}

async fn signatures_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = signatures(&mut w, &c, id, &name)?.clone();
    let default = list
        .iter()
        .find(|s| s["is_default"] == true)
        .map(|s| s["id"].clone())
        .unwrap_or(json!(0));
    ok(
        json!({"signatures": list, "default_signature_id": default, "default_reply_signature_id": default,
        "position": "bottom", "verified_emails": [], "valid_emails": [], "is_forced": false, "aliases": []}),
    )
}

async fn signature_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, &format!("{M}/signatures"), "POST")?;
    let mut w = lock(&sh.world);
    let address = mailbox_address(&w, &c, id, &name)?;
    let template = templates(&mut w, &c, id)?[0].clone();
    let sid = w.next_id();
    let sig = signature_json(
        sid,
        body["name"].as_str().unwrap_or_default(),
        &address,
        &template,
        false,
        &body,
    );
    signatures(&mut w, &c, id, &name)?.push(sig.clone());
    ok(sig)
}

async fn signature_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, sig)): P3,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = signatures(&mut w, &c, id, &name)?;
    let i = find(list, &sig)?;
    ok(list[i].clone())
}

async fn signature_patch(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, sig)): P3,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        &format!("{M}/signatures/{{signature}}"),
        "PATCH",
    )?;
    let mut w = lock(&sh.world);
    let list = signatures(&mut w, &c, id, &name)?;
    let i = find(list, &sig)?;
    for k in [
        "name",
        "content",
        "position",
        "fullname",
        "has_infomaniak_footer",
    ] {
        if let Some(v) = body.get(k) {
            list[i][k] = v.clone();
        }
    }
    ok(json!(true))
}

async fn signature_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, sig)): P3,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = signatures(&mut w, &c, id, &name)?;
    let i = find(list, &sig)?;
    list.remove(i);
    ok(json!(true))
}

async fn signature_defaults(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        &format!("{M}/signatures/set_defaults"),
        "POST",
    )?;
    let mut w = lock(&sh.world);
    let list = signatures(&mut w, &c, id, &name)?;
    if let Some(d) = body.get("default_signature_id") {
        let i = find(list, &d.to_string())?;
        for (j, s) in list.iter_mut().enumerate() {
            s["is_default"] = json!(j == i);
        }
    }
    ok(json!(true))
}

async fn box_templates(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    mailbox_idx(&w, &c, id, &name)?;
    ok(json!(templates(&mut w, &c, id)?))
}

async fn box_template(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, t)): P3,
) -> ApiResult {
    let mut w = lock(&sh.world);
    mailbox_idx(&w, &c, id, &name)?;
    let list = templates(&mut w, &c, id)?;
    let i = find(list, &t)?;
    ok(list[i].clone())
}

async fn templates_list(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let mut w = lock(&sh.world);
    list(templates(&mut w, &c, id)?.clone(), &q)
}

async fn template_default(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = templates(&mut w, &c, id)?;
    list.iter()
        .find(|t| t["is_default"] == true)
        .cloned()
        .map_or_else(|| Err(ApiError::not_found("Default template")), ok)
}

async fn template_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, t)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = templates(&mut w, &c, id)?;
    let i = find(list, &t)?;
    ok(list[i].clone())
}

async fn template_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        &format!("{H}/signatures/templates"),
        "POST",
    )?;
    let mut w = lock(&sh.world);
    let tid = w.next_id().to_string();
    let t = template_json(&tid, id, body["name"].as_str().unwrap_or("Template"), false);
    templates(&mut w, &c, id)?.push(t);
    ok_status(StatusCode::CREATED, json!(tid))
}

async fn template_put(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, t)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        &format!("{H}/signatures/templates/{{signature_template}}"),
        "PUT",
    )?;
    let mut w = lock(&sh.world);
    let list = templates(&mut w, &c, id)?;
    let i = find(list, &t)?;
    for k in ["name", "content", "position"] {
        if let Some(v) = body.get(k) {
            list[i][k] = v.clone();
        }
    }
    ok(json!(true))
}

async fn template_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, t)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = templates(&mut w, &c, id)?;
    let i = find(list, &t)?;
    list.remove(i);
    ok(json!(true))
}

async fn template_apply(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, t)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = templates(&mut w, &c, id)?;
    find(list, &t)?;
    ok(json!(true))
}

// ---------------------------------------------------------------------------------------
// Webmail accesses

fn person(id: u64, email: &str) -> Value {
    let local = email.split('@').next().unwrap_or("user");
    json!({"id": id, "display_name": local, "first_name": local, "last_name": "", "email": email, "avatar": "", "is_sso": false})
}

/// The webmail accesses of a mailbox; seeded with the account's first user (its owner).
fn webmail<'a>(
    w: &'a mut World,
    c: &Caller,
    id: u64,
    name: &str,
) -> Result<&'a mut Vec<Value>, ApiError> {
    let account = hosting(w, c, id)?.account_id;
    let owner = w
        .users
        .iter()
        .find(|u| u.account_id == account)
        .map(|u| person(u.user_id, &u.email));
    let key = box_key(w, c, id, name, "accesses/webmail")?;
    Ok(docs(w, &key, |_| {
        owner
            .into_iter()
            .map(|user| webmail_access(user, true))
            .collect()
    }))
}

/// A webmail access of `user` (a [`person`]) as the tenant keeps it.
fn webmail_access(user: Value, is_primary: bool) -> Value {
    json!({"id": user["id"], "user": user, "status": "active", "is_primary": is_primary,
        "permissions": super::permissions(), "created_at": REFERENCE_TIME - 100 * 86_400, "last_used_at": REFERENCE_TIME})
}

/// A user's access as the account-wide route lists it.
fn user_access(a: &Value) -> Value {
    json!({"id": a["id"], "user": a["user"], "creator": a["user"], "status": a["status"],
        "last_used_at": a["last_used_at"], "is_primary": a["is_primary"], "created_at": a["created_at"],
        "permissions_binary": 2047, "permissions": [a["permissions"]], "has_valid_password": true})
}

/// A webmail access in the mailbox route's shape.
fn access_json(a: &Value) -> Value {
    json!({"user_access": user_access(a)})
}

/// `GET /1/mail_hostings/accesses/webmail/accounts/{account}/users/{user}`: every webmail
/// access of one user across the account's mailboxes (what an offboarding must revoke).
async fn account_user_accesses(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((account, user)): Path<(u64, u64)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    if !c.can_access(account) {
        return Err(ApiError::not_found("Account"));
    }
    let mut w = lock(&sh.world);
    let boxes: Vec<(u64, String)> = w
        .mailboxes
        .iter()
        .filter(|m| {
            w.mail_hostings
                .iter()
                .any(|h| h.id == m.mail_hosting_id && h.account_id == account)
        })
        .map(|m| (m.mail_hosting_id, m.mailbox_name.clone()))
        .collect();
    let mut items = Vec::new();
    for (hid, name) in boxes {
        for a in webmail(&mut w, &c, hid, &name)?
            .iter()
            .filter(|a| a["id"] == user)
        {
            items.push(user_access(a));
        }
    }
    list(items, &q)
}

async fn webmail_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let mut w = lock(&sh.world);
    let items = webmail(&mut w, &c, id, &name)?
        .iter()
        .map(access_json)
        .collect();
    list(items, &q)
}

async fn webmail_users(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let mut w = lock(&sh.world);
    let items = webmail(&mut w, &c, id, &name)?
        .iter()
        .map(|a| a["user"].clone())
        .collect();
    list(items, &q)
}

async fn webmail_add(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, &format!("{S}/accesses/webmail"), "POST")?;
    let uid = body["user_id"].as_u64().unwrap_or_default();
    let mut w = lock(&sh.world);
    let email = w
        .users
        .iter()
        .find(|u| u.user_id == uid)
        .map(|u| u.email.clone())
        .ok_or_else(|| ApiError::not_found("User"))?;
    let list = webmail(&mut w, &c, id, &name)?;
    if list.iter().any(|a| a["id"] == uid) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "object_already_exists",
            "This user already has access",
        ));
    }
    list.push(json!({"id": uid, "user": person(uid, &email), "status": "active", "is_primary": false,
        "permissions": body.get("permissions").cloned().unwrap_or_else(super::permissions), "created_at": now(), "last_used_at": 0}));
    ok_status(StatusCode::CREATED, json!(true))
}

async fn webmail_patch(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, uid)): P3,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        &format!("{S}/accesses/webmail/users/{{user_id}}"),
        "PATCH",
    )?;
    let mut w = lock(&sh.world);
    let list = webmail(&mut w, &c, id, &name)?;
    let i = find(list, &uid)?;
    list[i]["permissions"] = body["permissions"].clone();
    ok(json!(true))
}

async fn webmail_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, uid)): P3,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = webmail(&mut w, &c, id, &name)?;
    let i = find(list, &uid)?;
    list.remove(i);
    ok(json!(true))
}

async fn invitation_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        &format!("{S}/accesses/webmail/invitations"),
        "POST",
    )?;
    let mut w = lock(&sh.world);
    let address = mailbox_address(&w, &c, id, &name)?;
    let key = format!("inv{}", w.next_id());
    let inv = json!({"short_url": format!("https://ik.me/{key}"), "key": key, "sent_to": "", "expired_at": now() + 7 * 86_400,
        "signature_template_id": body.get("signature_template_id").cloned().unwrap_or(json!("")),
        "permissions": body.get("permissions").cloned().unwrap_or_else(super::permissions)});
    let mut inv = inv;
    // mail.json also lists the permission flags as required top-level fields.
    for (k, v) in super::permissions().as_object().into_iter().flatten() {
        inv[k] = v.clone();
    }
    let k = box_key(&w, &c, id, &name, "accesses/webmail/invitations")?;
    docs(&mut w, &k, |_| vec![]).push(json!({"id": key, "mailbox": address, "invitation": inv}));
    ok(inv)
}

async fn invitation_send(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, key)): P3,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        &format!("{S}/accesses/webmail/invitations/{{invitation_webmail}}/send"),
        "POST",
    )?;
    let mut w = lock(&sh.world);
    let k = box_key(&w, &c, id, &name, "accesses/webmail/invitations")?;
    let list = docs(&mut w, &k, |_| vec![]);
    let i = find(list, &key)?;
    list[i]["invitation"]["sent_to"] = body["email"].clone();
    ok(json!(true))
}

// ---------------------------------------------------------------------------------------
// Device accesses

fn device(id: u64, label: &str, kind: &str) -> Value {
    json!({"id": id, "label": label, "type": kind, "created_at": REFERENCE_TIME - 50 * 86_400, "device_uid": format!("uid-{id}")})
}

fn devices<'a>(
    w: &'a mut World,
    c: &Caller,
    id: u64,
    name: &str,
) -> Result<&'a mut Vec<Value>, ApiError> {
    let address = mailbox_address(w, c, id, name)?;
    let i = mailbox_idx(w, c, id, name)?;
    // The device's owner is the mailbox's first user (the tenant's own bookkeeping).
    let user = w
        .mail
        .boxes
        .get(&w.mailboxes[i].mailbox_id)
        .and_then(|e| e.users.first())
        .and_then(|u| u["id"].as_u64())
        .unwrap_or(0);
    let key = box_key(w, c, id, name, "accesses/devices")?;
    Ok(docs(w, &key, |b| {
        ["Laptop", "Phone"]
            .iter()
            .enumerate()
            .map(|(n, label)| {
                device_access(b + n as u64, b + 10 + n as u64, label, &address, id, user)
            })
            .collect()
    }))
}

/// Device access `id` of device `device` (a phone unless `label` is `Laptop`) on mailbox
/// `address` of hosting `hosting`, owned by `user` (the tenant's own bookkeeping).
fn device_access(
    id: u64,
    device_id: u64,
    label: &str,
    address: &str,
    hosting: u64,
    user: u64,
) -> Value {
    let kind = if label == "Laptop" {
        "computer"
    } else {
        "phone"
    };
    let local = address.split('@').next().unwrap_or_default();
    json!({"id": id, "device": device(device_id, label, kind),
        "protocols": "imap", "last_connection": REFERENCE_TIME - (id % 30) as i64 * 86_400, "created_at": REFERENCE_TIME - 60 * 86_400,
        "status": "healthy", "mailbox": {"mailbox_name": local, "mailbox": address}, "mailbox_idn": address,
        "mailbox_name": local, "service_mail_id": hosting,
        "can_delete": true, "can_regenerate": true,
        "user_id": user})
}

/// Fleet lists longer than a page (100 items, the plugins' `per_page`): mailbox `user000`
/// of the big hosting has [`FLEET_DEVICES`] device accesses and [`FLEET_WEBMAIL_USERS`]
/// webmail users, `user001` [`FLEET_MORE_DEVICES`] device accesses (so the account-wide
/// device list gathers several mailboxes over several pages), the hosting
/// [`FLEET_TEMPLATES`] signature templates and the newsletter of its domain
/// [`FLEET_SUBSCRIBERS`] subscribers.
pub fn seed_fleet(w: &mut World) {
    let Some(h) = w
        .mail_hostings
        .iter()
        .find(|h| h.domain == crate::seed::ZONE_NO_MAIL_POLICY)
        .cloned()
    else {
        return;
    };
    let address = format!("user000@{}", h.domain);
    let devices: Vec<Value> = (0..FLEET_DEVICES)
        .map(|n| {
            let id = w.next_id();
            device_access(id, id + 1_000_000, &format!("Phone {n}"), &address, h.id, 0)
        })
        .collect();
    w.mail.docs.insert(
        format!(
            "/1/mail_hostings/{}/mailboxes/user000/accesses/devices",
            h.id
        ),
        devices,
    );
    let address = format!("user001@{}", h.domain);
    let devices: Vec<Value> = (0..FLEET_MORE_DEVICES)
        .map(|n| {
            let id = w.next_id();
            device_access(
                id,
                id + 1_000_000,
                &format!("Tablet {n}"),
                &address,
                h.id,
                0,
            )
        })
        .collect();
    w.mail.docs.insert(
        format!(
            "/1/mail_hostings/{}/mailboxes/user001/accesses/devices",
            h.id
        ),
        devices,
    );
    let owner = w
        .users
        .iter()
        .find(|u| u.account_id == h.account_id)
        .map(|u| person(u.user_id, &u.email));
    let guests: Vec<Value> = (owner.is_some() as usize..FLEET_WEBMAIL_USERS)
        .map(|n| person(w.next_id(), &format!("guest{n:03}@partner.example")))
        .collect();
    let accesses = owner
        .map(|o| webmail_access(o, true))
        .into_iter()
        .chain(guests.into_iter().map(|g| webmail_access(g, false)))
        .collect();
    w.mail.docs.insert(
        format!(
            "/1/mail_hostings/{}/mailboxes/user000/accesses/webmail",
            h.id
        ),
        accesses,
    );
    let templates: Vec<Value> = (0..FLEET_TEMPLATES)
        .map(|n| {
            template_json(
                &w.next_id().to_string(),
                h.id,
                &format!("Template {n:03}"),
                n == 0,
            )
        })
        .collect();
    w.mail.docs.insert(
        format!("/1/mail_hostings/{}/signatures/templates", h.id),
        templates,
    );
    let subscribers: Vec<Value> = (0..FLEET_SUBSCRIBERS)
        .map(|n| {
            subscriber_json(
                w.next_id(),
                &format!("reader{n:03}@mail-{}", h.domain),
                vec![],
            )
        })
        .collect();
    w.mail.docs.insert(
        format!("/1/newsletters/{}/subscribers", h.domain),
        subscribers,
    );
}

/// Device accesses of the fleet's `user000` (two pages of 100).
pub const FLEET_DEVICES: usize = 150;
/// Device accesses of the fleet's `user001` (with `user000`'s, three account-wide pages).
pub const FLEET_MORE_DEVICES: usize = 80;
/// Webmail users of the fleet's `user000`, its account's owner first (two pages of 100).
pub const FLEET_WEBMAIL_USERS: usize = 120;
/// Signature templates of the fleet's big hosting (two pages of 100).
pub const FLEET_TEMPLATES: usize = 110;
/// Newsletter subscribers of the fleet's big hosting's domain (three pages of 100).
pub const FLEET_SUBSCRIBERS: usize = 230;

/// A device access in the answer's shape (`user_id` is the tenant's own bookkeeping).
fn device_access_json(d: &Value) -> Value {
    let mut v = d.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("user_id");
    }
    v
}

async fn devices_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let mut w = lock(&sh.world);
    let items = devices(&mut w, &c, id, &name)?
        .iter()
        .map(device_access_json)
        .collect();
    list(items, &q)
}

async fn devices_of_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, uid)): P3,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let mut w = lock(&sh.world);
    let items = devices(&mut w, &c, id, &name)?
        .iter()
        .filter(|d| Some(&d["user_id"]) == uid.parse::<u64>().ok().map(Value::from).as_ref())
        .map(device_access_json)
        .collect();
    list(items, &q)
}

async fn devices_of_user_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, uid)): P3,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = devices(&mut w, &c, id, &name)?;
    let before = list.len();
    let uid = uid.parse::<u64>().ok().map(Value::from);
    list.retain(|d| Some(&d["user_id"]) != uid.as_ref());
    if list.len() == before {
        return Err(ApiError::not_found("Device accesses of this user"));
    }
    ok(json!(true))
}

async fn device_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, access)): P3,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = devices(&mut w, &c, id, &name)?;
    let i = find(list, &access)?;
    list.remove(i);
    ok(json!(true))
}

/// Every device of the caller's mailboxes that the tenant has listed so far.
fn all_devices(w: &World, c: &Caller, hosting_id: Option<u64>) -> Vec<Value> {
    let visible: Vec<u64> = w
        .mail_hostings
        .iter()
        .filter(|h| c.can_access(h.account_id))
        .map(|h| h.id)
        .collect();
    w.mail
        .docs
        .iter()
        .filter(|(k, _)| k.ends_with("/accesses/devices"))
        .filter(|(k, _)| {
            k.split('/')
                .nth(3)
                .and_then(|id| id.parse::<u64>().ok())
                .is_some_and(|id| visible.contains(&id) && hosting_id.is_none_or(|h| h == id))
        })
        .flat_map(|(_, v)| v.iter().map(|d| d["device"].clone()))
        .collect()
}

async fn devices_all(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    list(all_devices(&w, &c, None), &q)
}

async fn hosting_devices_of_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, _uid)): P2,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    hosting(&w, &c, id)?;
    list(all_devices(&w, &c, Some(id)), &q)
}

/// `DELETE /1/mail_hostings/accesses/devices/{device}`: the device loses its access to
/// every mailbox of the caller's accounts.
async fn device_everywhere_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(device): Path<u64>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let visible: Vec<u64> = w
        .mail_hostings
        .iter()
        .filter(|h| c.can_access(h.account_id))
        .map(|h| h.id)
        .collect();
    let mut removed = 0;
    for (key, list) in w.mail.docs.iter_mut() {
        let hosting = key.split('/').nth(3).and_then(|id| id.parse::<u64>().ok());
        if key.ends_with("/accesses/devices") && hosting.is_some_and(|h| visible.contains(&h)) {
            let before = list.len();
            list.retain(|d| d["device"]["id"] != device);
            removed += before - list.len();
        }
    }
    if removed == 0 {
        return Err(ApiError::not_found("Device"));
    }
    ok(json!(true))
}

// ---------------------------------------------------------------------------------------
// Newsletters (newsletter.json), keyed by one of the caller's domains

fn newsletter_key(w: &World, c: &Caller, domain: &str, what: &str) -> Result<String, ApiError> {
    let d = domain.to_ascii_lowercase();
    w.domains
        .iter()
        .find(|x| x.name == d && c.can_access(x.account_id))
        .ok_or_else(|| ApiError::not_found(&format!("Newsletter of {domain}")))?;
    Ok(format!("/1/newsletters/{d}/{what}"))
}

fn group_json(id: u64, name: &str) -> Value {
    json!({"id": id, "name": name, "updated_at": REFERENCE_TIME - 5 * 86_400, "subscribed_count": "0",
        "statistics": {"open_rate": 0.42, "click_rate": 0.07}})
}

fn subscriber_json(id: u64, email: &str, groups: Vec<u64>) -> Value {
    json!({"id": id, "email": email, "status": "active", "created_at": REFERENCE_TIME - 30 * 86_400, "groups_ids": groups,
        "statistics": {"sent_count": 12, "open_count": 5, "click_count": 1, "open_rate": 0.41, "click_rate": 0.08}})
}

/// A subscriber in the answer's shape (group membership is the tenant's bookkeeping).
fn subscriber_out(s: &Value) -> Value {
    let mut v = s.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("groups_ids");
    }
    v
}

fn groups<'a>(w: &'a mut World, c: &Caller, domain: &str) -> Result<&'a mut Vec<Value>, ApiError> {
    let key = newsletter_key(w, c, domain, "groups")?;
    Ok(docs(w, &key, |b| {
        vec![group_json(b, "Customers"), group_json(b + 1, "Press")]
    }))
}

fn subscribers<'a>(
    w: &'a mut World,
    c: &Caller,
    domain: &str,
) -> Result<&'a mut Vec<Value>, ApiError> {
    let g = groups(w, c, domain)?[0]["id"].as_u64().unwrap_or_default();
    let key = newsletter_key(w, c, domain, "subscribers")?;
    let d = domain.to_ascii_lowercase();
    Ok(docs(w, &key, |b| {
        (0..5)
            .map(|n| {
                subscriber_json(
                    b + n,
                    &format!("reader{n}@mail-{d}"),
                    if n % 2 == 0 { vec![g] } else { vec![] },
                )
            })
            .collect()
    }))
}

type PD = Path<String>;
type PD2 = Path<(String, String)>;

async fn groups_list(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(d): PD,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let mut w = lock(&sh.world);
    list(groups(&mut w, &c, &d)?.clone(), &q)
}

async fn group_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(d): PD,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Newsletter, &format!("{N}/groups"), "POST")?;
    let mut w = lock(&sh.world);
    let gid = w.next_id();
    let list = groups(&mut w, &c, &d)?;
    if list.iter().any(|g| g["name"] == body["name"]) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "object_already_exists",
            "A group with this name exists",
        ));
    }
    let g = group_json(gid, body["name"].as_str().unwrap_or_default());
    list.push(g.clone());
    ok_status(StatusCode::CREATED, g)
}

async fn group_get(State(sh): Sh, Extension(c): Extension<Caller>, Path((d, g)): PD2) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = groups(&mut w, &c, &d)?;
    let i = find(list, &g)?;
    ok(list[i].clone())
}

async fn group_put(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((d, g)): PD2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Newsletter,
        &format!("{N}/groups/{{group}}"),
        "PUT",
    )?;
    let mut w = lock(&sh.world);
    let list = groups(&mut w, &c, &d)?;
    let i = find(list, &g)?;
    list[i]["name"] = body["name"].clone();
    list[i]["updated_at"] = json!(now());
    ok(list[i].clone())
}

async fn group_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((d, g)): PD2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = groups(&mut w, &c, &d)?;
    let i = find(list, &g)?;
    list.remove(i);
    ok(json!(true))
}

fn in_group(s: &Value, gid: u64) -> bool {
    s["groups_ids"]
        .as_array()
        .is_some_and(|g| g.iter().any(|x| x.as_u64() == Some(gid)))
}

async fn group_subscribers(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((d, g)): PD2,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let mut w = lock(&sh.world);
    let gid = g.parse::<u64>().map_err(|_| ApiError::not_found("Group"))?;
    find(groups(&mut w, &c, &d)?, &g)?;
    let items = subscribers(&mut w, &c, &d)?
        .iter()
        .filter(|s| in_group(s, gid))
        .map(subscriber_out)
        .collect();
    list(items, &q)
}

async fn group_membership(
    sh: Arc<Shared>,
    c: Caller,
    d: String,
    g: String,
    body: Bytes,
    assign: bool,
) -> ApiResult {
    let body = body_json(&body)?;
    let op = if assign { "assign" } else { "unassign" };
    check_request(
        Spec::Newsletter,
        &format!("{N}/groups/{{group}}/subscribers/{op}"),
        "POST",
        &body,
    )?;
    let mut w = lock(&sh.world);
    let gid = g.parse::<u64>().map_err(|_| ApiError::not_found("Group"))?;
    find(groups(&mut w, &c, &d)?, &g)?;
    let ids: Vec<u64> = body["subscriber_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    let list = subscribers(&mut w, &c, &d)?;
    let mut out = Vec::new();
    for s in list
        .iter_mut()
        .filter(|s| s["id"].as_u64().is_some_and(|id| ids.contains(&id)))
    {
        let mut gs: Vec<u64> = s["groups_ids"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .filter(|x| *x != gid)
            .collect();
        if assign {
            gs.push(gid);
        }
        s["groups_ids"] = json!(gs);
        out.push(subscriber_out(s));
    }
    ok(json!(out))
}

async fn group_assign(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((d, g)): PD2,
    body: Bytes,
) -> ApiResult {
    group_membership(sh, c, d, g, body, true).await
}

async fn group_unassign(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((d, g)): PD2,
    body: Bytes,
) -> ApiResult {
    group_membership(sh, c, d, g, body, false).await
}

async fn subscribers_list(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(d): PD,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let mut w = lock(&sh.world);
    let items = subscribers(&mut w, &c, &d)?
        .iter()
        .map(subscriber_out)
        .collect();
    list(items, &q)
}

async fn count_status(State(sh): Sh, Extension(c): Extension<Caller>, Path(d): PD) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = subscribers(&mut w, &c, &d)?;
    let count = |st: &str| list.iter().filter(|s| s["status"] == st).count();
    // newsletter.json types the answer as a list of strings: "status:count" entries.
    ok(json!([
        format!("active:{}", count("active")),
        format!("unsubscribed:{}", count("unsubscribed"))
    ]))
}

async fn subscriber_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(d): PD,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Newsletter, &format!("{N}/subscribers"), "POST")?;
    let mut w = lock(&sh.world);
    let sid = w.next_id();
    let list = subscribers(&mut w, &c, &d)?;
    let email = body["email"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !email.contains('@') {
        return Err(ApiError::invalid_attribute(
            "email",
            "The email attribute must be an e-mail address",
        ));
    }
    if list.iter().any(|s| s["email"] == email.as_str()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "object_already_exists",
            "This subscriber exists",
        ));
    }
    let s = subscriber_json(sid, &email, vec![]);
    list.push(s.clone());
    ok_status(StatusCode::CREATED, subscriber_out(&s))
}

async fn subscriber_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((d, s)): PD2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = subscribers(&mut w, &c, &d)?;
    let i = find(list, &s)?;
    ok(subscriber_out(&list[i]))
}

async fn subscriber_put(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((d, s)): PD2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Newsletter,
        &format!("{N}/subscribers/{{subscriber}}"),
        "PUT",
    )?;
    let mut w = lock(&sh.world);
    let list = subscribers(&mut w, &c, &d)?;
    let i = find(list, &s)?;
    if let Some(st) = body.get("status") {
        list[i]["status"] = st.clone();
    }
    ok(subscriber_out(&list[i]))
}

async fn subscriber_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((d, s)): PD2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let list = subscribers(&mut w, &c, &d)?;
    let i = find(list, &s)?;
    list.remove(i);
    ok(json!(true))
}

async fn subscriber_forget(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((d, s)): PD2,
) -> ApiResult {
    subscriber_delete(State(sh), Extension(c), Path((d, s))).await
}

/// The subscribers a bulk body selects (`select.all` minus `exclude`, or `include`).
fn selected(list: &[Value], body: &Value) -> Vec<u64> {
    let ids = |k: &str| -> Vec<u64> {
        body["select"][k]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect()
    };
    let (include, exclude) = (ids("include"), ids("exclude"));
    list.iter()
        .filter_map(|s| s["id"].as_u64())
        .filter(|id| {
            if body["select"]["all"] == true {
                !exclude.contains(id)
            } else {
                include.contains(id)
            }
        })
        .collect()
}

async fn bulk(
    sh: Arc<Shared>,
    c: Caller,
    d: String,
    body: Bytes,
    op: &str,
    method: &str,
) -> ApiResult {
    let body = body_json(&body)?;
    let template = if op.is_empty() {
        format!("{N}/subscribers")
    } else {
        format!("{N}/subscribers/{op}")
    };
    check_request(Spec::Newsletter, &template, method, &body)?;
    let mut w = lock(&sh.world);
    let group_ids: Vec<u64> = body["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g.as_str().and_then(|s| s.parse().ok()).or(g.as_u64()))
        .collect();
    let group_ids: Vec<u64> = group_ids
        .into_iter()
        .chain(body["group_id"].as_u64())
        .collect();
    let list = subscribers(&mut w, &c, &d)?;
    let chosen = selected(list, &body);
    match op {
        "" => list.retain(|s| !s["id"].as_u64().is_some_and(|id| chosen.contains(&id))),
        "unsubscribe" => list
            .iter_mut()
            .filter(|s| s["id"].as_u64().is_some_and(|id| chosen.contains(&id)))
            .for_each(|s| s["status"] = json!("unsubscribed")),
        _ => {
            for s in list
                .iter_mut()
                .filter(|s| s["id"].as_u64().is_some_and(|id| chosen.contains(&id)))
            {
                let mut gs: Vec<u64> = s["groups_ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_u64)
                    .filter(|g| !group_ids.contains(g))
                    .collect();
                if op == "assign" {
                    gs.extend(&group_ids);
                }
                s["groups_ids"] = json!(gs);
            }
        }
    }
    ok_status(
        StatusCode::ACCEPTED,
        json!(format!("batch-{}", chosen.len())),
    )
}

async fn subscribers_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(d): PD,
    body: Bytes,
) -> ApiResult {
    bulk(sh, c, d, body, "", "DELETE").await
}

async fn bulk_unsubscribe(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(d): PD,
    body: Bytes,
) -> ApiResult {
    bulk(sh, c, d, body, "unsubscribe", "PUT").await
}

async fn bulk_assign(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(d): PD,
    body: Bytes,
) -> ApiResult {
    bulk(sh, c, d, body, "assign", "PUT").await
}

async fn bulk_unassign(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(d): PD,
    body: Bytes,
) -> ApiResult {
    bulk(sh, c, d, body, "unassign", "PUT").await
}
