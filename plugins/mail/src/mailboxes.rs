//! Mailboxes: list, details, creation and offboarding (deletion with everything that goes
//! with the mailbox, in one plan).

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::common::{
    Outcome, addresses, get, hosting_path, list_mailboxes, mailbox_name, mailbox_path, truthy,
};
use crate::hostings::{HostingArgs, Items, redirections};

/// `with` values asked for a full mailbox: every documented expansion but `*`/`all`, which
/// make the API answer 500 (infomaniak-api.md Q16).
pub const FULL_WITH: &str = "auto_responder,aliases,full_aliases,redirection,users,size,count_signatures,count_devices,has_dkim_signature";

/// A mailbox.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
}

/// `infomaniak_list_mailboxes`: every mailbox, all pages.
pub fn list(ctx: &Ctx, a: HostingArgs) -> Result<Items, ToolError> {
    Ok(Items::of(Value::Array(list_mailboxes(
        &ctx.api(),
        a.mail_hosting_id,
        None,
    )?)))
}

/// One mailbox with `with` expansions.
pub fn mailbox(ctx: &Ctx, id: u64, name: &str, with: &str) -> Result<Value, ToolError> {
    let name = mailbox_name(name)?;
    let q: Vec<(&str, &str)> = if with.is_empty() {
        vec![]
    } else {
        vec![("with", with)]
    };
    get(&ctx.api(), &mailbox_path(id, &name), &q)
}

/// `infomaniak_get_mailbox_full` (`GET /mailboxes/{name}?with=…`, mail.json; the peers'
/// manager-private route is not needed).
pub fn get_full(ctx: &Ctx, a: MailboxArgs) -> Result<Map<String, Value>, ToolError> {
    Ok(crate::common::object(mailbox(
        ctx,
        a.mail_hosting_id,
        &a.mailbox_name,
        FULL_WITH,
    )?))
}

// What get_mailbox_info reads (no doc comment: the values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InfoField {
    Aliases,
    Signatures,
    Backups,
}

/// Arguments of `infomaniak_get_mailbox_info`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InfoArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    /// Default: all three.
    pub fields: Option<Vec<InfoField>>,
}

/// Result of `infomaniak_get_mailbox_info`: each field read, and each failure apart.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Info {
    pub mailbox_name: String,
    pub data: Map<String, Value>,
    /// Fields that failed, with the API's message.
    pub errors: Map<String, Value>,
}

/// `infomaniak_get_mailbox_info`: aliases and signatures (mail.json), backups
/// (infomaniak-api.md §7.3, [M: MOGA]); one failing field does not hide the others.
pub fn info(ctx: &Ctx, a: InfoArgs) -> Result<Info, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    let base = mailbox_path(a.mail_hosting_id, &name);
    let fields = a.fields.unwrap_or_else(|| {
        vec![
            InfoField::Aliases,
            InfoField::Signatures,
            InfoField::Backups,
        ]
    });
    let (mut data, mut errors) = (Map::new(), Map::new());
    for f in fields {
        let key = match f {
            InfoField::Aliases => "aliases",
            InfoField::Signatures => "signatures",
            InfoField::Backups => "backups",
        };
        match get(&ctx.api(), &format!("{base}/{key}"), &[]) {
            Ok(v) => {
                data.insert(key.into(), v);
            }
            Err(e) if key == "aliases" && ikmcp_pdk::ToolErrorExt::is_not_found(&e) => {
                return Err(e);
            }
            Err(e) => {
                errors.insert(key.into(), json!(ikmcp_pdk::ToolErrorExt::message(&e)));
            }
        }
    }
    Ok(Info {
        mailbox_name: name,
        data,
        errors,
    })
}

/// Arguments of `infomaniak_create_mailbox`. No password: the API's `password` is
/// deprecated and ignored for some accounts (infomaniak-api.md Q17), and a password would
/// be shown in the plan and kept in the audit log; the new mailbox's owner sets it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    /// Note shown in the manager (≤ 80 chars).
    pub description: Option<String>,
}

/// Plans `POST /mailboxes` (mail.json, answers 201).
pub fn plan_create(ctx: &Ctx, a: CreateArgs) -> Result<Planned<Outcome>, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    if a.mailbox_name.contains('@') {
        return Err(invalid_args(
            "mailbox_name is the local part only",
            format!("call again with mailbox_name {name}"),
        ));
    }
    let mut body = json!({"mailbox_name": name});
    if let Some(note) = &a.description {
        if note.chars().count() > 80 {
            return Err(invalid_args(
                "description is longer than 80 characters",
                "shorten it",
            ));
        }
        body["note"] = json!(note);
    }
    let existing = list_mailboxes(&ctx.api(), a.mail_hosting_id, None)?;
    if let Some(m) = existing.iter().find(|m| m["mailbox_name"] == name) {
        return Err(ikmcp_pdk::error::conflict(
            format!("{} already exists", m["mailbox"].as_str().unwrap_or(&name)),
            "pick another mailbox_name, or add an alias to the existing mailbox with infomaniak_create_mailbox_alias",
        ));
    }
    if let Some(m) = existing.iter().find(|m| {
        addresses(&m["aliases"])
            .iter()
            .any(|x| x.split('@').next() == Some(&name))
    }) {
        return Err(ikmcp_pdk::error::conflict(
            format!("{name} is an alias of mailbox {}", m["mailbox_name"]),
            "remove the alias first (infomaniak_manage_mailbox_aliases action delete) or pick another name",
        ));
    }
    PlanBuilder::new(
        ctx.role(),
        format!(
            "Create mailbox {name} on mail hosting {}.",
            a.mail_hosting_id
        ),
    )
    .change(
        format!("mailbox {name}"),
        "create",
        None::<&Value>,
        Some(&body),
    )
    .snapshot(&json!({"mailboxes": existing.len()}))
    .effect(
        HttpMethod::Post,
        format!("{}/mailboxes", hosting_path(a.mail_hosting_id)),
        Some(&body),
    )
    .confirm()
}

/// Plans the offboarding of a mailbox: the plan lists every alias, forwarding address,
/// filter, script, auto-reply and hosting redirection that goes or changes with it, then
/// one confirmation removes the mailbox from the redirections that send to it and deletes
/// it (`DELETE /mailboxes/{name}`: infomaniak-api.md §7.3, [M: MOGA live]).
pub fn plan_delete(ctx: &Ctx, a: MailboxArgs) -> Result<Planned<Outcome>, ToolError> {
    let id = a.mail_hosting_id;
    let name = mailbox_name(&a.mailbox_name)?;
    let api = ctx.api();
    let base = mailbox_path(id, &name);
    let mb = get(&api, &base, &[("with", "aliases,redirection")])?;
    let address = mb["mailbox"].as_str().unwrap_or(&name).to_string();
    let aliases = get(&api, &format!("{base}/aliases"), &[])?;
    let forwarding = get(&api, &format!("{base}/forwarding_addresses"), &[])?;
    let filters = get(&api, &format!("{base}/auth/filters"), &[])?;
    let auto_replies = get(&api, &format!("{base}/auto_reply/model"), &[])?;
    let redirs = redirections(ctx, id)?;
    let mut plan = PlanBuilder::new(
        ctx.role(),
        format!(
            "Offboard mailbox {address}: delete it with its aliases, forwarding, filters and auto-replies, and stop hosting redirections from sending to it. Mail in it is lost."
        ),
    );
    let list_of = |v: &Value, key: &str| v.get(key).cloned().unwrap_or(json!([]));
    plan = plan
        .change(format!("{address}: aliases"), "delete", Some(&list_of(&aliases, "aliases")), None::<&Value>)
        .change(
            format!("{address}: forwarding"),
            "delete",
            Some(&json!({"enabled": truthy(&forwarding["is_enabled"]), "to": addresses(&forwarding["redirect_adresses"])})),
            None::<&Value>,
        )
        .change(
            format!("{address}: filters and scripts"),
            "delete",
            Some(&json!({"filters": list_of(&filters, "filters").as_array().map(|f| f.iter().map(|x| x["name"].clone()).collect::<Vec<_>>()),
                "scripts": list_of(&filters, "scripts").as_array().map(|f| f.iter().map(|x| x["name"].clone()).collect::<Vec<_>>())})),
            None::<&Value>,
        )
        .change(format!("{address}: auto-replies"), "delete", Some(&auto_replies), None::<&Value>);
    let mut touched = Vec::new();
    for r in &redirs {
        let targets: Vec<String> = r["targets"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|x| x["address"].as_str().map(str::to_ascii_lowercase))
                    .collect()
            })
            .unwrap_or_default();
        if !targets.contains(&address) {
            continue;
        }
        let rid = r["id"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| r["id"].to_string());
        let rest: Vec<&String> = targets.iter().filter(|t| **t != address).collect();
        let path = format!("{}/redirections/{rid}", hosting_path(id));
        let label = format!(
            "redirection {} ({rid})",
            r["name"].as_str().unwrap_or_default()
        );
        if rest.is_empty() {
            plan = plan
                .change(label, "delete", Some(&targets), None::<&Value>)
                .effect(HttpMethod::Delete, path, None);
        } else {
            let body = json!({"targets": rest});
            plan = plan
                .change(label, "update", Some(&targets), Some(&rest))
                .effect(HttpMethod::Put, path, Some(&body));
        }
        touched.push(rid);
    }
    plan.change(
        format!("mailbox {address}"),
        "delete",
        Some(&mb),
        None::<&Value>,
    )
    .snapshot(
        &json!({"mailbox": mb, "aliases": aliases, "forwarding": forwarding, "filters": filters,
            "auto_replies": auto_replies, "redirections": touched}),
    )
    .effect(HttpMethod::Delete, base, None)
    .confirm()
}
