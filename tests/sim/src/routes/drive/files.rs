//! Files: v3 listings (cursor), share links, file rights (users, teams, invitations), sizes
//! and the trash.

use crate::routes::spec_body;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::data::{Access, DriveData, FileInvitation, ROOT_ID, ShareLink, file_json, link_json};
use super::{cursor, cursor_key, id, no_link, remove_where, with_drive};
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, ok, ok_status};
use crate::openapi::{Spec, check_request};
use crate::routes::{body_json, now};
use crate::server::Shared;

type Sh = State<Arc<Shared>>;

fn file_missing() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found_error", "File not found")
}

fn live_file<'a>(
    d: &'a mut DriveData,
    file: &str,
) -> Result<&'a mut super::data::DriveFile, ApiError> {
    let fid = id(file, "File")?;
    d.file_mut(fid).ok_or_else(file_missing)
}

fn cursor_page(
    sh: &Shared,
    items: Vec<(u64, Value)>,
    q: Option<String>,
    scope: String,
) -> ApiResult {
    cursor::page(
        items,
        &Query::parse(q.as_deref()),
        &cursor_key(sh),
        &scope,
        now(),
    )
}

/// GET `/3/drive/{id}/files/{file_id}/files`: a directory's live children (cursor).
pub async fn children(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let types = Query::parse(q.as_deref()).all("type");
    let items = with_drive(&sh, &c, &drive, |d| {
        let dir = live_file(&mut d.kdrive, &file)?;
        if dir.kind != "dir" {
            return Err(ApiError::bad_request(
                "not_a_directory_error",
                "The file is not a directory",
            ));
        }
        let dir_id = dir.id;
        let k = &d.kdrive;
        Ok(k.files
            .iter()
            .filter(|f| f.parent_id == dir_id && f.id != dir_id && f.trashed_at.is_none())
            .filter(|f| types.is_empty() || types.contains(&f.kind))
            .map(|f| (f.id, file_json(f, k, d.id)))
            .collect())
    })?;
    cursor_page(&sh, items, q, format!("children:{drive}:{file}"))
}

/// GET `/3/drive/{id}/files/links`: every live file with a share link (cursor).
pub async fn links(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let items = with_drive(&sh, &c, &drive, |d| {
        let k = &d.kdrive;
        Ok(k.files
            .iter()
            .filter(|f| f.link.is_some() && f.trashed_at.is_none())
            .map(|f| (f.id, file_json(f, k, d.id)))
            .collect())
    })?;
    cursor_page(&sh, items, q, format!("links:{drive}"))
}

/// GET `/2/drive/{id}/files/{file_id}/sizes`.
pub async fn sizes(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
) -> ApiResult {
    ok(with_drive(&sh, &c, &drive, |d| {
        let fid = live_file(&mut d.kdrive, &file)?.id;
        let size = d.kdrive.size_under(fid);
        Ok(json!({"size": size, "storage_size": size}))
    })?)
}

/// GET `/2/drive/{id}/files/{file_id}/link`.
pub async fn link_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
) -> ApiResult {
    ok(with_drive(&sh, &c, &drive, |d| {
        let did = d.id;
        let f = live_file(&mut d.kdrive, &file)?;
        f.link
            .as_ref()
            .map(|l| link_json(l, f.id, did))
            .ok_or_else(no_link)
    })?)
}

fn apply_link_fields(l: &mut ShareLink, body: &Value) -> Result<(), ApiError> {
    if let Some(r) = body["right"].as_str() {
        l.right = r.into();
    }
    if body.get("valid_until").is_some() {
        l.valid_until = body["valid_until"].as_i64();
    }
    for cap in [
        "can_edit",
        "can_see_stats",
        "can_see_info",
        "can_download",
        "can_comment",
        "can_request_access",
    ] {
        if let Some(b) = body[cap].as_bool() {
            l.capabilities[cap] = json!(b);
        }
    }
    if l.right == "password"
        && body.get("password").is_none()
        && body["right"].as_str() == Some("password")
    {
        return Err(ApiError::invalid_attribute(
            "password",
            "A password is required for a password link",
        ));
    }
    Ok(())
}

/// POST `/2/drive/{id}/files/{file_id}/link` [201]; 409 `file_share_link_already_exists`.
pub async fn link_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Kdrive,
        "/2/drive/{drive_id}/files/{file_id}/link",
        "POST",
    )?;
    let out = with_drive(&sh, &c, &drive, |d| {
        let did = d.id;
        let by = d.kdrive.users.first().map_or(0, |u| u.id);
        let f = live_file(&mut d.kdrive, &file)?;
        if f.link.is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "file_share_link_already_exists",
                "This file already has a share link",
            ));
        }
        let t = now();
        let mut l = ShareLink {
            right: "public".into(),
            valid_until: None,
            capabilities: json!({"can_edit": false, "can_see_stats": false, "can_see_info": true,
                "can_download": true, "can_comment": false, "can_request_access": false}),
            created_by: by,
            created_at: t,
            updated_at: t,
            views: 0,
        };
        apply_link_fields(&mut l, &body)?;
        let v = link_json(&l, f.id, did);
        f.link = Some(l);
        Ok(v)
    })?;
    ok_status(StatusCode::CREATED, out)
}

/// PUT `/2/drive/{id}/files/{file_id}/link`.
pub async fn link_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Kdrive,
        "/2/drive/{drive_id}/files/{file_id}/link",
        "PUT",
    )?;
    with_drive(&sh, &c, &drive, |d| {
        let f = live_file(&mut d.kdrive, &file)?;
        let l = f.link.as_mut().ok_or_else(no_link)?;
        apply_link_fields(l, &body)?;
        l.updated_at = now();
        Ok(())
    })?;
    ok(json!(true))
}

/// DELETE `/2/drive/{id}/files/{file_id}/link`.
pub async fn link_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
) -> ApiResult {
    with_drive(&sh, &c, &drive, |d| {
        let f = live_file(&mut d.kdrive, &file)?;
        f.link.take().ok_or_else(no_link)?;
        Ok(())
    })?;
    ok(json!(true))
}

/// POST `/2/drive/{id}/files/{file_id}/link/invite`.
pub async fn link_invite(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let _body = spec_body(
        &body,
        Spec::Kdrive,
        "/2/drive/{drive_id}/files/{file_id}/link/invite",
        "POST",
    )?;
    with_drive(&sh, &c, &drive, |d| {
        let f = live_file(&mut d.kdrive, &file)?;
        f.link.as_ref().ok_or_else(no_link)?;
        Ok(())
    })?;
    ok(json!(true))
}

fn access_kind(kind: &str) -> Result<&'static str, ApiError> {
    match kind {
        "users" => Ok("users"),
        "teams" => Ok("teams"),
        "invitations" => Ok("invitations"),
        _ => Err(ApiError::no_route("GET", kind)),
    }
}

/// GET `/2/drive/{id}/files/{file_id}/access/{users|teams|invitations}`.
pub async fn access_list(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file, kind)): Path<(String, String, String)>,
) -> ApiResult {
    let kind = access_kind(&kind)?;
    ok(with_drive(&sh, &c, &drive, |d| {
        let fid = live_file(&mut d.kdrive, &file)?.id;
        let k = &d.kdrive;
        let f = k.file(fid).ok_or_else(file_missing)?;
        let entry = |id: u64, name: String, right: &str, status: &str| json!({"id": id, "access": kind.trim_end_matches('s'), "name": name, "right": right, "color": 1, "status": status});
        Ok(Value::Array(match kind {
            "users" => f
                .users
                .iter()
                .map(|a| {
                    let name = k
                        .user(a.id)
                        .map_or(format!("user {}", a.id), super::data::display_name);
                    let mut v = entry(a.id, name, &a.right, "accepted");
                    v["role"] = json!(k.user(a.id).map_or("user", |u| u.role.as_str()));
                    v
                })
                .collect(),
            "teams" => f
                .teams
                .iter()
                .map(|a| entry(a.id, format!("team {}", a.id), &a.right, "accepted"))
                .collect(),
            _ => f
                .invitations
                .iter()
                .map(|i| {
                    let mut v = entry(i.id, i.email.clone(), &i.right, "pending");
                    v["email"] = json!(i.email);
                    v["created_at"] = json!(i.created_at);
                    v
                })
                .collect(),
        }))
    })?)
}

/// POST `/2/drive/{id}/files/{file_id}/access/{users|teams|invitations}` [201].
pub async fn access_add(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file, kind)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let kind = access_kind(&kind)?;
    let body = spec_body(
        &body,
        Spec::Kdrive,
        &format!("/2/drive/{{drive_id}}/files/{{file_id}}/access/{kind}"),
        "POST",
    )?;
    let right = body["right"].as_str().unwrap_or("read").to_string();
    let out = with_drive(&sh, &c, &drive, |d| {
        let known: Vec<u64> = d.kdrive.users.iter().map(|u| u.id).collect();
        let f = live_file(&mut d.kdrive, &file)?;
        let mut out = Vec::new();
        let ids = |key: &str| -> Vec<Value> { body[key].as_array().cloned().unwrap_or_default() };
        match kind {
            "users" | "teams" => {
                for v in ids(if kind == "users" {
                    "user_ids"
                } else {
                    "team_ids"
                }) {
                    let Some(aid) = v.as_u64() else { continue };
                    if kind == "users" && !known.contains(&aid) {
                        out.push(json!({"id": aid, "result": false, "access": {}, "message": "user_not_associated_with_drive"}));
                        continue;
                    }
                    let list = if kind == "users" {
                        &mut f.users
                    } else {
                        &mut f.teams
                    };
                    list.retain(|a| a.id != aid);
                    list.push(Access {
                        id: aid,
                        right: right.clone(),
                    });
                    out.push(json!({"id": aid, "result": true, "access": {"id": aid, "access": kind.trim_end_matches('s'), "name": format!("{} {aid}", kind.trim_end_matches('s')), "right": right, "color": 1, "status": "accepted"}, "message": ""}));
                }
            }
            _ => {
                for v in ids("emails") {
                    let Some(email) = v.as_str() else { continue };
                    let iid = 80_000 + now() as u64 % 10_000 + f.invitations.len() as u64 * 10_000;
                    f.invitations.push(FileInvitation {
                        id: iid,
                        email: email.into(),
                        right: right.clone(),
                        created_at: now(),
                    });
                    out.push(json!({"id": email, "result": true, "access": {"id": iid, "access": "invitation", "name": email, "right": right, "color": 1, "status": "pending"}, "message": ""}));
                }
            }
        }
        Ok(out)
    })?;
    ok_status(StatusCode::CREATED, Value::Array(out))
}

/// PUT `/2/drive/{id}/files/{file_id}/access/{users|teams}/{id}` `{right}`.
pub async fn access_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file, kind, aid)): Path<(String, String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let kind = access_kind(&kind)?;
    let body = body_json(&body)?;
    let op = format!(
        "/2/drive/{{drive_id}}/files/{{file_id}}/access/{kind}/{{{}}}",
        if kind == "users" {
            "user_id"
        } else {
            "team_id"
        }
    );
    check_request(Spec::Kdrive, &op, "PUT", &body)?;
    let aid = id(&aid, "Access")?;
    with_drive(&sh, &c, &drive, |d| {
        let f = live_file(&mut d.kdrive, &file)?;
        let list = if kind == "users" {
            &mut f.users
        } else {
            &mut f.teams
        };
        let a = list
            .iter_mut()
            .find(|a| a.id == aid)
            .ok_or_else(|| ApiError::not_found("Access"))?;
        a.right = body["right"].as_str().unwrap_or("read").into();
        Ok(())
    })?;
    ok(json!(true))
}

/// DELETE `/2/drive/{id}/files/{file_id}/access/{users|teams}/{id}`.
pub async fn access_remove(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file, kind, aid)): Path<(String, String, String, String)>,
) -> ApiResult {
    let kind = access_kind(&kind)?;
    let aid = id(&aid, "Access")?;
    with_drive(&sh, &c, &drive, |d| {
        let f = live_file(&mut d.kdrive, &file)?;
        let list = if kind == "users" {
            &mut f.users
        } else {
            &mut f.teams
        };
        remove_where(list, |a| a.id == aid, ApiError::not_found("Access"))
    })?;
    ok(json!(true))
}

fn trashed(d: &DriveData) -> impl Iterator<Item = &super::data::DriveFile> {
    d.files.iter().filter(|f| f.trashed_at.is_some())
}

/// GET `/3/drive/{id}/trash` (cursor).
pub async fn trash_list(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let items = with_drive(&sh, &c, &drive, |d| {
        let k = &d.kdrive;
        Ok(trashed(k).map(|f| (f.id, file_json(f, k, d.id))).collect())
    })?;
    cursor_page(&sh, items, q, format!("trash:{drive}"))
}

/// GET `/3/drive/{id}/trash/{file_id}`.
pub async fn trash_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
) -> ApiResult {
    let fid = id(&file, "File")?;
    ok(with_drive(&sh, &c, &drive, |d| {
        let k = &d.kdrive;
        trashed(k)
            .find(|f| f.id == fid)
            .map(|f| file_json(f, k, d.id))
            .ok_or_else(file_missing)
    })?)
}

/// GET `/2/drive/{id}/trash/count`.
pub async fn trash_count(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
) -> ApiResult {
    ok(with_drive(&sh, &c, &drive, |d| {
        let files = trashed(&d.kdrive).filter(|f| f.kind == "file").count();
        let dirs = trashed(&d.kdrive).filter(|f| f.kind == "dir").count();
        Ok(json!({"count": files + dirs, "files": files, "directories": dirs}))
    })?)
}

/// DELETE `/2/drive/{id}/trash`: empties it.
pub async fn trash_empty(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
) -> ApiResult {
    with_drive(&sh, &c, &drive, |d| {
        d.kdrive.files.retain(|f| f.trashed_at.is_none());
        Ok(())
    })?;
    ok(json!(true))
}

/// DELETE `/2/drive/{id}/trash/{file_id}`: deletes one item for good.
pub async fn trash_remove(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
) -> ApiResult {
    let fid = id(&file, "File")?;
    with_drive(&sh, &c, &drive, |d| {
        remove_where(
            &mut d.kdrive.files,
            |f| f.id == fid && f.trashed_at.is_some(),
            file_missing(),
        )
    })?;
    ok(json!(true))
}

/// POST `/2/drive/{id}/trash/{file_id}/restore` `{destination_directory_id}` → undo
/// `{cancel_id, valid_until}` (Q18).
pub async fn trash_restore(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Kdrive,
        "/2/drive/{drive_id}/trash/{file_id}/restore",
        "POST",
    )?;
    let fid = id(&file, "File")?;
    let dest = body["destination_directory_id"].as_u64().unwrap_or(ROOT_ID);
    let cancel = with_drive(&sh, &c, &drive, |d| {
        if d.kdrive.file(dest).is_none_or(|f| f.kind != "dir") {
            return Err(ApiError::bad_request(
                "destination_not_a_directory",
                "The destination is not a directory",
            ));
        }
        let f = d
            .kdrive
            .files
            .iter_mut()
            .find(|f| f.id == fid && f.trashed_at.is_some())
            .ok_or_else(file_missing)?;
        f.trashed_at = None;
        f.parent_id = dest;
        Ok(format!("{:08x}-0000-4000-8000-{:012x}", d.id, fid))
    })?;
    ok(json!({"cancel_id": cancel, "valid_until": now() + 3600}))
}
