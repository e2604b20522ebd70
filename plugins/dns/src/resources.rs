//! `infomaniak_get_domain_resources`: one read-only GET per named resource of the domain
//! and zone APIs, for what the dedicated tools do not show.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::names;
use crate::zone::{get_record, record_path};

// Which resource to read (no doc comment: the enum's values are its schema description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Registered domains (`/2/domains/domains`, all pages).
    ListDomains,
    /// One registered domain (needs domain).
    GetDomain,
    /// DNSSEC status of a domain (needs domain).
    DnssecCheck,
    /// The zones of a domain: base zone and delegated zones (needs domain).
    ListZones,
    /// One zone: DNSSEC, name servers (needs zone).
    ShowZone,
    /// Whether a zone exists at Infomaniak (needs zone).
    ZoneExists,
    /// One record (needs zone and record_id).
    GetRecord,
    /// Whether a record is actually served by the name servers (needs zone and record_id).
    CheckRecord,
}

/// Arguments of `infomaniak_get_domain_resources`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceArgs {
    pub resource: Resource,
    /// For get_domain, dnssec_check, list_zones.
    pub domain: Option<String>,
    /// For show_zone, zone_exists, get_record, check_record.
    pub zone: Option<String>,
    /// For get_record and check_record.
    pub record_id: Option<i64>,
}

/// Result of `infomaniak_get_domain_resources`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResourceOutput {
    /// The resource read.
    pub resource: Resource,
    /// The API's data for it.
    pub data: Value,
}

fn required(value: &Option<String>, name: &str, resource: Resource) -> Result<String, ToolError> {
    match value.as_deref() {
        Some(v) => names::zone(v),
        None => Err(missing(name, resource)),
    }
}

fn missing(name: &str, resource: Resource) -> ToolError {
    let resource = serde_json::to_value(resource).unwrap_or(Value::Null);
    invalid_args(
        format!("resource {resource} needs {name}"),
        format!("call again with {name} set"),
    )
}

/// Reads the resource asked for.
pub fn get(ctx: &Ctx, args: ResourceArgs) -> Result<ResourceOutput, ToolError> {
    let api = ctx.api();
    let r = args.resource;
    let record_id = || args.record_id.ok_or_else(|| missing("record_id", r));
    let data = match r {
        Resource::ListDomains => Value::Array(api.list_all("/2/domains/domains", &[])?),
        Resource::GetDomain => {
            let d = required(&args.domain, "domain", r)?;
            api.get(&format!("/2/domains/domains/{d}"), &[])?
        }
        Resource::DnssecCheck => {
            let d = required(&args.domain, "domain", r)?;
            api.get(&format!("/2/domains/{d}/dnssec/check"), &[])?
        }
        Resource::ListZones => {
            let d = required(&args.domain, "domain", r)?;
            Value::Array(api.list_all(&format!("/2/domains/{d}/zones"), &[])?)
        }
        Resource::ShowZone => {
            let z = required(&args.zone, "zone", r)?;
            api.get(&format!("/2/zones/{z}"), &[])?
        }
        Resource::ZoneExists => {
            let z = required(&args.zone, "zone", r)?;
            match api.get(&format!("/2/zones/{z}/exists"), &[]) {
                Ok(v) => json!({"zone": z, "exists": v.as_bool().unwrap_or(true)}),
                Err(e) if e.is_not_found() => json!({"zone": z, "exists": false}),
                Err(e) => return Err(e),
            }
        }
        Resource::GetRecord => {
            let z = required(&args.zone, "zone", r)?;
            serde_json::to_value(get_record(&api, &z, record_id()?)?).unwrap_or(Value::Null)
        }
        Resource::CheckRecord => {
            let z = required(&args.zone, "zone", r)?;
            let id = record_id()?;
            check_record(&api, &z, id)?
        }
    };
    Ok(ResourceOutput { resource: r, data })
}

/// Whether a record is served (`GET .../records/{id}/check`). The API refuses the check
/// with 400 `zone_not_managed_by_infomaniak_dns` when the zone's name servers are not
/// Infomaniak's (dns.json): the record is then not served by Infomaniak, which is the
/// answer, not a failure.
fn check_record(api: &ikmcp_pdk::Api, zone: &str, id: i64) -> Result<Value, ToolError> {
    match api.get(&format!("{}/check", record_path(zone, id)), &[]) {
        Ok(served) => Ok(json!({"zone": zone, "record_id": id, "served": served})),
        Err(ToolError::Upstream(u)) if u.code == "zone_not_managed_by_infomaniak_dns" => {
            Ok(json!({
                "zone": zone, "record_id": id, "served": false,
                "hint": format!("{zone} is delegated to name servers other than Infomaniak's, so the world does not see this record: edit it at the DNS provider those name servers belong to, or move the domain back with infomaniak_manage_domain_nameservers (use_infomaniak_ns)"),
            }))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ikmcp_pdk::testing::MockHost;
    use ikmcp_pdk::{HttpMethod, INFOMANIAK_API};

    fn ok(data: Value) -> Value {
        json!({"result": "success", "data": data})
    }

    fn args(
        resource: Resource,
        domain: Option<&str>,
        zone: Option<&str>,
        record_id: Option<i64>,
    ) -> ResourceArgs {
        ResourceArgs {
            resource,
            domain: domain.map(str::to_string),
            zone: zone.map(str::to_string),
            record_id,
        }
    }

    #[test]
    fn zone_exists_reads_404_as_false() {
        let host = MockHost::new();
        host.route(
            HttpMethod::Get,
            "/2/zones/nope.ch/exists",
            404,
            json!({"result": "error", "error": {"code": "object_not_found", "description": "Object not found"}}),
        );
        host.route(
            HttpMethod::Get,
            "/2/zones/example.com/exists",
            200,
            ok(json!(true)),
        );
        let ctx = Ctx::new(&host, INFOMANIAK_API);
        let out = get(
            &ctx,
            args(Resource::ZoneExists, None, Some("nope.ch"), None),
        )
        .unwrap();
        assert_eq!(out.data, json!({"zone": "nope.ch", "exists": false}));
        let out = get(
            &ctx,
            args(Resource::ZoneExists, None, Some("example.com"), None),
        )
        .unwrap();
        assert_eq!(out.data["exists"], true);
    }

    #[test]
    fn each_resource_reads_its_path() {
        let host = MockHost::new();
        host.route(
            HttpMethod::Get,
            "/2/domains/example.com/zones",
            200,
            ok(json!([{"fqdn": "example.com"}])),
        );
        host.route(
            HttpMethod::Get,
            "/2/zones/example.com/records/4/check",
            200,
            ok(json!(true)),
        );
        host.route(
            HttpMethod::Get,
            "/2/domains/domains",
            200,
            ok(json!([{"name": "example.com"}])),
        );
        let ctx = Ctx::new(&host, INFOMANIAK_API);
        let out = get(
            &ctx,
            args(Resource::ListZones, Some("example.com"), None, None),
        )
        .unwrap();
        assert_eq!(out.data[0]["fqdn"], "example.com");
        let out = get(
            &ctx,
            args(Resource::CheckRecord, None, Some("example.com"), Some(4)),
        )
        .unwrap();
        assert_eq!(out.data["served"], true);
        let out = get(&ctx, args(Resource::ListDomains, None, None, None)).unwrap();
        assert_eq!(out.data.as_array().unwrap().len(), 1);
        assert!(
            host.requests()[2]
                .query
                .contains(&("per_page".to_string(), "100".to_string()))
        );
    }

    #[test]
    fn missing_identifiers_are_invalid_args() {
        let host = MockHost::new();
        let ctx = Ctx::new(&host, INFOMANIAK_API);
        for a in [
            args(Resource::GetDomain, None, Some("example.com"), None),
            args(Resource::ShowZone, Some("example.com"), None, None),
            args(Resource::GetRecord, None, Some("example.com"), None),
            args(Resource::DnssecCheck, Some("not a domain"), None, None),
        ] {
            match get(&ctx, a) {
                Err(ToolError::InvalidArgs(d)) => assert!(d.hint.is_some()),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(host.requests().is_empty());
    }
}
