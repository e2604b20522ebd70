//! Who is in an account: users, their app accesses, teams and tags, one invitation.

use ikmcp_pdk::{Api, Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::accounts::{AccountArgs, resolve};

/// Arguments of `infomaniak_list_account_users`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListUsersArgs {
    pub account_id: Option<u64>,
    /// owner, admin or normal.
    pub role_type: Option<RoleType>,
    /// Part of a name or e-mail.
    pub search: Option<String>,
}

/// An account role.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleType {
    Owner,
    Admin,
    Normal,
}

impl RoleType {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleType::Owner => "owner",
            RoleType::Admin => "admin",
            RoleType::Normal => "normal",
        }
    }
}

/// Result of `infomaniak_list_account_users`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UsersOutput {
    pub account_id: u64,
    /// Number of users (all pages).
    pub count: usize,
    /// The users (id, name, e-mail, role, state, 2FA, last login...).
    pub users: Vec<Value>,
}

/// Every user of `account` (all pages of `GET /2/accounts/{account}/users`, core.json "List
/// users"), optionally filtered by role or text.
pub fn fetch_users(
    api: &Api,
    account: u64,
    role: Option<RoleType>,
    search: Option<&str>,
) -> Result<Vec<Value>, ToolError> {
    let mut query: Vec<(&str, &str)> = Vec::new();
    if let Some(r) = role {
        query.push(("filter[role_type]", r.as_str()));
    }
    if let Some(s) = search.filter(|s| !s.trim().is_empty()) {
        query.push(("search", s));
    }
    api.list_all(&format!("/2/accounts/{account}/users"), &query)
}

/// Lists an account's users.
pub fn list_users(ctx: &Ctx, args: ListUsersArgs) -> Result<UsersOutput, ToolError> {
    let api = ctx.api();
    let account_id = resolve(&api, args.account_id)?;
    let users = fetch_users(&api, account_id, args.role_type, args.search.as_deref())?;
    Ok(UsersOutput {
        account_id,
        count: users.len(),
        users,
    })
}

/// Arguments naming one user.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserArgs {
    pub account_id: Option<u64>,
    pub user_id: u64,
}

/// Result of `infomaniak_get_user_app_accesses`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AppAccessesOutput {
    pub account_id: u64,
    pub user_id: u64,
    /// `GET /2/accounts/{account}/users/{user}/app_accesses`.
    pub app_accesses: Value,
}

/// `GET /2/accounts/{account}/users/{user}/app_accesses` (core.json "List app accesses").
pub fn fetch_app_accesses(api: &Api, account: u64, user: u64) -> Result<Value, ToolError> {
    api.get(
        &format!("/2/accounts/{account}/users/{user}/app_accesses"),
        &[],
    )
}

/// One user's app accesses.
pub fn get_app_accesses(ctx: &Ctx, args: UserArgs) -> Result<AppAccessesOutput, ToolError> {
    let api = ctx.api();
    let account_id = resolve(&api, args.account_id)?;
    Ok(AppAccessesOutput {
        account_id,
        user_id: args.user_id,
        app_accesses: fetch_app_accesses(&api, account_id, args.user_id)?,
    })
}

/// Result of `infomaniak_list_teams_and_tags`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamsAndTagsOutput {
    pub account_id: u64,
    /// Every team (all pages).
    pub teams: Vec<Value>,
    /// Every product tag.
    pub tags: Vec<Value>,
}

/// Every team of `account`: all pages of `GET /1/accounts/{account}/teams` (core.json "List
/// Teams"; the peers read the manager's `/proxy/1/accounts/{id}/teams`).
pub fn fetch_teams(api: &Api, account: u64) -> Result<Vec<Value>, ToolError> {
    api.list_all(&format!("/1/accounts/{account}/teams"), &[])
}

/// Every tag of `account`: `GET /1/accounts/{account_id}/tags` (core.json "Display a listing
/// of tags for an account").
pub fn fetch_tags(api: &Api, account: u64) -> Result<Vec<Value>, ToolError> {
    api.get_as(&format!("/1/accounts/{account}/tags"), &[])
}

/// An account's teams and tags.
pub fn list_teams_and_tags(ctx: &Ctx, args: AccountArgs) -> Result<TeamsAndTagsOutput, ToolError> {
    let api = ctx.api();
    let account_id = resolve(&api, args.account_id)?;
    Ok(TeamsAndTagsOutput {
        account_id,
        teams: fetch_teams(&api, account_id)?,
        tags: fetch_tags(&api, account_id)?,
    })
}
