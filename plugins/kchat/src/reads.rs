//! The read tools: channels, members, moderation, groups, roles, bots and slash commands.
//! Every list follows every 0-based page (`PlainApi::list_pages`); each request cites its
//! operation in `openapi/kchat.json`.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, PlainApi, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{self, PER_PAGE, get_one, id, team_id};

/// A list tool's answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Listed {
    /// Items across all pages.
    pub count: usize,
    /// The items, as kChat returns them (slash command tokens hidden).
    pub items: Vec<Value>,
}

impl Listed {
    fn of(items: Vec<Value>) -> Self {
        let items: Vec<Value> = items.into_iter().map(hide_token).collect();
        Listed {
            count: items.len(),
            items,
        }
    }
}

/// One object's answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Found {
    /// The object, as kChat returns it (a slash command's token hidden).
    pub item: Value,
}

/// A slash command's `token` authenticates kChat to the command's server: it is a secret,
/// so it never reaches the model.
pub fn hide_token(mut v: Value) -> Value {
    if let Some(t) = v.get_mut("token")
        && t.as_str().is_some_and(|s| !s.is_empty())
    {
        *t = Value::String("[hidden]".into());
    }
    v
}

/// Arguments with only the team.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamArgs {
    /// kChat team (its subdomain); default: the configured team.
    pub team: Option<String>,
}

/// Arguments of `infomaniak_list_kchat_channels`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelsArgs {
    pub team: Option<String>,
    /// Only this team's public channels.
    pub team_id: Option<String>,
    /// Include archived channels.
    pub include_deleted: Option<bool>,
}

/// Every channel (public and private) of the server, or one team's public channels.
pub fn list_channels(ctx: &Ctx, a: ChannelsArgs) -> Result<Listed, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    let items = match a.team_id.as_deref() {
        // kchat.json GET /api/v4/teams/{team_id}/channels
        Some(t) => api.list_pages(
            &format!("/api/v4/teams/{}/channels", id("team_id", t)?),
            &[],
            PER_PAGE,
        )?,
        // kchat.json GET /api/v4/channels (system admins: every team's channels)
        None => {
            let deleted = if a.include_deleted == Some(true) {
                "true"
            } else {
                "false"
            };
            api.list_pages(
                "/api/v4/channels",
                &[("include_deleted", deleted)],
                PER_PAGE,
            )?
        }
    };
    Ok(Listed::of(items))
}

/// Which channels of a team.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Private,
    Deleted,
}

/// Arguments of `infomaniak_list_kchat_team_channels`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamChannelsArgs {
    pub team: Option<String>,
    /// Default: the server's only team.
    pub team_id: Option<String>,
    /// Default public.
    pub visibility: Option<Visibility>,
}

/// A team's public, private or archived channels.
pub fn list_team_channels(ctx: &Ctx, a: TeamChannelsArgs) -> Result<Listed, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    let tid = team_id(&api, a.team_id.as_deref())?;
    // kchat.json GET /api/v4/teams/{team_id}/channels[/private|/deleted]
    let suffix = match a.visibility.unwrap_or(Visibility::Public) {
        Visibility::Public => "",
        Visibility::Private => "/private",
        Visibility::Deleted => "/deleted",
    };
    let items = api.list_pages(
        &format!("/api/v4/teams/{tid}/channels{suffix}"),
        &[],
        PER_PAGE,
    )?;
    Ok(Listed::of(items))
}

/// Arguments naming one channel.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelArgs {
    pub team: Option<String>,
    pub channel_id: String,
}

/// One channel.
pub fn get_channel(ctx: &Ctx, a: ChannelArgs) -> Result<Found, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    // kchat.json GET /api/v4/channels/{channel_id}
    let path = format!("/api/v4/channels/{}", id("channel_id", &a.channel_id)?);
    Ok(Found {
        item: get_one(&api, &path, crate::LIST_CHANNELS)?,
    })
}

/// Arguments of `infomaniak_list_kchat_channel_members`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MembersArgs {
    pub team: Option<String>,
    pub channel_id: String,
    /// Only this member.
    pub user_id: Option<String>,
}

/// A channel's members (all pages), or one member.
pub fn list_channel_members(ctx: &Ctx, a: MembersArgs) -> Result<Listed, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    let channel = id("channel_id", &a.channel_id)?;
    let items = match a.user_id.as_deref() {
        // kchat.json GET /api/v4/channels/{channel_id}/members/{user_id}
        Some(u) => vec![get_one(
            &api,
            &format!("/api/v4/channels/{channel}/members/{}", id("user_id", u)?),
            crate::LIST_MEMBERS,
        )?],
        // kchat.json GET /api/v4/channels/{channel_id}/members
        None => all_members(&api, channel)?,
    };
    Ok(Listed::of(items))
}

/// Every member of a channel.
pub fn all_members(api: &PlainApi, channel: &str) -> Result<Vec<Value>, ToolError> {
    api.list_pages(
        &format!("/api/v4/channels/{channel}/members"),
        &[],
        PER_PAGE,
    )
}

/// A channel's moderation settings.
pub fn get_channel_moderation(ctx: &Ctx, a: ChannelArgs) -> Result<Listed, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    // kchat.json GET /api/v4/channels/{channel_id}/moderations
    let path = format!(
        "/api/v4/channels/{}/moderations",
        id("channel_id", &a.channel_id)?
    );
    let Value::Array(items) = get_one(&api, &path, crate::LIST_CHANNELS)? else {
        return Ok(Listed::of(vec![]));
    };
    Ok(Listed::of(items))
}

/// Whose groups.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum GroupScope {
    All,
    Team,
    Channel,
    User,
}

/// Arguments of `infomaniak_list_kchat_groups`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupsArgs {
    pub team: Option<String>,
    /// Default all; team/channel/user need team_id/channel_id/user_id.
    pub scope: Option<GroupScope>,
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
    pub user_id: Option<String>,
}

/// User groups: all, or those of a team, a channel or a user.
pub fn list_groups(ctx: &Ctx, a: GroupsArgs) -> Result<Listed, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    let need = |v: &Option<String>, what: &str| -> Result<String, ToolError> {
        match v {
            Some(x) => Ok(id(what, x)?.to_string()),
            None => Err(invalid_args(
                format!("this scope needs {what}"),
                format!("pass {what}"),
            )),
        }
    };
    let items = match a.scope.unwrap_or(GroupScope::All) {
        // kchat.json GET /api/v4/groups
        GroupScope::All => api.list_pages("/api/v4/groups", &[], PER_PAGE)?,
        // kchat.json GET /api/v4/teams/{team_id}/groups
        GroupScope::Team => {
            let t = team_id(&api, a.team_id.as_deref())?;
            api.list_pages(&format!("/api/v4/teams/{t}/groups"), &[], PER_PAGE)?
        }
        // kchat.json GET /api/v4/channels/{channel_id}/groups
        GroupScope::Channel => {
            let c = need(&a.channel_id, "channel_id")?;
            api.list_pages(&format!("/api/v4/channels/{c}/groups"), &[], PER_PAGE)?
        }
        // kchat.json GET /api/v4/users/{user_id}/groups (not paged)
        GroupScope::User => {
            let u = need(&a.user_id, "user_id")?;
            match api.get(&format!("/api/v4/users/{u}/groups"), &[])? {
                Value::Array(v) => v,
                _ => vec![],
            }
        }
    };
    Ok(Listed::of(items))
}

/// Every role and its permissions.
pub fn list_roles(ctx: &Ctx, a: TeamArgs) -> Result<Listed, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    // kchat.json GET /api/v4/roles (not paged)
    match api.get("/api/v4/roles", &[])? {
        Value::Array(v) => Ok(Listed::of(v)),
        _ => Ok(Listed::of(vec![])),
    }
}

/// Arguments of `infomaniak_list_kchat_bots`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BotsArgs {
    pub team: Option<String>,
    /// Include disabled bots.
    pub include_deleted: Option<bool>,
}

/// Every bot.
pub fn list_bots(ctx: &Ctx, a: BotsArgs) -> Result<Listed, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    Ok(Listed::of(all_bots(&api, a.include_deleted == Some(true))?))
}

/// Every bot (kchat.json GET /api/v4/bots).
pub fn all_bots(api: &PlainApi, include_deleted: bool) -> Result<Vec<Value>, ToolError> {
    let deleted = if include_deleted { "true" } else { "false" };
    api.list_pages("/api/v4/bots", &[("include_deleted", deleted)], PER_PAGE)
}

/// Arguments naming one bot.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BotArgs {
    pub team: Option<String>,
    pub bot_user_id: String,
}

/// One bot (disabled ones too).
pub fn get_bot(ctx: &Ctx, a: BotArgs) -> Result<Found, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    Ok(Found {
        item: bot(&api, &a.bot_user_id)?,
    })
}

/// One bot, disabled or not (kchat.json GET /api/v4/bots/{bot_user_id}).
pub fn bot(api: &PlainApi, bot_user_id: &str) -> Result<Value, ToolError> {
    let path = format!("/api/v4/bots/{}", id("bot_user_id", bot_user_id)?);
    api.get(&path, &[("include_deleted", "true")]).map_err(|e| {
        use ikmcp_pdk::ToolErrorExt;
        if e.is_not_found() {
            e.with_hint(format!("check the id with {}", crate::LIST_BOTS))
        } else {
            e
        }
    })
}

/// Arguments of `infomaniak_list_kchat_commands`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandsArgs {
    pub team: Option<String>,
    pub team_id: Option<String>,
    /// Only custom (not built-in) commands.
    pub custom_only: Option<bool>,
}

/// A team's slash commands.
pub fn list_commands(ctx: &Ctx, a: CommandsArgs) -> Result<Listed, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    let tid = team_id(&api, a.team_id.as_deref())?;
    Ok(Listed::of(all_commands(
        &api,
        &tid,
        a.custom_only == Some(true),
    )?))
}

/// A team's slash commands (kchat.json GET /api/v4/commands, not paged).
pub fn all_commands(
    api: &PlainApi,
    team_id: &str,
    custom_only: bool,
) -> Result<Vec<Value>, ToolError> {
    let custom = if custom_only { "true" } else { "false" };
    match api.get(
        "/api/v4/commands",
        &[("team_id", team_id), ("custom_only", custom)],
    )? {
        Value::Array(v) => Ok(v),
        _ => Ok(vec![]),
    }
}

/// Arguments naming one slash command.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandArgs {
    pub team: Option<String>,
    pub command_id: String,
}

/// One slash command.
pub fn get_command(ctx: &Ctx, a: CommandArgs) -> Result<Found, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    // kchat.json GET /api/v4/commands/{command_id}
    let path = format!("/api/v4/commands/{}", id("command_id", &a.command_id)?);
    Ok(Found {
        item: hide_token(get_one(&api, &path, crate::LIST_COMMANDS)?),
    })
}
