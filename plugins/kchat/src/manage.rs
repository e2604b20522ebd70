//! The `manage_*` tools: one action per call, each its own plan whose change shows the
//! object before and after and whose one effect pins the write (method, path, body and the
//! team it goes to). Apply performs exactly that effect.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, HttpMethod, PlainApi, Plan, PlanBuilder, Planned, ToolError, single_effect};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::{self, KCHAT, get_one, id, team_id};
use crate::reads::{all_members, bot, hide_token};

/// What a write tool returns: the object after the change (or as it already is).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Done {
    /// The action.
    pub action: String,
    /// False when the world already was as asked and nothing was written.
    pub changed: bool,
    /// The API's answer (or the current object on no change).
    pub result: Value,
}

fn no_change<T>(action: &str, current: Value) -> Result<Planned<Done>, T> {
    Ok(Planned::NoChange(Done {
        action: action.into(),
        changed: false,
        result: hide_token(current),
    }))
}

/// Performs the confirmed plan's one effect.
fn perform(ctx: &Ctx, action: &str, plan: &Plan) -> Result<Done, ToolError> {
    let effect = single_effect(plan)?;
    let api = PlainApi::new(ctx.host(), KCHAT);
    Ok(Done {
        action: action.into(),
        changed: true,
        result: hide_token(api.perform(effect)?),
    })
}

/// The plan of one write: `change` on `target`, the snapshot it depends on, one effect.
#[allow(clippy::too_many_arguments)]
fn plan_one(
    api: &PlainApi,
    summary: String,
    target: &str,
    action: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    method: HttpMethod,
    path: &str,
    body: Option<&Value>,
) -> Result<Planned<Done>, ToolError> {
    let plan = PlanBuilder::new(KCHAT, summary)
        .change(target, action, before, after)
        .snapshot(&before)
        .effect(method, path, body)
        .build();
    Ok(Planned::Confirm(api.pin(plan)))
}

/// `payload` keys allowed for an action, and the payload as an object.
fn payload(
    p: &Option<Map<String, Value>>,
    allowed: &[&str],
    action: &str,
) -> Result<Map<String, Value>, ToolError> {
    let p = p.clone().unwrap_or_default();
    if let Some(bad) = p.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid_args(
            format!("payload key {bad:?} is not used by action {action}"),
            format!("payload keys for {action}: {}", allowed.join(", ")),
        ));
    }
    if let Some((k, _)) = p.iter().find(|(_, v)| !v.is_string()) {
        return Err(invalid_args(
            format!("payload.{k} must be a string"),
            "pass text values",
        ));
    }
    Ok(p)
}

/// `before` with `patch`'s keys set: what the object will be after the write.
fn merged(before: &Value, patch: &Map<String, Value>) -> Value {
    let mut after = before.clone();
    for (k, v) in patch {
        after[k] = v.clone();
    }
    after
}

fn need<'a>(v: &'a Option<String>, what: &str, action: &str) -> Result<&'a str, ToolError> {
    match v.as_deref() {
        Some(x) => id(what, x),
        None => Err(invalid_args(
            format!("action {action} needs {what}"),
            format!("pass {what}"),
        )),
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or_default()
}

// ---- channels ----

/// Actions of `infomaniak_manage_kchat_channel`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum ChannelAction {
    Create,
    Update,
    Archive,
    Delete,
    Restore,
    Privacy,
}

/// Arguments of `infomaniak_manage_kchat_channel`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelArgs {
    pub team: Option<String>,
    pub action: ChannelAction,
    /// All but create.
    pub channel_id: Option<String>,
    /// create: default the server's only team.
    pub team_id: Option<String>,
    /// create: name, display_name, type (O|P), purpose, header; update: name, display_name, purpose, header; privacy: privacy (O|P).
    pub payload: Option<Map<String, Value>>,
}

fn channel_now(api: &PlainApi, channel: &str) -> Result<Value, ToolError> {
    // kchat.json GET /api/v4/channels/{channel_id}
    get_one(
        api,
        &format!("/api/v4/channels/{channel}"),
        crate::LIST_CHANNELS,
    )
}

fn label(c: &Value) -> String {
    format!("channel {} ({})", s(c, "name"), s(c, "id"))
}

/// Plans one channel action.
pub fn plan_channel(ctx: &Ctx, a: ChannelArgs) -> Result<Planned<Done>, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    let act = a.action;
    let name = format!("{act:?}").to_lowercase();
    if act == ChannelAction::Create {
        let mut body = payload(
            &a.payload,
            &["name", "display_name", "type", "purpose", "header"],
            "create",
        )?;
        for k in ["name", "display_name"] {
            if !body.contains_key(k) {
                return Err(invalid_args(
                    format!("create needs payload.{k}"),
                    "pass payload {name, display_name, type: O|P}",
                ));
            }
        }
        let kind = body.entry("type").or_insert(json!("O")).clone();
        if kind != json!("O") && kind != json!("P") {
            return Err(invalid_args(
                "payload.type must be O (public) or P (private)",
                "pass type O or P",
            ));
        }
        let tid = team_id(&api, a.team_id.as_deref())?;
        body.insert("team_id".into(), json!(tid));
        let body = Value::Object(body);
        // kchat.json POST /api/v4/channels
        return plan_one(
            &api,
            format!(
                "Create the {} channel {} on kChat.",
                if kind == json!("P") {
                    "private"
                } else {
                    "public"
                },
                s(&body, "name")
            ),
            &format!("channel {}", s(&body, "name")),
            "create",
            None,
            Some(&body),
            HttpMethod::Post,
            "/api/v4/channels",
            Some(&body),
        );
    }
    let channel = need(&a.channel_id, "channel_id", &name)?.to_string();
    let before = channel_now(&api, &channel)?;
    let archived = before.get("delete_at").and_then(Value::as_i64).unwrap_or(0) != 0;
    match act {
        ChannelAction::Create => unreachable!("handled above"),
        ChannelAction::Update => {
            let patch = payload(
                &a.payload,
                &["name", "display_name", "purpose", "header"],
                "update",
            )?;
            if patch.is_empty() {
                return Err(invalid_args(
                    "update needs a payload",
                    "pass payload with name, display_name, purpose or header",
                ));
            }
            let after = merged(&before, &patch);
            if after == before {
                return no_change(&name, before);
            }
            let body = Value::Object(patch);
            // kchat.json PUT /api/v4/channels/{channel_id}/patch
            plan_one(
                &api,
                format!("Update {}.", label(&before)),
                &label(&before),
                "update",
                Some(&before),
                Some(&after),
                HttpMethod::Put,
                &format!("/api/v4/channels/{channel}/patch"),
                Some(&body),
            )
        }
        ChannelAction::Archive | ChannelAction::Delete => {
            if archived {
                return no_change(&name, before);
            }
            let mut after = before.clone();
            after["delete_at"] = json!("set: archived now");
            let summary = format!(
                "ARCHIVE {}: it is hidden and read-only for everyone, its messages are kept, and it can be restored (action restore). {}",
                label(&before),
                if act == ChannelAction::Delete {
                    "kChat's API does not delete a channel permanently: 'delete' archives it."
                } else {
                    ""
                }
            );
            // kchat.json DELETE /api/v4/channels/{channel_id} (archives: soft delete)
            plan_one(
                &api,
                summary.trim_end().to_string(),
                &label(&before),
                "archive",
                Some(&before),
                Some(&after),
                HttpMethod::Delete,
                &format!("/api/v4/channels/{channel}"),
                None,
            )
        }
        ChannelAction::Restore => {
            if !archived {
                return no_change(&name, before);
            }
            let mut after = before.clone();
            after["delete_at"] = json!(0);
            // kchat.json POST /api/v4/channels/{channel_id}/restore (no body documented: {} is sent)
            plan_one(
                &api,
                format!("Restore the archived {}.", label(&before)),
                &label(&before),
                "restore",
                Some(&before),
                Some(&after),
                HttpMethod::Post,
                &format!("/api/v4/channels/{channel}/restore"),
                Some(&json!({})),
            )
        }
        ChannelAction::Privacy => {
            let p = payload(&a.payload, &["privacy"], "privacy")?;
            let privacy = p.get("privacy").and_then(Value::as_str).unwrap_or_default();
            if privacy != "O" && privacy != "P" {
                return Err(invalid_args(
                    "privacy needs payload.privacy O (public) or P (private)",
                    "pass payload {privacy: \"P\"}",
                ));
            }
            if s(&before, "type") == privacy {
                return no_change(&name, before);
            }
            let mut after = before.clone();
            after["type"] = json!(privacy);
            let body = json!({"privacy": privacy});
            let what = if privacy == "P" {
                "private: only its members will see it"
            } else {
                "public: everyone on the team can find and join it"
            };
            // kchat.json PUT /api/v4/channels/{channel_id}/privacy
            plan_one(
                &api,
                format!("Make {} {what}.", label(&before)),
                &label(&before),
                "privacy",
                Some(&before),
                Some(&after),
                HttpMethod::Put,
                &format!("/api/v4/channels/{channel}/privacy"),
                Some(&body),
            )
        }
    }
}

/// Applies a confirmed channel plan.
pub fn apply_channel(ctx: &Ctx, a: ChannelArgs, plan: &Plan) -> Result<Done, ToolError> {
    perform(ctx, &format!("{:?}", a.action).to_lowercase(), plan)
}

// ---- channel members ----

/// Actions of `infomaniak_manage_kchat_channel_members`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum MemberAction {
    Add,
    Remove,
    UpdateRoles,
    UpdateSchemeRoles,
    UpdateNotifyProps,
}

/// A member's scheme roles (`PUT …/schemeRoles`).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SchemeRoles {
    pub scheme_admin: bool,
    pub scheme_user: bool,
}

/// Arguments of `infomaniak_manage_kchat_channel_members`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MembersArgs {
    pub team: Option<String>,
    pub action: MemberAction,
    pub channel_id: String,
    /// remove, update_roles (or add one).
    pub user_id: Option<String>,
    /// add: users to add.
    pub user_ids: Option<Vec<String>>,
    /// update_roles: "channel_user" or "channel_user channel_admin".
    pub roles: Option<String>,
    pub scheme_roles: Option<SchemeRoles>,
    /// email, push, desktop, mark_unread.
    pub notify_props: Option<Map<String, Value>>,
}

/// Plans one membership action.
pub fn plan_members(ctx: &Ctx, a: MembersArgs) -> Result<Planned<Done>, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    let channel = id("channel_id", &a.channel_id)?.to_string();
    let c = channel_now(&api, &channel)?;
    match a.action {
        MemberAction::Add => {
            let mut users: Vec<String> = a.user_ids.clone().unwrap_or_default();
            users.extend(a.user_id.clone());
            if users.is_empty() {
                return Err(invalid_args(
                    "add needs user_ids (or user_id)",
                    "pass user_ids",
                ));
            }
            for u in &users {
                id("user_id", u)?;
            }
            let current: Vec<String> = all_members(&api, &channel)?
                .iter()
                .map(|m| s(m, "user_id").to_string())
                .collect();
            let mut new: Vec<String> = users.into_iter().filter(|u| !current.contains(u)).collect();
            new.dedup();
            if new.is_empty() {
                return no_change(
                    "add",
                    json!({"channel_id": channel, "already_members": current.len()}),
                );
            }
            let body = json!({"user_ids": new});
            // kchat.json POST /api/v4/channels/{channel_id}/members
            let plan = PlanBuilder::new(
                KCHAT,
                format!("Add {} user(s) to {}.", new.len(), label(&c)),
            )
            .change(label(&c), "add members", None::<&Value>, Some(&body))
            .snapshot(&json!({"channel": c, "members": current}))
            .effect(
                HttpMethod::Post,
                format!("/api/v4/channels/{channel}/members"),
                Some(&body),
            )
            .build();
            Ok(Planned::Confirm(api.pin(plan)))
        }
        act => {
            let action = member_action(act);
            let user = need(&a.user_id, "user_id", action)?.to_string();
            // kchat.json GET /api/v4/channels/{channel_id}/members/{user_id}
            let member = get_one(
                &api,
                &format!("/api/v4/channels/{channel}/members/{user}"),
                crate::LIST_MEMBERS,
            )?;
            let target = format!("member {user} of {}", label(&c));
            if act == MemberAction::Remove {
                // kchat.json DELETE /api/v4/channels/{channel_id}/members/{user_id}
                return plan_one(
                    &api,
                    format!("Remove user {user} from {}.", label(&c)),
                    &target,
                    "remove",
                    Some(&member),
                    None,
                    HttpMethod::Delete,
                    &format!("/api/v4/channels/{channel}/members/{user}"),
                    None,
                );
            }
            if act == MemberAction::UpdateSchemeRoles {
                let Some(sr) = a.scheme_roles else {
                    return Err(invalid_args(
                        "update_scheme_roles needs scheme_roles",
                        "pass scheme_roles {scheme_admin, scheme_user}",
                    ));
                };
                let body = serde_json::to_value(sr).unwrap_or_default();
                let current = json!({"scheme_admin": member.get("scheme_admin"), "scheme_user": member.get("scheme_user")});
                if current == body {
                    return no_change(action, member);
                }
                // kchat.json PUT /api/v4/channels/{channel_id}/members/{user_id}/schemeRoles
                return plan_one(
                    &api,
                    format!("Set the scheme roles of user {user} in {}.", label(&c)),
                    &target,
                    action,
                    Some(&current),
                    Some(&body),
                    HttpMethod::Put,
                    &format!("/api/v4/channels/{channel}/members/{user}/schemeRoles"),
                    Some(&body),
                );
            }
            if act == MemberAction::UpdateNotifyProps {
                let props = a.notify_props.clone().unwrap_or_default();
                let keys = ["email", "push", "desktop", "mark_unread"];
                if props.is_empty()
                    || props
                        .iter()
                        .any(|(k, v)| !keys.contains(&k.as_str()) || !v.is_string())
                {
                    return Err(invalid_args(
                        "notify_props takes text values for email, push, desktop, mark_unread",
                        "e.g. notify_props {push: \"mention\"}",
                    ));
                }
                let before = member.get("notify_props").cloned().unwrap_or(json!({}));
                let after = merged(&before, &props);
                if after == before {
                    return no_change(action, member);
                }
                let body = Value::Object(props);
                // kchat.json PUT /api/v4/channels/{channel_id}/members/{user_id}/notify_props
                return plan_one(
                    &api,
                    format!("Change the notifications of user {user} in {}.", label(&c)),
                    &target,
                    action,
                    Some(&before),
                    Some(&after),
                    HttpMethod::Put,
                    &format!("/api/v4/channels/{channel}/members/{user}/notify_props"),
                    Some(&body),
                );
            }
            let roles = a.roles.as_deref().map(str::trim).unwrap_or_default();
            if !matches!(
                roles,
                "channel_user" | "channel_user channel_admin" | "channel_guest"
            ) {
                return Err(invalid_args(
                    format!("roles {roles:?} is not a channel role set"),
                    "pass roles \"channel_user\" or \"channel_user channel_admin\"",
                ));
            }
            if s(&member, "roles") == roles {
                return no_change(action, member);
            }
            let mut after = member.clone();
            after["roles"] = json!(roles);
            let body = json!({"roles": roles});
            // kchat.json PUT /api/v4/channels/{channel_id}/members/{user_id}/roles
            plan_one(
                &api,
                format!(
                    "Set the channel roles of user {user} in {} to {roles}.",
                    label(&c)
                ),
                &target,
                "update_roles",
                Some(&member),
                Some(&after),
                HttpMethod::Put,
                &format!("/api/v4/channels/{channel}/members/{user}/roles"),
                Some(&body),
            )
        }
    }
}

/// Applies a confirmed membership plan.
pub fn apply_members(ctx: &Ctx, a: MembersArgs, plan: &Plan) -> Result<Done, ToolError> {
    perform(ctx, member_action(a.action), plan)
}

fn member_action(a: MemberAction) -> &'static str {
    match a {
        MemberAction::Add => "add",
        MemberAction::Remove => "remove",
        MemberAction::UpdateRoles => "update_roles",
        MemberAction::UpdateSchemeRoles => "update_scheme_roles",
        MemberAction::UpdateNotifyProps => "update_notify_props",
    }
}

// ---- bots ----

/// Actions of `infomaniak_manage_kchat_bot`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum BotAction {
    Create,
    Update,
    Enable,
    Disable,
    Delete,
}

/// Arguments of `infomaniak_manage_kchat_bot`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BotArgs {
    pub team: Option<String>,
    pub action: BotAction,
    /// All but create.
    pub bot_user_id: Option<String>,
    /// create/update: username, display_name, description.
    pub payload: Option<Map<String, Value>>,
}

/// Plans one bot action.
pub fn plan_bot(ctx: &Ctx, a: BotArgs) -> Result<Planned<Done>, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    let keys = ["username", "display_name", "description"];
    match a.action {
        BotAction::Create => {
            let body = Value::Object(payload(&a.payload, &keys, "create")?);
            if s(&body, "username").is_empty() {
                return Err(invalid_args(
                    "create needs payload.username",
                    "pass payload {username, display_name}",
                ));
            }
            // kchat.json POST /api/v4/bots
            plan_one(
                &api,
                format!("Create the bot account {}.", s(&body, "username")),
                &format!("bot {}", s(&body, "username")),
                "create",
                None,
                Some(&body),
                HttpMethod::Post,
                "/api/v4/bots",
                Some(&body),
            )
        }
        BotAction::Delete => Err(invalid_args(
            "kChat's API has no documented way to delete a bot (kchat.json has no DELETE /api/v4/bots/{bot_user_id})",
            "disable it instead (action disable): it stops working and can be enabled again",
        )),
        act => {
            let name = format!("{act:?}").to_lowercase();
            let bot_id = need(&a.bot_user_id, "bot_user_id", &name)?.to_string();
            let before = bot(&api, &bot_id)?;
            let target = format!("bot {} ({bot_id})", s(&before, "username"));
            let disabled = before.get("delete_at").and_then(Value::as_i64).unwrap_or(0) != 0;
            match act {
                BotAction::Update => {
                    let patch = payload(&a.payload, &keys, "update")?;
                    let after = merged(&before, &patch);
                    if after == before {
                        return no_change(&name, before);
                    }
                    // The PUT needs username; the others are sent as they will be.
                    let body = json!({"username": s(&after, "username"), "display_name": s(&after, "display_name"), "description": s(&after, "description")});
                    // kchat.json PUT /api/v4/bots/{bot_user_id}
                    plan_one(
                        &api,
                        format!("Update {target}."),
                        &target,
                        "update",
                        Some(&before),
                        Some(&after),
                        HttpMethod::Put,
                        &format!("/api/v4/bots/{bot_id}"),
                        Some(&body),
                    )
                }
                BotAction::Enable | BotAction::Disable => {
                    let enable = act == BotAction::Enable;
                    if enable != disabled {
                        return no_change(&name, before);
                    }
                    let mut after = before.clone();
                    after["delete_at"] = if enable {
                        json!(0)
                    } else {
                        json!("set: disabled now")
                    };
                    // kchat.json POST /api/v4/bots/{bot_user_id}/enable|disable (no body documented: {} is sent)
                    plan_one(
                        &api,
                        format!("{} {target}.", if enable { "Enable" } else { "Disable" }),
                        &target,
                        &name,
                        Some(&before),
                        Some(&after),
                        HttpMethod::Post,
                        &format!("/api/v4/bots/{bot_id}/{name}"),
                        Some(&json!({})),
                    )
                }
                BotAction::Create | BotAction::Delete => unreachable!("handled above"),
            }
        }
    }
}

/// Applies a confirmed bot plan.
pub fn apply_bot(ctx: &Ctx, a: BotArgs, plan: &Plan) -> Result<Done, ToolError> {
    perform(ctx, &format!("{:?}", a.action).to_lowercase(), plan)
}

// ---- slash commands ----

/// Actions of `infomaniak_manage_kchat_command`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum CommandAction {
    Create,
    Update,
    Delete,
    RegenToken,
}

/// Arguments of `infomaniak_manage_kchat_command`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandArgs {
    pub team: Option<String>,
    pub action: CommandAction,
    /// All but create.
    pub command_id: Option<String>,
    /// create: default the server's only team.
    pub team_id: Option<String>,
    /// create/update: trigger, url (https), method (P|G), display_name, description, username, auto_complete_desc.
    pub payload: Option<Map<String, Value>>,
}

const COMMAND_KEYS: &[&str] = &[
    "trigger",
    "url",
    "method",
    "display_name",
    "description",
    "username",
    "auto_complete_desc",
];

/// The URL and trigger rules the plugin holds a command to: https only (the token and
/// the users' messages travel to it), a trigger without `/` or spaces.
fn check_command(c: &Value) -> Result<(), ToolError> {
    let trigger = s(c, "trigger");
    if trigger.is_empty() || trigger.starts_with('/') || trigger.contains(char::is_whitespace) {
        return Err(invalid_args(
            format!("trigger {trigger:?} is not a slash-command trigger"),
            "pass the word after '/', e.g. deploy",
        ));
    }
    if !s(c, "url").starts_with("https://") {
        return Err(invalid_args(
            "the command URL must be https: kChat sends the command's token and users' text to it",
            "pass an https:// URL",
        ));
    }
    if !matches!(s(c, "method"), "P" | "G") {
        return Err(invalid_args(
            "method must be P (POST) or G (GET)",
            "pass method P",
        ));
    }
    Ok(())
}

/// Plans one slash-command action.
pub fn plan_command(ctx: &Ctx, a: CommandArgs) -> Result<Planned<Done>, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    if a.action == CommandAction::Create {
        let mut body = payload(&a.payload, COMMAND_KEYS, "create")?;
        body.entry("method").or_insert(json!("P"));
        let tid = team_id(&api, a.team_id.as_deref())?;
        body.insert("team_id".into(), json!(tid));
        let body = Value::Object(body);
        check_command(&body)?;
        // kchat.json POST /api/v4/commands
        return plan_one(
            &api,
            format!(
                "Create the slash command /{} calling {}.",
                s(&body, "trigger"),
                s(&body, "url")
            ),
            &format!("command /{}", s(&body, "trigger")),
            "create",
            None,
            Some(&body),
            HttpMethod::Post,
            "/api/v4/commands",
            Some(&body),
        );
    }
    let action = match a.action {
        CommandAction::Update => "update",
        CommandAction::Delete => "delete",
        _ => "regen_token",
    };
    let cid = need(&a.command_id, "command_id", action)?.to_string();
    // kchat.json GET /api/v4/commands/{command_id}
    let before = hide_token(get_one(
        &api,
        &format!("/api/v4/commands/{cid}"),
        crate::LIST_COMMANDS,
    )?);
    let target = format!("command /{} ({cid})", s(&before, "trigger"));
    match a.action {
        CommandAction::Update => {
            let patch = payload(&a.payload, COMMAND_KEYS, "update")?;
            let after = merged(&before, &patch);
            if after == before {
                return no_change(action, before);
            }
            check_command(&after)?;
            // The PUT takes the whole command; the token is not sent (it is not changed here).
            let mut body = after.clone();
            if let Some(o) = body.as_object_mut() {
                o.remove("token");
            }
            // kchat.json PUT /api/v4/commands/{command_id}
            plan_one(
                &api,
                format!("Update {target}."),
                &target,
                "update",
                Some(&before),
                Some(&after),
                HttpMethod::Put,
                &format!("/api/v4/commands/{cid}"),
                Some(&body),
            )
        }
        CommandAction::Delete => {
            // kchat.json DELETE /api/v4/commands/{command_id}
            plan_one(
                &api,
                format!(
                    "Delete {target}: /{} stops working for everyone.",
                    s(&before, "trigger")
                ),
                &target,
                "delete",
                Some(&before),
                None,
                HttpMethod::Delete,
                &format!("/api/v4/commands/{cid}"),
                None,
            )
        }
        _ => {
            let after = json!({"token": "a new token (the old one stops working)"});
            // kchat.json PUT /api/v4/commands/{command_id}/regen_token (no body documented: {} is sent)
            plan_one(
                &api,
                format!(
                    "Regenerate the token of {target}; its server must be given the new one (read it in kChat)."
                ),
                &target,
                "regen_token",
                Some(&json!({"token": "current"})),
                Some(&after),
                HttpMethod::Put,
                &format!("/api/v4/commands/{cid}/regen_token"),
                Some(&json!({})),
            )
        }
    }
}

/// Applies a confirmed slash-command plan (a regenerated token is not returned).
pub fn apply_command(ctx: &Ctx, a: CommandArgs, plan: &Plan) -> Result<Done, ToolError> {
    let action = match a.action {
        CommandAction::Create => "create",
        CommandAction::Update => "update",
        CommandAction::Delete => "delete",
        CommandAction::RegenToken => "regen_token",
    };
    perform(ctx, action, plan)
}
