//! Hosting redirections and their targets (mail.json `redirections`; ids are strings,
//! infomaniak-api.md Q10).

use ikmcp_pdk::error::{conflict, invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{Outcome, email, hosting_path, mailbox_name, unchanged};
use crate::hostings::redirections;

// What infomaniak_manage_service_redirections does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedirAction {
    List,
    Create,
    Update,
    Delete,
    Enable,
    ListTargets,
    AddTarget,
    RemoveTarget,
    ResendConfirmation,
    ResendTargetConfirmation,
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
    /// Address; id to resend.
    pub target: Option<String>,
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
        RedirAction::ListTargets
        | RedirAction::AddTarget
        | RedirAction::RemoveTarget
        | RedirAction::ResendConfirmation
        | RedirAction::ResendTargetConfirmation => {
            plan_target(ctx, &base, find()?, a.action, a.target.as_deref())
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

/// The targets of a redirection as listed (`{id, address, state}`).
fn target_items(r: &Value) -> Vec<Value> {
    r["targets"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|x| json!({"id": id_of(x), "address": x["address"], "state": x["state"]}))
                .collect()
        })
        .unwrap_or_default()
}

/// Plans one target action on redirection `r` (mail.json `redirections/{id}/targets…`).
fn plan_target(
    ctx: &Ctx,
    base: &str,
    r: &Value,
    action: RedirAction,
    target: Option<&str>,
) -> Result<Planned<Outcome>, ToolError> {
    let rid = id_of(r);
    let rname = r["name"].as_str().unwrap_or_default().to_string();
    let path = format!("{base}/{rid}");
    let label = format!("redirection {rname} ({rid})");
    let current = targets_of(r);
    let items = target_items(r);
    let need = || {
        target.ok_or_else(|| {
            invalid_args(
                "this action needs target",
                "give the target's address (its id for a resend); action list_targets shows them",
            )
        })
    };
    let plan = |summary: String, before: &Value, after: &Value| {
        PlanBuilder::new(ctx.role(), summary)
            .change(label.clone(), "update", Some(before), Some(after))
            .snapshot(&view(r))
    };
    match action {
        RedirAction::ListTargets => unchanged(crate::common::get(
            &ctx.api(),
            &format!("{path}/targets"),
            &[],
        )?),
        RedirAction::AddTarget => {
            let t = email(need()?, "target")?;
            if current.contains(&t) {
                return unchanged(json!(items));
            }
            let after = [current.clone(), vec![t.clone()]].concat();
            let body = json!({"address": t});
            plan(
                format!("Add {t} to redirection {rname}; Infomaniak asks {t} to confirm before mail goes there."),
                &json!(current),
                &json!(after),
            )
            .effect(HttpMethod::Post, format!("{path}/targets"), Some(&body))
            .confirm()
        }
        RedirAction::RemoveTarget => {
            // mail.json's `DELETE …/targets` documents no body, so it cannot say which
            // target goes: the documented `PUT /redirections/{id}` with the remaining
            // targets does (infomaniak-api.md §7.3 `PUT {*targets}`).
            let t = email(need()?, "target")?;
            if !current.contains(&t) {
                return Err(not_found(
                    format!("{t} is not a target of redirection {rname}"),
                    format!("its targets: {current:?}"),
                ));
            }
            let rest: Vec<String> = current.iter().filter(|x| **x != t).cloned().collect();
            if rest.is_empty() {
                return Err(invalid_args(
                    format!("{t} is the only target of redirection {rname}"),
                    "a redirection needs a target: add another first (add_target), or delete the redirection (action delete)",
                ));
            }
            let body = json!({"targets": rest});
            plan(
                format!("Stop redirection {rname} from sending to {t}."),
                &json!(current),
                &json!(rest),
            )
            .effect(HttpMethod::Put, path, Some(&body))
            .confirm()
        }
        RedirAction::ResendConfirmation => plan(
            format!(
                "Send the confirmation request of redirection {rname} again to its unconfirmed targets."
            ),
            &json!(items),
            &json!(items),
        )
        .effect(
            HttpMethod::Put,
            format!("{path}/send-confirmation-requests"),
            Some(&json!({})),
        )
        .confirm(),
        _ => {
            let wanted = need()?.trim().to_ascii_lowercase();
            let t = items
                .iter()
                .find(|x| x["id"] == wanted.as_str() || x["address"] == wanted.as_str())
                .ok_or_else(|| {
                    not_found(
                        format!("redirection {rname} has no target {wanted}"),
                        "action list_targets shows the targets and their ids",
                    )
                })?;
            let tid = id_of(t);
            plan(
                format!(
                    "Send the confirmation e-mail of redirection {rname} again to {}.",
                    t["address"]
                ),
                t,
                t,
            )
            .effect(
                HttpMethod::Put,
                format!("{path}/targets/{tid}/resend-confirmation-request"),
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
            target: None,
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
            target: None,
        },
    )
}
