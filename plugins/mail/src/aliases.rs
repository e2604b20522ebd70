//! Mailbox aliases (mail.json `mailboxes/{name}/aliases`): list, add, replace, delete.

use ikmcp_pdk::error::{invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::common::{Outcome, addresses, get, mailbox_name, mailbox_path, unchanged};

// What infomaniak_manage_mailbox_aliases does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AliasAction {
    List,
    Add,
    Replace,
    Delete,
}

/// Arguments of `infomaniak_manage_mailbox_aliases`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AliasesArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub action: AliasAction,
    pub alias: Option<String>,
    pub aliases: Option<Vec<String>>,
}

/// Arguments of `infomaniak_create_mailbox_alias`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAliasArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    /// Local part or address on the hosting's domain.
    pub alias: String,
}

/// An alias as a local part (an address must be on the mailbox's domain).
fn alias_local(alias: &str, domain: &str) -> Result<String, ToolError> {
    let a = alias.trim().to_ascii_lowercase();
    let local = match a.split_once('@') {
        Some((l, d)) if d == domain => l.to_string(),
        Some(_) => {
            return Err(invalid_args(
                format!("{alias} is not on {domain}"),
                format!("an alias is an address on {domain}; give its local part"),
            ));
        }
        None => a,
    };
    mailbox_name(&local).map_err(|_| {
        invalid_args(
            format!("{alias:?} is not a valid alias"),
            "use letters, digits, . - _ +",
        )
    })
}

/// The current aliases (local parts) and the mailbox's domain.
fn current(ctx: &Ctx, id: u64, name: &str) -> Result<(Vec<String>, String), ToolError> {
    let api = ctx.api();
    let mb = get(&api, &mailbox_path(id, name), &[])?;
    let domain = crate::common::domain_of(mb["mailbox"].as_str().unwrap_or_default()).to_string();
    let listed = get(&api, &format!("{}/aliases", mailbox_path(id, name)), &[])?;
    let locals = addresses(&listed["aliases"])
        .into_iter()
        .map(|a| a.split('@').next().unwrap_or_default().to_ascii_lowercase())
        .collect();
    Ok((locals, domain))
}

/// Plans one alias action.
pub fn plan_manage(ctx: &Ctx, a: AliasesArgs) -> Result<Planned<Outcome>, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    let id = a.mail_hosting_id;
    let (before, domain) = current(ctx, id, &name)?;
    let path = format!("{}/aliases", mailbox_path(id, &name));
    let need_alias = || {
        a.alias
            .as_deref()
            .ok_or_else(|| invalid_args("this action needs alias", "give the alias, e.g. sales"))
            .and_then(|x| alias_local(x, &domain))
    };
    let plan = |after: &Vec<String>, summary: String| {
        PlanBuilder::new(ctx.role(), summary).change(
            format!("{name}@{domain}: aliases"),
            "update",
            Some(&before),
            Some(after),
        )
    };
    match a.action {
        AliasAction::List => unchanged(json!({"aliases": before, "domain": domain})),
        AliasAction::Add => {
            let alias = need_alias()?;
            if before.contains(&alias) {
                return unchanged(json!({"aliases": before}));
            }
            let mut after = before.clone();
            after.push(alias.clone());
            let body = json!({"alias": alias});
            plan(
                &after,
                format!("Add alias {alias}@{domain} to mailbox {name}."),
            )
            .snapshot(&before)
            .effect(HttpMethod::Post, path, Some(&body))
            .confirm()
        }
        AliasAction::Delete => {
            let alias = need_alias()?;
            if !before.contains(&alias) {
                return Err(not_found(
                    format!("{alias}@{domain} is not an alias of {name}"),
                    format!("its aliases: {before:?}"),
                ));
            }
            let after: Vec<String> = before.iter().filter(|x| **x != alias).cloned().collect();
            plan(
                &after,
                format!("Remove alias {alias}@{domain} from mailbox {name}; mail to it bounces."),
            )
            .snapshot(&before)
            .effect(HttpMethod::Delete, format!("{path}/{alias}"), None)
            .confirm()
        }
        AliasAction::Replace => {
            let list = a.aliases.as_ref().ok_or_else(|| {
                invalid_args(
                    "replace needs aliases",
                    "give the whole new list ([] removes all)",
                )
            })?;
            let mut after = Vec::new();
            for x in list {
                let l = alias_local(x, &domain)?;
                if !after.contains(&l) {
                    after.push(l);
                }
            }
            if after == before {
                return unchanged(json!({"aliases": before}));
            }
            let body = json!({"aliases": after});
            plan(&after, format!("Replace the aliases of mailbox {name}."))
                .snapshot(&before)
                .effect(HttpMethod::Put, path, Some(&body))
                .confirm()
        }
    }
}

/// Plans `infomaniak_create_mailbox_alias` (the `add` action).
pub fn plan_create(ctx: &Ctx, a: CreateAliasArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_manage(
        ctx,
        AliasesArgs {
            mail_hosting_id: a.mail_hosting_id,
            mailbox_name: a.mailbox_name,
            action: AliasAction::Add,
            alias: Some(a.alias),
            aliases: None,
        },
    )
}
