//! What a planned effect may declare, and what it allows, in one place.
//!
//! A human approves a plan by its effects, so an effect must say exactly what the write
//! will do. The host checks every plan against these rules when the plugin returns it
//! (before any token is minted), the approval is rendered from [`EnforcedEffect`], and the
//! apply-time ledger matches writes with the same [`BodyRule`]: what is shown, what is
//! checked and what is enforced are one description.
//!
//! The rules:
//! - an effect is a write (POST, PUT, PATCH or DELETE): reads need no effect;
//! - a tool declared `write` may not declare DELETE (removing makes it `destructive`);
//! - the path follows the request path rules ([`super::request_rules`]); a `*` segment is only for
//!   an id the apply learns, at most one per effect, never in the first two segments, and
//!   `*` never appears inside a segment;
//! - a POST/PUT/PATCH pins its body, or says in `unpinned_body` why it cannot; a pinned
//!   body and a reason together are refused; a DELETE without a body sends none;
//! - query keys are not method overrides; base param values are DNS labels;
//! - a lock key is 1 to 128 characters among lower-case letters, digits and `:._-`.

use std::fmt;

use serde_json::Value;

use super::request_rules::{check_path, dns_label, is_method_override_key, shown};
use super::{Effect, HttpMethod, PlannedEffect};

/// Longest lock key, in bytes.
const MAX_LOCK_KEY: usize = 128;

/// Longest reason for an unpinned body, in bytes (it is shown to the human as is).
const MAX_UNPINNED_REASON: usize = 300;

/// What a write's body must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BodyRule<'a> {
    /// Exactly this JSON value (compared canonically; the host sends its serialization).
    Pinned(&'a Value),
    /// Any body: the plugin could not know it at plan time, for this reason.
    Unpinned(&'a str),
    /// No body at all.
    Empty,
}

/// One planned effect as the host enforces it: what the approval shows and what the
/// apply-time ledger lets through.
#[derive(Debug, Clone, PartialEq)]
pub struct EnforcedEffect<'a> {
    /// The upstream role (which base URL and credential).
    pub role: &'a str,
    /// The write's method.
    pub method: HttpMethod,
    /// The path pattern as declared.
    pub path: &'a str,
    /// Positions (1 = the first segment after the leading `/`) of the `*` segments: each
    /// matches any one id, and the approval must flag it.
    pub wildcards: Vec<usize>,
    /// The exact query, in order.
    pub query: &'a [(String, String)],
    /// The base URL placeholders' values.
    pub base_params: &'a [(String, String)],
    /// What the body must be.
    pub body: BodyRule<'a>,
}

impl PlannedEffect {
    /// This effect as the host enforces it.
    pub fn enforced(&self) -> EnforcedEffect<'_> {
        let body = match (&self.body, &self.unpinned_body) {
            (Some(body), _) => BodyRule::Pinned(body),
            (None, Some(why)) => BodyRule::Unpinned(why),
            (None, None) => BodyRule::Empty,
        };
        EnforcedEffect {
            role: &self.role,
            method: self.method,
            path: &self.path_pattern,
            wildcards: self
                .path_pattern
                .split('/')
                .enumerate()
                .skip(1)
                .filter(|(_, segment)| *segment == "*")
                .map(|(i, _)| i)
                .collect(),
            query: &self.query,
            base_params: &self.base_params,
            body,
        }
    }
}

impl fmt::Display for EnforcedEffect<'_> {
    /// One line: `POST /2/zones/a.ch/records?k=v on infomaniak-api (team=acme)` followed by
    /// the body rule; `*` segments read `{any id}`. Plugin text is escaped, never raw.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path: Vec<&str> = self
            .path
            .split('/')
            .map(|s| if s == "*" { "{any id}" } else { s })
            .collect();
        write!(f, "{} {}", self.method.as_str(), shown(&path.join("/")))?;
        let pairs = |list: &[(String, String)], sep: &str| {
            list.iter()
                .map(|(k, v)| format!("{}={}", shown(k), shown(v)))
                .collect::<Vec<_>>()
                .join(sep)
        };
        if !self.query.is_empty() {
            write!(f, "?{}", pairs(self.query, "&"))?;
        }
        write!(f, " on {}", shown(self.role))?;
        if !self.base_params.is_empty() {
            write!(f, " ({})", pairs(self.base_params, ", "))?;
        }
        match self.body {
            BodyRule::Pinned(body) => write!(f, " with body {body}"),
            BodyRule::Unpinned(why) => {
                write!(f, " with a body not known in advance: {}", shown(why))
            }
            BodyRule::Empty => write!(f, " without a body"),
        }
    }
}

/// Checks every effect of a plan for a tool whose declared effect is `tool_effect`; the
/// error names the effect and says what the plugin author must change.
pub fn check_plan_effects(tool_effect: Effect, effects: &[PlannedEffect]) -> Result<(), String> {
    check_plan_effects_with(tool_effect, effects, |_| false)
}

/// [`check_plan_effects`], where a read that `writes` says changes state upstream (the
/// gateway's table of side-effecting GET routes) may be declared like a write.
pub fn check_plan_effects_with(
    tool_effect: Effect,
    effects: &[PlannedEffect],
    writes: fn(&PlannedEffect) -> bool,
) -> Result<(), String> {
    for (i, effect) in effects.iter().enumerate() {
        check_effect(tool_effect, effect, writes).map_err(|why| {
            format!(
                "effect {} ({} {}) {why}",
                i + 1,
                effect.method.as_str(),
                shown(&effect.path_pattern)
            )
        })?;
    }
    Ok(())
}

fn check_effect(
    tool_effect: Effect,
    e: &PlannedEffect,
    writes: fn(&PlannedEffect) -> bool,
) -> Result<(), String> {
    if e.method.is_read() && !writes(e) {
        return Err(
            "is a read; only writes (and the GET routes the host knows to change state) are declared as effects (reads always pass)".to_owned(),
        );
    }
    if e.method == HttpMethod::Delete && tool_effect == Effect::Write {
        return Err("deletes, but the tool is declared `write`; declare the tool `destructive` so clients are told it removes things".to_owned());
    }
    check_path(&e.path_pattern)?;
    check_wildcards(&e.path_pattern)?;
    check_body(e)?;
    if let Some((key, _)) = e
        .query
        .iter()
        .find(|(k, _)| k.is_empty() || is_method_override_key(k))
    {
        return Err(format!(
            "has the query key {}; query keys must be non-empty and never override the method",
            shown(key)
        ));
    }
    if let Some((key, value)) = e
        .base_params
        .iter()
        .find(|(k, v)| k.is_empty() || !dns_label(v))
    {
        return Err(format!(
            "has the base param {}={}; a base param value must be a DNS label (letters, digits, '-'; no dot, slash or '@')",
            shown(key),
            shown(value)
        ));
    }
    if let Some(key) = &e.lock
        && !valid_lock_key(key)
    {
        return Err(format!(
            "holds the lock {}; a lock key is 1 to {MAX_LOCK_KEY} characters among lower-case letters, digits and ':._-' (e.g. hosting:42)",
            shown(key)
        ));
    }
    Ok(())
}

/// Whether `key` is a lock key the host accepts (and shows as is in the approval).
fn valid_lock_key(key: &str) -> bool {
    (1..=MAX_LOCK_KEY).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b":._-".contains(&b))
}

fn check_wildcards(pattern: &str) -> Result<(), String> {
    let segments: Vec<&str> = pattern.split('/').skip(1).collect();
    if segments.iter().any(|s| s.contains('*') && *s != "*") {
        return Err(
            "has a '*' inside a segment; a wildcard is a whole segment `*` or nothing".to_owned(),
        );
    }
    let wild: Vec<usize> = (0..segments.len())
        .filter(|&i| segments[i] == "*")
        .collect();
    if wild.len() > 1 {
        return Err("has more than one '*' segment; a wildcard stands for one id the apply learns: pin every other segment".to_owned());
    }
    if wild.first().is_some_and(|&i| i < 2) {
        return Err("has a '*' in its first two segments; pin the API version and the resource (e.g. /2/zones/example.com/records/*)".to_owned());
    }
    Ok(())
}

fn check_body(e: &PlannedEffect) -> Result<(), String> {
    let carries_body = matches!(
        e.method,
        HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch
    );
    match (&e.body, &e.unpinned_body) {
        (Some(_), Some(_)) => Err(
            "pins a body and also gives a reason it is unpinned; keep the body and drop `unpinned-body`".to_owned(),
        ),
        (None, Some(why)) if why.trim().is_empty() || why.len() > MAX_UNPINNED_REASON => Err(format!(
            "gives an empty or over-long reason for its unpinned body; say in at most {MAX_UNPINNED_REASON} bytes what the body will hold"
        )),
        (None, Some(_)) if !carries_body => Err(
            "gives a reason for an unpinned body, but a DELETE carries none; drop `unpinned-body`".to_owned(),
        ),
        (None, None) if carries_body => Err(
            "does not pin its body; set `body` to the exact JSON the write sends, or, if the apply only learns it then, say why in `unpinned-body` (the human reads it)".to_owned(),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn effect(method: HttpMethod, path: &str, body: Option<Value>) -> PlannedEffect {
        PlannedEffect::new("infomaniak-api", method, path, body)
    }

    fn refused(tool: Effect, e: PlannedEffect) -> String {
        check_plan_effects(tool, &[e]).unwrap_err()
    }

    #[test]
    fn a_read_is_declared_only_when_the_host_says_it_writes() {
        let reset = effect(HttpMethod::Get, "/1/x/reset", None);
        assert!(refused(Effect::Destructive, reset.clone()).contains("is a read"));
        fn resets(e: &PlannedEffect) -> bool {
            e.path_pattern.ends_with("/reset")
        }
        assert_eq!(
            check_plan_effects_with(Effect::Destructive, &[reset], resets),
            Ok(())
        );
        let other = effect(HttpMethod::Get, "/1/x", None);
        assert!(check_plan_effects_with(Effect::Destructive, &[other], resets).is_err());
    }

    #[test]
    fn the_finding_1_hidden_delete_is_refused() {
        // "Add a TXT record ... nothing else changes", with a hidden delete of any record
        // of any zone.
        let effects = [
            effect(
                HttpMethod::Post,
                "/2/zones/example.com/records",
                Some(json!({"type": "TXT", "source": "@", "target": "hello"})),
            ),
            effect(HttpMethod::Delete, "/2/zones/*/records/*", None),
        ];
        let err = check_plan_effects(Effect::Write, &effects).unwrap_err();
        assert!(
            err.starts_with("effect 2 (DELETE /2/zones/*/records/*)"),
            "{err}"
        );
        assert!(err.contains("declare the tool `destructive`"), "{err}");
        // Even from a destructive tool, two wildcards are refused.
        let err = check_plan_effects(Effect::Destructive, &effects).unwrap_err();
        assert!(err.contains("more than one '*'"), "{err}");
    }

    #[test]
    fn wildcards_only_for_one_late_id_segment() {
        let ok = effect(HttpMethod::Delete, "/2/zones/example.com/records/*", None);
        assert_eq!(check_plan_effects(Effect::Destructive, &[ok]), Ok(()));
        for (path, why) in [
            ("/*/*/*", "more than one"),
            ("/*/zones/a.ch", "first two segments"),
            ("/2/*/a.ch", "first two segments"),
            ("/2/zones/*/records/*", "more than one"),
            ("/2/zones/a*", "inside a segment"),
            ("/2/zones/a.ch/records/../x", "'..'"),
            ("2/zones", "start with '/'"),
            ("/2/zones?x=1", "'?'"),
        ] {
            let err = refused(Effect::Destructive, effect(HttpMethod::Delete, path, None));
            assert!(err.contains(why), "{path}: {err}");
        }
    }

    #[test]
    fn bodies_are_pinned_or_explained() {
        let err = refused(
            Effect::Write,
            effect(HttpMethod::Post, "/2/zones/a.ch/records", None),
        );
        assert!(err.contains("does not pin its body"), "{err}");
        let mut unpinned = effect(HttpMethod::Put, "/2/zones/a.ch/records/*", None);
        unpinned.unpinned_body = Some("holds the id of the record created first".into());
        assert_eq!(
            check_plan_effects(Effect::Write, &[unpinned.clone()]),
            Ok(())
        );
        let mut both = unpinned.clone();
        both.body = Some(json!({}));
        assert!(refused(Effect::Write, both).contains("drop `unpinned-body`"));
        let mut empty = unpinned.clone();
        empty.unpinned_body = Some("  ".into());
        assert!(refused(Effect::Write, empty).contains("empty or over-long"));
        let mut long = unpinned;
        long.unpinned_body = Some("x".repeat(MAX_UNPINNED_REASON + 1));
        assert!(refused(Effect::Write, long).contains("empty or over-long"));
        let mut delete = effect(HttpMethod::Delete, "/2/zones/a.ch/records/1", None);
        delete.unpinned_body = Some("why".into());
        assert!(refused(Effect::Destructive, delete).contains("a DELETE carries none"));
    }

    #[test]
    fn reads_overrides_and_bad_base_params_are_refused() {
        let err = refused(
            Effect::Write,
            effect(HttpMethod::Get, "/2/zones/a.ch", None),
        );
        assert!(err.contains("is a read"), "{err}");
        let mut e = effect(HttpMethod::Delete, "/2/zones/a.ch/records/1", None);
        e.query = vec![("_METHOD".into(), "PUT".into())];
        assert!(refused(Effect::Destructive, e).contains("override"));
        for value in ["a.b", "../x", "x@y", "a/b", "", "-a"] {
            let mut e = effect(HttpMethod::Delete, "/2/zones/a.ch/records/1", None);
            e.base_params = vec![("team".into(), value.into())];
            assert!(
                refused(Effect::Destructive, e).contains("DNS label"),
                "{value:?}"
            );
        }
        let mut e = effect(HttpMethod::Delete, "/2/zones/a.ch/records/1", None);
        e.base_params = vec![("team".into(), "acme-1".into())];
        e.query = vec![("force".into(), "1".into())];
        assert_eq!(check_plan_effects(Effect::Destructive, &[e]), Ok(()));
    }

    #[test]
    fn lock_keys_are_short_plain_words() {
        let delete = || effect(HttpMethod::Delete, "/1/web_hostings/42/sites/7", None);
        for good in ["hosting:42", "a", "site.7_x-y", &"k".repeat(MAX_LOCK_KEY)] {
            assert_eq!(
                check_plan_effects(Effect::Destructive, &[delete().locked(good)]),
                Ok(()),
                "{good}"
            );
        }
        for bad in [
            "",
            "Hosting:42",
            "hosting 42",
            "a\nb",
            "h/42",
            "\u{202e}x",
            &"k".repeat(MAX_LOCK_KEY + 1),
        ] {
            let err = refused(Effect::Destructive, delete().locked(bad));
            assert!(err.contains("lock key"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn the_enforced_view_says_everything_and_flags_wildcards() {
        let mut e = effect(
            HttpMethod::Post,
            "/2/zones/a.ch/records/*",
            Some(json!({"target": "x"})),
        );
        e.query = vec![("force".into(), "1".into())];
        e.base_params = vec![("team".into(), "acme".into())];
        let v = e.enforced();
        assert_eq!(v.wildcards, vec![5], "the fifth segment");
        assert_eq!(v.body, BodyRule::Pinned(&json!({"target": "x"})));
        assert_eq!(
            v.to_string(),
            r#"POST /2/zones/a.ch/records/{any id}?force=1 on infomaniak-api (team=acme) with body {"target":"x"}"#
        );
        let mut u = effect(HttpMethod::Put, "/2/a/b", None);
        u.unpinned_body = Some("id\n[host] approved".into());
        assert_eq!(
            u.enforced().to_string(),
            "PUT /2/a/b on infomaniak-api with a body not known in advance: id\\n[host] approved"
        );
        let d = effect(HttpMethod::Delete, "/2/a/1", None);
        assert_eq!(d.enforced().body, BodyRule::Empty);
        assert!(d.enforced().to_string().ends_with("without a body"));
    }
}
