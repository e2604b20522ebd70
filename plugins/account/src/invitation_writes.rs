//! Invitation writes: invite, change, cancel one, cancel every pending invitation a user sent
//! (core.json `/1/accounts/{account}/invitations[/{invitation}]`,
//! `/1/accounts/{account}/invitations/users/{user}`).

use ikmcp_pdk::error::{conflict, invalid_args};
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::accounts::resolve;
use crate::apply::WriteOutput;
use crate::invitations::fetch_invitation;
use crate::teams::fetch_team;
use crate::users::{RoleType, fetch_users};

/// The languages an invitation e-mail can be written in (core.json enum).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
pub enum Locale {
    #[serde(rename = "de_DE")]
    De,
    #[serde(rename = "en_GB")]
    En,
    #[serde(rename = "es_ES")]
    Es,
    #[serde(rename = "fr_FR")]
    Fr,
    #[serde(rename = "it_IT")]
    It,
}

/// Arguments of `infomaniak_create_account_invitation`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitationArgs {
    pub account_id: Option<u64>,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub locale: Locale,
    pub role_type: RoleType,
    /// Teams joined on acceptance.
    pub team_ids: Option<Vec<u64>>,
    /// Send no e-mail.
    pub silent: Option<bool>,
}

fn text(value: &str, field: &str, max: usize) -> Result<String, ToolError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(invalid_args(
            format!("{field} must have 1 to {max} characters"),
            format!("give a non-empty {field}"),
        ));
    }
    Ok(v.to_string())
}

fn email(value: &str) -> Result<String, ToolError> {
    let e = value.trim().to_ascii_lowercase();
    let ok = e.len() >= 5
        && e.len() <= 255
        && e.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
        && !e.contains(char::is_whitespace);
    if !ok {
        return Err(invalid_args(
            format!("{value:?} is not an e-mail address"),
            "give the invitee's address, e.g. anna@example.com",
        ));
    }
    Ok(e)
}

/// Plans `POST /1/accounts/{account}/invitations` (core.json "Invite a User"). Refuses an
/// address that already is a user of the account, and team ids the account does not have.
pub fn plan_create(
    ctx: &Ctx,
    args: CreateInvitationArgs,
) -> Result<Planned<WriteOutput>, ToolError> {
    let address = email(&args.email)?;
    let first = text(&args.first_name, "first_name", 128)?;
    let last = text(&args.last_name, "last_name", 128)?;
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let existing = fetch_users(&api, a, None, Some(&address))?;
    if let Some(u) = existing.iter().find(|u| {
        u["email"]
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case(&address))
    }) {
        return Err(conflict(
            format!(
                "{address} is already in account {a} (user {}, {})",
                u["user_id"], u["state_in_account"]
            ),
            "change that user's teams instead, or cancel the pending invitation first",
        ));
    }
    let mut teams = Vec::new();
    for t in args.team_ids.iter().flatten() {
        teams.push(fetch_team(&api, a, *t)?["name"].clone());
    }
    let mut body = json!({"email": address, "first_name": first, "last_name": last,
        "locale": args.locale, "role_type": args.role_type});
    if let Some(ids) = &args.team_ids {
        body["teams"] = json!(ids);
    }
    if let Some(s) = args.silent {
        body["silent"] = json!(s);
    }
    let warning = match args.role_type {
        RoleType::Owner => " As owner, they will control the whole account, billing included.",
        RoleType::Admin => " As admin, they will manage every product of the account.",
        RoleType::Normal => "",
    };
    PlanBuilder::new(
        ctx.role(),
        format!(
            "Invite {address} to account {a} as {}.{warning}",
            args.role_type.as_str()
        ),
    )
    .change(
        format!("account {a}: invitation of {address}"),
        "create",
        None::<&Value>,
        Some(&json!({"invitation": body, "team_names": teams})),
    )
    .snapshot(&existing)
    .effect(
        HttpMethod::Post,
        format!("/1/accounts/{a}/invitations"),
        Some(&body),
    )
    .confirm()
}

/// Arguments of `infomaniak_update_account_invitation`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInvitationArgs {
    pub account_id: Option<u64>,
    pub invitation_id: u64,
    pub role_type: Option<RoleType>,
    /// Replaces the teams joined on acceptance.
    pub team_ids: Option<Vec<u64>>,
    pub has_billing: Option<bool>,
}

fn pending(invitation: &Value, id: u64) -> Result<(), ToolError> {
    match invitation["status"].as_str() {
        Some("pending") => Ok(()),
        other => Err(conflict(
            format!(
                "invitation {id} is {}; only pending invitations change",
                other.unwrap_or("unknown")
            ),
            "send a new invitation with infomaniak_create_account_invitation",
        )),
    }
}

fn team_ids_of(invitation: &Value) -> Vec<u64> {
    let mut ids: Vec<u64> = invitation["teams"]
        .as_array()
        .map(|t| t.iter().filter_map(|x| x["id"].as_u64()).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    ids
}

/// Plans `PATCH /1/accounts/{account}/invitations/{invitation}` (core.json "Patch an
/// invitation") with the fields that change; only a pending invitation changes.
pub fn plan_update(
    ctx: &Ctx,
    args: UpdateInvitationArgs,
) -> Result<Planned<WriteOutput>, ToolError> {
    if args.role_type.is_none() && args.team_ids.is_none() && args.has_billing.is_none() {
        return Err(invalid_args(
            "nothing to change",
            "give role_type, team_ids or has_billing",
        ));
    }
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let id = args.invitation_id;
    let inv = fetch_invitation(&api, a, id)?;
    pending(&inv, id)?;
    let mut body = Map::new();
    if let Some(r) = args
        .role_type
        .filter(|r| inv["role_type"].as_str() != Some(r.as_str()))
    {
        body.insert("role_type".into(), json!(r));
    }
    if let Some(ids) = &args.team_ids {
        let mut ids = ids.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids != team_ids_of(&inv) {
            for t in &ids {
                fetch_team(&api, a, *t)?;
            }
            body.insert("team_ids".into(), json!(ids));
        }
    }
    if let Some(b) = args
        .has_billing
        .filter(|b| inv["has_billing"].as_bool() != Some(*b))
    {
        body.insert("has_billing".into(), json!(b));
    }
    if body.is_empty() {
        return Ok(Planned::NoChange(WriteOutput::unchanged(inv)));
    }
    let body = Value::Object(body);
    let before = json!({"role_type": inv["role_type"], "team_ids": team_ids_of(&inv), "has_billing": inv["has_billing"]});
    PlanBuilder::new(
        ctx.role(),
        format!(
            "Change the pending invitation {id} of {} (account {a}).",
            inv["email"]
        ),
    )
    .change(
        format!("account {a}: invitation {id}"),
        "update",
        Some(&before),
        Some(&body),
    )
    .snapshot(&inv)
    .effect(
        HttpMethod::Patch,
        format!("/1/accounts/{a}/invitations/{id}"),
        Some(&body),
    )
    .confirm()
}

/// Arguments naming one invitation to cancel.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteInvitationArgs {
    pub account_id: Option<u64>,
    pub invitation_id: u64,
}

/// Plans `DELETE /1/accounts/{account}/invitations/{invitation}` (core.json "Cancel an
/// Invitation"). Already cancelled: no change; accepted or rejected: refused.
pub fn plan_delete(
    ctx: &Ctx,
    args: DeleteInvitationArgs,
) -> Result<Planned<WriteOutput>, ToolError> {
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let id = args.invitation_id;
    let inv = fetch_invitation(&api, a, id)?;
    if inv["status"] == "cancelled" {
        return Ok(Planned::NoChange(WriteOutput::unchanged(inv)));
    }
    pending(&inv, id)?;
    PlanBuilder::new(
        ctx.role(),
        format!(
            "Cancel the invitation of {} to account {a}; its link stops working.",
            inv["email"]
        ),
    )
    .change(
        format!("account {a}: invitation {id}"),
        "delete",
        Some(&inv),
        None::<&Value>,
    )
    .snapshot(&inv)
    .effect(
        HttpMethod::Delete,
        format!("/1/accounts/{a}/invitations/{id}"),
        None,
    )
    .confirm()
}

/// Arguments of `infomaniak_cancel_user_pending_invitations`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInvitationsArgs {
    pub account_id: Option<u64>,
    /// The user who sent them.
    pub user_id: u64,
}

/// The pending invitations `user` sent: `GET /1/accounts/{account}/invitations/users/{user}`
/// (core.json "Get users invitations"), kept where `status` is `pending`.
pub fn pending_sent_by(
    api: &ikmcp_pdk::Api,
    account: u64,
    user: u64,
) -> Result<Vec<Value>, ToolError> {
    let all: Vec<Value> = api.get_as(
        &format!("/1/accounts/{account}/invitations/users/{user}"),
        &[],
    )?;
    Ok(all
        .into_iter()
        .filter(|i| i["status"] == "pending")
        .collect())
}

/// Plans one `DELETE /1/accounts/{account}/invitations/{invitation}` per pending invitation
/// the user sent; none pending is no change.
pub fn plan_cancel_pending(
    ctx: &Ctx,
    args: UserInvitationsArgs,
) -> Result<Planned<WriteOutput>, ToolError> {
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let open = pending_sent_by(&api, a, args.user_id)?;
    if open.is_empty() {
        return Ok(Planned::NoChange(WriteOutput::unchanged(json!([]))));
    }
    let mut plan = PlanBuilder::new(
        ctx.role(),
        format!(
            "Cancel the {} pending invitation(s) user {} sent in account {a}.",
            open.len(),
            args.user_id
        ),
    );
    for inv in &open {
        let id = &inv["id"];
        plan = plan
            .change(
                format!("account {a}: invitation {id} ({})", inv["email"]),
                "delete",
                Some(inv),
                None::<&Value>,
            )
            .effect(
                HttpMethod::Delete,
                format!("/1/accounts/{a}/invitations/{id}"),
                None,
            );
    }
    plan.snapshot(&open).confirm()
}
