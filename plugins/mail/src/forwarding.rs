//! Mailbox forwarding (mail.json `forwarding_addresses`; the GET spells
//! `redirect_adresses`, infomaniak-api.md Q15).

use ikmcp_pdk::error::{invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{
    Outcome, addresses, email, get, mailbox_name, mailbox_path, truthy, unchanged,
};

// What infomaniak_manage_mailbox_forwarding does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForwardAction {
    List,
    Add,
    Replace,
    Delete,
    DeleteAll,
}

/// Arguments of `infomaniak_manage_mailbox_forwarding`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub action: ForwardAction,
    pub forwarding_address: Option<String>,
    pub redirect_addresses: Option<Vec<String>>,
    /// Keep no local copy.
    pub has_dont_deliver: Option<bool>,
    pub has_forward_spam: Option<bool>,
}

/// The forwarding state in plain form.
pub fn state(v: &Value) -> Value {
    json!({
        "is_enabled": truthy(&v["is_enabled"]),
        "addresses": addresses(&v["redirect_adresses"]),
        "has_dont_deliver": truthy(&v["has_dont_deliver"]),
        "has_forward_spam": truthy(&v["has_forward_spam"]),
    })
}

/// Plans one forwarding action.
pub fn plan(ctx: &Ctx, a: ForwardArgs) -> Result<Planned<Outcome>, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    let path = format!(
        "{}/forwarding_addresses",
        mailbox_path(a.mail_hosting_id, &name)
    );
    let before = state(&get(&ctx.api(), &path, &[])?);
    let list = addresses(&before["addresses"]);
    let target = || {
        a.forwarding_address
            .as_deref()
            .ok_or_else(|| invalid_args("this action needs forwarding_address", "give the address"))
            .and_then(|x| email(x, "forwarding_address"))
    };
    let builder = |after: &Value, summary: String| {
        PlanBuilder::new(ctx.role(), summary)
            .change(
                format!("mailbox {name}: forwarding"),
                "update",
                Some(&before),
                Some(after),
            )
            .snapshot(&before)
    };
    match a.action {
        ForwardAction::List => unchanged(before),
        ForwardAction::Add => {
            let t = target()?;
            if list.contains(&t) {
                return unchanged(before);
            }
            let mut after = before.clone();
            after["addresses"] = json!([list.clone(), vec![t.clone()]].concat());
            after["is_enabled"] = json!(true);
            let body = json!({"redirect_address": t});
            builder(
                &after,
                format!("Forward the mail of mailbox {name} to {t} as well."),
            )
            .effect(HttpMethod::Post, path, Some(&body))
            .confirm()
        }
        ForwardAction::Delete => {
            let t = target()?;
            if !list.contains(&t) {
                return Err(not_found(
                    format!("mailbox {name} does not forward to {t}"),
                    format!("it forwards to {list:?}"),
                ));
            }
            let mut after = before.clone();
            after["addresses"] = json!(list.iter().filter(|x| **x != t).collect::<Vec<_>>());
            builder(
                &after,
                format!("Stop forwarding the mail of mailbox {name} to {t}."),
            )
            .effect(HttpMethod::Delete, format!("{path}/{t}"), None)
            .confirm()
        }
        ForwardAction::DeleteAll => {
            if list.is_empty() && !truthy(&before["is_enabled"]) {
                return unchanged(before);
            }
            let after = json!({"is_enabled": false, "addresses": [], "has_dont_deliver": before["has_dont_deliver"], "has_forward_spam": before["has_forward_spam"]});
            builder(
                &after,
                format!("Remove every forwarding address of mailbox {name}."),
            )
            .effect(HttpMethod::Delete, path, None)
            .confirm()
        }
        ForwardAction::Replace => {
            let mut body = serde_json::Map::new();
            let mut after = before.clone();
            if let Some(l) = &a.redirect_addresses {
                let mut out: Vec<String> = Vec::new();
                for x in l {
                    let e = email(x, "redirect_addresses item")?;
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
                after["addresses"] = json!(out);
                after["is_enabled"] = json!(!out.is_empty());
                body.insert("is_enabled".into(), json!(!out.is_empty()));
                body.insert("redirect_addresses".into(), json!(out));
            }
            if let Some(b) = a.has_dont_deliver {
                after["has_dont_deliver"] = json!(b);
                body.insert("has_dont_deliver".into(), json!(b));
            }
            if let Some(b) = a.has_forward_spam {
                after["has_forward_spam"] = json!(b);
                body.insert("has_forward_spam".into(), json!(b));
            }
            if body.is_empty() {
                return Err(invalid_args(
                    "replace needs redirect_addresses or a flag",
                    "give the new list and/or has_dont_deliver, has_forward_spam",
                ));
            }
            if after == before {
                return unchanged(before);
            }
            builder(&after, format!("Replace the forwarding of mailbox {name}."))
                .effect(HttpMethod::Put, path, Some(&Value::Object(body)))
                .confirm()
        }
    }
}
