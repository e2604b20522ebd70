//! A drive user's offboarding as one plan: every file right they hold and every share link
//! they created goes, then the user (or, with `lock_only`, they are locked).

use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{Kd, Outcome, field};
use crate::tree::user_rights;
use crate::users::user;

/// Arguments of `infomaniak_offboard_drive_user`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OffboardArgs {
    pub drive_id: u64,
    pub user_id: u64,
    /// Lock the user instead of removing them.
    pub lock_only: Option<bool>,
}

/// Plans the offboarding: `DELETE .../access/users/{uid}` per right, `DELETE .../link` per
/// link they created, then `DELETE /2/drive/{id}/users/{uid}` or `POST .../lock` (kdrive.json).
pub fn plan(ctx: &Ctx, a: OffboardArgs) -> Result<Planned<Outcome>, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let u = user(&kd, a.user_id)?;
    let who = u["email"].as_str().unwrap_or("?").to_string();
    let rights: Vec<(u64, Value, Value)> = user_rights(&kd)?
        .into_iter()
        .filter(|r| r.entry["id"].as_u64() == Some(a.user_id))
        .filter_map(|r| {
            Some((
                r.file["id"].as_u64()?,
                r.file["path"].clone(),
                json!({"right": r.entry["right"]}),
            ))
        })
        .collect();
    let links: Vec<(u64, Value)> = kd
        .cursor(&kd.v3("/files/links"), &[])?
        .into_iter()
        .filter_map(|f| {
            let link = field(&f, "sharelink")?;
            (link["created_by"].as_u64() == Some(a.user_id))
                .then(|| Some((f["id"].as_u64()?, link.clone())))?
        })
        .collect();
    let lock_only = a.lock_only.unwrap_or(false);
    let mut b = PlanBuilder::new(
        ctx.role(),
        format!(
            "Offboard {who} from kDrive {}: remove {} file right(s) and {} share link(s) they created, then {} the user.",
            a.drive_id,
            rights.len(),
            links.len(),
            if lock_only { "lock" } else { "remove" }
        ),
    );
    for (fid, path, before) in &rights {
        b = b
            .change(
                format!("file {fid} {}: right of {who}", path.as_str().unwrap_or("")),
                "delete",
                Some(before),
                None::<&Value>,
            )
            .effect(
                HttpMethod::Delete,
                kd.v2(&format!("/files/{fid}/access/users/{}", a.user_id)),
                None,
            );
    }
    for (fid, link) in &links {
        b = b
            .change(
                format!(
                    "file {fid}: share link {}",
                    link["url"].as_str().unwrap_or("")
                ),
                "delete",
                Some(link),
                None::<&Value>,
            )
            .effect(
                HttpMethod::Delete,
                kd.v2(&format!("/files/{fid}/link")),
                None,
            );
    }
    b = if lock_only {
        b.change(
            format!("user {who}"),
            "lock",
            Some(&json!({"status": u["status"]})),
            Some(&json!({"status": "locked"})),
        )
        .effect(
            HttpMethod::Post,
            kd.v2(&format!("/users/{}/lock", a.user_id)),
            Some(&json!({})),
        )
    } else {
        b.change(format!("user {who}"), "delete", Some(&u), None::<&Value>)
            .effect(
                HttpMethod::Delete,
                kd.v2(&format!("/users/{}", a.user_id)),
                None,
            )
    };
    b.snapshot(&json!({"user": u, "rights": rights.iter().map(|r| json!([r.0, r.2])).collect::<Vec<_>>(), "links": links}))
        .confirm()
}
