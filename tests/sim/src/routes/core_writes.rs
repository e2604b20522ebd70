//! Core writes and the account-governance reads around them (`openapi/core.json`): teams and
//! team users, tags (undocumented, infomaniak-api.md §7.1 "documented per HENRI"),
//! invitations and their app accesses (kDrive, kSuite, mailbox, kChat, B2B customers), a
//! user's app accesses and the invitations a user sent. Every documented body is validated
//! against the spec first (422 naming the field), then against the world (404 for unknown
//! objects, 409 for an access that already exists or does not, 400 for a settled invitation).

use crate::routes::spec_body;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::core::{account_of, invitation_json, tag_json, team_json};
use super::{body_json, now};
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, list, ok, ok_status};
use crate::openapi::{Spec, check_request};
use crate::seed::SERVICES;
use crate::server::{Shared, lock};
use crate::state::{Invitation, State as World, Tag, Team};

type Sh = State<Arc<Shared>>;

const TEAMS: &str = "/1/accounts/{account}/teams";
const TEAM: &str = "/1/accounts/{account}/teams/{team}";
const TEAM_USERS: &str = "/1/accounts/{account}/teams/{team}/users";
const INVITATIONS: &str = "/1/accounts/{account}/invitations";
const INVITATION: &str = "/1/accounts/{account}/invitations/{invitation}";

fn id_of(text: &str) -> Option<u64> {
    text.parse().ok()
}

fn team_idx(w: &World, account: u64, team: &str) -> Result<usize, ApiError> {
    w.teams
        .iter()
        .position(|t| t.account_id == account && id_of(team) == Some(t.id))
        .ok_or_else(|| ApiError::not_found("Team"))
}

fn invitation_idx(w: &World, account: u64, inv: &str) -> Result<usize, ApiError> {
    w.invitations
        .iter()
        .position(|i| i.account_id == account && id_of(inv) == Some(i.id))
        .ok_or_else(|| ApiError::not_found("Invitation"))
}

fn is_account_user(w: &World, account: u64, user: u64) -> bool {
    w.users
        .iter()
        .any(|u| u.account_id == account && u.user_id == user)
}

/// `user_ids` of a team-users body: each must be a user of the account (422 naming the item).
fn account_user_ids(w: &World, account: u64, body: &Value) -> Result<Vec<u64>, ApiError> {
    let ids: Vec<u64> = body["user_ids"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    let unknown: Vec<(String, &'static str, String)> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !is_account_user(w, account, **id))
        .map(|(n, id)| {
            (
                format!("user_ids.{n}"),
                "validation_rule_exists",
                format!("The user {id} is not a user of this account"),
            )
        })
        .collect();
    if ids.is_empty() {
        return Err(ApiError::invalid_attribute(
            "user_ids",
            "The user_ids field must list at least one user",
        ));
    }
    if !unknown.is_empty() {
        return Err(ApiError::validation(unknown));
    }
    Ok(ids)
}

/// A team's grants: `(service_id, service_name, right)`.
type Grants = Vec<(u64, String, String)>;

/// `permissions.services` of a team body, as the team's grants.
fn team_permissions(body: &Value) -> Result<Option<Grants>, ApiError> {
    let Some(services) = body
        .pointer("/permissions/services")
        .and_then(Value::as_array)
    else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for (n, s) in services.iter().enumerate() {
        let id = s.as_u64().unwrap_or(0);
        let Some((name, _)) = SERVICES.iter().find(|(_, sid)| *sid == id) else {
            return Err(ApiError::invalid_attribute(
                &format!("permissions.services.{n}"),
                format!("The service {id} does not exist"),
            ));
        };
        out.push((id, name.to_string(), "technical".to_string()));
    }
    Ok(Some(out))
}

fn check_owner(w: &World, account: u64, body: &Value) -> Result<(), ApiError> {
    match body.get("owned_by_id").and_then(Value::as_u64) {
        Some(owner) if !is_account_user(w, account, owner) => Err(ApiError::invalid_attribute(
            "owned_by_id",
            format!("The user {owner} is not a user of this account"),
        )),
        _ => Ok(()),
    }
}

/// `POST /1/accounts/{account}/teams` [201].
pub async fn team_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Core, TEAMS, "POST")?;
    let mut w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    check_owner(&w, acc, &body)?;
    let permissions = team_permissions(&body)?.unwrap_or_default();
    let name = body["name"].as_str().unwrap_or_default().to_string();
    if w.teams
        .iter()
        .any(|t| t.account_id == acc && t.name.eq_ignore_ascii_case(&name))
    {
        return Err(ApiError::validation(vec![(
            "name".into(),
            "validation_rule_unique",
            format!("A team named {name:?} already exists"),
        )]));
    }
    let owner = w.profile_user().user_id;
    let team = Team {
        id: w.next_id(),
        account_id: acc,
        name,
        color_id: 1,
        owned_by_id: body["owned_by_id"].as_u64().unwrap_or(owner),
        created_by_id: owner,
        created_at: now(),
        updated_at: now(),
        user_ids: vec![],
        permissions,
    };
    let out = team_json(&team);
    w.teams.push(team);
    ok_status(StatusCode::CREATED, out)
}

/// `PATCH /1/accounts/{account}/teams/{team}`.
pub async fn team_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, team)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Core, TEAM, "PATCH")?;
    let mut w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let idx = team_idx(&w, acc, &team)?;
    check_owner(&w, acc, &body)?;
    let permissions = team_permissions(&body)?;
    if let Some(name) = body["name"].as_str()
        && w.teams.iter().any(|t| {
            t.account_id == acc && t.id != w.teams[idx].id && t.name.eq_ignore_ascii_case(name)
        })
    {
        return Err(ApiError::validation(vec![(
            "name".into(),
            "validation_rule_unique",
            format!("A team named {name:?} already exists"),
        )]));
    }
    let t = &mut w.teams[idx];
    if let Some(name) = body["name"].as_str() {
        t.name = name.to_string();
    }
    if let Some(owner) = body["owned_by_id"].as_u64() {
        t.owned_by_id = owner;
    }
    if let Some(p) = permissions {
        t.permissions = p;
    }
    t.updated_at = now();
    ok(team_json(t))
}

/// `DELETE /1/accounts/{account}/teams/{team}`.
pub async fn team_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, team)): Path<(String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let idx = team_idx(&w, acc, &team)?;
    let gone = w.teams.remove(idx).id;
    for i in w.invitations.iter_mut() {
        i.team_ids.retain(|t| *t != gone);
    }
    ok(json!(true))
}

fn team_brief(t: &Team) -> Value {
    json!({"id": t.id, "name": t.name, "color_id": t.color_id, "created_at": t.created_at,
        "updated_at": t.updated_at, "user_count": t.user_ids.len()})
}

/// `GET /1/accounts/{account}/teams/{team}/users`: `search`, paging.
pub async fn team_users(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, team)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let t = &w.teams[team_idx(&w, acc, &team)?];
    let search = q.get("search").map(str::to_lowercase);
    let items = w
        .users
        .iter()
        .filter(|u| u.account_id == acc && t.user_ids.contains(&u.user_id))
        .filter(|u| {
            search.as_ref().is_none_or(|s| {
                format!("{} {} {}", u.first_name, u.last_name, u.email)
                    .to_lowercase()
                    .contains(s.as_str())
            })
        })
        .map(|u| {
            let teams: Vec<Value> = w
                .teams
                .iter()
                .filter(|t| t.account_id == acc && t.user_ids.contains(&u.user_id))
                .map(team_brief)
                .collect();
            json!({"id": u.user_id, "display_name": format!("{} {}", u.first_name, u.last_name),
                "first_name": u.first_name, "last_name": u.last_name, "email": u.email,
                "is_sso": u.is_sso, "last_login_at": u.last_login_at, "teams": teams})
        })
        .collect();
    list(items, &q)
}

/// `POST /1/accounts/{account}/teams/{team}/users` [201]: adds members (already members are
/// left as they are).
pub async fn team_users_add(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, team)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Core, TEAM_USERS, "POST")?;
    let mut w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let idx = team_idx(&w, acc, &team)?;
    let ids = account_user_ids(&w, acc, &body)?;
    let t = &mut w.teams[idx];
    for u in ids {
        if !t.user_ids.contains(&u) {
            t.user_ids.push(u);
        }
    }
    t.updated_at = now();
    ok_status(StatusCode::CREATED, json!(true))
}

/// `DELETE /1/accounts/{account}/teams/{team}/users` (JSON body `user_ids`).
pub async fn team_users_remove(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, team)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Core, TEAM_USERS, "DELETE")?;
    let mut w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let idx = team_idx(&w, acc, &team)?;
    let ids = account_user_ids(&w, acc, &body)?;
    let t = &mut w.teams[idx];
    t.user_ids.retain(|u| !ids.contains(u));
    t.updated_at = now();
    ok(json!(true))
}

/// A tag body (undocumented route, so checked here): `name` 1..=64 characters (required on
/// create), `color` 1..=20.
fn tag_fields(body: &Value, create: bool) -> Result<(Option<String>, Option<u64>), ApiError> {
    let name = match body.get("name") {
        None | Some(Value::Null) if create => {
            return Err(ApiError::validation(vec![(
                "name".into(),
                "validation_rule_required",
                "The name field is required".into(),
            )]));
        }
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if (1..=64).contains(&s.chars().count()) => Some(s.clone()),
        Some(_) => {
            return Err(ApiError::invalid_attribute(
                "name",
                "The name must be a string of 1 to 64 characters",
            ));
        }
    };
    let color = match body.get("color") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64().filter(|c| (1..=20).contains(c)) {
            Some(c) => Some(c),
            None => {
                return Err(ApiError::invalid_attribute(
                    "color",
                    "The color must be an integer from 1 to 20",
                ));
            }
        },
    };
    Ok((name, color))
}

fn tag_name_taken(w: &World, account: u64, name: &str, except: Option<u64>) -> bool {
    w.tags.iter().any(|t| {
        t.account_id == account && Some(t.id) != except && t.name.eq_ignore_ascii_case(name)
    })
}

fn tag_taken_error(name: &str) -> ApiError {
    ApiError::validation(vec![(
        "name".into(),
        "validation_rule_unique",
        format!("A tag named {name:?} already exists"),
    )])
}

/// `POST /1/accounts/{account}/tags` [201] (undocumented; infomaniak-api.md §7.1).
pub async fn tag_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = body_json(&body)?;
    let (name, color) = tag_fields(&body, true)?;
    let name = name.unwrap_or_default();
    let mut w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    if tag_name_taken(&w, acc, &name, None) {
        return Err(tag_taken_error(&name));
    }
    let tag = Tag {
        id: w.next_id(),
        account_id: acc,
        name,
        color: color.unwrap_or(1),
    };
    let tid = tag.id;
    w.tags.push(tag);
    ok_status(
        StatusCode::CREATED,
        tag_json(&w, tid).unwrap_or(Value::Null),
    )
}

fn tag_idx(w: &World, account: u64, tag: &str) -> Result<usize, ApiError> {
    w.tags
        .iter()
        .position(|t| t.account_id == account && id_of(tag) == Some(t.id))
        .ok_or_else(|| ApiError::not_found("Tag"))
}

/// `PUT /1/accounts/{account}/tags/{tag}` (undocumented; infomaniak-api.md §7.1).
pub async fn tag_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, tag)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = body_json(&body)?;
    let (name, color) = tag_fields(&body, false)?;
    let mut w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let idx = tag_idx(&w, acc, &tag)?;
    let tid = w.tags[idx].id;
    if let Some(n) = &name
        && tag_name_taken(&w, acc, n, Some(tid))
    {
        return Err(tag_taken_error(n));
    }
    let t = &mut w.tags[idx];
    if let Some(n) = name {
        t.name = n;
    }
    if let Some(c) = color {
        t.color = c;
    }
    ok(tag_json(&w, tid).unwrap_or(Value::Null))
}

/// `DELETE /1/accounts/{account}/tags/{tag}` (undocumented; infomaniak-api.md §7.1): the tag
/// leaves every product too.
pub async fn tag_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, tag)): Path<(String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let idx = tag_idx(&w, acc, &tag)?;
    let gone = w.tags.remove(idx).id;
    for p in w.products.iter_mut() {
        p.tags.retain(|t| *t != gone);
    }
    ok(json!(true))
}

/// `POST /1/accounts/{account}/invitations` [201].
pub async fn invitation_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Core, INVITATIONS, "POST")?;
    let mut w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let email = body["email"].as_str().unwrap_or_default().to_lowercase();
    if !email.contains('@') {
        return Err(ApiError::invalid_attribute(
            "email",
            "The email must be a valid email address",
        ));
    }
    if w.users
        .iter()
        .any(|u| u.account_id == acc && u.email.eq_ignore_ascii_case(&email))
    {
        return Err(ApiError::invalid_attribute(
            "email",
            format!("{email} is already a user of this account"),
        ));
    }
    if w.invitations
        .iter()
        .any(|i| i.account_id == acc && i.status == "pending" && i.email == email)
    {
        return Err(ApiError::invalid_attribute(
            "email",
            format!("{email} already has a pending invitation"),
        ));
    }
    let team_ids: Vec<u64> = body["teams"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    if let Some((n, t)) = team_ids
        .iter()
        .enumerate()
        .find(|(_, t)| !w.teams.iter().any(|x| x.account_id == acc && x.id == **t))
    {
        return Err(ApiError::invalid_attribute(
            &format!("teams.{n}"),
            format!("The team {t} does not exist"),
        ));
    }
    let locale = body["locale"].as_str().unwrap_or("fr_FR").to_string();
    let inv = Invitation {
        id: w.next_id(),
        account_id: acc,
        email,
        first_name: body["first_name"].as_str().unwrap_or_default().into(),
        last_name: body["last_name"].as_str().unwrap_or_default().into(),
        status: "pending".into(),
        role_type: body["role_type"].as_str().unwrap_or("normal").into(),
        language_id: match &locale[..2] {
            "fr" => 1,
            "en" => 2,
            "de" => 3,
            "it" => 4,
            _ => 5,
        },
        locale,
        created_at: now(),
        expired_at: now() + 30 * 86_400,
        invited_by: w.profile_user().user_id,
        team_ids,
        has_billing: body.pointer("/permissions/billing") == Some(&json!(true)),
        has_billing_mailing: body.pointer("/notifications/billing") == Some(&json!(true)),
        has_mailing: body.pointer("/notifications/products") == Some(&json!(true)),
        ..Invitation::default()
    };
    let out = invitation_json(&w, &inv);
    w.invitations.push(inv);
    ok_status(StatusCode::CREATED, out)
}

/// The invitation a sub-resource route names; only pending invitations change (400
/// `invitation_not_pending` otherwise).
fn pending_invitation<'a>(
    w: &'a mut World,
    c: &Caller,
    id: &str,
    inv: &str,
) -> Result<&'a mut Invitation, ApiError> {
    let acc = account_of(w, c, id)?.id;
    let idx = invitation_idx(w, acc, inv)?;
    let i = &mut w.invitations[idx];
    if i.status != "pending" {
        return Err(ApiError::bad_request(
            "invitation_not_pending",
            format!("The invitation is {} and can no longer change", i.status),
        ));
    }
    Ok(i)
}

/// `PATCH /1/accounts/{account}/invitations/{invitation}`.
pub async fn invitation_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Core, INVITATION, "PATCH")?;
    let mut w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    if let Some(ids) = body["team_ids"].as_array()
        && let Some((n, t)) = ids.iter().enumerate().find(|(_, t)| {
            !w.teams
                .iter()
                .any(|x| x.account_id == acc && Some(x.id) == t.as_u64())
        })
    {
        return Err(ApiError::invalid_attribute(
            &format!("team_ids.{n}"),
            format!("The team {t} does not exist"),
        ));
    }
    let i = pending_invitation(&mut w, &c, &id, &inv)?;
    if let Some(r) = body["role_type"].as_str() {
        i.role_type = r.into();
    }
    if let Some(ids) = body["team_ids"].as_array() {
        i.team_ids = ids.iter().filter_map(Value::as_u64).collect();
    }
    for (key, field) in [
        ("has_billing", &mut i.has_billing),
        ("has_billing_mailing", &mut i.has_billing_mailing),
        ("has_mailing", &mut i.has_mailing),
    ] {
        if let Some(b) = body[key].as_bool() {
            *field = b;
        }
    }
    if let Some(l) = body["language_id"].as_u64() {
        i.language_id = l;
    }
    let snapshot = i.clone();
    ok(invitation_json(&w, &snapshot))
}

/// `DELETE /1/accounts/{account}/invitations/{invitation}`: the invitation is cancelled (it
/// stays readable with `status: cancelled`).
pub async fn invitation_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv)): Path<(String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let i = pending_invitation(&mut w, &c, &id, &inv)?;
    i.status = "cancelled".into();
    i.expired_at = now();
    ok(json!(true))
}

/// `GET /1/accounts/{account}/invitations/users/{user}`: the invitations `user` sent.
pub async fn user_invitations(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, user)): Path<(String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let uid = id_of(&user)
        .filter(|u| is_account_user(&w, acc, *u))
        .ok_or_else(|| ApiError::not_found("User"))?;
    ok(w.invitations
        .iter()
        .filter(|i| i.account_id == acc && i.invited_by == uid)
        .map(|i| invitation_json(&w, i))
        .collect())
}

/// Runs `change` on a pending invitation and answers it (status `status`).
fn change_invitation(
    sh: &Shared,
    c: &Caller,
    id: &str,
    inv: &str,
    status: StatusCode,
    change: impl FnOnce(&World, &mut Invitation) -> Result<(), ApiError>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let snapshot = w.clone();
    let i = pending_invitation(&mut w, c, id, inv)?;
    change(&snapshot, i)?;
    let out = i.clone();
    ok_status(status, invitation_json(&w, &out))
}

fn already(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "object_already_exists",
        format!("The invitation already has this {what} access"),
    )
}

fn missing_ksuite() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ksuite_not_found_for_account",
        "The invitation has no kSuite access",
    )
}

/// `POST .../invitations/{invitation}/drive` [201]: `{drive_id, role}`.
pub async fn inv_drive_add(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Core, &format!("{INVITATION}/drive"), "POST")?;
    change_invitation(&sh, &c, &id, &inv, StatusCode::CREATED, |w, i| {
        let drive = body["drive_id"].as_u64().unwrap_or(0);
        if !w
            .drives
            .iter()
            .any(|d| d.id == drive && d.account_id == i.account_id)
        {
            return Err(ApiError::not_found("Drive"));
        }
        if i.drives.iter().any(|d| d.0 == drive) {
            return Err(already("kDrive"));
        }
        let role = body["role"].as_str().unwrap_or("user").to_string();
        i.drives.push((drive, role, "read".into()));
        Ok(())
    })
}

/// `PATCH .../invitations/{invitation}/drive/{drive_id}`: `{right?, role?}`.
pub async fn inv_drive_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv, drive)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Core,
        &format!("{INVITATION}/drive/{{drive_id}}"),
        "PATCH",
    )?;
    change_invitation(&sh, &c, &id, &inv, StatusCode::OK, |_, i| {
        let d = i
            .drives
            .iter_mut()
            .find(|d| Some(d.0) == id_of(&drive))
            .ok_or_else(|| ApiError::not_found("Drive access"))?;
        if let Some(r) = body["role"].as_str() {
            d.1 = r.into();
        }
        if let Some(r) = body["right"].as_str() {
            d.2 = r.into();
        }
        Ok(())
    })
}

/// `DELETE .../invitations/{invitation}/drive/{drive_id}`.
pub async fn inv_drive_remove(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv, drive)): Path<(String, String, String)>,
) -> ApiResult {
    change_invitation(&sh, &c, &id, &inv, StatusCode::OK, |_, i| {
        let before = i.drives.len();
        i.drives.retain(|d| Some(d.0) != id_of(&drive));
        if i.drives.len() == before {
            return Err(ApiError::not_found("Drive access"));
        }
        Ok(())
    })
}

/// `POST .../invitations/{invitation}/ksuite` [201].
pub async fn inv_ksuite_add(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Core, &format!("{INVITATION}/ksuite"), "POST")?;
    change_invitation(&sh, &c, &id, &inv, StatusCode::CREATED, |_, i| {
        if i.ksuite.is_some() {
            return Err(already("kSuite"));
        }
        let role = |k: &str| {
            body.pointer(&format!("/ksuite_access/{k}"))
                .and_then(Value::as_str)
                .unwrap_or("user")
                .to_string()
        };
        i.ksuite = Some((role("kchat_role"), role("kdrive_role")));
        Ok(())
    })
}

/// `DELETE .../invitations/{invitation}/ksuite` (404 when there is none).
pub async fn inv_ksuite_remove(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv)): Path<(String, String)>,
) -> ApiResult {
    change_invitation(&sh, &c, &id, &inv, StatusCode::OK, |_, i| {
        i.ksuite.take().map(|_| ()).ok_or_else(missing_ksuite)
    })
}

/// `POST .../invitations/{invitation}/mailbox/invite`: invites to a mailbox by its key.
pub async fn inv_mailbox_invite(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Core,
        &format!("{INVITATION}/mailbox/invite"),
        "POST",
    )?;
    mailbox_add(&sh, &c, &id, &inv, StatusCode::OK, &body)
}

fn mailbox_add(
    sh: &Shared,
    c: &Caller,
    id: &str,
    inv: &str,
    status: StatusCode,
    body: &Value,
) -> ApiResult {
    change_invitation(sh, c, id, inv, status, |w, i| {
        let mail = body["mail_id"].as_u64().unwrap_or(0);
        let name = body["mailbox_name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !w
            .mail_hostings
            .iter()
            .any(|m| m.id == mail && m.account_id == i.account_id)
        {
            return Err(ApiError::not_found("Mail hosting"));
        }
        if i.mailboxes.iter().any(|m| m.0 == mail && m.1 == name) {
            return Err(already("mailbox"));
        }
        i.mailboxes.push((mail, name));
        Ok(())
    })
}

/// `POST .../invitations/{invitation}/mailbox/{mail_id}` [201].
pub async fn inv_mailbox_add(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv, mail)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let mut body = body_json(&body)?;
    check_request(
        Spec::Core,
        &format!("{INVITATION}/mailbox/{{mail_id}}"),
        "POST",
        &body,
    )?;
    body["mail_id"] = json!(id_of(&mail).unwrap_or(0));
    mailbox_add(&sh, &c, &id, &inv, StatusCode::CREATED, &body)
}

fn mailbox_access_idx(i: &Invitation, mail: &str, body: &Value) -> Result<usize, ApiError> {
    let name = body["mailbox_name"].as_str().unwrap_or_default();
    i.mailboxes
        .iter()
        .position(|m| Some(m.0) == id_of(mail) && m.1 == name)
        .ok_or_else(|| ApiError::not_found("Mailbox access"))
}

/// `PATCH .../invitations/{invitation}/mailbox/{mail_id}`: permissions (not stored).
pub async fn inv_mailbox_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv, mail)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Core,
        &format!("{INVITATION}/mailbox/{{mail_id}}"),
        "PATCH",
    )?;
    change_invitation(&sh, &c, &id, &inv, StatusCode::OK, |_, i| {
        mailbox_access_idx(i, &mail, &body).map(|_| ())
    })
}

/// `DELETE .../invitations/{invitation}/mailbox/{mail_id}` (JSON body `mailbox_name`).
pub async fn inv_mailbox_remove(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv, mail)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Core,
        &format!("{INVITATION}/mailbox/{{mail_id}}"),
        "DELETE",
    )?;
    change_invitation(&sh, &c, &id, &inv, StatusCode::OK, |_, i| {
        let idx = mailbox_access_idx(i, &mail, &body)?;
        i.mailboxes.remove(idx);
        Ok(())
    })
}

/// `PATCH .../invitations/{invitation}/kchat`: `{role}`.
pub async fn inv_kchat_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Core, &format!("{INVITATION}/kchat"), "PATCH")?;
    change_invitation(&sh, &c, &id, &inv, StatusCode::OK, |_, i| {
        i.kchat_role = body["role"].as_str().map(String::from);
        Ok(())
    })
}

/// A B2B customer (partnership) as the API lists it: every other account of the tenant is a
/// customer the caller may assign.
fn partnership_json(w: &World, id: u64) -> Option<Value> {
    let a = w.accounts.iter().find(|a| a.id == id)?;
    Some(
        json!({"id": a.id, "name": a.name, "color_id": 1, "owned_by_id": null,
        "created_by_id": null, "created_at": a.created_at, "updated_at": a.created_at,
        "has_customer_payment_method": false, "has_full_access": true}),
    )
}

/// `GET .../invitations/{invitation}/b2b`: the customers assigned to the invitee.
pub async fn inv_b2b(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv)): Path<(String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let i = &w.invitations[invitation_idx(&w, acc, &inv)?];
    ok(i.partnership_ids
        .iter()
        .filter_map(|p| partnership_json(&w, *p))
        .collect())
}

/// `POST .../invitations/{invitation}/b2b` [201]: `{partnership_ids}`.
pub async fn inv_b2b_assign(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Core, &format!("{INVITATION}/b2b"), "POST")?;
    change_invitation(&sh, &c, &id, &inv, StatusCode::CREATED, |w, i| {
        let ids: Vec<u64> = body["partnership_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        for (n, p) in ids.iter().enumerate() {
            if *p == i.account_id || !w.accounts.iter().any(|a| a.id == *p) {
                return Err(ApiError::invalid_attribute(
                    &format!("partnership_ids.{n}"),
                    format!("The partnership {p} does not exist"),
                ));
            }
            if !i.partnership_ids.contains(p) {
                i.partnership_ids.push(*p);
            }
        }
        Ok(())
    })
}

/// `DELETE .../invitations/{invitation}/b2b/{partnership_id}`.
pub async fn inv_b2b_unassign(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv, partnership)): Path<(String, String, String)>,
) -> ApiResult {
    change_invitation(&sh, &c, &id, &inv, StatusCode::OK, |_, i| {
        let before = i.partnership_ids.len();
        i.partnership_ids
            .retain(|p| Some(*p) != id_of(&partnership));
        if before == i.partnership_ids.len() {
            return Err(ApiError::not_found("Partnership"));
        }
        Ok(())
    })
}

/// `GET /2/accounts/{account}/users/{user}/app_accesses`: what the user reaches (the spec
/// only says "object"): account role, teams, products through team permissions, kDrives,
/// kChat and mailboxes named after the user.
pub async fn app_accesses(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, user)): Path<(String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    let u = w
        .users
        .iter()
        .find(|u| u.account_id == acc && id_of(&user) == Some(u.user_id))
        .ok_or_else(|| ApiError::not_found("User"))?;
    let teams: Vec<&Team> = w
        .teams
        .iter()
        .filter(|t| t.account_id == acc && t.user_ids.contains(&u.user_id))
        .collect();
    let privileged = u.role_type != "normal";
    let products: Vec<Value> = w
        .products
        .iter()
        .filter(|p| p.account_id == acc)
        .filter(|p| {
            privileged
                || teams
                    .iter()
                    .any(|t| t.permissions.iter().any(|(sid, _, _)| *sid == p.service_id))
        })
        .map(|p| json!({"product_id": p.id, "service_name": p.service_name,
            "customer_name": p.customer_name,
            "rights": if privileged { json!(["technical", "statistic", "check", "sale"]) } else { json!(["technical"]) }}))
        .collect();
    let role = if privileged { "admin" } else { "user" };
    let drives: Vec<Value> = w
        .drives
        .iter()
        .filter(|d| d.account_id == acc && (privileged || (u.user_id + d.id) % 2 == 0))
        .map(|d| json!({"drive_id": d.id, "name": d.name, "role": role}))
        .collect();
    let kchat: Vec<Value> = w
        .kchat_teams
        .iter()
        .filter(|t| t.account_id == acc)
        .map(|t| json!({"team_id": t.id, "name": t.display_name, "role": role}))
        .collect();
    let local = u.first_name.to_lowercase();
    let mailboxes: Vec<Value> = w
        .mailboxes
        .iter()
        .filter(|m| {
            m.mailbox_name == local
                && w.mail_hostings
                    .iter()
                    .any(|h| h.id == m.mail_hosting_id && h.account_id == acc)
        })
        .map(|m| json!({"mail_hosting_id": m.mail_hosting_id, "mailbox_name": m.mailbox_name, "mailbox": m.mailbox}))
        .collect();
    ok(json!({
        "user_id": u.user_id, "account_id": acc, "role_type": u.role_type,
        "teams": teams.iter().map(|t| json!({"id": t.id, "name": t.name})).collect::<Vec<_>>(),
        "products": products, "drives": drives, "kchat": kchat, "mailboxes": mailboxes,
    }))
}

/// `GET /1/accounts/{account_id}/basic/teams`: id and name of every team (the spec types
/// `data` as a string; the answer is a list, a documented deviation).
pub async fn basic_teams(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let acc = account_of(&w, &c, &id)?.id;
    ok(w.teams
        .iter()
        .filter(|t| t.account_id == acc)
        .map(|t| json!({"id": t.id, "name": t.name, "color_id": t.color_id}))
        .collect())
}

/// `GET /1/accounts/current/products`: the products of the profile user's account (the
/// spec types `data` as a string; the answer is the product list, a documented deviation).
pub async fn current_products(State(sh): Sh, RawQuery(q): RawQuery) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    let acc = w.profile_user().account_id;
    list(
        w.products
            .iter()
            .filter(|p| p.account_id == acc)
            .map(|p| super::core::product_json(&w, p))
            .collect(),
        &q,
    )
}
