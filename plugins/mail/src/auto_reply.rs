//! Auto-reply models of a mailbox (mail.json `auto_reply/model`, `auto_reply/reset`).

use ikmcp_pdk::error::{invalid_args, not_found};
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::common::{Outcome, get, mailbox_name, mailbox_path, unchanged};

// What infomaniak_manage_mailbox_auto_reply does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReplyAction {
    List,
    Create,
    Update,
    Delete,
    Reset,
}

/// Arguments of `infomaniak_manage_mailbox_auto_reply`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub action: ReplyAction,
    pub model_id: Option<u64>,
    pub name: Option<String>,
    pub message: Option<String>,
    pub is_recurrent: Option<bool>,
    pub is_active: Option<bool>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// Default: an existing model's.
    pub reply_from_id: Option<i64>,
}

/// Plans one auto-reply action.
pub fn plan(ctx: &Ctx, a: ReplyArgs) -> Result<Planned<Outcome>, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    let base = format!("{}/auto_reply", mailbox_path(a.mail_hosting_id, &name));
    let models = get(&ctx.api(), &format!("{base}/model"), &[])?;
    let list = models.as_array().cloned().unwrap_or_default();
    let find = || -> Result<Value, ToolError> {
        let id = a.model_id.ok_or_else(|| {
            invalid_args("this action needs model_id", "action list shows the ids")
        })?;
        list.iter().find(|m| m["id"] == id).cloned().ok_or_else(|| {
            not_found(
                format!("mailbox {name} has no auto-reply model {id}"),
                "action list shows the ids",
            )
        })
    };
    if let (Some(s), Some(e)) = (a.started_at, a.ended_at)
        && e <= s
    {
        return Err(invalid_args(
            "ended_at is not after started_at",
            "give an end after the start",
        ));
    }
    let mut fields = Map::new();
    let mut set = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            fields.insert(k.into(), v);
        }
    };
    set("name", a.name.clone().map(Value::String));
    set("message", a.message.clone().map(Value::String));
    set("is_recurrent", a.is_recurrent.map(Value::Bool));
    set("started_at", a.started_at.map(|x| json!(x)));
    set("ended_at", a.ended_at.map(|x| json!(x)));
    set("reply_from_id", a.reply_from_id.map(|x| json!(x)));
    match a.action {
        ReplyAction::List => unchanged(models),
        ReplyAction::Create => {
            if a.name.as_deref().is_none_or(|n| n.trim().is_empty())
                || a.message.as_deref().is_none_or(|m| m.trim().is_empty())
            {
                return Err(invalid_args("create needs name and message", "give both"));
            }
            fields.entry("is_recurrent").or_insert(json!(false));
            if !fields.contains_key("reply_from_id") {
                let from = list
                    .iter()
                    .find_map(|m| m.get("reply_from_id").filter(|v| v.is_i64()).cloned())
                    .ok_or_else(|| {
                        invalid_args(
                            "reply_from_id is needed for the first model",
                            "give the id of the sender address",
                        )
                    })?;
                fields.insert("reply_from_id".into(), from);
            }
            let body = Value::Object(fields);
            PlanBuilder::new(
                ctx.role(),
                format!(
                    "Create auto-reply model {} on mailbox {name} (inactive until turned on).",
                    body["name"]
                ),
            )
            .change(
                format!("{name}: auto-reply"),
                "create",
                None::<&Value>,
                Some(&body),
            )
            .snapshot(&models)
            .effect(HttpMethod::Post, format!("{base}/model"), Some(&body))
            .confirm()
        }
        ReplyAction::Update => {
            let current = find()?;
            let active = a.is_active.unwrap_or_else(|| current["is_active"] == true);
            fields.insert("is_active".into(), json!(active));
            let changed = fields.iter().any(|(k, v)| current.get(k) != Some(v));
            if !changed {
                return unchanged(current);
            }
            let before: Map<String, Value> = fields
                .keys()
                .map(|k| (k.clone(), current.get(k).cloned().unwrap_or(Value::Null)))
                .collect();
            let body = Value::Object(fields);
            PlanBuilder::new(
                ctx.role(),
                format!(
                    "Update auto-reply model {} of mailbox {name}.",
                    current["id"]
                ),
            )
            .change(
                format!("{name}: auto-reply {}", current["id"]),
                "update",
                Some(&before),
                Some(&body),
            )
            .snapshot(&models)
            .effect(
                HttpMethod::Patch,
                format!("{base}/model/{}", current["id"]),
                Some(&body),
            )
            .confirm()
        }
        ReplyAction::Delete => {
            let current = find()?;
            PlanBuilder::new(
                ctx.role(),
                format!(
                    "Delete auto-reply model {} of mailbox {name}.",
                    current["id"]
                ),
            )
            .change(
                format!("{name}: auto-reply {}", current["id"]),
                "delete",
                Some(&current),
                None::<&Value>,
            )
            .snapshot(&models)
            .effect(
                HttpMethod::Delete,
                format!("{base}/model/{}", current["id"]),
                None,
            )
            .confirm()
        }
        ReplyAction::Reset => {
            let active: Vec<&Value> = list.iter().filter(|m| m["is_active"] == true).collect();
            if active.is_empty() {
                return unchanged(models);
            }
            PlanBuilder::new(
                ctx.role(),
                format!("Turn off every auto-reply of mailbox {name}."),
            )
            .change(
                format!("{name}: auto-reply"),
                "disable",
                Some(&active),
                Some(&json!([])),
            )
            .snapshot(&models)
            .effect(HttpMethod::Put, format!("{base}/reset"), Some(&json!({})))
            .confirm()
        }
    }
}
