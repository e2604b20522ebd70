//! What every mail tool shares: checked identifiers, the paths of mail.json, the mailbox
//! list (paged with `limit`/`skip`), and the generic write result and apply.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Api, Ctx, Plan, Planned, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// Mailbox page size asked with `limit` (the tenant and the API cap pages at 100).
pub const LIMIT: usize = 100;
/// Upper bound on mailbox pages followed.
const MAX_PAGES: usize = 200;

/// A mailbox name (local part) as the API addresses it: lowercase letters, digits, `.`,
/// `-`, `_`, `+`; a full address is cut to its local part.
pub fn mailbox_name(name: &str) -> Result<String, ToolError> {
    let n = name.trim().to_ascii_lowercase();
    let local = n.split('@').next().unwrap_or_default().to_string();
    let valid = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_+".contains(c));
    if valid {
        Ok(local)
    } else {
        Err(invalid_args(
            format!("{name:?} is not a mailbox name"),
            "give the local part (e.g. info for info@example.com); infomaniak_list_mailboxes lists them",
        ))
    }
}

/// An e-mail address, lowercased, checked for a local part and a dotted domain.
pub fn email(addr: &str, what: &str) -> Result<String, ToolError> {
    let a = addr.trim().to_ascii_lowercase();
    let ok = match a.split_once('@') {
        Some((l, d)) => {
            !l.is_empty()
                && !l.contains(char::is_whitespace)
                && !l.contains('/')
                && d.contains('.')
                && d.split('.').all(|p| {
                    !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        }
        None => false,
    };
    if ok {
        Ok(a)
    } else {
        Err(invalid_args(
            format!("{what} {addr:?} is not an e-mail address"),
            format!("give {what} as name@domain.tld"),
        ))
    }
}

/// The domain of an address.
pub fn domain_of(addr: &str) -> &str {
    addr.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
}

/// `/1/mail_hostings/{id}`.
pub fn hosting_path(id: u64) -> String {
    format!("/1/mail_hostings/{id}")
}

/// `/1/mail_hostings/{id}/mailboxes/{name}`.
pub fn mailbox_path(id: u64, name: &str) -> String {
    format!("/1/mail_hostings/{id}/mailboxes/{name}")
}

/// Where a token with the `mail` scope is made (said in 403 hints).
pub const TOKEN_PAGE: &str = "https://manager.infomaniak.com/v3/ng/accounts/token/list";

/// Turns an upstream error on `path` into advice: a not-found names the tools that list
/// valid ids, a 403 on a mail route names the `mail` scope the token lacks and where to
/// add it (the API refuses every `/1/mail_hostings` route to a token without it).
pub fn advise(path: &str) -> impl Fn(ToolError) -> ToolError + '_ {
    move |e| {
        let newsletter = path.starts_with("/1/newsletters");
        if e.is_not_found() {
            let msg = e.message().to_string();
            let hint = if newsletter {
                "check domain (one of the account's domains with a newsletter) and the group or subscriber ids with infomaniak_get_newsletter_admin"
            } else {
                "check mail_hosting_id with infomaniak_list_mail_hostings and mailbox_name with infomaniak_list_mailboxes"
            };
            return e.with_hint(format!("{msg}: {hint}"));
        }
        match &e {
            ToolError::Upstream(u) if u.status == 403 && !newsletter => e.with_hint(format!(
                "the token lacks the `mail` scope (or access to this hosting's account): create a token with the mail scope at {TOKEN_PAGE}, set it as INFOMANIAK_API_TOKEN and restart ikmcp"
            )),
            _ => e,
        }
    }
}

/// GET a mail route's `data`, errors turned into advice.
pub fn get(api: &Api, path: &str, query: &[(&str, &str)]) -> Result<Value, ToolError> {
    api.get(path, query).map_err(advise(path))
}

/// Every item of a paged mail list, errors turned into advice.
pub fn list_all(api: &Api, path: &str) -> Result<Vec<Value>, ToolError> {
    api.list_all(path, &[]).map_err(advise(path))
}

/// Every mailbox of a hosting: `limit`/`skip` pages (mail.json offers them on this list,
/// infomaniak-api.md §4.2) followed until a short page.
pub fn list_mailboxes(api: &Api, id: u64, with: Option<&str>) -> Result<Vec<Value>, ToolError> {
    let path = format!("{}/mailboxes", hosting_path(id));
    let limit = LIMIT.to_string();
    let mut out = Vec::new();
    for _ in 0..MAX_PAGES {
        let skip = out.len().to_string();
        let mut q = vec![("limit", limit.as_str()), ("skip", skip.as_str())];
        if let Some(w) = with {
            q.push(("with", w));
        }
        let page = get(api, &path, &q)?;
        let items = page.as_array().cloned().unwrap_or_default();
        let n = items.len();
        out.extend(items);
        if n < LIMIT {
            return Ok(out);
        }
    }
    Err(ikmcp_pdk::error::upstream(
        200,
        "pagination_runaway",
        format!("GET {path} kept returning full pages"),
        Some("search for a name instead".into()),
    ))
}

/// Strings of a list that holds strings or `{email}` objects (sender lists).
pub fn addresses(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    x.as_str()
                        .or_else(|| x.get("email").and_then(Value::as_str))
                })
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A flag the API sends as a boolean, a number or a string (`"1"`, `"true"`).
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64().unwrap_or(0) != 0,
        Value::String(s) => matches!(s.as_str(), "1" | "true" | "yes"),
        _ => false,
    }
}

/// An answer that should be an object, as one (anything else under `value`).
pub fn object(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => [("value".to_string(), other)].into_iter().collect(),
    }
}

/// What every mail write tool returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Outcome {
    /// False when nothing was written (a list/check action, or already as asked).
    pub changed: bool,
    /// The state read, or the API's answer to each write in order.
    pub result: Value,
}

/// A no-change outcome carrying `result`.
pub fn unchanged(result: Value) -> Result<Planned<Outcome>, ToolError> {
    Ok(Planned::NoChange(Outcome {
        changed: false,
        result,
    }))
}

/// The write lock of an effect on `path`, so two confirmed applies that read, edit and
/// write back one object never interleave (the host holds the key from its freshness
/// re-plan to the last write; the second apply is then checked against what the first
/// left): `mail:{hosting}:{mailbox}` for a mailbox's routes (sender lists, aliases,
/// forwarding, filters and their order…), `mail:{hosting}` for the hosting's own routes
/// (redirections and their targets, mailbox creation, templates, DKIM),
/// `newsletter:{domain}` for a newsletter; none for account-wide routes. Key characters
/// are `[a-z0-9:._-]`: any other (`+` in a mailbox name) becomes `_`, which at worst
/// serializes two mailboxes together.
pub fn lock_key(path: &str) -> Option<String> {
    let seg: Vec<&str> = path.split('/').collect();
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let key = match seg.as_slice() {
        ["", "1", "mail_hostings", id, rest @ ..] if id.parse::<u64>().is_ok() => match rest {
            ["mailboxes", name, ..] => format!("mail:{id}:{}", clean(name)),
            _ => format!("mail:{id}"),
        },
        ["", "1", "newsletters", domain, ..] => format!("newsletter:{}", clean(domain)),
        _ => return None,
    };
    Some(key.chars().take(128).collect())
}

/// A plan handler's answer with every effect holding its [`lock_key`].
pub fn locked(planned: Result<Planned<Outcome>, ToolError>) -> Result<Planned<Outcome>, ToolError> {
    match planned? {
        Planned::Confirm(mut plan) => {
            for e in &mut plan.effects {
                e.lock = lock_key(&e.path_pattern);
            }
            Ok(Planned::Confirm(plan))
        }
        other => Ok(other),
    }
}

/// Applies a confirmed plan: every planned write exactly as approved, in order. The plan
/// was re-made by the host right before (stale plans are refused), so its effects are the
/// writes the arguments mean now.
pub fn apply_effects<A>(ctx: &Ctx, _args: A, confirmed: &Plan) -> Result<Outcome, ToolError> {
    let api = ctx.api();
    let mut answers = Vec::new();
    for effect in &confirmed.effects {
        answers.push(api.perform(effect).map_err(advise(&effect.path_pattern))?);
    }
    let result = if answers.len() == 1 {
        answers.remove(0)
    } else {
        Value::Array(answers)
    };
    Ok(Outcome {
        changed: true,
        result,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mailbox_names_are_local_parts() {
        assert_eq!(mailbox_name("Info").unwrap(), "info");
        assert_eq!(mailbox_name("info@example.com").unwrap(), "info");
        assert!(mailbox_name("../x").is_err());
        assert!(mailbox_name("a b").is_err());
        assert!(mailbox_name("").is_err());
    }

    #[test]
    fn writes_lock_their_mailbox_or_hosting() {
        assert_eq!(
            lock_key("/1/mail_hostings/7/mailboxes/info/aliases").as_deref(),
            Some("mail:7:info")
        );
        assert_eq!(
            lock_key("/1/mail_hostings/7/mailboxes/a+b").as_deref(),
            Some("mail:7:a_b")
        );
        assert_eq!(
            lock_key("/1/mail_hostings/7/mailboxes").as_deref(),
            Some("mail:7")
        );
        assert_eq!(
            lock_key("/1/mail_hostings/7/redirections/12/targets").as_deref(),
            Some("mail:7")
        );
        assert_eq!(
            lock_key("/1/newsletters/a.ch/subscribers").as_deref(),
            Some("newsletter:a.ch")
        );
        assert_eq!(lock_key("/1/mail_hostings/accesses/devices/3"), None);
        let long = format!("/1/mail_hostings/7/mailboxes/{}", "x".repeat(200));
        assert_eq!(lock_key(&long).unwrap().len(), 128);
    }

    #[test]
    fn addresses_and_flags() {
        assert_eq!(email(" A@B.ch ", "x").unwrap(), "a@b.ch");
        assert!(email("a@b", "x").is_err());
        assert!(email("a/b@c.ch", "x").is_err());
        assert_eq!(
            addresses(&json!([{"email": "a@b.ch"}, "c@d.ch"])),
            ["a@b.ch", "c@d.ch"]
        );
        assert!(truthy(&json!("1")) && truthy(&json!(true)) && !truthy(&json!("0")));
    }
}
