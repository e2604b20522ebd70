//! Activities (v3 cursor lists) and activity reports.

use ikmcp_pdk::error::{invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, Planned, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::LIST_REPORTS;
use crate::common::{DriveArgs, Item, Kd, Listing, Outcome, one_write};

/// Filters of the activity tools.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityArgs {
    pub drive_id: u64,
    /// Only this file's (get_drive_file_activities).
    pub file_id: Option<u64>,
    /// Unix seconds.
    pub from: Option<i64>,
    /// Unix seconds.
    pub until: Option<i64>,
    /// e.g. file_create, share_link_create, acl_user_insert.
    pub actions: Option<Vec<String>>,
    /// User ids.
    pub users: Option<Vec<u64>>,
}

fn activities(ctx: &Ctx, a: &ActivityArgs, sub: &str) -> Result<Listing, ToolError> {
    if let (Some(f), Some(u)) = (a.from, a.until)
        && u < f
    {
        return Err(invalid_args(
            "until is before from",
            "give from <= until, in unix seconds",
        ));
    }
    let kd = Kd::new(ctx, a.drive_id);
    let from = a.from.map(|v| v.to_string());
    let until = a.until.map(|v| v.to_string());
    let users: Vec<String> = a.users.iter().flatten().map(u64::to_string).collect();
    let mut q: Vec<(&str, &str)> = Vec::new();
    if let Some(f) = &from {
        q.push(("from", f));
    }
    if let Some(u) = &until {
        q.push(("until", u));
    }
    for act in a.actions.iter().flatten() {
        q.push(("actions[]", act));
    }
    for u in &users {
        q.push(("users[]", u));
    }
    Ok(kd.cursor(&kd.v3(sub), &q)?.into())
}

/// `infomaniak_get_drive_activities`: `GET /3/drive/{id}/activities` (kdrive.json; cursor).
pub fn drive_activities(ctx: &Ctx, a: ActivityArgs) -> Result<Listing, ToolError> {
    if a.file_id.is_some() {
        return Err(invalid_args(
            "file_id is for one file's activities",
            "use infomaniak_get_drive_file_activities",
        ));
    }
    activities(ctx, &a, "/activities")
}

/// `infomaniak_get_drive_file_activities`: `GET /3/drive/{id}/files/{file_id}/activities`.
pub fn file_activities(ctx: &Ctx, a: ActivityArgs) -> Result<Listing, ToolError> {
    let Some(f) = a.file_id else {
        return Err(invalid_args(
            "file_id is required",
            "give the file's id (infomaniak_list_drive_files)",
        ));
    };
    activities(ctx, &a, &format!("/files/{f}/activities"))
}

/// `infomaniak_get_drive_root_activities`: `GET /3/drive/{id}/files/activities`.
pub fn root_activities(ctx: &Ctx, a: ActivityArgs) -> Result<Listing, ToolError> {
    if a.file_id.is_some() {
        return Err(invalid_args(
            "file_id is for one file's activities",
            "use infomaniak_get_drive_file_activities",
        ));
    }
    activities(ctx, &a, "/files/activities")
}

/// `infomaniak_list_drive_activity_reports`: `GET /2/drive/{id}/activities/reports` (every page).
pub fn list_reports(ctx: &Ctx, a: DriveArgs) -> Result<Listing, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    Ok(kd.pages(&kd.v2("/activities/reports"), &[])?.into())
}

/// Arguments naming one report.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportArgs {
    pub drive_id: u64,
    pub report_id: u64,
}

fn report(kd: &Kd, id: u64) -> Result<Value, ToolError> {
    kd.get_opt(&kd.v2(&format!("/activities/reports/{id}")))?
        .ok_or_else(|| {
            not_found(
                format!("report {id} does not exist on kDrive {}", kd.id),
                format!("list them with {LIST_REPORTS}"),
            )
        })
}

/// `infomaniak_get_drive_activity_report`.
pub fn get_report(ctx: &Ctx, a: ReportArgs) -> Result<Item, ToolError> {
    Ok(Item {
        item: Some(report(&Kd::new(ctx, a.drive_id), a.report_id)?),
    })
}

/// Result of `infomaniak_export_drive_activity_report`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ExportOut {
    /// The report as CSV.
    pub csv: String,
}

/// `infomaniak_export_drive_activity_report`: `GET .../reports/{id}/export` (CSV).
pub fn export_report(ctx: &Ctx, a: ReportArgs) -> Result<ExportOut, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    report(&kd, a.report_id)?;
    Ok(ExportOut {
        csv: kd.text(
            &kd.v2(&format!("/activities/reports/{}/export", a.report_id)),
            &[],
        )?,
    })
}

/// Arguments of `infomaniak_create_drive_activity_report`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReportArgs {
    pub drive_id: u64,
    pub from: Option<i64>,
    pub until: Option<i64>,
    pub actions: Option<Vec<String>>,
    pub users: Option<Vec<u64>>,
    /// File ids (1..500).
    pub files: Option<Vec<u64>>,
    /// de, en, es, fr or it.
    pub lang: Option<String>,
}

/// `infomaniak_create_drive_activity_report`: `POST /2/drive/{id}/activities/reports?lang=`
/// (kdrive.json).
pub fn plan_create(ctx: &Ctx, a: CreateReportArgs) -> Result<Planned<Outcome>, ToolError> {
    let lang = a.lang.as_deref().unwrap_or("en");
    if !["de", "en", "es", "fr", "it"].contains(&lang) {
        return Err(invalid_args(
            format!("unknown lang {lang:?}"),
            "give de, en, es, fr or it",
        ));
    }
    if let (Some(f), Some(u)) = (a.from, a.until)
        && u < f
    {
        return Err(invalid_args(
            "until is before from",
            "give from <= until, in unix seconds",
        ));
    }
    if a.files
        .as_ref()
        .is_some_and(|f| f.is_empty() || f.len() > 500)
    {
        return Err(invalid_args(
            "files must hold 1 to 500 ids",
            "give fewer files, or none for the whole drive",
        ));
    }
    let mut body = Map::new();
    for (k, v) in [
        ("from", a.from.map(|v| json!(v))),
        ("until", a.until.map(|v| json!(v))),
        ("actions", a.actions.map(|v| json!(v))),
        ("users", a.users.map(|v| json!(v))),
        ("files", a.files.map(|v| json!(v))),
    ] {
        if let Some(v) = v {
            body.insert(k.into(), v);
        }
    }
    let body = Value::Object(body);
    let kd = Kd::new(ctx, a.drive_id);
    let existing = kd.pages(&kd.v2("/activities/reports"), &[])?;
    one_write(
        ctx,
        format!(
            "Create an activity report on kDrive {} with filters {body}.",
            a.drive_id
        ),
        format!("kDrive {}: activity reports", a.drive_id),
        "create",
        Some(&json!({"reports": existing.len()})),
        Some(&body),
        HttpMethod::Post,
        kd.v2("/activities/reports"),
        &[("lang", lang)],
        Some(&body),
    )
}

/// `infomaniak_delete_drive_activity_report`: `DELETE .../reports/{id}` (kdrive.json).
pub fn plan_delete(ctx: &Ctx, a: ReportArgs) -> Result<Planned<Outcome>, ToolError> {
    let kd = Kd::new(ctx, a.drive_id);
    let before = report(&kd, a.report_id)?;
    one_write(
        ctx,
        format!(
            "Delete activity report {} of kDrive {}.",
            a.report_id, a.drive_id
        ),
        format!("kDrive {}: activity report {}", a.drive_id, a.report_id),
        "delete",
        Some(&before),
        None,
        HttpMethod::Delete,
        kd.v2(&format!("/activities/reports/{}", a.report_id)),
        &[],
        None,
    )
}
