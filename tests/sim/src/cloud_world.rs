//! The Public Cloud part of the tenant: public clouds, their projects, project users,
//! Database services (DBaaS) and Kubernetes services (KaaS), and how they are seeded.
//!
//! Seeding draws from its own ChaCha8 stream (the tenant seed mixed with a constant), so
//! adding cloud data never shifts what the other domains generate. At `fleet` scale every
//! list the cloud plugin reads needs several pages of 100: account 1 has 101 public clouds,
//! its first cloud 130 projects, its first project 120 users, and the global DBaaS and KaaS
//! lists hold more than 100 services.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::seed::{REFERENCE_TIME, Scale};

/// Every public cloud of the tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CloudWorld {
    /// Public cloud products.
    pub clouds: Vec<PublicCloud>,
}

/// One public cloud product (`service_name: public_cloud`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicCloud {
    /// Product id, also `public_cloud_id`.
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Product name.
    pub customer_name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Projects.
    pub projects: Vec<Project>,
}

/// One OpenStack project of a public cloud.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    /// `public_cloud_project_id`.
    pub id: u64,
    /// Name.
    pub name: String,
    /// `ok`, `creating`, `updating`, `deleting`…
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// Tags `(id, name)`; an `owner:` tag names who answers for the project.
    pub tags: Vec<(u64, String)>,
    /// Users.
    pub users: Vec<CloudUser>,
    /// Database services.
    pub dbaas: Vec<Dbaas>,
    /// Kubernetes services.
    pub kaas: Vec<Kaas>,
}

/// One OpenStack user of a project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloudUser {
    /// `public_cloud_user_id`.
    pub id: u64,
    /// Description.
    pub description: String,
    /// Invited e-mail, if any.
    pub email: Option<String>,
    /// Status.
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// One Database service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dbaas {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// `mysql`…
    pub r#type: String,
    /// Engine version.
    pub version: String,
    /// Region, e.g. `dc4-a`.
    pub region: String,
    /// `ready`, `initializing`…
    pub status: String,
    /// Pack id.
    pub pack_id: u64,
    /// Backups taken `(id, created_at)`.
    pub backups: Vec<(String, i64)>,
    /// Times its root password was reset (`GET …/reset_password`): the current password
    /// is derived from it ([`Dbaas::root_password`]).
    pub password_resets: u32,
}

impl Dbaas {
    /// The current root password: a new one after each reset.
    pub fn root_password(&self) -> String {
        format!(
            "Db{:x}R{}",
            self.id.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            self.password_resets
        )
    }
}

/// One Kubernetes service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kaas {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Kubernetes version.
    pub kubernetes_version: String,
    /// `Active`, `Creating`…
    pub status: String,
    /// Pack id.
    pub pack_id: u64,
    /// Worker instances running.
    pub instances: u64,
}

/// DBaaS packs `(id, type, name, cpu, ram GiB, storage GiB)`.
pub const DBAAS_PACKS: &[(u64, &str, &str, u64, u64, u64)] = &[
    (1, "mysql", "essential-db-4", 1, 4, 80),
    (2, "mysql", "business-db-8", 2, 8, 160),
    (3, "mysql", "enterprise-db-16", 4, 16, 320),
];
/// KaaS packs `(id, name)`.
pub const KAAS_PACKS: &[(u64, &str)] = &[(1, "shared"), (2, "dedicated")];
/// Kubernetes versions offered.
pub const KAAS_VERSIONS: &[&str] = &["1.29", "1.30", "1.31"];
/// Regions of both services.
pub const REGIONS: &[&str] = &["dc3-a", "dc4-a"];
/// DBaaS engine versions by type.
pub const DB_VERSIONS: &[&str] = &["8.0.42", "8.4.5"];

/// Fills the cloud part of the tenant for `accounts`.
pub fn seed(seed: u64, scale: Scale, accounts: &[u64]) -> CloudWorld {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xC10D_C10D);
    let fleet = scale == Scale::Fleet;
    let mut world = CloudWorld::default();
    let mut next = 7_000_000u64;
    let mut id = || {
        next += 1;
        next
    };
    for (ai, &account_id) in accounts.iter().enumerate() {
        let clouds = if fleet && ai == 0 { 101 } else { 1 };
        for ci in 0..clouds {
            let big = ai == 0 && ci == 0;
            let projects = match (fleet, big) {
                (true, true) => 130,
                (true, false) => usize::from(ci % 3 == 0),
                (false, _) => 3,
            };
            let mut cloud = PublicCloud {
                id: id(),
                account_id,
                customer_name: format!("Public Cloud {}-{}", ai + 1, ci + 1),
                created_at: REFERENCE_TIME - rng.random_range(30..900) * 86_400,
                projects: Vec::new(),
            };
            for pi in 0..projects {
                let created_at = REFERENCE_TIME - rng.random_range(1..600) * 86_400;
                let users = if big && pi == 0 && fleet {
                    120
                } else {
                    2 + pi % 3
                };
                let mut project = Project {
                    id: id(),
                    name: format!("project-{}-{}", ci + 1, pi + 1),
                    status: "ok".into(),
                    created_at,
                    updated_at: created_at + 86_400,
                    // Every third project has no owner tag (the overview reports it).
                    tags: if pi % 3 == 2 {
                        vec![]
                    } else {
                        vec![(9_000 + pi as u64, format!("owner:team-{}", pi % 4))]
                    },
                    users: Vec::new(),
                    dbaas: Vec::new(),
                    kaas: Vec::new(),
                };
                for ui in 0..users {
                    project.users.push(CloudUser {
                        id: id(),
                        description: format!("user {} of {}", ui + 1, project.name),
                        email: None,
                        status: "ok".into(),
                        created_at: created_at + ui as i64 * 3_600,
                    });
                }
                let with_db = !fleet || big;
                if with_db {
                    let pack = DBAAS_PACKS[pi % DBAAS_PACKS.len()];
                    let backups = (0..2)
                        .map(|b| {
                            (
                                format!("bk-{}-{b}", project.id),
                                REFERENCE_TIME - (b + 1) * 86_400,
                            )
                        })
                        .collect();
                    project.dbaas.push(Dbaas {
                        id: id(),
                        name: format!("db-{}", pi + 1),
                        r#type: pack.1.into(),
                        version: DB_VERSIONS[pi % 2].into(),
                        region: REGIONS[pi % 2].into(),
                        status: if pi % 7 == 6 { "initializing" } else { "ready" }.into(),
                        pack_id: pack.0,
                        backups,
                        password_resets: 0,
                    });
                }
                if with_db && pi % 2 == 0 || !fleet {
                    project.kaas.push(Kaas {
                        id: id(),
                        name: format!("k8s-{}", pi + 1),
                        region: REGIONS[pi % 2].into(),
                        kubernetes_version: KAAS_VERSIONS[pi % 3].into(),
                        status: "Active".into(),
                        pack_id: KAAS_PACKS[pi % 2].0,
                        instances: 3,
                    });
                }
                if big && fleet && pi < 80 {
                    // A second service of each kind, so both global lists pass 100.
                    let mut extra = project.kaas.first().cloned();
                    if let Some(k) = extra.as_mut() {
                        k.id = id();
                        k.name = format!("{}-b", k.name);
                        project.kaas.push(k.clone());
                    }
                }
                cloud.projects.push(project);
            }
            world.clouds.push(cloud);
        }
    }
    world
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_fleet_lists_need_several_pages() {
        assert_eq!(
            seed(3, Scale::Fleet, &[1, 2, 3]),
            seed(3, Scale::Fleet, &[1, 2, 3])
        );
        let w = seed(3, Scale::Fleet, &[1, 2, 3]);
        assert!(w.clouds.iter().filter(|c| c.account_id == 1).count() > 100);
        let big = &w.clouds[0];
        assert!(big.projects.len() > 100);
        assert!(big.projects[0].users.len() > 100);
        let dbaas: usize = w
            .clouds
            .iter()
            .flat_map(|c| &c.projects)
            .map(|p| p.dbaas.len())
            .sum();
        let kaas: usize = w
            .clouds
            .iter()
            .flat_map(|c| &c.projects)
            .map(|p| p.kaas.len())
            .sum();
        assert!(dbaas > 100 && kaas > 100, "{dbaas} {kaas}");
        let small = seed(3, Scale::Small, &[1]);
        assert_eq!(small.clouds.len(), 1);
        assert!(
            small.clouds[0]
                .projects
                .iter()
                .all(|p| !p.dbaas.is_empty() && !p.kaas.is_empty())
        );
    }
}
