//! The tenant's in-memory world: every entity the simulated Infomaniak account holds.
//!
//! Routes read and mutate this behind one lock (see [`crate::server`]). Every product family a
//! plugin may administer is modelled here even when no route serves it yet, so that later
//! plugins only add routes, never reshape the data. Field names follow the API's JSON names.

use serde::Serialize;

/// Infomaniak's own name servers; a zone that uses them is "managed by Infomaniak DNS".
pub const INFOMANIAK_NS: [&str; 2] = ["ns11.infomaniak.ch", "ns12.infomaniak.ch"];

/// Whether a delegation uses only Infomaniak's name servers (otherwise they are external).
pub fn on_infomaniak_ns(nameservers: &[String]) -> bool {
    nameservers
        .iter()
        .all(|ns| INFOMANIAK_NS.contains(&ns.as_str()))
}

/// A customer account (organisation) the tokens can see.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Account {
    /// Account id.
    pub id: u64,
    /// Organisation name.
    pub name: String,
    /// `company`, `individual`, `public_body` or `restrict`.
    pub legal_entity_type: String,
    /// Unix seconds.
    pub created_at: i64,
    /// e.g. `fr_FR`.
    pub locale: String,
    /// Numeric language id (1 fr, 2 en, 3 de, 4 it, 5 es).
    pub language_id: u64,
    /// e.g. `Europe/Zurich`.
    pub timezone: String,
    /// Relation of the profile user to the account: `owner`, `partner_admin`, ...
    pub r#type: String,
    /// Support level 1 or 2.
    pub support_level: u64,
    /// Website, if any.
    pub website: String,
    /// Phone number.
    pub phone: String,
}

/// A person with access to an account (account users list, team members, product admins).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    /// User id.
    pub user_id: u64,
    /// Account this membership belongs to.
    pub account_id: u64,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Login e-mail.
    pub email: String,
    /// `owner`, `admin` or `normal`.
    pub role_type: String,
    /// `valid` or `pending`.
    pub state_in_account: String,
    /// Whether the user signs in through SSO.
    pub is_sso: bool,
    /// Unix seconds.
    pub last_login_at: i64,
    /// Whether two-factor authentication is on (security audits look at it).
    pub has_otp: bool,
}

/// An account team (group of users with product permissions).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Team {
    /// Team id.
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Display name.
    pub name: String,
    /// Colour index.
    pub color_id: u64,
    /// Owner user id.
    pub owned_by_id: u64,
    /// Creator user id.
    pub created_by_id: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// Members.
    pub user_ids: Vec<u64>,
    /// `(service_id, service_name, right)` grants.
    pub permissions: Vec<(u64, String, String)>,
}

/// A product tag of an account.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tag {
    /// Tag id.
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Label.
    pub name: String,
    /// Colour index.
    pub color: u64,
}

/// A pending (or settled) invitation to join an account.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Invitation {
    /// Invitation id.
    pub id: u64,
    /// Account the invitee would join.
    pub account_id: u64,
    /// Invitee e-mail.
    pub email: String,
    /// Invitee given name.
    pub first_name: String,
    /// Invitee family name.
    pub last_name: String,
    /// `pending`, `accepted`, `cancelled` or `rejected`.
    pub status: String,
    /// `admin`, `normal` or `owner`.
    pub role_type: String,
    /// e.g. `fr_FR`.
    pub locale: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expired_at: i64,
    /// User who sent it (`GET /1/accounts/{account}/invitations/users/{user}`).
    pub invited_by: u64,
    /// Teams the invitee joins on acceptance.
    pub team_ids: Vec<u64>,
    /// Billing access and mailings.
    pub has_billing: bool,
    /// Billing mailings.
    pub has_billing_mailing: bool,
    /// Product mailings.
    pub has_mailing: bool,
    /// Language of the invitation e-mail.
    pub language_id: u64,
    /// kSuite access `(kchat_role, kdrive_role)`, if granted.
    pub ksuite: Option<(String, String)>,
    /// kChat role granted on acceptance.
    pub kchat_role: Option<String>,
    /// kDrive accesses `(drive_id, role, right)`.
    pub drives: Vec<(u64, String, String)>,
    /// Mailbox accesses `(mail_id, mailbox_name)`.
    pub mailboxes: Vec<(u64, String)>,
    /// B2B customers (partnership ids) assigned to the invitee.
    pub partnership_ids: Vec<u64>,
}

/// One billed product of any service (`/1/products` item).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Product {
    /// Product id (also the id of the service-specific object, e.g. a mail hosting id).
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Numeric service id (see [`crate::seed::SERVICES`]).
    pub service_id: u64,
    /// Service name as `/1/products` reports it (`domain`, `hosting`, `email_hosting`, ...).
    pub service_name: String,
    /// Customer-visible name (often an FQDN).
    pub customer_name: String,
    /// Internal name.
    pub internal_name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; the *original* contract expiry (quirk Q9: stays in the past after renewal).
    pub expired_at: i64,
    /// Tag ids.
    pub tags: Vec<u64>,
    /// Whether the product is free.
    pub is_free: bool,
    /// Whether the product is a trial.
    pub is_trial: bool,
}

/// DNSSEC material of a zone or domain.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Dnssec {
    /// Whether DNSSEC is on.
    pub is_enabled: bool,
    /// Key-signing key algorithm number (as a string, like the API).
    pub algorithm: String,
    /// Base64 public key of the KSK.
    pub public_key: String,
    /// Key tag of the KSK.
    pub key_tag: String,
    /// DS digest.
    pub digest: String,
}

/// A registered domain name (registration side; its DNS lives in a [`Zone`]).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Domain {
    /// Product id of the `domain` product.
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// FQDN, lower case.
    pub name: String,
    /// Top-level domain without dot.
    pub tld: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; the live expiry (renewed), unlike the product's `expired_at`.
    pub expires_at: i64,
    /// Name servers delegated at the registry.
    pub nameservers: Vec<String>,
    /// Registry-side DNSSEC state and keys.
    pub dnssec: Dnssec,
    /// Whether the domain is registered elsewhere (only DNS hosted here).
    pub is_external: bool,
    /// Premium name.
    pub is_premium: bool,
    /// Renewal warranty option.
    pub renewal_warranty: bool,
    /// Whois privacy option.
    pub domain_privacy: bool,
    /// EPP statuses.
    pub status: Vec<String>,
}

/// One DNS record, stored the way the v2 API returns it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Record {
    /// Integer id (v2).
    pub id: u64,
    /// Relative name; apex is `.` (quirk Q4).
    pub source: String,
    /// Record type.
    pub r#type: String,
    /// Seconds, >= 60.
    pub ttl: u64,
    /// Target; TXT quoted (Q5), MX/SRV with priority inline (Q6).
    pub target: String,
    /// Unix seconds.
    pub updated_at: i64,
}

/// A DNS zone hosted by Infomaniak.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Zone {
    /// Zone id.
    pub id: u64,
    /// Account that owns the zone.
    pub account_id: u64,
    /// FQDN without trailing dot.
    pub fqdn: String,
    /// Name servers of the zone.
    pub nameservers: Vec<String>,
    /// DNSSEC state (mirrors the domain's when both exist).
    pub dnssec: Dnssec,
    /// Records, in id order.
    pub records: Vec<Record>,
}

/// A mail hosting service (`email_hosting` product).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MailHosting {
    /// Product id = mail hosting id.
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Mail domain.
    pub domain: String,
    /// Maximum mailboxes of the pack.
    pub max_mailboxes: u64,
    /// DKIM signing on.
    pub dkim_enabled: bool,
}

/// A mailbox inside a mail hosting.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mailbox {
    /// Internal id.
    pub mailbox_id: u64,
    /// Mail hosting (product) id.
    pub mail_hosting_id: u64,
    /// Local part.
    pub mailbox_name: String,
    /// Full address.
    pub mailbox: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Bytes used.
    pub size: u64,
    /// Alias local parts.
    pub aliases: Vec<String>,
    /// Forwarding targets.
    pub redirections: Vec<String>,
    /// Auto-reply on.
    pub has_auto_responder: bool,
    /// Unix seconds of last IMAP login (0 = never).
    pub imap_last_login_at: i64,
    /// Blocked senders.
    pub blocked_senders: Vec<String>,
    /// Authorized senders.
    pub authorized_senders: Vec<String>,
}

/// A web hosting (`hosting` product).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WebHosting {
    /// Product id = hosting id.
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Customer name.
    pub customer_name: String,
    /// `h2` (shared) or `h3` (cloud/Node.js).
    pub hosting_type: String,
    /// System prefix prepended to database names.
    pub prefix: String,
    /// Root path.
    pub hosting_root_path: String,
}

/// A website on a web hosting.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Site {
    /// Site id.
    pub id: u64,
    /// Hosting id.
    pub hosting_id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Main FQDN.
    pub main_fqdn: String,
    /// Directory, `/sites/<fqdn>`.
    pub directory: String,
    /// `free`, `paid`, `custom` or `disabled`.
    pub ssl_status: String,
    /// Unix seconds of certificate expiry (0 if none).
    pub ssl_expired_at: i64,
    /// WordPress version if installed.
    pub wordpress_version: Option<String>,
    /// PHP version.
    pub php_version: String,
}

/// A kDrive.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Drive {
    /// Drive id (= product id).
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Name.
    pub name: String,
    /// Bytes available.
    pub size: u64,
    /// Bytes used.
    pub used_size: u64,
    /// Number of users.
    pub users_count: u64,
    /// Users, files, rights, links, trash, settings, activities (`routes::drive`).
    pub kdrive: crate::routes::drive::DriveData,
}

/// A kChat team (Mattermost).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KChatTeam {
    /// String id (Mattermost style).
    pub id: String,
    /// Owning account.
    pub account_id: u64,
    /// URL name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Epoch milliseconds.
    pub create_at: i64,
}

/// A kChat channel.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KChatChannel {
    /// String id.
    pub id: String,
    /// Team id.
    pub team_id: String,
    /// URL name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// `O` public, `P` private.
    pub r#type: String,
    /// Purpose text.
    pub purpose: String,
    /// Epoch milliseconds.
    pub create_at: i64,
    /// Messages posted.
    pub total_msg_count: u64,
}

/// A VPS / Cloud Server (`cloud` product).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Vps {
    /// Product id.
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Host name.
    pub internal_name: String,
    /// IPv4.
    pub ip_v4: String,
    /// IPv6.
    pub ip_v6: String,
    /// vCPUs.
    pub cpu: u64,
    /// RAM in GiB.
    pub ram: u64,
    /// Disk in GiB.
    pub total_disk_space: u64,
    /// OS.
    pub os_version: String,
    /// Managed by Infomaniak.
    pub managed: bool,
}

/// A Swiss Backup product and its slots.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SwissBackup {
    /// Product id.
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Bytes bought.
    pub size: u64,
    /// Administrator e-mail, once set.
    pub admin_email: Option<String>,
    /// Slots.
    pub slots: Vec<BackupSlot>,
}

/// One Swiss Backup slot.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BackupSlot {
    /// Slot id.
    pub id: u64,
    /// Name.
    pub customer_name: String,
    /// `acronis`, `linux`, `server`, ...
    pub r#type: String,
    /// Bytes allotted.
    pub size: u64,
    /// Bytes used.
    pub storage_used: u64,
    /// When the slot's usage was last measured (unix seconds, on the seed's reference clock).
    pub usage_last_check: i64,
    /// Disabled (backups to it refused).
    pub locked: bool,
    /// Contact e-mail for the slot's access details.
    pub email: String,
}

/// A short URL of the URL shortener.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShortUrl {
    /// Short code.
    pub code: String,
    /// Owning account.
    pub account_id: u64,
    /// Long URL.
    pub url: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, if it expires.
    pub expiration_date: Option<i64>,
}

/// An AI Tools (LLM API) product.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AiProduct {
    /// Product id.
    pub id: u64,
    /// Owning account.
    pub account_id: u64,
    /// Product name.
    pub name: String,
    /// `ok`, ...
    pub status: String,
}

/// The whole tenant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// kChat (its own servers and objects, `routes::kchat`).
    pub kchat: crate::routes::kchat::world::World,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Account users (first one is the profile user).
    pub users: Vec<User>,
    /// Teams.
    pub teams: Vec<Team>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Invitations.
    pub invitations: Vec<Invitation>,
    /// Products of every service.
    pub products: Vec<Product>,
    /// Registered domains.
    pub domains: Vec<Domain>,
    /// DNS zones.
    pub zones: Vec<Zone>,
    /// Mail hostings.
    pub mail_hostings: Vec<MailHosting>,
    /// Mailboxes.
    pub mailboxes: Vec<Mailbox>,
    /// Mail state beyond hostings and mailboxes (forwarding, filters, redirections...).
    pub mail: crate::routes::mail::MailWorld,
    /// Web hostings.
    pub web_hostings: Vec<WebHosting>,
    /// Sites.
    pub sites: Vec<Site>,
    /// kDrives.
    pub drives: Vec<Drive>,
    /// kChat teams.
    pub kchat_teams: Vec<KChatTeam>,
    /// kChat channels.
    pub kchat_channels: Vec<KChatChannel>,
    /// VPS.
    pub vps: Vec<Vps>,
    /// Swiss Backup products.
    pub backups: Vec<SwissBackup>,
    /// Short URLs.
    pub short_urls: Vec<ShortUrl>,
    /// AI products.
    pub ai_products: Vec<AiProduct>,
    /// Public clouds, their projects and services.
    pub cloud: crate::cloud_world::CloudWorld,
    /// AI consumption and batches, short-URL limit.
    pub utilities: crate::utilities_world::UtilitiesWorld,
    /// Next id handed out by [`State::next_id`].
    pub id_counter: u64,
    /// Web hosting beyond hostings and sites (databases, users, aliases, Node.js…).
    pub hosting: crate::routes::hosting::HostingWorld,
}

impl State {
    /// Hands out a fresh id (records, zones, ... created at run time).
    pub fn next_id(&mut self) -> u64 {
        self.id_counter += 1;
        self.id_counter
    }

    /// The user `/2/profile` describes: the owner of the first account.
    pub fn profile_user(&self) -> &User {
        &self.users[0]
    }

    /// Finds a zone by FQDN (case-insensitive, trailing dot ignored).
    pub fn zone(&self, fqdn: &str) -> Option<&Zone> {
        let fqdn = normalize_fqdn(fqdn);
        self.zones.iter().find(|z| z.fqdn == fqdn)
    }

    /// Mutable [`State::zone`].
    pub fn zone_mut(&mut self, fqdn: &str) -> Option<&mut Zone> {
        let fqdn = normalize_fqdn(fqdn);
        self.zones.iter_mut().find(|z| z.fqdn == fqdn)
    }

    /// Finds a registered domain by name, or by product id given as digits.
    pub fn domain(&self, name_or_id: &str) -> Option<&Domain> {
        if let Ok(id) = name_or_id.parse::<u64>() {
            return self.domains.iter().find(|d| d.id == id);
        }
        let name = normalize_fqdn(name_or_id);
        self.domains.iter().find(|d| d.name == name)
    }

    /// Mutable [`State::domain`].
    pub fn domain_mut(&mut self, name_or_id: &str) -> Option<&mut Domain> {
        if let Ok(id) = name_or_id.parse::<u64>() {
            return self.domains.iter_mut().find(|d| d.id == id);
        }
        let name = normalize_fqdn(name_or_id);
        self.domains.iter_mut().find(|d| d.name == name)
    }
}

/// Lower-cases an FQDN and strips one trailing dot (the API wants zone names without it).
pub fn normalize_fqdn(fqdn: &str) -> String {
    fqdn.trim().trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqdn_normalisation_strips_dot_and_case() {
        assert_eq!(normalize_fqdn("Example.COM."), "example.com");
        assert_eq!(normalize_fqdn("a.b"), "a.b");
    }

    #[test]
    fn next_id_is_monotonic() {
        let mut s = State::default();
        let a = s.next_id();
        assert_eq!(s.next_id(), a + 1);
    }
}
