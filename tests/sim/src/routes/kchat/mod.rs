//! kChat: Mattermost v4 on `https://{team}.kchat.infomaniak.com/api/v4` (`openapi/kchat.json`,
//! infomaniak-api.md §7.6), served on a listener of its own.
//!
//! The team comes from the `Host` (`acme.kchat.infomaniak.com`) or, for loopback clients
//! that cannot pick a host name, from a path prefix: `/t/{team}/api/v4/...`. A team no
//! server has answers 404 like an unknown kChat host would (the exact live page is not
//! known [L]; a Mattermost `AppError` keeps clients on one error shape). No `{result,data}`
//! envelope, `AppError {id, message, request_id, status_code}` errors, 0-based `page` with
//! `per_page` default 60 and at most 200 (larger values are clamped), epoch milliseconds.

pub mod world;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawPathParams, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::envelope::{ApiError, Query, json_response};
use crate::openapi::{Spec, check_request};
use crate::server::{Shared, lock};
use world::{Bot, Channel, Command, Member, Team, World};

/// Largest `per_page` kChat honours (infomaniak-api.md §4.5).
pub const MAX_PER_PAGE: usize = 200;
const DEFAULT_PER_PAGE: usize = 60;

type Sh = State<Arc<Shared>>;
type KResult = Result<Response, AppError>;

/// Mattermost's error (`38cb7293_AppError`).
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    id: &'static str,
    message: String,
}

impl AppError {
    /// An error with this status, Mattermost id and message.
    pub fn new(status: StatusCode, id: &'static str, message: impl Into<String>) -> Self {
        AppError {
            status,
            id,
            message: message.into(),
        }
    }

    fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "app.store.get.missing.app_error",
            format!("Unable to find the {what}."),
        )
    }

    fn bad(id: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, id, message)
    }
}

impl From<ApiError> for AppError {
    /// A request body failing the spec: 400 with the attributes, as Mattermost's
    /// `model.*.is_valid` errors.
    fn from(e: ApiError) -> Self {
        let mut message = e.description;
        for item in &e.errors {
            if let Some(d) = item.get("description").and_then(Value::as_str) {
                message.push_str("; ");
                message.push_str(d);
            }
        }
        AppError::new(
            StatusCode::BAD_REQUEST,
            "api.context.invalid_body_param.app_error",
            message,
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        app_error_response(self.status, self.id, &self.message)
    }
}

/// An `AppError` response (also used by the guard for auth and rate-limit refusals).
pub fn app_error_response(status: StatusCode, id: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({"id": id, "message": message, "detailed_error": "", "request_id": "sbx-request", "status_code": status.as_u16()}),
    )
}

fn ok(v: Value) -> KResult {
    Ok(json_response(StatusCode::OK, &v))
}

fn created(v: Value) -> KResult {
    Ok(json_response(StatusCode::CREATED, &v))
}

fn status_ok() -> KResult {
    ok(json!({"status": "OK"}))
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// How the request log shows a kChat request: `kchat:<team>` and the API path (without
/// the `/t/{team}` prefix of loopback clients).
pub fn logged(headers: &axum::http::HeaderMap, path: &str) -> (String, String) {
    if let Some(rest) = path.strip_prefix("/t/") {
        let (team, api) = rest.split_once('/').unwrap_or((rest, ""));
        return (
            format!("kchat:{}", team.to_ascii_lowercase()),
            format!("/{api}"),
        );
    }
    let team = host_team(headers).unwrap_or_default();
    (format!("kchat:{team}"), path.to_string())
}

/// The label before `.kchat.` in the `Host` header.
fn host_team(headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let host = host.split(':').next()?;
    match host.split_once(".kchat.") {
        Some((team, _)) if !team.is_empty() && !team.contains('.') => {
            Some(team.to_ascii_lowercase())
        }
        _ => None,
    }
}

/// The team a request is for: `/t/{team}` or the `Host` label before `.kchat.`.
struct TeamName(String);

impl<S: Send + Sync> FromRequestParts<S> for TeamName {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        if let Ok(params) = RawPathParams::from_request_parts(parts, state).await
            && let Some((_, team)) = params.iter().find(|(k, _)| *k == "team")
        {
            return Ok(TeamName(team.to_ascii_lowercase()));
        }
        host_team(&parts.headers)
            .map(TeamName)
            .ok_or_else(|| AppError::not_found("team (no kChat host)").into_response())
    }
}

/// The team served for `name`, or the 404 of an unknown kChat host.
fn served<'a>(w: &'a World, name: &TeamName) -> Result<&'a Team, AppError> {
    w.team_by_name(&name.0).ok_or_else(|| {
        AppError::new(
            StatusCode::NOT_FOUND,
            "app.team.get_by_name.missing.app_error",
            format!(
                "No kChat team is served at {}.kchat.infomaniak.com.",
                name.0
            ),
        )
    })
}

/// Path ids, by name (the `/t/{team}` prefix adds `team`).
#[derive(Debug, Deserialize)]
struct Ids {
    team_id: Option<String>,
    channel_id: Option<String>,
    user_id: Option<String>,
    bot_user_id: Option<String>,
    command_id: Option<String>,
    name: Option<String>,
}

impl Ids {
    fn get(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

/// `page` (0-based) and `per_page` (default 60, at most 200) of a list.
fn page(q: &Query) -> Result<(usize, usize), AppError> {
    let int = |k: &str| -> Result<Option<usize>, AppError> {
        match q.get(k) {
            None => Ok(None),
            Some(v) => v.parse::<usize>().map(Some).map_err(|_| {
                AppError::bad(
                    "api.context.invalid_url_param.app_error",
                    format!("Invalid or missing {k} parameter in request URL."),
                )
            }),
        }
    };
    let per_page = int("per_page")?
        .unwrap_or(DEFAULT_PER_PAGE)
        .clamp(1, MAX_PER_PAGE);
    Ok((int("page")?.unwrap_or(0), per_page))
}

fn paged(items: Vec<Value>, q: &Query) -> KResult {
    let (page, per_page) = page(q)?;
    ok(Value::Array(
        items
            .into_iter()
            .skip(page * per_page)
            .take(per_page)
            .collect(),
    ))
}

fn body(bytes: &Bytes) -> Result<Value, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        AppError::bad(
            "api.context.invalid_body_param.app_error",
            format!("Invalid body: {e}"),
        )
    })
}

/// The request body, validated against the operation's request schema in kchat.json.
fn spec_body(bytes: &Bytes, operation: &str, method: &str) -> Result<Value, AppError> {
    let b = body(bytes)?;
    check_request(Spec::Kchat, operation, method, &b)?;
    Ok(b)
}

fn bool_q(q: &Query, k: &str) -> bool {
    q.get(k) == Some("true")
}

/// The routes of one kChat server (`/api/v4/...`).
fn api() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v4/teams", get(teams))
        .route("/api/v4/teams/name/{name}", get(team_by_name))
        .route("/api/v4/users", get(users))
        .route("/api/v4/users/{user_id}", get(user))
        .route("/api/v4/channels", get(all_channels).post(create_channel))
        .route("/api/v4/teams/{team_id}/channels", get(public_channels))
        .route(
            "/api/v4/teams/{team_id}/channels/private",
            get(private_channels),
        )
        .route(
            "/api/v4/teams/{team_id}/channels/deleted",
            get(deleted_channels),
        )
        .route(
            "/api/v4/channels/{channel_id}",
            get(channel).delete(archive_channel),
        )
        .route("/api/v4/channels/{channel_id}/patch", put(patch_channel))
        .route(
            "/api/v4/channels/{channel_id}/privacy",
            put(channel_privacy),
        )
        .route(
            "/api/v4/channels/{channel_id}/restore",
            post(restore_channel),
        )
        .route(
            "/api/v4/channels/{channel_id}/members",
            get(members).post(add_member),
        )
        .route(
            "/api/v4/channels/{channel_id}/members/{user_id}",
            get(member).delete(remove_member),
        )
        .route(
            "/api/v4/channels/{channel_id}/members/{user_id}/roles",
            put(member_roles),
        )
        .route(
            "/api/v4/channels/{channel_id}/members/{user_id}/schemeRoles",
            put(member_scheme_roles),
        )
        .route(
            "/api/v4/channels/{channel_id}/members/{user_id}/notify_props",
            put(member_notify_props),
        )
        .route(
            "/api/v4/channels/{channel_id}/moderations",
            get(moderations),
        )
        .route("/api/v4/channels/{channel_id}/groups", get(channel_groups))
        .route("/api/v4/groups", get(groups))
        .route("/api/v4/teams/{team_id}/groups", get(team_groups))
        .route("/api/v4/users/{user_id}/groups", get(user_groups))
        .route("/api/v4/roles", get(roles))
        .route("/api/v4/bots", get(bots).post(create_bot))
        .route("/api/v4/bots/{bot_user_id}", get(bot).put(update_bot))
        .route("/api/v4/bots/{bot_user_id}/enable", post(enable_bot))
        .route("/api/v4/bots/{bot_user_id}/disable", post(disable_bot))
        .route("/api/v4/commands", get(commands).post(create_command))
        .route(
            "/api/v4/commands/{command_id}",
            get(command).put(update_command).delete(delete_command),
        )
        .route(
            "/api/v4/commands/{command_id}/regen_token",
            put(regen_token),
        )
}

/// The kChat listener's routes: Host-routed at the root, path-routed under `/t/{team}`.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .nest("/t/{team}", api())
        .merge(api())
        .fallback(no_route)
        .method_not_allowed_fallback(no_route)
}

async fn no_route(req: axum::extract::Request) -> Response {
    AppError::new(
        StatusCode::NOT_FOUND,
        "api.context.404.app_error",
        format!(
            "Sorry, we could not find the page ({} {}).",
            req.method(),
            req.uri().path()
        ),
    )
    .into_response()
}

// ---- teams and users ----

async fn teams(State(sh): Sh, t: TeamName, RawQuery(raw): RawQuery) -> KResult {
    let g = lock(&sh.world);
    let team = served(&g.kchat, &t)?;
    paged(vec![to_value(team)], &Query::parse(raw.as_deref()))
}

async fn team_by_name(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let g = lock(&sh.world);
    let team = served(&g.kchat, &t)?;
    if !team.name.eq_ignore_ascii_case(&Ids::get(&ids.name)) {
        return Err(AppError::not_found("team"));
    }
    ok(to_value(team))
}

async fn users(State(sh): Sh, t: TeamName, RawQuery(raw): RawQuery) -> KResult {
    let g = lock(&sh.world);
    served(&g.kchat, &t)?;
    let q = Query::parse(raw.as_deref());
    let role = q.get("role");
    let items = g
        .kchat
        .users
        .iter()
        .filter(|u| role.is_none_or(|r| u.roles.split(' ').any(|x| x == r)))
        .map(to_value)
        .collect();
    paged(items, &q)
}

async fn user(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let g = lock(&sh.world);
    served(&g.kchat, &t)?;
    let id = Ids::get(&ids.user_id);
    g.kchat
        .user(&id)
        .map(to_value)
        .map_or_else(|| Err(AppError::not_found("user")), ok)
}

// ---- channels ----

fn team_channel<'a>(w: &'a World, team: &Team, id: &str) -> Result<&'a Channel, AppError> {
    w.channels
        .iter()
        .find(|c| c.id == id && c.team_id == team.id)
        .ok_or_else(|| AppError::not_found("channel"))
}

fn own_team(team: &Team, team_id: &str) -> Result<(), AppError> {
    if team.id == team_id {
        Ok(())
    } else {
        Err(AppError::not_found("team"))
    }
}

async fn all_channels(State(sh): Sh, t: TeamName, RawQuery(raw): RawQuery) -> KResult {
    let g = lock(&sh.world);
    let team = served(&g.kchat, &t)?;
    let q = Query::parse(raw.as_deref());
    let deleted = bool_q(&q, "include_deleted");
    let items = g
        .kchat
        .channels
        .iter()
        .filter(|c| c.team_id == team.id && (deleted || c.delete_at == 0))
        .filter(|c| c.kind == "O" || c.kind == "P")
        .map(|c| {
            let mut v = to_value(c);
            v["team_display_name"] = json!(team.display_name);
            v["team_name"] = json!(team.name);
            v["team_update_at"] = json!(team.update_at);
            v
        })
        .collect();
    paged(items, &q)
}

fn list_channels(
    sh: &Shared,
    t: &TeamName,
    ids: &Ids,
    raw: Option<&str>,
    keep: impl Fn(&Channel) -> bool,
) -> KResult {
    let g = lock(&sh.world);
    let team = served(&g.kchat, t)?;
    own_team(team, &Ids::get(&ids.team_id))?;
    let items = g
        .kchat
        .channels
        .iter()
        .filter(|c| c.team_id == team.id && keep(c))
        .map(to_value)
        .collect();
    paged(items, &Query::parse(raw))
}

async fn public_channels(
    State(sh): Sh,
    t: TeamName,
    Path(ids): Path<Ids>,
    RawQuery(raw): RawQuery,
) -> KResult {
    list_channels(&sh, &t, &ids, raw.as_deref(), |c| {
        c.kind == "O" && c.delete_at == 0
    })
}

async fn private_channels(
    State(sh): Sh,
    t: TeamName,
    Path(ids): Path<Ids>,
    RawQuery(raw): RawQuery,
) -> KResult {
    list_channels(&sh, &t, &ids, raw.as_deref(), |c| {
        c.kind == "P" && c.delete_at == 0
    })
}

async fn deleted_channels(
    State(sh): Sh,
    t: TeamName,
    Path(ids): Path<Ids>,
    RawQuery(raw): RawQuery,
) -> KResult {
    list_channels(&sh, &t, &ids, raw.as_deref(), |c| c.delete_at != 0)
}

async fn channel(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let g = lock(&sh.world);
    let team = served(&g.kchat, &t)?;
    ok(to_value(team_channel(
        &g.kchat,
        team,
        &Ids::get(&ids.channel_id),
    )?))
}

/// Mattermost channel names: 1-64 of `a-z 0-9 - _`, starting with a letter or digit.
fn valid_channel_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
}

async fn create_channel(State(sh): Sh, t: TeamName, bytes: Bytes) -> KResult {
    let b = spec_body(&bytes, "/api/v4/channels", "POST")?;
    let mut g = lock(&sh.world);
    let team = served(&g.kchat, &t)?.clone();
    let s = |k: &str| {
        b.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    own_team(&team, &s("team_id"))?;
    let (name, kind) = (s("name"), s("type"));
    if !valid_channel_name(&name) {
        return Err(AppError::bad(
            "model.channel.is_valid.name.app_error",
            "Invalid channel name: use 1-64 lower-case letters, digits, '-' and '_'.",
        ));
    }
    if kind != "O" && kind != "P" {
        return Err(AppError::bad(
            "model.channel.is_valid.type.app_error",
            "Invalid type: O (public) or P (private).",
        ));
    }
    if g.kchat
        .channels
        .iter()
        .any(|c| c.team_id == team.id && c.name == name)
    {
        return Err(AppError::bad(
            "store.sql_channel.save_channel.exists.app_error",
            "A channel with that name already exists on the same team.",
        ));
    }
    let now = crate::routes::now() * 1000;
    let admin = admin_id(&g.kchat);
    let id = g.kchat.new_id();
    let c = Channel {
        id: id.clone(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        team_id: team.id.clone(),
        kind,
        display_name: s("display_name"),
        name,
        header: s("header"),
        purpose: s("purpose"),
        last_post_at: 0,
        total_msg_count: 0,
        creator_id: admin.clone(),
    };
    g.kchat.channels.push(c.clone());
    world::push_member(&mut g.kchat, &id, &admin, true);
    created(to_value(&c))
}

fn admin_id(w: &World) -> String {
    w.users
        .iter()
        .find(|u| u.username == world::ADMIN_USERNAME)
        .map(|u| u.id.clone())
        .unwrap_or_default()
}

fn with_channel(
    sh: &Shared,
    t: &TeamName,
    id: &str,
    f: impl FnOnce(&mut Channel) -> Result<(), AppError>,
) -> Result<Channel, AppError> {
    let mut g = lock(&sh.world);
    let team = served(&g.kchat, t)?.clone();
    team_channel(&g.kchat, &team, id)?;
    let c = g
        .kchat
        .channels
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(|| AppError::not_found("channel"))?;
    f(c)?;
    c.update_at = crate::routes::now() * 1000;
    Ok(c.clone())
}

async fn patch_channel(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>, bytes: Bytes) -> KResult {
    let b = spec_body(&bytes, "/api/v4/channels/{channel_id}/patch", "PUT")?;
    let c = with_channel(&sh, &t, &Ids::get(&ids.channel_id), |c| {
        if c.delete_at != 0 {
            return Err(AppError::bad(
                "api.channel.patch_update_channel.forbidden.app_error",
                "An archived channel cannot be changed; restore it first.",
            ));
        }
        for (k, field) in [
            ("display_name", &mut c.display_name),
            ("purpose", &mut c.purpose),
            ("header", &mut c.header),
        ] {
            if let Some(v) = b.get(k).and_then(Value::as_str) {
                *field = v.to_string();
            }
        }
        if let Some(name) = b.get("name").and_then(Value::as_str) {
            if !valid_channel_name(name) {
                return Err(AppError::bad(
                    "model.channel.is_valid.name.app_error",
                    "Invalid channel name.",
                ));
            }
            c.name = name.to_string();
        }
        Ok(())
    })?;
    ok(to_value(&c))
}

async fn channel_privacy(
    State(sh): Sh,
    t: TeamName,
    Path(ids): Path<Ids>,
    bytes: Bytes,
) -> KResult {
    let b = spec_body(&bytes, "/api/v4/channels/{channel_id}/privacy", "PUT")?;
    let privacy = b
        .get("privacy")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if privacy != "O" && privacy != "P" {
        return Err(AppError::bad(
            "api.channel.update_channel_privacy.bad_type.app_error",
            "privacy must be O or P.",
        ));
    }
    let c = with_channel(&sh, &t, &Ids::get(&ids.channel_id), |c| {
        if c.name == "town-square" {
            return Err(AppError::bad(
                "api.channel.update_channel_privacy.default_channel_error",
                "The default channel cannot be made private.",
            ));
        }
        c.kind = privacy;
        Ok(())
    })?;
    ok(to_value(&c))
}

async fn archive_channel(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    with_channel(&sh, &t, &Ids::get(&ids.channel_id), |c| {
        if c.name == "town-square" {
            return Err(AppError::bad(
                "api.channel.delete_channel.cannot.app_error",
                "Unable to delete the default channel town-square.",
            ));
        }
        if c.delete_at != 0 {
            return Err(AppError::bad(
                "api.channel.delete_channel.deleted.app_error",
                "The channel has been archived or deleted.",
            ));
        }
        c.delete_at = crate::routes::now() * 1000;
        Ok(())
    })?;
    status_ok()
}

async fn restore_channel(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let c = with_channel(&sh, &t, &Ids::get(&ids.channel_id), |c| {
        if c.delete_at == 0 {
            return Err(AppError::bad(
                "api.channel.restore_channel.restored.app_error",
                "Unable to unarchive channel. The channel is not archived.",
            ));
        }
        c.delete_at = 0;
        Ok(())
    })?;
    ok(to_value(&c))
}

// ---- members ----

async fn members(
    State(sh): Sh,
    t: TeamName,
    Path(ids): Path<Ids>,
    RawQuery(raw): RawQuery,
) -> KResult {
    let g = lock(&sh.world);
    let team = served(&g.kchat, &t)?;
    let c = team_channel(&g.kchat, team, &Ids::get(&ids.channel_id))?;
    let items = g
        .kchat
        .members
        .iter()
        .filter(|m| m.channel_id == c.id)
        .map(to_value)
        .collect();
    paged(items, &Query::parse(raw.as_deref()))
}

async fn member(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let g = lock(&sh.world);
    let team = served(&g.kchat, &t)?;
    let c = team_channel(&g.kchat, team, &Ids::get(&ids.channel_id))?;
    let uid = Ids::get(&ids.user_id);
    g.kchat
        .members
        .iter()
        .find(|m| m.channel_id == c.id && m.user_id == uid)
        .map(to_value)
        .map_or_else(|| Err(AppError::not_found("channel member")), ok)
}

async fn add_member(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>, bytes: Bytes) -> KResult {
    let b = spec_body(&bytes, "/api/v4/channels/{channel_id}/members", "POST")?;
    let mut users: Vec<String> = b
        .get("user_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    if let Some(u) = b.get("user_id").and_then(Value::as_str) {
        users.push(u.to_string());
    }
    if users.is_empty() {
        return Err(AppError::bad(
            "api.context.invalid_body_param.app_error",
            "Invalid or missing user_id or user_ids in request body.",
        ));
    }
    let mut g = lock(&sh.world);
    let team = served(&g.kchat, &t)?.clone();
    let c = team_channel(&g.kchat, &team, &Ids::get(&ids.channel_id))?.clone();
    if c.delete_at != 0 {
        return Err(AppError::bad(
            "api.channel.add_user.to.channel.failed.deleted.app_error",
            "The channel has been archived or deleted.",
        ));
    }
    for u in &users {
        if g.kchat.user(u).is_none() {
            return Err(AppError::not_found(&format!("user {u}")));
        }
    }
    let mut first = None;
    for u in &users {
        if !g
            .kchat
            .members
            .iter()
            .any(|m| m.channel_id == c.id && &m.user_id == u)
        {
            world::push_member(&mut g.kchat, &c.id, u, false);
        }
        if first.is_none() {
            first = g
                .kchat
                .members
                .iter()
                .find(|m| m.channel_id == c.id && &m.user_id == u)
                .cloned();
        }
    }
    created(to_value(&first))
}

async fn remove_member(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let mut g = lock(&sh.world);
    let team = served(&g.kchat, &t)?.clone();
    let c = team_channel(&g.kchat, &team, &Ids::get(&ids.channel_id))?.clone();
    let uid = Ids::get(&ids.user_id);
    if c.name == "town-square" {
        return Err(AppError::bad(
            "api.channel.remove.default.app_error",
            "Unable to remove user from the default channel town-square.",
        ));
    }
    let before = g.kchat.members.len();
    g.kchat
        .members
        .retain(|m| !(m.channel_id == c.id && m.user_id == uid));
    if g.kchat.members.len() == before {
        return Err(AppError::not_found("channel member"));
    }
    status_ok()
}

async fn member_roles(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>, bytes: Bytes) -> KResult {
    let b = spec_body(
        &bytes,
        "/api/v4/channels/{channel_id}/members/{user_id}/roles",
        "PUT",
    )?;
    let roles = b
        .get("roles")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !roles
        .split(' ')
        .all(|r| matches!(r, "channel_user" | "channel_admin" | "channel_guest"))
        || !roles.contains("channel_")
    {
        return Err(AppError::bad(
            "api.channel.update_channel_member_roles.scheme_role.app_error",
            "Invalid roles: channel_user, channel_admin or channel_guest.",
        ));
    }
    let mut g = lock(&sh.world);
    let team = served(&g.kchat, &t)?.clone();
    let c = team_channel(&g.kchat, &team, &Ids::get(&ids.channel_id))?.clone();
    let uid = Ids::get(&ids.user_id);
    let m: &mut Member = g
        .kchat
        .members
        .iter_mut()
        .find(|m| m.channel_id == c.id && m.user_id == uid)
        .ok_or_else(|| AppError::not_found("channel member"))?;
    m.scheme_admin = roles.contains("channel_admin");
    m.scheme_user = roles.contains("channel_user");
    m.roles = roles;
    status_ok()
}

/// The member `user_id` of channel `channel_id` on the served team, for a change.
fn with_member(sh: &Shared, t: &TeamName, ids: &Ids, f: impl FnOnce(&mut Member)) -> KResult {
    let mut g = lock(&sh.world);
    let team = served(&g.kchat, t)?.clone();
    let c = team_channel(&g.kchat, &team, &Ids::get(&ids.channel_id))?.clone();
    let uid = Ids::get(&ids.user_id);
    let m = g
        .kchat
        .members
        .iter_mut()
        .find(|m| m.channel_id == c.id && m.user_id == uid)
        .ok_or_else(|| AppError::not_found("channel member"))?;
    f(m);
    m.last_update_at = crate::routes::now() * 1000;
    status_ok()
}

async fn member_scheme_roles(
    State(sh): Sh,
    t: TeamName,
    Path(ids): Path<Ids>,
    bytes: Bytes,
) -> KResult {
    let b = spec_body(
        &bytes,
        "/api/v4/channels/{channel_id}/members/{user_id}/schemeRoles",
        "PUT",
    )?;
    let flag = |k: &str| b.get(k).and_then(Value::as_bool).unwrap_or(false);
    let (admin, user) = (flag("scheme_admin"), flag("scheme_user"));
    with_member(&sh, &t, &ids, |m| {
        m.scheme_admin = admin;
        m.scheme_user = user;
        m.roles = match (user, admin) {
            (_, true) => "channel_user channel_admin",
            (true, false) => "channel_user",
            (false, false) => "channel_guest",
        }
        .into();
    })
}

async fn member_notify_props(
    State(sh): Sh,
    t: TeamName,
    Path(ids): Path<Ids>,
    bytes: Bytes,
) -> KResult {
    let b = spec_body(
        &bytes,
        "/api/v4/channels/{channel_id}/members/{user_id}/notify_props",
        "PUT",
    )?;
    let allowed = ["default", "true", "false", "all", "mention", "none"];
    if let Some((k, _)) = b
        .as_object()
        .into_iter()
        .flatten()
        .find(|(_, v)| !v.as_str().is_some_and(|v| allowed.contains(&v)))
    {
        return Err(AppError::bad(
            "model.channel_member.is_valid.notify_level.app_error",
            format!("Invalid value for {k}."),
        ));
    }
    with_member(&sh, &t, &ids, |m| {
        for (k, v) in b.as_object().into_iter().flatten() {
            m.notify_props[k] = v.clone();
        }
    })
}

async fn moderations(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let g = lock(&sh.world);
    let team = served(&g.kchat, &t)?;
    let c = team_channel(&g.kchat, team, &Ids::get(&ids.channel_id))?;
    let announce = c.name == "town-square";
    let perm = |name: &str, members: bool| json!({"name": name, "roles": {"guests": {"value": members && !announce, "enabled": true}, "members": {"value": members, "enabled": true}}});
    ok(json!([
        perm("create_post", !announce),
        perm("create_reactions", true),
        perm("manage_members", c.kind == "P"),
        perm("use_channel_mentions", !announce)
    ]))
}

// ---- groups, roles ----

fn group_list(
    sh: &Shared,
    t: &TeamName,
    raw: Option<&str>,
    keep: impl Fn(&world::Group) -> bool,
) -> KResult {
    let g = lock(&sh.world);
    served(&g.kchat, t)?;
    let items = g
        .kchat
        .groups
        .iter()
        .filter(|x| x.delete_at == 0 && keep(x))
        .map(to_value)
        .collect();
    paged(items, &Query::parse(raw))
}

async fn groups(State(sh): Sh, t: TeamName, RawQuery(raw): RawQuery) -> KResult {
    let q = Query::parse(raw.as_deref());
    // The spec marks both required; Mattermost reads a missing one as "no filter" [L].
    let _ = (
        q.get("not_associated_to_team"),
        q.get("not_associated_to_channel"),
    );
    group_list(&sh, &t, raw.as_deref(), |_| true)
}

async fn team_groups(
    State(sh): Sh,
    t: TeamName,
    Path(ids): Path<Ids>,
    RawQuery(raw): RawQuery,
) -> KResult {
    let tid = Ids::get(&ids.team_id);
    {
        let g = lock(&sh.world);
        own_team(served(&g.kchat, &t)?, &tid)?;
    }
    group_list(&sh, &t, raw.as_deref(), |x| x.team_ids.contains(&tid))
}

async fn channel_groups(
    State(sh): Sh,
    t: TeamName,
    Path(ids): Path<Ids>,
    RawQuery(raw): RawQuery,
) -> KResult {
    let cid = Ids::get(&ids.channel_id);
    {
        let g = lock(&sh.world);
        let team = served(&g.kchat, &t)?;
        team_channel(&g.kchat, team, &cid)?;
    }
    group_list(&sh, &t, raw.as_deref(), |x| x.channel_ids.contains(&cid))
}

async fn user_groups(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let uid = Ids::get(&ids.user_id);
    let g = lock(&sh.world);
    served(&g.kchat, &t)?;
    if g.kchat.user(&uid).is_none() {
        return Err(AppError::not_found("user"));
    }
    ok(Value::Array(
        g.kchat
            .groups
            .iter()
            .filter(|x| x.delete_at == 0 && x.user_ids.contains(&uid))
            .map(to_value)
            .collect(),
    ))
}

async fn roles(State(sh): Sh, t: TeamName) -> KResult {
    let g = lock(&sh.world);
    served(&g.kchat, &t)?;
    ok(to_value(&g.kchat.roles))
}

// ---- bots ----

async fn bots(State(sh): Sh, t: TeamName, RawQuery(raw): RawQuery) -> KResult {
    let g = lock(&sh.world);
    served(&g.kchat, &t)?;
    let q = Query::parse(raw.as_deref());
    let deleted = bool_q(&q, "include_deleted");
    let items = g
        .kchat
        .bots
        .iter()
        .filter(|b| deleted || b.delete_at == 0)
        .map(to_value)
        .collect();
    paged(items, &q)
}

fn find_bot<'a>(w: &'a World, id: &str) -> Result<&'a Bot, AppError> {
    w.bots
        .iter()
        .find(|b| b.user_id == id)
        .ok_or_else(|| AppError::not_found("bot"))
}

async fn bot(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>, RawQuery(raw): RawQuery) -> KResult {
    let g = lock(&sh.world);
    served(&g.kchat, &t)?;
    let b = find_bot(&g.kchat, &Ids::get(&ids.bot_user_id))?;
    if b.delete_at != 0 && !bool_q(&Query::parse(raw.as_deref()), "include_deleted") {
        return Err(AppError::not_found("bot"));
    }
    ok(to_value(b))
}

fn valid_username(u: &str) -> bool {
    (3..=22).contains(&u.len())
        && u.starts_with(|c: char| c.is_ascii_lowercase())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

async fn create_bot(State(sh): Sh, t: TeamName, bytes: Bytes) -> KResult {
    let b = spec_body(&bytes, "/api/v4/bots", "POST")?;
    let s = |k: &str| {
        b.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let username = s("username");
    if !valid_username(&username) {
        return Err(AppError::bad(
            "model.user.is_valid.username.app_error",
            "Invalid username: 3-22 lower-case letters, digits, '.', '-', '_', starting with a letter.",
        ));
    }
    let mut g = lock(&sh.world);
    served(&g.kchat, &t)?;
    if g.kchat.users.iter().any(|u| u.username == username) {
        return Err(AppError::bad(
            "app.user.save.username_exists.app_error",
            "An account with that username already exists.",
        ));
    }
    let now = crate::routes::now() * 1000;
    let id = g.kchat.new_id();
    let owner = admin_id(&g.kchat);
    g.kchat.users.push(world::User {
        id: id.clone(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        username: username.clone(),
        first_name: s("display_name"),
        last_name: String::new(),
        nickname: String::new(),
        email: format!("{username}@localhost"),
        roles: "system_user".into(),
        locale: "fr".into(),
        is_bot: true,
    });
    let bot = Bot {
        user_id: id,
        create_at: now,
        update_at: now,
        delete_at: 0,
        username,
        display_name: s("display_name"),
        description: s("description"),
        owner_id: owner,
    };
    g.kchat.bots.push(bot.clone());
    created(to_value(&bot))
}

fn with_bot(
    sh: &Shared,
    t: &TeamName,
    id: &str,
    f: impl FnOnce(&mut Bot) -> Result<(), AppError>,
) -> KResult {
    let mut g = lock(&sh.world);
    served(&g.kchat, t)?;
    let b = g
        .kchat
        .bots
        .iter_mut()
        .find(|b| b.user_id == id)
        .ok_or_else(|| AppError::not_found("bot"))?;
    f(b)?;
    b.update_at = crate::routes::now() * 1000;
    ok(to_value(&*b))
}

async fn update_bot(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>, bytes: Bytes) -> KResult {
    let b = spec_body(&bytes, "/api/v4/bots/{bot_user_id}", "PUT")?;
    let username = b
        .get("username")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !valid_username(&username) {
        return Err(AppError::bad(
            "model.user.is_valid.username.app_error",
            "Invalid username.",
        ));
    }
    with_bot(&sh, &t, &Ids::get(&ids.bot_user_id), |bot| {
        bot.username = username;
        for (k, field) in [
            ("display_name", &mut bot.display_name),
            ("description", &mut bot.description),
        ] {
            if let Some(v) = b.get(k).and_then(Value::as_str) {
                *field = v.to_string();
            }
        }
        Ok(())
    })
}

async fn enable_bot(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    with_bot(&sh, &t, &Ids::get(&ids.bot_user_id), |b| {
        b.delete_at = 0;
        Ok(())
    })
}

async fn disable_bot(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    with_bot(&sh, &t, &Ids::get(&ids.bot_user_id), |b| {
        if b.delete_at == 0 {
            b.delete_at = crate::routes::now() * 1000;
        }
        Ok(())
    })
}

// ---- slash commands ----

async fn commands(State(sh): Sh, t: TeamName, RawQuery(raw): RawQuery) -> KResult {
    let g = lock(&sh.world);
    let team = served(&g.kchat, &t)?;
    let q = Query::parse(raw.as_deref());
    let tid = q.get("team_id").unwrap_or(&team.id).to_string();
    own_team(team, &tid)?;
    ok(Value::Array(
        g.kchat
            .commands
            .iter()
            .filter(|c| c.team_id == tid && c.delete_at == 0)
            .map(to_value)
            .collect(),
    ))
}

fn find_command<'a>(w: &'a World, team: &Team, id: &str) -> Result<&'a Command, AppError> {
    w.commands
        .iter()
        .find(|c| c.id == id && c.team_id == team.id && c.delete_at == 0)
        .ok_or_else(|| AppError::not_found("command"))
}

async fn command(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let g = lock(&sh.world);
    let team = served(&g.kchat, &t)?;
    ok(to_value(find_command(
        &g.kchat,
        team,
        &Ids::get(&ids.command_id),
    )?))
}

fn check_command_fields(b: &Value) -> Result<(), AppError> {
    let s = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or_default();
    let trigger = s("trigger");
    if trigger.is_empty()
        || trigger.len() > 128
        || trigger.starts_with('/')
        || trigger.contains(' ')
    {
        return Err(AppError::bad(
            "model.command.is_valid.trigger.app_error",
            "Invalid trigger: no leading '/', no spaces, at most 128 characters.",
        ));
    }
    if !matches!(s("method"), "P" | "G") {
        return Err(AppError::bad(
            "model.command.is_valid.method.app_error",
            "Invalid method: P or G.",
        ));
    }
    let url = s("url");
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
        return Err(AppError::bad(
            "model.command.is_valid.url.app_error",
            "Invalid URL: an http(s) URL is required.",
        ));
    }
    Ok(())
}

async fn create_command(State(sh): Sh, t: TeamName, bytes: Bytes) -> KResult {
    let b = spec_body(&bytes, "/api/v4/commands", "POST")?;
    check_command_fields(&b)?;
    let mut g = lock(&sh.world);
    let team = served(&g.kchat, &t)?.clone();
    let s = |k: &str| {
        b.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    own_team(&team, &s("team_id"))?;
    if g.kchat
        .commands
        .iter()
        .any(|c| c.team_id == team.id && c.delete_at == 0 && c.trigger == s("trigger"))
    {
        return Err(AppError::bad(
            "api.command.duplicate_trigger.app_error",
            "This trigger word is already in use.",
        ));
    }
    let now = crate::routes::now() * 1000;
    let id = g.kchat.new_id();
    let token = g.kchat.new_id().replace('-', "");
    let c = Command {
        id,
        token,
        create_at: now,
        update_at: now,
        delete_at: 0,
        creator_id: admin_id(&g.kchat),
        team_id: team.id.clone(),
        trigger: s("trigger"),
        method: s("method"),
        username: s("username"),
        icon_url: s("icon_url"),
        auto_complete: b
            .get("auto_complete")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        auto_complete_desc: s("auto_complete_desc"),
        auto_complete_hint: s("auto_complete_hint"),
        display_name: s("display_name"),
        description: s("description"),
        url: s("url"),
    };
    g.kchat.commands.push(c.clone());
    created(to_value(&c))
}

async fn update_command(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>, bytes: Bytes) -> KResult {
    let b = spec_body(&bytes, "/api/v4/commands/{command_id}", "PUT")?;
    check_command_fields(&b)?;
    let id = Ids::get(&ids.command_id);
    let mut g = lock(&sh.world);
    let team = served(&g.kchat, &t)?.clone();
    find_command(&g.kchat, &team, &id)?;
    if b.get("id").and_then(Value::as_str).is_some_and(|x| x != id) {
        return Err(AppError::bad(
            "api.context.invalid_body_param.app_error",
            "The id in the body does not match the URL.",
        ));
    }
    let c = g
        .kchat
        .commands
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(|| AppError::not_found("command"))?;
    let s = |k: &str| b.get(k).and_then(Value::as_str).map(String::from);
    c.trigger = s("trigger").unwrap_or_default();
    c.method = s("method").unwrap_or_default();
    c.url = s("url").unwrap_or_default();
    for (k, field) in [
        ("display_name", &mut c.display_name),
        ("description", &mut c.description),
        ("username", &mut c.username),
        ("icon_url", &mut c.icon_url),
        ("auto_complete_desc", &mut c.auto_complete_desc),
        ("auto_complete_hint", &mut c.auto_complete_hint),
    ] {
        *field = s(k).unwrap_or_default();
    }
    c.auto_complete = b
        .get("auto_complete")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    c.update_at = crate::routes::now() * 1000;
    ok(to_value(&*c))
}

async fn delete_command(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let id = Ids::get(&ids.command_id);
    let mut g = lock(&sh.world);
    let team = served(&g.kchat, &t)?.clone();
    find_command(&g.kchat, &team, &id)?;
    if let Some(c) = g.kchat.commands.iter_mut().find(|c| c.id == id) {
        c.delete_at = crate::routes::now() * 1000;
    }
    status_ok()
}

async fn regen_token(State(sh): Sh, t: TeamName, Path(ids): Path<Ids>) -> KResult {
    let id = Ids::get(&ids.command_id);
    let mut g = lock(&sh.world);
    let team = served(&g.kchat, &t)?.clone();
    find_command(&g.kchat, &team, &id)?;
    let token = g.kchat.new_id().replace('-', "");
    if let Some(c) = g.kchat.commands.iter_mut().find(|c| c.id == id) {
        c.token = token.clone();
    }
    ok(json!({"token": token}))
}
