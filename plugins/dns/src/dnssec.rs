//! `infomaniak_manage_dnssec`: check, enable or disable DNSSEC on a domain.
//!
//! A domain on Infomaniak's name servers is signed by Infomaniak, which publishes the DS
//! record itself. A domain on external name servers is signed by its DNS provider: enabling
//! DNSSEC then means handing the registry that provider's DS (or DNSKEY) data, the
//! `dnssec_data` of `POST /2/domains/{domain}/dnssec/enable` ("Only necessary when domain has
//! external nameservers", dns.json). The plan finds out which case it is from
//! `is_dns_managed_by_infomaniak` of `GET /1/domain/{domain}` (infomaniak-api.md §7.2, MOGA
//! live).

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{
    Api, Ctx, HttpMethod, Intent, Plan, PlanBuilder, Planned, ToolError, single_effect,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::names;
use crate::zone::{dnssec_status, has_dnssec};

// What to do with DNSSEC (no doc comment: the enum's values are its schema description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DnssecAction {
    /// Only report the status (no confirmation needed).
    Check,
    /// Turn DNSSEC on.
    Enable,
    /// Turn DNSSEC off.
    Disable,
}

/// Arguments of `infomaniak_manage_dnssec`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnssecArgs {
    pub domain: String,
    pub action: DnssecAction,
    /// DS records, to enable on external name servers.
    pub dnssec_data: Option<Vec<String>>,
}

/// The arguments of `infomaniak_manage_dnssec`, checked once for both phases.
#[derive(Debug)]
pub struct DnssecIntent {
    domain: String,
    action: DnssecAction,
    /// Validated DS/DNSKEY data, only with `enable`.
    dnssec_data: Option<Vec<String>>,
}

impl Intent for DnssecIntent {
    type Args = DnssecArgs;

    fn from_args(args: DnssecArgs) -> Result<Self, ToolError> {
        let domain = names::zone(&args.domain)?;
        if args.dnssec_data.is_some() && args.action != DnssecAction::Enable {
            return Err(invalid_args(
                "dnssec_data only goes with action enable",
                "remove dnssec_data",
            ));
        }
        let dnssec_data = args
            .dnssec_data
            .as_deref()
            .map(check_dnssec_data)
            .transpose()?;
        Ok(DnssecIntent {
            domain,
            action: args.action,
            dnssec_data,
        })
    }
}

/// Result of `infomaniak_manage_dnssec`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DnssecOutput {
    /// The domain.
    pub domain: String,
    /// The action asked.
    pub action: DnssecAction,
    /// Whether anything was written.
    pub changed: bool,
    /// Whether DNSSEC is on (after the action).
    pub has_dnssec: bool,
    /// The API's DNSSEC status (type, DS/key data, KSK).
    pub status: Map<String, Value>,
}

/// Whether the domain's DNS is served by Infomaniak's name servers (`None`: the API does
/// not say).
fn managed_by_infomaniak(api: &Api, domain: &str) -> Result<Option<bool>, ToolError> {
    let details: Map<String, Value> = api.get_as(&format!("/1/domain/{domain}"), &[])?;
    Ok(details
        .get("is_dns_managed_by_infomaniak")
        .and_then(Value::as_bool))
}

/// Checks DS/DNSKEY data: four fields, three numbers then a hex or base64 string.
fn check_dnssec_data(data: &[String]) -> Result<Vec<String>, ToolError> {
    if data.is_empty() {
        return Err(invalid_args(
            "dnssec_data is empty",
            "give at least one DS record of the key your DNS provider signs with, e.g. 12345 13 2 <hex digest>",
        ));
    }
    data.iter()
        .map(|item| {
            let fields: Vec<&str> = item.split_whitespace().collect();
            let valid = fields.len() == 4
                && fields[..3].iter().all(|f| f.parse::<u32>().is_ok())
                && fields[3]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c));
            if valid {
                Ok(fields.join(" "))
            } else {
                Err(invalid_args(
                    format!("`{item}` is not DS or DNSKEY data"),
                    "write each entry as a DS record `key-tag algorithm digest-type digest` (e.g. 12345 13 2 <hex>) or a DNSKEY `flags protocol algorithm key`, as your DNS provider shows it",
                ))
            }
        })
        .collect()
}

/// The enable request's body: `dnssec_data` exactly when the name servers are external.
fn enable_body(api: &Api, intent: &DnssecIntent) -> Result<Value, ToolError> {
    let domain = &intent.domain;
    let managed = managed_by_infomaniak(api, domain)?;
    match (managed, &intent.dnssec_data) {
        (Some(true), None) => Ok(json!({})),
        (Some(true), Some(_)) => Err(invalid_args(
            format!(
                "{domain} uses Infomaniak's name servers: Infomaniak signs the zone and publishes the DS record itself"
            ),
            "call again without dnssec_data",
        )),
        (_, Some(data)) => Ok(json!({"dnssec_data": data})),
        (Some(false), None) => Err(invalid_args(
            format!(
                "{domain} uses external name servers, so the registry needs the DS data of the key they sign with"
            ),
            "enable DNSSEC at your DNS provider first, copy its DS record(s), then call again with dnssec_data: [\"<key-tag> <algorithm> <digest-type> <digest>\"]; or move the domain to Infomaniak's name servers (infomaniak_manage_domain_nameservers, use_infomaniak_ns) and enable without it",
        )),
        (None, None) => Err(invalid_args(
            format!("the API does not say whether {domain} uses Infomaniak's name servers"),
            "check with infomaniak_get_domain; if they are external, call again with dnssec_data from your DNS provider",
        )),
    }
}

/// Plans the action: `check`, and enabling/disabling what already is, are no-changes.
pub fn plan(ctx: &Ctx, intent: &DnssecIntent) -> Result<Planned<DnssecOutput>, ToolError> {
    let domain = intent.domain.clone();
    let status = dnssec_status(&ctx.api(), &domain)?;
    let on = has_dnssec(&status);
    let wanted = match intent.action {
        DnssecAction::Check => on,
        DnssecAction::Enable => true,
        DnssecAction::Disable => false,
    };
    if wanted == on {
        return Ok(Planned::NoChange(DnssecOutput {
            domain,
            action: intent.action,
            changed: false,
            has_dnssec: on,
            status,
        }));
    }
    let body = if wanted {
        enable_body(&ctx.api(), intent)?
    } else {
        json!({})
    };
    let (verb, summary) = if wanted {
        (
            "enable",
            if body.get("dnssec_data").is_some() {
                format!(
                    "Enable DNSSEC on {domain}: the registry publishes the DS data given. The external name servers must already sign the zone with that key, or validating resolvers stop resolving {domain}."
                )
            } else {
                format!(
                    "Enable DNSSEC on {domain}: its zone gets signed and the DS record is published at the registry."
                )
            },
        )
    } else {
        (
            "disable",
            format!(
                "Disable DNSSEC on {domain}: signatures and the registry's DS record are removed; resolvers stop validating the zone."
            ),
        )
    };
    PlanBuilder::new(ctx.role(), summary)
        .change(
            format!("{domain}: DNSSEC"),
            verb,
            Some(&json!({"has_dnssec": on})),
            Some(&json!({"has_dnssec": wanted})),
        )
        .snapshot(&status)
        .effect(
            HttpMethod::Post,
            format!("/2/domains/{domain}/dnssec/{verb}"),
            Some(&body),
        )
        .confirm()
}

/// Performs the confirmed action and reports the fresh status.
pub fn apply(
    ctx: &Ctx,
    intent: &DnssecIntent,
    confirmed: &Plan,
) -> Result<DnssecOutput, ToolError> {
    let api = ctx.api();
    api.perform(single_effect(confirmed)?)?;
    let status = dnssec_status(&api, &intent.domain)?;
    Ok(DnssecOutput {
        domain: intent.domain.clone(),
        action: intent.action,
        changed: true,
        has_dnssec: has_dnssec(&status),
        status,
    })
}
