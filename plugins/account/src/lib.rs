//! The `account` plugin: Infomaniak account governance. Organizations, users and their app
//! accesses, teams, tags, invitations and what they grant, the token owner's profile and
//! security, a cross-product offboarding plan, account audits and a one-call overview.
//! Spec: `openapi/core.json`; the undocumented tag writes are backed by infomaniak-api.md
//! §7.1. Every tool takes an optional `account_id` (see [`accounts::resolve`]).

pub mod accounts;
pub mod invitations;
pub mod profile;
pub mod users;

#[cfg(test)]
mod tests;

use ikmcp_pdk::{INFOMANIAK_API, Plugin, PluginInfo, Registry, ToolSpec};

/// The plugin, as exported to the host.
pub struct Account;

ikmcp_pdk::tool_names! {
    /// The accounts the token sees.
    LIST_ORGANIZATIONS = "infomaniak_list_organizations";
    /// One account in full.
    GET_ACCOUNT_FULL = "infomaniak_get_account_full";
    /// One GET among the account resources.
    GET_ACCOUNT_RESOURCES = "infomaniak_get_account_resources";
    /// The token owner's profile.
    GET_MY_PROFILE = "infomaniak_get_my_profile";
    /// The token owner's sign-in security.
    GET_MY_SECURITY = "infomaniak_get_my_security";
    /// Users of an account.
    LIST_ACCOUNT_USERS = "infomaniak_list_account_users";
    /// One user's app accesses.
    GET_USER_APP_ACCESSES = "infomaniak_get_user_app_accesses";
    /// Teams and tags of an account.
    LIST_TEAMS_AND_TAGS = "infomaniak_list_teams_and_tags";
    /// One invitation and its accesses.
    GET_INVITATION_ACCESS = "infomaniak_get_account_invitation_access";
}

impl Plugin for Account {
    fn registry() -> Registry {
        Registry::new(PluginInfo {
            id: "account",
            version: env!("CARGO_PKG_VERSION"),
            description: "Infomaniak accounts, users, teams, tags, invitations, app accesses, offboarding and account audits",
            roles: &[INFOMANIAK_API],
        })
        .read(
            ToolSpec::new(LIST_ORGANIZATIONS, "List organizations",
                "The accounts (organizations) the token sees, with their ids.")
                .category("account")
                .keywords(&["accounts", "organisation", "company", "customer"]),
            accounts::list_organizations,
        )
        .read(
            ToolSpec::new(GET_ACCOUNT_FULL, "Get account",
                "One account in full: legal entity, locale, support level, 2FA policy, counts.")
                .category("account")
                .keywords(&["organization", "details", "2fa"]),
            accounts::get_account_full,
        )
        .read(
            ToolSpec::new(GET_ACCOUNT_RESOURCES, "Read an account resource",
                "One account resource the other tools do not show (products, services, a team, its users, B2B customers).")
                .category("account")
                .keywords(&["products", "services", "team", "b2b", "customers"]),
            accounts::get_resource,
        )
        .read(
            ToolSpec::new(GET_MY_PROFILE, "Get my profile",
                "The token owner's profile: name, e-mail, language, phones.")
                .category("identity")
                .keywords(&["me", "user", "whoami"]),
            profile::get_my_profile,
        )
        .read(
            ToolSpec::new(GET_MY_SECURITY, "Get my sign-in security",
                "The token owner's 2FA method, rescue codes and password age, with fixes.")
                .category("identity")
                .keywords(&["2fa", "mfa", "otp", "password", "security"]),
            profile::get_my_security,
        )
        .read(
            ToolSpec::new(LIST_ACCOUNT_USERS, "List account users",
                "Every user of an account (all pages): role, state, 2FA, last login.")
                .category("account")
                .keywords(&["members", "people", "admins", "staff"]),
            users::list_users,
        )
        .read(
            ToolSpec::new(GET_USER_APP_ACCESSES, "Get a user's app accesses",
                "What one user reaches: products, kDrive, kChat, mailboxes, teams.")
                .category("account")
                .keywords(&["permissions", "rights", "access"]),
            users::get_app_accesses,
        )
        .read(
            ToolSpec::new(LIST_TEAMS_AND_TAGS, "List teams and tags",
                "Every team (members, permissions) and product tag of an account.")
                .category("account")
                .keywords(&["groups", "labels"]),
            users::list_teams_and_tags,
        )
        .read(
            ToolSpec::new(GET_INVITATION_ACCESS, "Get an invitation",
                "One invitation: status, role, teams and the app accesses it grants.")
                .category("account")
                .keywords(&["invite", "pending"]),
            invitations::get_invitation,
        )
    }
}

ikmcp_pdk::export_plugin!(Account);
