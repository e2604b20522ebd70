//! `infomaniak_provision_site_full`: a site, its database and the DNS A/AAAA records
//! pointing at the hosting, as one plan with every effect on both roles, applied in
//! order. A failure midway stops and reports what was created and the calls that undo it.

use ikmcp_pdk::error::{conflict, invalid_args, upstream};
use ikmcp_pdk::{
    Ctx, HttpMethod, INFOMANIAK_API, Plan, PlanBuilder, Planned, ToolError, ToolErrorExt,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{
    MANAGER, check_name, effect, get_hosting, hosting_path, lock_hosting, nth, perform, proxied,
    public, segment,
};
use crate::sites::{all_sites, site_body};

/// Shared IPv4 of Infomaniak's apache_php front (peer-agent-mcp.md §9; MOGA fixtures).
pub const SHARED_IPV4: &str = "185.177.62.161";
/// Shared IPv6 of the same front (peer-agent-mcp.md §12).
pub const SHARED_IPV6: &str = "2001:1600:13:100:f816:3eff:fe5c:fa22";

/// Arguments of `infomaniak_provision_site_full`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Site name.
    pub fqdn: String,
    /// Without prefix.
    pub database_name: String,
    /// Default: the zone holding fqdn.
    pub zone: Option<String>,
    /// Default: the shared front.
    pub target_ipv4: Option<String>,
    /// Default: the shared front.
    pub target_ipv6: Option<String>,
    /// Seconds, default 3600.
    #[schemars(range(min = 60, max = 86400))]
    pub ttl: Option<u32>,
    /// No DNS records.
    pub skip_dns: Option<bool>,
}

/// One step done.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Step {
    /// site, database, dns_a, dns_aaaa.
    pub step: String,
    /// What the API shows now.
    pub created: Value,
}

/// Result of the whole workflow.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Out {
    /// `provisioned`.
    pub status: String,
    /// Every step, in order.
    pub steps: Vec<Step>,
}

fn ip4(s: &str) -> Result<String, ToolError> {
    s.parse::<std::net::Ipv4Addr>()
        .map(|a| a.to_string())
        .map_err(|_| {
            invalid_args(
                format!("target_ipv4 {s:?} is not an IPv4 address"),
                "give an address such as 185.177.62.161",
            )
        })
}

fn ip6(s: &str) -> Result<String, ToolError> {
    s.parse::<std::net::Ipv6Addr>()
        .map(|a| a.to_string())
        .map_err(|_| {
            invalid_args(
                format!("target_ipv6 {s:?} is not an IPv6 address"),
                "give an address such as 2001:db8::1",
            )
        })
}

/// The zone holding `fqdn`: given, or `GET /2/domains/{fqdn}/zones` (dns.json; any name
/// inside a domain answers, as the DNS plugin finds zones).
fn zone_of(ctx: &Ctx, fqdn: &str, given: Option<&str>) -> Result<String, ToolError> {
    if let Some(z) = given {
        let z = z.trim().trim_end_matches('.').to_ascii_lowercase();
        if fqdn != z && !fqdn.ends_with(&format!(".{z}")) {
            return Err(invalid_args(
                format!("{fqdn} is not inside zone {z}"),
                "leave zone out to find it, or give the zone that holds the name",
            ));
        }
        return Ok(z);
    }
    let zones = public(ctx).get(&format!("/2/domains/{}/zones", segment(fqdn)), &[])
        .map_err(|e| if e.is_not_found() { e.with_hint("no Infomaniak zone holds this name: create the zone first, give zone, or pass skip_dns") } else { e })?;
    zones
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|z| z["fqdn"].as_str())
        .filter(|z| fqdn == *z || fqdn.ends_with(&format!(".{z}")))
        .max_by_key(|z| z.len())
        .map(str::to_string)
        .ok_or_else(|| {
            invalid_args(
                format!("no zone of the account holds {fqdn}"),
                "give zone or pass skip_dns",
            )
        })
}

/// Plans the workflow after checking that nothing of it exists yet.
pub fn plan(ctx: &Ctx, a: Args) -> Result<Planned<Out>, ToolError> {
    let fqdn = crate::common::check_fqdn("fqdn", &a.fqdn, false)?;
    let site = site_body(&fqdn, None, None)?;
    let h = get_hosting(ctx, a.hosting_id)?;
    let short = a
        .database_name
        .strip_prefix(&h.prefix)
        .unwrap_or(&a.database_name)
        .to_string();
    check_name(
        "database_name",
        &short,
        64usize.saturating_sub(h.prefix.len()),
    )?;
    let full_db = format!("{}{short}", h.prefix);
    if all_sites(ctx, a.hosting_id)?
        .iter()
        .any(|s| s["main_fqdn"].as_str() == Some(fqdn.as_str()))
    {
        return Err(conflict(
            format!("hosting {} already has a site {fqdn}", a.hosting_id),
            "use infomaniak_create_database and infomaniak_dns_create_record for the missing parts",
        ));
    }
    if crate::databases::all(ctx, a.hosting_id)?
        .iter()
        .any(|d| d["name"].as_str() == Some(full_db.as_str()))
    {
        return Err(conflict(
            format!("database {full_db} already exists"),
            "choose another database_name",
        ));
    }
    let db = json!({"database_name": short});
    let sites_path = proxied(&format!("{}/sites", hosting_path(a.hosting_id)));
    let db_path = proxied(&format!("{}/databases", hosting_path(a.hosting_id)));
    let mut builder = PlanBuilder::new(
        MANAGER,
        format!(
            "Provision {fqdn} on hosting {}: site, database {full_db}{}",
            a.hosting_id,
            if a.skip_dns == Some(true) {
                ""
            } else {
                ", DNS A and AAAA"
            }
        ),
    )
    .change(
        format!("hosting {}: site {fqdn}", a.hosting_id),
        "create",
        None::<&Value>,
        Some(&site),
    )
    .change(
        format!("hosting {}: database {full_db}", a.hosting_id),
        "create",
        None::<&Value>,
        Some(&db),
    );
    let mut effects = vec![
        effect(MANAGER, HttpMethod::Post, sites_path, Some(&site)),
        effect(MANAGER, HttpMethod::Post, db_path, Some(&db)),
    ];
    let mut snapshot = json!({"site": fqdn, "database": full_db});
    if a.skip_dns != Some(true) {
        let zone = zone_of(ctx, &fqdn, a.zone.as_deref())?;
        let source = fqdn.strip_suffix(&format!(".{zone}")).map(str::to_string);
        let ttl = a.ttl.unwrap_or(3600);
        if !(60..=86400).contains(&ttl) {
            return Err(invalid_args(
                format!("ttl {ttl} is out of range"),
                "use 60 to 86400 seconds",
            ));
        }
        let records = public(ctx).list_all(&format!("/2/zones/{}/records", segment(&zone)), &[])?;
        let label = source.clone().unwrap_or_else(|| ".".into());
        let taken: Vec<&Value> = records
            .iter()
            .filter(|r| {
                r["source"].as_str() == Some(label.as_str())
                    && matches!(r["type"].as_str(), Some("A" | "AAAA" | "CNAME"))
            })
            .collect();
        if !taken.is_empty() {
            return Err(conflict(
                format!("{fqdn} already has address records: {}", json!(taken)),
                "remove them with infomaniak_dns_delete_record, or pass skip_dns",
            ));
        }
        for (kind, target) in [
            ("A", ip4(a.target_ipv4.as_deref().unwrap_or(SHARED_IPV4))?),
            (
                "AAAA",
                ip6(a.target_ipv6.as_deref().unwrap_or(SHARED_IPV6))?,
            ),
        ] {
            let mut body = json!({"type": kind, "target": target, "ttl": ttl});
            if let Some(s) = &source {
                body["source"] = json!(s);
            }
            builder = builder.change(
                format!("zone {zone}: {fqdn} {kind}"),
                "create",
                None::<&Value>,
                Some(&body),
            );
            // POST /2/zones/{zone}/records (dns.json).
            effects.push(effect(
                INFOMANIAK_API,
                HttpMethod::Post,
                format!("/2/zones/{}/records", segment(&zone)),
                Some(&body),
            ));
        }
        snapshot["zone"] = json!(zone);
        snapshot["address_records"] = json!([]);
    }
    let mut plan = builder.snapshot(&snapshot).build();
    plan.effects = effects;
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Applies the steps in order, each read back; stops at the first failure with what was
/// created and the calls that undo it.
pub fn apply(ctx: &Ctx, a: Args, plan: &Plan) -> Result<Out, ToolError> {
    let fqdn = crate::common::check_fqdn("fqdn", &a.fqdn, false)?;
    let h = get_hosting(ctx, a.hosting_id)?;
    let full_db = format!(
        "{}{}",
        h.prefix,
        a.database_name
            .strip_prefix(&h.prefix)
            .unwrap_or(&a.database_name)
    );
    let mut steps: Vec<Step> = Vec::new();
    let mut undo: Vec<Value> = Vec::new();
    for i in 0..plan.effects.len() {
        let e = nth(plan, i)?;
        let outcome = perform(ctx, e).and_then(|answer| match i {
            0 => all_sites(ctx, a.hosting_id)?.into_iter().find(|s| s["main_fqdn"].as_str() == Some(fqdn.as_str()))
                .map(|s| ("site", s.clone(), json!({"tool": crate::DELETE_SITE, "arguments": {"hosting_id": a.hosting_id, "site_id": s["id"]}})))
                .ok_or_else(|| crate::sites::silent_noop(&format!("site {fqdn}"), &answer, crate::LIST_SITES)),
            1 => crate::databases::all(ctx, a.hosting_id)?.into_iter().find(|d| d["name"].as_str() == Some(full_db.as_str()))
                .map(|d| ("database", d, json!({"tool": crate::DELETE_DATABASE, "arguments": {"hosting_id": a.hosting_id, "database_name": full_db}})))
                .ok_or_else(|| crate::sites::silent_noop(&format!("database {full_db}"), &answer, crate::LIST_DATABASES)),
            _ => {
                let zone = e.path_pattern.trim_start_matches("/2/zones/").trim_end_matches("/records").to_string();
                let kind = if i == 2 { "dns_a" } else { "dns_aaaa" };
                Ok((kind, answer.clone(), json!({"tool": "infomaniak_dns_delete_record", "arguments": {"zone": zone, "record_id": answer["id"]}})))
            }
        });
        match outcome {
            Ok((step, created, undo_call)) => {
                steps.push(Step {
                    step: step.into(),
                    created,
                });
                undo.insert(0, undo_call);
            }
            Err(e) => {
                let done: Vec<&str> = steps.iter().map(|s| s.step.as_str()).collect();
                return Err(upstream(
                    0,
                    "partial_apply",
                    format!(
                        "provisioning {fqdn} stopped at step {} of {}: {}. Created so far: {}",
                        i + 1,
                        plan.effects.len(),
                        ikmcp_pdk::ToolErrorExt::message(&e),
                        if done.is_empty() {
                            "nothing".into()
                        } else {
                            json!(steps).to_string()
                        }
                    ),
                    Some(if undo.is_empty() {
                        "nothing was created; fix the cause and call the tool again".into()
                    } else {
                        format!(
                            "to undo what was created, call in this order: {}",
                            json!(undo)
                        )
                    }),
                ));
            }
        }
    }
    Ok(Out {
        status: "provisioned".into(),
        steps,
    })
}
