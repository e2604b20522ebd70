//! Drives, settings, preferences, statistics, activities (cursor) and activity reports.

use crate::routes::spec_body;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::data::{Activity, Report, activity_json, link_json, report_json};
use super::{cursor, cursor_key, id, remove_where, with_drive};
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, list as paged, ok, ok_status};
use crate::openapi::Spec;
use crate::routes::now;
use crate::server::{Shared, lock};
use crate::state::Drive;

type Sh = State<Arc<Shared>>;

/// The `Drive` shape of `/2/drive` (and of the undocumented `/2/drive/{id}`).
pub fn drive_json(d: &Drive) -> Value {
    // `current` and `max` are required by the spec's Drive schema but not described there
    // (a leak of a nested quota schema): sent as the used and total bytes.
    let mut v = json!({
        "id": d.id, "name": d.name, "size": d.size, "used_size": d.used_size,
        "current": d.used_size, "max": d.size,
        "created_at": 1_700_000_000, "updated_at": 1_790_000_000,
        "in_maintenance": d.kdrive.in_maintenance,
        "maintenance_at": if d.kdrive.in_maintenance { 1_794_900_000 } else { 0 },
        "version": "3", "users_count": d.kdrive.users.len(), "users_quota": 200,
        "product_id": d.id, "account_id": d.account_id, "expired_at": 1_830_000_000,
        "is_locked": false, "is_demo": false, "role": "admin", "account_admin": true,
        "is_in_app_subscription": false,
        "status": "ok",
        "invitations_count": d.kdrive.invitations.iter().filter(|i| i.status == "pending").count(),
    });
    if d.kdrive.in_maintenance {
        v["maintenance_reason"] = json!("technical");
    }
    v
}

/// GET `/2/drive?account_id=` (required).
pub async fn list(
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
    let items: Vec<Value> = lock(&sh.world)
        .drives
        .iter()
        .filter(|d| d.account_id as i64 == account && c.can_access(d.account_id))
        .map(drive_json)
        .collect();
    paged(items, &q)
}

/// GET `/2/drive/{id}` (infomaniak-api.md §7.5; not in kdrive.json). Answers in
/// maintenance too, with `in_maintenance: true`.
pub async fn get_drive(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
) -> ApiResult {
    let did = id(&drive, "Drive")?;
    let w = lock(&sh.world);
    let d = w
        .drives
        .iter()
        .find(|d| d.id == did && c.can_access(d.account_id))
        .ok_or_else(|| ApiError::not_found("Drive"))?;
    let mut v = drive_json(d);
    v["settings"] = d.kdrive.settings.clone();
    v["preferences"] = d.kdrive.preferences.clone();
    ok(v)
}

/// GET `/2/drive/{id}/settings`.
pub async fn settings(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
) -> ApiResult {
    ok(with_drive(&sh, &c, &drive, |d| {
        Ok(d.kdrive.settings.clone())
    })?)
}

/// PUT `/2/drive/{id}/settings/{ai|link|office|trash}`.
pub async fn put_settings(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, kind)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let key = match kind.as_str() {
        "ai" => "ai_scan",
        "link" => "shared_link",
        "office" => "office",
        "trash" => "trash",
        _ => return Err(ApiError::no_route("PUT", &kind)),
    };
    let body = spec_body(
        &body,
        Spec::Kdrive,
        &format!("/2/drive/{{drive_id}}/settings/{kind}"),
        "PUT",
    )?;
    with_drive(&sh, &c, &drive, |d| {
        let section = &mut d.kdrive.settings[key];
        for (k, v) in body.as_object().into_iter().flatten() {
            section[k] = v.clone();
        }
        Ok(())
    })?;
    ok(json!(true))
}

/// PUT `/2/drive/{id}/preferences`.
pub async fn put_preferences(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Kdrive,
        "/2/drive/{drive_id}/preferences",
        "PUT",
    )?;
    with_drive(&sh, &c, &drive, |d| {
        for (k, v) in body.as_object().into_iter().flatten() {
            d.kdrive.preferences[k] = v.clone();
        }
        Ok(())
    })?;
    ok(json!(true))
}

fn csv(text: String) -> ApiResult {
    let mut resp = (StatusCode::OK, text).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    Ok(resp)
}

fn require(q: &Query, keys: &[&str]) -> Result<(), ApiError> {
    let missing: Vec<(String, &'static str, String)> = keys
        .iter()
        .filter(|k| q.get(k).is_none() && q.all(k).is_empty())
        .map(|k| {
            (
                k.to_string(),
                "validation_rule_required",
                format!("The {k} attribute is required"),
            )
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(missing))
    }
}

/// GET `/2/drive/{id}/statistics/{sizes|activities|…}[/export]`.
pub async fn statistics(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, kind)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let chart = |title: &str, metric: &str, value: u64| {
        json!({"title": title, "labels": {"name": "date", "unit": "timestamp", "data": {}},
               "data": [{"name": metric, "unit": "count", "data": {"1794960000": value}, "metric": metric}]})
    };
    with_drive(&sh, &c, &drive, |d| {
        let k = &d.kdrive;
        match kind.as_str() {
            "sizes" | "sizes/export" => {
                require(&q, &["from", "until", "interval", "metrics"])?;
                if kind.ends_with("export") {
                    return csv(format!("date,used_size\n1794960000,{}\n", d.used_size));
                }
                ok(chart("Sizes", "used_size", d.used_size))
            }
            "activities" | "activities/export" => {
                require(&q, &["from", "until", "interval", "metric"])?;
                if kind.ends_with("export") {
                    return csv(format!(
                        "date,activities\n1794960000,{}\n",
                        k.activities.len()
                    ));
                }
                ok(chart("Activities", "activities", k.activities.len() as u64))
            }
            "activities/users" => {
                require(&q, &["from", "until"])?;
                ok(Value::Array(k.users.iter().map(|u| json!({"user_id": u.id, "name": super::data::display_name(u),
                    "agent": "kDrive desktop", "ip": "192.0.2.10", "last_login_at": u.last_connection_at})).collect()))
            }
            "activities/shared_files" => {
                require(&q, &["from", "until"])?;
                ok(Value::Array(k.files.iter().filter(|f| !f.users.is_empty() && f.trashed_at.is_none())
                    .map(|f| json!({"id": f.id, "name": f.name, "update_at": f.last_modified_at, "users": f.users.len()})).collect()))
            }
            "activities/links" | "activities/links/export" => {
                require(&q, &["from", "until"])?;
                let links: Vec<Value> = k
                    .files
                    .iter()
                    .filter(|f| f.trashed_at.is_none())
                    .filter_map(|f| {
                        f.link.as_ref().map(|l| {
                            let mut v = link_json(l, f.id, d.id);
                            v["unique_views"] = json!(l.views);
                            v
                        })
                    })
                    .collect();
                if kind.ends_with("export") {
                    return csv(links.iter().fold("url,views\n".to_string(), |acc, l| {
                        format!("{acc}{},{}\n", l["url"].as_str().unwrap_or(""), l["views"])
                    }));
                }
                paged(links, &q)
            }
            _ => Err(ApiError::no_route("GET", &kind)),
        }
    })
}

fn activities_page(
    sh: &Shared,
    c: &Caller,
    drive: &str,
    file: Option<&str>,
    raw: Option<String>,
    scope: String,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let actions = q.all("actions");
    let users: Vec<u64> = q
        .all("users")
        .iter()
        .filter_map(|u| u.parse().ok())
        .collect();
    let from = q.int("from")?;
    let until = q.int("until")?;
    let fid = file.map(|f| id(f, "File")).transpose()?;
    let items = with_drive(sh, c, drive, |d| {
        if let Some(fid) = fid
            && d.kdrive.file(fid).is_none()
        {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found_error",
                "File not found",
            ));
        }
        Ok(d.kdrive
            .activities
            .iter()
            .filter(|a| fid.is_none_or(|f| a.file_id == f))
            .filter(|a| actions.is_empty() || actions.contains(&a.action))
            .filter(|a| users.is_empty() || users.contains(&a.user_id))
            .filter(|a| {
                from.is_none_or(|f| a.created_at >= f) && until.is_none_or(|u| a.created_at <= u)
            })
            .map(|a: &Activity| (a.id, activity_json(a)))
            .collect())
    })?;
    cursor::page(
        items,
        &q,
        &cursor_key(sh),
        &format!(
            "{scope}:{}",
            raw.unwrap_or_default()
                .split('&')
                .filter(|p| !p.starts_with("cursor="))
                .collect::<Vec<_>>()
                .join("&")
        ),
        now(),
    )
}

/// GET `/3/drive/{id}/activities` (cursor; `actions[]`, `users[]`, `from`, `until`).
pub async fn activities(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    activities_page(&sh, &c, &drive, None, q, format!("act:{drive}"))
}

/// GET `/3/drive/{id}/files/activities`: the root directory's activities.
pub async fn root_activities(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    activities_page(&sh, &c, &drive, None, q, format!("rootact:{drive}"))
}

/// GET `/3/drive/{id}/files/{file_id}/activities`.
pub async fn file_activities(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, file)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    activities_page(
        &sh,
        &c,
        &drive,
        Some(&file),
        q,
        format!("fileact:{drive}:{file}"),
    )
}

/// The `AppUser` shape of a drive user (report authors).
fn app_user(d: &Drive, id: u64) -> Value {
    let u = d.kdrive.user(id);
    json!({
        "id": id, "avatar": format!("https://storage.infomaniak.com/avatar/{id}.png"), "deleted_at": null,
        "display_name": u.map_or(format!("user {id}"), super::data::display_name),
        "email": u.map_or("", |u| u.email.as_str()), "first_name": u.map_or("", |u| u.first_name.as_str()),
        "last_name": u.map_or("", |u| u.last_name.as_str()), "is_sso": false,
    })
}

fn report_full(r: &Report, d: &Drive) -> Value {
    let mut v = report_json(r);
    v["status"] = json!("done");
    v["size"] = json!("2 KB");
    v["generated_by"] = app_user(d, r.user_id);
    v["filters"] = json!({
        "actions": r.filters.get("actions").cloned().unwrap_or(json!([])),
        "start_at": r.filters.get("from"), "end_at": r.filters.get("until"),
        "user": app_user(d, r.filters.get("user_id").and_then(Value::as_u64).unwrap_or(r.user_id)),
    });
    v["download_url"] = json!(format!(
        "https://api.infomaniak.com/2/drive/{}/activities/reports/{}/export",
        d.id, r.id
    ));
    v["updated_at"] = json!(r.created_at);
    v
}

/// GET `/2/drive/{id}/activities/reports` (paged).
pub async fn reports(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let items = with_drive(&sh, &c, &drive, |d| {
        Ok(d.kdrive
            .reports
            .iter()
            .map(|r| report_full(r, d))
            .collect::<Vec<_>>())
    })?;
    paged(items, &Query::parse(q.as_deref()))
}

/// POST `/2/drive/{id}/activities/reports?lang=` [201] → the new report's id.
pub async fn report_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(drive): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Kdrive,
        "/2/drive/{drive_id}/activities/reports",
        "POST",
    )?;
    let rid = with_drive(&sh, &c, &drive, |d| {
        let rid = d
            .kdrive
            .reports
            .iter()
            .map(|r| r.id)
            .max()
            .unwrap_or(90_000)
            + 1;
        let user_id = d.kdrive.users.first().map_or(0, |u| u.id);
        d.kdrive.reports.push(Report {
            id: rid,
            filters: body.clone(),
            created_at: now(),
            user_id,
        });
        Ok(rid)
    })?;
    ok_status(StatusCode::CREATED, json!(rid))
}

fn report_id(report: &str) -> Result<u64, ApiError> {
    id(report, "Report")
}

/// GET `/2/drive/{id}/activities/reports/{report_id}`.
pub async fn report_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, report)): Path<(String, String)>,
) -> ApiResult {
    let rid = report_id(&report)?;
    ok(with_drive(&sh, &c, &drive, |d| {
        d.kdrive
            .reports
            .iter()
            .find(|r| r.id == rid)
            .map(|r| report_full(r, d))
            .ok_or_else(|| ApiError::not_found("Report"))
    })?)
}

/// DELETE `/2/drive/{id}/activities/reports/{report_id}`.
pub async fn report_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, report)): Path<(String, String)>,
) -> ApiResult {
    let rid = report_id(&report)?;
    with_drive(&sh, &c, &drive, |d| {
        remove_where(
            &mut d.kdrive.reports,
            |r| r.id == rid,
            ApiError::not_found("Report"),
        )
    })?;
    ok(json!(true))
}

/// GET `/2/drive/{id}/activities/reports/{report_id}/export`: CSV.
pub async fn report_export(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((drive, report)): Path<(String, String)>,
) -> ApiResult {
    let rid = report_id(&report)?;
    let text = with_drive(&sh, &c, &drive, |d| {
        d.kdrive
            .reports
            .iter()
            .find(|r| r.id == rid)
            .ok_or_else(|| ApiError::not_found("Report"))?;
        Ok(d.kdrive.activities.iter().fold(
            "id,action,file_id,user_id,created_at\n".to_string(),
            |acc, a| {
                format!(
                    "{acc}{},{},{},{},{}\n",
                    a.id, a.action, a.file_id, a.user_id, a.created_at
                )
            },
        ))
    })?;
    csv(text)
}
