//! Seeding of every drive's content, from its own random stream (seeding kDrive never shifts
//! what the rest of the tenant draws). Known situations for tests and the sharing audit:
//! user index 1 is external with `manage` on `/Projects`, index 2 is locked and still holds
//! `write` there, `/Shared` has a public link without password or expiry, `/Media` is a
//! large folder with a public link, and two drive invitations are pending for months.
//! At `fleet` scale the first drive has 130 users, 450 root files (220 of them shared),
//! 260 trashed items and 260 activities, so every list needs several pages in both styles;
//! its last drive is under maintenance.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::data::*;
use crate::seed::{REFERENCE_TIME, Scale};
use crate::state::State;

const FIRST: &[&str] = &[
    "Anna", "Luca", "Sophie", "Marco", "Elena", "Noah", "Chloé", "David",
];
const LAST: &[&str] = &[
    "Müller", "Rossi", "Favre", "Meier", "Bianchi", "Schmid", "Girard",
];
const ACTIONS: &[&str] = &[
    "file_create",
    "file_update",
    "file_rename",
    "file_move",
    "file_trash",
    "share_link_create",
    "acl_user_insert",
    "user_connected",
];
/// Days a pending invitation in the seed has waited (the audit flags more than 90).
pub const STALE_INVITATION_DAYS: i64 = 150;

struct G {
    rng: ChaCha8Rng,
}

impl G {
    fn ago(&mut self, min_days: i64, max_days: i64) -> i64 {
        REFERENCE_TIME - self.rng.random_range(min_days * 86_400..max_days * 86_400)
    }
}

/// Fills every drive of `state`.
pub fn populate(state: &mut State, seed: u64, scale: Scale) {
    let mut g = G {
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6b64_7269_7665),
    };
    let n = state.drives.len();
    for i in 0..n {
        let account = state.drives[i].account_id;
        let team = state
            .teams
            .iter()
            .find(|t| t.account_id == account)
            .map(|t| t.id);
        let big = scale == Scale::Fleet && i == 0;
        let members: Vec<(u64, String, String, String)> = state
            .users
            .iter()
            .filter(|u| u.account_id == account)
            .map(|u| {
                (
                    u.user_id,
                    u.email.clone(),
                    u.first_name.clone(),
                    u.last_name.clone(),
                )
            })
            .collect();
        let mut data = drive(&mut g, big, team, &members);
        data.in_maintenance = scale == Scale::Fleet && i + 1 == n;
        state.drives[i].users_count = data.users.len() as u64;
        state.drives[i].kdrive = data;
    }
}

fn dir(id: u64, parent: u64, name: &str, by: u64, at: i64) -> DriveFile {
    DriveFile {
        id,
        parent_id: parent,
        name: name.into(),
        kind: "dir".into(),
        size: 0,
        created_by: by,
        created_at: at,
        last_modified_at: at,
        trashed_at: None,
        users: vec![],
        teams: vec![],
        invitations: vec![],
        link: None,
    }
}

fn link(right: &str, valid_until: Option<i64>, by: u64, at: i64) -> ShareLink {
    ShareLink {
        right: right.into(),
        valid_until,
        capabilities: json!({"can_edit": false, "can_see_stats": true, "can_see_info": true,
            "can_download": true, "can_comment": false, "can_request_access": false}),
        created_by: by,
        created_at: at,
        updated_at: at,
        views: 3,
    }
}

/// A drive's content. Its users are the account's users first (same ids, names and
/// addresses, as on kDrive), then people from outside the account.
fn drive(
    g: &mut G,
    big: bool,
    team: Option<u64>,
    members: &[(u64, String, String, String)],
) -> DriveData {
    let n_users = if big { 130 } else { 8 };
    let users: Vec<DriveUser> = (0..n_users)
        .map(|u| {
            let first = FIRST[g.rng.random_range(0..FIRST.len())];
            let last = LAST[g.rng.random_range(0..LAST.len())];
            let (role, status) = match u {
                0 => ("admin", "active"),
                1 => ("external", "active"),
                2 => ("user", "locked"),
                _ if u % 9 == 0 => ("external", "active"),
                _ => ("user", "active"),
            };
            let (id, email, first, last) = match members.get(u) {
                Some((id, email, first, last)) if role != "external" => {
                    (*id, email.clone(), first.clone(), last.clone())
                }
                _ => (
                    600_000 + u as u64 * 3,
                    format!(
                        "{}.{}{u}@partner.example",
                        first.to_lowercase(),
                        last.to_lowercase()
                    ),
                    first.to_string(),
                    last.to_string(),
                ),
            };
            DriveUser {
                id,
                email,
                first_name: first,
                last_name: last,
                role: role.into(),
                status: status.into(),
                manager_roles: if u == 0 {
                    vec!["technical".into()]
                } else {
                    vec![]
                },
                created_at: g.ago(200, 900),
                last_connection_at: g.ago(1, 60),
            }
        })
        .collect();
    let admin = users[0].id;
    let invitations = (0..6)
        .map(|k| {
            let created_at = if k < 2 {
                REFERENCE_TIME - STALE_INVITATION_DAYS * 86_400 - k * 86_400
            } else {
                g.ago(1, 20)
            };
            DriveInvitation {
                id: 70_000 + k as u64,
                email: format!("guest{k}@partner.example"),
                role: if k % 2 == 0 { "user" } else { "external" }.into(),
                status: if k < 3 { "pending" } else { "accepted" }.into(),
                created_at,
                expired_at: created_at + 365 * 86_400,
                invited_by: admin,
            }
        })
        .collect();
    let mut files = vec![dir(ROOT_ID, 0, "", admin, REFERENCE_TIME - 900 * 86_400)];
    let mut next = 2u64;
    let mut add_dir = |files: &mut Vec<DriveFile>, name: &str, g: &mut G| {
        let id = next;
        next += 1;
        files.push(dir(id, ROOT_ID, name, admin, g.ago(100, 800)));
        id
    };
    let projects = add_dir(&mut files, "Projects", g);
    let finance = add_dir(&mut files, "Finance", g);
    let shared = add_dir(&mut files, "Shared", g);
    let media = add_dir(&mut files, "Media", g);
    let archive = add_dir(&mut files, "Archive", g);
    let mut file = |files: &mut Vec<DriveFile>, parent: u64, name: String, size: u64, g: &mut G| {
        let id = next;
        next += 1;
        let at = g.ago(2, 700);
        files.push(DriveFile {
            kind: "file".into(),
            size,
            last_modified_at: at + 3600,
            ..dir(id, parent, &name, admin, at)
        });
        id
    };
    for (parent, names) in [
        (projects, &["plan.docx", "budget.xlsx", "roadmap.pdf"][..]),
        (finance, &["Q3.xlsx", "payroll.csv"][..]),
        (shared, &["brochure.pdf", "logo.png"][..]),
        (archive, &["old.zip"][..]),
    ] {
        for name in names {
            let size = g.rng.random_range(10_000..50_000_000);
            file(&mut files, parent, name.to_string(), size, g);
        }
    }
    for k in 0..4 {
        file(&mut files, media, format!("film-{k}.mp4"), 4_000_000_000, g);
    }
    let root_files = if big { 450 } else { 6 };
    for k in 0..root_files {
        let size = g.rng.random_range(1_000..5_000_000);
        let id = file(&mut files, ROOT_ID, format!("report-{k:03}.pdf"), size, g);
        if big && k < 220 {
            let f = files.iter_mut().find(|f| f.id == id).expect("just added");
            f.link = Some(link(
                "password",
                Some(REFERENCE_TIME + 30 * 86_400),
                admin,
                f.created_at,
            ));
        }
    }
    let trashed = if big { 260 } else { 6 };
    for k in 0..trashed {
        let id = file(&mut files, archive, format!("deleted-{k:03}.tmp"), 1_000, g);
        let at = g.ago(1, 25);
        if let Some(f) = files.iter_mut().find(|f| f.id == id) {
            f.trashed_at = Some(at);
        }
    }
    let at = REFERENCE_TIME - 40 * 86_400;
    let by_id = |files: &mut Vec<DriveFile>, id: u64| -> usize {
        files.iter().position(|f| f.id == id).expect("seeded")
    };
    let p = by_id(&mut files, projects);
    files[p].users = vec![
        Access {
            id: users[1].id,
            right: "manage".into(),
        },
        Access {
            id: users[2].id,
            right: "write".into(),
        },
    ];
    if let Some(team) = team {
        files[p].teams = vec![Access {
            id: team,
            right: "read".into(),
        }];
    }
    let f = by_id(&mut files, finance);
    files[f].users = vec![Access {
        id: users[3].id,
        right: "read".into(),
    }];
    files[f].link = Some(link(
        "password",
        Some(REFERENCE_TIME + 7 * 86_400),
        admin,
        at,
    ));
    let s = by_id(&mut files, shared);
    files[s].link = Some(link("public", None, users[2].id, at));
    files[s].invitations = vec![FileInvitation {
        id: 80_001,
        email: "client@partner.example".into(),
        right: "read".into(),
        created_at: at,
    }];
    let m = by_id(&mut files, media);
    files[m].link = Some(link(
        "public",
        Some(REFERENCE_TIME + 90 * 86_400),
        admin,
        at,
    ));
    let n_act = if big { 260 } else { 30 };
    let file_ids: Vec<u64> = files.iter().map(|f| f.id).collect();
    let mut activities: Vec<Activity> = (0..n_act)
        .map(|k| Activity {
            id: 1_000 + k as u64,
            action: ACTIONS[g.rng.random_range(0..ACTIONS.len())].into(),
            file_id: file_ids[g.rng.random_range(0..file_ids.len())],
            user_id: users[g.rng.random_range(0..users.len())].id,
            created_at: 0,
        })
        .collect();
    let mut times: Vec<i64> = (0..n_act).map(|_| g.ago(1, 90)).collect();
    times.sort_unstable();
    for (a, t) in activities.iter_mut().zip(times) {
        a.created_at = t;
    }
    DriveData {
        in_maintenance: false,
        users,
        invitations,
        files,
        settings: json!({
            "ai_scan": {"has_approved": false, "has_approved_ai_categories": false, "has_approved_content_search": false, "updated_at": REFERENCE_TIME - 86_400},
            "shared_link": {"activate": false, "bgColor": "#0098FF", "txtColor": "#FFFFFF", "images": []},
            "trash": {"max_duration": 30},
            "office": {"text": "onlyoffice", "spreadsheet": "onlyoffice", "presentation": "onlyoffice", "form": "onlyoffice"},
        }),
        preferences: json!({"color": "#0098FF", "default_page": "common", "hide": false}),
        activities,
        reports: vec![Report {
            id: 90_001,
            filters: json!({"actions": ["file_share_create"], "from": REFERENCE_TIME - 30 * 86_400}),
            created_at: REFERENCE_TIME - 86_400,
            user_id: admin,
        }],
    }
}

#[cfg(test)]
mod tests {
    use crate::seed::{Scale, generate};

    #[test]
    fn drive_users_are_the_accounts_users_then_outsiders_each_once() {
        for scale in [Scale::Small, Scale::Fleet] {
            let w = generate(7, scale);
            for d in &w.drives {
                let mut ids: Vec<u64> = d.kdrive.users.iter().map(|u| u.id).collect();
                let n = ids.len();
                ids.sort_unstable();
                ids.dedup();
                assert_eq!(ids.len(), n, "drive {} has a user twice", d.id);
                let internal = &d.kdrive.users[0];
                assert!(
                    w.users
                        .iter()
                        .any(|u| u.user_id == internal.id && u.account_id == d.account_id),
                    "the admin is an account user"
                );
                assert_eq!(d.kdrive.users[1].role, "external");
                assert!(
                    d.kdrive
                        .files
                        .iter()
                        .any(|f| f.id == super::ROOT_ID && f.kind == "dir")
                );
            }
        }
    }
}
