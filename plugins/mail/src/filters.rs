//! Sieve filters and scripts of a mailbox (mail.json `auth/filters…`). Filters and
//! scripts are addressed by name; a delete carries `{name}` in its body, as mail.json
//! documents (the peers put it in the query, which the spec does not list).

use ikmcp_pdk::error::{conflict, invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::common::{Outcome, get, mailbox_name, mailbox_path, object, unchanged};
use crate::hostings::Items;
use crate::mailboxes::MailboxArgs;

fn filters_path(id: u64, name: &str) -> String {
    format!("{}/auth/filters", mailbox_path(id, name))
}

/// The filter inventory of a mailbox (`GET auth/filters`).
fn inventory(ctx: &Ctx, id: u64, name: &str) -> Result<Value, ToolError> {
    get(&ctx.api(), &filters_path(id, name), &[])
}

fn named<'a>(inv: &'a Value, key: &str, name: &str) -> Option<&'a Value> {
    inv[key].as_array()?.iter().find(|f| f["name"] == name)
}

/// `infomaniak_list_mailbox_filters`: filters, scripts and templates as the API returns them.
pub fn list(ctx: &Ctx, a: MailboxArgs) -> Result<Map<String, Value>, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    Ok(object(inventory(ctx, a.mail_hosting_id, &name)?))
}

/// `infomaniak_list_mailbox_filter_scripts`: the scripts only.
pub fn list_scripts(ctx: &Ctx, a: MailboxArgs) -> Result<Items, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    Ok(Items::of(
        inventory(ctx, a.mail_hosting_id, &name)?["scripts"].clone(),
    ))
}

// One condition of a filter, as mail.json's request takes it (no doc comment: the
// schema stays small).
#[derive(Debug, Clone, Deserialize, JsonSchema, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// from, to, subject, body…
    pub property: String,
    /// contains, is, begin, end, not.
    pub operator: String,
    pub value: String,
}

// One action of a filter, as mail.json's request takes it: `value` is what to do.
#[derive(Debug, Clone, Deserialize, JsonSchema, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// move, copy, forward, discard, flag_seen, stop.
    pub value: String,
    pub create_a_folder: Option<String>,
}

/// The values mail.json's filter request allows (its enums).
const PROPERTIES: &[&str] = &[
    "body",
    "cc",
    "from",
    "reply-to",
    "size",
    "subject",
    "to",
    "x-infomaniak-type",
];
const OPERATORS: &[&str] = &["begin", "contains", "end", "is", "not"];
const ACTIONS: &[&str] = &["copy", "discard", "flag_seen", "forward", "move", "stop"];

fn one_of(what: &str, v: &str, allowed: &[&str]) -> Result<(), ToolError> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(invalid_args(
            format!("{what} {v:?} is not supported"),
            format!("use one of {}", allowed.join(", ")),
        ))
    }
}

fn check(c: Option<&Condition>, a: Option<&Action>) -> Result<(), ToolError> {
    if let Some(c) = c {
        one_of("condition property", &c.property, PROPERTIES)?;
        one_of("condition operator", &c.operator, OPERATORS)?;
    }
    if let Some(a) = a {
        one_of("action", &a.value, ACTIONS)?;
    }
    Ok(())
}

/// A listed action (`{type, value}`) in the request's shape (`{value, create_a_folder}`).
fn action_request(listed: &Value) -> Value {
    let mut out = json!({"value": listed["type"]});
    if let Some(folder) = listed["value"].as_str().filter(|f| !f.is_empty()) {
        out["create_a_folder"] = json!(folder);
    }
    out
}

/// Arguments of `infomaniak_create_mailbox_filter` and `infomaniak_update_mailbox_filter`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub name: String,
    pub old_name: Option<String>,
    pub condition: Option<Condition>,
    pub action: Option<Action>,
    pub has_all_of: Option<bool>,
    pub is_enabled: Option<bool>,
    pub template_id: Option<i64>,
}

fn filter_name(n: &str) -> Result<String, ToolError> {
    let t = n.trim();
    if t.is_empty() || t.len() > 100 {
        return Err(invalid_args(
            "a filter name must be 1 to 100 characters",
            "give a short name such as Invoices",
        ));
    }
    Ok(t.to_string())
}

/// Plans `POST auth/filters` (mail.json: one condition and one action object, 201).
pub fn plan_create(ctx: &Ctx, a: FilterArgs) -> Result<Planned<Outcome>, ToolError> {
    if a.old_name.is_some() {
        return Err(invalid_args(
            "old_name only goes with an update",
            "use infomaniak_update_mailbox_filter",
        ));
    }
    let fname = filter_name(&a.name)?;
    let (Some(cond), Some(action)) = (&a.condition, &a.action) else {
        return Err(invalid_args(
            "a new filter needs a condition and an action",
            "e.g. condition {property: subject, operator: contains, value: invoice} and action {type: move, value: Invoices}",
        ));
    };
    check(Some(cond), Some(action))?;
    let name = mailbox_name(&a.mailbox_name)?;
    let inv = inventory(ctx, a.mail_hosting_id, &name)?;
    if named(&inv, "filters", &fname).is_some() {
        return Err(conflict(
            format!("mailbox {name} already has a filter named {fname}"),
            "use infomaniak_update_mailbox_filter with old_name, or another name",
        ));
    }
    let mut body = json!({"name": fname, "conditions": cond, "actions": action,
        "has_all_of": a.has_all_of.unwrap_or(true), "is_enabled": a.is_enabled.unwrap_or(true)});
    if let Some(t) = a.template_id {
        body["template_id"] = json!(t);
    }
    PlanBuilder::new(
        ctx.role(),
        format!("Create filter {fname} on mailbox {name}."),
    )
    .change(
        format!("{name}: filter {fname}"),
        "create",
        None::<&Value>,
        Some(&body),
    )
    .snapshot(&inv["filters"])
    .effect(
        HttpMethod::Post,
        filters_path(a.mail_hosting_id, &name),
        Some(&body),
    )
    .confirm()
}

/// Plans `PATCH auth/filters`: the filter as it is, with what is given changed.
pub fn plan_update(ctx: &Ctx, a: FilterArgs) -> Result<Planned<Outcome>, ToolError> {
    let fname = filter_name(&a.name)?;
    let old = filter_name(a.old_name.as_deref().unwrap_or(&fname))?;
    check(a.condition.as_ref(), a.action.as_ref())?;
    let name = mailbox_name(&a.mailbox_name)?;
    let inv = inventory(ctx, a.mail_hosting_id, &name)?;
    let current = named(&inv, "filters", &old).ok_or_else(|| {
        not_found(
            format!("mailbox {name} has no filter named {old}"),
            "infomaniak_list_mailbox_filters lists them",
        )
    })?;
    let first = |k: &str| {
        current[k]
            .as_array()
            .and_then(|a| a.first())
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut body = json!({
        "old_name": old, "name": fname,
        "conditions": a.condition.as_ref().map(|c| json!(c)).unwrap_or(first("conditions")),
        "actions": a.action.as_ref().map(|c| json!(c)).unwrap_or(action_request(&first("actions"))),
        "has_all_of": a.has_all_of.map(Value::Bool).unwrap_or(current["has_all_of"].clone()),
        "is_enabled": a.is_enabled.map(Value::Bool).unwrap_or(current["is_enabled"].clone()),
    });
    if let Some(t) = a.template_id {
        body["template_id"] = json!(t);
    }
    let before = json!({"name": old, "conditions": first("conditions"), "actions": action_request(&first("actions")),
        "has_all_of": current["has_all_of"], "is_enabled": current["is_enabled"]});
    let after = json!({"name": fname, "conditions": body["conditions"], "actions": body["actions"],
        "has_all_of": body["has_all_of"], "is_enabled": body["is_enabled"]});
    if before == after && a.template_id.is_none() {
        return unchanged(current.clone());
    }
    PlanBuilder::new(
        ctx.role(),
        format!("Update filter {old} of mailbox {name}."),
    )
    .change(
        format!("{name}: filter {old}"),
        "update",
        Some(&before),
        Some(&after),
    )
    .snapshot(current)
    .effect(
        HttpMethod::Patch,
        filters_path(a.mail_hosting_id, &name),
        Some(&body),
    )
    .confirm()
}

/// A filter or script by name.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub name: String,
}

fn plan_delete_named(
    ctx: &Ctx,
    a: NamedArgs,
    key: &str,
    what: &str,
    suffix: &str,
) -> Result<Planned<Outcome>, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    let inv = inventory(ctx, a.mail_hosting_id, &name)?;
    let current = named(&inv, key, &a.name).ok_or_else(|| {
        not_found(
            format!("mailbox {name} has no {what} named {}", a.name),
            "infomaniak_list_mailbox_filters lists them",
        )
    })?;
    let body = json!({"name": a.name});
    PlanBuilder::new(
        ctx.role(),
        format!("Delete {what} {} of mailbox {name}.", a.name),
    )
    .change(
        format!("{name}: {what} {}", a.name),
        "delete",
        Some(current),
        None::<&Value>,
    )
    .snapshot(current)
    .effect(
        HttpMethod::Delete,
        format!("{}{suffix}", filters_path(a.mail_hosting_id, &name)),
        Some(&body),
    )
    .confirm()
}

/// Plans `infomaniak_delete_mailbox_filter` (`DELETE auth/filters` with `{name}`).
pub fn plan_delete(ctx: &Ctx, a: NamedArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_delete_named(ctx, a, "filters", "filter", "")
}

/// Plans `infomaniak_delete_mailbox_filter_script` (`DELETE auth/filters/scripts`).
pub fn plan_delete_script(ctx: &Ctx, a: NamedArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_delete_named(ctx, a, "scripts", "script", "/scripts")
}

/// Arguments of `infomaniak_upsert_mailbox_filter_script`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub name: String,
    /// Sieve source.
    pub content: String,
    /// Updates this script.
    pub old_name: Option<String>,
    pub is_enabled: Option<bool>,
}

/// Plans `POST` (create) or `PATCH` (update) of `auth/filters/scripts`.
pub fn plan_upsert_script(ctx: &Ctx, a: ScriptArgs) -> Result<Planned<Outcome>, ToolError> {
    let sname = filter_name(&a.name)?;
    if a.content.trim().is_empty() || a.content.len() > 65_536 {
        return Err(invalid_args(
            "content must be a Sieve script of 1 byte to 64 KiB",
            "give the script text",
        ));
    }
    let name = mailbox_name(&a.mailbox_name)?;
    let inv = inventory(ctx, a.mail_hosting_id, &name)?;
    let path = format!("{}/scripts", filters_path(a.mail_hosting_id, &name));
    let plan = |method, before: Option<&Value>, body: Value, verb: &str| {
        PlanBuilder::new(
            ctx.role(),
            format!("{verb} Sieve script {sname} on mailbox {name}."),
        )
        .change(
            format!("{name}: script {sname}"),
            if before.is_some() { "update" } else { "create" },
            before,
            Some(&body),
        )
        .snapshot(&inv["scripts"])
        .effect(method, path.clone(), Some(&body))
        .confirm()
    };
    match &a.old_name {
        Some(old) => {
            let current = named(&inv, "scripts", old).ok_or_else(|| {
                not_found(
                    format!("mailbox {name} has no script named {old}"),
                    "omit old_name to create it",
                )
            })?;
            let enabled = a
                .is_enabled
                .unwrap_or_else(|| crate::common::truthy(&current["is_enabled"]));
            let body = json!({"old_name": old, "name": sname, "content": a.content, "is_enabled": enabled});
            plan(HttpMethod::Patch, Some(current), body, "Update")
        }
        None => {
            if named(&inv, "scripts", &sname).is_some() {
                return Err(conflict(
                    format!("mailbox {name} already has a script named {sname}"),
                    format!("to change it call again with old_name {sname}"),
                ));
            }
            let mut body = json!({"name": sname, "content": a.content});
            if let Some(e) = a.is_enabled {
                body["is_enabled"] = json!(e);
            }
            plan(HttpMethod::Post, None, body, "Create")
        }
    }
}

// What infomaniak_manage_mailbox_filter_lifecycle does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleAction {
    SetActivation,
    SetScriptActivation,
    Reorder,
}

/// Arguments of `infomaniak_manage_mailbox_filter_lifecycle`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub action: LifecycleAction,
    pub name: Option<String>,
    pub is_enabled: Option<bool>,
    /// Every filter name, in order.
    pub order: Option<Vec<String>>,
}

/// Plans one lifecycle action: each is its own PUT (mail.json `set_activation`,
/// `scripts/set_activation`, `reorder`).
pub fn plan_lifecycle(ctx: &Ctx, a: LifecycleArgs) -> Result<Planned<Outcome>, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    let inv = inventory(ctx, a.mail_hosting_id, &name)?;
    let base = filters_path(a.mail_hosting_id, &name);
    let names = |key: &str| -> Vec<String> {
        inv[key]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|f| f["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    match a.action {
        LifecycleAction::Reorder => {
            let order = a.order.ok_or_else(|| {
                invalid_args(
                    "reorder needs order",
                    "give every filter name in the new order",
                )
            })?;
            let current = names("filters");
            let (mut x, mut y) = (order.clone(), current.clone());
            x.sort();
            y.sort();
            if x != y {
                return Err(invalid_args(
                    format!("order must name every filter exactly once: {current:?}"),
                    "list all of them, in the order wanted",
                ));
            }
            if order == current {
                return unchanged(json!(current));
            }
            let body = json!({"order": order});
            PlanBuilder::new(
                ctx.role(),
                format!("Reorder the filters of mailbox {name}."),
            )
            .change(
                format!("{name}: filter order"),
                "update",
                Some(&current),
                Some(&order),
            )
            .snapshot(&current)
            .effect(HttpMethod::Put, format!("{base}/reorder"), Some(&body))
            .confirm()
        }
        LifecycleAction::SetActivation | LifecycleAction::SetScriptActivation => {
            let (key, what, suffix) = if a.action == LifecycleAction::SetActivation {
                ("filters", "filter", "/set_activation")
            } else {
                ("scripts", "script", "/scripts/set_activation")
            };
            let (Some(target), Some(on)) = (&a.name, a.is_enabled) else {
                return Err(invalid_args(
                    format!("{what} activation needs name and is_enabled"),
                    "give both",
                ));
            };
            let current = named(&inv, key, target).ok_or_else(|| {
                not_found(
                    format!("mailbox {name} has no {what} named {target}"),
                    "infomaniak_list_mailbox_filters lists them",
                )
            })?;
            let now = crate::common::truthy(&current["is_enabled"]);
            if now == on {
                return unchanged(current.clone());
            }
            let body = json!({"name": target, "is_enabled": on});
            PlanBuilder::new(
                ctx.role(),
                format!(
                    "{} {what} {target} of mailbox {name}.",
                    if on { "Enable" } else { "Disable" }
                ),
            )
            .change(
                format!("{name}: {what} {target}"),
                "update",
                Some(&json!({"is_enabled": now})),
                Some(&json!({"is_enabled": on})),
            )
            .snapshot(current)
            .effect(HttpMethod::Put, format!("{base}{suffix}"), Some(&body))
            .confirm()
        }
    }
}
