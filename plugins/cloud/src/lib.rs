//! The `cloud` plugin: Infomaniak Public Cloud — public clouds, projects, project users,
//! Database services (DBaaS) and Kubernetes services (KaaS), their catalogues and status.
//!
//! VPS exist only on the manager-private proxy: the two VPS tools use the
//! `infomaniak-manager` role (optional: without a session they say what to configure).
//! Passwords are never carried (project/user `create`, DBaaS `reset_password` are refused
//! with the route to use).

pub mod clouds;
pub mod projects;
pub mod scope;
pub mod services;
pub mod vps;

#[cfg(test)]
mod tests;

use ikmcp_pdk::roles::MANAGER;
use ikmcp_pdk::{Effect, INFOMANIAK_API, Plugin, PluginInfo, Registry, ToolSpec};
use scope::scoped;

/// The plugin, as exported to the host.
pub struct Cloud;

ikmcp_pdk::tool_names! {
    /// Public clouds of the account(s).
    LIST_CLOUDS = "infomaniak_list_public_clouds";
    /// One public cloud.
    GET_CLOUD = "infomaniak_get_public_cloud";
    /// Public clouds the user may administer.
    LIST_ACCESSES = "infomaniak_list_public_cloud_accesses";
    /// Public Cloud service status.
    STATUS = "infomaniak_get_public_cloud_status";
    /// Projects of a public cloud.
    LIST_PROJECTS = "infomaniak_list_public_cloud_projects";
    /// One project.
    GET_PROJECT = "infomaniak_get_public_cloud_project";
    /// Users of a project.
    LIST_USERS = "infomaniak_list_public_cloud_project_users";
    /// Database services.
    LIST_DBAAS = "infomaniak_list_public_cloud_database_services";
    /// One Database service.
    GET_DBAAS = "infomaniak_get_public_cloud_database_service";
    /// Kubernetes services.
    LIST_KAAS = "infomaniak_list_public_cloud_kubernetes_services";
    /// One Kubernetes service.
    GET_KAAS = "infomaniak_get_public_cloud_kubernetes_service";
    /// Catalogues: packs, versions, regions, config.
    RESOURCE_DATA = "infomaniak_list_public_cloud_resource_data";
    /// Creates, renames or deletes a project.
    MANAGE_PROJECT = "infomaniak_manage_public_cloud_project";
    /// Invites, changes or deletes a project user.
    MANAGE_USER = "infomaniak_manage_public_cloud_project_user";
    /// Creates, changes or deletes a Database service.
    MANAGE_DBAAS = "infomaniak_manage_public_cloud_database_service";
    /// Creates, changes or deletes a Kubernetes service.
    MANAGE_KAAS = "infomaniak_manage_public_cloud_kubernetes_service";
    /// VPS of the account(s) (manager session).
    LIST_VPS = "infomaniak_list_vps";
    /// One VPS, every expansion (manager session).
    GET_VPS = "infomaniak_get_vps_full";
}

const KW_CLOUD: &[&str] = &["openstack", "public cloud", "cloud"];

impl Plugin for Cloud {
    fn registry() -> Registry {
        let read = |name, title, description| {
            ToolSpec::new(name, title, description)
                .category("cloud")
                .keywords(KW_CLOUD)
        };
        Registry::new(PluginInfo {
            id: "cloud",
            version: env!("CARGO_PKG_VERSION"),
            description: "Infomaniak Public Cloud: projects, users, Database and Kubernetes services",
            roles: &[INFOMANIAK_API, MANAGER],
        })
        .read(read(LIST_CLOUDS, "List public clouds", "Public Cloud products, all pages. Start here for ids."), |c, a| scoped(clouds::list(c, a)))
        .read(read(GET_CLOUD, "Get public cloud", "One public cloud: price, project count, billing."), |c, a| scoped(clouds::get(c, a)))
        .read(read(LIST_ACCESSES, "List public cloud accesses", "Ids of the public clouds you may administer."), |c, a| scoped(clouds::accesses(c, a)))
        .read(read(STATUS, "Public Cloud status", "Infomaniak's Public Cloud incident and maintenance feed."), clouds::status)
        .read(read(LIST_PROJECTS, "List projects", "Projects of a public cloud, all pages."), |c, a| scoped(projects::list(c, a)))
        .read(read(GET_PROJECT, "Get project", "One project: status (follows async changes), users, tags."), |c, a| scoped(projects::get(c, a)))
        .read(read(LIST_USERS, "List project users", "OpenStack users of a project, all pages."), |c, a| scoped(projects::users(c, a)))
        .read(
            read(LIST_DBAAS, "List Database services", "DBaaS of a project, or account-wide.").keywords(&["dbaas", "mysql", "database"]),
            |c, a| scoped(services::list_dbaas(c, a)),
        )
        .read(
            read(GET_DBAAS, "Get Database service", "One DBaaS: status, pack, connection (no password), backups.").keywords(&["dbaas", "mysql", "database"]),
            |c, a| scoped(services::get_dbaas(c, a)),
        )
        .read(
            read(LIST_KAAS, "List Kubernetes services", "KaaS of a project, or account-wide.").keywords(&["kaas", "kubernetes", "k8s"]),
            |c, a| scoped(services::list_kaas(c, a)),
        )
        .read(
            read(GET_KAAS, "Get Kubernetes service", "One KaaS: version, pack, instances.").keywords(&["kaas", "kubernetes", "k8s"]),
            |c, a| scoped(services::get_kaas(c, a)),
        )
        .read(read(RESOURCE_DATA, "Public Cloud catalogues", "Packs, versions, regions, zones, account config."), |c, a| scoped(clouds::resource(c, a)))
        .write(
            ToolSpec::new(MANAGE_PROJECT, "Manage project", "Invite (create), rename or delete a project; delete lists what goes with it.")
                .category("cloud")
                .keywords(KW_CLOUD),
            Effect::Destructive,
            |c, a| scoped(projects::plan_project(c, a)),
            |c, a, p| scoped(projects::apply_project(c, a, p)),
        )
        .write(
            ToolSpec::new(MANAGE_USER, "Manage project user", "Invite, change or delete a project's OpenStack user.")
                .category("cloud")
                .keywords(KW_CLOUD),
            Effect::Destructive,
            |c, a| scoped(projects::plan_user(c, a)),
            |c, a, p| scoped(projects::apply_user(c, a, p)),
        )
        .write(
            ToolSpec::new(MANAGE_DBAAS, "Manage Database service", "Create, resize or delete a DBaaS; delete lists the backups lost.")
                .category("cloud")
                .keywords(&["dbaas", "mysql", "database"]),
            Effect::Destructive,
            |c, a| scoped(services::plan_dbaas(c, a)),
            |c, a, p| scoped(services::apply_dbaas(c, a, p)),
        )
        .write(
            ToolSpec::new(MANAGE_KAAS, "Manage Kubernetes service", "Create, upgrade or delete a KaaS cluster.")
                .category("cloud")
                .keywords(&["kaas", "kubernetes", "k8s"]),
            Effect::Destructive,
            |c, a| scoped(services::plan_kaas(c, a)),
            |c, a, p| scoped(services::apply_kaas(c, a, p)),
        )
        .read(
            ToolSpec::new(LIST_VPS, "List VPS", "VPS (Cloud Servers) of the account(s); needs the manager session.")
                .category("cloud")
                .keywords(&["vps", "server", "cloud server"]),
            vps::list,
        )
        .read(
            ToolSpec::new(GET_VPS, "Get VPS", "One VPS: IPs, CPU, RAM, disk, OS, state; needs the manager session.")
                .category("cloud")
                .keywords(&["vps", "server", "cloud server"]),
            vps::get_full,
        )
    }
}

ikmcp_pdk::export_plugin!(Cloud);
