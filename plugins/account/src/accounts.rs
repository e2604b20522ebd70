//! Which account a call acts on, and the account-level reads: organizations, one account in
//! full, and the single-GET resources of `infomaniak_get_account_resources`.
//!
//! Every tool takes an optional `account_id`. Without it, a token that sees exactly one
//! account means that one; a token that sees several is refused with the list, never the
//! first one silently (the peers' bug, peer-admin-mcp.md §2).

use ikmcp_pdk::error::{invalid_args, not_found};
use ikmcp_pdk::{Api, Ctx, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `GET /1/accounts` (core.json "List accounts"): every account the token sees. The peers'
/// undocumented singular `/1/account` answers the same; the documented route is used.
pub fn list_accounts(api: &Api) -> Result<Vec<Value>, ToolError> {
    api.get_as("/1/accounts", &[])
}

/// `id (name)` of an account object, for messages.
pub fn label(account: &Value) -> String {
    format!(
        "{} ({})",
        account["id"],
        account["name"].as_str().unwrap_or("unnamed")
    )
}

/// The account to act on: `account_id` when given; otherwise the only account the token
/// sees. Several accounts without `account_id` is an error listing them.
pub fn resolve(api: &Api, account_id: Option<u64>) -> Result<u64, ToolError> {
    if let Some(id) = account_id {
        return Ok(id);
    }
    let accounts = list_accounts(api)?;
    match accounts.as_slice() {
        [] => Err(not_found(
            "this token sees no account",
            "create the token from the account to administer (scope `accounts`)",
        )),
        [one] => one["id"].as_u64().ok_or_else(|| {
            not_found(
                "the account list has no id",
                "pass account_id explicitly (infomaniak_list_organizations)",
            )
        }),
        many => Err(invalid_args(
            format!(
                "this token sees {} accounts: {}; which one is meant?",
                many.len(),
                many.iter().map(label).collect::<Vec<_>>().join(", ")
            ),
            "pass account_id (one of the ids above); nothing was read or changed",
        )),
    }
}

/// `e` with `hint` (where to find the right id) when it is a not-found; unchanged otherwise.
pub fn hint_missing(e: ToolError, hint: &str) -> ToolError {
    if e.is_not_found() {
        e.with_hint(hint)
    } else {
        e
    }
}

/// The accounts a cross-account read covers: `account_id` alone, or every account.
pub fn scope(api: &Api, account_id: Option<u64>) -> Result<Vec<Value>, ToolError> {
    let all = list_accounts(api)?;
    match account_id {
        None => Ok(all),
        Some(id) => all
            .into_iter()
            .find(|a| a["id"].as_u64() == Some(id))
            .map(|a| vec![a])
            .ok_or_else(|| {
                not_found(
                    format!("account {id} is not visible to this token"),
                    "list the accounts with infomaniak_list_organizations",
                )
            }),
    }
}

/// Arguments of tools that read one account.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountArgs {
    /// Needed when the token sees several accounts.
    pub account_id: Option<u64>,
}

/// Result of `infomaniak_list_organizations`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrganizationsOutput {
    /// Number of accounts.
    pub count: usize,
    /// The accounts (id, name, type, legal entity, support level, users, invitations...).
    pub organizations: Vec<Value>,
}

/// Lists the accounts (organizations) the token sees.
pub fn list_organizations(ctx: &Ctx, _: AccountArgs) -> Result<OrganizationsOutput, ToolError> {
    let organizations = list_accounts(&ctx.api())?;
    Ok(OrganizationsOutput {
        count: organizations.len(),
        organizations,
    })
}

/// Result of `infomaniak_get_account_full`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountOutput {
    /// The account id.
    pub account_id: u64,
    /// `GET /1/accounts/{account_id}`.
    pub account: Value,
}

/// One account in full: `GET /1/accounts/{account_id}` (core.json "Display an account"),
/// the documented twin of the manager's `/proxy/1/accounts/{id}` the peers use.
pub fn get_account_full(ctx: &Ctx, args: AccountArgs) -> Result<AccountOutput, ToolError> {
    let api = ctx.api();
    let account_id = resolve(&api, args.account_id)?;
    Ok(AccountOutput {
        account_id,
        account: api.get(&format!("/1/accounts/{account_id}"), &[])?,
    })
}

/// The resources `infomaniak_get_account_resources` reads, one GET each.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    ListAccounts,
    GetAccount,
    ListTags,
    ListProducts,
    ListServices,
    ListCurrentProducts,
    ListBasicTeams,
    GetTeam,
    ListTeamUsers,
    ListInvitationB2b,
}

/// Arguments of `infomaniak_get_account_resources`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceArgs {
    pub resource: Resource,
    pub account_id: Option<u64>,
    /// For get_team, list_team_users.
    pub team_id: Option<u64>,
    /// For list_invitation_b2b.
    pub invitation_id: Option<u64>,
}

/// Result of `infomaniak_get_account_resources`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResourceOutput {
    /// What was read.
    pub resource: Resource,
    /// The API's `data` (lists: every page).
    pub data: Value,
}

fn required(value: Option<u64>, name: &str, resource: &str) -> Result<u64, ToolError> {
    value.ok_or_else(|| {
        invalid_args(
            format!("{resource} needs {name}"),
            format!("pass {name}; infomaniak_list_teams_and_tags lists teams, infomaniak_list_account_users users"),
        )
    })
}

/// Reads one account resource (core.json operations, cited per arm).
pub fn get_resource(ctx: &Ctx, args: ResourceArgs) -> Result<ResourceOutput, ToolError> {
    let api = ctx.api();
    let r = args.resource;
    let data = match r {
        // GET /1/accounts
        Resource::ListAccounts => Value::Array(list_accounts(&api)?),
        // GET /1/accounts/current/products
        Resource::ListCurrentProducts => {
            Value::Array(api.list_all("/1/accounts/current/products", &[])?)
        }
        _ => {
            let a = resolve(&api, args.account_id)?;
            match r {
                // GET /1/accounts/{account_id}
                Resource::GetAccount => api.get(&format!("/1/accounts/{a}"), &[])?,
                // GET /1/accounts/{account_id}/tags
                Resource::ListTags => api.get(&format!("/1/accounts/{a}/tags"), &[])?,
                // GET /1/accounts/{account_id}/products
                Resource::ListProducts => {
                    Value::Array(api.list_all(&format!("/1/accounts/{a}/products"), &[])?)
                }
                // GET /1/accounts/{account_id}/services
                Resource::ListServices => api.get(&format!("/1/accounts/{a}/services"), &[])?,
                // GET /1/accounts/{account_id}/basic/teams
                Resource::ListBasicTeams => {
                    api.get(&format!("/1/accounts/{a}/basic/teams"), &[])?
                }
                // GET /1/accounts/{account}/teams/{team}
                Resource::GetTeam => {
                    let t = required(args.team_id, "team_id", "get_team")?;
                    api.get(&format!("/1/accounts/{a}/teams/{t}"), &[])?
                }
                // GET /1/accounts/{account}/teams/{team}/users
                Resource::ListTeamUsers => {
                    let t = required(args.team_id, "team_id", "list_team_users")?;
                    Value::Array(api.list_all(&format!("/1/accounts/{a}/teams/{t}/users"), &[])?)
                }
                // GET /1/accounts/{account}/invitations/{invitation}/b2b
                Resource::ListInvitationB2b => {
                    let i = required(args.invitation_id, "invitation_id", "list_invitation_b2b")?;
                    api.get(&format!("/1/accounts/{a}/invitations/{i}/b2b"), &[])?
                }
                Resource::ListAccounts | Resource::ListCurrentProducts => unreachable!(),
            }
        }
    };
    Ok(ResourceOutput { resource: r, data })
}
