//! kChat's state (Mattermost v4 objects as the kChat spec names them) and its seeding.
//!
//! One kChat server per team (`{team}.kchat.infomaniak.com`), each holding one Mattermost
//! team of that name; users are shared. Timestamps are epoch milliseconds, ids UUID-like
//! strings (infomaniak-api.md §6). Seeded on purpose: an empty channel, a channel silent
//! for a year, a public channel with a guest, a bot with the system admin role, slash
//! commands on plain http, and at `fleet` enough channels and members for several
//! 200-item pages.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::seed::Scale;

/// 2026-11-01T00:00:00Z in milliseconds: "now" for seeded activity.
pub const SEED_NOW_MS: i64 = 1_793_491_200_000;
const DAY_MS: i64 = 86_400_000;

/// The kChat world.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct World {
    /// Teams (one per kChat server).
    pub teams: Vec<Team>,
    /// Users, bots' users included.
    pub users: Vec<User>,
    /// Channels of every team.
    pub channels: Vec<Channel>,
    /// Channel memberships.
    pub members: Vec<Member>,
    /// User groups.
    pub groups: Vec<Group>,
    /// Bots.
    pub bots: Vec<Bot>,
    /// Slash commands.
    pub commands: Vec<Command>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Next id number.
    pub next_id: u64,
}

/// A team (`38cb7293_Team`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Team {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub display_name: String,
    pub name: String,
    pub description: String,
    pub email: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Comma-separated email domains of the organisation (empty = any).
    pub allowed_domains: String,
    pub invite_id: String,
    pub allow_open_invite: bool,
}

/// A user (`38cb7293_User`, the fields used).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub nickname: String,
    pub email: String,
    /// Space-separated system roles (`system_user`, `system_admin`, `system_guest`).
    pub roles: String,
    pub locale: String,
    /// Set for a bot's user.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_bot: bool,
}

/// A channel (`38cb7293_Channel`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub team_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub display_name: String,
    pub name: String,
    pub header: String,
    pub purpose: String,
    pub last_post_at: i64,
    pub total_msg_count: i64,
    pub creator_id: String,
}

/// A channel membership (`38cb7293_ChannelMember`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub channel_id: String,
    pub user_id: String,
    pub roles: String,
    pub last_viewed_at: i64,
    pub msg_count: i64,
    pub mention_count: i64,
    pub last_update_at: i64,
    /// Scheme roles (Mattermost keeps them beside `roles`).
    pub scheme_admin: bool,
    pub scheme_user: bool,
    /// `38cb7293_ChannelNotifyProps`.
    pub notify_props: serde_json::Value,
}

/// A user group (`38cb7293_Group`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub source: String,
    pub remote_id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub has_syncables: bool,
    pub member_count: i64,
    /// Teams the group is linked to (not serialized: syncables).
    #[serde(skip)]
    pub team_ids: Vec<String>,
    /// Channels the group is linked to.
    #[serde(skip)]
    pub channel_ids: Vec<String>,
    /// Member user ids.
    #[serde(skip)]
    pub user_ids: Vec<String>,
}

/// A bot (`38cb7293_Bot`); its user is in [`World::users`] with the same id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bot {
    pub user_id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub username: String,
    pub display_name: String,
    pub description: String,
    pub owner_id: String,
}

/// A slash command (`38cb7293_Command`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Command {
    pub id: String,
    pub token: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub creator_id: String,
    pub team_id: String,
    pub trigger: String,
    /// `P` (POST) or `G` (GET).
    pub method: String,
    pub username: String,
    pub icon_url: String,
    pub auto_complete: bool,
    pub auto_complete_desc: String,
    pub auto_complete_hint: String,
    pub display_name: String,
    pub description: String,
    pub url: String,
}

/// A role (`38cb7293_Role`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub scheme_managed: bool,
}

impl World {
    /// A fresh UUID-like id (`019c5abe-30ed-7164-a4a3-…`), deterministic.
    pub fn new_id(&mut self) -> String {
        self.next_id += 1;
        uuidish(self.next_id)
    }

    /// The team served as `name`.
    pub fn team_by_name(&self, name: &str) -> Option<&Team> {
        self.teams
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name) && t.delete_at == 0)
    }

    /// The user with this id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
}

fn uuidish(n: u64) -> String {
    let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(
        "019c5abe-{:04x}-7{:03x}-a{:03x}-{:012x}",
        (n >> 16) & 0xffff,
        n & 0xfff,
        (h >> 52) & 0xfff,
        h & 0xffff_ffff_ffff
    )
}

/// The id of the user the sandbox tokens act as (a system admin of every team).
pub const ADMIN_USERNAME: &str = "admin";

const FIRST: &[&str] = &[
    "anna", "marc", "lea", "luca", "sofia", "noah", "emma", "leon", "mia", "elias", "lina",
    "jonas", "nina", "david", "sara", "tim",
];
const LAST: &[&str] = &[
    "muller", "favre", "rossi", "meier", "keller", "blanc", "weber", "bianchi", "huber", "morel",
];
const TOPICS: &[&str] = &[
    "marketing",
    "sales",
    "support",
    "devops",
    "design",
    "finance",
    "legal",
    "hr",
    "product",
    "security",
    "events",
    "partners",
    "infra",
    "mobile",
    "web",
    "data",
];

/// Generates the kChat world for `seed` at `scale` (same inputs, same world).
pub fn generate(seed: u64, scale: Scale) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x006b_6368_6174);
    let mut w = World {
        next_id: 1000,
        ..World::default()
    };
    let (n_users, n_public, n_private, big_members) = match scale {
        Scale::Small => (24, 10, 4, 12),
        Scale::Fleet => (260, 430, 160, 240),
    };
    let t0 = SEED_NOW_MS - 400 * DAY_MS;
    for (name, display, domains) in [
        ("acme", "Acme SA", "acme.ch"),
        ("acme-labs", "Acme Labs", "acme.ch,acme-labs.ch"),
    ] {
        let id = w.new_id();
        let invite_id = w.new_id().replace('-', "");
        w.teams.push(Team {
            id,
            create_at: t0,
            update_at: t0,
            delete_at: 0,
            display_name: display.into(),
            name: name.into(),
            description: format!("{display} on kChat"),
            email: format!("admin@{}", domains.split(',').next().unwrap_or_default()),
            kind: "I".into(),
            allowed_domains: domains.into(),
            invite_id,
            allow_open_invite: false,
        });
    }
    let admin = push_user(
        &mut w,
        ADMIN_USERNAME,
        "Admin",
        "Acme",
        "admin@acme.ch",
        "system_user system_admin",
        t0,
    );
    for i in 0..n_users {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / FIRST.len() + i) % LAST.len()];
        let username = format!(
            "{first}.{last}{}",
            if i >= FIRST.len() {
                i.to_string()
            } else {
                String::new()
            }
        );
        // Every seventh user is a guest from a partner company: an external user.
        let (email, roles) = if i % 7 == 3 {
            (format!("{username}@partner-agency.com"), "system_guest")
        } else {
            (format!("{username}@acme.ch"), "system_user")
        };
        push_user(
            &mut w,
            &username,
            first,
            last,
            &email,
            roles,
            t0 + i as i64 * DAY_MS,
        );
    }
    let humans: Vec<String> = w.users.iter().map(|u| u.id.clone()).collect();
    let guests: Vec<String> = w
        .users
        .iter()
        .filter(|u| u.roles.contains("system_guest"))
        .map(|u| u.id.clone())
        .collect();
    let team_ids: Vec<String> = w.teams.iter().map(|t| t.id.clone()).collect();
    for (ti, team_id) in team_ids.iter().enumerate() {
        let scale_div = if ti == 0 { 1 } else { 4 };
        // town-square: everyone (the big member list), active.
        let town = push_channel(
            &mut w,
            team_id,
            "O",
            "town-square",
            "Town Square",
            &admin,
            t0,
            SEED_NOW_MS - DAY_MS / 2,
            5400,
        );
        for u in humans.iter().take(big_members + 1) {
            push_member(&mut w, &town, u, u == &admin);
        }
        let off = push_channel(
            &mut w,
            team_id,
            "O",
            "off-topic",
            "Off-Topic",
            &admin,
            t0,
            SEED_NOW_MS - 3 * DAY_MS,
            800,
        );
        for u in humans.iter().take(8) {
            push_member(&mut w, &off, u, false);
        }
        if ti == 0 {
            // Findings the audit must report.
            push_channel(
                &mut w,
                team_id,
                "O",
                "empty-room",
                "Empty room",
                &admin,
                t0,
                0,
                0,
            );
            let stale = push_channel(
                &mut w,
                team_id,
                "P",
                "old-project",
                "Old project",
                &admin,
                t0,
                SEED_NOW_MS - 380 * DAY_MS,
                42,
            );
            push_member(&mut w, &stale, &admin, true);
            let partners = push_channel(
                &mut w,
                team_id,
                "O",
                "partners",
                "Partners",
                &admin,
                t0,
                SEED_NOW_MS - 2 * DAY_MS,
                120,
            );
            push_member(&mut w, &partners, &admin, true);
            for g in guests.iter().take(2) {
                push_member(&mut w, &partners, g, false);
            }
            let archived = push_channel(
                &mut w,
                team_id,
                "O",
                "launch-2025",
                "Launch 2025",
                &admin,
                t0,
                SEED_NOW_MS - 200 * DAY_MS,
                310,
            );
            if let Some(c) = w.channels.iter_mut().find(|c| c.id == archived) {
                c.delete_at = SEED_NOW_MS - 150 * DAY_MS;
            }
        }
        for (kind, count) in [("O", n_public / scale_div), ("P", n_private / scale_div)] {
            for i in 0..count {
                let topic = TOPICS[i % TOPICS.len()];
                let name = format!("{}{}-{}", if kind == "P" { "priv-" } else { "" }, topic, i);
                let display = format!("{} {}", capitalize(topic), i);
                let last = SEED_NOW_MS - rng.random_range(0..60) * DAY_MS;
                let id = push_channel(
                    &mut w,
                    team_id,
                    kind,
                    &name,
                    &display,
                    &admin,
                    t0,
                    last,
                    rng.random_range(10..2000),
                );
                let n = rng.random_range(2..6);
                push_member(&mut w, &id, &admin, true);
                for _ in 0..n {
                    let u = humans[rng.random_range(1..humans.len())].clone();
                    if !guests.contains(&u)
                        && !w
                            .members
                            .iter()
                            .any(|m| m.channel_id == id && m.user_id == u)
                    {
                        push_member(&mut w, &id, &u, false);
                    }
                }
            }
        }
    }
    // Groups.
    let n_groups = match scale {
        Scale::Small => 4,
        Scale::Fleet => 230,
    };
    for i in 0..n_groups {
        let topic = TOPICS[i % TOPICS.len()];
        let id = w.new_id();
        let users: Vec<String> = humans
            .iter()
            .skip(i % 5)
            .step_by(3)
            .take(6)
            .cloned()
            .collect();
        let channel_ids = w
            .channels
            .iter()
            .filter(|c| c.name.starts_with(topic) && c.team_id == team_ids[0])
            .take(2)
            .map(|c| c.id.clone())
            .collect();
        w.groups.push(Group {
            id,
            name: format!("{topic}-team-{i}"),
            display_name: format!("{} team {i}", capitalize(topic)),
            description: String::new(),
            source: "custom".into(),
            remote_id: String::new(),
            create_at: t0,
            update_at: t0,
            delete_at: 0,
            has_syncables: true,
            member_count: users.len() as i64,
            team_ids: vec![team_ids[i % team_ids.len()].clone()],
            channel_ids,
            user_ids: users,
        });
    }
    // Bots: one is also a system admin (an audit finding).
    for (name, display, admin_role) in [
        ("deploy-bot", "Deploy bot", false),
        ("alerts", "Monitoring alerts", false),
        ("ops-admin-bot", "Ops automation", true),
    ] {
        let roles = if admin_role {
            "system_user system_admin"
        } else {
            "system_user"
        };
        let id = push_user(
            &mut w,
            name,
            display,
            "",
            &format!("{name}@localhost"),
            roles,
            t0,
        );
        if let Some(u) = w.users.iter_mut().find(|u| u.id == id) {
            u.is_bot = true;
        }
        w.bots.push(Bot {
            user_id: id,
            create_at: t0,
            update_at: t0,
            delete_at: 0,
            username: name.into(),
            display_name: display.into(),
            description: format!("{display} for the ops team"),
            owner_id: admin.clone(),
        });
    }
    // Slash commands: two on plain http (an audit finding).
    for (ti, team_id) in team_ids.iter().enumerate() {
        for (trigger, url) in [
            ("deploy", "https://ci.acme.ch/hooks/deploy"),
            ("oncall", "http://oncall.acme.ch/kchat"),
            ("weather", "https://weather.example/api"),
        ] {
            if ti == 1 && trigger == "weather" {
                continue;
            }
            let id = w.new_id();
            let token = w.new_id().replace('-', "");
            w.commands.push(Command {
                id,
                token,
                create_at: t0,
                update_at: t0,
                delete_at: 0,
                creator_id: admin.clone(),
                team_id: team_id.clone(),
                trigger: trigger.into(),
                method: "P".into(),
                username: String::new(),
                icon_url: String::new(),
                auto_complete: true,
                auto_complete_desc: format!("/{trigger}"),
                auto_complete_hint: String::new(),
                display_name: capitalize(trigger),
                description: String::new(),
                url: url.into(),
            });
        }
    }
    for (name, perms) in [
        (
            "system_admin",
            vec![
                "manage_system",
                "manage_team",
                "manage_public_channel_members",
            ],
        ),
        ("system_user", vec!["create_team", "create_direct_channel"]),
        ("system_guest", vec!["create_direct_channel"]),
        ("team_admin", vec!["manage_team", "manage_slash_commands"]),
        (
            "team_user",
            vec!["create_public_channel", "create_private_channel"],
        ),
        (
            "channel_admin",
            vec![
                "manage_public_channel_members",
                "manage_private_channel_members",
            ],
        ),
        ("channel_user", vec!["create_post", "read_channel"]),
        ("channel_guest", vec!["create_post", "read_channel"]),
    ] {
        let id = w.new_id();
        w.roles.push(Role {
            id,
            name: name.into(),
            display_name: format!("authentication.roles.{name}.name"),
            description: format!("authentication.roles.{name}.description"),
            permissions: perms.into_iter().map(String::from).collect(),
            scheme_managed: true,
        });
    }
    w
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn push_user(
    w: &mut World,
    username: &str,
    first: &str,
    last: &str,
    email: &str,
    roles: &str,
    at: i64,
) -> String {
    let id = w.new_id();
    w.users.push(User {
        id: id.clone(),
        create_at: at,
        update_at: at,
        delete_at: 0,
        username: username.into(),
        first_name: first.into(),
        last_name: last.into(),
        nickname: String::new(),
        email: email.into(),
        roles: roles.into(),
        locale: "fr".into(),
        is_bot: false,
    });
    id
}

#[allow(clippy::too_many_arguments)]
fn push_channel(
    w: &mut World,
    team_id: &str,
    kind: &str,
    name: &str,
    display: &str,
    creator: &str,
    at: i64,
    last_post_at: i64,
    msgs: i64,
) -> String {
    let id = w.new_id();
    w.channels.push(Channel {
        id: id.clone(),
        create_at: at,
        update_at: at,
        delete_at: 0,
        team_id: team_id.into(),
        kind: kind.into(),
        display_name: display.into(),
        name: name.into(),
        header: String::new(),
        purpose: String::new(),
        last_post_at,
        total_msg_count: msgs,
        creator_id: creator.into(),
    });
    id
}

/// Adds `user` to `channel` (as channel admin when `admin`).
pub fn push_member(w: &mut World, channel: &str, user: &str, admin: bool) {
    w.members.push(Member {
        channel_id: channel.into(),
        user_id: user.into(),
        roles: if admin {
            "channel_user channel_admin"
        } else {
            "channel_user"
        }
        .into(),
        last_viewed_at: SEED_NOW_MS - DAY_MS,
        msg_count: 0,
        mention_count: 0,
        last_update_at: SEED_NOW_MS - DAY_MS,
        scheme_admin: admin,
        scheme_user: true,
        notify_props: serde_json::json!({"email": "default", "push": "default", "desktop": "default", "mark_unread": "all"}),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_world_is_deterministic_and_fleet_needs_several_pages() {
        assert_eq!(generate(7, Scale::Fleet), generate(7, Scale::Fleet));
        let w = generate(1, Scale::Fleet);
        let acme = &w.teams[0].id;
        let public = w
            .channels
            .iter()
            .filter(|c| &c.team_id == acme && c.kind == "O")
            .count();
        assert!(public > 400, "{public}");
        let town = &w.channels[0].id;
        assert!(w.members.iter().filter(|m| &m.channel_id == town).count() > 200);
        assert!(w.groups.len() > 200);
        let ids: std::collections::BTreeSet<&str> =
            w.channels.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), w.channels.len(), "ids are unique");
    }
}
