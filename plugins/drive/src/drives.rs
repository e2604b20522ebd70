//! Drives: the list over every account, one drive in full, its settings and statistics.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::common::{DriveArgs, Item, Kd, Listing, advise};

/// Arguments of `infomaniak_list_drives`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListDrivesArgs {
    /// Only this account (default: every account).
    pub account_id: Option<u64>,
}

/// The accounts the token sees (`GET /1/accounts`, core.json).
pub fn account_ids(ctx: &Ctx) -> Result<Vec<u64>, ToolError> {
    Ok(ctx
        .api()
        .list_all("/1/accounts", &[])?
        .iter()
        .filter_map(|a| a.get("id").and_then(Value::as_u64))
        .collect())
}

/// Every drive of `account_id`, or of every account (`GET /2/drive?account_id=`, kdrive.json).
pub fn drives(ctx: &Ctx, account_id: Option<u64>) -> Result<Vec<Value>, ToolError> {
    let accounts = match account_id {
        Some(a) => vec![a],
        None => account_ids(ctx)?,
    };
    let mut out = Vec::new();
    for a in accounts {
        let a = a.to_string();
        out.extend(ctx.api().list_all("/2/drive", &[("account_id", &a)])?);
    }
    Ok(out)
}

/// `infomaniak_list_drives`.
pub fn list_drives(ctx: &Ctx, args: ListDrivesArgs) -> Result<Listing, ToolError> {
    Ok(drives(ctx, args.account_id)?.into())
}

/// `infomaniak_get_drive_full`: `GET /2/drive/{id}` (infomaniak-api.md §7.5; kdrive.json
/// documents only its PUT, and the list lacks settings and preferences). The peers read it
/// through the manager proxy; the public route needs no manager session.
pub fn get_drive_full(ctx: &Ctx, args: DriveArgs) -> Result<Item, ToolError> {
    let kd = Kd::new(ctx, args.drive_id);
    Ok(Item {
        item: Some(kd.get(&kd.v2(""), &[])?),
    })
}

/// `infomaniak_get_drive_settings`: `GET /2/drive/{id}/settings` (kdrive.json).
pub fn get_settings(ctx: &Ctx, args: DriveArgs) -> Result<Item, ToolError> {
    let kd = Kd::new(ctx, args.drive_id);
    Ok(Item {
        item: Some(kd.get(&kd.v2("/settings"), &[])?),
    })
}

// Which statistic.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    Sizes,
    Activities,
    ActivitiesUsers,
    SharedFiles,
    ShareLinks,
}

/// Arguments of `infomaniak_get_drive_statistics`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatisticsArgs {
    pub drive_id: u64,
    pub statistic: Statistic,
    /// Unix seconds.
    pub from: i64,
    /// Unix seconds.
    pub until: i64,
    /// Hours per point, 1..720 (sizes, activities; default 24).
    pub interval: Option<u32>,
    /// sizes: files|trash|versions; activities: devices|shared_files|users.
    pub metric: Option<String>,
    /// CSV instead of JSON (sizes, activities, share_links).
    pub export: Option<bool>,
}

/// Result of `infomaniak_get_drive_statistics`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StatisticsOut {
    /// The JSON answer (null for an export).
    pub data: Option<Value>,
    /// The CSV text of an export.
    pub csv: Option<String>,
}

/// `infomaniak_get_drive_statistics`: `GET /2/drive/{id}/statistics/...` (kdrive.json).
pub fn statistics(ctx: &Ctx, a: StatisticsArgs) -> Result<StatisticsOut, ToolError> {
    use Statistic::*;
    if a.until < a.from {
        return Err(invalid_args(
            "until is before from",
            "give from <= until, in unix seconds",
        ));
    }
    let interval = a.interval.unwrap_or(24);
    if !(1..=720).contains(&interval) {
        return Err(invalid_args(
            format!("interval {interval} is out of range"),
            "give 1 to 720 hours",
        ));
    }
    let export = a.export.unwrap_or(false);
    let (sub, metric_key, metrics): (&str, Option<&str>, &[&str]) = match a.statistic {
        Sizes => (
            "/statistics/sizes",
            Some("metrics[]"),
            &["files", "trash", "versions"],
        ),
        Activities => (
            "/statistics/activities",
            Some("metric"),
            &["devices", "shared_files", "users"],
        ),
        ActivitiesUsers => ("/statistics/activities/users", None, &[]),
        SharedFiles => ("/statistics/activities/shared_files", None, &[]),
        ShareLinks => ("/statistics/activities/links", None, &[]),
    };
    if export && matches!(a.statistic, ActivitiesUsers | SharedFiles) {
        return Err(invalid_args(
            "this statistic has no export",
            "export sizes, activities or share_links",
        ));
    }
    let (from, until, interval) = (
        a.from.to_string(),
        a.until.to_string(),
        interval.to_string(),
    );
    let mut q: Vec<(&str, &str)> = vec![("from", &from), ("until", &until)];
    let default_metric = metrics.first().copied().unwrap_or("");
    let metric = a.metric.as_deref().unwrap_or(default_metric);
    if let Some(key) = metric_key {
        if !metrics.contains(&metric) {
            return Err(invalid_args(
                format!("unknown metric {metric:?}"),
                format!("use one of {}", metrics.join(", ")),
            ));
        }
        q.push(("interval", &interval));
        q.push((key, metric));
    } else if a.metric.is_some() {
        return Err(invalid_args(
            "this statistic takes no metric",
            "leave metric out",
        ));
    }
    let kd = Kd::new(ctx, a.drive_id);
    if export {
        let path = kd.v2(&format!("{sub}/export"));
        return Ok(StatisticsOut {
            data: None,
            csv: Some(kd.text(&path, &q)?),
        });
    }
    let path = kd.v2(sub);
    let data = if a.statistic == ShareLinks {
        Value::Array(kd.pages(&path, &q)?)
    } else {
        ctx.api()
            .get(&path, &q)
            .map_err(|e| advise(e, a.drive_id))?
    };
    Ok(StatisticsOut {
        data: Some(data),
        csv: None,
    })
}
