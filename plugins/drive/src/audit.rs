//! Audits: one drive's administration (the peers' `audit_kdrive_admin`) and the sharing
//! audit over every drive. Each finding says what is wrong and names the tool call that
//! fixes it, with its arguments.

use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{DriveArgs, Kd, advise, field};
use crate::drives::drives;
use crate::tree::user_rights;
use crate::{DELETE_INVITATION, OFFBOARD_USER, REMOVE_LINK, UPDATE_FILE_ACCESS_USER, UPDATE_LINK};

/// A shared folder above this many bytes is a "large folder" (10 GiB).
pub const LARGE_FOLDER_BYTES: u64 = 10 << 30;
/// An invitation pending longer than this many days is stale.
pub const STALE_INVITATION_DAYS: i64 = 90;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
    Low,
}

/// The tool call that fixes a finding.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Fix {
    /// Tool name.
    pub tool: String,
    /// Its arguments (a `<…>` value is for the user to choose).
    pub args: Value,
}

/// One finding.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    /// Short code (`public_link_no_password`, `external_manager`…).
    pub code: String,
    pub drive_id: u64,
    /// What is wrong, in words.
    pub message: String,
    pub fix: Option<Fix>,
}

fn finding(
    severity: Severity,
    code: &str,
    drive_id: u64,
    message: String,
    fix: Option<(&str, Value)>,
) -> Finding {
    Finding {
        severity,
        code: code.into(),
        drive_id,
        message,
        fix: fix.map(|(tool, args)| Fix {
            tool: tool.into(),
            args,
        }),
    }
}

/// The sharing findings of one drive: links, large shared folders, external managers,
/// locked users with rights, invitations pending for months.
pub fn sharing_findings(kd: &Kd) -> Result<Vec<Finding>, ToolError> {
    let d = kd.id;
    let mut out = Vec::new();
    let links = kd.walk(&kd.v3("/files/links"), &[])?;
    let now = links.response_at;
    for item in &links.items {
        let (Some(fid), Some(link)) = (item["id"].as_u64(), field(item, "sharelink")) else {
            continue;
        };
        let name = item["path"]
            .as_str()
            .or(item["name"].as_str())
            .unwrap_or("?");
        let public = link["right"] == "public";
        let no_expiry = field(link, "valid_until").is_none();
        let remove = (REMOVE_LINK, json!({"drive_id": d, "file_id": fid}));
        match (public, no_expiry) {
            (true, true) => out.push(finding(Severity::High, "public_link_no_password_no_expiry", d,
                format!("{name}: public share link without password or expiry"), Some(remove.clone()))),
            (true, false) => out.push(finding(Severity::Medium, "public_link_no_password", d,
                format!("{name}: public share link without password"),
                Some((UPDATE_LINK, json!({"drive_id": d, "file_id": fid, "right": "password", "password": "<choose one>"}))))),
            (false, true) => out.push(finding(Severity::Low, "link_no_expiry", d,
                format!("{name}: share link without expiry"),
                Some((UPDATE_LINK, json!({"drive_id": d, "file_id": fid, "valid_until": "<unix seconds>"}))))),
            _ => {}
        }
        if item["type"] == "dir" {
            let size = kd.get(&kd.v2(&format!("/files/{fid}/sizes")), &[])?;
            let bytes = size["size"].as_u64().unwrap_or(0);
            if bytes > LARGE_FOLDER_BYTES {
                out.push(finding(
                    Severity::Medium,
                    "link_to_large_folder",
                    d,
                    format!(
                        "{name}: share link to a folder of {:.1} GiB",
                        bytes as f64 / f64::from(1u32 << 30)
                    ),
                    Some(remove),
                ));
            }
        }
    }
    let users = kd.pages(&kd.v2("/users"), &[])?;
    let role_of = |id: u64| users.iter().find(|u| u["id"].as_u64() == Some(id));
    for r in user_rights(kd)? {
        let (Some(uid), Some(fid)) = (r.entry["id"].as_u64(), r.file["id"].as_u64()) else {
            continue;
        };
        let user = role_of(uid);
        let name = r.file["path"].as_str().unwrap_or("?");
        let who = user.and_then(|u| u["email"].as_str()).unwrap_or("?");
        if user.is_some_and(|u| u["role"] == "external") && r.entry["right"] == "manage" {
            out.push(finding(
                Severity::High,
                "external_manager",
                d,
                format!("{name}: external user {who} can manage it"),
                Some((
                    UPDATE_FILE_ACCESS_USER,
                    json!({"drive_id": d, "file_id": fid, "user_id": uid, "right": "read"}),
                )),
            ));
        }
        if user.is_some_and(|u| u["status"] == "locked") {
            out.push(finding(
                Severity::Medium,
                "locked_user_with_rights",
                d,
                format!("{name}: locked user {who} still holds {}", r.entry["right"]),
                Some((OFFBOARD_USER, json!({"drive_id": d, "user_id": uid}))),
            ));
        }
    }
    if let Some(now) = now {
        for inv in kd.pages(&kd.v2("/users/invitation"), &[])? {
            let age = inv["created_at"].as_i64().map(|t| (now - t) / 86_400);
            if inv["status"] == "pending" && age.is_some_and(|a| a > STALE_INVITATION_DAYS) {
                out.push(finding(
                    Severity::Low,
                    "stale_invitation",
                    d,
                    format!(
                        "invitation of {} pending for {} days",
                        inv["email"].as_str().unwrap_or("?"),
                        age.unwrap_or(0)
                    ),
                    Some((
                        DELETE_INVITATION,
                        json!({"drive_id": d, "invitation_id": inv["id"]}),
                    )),
                ));
            }
        }
    }
    out.sort_by_key(|f| f.severity);
    Ok(out)
}

/// Result of the audits.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditOut {
    /// Drives audited.
    pub drives: usize,
    /// Drives that could not be read (maintenance, rights), with why.
    pub skipped: Vec<Value>,
    pub findings: Vec<Finding>,
}

/// `infomaniak_audit_kdrive_admin`: one drive: state, storage, trash, users and sharing.
pub fn audit_drive(ctx: &Ctx, a: DriveArgs) -> Result<AuditOut, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let d = a.drive_id;
    let drive = kd.get(&kd.v2(""), &[])?;
    let mut findings = Vec::new();
    if drive["in_maintenance"] == true || drive["is_locked"] == true {
        findings.push(finding(
            Severity::High,
            "drive_unavailable",
            d,
            format!(
                "kDrive {d} is {}",
                if drive["is_locked"] == true {
                    "locked"
                } else {
                    "under maintenance"
                }
            ),
            None,
        ));
        return Ok(AuditOut {
            drives: 1,
            skipped: vec![json!({"drive_id": d, "reason": "maintenance or locked"})],
            findings,
        });
    }
    let (used, size) = (
        drive["used_size"].as_f64().unwrap_or(0.0),
        drive["size"].as_f64().unwrap_or(0.0),
    );
    if size > 0.0 && used / size >= 0.9 {
        findings.push(finding(
            Severity::Medium,
            "storage_almost_full",
            d,
            format!("storage {:.0}% used", 100.0 * used / size),
            Some((crate::EMPTY_TRASH, json!({"drive_id": d}))),
        ));
    }
    let trash = kd.get(&kd.v2("/trash/count"), &[])?;
    if trash["count"].as_u64().unwrap_or(0) > 0 {
        findings.push(finding(
            Severity::Low,
            "trash_not_empty",
            d,
            format!(
                "{} item(s) in the trash still count against storage",
                trash["count"]
            ),
            Some((crate::EMPTY_TRASH, json!({"drive_id": d}))),
        ));
    }
    let settings = kd.get(&kd.v2("/settings"), &[])?;
    if settings["trash"]["max_duration"]
        .as_u64()
        .is_some_and(|days| days > 60)
    {
        findings.push(finding(
            Severity::Low,
            "long_trash_retention",
            d,
            format!(
                "trashed files are kept {} days",
                settings["trash"]["max_duration"]
            ),
            Some((
                crate::UPDATE_TRASH_SETTINGS,
                json!({"drive_id": d, "max_duration": 30}),
            )),
        ));
    }
    findings.extend(sharing_findings(&kd)?);
    findings.sort_by_key(|f| f.severity);
    Ok(AuditOut {
        drives: 1,
        skipped: vec![],
        findings,
    })
}

/// Arguments of `infomaniak_audit_drive_sharing`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SharingArgs {
    /// Only this account's drives.
    pub account_id: Option<u64>,
}

/// `infomaniak_audit_drive_sharing`: the sharing findings of every drive, with progress; a
/// drive that cannot be read is listed as skipped, not a failure of the whole audit.
pub fn audit_sharing(ctx: &Ctx, a: SharingArgs) -> Result<AuditOut, ToolError> {
    let list = drives(ctx, a.account_id)?;
    let total = list.len() as u32;
    let mut out = AuditOut {
        drives: 0,
        skipped: vec![],
        findings: vec![],
    };
    for (i, drive) in list.iter().enumerate() {
        let Some(id) = drive["id"].as_u64() else {
            continue;
        };
        ctx.progress(i as u32, Some(total), Some(&format!("kDrive {id}")));
        if drive["in_maintenance"] == true {
            out.skipped
                .push(json!({"drive_id": id, "reason": "under maintenance: audit it again later"}));
            continue;
        }
        match sharing_findings(&Kd::new(ctx, id)) {
            Ok(f) => {
                out.drives += 1;
                out.findings.extend(f);
            }
            Err(e) => {
                let e = advise(e, id);
                out.skipped
                    .push(json!({"drive_id": id, "reason": ikmcp_pdk::ToolErrorExt::message(&e)}));
            }
        }
    }
    ctx.progress(total, Some(total), Some("done"));
    out.findings.sort_by_key(|f| f.severity);
    Ok(out)
}
