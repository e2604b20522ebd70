//! The `drive` plugin: kDrive administration. Drives, users and invitations, file rights,
//! share links, the trash, settings, statistics, activities and activity reports (the
//! peers' 47 tools but one, see docs/tools/drive.md), plus a sharing audit over every drive
//! and a user's offboarding as one plan. Every list follows its pages to the end: v2
//! page/per_page and v3 cursors (`ikmcp_pdk::cursor`).

pub mod access;
pub mod activity;
pub mod audit;
pub mod common;
pub mod drives;
pub mod files;
pub mod links;
pub mod offboard;
pub mod settings;
pub mod tree;
pub mod users;

#[cfg(test)]
mod tests;

use common::apply_plan;
use ikmcp_pdk::{Effect, INFOMANIAK_API, Plugin, PluginInfo, Registry, ToolSpec};

/// The plugin, as exported to the host.
pub struct Drive;

ikmcp_pdk::tool_names! {
    LIST_DRIVES = "infomaniak_list_drives";
    LIST_FILES = "infomaniak_list_drive_files";
    GET_DRIVE_FULL = "infomaniak_get_drive_full";
    LIST_USERS = "infomaniak_list_drive_users";
    LIST_TRASH = "infomaniak_list_drive_trash";
    AUDIT_DRIVE = "infomaniak_audit_kdrive_admin";
    LIST_LINKS = "infomaniak_list_drive_share_links";
    GET_LINK = "infomaniak_get_drive_share_link";
    GET_STATISTICS = "infomaniak_get_drive_statistics";
    GET_SETTINGS = "infomaniak_get_drive_settings";
    LIST_FILE_ACCESS_USERS = "infomaniak_list_drive_file_access_users";
    LIST_FILE_ACCESS_TEAMS = "infomaniak_list_drive_file_access_teams";
    LIST_FILE_ACCESS_INVITATIONS = "infomaniak_list_drive_file_access_invitations";
    CREATE_LINK = "infomaniak_create_drive_share_link";
    UPDATE_LINK = "infomaniak_update_drive_share_link";
    REMOVE_LINK = "infomaniak_remove_drive_share_link";
    INVITE_LINK = "infomaniak_invite_drive_share_link";
    CREATE_FILE_ACCESS_USER = "infomaniak_create_drive_file_access_user";
    UPDATE_FILE_ACCESS_USER = "infomaniak_update_drive_file_access_user";
    REMOVE_FILE_ACCESS_USER = "infomaniak_remove_drive_file_access_user";
    CREATE_FILE_ACCESS_TEAM = "infomaniak_create_drive_file_access_team";
    UPDATE_FILE_ACCESS_TEAM = "infomaniak_update_drive_file_access_team";
    REMOVE_FILE_ACCESS_TEAM = "infomaniak_remove_drive_file_access_team";
    CREATE_FILE_ACCESS_INVITATION = "infomaniak_create_drive_file_access_invitation";
    CREATE_USER = "infomaniak_create_drive_user";
    UPDATE_USER = "infomaniak_update_drive_user";
    DELETE_USER = "infomaniak_delete_drive_user";
    LOCK_USER = "infomaniak_lock_drive_user";
    UNLOCK_USER = "infomaniak_unlock_drive_user";
    SET_MANAGER = "infomaniak_set_drive_user_manager";
    EMPTY_TRASH = "infomaniak_empty_drive_trash";
    RESTORE_TRASH_ITEM = "infomaniak_restore_drive_trash_item";
    REMOVE_TRASH_ITEM = "infomaniak_remove_drive_trash_item";
    UPDATE_TRASH_SETTINGS = "infomaniak_update_drive_trash_settings";
    MANAGE_SETTINGS = "infomaniak_manage_drive_settings";
    GET_ACTIVITIES = "infomaniak_get_drive_activities";
    GET_FILE_ACTIVITIES = "infomaniak_get_drive_file_activities";
    GET_ROOT_ACTIVITIES = "infomaniak_get_drive_root_activities";
    LIST_REPORTS = "infomaniak_list_drive_activity_reports";
    GET_REPORT = "infomaniak_get_drive_activity_report";
    EXPORT_REPORT = "infomaniak_export_drive_activity_report";
    CREATE_REPORT = "infomaniak_create_drive_activity_report";
    DELETE_REPORT = "infomaniak_delete_drive_activity_report";
    GET_USER = "infomaniak_get_drive_user";
    LIST_INVITATIONS = "infomaniak_list_drive_invitations";
    GET_INVITATION = "infomaniak_get_drive_invitation";
    DELETE_INVITATION = "infomaniak_delete_drive_invitation";
    AUDIT_SHARING = "infomaniak_audit_drive_sharing";
    OFFBOARD_USER = "infomaniak_offboard_drive_user";
}

fn t(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    category: &'static str,
) -> ToolSpec {
    ToolSpec::new(name, title, description).category(category)
}

impl Plugin for Drive {
    fn registry() -> Registry {
        use Effect::{Destructive, Write};
        Registry::new(PluginInfo {
            id: "drive",
            version: env!("CARGO_PKG_VERSION"),
            description: "kDrive: drives, users, rights, share links, trash, settings, activity reports, sharing audit",
            roles: &[INFOMANIAK_API],
        })
        .read(t(LIST_DRIVES, "List kDrives", "Every kDrive of the account(s). Start here for a drive_id.", "drive").keywords(&["kdrive", "storage", "quota"]), drives::list_drives)
        .read(t(GET_DRIVE_FULL, "Get kDrive", "One drive in full: quota, pack, settings, preferences, maintenance.", "drive").keywords(&["kdrive"]), drives::get_drive_full)
        .read(t(GET_SETTINGS, "Get kDrive settings", "AI, share link, trash and office settings.", "drive"), drives::get_settings)
        .read(t(GET_STATISTICS, "kDrive statistics", "Sizes, activities, active users, shared files or share links over a period; CSV with export.", "drive").keywords(&["usage", "report"]), drives::statistics)
        .read(t(LIST_FILES, "List kDrive files", "Every item of a directory (default: root).", "drive").keywords(&["folder", "documents"]), files::list_files)
        .read(t(LIST_TRASH, "List kDrive trash", "Every trashed item.", "drive"), files::list_trash)
        .write(t(EMPTY_TRASH, "Empty kDrive trash", "Delete everything in the trash for good.", "drive"), Destructive, files::plan_empty, apply_plan)
        .write(t(RESTORE_TRASH_ITEM, "Restore from kDrive trash", "Restore a trashed item (default: into the root).", "drive").undo(REMOVE_TRASH_ITEM), Write, files::plan_restore, apply_plan)
        .write(t(REMOVE_TRASH_ITEM, "Delete from kDrive trash", "Delete one trashed item for good.", "drive"), Destructive, files::plan_remove, apply_plan)
        .read(t(LIST_USERS, "List kDrive users", "Every user of a drive with role and status.", "drive").keywords(&["members", "people"]), users::list_users)
        .read(t(GET_USER, "Get kDrive user", "One drive user.", "drive"), users::get_user)
        .write(t(CREATE_USER, "Add kDrive users", "Add account users or invite e-mails to a drive.", "drive").keywords(&["invite", "onboard"]), Write, users::plan_create_user, apply_plan)
        .write(t(UPDATE_USER, "Change kDrive user role", "Make a user admin or user.", "drive").idempotent(), Write, users::plan_update_user, apply_plan)
        .write(t(DELETE_USER, "Remove kDrive user", "Remove a user and their rights from a drive.", "drive"), Destructive, users::plan_delete_user, apply_plan)
        .write(t(LOCK_USER, "Lock kDrive user", "Block a user's access, keeping their rights.", "drive").idempotent().undo(UNLOCK_USER), Write, users::plan_lock, apply_plan)
        .write(t(UNLOCK_USER, "Unlock kDrive user", "Give a locked user access again.", "drive").idempotent().undo(LOCK_USER), Write, users::plan_unlock, apply_plan)
        .write(t(SET_MANAGER, "Set kDrive manager roles", "Grant or remove statistic/technical manager roles.", "drive").idempotent(), Write, users::plan_manager, apply_plan)
        .read(t(LIST_INVITATIONS, "List kDrive invitations", "Every drive invitation and its status.", "drive"), users::list_invitations)
        .read(t(GET_INVITATION, "Get kDrive invitation", "One drive invitation.", "drive"), users::get_invitation)
        .write(t(DELETE_INVITATION, "Cancel kDrive invitation", "Cancel a drive invitation.", "drive"), Destructive, users::plan_delete_invitation, apply_plan)
        .read(t(LIST_LINKS, "List kDrive share links", "Every file with a public share link.", "sharing").keywords(&["public", "url"]), links::list_links)
        .read(t(GET_LINK, "Get kDrive share link", "A file's share link, or null.", "sharing"), links::get_link)
        .write(t(CREATE_LINK, "Create kDrive share link", "Share a file by public link (password, expiry, capabilities).", "sharing").undo(REMOVE_LINK).keywords(&["public", "url"]), Write, links::plan_create, apply_plan)
        .write(t(UPDATE_LINK, "Change kDrive share link", "Change a link's right, password, expiry or capabilities.", "sharing").idempotent(), Write, links::plan_update, apply_plan)
        .write(t(REMOVE_LINK, "Remove kDrive share link", "Delete a file's share link.", "sharing").idempotent(), Destructive, links::plan_remove, apply_plan)
        .write(t(INVITE_LINK, "Send kDrive share link", "E-mail a file's share link.", "sharing"), Write, links::plan_invite, apply_plan)
        .read(t(LIST_FILE_ACCESS_USERS, "kDrive file: users", "Users with a right on a file.", "sharing").keywords(&["permissions", "acl"]), access::list_users)
        .read(t(LIST_FILE_ACCESS_TEAMS, "kDrive file: teams", "Teams with a right on a file.", "sharing"), access::list_teams)
        .read(t(LIST_FILE_ACCESS_INVITATIONS, "kDrive file: invitations", "Pending invitations to a file.", "sharing"), access::list_invitations)
        .write(t(CREATE_FILE_ACCESS_USER, "Give user file right", "Give a drive user a right on a file.", "sharing").undo(REMOVE_FILE_ACCESS_USER), Write, access::plan_add_user, apply_plan)
        .write(t(UPDATE_FILE_ACCESS_USER, "Change user file right", "Change a user's right on a file.", "sharing").idempotent(), Write, access::plan_update_user, apply_plan)
        .write(t(REMOVE_FILE_ACCESS_USER, "Remove user file right", "Remove a user's right on a file.", "sharing").idempotent(), Destructive, access::plan_remove_user, apply_plan)
        .write(t(CREATE_FILE_ACCESS_TEAM, "Give team file right", "Give a team a right on a file.", "sharing").undo(REMOVE_FILE_ACCESS_TEAM), Write, access::plan_add_team, apply_plan)
        .write(t(UPDATE_FILE_ACCESS_TEAM, "Change team file right", "Change a team's right on a file.", "sharing").idempotent(), Write, access::plan_update_team, apply_plan)
        .write(t(REMOVE_FILE_ACCESS_TEAM, "Remove team file right", "Remove a team's right on a file.", "sharing").idempotent(), Destructive, access::plan_remove_team, apply_plan)
        .write(t(CREATE_FILE_ACCESS_INVITATION, "Invite to a kDrive file", "Invite e-mails to a file with a right.", "sharing"), Write, access::plan_invite, apply_plan)
        .write(t(UPDATE_TRASH_SETTINGS, "Set kDrive trash retention", "Days trashed files are kept.", "drive").idempotent(), Write, settings::plan_trash, apply_plan)
        .write(t(MANAGE_SETTINGS, "Change kDrive settings", "Change AI, link, office settings or preferences.", "drive").idempotent(), Write, settings::plan_settings, apply_plan)
        .read(t(GET_ACTIVITIES, "kDrive activities", "Every activity of a drive, filtered by period, actions, users.", "activity").keywords(&["log", "history", "who"]), activity::drive_activities)
        .read(t(GET_FILE_ACTIVITIES, "kDrive file activities", "Every activity on one file (file_id).", "activity"), activity::file_activities)
        .read(t(GET_ROOT_ACTIVITIES, "kDrive root activities", "Every activity in the root directory.", "activity"), activity::root_activities)
        .read(t(LIST_REPORTS, "List kDrive activity reports", "Every activity report.", "activity"), activity::list_reports)
        .read(t(GET_REPORT, "Get kDrive activity report", "One activity report.", "activity"), activity::get_report)
        .read(t(EXPORT_REPORT, "Export kDrive activity report", "An activity report as CSV.", "activity"), activity::export_report)
        .write(t(CREATE_REPORT, "Create kDrive activity report", "Start an activity report with filters.", "activity").undo(DELETE_REPORT), Write, activity::plan_create, apply_plan)
        .write(t(DELETE_REPORT, "Delete kDrive activity report", "Delete an activity report.", "activity"), Destructive, activity::plan_delete, apply_plan)
        .read(t(AUDIT_DRIVE, "Audit one kDrive", "One drive: maintenance, storage, trash, retention and sharing; each finding names its fix.", "audit").keywords(&["security", "review", "check"]), audit::audit_drive)
        .read(t(AUDIT_SHARING, "Audit kDrive sharing", "Every drive: public links, large shared folders, external managers, locked users, old invitations; with fixes.", "audit").keywords(&["security", "review", "exposure", "leak"]), audit::audit_sharing)
        .write(t(OFFBOARD_USER, "Offboard kDrive user", "One plan removing a user's file rights and links, then the user (or lock_only).", "drive").keywords(&["leaver", "departure", "revoke"]), Destructive, offboard::plan, apply_plan)
    }
}

ikmcp_pdk::export_plugin!(Drive);
