//! What every hosting tool shares: the two upstream roles, route builders (each citing
//! infomaniak-api.md), effects on either role, and the shapes tools answer with.
//!
//! Web hosting has no OpenAPI document. Routes follow infomaniak-api.md §7.4 (MOGA live
//! probes) and §2.3 (the manager proxy: `/proxy/1/<same route as /1/...>`, cookie session).
//! Reads use the public API where it answers; writes the public API silently ignores (Q1,
//! Q2) and manager-only products (aliases, Node.js) go through the manager role.

use ikmcp_pdk::api::Api;
use ikmcp_pdk::error::{internal, invalid_args};
use ikmcp_pdk::{Ctx, HttpMethod, INFOMANIAK_API, Plan, PlannedEffect, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The manager-private proxy role (`Cookie: SASESSION` + `X-XSRF-TOKEN`), infomaniak-api.md §2.3.
pub const MANAGER: &str = "infomaniak-manager";

/// The public API client (Bearer).
pub fn public<'a>(ctx: &Ctx<'a>) -> Api<'a> {
    Api::new(ctx.host(), INFOMANIAK_API)
}

/// The manager proxy client (session cookie, held by the host).
pub fn manager<'a>(ctx: &Ctx<'a>) -> Api<'a> {
    Api::new(ctx.host(), MANAGER)
}

/// `/1/web_hostings/{id}` (infomaniak-api.md §7.4).
pub fn hosting_path(hosting_id: u64) -> String {
    format!("/1/web_hostings/{hosting_id}")
}

/// The manager proxy's form of a public route: `/proxy/1/...` (infomaniak-api.md §2.3).
pub fn proxied(path: &str) -> String {
    format!("/proxy{path}")
}

/// A path segment with everything but `[A-Za-z0-9._~-]` percent-encoded (names and host
/// names go into paths; `/`, `?` or `#` must never change the route, and the host reads a
/// `*` in a planned path as a wildcard, so a wildcard alias goes as `%2A`).
pub fn segment(raw: &str) -> String {
    let mut out = String::new();
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"._~-".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A write on `role` with its exact body.
pub fn effect(role: &str, method: HttpMethod, path: String, body: Option<&Value>) -> PlannedEffect {
    PlannedEffect {
        role: role.to_string(),
        method,
        path_pattern: path,
        query: Vec::new(),
        base_params: Vec::new(),
        body: body.map(Value::to_string),
        unpinned_body: None,
        lock: None,
    }
}

/// The lock key of writes on one hosting (or Node.js hosting): Infomaniak answers
/// `operation_in_progress` to overlapping operations on one hosting (peer-agent-mcp.md §4),
/// so the host runs confirmed applies holding one key one after the other.
pub fn hosting_lock(hosting_id: u64) -> String {
    format!("hosting:{hosting_id}")
}

/// `plan` with every write on the hosting routes (`/web_hostings/{id}`, `/hostings/{id}`)
/// holding the hosting's lock.
pub fn lock_hosting(mut plan: Plan, hosting_id: u64) -> Plan {
    for e in &mut plan.effects {
        if e.path_pattern.contains("/web_hostings/") || e.path_pattern.contains("/hostings/") {
            e.lock = Some(hosting_lock(hosting_id));
        }
    }
    plan
}

/// Sends a confirmed effect on its own role (method, path, query and pinned body exactly).
pub fn perform(ctx: &Ctx, e: &PlannedEffect) -> Result<Value, ToolError> {
    Api::new(ctx.host(), &e.role).perform(e)
}

/// The effect number `i` of a confirmed plan (the plan and apply of one tool agree on it).
pub fn nth(plan: &Plan, i: usize) -> Result<&PlannedEffect, ToolError> {
    plan.effects
        .get(i)
        .ok_or_else(|| internal(format!("the confirmed plan has no effect number {i}")))
}

/// What a write tool answers: its `status` and the details.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Outcome {
    /// e.g. created, deleted, updated, no_change.
    pub status: String,
    /// What was done, as the API shows it.
    pub detail: Value,
}

/// Wraps a `{status, ...}` answer.
pub fn outcome(detail: Value) -> Outcome {
    Outcome {
        status: detail["status"].as_str().unwrap_or("done").to_string(),
        detail,
    }
}

/// One item as the API returns it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Item {
    /// The item.
    pub item: Value,
}

/// A hosting as the routes describe it (`GET /1/web_hostings/{id}`).
#[derive(Debug, Clone, Deserialize)]
pub struct Hosting {
    /// Hosting id.
    pub id: u64,
    /// Prefix the API prepends to database, database user and FTP user names.
    #[serde(default)]
    pub prefix: String,
}

/// Reads a hosting, with a hint naming the list tool when the id is wrong.
pub fn get_hosting(ctx: &Ctx, hosting_id: u64) -> Result<Hosting, ToolError> {
    public(ctx)
        .get_as(&hosting_path(hosting_id), &[])
        .map_err(|e| not_found_hint(e, "check hosting_id with infomaniak_list_hostings"))
}

/// Replaces the hint of a not-found error with `hint`, and of a 403 with the scope the
/// hosting routes need.
pub fn not_found_hint(e: ToolError, hint: &str) -> ToolError {
    match &e {
        ToolError::NotFound(_) => e.with_hint(hint),
        ToolError::Upstream(u) if u.status == 403 => e.with_hint(
            "the API token lacks the web scope (web hosting) or access to this hosting's account: create a token with the web scope",
        ),
        _ => e,
    }
}

/// The full (prefixed) name of `name` on a hosting with `prefix`: names given with the
/// prefix are kept, others get it (the API adds it on create, §7.4).
pub fn prefixed(prefix: &str, name: &str) -> String {
    if name.starts_with(prefix) {
        name.to_string()
    } else {
        format!("{prefix}{name}")
    }
}

/// A name part the API takes for databases and users: `[a-z0-9_]`, 1..=`max` characters.
pub fn check_name(field: &str, name: &str, max: usize) -> Result<(), ToolError> {
    let ok = !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(invalid_args(
            format!("{field} {name:?} is not a valid name"),
            format!("use 1 to {max} characters among a-z, 0-9 and _"),
        ))
    }
}

/// The hosting users' password rule (≥ 8, lower, upper, digit; §7.4), checked before any
/// request so a weak password is refused with no write.
pub fn check_password(password: &str) -> Result<(), ToolError> {
    let strong = password.len() >= 8
        && password.bytes().any(|b| b.is_ascii_lowercase())
        && password.bytes().any(|b| b.is_ascii_uppercase())
        && password.bytes().any(|b| b.is_ascii_digit());
    if strong {
        Ok(())
    } else {
        Err(invalid_args(
            "the password is too weak",
            "use at least 8 characters with a lower case letter, an upper case letter and a digit",
        ))
    }
}

/// Whether `name` is a host name (labels of a-z, 0-9 and -, at least one dot; `*.` first
/// only where `wildcard`).
pub fn check_fqdn(field: &str, name: &str, wildcard: bool) -> Result<String, ToolError> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let bare = if wildcard {
        name.strip_prefix("*.").unwrap_or(&name)
    } else {
        &name
    };
    let ok = bare.len() <= 253
        && bare.contains('.')
        && bare.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if ok {
        Ok(name)
    } else {
        Err(invalid_args(
            format!("{field} {name:?} is not a host name"),
            "give a name such as blog.example.com (letters, digits, hyphens, dots)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_so_a_name_cannot_change_the_route() {
        assert_eq!(segment("www.example.com"), "www.example.com");
        assert_eq!(segment("*.dev.example.com"), "%2A.dev.example.com");
        assert_eq!(segment("../x?y#z"), "..%2Fx%3Fy%23z");
    }

    #[test]
    fn names_passwords_and_fqdns_are_checked() {
        assert!(check_name("database_name", "shop_1", 20).is_ok());
        assert!(check_name("database_name", "Shop", 20).is_err());
        assert!(check_name("database_name", "", 20).is_err());
        assert!(check_password("Abcdefg1").is_ok());
        assert!(check_password("abcdefg1").is_err());
        assert!(check_password("Abc1").is_err());
        assert_eq!(
            check_fqdn("fqdn", "Blog.Example.com.", false).unwrap(),
            "blog.example.com"
        );
        assert!(check_fqdn("fqdn", "*.x.ch", false).is_err());
        assert!(check_fqdn("alias", "*.x.ch", true).is_ok());
        assert!(check_fqdn("fqdn", "localhost", false).is_err());
        assert!(check_fqdn("fqdn", "a_b.ch", false).is_err());
        assert_eq!(prefixed("ab12_", "shop"), "ab12_shop");
        assert_eq!(prefixed("ab12_", "ab12_shop"), "ab12_shop");
    }
}
