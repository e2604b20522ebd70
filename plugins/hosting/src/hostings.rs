//! Finding things: the hostings of the account(s), the site serving a domain, and the
//! manager's full view of a domain.

use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{check_fqdn, hosting_path, manager, not_found_hint, public, segment};

/// Arguments of `infomaniak_list_hostings`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Only this account.
    pub account_id: Option<u64>,
}

/// Result of `infomaniak_list_hostings`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOut {
    /// Number of hostings.
    pub count: usize,
    /// Web hostings (`hosting`) and Node.js hostings (`hosting_3`, `is_nodejs`).
    pub hostings: Vec<Value>,
}

/// Every web and Node.js hosting: `GET /1/products?service_name=hosting|hosting_3` (OAS
/// core; web hostings are `hosting`, Node.js `hosting_3`: infomaniak-api.md §7.1), all pages.
pub fn list(ctx: &Ctx, a: ListArgs) -> Result<ListOut, ToolError> {
    let account = a.account_id.map(|id| id.to_string());
    let mut hostings = Vec::new();
    for service in ["hosting", "hosting_3"] {
        let mut q = vec![("service_name", service)];
        if let Some(acc) = &account {
            q.push(("account_id", acc));
        }
        for p in public(ctx).list_all("/1/products", &q)? {
            hostings.push(json!({
                "id": p["id"], "account_id": p["account_id"], "customer_name": p["customer_name"],
                "service_name": p["service_name"], "is_nodejs": service == "hosting_3",
                "parent_id": p.get("parent_id"), "expired_at": p["expired_at"],
                "has_operation_in_progress": p["has_operation_in_progress"],
            }));
        }
    }
    Ok(ListOut {
        count: hostings.len(),
        hostings,
    })
}

/// Arguments of `infomaniak_find_site`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindArgs {
    /// Site name, e.g. www.example.com.
    pub domain: String,
    /// Only this account.
    pub account_id: Option<u64>,
}

/// Result of `infomaniak_find_site`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FindOut {
    /// Whether a site serves the name.
    pub found: bool,
    /// The name looked up (lower case; `www.` dropped when only the bare name matched).
    pub domain: String,
    /// Hosting of the site.
    pub hosting_id: Option<u64>,
    /// The site (with its applications).
    pub site: Option<Value>,
    /// Upstream requests made.
    pub requests: u32,
    /// What to do when nothing was found.
    pub hint: Option<String>,
}

/// The site serving a name in at most three requests, where the peers scan every hosting:
/// `GET /1/products?fqdn=<name>` (OAS core: `fqdn` filter; products carry `parent_id`
/// and `parent_service_name`, §7.1) names the site's product and its parent hosting, then
/// `GET /1/web_hostings/{hosting}/sites/{site}` (§7.4) reads the site and confirms the
/// name. A `www.` name with no site is retried once without `www.`.
pub fn find(ctx: &Ctx, a: FindArgs) -> Result<FindOut, ToolError> {
    let name = check_fqdn("domain", &a.domain, false)?;
    let mut candidates = vec![name.clone()];
    if let Some(bare) = name.strip_prefix("www.")
        && bare.contains('.')
    {
        candidates.push(bare.to_string());
    }
    let account = a.account_id.map(|id| id.to_string());
    let mut requests = 0;
    for fqdn in candidates {
        let mut q = vec![("fqdn", fqdn.as_str())];
        if let Some(acc) = &account {
            q.push(("account_id", acc));
        }
        requests += 1;
        let products = public(ctx).get("/1/products", &q)?;
        let site = products.as_array().into_iter().flatten().find(|p| {
            p["parent_service_name"] == "hosting" && p["parent_id"].is_u64() && p["id"].is_u64()
        });
        let Some(p) = site else { continue };
        let (hosting_id, site_id) = (p["parent_id"].as_u64(), p["id"].as_u64());
        let (Some(hosting_id), Some(site_id)) = (hosting_id, site_id) else {
            continue;
        };
        requests += 1;
        let site = public(ctx).get(
            &format!("{}/sites/{site_id}", hosting_path(hosting_id)),
            &[("with[]", "applications")],
        )?;
        if site["main_fqdn"].as_str() == Some(fqdn.as_str()) {
            return Ok(FindOut {
                found: true,
                domain: fqdn,
                hosting_id: Some(hosting_id),
                site: Some(site),
                requests,
                hint: None,
            });
        }
    }
    Ok(FindOut {
        found: false,
        domain: name,
        hosting_id: None,
        site: None,
        requests,
        hint: Some("no site of these accounts serves this name: it may be an alias (infomaniak_list_site_aliases), hosted elsewhere, or on an account this token cannot see; infomaniak_get_domain_full shows the domain".into()),
    })
}

/// Arguments of `infomaniak_get_domain_full`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainArgs {
    /// Domain name or its product id.
    pub domain: String,
}

/// Result of `infomaniak_get_domain_full`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DomainOut {
    /// Every field the manager shows (`with[]=*`).
    pub domain: Value,
}

/// The manager's full domain: `GET /proxy/1/domain/{id|fqdn}?with[]=*` — singular path,
/// the plural answers 404 (infomaniak-api.md Q19, peer-agent-mcp.md §3 row 12).
pub fn domain_full(ctx: &Ctx, a: DomainArgs) -> Result<DomainOut, ToolError> {
    let d = a.domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        check_fqdn("domain", &d, false)?;
    }
    let domain = manager(ctx)
        .get(
            &format!("/proxy/1/domain/{}", segment(&d)),
            &[("with[]", "*")],
        )
        .map_err(|e| not_found_hint(e, "check the name with infomaniak_list_domains"))?;
    Ok(DomainOut { domain })
}
