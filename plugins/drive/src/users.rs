//! Drive users and drive invitations: reads, and adding, changing, locking, removing.

use ikmcp_pdk::error::{invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{DriveArgs, Item, Kd, Listing, Outcome, one_write, unchanged};
use crate::{LIST_INVITATIONS, LIST_USERS};

/// Arguments naming one drive user.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserArgs {
    pub drive_id: u64,
    pub user_id: u64,
}

/// Arguments naming one drive invitation.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationArgs {
    pub drive_id: u64,
    pub invitation_id: u64,
}

/// `infomaniak_list_drive_users`: `GET /2/drive/{id}/users` (kdrive.json; every page). The
/// peers read the manager proxy; the documented public route does the job.
pub fn list_users(ctx: &Ctx, a: DriveArgs) -> Result<Listing, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    Ok(kd.pages(&kd.v2("/users"), &[])?.into())
}

/// A drive user (`GET /2/drive/{id}/users/{user_id}`, kdrive.json).
pub fn user(kd: &Kd, user_id: u64) -> Result<Value, ToolError> {
    kd.get_opt(&kd.v2(&format!("/users/{user_id}")))?
        .ok_or_else(|| {
            not_found(
                format!("user {user_id} is not a user of kDrive {}", kd.id),
                format!("find the user id with {LIST_USERS}"),
            )
        })
}

/// `infomaniak_get_drive_user`.
pub fn get_user(ctx: &Ctx, a: UserArgs) -> Result<Item, ToolError> {
    Ok(Item {
        item: Some(user(&Kd::new(ctx, a.drive_id), a.user_id)?),
    })
}

/// `infomaniak_list_drive_invitations`: `GET /2/drive/{id}/users/invitation` (kdrive.json).
pub fn list_invitations(ctx: &Ctx, a: DriveArgs) -> Result<Listing, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    Ok(kd.pages(&kd.v2("/users/invitation"), &[])?.into())
}

fn invitation(kd: &Kd, id: u64) -> Result<Value, ToolError> {
    kd.get_opt(&kd.v2(&format!("/users/invitation/{id}")))?
        .ok_or_else(|| {
            not_found(
                format!("invitation {id} does not exist on kDrive {}", kd.id),
                format!("find the id with {LIST_INVITATIONS}"),
            )
        })
}

/// `infomaniak_get_drive_invitation`.
pub fn get_invitation(ctx: &Ctx, a: InvitationArgs) -> Result<Item, ToolError> {
    Ok(Item {
        item: Some(invitation(&Kd::new(ctx, a.drive_id), a.invitation_id)?),
    })
}

/// `infomaniak_delete_drive_invitation`: `DELETE /2/drive/{id}/users/invitation/{id}`
/// (kdrive.json).
pub fn plan_delete_invitation(ctx: &Ctx, a: InvitationArgs) -> Result<Planned<Outcome>, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let inv = invitation(&kd, a.invitation_id)?;
    one_write(
        ctx,
        format!(
            "Cancel the invitation of {} to kDrive {}.",
            inv["email"], a.drive_id
        ),
        format!("kDrive {}: invitation {}", a.drive_id, a.invitation_id),
        "delete",
        Some(&inv),
        None,
        HttpMethod::Delete,
        kd.v2(&format!("/users/invitation/{}", a.invitation_id)),
        &[],
        None,
    )
}

// A drive role.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    User,
    External,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::User => "user",
            Role::External => "external",
        }
    }
}

// A right on a file or a drive.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Right {
    Read,
    Write,
    Manage,
    None,
}

impl Right {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Right::Read => "read",
            Right::Write => "write",
            Right::Manage => "manage",
            Right::None => "none",
        }
    }
}

/// Arguments of `infomaniak_create_drive_user`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserArgs {
    pub drive_id: u64,
    pub role: Role,
    /// Addresses to invite.
    pub emails: Option<Vec<String>>,
    /// Account users to add.
    pub user_ids: Option<Vec<u64>>,
    /// Right on file_id, if given.
    pub right: Option<Right>,
    pub file_id: Option<u64>,
    pub message: Option<String>,
}

/// `infomaniak_create_drive_user`: `POST /2/drive/{id}/users` (kdrive.json).
pub fn plan_create_user(ctx: &Ctx, a: CreateUserArgs) -> Result<Planned<Outcome>, ToolError> {
    let emails = a.emails.unwrap_or_default();
    let user_ids = a.user_ids.unwrap_or_default();
    if emails.is_empty() && user_ids.is_empty() {
        return Err(invalid_args(
            "nobody to add",
            "give emails to invite or user_ids to add",
        ));
    }
    if let Some(bad) = emails.iter().find(|e| !looks_like_email(e)) {
        return Err(invalid_args(
            format!("{bad:?} is not an e-mail address"),
            "give addresses such as anna@example.com",
        ));
    }
    if emails.len() > 100 || user_ids.len() > 100 {
        return Err(invalid_args(
            "more than 100 emails or user_ids",
            "add at most 100 at a time",
        ));
    }
    let kd = Kd::new(ctx, a.drive_id);
    let current = kd.pages(&kd.v2("/users"), &[])?;
    let known: Vec<u64> = current.iter().filter_map(|u| u["id"].as_u64()).collect();
    if let Some(dup) = user_ids.iter().find(|u| known.contains(u)) {
        return Err(ikmcp_pdk::error::conflict(
            format!("user {dup} is already a user of kDrive {}", a.drive_id),
            "change their role with infomaniak_update_drive_user instead",
        ));
    }
    let mut body = json!({"role": a.role.as_str()});
    if !emails.is_empty() {
        body["emails"] = json!(emails);
    }
    if !user_ids.is_empty() {
        body["user_ids"] = json!(user_ids);
    }
    if let Some(r) = a.right {
        body["right"] = json!(r.as_str());
    }
    if let Some(f) = a.file_id {
        body["file_id"] = json!(f);
    }
    if let Some(m) = a.message {
        body["message"] = json!(m);
    }
    let who: Vec<String> = emails
        .iter()
        .cloned()
        .chain(user_ids.iter().map(|u| format!("user {u}")))
        .collect();
    one_write(
        ctx,
        format!(
            "Add {} to kDrive {} as {}.",
            who.join(", "),
            a.drive_id,
            a.role.as_str()
        ),
        format!("kDrive {}: users", a.drive_id),
        "create",
        None,
        Some(&body),
        HttpMethod::Post,
        kd.v2("/users"),
        &[],
        Some(&body),
    )
}

fn looks_like_email(e: &str) -> bool {
    let mut parts = e.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some(d), None) if !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.') && !e.contains(char::is_whitespace))
}

/// Arguments of `infomaniak_update_drive_user`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserArgs {
    pub drive_id: u64,
    pub user_id: u64,
    /// admin or user.
    pub role: Role,
}

/// `infomaniak_update_drive_user`: `PUT /2/drive/{id}/users/{user_id}` `{role}` (kdrive.json).
pub fn plan_update_user(ctx: &Ctx, a: UpdateUserArgs) -> Result<Planned<Outcome>, ToolError> {
    if a.role == Role::External {
        return Err(invalid_args(
            "role external cannot be set on an existing user",
            "give admin or user",
        ));
    }
    let kd = Kd::new(ctx, a.drive_id);
    let before = user(&kd, a.user_id)?;
    let target = format!(
        "kDrive {}: user {} ({})",
        a.drive_id,
        a.user_id,
        before["email"].as_str().unwrap_or("")
    );
    if before["role"] == a.role.as_str() {
        return Ok(unchanged(target, Some(before)));
    }
    let body = json!({"role": a.role.as_str()});
    one_write(
        ctx,
        format!(
            "Make {} {} of kDrive {} (was {}).",
            before["email"],
            a.role.as_str(),
            a.drive_id,
            before["role"]
        ),
        target,
        "update",
        Some(&json!({"role": before["role"]})),
        Some(&body),
        HttpMethod::Put,
        kd.v2(&format!("/users/{}", a.user_id)),
        &[],
        Some(&body),
    )
}

/// `infomaniak_delete_drive_user`: `DELETE /2/drive/{id}/users/{user_id}` (kdrive.json).
pub fn plan_delete_user(ctx: &Ctx, a: UserArgs) -> Result<Planned<Outcome>, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let before = user(&kd, a.user_id)?;
    one_write(
        ctx,
        format!(
            "Remove {} from kDrive {}; every right they hold there goes with them (infomaniak_offboard_drive_user lists them first).",
            before["email"], a.drive_id
        ),
        format!("kDrive {}: user {}", a.drive_id, a.user_id),
        "delete",
        Some(&before),
        None,
        HttpMethod::Delete,
        kd.v2(&format!("/users/{}", a.user_id)),
        &[],
        None,
    )
}

fn plan_status(ctx: &Ctx, a: UserArgs, lock: bool) -> Result<Planned<Outcome>, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let before = user(&kd, a.user_id)?;
    let target = format!(
        "kDrive {}: user {} ({})",
        a.drive_id,
        a.user_id,
        before["email"].as_str().unwrap_or("")
    );
    let locked = before["status"] == "locked";
    if locked == lock {
        return Ok(unchanged(target, Some(before)));
    }
    let (verb, sub, after) = if lock {
        ("Lock", "lock", "locked")
    } else {
        ("Unlock", "unlock", "active")
    };
    let body = json!({});
    one_write(
        ctx,
        format!("{verb} {} on kDrive {}.", before["email"], a.drive_id),
        target,
        sub,
        Some(&json!({"status": before["status"]})),
        Some(&json!({"status": after})),
        HttpMethod::Post,
        kd.v2(&format!("/users/{}/{sub}", a.user_id)),
        &[],
        Some(&body),
    )
}

/// `infomaniak_lock_drive_user`: `POST /2/drive/{id}/users/{user_id}/lock` (kdrive.json).
pub fn plan_lock(ctx: &Ctx, a: UserArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_status(ctx, a, true)
}

/// `infomaniak_unlock_drive_user`: `POST /2/drive/{id}/users/{user_id}/unlock` (kdrive.json).
pub fn plan_unlock(ctx: &Ctx, a: UserArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_status(ctx, a, false)
}

// A manager role.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum ManagerRole {
    Statistic,
    Technical,
}

/// Arguments of `infomaniak_set_drive_user_manager`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagerArgs {
    pub drive_id: u64,
    pub user_id: u64,
    /// true: both manager roles; false: none.
    pub is_manager: Option<bool>,
    /// Exact manager roles (instead of is_manager).
    pub roles: Option<Vec<ManagerRole>>,
}

/// `infomaniak_set_drive_user_manager`: `PATCH /2/drive/{id}/users/{user_id}/manager`
/// `{roles}` (kdrive.json; the peers send an undocumented `{is_manager}`).
pub fn plan_manager(ctx: &Ctx, a: ManagerArgs) -> Result<Planned<Outcome>, ToolError> {
    let roles: Vec<&str> = match (a.is_manager, &a.roles) {
        (None, Some(r)) => {
            let mut v: Vec<&str> = r
                .iter()
                .map(|r| match r {
                    ManagerRole::Statistic => "statistic",
                    ManagerRole::Technical => "technical",
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        }
        (Some(true), None) => vec!["statistic", "technical"],
        (Some(false), None) => vec![],
        _ => {
            return Err(invalid_args(
                "give is_manager or roles, not both (nor neither)",
                "is_manager: true for both roles, or roles: [\"statistic\"]",
            ));
        }
    };
    let kd = Kd::new(ctx, a.drive_id);
    let before = user(&kd, a.user_id)?;
    let target = format!("kDrive {}: manager roles of user {}", a.drive_id, a.user_id);
    let mut current: Vec<&str> = before["manager_roles"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    current.sort_unstable();
    if before.get("manager_roles").is_some() && current == roles {
        return Ok(unchanged(target, Some(before)));
    }
    let body = json!({"roles": roles});
    one_write(
        ctx,
        format!(
            "Set the manager roles of {} on kDrive {} to [{}].",
            before["email"],
            a.drive_id,
            roles.join(", ")
        ),
        target,
        "update",
        Some(&json!({"roles": before.get("manager_roles")})),
        Some(&body),
        HttpMethod::Patch,
        kd.v2(&format!("/users/{}/manager", a.user_id)),
        &[],
        Some(&body),
    )
}
