//! Deterministic tenant generation: the same seed and scale always give the same [`State`].
//!
//! A ChaCha8 stream seeded with the seed drives every choice (names, counts, addresses, dates),
//! and all dates derive from [`REFERENCE_TIME`], never from the clock, so two runs compare equal.
//! A few zones have fixed names so tests can aim at a known situation (see the `ZONE_*` constants).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::state::*;

/// How big the generated tenant is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// One account, four domains with a few records each: fast tests.
    #[default]
    Small,
    /// Three accounts, ~60 domains, one zone with 250+ records, ~46 hostings, ~200 sites,
    /// ~12 mail hostings with ~530 mailboxes (one of 250+): realistic demos and paging tests.
    Fleet,
}

impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "small" => Ok(Scale::Small),
            "fleet" => Ok(Scale::Fleet),
            other => Err(format!(
                "unknown scale {other:?}: use \"small\" or \"fleet\""
            )),
        }
    }
}

/// "Now" for generated data (2026-11-18T...Z): dates are spread around it.
pub const REFERENCE_TIME: i64 = 1_795_000_000;

/// A zone with SPF, DMARC, MX, www and CAA: the healthy baseline.
pub const ZONE_COMPLETE: &str = "example-shop.ch";
/// A zone with MX but no SPF and no DMARC record.
pub const ZONE_NO_MAIL_POLICY: &str = "no-mail-policy.ch";
/// A zone with a wildcard record and low (60 s) TTLs.
pub const ZONE_WILDCARD: &str = "wildcard-demo.com";
/// A zone (and domain) with DNSSEC enabled.
pub const ZONE_DNSSEC: &str = "secure-bank.ch";
/// Fleet only: a zone with 250+ records, so one page of 100 is never enough.
pub const ZONE_BIG: &str = "big-catalog.ch";

/// `(service_name, service_id)` pairs used for products. `hosting`=1, `domain`=14 and
/// `cloud`=25 are documented; the other ids are inferred from the OAS enum and easy to change.
pub const SERVICES: &[(&str, u64)] = &[
    ("hosting", 1),
    ("domain", 14),
    ("cloud", 25),
    ("email_hosting", 29),
    ("swiss_backup", 34),
    ("drive", 48),
    ("ksuite", 52),
    ("ai_tools", 58),
];

/// The numeric id of a service name in [`SERVICES`].
pub fn service_id(name: &str) -> u64 {
    SERVICES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, id)| *id)
        .unwrap_or(0)
}

const ORGS: &[&str] = &[
    "Helvetia Widgets SA",
    "Lac Léman Studio Sàrl",
    "Alpine Bakery GmbH",
    "Jura Robotics AG",
    "Ticino Travel SA",
];
const FIRST: &[&str] = &[
    "Anna", "Luca", "Sophie", "Marco", "Elena", "Noah", "Chloé", "David", "Lea", "Yannick", "Mia",
    "Samuel",
];
const LAST: &[&str] = &[
    "Müller", "Rossi", "Favre", "Meier", "Bianchi", "Schmid", "Girard", "Keller", "Weber", "Frei",
];
const WORDS: &[&str] = &[
    "alpine", "cedar", "lumen", "nordic", "pixel", "quartz", "river", "summit", "terra", "vertex",
    "willow", "zenith", "harbor", "orbit", "maple", "copper", "echo", "falcon", "glacier",
    "meadow",
];
const TLDS: &[&str] = &["ch", "com", "net", "swiss", "org", "io", "fr", "de"];
const MAILBOX_NAMES: &[&str] = &[
    "info", "contact", "support", "sales", "billing", "jobs", "hello", "office", "admin", "news",
];

struct Gen {
    rng: ChaCha8Rng,
    state: State,
}

/// Builds the tenant for `seed` at `scale`.
pub fn generate(seed: u64, scale: Scale) -> State {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
        state: State {
            id_counter: 9_000_000,
            ..State::default()
        },
    };
    let n_accounts = match scale {
        Scale::Small => 1,
        Scale::Fleet => 3,
    };
    for i in 0..n_accounts {
        g.account(i);
    }
    let accounts: Vec<u64> = g.state.accounts.iter().map(|a| a.id).collect();
    let first = accounts[0];

    g.special_zones(first);
    if scale == Scale::Fleet {
        g.big_zone(first);
        for i in 0..55 {
            let acc = accounts[i % accounts.len()];
            g.random_domain(acc, i);
        }
    }
    match scale {
        Scale::Small => {
            g.web_hostings(&[first], 1, 3);
            g.mail_hostings(&[first], 1, 5);
            g.misc_products(&[first], 1);
        }
        Scale::Fleet => {
            g.web_hostings(&accounts, 46, 200);
            g.mail_hostings(&accounts, 12, 300);
            g.misc_products(&accounts, 2);
        }
    }
    g.state.kchat = crate::routes::kchat::world::generate(seed, scale);
    crate::seed_account::extend(&mut g.state, seed, scale);
    crate::routes::hosting::seed(&mut g.state, seed, scale);
    g.state.cloud = crate::cloud_world::seed(seed, scale, &accounts);
    crate::routes::mail::seed(&mut g.state, seed, scale);
    crate::routes::drive::world::populate(&mut g.state, seed, scale);
    crate::utilities_world::seed(seed, scale, &mut g.state);
    g.state
}

impl Gen {
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.rng.random_range(0..list.len())]
    }

    fn past(&mut self, max_days: i64) -> i64 {
        REFERENCE_TIME - self.rng.random_range(86_400..max_days * 86_400)
    }

    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from_digit(self.rng.random_range(0..16), 16).unwrap_or('0'))
            .collect()
    }

    fn b64(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        (0..n)
            .map(|_| A[self.rng.random_range(0..A.len())] as char)
            .collect()
    }

    fn product(&mut self, account_id: u64, service: &str, customer_name: &str) -> u64 {
        let id = 100_000 + self.state.products.len() as u64 * 7 + self.rng.random_range(0..7);
        let created_at = self.past(1500);
        let tags: Vec<u64> = self
            .state
            .tags
            .iter()
            .filter(|t| t.account_id == account_id)
            .map(|t| t.id)
            .collect();
        let tag = if !tags.is_empty() && self.rng.random_bool(0.3) {
            vec![tags[self.rng.random_range(0..tags.len())]]
        } else {
            vec![]
        };
        self.state.products.push(Product {
            id,
            account_id,
            service_id: service_id(service),
            service_name: service.to_string(),
            customer_name: customer_name.to_string(),
            internal_name: format!("{service}-{id}"),
            created_at,
            // Quirk Q9: the original expiry, often in the past.
            expired_at: created_at + 365 * 86_400,
            tags: tag,
            is_free: false,
            is_trial: false,
        });
        id
    }

    fn account(&mut self, index: usize) {
        let id = 1000 + index as u64 * 137 + self.rng.random_range(0..100);
        let name = ORGS[(index + self.rng.random_range(0..ORGS.len())) % ORGS.len()].to_string();
        let created_at = self.past(3000);
        let phone = format!("+4122{:07}", self.rng.random_range(0..10_000_000));
        self.state.accounts.push(Account {
            id,
            name,
            legal_entity_type: if index == 2 { "individual" } else { "company" }.into(),
            created_at,
            locale: "fr_FR".into(),
            language_id: 1,
            timezone: "Europe/Zurich".into(),
            r#type: if index == 0 { "owner" } else { "partner_admin" }.into(),
            support_level: 1 + index as u64 % 2,
            website: format!("https://www.org{id}.example"),
            phone,
        });
        let n_users = if index == 0 { 4 } else { 8 };
        let base_user = 500_000 + index as u64 * 1000;
        for u in 0..n_users {
            let first = self.pick(FIRST).to_string();
            let last = self.pick(LAST).to_string();
            let user_id = base_user + u as u64;
            let role = match u {
                0 => "owner",
                1 => "admin",
                _ => "normal",
            };
            let last_login_at = self.past(400);
            let has_otp = self.rng.random_bool(0.6);
            self.state.users.push(User {
                user_id,
                account_id: id,
                email: format!(
                    "{}.{}{}@org{id}.example",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    u
                ),
                first_name: first,
                last_name: last,
                role_type: role.into(),
                state_in_account: if u == n_users - 1 { "pending" } else { "valid" }.into(),
                is_sso: false,
                last_login_at,
                has_otp: u == 0 || has_otp,
            });
        }
        for t in 0..3u64 {
            let tag_id = id * 10 + t;
            let name = ["production", "staging", "legacy"][t as usize].to_string();
            self.state.tags.push(Tag {
                id: tag_id,
                account_id: id,
                name,
                color: t + 1,
            });
        }
        for t in 0..2u64 {
            let created_at = self.past(900);
            let members = (0..n_users as u64)
                .filter(|u| (u + t) % 2 == 0)
                .map(|u| base_user + u)
                .collect();
            self.state.teams.push(Team {
                id: id * 100 + t,
                account_id: id,
                name: ["Web team", "Mail admins"][t as usize].into(),
                color_id: t + 3,
                owned_by_id: base_user,
                created_by_id: base_user,
                created_at,
                updated_at: created_at + 86_400,
                user_ids: members,
                permissions: vec![if t == 0 {
                    (1, "hosting".into(), "technical".into())
                } else {
                    (29, "email_hosting".into(), "technical".into())
                }],
            });
        }
        let first = self.pick(FIRST).to_string();
        let last = self.pick(LAST).to_string();
        let created_at = self.past(20);
        self.state.invitations.push(Invitation {
            id: id * 1000 + 1,
            account_id: id,
            email: format!(
                "{}.{}@invitee.example",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            first_name: first,
            last_name: last,
            status: "pending".into(),
            role_type: "normal".into(),
            locale: "en_GB".into(),
            created_at,
            expired_at: created_at + 30 * 86_400,
            invited_by: base_user,
            language_id: 2,
            ..Invitation::default()
        });
    }

    fn dnssec(&mut self, on: bool) -> Dnssec {
        Dnssec {
            is_enabled: on,
            algorithm: "13".into(),
            public_key: self.b64(88),
            key_tag: self.rng.random_range(1000..65_000u32).to_string(),
            digest: self.hex(64).to_uppercase(),
        }
    }

    fn ip4(&mut self) -> String {
        format!(
            "{}.{}.{}.{}",
            [83, 84, 128, 185, 195][self.rng.random_range(0..5)],
            self.rng.random_range(0..256),
            self.rng.random_range(0..256),
            self.rng.random_range(1..255)
        )
    }

    fn ip6(&mut self) -> String {
        format!(
            "2001:1600:{:x}:{:x}::{:x}",
            self.rng.random_range(0..0xffffu32),
            self.rng.random_range(0..0xffffu32),
            self.rng.random_range(1..0xffffu32)
        )
    }

    /// Adds a domain product, its registration and its zone; returns the zone index.
    fn domain(&mut self, account_id: u64, name: &str, dnssec: bool) -> usize {
        let id = self.product(account_id, "domain", name);
        let keys = self.dnssec(dnssec);
        let tld = name.rsplit('.').next().unwrap_or("ch").to_string();
        let created_at = self.past(2500);
        let expires_at = REFERENCE_TIME + self.rng.random_range(-20..700) * 86_400;
        self.state.domains.push(Domain {
            id,
            account_id,
            name: name.to_string(),
            tld,
            created_at,
            expires_at,
            nameservers: INFOMANIAK_NS.iter().map(|s| s.to_string()).collect(),
            dnssec: keys.clone(),
            is_external: false,
            is_premium: false,
            renewal_warranty: self.rng.random_bool(0.5),
            domain_privacy: self.rng.random_bool(0.5),
            status: vec!["ok".into()],
        });
        let zone_id = self.state.next_id();
        self.state.zones.push(Zone {
            id: zone_id,
            account_id,
            fqdn: name.to_string(),
            nameservers: INFOMANIAK_NS.iter().map(|s| s.to_string()).collect(),
            dnssec: keys,
            records: Vec::new(),
        });
        let zi = self.state.zones.len() - 1;
        for ns in INFOMANIAK_NS {
            self.record(zi, ".", "NS", 3600, ns);
        }
        zi
    }

    fn record(&mut self, zone: usize, source: &str, ty: &str, ttl: u64, target: &str) {
        let id = self.state.next_id();
        let updated_at = self.past(700);
        self.state.zones[zone].records.push(Record {
            id,
            source: source.into(),
            r#type: ty.into(),
            ttl,
            target: target.into(),
            updated_at,
        });
    }

    fn web_records(&mut self, zi: usize, ttl: u64) {
        let ip = self.ip4();
        let ip6 = self.ip6();
        self.record(zi, ".", "A", ttl, &ip);
        self.record(zi, ".", "AAAA", ttl, &ip6);
        let fqdn = self.state.zones[zi].fqdn.clone();
        self.record(zi, "www", "CNAME", ttl, &fqdn);
    }

    fn mail_records(&mut self, zi: usize, with_policy: bool) {
        self.record(zi, ".", "MX", 3600, "5 mta-gw.infomaniak.ch");
        if with_policy {
            self.record(
                zi,
                ".",
                "TXT",
                3600,
                "\"v=spf1 include:spf.infomaniak.ch -all\"",
            );
            self.record(
                zi,
                "_dmarc",
                "TXT",
                3600,
                "\"v=DMARC1; p=quarantine; rua=mailto:dmarc@infomaniak.ch\"",
            );
        }
    }

    fn special_zones(&mut self, account: u64) {
        let zi = self.domain(account, ZONE_COMPLETE, false);
        self.web_records(zi, 3600);
        self.mail_records(zi, true);
        self.record(zi, ".", "CAA", 3600, "0 issue \"letsencrypt.org\"");
        self.record(
            zi,
            "_sip._tcp",
            "SRV",
            3600,
            "10 60 5060 sip.example-shop.ch",
        );

        let zi = self.domain(account, ZONE_NO_MAIL_POLICY, false);
        self.web_records(zi, 3600);
        self.mail_records(zi, false);

        let zi = self.domain(account, ZONE_WILDCARD, false);
        self.web_records(zi, 60);
        let ip = self.ip4();
        self.record(zi, "*", "A", 60, &ip);
        self.mail_records(zi, true);

        let zi = self.domain(account, ZONE_DNSSEC, true);
        self.web_records(zi, 3600);
        self.mail_records(zi, true);
    }

    fn big_zone(&mut self, account: u64) {
        let zi = self.domain(account, ZONE_BIG, false);
        self.web_records(zi, 3600);
        self.mail_records(zi, true);
        for i in 0..250 {
            let ip = self.ip4();
            self.record(zi, &format!("host-{i:03}"), "A", 300, &ip);
        }
    }

    fn random_domain(&mut self, account: u64, i: usize) {
        let a = self.pick(WORDS);
        let b = self.pick(WORDS);
        let tld = self.pick(TLDS);
        let name = format!("{a}-{b}{i}.{tld}");
        let dnssec = self.rng.random_bool(0.15);
        let zi = self.domain(account, &name, dnssec);
        let ttl = if self.rng.random_bool(0.1) { 60 } else { 3600 };
        self.web_records(zi, ttl);
        let policy = self.rng.random_bool(0.7);
        self.mail_records(zi, policy);
        for _ in 0..self.rng.random_range(0..4) {
            let host = self.pick(&["api", "blog", "shop", "app", "cdn", "vpn"]);
            if self.state.zones[zi]
                .records
                .iter()
                .any(|r| r.source == host)
            {
                continue;
            }
            let ip = self.ip4();
            self.record(zi, host, "A", 3600, &ip);
        }
    }

    fn domain_names_of(&self, account: u64) -> Vec<String> {
        self.state
            .domains
            .iter()
            .filter(|d| d.account_id == account)
            .map(|d| d.name.clone())
            .collect()
    }

    fn web_hostings(&mut self, accounts: &[u64], count: usize, sites: usize) {
        let mut hosting_ids = Vec::new();
        for i in 0..count {
            let acc = accounts[i % accounts.len()];
            let name = format!("hosting-{}", i + 1);
            let id = self.product(acc, "hosting", &name);
            let prefix = format!("{}_", self.hex(4));
            self.state.web_hostings.push(WebHosting {
                id,
                account_id: acc,
                customer_name: name,
                hosting_type: if i % 5 == 4 { "h3" } else { "h2" }.into(),
                prefix,
                hosting_root_path: format!("/srv/customer/{id}"),
            });
            hosting_ids.push((id, acc));
        }
        for s in 0..sites {
            let (hosting_id, acc) = if s < hosting_ids.len() {
                hosting_ids[s]
            } else {
                hosting_ids[self.rng.random_range(0..hosting_ids.len())]
            };
            let domains = self.domain_names_of(acc);
            let base = if domains.is_empty() {
                "example.ch".to_string()
            } else {
                domains[s % domains.len()].clone()
            };
            let fqdn = if s < domains.len() {
                base
            } else {
                format!(
                    "{}{s}.{base}",
                    self.pick(&["shop", "blog", "app", "docs", "dev"])
                )
            };
            let ssl = ["free", "free", "free", "paid", "disabled"][self.rng.random_range(0..5)];
            let ssl_expired_at = if ssl == "disabled" {
                0
            } else {
                REFERENCE_TIME + self.rng.random_range(-5..90) * 86_400
            };
            let wordpress_version = self.rng.random_bool(0.4).then(|| {
                format!(
                    "6.{}.{}",
                    self.rng.random_range(2..9),
                    self.rng.random_range(0..4)
                )
            });
            let php = ["7.4", "8.1", "8.2", "8.3"][self.rng.random_range(0..4)];
            let id = self.state.next_id();
            self.state.sites.push(Site {
                id,
                hosting_id,
                account_id: acc,
                directory: format!("/sites/{fqdn}"),
                main_fqdn: fqdn,
                ssl_status: ssl.into(),
                ssl_expired_at,
                wordpress_version,
                php_version: php.into(),
            });
        }
    }

    fn mail_hostings(&mut self, accounts: &[u64], count: usize, mailboxes: usize) {
        let mut hostings = Vec::new();
        for i in 0..count {
            let acc = accounts[i % accounts.len()];
            let domains = self.domain_names_of(acc);
            let domain = domains[(i / accounts.len()) % domains.len()].clone();
            let id = self.product(acc, "email_hosting", &domain);
            self.state.mail_hostings.push(MailHosting {
                id,
                account_id: acc,
                domain: domain.clone(),
                max_mailboxes: 50,
                dkim_enabled: self.rng.random_bool(0.7),
            });
            hostings.push((id, domain));
        }
        for m in 0..mailboxes {
            let (hid, domain) = hostings[m % hostings.len()].clone();
            let round = m / hostings.len();
            let name = if round < MAILBOX_NAMES.len() {
                MAILBOX_NAMES[round].to_string()
            } else {
                format!(
                    "{}.{}{round}",
                    self.pick(FIRST).to_lowercase(),
                    self.pick(LAST).to_lowercase()
                )
            };
            let created_at = self.past(1500);
            let login = if self.rng.random_bool(0.8) {
                self.past(300)
            } else {
                0
            };
            let id = self.state.next_id();
            self.state.mailboxes.push(Mailbox {
                mailbox_id: id,
                mail_hosting_id: hid,
                mailbox: format!("{name}@{domain}"),
                mailbox_name: name,
                created_at,
                size: self.rng.random_range(0..5_000_000_000u64),
                aliases: if round == 0 {
                    vec!["postmaster".into()]
                } else {
                    vec![]
                },
                redirections: vec![],
                has_auto_responder: self.rng.random_bool(0.1),
                imap_last_login_at: login,
                blocked_senders: vec![],
                authorized_senders: vec![],
            });
        }
    }

    fn misc_products(&mut self, accounts: &[u64], per_account: usize) {
        for (ai, &acc) in accounts.iter().enumerate() {
            for d in 0..per_account {
                let name = format!("kDrive {}", d + 1);
                let id = self.product(acc, "drive", &name);
                let size = 1u64 << (40 + d as u32);
                self.state.drives.push(Drive {
                    id,
                    account_id: acc,
                    name,
                    size,
                    used_size: self.rng.random_range(0..size),
                    users_count: self.rng.random_range(1..20),
                    kdrive: Default::default(),
                });
            }
            let ksuite = self.product(acc, "ksuite", &format!("kSuite {acc}"));
            let team_id = format!("t{}", self.hex(25));
            let create_at = self.past(800) * 1000;
            self.state.kchat_teams.push(KChatTeam {
                id: team_id.clone(),
                account_id: acc,
                name: format!("org{ksuite}"),
                display_name: self.state.accounts[ai].name.clone(),
                create_at,
            });
            let channels = ["town-square", "off-topic", "ops", "alerts", "sales", "dev"];
            for (ci, ch) in channels.iter().take(3 + per_account * 2).enumerate() {
                let id = format!("c{}", self.hex(25));
                let create_at = self.past(700) * 1000;
                self.state.kchat_channels.push(KChatChannel {
                    id,
                    team_id: team_id.clone(),
                    name: ch.to_string(),
                    display_name: ch.replace('-', " "),
                    r#type: if ci == 3 { "P" } else { "O" }.into(),
                    purpose: String::new(),
                    create_at,
                    total_msg_count: self.rng.random_range(0..5000),
                });
            }
            for v in 0..per_account {
                let host = format!("vps{}-{}", v + 1, self.pick(WORDS));
                let id = self.product(acc, "cloud", &host);
                let ip_v4 = self.ip4();
                let ip_v6 = self.ip6();
                self.state.vps.push(Vps {
                    id,
                    account_id: acc,
                    internal_name: host,
                    ip_v4,
                    ip_v6,
                    cpu: 2 << v,
                    ram: 4 << v,
                    total_disk_space: 80 << v,
                    os_version: "Debian 12".into(),
                    managed: v % 2 == 1,
                });
            }
            let id = self.product(acc, "swiss_backup", &format!("Swiss Backup {acc}"));
            let slots = (0..1 + per_account as u64)
                .map(|s| BackupSlot {
                    id: id * 10 + s,
                    customer_name: format!("slot-{}", s + 1),
                    r#type: ["server", "acronis", "linux"][s as usize % 3].into(),
                    size: 500_000_000_000,
                    storage_used: self.rng.random_range(0..500_000_000_000),
                    usage_last_check: REFERENCE_TIME - 3_600,
                    locked: false,
                    email: String::new(),
                })
                .collect();
            self.state.backups.push(SwissBackup {
                id,
                account_id: acc,
                size: 2_000_000_000_000,
                admin_email: None,
                slots,
            });
            for _ in 0..3 * per_account {
                let code = self.b64(7).replace(['+', '/'], "x");
                let created_at = self.past(300);
                let expiration_date = self
                    .rng
                    .random_bool(0.3)
                    .then(|| REFERENCE_TIME + self.rng.random_range(-10..90) * 86_400);
                let url = format!("https://www.example.org/{}", self.hex(8));
                self.state.short_urls.push(ShortUrl {
                    code,
                    account_id: acc,
                    url,
                    created_at,
                    expiration_date,
                });
            }
            let id = self.product(acc, "ai_tools", "LLM API");
            self.state.ai_products.push(AiProduct {
                id,
                account_id: acc,
                name: "LLM API".into(),
                status: "ok".into(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_state_and_different_seed_differs() {
        assert_eq!(generate(42, Scale::Fleet), generate(42, Scale::Fleet));
        assert_ne!(generate(42, Scale::Fleet), generate(43, Scale::Fleet));
    }

    #[test]
    fn small_scale_has_the_named_situations() {
        let s = generate(1, Scale::Small);
        assert_eq!(s.accounts.len(), 1);
        assert_eq!(s.zones.len(), 4);
        let np = s.zone(ZONE_NO_MAIL_POLICY).unwrap();
        assert!(!np.records.iter().any(|r| r.target.contains("v=spf1")));
        assert!(!np.records.iter().any(|r| r.source == "_dmarc"));
        let wc = s.zone(ZONE_WILDCARD).unwrap();
        assert!(wc.records.iter().any(|r| r.source == "*"));
        assert!(wc.records.iter().any(|r| r.ttl == 60));
        assert!(s.zone(ZONE_DNSSEC).unwrap().dnssec.is_enabled);
        assert!(
            s.zone(ZONE_COMPLETE)
                .unwrap()
                .records
                .iter()
                .all(|r| r.ttl >= 60)
        );
    }

    #[test]
    fn fleet_scale_has_the_promised_sizes() {
        let s = generate(7, Scale::Fleet);
        assert_eq!(s.accounts.len(), 3);
        assert_eq!(s.domains.len(), 60);
        assert!(s.zone(ZONE_BIG).unwrap().records.len() >= 250);
        assert_eq!(s.web_hostings.len(), 46);
        assert_eq!(
            s.sites.len(),
            200 + crate::routes::hosting::world::FLEET_EXTRA_SITES
        );
        // 300 mailboxes, plus the 230 the mail seeding (routes::mail::seed) adds to one
        // hosting so that mailbox lists page.
        assert_eq!(s.mail_hostings.len(), 12);
        assert_eq!(s.mailboxes.len(), 530);
        let names: std::collections::HashSet<_> = s.domains.iter().map(|d| &d.name).collect();
        assert_eq!(names.len(), 60, "domain names are unique");
        for (svc, _) in SERVICES {
            assert!(
                s.products.iter().any(|p| p.service_name == *svc),
                "a {svc} product exists"
            );
        }
        let ids: std::collections::HashSet<_> = s.products.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), s.products.len(), "product ids are unique");
    }

    #[test]
    fn scale_parses() {
        assert_eq!("fleet".parse::<Scale>(), Ok(Scale::Fleet));
        assert!("huge".parse::<Scale>().is_err());
    }
}
