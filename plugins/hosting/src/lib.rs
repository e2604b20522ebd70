//! The `hosting` plugin: Infomaniak web hosting — hostings, sites, aliases, certificates,
//! databases and their users, FTP/SSH users, Node.js apps, site provisioning and a
//! hosting audit. Public API (Bearer) for reads and the writes that work there; the
//! manager proxy (session held by the host) for the writes the public API silently
//! ignores (Q1, Q2) and the products only the manager serves (aliases, Node.js).

pub mod audit;
pub mod certificates;
pub mod common;
pub mod databases;
pub mod find;
pub mod hostings;
pub mod nodejs;
pub mod provision;
pub mod sites;
pub mod users;

#[cfg(test)]
mod tests;

use ikmcp_pdk::{Effect, INFOMANIAK_API, Plugin, PluginInfo, Registry, ToolSpec};

use crate::common::MANAGER;

/// The plugin, as exported to the host.
pub struct Hosting;

ikmcp_pdk::tool_names! {
    /// Web and Node.js hostings.
    LIST_HOSTINGS = "infomaniak_list_hostings";
    /// The site serving a name.
    FIND_SITE = "infomaniak_find_site";
    /// The manager's full domain.
    GET_DOMAIN_FULL = "infomaniak_get_domain_full";
    /// Sites of a hosting.
    LIST_SITES = "infomaniak_list_sites";
    /// Creates a site.
    CREATE_SITE = "infomaniak_create_site";
    /// Deletes a site.
    DELETE_SITE = "infomaniak_delete_site";
    /// Aliases of a site.
    LIST_SITE_ALIASES = "infomaniak_list_site_aliases";
    /// Adds aliases.
    ADD_SITE_ALIASES = "infomaniak_add_site_aliases";
    /// Removes an alias.
    DELETE_SITE_ALIAS = "infomaniak_delete_site_alias";
    /// A site's certificate.
    GET_CERTIFICATE = "infomaniak_get_certificate";
    /// Installs a certificate.
    REQUEST_CERTIFICATE = "infomaniak_request_certificate";
    /// Removes a certificate.
    DELETE_CERTIFICATE = "infomaniak_delete_certificate";
    /// Databases.
    LIST_DATABASES = "infomaniak_list_databases";
    /// One database.
    GET_DATABASE = "infomaniak_get_database";
    /// Creates a database.
    CREATE_DATABASE = "infomaniak_create_database";
    /// Deletes a database.
    DELETE_DATABASE = "infomaniak_delete_database";
    /// Database users.
    LIST_DATABASE_USERS = "infomaniak_list_database_users";
    /// One database user.
    GET_DATABASE_USER = "infomaniak_get_database_user";
    /// Rotates a database user's password, keeping its grants.
    CHANGE_DATABASE_USER_PASSWORD = "infomaniak_change_database_user_password";
    /// Sets a database user's grants.
    CHANGE_DATABASE_USER_PERMISSIONS = "infomaniak_change_database_user_permissions";
    /// FTP/SSH users.
    LIST_HOSTING_USERS = "infomaniak_list_hosting_users";
    /// Creates an FTP/SSH user.
    CREATE_HOSTING_USER = "infomaniak_create_hosting_user";
    /// Deletes an FTP/SSH user.
    DELETE_HOSTING_USER = "infomaniak_delete_hosting_user";
    /// Changes an FTP/SSH user's password.
    CHANGE_HOSTING_USER_PASSWORD = "infomaniak_change_hosting_user_password";
    /// Switches an FTP/SSH user between SFTP only and SSH.
    CHANGE_HOSTING_USER_CONNECTION_TYPE = "infomaniak_change_hosting_user_connection_type";
    /// Node.js apps of a Node.js hosting.
    LIST_NODEJS_APPS = "infomaniak_list_nodejs_apps";
    /// One Node.js app.
    GET_NODEJS_APP = "infomaniak_get_nodejs_app";
    /// Running or stopped.
    NODEJS_APP_STATUS = "infomaniak_nodejs_app_status";
    /// A Node.js app's names.
    NODEJS_APP_ALIASES = "infomaniak_nodejs_app_aliases";
    /// A Node.js app's build jobs.
    NODEJS_APP_JOBS = "infomaniak_nodejs_app_jobs";
    /// A Node.js app's log stream.
    NODEJS_APP_LOGS = "infomaniak_nodejs_app_logs";
    /// A Node.js app's screenshot.
    NODEJS_APP_THUMBNAIL = "infomaniak_nodejs_app_thumbnail";
    /// Starts, stops, restarts or builds a Node.js app.
    NODEJS_APP_ACTION = "infomaniak_nodejs_app_action";
    /// Site + database + DNS in one plan.
    PROVISION_SITE_FULL = "infomaniak_provision_site_full";
    /// Hosting posture audit.
    AUDIT_HOSTING = "infomaniak_audit_hosting";
}

impl Plugin for Hosting {
    fn registry() -> Registry {
        Registry::new(PluginInfo {
            id: "hosting",
            version: env!("CARGO_PKG_VERSION"),
            description: "Infomaniak web hosting: sites, aliases, SSL, databases, FTP/SSH users, Node.js, provisioning, audit",
            roles: &[INFOMANIAK_API, MANAGER],
        })
        .read(ToolSpec::new(LIST_HOSTINGS, "List hostings", "Every web and Node.js hosting (ids for the other tools).").category("hosting").keywords(&["web", "nodejs"]), hostings::list)
        .read(ToolSpec::new(FIND_SITE, "Find site", "The site and hosting serving a domain name.").category("hosting").keywords(&["which", "where", "website"]), find::find)
        .read(ToolSpec::new(GET_DOMAIN_FULL, "Get domain (full)", "Everything the manager shows about a domain.").category("domain").keywords(&["whois", "registration"]), hostings::domain_full)
        .read(ToolSpec::new(LIST_SITES, "List sites", "Every site of a hosting, with WordPress apps.").category("hosting").keywords(&["website", "wordpress"]), sites::list)
        .write(ToolSpec::new(CREATE_SITE, "Create site", "Create a site; applied only once it exists.").category("hosting").undo(DELETE_SITE).keywords(&["website", "new"]), Effect::Write, sites::plan_create, sites::apply_create)
        .write(ToolSpec::new(DELETE_SITE, "Delete site", "Delete a site and its files.").category("hosting").keywords(&["website", "remove"]), Effect::Destructive, sites::plan_delete, sites::apply_delete)
        .read(ToolSpec::new(LIST_SITE_ALIASES, "List site aliases", "The names a site answers to.").category("hosting").keywords(&["domain", "www"]), sites::list_aliases)
        .write(ToolSpec::new(ADD_SITE_ALIASES, "Add site aliases", "Add names (wildcards too) to a site.").category("hosting").undo(DELETE_SITE_ALIAS).keywords(&["domain", "www"]), Effect::Write, sites::plan_add_aliases, sites::apply_add_aliases)
        .write(ToolSpec::new(DELETE_SITE_ALIAS, "Delete site alias", "Remove one alias of a site.").category("hosting").keywords(&["domain"]), Effect::Destructive, sites::plan_delete_alias, sites::apply_delete_alias)
        .read(ToolSpec::new(GET_CERTIFICATE, "Get certificate", "A site's SSL certificate: status, issuer, expiry.").category("hosting").keywords(&["ssl", "https", "tls"]), certificates::get)
        .write(ToolSpec::new(REQUEST_CERTIFICATE, "Request certificate", "Install a free, paid or custom SSL certificate.").category("hosting").keywords(&["ssl", "https", "lets encrypt"]), Effect::Write, certificates::plan_request, certificates::apply_request)
        .write(ToolSpec::new(DELETE_CERTIFICATE, "Delete certificate", "Remove a site's certificate (HTTP only).").category("hosting").keywords(&["ssl", "https"]), Effect::Destructive, certificates::plan_delete, certificates::apply_delete)
        .read(ToolSpec::new(LIST_DATABASES, "List databases", "Every database: size, grants, backups.").category("database").keywords(&["mysql"]), databases::list)
        .read(ToolSpec::new(GET_DATABASE, "Get database", "One database.").category("database").keywords(&["mysql"]), databases::get)
        .write(ToolSpec::new(CREATE_DATABASE, "Create database", "Create a database; applied only once it exists.").category("database").undo(DELETE_DATABASE).keywords(&["mysql", "new"]), Effect::Write, databases::plan_create, databases::apply_create)
        .write(ToolSpec::new(DELETE_DATABASE, "Delete database", "Delete a database and its data.").category("database").keywords(&["mysql", "drop"]), Effect::Destructive, databases::plan_delete, databases::apply_delete)
        .read(ToolSpec::new(LIST_DATABASE_USERS, "List database users", "Every database user and its grants.").category("database").keywords(&["mysql"]), databases::list_users)
        .read(ToolSpec::new(GET_DATABASE_USER, "Get database user", "One database user.").category("database").keywords(&["mysql"]), databases::get_user)
        .write(ToolSpec::new(CHANGE_DATABASE_USER_PASSWORD, "Change database user password", "Rotate a password, keeping the grants.").category("database").keywords(&["mysql", "rotate"]), Effect::Destructive, databases::plan_password, databases::apply_password)
        .write(ToolSpec::new(CHANGE_DATABASE_USER_PERMISSIONS, "Change database user grants", "Set a user's whole database access.").category("database").keywords(&["mysql", "grant", "revoke"]), Effect::Destructive, databases::plan_permissions, databases::apply_permissions)
        .read(ToolSpec::new(LIST_HOSTING_USERS, "List FTP/SSH users", "Every FTP/SSH user of a hosting.").category("ftp").keywords(&["sftp", "ssh"]), users::list)
        .write(ToolSpec::new(CREATE_HOSTING_USER, "Create FTP/SSH user", "Create an SFTP-only or SSH user.").category("ftp").undo(DELETE_HOSTING_USER).keywords(&["sftp", "ssh"]), Effect::Write, users::plan_create, users::apply_create)
        .write(ToolSpec::new(DELETE_HOSTING_USER, "Delete FTP/SSH user", "Delete an FTP/SSH user.").category("ftp").keywords(&["sftp", "ssh", "revoke"]), Effect::Destructive, users::plan_delete, users::apply_delete)
        .write(ToolSpec::new(CHANGE_HOSTING_USER_PASSWORD, "Change FTP/SSH password", "Set an FTP/SSH user's password.").category("ftp").keywords(&["sftp", "ssh", "rotate"]), Effect::Destructive, users::plan_password, users::apply_password)
        .write(ToolSpec::new(CHANGE_HOSTING_USER_CONNECTION_TYPE, "Change FTP/SSH access", "Switch a user between SFTP only and SSH.").category("ftp").idempotent().keywords(&["sftp", "ssh", "shell"]), Effect::Write, users::plan_connection, users::apply_connection)
        .read(ToolSpec::new(LIST_NODEJS_APPS, "List Node.js apps", "The apps of a Node.js hosting.").category("hosting").toolset("nodejs").keywords(&["node"]), nodejs::list)
        .read(ToolSpec::new(GET_NODEJS_APP, "Get Node.js app", "Version, commands, port, IPs, storage.").category("hosting").toolset("nodejs").keywords(&["node"]), nodejs::app)
        .read(ToolSpec::new(NODEJS_APP_STATUS, "Node.js app status", "Running or Stopped.").category("hosting").toolset("nodejs").keywords(&["node"]), nodejs::status)
        .read(ToolSpec::new(NODEJS_APP_ALIASES, "Node.js app names", "The names a Node.js app answers to.").category("hosting").toolset("nodejs").keywords(&["node", "domain"]), nodejs::aliases)
        .read(ToolSpec::new(NODEJS_APP_JOBS, "Node.js app jobs", "Build jobs and their status.").category("hosting").toolset("nodejs").keywords(&["node", "build"]), nodejs::jobs)
        .read(ToolSpec::new(NODEJS_APP_LOGS, "Node.js app logs", "Log stream URL and its short-lived token.").category("hosting").toolset("nodejs").keywords(&["node", "log"]), nodejs::logs)
        .read(ToolSpec::new(NODEJS_APP_THUMBNAIL, "Node.js app screenshot", "A screenshot of the app (data URL).").category("hosting").toolset("nodejs").keywords(&["node"]), nodejs::thumbnail)
        .write(ToolSpec::new(NODEJS_APP_ACTION, "Node.js app action", "Start, stop, restart or build an app.").category("hosting").toolset("nodejs").keywords(&["node", "deploy"]), Effect::Write, nodejs::plan_action, nodejs::apply_action)
        .write(ToolSpec::new(PROVISION_SITE_FULL, "Provision site", "Site, database and DNS A/AAAA in one plan.").category("workflow").keywords(&["website", "new", "setup"]), Effect::Write, provision::plan, provision::apply)
        .read(ToolSpec::new(AUDIT_HOSTING, "Audit hosting", "Expiring or failing SSL, PHP/WordPress versions, old backups, SSH users.").category("audit").keywords(&["check", "security", "review"]), audit::audit)
    }
}

ikmcp_pdk::export_plugin!(Hosting);
