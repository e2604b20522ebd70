//! The `kchat` plugin: kChat (Infomaniak's Mattermost v4) channels, members, moderation,
//! groups, roles, bots and slash commands, on the right host
//! (`https://{team}.kchat.infomaniak.com/api/v4`, role `kchat`), plus a kChat audit.
//! Tool and argument names follow the peer servers (`peer-tools.tsv`, domain `kchat`).

pub mod audit;
pub mod client;
pub mod manage;
pub mod reads;

#[cfg(test)]
mod tests;

use ikmcp_pdk::{Effect, Plugin, PluginInfo, Registry, ToolSpec};

/// The plugin, as exported to the host.
pub struct Kchat;

ikmcp_pdk::tool_names! {
    /// Every channel.
    LIST_CHANNELS = "infomaniak_list_kchat_channels";
    /// A team's channels by visibility.
    LIST_TEAM_CHANNELS = "infomaniak_list_kchat_team_channels";
    /// One channel.
    GET_CHANNEL = "infomaniak_get_kchat_channel";
    /// A channel's members.
    LIST_MEMBERS = "infomaniak_list_kchat_channel_members";
    /// A channel's moderation settings.
    GET_MODERATION = "infomaniak_get_kchat_channel_moderation";
    /// User groups.
    LIST_GROUPS = "infomaniak_list_kchat_groups";
    /// Roles.
    LIST_ROLES = "infomaniak_list_kchat_roles";
    /// Bots.
    LIST_BOTS = "infomaniak_list_kchat_bots";
    /// One bot.
    GET_BOT = "infomaniak_get_kchat_bot";
    /// Slash commands.
    LIST_COMMANDS = "infomaniak_list_kchat_commands";
    /// One slash command.
    GET_COMMAND = "infomaniak_get_kchat_command";
    /// Channel writes.
    MANAGE_CHANNEL = "infomaniak_manage_kchat_channel";
    /// Membership writes.
    MANAGE_MEMBERS = "infomaniak_manage_kchat_channel_members";
    /// Bot writes.
    MANAGE_BOT = "infomaniak_manage_kchat_bot";
    /// Slash command writes.
    MANAGE_COMMAND = "infomaniak_manage_kchat_command";
    /// The kChat audit.
    AUDIT = "infomaniak_audit_kchat";
}

impl Plugin for Kchat {
    fn registry() -> Registry {
        Registry::new(PluginInfo {
            id: "kchat",
            version: env!("CARGO_PKG_VERSION"),
            description: "kChat (Mattermost v4 on {team}.kchat.infomaniak.com): channels, members, groups, roles, bots, slash commands, audit",
            roles: &[client::KCHAT],
        })
        .read(
            ToolSpec::new(LIST_CHANNELS, "List kChat channels",
                "Every kChat channel, all pages; `team` picks the kChat server.")
                .category("kchat")
                .keywords(&["chat", "mattermost", "rooms"]),
            reads::list_channels,
        )
        .read(
            ToolSpec::new(LIST_TEAM_CHANNELS, "List a team's channels", "A team's public, private or archived channels.")
                .category("kchat")
                .keywords(&["chat", "archived", "private"]),
            reads::list_team_channels,
        )
        .read(
            ToolSpec::new(GET_CHANNEL, "Get a kChat channel", "One channel.").category("kchat"),
            reads::get_channel,
        )
        .read(
            ToolSpec::new(LIST_MEMBERS, "List channel members", "A channel's members (all pages) or one member.")
                .category("kchat")
                .keywords(&["users", "who"]),
            reads::list_channel_members,
        )
        .read(
            ToolSpec::new(GET_MODERATION, "Get channel moderation", "Who may post, react, mention in a channel.")
                .category("kchat")
                .keywords(&["permissions", "read-only"]),
            reads::get_channel_moderation,
        )
        .read(
            ToolSpec::new(LIST_GROUPS, "List kChat groups", "User groups: all, or of a team, channel or user.")
                .category("kchat"),
            reads::list_groups,
        )
        .read(
            ToolSpec::new(LIST_ROLES, "List kChat roles", "Roles and their permissions.").category("kchat"),
            reads::list_roles,
        )
        .read(
            ToolSpec::new(LIST_BOTS, "List kChat bots", "Every bot account.").category("kchat"),
            reads::list_bots,
        )
        .read(
            ToolSpec::new(GET_BOT, "Get a kChat bot", "One bot account.").category("kchat"),
            reads::get_bot,
        )
        .read(
            ToolSpec::new(LIST_COMMANDS, "List slash commands", "A team's slash commands (tokens hidden).")
                .category("kchat")
                .keywords(&["integrations", "webhook"]),
            reads::list_commands,
        )
        .read(
            ToolSpec::new(GET_COMMAND, "Get a slash command", "One slash command.").category("kchat"),
            reads::get_command,
        )
        .write(
            ToolSpec::new(MANAGE_CHANNEL, "Manage a kChat channel",
                "Create, update, archive (delete archives too), restore a channel or change its privacy.")
                .category("kchat")
                .keywords(&["archive", "rename", "private", "public"]),
            Effect::Destructive,
            manage::plan_channel,
            manage::apply_channel,
        )
        .write(
            ToolSpec::new(MANAGE_MEMBERS, "Manage channel members", "Add or remove channel members, or set their roles or notifications.")
                .category("kchat")
                .keywords(&["invite", "kick", "admin"]),
            Effect::Destructive,
            manage::plan_members,
            manage::apply_members,
        )
        .write(
            ToolSpec::new(MANAGE_BOT, "Manage a kChat bot", "Create, update, enable or disable a bot account.")
                .category("kchat"),
            Effect::Destructive,
            manage::plan_bot,
            manage::apply_bot,
        )
        .write(
            ToolSpec::new(MANAGE_COMMAND, "Manage a slash command", "Create, update or delete a slash command (https only), or regenerate its token.")
                .category("kchat")
                .keywords(&["integrations"]),
            Effect::Destructive,
            manage::plan_command,
            manage::apply_command,
        )
        .read(
            ToolSpec::new(AUDIT, "Audit kChat",
                "Empty or inactive channels, admin bots, non-https slash commands, external users in public channels.")
                .category("audit")
                .keywords(&["security", "review", "guests", "posture"]),
            audit::audit,
        )
    }
}

ikmcp_pdk::export_plugin!(Kchat);
