//! Drive users and drive invitations (`/2/drive/{id}/users…`).

use crate::routes::spec_body;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::data::{DriveInvitation, DriveUser, invitation_json, user_json};
use super::{id, remove_where, with_drive};
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, list, ok, ok_status};
use crate::openapi::Spec;
use crate::routes::now;
use crate::server::Shared;

type Sh = State<Arc<Shared>>;

fn user_missing() -> ApiError {
    ApiError::bad_request(
        "user_not_associated_with_drive",
        "User not associated with drive",
    )
}

/// GET `/2/drive/{id}/users` (`status[]`, `types[]`/`roles[]`, `search`, paging).
fn list_users_impl(sh: &Shared, c: &Caller, drive: &str, q: &Query) -> ApiResult {
    let statuses = q.all("status");
    let search = q.get("search").map(str::to_lowercase);
    let items = with_drive(sh, c, drive, |d| {
        Ok(d.kdrive
            .users
            .iter()
            .filter(|u| statuses.is_empty() || statuses.contains(&u.status))
            .filter(|u| {
                search
                    .as_ref()
                    .is_none_or(|s| u.email.contains(s) || u.last_name.to_lowercase().contains(s))
            })
            .map(|u| user_json(u, d))
            .collect::<Vec<_>>())
    })?;
    list(items, q)
}

/// GET `/2/drive/{id}/users`.
pub async fn list_users(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    list_users_impl(&sh, &c, &drive, &Query::parse(q.as_deref()))
}

/// POST `/2/drive/{id}/users`: adds known users, invites addresses.
pub async fn create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Kdrive, "/2/drive/{drive_id}/users", "POST")?;
    let role = body["role"].as_str().unwrap_or("user").to_string();
    let emails: Vec<String> = body["emails"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let user_ids: Vec<u64> = body["user_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    if emails.is_empty() && user_ids.is_empty() {
        return Err(ApiError::bad_request(
            "one_email_or_user_at_least_required",
            "One email or user at least required",
        ));
    }
    let out = with_drive(&sh, &c, &drive, |d| {
        let mut out = Vec::new();
        let t = now();
        for uid in user_ids {
            if d.kdrive.user(uid).is_some() {
                out.push(json!({"user_id": uid, "error": "user_already_in_drive"}));
                continue;
            }
            let u = DriveUser {
                id: uid,
                email: format!("user{uid}@example-shop.ch"),
                first_name: "New".into(),
                last_name: format!("User {uid}"),
                role: role.clone(),
                status: "active".into(),
                manager_roles: vec![],
                created_at: t,
                last_connection_at: t,
            };
            out.push(json!({"user_id": uid, "drive_user": user_json(&u, d)}));
            d.kdrive.users.push(u);
        }
        for email in emails {
            let next = d
                .kdrive
                .invitations
                .iter()
                .map(|i| i.id)
                .max()
                .unwrap_or(70_000)
                + 1;
            let inv = DriveInvitation {
                id: next,
                email: email.clone(),
                role: role.clone(),
                status: "pending".into(),
                created_at: t,
                expired_at: t + 30 * 86_400,
                invited_by: d.kdrive.users.first().map_or(0, |u| u.id),
            };
            out.push(json!({"email": email, "invitation": invitation_json(&inv, d.id)}));
            d.kdrive.invitations.push(inv);
        }
        d.users_count = d.kdrive.users.len() as u64;
        Ok(out)
    })?;
    ok_status(StatusCode::CREATED, Value::Array(out))
}

/// GET `/2/drive/{id}/users/{user_id}`.
pub async fn get_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, user)): Path<(String, String)>,
) -> ApiResult {
    let uid = id(&user, "User")?;
    ok(with_drive(&sh, &c, &drive, |d| {
        d.kdrive
            .user(uid)
            .map(|u| user_json(u, d))
            .ok_or_else(|| ApiError::not_found("User"))
    })?)
}

/// PUT `/2/drive/{id}/users/{user_id}` `{name?, role?}`.
pub async fn update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, user)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Kdrive,
        "/2/drive/{drive_id}/users/{user_id}",
        "PUT",
    )?;
    let uid = id(&user, "User")?;
    with_drive(&sh, &c, &drive, |d| {
        let u = d
            .kdrive
            .users
            .iter_mut()
            .find(|u| u.id == uid)
            .ok_or_else(user_missing)?;
        if let Some(role) = body["role"].as_str() {
            u.role = role.into();
        }
        Ok(())
    })?;
    ok(json!(true))
}

/// DELETE `/2/drive/{id}/users/{user_id}`: the user and every right they held go.
pub async fn remove(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, user)): Path<(String, String)>,
) -> ApiResult {
    let uid = id(&user, "User")?;
    with_drive(&sh, &c, &drive, |d| {
        remove_where(&mut d.kdrive.users, |u| u.id == uid, user_missing())?;
        for f in &mut d.kdrive.files {
            f.users.retain(|a| a.id != uid);
        }
        d.users_count = d.kdrive.users.len() as u64;
        Ok(())
    })?;
    ok(json!(true))
}

fn set_status(sh: &Shared, c: &Caller, drive: &str, user: &str, status: &str) -> ApiResult {
    let uid = id(user, "User")?;
    with_drive(sh, c, drive, |d| {
        let u = d
            .kdrive
            .users
            .iter_mut()
            .find(|u| u.id == uid)
            .ok_or_else(user_missing)?;
        u.status = status.into();
        Ok(())
    })?;
    ok(json!(true))
}

/// POST `/2/drive/{id}/users/{user_id}/lock`.
pub async fn lock_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, user)): Path<(String, String)>,
) -> ApiResult {
    set_status(&sh, &c, &drive, &user, "locked")
}

/// POST `/2/drive/{id}/users/{user_id}/unlock`.
pub async fn unlock_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, user)): Path<(String, String)>,
) -> ApiResult {
    set_status(&sh, &c, &drive, &user, "active")
}

/// PATCH `/2/drive/{id}/users/{user_id}/manager` `{roles: [statistic|technical]}`.
pub async fn manager(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, user)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Kdrive,
        "/2/drive/{drive_id}/users/{user_id}/manager",
        "PATCH",
    )?;
    let uid = id(&user, "User")?;
    let roles: Vec<String> = body["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    with_drive(&sh, &c, &drive, |d| {
        let u = d
            .kdrive
            .users
            .iter_mut()
            .find(|u| u.id == uid)
            .ok_or_else(user_missing)?;
        u.manager_roles = roles;
        Ok(())
    })?;
    ok(json!(true))
}

/// GET `/2/drive/{id}/users/invitation` (paged).
pub async fn invitations(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let items = with_drive(&sh, &c, &drive, |d| {
        Ok(d.kdrive
            .invitations
            .iter()
            .map(|i| invitation_json(i, d.id))
            .collect::<Vec<_>>())
    })?;
    list(items, &Query::parse(q.as_deref()))
}

/// GET `/2/drive/{id}/users/invitation/{invitation_id}`.
pub async fn invitation(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, inv)): Path<(String, String)>,
) -> ApiResult {
    let iid = id(&inv, "Invitation")?;
    ok(with_drive(&sh, &c, &drive, |d| {
        d.kdrive
            .invitations
            .iter()
            .find(|i| i.id == iid)
            .map(|i| invitation_json(i, d.id))
            .ok_or_else(|| ApiError::not_found("Invitation"))
    })?)
}

/// DELETE `/2/drive/{id}/users/invitation/{invitation_id}`.
pub async fn invitation_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, inv)): Path<(String, String)>,
) -> ApiResult {
    let iid = id(&inv, "Invitation")?;
    with_drive(&sh, &c, &drive, |d| {
        remove_where(
            &mut d.kdrive.invitations,
            |i| i.id == iid,
            ApiError::not_found("Invitation"),
        )
    })?;
    ok(json!(true))
}

/// GET `/2/drive/users/{user_id}/drives` (`account_id`, paging): the user's membership of
/// every drive they are in, as DriveUser objects.
pub async fn user_drives(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let uid = id(&user, "User")?;
    let account = q.int("account_id")?;
    let items: Vec<Value> = crate::server::lock(&sh.world)
        .drives
        .iter()
        .filter(|d| c.can_access(d.account_id) && account.is_none_or(|a| a == d.account_id as i64))
        .filter_map(|d| d.kdrive.user(uid).map(|u| user_json(u, d)))
        .collect();
    list(items, &q)
}
