//! MySQL databases and database users. Creates and deletes go through the manager (the
//! public database POST silently no-ops, Q1); user changes go through the manager PATCH
//! with the full grant map, since a password change otherwise wipes the grants (Q2).

use std::collections::BTreeMap;

use ikmcp_pdk::error::{invalid_args, not_found, upstream};
use ikmcp_pdk::plan::change_before;
use ikmcp_pdk::{Ctx, HttpMethod, Plan, PlanBuilder, Planned, SecretArg, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::common::{
    Item, MANAGER, Outcome, check_name, check_password, effect, get_hosting, hosting_path,
    lock_hosting, not_found_hint, nth, outcome, perform, prefixed, proxied, public, segment,
};
use crate::sites::{HostingArgs, Listed, silent_noop};

/// Every database of a hosting: `GET /1/web_hostings/{id}/databases` (§7.4), all pages.
pub fn all(ctx: &Ctx, hosting_id: u64) -> Result<Vec<Value>, ToolError> {
    public(ctx)
        .list_all(&format!("{}/databases", hosting_path(hosting_id)), &[])
        .map_err(|e| not_found_hint(e, "check hosting_id with infomaniak_list_hostings"))
}

/// Every database (size, grants, backups).
pub fn list(ctx: &Ctx, a: HostingArgs) -> Result<Listed, ToolError> {
    let items = all(ctx, a.hosting_id)?;
    Ok(Listed {
        hosting_id: a.hosting_id,
        count: items.len(),
        items,
    })
}

/// A database of a hosting.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DbArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Database name (prefix optional).
    pub database_name: String,
}

fn db_path(hosting_id: u64, full: &str) -> String {
    format!("{}/databases/{}", hosting_path(hosting_id), segment(full))
}

fn read_db(ctx: &Ctx, hosting_id: u64, full: &str) -> Result<Value, ToolError> {
    public(ctx)
        .get(&db_path(hosting_id, full), &[])
        .map_err(|e| not_found_hint(e, "list the names with infomaniak_list_databases"))
}

/// `GET /1/web_hostings/{id}/databases/{name}` (§7.4).
pub fn get(ctx: &Ctx, a: DbArgs) -> Result<Item, ToolError> {
    let h = get_hosting(ctx, a.hosting_id)?;
    read_db(ctx, a.hosting_id, &prefixed(&h.prefix, &a.database_name)).map(|item| Item { item })
}

/// Arguments of `infomaniak_create_database`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Name without the hosting prefix (a-z, 0-9, _).
    pub database_name: String,
    /// Free text.
    pub description: Option<String>,
}

/// Result of a create that was read back.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Created {
    /// `created` (read back and present) or `already_exists`.
    pub status: String,
    /// The full (prefixed) name.
    pub name: String,
    /// The thing as the API now shows it.
    pub item: Value,
}

fn short_name(prefix: &str, name: &str) -> Result<String, ToolError> {
    let short = name.strip_prefix(prefix).unwrap_or(name).to_string();
    check_name(
        "database_name",
        &short,
        64usize.saturating_sub(prefix.len()),
    )?;
    Ok(short)
}

/// Plans a database: the manager POST `{database_name, description?}` (the server adds the
/// prefix; peer-agent-mcp.md §3 row 3).
pub fn plan_create(ctx: &Ctx, a: CreateArgs) -> Result<Planned<Created>, ToolError> {
    let h = get_hosting(ctx, a.hosting_id)?;
    let short = short_name(&h.prefix, &a.database_name)?;
    let full = format!("{}{short}", h.prefix);
    match read_db(ctx, a.hosting_id, &full) {
        Ok(item) => {
            return Ok(Planned::NoChange(Created {
                status: "already_exists".into(),
                name: full,
                item,
            }));
        }
        Err(ToolError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let mut body = json!({"database_name": short});
    if let Some(d) = &a.description {
        body["description"] = json!(d);
    }
    let mut plan = PlanBuilder::new(
        MANAGER,
        format!("Create database {full} on hosting {}", a.hosting_id),
    )
    .change(
        format!("hosting {}: database {full}", a.hosting_id),
        "create",
        None::<&Value>,
        Some(&body),
    )
    .snapshot(&json!({"database": full, "exists": false}))
    .build();
    plan.effects.push(effect(
        MANAGER,
        HttpMethod::Post,
        proxied(&format!("{}/databases", hosting_path(a.hosting_id))),
        Some(&body),
    ));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Creates the database and reads it back (Q1).
pub fn apply_create(ctx: &Ctx, a: CreateArgs, plan: &Plan) -> Result<Created, ToolError> {
    let h = get_hosting(ctx, a.hosting_id)?;
    let full = format!("{}{}", h.prefix, short_name(&h.prefix, &a.database_name)?);
    let answer = perform(ctx, nth(plan, 0)?)?;
    match read_db(ctx, a.hosting_id, &full) {
        Ok(item) => Ok(Created {
            status: "created".into(),
            name: full,
            item,
        }),
        Err(ToolError::NotFound(_)) => Err(silent_noop(
            &format!("database {full}"),
            &answer,
            "infomaniak_list_databases",
        )),
        Err(e) => Err(e),
    }
}

/// Plans deleting a database and everything in it (manager DELETE, §3 row 4).
pub fn plan_delete(ctx: &Ctx, a: DbArgs) -> Result<Planned<Outcome>, ToolError> {
    let h = get_hosting(ctx, a.hosting_id)?;
    let full = prefixed(&h.prefix, &a.database_name);
    let db = read_db(ctx, a.hosting_id, &full)?;
    let mut plan = PlanBuilder::new(
        MANAGER,
        format!("Delete database {full} and all its data; grants on it go too"),
    )
    .change(
        format!("hosting {}: database {full}", a.hosting_id),
        "delete",
        Some(&db),
        None::<&Value>,
    )
    .snapshot(&db)
    .build();
    plan.effects.push(effect(
        MANAGER,
        HttpMethod::Delete,
        proxied(&db_path(a.hosting_id, &full)),
        None,
    ));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Deletes the database.
pub fn apply_delete(ctx: &Ctx, _a: DbArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    perform(ctx, nth(plan, 0)?)?;
    Ok(outcome(
        json!({"status": "deleted", "database": change_before(plan, 0)}),
    ))
}

/// Every database user: `GET /1/web_hostings/{id}/database_users` (§7.4), all pages.
pub fn list_users(ctx: &Ctx, a: HostingArgs) -> Result<Listed, ToolError> {
    let items = public(ctx)
        .list_all(
            &format!("{}/database_users", hosting_path(a.hosting_id)),
            &[],
        )
        .map_err(|e| not_found_hint(e, "check hosting_id with infomaniak_list_hostings"))?;
    Ok(Listed {
        hosting_id: a.hosting_id,
        count: items.len(),
        items,
    })
}

/// A database user.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Database user name (prefix optional).
    pub user_name: String,
}

fn user_path(hosting_id: u64, full: &str) -> String {
    format!(
        "{}/database_users/{}",
        hosting_path(hosting_id),
        segment(full)
    )
}

fn read_user(ctx: &Ctx, hosting_id: u64, full: &str) -> Result<Value, ToolError> {
    public(ctx)
        .get(&user_path(hosting_id, full), &[])
        .map_err(|e| not_found_hint(e, "list the names with infomaniak_list_database_users"))
}

/// `GET /1/web_hostings/{id}/database_users/{name}` (§7.4).
pub fn get_user(ctx: &Ctx, a: UserArgs) -> Result<Item, ToolError> {
    let h = get_hosting(ctx, a.hosting_id)?;
    read_user(ctx, a.hosting_id, &prefixed(&h.prefix, &a.user_name)).map(|item| Item { item })
}

/// Rights on one database.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rights {
    /// SELECT.
    pub read: bool,
    /// INSERT/UPDATE/DELETE.
    pub write: bool,
    /// DDL.
    pub admin: bool,
}

/// One grant, as `infomaniak_change_database_user_permissions` takes it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Database name (prefix optional).
    pub database: String,
    /// SELECT.
    pub read: bool,
    /// INSERT/UPDATE/DELETE.
    pub write: bool,
    /// DDL.
    pub admin: bool,
}

/// The grants of a user as the API lists them (`permissions[{database, rights}]`).
fn grants_of(user: &Value) -> BTreeMap<String, Rights> {
    user["permissions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let r: Rights = serde_json::from_value(p["rights"].clone()).ok()?;
            Some((p["database"].as_str()?.to_string(), r))
        })
        .filter(|(_, r)| r.read || r.write || r.admin)
        .collect()
}

/// The manager's `permissions` object: every database of the hosting keyed by name, those
/// without a grant all false (peer-agent-mcp.md §3 row 8: the array form or a partial map
/// resets grants).
fn permission_map(databases: &[Value], grants: &BTreeMap<String, Rights>) -> Value {
    let none = Rights {
        read: false,
        write: false,
        admin: false,
    };
    let map: Map<String, Value> = databases
        .iter()
        .filter_map(|d| d["name"].as_str())
        .map(|name| {
            (
                name.to_string(),
                json!(grants.get(name).copied().unwrap_or(none)),
            )
        })
        .collect();
    Value::Object(map)
}

struct UserState {
    prefix: String,
    full: String,
    path: String,
    user: Value,
    grants: BTreeMap<String, Rights>,
    databases: Vec<Value>,
}

fn user_state(ctx: &Ctx, hosting_id: u64, name: &str) -> Result<UserState, ToolError> {
    let h = get_hosting(ctx, hosting_id)?;
    let full = prefixed(&h.prefix, name);
    let user = read_user(ctx, hosting_id, &full)?;
    Ok(UserState {
        path: proxied(&user_path(hosting_id, &full)),
        grants: grants_of(&user),
        databases: all(ctx, hosting_id)?,
        prefix: h.prefix,
        full,
        user,
    })
}

/// Arguments of `infomaniak_change_database_user_password`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Database user name.
    pub user_name: String,
    /// New password (8+, lower, upper, digit).
    pub password: SecretArg,
}

/// Plans a password change. Q2: Infomaniak empties a user's grants when its password
/// changes; the plan shows the grants that would be lost and re-sends them in the same
/// manager PATCH (`{password, permissions: {every db}}`), plus a pinned permissions-only
/// PATCH the apply sends only if the read-back still shows grants missing. Both bodies
/// are pinned; the password is a secret argument (the host shows it to nobody).
pub fn plan_password(ctx: &Ctx, a: PasswordArgs) -> Result<Planned<Outcome>, ToolError> {
    check_password(a.password.expose())?;
    let s = user_state(ctx, a.hosting_id, &a.user_name)?;
    let restore = json!({"permissions": permission_map(&s.databases, &s.grants)});
    let mut plan = PlanBuilder::new(MANAGER, format!(
        "Change the password of database user {}. Infomaniak drops a user's grants on a password change (Q2): this plan re-sends the {} grant(s) below so they are kept",
        s.full, s.grants.len()))
        .change(format!("database user {}: password", s.full), "update", Some(&"(current)"), Some(&"(new password, not shown)"))
        .change(format!("database user {}: grants the API alone would drop", s.full), "restore", Some(&s.grants), Some(&s.grants))
        .snapshot(&json!({"user": s.user, "databases": s.databases.iter().map(|d| &d["name"]).collect::<Vec<_>>()}))
        .build();
    let mut with_password = restore.clone();
    with_password["password"] = json!(a.password);
    plan.effects.push(effect(
        MANAGER,
        HttpMethod::Patch,
        s.path.clone(),
        Some(&with_password),
    ));
    plan.effects
        .push(effect(MANAGER, HttpMethod::Patch, s.path, Some(&restore)));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Sends the password with the grants, reads the user back, and restores the grants with
/// the second PATCH if they were lost anyway.
pub fn apply_password(ctx: &Ctx, a: PasswordArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    let restore = nth(plan, 1)?;
    let perms: Value = restore
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    perform(ctx, nth(plan, 0)?)?;
    let h = get_hosting(ctx, a.hosting_id)?;
    let full = prefixed(&h.prefix, &a.user_name);
    let expected = expected_grants(&perms);
    let mut user = read_user(ctx, a.hosting_id, &full)?;
    let mut restored = false;
    if grants_of(&user) != expected {
        perform(ctx, restore)?;
        restored = true;
        user = read_user(ctx, a.hosting_id, &full)?;
        if grants_of(&user) != expected {
            return Err(upstream(
                200,
                "grants_lost",
                format!("the password of {full} changed but its grants could not be restored"),
                Some(format!(
                    "set them again with infomaniak_change_database_user_permissions: {}",
                    json!(expected)
                )),
            ));
        }
    }
    Ok(outcome(
        json!({"status": "password_changed", "user": full, "grants_kept": expected, "second_patch_needed": restored}),
    ))
}

fn expected_grants(perms: &Value) -> BTreeMap<String, Rights> {
    perms["permissions"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(db, r)| {
            Some((
                db.clone(),
                serde_json::from_value::<Rights>(r.clone()).ok()?,
            ))
        })
        .filter(|(_, r)| r.read || r.write || r.admin)
        .collect()
}

/// Arguments of `infomaniak_change_database_user_permissions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionsArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Database user name.
    pub user_name: String,
    /// The user's whole access; databases left out lose it ([] revokes all).
    pub grants: Vec<Grant>,
}

/// Plans replacing a user's grants: the manager PATCH `{permissions: {every db}}`.
pub fn plan_permissions(ctx: &Ctx, a: PermissionsArgs) -> Result<Planned<Outcome>, ToolError> {
    let s = user_state(ctx, a.hosting_id, &a.user_name)?;
    let names: Vec<String> = s
        .databases
        .iter()
        .filter_map(|d| d["name"].as_str().map(str::to_string))
        .collect();
    let mut wanted = BTreeMap::new();
    for g in &a.grants {
        let full = prefixed(&s.prefix, &g.database);
        let Some(db) = names.iter().find(|n| **n == full) else {
            return Err(not_found(
                format!("hosting {} has no database {full}", a.hosting_id),
                "list the names with infomaniak_list_databases",
            ));
        };
        if wanted
            .insert(
                db.clone(),
                Rights {
                    read: g.read,
                    write: g.write,
                    admin: g.admin,
                },
            )
            .is_some()
        {
            return Err(invalid_args(
                format!("database {db} is given twice"),
                "give each database once",
            ));
        }
    }
    wanted.retain(|_, r: &mut Rights| r.read || r.write || r.admin);
    if wanted == s.grants {
        return Ok(Planned::NoChange(outcome(
            json!({"status": "no_change", "grants": s.grants}),
        )));
    }
    let body = json!({"permissions": permission_map(&s.databases, &wanted)});
    let mut plan = PlanBuilder::new(
        MANAGER,
        format!("Set the grants of database user {}", s.full),
    )
    .change(
        format!("database user {}: grants", s.full),
        "update",
        Some(&s.grants),
        Some(&wanted),
    )
    .snapshot(&json!({"user": s.user, "databases": names}))
    .build();
    plan.effects
        .push(effect(MANAGER, HttpMethod::Patch, s.path, Some(&body)));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Sets the grants and reads them back.
pub fn apply_permissions(ctx: &Ctx, a: PermissionsArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    let e = nth(plan, 0)?;
    let answer = perform(ctx, e)?;
    let expected = expected_grants(
        &e.body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or(Value::Null),
    );
    let h = get_hosting(ctx, a.hosting_id)?;
    let full = prefixed(&h.prefix, &a.user_name);
    let now = grants_of(&read_user(ctx, a.hosting_id, &full)?);
    if now != expected {
        return Err(silent_noop(
            &format!("the new grants of {full}"),
            &answer,
            "infomaniak_get_database_user",
        ));
    }
    Ok(outcome(
        json!({"status": "updated", "user": full, "grants": now}),
    ))
}
