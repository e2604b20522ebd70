//! Mail hostings (`openapi/mail.json`, infomaniak-api.md §7.3): mailboxes, aliases,
//! forwarding, redirections, sender lists and spam policy, Sieve filters and folders,
//! auto-replies, preferences, DKIM rotation, signatures and accesses.
//!
//! Quirks reproduced: mailbox lists paginate with `limit`/`skip` (and `page`), redirection ids
//! are strings (Q10), the forwarding answer spells `redirect_adresses` (Q15), mailbox
//! `with=*`/`with=all` answer 500 (Q16), the mailbox `password` is accepted and ignored (Q17),
//! creates answer 201 where the spec says so. Mailbox PATCH/DELETE, DKIM rotation and
//! backups are not in mail.json: they follow infomaniak-api.md §7.3 ([M: HENRI], [M: MOGA]).

use crate::routes::spec_body;
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Extension, Router};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

mod extra;
pub use extra::{
    FLEET_DEVICES, FLEET_MORE_DEVICES, FLEET_SUBSCRIBERS, FLEET_TEMPLATES, FLEET_WEBMAIL_USERS,
};

use super::{body_json, now};
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, list, ok, ok_status};
use crate::openapi::Spec;
use crate::seed::{REFERENCE_TIME, Scale, ZONE_NO_MAIL_POLICY};
use crate::server::{Shared, lock};
use crate::state::{MailHosting, Mailbox, State as World};

type Sh = State<Arc<Shared>>;
type P2 = Path<(u64, String)>;

/// Mailbox `with` values the API accepts (infomaniak-api.md §6, MOGA's 422 enumeration).
const MAILBOX_WITH: &[&str] = &[
    "auto_responder",
    "aliases",
    "full_aliases",
    "redirection",
    "last_login",
    "users",
    "teams",
    "size",
    "size_refresh",
    "count_signatures",
    "count_devices",
    "has_dkim_signature",
    "smtpban",
];

/// The mail state beyond [`MailHosting`] and [`Mailbox`]: per mailbox and per hosting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MailWorld {
    /// By mailbox id.
    pub boxes: BTreeMap<u64, BoxExt>,
    /// By mail hosting id.
    pub hostings: BTreeMap<u64, HostingExt>,
    /// Signatures, templates, accesses and newsletters: one list per collection path.
    pub docs: BTreeMap<String, Vec<Value>>,
}

/// What a mailbox has besides the shared [`Mailbox`] fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoxExt {
    /// Forwarding on.
    pub forwarding_enabled: bool,
    /// Keep no local copy of forwarded mail.
    pub has_dont_deliver: bool,
    /// Forward spam too.
    pub has_forward_spam: bool,
    /// Spam moved to the spam folder.
    pub has_move_spam: bool,
    /// Commercial/social filtering on.
    pub has_mail_filtering: bool,
    /// Folder of commercial mail.
    pub folder_commercials: String,
    /// Folder of social-network mail.
    pub folder_social: String,
    /// Note (≤ 80 characters).
    pub note: Option<String>,
    /// Sieve filters `{name, is_enabled, has_all_of, conditions, actions, template_id}`.
    pub filters: Vec<Value>,
    /// Sieve scripts `{name, is_enabled, content}`.
    pub scripts: Vec<Value>,
    /// Special folders (`draft_folder`…).
    pub folders: BTreeMap<String, String>,
    /// Messages in the spam and trash folders.
    pub spam_count: u64,
    /// Messages in the trash.
    pub trash_count: u64,
    /// Users with access `{id, email, name, has_double_auth}`.
    pub users: Vec<Value>,
    /// Auto-reply models.
    pub auto_replies: Vec<Value>,
    /// Signatures.
    pub signatures: Vec<Value>,
    /// Device accesses.
    pub devices: Vec<Value>,
    /// Unix seconds.
    pub password_last_changed_at: i64,
}

/// What a mail hosting has besides [`MailHosting`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostingExt {
    /// Redirections (ids are strings, Q10).
    pub redirections: Vec<Value>,
    /// Preferences (spam filter, sender lists, default permissions).
    pub preferences: Value,
    /// Unix seconds of the last DKIM rotation (0 = never).
    pub dkim_rotated_at: i64,
    /// Service auto-reply models.
    pub auto_replies: Vec<Value>,
    /// Service filter models.
    pub filters: Vec<Value>,
    /// Mailing lists.
    pub mailing_lists: Vec<Value>,
    /// Signature templates.
    pub templates: Vec<Value>,
}

/// The mail routes.
pub fn routes() -> Router<Arc<Shared>> {
    const H: &str = "/1/mail_hostings/{mail_hosting_id}";
    const M: &str = "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}";
    let r = Router::new()
        .route(H, get(hosting_get))
        .route(
            &format!("{H}/mailboxes"),
            get(mailboxes_list).post(mailbox_create),
        )
        .route(
            M,
            get(mailbox_get)
                .patch(mailbox_patch)
                .put(mailbox_patch)
                .delete(mailbox_delete),
        )
        .route(
            &format!("{M}/aliases"),
            get(aliases_get).post(alias_add).put(aliases_put),
        )
        .route(
            &format!("{M}/aliases/{{alias}}"),
            axum::routing::delete(alias_delete),
        )
        .route(
            &format!("{M}/forwarding_addresses"),
            get(fwd_get)
                .post(fwd_add)
                .put(fwd_put)
                .delete(fwd_delete_all),
        )
        .route(
            &format!("{M}/forwarding_addresses/{{redirect_addresses}}"),
            axum::routing::delete(fwd_delete_one),
        )
        .route(
            &format!("{M}/auth/filters"),
            get(filters_get)
                .post(filter_create)
                .patch(filter_update)
                .delete(filter_delete),
        )
        .route(
            &format!("{M}/auth/filters/scripts"),
            axum::routing::post(script_create)
                .patch(script_update)
                .delete(script_delete),
        )
        .route(
            &format!("{M}/auth/filters/set_activation"),
            put(filter_activation),
        )
        .route(
            &format!("{M}/auth/filters/scripts/set_activation"),
            put(script_activation),
        )
        .route(&format!("{M}/auth/filters/reorder"), put(filter_reorder))
        .route(
            &format!("{M}/auth/folders"),
            get(folders_get).put(folders_put),
        )
        .route(
            &format!("{M}/auth/folders/spam"),
            axum::routing::delete(purge_spam),
        )
        .route(
            &format!("{M}/auth/folders/trash"),
            axum::routing::delete(purge_trash),
        )
        .route(
            &format!("{M}/auto_reply/model"),
            get(ar_list).post(ar_create),
        )
        .route(
            &format!("{M}/auto_reply/model/{{model_id}}"),
            get(ar_get).patch(ar_update).delete(ar_delete),
        )
        .route(&format!("{M}/auto_reply/reset"), put(ar_reset))
        .route(&format!("{M}/backups"), get(backups_get))
        .route(
            &format!("{H}/redirections"),
            get(redir_list).post(redir_create),
        )
        .route(
            &format!("{H}/redirections/{{redirection_id}}"),
            get(redir_get).put(redir_put).delete(redir_delete),
        )
        .route(
            &format!("{H}/redirections/{{redirection_id}}/enable"),
            put(redir_enable),
        )
        .route(
            &format!("{H}/redirections/{{redirection_id}}/targets"),
            get(targets_list).post(target_add),
        )
        .route(
            &format!("{H}/redirections/{{redirection_id}}/send-confirmation-requests"),
            put(targets_resend),
        )
        .route(
            &format!(
                "{H}/redirections/{{redirection_id}}/targets/{{target_id}}/resend-confirmation-request"
            ),
            put(target_resend),
        )
        .route(
            &format!("{H}/preferences"),
            get(prefs_get).patch(prefs_patch),
        )
        .route(
            &format!("{H}/diagnostic/dkim/rotate"),
            get(dkim_get).post(dkim_rotate),
        )
        .route(&format!("{H}/auto_replies"), get(service_auto_replies))
        .route(&format!("{H}/filters"), get(service_filters))
        .route(&format!("{H}/mailing_lists"), get(service_mailing_lists));
    r.merge(extra::routes())
}

// ---------------------------------------------------------------------------------------
// Lookups

fn hosting_missing(id: u64) -> ApiError {
    ApiError::not_found(&format!("Mail hosting {id}"))
}

fn mailbox_missing(name: &str) -> ApiError {
    ApiError::not_found(&format!("Mailbox {name}"))
}

/// The hosting `id` if the caller may see it.
pub fn hosting<'a>(w: &'a World, c: &Caller, id: u64) -> Result<&'a MailHosting, ApiError> {
    w.mail_hostings
        .iter()
        .find(|h| h.id == id && c.can_access(h.account_id))
        .ok_or_else(|| hosting_missing(id))
}

/// The index of mailbox `name` of hosting `id` (in `w.mailboxes`).
pub fn mailbox_idx(w: &World, c: &Caller, id: u64, name: &str) -> Result<usize, ApiError> {
    hosting(w, c, id)?;
    let name = name.to_ascii_lowercase();
    w.mailboxes
        .iter()
        .position(|m| m.mail_hosting_id == id && m.mailbox_name == name)
        .ok_or_else(|| mailbox_missing(&name))
}

/// Mailbox `name` and its extension, mutable.
fn mailbox_mut<'a>(
    w: &'a mut World,
    c: &Caller,
    id: u64,
    name: &str,
) -> Result<(&'a mut Mailbox, &'a mut BoxExt), ApiError> {
    let i = mailbox_idx(w, c, id, name)?;
    let mb = &mut w.mailboxes[i];
    let ext = w.mail.boxes.entry(mb.mailbox_id).or_default();
    Ok((mb, ext))
}

fn hosting_ext<'a>(w: &'a mut World, c: &Caller, id: u64) -> Result<&'a mut HostingExt, ApiError> {
    hosting(w, c, id)?;
    Ok(w.mail.hostings.entry(id).or_default())
}

fn str_field<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A local part: lowercase letters, digits, `.`, `-`, `_`, `+`.
fn valid_local(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_+".contains(c))
}

/// An e-mail address with a plausible domain.
fn valid_email(addr: &str) -> bool {
    match addr.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !local.contains(char::is_whitespace)
                && domain.contains('.')
                && domain.split('.').all(|l| {
                    !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        }
        None => false,
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// A 400 business error; mail.json enumerates each route's codes and their descriptions
/// (the code in words: `alias_does_not_exist` → "Alias does not exist").
fn business(code: &'static str) -> ApiError {
    let words = code.replace('_', " ");
    let mut chars = words.chars();
    let description = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    ApiError::bad_request(code, description)
}

// ---------------------------------------------------------------------------------------
// Mailboxes

fn permissions() -> Value {
    json!({
        "has_technical_right": true, "can_manage_aliases": true, "can_manage_redirections": true,
        "can_manage_filters": true, "can_manage_security": true, "can_manage_signatures": true,
        "can_manage_auto_reply": true, "can_change_password": true,
        "can_configure_mail_folders": true, "can_restore_emails": true, "can_manage_rules": true,
        "can_access_logs": true,
    })
}

fn listed(senders: &[String]) -> Vec<Value> {
    senders
        .iter()
        .map(|s| json!({"email": s, "locked": "0"}))
        .collect()
}

/// The API shape of a mailbox (`93e74a89_Mailbox`). The spec lists the permission and
/// access-right flags as required top-level fields as well, so they are sent there too.
pub fn mailbox_json(mb: &Mailbox, ext: &BoxExt, hosting: &MailHosting, with: &[String]) -> Value {
    let mut v = json!({
        "mailbox_id": mb.mailbox_id,
        "mailbox_name": mb.mailbox_name,
        "mailbox": mb.mailbox,
        "mailbox_idn": mb.mailbox,
        "note": ext.note,
        "type": 1,
        "is_limited": false,
        "is_free_mail": false,
        "is_active": true,
        "is_used_for_account": "",
        "private": {},
        "users": [],
        "has_auto_responder": mb.has_auto_responder,
        "has_redirection": ext.forwarding_enabled && !mb.redirections.is_empty(),
        "aliases": mb.aliases,
        "created_at": mb.created_at,
        "password_last_changed_at": ext.password_last_changed_at,
        "imap_last_login_at": mb.imap_last_login_at,
        "pop3_last_login_at": 0,
        "operation_in_progress": false,
        "has_move_spam": ext.has_move_spam,
        "has_mail_filtering": ext.has_mail_filtering,
        "mail_filtering_folder_commercials": ext.folder_commercials,
        "mail_filtering_folder_social_networks": ext.folder_social,
        "authorized_senders": listed(&mb.authorized_senders),
        "blocked_senders": listed(&mb.blocked_senders),
        "is_dkim_updatable": true,
        "permissions": permissions(),
        "can_ask_reset_password": true, "can_create_device": true,
        "can_create_webmail_access": true, "can_delete_device_legacy": true,
        "can_list_users": true, "can_regenerate_device_legacy": true,
    });
    if let Some(p) = permissions().as_object() {
        for (k, val) in p {
            v[k] = val.clone();
        }
    }
    for w in with {
        match w.as_str() {
            "auto_responder" => v["auto_responder"] = json!({"is_active": mb.has_auto_responder}),
            "redirection" => v["redirection"] = json!(mb.redirections),
            "full_aliases" => {
                v["full_aliases"] = json!(
                    mb.aliases
                        .iter()
                        .map(|a| format!("{a}@{}", hosting.domain))
                        .collect::<Vec<_>>()
                )
            }
            "size" | "size_refresh" => {
                v["size"] = json!(mb.size);
                v["size_checked_at"] = json!(REFERENCE_TIME);
            }
            "count_signatures" => v["count_signatures"] = json!(ext.signatures.len()),
            "count_devices" => v["count_devices"] = json!(ext.devices.len()),
            "has_dkim_signature" => v["has_dkim_signature"] = json!(hosting.dkim_enabled),
            // mail.json types `users[].id` as an object that is one of an integer or a
            // string (unsatisfiable); the tenant sends integers, and only when asked.
            "users" => v["users"] = json!(ext.users.iter().map(user_json).collect::<Vec<_>>()),
            _ => {}
        }
    }
    v
}

fn user_json(u: &Value) -> Value {
    json!({
        "id": u["id"], "email": u["email"], "name": u["name"], "is_deleted": false,
        "is_unified": true, "avatar": "", "has_double_auth": u["has_double_auth"],
        "last_login_at": REFERENCE_TIME - 3600, "last_access_at": REFERENCE_TIME - 3600,
    })
}

/// The `with` values of a mailbox request: `*` and `all` crash the endpoint (Q16).
fn mailbox_with(q: &Query) -> Result<Vec<String>, ApiError> {
    if q.all("with").iter().any(|w| w == "*" || w == "all") {
        return Err(ApiError::unexpected());
    }
    q.with(MAILBOX_WITH)
}

/// `GET /1/mail_hostings/{id}` (manager-private; infomaniak-api.md §7.3 lists its `with`
/// values). Not in mail.json: the plugin reads the documented routes instead.
async fn hosting_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
) -> ApiResult {
    let w = lock(&sh.world);
    let h = hosting(&w, &c, id)?;
    let count = w
        .mailboxes
        .iter()
        .filter(|m| m.mail_hosting_id == id)
        .count();
    ok(
        json!({"id": h.id, "account_id": h.account_id, "customer_name": h.domain, "fqdn": h.domain,
        "max_mailboxes": h.max_mailboxes, "mailboxes_count": count, "dkim_enabled": h.dkim_enabled}),
    )
}

async fn mailboxes_list(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let with = mailbox_with(&q)?;
    let mut w = lock(&sh.world);
    let h = hosting(&w, &c, id)?.clone();
    let search = q.get("search").map(str::to_ascii_lowercase);
    let ids: Vec<usize> = (0..w.mailboxes.len())
        .filter(|&i| w.mailboxes[i].mail_hosting_id == id)
        .filter(|&i| {
            search
                .as_deref()
                .is_none_or(|s| w.mailboxes[i].mailbox.contains(s))
        })
        .collect();
    let items = ids
        .into_iter()
        .map(|i| {
            let mb = w.mailboxes[i].clone();
            let ext = w.mail.boxes.entry(mb.mailbox_id).or_default().clone();
            mailbox_json(&mb, &ext, &h, &with)
        })
        .collect();
    list(items, &q)
}

async fn mailbox_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let with = mailbox_with(&q)?;
    let mut w = lock(&sh.world);
    let h = hosting(&w, &c, id)?.clone();
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    ok(mailbox_json(mb, ext, &h, &with))
}

async fn mailbox_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        "/1/mail_hostings/{mail_hosting_id}/mailboxes",
        "POST",
    )?;
    let name = str_field(&body, "mailbox_name").to_ascii_lowercase();
    if !valid_local(&name) {
        return Err(ApiError::invalid_attribute(
            "mailbox_name",
            format!("{name:?} is not a valid mailbox name (letters, digits, . - _ +)"),
        ));
    }
    let mut w = lock(&sh.world);
    let h = hosting(&w, &c, id)?.clone();
    let count = w
        .mailboxes
        .iter()
        .filter(|m| m.mail_hosting_id == id)
        .count() as u64;
    if w.mailboxes
        .iter()
        .any(|m| m.mail_hosting_id == id && (m.mailbox_name == name || m.aliases.contains(&name)))
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "object_already_exists",
            format!("{name}@{} already exists", h.domain),
        ));
    }
    if count >= h.max_mailboxes {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "mailboxes_quota_reached",
            format!("The pack allows {} mailboxes", h.max_mailboxes),
        ));
    }
    let mailbox_id = w.next_id();
    // Q17: `password` is accepted and not used.
    w.mailboxes.push(Mailbox {
        mailbox_id,
        mail_hosting_id: id,
        mailbox_name: name.clone(),
        mailbox: format!("{name}@{}", h.domain),
        created_at: now(),
        size: 0,
        aliases: vec![],
        redirections: vec![],
        has_auto_responder: false,
        imap_last_login_at: 0,
        blocked_senders: vec![],
        authorized_senders: vec![],
    });
    let note = body.get("note").and_then(Value::as_str).map(String::from);
    w.mail.boxes.insert(
        mailbox_id,
        BoxExt {
            note,
            has_move_spam: true,
            ..fresh_box()
        },
    );
    ok_status(
        StatusCode::CREATED,
        json!({"mailbox": format!("{name}@{}", h.domain), "quota": h.max_mailboxes, "used": count + 1, "total": h.max_mailboxes}),
    )
}

fn fresh_box() -> BoxExt {
    BoxExt {
        folders: default_folders(),
        password_last_changed_at: now(),
        ..BoxExt::default()
    }
}

fn default_folders() -> BTreeMap<String, String> {
    [
        ("draft_folder", "Drafts"),
        ("trash_folder", "Trash"),
        ("sent_folder", "Sent"),
        ("spam_folder", "Spam"),
        ("archives_folder", "Archives"),
        ("commercials_folder", "Commercials"),
        ("social_networks_folder", "Social networks"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// `PATCH`/`PUT /mailboxes/{name}`: spam policy and sender lists (infomaniak-api.md §7.3,
/// [M: HENRI]; not in mail.json, so the fields are checked here).
async fn mailbox_patch(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = body_json(&body)?;
    let obj = body.as_object().cloned().unwrap_or_default();
    let mut errors = Vec::new();
    for (k, v) in &obj {
        let okay = match k.as_str() {
            "has_move_spam" | "has_mail_filtering" => v.is_boolean(),
            "mail_filtering_folder_commercials" | "mail_filtering_folder_social_networks" => {
                v.is_string()
            }
            "note" => v.is_null() || v.as_str().is_some_and(|s| s.chars().count() <= 80),
            "authorized_senders" | "blocked_senders" => v
                .as_array()
                .is_some_and(|a| a.iter().all(|s| s.as_str().is_some_and(valid_sender))),
            _ => {
                errors.push((
                    k.clone(),
                    "validation_rule_not_allowed",
                    format!("{k} cannot be changed here"),
                ));
                continue;
            }
        };
        if !okay {
            errors.push((
                k.clone(),
                "validation_rule_invalid",
                format!("The {k} attribute is invalid"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut w = lock(&sh.world);
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    for (k, v) in obj {
        match k.as_str() {
            "has_move_spam" => ext.has_move_spam = v.as_bool().unwrap_or_default(),
            "has_mail_filtering" => ext.has_mail_filtering = v.as_bool().unwrap_or_default(),
            "mail_filtering_folder_commercials" => {
                ext.folder_commercials = str_field(&json!({"v": v}), "v").into()
            }
            "mail_filtering_folder_social_networks" => {
                ext.folder_social = str_field(&json!({"v": v}), "v").into()
            }
            "note" => ext.note = v.as_str().map(String::from),
            "authorized_senders" => mb.authorized_senders = strings(&v),
            "blocked_senders" => mb.blocked_senders = strings(&v),
            _ => {}
        }
    }
    ok(json!(true))
}

/// A sender entry: an address or a domain (`@example.com` or `example.com`).
fn valid_sender(s: &str) -> bool {
    let d = s.trim_start_matches('@');
    valid_email(s) || (!d.contains('@') && valid_email(&format!("x@{d}")))
}

/// `DELETE /mailboxes/{name}` (infomaniak-api.md §7.3, [M: MOGA live]): the mailbox with
/// its aliases, forwarding and filters.
async fn mailbox_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let i = mailbox_idx(&w, &c, id, &name)?;
    let mb = w.mailboxes.remove(i);
    w.mail.boxes.remove(&mb.mailbox_id);
    ok(json!(true))
}

// ---------------------------------------------------------------------------------------
// Aliases

async fn aliases_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let domain = hosting(&w, &c, id)?.domain.clone();
    let (mb, _) = mailbox_mut(&mut w, &c, id, &name)?;
    let aliases: Vec<String> = mb.aliases.iter().map(|a| format!("{a}@{domain}")).collect();
    ok(json!({"enabled_alias": aliases.len(), "aliases": aliases}))
}

/// An alias as its local part (the API takes either form on its own domain).
fn alias_local(alias: &str, domain: &str) -> Result<String, ApiError> {
    let a = alias.trim().to_ascii_lowercase();
    let local = match a.split_once('@') {
        Some((l, d)) if d == domain => l.to_string(),
        Some(_) => {
            return Err(ApiError::invalid_attribute(
                "alias",
                format!("{alias} is not on {domain}"),
            ));
        }
        None => a,
    };
    if !valid_local(&local) {
        return Err(ApiError::invalid_attribute(
            "alias",
            format!("{alias:?} is not a valid alias"),
        ));
    }
    Ok(local)
}

const ALIAS_LIMIT: usize = 100;

fn taken(w: &World, id: u64, local: &str) -> bool {
    w.mailboxes.iter().any(|m| {
        m.mail_hosting_id == id && (m.mailbox_name == local || m.aliases.iter().any(|a| a == local))
    }) || w
        .mail
        .hostings
        .get(&id)
        .is_some_and(|h| h.redirections.iter().any(|r| r["name"] == local))
}

async fn alias_add(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/aliases",
        "POST",
    )?;
    let mut w = lock(&sh.world);
    let domain = hosting(&w, &c, id)?.domain.clone();
    mailbox_idx(&w, &c, id, &name)?;
    let local = alias_local(str_field(&body, "alias"), &domain)?;
    if taken(&w, id, &local) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "object_already_exists",
            format!("{local}@{domain} is already used"),
        ));
    }
    let (mb, _) = mailbox_mut(&mut w, &c, id, &name)?;
    if mb.aliases.len() >= ALIAS_LIMIT {
        return Err(business("alias_limit_reached"));
    }
    mb.aliases.push(local);
    ok(json!(true))
}

async fn aliases_put(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/aliases",
        "PUT",
    )?;
    let mut w = lock(&sh.world);
    let domain = hosting(&w, &c, id)?.domain.clone();
    let i = mailbox_idx(&w, &c, id, &name)?;
    let mut locals = Vec::new();
    for a in strings(&body["aliases"]) {
        let l = alias_local(&a, &domain)?;
        if !w.mailboxes[i].aliases.contains(&l) && taken(&w, id, &l) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "object_already_exists",
                format!("{l}@{domain} is already used"),
            ));
        }
        if !locals.contains(&l) {
            locals.push(l);
        }
    }
    w.mailboxes[i].aliases = locals;
    ok(json!(true))
}

async fn alias_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, alias)): Path<(u64, String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let domain = hosting(&w, &c, id)?.domain.clone();
    let local = alias_local(&alias, &domain)?;
    let (mb, _) = mailbox_mut(&mut w, &c, id, &name)?;
    let before = mb.aliases.len();
    mb.aliases.retain(|a| *a != local);
    if mb.aliases.len() == before {
        return Err(business("alias_does_not_exist"));
    }
    ok(json!(true))
}

// ---------------------------------------------------------------------------------------
// Forwarding (the GET spells `redirect_adresses`, Q15; its flags are strings in mail.json)

const MAX_FORWARDS: usize = 10;

async fn fwd_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    let flag = |b: bool| if b { "1" } else { "0" };
    ok(json!({
        "is_enabled": flag(ext.forwarding_enabled),
        "redirect_adresses": mb.redirections.iter().map(|e| json!({"email": e, "email_idn": e})).collect::<Vec<_>>(),
        "has_dont_deliver": flag(ext.has_dont_deliver),
        "has_forward_spam": flag(ext.has_forward_spam),
    }))
}

fn forward_target(mb: &Mailbox, addr: &str, to_self: &'static str) -> Result<String, ApiError> {
    let a = addr.trim().to_ascii_lowercase();
    if !valid_email(&a) {
        return Err(business("incorrect_redirect_address"));
    }
    if a == mb.mailbox {
        return Err(business(to_self));
    }
    Ok(a)
}

async fn fwd_add(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/forwarding_addresses",
        "POST",
    )?;
    let mut w = lock(&sh.world);
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    let a = forward_target(
        mb,
        str_field(&body, "redirect_address"),
        "incorrect_redirect_address",
    )?;
    if mb.redirections.contains(&a) {
        return Err(business("redirect_address_already_exists"));
    }
    if mb.redirections.len() >= MAX_FORWARDS {
        return Err(business("max_mailbox_redirection"));
    }
    mb.redirections.push(a.clone());
    ext.forwarding_enabled = true;
    ok_status(
        StatusCode::CREATED,
        json!({"email": a, "email_idn": a, "has_dont_deliver": ext.has_dont_deliver}),
    )
}

async fn fwd_put(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/forwarding_addresses",
        "PUT",
    )?;
    let mut w = lock(&sh.world);
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    if let Some(list) = body.get("redirect_addresses") {
        let mut out = Vec::new();
        for a in strings(list) {
            let a = forward_target(mb, &a, "redirect_address_alias_or_mailboxname")?;
            if !out.contains(&a) {
                out.push(a);
            }
        }
        if out.len() > MAX_FORWARDS {
            return Err(business("too_much_redirections"));
        }
        mb.redirections = out;
    }
    if let Some(b) = body.get("has_dont_deliver").and_then(Value::as_bool) {
        ext.has_dont_deliver = b;
    }
    if let Some(b) = body.get("has_forward_spam").and_then(Value::as_bool) {
        ext.has_forward_spam = b;
    }
    if let Some(b) = body.get("is_enabled").and_then(Value::as_bool) {
        ext.forwarding_enabled = b;
        if !b {
            // is_enabled=false drops every address (infomaniak-api.md §7.3).
            mb.redirections.clear();
        }
    }
    ok(json!(true))
}

async fn fwd_delete_all(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    mb.redirections.clear();
    ext.forwarding_enabled = false;
    ok(json!(true))
}

async fn fwd_delete_one(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, addr)): Path<(u64, String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    let a = addr.to_ascii_lowercase();
    if !mb.redirections.contains(&a) {
        return Err(business("redirect_address_does_not_exist"));
    }
    mb.redirections.retain(|r| *r != a);
    if mb.redirections.is_empty() {
        ext.forwarding_enabled = false;
    }
    ok(json!(true))
}

// ---------------------------------------------------------------------------------------
// Sieve filters and scripts

const FILTERS: &str = "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/auth/filters";
const SCRIPTS: &str =
    "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/auth/filters/scripts";

/// The two Sieve lists of a mailbox, which the filter and script routes edit alike (by
/// `name` in the body); they differ in their route and in how `is_enabled` is kept
/// (filters: a boolean, scripts: `"1"`/`"0"`, as the API lists them).
#[derive(Clone, Copy)]
enum Sieve {
    Filters,
    Scripts,
}

impl Sieve {
    fn route(self) -> &'static str {
        match self {
            Sieve::Filters => FILTERS,
            Sieve::Scripts => SCRIPTS,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Sieve::Filters => "Filter",
            Sieve::Scripts => "Script",
        }
    }

    fn list(self, ext: &mut BoxExt) -> &mut Vec<Value> {
        match self {
            Sieve::Filters => &mut ext.filters,
            Sieve::Scripts => &mut ext.scripts,
        }
    }

    fn flag(self, on: Option<&Value>) -> Value {
        match self {
            Sieve::Filters => json!(on.and_then(Value::as_bool).unwrap_or(true)),
            Sieve::Scripts => json!(enabled_flag(on)),
        }
    }

    /// `DELETE` of the route with `{name}`: 404 when no item has that name.
    fn delete(self, sh: &Shared, c: &Caller, id: u64, mailbox: &str, body: &Bytes) -> ApiResult {
        let body = spec_body(body, Spec::Mail, self.route(), "DELETE")?;
        let mut w = lock(&sh.world);
        let list = self.list(mailbox_mut(&mut w, c, id, mailbox)?.1);
        let before = list.len();
        list.retain(|f| f["name"] != body["name"]);
        if before == list.len() {
            return Err(ApiError::not_found(self.what()));
        }
        ok(json!(true))
    }

    /// `PUT …/set_activation` with `{name, is_enabled}`.
    fn set_activation(
        self,
        sh: &Shared,
        c: &Caller,
        id: u64,
        mailbox: &str,
        body: &Bytes,
    ) -> ApiResult {
        let route = format!("{}/set_activation", self.route());
        let body = spec_body(body, Spec::Mail, &route, "PUT")?;
        let mut w = lock(&sh.world);
        let item = self
            .list(mailbox_mut(&mut w, c, id, mailbox)?.1)
            .iter_mut()
            .find(|f| f["name"] == body["name"])
            .ok_or_else(|| ApiError::not_found(self.what()))?;
        item["is_enabled"] = self.flag(body.get("is_enabled"));
        ok(json!(true))
    }
}

async fn filters_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let filters_tpl = service_filter_models();
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    let script: String = ext
        .scripts
        .iter()
        .filter(|s| s["is_enabled"] == "1")
        .filter_map(|s| s["content"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    ok(json!({
        "prevent_script": false,
        "use_scripts": ext.scripts.iter().any(|s| s["is_enabled"] == "1"),
        "scripts": ext.scripts,
        "filters": ext.filters,
        "script": script,
        "templates": filters_tpl,
    }))
}

/// A filter as stored: the spec's request takes one condition and one action object
/// (`value` = what to do, an enum; `create_a_folder` = the folder); the answer lists them
/// as `{type, value}`, the shape of mail.json's own example.
fn filter_from(body: &Value) -> Value {
    let a = &body["actions"];
    let action = json!({"type": a["value"], "value": a.get("create_a_folder").cloned().unwrap_or(json!(""))});
    json!({
        "name": body["name"], "is_enabled": body["is_enabled"], "has_all_of": body["has_all_of"],
        "conditions": [body["conditions"]], "actions": [action],
        "template_id": body.get("template_id").cloned().unwrap_or(json!(0)),
    })
}

async fn filter_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, FILTERS, "POST")?;
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    if ext.filters.iter().any(|f| f["name"] == body["name"]) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "object_already_exists",
            "A filter of that name exists",
        ));
    }
    ext.filters.push(filter_from(&body));
    ok_status(StatusCode::CREATED, json!(true))
}

async fn filter_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, FILTERS, "PATCH")?;
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    let i = ext
        .filters
        .iter()
        .position(|f| f["name"] == body["old_name"])
        .ok_or_else(|| ApiError::not_found("Filter"))?;
    ext.filters[i] = filter_from(&body);
    ok(json!(true))
}

async fn filter_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    Sieve::Filters.delete(&sh, &c, id, &name, &body)
}

fn enabled_flag(v: Option<&Value>) -> &'static str {
    if v.and_then(Value::as_bool).unwrap_or(true) {
        "1"
    } else {
        "0"
    }
}

async fn script_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, SCRIPTS, "POST")?;
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    if ext.scripts.iter().any(|s| s["name"] == body["name"]) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "object_already_exists",
            "A script of that name exists",
        ));
    }
    ext.scripts.push(json!({"name": body["name"], "content": body["content"], "is_enabled": enabled_flag(body.get("is_enabled"))}));
    ok(json!(true))
}

async fn script_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, SCRIPTS, "PATCH")?;
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    let i = ext
        .scripts
        .iter()
        .position(|s| s["name"] == body["old_name"])
        .ok_or_else(|| ApiError::not_found("Script"))?;
    ext.scripts[i] = json!({"name": body["name"], "content": body["content"], "is_enabled": enabled_flag(body.get("is_enabled"))});
    ok(json!(true))
}

async fn script_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    Sieve::Scripts.delete(&sh, &c, id, &name, &body)
}

async fn filter_activation(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    Sieve::Filters.set_activation(&sh, &c, id, &name, &body)
}

async fn script_activation(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    Sieve::Scripts.set_activation(&sh, &c, id, &name, &body)
}

async fn filter_reorder(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, &format!("{FILTERS}/reorder"), "PUT")?;
    let order = strings(&body["order"]);
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    let mut names: Vec<String> = ext
        .filters
        .iter()
        .filter_map(|f| f["name"].as_str().map(String::from))
        .collect();
    let mut sorted = order.clone();
    names.sort();
    sorted.sort();
    if names != sorted {
        return Err(ApiError::invalid_attribute(
            "order",
            "order must name every filter exactly once",
        ));
    }
    let mut out = Vec::new();
    for n in &order {
        if let Some(f) = ext.filters.iter().find(|f| f["name"] == n.as_str()) {
            out.push(f.clone());
        }
    }
    ext.filters = out;
    ok(json!(true))
}

// ---------------------------------------------------------------------------------------
// Folders

async fn folders_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    if ext.folders.is_empty() {
        ext.folders = default_folders();
    }
    let mut v = json!({"folders": [{"name": "INBOX"}]});
    let mut names: Vec<&String> = ext.folders.values().collect();
    names.sort();
    names.dedup();
    v["folders"] = json!(
        std::iter::once("INBOX".to_string())
            .chain(names.into_iter().cloned())
            .map(|n| json!({"name": n}))
            .collect::<Vec<_>>()
    );
    for (k, f) in &ext.folders {
        v[k] = json!(f);
    }
    ok(v)
}

async fn folders_put(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/auth/folders",
        "PUT",
    )?;
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    if ext.folders.is_empty() {
        ext.folders = default_folders();
    }
    for (k, v) in body.as_object().into_iter().flatten() {
        if let Some(s) = v.as_str() {
            if s.trim().is_empty() {
                return Err(ApiError::invalid_attribute(
                    k,
                    format!("{k} cannot be empty"),
                ));
            }
            ext.folders.insert(k.clone(), s.to_string());
        }
    }
    ok(json!(true))
}

async fn purge_spam(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    ext.spam_count = 0;
    ok(json!(true))
}

async fn purge_trash(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    ext.trash_count = 0;
    ok(json!(true))
}

// ---------------------------------------------------------------------------------------
// Auto-reply models of a mailbox

const AR: &str = "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}/auto_reply/model";

fn week(v: Option<&Value>) -> Value {
    let mut out = json!({});
    for d in [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ] {
        out[d] = json!(
            v.and_then(|v| v.get(d))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        );
    }
    out
}

fn auto_reply_json(id: u64, body: &Value, mailbox: &str) -> Value {
    json!({
        "id": id, "name": body["name"], "is_model": true, "source_model_id": 0,
        "message": body["message"], "is_recurrent": body["is_recurrent"].as_bool().unwrap_or(false),
        "recurrent_days": week(body.get("recurrent_days")),
        "started_at": body.get("started_at").and_then(Value::as_i64).unwrap_or(0),
        "ended_at": body.get("ended_at").and_then(Value::as_i64).unwrap_or(0),
        "is_active": false, "is_visible": true,
        "dont_reply_to": body.get("dont_reply_to").cloned().unwrap_or(json!([])),
        "reply_from_id": body.get("reply_from_id").cloned().unwrap_or(json!(0)),
        "reply_from": mailbox,
        "valid_emails": [{"id": 1, "email": mailbox, "email_idn": mailbox, "is_account": "0", "is_verified": "1", "is_removable": "0"}],
    })
}

async fn ar_list(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    ok(json!(ext.auto_replies))
}

async fn ar_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, AR, "POST")?;
    let mut w = lock(&sh.world);
    mailbox_idx(&w, &c, id, &name)?;
    let new_id = w.next_id();
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    ext.auto_replies
        .push(auto_reply_json(new_id, &body, &mb.mailbox));
    ok_status(StatusCode::CREATED, json!(new_id))
}

fn ar_pos(ext: &BoxExt, model: &str) -> Result<usize, ApiError> {
    let id: u64 = model
        .parse()
        .map_err(|_| ApiError::not_found("Auto-reply model"))?;
    ext.auto_replies
        .iter()
        .position(|m| m["id"] == id)
        .ok_or_else(|| ApiError::not_found("Auto-reply model"))
}

async fn ar_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, model)): Path<(u64, String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (_, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    let i = ar_pos(ext, &model)?;
    ok(ext.auto_replies[i].clone())
}

async fn ar_update(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, model)): Path<(u64, String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, &format!("{AR}/{{model_id}}"), "PATCH")?;
    let mut w = lock(&sh.world);
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    let i = ar_pos(ext, &model)?;
    let active = body["is_active"].as_bool().unwrap_or(false);
    for (k, v) in body.as_object().into_iter().flatten() {
        ext.auto_replies[i][k] = v.clone();
    }
    if active {
        for (j, m) in ext.auto_replies.iter_mut().enumerate() {
            if j != i {
                m["is_active"] = json!(false);
            }
        }
    }
    mb.has_auto_responder = ext.auto_replies.iter().any(|m| m["is_active"] == true);
    ok(json!(true))
}

async fn ar_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name, model)): Path<(u64, String, String)>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    let i = ar_pos(ext, &model)?;
    ext.auto_replies.remove(i);
    mb.has_auto_responder = ext.auto_replies.iter().any(|m| m["is_active"] == true);
    ok(json!(true))
}

async fn ar_reset(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let (mb, ext) = mailbox_mut(&mut w, &c, id, &name)?;
    for m in &mut ext.auto_replies {
        m["is_active"] = json!(false);
    }
    mb.has_auto_responder = false;
    ok(json!(true))
}

/// `GET /mailboxes/{name}/backups` (infomaniak-api.md §7.3, [M: MOGA]).
async fn backups_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, name)): P2,
) -> ApiResult {
    let w = lock(&sh.world);
    mailbox_idx(&w, &c, id, &name)?;
    let days: Vec<Value> = (1..=3)
        .map(|d| json!({"date": REFERENCE_TIME - d * 86_400}))
        .collect();
    ok(json!({"backups": days, "state": "available"}))
}

// ---------------------------------------------------------------------------------------
// Redirections (ids are strings, Q10)

const REDIRS: &str = "/1/mail_hostings/{mail_hosting_id}/redirections";

fn redirection_json(id: &str, name: &str, domain: &str, targets: &[String], at: i64) -> Value {
    json!({
        "id": id, "name": name, "created_at": at, "updated_at": at,
        "targets": targets.iter().enumerate().map(|(i, t)| target_json(&format!("{id}{i}"), t, at)).collect::<Vec<_>>(),
        "address": {"id": id, "address": format!("{name}@{domain}"), "created_at": at, "updated_at": at, "state": "enabled"},
        "state": "enabled",
        "send_confirmation_requests_enabled": true,
        "send_confirmation_requests_state": "done",
    })
}

fn target_json(id: &str, address: &str, at: i64) -> Value {
    json!({"id": id, "address": address, "optin_code": "", "optin_expires_at": 0, "opted_in_at": at,
        "created_at": at, "updated_at": at, "state": "enabled"})
}

fn redir_targets(body: &Value) -> Result<Vec<String>, ApiError> {
    let targets = strings(&body["targets"]);
    if targets.is_empty() {
        return Err(ApiError::invalid_attribute(
            "targets",
            "At least one target is required",
        ));
    }
    for t in &targets {
        if !valid_email(t) {
            return Err(ApiError::invalid_attribute(
                "targets",
                format!("{t:?} is not an e-mail address"),
            ));
        }
    }
    Ok(targets)
}

/// `GET /redirections`: mail.json documents no paging on it (only `order_by`/`order_dir`),
/// so every redirection comes in one answer, however many.
async fn redir_list(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    ok(json!(hosting_ext(&mut w, &c, id)?.redirections))
}

async fn redir_create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(&body, Spec::Mail, REDIRS, "POST")?;
    let targets = redir_targets(&body)?;
    let mut w = lock(&sh.world);
    let domain = hosting(&w, &c, id)?.domain.clone();
    let name = alias_local(str_field(&body, "name"), &domain)
        .map_err(|_| ApiError::invalid_attribute("name", "name must be a local part, e.g. team"))?;
    if taken(&w, id, &name) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "object_already_exists",
            format!("{name}@{domain} is already used"),
        ));
    }
    let rid = w.next_id().to_string();
    let at = now();
    hosting_ext(&mut w, &c, id)?
        .redirections
        .push(redirection_json(&rid, &name, &domain, &targets, at));
    ok_status(StatusCode::CREATED, json!(rid))
}

fn redir_pos(h: &HostingExt, rid: &str) -> Result<usize, ApiError> {
    h.redirections
        .iter()
        .position(|r| r["id"] == rid)
        .ok_or_else(|| ApiError::not_found("Redirection"))
}

async fn redir_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, rid)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let h = hosting_ext(&mut w, &c, id)?;
    let i = redir_pos(h, &rid)?;
    ok(h.redirections[i].clone())
}

async fn redir_put(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, rid)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        &format!("{REDIRS}/{{redirection_id}}"),
        "PUT",
    )?;
    let targets = redir_targets(&body)?;
    let at = now();
    let mut w = lock(&sh.world);
    let h = hosting_ext(&mut w, &c, id)?;
    let i = redir_pos(h, &rid)?;
    h.redirections[i]["targets"] = json!(
        targets
            .iter()
            .enumerate()
            .map(|(n, t)| target_json(&format!("{rid}{n}"), t, at))
            .collect::<Vec<_>>()
    );
    h.redirections[i]["updated_at"] = json!(at);
    ok(Value::Null)
}

async fn redir_delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, rid)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let h = hosting_ext(&mut w, &c, id)?;
    let i = redir_pos(h, &rid)?;
    h.redirections.remove(i);
    ok(Value::Null)
}

async fn redir_enable(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, rid)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let h = hosting_ext(&mut w, &c, id)?;
    let i = redir_pos(h, &rid)?;
    h.redirections[i]["state"] = json!("enabled");
    ok(Value::Null)
}

/// How long a target has to confirm (opt in) before the request expires.
const OPTIN_SECONDS: i64 = 7 * 86_400;

/// The targets of redirection `rid` of hosting `id`.
fn targets_mut<'a>(
    w: &'a mut World,
    c: &Caller,
    id: u64,
    rid: &str,
) -> Result<&'a mut Vec<Value>, ApiError> {
    let h = hosting_ext(w, c, id)?;
    let i = redir_pos(h, rid)?;
    h.redirections[i]["targets"]
        .as_array_mut()
        .ok_or_else(|| ApiError::not_found("Redirection"))
}

/// `GET …/targets` (not paged in mail.json either).
async fn targets_list(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, rid)): P2,
) -> ApiResult {
    let mut w = lock(&sh.world);
    ok(json!(targets_mut(&mut w, &c, id, &rid)?))
}

/// `POST …/targets` `{address}` [201]: the new target waits for its owner to confirm.
async fn target_add(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, rid)): P2,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        &format!("{REDIRS}/{{redirection_id}}/targets"),
        "POST",
    )?;
    let address = str_field(&body, "address").trim().to_ascii_lowercase();
    if !valid_email(&address) {
        return Err(ApiError::invalid_attribute(
            "address",
            format!("{address:?} is not an e-mail address"),
        ));
    }
    let mut w = lock(&sh.world);
    let tid = w.next_id().to_string();
    let at = now();
    let targets = targets_mut(&mut w, &c, id, &rid)?;
    if targets.iter().any(|t| t["address"] == address.as_str()) {
        return Err(business("target_already_exists"));
    }
    let mut t = target_json(&tid, &address, at);
    t["state"] = json!("pending");
    t["opted_in_at"] = Value::Null;
    t["optin_expires_at"] = json!(at + OPTIN_SECONDS);
    targets.push(t);
    ok_status(StatusCode::CREATED, json!(tid))
}

/// `PUT …/send-confirmation-requests`: every unconfirmed target is asked again.
async fn targets_resend(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, rid)): P2,
) -> ApiResult {
    let at = now();
    let mut w = lock(&sh.world);
    for t in targets_mut(&mut w, &c, id, &rid)?
        .iter_mut()
        .filter(|t| t["state"] == "pending")
    {
        t["optin_expires_at"] = json!(at + OPTIN_SECONDS);
    }
    ok(json!(true))
}

/// `PUT …/targets/{target_id}/resend-confirmation-request`.
async fn target_resend(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((id, rid, tid)): Path<(u64, String, String)>,
) -> ApiResult {
    let at = now();
    let mut w = lock(&sh.world);
    let t = targets_mut(&mut w, &c, id, &rid)?
        .iter_mut()
        .find(|t| t["id"] == tid.as_str())
        .ok_or_else(|| ApiError::not_found("Redirection target"))?;
    t["optin_expires_at"] = json!(at + OPTIN_SECONDS);
    ok(json!({"id": tid, "address": t["address"], "optin_expires_at": t["optin_expires_at"]}))
}

// ---------------------------------------------------------------------------------------
// Preferences, DKIM, service-level lists

async fn prefs_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let h = hosting_ext(&mut w, &c, id)?;
    if h.preferences.is_null() {
        h.preferences = default_preferences();
    }
    ok(h.preferences.clone())
}

fn default_preferences() -> Value {
    let mut defaults = permissions();
    if let Some(o) = defaults.as_object_mut() {
        o.remove("has_technical_right");
    }
    let mut prefs = json!({
        "default_permissions": defaults, "spam_filter_enabled": true, "promotion_filter_enabled": false,
        "external_mail_flag_enabled": false, "authorized_senders": [], "blocked_senders": [],
        "created_at": REFERENCE_TIME - 400 * 86_400, "updated_at": REFERENCE_TIME - 10 * 86_400,
    });
    // mail.json also lists the permission flags as required top-level fields.
    for (k, v) in defaults.as_object().into_iter().flatten() {
        prefs[k] = v.clone();
    }
    prefs
}

async fn prefs_patch(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let body = spec_body(
        &body,
        Spec::Mail,
        "/1/mail_hostings/{mail_hosting_id}/preferences",
        "PATCH",
    )?;
    let mut w = lock(&sh.world);
    if let Some(on) = body.get("dkim_enabled").and_then(Value::as_bool)
        && let Some(h) = w
            .mail_hostings
            .iter_mut()
            .find(|h| h.id == id && c.can_access(h.account_id))
    {
        h.dkim_enabled = on;
    }
    let h = hosting_ext(&mut w, &c, id)?;
    if h.preferences.is_null() {
        h.preferences = default_preferences();
    }
    for (k, v) in body.as_object().into_iter().flatten() {
        if k != "dkim_enabled" && k != "default_permission" {
            h.preferences[k] = v.clone();
        }
    }
    h.preferences["updated_at"] = json!(now());
    ok(json!(true))
}

/// `GET/POST /diagnostic/dkim/rotate` (infomaniak-api.md §7.3, [M: HENRI]; not in mail.json).
async fn dkim_get(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let enabled = hosting(&w, &c, id)?.dkim_enabled;
    let at = hosting_ext(&mut w, &c, id)?.dkim_rotated_at;
    ok(json!({"dkim_enabled": enabled, "is_rotatable": enabled, "last_rotated_at": at}))
}

async fn dkim_rotate(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    if !hosting(&w, &c, id)?.dkim_enabled {
        return Err(business("dkim_not_enabled"));
    }
    hosting_ext(&mut w, &c, id)?.dkim_rotated_at = now();
    ok(json!(true))
}

async fn service_auto_replies(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    ok(json!(hosting_ext(&mut w, &c, id)?.auto_replies))
}

fn service_filter_models() -> Value {
    json!([{
        "id": 1, "name": "Newsletters to a folder", "has_all_conditions": true,
        "conditions": [{"property": "header:list-id", "operator": "exists", "value": ""}],
        "actions": [{"type": "move", "value": "Newsletters"}], "requires": [], "is_visible": true,
    }])
}

async fn service_filters(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    let h = hosting_ext(&mut w, &c, id)?;
    if h.filters.is_empty() {
        ok(service_filter_models())
    } else {
        ok(json!(h.filters))
    }
}

async fn service_mailing_lists(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
) -> ApiResult {
    let mut w = lock(&sh.world);
    ok(json!(hosting_ext(&mut w, &c, id)?.mailing_lists))
}

// ---------------------------------------------------------------------------------------
// Seeding

const EXTERNAL: &[&str] = &["gmail.com", "outlook.com", "protonmail.ch", "yahoo.com"];

/// Adds the mail state to a generated tenant: forwarding, filters, redirections, users and,
/// in `fleet`, 230 more mailboxes in one hosting so mailbox lists need several pages. Its
/// own random stream: the rest of the tenant is unchanged.
pub fn seed(w: &mut World, seed: u64, scale: Scale) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6d61_696c);
    if scale == Scale::Fleet {
        big_hosting(w, &mut rng);
    }
    let hostings = w.mail_hostings.clone();
    for h in &hostings {
        let mut ext = HostingExt {
            preferences: default_preferences(),
            auto_replies: vec![auto_reply_json(
                h.id * 10 + 1,
                &json!({"name": "Holidays", "message": "Back soon.", "is_recurrent": false}),
                &format!("info@{}", h.domain),
            )],
            mailing_lists: vec![json!({
                "mail": format!("team@{}", h.domain), "mailIDN": format!("team@{}", h.domain), "name": "team",
                "info": "Team list", "user_count": rng.random_range(2..40), "being_deleted": false,
                "config": {"use_reply_to": false, "is_reply_to_forced": false, "max_message_size": "10MB", "who_can_send": 1,
                    "who_can_subscribe": 1, "subject": "[team]", "lang": "en", "should_send_notifications": true},
            })],
            ..HostingExt::default()
        };
        let at = REFERENCE_TIME - 30 * 86_400;
        ext.redirections.push(redirection_json(
            &format!("{}1", h.id),
            "sales-team",
            &h.domain,
            &[
                format!("sales@{}", h.domain),
                "partner@agency-example.com".into(),
            ],
            at,
        ));
        ext.redirections.push(redirection_json(
            &format!("{}2", h.id),
            "noreply",
            &h.domain,
            &[format!("noreply-archive@{}", EXTERNAL[0])],
            at,
        ));
        w.mail.hostings.insert(h.id, ext);
    }
    if scale == Scale::Fleet {
        many_redirections(w);
        extra::seed_fleet(w);
    }
    let boxes: Vec<Mailbox> = w.mailboxes.clone();
    for (n, mb) in boxes.iter().enumerate() {
        let mut ext = fresh_box();
        ext.password_last_changed_at = REFERENCE_TIME - rng.random_range(1..900) * 86_400;
        ext.has_move_spam = rng.random_bool(0.7);
        ext.has_mail_filtering = rng.random_bool(0.5);
        ext.spam_count = rng.random_range(0..200);
        ext.trash_count = rng.random_range(0..500);
        ext.users = vec![
            json!({"id": 7000 + n as u64, "email": mb.mailbox, "name": mb.mailbox_name, "has_double_auth": rng.random_bool(0.6)}),
        ];
        let mut forwards = vec![];
        if n % 3 == 1 {
            forwards.push(format!(
                "{}@{}",
                mb.mailbox_name,
                EXTERNAL[rng.random_range(0..EXTERNAL.len())]
            ));
            ext.forwarding_enabled = true;
        }
        if n % 4 == 0 {
            ext.filters.push(json!({
                "name": "Invoices", "is_enabled": true, "has_all_of": true,
                "conditions": [{"property": "subject", "operator": "contains", "value": "invoice"}],
                "actions": [{"type": "move", "value": "Invoices"}], "template_id": 0,
            }));
            ext.scripts.push(json!({"name": "vacation", "is_enabled": "0", "content": "require \"vacation\";\nvacation \"Away\";"}));
        }
        if let Some(m) = w
            .mailboxes
            .iter_mut()
            .find(|m| m.mailbox_id == mb.mailbox_id)
        {
            m.redirections = forwards;
            if n % 5 == 2 {
                m.blocked_senders = vec!["spam@bad-sender.example".into()];
                m.authorized_senders = vec!["boss@partner.example".into()];
            }
        }
        w.mail.boxes.insert(mb.mailbox_id, ext);
    }
}

/// Grows the mail hosting on [`ZONE_NO_MAIL_POLICY`] (else the first one) by 230
/// mailboxes, so its mailbox list needs three pages of 100.
fn big_hosting(w: &mut World, rng: &mut ChaCha8Rng) {
    let Some(hi) = w
        .mail_hostings
        .iter()
        .position(|h| h.domain == ZONE_NO_MAIL_POLICY)
        .or((!w.mail_hostings.is_empty()).then_some(0))
    else {
        return;
    };
    w.mail_hostings[hi].max_mailboxes = 500;
    let (id, domain) = (w.mail_hostings[hi].id, w.mail_hostings[hi].domain.clone());
    for n in 0..230 {
        let mailbox_id = w.next_id();
        let name = format!("user{n:03}");
        w.mailboxes.push(Mailbox {
            mailbox_id,
            mail_hosting_id: id,
            mailbox: format!("{name}@{domain}"),
            mailbox_name: name,
            created_at: REFERENCE_TIME - rng.random_range(2..900) * 86_400,
            size: rng.random_range(0..2_000_000_000),
            aliases: vec![],
            redirections: vec![],
            has_auto_responder: false,
            imap_last_login_at: REFERENCE_TIME - rng.random_range(1..100) * 86_400,
            blocked_senders: vec![],
            authorized_senders: vec![],
        });
    }
}

/// Redirections `fwd-000`… added to the big fleet hosting, more than one page's worth
/// (100), so a reader that stops at the first hundred misses some; the last one sends to
/// mailbox `user007`, which an offboarding of it must find.
pub const FLEET_REDIRECTIONS: usize = 130;

fn many_redirections(w: &mut World) {
    let Some(h) = w
        .mail_hostings
        .iter()
        .find(|h| h.domain == ZONE_NO_MAIL_POLICY)
        .cloned()
    else {
        return;
    };
    let at = REFERENCE_TIME - 10 * 86_400;
    for n in 0..FLEET_REDIRECTIONS {
        let rid = w.next_id().to_string();
        let target = if n + 1 == FLEET_REDIRECTIONS {
            format!("user007@{}", h.domain)
        } else {
            format!("desk{n:03}@partner.example")
        };
        let r = redirection_json(&rid, &format!("fwd-{n:03}"), &h.domain, &[target], at);
        if let Some(ext) = w.mail.hostings.get_mut(&h.id) {
            ext.redirections.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_parts_and_addresses() {
        assert!(valid_local("info") && valid_local("first.last+x"));
        assert!(
            !valid_local("Info") && !valid_local(".a") && !valid_local("a b") && !valid_local("")
        );
        assert!(valid_email("a@b.ch") && !valid_email("a@b") && !valid_email("ab.ch"));
        assert!(
            valid_sender("@spam.example")
                && valid_sender("x@y.ch")
                && !valid_sender("not a sender")
        );
    }

    #[test]
    fn seeding_is_deterministic_and_fleet_pages() {
        let a = crate::seed::generate(42, Scale::Fleet);
        let b = crate::seed::generate(42, Scale::Fleet);
        assert_eq!(a, b);
        let big = a
            .mail_hostings
            .iter()
            .find(|h| h.domain == ZONE_NO_MAIL_POLICY)
            .expect("big hosting");
        let n = a
            .mailboxes
            .iter()
            .filter(|m| m.mail_hosting_id == big.id)
            .count();
        assert!(n > 2 * crate::envelope::MAX_PER_PAGE, "{n}");
        assert!(a.mail.boxes.values().any(|e| e.forwarding_enabled));
        // The extra lists are longer than a page too.
        let list = |what: &str| a.mail.docs[&format!("/1/mail_hostings/{}/{what}", big.id)].len();
        for what in [
            "mailboxes/user000/accesses/webmail",
            "mailboxes/user000/accesses/devices",
            "signatures/templates",
        ] {
            assert!(list(what) > crate::envelope::MAX_PER_PAGE, "{what}");
        }
    }

    #[test]
    fn aliases_take_local_parts_on_the_domain_only() {
        assert_eq!(alias_local("Team@a.ch", "a.ch").unwrap(), "team");
        assert_eq!(alias_local("team", "a.ch").unwrap(), "team");
        assert!(alias_local("team@b.ch", "a.ch").is_err());
        assert!(alias_local("bad alias", "a.ch").is_err());
    }
}
