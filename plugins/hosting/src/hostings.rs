//! The hostings of the account(s), and the manager's full view of a domain.

use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{check_fqdn, manager, not_found_hint, public, segment};

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
