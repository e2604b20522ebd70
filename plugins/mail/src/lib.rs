//! The `mail` plugin: Infomaniak mail hostings and mailboxes (aliases, forwarding,
//! redirections, sender lists and spam policy, Sieve filters, folders, auto-replies, DKIM)
//! and the mail posture audits. Tool and argument names are the peers'; each `manage_*`
//! action is its own plan with its own exact writes, and its `list`/`check` action reads
//! without a confirmation.

pub mod aliases;
pub mod audit;
pub mod auto_reply;
pub mod common;
pub mod dkim;
pub mod filters;
pub mod forwarding;
pub mod hostings;
pub mod mailboxes;
pub mod redirections;
pub mod security;

#[cfg(test)]
mod tests;

use common::apply_effects as apply;
use ikmcp_pdk::{Effect, INFOMANIAK_API, Plugin, PluginInfo, Registry, ToolSpec};

/// The plugin, as exported to the host.
pub struct Mail;

ikmcp_pdk::tool_names! {
    /// Every mail hosting.
    LIST_HOSTINGS = "infomaniak_list_mail_hostings";
    /// Every mailbox of a hosting.
    LIST_MAILBOXES = "infomaniak_list_mailboxes";
    /// Aliases, signatures, backups of a mailbox.
    MAILBOX_INFO = "infomaniak_get_mailbox_info";
    /// Spam policy and sender lists.
    MAILBOX_SECURITY = "infomaniak_get_mailbox_security";
    /// Filters of a mailbox.
    LIST_FILTERS = "infomaniak_list_mailbox_filters";
    /// Sieve scripts of a mailbox.
    LIST_SCRIPTS = "infomaniak_list_mailbox_filter_scripts";
    /// One mailbox's posture.
    AUDIT_MAILBOX = "infomaniak_audit_mailbox_security";
    /// Every hosting's posture.
    AUDIT_HOSTINGS = "infomaniak_audit_mail_hostings";
    /// A hosting in full.
    HOSTING_FULL = "infomaniak_get_mail_hosting_full";
    /// A mailbox in full.
    MAILBOX_FULL = "infomaniak_get_mailbox_full";
    /// Hosting mailing lists.
    MAILING_LISTS = "infomaniak_list_mailing_lists";
    /// Hosting auto-reply models.
    SERVICE_AUTO_REPLIES = "infomaniak_list_service_auto_replies";
    /// Hosting preferences.
    PREFERENCES = "infomaniak_get_mail_preferences";
    /// Hosting filter models.
    FILTER_MODELS = "infomaniak_list_service_filter_models";
    /// Hosting redirections.
    LIST_REDIRECTIONS = "infomaniak_list_redirections";
    /// Creates a mailbox.
    CREATE_MAILBOX = "infomaniak_create_mailbox";
    /// Offboards a mailbox.
    DELETE_MAILBOX = "infomaniak_delete_mailbox";
    /// Adds an alias.
    CREATE_ALIAS = "infomaniak_create_mailbox_alias";
    /// Blocks a sender.
    BLOCK_SENDER = "infomaniak_block_sender";
    /// Unblocks a sender.
    UNBLOCK_SENDER = "infomaniak_unblock_sender";
    /// Authorizes a sender.
    AUTHORIZE_SENDER = "infomaniak_authorize_sender";
    /// Stops authorizing a sender.
    UNAUTHORIZE_SENDER = "infomaniak_unauthorize_sender";
    /// Spam policy.
    SPAM_POLICY = "infomaniak_set_mailbox_spam_policy";
    /// Spam protection on.
    HARDEN = "infomaniak_harden_mailbox_security";
    /// Special folders.
    FOLDERS = "infomaniak_update_mailbox_folders";
    /// Empties the spam folder.
    PURGE_SPAM = "infomaniak_purge_spam_folder";
    /// Empties the trash.
    EMPTY_TRASH = "infomaniak_empty_mailbox_trash";
    /// Creates a filter.
    CREATE_FILTER = "infomaniak_create_mailbox_filter";
    /// Updates a filter.
    UPDATE_FILTER = "infomaniak_update_mailbox_filter";
    /// Deletes a filter.
    DELETE_FILTER = "infomaniak_delete_mailbox_filter";
    /// Creates or updates a Sieve script.
    UPSERT_SCRIPT = "infomaniak_upsert_mailbox_filter_script";
    /// Deletes a Sieve script.
    DELETE_SCRIPT = "infomaniak_delete_mailbox_filter_script";
    /// Filter activation and order.
    FILTER_LIFECYCLE = "infomaniak_manage_mailbox_filter_lifecycle";
    /// Aliases.
    MANAGE_ALIASES = "infomaniak_manage_mailbox_aliases";
    /// Forwarding.
    MANAGE_FORWARDING = "infomaniak_manage_mailbox_forwarding";
    /// Auto-replies.
    MANAGE_AUTO_REPLY = "infomaniak_manage_mailbox_auto_reply";
    /// Redirections.
    MANAGE_REDIRECTIONS = "infomaniak_manage_service_redirections";
    /// Creates a redirection.
    CREATE_REDIRECTION = "infomaniak_create_redirection";
    /// Deletes a redirection.
    DELETE_REDIRECTION = "infomaniak_delete_redirection";
    /// DKIM check and rotation.
    ROTATE_DKIM = "infomaniak_rotate_mail_dkim";
}

const MB: &str = "mail";

impl Plugin for Mail {
    fn registry() -> Registry {
        let r = Registry::new(PluginInfo {
            id: "mail",
            version: env!("CARGO_PKG_VERSION"),
            description: "Infomaniak mail hostings, mailboxes, aliases, forwarding, redirections, filters, security and mail audits",
            roles: &[INFOMANIAK_API],
        });
        let read = |name, title, desc| ToolSpec::new(name, title, desc).category(MB);
        r.read(read(LIST_HOSTINGS, "List mail hostings", "Every mail hosting (id, domain). Start here for mail.").keywords(&["email", "domains"]), hostings::list_mail_hostings)
            .read(read(LIST_MAILBOXES, "List mailboxes", "Every mailbox of a mail hosting, all pages.").keywords(&["email", "accounts", "users"]), mailboxes::list)
            .read(read(MAILBOX_INFO, "Mailbox aliases, signatures, backups", "A mailbox's aliases, signatures and backups; failures per field."), mailboxes::info)
            .read(read(MAILBOX_SECURITY, "Mailbox spam policy", "A mailbox's sender lists and spam filtering.").keywords(&["spam", "blocked"]), security::get_security)
            .read(read(LIST_FILTERS, "List mailbox filters", "A mailbox's filters, Sieve scripts and filter templates.").keywords(&["rules", "sieve"]), filters::list)
            .read(read(LIST_SCRIPTS, "List Sieve scripts", "A mailbox's Sieve scripts only.").keywords(&["sieve"]), filters::list_scripts)
            .read(read(AUDIT_MAILBOX, "Audit a mailbox", "One mailbox's posture: spam policy, sender lists, external forwarding, 2FA, scripts; each finding names its fix.").category("audit").keywords(&["security", "check", "review"]), audit::audit_mailbox)
            .read(read(AUDIT_HOSTINGS, "Audit mail hostings", "Mail posture of every hosting, with progress: MX, SPF, DKIM, DMARC via DNS, external forwarding, catch-alls; each finding names its fix.").category("audit").keywords(&["security", "spf", "dkim", "dmarc", "mx", "posture"]), audit::audit_hostings)
            .read(read(HOSTING_FULL, "Mail hosting details", "A mail hosting: product, preferences, mailbox count, redirections, mailing lists."), hostings::get_mail_hosting_full)
            .read(read(MAILBOX_FULL, "Mailbox details", "A mailbox with aliases, forwarding, users, size, auto-reply and DKIM flags."), mailboxes::get_full)
            .read(read(MAILING_LISTS, "List mailing lists", "A hosting's mailing lists."), hostings::list_mailing_lists)
            .read(read(SERVICE_AUTO_REPLIES, "List hosting auto-replies", "A hosting's shared auto-reply models."), hostings::list_service_auto_replies)
            .read(read(PREFERENCES, "Mail hosting preferences", "Spam filter, sender lists and default permissions of a hosting."), hostings::get_mail_preferences)
            .read(read(FILTER_MODELS, "List hosting filter models", "A hosting's filter models."), hostings::list_service_filter_models)
            .read(read(LIST_REDIRECTIONS, "List redirections", "A hosting's redirections (addresses that forward, no mailbox)."), hostings::list_redirections)
            .write(ToolSpec::new(CREATE_MAILBOX, "Create mailbox", "Create a mailbox; its owner sets the password.").category(MB).undo(DELETE_MAILBOX), Effect::Write, mailboxes::plan_create, apply)
            .write(ToolSpec::new(DELETE_MAILBOX, "Offboard mailbox", "Delete a mailbox; the plan lists every alias, forwarding, filter and redirection that goes.").category(MB).keywords(&["remove", "offboarding", "leaver"]), Effect::Destructive, mailboxes::plan_delete, apply)
            .write(ToolSpec::new(CREATE_ALIAS, "Add mailbox alias", "Add an alias address to a mailbox.").category(MB).idempotent(), Effect::Write, aliases::plan_create, apply)
            .write(ToolSpec::new(BLOCK_SENDER, "Block sender", "Block an address or @domain (leaves the authorized list).").category(MB).idempotent().undo(UNBLOCK_SENDER).keywords(&["spam"]), Effect::Write, security::plan_block, apply)
            .write(ToolSpec::new(UNBLOCK_SENDER, "Unblock sender", "Remove a sender from the blocked list.").category(MB).idempotent().undo(BLOCK_SENDER), Effect::Write, security::plan_unblock, apply)
            .write(ToolSpec::new(AUTHORIZE_SENDER, "Authorize sender", "Always accept an address or @domain (leaves the blocked list).").category(MB).idempotent().undo(UNAUTHORIZE_SENDER).keywords(&["whitelist", "allow"]), Effect::Write, security::plan_authorize, apply)
            .write(ToolSpec::new(UNAUTHORIZE_SENDER, "Unauthorize sender", "Remove a sender from the authorized list.").category(MB).idempotent().undo(AUTHORIZE_SENDER), Effect::Destructive, security::plan_unauthorize, apply)
            .write(ToolSpec::new(SPAM_POLICY, "Set spam policy", "Change a mailbox's spam moving, filtering folders or note.").category(MB).idempotent().keywords(&["spam"]), Effect::Write, security::plan_spam, apply)
            .write(ToolSpec::new(HARDEN, "Harden mailbox", "Turn on spam moving and commercial/social filtering.").category(MB).idempotent().keywords(&["spam", "security"]), Effect::Write, security::plan_harden, apply)
            .write(ToolSpec::new(FOLDERS, "Set special folders", "Set a mailbox's drafts, sent, trash, spam, archive folders.").category(MB).idempotent(), Effect::Write, security::plan_folders, apply)
            .write(ToolSpec::new(PURGE_SPAM, "Purge spam folder", "Delete every message of a mailbox's spam folder.").category(MB), Effect::Destructive, security::plan_purge_spam, apply)
            .write(ToolSpec::new(EMPTY_TRASH, "Empty trash", "Delete every message of a mailbox's trash.").category(MB), Effect::Destructive, security::plan_empty_trash, apply)
            .write(ToolSpec::new(CREATE_FILTER, "Create filter", "Add a filter: one condition, one action.").category(MB).undo(DELETE_FILTER).keywords(&["rule"]), Effect::Write, filters::plan_create, apply)
            .write(ToolSpec::new(UPDATE_FILTER, "Update filter", "Change a filter (by old_name); unset fields are kept.").category(MB).idempotent(), Effect::Write, filters::plan_update, apply)
            .write(ToolSpec::new(DELETE_FILTER, "Delete filter", "Delete a filter by name.").category(MB), Effect::Destructive, filters::plan_delete, apply)
            .write(ToolSpec::new(UPSERT_SCRIPT, "Create or update Sieve script", "Create a Sieve script, or update one given old_name.").category(MB).keywords(&["sieve"]), Effect::Write, filters::plan_upsert_script, apply)
            .write(ToolSpec::new(DELETE_SCRIPT, "Delete Sieve script", "Delete a Sieve script by name.").category(MB), Effect::Destructive, filters::plan_delete_script, apply)
            .write(ToolSpec::new(FILTER_LIFECYCLE, "Enable, disable or reorder filters", "Enable/disable a filter or script, or reorder filters.").category(MB).idempotent(), Effect::Write, filters::plan_lifecycle, apply)
            .write(ToolSpec::new(MANAGE_ALIASES, "Manage mailbox aliases", "List, add, replace or delete a mailbox's aliases.").category(MB).idempotent(), Effect::Destructive, aliases::plan_manage, apply)
            .write(ToolSpec::new(MANAGE_FORWARDING, "Manage mailbox forwarding", "List, add, replace or delete forwarding addresses.").category(MB).idempotent().keywords(&["redirect"]), Effect::Destructive, forwarding::plan, apply)
            .write(ToolSpec::new(MANAGE_AUTO_REPLY, "Manage auto-replies", "List, create, update, delete or reset auto-reply models.").category(MB).keywords(&["vacation", "out", "office", "responder"]), Effect::Destructive, auto_reply::plan, apply)
            .write(ToolSpec::new(MANAGE_REDIRECTIONS, "Manage redirections", "List, create, update, delete or enable hosting redirections.").category(MB).idempotent(), Effect::Destructive, redirections::plan_manage, apply)
            .write(ToolSpec::new(CREATE_REDIRECTION, "Create redirection", "Create an address that forwards to targets.").category(MB).undo(DELETE_REDIRECTION), Effect::Write, redirections::plan_create, apply)
            .write(ToolSpec::new(DELETE_REDIRECTION, "Delete redirection", "Delete a redirection by name.").category(MB), Effect::Destructive, redirections::plan_delete, apply)
            .write(ToolSpec::new(ROTATE_DKIM, "Check or rotate DKIM", "Check DKIM or rotate the hosting's DKIM key.").category(MB).keywords(&["dkim", "key"]), Effect::Destructive, dkim::plan, apply)
    }
}

ikmcp_pdk::export_plugin!(Mail);
