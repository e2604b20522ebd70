//! Share links: the list over a drive, one file's link, and creating, changing, removing
//! and sending links.

use ikmcp_pdk::error::{conflict, invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, Planned, SecretArg, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::common::{DriveArgs, FileArgs, Item, Kd, Listing, Outcome, one_write, unchanged};
use crate::{CREATE_LINK, UPDATE_LINK};

/// `infomaniak_list_drive_share_links`: `GET /3/drive/{id}/files/links` (kdrive.json; cursor).
pub fn list_links(ctx: &Ctx, a: DriveArgs) -> Result<Listing, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    Ok(kd.cursor(&kd.v3("/files/links"), &[])?.into())
}

/// A file's link (`GET /2/drive/{id}/files/{file_id}/link`, kdrive.json); `None` without one.
pub fn link(kd: &Kd, file_id: u64) -> Result<Option<Value>, ToolError> {
    kd.get_opt(&kd.v2(&format!("/files/{file_id}/link")))
}

/// `infomaniak_get_drive_share_link`: the link, or null when the file has none.
pub fn get_link(ctx: &Ctx, a: FileArgs) -> Result<Item, ToolError> {
    Ok(Item {
        item: link(&Kd::new(ctx, a.drive_id), a.file_id)?,
    })
}

// Who may open a link.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum LinkRight {
    Public,
    Password,
    Inherit,
}

/// The settings of a link (every field optional on update).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkArgs {
    pub drive_id: u64,
    pub file_id: u64,
    pub right: Option<LinkRight>,
    // A secret argument: the body pins it, the host shows it to nobody (pdk::secret).
    /// Needed with right=password.
    pub password: Option<SecretArg>,
    /// Expiry, unix seconds; 0 removes it.
    pub valid_until: Option<i64>,
    pub can_download: Option<bool>,
    pub can_edit: Option<bool>,
    pub can_comment: Option<bool>,
    pub can_see_info: Option<bool>,
    pub can_see_stats: Option<bool>,
    pub can_request_access: Option<bool>,
}

/// The request body of a create or update, checked.
fn link_body(a: &LinkArgs) -> Result<Map<String, Value>, ToolError> {
    let mut b = Map::new();
    if let Some(r) = a.right {
        b.insert(
            "right".into(),
            json!(match r {
                LinkRight::Public => "public",
                LinkRight::Password => "password",
                LinkRight::Inherit => "inherit",
            }),
        );
    }
    match (&a.password, a.right) {
        (Some(p), Some(LinkRight::Password)) if p.expose().chars().count() >= 8 => {
            b.insert("password".into(), json!(p));
        }
        (Some(_), Some(LinkRight::Password)) => {
            return Err(invalid_args(
                "the password is shorter than 8 characters",
                "give a longer password",
            ));
        }
        (None, Some(LinkRight::Password)) => {
            return Err(invalid_args(
                "right password needs a password",
                "give password (8+ characters)",
            ));
        }
        (Some(_), _) => {
            return Err(invalid_args(
                "a password only goes with right: password",
                "add right: \"password\"",
            ));
        }
        _ => {}
    }
    match a.valid_until {
        Some(0) => {
            b.insert("valid_until".into(), Value::Null);
        }
        Some(t) if t < 0 => {
            return Err(invalid_args(
                "valid_until is negative",
                "give unix seconds, or 0 for no expiry",
            ));
        }
        Some(t) => {
            b.insert("valid_until".into(), json!(t));
        }
        None => {}
    }
    for (k, v) in [
        ("can_download", a.can_download),
        ("can_edit", a.can_edit),
        ("can_comment", a.can_comment),
        ("can_see_info", a.can_see_info),
        ("can_see_stats", a.can_see_stats),
        ("can_request_access", a.can_request_access),
    ] {
        if let Some(v) = v {
            b.insert(k.into(), json!(v));
        }
    }
    Ok(b)
}

/// What a plan shows of a link body: the password is never repeated, only said to be set.
fn shown(body: &Map<String, Value>) -> Value {
    let mut v = Value::Object(body.clone());
    if v.get("password").is_some() {
        v["password"] = json!("(set)");
    }
    v
}

/// `infomaniak_create_drive_share_link`: `POST /2/drive/{id}/files/{file_id}/link` (kdrive.json).
pub fn plan_create(ctx: &Ctx, a: LinkArgs) -> Result<Planned<Outcome>, ToolError> {
    if a.right.is_none() {
        return Err(invalid_args(
            "right is required to create a link",
            "give right: public, password or inherit",
        ));
    }
    let body = link_body(&a)?;
    let kd = Kd::new(ctx, a.drive_id);
    if let Some(existing) = link(&kd, a.file_id)? {
        return Err(conflict(
            format!(
                "file {} already has a share link ({})",
                a.file_id, existing["url"]
            ),
            format!("change it with {UPDATE_LINK}"),
        ));
    }
    let body = Value::Object(body);
    one_write(
        ctx,
        format!(
            "Create a {} share link on file {} of kDrive {}.",
            body["right"].as_str().unwrap_or(""),
            a.file_id,
            a.drive_id
        ),
        format!("kDrive {}: share link of file {}", a.drive_id, a.file_id),
        "create",
        None,
        Some(&shown(body.as_object().expect("object"))),
        HttpMethod::Post,
        kd.v2(&format!("/files/{}/link", a.file_id)),
        &[],
        Some(&body),
    )
}

fn existing(kd: &Kd, file_id: u64) -> Result<Value, ToolError> {
    link(kd, file_id)?.ok_or_else(|| {
        not_found(
            format!("file {file_id} of kDrive {} has no share link", kd.id),
            format!("create one with {CREATE_LINK}"),
        )
    })
}

/// `infomaniak_update_drive_share_link`: `PUT /2/drive/{id}/files/{file_id}/link` (kdrive.json).
pub fn plan_update(ctx: &Ctx, a: LinkArgs) -> Result<Planned<Outcome>, ToolError> {
    let body = link_body(&a)?;
    if body.is_empty() {
        return Err(invalid_args(
            "nothing to change",
            "give right, valid_until or a can_* flag",
        ));
    }
    let kd = Kd::new(ctx, a.drive_id);
    let before = existing(&kd, a.file_id)?;
    let target = format!("kDrive {}: share link of file {}", a.drive_id, a.file_id);
    let same = body.iter().all(|(k, v)| {
        k != "password"
            && (before.get(k) == Some(v)
                || before["capabilities"].get(k) == Some(v)
                || (v.is_null() && before.get(k).is_some_and(Value::is_null)))
    });
    if same {
        return Ok(unchanged(target, Some(before)));
    }
    let mut after = before.clone();
    for (k, v) in &body {
        if k.starts_with("can_") {
            after["capabilities"][k] = v.clone();
        } else if k != "password" {
            after[k] = v.clone();
        }
    }
    let body = Value::Object(body);
    one_write(
        ctx,
        format!(
            "Change the share link of file {} on kDrive {}: {}.",
            a.file_id,
            a.drive_id,
            shown(body.as_object().expect("object"))
        ),
        target,
        "update",
        Some(&before),
        Some(&after),
        HttpMethod::Put,
        kd.v2(&format!("/files/{}/link", a.file_id)),
        &[],
        Some(&body),
    )
}

/// `infomaniak_remove_drive_share_link`: `DELETE /2/drive/{id}/files/{file_id}/link` (kdrive.json).
pub fn plan_remove(ctx: &Ctx, a: FileArgs) -> Result<Planned<Outcome>, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let before = existing(&kd, a.file_id)?;
    one_write(
        ctx,
        format!(
            "Remove the share link {} of file {} on kDrive {}; whoever has the URL loses access.",
            before["url"], a.file_id, a.drive_id
        ),
        format!("kDrive {}: share link of file {}", a.drive_id, a.file_id),
        "delete",
        Some(&before),
        None,
        HttpMethod::Delete,
        kd.v2(&format!("/files/{}/link", a.file_id)),
        &[],
        None,
    )
}

/// Arguments of `infomaniak_invite_drive_share_link`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteArgs {
    pub drive_id: u64,
    pub file_id: u64,
    pub emails: Option<Vec<String>>,
    pub user_ids: Option<Vec<u64>>,
    pub message: Option<String>,
}

/// `infomaniak_invite_drive_share_link`: `POST /2/drive/{id}/files/{file_id}/link/invite`
/// (kdrive.json): sends the link by e-mail.
pub fn plan_invite(ctx: &Ctx, a: InviteArgs) -> Result<Planned<Outcome>, ToolError> {
    let emails = a.emails.unwrap_or_default();
    let users = a.user_ids.unwrap_or_default();
    if emails.is_empty() && users.is_empty() {
        return Err(invalid_args(
            "nobody to send the link to",
            "give emails or user_ids",
        ));
    }
    if emails.len() > 100 || emails.iter().any(|e| !e.contains('@')) {
        return Err(invalid_args(
            "emails must be 1 to 100 e-mail addresses",
            "give addresses such as anna@example.com",
        ));
    }
    let kd = Kd::new(ctx, a.drive_id);
    let current = existing(&kd, a.file_id)?;
    let mut body = json!({});
    if !emails.is_empty() {
        body["emails"] = json!(emails);
    }
    if !users.is_empty() {
        body["user_ids"] = json!(users);
    }
    if let Some(m) = a.message {
        body["message"] = json!(m);
    }
    one_write(
        ctx,
        format!(
            "E-mail the share link {} of file {} to {}.",
            current["url"], a.file_id, body
        ),
        format!("kDrive {}: share link of file {}", a.drive_id, a.file_id),
        "send",
        Some(&current),
        Some(&body),
        HttpMethod::Post,
        kd.v2(&format!("/files/{}/link/invite", a.file_id)),
        &[],
        Some(&body),
    )
}
