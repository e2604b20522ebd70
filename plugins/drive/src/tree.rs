//! Walks a drive's file tree (v3 cursor listings from the root, id 1) for what the
//! sharing audit and the offboarding plan need: every live item that names users with a
//! right on it, and those rights.

use ikmcp_pdk::ToolError;
use serde_json::Value;

use crate::access::entries;
use crate::common::{Kd, ROOT_ID};

/// Most directories walked; a bigger tree is refused rather than half-read.
pub const MAX_DIRS: usize = 2000;

/// A user's right on one file.
#[derive(Debug, Clone)]
pub struct UserRight {
    /// The file.
    pub file: Value,
    /// The access entry (`{id, name, right, status, …}`).
    pub entry: Value,
}

/// Every user right on every live item of the drive (files whose `users` list is empty are
/// not asked about).
pub fn user_rights(kd: &Kd) -> Result<Vec<UserRight>, ToolError> {
    let mut out = Vec::new();
    let mut dirs = vec![ROOT_ID];
    let mut seen = 0usize;
    while let Some(dir) = dirs.pop() {
        seen += 1;
        if seen > MAX_DIRS {
            return Err(ikmcp_pdk::error::upstream(
                200,
                "tree_too_large",
                format!("kDrive {} has more than {MAX_DIRS} directories", kd.id),
                Some("the walk stops rather than report part of the drive; audit a smaller drive or raise MAX_DIRS".into()),
            ));
        }
        for item in kd.cursor(&kd.v3(&format!("/files/{dir}/files")), &[])? {
            if item["type"] == "dir"
                && let Some(id) = item["id"].as_u64()
            {
                dirs.push(id);
            }
            let holders = item["users"].as_array().is_some_and(|u| !u.is_empty());
            if let (true, Some(id)) = (holders, item["id"].as_u64()) {
                for entry in entries(kd, id, "users")? {
                    out.push(UserRight {
                        file: item.clone(),
                        entry,
                    });
                }
            }
        }
    }
    Ok(out)
}
