//! Core reads: accounts, tags, services, products, profile, users, teams, invitations
//! (`openapi/core.json`). Where the OAS marks nested fields as required at the top level
//! (e.g. `waiting_payment` of `order`), the sim sends them in both places.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{Value, json};

use super::core_writes as cw;
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, list, ok};
use crate::server::{Shared, lock};
use crate::state::{Account, Invitation, Product, State as World, Team, User};

type Sh = State<Arc<Shared>>;

/// The core routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/1/accounts", get(accounts))
        .route("/1/account", get(accounts))
        .route("/1/accounts/{account}", get(account_detail))
        .route("/1/accounts/{account}/tags", get(tags).post(cw::tag_create))
        .route(
            "/1/accounts/{account}/tags/{tag}",
            axum::routing::put(cw::tag_update).delete(cw::tag_delete),
        )
        .route("/1/accounts/{account}/services", get(services))
        .route("/1/accounts/{account}/products", get(account_products))
        .route("/1/accounts/{account}/basic/teams", get(cw::basic_teams))
        .route("/1/accounts/current/products", get(cw::current_products))
        .route("/1/products", get(products))
        .route("/2/profile", get(profile))
        .route("/2/accounts/{account}/users", get(users))
        .route(
            "/2/accounts/{account}/users/{user}/app_accesses",
            get(cw::app_accesses),
        )
        .route(
            "/1/accounts/{account}/teams",
            get(teams).post(cw::team_create),
        )
        .route(
            "/1/accounts/{account}/teams/{team}",
            get(team).patch(cw::team_update).delete(cw::team_delete),
        )
        .route(
            "/1/accounts/{account}/teams/{team}/users",
            get(cw::team_users)
                .post(cw::team_users_add)
                .delete(cw::team_users_remove),
        )
        .route(
            "/1/accounts/{account}/invitations",
            get(invitations).post(cw::invitation_create),
        )
        .route(
            "/1/accounts/{account}/invitations/users/{user}",
            get(cw::user_invitations),
        )
        .route(
            "/1/accounts/{account}/invitations/{invitation}",
            get(invitation)
                .patch(cw::invitation_update)
                .delete(cw::invitation_delete),
        )
        .route(
            "/1/accounts/{account}/invitations/{invitation}/drive",
            post(cw::inv_drive_add),
        )
        .route(
            "/1/accounts/{account}/invitations/{invitation}/drive/{drive}",
            axum::routing::patch(cw::inv_drive_update).delete(cw::inv_drive_remove),
        )
        .route(
            "/1/accounts/{account}/invitations/{invitation}/ksuite",
            post(cw::inv_ksuite_add).delete(cw::inv_ksuite_remove),
        )
        .route(
            "/1/accounts/{account}/invitations/{invitation}/mailbox/invite",
            post(cw::inv_mailbox_invite),
        )
        .route(
            "/1/accounts/{account}/invitations/{invitation}/mailbox/{mail}",
            post(cw::inv_mailbox_add)
                .patch(cw::inv_mailbox_update)
                .delete(cw::inv_mailbox_remove),
        )
        .route(
            "/1/accounts/{account}/invitations/{invitation}/kchat",
            axum::routing::patch(cw::inv_kchat_update),
        )
        .route(
            "/1/accounts/{account}/invitations/{invitation}/b2b",
            get(cw::inv_b2b).post(cw::inv_b2b_assign),
        )
        .route(
            "/1/accounts/{account}/invitations/{invitation}/b2b/{partnership}",
            axum::routing::delete(cw::inv_b2b_unassign),
        )
}

/// The account a path names, if it exists and the caller may see it.
pub fn account_of<'a>(w: &'a World, c: &Caller, id: &str) -> Result<&'a Account, ApiError> {
    id.parse::<u64>()
        .ok()
        .and_then(|id| w.accounts.iter().find(|a| a.id == id))
        .filter(|a| c.can_access(a.id))
        .ok_or_else(|| ApiError::not_found("Account"))
}

pub fn tag_json(w: &World, id: u64) -> Option<Value> {
    let t = w.tags.iter().find(|t| t.id == id)?;
    let count = w.products.iter().filter(|p| p.tags.contains(&id)).count();
    Some(json!({"id": t.id, "name": t.name, "color": t.color, "product_count": count}))
}

fn account_json(w: &World, a: &Account) -> Value {
    let tags: Vec<Value> = w
        .tags
        .iter()
        .filter(|t| t.account_id == a.id)
        .filter_map(|t| tag_json(w, t.id))
        .collect();
    let users = w.users.iter().filter(|u| u.account_id == a.id).count();
    let invites = w
        .invitations
        .iter()
        .filter(|i| i.account_id == a.id && i.status == "pending")
        .count();
    json!({
        "id": a.id, "name": a.name, "legal_entity_type": a.legal_entity_type,
        "created_at": a.created_at, "timezone": a.timezone, "website": a.website,
        "phone": a.phone, "locale": a.locale, "language": "fr", "language_id": a.language_id,
        "order": {"waiting_payment": 0, "in_process": 0, "blocked_order_id": []},
        "waiting_payment": 0, "in_process": 0, "blocked_order_id": [],
        "beta": false, "support_level": a.support_level, "has_2fa_required": false,
        "type": a.r#type, "is_customer": true, "is_sso": false, "tags": tags,
        "nb_users": users, "nb_invitations": invites,
    })
}

/// `GET /1/accounts` and its undocumented singular twin `/1/account` (the peers use it).
pub async fn accounts(State(sh): Sh, Extension(c): Extension<Caller>) -> ApiResult {
    let w = lock(&sh.world);
    ok(w.accounts
        .iter()
        .filter(|a| c.can_access(a.id))
        .map(|a| account_json(&w, a))
        .collect())
}

/// `GET /1/accounts/{account}`.
pub async fn account_detail(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let a = account_of(&w, &c, &id)?;
    ok(account_json(&w, a))
}

/// `GET /1/accounts/{account}/tags`.
pub async fn tags(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let a = account_of(&w, &c, &id)?;
    ok(w.tags
        .iter()
        .filter(|t| t.account_id == a.id)
        .filter_map(|t| tag_json(&w, t.id))
        .collect())
}

/// `GET /1/accounts/{account}/services`: product counts per service.
pub async fn services(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let a = account_of(&w, &c, &id)?;
    let mut counts: BTreeMap<(u64, String), usize> = BTreeMap::new();
    for p in w.products.iter().filter(|p| p.account_id == a.id) {
        *counts
            .entry((p.service_id, p.service_name.clone()))
            .or_default() += 1;
    }
    ok(counts
        .into_iter()
        .map(|((id, name), count)| json!({"id": id, "name": name, "count": count}))
        .collect())
}

/// The `/1/products` item.
pub fn product_json(w: &World, p: &Product) -> Value {
    let admin = w
        .users
        .iter()
        .find(|u| u.account_id == p.account_id && u.role_type == "owner");
    let mut v = json!({
        "id": p.id, "account_id": p.account_id, "service_id": p.service_id,
        "service_name": p.service_name, "customer_name": p.customer_name,
        "internal_name": p.internal_name, "created_at": p.created_at, "expired_at": p.expired_at,
        "version": 1, "has_maintenance": false, "is_locked": false,
        "has_operation_in_progress": false,
        "tags": p.tags.iter().filter_map(|t| tag_json(w, *t)).collect::<Vec<_>>(),
        "unique_id": p.id, "description": "", "is_free": p.is_free, "is_zero_price": false,
        "is_trial": p.is_trial,
        "rights": {"technical": true, "statistic": true, "check": true, "sale": true},
    });
    if let Some(u) = admin {
        v["admin"] = json!({"user_id": u.user_id, "email": u.email, "display_name": format!("{} {}", u.first_name, u.last_name)});
    }
    if matches!(p.service_name.as_str(), "domain" | "email_hosting") {
        v["fqdn"] = json!(p.customer_name);
    }
    v
}

/// `GET /1/accounts/{account}/products`.
pub async fn account_products(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    let a = account_of(&w, &c, &id)?;
    list(
        w.products
            .iter()
            .filter(|p| p.account_id == a.id)
            .map(|p| product_json(&w, p))
            .collect(),
        &q,
    )
}

/// `GET /1/products`: filters `account_id`, `service_id`, `service_name`, `customer_name`,
/// `internal_name`, `fqdn`, `product_id`; paging (`page`/`per_page`, `limit`/`skip`), `return=total`.
pub async fn products(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let account_id = q.int("account_id")?;
    let service_id = q.int("service_id")?;
    let product_id = q.int("product_id")?;
    let service_name = q.get("service_name");
    let customer = q
        .get("customer_name")
        .or(q.get("fqdn"))
        .map(str::to_ascii_lowercase);
    let internal = q.get("internal_name");
    let w = lock(&sh.world);
    let items = w
        .products
        .iter()
        .filter(|p| c.can_access(p.account_id))
        .filter(|p| account_id.is_none_or(|a| p.account_id as i64 == a))
        .filter(|p| service_id.is_none_or(|s| p.service_id as i64 == s))
        .filter(|p| product_id.is_none_or(|s| p.id as i64 == s))
        .filter(|p| service_name.is_none_or(|s| p.service_name == s))
        .filter(|p| {
            customer
                .as_ref()
                .is_none_or(|s| p.customer_name.to_ascii_lowercase() == *s)
        })
        .filter(|p| internal.is_none_or(|s| p.internal_name == s))
        .map(|p| product_json(&w, p))
        .chain(super::hosting::site_products(&sh, &w, &c, &q))
        .collect();
    list(items, &q)
}

/// `GET /2/profile`: the owner of the first account. The OAS lists several nested fields
/// (`otp`, `language`, ...) as required at the top level; they are sent there as well.
pub async fn profile(State(sh): Sh) -> ApiResult {
    let w = lock(&sh.world);
    let u = w.profile_user();
    let language = json!({"id": 1, "name": "Français", "short_name": "fr", "locale": "fr_FR", "short_locale": "fr"});
    let country = json!({"id": 41, "name": "Switzerland", "short_name": "CH", "is_enabled": true});
    let timezone = json!({"id": 1, "name": "Europe/Zurich", "gmt": "+01:00"});
    ok(json!({
        "id": u.user_id, "user_id": u.user_id, "login": u.email, "email": u.email,
        "first_name": u.first_name, "last_name": u.last_name,
        "display_name": format!("{} {}", u.first_name, u.last_name),
        "is_sso": u.is_sso, "avatar": "https://www.example.org/avatar.png", "type": "user",
        "current_account_id": u.account_id,
        "otp": u.has_otp, "sms": false, "sms_phone": "", "yubikey": false,
        "infomaniak_application": false, "double_auth": u.has_otp,
        "double_auth_method": if u.has_otp { "otp" } else { "none" },
        "remaining_rescue_code": 10, "last_login_at": u.last_login_at,
        "date_last_changed_password": u.last_login_at - 86_400 * 30,
        "language": language, "country": country, "timezone": timezone,
        "preferences": {
            "security": {"otp": u.has_otp, "sms": false, "sms_phone": "", "yubikey": false,
                "infomaniak_application": false, "double_auth": u.has_otp,
                "remaining_rescue_code": 10, "last_login_at": u.last_login_at,
                "date_last_changed_password": u.last_login_at - 86_400 * 30,
                "double_auth_method": if u.has_otp { "otp" } else { "none" }},
            "language": language, "country": country, "timezone": timezone,
        },
        "phones": [], "sessions": [],
    }))
}

fn user_json(u: &User) -> Value {
    json!({
        "user_id": u.user_id, "invitation_id": null, "first_name": u.first_name,
        "last_name": u.last_name, "display_name": format!("{} {}", u.first_name, u.last_name),
        "email": u.email, "avatar": null, "role_type": u.role_type,
        "state_in_account": u.state_in_account, "is_correspondent": u.role_type == "owner",
        "is_correspondent_billing": u.role_type == "owner", "is_workspace_only": false,
        "has_no_manager_access": false, "has_billing_access": u.role_type != "normal",
        "is_sso": u.is_sso, "language_id": 1, "unique_key": format!("u{}", u.user_id),
        "last_login_at": u.last_login_at, "partnership_id": null, "has_otp": u.has_otp,
    })
}

/// A pending invitation as the users list shows it: a pending user with no user id yet.
fn pending_user_json(i: &Invitation) -> Value {
    json!({
        "user_id": null, "invitation_id": i.id, "first_name": i.first_name,
        "last_name": i.last_name, "display_name": format!("{} {}", i.first_name, i.last_name),
        "email": i.email, "avatar": null, "role_type": i.role_type,
        "state_in_account": "pending", "is_correspondent": false,
        "is_correspondent_billing": false, "is_workspace_only": false,
        "has_no_manager_access": false, "has_billing_access": i.has_billing, "is_sso": false,
        "language_id": i.language_id, "unique_key": format!("i{}", i.id), "last_login_at": 0,
        "partnership_id": null,
    })
}

/// Expansions `GET /2/accounts/{account}/users` accepts (`with`).
const USERS_WITH: &[&str] = &["teams"];

/// `GET /2/accounts/{account}/users`: users, then pending invitations as pending users
/// ("User or pending user"); filters `filter[role_type]`, `filter[state_in_account]`,
/// `filter[has_otp]`, `search`; `with=teams` adds each user's teams (the spec types the
/// expansion as a string; it is a list of `{id, name}`); paging.
pub async fn users(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let with = q.with(USERS_WITH)?;
    let w = lock(&sh.world);
    let a = account_of(&w, &c, &id)?;
    let role = q.get("filter[role_type]");
    let st = q.get("filter[state_in_account]");
    let otp = match q.get("filter[has_otp]") {
        None => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(_) => {
            return Err(ApiError::invalid_attribute(
                "filter.has_otp",
                "The has_otp filter must be a boolean",
            ));
        }
    };
    let search = q.get("search").map(str::to_lowercase);
    let found = |text: String| {
        search
            .as_ref()
            .is_none_or(|s| text.to_lowercase().contains(s.as_str()))
    };
    let mut items: Vec<Value> = w
        .users
        .iter()
        .filter(|u| u.account_id == a.id)
        .filter(|u| role.is_none_or(|r| u.role_type == r))
        .filter(|u| st.is_none_or(|s| u.state_in_account == s))
        .filter(|u| otp.is_none_or(|o| u.has_otp == o))
        .filter(|u| found(format!("{} {} {}", u.first_name, u.last_name, u.email)))
        .map(|u| {
            let mut v = user_json(u);
            if with.iter().any(|x| x == "teams") {
                v["teams"] = w
                    .teams
                    .iter()
                    .filter(|t| t.account_id == a.id && t.user_ids.contains(&u.user_id))
                    .map(|t| json!({"id": t.id, "name": t.name}))
                    .collect();
            }
            v
        })
        .collect();
    if otp.is_none() {
        items.extend(
            w.invitations
                .iter()
                .filter(|i| i.account_id == a.id && i.status == "pending")
                .filter(|i| role.is_none_or(|r| i.role_type == r))
                .filter(|_| st.is_none_or(|s| s == "pending"))
                .filter(|i| found(format!("{} {} {}", i.first_name, i.last_name, i.email)))
                .map(pending_user_json),
        );
    }
    list(items, &q)
}

pub fn team_json(t: &Team) -> Value {
    json!({
        "id": t.id, "name": t.name, "color_id": t.color_id, "owned_by_id": t.owned_by_id,
        "created_by_id": t.created_by_id, "created_at": t.created_at, "updated_at": t.updated_at,
        "user_count": t.user_ids.len(), "product_count": 0, "is_sso": false,
        "permissions": t.permissions.iter().map(|(id, name, right)| json!({"service_id": id, "service_name": name, "rights": right})).collect::<Vec<_>>(),
    })
}

/// `GET /1/accounts/{account}/teams`.
pub async fn teams(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    let a = account_of(&w, &c, &id)?;
    let search = q.get("search").map(str::to_lowercase);
    let items = w
        .teams
        .iter()
        .filter(|t| t.account_id == a.id)
        .filter(|t| {
            search
                .as_ref()
                .is_none_or(|s| t.name.to_lowercase().contains(s.as_str()))
        })
        .map(team_json)
        .collect();
    list(items, &q)
}

/// `GET /1/accounts/{account}/teams/{team}`.
pub async fn team(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, team)): Path<(String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let a = account_of(&w, &c, &id)?;
    let t = w
        .teams
        .iter()
        .find(|t| t.account_id == a.id && team.parse::<u64>().ok() == Some(t.id))
        .ok_or_else(|| ApiError::not_found("Team"))?;
    ok(team_json(t))
}

/// An invitation as the API answers it; its app accesses (kSuite, kDrive, mailbox, kChat,
/// B2B customers) are listed in `permissions` as `{app, ...}` items.
pub fn invitation_json(w: &World, i: &Invitation) -> Value {
    let teams: Vec<Value> = w
        .teams
        .iter()
        .filter(|t| i.team_ids.contains(&t.id))
        .map(|t| json!({"id": t.id, "name": t.name, "color_id": t.color_id, "created_at": t.created_at, "updated_at": t.updated_at, "user_count": t.user_ids.len()}))
        .collect();
    let mut permissions: Vec<Value> = Vec::new();
    if let Some((kchat, kdrive)) = &i.ksuite {
        permissions.push(json!({"app": "ksuite", "kchat_role": kchat, "kdrive_role": kdrive}));
    }
    for (drive, role, right) in &i.drives {
        permissions.push(json!({"app": "drive", "drive_id": drive, "role": role, "right": right}));
    }
    for (mail, name) in &i.mailboxes {
        permissions.push(json!({"app": "mailbox", "mail_id": mail, "mailbox_name": name}));
    }
    if let Some(role) = &i.kchat_role {
        permissions.push(json!({"app": "kchat", "role": role}));
    }
    for p in &i.partnership_ids {
        permissions.push(json!({"app": "b2b", "partnership_id": p}));
    }
    json!({
        "id": i.id, "account_id": i.account_id, "email": i.email, "first_name": i.first_name,
        "last_name": i.last_name, "status": i.status, "role_type": i.role_type,
        "locale": i.locale, "language_id": i.language_id, "strict": false,
        "has_ksuite": i.ksuite.is_some(), "has_billing": i.has_billing,
        "has_billing_mailing": i.has_billing_mailing, "has_mailing": i.has_mailing,
        "teams": teams, "permissions": permissions, "service_permissions": [],
        "sent_at": i.created_at, "created_at": i.created_at, "updated_at": i.created_at,
        "expired_at": i.expired_at, "invited_by": i.invited_by,
        "url_accept": format!("https://manager.infomaniak.com/v3/invitation/{}", i.id),
    })
}

/// `GET /1/accounts/{account}/invitations` (list; not in the OAS export).
pub async fn invitations(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let w = lock(&sh.world);
    let a = account_of(&w, &c, &id)?;
    list(
        w.invitations
            .iter()
            .filter(|i| i.account_id == a.id)
            .map(|i| invitation_json(&w, i))
            .collect(),
        &q,
    )
}

/// `GET /1/accounts/{account}/invitations/{invitation}`.
pub async fn invitation(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, inv)): Path<(String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let a = account_of(&w, &c, &id)?;
    let i = w
        .invitations
        .iter()
        .find(|i| i.account_id == a.id && inv.parse::<u64>().ok() == Some(i.id))
        .ok_or_else(|| ApiError::not_found("Invitation"))?;
    ok(invitation_json(&w, i))
}
