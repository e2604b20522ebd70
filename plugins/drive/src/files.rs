//! Files and the trash: v3 cursor listings, and trash restores and deletions.

use ikmcp_pdk::error::not_found;
use ikmcp_pdk::{Ctx, HttpMethod, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{DriveArgs, FileArgs, Kd, Listing, Outcome, ROOT_ID, one_write, unchanged};
use crate::{LIST_TRASH, RESTORE_TRASH_ITEM};

/// Arguments of `infomaniak_list_drive_files`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFilesArgs {
    pub drive_id: u64,
    /// Directory id (default: the root, 1).
    pub parent_id: Option<u64>,
}

/// `infomaniak_list_drive_files`: every child of a directory,
/// `GET /3/drive/{id}/files/{file_id}/files` (kdrive.json; cursor). The peers use an
/// undocumented v2 route with page/per_page; the documented v3 one does the same job.
pub fn list_files(ctx: &Ctx, a: ListFilesArgs) -> Result<Listing, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let dir = a.parent_id.unwrap_or(ROOT_ID);
    Ok(kd
        .cursor(&kd.v3(&format!("/files/{dir}/files")), &[])?
        .into())
}

/// `infomaniak_list_drive_trash`: `GET /3/drive/{id}/trash` (kdrive.json; cursor).
pub fn list_trash(ctx: &Ctx, a: DriveArgs) -> Result<Listing, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    Ok(kd.cursor(&kd.v3("/trash"), &[])?.into())
}

/// One trashed item (`GET /3/drive/{id}/trash/{file_id}`, kdrive.json).
fn trashed(kd: &Kd, file_id: u64) -> Result<Value, ToolError> {
    kd.get_opt(&kd.v3(&format!("/trash/{file_id}")))?
        .ok_or_else(|| {
            not_found(
                format!("file {file_id} is not in the trash of kDrive {}", kd.id),
                format!("list the trash with {LIST_TRASH}"),
            )
        })
}

/// `infomaniak_empty_drive_trash`: `DELETE /2/drive/{id}/trash` (kdrive.json), after
/// `GET /2/drive/{id}/trash/count`.
pub fn plan_empty(ctx: &Ctx, a: DriveArgs) -> Result<Planned<Outcome>, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let count = kd.get(&kd.v2("/trash/count"), &[])?;
    let target = format!("kDrive {}: trash", a.drive_id);
    if count.get("count").and_then(Value::as_u64) == Some(0) {
        return Ok(unchanged(target, Some(count)));
    }
    one_write(
        ctx,
        format!(
            "Delete for good the {} item(s) in the trash of kDrive {}; they cannot be restored afterwards.",
            count["count"], a.drive_id
        ),
        target,
        "delete",
        Some(&count),
        None,
        HttpMethod::Delete,
        kd.v2("/trash"),
        &[],
        None,
    )
}

/// Arguments of `infomaniak_restore_drive_trash_item`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreArgs {
    pub drive_id: u64,
    pub file_id: u64,
    /// Directory to restore into (default: the root, 1).
    pub destination_directory_id: Option<u64>,
}

/// `infomaniak_restore_drive_trash_item`: `POST /2/drive/{id}/trash/{file_id}/restore`
/// (kdrive.json); its answer carries the undo `cancel_id`.
pub fn plan_restore(ctx: &Ctx, a: RestoreArgs) -> Result<Planned<Outcome>, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let item = trashed(&kd, a.file_id)?;
    let dest = a.destination_directory_id.unwrap_or(ROOT_ID);
    let body = json!({"destination_directory_id": dest});
    one_write(
        ctx,
        format!(
            "Restore {} from the trash of kDrive {} into directory {dest}.",
            item["name"], a.drive_id
        ),
        format!("kDrive {}: trashed file {}", a.drive_id, a.file_id),
        "restore",
        Some(&item),
        Some(&body),
        HttpMethod::Post,
        kd.v2(&format!("/trash/{}/restore", a.file_id)),
        &[],
        Some(&body),
    )
}

/// `infomaniak_remove_drive_trash_item`: `DELETE /2/drive/{id}/trash/{file_id}` (kdrive.json).
pub fn plan_remove(ctx: &Ctx, a: FileArgs) -> Result<Planned<Outcome>, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let item = trashed(&kd, a.file_id)?;
    one_write(
        ctx,
        format!(
            "Delete {} for good from the trash of kDrive {}; it cannot be restored afterwards (use {RESTORE_TRASH_ITEM} instead to keep it).",
            item["name"], a.drive_id
        ),
        format!("kDrive {}: trashed file {}", a.drive_id, a.file_id),
        "delete",
        Some(&item),
        None,
        HttpMethod::Delete,
        kd.v2(&format!("/trash/{}", a.file_id)),
        &[],
        None,
    )
}
