//! Hosting redirections (mail.json `redirections`; ids are strings, infomaniak-api.md Q10).

use ikmcp_pdk::error::{conflict, invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{Outcome, email, hosting_path, mailbox_name, unchanged};
use crate::hostings::redirections;

// What infomaniak_manage_service_redirections does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RedirAction {
    List,
    Create,
    Update,
    Delete,
    Enable,
}

/// Arguments of `infomaniak_manage_service_redirections`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageArgs {
    pub mail_hosting_id: u64,
    pub action: RedirAction,
    pub redirection_id: Option<String>,
    /// Create: local part.
    pub name: Option<String>,
    pub targets: Option<Vec<String>>,
}

/// Arguments of `infomaniak_create_redirection`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    pub mail_hosting_id: u64,
    /// Local part, e.g. team.
    pub name: String,
    pub targets: Vec<String>,
}

/// Arguments of `infomaniak_delete_redirection`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteArgs {
    pub mail_hosting_id: u64,
    /// Local part (or id).
    pub name: String,
}

fn targets_of(r: &Value) -> Vec<String> {
    r["targets"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|x| x["address"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn id_of(r: &Value) -> String {
    r["id"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| r["id"].to_string())
}

fn checked_targets(t: Option<&Vec<String>>) -> Result<Vec<String>, ToolError> {
    let t = t
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_args("targets is empty", "give at least one address"))?;
    let mut out = Vec::new();
    for x in t {
        let e = email(x, "target")?;
        if !out.contains(&e) {
            out.push(e);
        }
    }
    Ok(out)
}

fn view(r: &Value) -> Value {
    json!({"id": id_of(r), "name": r["name"], "state": r["state"], "targets": targets_of(r)})
}

/// Plans one redirection action.
pub fn plan_manage(ctx: &Ctx, a: ManageArgs) -> Result<Planned<Outcome>, ToolError> {
    let id = a.mail_hosting_id;
    let all = redirections(ctx, id)?;
    let base = format!("{}/redirections", hosting_path(id));
    let find = || -> Result<&Value, ToolError> {
        let rid = a.redirection_id.as_deref().ok_or_else(|| {
            invalid_args(
                "this action needs redirection_id",
                "action list shows the ids",
            )
        })?;
        all.iter()
            .find(|r| id_of(r) == rid || r["name"] == rid)
            .ok_or_else(|| {
                not_found(
                    format!("mail hosting {id} has no redirection {rid}"),
                    "action list shows the ids and names",
                )
            })
    };
    match a.action {
        RedirAction::List => unchanged(json!(all.iter().map(view).collect::<Vec<_>>())),
        RedirAction::Create => {
            let name = mailbox_name(a.name.as_deref().ok_or_else(|| {
                invalid_args("create needs name", "give the local part, e.g. team")
            })?)?;
            if all.iter().any(|r| r["name"] == name.as_str()) {
                return Err(conflict(
                    format!("redirection {name} exists"),
                    "use action update with its redirection_id",
                ));
            }
            let targets = checked_targets(a.targets.as_ref())?;
            let body = json!({"name": name, "targets": targets});
            PlanBuilder::new(
                ctx.role(),
                format!("Create redirection {name} to {}.", targets.join(", ")),
            )
            .change(
                format!("redirection {name}"),
                "create",
                None::<&Value>,
                Some(&body),
            )
            .snapshot(&all.iter().map(view).collect::<Vec<_>>())
            .effect(HttpMethod::Post, base, Some(&body))
            .confirm()
        }
        RedirAction::Update => {
            let r = find()?;
            let targets = checked_targets(a.targets.as_ref())?;
            if targets == targets_of(r) {
                return unchanged(view(r));
            }
            let body = json!({"targets": targets});
            PlanBuilder::new(
                ctx.role(),
                format!("Change the targets of redirection {}.", r["name"]),
            )
            .change(
                format!("redirection {} ({})", r["name"], id_of(r)),
                "update",
                Some(&targets_of(r)),
                Some(&targets),
            )
            .snapshot(&view(r))
            .effect(HttpMethod::Put, format!("{base}/{}", id_of(r)), Some(&body))
            .confirm()
        }
        RedirAction::Delete => {
            let r = find()?;
            PlanBuilder::new(
                ctx.role(),
                format!(
                    "Delete redirection {} ({}); mail to it bounces.",
                    r["name"],
                    targets_of(r).join(", ")
                ),
            )
            .change(
                format!("redirection {} ({})", r["name"], id_of(r)),
                "delete",
                Some(&view(r)),
                None::<&Value>,
            )
            .snapshot(&view(r))
            .effect(HttpMethod::Delete, format!("{base}/{}", id_of(r)), None)
            .confirm()
        }
        RedirAction::Enable => {
            let r = find()?;
            if r["state"] == "enabled" {
                return unchanged(view(r));
            }
            PlanBuilder::new(ctx.role(), format!("Enable redirection {}.", r["name"]))
                .change(
                    format!("redirection {} ({})", r["name"], id_of(r)),
                    "enable",
                    Some(&r["state"]),
                    Some(&json!("enabled")),
                )
                .snapshot(&view(r))
                .effect(
                    HttpMethod::Put,
                    format!("{base}/{}/enable", id_of(r)),
                    Some(&json!({})),
                )
                .confirm()
        }
    }
}

/// Plans `infomaniak_create_redirection`.
pub fn plan_create(ctx: &Ctx, a: CreateArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_manage(
        ctx,
        ManageArgs {
            mail_hosting_id: a.mail_hosting_id,
            action: RedirAction::Create,
            redirection_id: None,
            name: Some(a.name),
            targets: Some(a.targets),
        },
    )
}

/// Plans `infomaniak_delete_redirection` (by name, or id).
pub fn plan_delete(ctx: &Ctx, a: DeleteArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_manage(
        ctx,
        ManageArgs {
            mail_hosting_id: a.mail_hosting_id,
            action: RedirAction::Delete,
            redirection_id: Some(a.name),
            name: None,
            targets: None,
        },
    )
}
