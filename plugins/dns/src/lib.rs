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

ikmcp_pdk::tool_names! {
    /// Every domain of the account(s).
    LIST_DOMAINS = "infomaniak_list_domains";
    /// One domain's details.
    GET_DOMAIN = "infomaniak_get_domain";
    /// The records of a zone.
    LIST_RECORDS = "infomaniak_dns_list_records";
    /// Creates a record (undone by [`DELETE_RECORD`]).
    CREATE_RECORD = "infomaniak_dns_create_record";
    /// Changes a record.
    UPDATE_RECORD = "infomaniak_dns_update_record";
    /// Deletes a record.
    DELETE_RECORD = "infomaniak_dns_delete_record";
    /// Checks, enables or disables DNSSEC.
    MANAGE_DNSSEC = "infomaniak_manage_dnssec";
    /// One read of the domain and zone APIs.
    GET_DOMAIN_RESOURCES = "infomaniak_get_domain_resources";
    /// Changes a domain's name servers.
    MANAGE_NAMESERVERS = "infomaniak_manage_domain_nameservers";
    /// Audits one zone.
    AUDIT_ZONE = "infomaniak_audit_domain_dns_admin";
    /// Audits every zone.
    AUDIT_ZONES = "infomaniak_audit_dns_zones";
}

impl Plugin for Dns {
    fn registry() -> Registry {
        Registry::new(PluginInfo {
            id: "dns",
            version: env!("CARGO_PKG_VERSION"),
            description: "Infomaniak domains, DNS zones and records, DNSSEC, name servers and DNS audits",
            roles: &[INFOMANIAK_API],
        })
        .read(
            ToolSpec::new(LIST_DOMAINS, "List domains",
                "Every domain of the account(s), all pages. Start here to find a zone.")
                .category("domain")
                .keywords(&["show", "account", "registered"]),
            domains::list_domains,
        )
        .read(
            ToolSpec::new(GET_DOMAIN, "Get domain",
                "One domain: DNS served by Infomaniak or not, DNSSEC, status, registration (expiry, contacts).")
                .category("domain")
                .keywords(&["expiry", "renewal", "registration", "contacts", "whois"]),
            domains::get_domain,
        )
        .read(
            ToolSpec::new(LIST_RECORDS, "List DNS records",
                "Every record of a zone (all pages); filter by type or name.")
                .category("dns")
                .keywords(&["show", "zone", "mx", "txt", "cname", "spf", "dmarc", "ttl"]),
            records::list,
        )
        .write(
            ToolSpec::new(CREATE_RECORD, "Create DNS record",
                "Create a DNS record (target checked for its type; no duplicates).")
                .category("dns")
                .undo(DELETE_RECORD)
                .keywords(&["add", "new", "mx", "txt", "cname", "spf", "dmarc", "dkim", "srv", "caa", "aaaa", "verification"]),
            Effect::Write,
            records::plan_create,
            records::apply_create,
        )
        .write(
            ToolSpec::new(UPDATE_RECORD, "Update DNS record",
                "Change a record's target, TTL or MX/SRV priority.")
                .category("dns")
                .idempotent()
                .keywords(&["change", "edit", "modify", "ttl", "mx", "txt", "cname", "spf", "ip"]),
            Effect::Write,
            records::plan_update,
            records::apply_update,
        )
        .write(
            ToolSpec::new(DELETE_RECORD, "Delete DNS record",
                "Delete one record (never SOA or apex NS).")
                .category("dns")
                .idempotent()
                .keywords(&["remove", "mx", "txt", "cname", "spf", "dmarc"]),
            Effect::Destructive,
            records::plan_delete,
            records::apply_delete,
        )
        .write_intent(
            ToolSpec::new(MANAGE_DNSSEC, "Check, enable or disable DNSSEC",
                "Check, enable or disable a domain's DNSSEC.")
                .category("dns")
                .idempotent()
                .keywords(&["security", "signing", "ds"]),
            Effect::Write,
            dnssec::plan,
            dnssec::apply,
        )
        .read(
            ToolSpec::new(GET_DOMAIN_RESOURCES, "Read a domain or zone resource",
                "One domain or zone resource the other tools do not show.")
                .category("domain")
                .keywords(&["zone", "zones", "served", "exists", "resolve"]),
            resources::get,
        )
        .write(
            ToolSpec::new(MANAGE_NAMESERVERS, "Change domain name servers",
                "Point a domain at other name servers or back to Infomaniak's; can take its site and mail offline.")
                .category("domain")
                .idempotent()
                .keywords(&["ns", "nameserver", "delegation", "registrar"]),
            Effect::Destructive,
            domains::plan_nameservers,
            domains::apply_nameservers,
        )
        .read(
            ToolSpec::new(AUDIT_ZONE, "Audit one domain's DNS",
                "Audit one zone: MX, SPF, DMARC, DNSSEC, wildcards, low TTLs; each finding has a severity and a fix.")
                .category("audit")
                .keywords(&["check", "security", "posture", "spf", "dmarc", "mx", "health", "review"]),
            audit::audit_domain,
        )
        .read(
            ToolSpec::new(AUDIT_ZONES, "Audit every DNS zone",
                "The one-zone audit over every domain, with progress; failures do not stop it.")
                .category("audit")
                .keywords(&["check", "security", "posture", "spf", "dmarc", "health", "review", "all"]),
            audit::audit_zones,
        )
    }
}

ikmcp_pdk::export_plugin!(Dns);
