//! FTP/SSH users of a hosting. Create and delete use the public API (they work there,
//! peer-agent-mcp.md §4); changes use the manager PATCH (§3 row 9: full login in the
//! path, short login in the body, `connection_type` always sent).

use ikmcp_pdk::error::{invalid_args, not_found};
use ikmcp_pdk::plan::change_before;
use ikmcp_pdk::{
    Ctx, HttpMethod, INFOMANIAK_API, Plan, PlanBuilder, Planned, SecretArg, ToolError,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{
    MANAGER, Outcome, check_name, check_password, effect, get_hosting, hosting_path, lock_hosting,
    not_found_hint, nth, outcome, perform, prefixed, proxied, public, segment,
};
use crate::sites::{HostingArgs, Listed, silent_noop};

/// Every FTP/SSH user: `GET /1/web_hostings/{id}/users` (§7.4), all pages.
pub fn all(ctx: &Ctx, hosting_id: u64) -> Result<Vec<Value>, ToolError> {
    public(ctx)
        .list_all(&format!("{}/users", hosting_path(hosting_id)), &[])
        .map_err(|e| not_found_hint(e, "check hosting_id with infomaniak_list_hostings"))
}

/// Every FTP/SSH user (login, SSH or SFTP only, home directory).
pub fn list(ctx: &Ctx, a: HostingArgs) -> Result<Listed, ToolError> {
    let items = all(ctx, a.hosting_id)?;
    Ok(Listed {
        hosting_id: a.hosting_id,
        count: items.len(),
        items,
    })
}

fn find(items: &[Value], login: &str) -> Option<Value> {
    items
        .iter()
        .find(|u| u["login"].as_str() == Some(login))
        .cloned()
}

fn connection(kind: &str) -> Result<&str, ToolError> {
    match kind {
        "ftp" | "ssh" => Ok(kind),
        other => Err(invalid_args(
            format!("connection_type {other:?} is unknown"),
            "use ftp (SFTP only) or ssh (shell access too)",
        )),
    }
}

/// Arguments of `infomaniak_create_hosting_user`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// ftp (SFTP only) or ssh.
    pub connection_type: String,
    /// Login without the prefix.
    pub login: String,
    /// 8+, lower, upper, digit.
    pub password: SecretArg,
    /// Default / (hosting root).
    pub home_directory: Option<String>,
}

fn home(dir: Option<&str>) -> Result<String, ToolError> {
    let dir = dir.unwrap_or("/");
    if !dir.starts_with('/') || dir.split('/').any(|p| p == "..") {
        return Err(invalid_args(
            format!("home_directory {dir:?} is not a path inside the hosting"),
            "give an absolute path such as / or /sites/blog",
        ));
    }
    Ok(dir.to_string())
}

/// Plans a user: `POST /1/web_hostings/{id}/users` `{connection_type, login, password,
/// home_directory}` (§7.4); the body is pinned, password included (a secret argument:
/// the host shows it to nobody, see `ikmcp_pdk::secret`).
pub fn plan_create(ctx: &Ctx, a: CreateArgs) -> Result<Planned<Outcome>, ToolError> {
    let kind = connection(&a.connection_type)?;
    check_password(a.password.expose())?;
    let dir = home(a.home_directory.as_deref())?;
    let h = get_hosting(ctx, a.hosting_id)?;
    let short = a
        .login
        .strip_prefix(&h.prefix)
        .unwrap_or(&a.login)
        .to_string();
    check_name("login", &short, 32usize.saturating_sub(h.prefix.len()))?;
    let full = format!("{}{short}", h.prefix);
    if let Some(u) = find(&all(ctx, a.hosting_id)?, &full) {
        return Err(ikmcp_pdk::error::conflict(
            format!("user {full} already exists"),
            format!(
                "change it with infomaniak_change_hosting_user_password, or choose another login than {short}; current: {u}"
            ),
        ));
    }
    let shown = json!({"login": full, "connection_type": a.connection_type, "home_directory": dir, "password": "(given, not shown)"});
    let mut plan = PlanBuilder::new(
        INFOMANIAK_API,
        format!(
            "Create {} user {full} on hosting {}",
            a.connection_type, a.hosting_id
        ),
    )
    .change(
        format!("hosting {}: user {full}", a.hosting_id),
        "create",
        None::<&Value>,
        Some(&shown),
    )
    .snapshot(&json!({"user": full, "exists": false}))
    .build();
    let body = json!({"connection_type": kind, "login": short, "password": a.password, "home_directory": dir});
    plan.effects.push(effect(
        INFOMANIAK_API,
        HttpMethod::Post,
        format!("{}/users", hosting_path(a.hosting_id)),
        Some(&body),
    ));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Creates the user and reads it back (Q1 discipline: `created` only if listed).
pub fn apply_create(ctx: &Ctx, a: CreateArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    let h = get_hosting(ctx, a.hosting_id)?;
    let short = a
        .login
        .strip_prefix(&h.prefix)
        .unwrap_or(&a.login)
        .to_string();
    let answer = perform(ctx, nth(plan, 0)?)?;
    let full = format!("{}{short}", h.prefix);
    match find(&all(ctx, a.hosting_id)?, &full) {
        Some(user) => Ok(outcome(json!({"status": "created", "user": user}))),
        None => Err(silent_noop(
            &format!("user {full}"),
            &answer,
            "infomaniak_list_hosting_users",
        )),
    }
}

/// A user of a hosting.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Login (prefix optional).
    pub login: String,
}

struct Current {
    full: String,
    short: String,
    user: Value,
}

fn current(ctx: &Ctx, hosting_id: u64, login: &str) -> Result<Current, ToolError> {
    let h = get_hosting(ctx, hosting_id)?;
    let full = prefixed(&h.prefix, login);
    let user = find(&all(ctx, hosting_id)?, &full).ok_or_else(|| {
        not_found(
            format!("hosting {hosting_id} has no user {full}"),
            "list the logins with infomaniak_list_hosting_users",
        )
    })?;
    let short = full.strip_prefix(&h.prefix).unwrap_or(&full).to_string();
    Ok(Current { full, short, user })
}

/// Plans deleting a user: `DELETE /1/web_hostings/{id}/users/{login}` (§7.4).
pub fn plan_delete(ctx: &Ctx, a: UserArgs) -> Result<Planned<Outcome>, ToolError> {
    let c = current(ctx, a.hosting_id, &a.login)?;
    Ok(Planned::Confirm(lock_hosting(
        PlanBuilder::new(
            INFOMANIAK_API,
            format!(
                "Delete user {} of hosting {}: it can no longer log in",
                c.full, a.hosting_id
            ),
        )
        .change(
            format!("hosting {}: user {}", a.hosting_id, c.full),
            "delete",
            Some(&c.user),
            None::<&Value>,
        )
        .snapshot(&c.user)
        .effect(
            HttpMethod::Delete,
            format!("{}/users/{}", hosting_path(a.hosting_id), segment(&c.full)),
            None,
        )
        .build(),
        a.hosting_id,
    )))
}

/// Deletes the user.
pub fn apply_delete(ctx: &Ctx, _a: UserArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    perform(ctx, nth(plan, 0)?)?;
    Ok(outcome(
        json!({"status": "deleted", "user": change_before(plan, 0)}),
    ))
}

fn patch_path(hosting_id: u64, full: &str) -> String {
    proxied(&format!(
        "{}/users/{}",
        hosting_path(hosting_id),
        segment(full)
    ))
}

fn kind_of(user: &Value) -> &'static str {
    if user["has_ssh"] == true {
        "ssh"
    } else {
        "ftp"
    }
}

/// Arguments of `infomaniak_change_hosting_user_password`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Login.
    pub login: String,
    /// 8+, lower, upper, digit.
    pub password: SecretArg,
}

/// Plans a password change: manager PATCH `{login: short, password, connection_type:
/// current}` (the connection type is re-sent unchanged); the body is pinned, the password
/// a secret argument.
pub fn plan_password(ctx: &Ctx, a: PasswordArgs) -> Result<Planned<Outcome>, ToolError> {
    check_password(a.password.expose())?;
    let c = current(ctx, a.hosting_id, &a.login)?;
    let mut plan = PlanBuilder::new(MANAGER, format!("Change the password of user {}", c.full))
        .change(
            format!("user {}: password", c.full),
            "update",
            Some(&"(current)"),
            Some(&"(new password, not shown)"),
        )
        .snapshot(&c.user)
        .build();
    let body =
        json!({"login": c.short, "password": a.password, "connection_type": kind_of(&c.user)});
    plan.effects.push(effect(
        MANAGER,
        HttpMethod::Patch,
        patch_path(a.hosting_id, &c.full),
        Some(&body),
    ));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Changes the password.
pub fn apply_password(ctx: &Ctx, a: PasswordArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    let c = current(ctx, a.hosting_id, &a.login)?;
    perform(ctx, nth(plan, 0)?)?;
    Ok(outcome(
        json!({"status": "password_changed", "login": c.full}),
    ))
}

/// Arguments of `infomaniak_change_hosting_user_connection_type`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Login.
    pub login: String,
    /// ftp (SFTP only) or ssh.
    pub connection_type: String,
}

/// Plans switching SFTP-only/SSH: manager PATCH `{login: short, connection_type}`.
pub fn plan_connection(ctx: &Ctx, a: ConnectionArgs) -> Result<Planned<Outcome>, ToolError> {
    let kind = connection(&a.connection_type)?;
    let c = current(ctx, a.hosting_id, &a.login)?;
    if kind_of(&c.user) == kind {
        return Ok(Planned::NoChange(outcome(
            json!({"status": "no_change", "user": c.user}),
        )));
    }
    let body = json!({"login": c.short, "connection_type": kind});
    let mut plan = PlanBuilder::new(MANAGER, format!("Switch user {} to {kind}", c.full))
        .change(
            format!("user {}: connection_type", c.full),
            "update",
            Some(&kind_of(&c.user)),
            Some(&kind),
        )
        .snapshot(&c.user)
        .build();
    plan.effects.push(effect(
        MANAGER,
        HttpMethod::Patch,
        patch_path(a.hosting_id, &c.full),
        Some(&body),
    ));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Switches and reads back.
pub fn apply_connection(ctx: &Ctx, a: ConnectionArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    let answer = perform(ctx, nth(plan, 0)?)?;
    let c = current(ctx, a.hosting_id, &a.login)?;
    if kind_of(&c.user) != a.connection_type {
        return Err(silent_noop(
            &format!("the {} access of {}", a.connection_type, c.full),
            &answer,
            "infomaniak_list_hosting_users",
        ));
    }
    Ok(outcome(json!({"status": "updated", "user": c.user})))
}
