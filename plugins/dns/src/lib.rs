//! The `dns` plugin: Infomaniak domains, DNS zones and records, DNSSEC, name servers and
//! DNS posture audits. It is also the reference for how a plugin is written with
//! `ikmcp-pdk`: one [`ToolSpec`] and one or two typed handlers per tool.

pub mod audit;
pub mod dnssec;
pub mod domains;
pub mod names;
pub mod records;
pub mod resources;
pub mod targets;
pub mod zone;

#[cfg(test)]
mod tests;

use ikmcp_pdk::{Effect, INFOMANIAK_API, Plugin, PluginInfo, Registry, ToolSpec};

/// The plugin, as exported to the host.
pub struct Dns;

/// Name of the create tool (undone by the delete tool).
pub const CREATE_RECORD: &str = "infomaniak_dns_create_record";
/// Name of the delete tool.
pub const DELETE_RECORD: &str = "infomaniak_dns_delete_record";

impl Plugin for Dns {
    fn registry() -> Registry {
        Registry::new(PluginInfo {
            id: "dns",
            version: env!("CARGO_PKG_VERSION"),
            description: "Infomaniak domains, DNS zones and records, DNSSEC, name servers and DNS audits",
            roles: &[INFOMANIAK_API],
        })
        .read(
            ToolSpec {
                name: "infomaniak_list_domains",
                title: "List domains",
                description: "Every domain of the account(s), all pages, with product and account ids. Start here to find a zone.",
                category: "domain",
                idempotent: true,
                undo_tool: None,
                keywords: &["show", "account", "registered"],
                ..ToolSpec::default()
            },
            domains::list_domains,
        )
        .read(
            ToolSpec {
                name: "infomaniak_get_domain",
                title: "Get domain",
                description: "One domain: DNS served by Infomaniak or not, DNSSEC, status, registration (expiry, contacts).",
                category: "domain",
                idempotent: true,
                undo_tool: None,
                keywords: &["expiry", "renewal", "registration", "contacts", "whois"],
                ..ToolSpec::default()
            },
            domains::get_domain,
        )
        .read(
            ToolSpec {
                name: "infomaniak_dns_list_records",
                title: "List DNS records",
                description: "Every record of a zone (all pages): id, source (`.` = apex), type, target, TTL; filter by type or name.",
                category: "dns",
                idempotent: true,
                undo_tool: None,
                keywords: &["show", "zone", "mx", "txt", "cname", "spf", "dmarc", "ttl"],
                ..ToolSpec::default()
            },
            records::list,
        )
        .write(
            ToolSpec {
                name: CREATE_RECORD,
                title: "Create DNS record",
                description: "Create a DNS record; the target is checked for its type. An identical record is reported, not duplicated.",
                category: "dns",
                idempotent: false,
                undo_tool: Some(DELETE_RECORD),
                keywords: &["add", "new", "mx", "txt", "cname", "spf", "dmarc", "dkim", "srv", "caa", "aaaa", "verification"],
                ..ToolSpec::default()
            },
            Effect::Write,
            records::plan_create,
            records::apply_create,
        )
        .write(
            ToolSpec {
                name: "infomaniak_dns_update_record",
                title: "Update DNS record",
                description: "Change a record's target, TTL or MX/SRV priority; the plan shows before and after.",
                category: "dns",
                idempotent: true,
                undo_tool: None,
                keywords: &["change", "edit", "modify", "ttl", "mx", "txt", "cname", "spf", "ip"],
                ..ToolSpec::default()
            },
            Effect::Write,
            records::plan_update,
            records::apply_update,
        )
        .write(
            ToolSpec {
                name: DELETE_RECORD,
                title: "Delete DNS record",
                description: "Delete one record; the plan shows what goes. SOA and apex NS records are refused.",
                category: "dns",
                idempotent: true,
                undo_tool: None,
                keywords: &["remove", "mx", "txt", "cname", "spf", "dmarc"],
                ..ToolSpec::default()
            },
            Effect::Destructive,
            records::plan_delete,
            records::apply_delete,
        )
        .write(
            ToolSpec {
                name: "infomaniak_manage_dnssec",
                title: "Check, enable or disable DNSSEC",
                description: "DNSSEC of a domain: check shows the status; enable or disable changes it.",
                category: "dns",
                idempotent: true,
                undo_tool: None,
                keywords: &["security", "signing", "ds"],
                ..ToolSpec::default()
            },
            Effect::Write,
            dnssec::plan,
            dnssec::apply,
        )
        .read(
            ToolSpec {
                name: "infomaniak_get_domain_resources",
                title: "Read a domain or zone resource",
                description: "Reads what other tools do not: list_domains, get_domain, dnssec_check, list_zones (domain); show_zone, zone_exists (zone); get_record, check_record (zone, record_id).",
                category: "domain",
                idempotent: true,
                undo_tool: None,
                keywords: &["zone", "zones", "served", "exists", "resolve"],
                ..ToolSpec::default()
            },
            resources::get,
        )
        .write(
            ToolSpec {
                name: "infomaniak_manage_domain_nameservers",
                title: "Change domain name servers",
                description: "Delegate a domain to other name servers or back to Infomaniak's. This can take a site and mail offline.",
                category: "domain",
                idempotent: true,
                undo_tool: None,
                keywords: &["ns", "nameserver", "delegation", "registrar"],
                ..ToolSpec::default()
            },
            Effect::Destructive,
            domains::plan_nameservers,
            domains::apply_nameservers,
        )
        .read(
            ToolSpec {
                name: "infomaniak_audit_domain_dns_admin",
                title: "Audit one domain's DNS",
                description: "Audit one zone: MX, SPF, DMARC, DNSSEC, wildcards, low TTLs; each finding has a severity and a fix.",
                category: "audit",
                idempotent: true,
                undo_tool: None,
                keywords: &["check", "security", "posture", "spf", "dmarc", "mx", "health", "review"],
                ..ToolSpec::default()
            },
            audit::audit_domain,
        )
        .read(
            ToolSpec {
                name: "infomaniak_audit_dns_zones",
                title: "Audit every DNS zone",
                description: "The one-zone audit over every domain (all pages), with progress and totals; a failing zone does not stop it.",
                category: "audit",
                idempotent: true,
                undo_tool: None,
                keywords: &["check", "security", "posture", "spf", "dmarc", "health", "review", "all"],
                ..ToolSpec::default()
            },
            audit::audit_zones,
        )
    }
}

ikmcp_pdk::export_plugin!(Dns);
