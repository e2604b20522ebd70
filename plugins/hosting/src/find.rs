//! `infomaniak_find_site`: the site serving a name, without the peers' scan of every hosting
//! (peer-agent-mcp.md §8) when the product index answers, and with a correct scan when it
//! does not.
//!
//! 1. **Product index, at most 3 requests.** `GET /1/products?fqdn=<name>`: the `fqdn`
//!    filter is documented on `/1/products` (OAS core, example `www.my-domain.ch`;
//!    infomaniak-api.md §7.1 [H]) and products carry `parent_id` and `parent_service_name`
//!    [H]. That a site is listed there as a product whose parent is its hosting is inferred
//!    [L]: no source shows it. So the answer is trusted only once
//!    `GET /1/web_hostings/{hosting}/sites/{site}` (§7.4 [M]) shows the name as the site's
//!    `main_fqdn`. A `www.` name with no hit is retried bare: 2 requests for a hit, 3 for a
//!    `www.` name served by its bare site.
//! 2. **Scan, when the index gives nothing.** The peers' route, backed: web hostings from
//!    `GET /1/products?service_name=hosting` (§7.1 [H], `hosting` not `web_hosting` [M]),
//!    then each hosting's sites `GET /1/web_hostings/{id}/sites` (§7.4 [M]), all pages,
//!    stopping at the first hosting serving the name. The likeliest hostings go first: those
//!    named like the domain, then those of the accounts the index saw the name in. Cost:
//!    the index requests + hosting pages + every site page read up to the match; a name no
//!    site serves reads every hosting (fleet tenant: 1 + 1 + 47 requests, 50 for `www.`).
//!
//! No other backed route narrows it: the manager's `/proxy/1/domain/{fqdn}?with[]=*` (Q19)
//! has no site or hosting among its known `with` values (§6), and the sites route has no
//! name filter (§7.4).

use std::collections::BTreeSet;

use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::common::{check_fqdn, hosting_path, public};

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
    /// The name found (lower case; the bare name when only it has a site).
    pub domain: String,
    /// Hosting of the site.
    pub hosting_id: Option<u64>,
    /// The site (with its applications).
    pub site: Option<Value>,
    /// `products` (the product index answered) or `scan` (hostings read one by one).
    pub via: String,
    /// Hostings whose sites were read (scan only).
    pub scanned_hostings: u32,
    /// Upstream requests made.
    pub requests: u32,
    /// What to do when nothing was found.
    pub hint: Option<String>,
}

/// The names tried, best first: the name, then without `www.`.
fn candidates(name: &str) -> Vec<String> {
    let mut names = vec![name.to_string()];
    if let Some(bare) = name.strip_prefix("www.")
        && bare.contains('.')
    {
        names.push(bare.to_string());
    }
    names
}

/// `query` plus the account filter, when one was given.
fn scoped<'q>(
    query: &[(&'q str, &'q str)],
    account: &'q Option<String>,
) -> Vec<(&'q str, &'q str)> {
    let mut q = query.to_vec();
    if let Some(acc) = account {
        q.push(("account_id", acc));
    }
    q
}

/// Upstream requests, counted.
struct Reader<'c, 'a> {
    ctx: &'c Ctx<'a>,
    requests: u32,
}

impl Reader<'_, '_> {
    /// One `GET` (a single page).
    fn get(&mut self, path: &str, query: &[(&str, &str)]) -> Result<Value, ToolError> {
        self.requests += 1;
        public(self.ctx).get(path, query)
    }

    /// Every page of a list, each page counted: the PDK walker stops at `pages`, so the
    /// count is the number of pages of `len` items (one page when empty).
    fn list_all(&mut self, path: &str, query: &[(&str, &str)]) -> Result<Vec<Value>, ToolError> {
        let items = public(self.ctx).list_all(path, query)?;
        let per_page = ikmcp_pdk::api::PER_PAGE as usize;
        self.requests += items.len().div_ceil(per_page).max(1) as u32;
        Ok(items)
    }
}

/// The site serving `domain`: the product index first, the scan when it has nothing.
pub fn find(ctx: &Ctx, a: FindArgs) -> Result<FindOut, ToolError> {
    let name = check_fqdn("domain", &a.domain, false)?;
    let names = candidates(&name);
    let account = a.account_id.map(|id| id.to_string());
    let mut r = Reader { ctx, requests: 0 };
    let mut accounts = BTreeSet::new();
    for fqdn in &names {
        let q = scoped(&[("fqdn", fqdn.as_str())], &account);
        let products = r.get("/1/products", &q)?;
        let products = products.as_array().cloned().unwrap_or_default();
        accounts.extend(products.iter().filter_map(|p| p["account_id"].as_u64()));
        let Some((hosting_id, site_id)) = products.iter().find_map(site_product) else {
            continue;
        };
        let site = r.get(
            &format!("{}/sites/{site_id}", hosting_path(hosting_id)),
            &[("with[]", "applications")],
        )?;
        if site["main_fqdn"].as_str() == Some(fqdn.as_str()) {
            return Ok(found(fqdn, hosting_id, site, "products", 0, r.requests));
        }
    }
    let q = scoped(&[("service_name", "hosting")], &account);
    scan(&mut r, &q, &names, &accounts)
}

/// `(hosting id, site id)` of a product that is a site of a web hosting (§7.1 fields).
fn site_product(p: &Value) -> Option<(u64, u64)> {
    (p["parent_service_name"] == "hosting").then_some(())?;
    Some((p["parent_id"].as_u64()?, p["id"].as_u64()?))
}

/// Reads hostings' sites, likeliest hostings first, until one serves a name of `names`.
/// `query` lists the web hostings (`service_name=hosting`, and the account if given).
fn scan(
    r: &mut Reader,
    query: &[(&str, &str)],
    names: &[String],
    accounts: &BTreeSet<u64>,
) -> Result<FindOut, ToolError> {
    let mut hostings = r.list_all("/1/products", query)?;
    let bare = names.last().map(String::as_str).unwrap_or_default();
    hostings.sort_by_key(|h| {
        let label = h["customer_name"].as_str().unwrap_or_default();
        let named = label == bare || bare.ends_with(&format!(".{label}"));
        let same_account = h["account_id"]
            .as_u64()
            .is_some_and(|a| accounts.contains(&a));
        (!named, !same_account)
    });
    let mut scanned = 0;
    for h in &hostings {
        let Some(hosting_id) = h["id"].as_u64() else {
            continue;
        };
        scanned += 1;
        let sites = r.list_all(
            &format!("{}/sites", hosting_path(hosting_id)),
            &[("with[]", "applications")],
        )?;
        for fqdn in names {
            if let Some(site) = sites.iter().find(|s| s["main_fqdn"].as_str() == Some(fqdn)) {
                return Ok(found(
                    fqdn,
                    hosting_id,
                    site.clone(),
                    "scan",
                    scanned,
                    r.requests,
                ));
            }
        }
    }
    Ok(FindOut {
        found: false,
        domain: names[0].clone(),
        hosting_id: None,
        site: None,
        via: "scan".into(),
        scanned_hostings: scanned,
        requests: r.requests,
        hint: Some("no site of these hostings has this main name: it may be an alias (infomaniak_list_site_aliases), a Node.js app (infomaniak_list_hostings), hosted elsewhere, or on an account this token cannot see; infomaniak_get_domain_full shows the domain".into()),
    })
}

fn found(
    fqdn: &str,
    hosting_id: u64,
    site: Value,
    via: &str,
    scanned: u32,
    requests: u32,
) -> FindOut {
    FindOut {
        found: true,
        domain: fqdn.to_string(),
        hosting_id: Some(hosting_id),
        site: Some(site),
        via: via.into(),
        scanned_hostings: scanned,
        requests,
        hint: None,
    }
}
