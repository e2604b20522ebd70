//! Domain tools: list the account's domains, read one, and change its name servers.

use ikmcp_pdk::error::{invalid_args, not_found};
use ikmcp_pdk::{
    Api, Ctx, HttpMethod, Plan, PlanBuilder, Planned, ToolError, ToolErrorExt, single_effect,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::names::{self, is_hostname};

/// Arguments of `infomaniak_list_domains`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListDomainsArgs {
    /// Only this account.
    pub account_id: Option<u64>,
}

/// One domain product of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DomainProduct {
    /// Product id.
    pub id: i64,
    /// Account owning the domain.
    #[serde(default)]
    pub account_id: Option<i64>,
    /// The domain name.
    pub customer_name: String,
    /// Internal name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_name: Option<String>,
    /// Creation, unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// Original contract expiry, unix seconds. It stays in the past after an automatic
    /// renewal: infomaniak_get_domain has the live expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<i64>,
    /// Product service name (`domain`).
    #[serde(default, skip_serializing)]
    pub service_name: Option<String>,
}

/// Result of `infomaniak_list_domains`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListDomainsOutput {
    /// Number of domains (all pages).
    pub count: usize,
    /// The domains.
    pub domains: Vec<DomainProduct>,
}

/// Every domain product the token can see (all pages of `/1/products?service_name=domain`).
pub fn fetch_domains(api: &Api, account_id: Option<u64>) -> Result<Vec<DomainProduct>, ToolError> {
    let account = account_id.map(|a| a.to_string());
    let mut query = vec![("service_name", "domain")];
    if let Some(a) = &account {
        query.push(("account_id", a.as_str()));
    }
    let products: Vec<DomainProduct> = api.list_all_as("/1/products", &query)?;
    Ok(products
        .into_iter()
        .filter(|p| p.service_name.as_deref().is_none_or(|s| s == "domain"))
        .filter(|p| account_id.is_none_or(|a| p.account_id.is_none_or(|pa| pa == a as i64)))
        .collect())
}

/// Lists the domains of the account(s).
pub fn list_domains(ctx: &Ctx, args: ListDomainsArgs) -> Result<ListDomainsOutput, ToolError> {
    let domains = fetch_domains(&ctx.api(), args.account_id)?;
    Ok(ListDomainsOutput {
        count: domains.len(),
        domains,
    })
}

/// Arguments naming one domain.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainArgs {
    pub domain: String,
}

/// Result of `infomaniak_get_domain`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GetDomainOutput {
    /// The domain.
    pub domain: String,
    /// `/1/domain/{domain}`: DNS management, DNSSEC, expiry and status flags; null when
    /// that view is not available for this domain.
    pub details: Option<Map<String, Value>>,
    /// `/2/domains/domains/{domain}`: registration (expiry, options, contacts, EPP status);
    /// null when the registrar view is not available for this domain.
    pub registration: Option<Map<String, Value>>,
}

fn domain_not_found(domain: &str) -> ToolError {
    not_found(
        format!("{domain} is not a domain of this account"),
        "check the spelling with infomaniak_list_domains",
    )
}

fn optional<T>(result: Result<T, ToolError>) -> Result<Option<T>, ToolError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads one domain: its product details and its registration, whichever exist; not found
/// only when neither does.
pub fn get_domain(ctx: &Ctx, args: DomainArgs) -> Result<GetDomainOutput, ToolError> {
    let domain = names::zone(&args.domain)?;
    let api = ctx.api();
    let details = optional(api.get_as(&format!("/1/domain/{domain}"), &[]))?;
    let registration = optional(api.get_as(&format!("/2/domains/domains/{domain}"), &[]))?;
    if details.is_none() && registration.is_none() {
        return Err(domain_not_found(&domain));
    }
    Ok(GetDomainOutput {
        domain,
        details,
        registration,
    })
}

/// Arguments of `infomaniak_manage_domain_nameservers`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NameserversArgs {
    pub domain: String,
    /// 2 or more host names.
    pub nameservers: Option<Vec<String>>,
    /// Back to Infomaniak's name servers.
    pub use_infomaniak_ns: Option<bool>,
    /// Have the registry check they answer.
    pub verify_ns_availability: Option<bool>,
}

/// Result of `infomaniak_manage_domain_nameservers`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NameserversOutput {
    /// The domain.
    pub domain: String,
    /// False when the domain already used what was asked and nothing was written.
    pub changed: bool,
    /// What was asked of the registry (the PUT body).
    pub requested: Map<String, Value>,
    /// The delegation before the change.
    pub before: NameserverState,
}

/// What is known of a domain's delegation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct NameserverState {
    /// Whether Infomaniak's name servers serve the domain.
    pub is_dns_managed_by_infomaniak: Option<bool>,
    /// Name servers of the domain's Infomaniak zone, when it has one.
    pub nameservers: Option<Vec<String>>,
}

fn nameserver_body(args: &NameserversArgs) -> Result<Value, ToolError> {
    let mut body = match (&args.nameservers, args.use_infomaniak_ns) {
        (Some(list), None | Some(false)) => {
            let mut cleaned: Vec<String> = Vec::new();
            for ns in list {
                let n = ns.trim().trim_end_matches('.').to_ascii_lowercase();
                if !is_hostname(&n) || !n.contains('.') {
                    return Err(invalid_args(
                        format!("`{ns}` is not a name server host name"),
                        "give host names such as ns1.example.net (not IP addresses)",
                    ));
                }
                if !cleaned.contains(&n) {
                    cleaned.push(n);
                }
            }
            if cleaned.len() < 2 {
                return Err(invalid_args(
                    format!(
                        "{} distinct name server(s) given; registries require at least 2",
                        cleaned.len()
                    ),
                    "give at least two name servers, or use_infomaniak_ns: true",
                ));
            }
            json!({"nameservers": cleaned})
        }
        (None, Some(true)) => json!({"use_infomaniak_ns": true}),
        (Some(_), Some(true)) => {
            return Err(invalid_args(
                "nameservers and use_infomaniak_ns: true are exclusive",
                "give either nameservers (at least 2) or use_infomaniak_ns: true",
            ));
        }
        (None, _) => {
            return Err(invalid_args(
                "say where to delegate the domain",
                "give either nameservers (at least 2) or use_infomaniak_ns: true",
            ));
        }
    };
    if let Some(v) = args.verify_ns_availability {
        body["verify_ns_availability"] = json!(v);
    }
    Ok(body)
}

fn current_delegation(api: &Api, domain: &str) -> Result<NameserverState, ToolError> {
    let details: Option<Map<String, Value>> =
        optional(api.get_as(&format!("/1/domain/{domain}"), &[]))?;
    let zones: Option<Vec<Value>> =
        optional(api.get_as(&format!("/2/domains/{domain}/zones"), &[]))?;
    if details.is_none() && zones.is_none() {
        return Err(domain_not_found(domain));
    }
    let nameservers = zones.and_then(|zs| {
        zs.into_iter()
            .find(|z| {
                z.get("fqdn")
                    .and_then(Value::as_str)
                    .is_some_and(|f| f.eq_ignore_ascii_case(domain))
            })
            .and_then(|z| {
                serde_json::from_value(z.get("nameservers").cloned().unwrap_or(Value::Null)).ok()
            })
    });
    Ok(NameserverState {
        is_dns_managed_by_infomaniak: details
            .as_ref()
            .and_then(|d| d.get("is_dns_managed_by_infomaniak"))
            .and_then(Value::as_bool),
        nameservers,
    })
}

/// Plans a delegation change; no-change when asking for Infomaniak's servers while the
/// domain already uses them.
pub fn plan_nameservers(
    ctx: &Ctx,
    args: NameserversArgs,
) -> Result<Planned<NameserversOutput>, ToolError> {
    let domain = names::zone(&args.domain)?;
    let body = nameserver_body(&args)?;
    let before = current_delegation(&ctx.api(), &domain)?;
    let requested = body.as_object().cloned().unwrap_or_default();
    if args.use_infomaniak_ns == Some(true) && before.is_dns_managed_by_infomaniak == Some(true) {
        return Ok(Planned::NoChange(NameserversOutput {
            domain,
            changed: false,
            requested,
            before,
        }));
    }
    let summary = match body.get("nameservers") {
        Some(list) => format!(
            "Delegate {domain} to the name servers {}. Records served by the old name servers stop applying once the registry has switched.",
            list.as_array()
                .map(|l| l
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        ),
        None => format!(
            "Delegate {domain} to Infomaniak's name servers, so its Infomaniak DNS zone is served."
        ),
    };
    PlanBuilder::new(ctx.role(), summary)
        .change(
            format!("{domain}: name servers"),
            "update",
            Some(&before),
            Some(&body),
        )
        .snapshot(&before)
        .effect(
            HttpMethod::Put,
            format!("/2/domains/{domain}/nameservers"),
            Some(&body),
        )
        .confirm()
}

/// Performs the confirmed delegation change.
pub fn apply_nameservers(
    ctx: &Ctx,
    args: NameserversArgs,
    confirmed: &Plan,
) -> Result<NameserversOutput, ToolError> {
    let domain = names::zone(&args.domain)?;
    let before: NameserverState =
        serde_json::from_str(&confirmed.snapshot).unwrap_or(NameserverState {
            is_dns_managed_by_infomaniak: None,
            nameservers: None,
        });
    let effect = single_effect(confirmed)?;
    ctx.api().perform(effect)?;
    let requested = effect
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    Ok(NameserversOutput {
        domain,
        changed: true,
        requested,
        before,
    })
}
