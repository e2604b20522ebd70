//! Who can reach a file: its users, teams and invitations, and granting, changing and
//! removing those rights.

use ikmcp_pdk::error::{invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{FileArgs, Kd, Listing, Outcome, one_write, unchanged};
use crate::users::Right;

/// Users or teams.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Holder {
    User,
    Team,
}

impl Holder {
    fn plural(self) -> &'static str {
        match self {
            Holder::User => "users",
            Holder::Team => "teams",
        }
    }
}

/// The entries of `/2/drive/{id}/files/{file_id}/access/{users|teams|invitations}` (kdrive.json).
pub fn entries(kd: &Kd, file_id: u64, kind: &str) -> Result<Vec<Value>, ToolError> {
    let v = kd.get(&kd.v2(&format!("/files/{file_id}/access/{kind}")), &[])?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

/// `infomaniak_list_drive_file_access_users`.
pub fn list_users(ctx: &Ctx, a: FileArgs) -> Result<Listing, ToolError> {
    Ok(entries(&Kd::new(ctx, a.drive_id), a.file_id, "users")?.into())
}

/// `infomaniak_list_drive_file_access_teams`.
pub fn list_teams(ctx: &Ctx, a: FileArgs) -> Result<Listing, ToolError> {
    Ok(entries(&Kd::new(ctx, a.drive_id), a.file_id, "teams")?.into())
}

/// `infomaniak_list_drive_file_access_invitations`.
pub fn list_invitations(ctx: &Ctx, a: FileArgs) -> Result<Listing, ToolError> {
    Ok(entries(&Kd::new(ctx, a.drive_id), a.file_id, "invitations")?.into())
}

/// Arguments of the user right tools.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRightArgs {
    pub drive_id: u64,
    pub file_id: u64,
    pub user_id: u64,
    /// Not needed to remove.
    pub right: Option<Right>,
    pub message: Option<String>,
}

/// Arguments of the team right tools.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamRightArgs {
    pub drive_id: u64,
    pub file_id: u64,
    pub team_id: u64,
    /// Not needed to remove.
    pub right: Option<Right>,
    pub message: Option<String>,
}

struct RightChange {
    drive_id: u64,
    file_id: u64,
    holder: Holder,
    id: u64,
    right: Option<Right>,
    message: Option<String>,
}

impl From<UserRightArgs> for RightChange {
    fn from(a: UserRightArgs) -> Self {
        RightChange {
            drive_id: a.drive_id,
            file_id: a.file_id,
            holder: Holder::User,
            id: a.user_id,
            right: a.right,
            message: a.message,
        }
    }
}

impl From<TeamRightArgs> for RightChange {
    fn from(a: TeamRightArgs) -> Self {
        RightChange {
            drive_id: a.drive_id,
            file_id: a.file_id,
            holder: Holder::Team,
            id: a.team_id,
            right: a.right,
            message: a.message,
        }
    }
}

impl RightChange {
    fn target(&self) -> String {
        format!(
            "kDrive {}: file {} right of {} {}",
            self.drive_id,
            self.file_id,
            self.holder.plural().trim_end_matches('s'),
            self.id
        )
    }

    fn right(&self) -> Result<&'static str, ToolError> {
        self.right.map(Right::as_str).ok_or_else(|| {
            invalid_args(
                "right is required",
                "give right: read, write, manage or none",
            )
        })
    }

    fn current(&self, kd: &Kd) -> Result<Option<Value>, ToolError> {
        Ok(entries(kd, self.file_id, self.holder.plural())?
            .into_iter()
            .find(|e| e["id"].as_u64() == Some(self.id)))
    }

    fn item_path(&self, kd: &Kd) -> String {
        kd.v2(&format!(
            "/files/{}/access/{}/{}",
            self.file_id,
            self.holder.plural(),
            self.id
        ))
    }
}

fn plan_grant(ctx: &Ctx, c: RightChange) -> Result<Planned<Outcome>, ToolError> {
    let right = c.right()?;
    let kd = Kd::new(ctx, c.drive_id);
    if let Some(cur) = c.current(&kd)? {
        if cur["right"] == right {
            return Ok(unchanged(c.target(), Some(cur)));
        }
        return Err(ikmcp_pdk::error::conflict(
            format!(
                "{} already has {} on file {}",
                c.target(),
                cur["right"],
                c.file_id
            ),
            "change it with the matching update tool",
        ));
    }
    let ids = if c.holder == Holder::User {
        "user_ids"
    } else {
        "team_ids"
    };
    let mut body = json!({"right": right, ids: [c.id]});
    if let Some(m) = &c.message {
        body["message"] = json!(m);
    }
    one_write(
        ctx,
        format!(
            "Give {} {} {right} on file {} of kDrive {}.",
            c.holder.plural().trim_end_matches('s'),
            c.id,
            c.file_id,
            c.drive_id
        ),
        c.target(),
        "create",
        None,
        Some(&json!({"right": right})),
        HttpMethod::Post,
        kd.v2(&format!(
            "/files/{}/access/{}",
            c.file_id,
            c.holder.plural()
        )),
        &[],
        Some(&body),
    )
}

fn existing(kd: &Kd, c: &RightChange) -> Result<Value, ToolError> {
    c.current(kd)?.ok_or_else(|| {
        not_found(
            format!("{} has no right on file {}", c.target(), c.file_id),
            format!(
                "see who has access with infomaniak_list_drive_file_access_{}",
                c.holder.plural()
            ),
        )
    })
}

fn plan_change(ctx: &Ctx, c: RightChange) -> Result<Planned<Outcome>, ToolError> {
    let right = c.right()?;
    let kd = Kd::new(ctx, c.drive_id);
    let before = existing(&kd, &c)?;
    if before["right"] == right {
        return Ok(unchanged(c.target(), Some(before)));
    }
    let body = json!({"right": right});
    one_write(
        ctx,
        format!("Change {} from {} to {right}.", c.target(), before["right"]),
        c.target(),
        "update",
        Some(&json!({"right": before["right"]})),
        Some(&body),
        HttpMethod::Put,
        c.item_path(&kd),
        &[],
        Some(&body),
    )
}

fn plan_revoke(ctx: &Ctx, c: RightChange) -> Result<Planned<Outcome>, ToolError> {
    let kd = Kd::new(ctx, c.drive_id);
    let before = existing(&kd, &c)?;
    one_write(
        ctx,
        format!("Remove {} ({}).", c.target(), before["right"]),
        c.target(),
        "delete",
        Some(&before),
        None,
        HttpMethod::Delete,
        c.item_path(&kd),
        &[],
        None,
    )
}

/// `infomaniak_create_drive_file_access_user`: `POST .../access/users` (kdrive.json).
pub fn plan_add_user(ctx: &Ctx, a: UserRightArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_grant(ctx, a.into())
}

/// `infomaniak_update_drive_file_access_user`: `PUT .../access/users/{user_id}` (kdrive.json).
pub fn plan_update_user(ctx: &Ctx, a: UserRightArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_change(ctx, a.into())
}

/// `infomaniak_remove_drive_file_access_user`: `DELETE .../access/users/{user_id}` (kdrive.json).
pub fn plan_remove_user(ctx: &Ctx, a: UserRightArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_revoke(ctx, a.into())
}

/// `infomaniak_create_drive_file_access_team`: `POST .../access/teams` (kdrive.json).
pub fn plan_add_team(ctx: &Ctx, a: TeamRightArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_grant(ctx, a.into())
}

/// `infomaniak_update_drive_file_access_team`: `PUT .../access/teams/{team_id}` (kdrive.json).
pub fn plan_update_team(ctx: &Ctx, a: TeamRightArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_change(ctx, a.into())
}

/// `infomaniak_remove_drive_file_access_team`: `DELETE .../access/teams/{team_id}` (kdrive.json).
pub fn plan_remove_team(ctx: &Ctx, a: TeamRightArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_revoke(ctx, a.into())
}

/// Arguments of `infomaniak_create_drive_file_access_invitation`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteArgs {
    pub drive_id: u64,
    pub file_id: u64,
    pub emails: Vec<String>,
    pub right: Right,
    pub message: Option<String>,
    /// de, en, es, fr or it.
    pub lang: Option<String>,
}

/// `infomaniak_create_drive_file_access_invitation`: `POST .../access/invitations?lang=`
/// (kdrive.json).
pub fn plan_invite(ctx: &Ctx, a: InviteArgs) -> Result<Planned<Outcome>, ToolError> {
    if a.emails.is_empty()
        || a.emails.len() > 100
        || a.emails
            .iter()
            .any(|e| !e.contains('@') || e.contains(char::is_whitespace))
    {
        return Err(invalid_args(
            "emails must be 1 to 100 e-mail addresses",
            "give addresses such as anna@example.com",
        ));
    }
    let lang = a.lang.as_deref().unwrap_or("en");
    if !["de", "en", "es", "fr", "it"].contains(&lang) {
        return Err(invalid_args(
            format!("unknown lang {lang:?}"),
            "give de, en, es, fr or it",
        ));
    }
    let kd = Kd::new(ctx, a.drive_id);
    let current = entries(&kd, a.file_id, "invitations")?;
    let pending: Vec<&str> = current
        .iter()
        .filter_map(|i| i["email"].as_str().or(i["name"].as_str()))
        .collect();
    let fresh: Vec<&String> = a
        .emails
        .iter()
        .filter(|e| !pending.contains(&e.as_str()))
        .collect();
    let target = format!("kDrive {}: invitations to file {}", a.drive_id, a.file_id);
    if fresh.is_empty() {
        return Ok(unchanged(target, Some(Value::Array(current))));
    }
    let mut body = json!({"emails": fresh, "right": a.right.as_str()});
    if let Some(m) = &a.message {
        body["message"] = json!(m);
    }
    one_write(
        ctx,
        format!(
            "Invite {} to file {} of kDrive {} with {} right.",
            fresh
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            a.file_id,
            a.drive_id,
            a.right.as_str()
        ),
        target,
        "create",
        Some(&Value::Array(current)),
        Some(&body),
        HttpMethod::Post,
        kd.v2(&format!("/files/{}/access/invitations", a.file_id)),
        &[("lang", lang)],
        Some(&body),
    )
}
