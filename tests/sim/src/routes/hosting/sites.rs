//! Hostings, sites, site aliases and certificates (infomaniak-api.md §7.4).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{begin, hosting_ref, is_manager, manager_only, progress_id};
use crate::auth::Caller;
use crate::envelope::{ApiError, ApiResult, Query, list, ok};
use crate::routes::{body_json, now};
use crate::seed::REFERENCE_TIME;
use crate::server::{Shared, lock};
use crate::state::{Site, State as World};

type Sh = State<Arc<Shared>>;

/// `with` values of the site routes (MOGA, via 422 enumeration).
const SITE_WITH: &[&str] = &[
    "ips",
    "applications",
    "application_types",
    "environments",
    "advanced_params",
    "urls",
    "ssl_infos",
];
const ALIAS_WITH: &[&str] = &["domain_options"];

/// `GET /1/web_hostings/{id}`.
pub async fn hosting(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(hid): Path<String>,
) -> ApiResult {
    let w = lock(&sh.world);
    let h = hosting_ref(&w, &c, &hid)?;
    let sites = w.sites.iter().filter(|s| s.hosting_id == h.id).count();
    ok(json!({
        "id": h.id, "web_hosting_id": h.id, "account_id": h.account_id, "service_id": 1,
        "service_name": "hosting", "customer_name": h.customer_name, "prefix": h.prefix,
        "ips_identifier": format!("ip-{}", h.id % 97), "hosting_root_path": h.hosting_root_path,
        "hosting_type": h.hosting_type, "nb_sites": sites,
        "has_operation_in_progress": w.hosting.busy.contains(&h.id),
    }))
}

/// The API shape of a site, with the `with` expansions asked for.
pub fn site_json(w: &World, s: &Site, with: &[String]) -> Value {
    let parent = w.web_hostings.iter().find(|h| h.id == s.hosting_id);
    let mut v = json!({
        "id": s.id, "account_id": s.account_id, "customer_name": s.main_fqdn,
        "hosting_type": parent.map_or("h2", |h| h.hosting_type.as_str()),
        "main_fqdn": s.main_fqdn, "directory": s.directory, "ssl_status": s.ssl_status,
        "has_wordpress": s.wordpress_version.is_some(), "has_website_builder": false,
        "parent_id": s.hosting_id,
        "parent_hosting_name": parent.map_or("", |h| h.customer_name.as_str()),
    });
    if s.ssl_status != "disabled" {
        v["ssl_issuer"] = json!(if s.ssl_status == "paid" {
            "Sectigo"
        } else {
            "R12"
        });
        v["ssl_emitted_at"] = json!(s.ssl_expired_at - 90 * 86_400);
        v["ssl_expired_at"] = json!(s.ssl_expired_at);
    }
    if with.iter().any(|x| x == "applications") {
        v["applications"] =
            json!(s.wordpress_version.as_ref().map_or(vec![], |ver| vec![json!({
            "id": s.id * 10 + 1, "type": "wordpress", "version": ver, "name": s.main_fqdn,
            "url": format!("https://{}", s.main_fqdn),
            "link_admin": format!("https://{}/wp-admin/", s.main_fqdn), "is_complete": true,
        })]));
    }
    if with.iter().any(|x| x == "environments") {
        v["environments"] = json!([{"type": "php", "version": s.php_version}]);
    }
    v
}

fn site_idx(w: &World, hid: u64, sid: &str) -> Result<usize, ApiError> {
    sid.parse::<u64>()
        .ok()
        .and_then(|sid| {
            w.sites
                .iter()
                .position(|s| s.id == sid && s.hosting_id == hid)
        })
        .ok_or_else(|| ApiError::not_found("Site"))
}

/// The hosting id and the index in `w.sites` of site `sid` of hosting `hid`: 404 when the
/// caller cannot see the hosting or the hosting has no such site.
fn site_at(w: &World, c: &Caller, hid: &str, sid: &str) -> Result<(u64, usize), ApiError> {
    let h = hosting_ref(w, c, hid)?;
    Ok((h.id, site_idx(w, h.id, sid)?))
}

/// `GET /1/web_hostings/{id}/sites` (`with[]`, paging).
pub async fn list_sites(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(hid): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let with = q.with(SITE_WITH)?;
    let w = lock(&sh.world);
    let h = hosting_ref(&w, &c, &hid)?;
    let items = w
        .sites
        .iter()
        .filter(|s| s.hosting_id == h.id)
        .map(|s| site_json(&w, s, &with))
        .collect();
    list(items, &q)
}

/// `GET /1/web_hostings/{id}/sites/{site}`.
pub async fn get_one(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((hid, sid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let with = q.with(SITE_WITH)?;
    let w = lock(&sh.world);
    let (_, i) = site_at(&w, &c, &hid, &sid)?;
    ok(site_json(&w, &w.sites[i], &with))
}

/// Whether `name` is a host name the API would take (labels of letters, digits and
/// hyphens; a leading `*.` only where `wildcard`).
pub fn valid_fqdn(name: &str, wildcard: bool) -> bool {
    let name = if wildcard {
        name.strip_prefix("*.").unwrap_or(name)
    } else {
        name
    };
    name.len() <= 253
        && name.contains('.')
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn string_field<'a>(body: &'a Value, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::invalid_attribute(
            field,
            format!("The {field} attribute must be a string"),
        )),
    }
}

/// `POST /1/web_hostings/{id}/sites`: Bearer → success with a `progress_id`, nothing made
/// (Q1); manager → creates the site only with `fqdn`, `directory:/sites/..`,
/// `force_fqdn:true` and `environment` (`apache_php`|`nodejs`), else the same no-op.
pub async fn create(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(hid): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = body_json(&body)?;
    let fqdn = string_field(&body, "fqdn")?;
    let directory = string_field(&body, "directory")?;
    let environment = string_field(&body, "environment")?;
    let Some(fqdn) = fqdn else {
        return Err(ApiError::validation(vec![(
            "fqdn".into(),
            "validation_rule_required",
            "The fqdn attribute is required".into(),
        )]));
    };
    if !valid_fqdn(fqdn, false) {
        return Err(ApiError::invalid_attribute(
            "fqdn",
            format!("{fqdn:?} is not a valid host name"),
        ));
    }
    if let Some(env) = environment
        && !["apache_php", "nodejs"].contains(&env)
    {
        return Err(ApiError::not_one_of(
            "environment",
            "The selected environment is invalid",
            &["apache_php", "nodejs"],
        ));
    }
    if let Some(dir) = directory
        && (!dir.starts_with('/') || dir.contains(".."))
    {
        return Err(ApiError::invalid_attribute(
            "directory",
            "The directory must be an absolute path inside the hosting",
        ));
    }
    let hosting_id = {
        let w = lock(&sh.world);
        let h = hosting_ref(&w, &c, &hid)?;
        if w.sites.iter().any(|s| s.main_fqdn == fqdn) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "object_already_exists",
                format!("A site for {fqdn} already exists"),
            ));
        }
        h.id
    };
    let _busy = begin(&sh, hosting_id).await?;
    let mut w = lock(&sh.world);
    let complete = body.get("force_fqdn") == Some(&Value::Bool(true))
        && directory.is_some_and(|d| d.starts_with("/sites/"))
        && environment.is_some();
    let noop = (w.hosting.quirks && (!is_manager(&c) || !complete))
        || lock(&sh.faults).faults.hosting_silent_noop;
    let progress = progress_id(&mut w);
    if !noop {
        let id = w.next_id();
        let account_id = hosting_ref(&w, &c, &hid)?.account_id;
        w.sites.push(Site {
            id,
            hosting_id,
            account_id,
            main_fqdn: fqdn.to_string(),
            directory: directory.unwrap_or("/sites/").to_string(),
            ssl_status: "disabled".into(),
            ssl_expired_at: 0,
            wordpress_version: None,
            php_version: "8.3".into(),
        });
    }
    ok(json!({"progress_id": progress}))
}

/// `DELETE /1/web_hostings/{id}/sites/{site}`: removes the site, its aliases and its
/// certificate state.
pub async fn delete(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((hid, sid)): Path<(String, String)>,
) -> ApiResult {
    let (hosting_id, _) = site_at(&lock(&sh.world), &c, &hid, &sid)?;
    let _busy = begin(&sh, hosting_id).await?;
    let mut w = lock(&sh.world);
    let i = site_idx(&w, hosting_id, &sid)?;
    let site = w.sites.remove(i);
    w.hosting.aliases.retain(|(s, _)| *s != site.id);
    w.hosting.cert_errors.remove(&site.id);
    ok(json!(true))
}

fn alias_json(w: &World, site: &Site, fqdn: &str) -> Value {
    let registered = w
        .domains
        .iter()
        .any(|d| fqdn == d.name || fqdn.ends_with(&format!(".{}", d.name)));
    json!({
        "name": fqdn, "fqdn_idn": fqdn, "is_main": fqdn == site.main_fqdn,
        "is_protected": fqdn == site.main_fqdn, "is_synonym": false,
        "can_update_dns": registered,
        "domain_options": {"has_domain_privacy": false, "has_renewal_warranty": false, "has_dns_anycast": false},
    })
}

/// `GET .../sites/{site}/aliases` (manager only): the main name first, then the aliases.
pub async fn aliases(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((hid, sid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    manager_only(&c, "GET", uri.path())?;
    let q = Query::parse(q.as_deref());
    q.with(ALIAS_WITH)?;
    let w = lock(&sh.world);
    let site = &w.sites[site_at(&w, &c, &hid, &sid)?.1];
    let mut items = vec![alias_json(&w, site, &site.main_fqdn)];
    items.extend(
        w.hosting
            .aliases
            .iter()
            .filter(|(s, _)| *s == site.id)
            .map(|(_, a)| alias_json(&w, site, a)),
    );
    list(items, &q)
}

/// `POST .../sites/{site}/aliases` (manager only) `{aliases: [fqdn, "*.wild"]}` →
/// `{progress_id}`.
pub async fn add_aliases(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((hid, sid)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    manager_only(&c, "POST", uri.path())?;
    let body = body_json(&body)?;
    let names: Vec<String> = match body.get("aliases") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                ApiError::invalid_attribute("aliases", "Every alias must be a string")
            })?,
        Some(_) => {
            return Err(ApiError::invalid_attribute(
                "aliases",
                "The aliases attribute must be a non-empty array of host names",
            ));
        }
        None => {
            return Err(ApiError::validation(vec![(
                "aliases".into(),
                "validation_rule_required",
                "The aliases attribute is required".into(),
            )]));
        }
    };
    if let Some(bad) = names.iter().find(|n| !valid_fqdn(n, true)) {
        return Err(ApiError::invalid_attribute(
            "aliases",
            format!("{bad:?} is not a valid host name"),
        ));
    }
    let (hosting_id, site_id) = {
        let w = lock(&sh.world);
        let (hosting_id, i) = site_at(&w, &c, &hid, &sid)?;
        (hosting_id, w.sites[i].id)
    };
    let _busy = begin(&sh, hosting_id).await?;
    let mut w = lock(&sh.world);
    for n in names {
        if !w
            .hosting
            .aliases
            .iter()
            .any(|(s, a)| *s == site_id && *a == n)
        {
            w.hosting.aliases.push((site_id, n));
        }
    }
    ok(json!({"progress_id": progress_id(&mut w)}))
}

/// `DELETE .../sites/{site}/aliases/{fqdn}` (manager only): `true`; the main name cannot go.
pub async fn delete_alias(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((hid, sid, alias)): Path<(String, String, String)>,
) -> ApiResult {
    manager_only(&c, "DELETE", uri.path())?;
    let (hosting_id, site_id) = {
        let w = lock(&sh.world);
        let (hosting_id, i) = site_at(&w, &c, &hid, &sid)?;
        let site = &w.sites[i];
        if site.main_fqdn == alias {
            return Err(ApiError::bad_request(
                "cannot_delete_main_fqdn",
                "The main name of a site cannot be removed",
            ));
        }
        if !w
            .hosting
            .aliases
            .iter()
            .any(|(s, a)| *s == site.id && *a == alias)
        {
            return Err(ApiError::not_found("Alias"));
        }
        (hosting_id, site.id)
    };
    let _busy = begin(&sh, hosting_id).await?;
    lock(&sh.world)
        .hosting
        .aliases
        .retain(|(s, a)| !(*s == site_id && *a == alias));
    ok(json!(true))
}

/// The certificate of a site, as `GET .../certificates/{site}` answers it.
fn certificate_json(w: &World, s: &Site) -> Value {
    let error = w.hosting.cert_errors.contains(&s.id);
    let expired = s.ssl_expired_at < REFERENCE_TIME;
    let lets_encrypt = s.ssl_status == "free";
    json!({
        "site_id": s.id,
        "status": if error { "error" } else { "ok" },
        "type": s.ssl_status,
        "sub_type": if lets_encrypt { Value::from("lets_encrypt") } else { Value::Null },
        "issuer": if lets_encrypt { "R12" } else { "Sectigo" },
        "organization": if lets_encrypt { "Let's Encrypt" } else { "Sectigo Limited" },
        "main_fqdn": s.main_fqdn, "main_fqdn_idn": s.main_fqdn,
        "emitted_at": s.ssl_expired_at - 90 * 86_400, "expired_at": s.ssl_expired_at,
        "fingerprint_sha256": format!("{:064x}", s.id.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        "is_valid": !error && !expired, "is_expired": expired, "is_selfsigned": false,
        "ignored_identifiers": [],
        "error_identifiers": if error { json!([format!("www.{}", s.main_fqdn)]) } else { json!([]) },
        "error_on_certificate": error,
        "last_attempt_at": if error { Value::from(REFERENCE_TIME - 86_400) } else { Value::Null },
    })
}

/// `GET /1/web_hostings/{id}/certificates/{site}`: 404 when the site has no certificate.
pub async fn certificate(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((hid, sid)): Path<(String, String)>,
) -> ApiResult {
    let w = lock(&sh.world);
    let s = &w.sites[site_at(&w, &c, &hid, &sid)?.1];
    if s.ssl_status == "disabled" {
        return Err(ApiError::not_found("Certificate"));
    }
    ok(certificate_json(&w, s))
}

/// `POST /1/web_hostings/{id}/certificates` `{site_id, type: free|paid|custom,
/// certificate_id? (paid), certificate?, private_key?, intermediate_certificate? (custom)}`
/// → `{uuid}`; the certificate is installed at once.
pub async fn request_certificate(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path(hid): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = body_json(&body)?;
    let Some(site_id) = body.get("site_id").and_then(Value::as_u64) else {
        return Err(ApiError::validation(vec![(
            "site_id".into(),
            "validation_rule_required",
            "The site_id attribute is required (an integer)".into(),
        )]));
    };
    let kind = string_field(&body, "type")?.unwrap_or("");
    if !["free", "paid", "custom"].contains(&kind) {
        return Err(ApiError::not_one_of(
            "type",
            "The selected type is invalid",
            &["free", "paid", "custom"],
        ));
    }
    if kind == "paid" && body.get("certificate_id").and_then(Value::as_u64).is_none() {
        return Err(ApiError::validation(vec![(
            "certificate_id".into(),
            "validation_rule_required_if",
            "The certificate_id attribute is required for a paid certificate".into(),
        )]));
    }
    if kind == "custom" {
        let pem = string_field(&body, "certificate")?;
        if !pem.is_some_and(|p| p.contains("-----BEGIN CERTIFICATE-----")) {
            return Err(ApiError::validation(vec![(
                "certificate".into(),
                "validation_rule_required_if",
                "A certificate is required. Provide either a certificate file or a PEM certificate"
                    .into(),
            )]));
        }
        if !string_field(&body, "private_key")?.is_some_and(|k| k.contains("PRIVATE KEY-----")) {
            return Err(ApiError::validation(vec![(
                "private_key".into(),
                "validation_rule_required_if",
                "The private_key attribute is required for a custom certificate".into(),
            )]));
        }
    }
    let hosting_id = {
        let w = lock(&sh.world);
        let h = hosting_ref(&w, &c, &hid)?;
        site_idx(&w, h.id, &site_id.to_string())?;
        h.id
    };
    let _busy = begin(&sh, hosting_id).await?;
    let mut w = lock(&sh.world);
    let i = site_idx(&w, hosting_id, &site_id.to_string())?;
    let now = now();
    let site = &mut w.sites[i];
    site.ssl_status = kind.to_string();
    site.ssl_expired_at = now + 90 * 86_400;
    w.hosting.cert_errors.remove(&site_id);
    ok(json!({"uuid": format!("{:08x}-0000-4000-8000-{:012x}", site_id as u32, now as u64)}))
}

/// `DELETE /1/web_hostings/{id}/certificates/{site}`: the site goes back to plain HTTP.
pub async fn delete_certificate(
    State(sh): Sh,
    Extension(c): Extension<Caller>,
    Path((hid, sid)): Path<(String, String)>,
) -> ApiResult {
    let hosting_id = {
        let w = lock(&sh.world);
        let (hosting_id, i) = site_at(&w, &c, &hid, &sid)?;
        if w.sites[i].ssl_status == "disabled" {
            return Err(ApiError::not_found("Certificate"));
        }
        hosting_id
    };
    let _busy = begin(&sh, hosting_id).await?;
    let mut w = lock(&sh.world);
    let i = site_idx(&w, hosting_id, &sid)?;
    w.sites[i].ssl_status = "disabled".into();
    w.sites[i].ssl_expired_at = 0;
    let id = w.sites[i].id;
    w.hosting.cert_errors.remove(&id);
    ok(json!(true))
}
