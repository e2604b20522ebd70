//! The `mail` plugin: Infomaniak mail hostings and mailboxes (aliases, forwarding,
//! redirections, sender lists and spam policy, Sieve filters, folders, auto-replies, DKIM)
//! and the mail posture audits. Tool and argument names are the peers'; each `manage_*`
//! action is its own plan with its own exact writes, and its `list`/`check` action reads
//! without a confirmation.

pub mod access;
pub mod aliases;
pub mod audit;
pub mod auto_reply;
pub mod common;
pub mod dkim;
pub mod filters;
pub mod forwarding;
pub mod hostings;
pub mod mailboxes;
pub mod newsletter;
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
    /// Signatures and templates.
    GET_SIGNATURES = "infomaniak_get_mail_signatures";
    /// Signature and template writes.
    MANAGE_SIGNATURES = "infomaniak_manage_mail_signatures";
    /// Webmail accesses.
    GET_WEBMAIL = "infomaniak_get_mail_webmail_access";
    /// Webmail access writes.
    MANAGE_WEBMAIL = "infomaniak_manage_mail_webmail_access";
    /// Device accesses.
    GET_DEVICES = "infomaniak_get_mail_device_access";
    /// Device access removals.
    MANAGE_DEVICES = "infomaniak_manage_mail_device_access";
    /// Newsletter reads.
    GET_NEWSLETTER = "infomaniak_get_newsletter_admin";
    /// Newsletter writes.
    MANAGE_NEWSLETTER = "infomaniak_manage_newsletter_admin";
}

const MB: &str = "mail";

/// A plan handler whose effects hold their write locks (see [`common::locked`]): every
/// write tool goes through it, so no read-modify-write on a mailbox or hosting interleaves
/// with another.
macro_rules! locked {
    ($plan:path) => {
        |ctx: &ikmcp_pdk::Ctx, args| common::locked($plan(ctx, args))
    };
}

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
            .read(read(MAILBOX_INFO, "Mailbox aliases, signatures, backups", "A mailbox's aliases, signatures and backups."), mailboxes::info)
            .read(read(MAILBOX_SECURITY, "Mailbox spam policy", "A mailbox's sender lists and spam filtering.").keywords(&["spam", "blocked"]), security::get_security)
            .read(read(LIST_FILTERS, "List mailbox filters", "A mailbox's filters, Sieve scripts and filter templates.").keywords(&["rules", "sieve"]), filters::list)
            .read(read(LIST_SCRIPTS, "List Sieve scripts", "A mailbox's Sieve scripts only.").keywords(&["sieve"]), filters::list_scripts)
            .read(read(AUDIT_MAILBOX, "Audit a mailbox", "One mailbox's posture (spam, senders, forwarding, 2FA, scripts); findings name their fix.").category("audit").keywords(&["security", "check", "review"]), audit::audit_mailbox)
            .read(read(AUDIT_HOSTINGS, "Audit mail hostings", "Every hosting's mail posture (MX, SPF, DKIM, DMARC, forwarding, catch-alls), with progress; findings name their fix.").category("audit").keywords(&["security", "spf", "dkim", "dmarc", "mx", "posture"]), audit::audit_hostings)
            .read(read(HOSTING_FULL, "Mail hosting details", "A mail hosting with preferences, mailbox count, redirections, lists."), hostings::get_mail_hosting_full)
            .read(read(MAILBOX_FULL, "Mailbox details", "A mailbox with every expansion (aliases, users, size, flags)."), mailboxes::get_full)
            .read(read(MAILING_LISTS, "List mailing lists", "A hosting's mailing lists."), hostings::list_mailing_lists)
            .read(read(SERVICE_AUTO_REPLIES, "List hosting auto-replies", "A hosting's shared auto-reply models."), hostings::list_service_auto_replies)
            .read(read(PREFERENCES, "Mail hosting preferences", "A hosting's spam, sender and permission defaults."), hostings::get_mail_preferences)
            .read(read(FILTER_MODELS, "List hosting filter models", "A hosting's filter models."), hostings::list_service_filter_models)
            .read(read(LIST_REDIRECTIONS, "List redirections", "A hosting's redirections (forwarding addresses)."), hostings::list_redirections)
            .write(ToolSpec::new(CREATE_MAILBOX, "Create mailbox", "Create a mailbox; its owner sets the password.").category(MB).undo(DELETE_MAILBOX), Effect::Write, locked!(mailboxes::plan_create), apply)
            .write(ToolSpec::new(DELETE_MAILBOX, "Offboard mailbox", "Offboard a mailbox: the plan lists the aliases, forwarding, filters, redirections that go.").category(MB).keywords(&["remove", "offboarding", "leaver"]), Effect::Destructive, locked!(mailboxes::plan_delete), apply)
            .write(ToolSpec::new(CREATE_ALIAS, "Add mailbox alias", "Add an alias address to a mailbox.").category(MB).idempotent(), Effect::Write, locked!(aliases::plan_create), apply)
            .write(ToolSpec::new(BLOCK_SENDER, "Block sender", "Block an address or @domain (leaves the authorized list).").category(MB).idempotent().undo(UNBLOCK_SENDER).keywords(&["spam"]), Effect::Write, locked!(security::plan_block), apply)
            .write(ToolSpec::new(UNBLOCK_SENDER, "Unblock sender", "Remove a sender from the blocked list.").category(MB).idempotent().undo(BLOCK_SENDER), Effect::Write, locked!(security::plan_unblock), apply)
            .write(ToolSpec::new(AUTHORIZE_SENDER, "Authorize sender", "Always accept an address or @domain (leaves the blocked list).").category(MB).idempotent().undo(UNAUTHORIZE_SENDER).keywords(&["whitelist", "allow"]), Effect::Write, locked!(security::plan_authorize), apply)
            .write(ToolSpec::new(UNAUTHORIZE_SENDER, "Unauthorize sender", "Remove a sender from the authorized list.").category(MB).idempotent().undo(AUTHORIZE_SENDER), Effect::Destructive, locked!(security::plan_unauthorize), apply)
            .write(ToolSpec::new(SPAM_POLICY, "Set spam policy", "Change a mailbox's spam settings or note.").category(MB).idempotent().keywords(&["spam"]), Effect::Write, locked!(security::plan_spam), apply)
            .write(ToolSpec::new(HARDEN, "Harden mailbox", "Turn on spam moving and commercial/social filtering.").category(MB).idempotent().keywords(&["spam", "security"]), Effect::Write, locked!(security::plan_harden), apply)
            .write(ToolSpec::new(FOLDERS, "Set special folders", "Set a mailbox's special folders.").category(MB).idempotent(), Effect::Write, locked!(security::plan_folders), apply)
            .write(ToolSpec::new(PURGE_SPAM, "Purge spam folder", "Delete every message of a mailbox's spam folder.").category(MB), Effect::Destructive, locked!(security::plan_purge_spam), apply)
            .write(ToolSpec::new(EMPTY_TRASH, "Empty trash", "Delete every message of a mailbox's trash.").category(MB), Effect::Destructive, locked!(security::plan_empty_trash), apply)
            .write(ToolSpec::new(CREATE_FILTER, "Create filter", "Add a filter: one condition, one action.").category(MB).undo(DELETE_FILTER).keywords(&["rule"]), Effect::Write, locked!(filters::plan_create), apply)
            .write(ToolSpec::new(UPDATE_FILTER, "Update filter", "Change a filter (by old_name); unset fields are kept.").category(MB).idempotent(), Effect::Write, locked!(filters::plan_update), apply)
            .write(ToolSpec::new(DELETE_FILTER, "Delete filter", "Delete a filter by name.").category(MB), Effect::Destructive, locked!(filters::plan_delete), apply)
            .write(ToolSpec::new(UPSERT_SCRIPT, "Create or update Sieve script", "Create a Sieve script, or update one given old_name.").category(MB).keywords(&["sieve"]), Effect::Write, locked!(filters::plan_upsert_script), apply)
            .write(ToolSpec::new(DELETE_SCRIPT, "Delete Sieve script", "Delete a Sieve script by name.").category(MB), Effect::Destructive, locked!(filters::plan_delete_script), apply)
            .write(ToolSpec::new(FILTER_LIFECYCLE, "Enable, disable or reorder filters", "Enable/disable a filter or script, or reorder filters.").category(MB).idempotent(), Effect::Write, locked!(filters::plan_lifecycle), apply)
            .write(ToolSpec::new(MANAGE_ALIASES, "Manage mailbox aliases", "A mailbox's aliases.").category(MB).idempotent(), Effect::Destructive, locked!(aliases::plan_manage), apply)
            .write(ToolSpec::new(MANAGE_FORWARDING, "Manage mailbox forwarding", "A mailbox's forwarding addresses.").category(MB).idempotent().keywords(&["redirect"]), Effect::Destructive, locked!(forwarding::plan), apply)
            .write(ToolSpec::new(MANAGE_AUTO_REPLY, "Manage auto-replies", "A mailbox's auto-reply models.").category(MB).keywords(&["vacation", "out", "office", "responder"]), Effect::Destructive, locked!(auto_reply::plan), apply)
            .write(ToolSpec::new(MANAGE_REDIRECTIONS, "Manage redirections", "Hosting redirections and their targets.").category(MB).idempotent(), Effect::Destructive, locked!(redirections::plan_manage), apply)
            .write(ToolSpec::new(CREATE_REDIRECTION, "Create redirection", "Create an address that forwards to targets.").category(MB).undo(DELETE_REDIRECTION), Effect::Write, locked!(redirections::plan_create), apply)
            .write(ToolSpec::new(DELETE_REDIRECTION, "Delete redirection", "Delete a redirection by name.").category(MB), Effect::Destructive, locked!(redirections::plan_delete), apply)
            .read(read(GET_SIGNATURES, "Mail signatures", "Signatures of a mailbox; templates of a mailbox or hosting."), access::get_signatures)
            .write(ToolSpec::new(MANAGE_SIGNATURES, "Manage signatures", "Signature and template writes; payload = API body.").category(MB), Effect::Destructive, locked!(access::plan_signatures), apply)
            .read(read(GET_WEBMAIL, "Webmail accesses", "Who can open a mailbox in webmail."), access::get_webmail)
            .write(ToolSpec::new(MANAGE_WEBMAIL, "Manage webmail access", "Grant, change, remove webmail access; invitations.").category(MB), Effect::Destructive, locked!(access::plan_webmail), apply)
            .read(read(GET_DEVICES, "Device accesses", "Devices connected to a mailbox, user or account."), access::get_devices)
            .write(ToolSpec::new(MANAGE_DEVICES, "Disconnect devices", "Disconnect one device or all of a user's.").category(MB).keywords(&["lost", "stolen", "phone"]), Effect::Destructive, locked!(access::plan_devices), apply)
            .read(read(GET_NEWSLETTER, "Newsletter groups and subscribers", "A domain's newsletter groups and subscribers.").category("newsletter").toolset("newsletter"), newsletter::get)
            .write(ToolSpec::new(MANAGE_NEWSLETTER, "Manage newsletter", "Newsletter group/subscriber writes; payload = API body.").category("newsletter").toolset("newsletter"), Effect::Destructive, locked!(newsletter::plan), apply)
            .write(ToolSpec::new(ROTATE_DKIM, "Check or rotate DKIM", "Check DKIM or rotate the hosting's DKIM key.").category(MB).keywords(&["dkim", "key"]), Effect::Destructive, locked!(dkim::plan), apply)
    }
}

ikmcp_pdk::export_plugin!(Mail);
