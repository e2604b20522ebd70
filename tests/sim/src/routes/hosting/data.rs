//! Databases, database users and FTP/SSH users of a hosting (infomaniak-api.md §7.4,
//! peer-agent-mcp.md §3 rows 3, 4, 8, 9 and §4).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::world::{Database, DbUser, FtpUser, Rights};
use super::{begin, hosting_ref, is_manager, manager_only};
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, list, ok};
use crate::routes::body_json;
use crate::server::{Shared, lock};
use crate::state::State as World;

type Sh = State<Arc<Shared>>;

fn required(field: &str) -> ApiError {
    ApiError::validation(vec![(
        field.into(),
        "validation_rule_required",
        format!("The {field} attribute is required"),
    )])
}

fn str_field<'a>(body: &'a Value, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid_attribute(
            field,
            format!("The {field} attribute must be a string"),
        )),
    }
}

/// A name part the hosting prefix is prepended to: `[a-z0-9_]`, 1..=`max` characters.
fn check_name(field: &str, name: &str, max: usize) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_attribute(
            field,
            format!("The {field} must be 1 to {max} characters among a-z, 0-9 and _"),
        ))
    }
}

/// The password rule of the hosting users (≥ 8, a lower case letter, an upper case letter
/// and a digit), infomaniak-api.md §7.4; its 422 names `password`.
fn check_password(password: &str) -> Result<(), ApiError> {
    let strong = password.len() >= 8
        && password.bytes().any(|b| b.is_ascii_lowercase())
        && password.bytes().any(|b| b.is_ascii_uppercase())
        && password.bytes().any(|b| b.is_ascii_digit());
    if strong {
        Ok(())
    } else {
        Err(ApiError::validation(vec![(
            "password".into(),
            "validation_rule_password_unified",
            "validation.password_unified".into(),
        )]))
    }
}

fn rights_json(r: Rights) -> Value {
    json!({"read": r.read, "write": r.write, "admin": r.admin})
}

fn database_json(w: &World, d: &Database) -> Value {
    let permissions: Vec<Value> = w
        .hosting
        .db_users
        .iter()
        .filter(|u| u.hosting_id == d.hosting_id)
        .filter_map(|u| {
            u.permissions
                .iter()
                .find(|(db, _)| *db == d.name)
                .map(|(_, r)| json!({"user": u.name, "rights": rights_json(*r)}))
        })
        .collect();
    json!({
        "name": d.name, "description": d.description,
        "application": d.application.as_ref().map(|(id, fqdn)| json!({"id": id, "type": "wordpress", "name": fqdn, "location": format!("/sites/{fqdn}")})),
        "disk_used": d.disk_used, "permissions": permissions, "backups": d.backups,
        "operation_in_progress": w.hosting.busy.contains(&d.hosting_id),
    })
}

fn db_user_json(w: &World, u: &DbUser) -> Value {
    json!({
        "name": u.name,
        "applications": u.applications.iter().map(|(id, name)| json!({"id": id, "type": "wordpress", "name": name})).collect::<Vec<_>>(),
        "permissions": u.permissions.iter().map(|(db, r)| json!({"database": db, "rights": rights_json(*r)})).collect::<Vec<_>>(),
        "is_temporary": false,
        "operation_in_progress": w.hosting.busy.contains(&u.hosting_id),
        "is_unlocked": false, "protected": !u.applications.is_empty(),
        "protected_information": u.applications.first().map(|(_, n)| format!("WordPress {n}")),
        "link": format!("https://h2-phpmyadmin.infomaniak.com/?user={}", u.name),
    })
}

fn ftp_json(u: &FtpUser) -> Value {
    json!({
        "login": u.login, "environment": "apache_php", "is_active": u.is_active,
        "has_ssh": u.connection_type == "ssh", "is_temporary": false,
        "home_directory": u.home_directory,
        "link_ftp_manager": format!("https://ftp.infomaniak.com/?login={}", u.login),
        "link": format!("sftp://{}@ftp.infomaniak.com", u.login),
    })
}

/// A paged list of one hosting's `items` (404 when the caller cannot see the hosting).
fn hosting_list(
    sh: &Shared,
    c: &Caller,
    hid: &str,
    q: Option<String>,
    items: impl Fn(&World, u64) -> Vec<Value>,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    let h = hosting_ref(&w, c, hid)?;
    list(items(&w, h.id), &q)
}

/// One named item of a hosting, or 404 naming `what`.
fn hosting_item(
    sh: &Shared,
    c: &Caller,
    hid: &str,
    what: &str,
    item: impl Fn(&World, u64) -> Option<Value>,
) -> ApiResult {
    let w = lock(&sh.world);
    let h = hosting_ref(&w, c, hid)?;
    ok(item(&w, h.id).ok_or_else(|| ApiError::not_found(what))?)
}

/// Deletes the item `exists` finds with `remove`, holding the hosting busy; 404 naming
/// `what` when there is none.
async fn hosting_delete(
    sh: &Arc<Shared>,
    c: &Caller,
    hid: &str,
    what: &str,
    exists: impl Fn(&World, u64) -> bool,
    remove: impl FnOnce(&mut World, u64),
) -> ApiResult {
    let hosting_id = {
        let w = lock(&sh.world);
        let h = hosting_ref(&w, c, hid)?;
        if !exists(&w, h.id) {
            return Err(ApiError::not_found(what));
        }
        h.id
    };
    let _busy = begin(sh, hosting_id).await?;
    remove(&mut lock(&sh.world), hosting_id);
    ok(json!(true))
}

/// `GET .../databases` (paging).
pub async fn databases(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(hid): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    hosting_list(&sh, &c, &hid, q, |w, id| {
        let dbs = w.hosting.databases.iter().filter(|d| d.hosting_id == id);
        dbs.map(|d| database_json(w, d)).collect()
    })
}

/// `GET .../databases/{name}` (the prefixed name).
pub async fn database(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((hid, name)): Path<(String, String)>,
) -> ApiResult {
    hosting_item(&sh, &c, &hid, "Database", |w, id| {
        let mut dbs = w.hosting.databases.iter();
        dbs.find(|d| d.hosting_id == id && d.name == name)
            .map(|d| database_json(w, d))
    })
}

/// `POST .../databases` `{database_name, description?}`: the prefix is prepended. With a
/// Bearer token it answers success and creates nothing (Q1).
pub async fn create_database(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(hid): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = body_json(&body)?;
    let name = str_field(&body, "database_name")?.ok_or_else(|| required("database_name"))?;
    let description = str_field(&body, "description")?.unwrap_or("").to_string();
    let (hosting_id, full) = {
        let w = lock(&sh.world);
        let h = hosting_ref(&w, &c, &hid)?;
        check_name("database_name", name, 64 - h.prefix.len())?;
        let full = format!("{}{name}", h.prefix);
        if w.hosting
            .databases
            .iter()
            .any(|d| d.hosting_id == h.id && d.name == full)
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "object_already_exists",
                format!("The database {full} already exists"),
            ));
        }
        (h.id, full)
    };
    let _busy = begin(&sh, hosting_id).await?;
    let mut w = lock(&sh.world);
    let noop = (w.hosting.quirks && !is_manager(&c)) || lock(&sh.faults).faults.hosting_silent_noop;
    if !noop {
        w.hosting.databases.push(Database {
            hosting_id,
            name: full.clone(),
            description,
            disk_used: 0,
            backups: vec![],
            application: None,
        });
    }
    ok(json!({"name": full}))
}

/// `DELETE .../databases/{name}`: also drops every grant on it.
pub async fn delete_database(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((hid, name)): Path<(String, String)>,
) -> ApiResult {
    let is = |d: &Database, id: u64| d.hosting_id == id && d.name == name;
    hosting_delete(
        &sh,
        &c,
        &hid,
        "Database",
        |w, id| w.hosting.databases.iter().any(|d| is(d, id)),
        |w, id| {
            w.hosting.databases.retain(|d| !is(d, id));
            for u in w.hosting.db_users.iter_mut().filter(|u| u.hosting_id == id) {
                u.permissions.retain(|(db, _)| *db != name);
            }
        },
    )
    .await
}

/// `GET .../database_users` (paging).
pub async fn db_users(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(hid): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    hosting_list(&sh, &c, &hid, q, |w, id| {
        let users = w.hosting.db_users.iter().filter(|u| u.hosting_id == id);
        users.map(|u| db_user_json(w, u)).collect()
    })
}

/// `GET .../database_users/{name}`.
pub async fn db_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((hid, name)): Path<(String, String)>,
) -> ApiResult {
    hosting_item(&sh, &c, &hid, "Database user", |w, id| {
        let mut users = w.hosting.db_users.iter();
        users
            .find(|u| u.hosting_id == id && u.name == name)
            .map(|u| db_user_json(w, u))
    })
}

/// `POST .../database_users` `{name, password}`; a `permissions` payload is accepted and
/// ignored (peer-agent-mcp.md §4.3).
pub async fn create_db_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(hid): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = body_json(&body)?;
    let name = str_field(&body, "name")?.ok_or_else(|| required("name"))?;
    check_password(str_field(&body, "password")?.ok_or_else(|| required("password"))?)?;
    let (hosting_id, full) = {
        let w = lock(&sh.world);
        let h = hosting_ref(&w, &c, &hid)?;
        check_name("name", name, 32 - h.prefix.len())?;
        let full = format!("{}{name}", h.prefix);
        if w.hosting
            .db_users
            .iter()
            .any(|u| u.hosting_id == h.id && u.name == full)
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "object_already_exists",
                format!("The database user {full} already exists"),
            ));
        }
        (h.id, full)
    };
    let _busy = begin(&sh, hosting_id).await?;
    lock(&sh.world).hosting.db_users.push(DbUser {
        hosting_id,
        name: full.clone(),
        permissions: vec![],
        applications: vec![],
        password_version: 0,
    });
    ok(json!({"name": full}))
}

/// The grants of a manager PATCH: an object keyed by database name, each `{read, write,
/// admin}` booleans; every key must be a database of the hosting.
fn grant_map(
    w: &World,
    hosting_id: u64,
    map: &Map<String, Value>,
) -> Result<Vec<(String, Rights)>, ApiError> {
    let mut out = Vec::new();
    for (db, rights) in map {
        if !w
            .hosting
            .databases
            .iter()
            .any(|d| d.hosting_id == hosting_id && d.name == *db)
        {
            return Err(ApiError::invalid_attribute(
                &format!("permissions.{db}"),
                format!("{db} is not a database of this hosting"),
            ));
        }
        let flag = |k: &str| match rights.get(k) {
            Some(Value::Bool(b)) => Ok(*b),
            _ => Err(ApiError::invalid_attribute(
                &format!("permissions.{db}.{k}"),
                format!("permissions.{db}.{k} must be a boolean"),
            )),
        };
        let r = Rights {
            read: flag("read")?,
            write: flag("write")?,
            admin: flag("admin")?,
        };
        if r.read || r.write || r.admin {
            out.push((db.clone(), r));
        }
    }
    Ok(out)
}

/// `PATCH .../database_users/{name}` `{password?, permissions?}`.
///
/// Public API: the password changes; `permissions` is ignored; with a password the grants
/// and applications are emptied (Q2). Manager: `permissions` as an object keyed by every
/// database name replaces the grants (the fix of Q2); the array form, or a password
/// without the object, resets them as the public route does.
pub async fn patch_db_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((hid, name)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = body_json(&body)?;
    let password = str_field(&body, "password")?;
    if let Some(p) = password {
        check_password(p)?;
    }
    let perms = body.get("permissions");
    if password.is_none() && perms.is_none() {
        return Err(ApiError::validation(vec![(
            "password".into(),
            "validation_rule_required_without",
            "Send password, permissions or both".into(),
        )]));
    }
    let hosting_id = {
        let w = lock(&sh.world);
        let h = hosting_ref(&w, &c, &hid)?;
        if !w
            .hosting
            .db_users
            .iter()
            .any(|u| u.hosting_id == h.id && u.name == name)
        {
            return Err(ApiError::not_found("Database user"));
        }
        if is_manager(&c)
            && let Some(Value::Object(map)) = perms
        {
            grant_map(&w, h.id, map)?;
        }
        h.id
    };
    let _busy = begin(&sh, hosting_id).await?;
    let mut w = lock(&sh.world);
    let grants = match (is_manager(&c), perms) {
        (true, Some(Value::Object(map))) => Some(grant_map(&w, hosting_id, map)?),
        _ => None,
    };
    let quirks = w.hosting.quirks;
    let wiped = grants.is_none()
        && (password.is_some() || matches!(perms, Some(Value::Array(_))))
        && quirks;
    let u = w
        .hosting
        .db_users
        .iter_mut()
        .find(|u| u.hosting_id == hosting_id && u.name == name)
        .ok_or_else(|| ApiError::not_found("Database user"))?;
    if password.is_some() {
        u.password_version += 1;
    }
    if let Some(g) = grants {
        u.permissions = g;
    } else if wiped {
        u.permissions.clear();
        u.applications.clear();
    }
    ok(json!(true))
}

/// `DELETE .../database_users/{name}`.
pub async fn delete_db_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((hid, name)): Path<(String, String)>,
) -> ApiResult {
    let is = |u: &DbUser, id: u64| u.hosting_id == id && u.name == name;
    hosting_delete(
        &sh,
        &c,
        &hid,
        "Database user",
        |w, id| w.hosting.db_users.iter().any(|u| is(u, id)),
        |w, id| w.hosting.db_users.retain(|u| !is(u, id)),
    )
    .await
}

/// `GET .../users` (FTP/SSH users, paging).
pub async fn ftp_users(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(hid): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    hosting_list(&sh, &c, &hid, q, |w, id| {
        let users = w.hosting.ftp_users.iter().filter(|u| u.hosting_id == id);
        users.map(ftp_json).collect()
    })
}

fn connection_type(body: &Value, required_too: bool) -> Result<Option<String>, ApiError> {
    match str_field(body, "connection_type")? {
        Some(t) if t == "ftp" || t == "ssh" => Ok(Some(t.to_string())),
        Some(_) => Err(ApiError::not_one_of(
            "connection_type",
            "The selected connection_type is invalid",
            &["ftp", "ssh"],
        )),
        None if required_too => Err(required("connection_type")),
        None => Ok(None),
    }
}

/// `POST .../users` `{*connection_type, *login (prefix added), *password, home_directory}`.
pub async fn create_ftp_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(hid): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = body_json(&body)?;
    let kind = connection_type(&body, true)?.unwrap_or_default();
    let login = str_field(&body, "login")?.ok_or_else(|| required("login"))?;
    check_password(str_field(&body, "password")?.ok_or_else(|| required("password"))?)?;
    let home = str_field(&body, "home_directory")?
        .unwrap_or("/")
        .to_string();
    if !home.starts_with('/') || home.contains("..") {
        return Err(ApiError::invalid_attribute(
            "home_directory",
            "The home_directory must be an absolute path inside the hosting",
        ));
    }
    let (hosting_id, full) = {
        let w = lock(&sh.world);
        let h = hosting_ref(&w, &c, &hid)?;
        check_name("login", login, 32 - h.prefix.len())?;
        let full = format!("{}{login}", h.prefix);
        if w.hosting
            .ftp_users
            .iter()
            .any(|u| u.hosting_id == h.id && u.login == full)
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "object_already_exists",
                format!("The user {full} already exists"),
            ));
        }
        (h.id, full)
    };
    let _busy = begin(&sh, hosting_id).await?;
    let user = FtpUser {
        hosting_id,
        login: full,
        connection_type: kind,
        home_directory: home,
        is_active: true,
        password_version: 0,
    };
    let out = ftp_json(&user);
    lock(&sh.world).hosting.ftp_users.push(user);
    ok(out)
}

/// `PATCH .../users/{full_login}` (manager only) `{*login: short login, password?,
/// *connection_type}`: the full login in the path, the short one in the body (a short login
/// in the path is 404).
pub async fn patch_ftp_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((hid, login)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    manager_only(&c, "PATCH", uri.path())?;
    let body = body_json(&body)?;
    let kind = connection_type(&body, true)?.unwrap_or_default();
    let short = str_field(&body, "login")?.ok_or_else(|| required("login"))?;
    let password = str_field(&body, "password")?;
    if let Some(p) = password {
        check_password(p)?;
    }
    let hosting_id = {
        let w = lock(&sh.world);
        let h = hosting_ref(&w, &c, &hid)?;
        if !w
            .hosting
            .ftp_users
            .iter()
            .any(|u| u.hosting_id == h.id && u.login == login)
        {
            return Err(ApiError::not_found("User"));
        }
        if format!("{}{short}", h.prefix) != login {
            return Err(ApiError::invalid_attribute(
                "login",
                "The login must be the short login (without the hosting prefix) of the user in the path",
            ));
        }
        h.id
    };
    let _busy = begin(&sh, hosting_id).await?;
    let mut w = lock(&sh.world);
    let u = w
        .hosting
        .ftp_users
        .iter_mut()
        .find(|u| u.hosting_id == hosting_id && u.login == login)
        .ok_or_else(|| ApiError::not_found("User"))?;
    u.connection_type = kind;
    if password.is_some() {
        u.password_version += 1;
    }
    ok(json!(true))
}

/// `DELETE .../users/{login}`.
pub async fn delete_ftp_user(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((hid, login)): Path<(String, String)>,
) -> ApiResult {
    let is = |u: &FtpUser, id: u64| u.hosting_id == id && u.login == login;
    hosting_delete(
        &sh,
        &c,
        &hid,
        "User",
        |w, id| w.hosting.ftp_users.iter().any(|u| is(u, id)),
        |w, id| w.hosting.ftp_users.retain(|u| !is(u, id)),
    )
    .await
}
