//! The `account` plugin: Infomaniak account governance. Organizations, users and their app
//! accesses, teams, tags, invitations and what they grant, the token owner's profile and
//! security, a cross-product offboarding plan, account audits and a one-call overview.
//! Spec: `openapi/core.json`; the undocumented tag writes are backed by infomaniak-api.md
//! §7.1. Every tool takes an optional `account_id` (see [`accounts::resolve`]).

pub mod accounts;
pub mod apply;
pub mod audit;
pub mod invitation_access;
pub mod invitation_writes;
pub mod invitations;
pub mod offboarding;
pub mod overview;
pub mod profile;
pub mod tags;
pub mod teams;
pub mod users;

#[cfg(test)]
mod tests;

use ikmcp_pdk::{Effect, INFOMANIAK_API, Plugin, PluginInfo, Registry, ToolSpec};

use crate::apply::apply;

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
    /// Creates a team (undone by [`DELETE_TEAM`]).
    CREATE_TEAM = "infomaniak_create_account_team";
    /// Renames a team, changes its owner or services.
    UPDATE_TEAM = "infomaniak_update_account_team";
    /// Deletes a team.
    DELETE_TEAM = "infomaniak_delete_account_team";
    /// Adds members to a team (undone by [`REMOVE_TEAM_USERS`]).
    ADD_TEAM_USERS = "infomaniak_add_account_team_users";
    /// Removes members from a team.
    REMOVE_TEAM_USERS = "infomaniak_remove_account_team_users";
    /// Creates a product tag (undone by [`DELETE_TAG`]).
    CREATE_TAG = "infomaniak_create_account_tag";
    /// Renames or recolours a tag.
    UPDATE_TAG = "infomaniak_update_account_tag";
    /// Deletes a tag.
    DELETE_TAG = "infomaniak_delete_account_tag";
    /// Invites someone (undone by [`DELETE_INVITATION`]).
    CREATE_INVITATION = "infomaniak_create_account_invitation";
    /// Changes a pending invitation.
    UPDATE_INVITATION = "infomaniak_update_account_invitation";
    /// Cancels an invitation.
    DELETE_INVITATION = "infomaniak_delete_account_invitation";
    /// Cancels every pending invitation a user sent.
    CANCEL_PENDING_INVITATIONS = "infomaniak_cancel_user_pending_invitations";
    /// Changes what an invitation grants.
    MANAGE_INVITATION_ACCESS = "infomaniak_manage_account_invitation_access";
    /// Assigns or unassigns an invitation's B2B customers.
    MANAGE_INVITATION_B2B = "infomaniak_manage_account_invitation_b2b";
    /// Everything a user holds, to remove.
    PLAN_OFFBOARDING = "infomaniak_plan_user_offboarding";
    /// People audit of an account.
    AUDIT_ACCESS = "infomaniak_audit_account_access";
    /// Account and product audit.
    AUDIT_ACCOUNT = "infomaniak_audit_account";
    /// What each account holds.
    OVERVIEW = "infomaniak_overview";
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
        .write(
            ToolSpec::new(CREATE_TEAM, "Create team", "Create a team, optionally with the services it manages.")
                .category("account")
                .undo(DELETE_TEAM)
                .keywords(&["group", "new"]),
            Effect::Write,
            teams::plan_create,
            apply::<teams::CreateTeamArgs>,
        )
        .write(
            ToolSpec::new(UPDATE_TEAM, "Update team", "Rename a team or change its owner or services.")
                .category("account")
                .idempotent()
                .keywords(&["rename", "group"]),
            Effect::Write,
            teams::plan_update,
            apply::<teams::UpdateTeamArgs>,
        )
        .write(
            ToolSpec::new(DELETE_TEAM, "Delete team", "Delete a team; its members lose what it grants.")
                .category("account")
                .idempotent()
                .keywords(&["remove", "group"]),
            Effect::Destructive,
            teams::plan_delete,
            apply::<teams::TeamArgs>,
        )
        .write(
            ToolSpec::new(ADD_TEAM_USERS, "Add team members", "Add users to a team.")
                .category("account")
                .idempotent()
                .undo(REMOVE_TEAM_USERS)
                .keywords(&["members", "join", "group"]),
            Effect::Write,
            teams::plan_add_users,
            apply::<teams::TeamUsersArgs>,
        )
        .write(
            ToolSpec::new(REMOVE_TEAM_USERS, "Remove team members", "Remove users from a team.")
                .category("account")
                .idempotent()
                .undo(ADD_TEAM_USERS)
                .keywords(&["members", "leave", "group"]),
            Effect::Destructive,
            teams::plan_remove_users,
            apply::<teams::TeamUsersArgs>,
        )
        .write(
            ToolSpec::new(CREATE_TAG, "Create tag", "Create a product tag.")
                .category("account")
                .undo(DELETE_TAG)
                .keywords(&["label", "new"]),
            Effect::Write,
            tags::plan_create,
            apply::<tags::CreateTagArgs>,
        )
        .write(
            ToolSpec::new(UPDATE_TAG, "Update tag", "Rename or recolour a product tag.")
                .category("account")
                .idempotent()
                .keywords(&["label", "rename"]),
            Effect::Write,
            tags::plan_update,
            apply::<tags::UpdateTagArgs>,
        )
        .write(
            ToolSpec::new(DELETE_TAG, "Delete tag", "Delete a product tag; products lose it.")
                .category("account")
                .idempotent()
                .keywords(&["label", "remove"]),
            Effect::Destructive,
            tags::plan_delete,
            apply::<tags::TagArgs>,
        )
        .write(
            ToolSpec::new(CREATE_INVITATION, "Invite a user", "Invite someone to an account with a role and teams.")
                .category("account")
                .undo(DELETE_INVITATION)
                .keywords(&["invite", "add", "user", "onboard"]),
            Effect::Write,
            invitation_writes::plan_create,
            apply::<invitation_writes::CreateInvitationArgs>,
        )
        .write(
            ToolSpec::new(UPDATE_INVITATION, "Update invitation", "Change a pending invitation's role, teams or billing access.")
                .category("account")
                .idempotent()
                .keywords(&["invite", "role"]),
            Effect::Write,
            invitation_writes::plan_update,
            apply::<invitation_writes::UpdateInvitationArgs>,
        )
        .write(
            ToolSpec::new(DELETE_INVITATION, "Cancel invitation", "Cancel a pending invitation.")
                .category("account")
                .idempotent()
                .keywords(&["invite", "revoke", "cancel"]),
            Effect::Destructive,
            invitation_writes::plan_delete,
            apply::<invitation_writes::DeleteInvitationArgs>,
        )
        .write(
            ToolSpec::new(CANCEL_PENDING_INVITATIONS, "Cancel a user's invitations", "Cancel every pending invitation a user sent.")
                .category("account")
                .idempotent()
                .keywords(&["invite", "revoke", "offboard"]),
            Effect::Destructive,
            invitation_writes::plan_cancel_pending,
            apply::<invitation_writes::UserInvitationsArgs>,
        )
        .write(
            ToolSpec::new(MANAGE_INVITATION_ACCESS, "Change invitation access",
                "Grant, change or revoke what a pending invitation gives: kSuite, kDrive, mailbox, kChat.")
                .category("account")
                .keywords(&["invite", "drive", "mailbox", "ksuite", "kchat"]),
            Effect::Destructive,
            invitation_access::plan_access,
            apply::<invitation_access::AccessArgs>,
        )
        .write(
            ToolSpec::new(MANAGE_INVITATION_B2B, "Change invitation customers", "Assign or unassign a pending invitation's B2B customers.")
                .category("account")
                .idempotent()
                .keywords(&["invite", "partner", "customers"]),
            Effect::Destructive,
            invitation_access::plan_b2b,
            apply::<invitation_access::B2bArgs>,
        )
        .read(
            ToolSpec::new(PLAN_OFFBOARDING, "Plan a user's offboarding",
                "Everything one user holds (teams, invitations, kDrive, mailboxes, kChat, role), each with how to remove it.")
                .category("account")
                .keywords(&["leaver", "departure", "remove", "revoke", "access"]),
            offboarding::plan_user_offboarding,
        )
        .read(
            ToolSpec::new(AUDIT_ACCESS, "Audit account access",
                "Admins without 2FA, external admins, users in no team, stale invitations, expiring products.")
                .category("audit")
                .keywords(&["security", "2fa", "review", "posture"]),
            audit::audit_access,
        )
        .read(
            ToolSpec::new(AUDIT_ACCOUNT, "Audit accounts",
                "2FA policy and products: expiring (live expiry), expired, locked.")
                .category("audit")
                .keywords(&["expiry", "renewal", "review", "health"]),
            audit::audit_account,
        )
        .read(
            ToolSpec::new(OVERVIEW, "Account overview",
                "What each account holds: users, invitations, products per service. Start here.")
                .category("account")
                .keywords(&["summary", "inventory", "count", "products"]),
            overview::overview,
        )
    }
}

ikmcp_pdk::export_plugin!(Account);
