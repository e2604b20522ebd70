//! Domain registration reads the peers use: legacy `/1/domain/{name}` and `/2/domains/domains`.
//! These routes are not in the exported OpenAPI documents; shapes follow the research notes.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, list, ok};
use crate::server::{Shared, lock};
use crate::state::{Domain, on_infomaniak_ns};

type Sh = State<Arc<Shared>>;

/// The registration-side routes (the DNS side of `/2/domains/...` is in [`super::dns`]).
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/1/domain/{domain}", get(legacy_domain))
        .route("/2/domains/domains", get(list_domains))
        .route("/2/domains/domains/{domain}", get(detail))
}

/// The `/2/domains/domains` item.
pub fn domain_json(d: &Domain) -> Value {
    json!({
        "id": d.id, "account_id": d.account_id, "name": d.name, "tld": d.tld,
        "is_premium": d.is_premium, "created_at": d.created_at, "expires_at": d.expires_at,
        "options": {"dns_anycast": false, "renewal_warranty": d.renewal_warranty,
            "domain_privacy": d.domain_privacy, "dnssec": d.dnssec.is_enabled},
        "nameservers": d.nameservers, "status": d.status,
    })
}

/// `GET /1/domain/{name}` (legacy detail; also takes the product id). Holds the live expiry (Q9).
pub async fn legacy_domain(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(domain): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let d = w
        .domain(&domain)
        .filter(|d| c.can_access(d.account_id))
        .ok_or_else(|| ApiError::not_found("Domain"))?;
    ok(json!({
        "id": d.id, "account_id": d.account_id, "customer_name": d.name,
        "is_dns_managed_by_infomaniak": on_infomaniak_ns(&d.nameservers), "is_external": d.is_external,
        "has_dnssec": d.dnssec.is_enabled, "is_dnssec_pending": false, "has_error": false,
        "has_trustee_contact": false, "has_whois_antispam": d.domain_privacy,
        "is_part_of_ksuite": false, "is_premium": d.is_premium, "is_idn": false,
        "puny_code": d.name, "expired_at": d.expires_at, "nameservers": d.nameservers,
    }))
}

/// `GET /2/domains/domains`: filters `account_id`, `search`, `tld`, `expires_after`,
/// `expires_before`; sorting `order_by` (`name`|`expiration`) + `order_dir`; paging.
pub async fn list_domains(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let account = q.int("account_id")?;
    let after = q.int("expires_after")?;
    let before = q.int("expires_before")?;
    let search = q.get("search").map(str::to_ascii_lowercase);
    let tld = q
        .get("tld")
        .map(|t| t.trim_start_matches('.').to_ascii_lowercase());
    let w = lock(&sh.world);
    let mut doms: Vec<&Domain> = w
        .domains
        .iter()
        .filter(|d| c.can_access(d.account_id))
        .filter(|d| account.is_none_or(|a| d.account_id as i64 == a))
        .filter(|d| after.is_none_or(|t| d.expires_at >= t))
        .filter(|d| before.is_none_or(|t| d.expires_at <= t))
        .filter(|d| search.as_ref().is_none_or(|s| d.name.contains(s.as_str())))
        .filter(|d| tld.as_ref().is_none_or(|t| &d.tld == t))
        .collect();
    match q.get("order_by").unwrap_or("name") {
        "name" => doms.sort_by(|a, b| a.name.cmp(&b.name)),
        "expiration" => doms.sort_by_key(|d| d.expires_at),
        other => {
            return Err(ApiError::invalid_attribute(
                "order_by",
                format!("order_by must be name or expiration, got {other:?}"),
            ));
        }
    }
    if q.get("order_dir") == Some("desc") {
        doms.reverse();
    }
    list(doms.into_iter().map(domain_json).collect(), &q)
}

/// `GET /2/domains/domains/{domain}`.
pub async fn detail(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(domain): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let d = w
        .domain(&domain)
        .filter(|d| c.can_access(d.account_id))
        .ok_or_else(|| ApiError::not_found("Domain"))?;
    ok(domain_json(d))
}
