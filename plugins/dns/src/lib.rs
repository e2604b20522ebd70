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
                description: "List every domain name of the Infomaniak account(s) the token can see (all pages), \
                    with product id, account id and contract dates. Use it first to find the zone or domain name \
                    other DNS tools need. Optional account_id limits it to one account.",
                category: "domain",
                idempotent: true,
                undo_tool: None,
            },
            domains::list_domains,
        )
        .read(
            ToolSpec {
                name: "infomaniak_get_domain",
                title: "Get domain",
                description: "Show one domain: whether its DNS is managed by Infomaniak, DNSSEC, status flags, \
                    and the registration (live expiry, options, contacts, EPP status) when available.",
                category: "domain",
                idempotent: true,
                undo_tool: None,
            },
            domains::get_domain,
        )
        .read(
            ToolSpec {
                name: "infomaniak_dns_list_records",
                title: "List DNS records",
                description: "List the records of a DNS zone (every page, never truncated), optionally only one \
                    type and/or one name. Gives each record's id (needed to update or delete it), name \
                    (source, `.` = apex), type, target and TTL. TXT targets are shown quoted and MX/SRV \
                    priorities are the first field of target, as the API stores them.",
                category: "dns",
                idempotent: true,
                undo_tool: None,
            },
            records::list,
        )
        .write(
            ToolSpec {
                name: CREATE_RECORD,
                title: "Create DNS record",
                description: "Create a DNS record in a zone (A, AAAA, CNAME, MX, TXT, SRV, CAA, NS, DS, TLSA, \
                    SSHFP, SMIMEA, DNAME). The target is validated for the type: A = IPv4, AAAA = IPv6, \
                    CNAME/NS = host name, MX = `priority host` (or priority given separately), SRV = \
                    `priority weight port target`, CAA = `flags tag value`, TXT = the text itself (sent \
                    raw, shown quoted). A zone given as a full name (www.example.com) is found. \
                    source is relative (www, _dmarc) with @ or nothing for the apex; no CNAME at the apex. \
                    TTL 60..86400, default 3600. An identical record is reported, not duplicated. Two-phase: \
                    returns a plan to confirm. Undo with infomaniak_dns_delete_record.",
                category: "dns",
                idempotent: false,
                undo_tool: Some(DELETE_RECORD),
            },
            Effect::Write,
            records::plan_create,
            records::apply_create,
        )
        .write(
            ToolSpec {
                name: "infomaniak_dns_update_record",
                title: "Update DNS record",
                description: "Change the target, TTL or MX/SRV priority of an existing record, found by zone and \
                    record_id (from infomaniak_dns_list_records). The new target is validated for the \
                    record's type. The plan shows the record before and after. Two-phase: returns a plan \
                    to confirm.",
                category: "dns",
                idempotent: true,
                undo_tool: None,
            },
            Effect::Write,
            records::plan_update,
            records::apply_update,
        )
        .write(
            ToolSpec {
                name: DELETE_RECORD,
                title: "Delete DNS record",
                description: "Delete one record of a zone by record_id (from infomaniak_dns_list_records). The \
                    plan shows the record that will be removed; the zone's SOA and apex NS records are \
                    refused. Two-phase: returns a plan to confirm.",
                category: "dns",
                idempotent: true,
                undo_tool: None,
            },
            Effect::Destructive,
            records::plan_delete,
            records::apply_delete,
        )
        .write(
            ToolSpec {
                name: "infomaniak_manage_dnssec",
                title: "Check, enable or disable DNSSEC",
                description: "DNSSEC for a domain: action check reports the status at once (no confirmation); \
                    enable or disable returns a plan to confirm, or reports that nothing needs to change. \
                    On external name servers, enable needs dnssec_data (the provider's DS records).",
                category: "dns",
                idempotent: true,
                undo_tool: None,
            },
            Effect::Write,
            dnssec::plan,
            dnssec::apply,
        )
        .read(
            ToolSpec {
                name: "infomaniak_get_domain_resources",
                title: "Read a domain or zone resource",
                description: "Read one resource of the domain and zone APIs that the other tools do not \
                    show: list_domains (registered domains, all pages), get_domain, dnssec_check, \
                    list_zones (base and delegated zones of a domain) with domain; show_zone and \
                    zone_exists with zone; get_record and check_record (is the record actually served) \
                    with zone and record_id.",
                category: "domain",
                idempotent: true,
                undo_tool: None,
            },
            resources::get,
        )
        .write(
            ToolSpec {
                name: "infomaniak_manage_domain_nameservers",
                title: "Change domain name servers",
                description: "Change which name servers a domain is delegated to at the registry: either \
                    nameservers (at least 2 host names) or use_infomaniak_ns: true, not both. This decides \
                    which DNS zone the world sees, so it can take a site and mail offline. Two-phase: \
                    returns a plan to confirm.",
                category: "domain",
                idempotent: true,
                undo_tool: None,
            },
            Effect::Destructive,
            domains::plan_nameservers,
            domains::apply_nameservers,
        )
        .read(
            ToolSpec {
                name: "infomaniak_audit_domain_dns_admin",
                title: "Audit one domain's DNS",
                description: "Audit one zone's DNS posture: missing MX, missing or duplicate SPF, missing DMARC, \
                    DNSSEC off, wildcard records and TTLs below low_ttl_threshold (default 300 s). Each \
                    finding has a severity and a concrete fix naming the tool to use.",
                category: "audit",
                idempotent: true,
                undo_tool: None,
            },
            audit::audit_domain,
        )
        .read(
            ToolSpec {
                name: "infomaniak_audit_dns_zones",
                title: "Audit every DNS zone",
                description: "Audit the DNS posture of every domain of the account(s) (all pages), zone by zone, \
                    with progress: the same checks as infomaniak_audit_domain_dns_admin, with per-zone and \
                    total counts by severity. A zone that fails is reported and the audit goes on. Narrow it \
                    with account_id, filter_contains or max_domains on large accounts.",
                category: "audit",
                idempotent: true,
                undo_tool: None,
            },
            audit::audit_zones,
        )
    }
}

ikmcp_pdk::export_plugin!(Dns);
