//! The kDrive world of one drive: users, invitations, the file tree with its rights and
//! share links, settings, activities and activity reports, and their API shapes.

use serde::Serialize;
use serde_json::{Value, json};

/// The root directory's id on every drive (infomaniak-api.md Q18).
pub const ROOT_ID: u64 = 1;

/// Everything inside one kDrive (held by [`crate::state::Drive`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DriveData {
    /// Maintenance: every route of the drive answers 503 `drive_is_in_maintenance_error`.
    pub in_maintenance: bool,
    /// Users of the drive.
    pub users: Vec<DriveUser>,
    /// Pending (or answered) drive invitations.
    pub invitations: Vec<DriveInvitation>,
    /// Every file and directory, the root (id 1) included; trashed ones carry `trashed_at`.
    pub files: Vec<DriveFile>,
    /// `/settings`: `{ai_scan, shared_link, trash, office}`.
    pub settings: Value,
    /// The drive's preferences (`PUT /2/drive/{id}/preferences`).
    pub preferences: Value,
    /// Activity log, oldest first.
    pub activities: Vec<Activity>,
    /// Activity reports.
    pub reports: Vec<Report>,
}

/// A drive user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriveUser {
    /// User id (account user id).
    pub id: u64,
    /// E-mail.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// `admin`, `user` or `external`.
    pub role: String,
    /// `active`, `locked`, `pending`…
    pub status: String,
    /// Manager roles (`statistic`, `technical`).
    pub manager_roles: Vec<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub last_connection_at: i64,
}

/// A drive invitation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriveInvitation {
    /// Invitation id.
    pub id: u64,
    /// Invited address.
    pub email: String,
    /// Role offered.
    pub role: String,
    /// `pending`, `accepted`, `cancelled`, `expired`.
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expired_at: i64,
    /// Who invited.
    pub invited_by: u64,
}

/// A right on a file held by a user or a team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Access {
    /// User or team id.
    pub id: u64,
    /// `read`, `write`, `manage`.
    pub right: String,
}

/// An invitation to one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileInvitation {
    /// Invitation id.
    pub id: u64,
    /// Invited address.
    pub email: String,
    /// Right offered.
    pub right: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A public share link of a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareLink {
    /// `public`, `inherit` or `password`.
    pub right: String,
    /// Expiry, unix seconds.
    pub valid_until: Option<i64>,
    /// Capabilities `can_*`.
    pub capabilities: Value,
    /// Creator (drive user id).
    pub created_by: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// Views.
    pub views: u64,
}

/// A file or directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriveFile {
    /// File id (the root is 1).
    pub id: u64,
    /// Parent directory (0 for the root).
    pub parent_id: u64,
    /// Name.
    pub name: String,
    /// `dir` or `file`.
    pub kind: String,
    /// Bytes (files; directories are sized by their content).
    pub size: u64,
    /// Creator.
    pub created_by: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub last_modified_at: i64,
    /// When it went to the trash.
    pub trashed_at: Option<i64>,
    /// User rights.
    pub users: Vec<Access>,
    /// Team rights.
    pub teams: Vec<Access>,
    /// Invitations to this file.
    pub invitations: Vec<FileInvitation>,
    /// Its share link.
    pub link: Option<ShareLink>,
}

/// One activity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// Activity id.
    pub id: u64,
    /// Action (`file_create`, `share_link_create`…).
    pub action: String,
    /// File concerned.
    pub file_id: u64,
    /// Who did it.
    pub user_id: u64,
    /// Unix seconds.
    pub created_at: i64,
}

/// An activity report (`/2/drive/{id}/activities/reports`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Report id.
    pub id: u64,
    /// The filters it was created with.
    pub filters: Value,
    /// Unix seconds.
    pub created_at: i64,
    /// Creator.
    pub user_id: u64,
}

impl DriveData {
    /// A live (not trashed) file.
    pub fn file(&self, id: u64) -> Option<&DriveFile> {
        self.files
            .iter()
            .find(|f| f.id == id && f.trashed_at.is_none())
    }

    /// Mutable [`DriveData::file`].
    pub fn file_mut(&mut self, id: u64) -> Option<&mut DriveFile> {
        self.files
            .iter_mut()
            .find(|f| f.id == id && f.trashed_at.is_none())
    }

    /// Bytes under `id` (itself included), trashed content excluded.
    pub fn size_under(&self, id: u64) -> u64 {
        let own = self.files.iter().find(|f| f.id == id).map_or(0, |f| f.size);
        own + self
            .files
            .iter()
            .filter(|f| f.parent_id == id && f.id != id && f.trashed_at.is_none())
            .map(|f| self.size_under(f.id))
            .sum::<u64>()
    }

    /// A user of the drive.
    pub fn user(&self, id: u64) -> Option<&DriveUser> {
        self.users.iter().find(|u| u.id == id)
    }
}

/// The display name of a user.
pub fn display_name(u: &DriveUser) -> String {
    format!("{} {}", u.first_name, u.last_name)
}

/// The v2 `DriveUser` shape.
pub fn user_json(u: &DriveUser, drive: &crate::state::Drive) -> Value {
    json!({
        "id": u.id, "display_name": display_name(u), "first_name": u.first_name,
        "last_name": u.last_name, "email": u.email, "is_sso": false,
        "avatar": format!("https://storage.infomaniak.com/avatar/{}.png", u.id),
        "type": "main", "deleted_at": 0, "drive_id": drive.id, "drive_name": drive.name,
        "account_id": drive.account_id, "created_at": u.created_at, "updated_at": u.created_at,
        "last_connection_at": u.last_connection_at, "product_id": drive.id,
        "status": u.status, "role": u.role,
        "preference": {"color": "#0098FF", "default": true, "default_page": "common", "hide": false,
            "ui": {"rag_ocr_promotion": false, "storage_limit_alert": true, "storage_warning_alert": true}},
        "manager_roles": u.manager_roles,
    })
}

/// The v2 invitation shape.
pub fn invitation_json(i: &DriveInvitation, drive_id: u64) -> Value {
    json!({
        "id": i.id, "type": "user", "is_private": false, "key": format!("inv{}", i.id),
        "file_id": 0, "lang": "en", "user_id": 0, "invited_by": i.invited_by,
        "url": format!("https://kdrive.infomaniak.com/app/drive/{drive_id}/invitation/{}", i.id),
        "is_valid": i.status == "pending", "status": i.status, "email": i.email,
        "message": "", "expired_at": i.expired_at, "created_at": i.created_at,
        "access_name": i.email, "role": i.role,
    })
}

/// The v2 share link shape.
pub fn link_json(l: &ShareLink, file_id: u64, drive_id: u64) -> Value {
    json!({
        "url": format!("https://kdrive.infomaniak.com/app/share/{drive_id}/{:x}", file_id * 7919 + drive_id),
        "file_id": file_id, "right": l.right, "valid_until": l.valid_until,
        "created_by": l.created_by, "created_at": l.created_at, "updated_at": l.updated_at,
        "capabilities": l.capabilities, "access_blocked": false, "views": l.views,
    })
}

/// The v3 File/Directory shape.
pub fn file_json(f: &DriveFile, d: &DriveData, drive_id: u64) -> Value {
    let mut v = json!({
        "id": f.id, "name": f.name, "sorted_name": f.name.to_lowercase(),
        "path": path_of(d, f.id), "type": f.kind,
        "status": if f.trashed_at.is_some() { "trashed" } else { "ok" },
        "visibility": if f.id == ROOT_ID { "is_root" } else { "" },
        "drive_id": drive_id, "depth": depth_of(d, f.id),
        "created_by": f.created_by, "created_at": f.created_at, "added_at": f.created_at,
        "last_modified_at": f.last_modified_at, "last_modified_by": f.created_by,
        "revised_at": f.last_modified_at, "updated_at": f.last_modified_at,
        "parent_id": f.parent_id,
        "users": f.users.iter().map(|a| a.id).collect::<Vec<_>>(),
        "teams": f.teams.iter().map(|a| a.id).collect::<Vec<_>>(),
        "is_favorite": false, "categories": [], "etag": format!("{:x}", f.last_modified_at),
    });
    if f.kind == "file" {
        v["size"] = json!(f.size);
        let (mime, kind) = match f.name.rsplit('.').next().unwrap_or("") {
            "pdf" => ("application/pdf", "pdf"),
            "docx" => (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "text",
            ),
            "xlsx" | "csv" => ("text/csv", "spreadsheet"),
            "png" => ("image/png", "image"),
            "mp4" => ("video/mp4", "video"),
            "zip" => ("application/zip", "archive"),
            _ => ("application/octet-stream", "unknown"),
        };
        v["mime_type"] = json!(mime);
        v["extension_type"] = json!(kind);
        v["scan_status"] = json!("clean");
    } else {
        v["color"] = json!("#9f9f9f");
    }
    if let Some(t) = f.trashed_at {
        v["deleted_at"] = json!(t);
        v["deleted_by"] = json!(f.created_by);
    }
    if let Some(l) = &f.link {
        v["sharelink"] = link_json(l, f.id, drive_id);
    }
    v
}

fn path_of(d: &DriveData, id: u64) -> String {
    let mut parts = Vec::new();
    let mut cur = id;
    while cur != ROOT_ID && cur != 0 {
        let Some(f) = d.files.iter().find(|f| f.id == cur) else {
            break;
        };
        parts.push(f.name.clone());
        cur = f.parent_id;
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

fn depth_of(d: &DriveData, id: u64) -> u64 {
    let mut depth = 0;
    let mut cur = id;
    while cur != ROOT_ID && cur != 0 && depth < 64 {
        cur = d
            .files
            .iter()
            .find(|f| f.id == cur)
            .map_or(0, |f| f.parent_id);
        depth += 1;
    }
    depth
}

/// The v3 activity shape.
pub fn activity_json(a: &Activity) -> Value {
    json!({
        "id": a.id, "action": a.action, "file_id": a.file_id, "user_id": a.user_id,
        "created_at": a.created_at, "new_path": "", "old_path": "",
    })
}

/// The report shape.
pub fn report_json(r: &Report) -> Value {
    json!({"id": r.id, "filters": r.filters, "created_at": r.created_at, "user_id": r.user_id})
}
