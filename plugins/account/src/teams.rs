//! Team writes: create, rename or re-own, delete, add and remove members
//! (core.json `/1/accounts/{account}/teams[/{team}[/users]]`).

use ikmcp_pdk::error::{conflict, invalid_args};
use ikmcp_pdk::{Api, Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::accounts::{hint_missing, resolve};
use crate::apply::WriteOutput;
use crate::users::fetch_teams;

/// Arguments of `infomaniak_create_account_team`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamArgs {
    pub account_id: Option<u64>,
    /// 1-128 characters, unique in the account.
    pub name: String,
    /// Owner user id (default: you).
    pub owned_by_id: Option<u64>,
    /// Service ids the team may manage.
    pub services: Option<Vec<u64>>,
}

fn team_name(name: &str) -> Result<String, ToolError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(invalid_args(
            "a team name has 1 to 128 characters",
            "give a shorter, non-empty name",
        ));
    }
    Ok(name.to_string())
}

fn team_body(name: Option<String>, owner: Option<u64>, services: Option<&Vec<u64>>) -> Value {
    let mut body = Map::new();
    if let Some(n) = name {
        body.insert("name".into(), json!(n));
    }
    if let Some(o) = owner {
        body.insert("owned_by_id".into(), json!(o));
    }
    if let Some(s) = services {
        body.insert("permissions".into(), json!({"services": s}));
    }
    Value::Object(body)
}

/// Plans `POST /1/accounts/{account}/teams` (core.json "Create a Team"); refuses a name the
/// account already uses.
pub fn plan_create(ctx: &Ctx, args: CreateTeamArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let name = team_name(&args.name)?;
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let teams = fetch_teams(&api, a)?;
    if let Some(t) = teams.iter().find(|t| {
        t["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(&name))
    }) {
        return Err(conflict(
            format!(
                "account {a} already has a team named {name:?} (id {})",
                t["id"]
            ),
            "use that team (infomaniak_add_account_team_users) or pick another name",
        ));
    }
    let body = team_body(Some(name.clone()), args.owned_by_id, args.services.as_ref());
    PlanBuilder::new(
        ctx.role(),
        format!("Create the team {name:?} in account {a}."),
    )
    .change(
        format!("account {a}: team {name:?}"),
        "create",
        None::<&Value>,
        Some(&body),
    )
    .snapshot(&json!({"team_names": teams.iter().map(|t| t["name"].clone()).collect::<Vec<_>>()}))
    .effect(
        HttpMethod::Post,
        format!("/1/accounts/{a}/teams"),
        Some(&body),
    )
    .confirm()
}

/// `GET /1/accounts/{account}/teams/{team}` (core.json "Get a Team"), with a hint on 404.
pub fn fetch_team(api: &Api, account: u64, team: u64) -> Result<Value, ToolError> {
    api.get(&format!("/1/accounts/{account}/teams/{team}"), &[])
        .map_err(|e| hint_missing(e, "check team_id with infomaniak_list_teams_and_tags"))
}

/// Arguments of `infomaniak_update_account_team`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeamArgs {
    pub account_id: Option<u64>,
    pub team_id: u64,
    pub name: Option<String>,
    pub owned_by_id: Option<u64>,
    /// Replaces the service ids the team may manage.
    pub services: Option<Vec<u64>>,
}

fn service_ids(team: &Value) -> Vec<u64> {
    let mut ids: Vec<u64> = team["permissions"]
        .as_array()
        .map(|p| p.iter().filter_map(|x| x["service_id"].as_u64()).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    ids
}

/// Plans `PATCH /1/accounts/{account}/teams/{team}` (core.json "Update a Team") with only
/// the fields that change.
pub fn plan_update(ctx: &Ctx, args: UpdateTeamArgs) -> Result<Planned<WriteOutput>, ToolError> {
    if args.name.is_none() && args.owned_by_id.is_none() && args.services.is_none() {
        return Err(invalid_args(
            "nothing to change",
            "give name, owned_by_id or services",
        ));
    }
    let name = args.name.as_deref().map(team_name).transpose()?;
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let team = fetch_team(&api, a, args.team_id)?;
    let name = name.filter(|n| team["name"].as_str() != Some(n));
    let owner = args
        .owned_by_id
        .filter(|o| team["owned_by_id"].as_u64() != Some(*o));
    let services = args.services.as_ref().map(|s| {
        let mut s = s.clone();
        s.sort_unstable();
        s.dedup();
        s
    });
    let services = services.filter(|s| *s != service_ids(&team));
    if name.is_none() && owner.is_none() && services.is_none() {
        return Ok(Planned::NoChange(WriteOutput::unchanged(team)));
    }
    let body = team_body(name, owner, services.as_ref());
    let before = json!({"name": team["name"], "owned_by_id": team["owned_by_id"], "services": service_ids(&team)});
    let id = args.team_id;
    PlanBuilder::new(
        ctx.role(),
        format!("Update team {id} ({}) in account {a}.", team["name"]),
    )
    .change(
        format!("account {a}: team {id}"),
        "update",
        Some(&before),
        Some(&body),
    )
    .snapshot(&team)
    .effect(
        HttpMethod::Patch,
        format!("/1/accounts/{a}/teams/{id}"),
        Some(&body),
    )
    .confirm()
}

/// Arguments naming one team.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamArgs {
    pub account_id: Option<u64>,
    pub team_id: u64,
}

/// Plans `DELETE /1/accounts/{account}/teams/{team}` (core.json "Delete a Team"): the team
/// and its members' access through it go.
pub fn plan_delete(ctx: &Ctx, args: TeamArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let team = fetch_team(&api, a, args.team_id)?;
    let id = args.team_id;
    PlanBuilder::new(
        ctx.role(),
        format!(
            "Delete team {id} ({}) of account {a}: its {} member(s) lose the access it gives.",
            team["name"], team["user_count"]
        ),
    )
    .change(
        format!("account {a}: team {id}"),
        "delete",
        Some(&team),
        None::<&Value>,
    )
    .snapshot(&team)
    .effect(
        HttpMethod::Delete,
        format!("/1/accounts/{a}/teams/{id}"),
        None,
    )
    .confirm()
}

/// Arguments of the team-member tools.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamUsersArgs {
    pub account_id: Option<u64>,
    pub team_id: u64,
    pub user_ids: Vec<u64>,
}

/// The member ids of a team: all pages of `GET /1/accounts/{account}/teams/{team}/users`
/// (core.json "List Team Users").
pub fn member_ids(api: &Api, account: u64, team: u64) -> Result<Vec<u64>, ToolError> {
    let users = api
        .list_all(&format!("/1/accounts/{account}/teams/{team}/users"), &[])
        .map_err(|e| hint_missing(e, "check team_id with infomaniak_list_teams_and_tags"))?;
    let mut ids: Vec<u64> = users.iter().filter_map(|u| u["id"].as_u64()).collect();
    ids.sort_unstable();
    Ok(ids)
}

fn checked_ids(ids: &[u64]) -> Result<Vec<u64>, ToolError> {
    if ids.is_empty() || ids.len() > 100 || ids.contains(&0) {
        return Err(invalid_args(
            "user_ids must list 1 to 100 user ids",
            "find user ids with infomaniak_list_account_users",
        ));
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Plans adding members: `POST .../teams/{team}/users` (core.json "Add Users to Team") with
/// only the users not yet in the team.
pub fn plan_add_users(ctx: &Ctx, args: TeamUsersArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let wanted = checked_ids(&args.user_ids)?;
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let members = member_ids(&api, a, args.team_id)?;
    let add: Vec<u64> = wanted
        .into_iter()
        .filter(|u| !members.contains(u))
        .collect();
    if add.is_empty() {
        return Ok(Planned::NoChange(WriteOutput::unchanged(
            json!({"members": members}),
        )));
    }
    let body = json!({"user_ids": add});
    let mut after = members.clone();
    after.extend(&add);
    after.sort_unstable();
    let t = args.team_id;
    PlanBuilder::new(
        ctx.role(),
        format!("Add user(s) {add:?} to team {t} of account {a}."),
    )
    .change(
        format!("account {a}: team {t} members"),
        "update",
        Some(&members),
        Some(&after),
    )
    .snapshot(&members)
    .effect(
        HttpMethod::Post,
        format!("/1/accounts/{a}/teams/{t}/users"),
        Some(&body),
    )
    .confirm()
}

/// Plans removing members: `DELETE .../teams/{team}/users` with a JSON body (core.json
/// "Remove Users from Team") listing only users who are members.
pub fn plan_remove_users(
    ctx: &Ctx,
    args: TeamUsersArgs,
) -> Result<Planned<WriteOutput>, ToolError> {
    let wanted = checked_ids(&args.user_ids)?;
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let members = member_ids(&api, a, args.team_id)?;
    let remove: Vec<u64> = wanted.into_iter().filter(|u| members.contains(u)).collect();
    if remove.is_empty() {
        return Ok(Planned::NoChange(WriteOutput::unchanged(
            json!({"members": members}),
        )));
    }
    let body = json!({"user_ids": remove});
    let after: Vec<u64> = members
        .iter()
        .copied()
        .filter(|u| !remove.contains(u))
        .collect();
    let t = args.team_id;
    PlanBuilder::new(
        ctx.role(),
        format!("Remove user(s) {remove:?} from team {t} of account {a}."),
    )
    .change(
        format!("account {a}: team {t} members"),
        "update",
        Some(&members),
        Some(&after),
    )
    .snapshot(&members)
    .effect(
        HttpMethod::Delete,
        format!("/1/accounts/{a}/teams/{t}/users"),
        Some(&body),
    )
    .confirm()
}
