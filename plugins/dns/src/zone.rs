//! Reading zone state from the DNS API: the record model and the GETs every tool shares.

use ikmcp_pdk::error::{conflict, invalid_args, not_found};
use ikmcp_pdk::{Api, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One DNS record as the API returns it (`source` is relative, `.` for the apex; MX/SRV
/// priority is inside `target`; TXT targets come back quoted, infomaniak-api.md Q5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DnsRecord {
    /// Record id (use it with update and delete).
    pub id: i64,
    /// Owner name relative to the zone; `.` is the zone apex.
    pub source: String,
    /// Record type (A, AAAA, CNAME, MX, TXT, …).
    #[serde(rename = "type")]
    pub record_type: String,
    /// Value as the API stores it (MX `priority host`, TXT quoted).
    pub target: String,
    /// Time to live in seconds.
    pub ttl: u32,
    /// Last change, unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
}

/// Path of a zone's record collection.
pub fn records_path(zone: &str) -> String {
    format!("/2/zones/{zone}/records")
}

/// Path of one record.
pub fn record_path(zone: &str, id: i64) -> String {
    format!("/2/zones/{zone}/records/{id}")
}

/// Record types `filter[types][]` accepts (dns.json, `GET /2/zones/{zone}/records`): the
/// creatable ones plus those the API manages itself (DNSKEY, PTR, SOA).
pub const LISTABLE_TYPES: &[&str] = &[
    "A", "AAAA", "CAA", "CNAME", "DNAME", "DNSKEY", "DS", "MX", "NS", "PTR", "SMIMEA", "SOA",
    "SRV", "SSHFP", "TLSA", "TXT",
];

/// A type filter in the API's spelling, checked against [`LISTABLE_TYPES`] before it is sent.
pub fn listable_type(given: &str) -> Result<String, ToolError> {
    let t = given.trim().to_ascii_uppercase();
    if LISTABLE_TYPES.contains(&t.as_str()) {
        Ok(t)
    } else {
        Err(invalid_args(
            format!("`{given}` is not a DNS record type the API can filter on"),
            format!("use one of {}", LISTABLE_TYPES.join(", ")),
        ))
    }
}

/// Every record of `zone` (all pages), optionally pre-filtered by type on the API side.
pub fn list_records(
    api: &Api,
    zone: &str,
    rtype: Option<&str>,
) -> Result<Vec<DnsRecord>, ToolError> {
    let path = records_path(zone);
    let query: Vec<(&str, &str)> = rtype
        .map(|t| vec![("filter[types][]", t)])
        .unwrap_or_default();
    api.list_all_as(&path, &query)
        .map_err(|e| zone_hint(e, zone))
}

/// One record by id, with a hint on where to find ids when it does not exist.
pub fn get_record(api: &Api, zone: &str, id: i64) -> Result<DnsRecord, ToolError> {
    api.get_as(&record_path(zone, id), &[]).map_err(|e| {
        if e.is_not_found() {
            e.with_hint(format!(
                "record {id} or zone {zone} does not exist: call infomaniak_dns_list_records with zone {zone} to find the record id"
            ))
        } else {
            e
        }
    })
}

/// Where a DNS name lives: the zone that holds it, and the registered domain (the base
/// zone) that zone belongs to. `shop.example.com` delegated from `example.com` is a zone of
/// domain `example.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The most specific zone holding the name (the name itself when it is a zone).
    pub zone: String,
    /// The registered domain: the least specific zone holding the name.
    pub domain: String,
}

impl Located {
    /// The labels of `name` left of the zone (`www` for `www.example.com` in `example.com`),
    /// `None` when the name is the zone.
    pub fn prefix(&self, name: &str) -> Option<String> {
        name.strip_suffix(&format!(".{}", self.zone))
            .map(str::to_string)
    }
}

#[derive(Deserialize)]
struct ZoneItem {
    fqdn: String,
}

/// Finds the zone holding `name` the way acme.sh does: `GET /2/domains/{name}/zones` with
/// the full name (dns.json "Retrieve base zone and delegated zone for a domain"; acme.sh
/// `dnsapi/dns_infomaniak.sh` `_get_zone`), every page. Of the zones listed, the most
/// specific one that is `name` or a parent of it holds it; acme.sh takes the first listed,
/// which relies on an order nothing documents, so this compares names instead.
pub fn locate(api: &Api, name: &str) -> Result<Located, ToolError> {
    let path = format!("/2/domains/{name}/zones");
    let zones: Vec<ZoneItem> = api.list_all_as(&path, &[]).map_err(|e| {
        if e.is_not_found() {
            e.with_hint(format!(
                "no domain of this account holds {name}: check the spelling with infomaniak_list_domains"
            ))
        } else {
            e
        }
    })?;
    let holding: Vec<String> = zones
        .into_iter()
        .map(|z| z.fqdn.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|z| name == z || name.ends_with(&format!(".{z}")))
        .collect();
    let pick = |longest: bool| {
        holding
            .iter()
            .max_by_key(|z| {
                if longest {
                    z.len() as i64
                } else {
                    -(z.len() as i64)
                }
            })
            .cloned()
    };
    match (pick(true), pick(false)) {
        (Some(zone), Some(domain)) => Ok(Located { zone, domain }),
        _ => Err(not_found(
            format!("no DNS zone of this account holds {name}"),
            "check the spelling with infomaniak_list_domains; a name outside every zone cannot carry records here",
        )),
    }
}

/// Runs `read` on the zone named `given`; when the API does not know such a zone, finds
/// the zone holding that name ([`locate`]) and runs `read` there. Costs one more request
/// only when `given` is not a zone. Returns the zone used, the labels of `given` left of
/// it, and what `read` returned.
pub fn in_zone<T>(
    api: &Api,
    given: &str,
    read: impl Fn(&str) -> Result<T, ToolError>,
) -> Result<(String, Option<String>, T), ToolError> {
    match read(given) {
        Ok(v) => Ok((given.to_string(), None, v)),
        Err(e) if e.is_not_found() => {
            let located = match locate(api, given) {
                Ok(l) if l.zone != given => l,
                _ => return Err(e),
            };
            let prefix = located.prefix(given);
            let v = read(&located.zone)?;
            Ok((located.zone, prefix, v))
        }
        Err(e) => Err(e),
    }
}

/// The DNSSEC status of a domain (`/2/domains/{domain}/dnssec/check`).
pub fn dnssec_status(api: &Api, domain: &str) -> Result<Map<String, Value>, ToolError> {
    api.get_as(&format!("/2/domains/{domain}/dnssec/check"), &[])
        .map_err(|e| zone_hint(e, domain))
}

/// Whether a DNSSEC status says DNSSEC is on.
pub fn has_dnssec(status: &Map<String, Value>) -> bool {
    status
        .get("has_dnssec")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn zone_hint(e: ToolError, zone: &str) -> ToolError {
    if e.is_not_found() {
        e.with_hint(format!(
            "zone {zone} is not managed by this account's Infomaniak DNS: check the spelling with infomaniak_list_domains"
        ))
    } else {
        e
    }
}

/// Gives the DNS API's business refusals (HTTP 400) their proper kind: a record clash is a
/// conflict, a record the API finds invalid is an argument problem.
pub fn refine_error(e: ToolError) -> ToolError {
    let ToolError::Upstream(u) = &e else {
        return e;
    };
    match u.code.as_str() {
        "dns_record_mutual_exclusion" => conflict(
            u.message.clone(),
            "another record of that name excludes this one (a CNAME must be alone): list the records of that name and remove the clash first",
        ),
        "invalid_dns_record" | "unsupported_dns_record_type" => invalid_args(
            u.message.clone(),
            "the API refused the record's value for its type: check the target format in the tool description",
        ),
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ikmcp_pdk::error::upstream;

    #[test]
    fn business_refusals_get_their_kind() {
        let e = refine_error(upstream(400, "dns_record_mutual_exclusion", "clash", None));
        assert!(matches!(e, ToolError::Conflict(d) if d.message == "clash"));
        let e = refine_error(upstream(400, "invalid_dns_record", "bad", None));
        assert!(matches!(e, ToolError::InvalidArgs(_)));
        let e = refine_error(upstream(500, "unexpected_error", "boom", None));
        assert!(matches!(e, ToolError::Upstream(u) if u.status == 500));
    }
}
