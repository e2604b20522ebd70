//! Drive settings: trash retention, AI, link appearance, office apps, preferences.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, HttpMethod, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::common::{Kd, Outcome, one_write, unchanged};

/// Arguments of `infomaniak_update_drive_trash_settings`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrashSettingsArgs {
    pub drive_id: u64,
    /// Days kept in the trash, 1..365 (allowed values depend on the offer).
    pub max_duration: u32,
}

/// `infomaniak_update_drive_trash_settings`: `PUT /2/drive/{id}/settings/trash` (kdrive.json).
pub fn plan_trash(ctx: &Ctx, a: TrashSettingsArgs) -> Result<Planned<Outcome>, ToolError> {
    if !(1..=365).contains(&a.max_duration) {
        return Err(invalid_args(
            format!("max_duration {} is out of range", a.max_duration),
            "give 1 to 365 days",
        ));
    }
    let kd = Kd::new(ctx, a.drive_id);
    let settings = kd.get(&kd.v2("/settings"), &[])?;
    let before = settings.get("trash").cloned().unwrap_or(Value::Null);
    let target = format!("kDrive {}: trash retention", a.drive_id);
    if before["max_duration"] == a.max_duration {
        return Ok(unchanged(target, Some(before)));
    }
    let body = json!({"max_duration": a.max_duration});
    one_write(
        ctx,
        format!(
            "Keep trashed files {} days on kDrive {} (was {}).",
            a.max_duration, a.drive_id, before["max_duration"]
        ),
        target,
        "update",
        Some(&before),
        Some(&body),
        HttpMethod::Put,
        kd.v2("/settings/trash"),
        &[],
        Some(&body),
    )
}

// Which settings.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum SettingsAction {
    UpdateAi,
    UpdateLink,
    UpdateOffice,
    UpdatePreferences,
}

/// Arguments of `infomaniak_manage_drive_settings`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsArgs {
    pub drive_id: u64,
    pub action: SettingsAction,
    /// Fields to set, as the API names them (ai: has_approved…; link: activate, bgColor,
    /// txtColor; office: text, spreadsheet…; preferences: color, default_page, hide).
    pub settings: Map<String, Value>,
}

/// `infomaniak_manage_drive_settings`: `PUT /2/drive/{id}/settings/{ai|link|office}` or
/// `PUT /2/drive/{id}/preferences` (kdrive.json); the API checks the fields.
pub fn plan_settings(ctx: &Ctx, a: SettingsArgs) -> Result<Planned<Outcome>, ToolError> {
    use SettingsAction::*;
    if a.settings.is_empty() {
        return Err(invalid_args("settings is empty", "give the fields to set"));
    }
    let (path, section, allowed): (&str, &str, &[&str]) = match a.action {
        UpdateAi => (
            "/settings/ai",
            "ai_scan",
            &[
                "has_approved",
                "has_approved_ai_categories",
                "has_approved_content_search",
            ],
        ),
        UpdateLink => (
            "/settings/link",
            "shared_link",
            &["activate", "bgColor", "txtColor", "images"],
        ),
        UpdateOffice => (
            "/settings/office",
            "office",
            &["text", "spreadsheet", "presentation", "form"],
        ),
        UpdatePreferences => (
            "/preferences",
            "preferences",
            &["color", "default_page", "hide", "ui"],
        ),
    };
    if let Some(k) = a.settings.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid_args(
            format!("{k:?} is not a field of these settings"),
            format!("use {}", allowed.join(", ")),
        ));
    }
    for (k, v) in &a.settings {
        check_field(k, v)?;
    }
    let kd = Kd::new(ctx, a.drive_id);
    let before = if a.action == UpdatePreferences {
        kd.get(&kd.v2(""), &[])?
            .get("preferences")
            .cloned()
            .unwrap_or(Value::Null)
    } else {
        kd.get(&kd.v2("/settings"), &[])?
            .get(section)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let target = format!("kDrive {}: {section}", a.drive_id);
    if a.settings.iter().all(|(k, v)| before.get(k) == Some(v)) {
        return Ok(unchanged(target, Some(before)));
    }
    let mut body = Value::Object(a.settings.clone());
    if a.action == UpdateLink {
        // The API requires all three; unchanged ones are sent as they are.
        for k in ["activate", "bgColor", "txtColor"] {
            if body.get(k).is_none() {
                body[k] = before.get(k).cloned().unwrap_or(Value::Null);
            }
        }
    }
    let mut after = before.clone();
    if let (Some(a), Some(b)) = (after.as_object_mut(), body.as_object()) {
        a.extend(b.clone());
    }
    one_write(
        ctx,
        format!("Change {section} of kDrive {}: {body}.", a.drive_id),
        target,
        "update",
        Some(&before),
        Some(&after),
        HttpMethod::Put,
        kd.v2(path),
        &[],
        Some(&body),
    )
}

const DEFAULT_PAGES: &[&str] = &[
    "common",
    "dropbox",
    "favorite",
    "last_modified",
    "links",
    "my_shared",
    "private",
    "shared_with_me",
    "statistics",
    "trash",
];

fn is_hex_color(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.strip_prefix('#')
            .is_some_and(|h| (3..=6).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()))
    })
}

/// Checks one settings field the way kdrive.json describes it, so a bad value is refused
/// before it is planned rather than by the API at apply time.
fn check_field(key: &str, v: &Value) -> Result<(), ToolError> {
    let (ok, expected) = match key {
        "bgColor" | "txtColor" | "color" => (is_hex_color(v), "a colour such as #0098FF"),
        "text" | "spreadsheet" | "presentation" | "form" => {
            (v == "365" || v == "onlyoffice", "\"365\" or \"onlyoffice\"")
        }
        "default_page" => (
            v.as_str().is_some_and(|p| DEFAULT_PAGES.contains(&p)),
            "common, dropbox, favorite, last_modified, links, my_shared, private, shared_with_me, statistics or trash",
        ),
        "images" => (
            v.as_array().is_some_and(|a| a.iter().all(Value::is_u64)),
            "a list of image ids",
        ),
        "ui" => (
            v.as_object()
                .is_some_and(|o| o.values().all(Value::is_boolean)),
            "an object of true/false flags",
        ),
        _ => (v.is_boolean(), "true or false"),
    };
    if ok {
        Ok(())
    } else {
        Err(invalid_args(
            format!("{key} = {v} is not valid"),
            format!("give {key} as {expected}"),
        ))
    }
}
