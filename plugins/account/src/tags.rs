//! Product tag writes. The routes are not in the OpenAPI export: `POST /1/accounts/{id}/tags`,
//! `PUT|DELETE /1/accounts/{id}/tags/{tag}` are backed by infomaniak-api.md §7.1 ("GET/POST/
//! PUT/DELETE /1/accounts/{account}/tags[/{tag}]", documented per HENRI api-coverage). There is
//! no single-tag GET, so the current tag is read from the account's tag list.

use ikmcp_pdk::error::{conflict, invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::accounts::resolve;
use crate::apply::WriteOutput;
use crate::users::fetch_tags;

/// Arguments of `infomaniak_create_account_tag`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTagArgs {
    pub account_id: Option<u64>,
    /// 1-64 characters.
    pub name: String,
    /// Colour 1-20.
    pub color: Option<u64>,
}

fn tag_name(name: &str) -> Result<String, ToolError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(invalid_args(
            "a tag name has 1 to 64 characters",
            "give a shorter, non-empty name",
        ));
    }
    Ok(name.to_string())
}

fn tag_color(color: Option<u64>) -> Result<Option<u64>, ToolError> {
    match color {
        Some(c) if !(1..=20).contains(&c) => Err(invalid_args(
            format!("color {c} is out of range"),
            "give a colour from 1 to 20",
        )),
        other => Ok(other),
    }
}

fn same_name(tag: &Value, name: &str) -> bool {
    tag["name"]
        .as_str()
        .is_some_and(|n| n.eq_ignore_ascii_case(name))
}

/// Plans `POST /1/accounts/{account}/tags` (undocumented; infomaniak-api.md §7.1).
pub fn plan_create(ctx: &Ctx, args: CreateTagArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let name = tag_name(&args.name)?;
    let color = tag_color(args.color)?;
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let tags = fetch_tags(&api, a)?;
    if let Some(t) = tags.iter().find(|t| same_name(t, &name)) {
        return Err(conflict(
            format!(
                "account {a} already has a tag named {name:?} (id {})",
                t["id"]
            ),
            "use that tag, or rename it with infomaniak_update_account_tag",
        ));
    }
    let mut body = json!({"name": name});
    if let Some(c) = color {
        body["color"] = json!(c);
    }
    PlanBuilder::new(
        ctx.role(),
        format!("Create the product tag {name:?} in account {a}."),
    )
    .change(
        format!("account {a}: tag {name:?}"),
        "create",
        None::<&Value>,
        Some(&body),
    )
    .snapshot(&tags)
    .effect(
        HttpMethod::Post,
        format!("/1/accounts/{a}/tags"),
        Some(&body),
    )
    .confirm()
}

/// Arguments of `infomaniak_update_account_tag`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTagArgs {
    pub account_id: Option<u64>,
    pub tag_id: u64,
    pub name: Option<String>,
    pub color: Option<u64>,
}

fn find_tag(tags: &[Value], id: u64, a: u64) -> Result<Value, ToolError> {
    tags.iter()
        .find(|t| t["id"].as_u64() == Some(id))
        .cloned()
        .ok_or_else(|| {
            not_found(
                format!("account {a} has no tag {id}"),
                "list the tags with infomaniak_list_teams_and_tags",
            )
        })
}

/// Plans `PUT /1/accounts/{account}/tags/{tag}` (undocumented; infomaniak-api.md §7.1) with
/// the fields that change.
pub fn plan_update(ctx: &Ctx, args: UpdateTagArgs) -> Result<Planned<WriteOutput>, ToolError> {
    if args.name.is_none() && args.color.is_none() {
        return Err(invalid_args("nothing to change", "give name or color"));
    }
    let name = args.name.as_deref().map(tag_name).transpose()?;
    let color = tag_color(args.color)?;
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let tags = fetch_tags(&api, a)?;
    let tag = find_tag(&tags, args.tag_id, a)?;
    let name = name.filter(|n| tag["name"].as_str() != Some(n.as_str()));
    if let Some(n) = &name
        && let Some(other) = tags
            .iter()
            .find(|t| t["id"] != tag["id"] && same_name(t, n))
    {
        return Err(conflict(
            format!(
                "account {a} already has a tag named {n:?} (id {})",
                other["id"]
            ),
            "pick another name",
        ));
    }
    let color = color.filter(|c| tag["color"].as_u64() != Some(*c));
    if name.is_none() && color.is_none() {
        return Ok(Planned::NoChange(WriteOutput::unchanged(tag)));
    }
    let mut body = Map::new();
    if let Some(n) = name {
        body.insert("name".into(), json!(n));
    }
    if let Some(c) = color {
        body.insert("color".into(), json!(c));
    }
    let body = Value::Object(body);
    let id = args.tag_id;
    PlanBuilder::new(
        ctx.role(),
        format!("Update tag {id} ({}) of account {a}.", tag["name"]),
    )
    .change(
        format!("account {a}: tag {id}"),
        "update",
        Some(&tag),
        Some(&body),
    )
    .snapshot(&tag)
    .effect(
        HttpMethod::Put,
        format!("/1/accounts/{a}/tags/{id}"),
        Some(&body),
    )
    .confirm()
}

/// Arguments of `infomaniak_delete_account_tag`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagArgs {
    pub account_id: Option<u64>,
    pub tag_id: u64,
}

/// Plans `DELETE /1/accounts/{account}/tags/{tag}` (undocumented; infomaniak-api.md §7.1):
/// the tag leaves every product that carries it.
pub fn plan_delete(ctx: &Ctx, args: TagArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let tag = find_tag(&fetch_tags(&api, a)?, args.tag_id, a)?;
    let id = args.tag_id;
    PlanBuilder::new(
        ctx.role(),
        format!(
            "Delete tag {id} ({}) of account {a}; {} product(s) lose it.",
            tag["name"],
            tag["product_count"].as_u64().unwrap_or(0)
        ),
    )
    .change(
        format!("account {a}: tag {id}"),
        "delete",
        Some(&tag),
        None::<&Value>,
    )
    .snapshot(&tag)
    .effect(
        HttpMethod::Delete,
        format!("/1/accounts/{a}/tags/{id}"),
        None,
    )
    .confirm()
}
