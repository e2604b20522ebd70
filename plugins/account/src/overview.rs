//! `infomaniak_overview`: what each account holds, from two reads whatever the number of
//! accounts: `GET /1/accounts` (users and pending invitations counts are on each account)
//! and every page of `GET /1/products` (core.json), grouped by account and service.

use std::collections::BTreeMap;

use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::Serialize;

use crate::accounts::{AccountArgs, scope};

/// One account's holdings.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountOverview {
    pub account_id: u64,
    pub name: String,
    /// Users (`nb_users`).
    pub users: Option<u64>,
    /// Pending invitations (`nb_invitations`).
    pub pending_invitations: Option<u64>,
    /// Number of products.
    pub products: usize,
    /// Products per service (`domain`, `hosting`, `email_hosting`, `drive`...).
    pub by_service: BTreeMap<String, usize>,
}

/// Result of `infomaniak_overview`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OverviewOutput {
    pub accounts: Vec<AccountOverview>,
    /// Products of all the accounts above.
    pub total_products: usize,
}

/// Counts per account and service.
pub fn overview(ctx: &Ctx, args: AccountArgs) -> Result<OverviewOutput, ToolError> {
    let api = ctx.api();
    let accounts = scope(&api, args.account_id)?;
    let account = args.account_id.map(|a| a.to_string());
    let query: Vec<(&str, &str)> = account.iter().map(|a| ("account_id", a.as_str())).collect();
    let products = api.list_all("/1/products", &query)?;
    let mut out: Vec<AccountOverview> = accounts
        .iter()
        .map(|a| AccountOverview {
            account_id: a["id"].as_u64().unwrap_or_default(),
            name: a["name"].as_str().unwrap_or_default().to_string(),
            users: a["nb_users"].as_u64(),
            pending_invitations: a["nb_invitations"].as_u64(),
            products: 0,
            by_service: BTreeMap::new(),
        })
        .collect();
    let mut total = 0;
    for p in &products {
        let Some(o) = out
            .iter_mut()
            .find(|o| p["account_id"].as_u64() == Some(o.account_id))
        else {
            continue;
        };
        total += 1;
        o.products += 1;
        let service = p["service_name"].as_str().unwrap_or("other").to_string();
        *o.by_service.entry(service).or_default() += 1;
    }
    Ok(OverviewOutput {
        accounts: out,
        total_products: total,
    })
}
