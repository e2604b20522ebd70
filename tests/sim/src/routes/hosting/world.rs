//! The web hosting side of the tenant's world that the shared `State` does not hold:
//! databases, database users, FTP/SSH users, site aliases, certificate errors, Node.js
//! apps, the hostings busy with an operation, and the quirk switch. Seeded
//! deterministically from the simulator seed (see [`seed`]).

use std::collections::BTreeSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::seed::{REFERENCE_TIME, Scale};
use crate::state::{Product, Site, State as World};

/// Service id of Node.js hostings (`hosting_3`), infomaniak-api.md §7.1 (MOGA).
pub const NODEJS_SERVICE_ID: u64 = 57;

/// Everything of web hosting the shared state does not model.
#[derive(Debug, Clone, PartialEq)]
pub struct HostingWorld {
    /// MySQL databases.
    pub databases: Vec<Database>,
    /// Database users.
    pub db_users: Vec<DbUser>,
    /// FTP/SSH users.
    pub ftp_users: Vec<FtpUser>,
    /// Site aliases `(site_id, fqdn)`.
    pub aliases: Vec<(u64, String)>,
    /// Sites whose certificate is in error.
    pub cert_errors: BTreeSet<u64>,
    /// Node.js apps (`hosting_3` products).
    pub nodejs: Vec<NodeApp>,
    /// Hostings (or Node.js sites) with a write in progress: a second write answers
    /// `400 operation_in_progress` (peer-agent-mcp.md §4 "Concurrent POSTs on the same hosting").
    pub busy: BTreeSet<u64>,
    /// How long one write holds its hosting busy, in milliseconds.
    pub op_ms: u64,
    /// Quirks Q1 and Q2 of infomaniak-api.md §8 (silent no-op creates, password PATCH
    /// wiping grants). On by default, as Infomaniak behaves; off to test a client against
    /// an API without them.
    pub quirks: bool,
    /// Last `progress_id` handed out.
    pub progress: u64,
}

impl Default for HostingWorld {
    fn default() -> Self {
        HostingWorld {
            databases: Vec::new(),
            db_users: Vec::new(),
            ftp_users: Vec::new(),
            aliases: Vec::new(),
            cert_errors: BTreeSet::new(),
            nodejs: Vec::new(),
            busy: BTreeSet::new(),
            op_ms: 200,
            quirks: true,
            progress: 0,
        }
    }
}

/// A MySQL database of a hosting (name carries the hosting prefix).
#[derive(Debug, Clone, PartialEq)]
pub struct Database {
    /// Hosting id.
    pub hosting_id: u64,
    /// Full (prefixed) name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Bytes.
    pub disk_used: u64,
    /// Backup times (unix seconds), newest first.
    pub backups: Vec<i64>,
    /// WordPress site using it, if any: `(application id, site fqdn)`.
    pub application: Option<(String, String)>,
}

/// Rights of a database user on one database.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rights {
    /// SELECT.
    pub read: bool,
    /// INSERT/UPDATE/DELETE.
    pub write: bool,
    /// DDL.
    pub admin: bool,
}

/// A database user.
#[derive(Debug, Clone, PartialEq)]
pub struct DbUser {
    /// Hosting id.
    pub hosting_id: u64,
    /// Full (prefixed) name.
    pub name: String,
    /// Grants per database name.
    pub permissions: Vec<(String, Rights)>,
    /// Applications using the user `(id, type, name)`.
    pub applications: Vec<(String, String)>,
    /// Bumped on every password change (the tenant never keeps a password).
    pub password_version: u32,
}

/// An FTP/SSH user of a hosting.
#[derive(Debug, Clone, PartialEq)]
pub struct FtpUser {
    /// Hosting id.
    pub hosting_id: u64,
    /// Full (prefixed) login.
    pub login: String,
    /// `ftp` (SFTP only) or `ssh`.
    pub connection_type: String,
    /// Home directory, `/` = the hosting root.
    pub home_directory: String,
    /// Whether it can log in.
    pub is_active: bool,
    /// Bumped on every password change.
    pub password_version: u32,
}

/// One job (build) of a Node.js app.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeJob {
    /// Job id.
    pub resource_id: u64,
    /// `running`, `success`, `failed`.
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A Node.js app: a `hosting_3` product (the site id of the manager routes, Q20) with one
/// WebApp feature and its VhostRoute.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeApp {
    /// The `hosting_3` product id: the id the manager routes are keyed by.
    pub site_id: u64,
    /// The parent web hosting id (the routes answer 403 when given this one).
    pub parent_hosting_id: u64,
    /// Owning account.
    pub account_id: u64,
    /// WebApp feature id.
    pub webapp_id: u64,
    /// VhostRoute feature id.
    pub vhost_route_id: u64,
    /// Main FQDN.
    pub fqdn: String,
    /// `Running` or `Stopped`.
    pub status: String,
    /// Node major version.
    pub version: String,
    /// Start command.
    pub start_command: String,
    /// Build command.
    pub build_command: String,
    /// Listening port.
    pub port: u16,
    /// Builds.
    pub jobs: Vec<NodeJob>,
    /// Names the app's VhostRoute answers to besides `fqdn`.
    pub aliases: Vec<String>,
}

const DAY: i64 = 86_400;

/// Sites the fleet's first hosting gets on top of the 200 `seed::generate` spreads over the
/// 46 hostings, so that its site list needs two pages of 100 and a scan for a site by name
/// costs more than one request per hosting.
pub const FLEET_EXTRA_SITES: usize = 130;

/// Aliases of the first site of the fleet's first hosting, and names of the first Node.js
/// app's VhostRoute: more than one page of 100.
const FLEET_ALIASES: usize = 120;

/// Builds of the fleet's first Node.js app: more than one page of 100.
const FLEET_JOBS: usize = 105;

/// Gives the fleet's first hosting [`FLEET_EXTRA_SITES`] more sites
/// (`client000.<a domain of its account>`...), with the SSL, WordPress and PHP mix of the
/// others.
fn paging_sites(state: &mut World, rng: &mut ChaCha8Rng) {
    let Some((hid, acc)) = state.web_hostings.first().map(|h| (h.id, h.account_id)) else {
        return;
    };
    let domain = state
        .domains
        .iter()
        .find(|d| d.account_id == acc)
        .map_or_else(|| "example.ch".to_string(), |d| d.name.clone());
    for n in 0..FLEET_EXTRA_SITES {
        let fqdn = format!("client{n:03}.{domain}");
        let ssl = ["free", "free", "paid", "disabled"][n % 4];
        let id = state.next_id();
        state.sites.push(Site {
            id,
            hosting_id: hid,
            account_id: acc,
            directory: format!("/sites/{fqdn}"),
            main_fqdn: fqdn,
            ssl_status: ssl.into(),
            ssl_expired_at: if ssl == "disabled" {
                0
            } else {
                REFERENCE_TIME + rng.random_range(-5..90) * DAY
            },
            wordpress_version: (n % 3 == 0).then(|| format!("6.{}.0", rng.random_range(2..9))),
            php_version: ["8.1", "8.2", "8.3"][n % 3].into(),
        });
    }
}

/// Seeds the hosting world over the hostings and sites `seed::generate` made: a few
/// databases, users and aliases per hosting, and at fleet scale one hosting with more of
/// each than one page (100) holds.
pub fn seed(state: &mut World, seed: u64, scale: Scale) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4057_1e55);
    let mut hw = HostingWorld::default();
    let fleet = scale == Scale::Fleet;
    if fleet {
        paging_sites(state, &mut rng);
    }
    let hostings: Vec<(u64, u64, String)> = state
        .web_hostings
        .iter()
        .map(|h| (h.id, h.account_id, h.prefix.clone()))
        .collect();
    for (i, (hid, _, prefix)) in hostings.iter().enumerate() {
        let sites: Vec<(u64, String, bool)> = state
            .sites
            .iter()
            .filter(|s| s.hosting_id == *hid)
            .map(|s| (s.id, s.main_fqdn.clone(), s.wordpress_version.is_some()))
            .collect();
        let extra = if i == 0 && scale == Scale::Fleet {
            120
        } else {
            rng.random_range(1..4)
        };
        let mut names = Vec::new();
        for (sid, fqdn, wp) in &sites {
            if *wp {
                names.push((
                    format!("{prefix}wp{sid}"),
                    Some((sid.to_string(), fqdn.clone())),
                ));
            }
        }
        for n in 0..extra {
            names.push((format!("{prefix}db{n:03}"), None));
        }
        for (n, (name, app)) in names.into_iter().enumerate() {
            let backups = match n % 4 {
                3 => vec![],
                2 => vec![REFERENCE_TIME - 40 * DAY],
                _ => (0..3).map(|d| REFERENCE_TIME - (d + 1) * DAY).collect(),
            };
            hw.db_users.push(DbUser {
                hosting_id: *hid,
                name: name.clone(),
                permissions: vec![(
                    name.clone(),
                    Rights {
                        read: true,
                        write: true,
                        admin: n % 3 != 2,
                    },
                )],
                applications: app
                    .as_ref()
                    .map(|(id, fqdn)| vec![(id.clone(), fqdn.clone())])
                    .unwrap_or_default(),
                password_version: 0,
            });
            hw.databases.push(Database {
                hosting_id: *hid,
                description: if app.is_some() {
                    "WordPress".into()
                } else {
                    String::new()
                },
                name,
                disk_used: rng.random_range(1..500) * 1_048_576,
                backups,
                application: app,
            });
        }
        let ftp = if i == 0 && scale == Scale::Fleet {
            110
        } else {
            2
        };
        for n in 0..ftp {
            hw.ftp_users.push(FtpUser {
                hosting_id: *hid,
                login: if n == 0 {
                    format!("{prefix}admin")
                } else {
                    format!("{prefix}dev{n:03}")
                },
                connection_type: if n % 2 == 1 { "ssh" } else { "ftp" }.into(),
                home_directory: if n == 0 {
                    "/".into()
                } else {
                    format!("/sites/dev{n}")
                },
                is_active: true,
                password_version: 0,
            });
        }
        if i == 0
            && fleet
            && let Some((sid, fqdn, _)) = sites.first()
        {
            hw.aliases
                .extend((0..FLEET_ALIASES).map(|n| (*sid, format!("alias{n:03}.{fqdn}"))));
        }
        for (sid, fqdn, _) in &sites {
            if rng.random_bool(0.5) {
                hw.aliases.push((*sid, format!("www.{fqdn}")));
            }
            if rng.random_bool(0.1) {
                hw.cert_errors.insert(*sid);
            }
        }
    }
    let apps = match scale {
        Scale::Small => 1,
        Scale::Fleet => 4,
    };
    for n in 0..apps.min(hostings.len()) {
        let (hid, acc, _) = hostings[n * 3 % hostings.len()].clone();
        let fqdn = format!(
            "node{n}.{}",
            state
                .domains
                .iter()
                .find(|d| d.account_id == acc)
                .map_or("example.ch", |d| d.name.as_str())
        );
        let site_id = state.next_id();
        let webapp_id = state.next_id();
        let vhost_route_id = state.next_id();
        state.products.push(Product {
            id: site_id,
            account_id: acc,
            service_id: NODEJS_SERVICE_ID,
            service_name: "hosting_3".into(),
            customer_name: fqdn.clone(),
            internal_name: format!("hosting_3-{site_id}"),
            created_at: REFERENCE_TIME - 100 * DAY,
            expired_at: REFERENCE_TIME + 265 * DAY,
            tags: vec![],
            is_free: false,
            is_trial: false,
        });
        hw.nodejs.push(NodeApp {
            site_id,
            parent_hosting_id: hid,
            account_id: acc,
            webapp_id,
            vhost_route_id,
            status: if n % 2 == 0 { "Running" } else { "Stopped" }.into(),
            version: "20".into(),
            start_command: "node server.js".into(),
            build_command: "npm ci && npm run build".into(),
            port: 3000,
            jobs: (0..if n == 0 && fleet { FLEET_JOBS } else { 1 })
                .map(|k| NodeJob {
                    resource_id: vhost_route_id * 1000 + k as u64,
                    status: if k % 10 == 9 { "failed" } else { "success" }.into(),
                    created_at: REFERENCE_TIME - (k as i64 + 2) * DAY,
                })
                .collect(),
            aliases: (0..if n == 0 && fleet { FLEET_ALIASES } else { 0 })
                .map(|k| format!("www{k:03}.{fqdn}"))
                .collect(),
            fqdn,
        });
    }
    state.hosting = hw;
}

#[cfg(test)]
mod tests {
    use crate::seed::{Scale, generate};

    #[test]
    fn the_fleet_has_a_hosting_a_site_and_an_app_whose_lists_need_several_pages() {
        let w = generate(7, Scale::Fleet);
        let first = w.web_hostings[0].id;
        let on = |hid: u64| w.sites.iter().filter(|s| s.hosting_id == hid).count();
        assert!(on(first) > super::FLEET_EXTRA_SITES);
        assert!(on(first) > 100, "sites of one hosting span two pages");
        let names: std::collections::HashSet<_> = w.sites.iter().map(|s| &s.main_fqdn).collect();
        assert_eq!(names.len(), w.sites.len(), "site names are unique");
        let site = w.sites.iter().find(|s| s.hosting_id == first).unwrap().id;
        assert!(w.hosting.aliases.iter().filter(|(s, _)| *s == site).count() > 100);
        let app = &w.hosting.nodejs[0];
        assert!(app.jobs.len() > 100 && app.aliases.len() > 100);
        for other in w.web_hostings.iter().skip(1) {
            assert!(on(other.id) < 100, "only the first hosting pages");
        }
        let small = generate(7, Scale::Small);
        assert!(small.sites.len() < 10 && small.hosting.nodejs[0].jobs.len() == 1);
    }

    #[test]
    fn the_same_seed_gives_the_same_hosting_world() {
        let (a, b) = (generate(11, Scale::Fleet), generate(11, Scale::Fleet));
        assert_eq!(a.sites, b.sites);
        assert_eq!(a.hosting, b.hosting);
        assert_ne!(generate(12, Scale::Fleet).hosting, a.hosting);
    }
}
