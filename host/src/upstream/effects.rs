//! Matching writes against a confirmed plan's effects: the guard's enforcement point in
//! the apply phase.
//!
//! A write passes only if an effect not used yet has the same role and method, a path
//! pattern matching the request path segment by segment (`*` matches exactly one
//! non-empty segment, anything else must be equal), and, when the effect fixes a body,
//! the same JSON body (compared canonically, so key order and spacing do not matter),
//! and the same base params (the values of the role's base URL placeholders, compared as
//! a set: a write approved for team `x` cannot go to team `y`). Trailing slashes are significant: `/a/b/` has an empty last segment, so it matches
//! the pattern `/a/b/` only, never `/a/b` or `/a/*`.

use serde_json::Value;

use crate::canonical::canonical_json;
use crate::contract::{HttpMethod, PlannedEffect};

/// Whether `path` (already through the hygiene check) matches an effect's `pattern`.
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    pattern.len() == path.len()
        && pattern.iter().zip(&path).all(|(want, got)| {
            if *want == "*" {
                !got.is_empty()
            } else {
                want == got
            }
        })
}

/// The effects of a confirmed plan and which of them were used.
#[derive(Debug)]
pub(crate) struct EffectLedger {
    effects: Vec<PlannedEffect>,
    used: Vec<bool>,
}

impl EffectLedger {
    /// A ledger with every effect unused.
    pub(crate) fn new(effects: Vec<PlannedEffect>) -> Self {
        let used = vec![false; effects.len()];
        EffectLedger { effects, used }
    }

    /// Admits one write if an unused effect allows it, and marks that effect used; the
    /// error names what was asked and what the plan still allows.
    pub(crate) fn admit(
        &mut self,
        role: &str,
        method: HttpMethod,
        path: &str,
        base_params: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<(), String> {
        let params = sorted(base_params);
        let shape = |e: &PlannedEffect| {
            e.role == role
                && e.method == method
                && path_matches(&e.path_pattern, path)
                && sorted(&e.base_params) == params
        };
        let body_ok = |e: &PlannedEffect| match (&e.body, body) {
            (None, _) => true,
            (Some(want), Some(got)) => canonical_json(want) == canonical_json(got),
            (Some(_), None) => false,
        };
        let unused = |i: &usize| !self.used[*i];
        let indices = 0..self.effects.len();
        if let Some(i) = indices
            .clone()
            .filter(unused)
            .find(|&i| shape(&self.effects[i]) && body_ok(&self.effects[i]))
        {
            self.used[i] = true;
            return Ok(());
        }
        let asked = format!(
            "{} {path} on role {role}{}",
            method.as_str(),
            params_shown(base_params)
        );
        if let Some(i) = indices
            .clone()
            .filter(unused)
            .find(|&i| shape(&self.effects[i]))
        {
            return Err(format!(
                "{asked} does not carry the body the confirmed plan declared for the effect {}; \
                 plan again with the body you mean to send",
                describe(&self.effects[i])
            ));
        }
        if let Some(i) = indices
            .clone()
            .find(|&i| self.used[i] && shape(&self.effects[i]) && body_ok(&self.effects[i]))
        {
            return Err(format!(
                "{asked} was already sent under the effect {}; each planned effect allows \
                 exactly one request",
                describe(&self.effects[i])
            ));
        }
        let left: Vec<String> = indices
            .filter(unused)
            .map(|i| describe(&self.effects[i]))
            .collect();
        let allowed = if left.is_empty() {
            "no unused effects".to_owned()
        } else {
            left.join("; ")
        };
        Err(format!(
            "{asked} is not among the confirmed plan's effects (it allows {allowed}); a write \
             must be declared in the plan"
        ))
    }

    /// The effects not used yet, in plan order.
    pub(crate) fn unused(&self) -> Vec<PlannedEffect> {
        self.effects
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|(effect, _)| effect.clone())
            .collect()
    }
}

/// Base params in a canonical order, for comparing them as a set.
fn sorted(params: &[(String, String)]) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.sort_unstable();
    pairs
}

/// ` (team=x, …)`, or nothing without base params.
fn params_shown(params: &[(String, String)]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = sorted(params)
        .iter()
        .map(|(k, v)| format!("{k}={}", v.escape_default()))
        .collect();
    format!(" ({})", pairs.join(", "))
}

/// One effect as a reader sees it (never its body, which may be long).
fn describe(effect: &PlannedEffect) -> String {
    let body = if effect.body.is_some() {
        " with a fixed body"
    } else {
        ""
    };
    format!(
        "{} {} on role {}{}{body}",
        effect.method.as_str(),
        effect.path_pattern,
        effect.role,
        params_shown(&effect.base_params)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn effect(method: HttpMethod, pattern: &str, body: Option<Value>) -> PlannedEffect {
        PlannedEffect {
            role: "api".to_owned(),
            method,
            path_pattern: pattern.to_owned(),
            query: Vec::new(),
            base_params: Vec::new(),
            body,
            unpinned_body: None,
        }
    }

    #[test]
    fn patterns_match_segment_by_segment() {
        assert!(path_matches("/2/zones/*/records", "/2/zones/a.ch/records"));
        assert!(path_matches("/a/b", "/a/b"));
        assert!(!path_matches(
            "/2/zones/*/records",
            "/2/zones/a.ch/records/1"
        ));
        assert!(!path_matches("/2/zones/*", "/2/zones/"));
        assert!(!path_matches("/a/b", "/a/b/"));
        assert!(path_matches("/a/b/", "/a/b/"));
        assert!(!path_matches("/a/*", "/a/b/"));
        assert!(!path_matches("/a/b", "/a/c"));
        assert!(!path_matches("/a/x*", "/a/xy"));
    }

    #[test]
    fn each_effect_admits_one_request() {
        let mut ledger = EffectLedger::new(vec![effect(HttpMethod::Delete, "/r/*", None)]);
        assert_eq!(
            ledger.admit("api", HttpMethod::Delete, "/r/1", &[], None),
            Ok(())
        );
        let err = ledger
            .admit("api", HttpMethod::Delete, "/r/1", &[], None)
            .unwrap_err();
        assert!(err.contains("already sent"), "{err}");
        assert!(ledger.unused().is_empty());
    }

    #[test]
    fn identical_effects_each_admit_once() {
        let e = effect(HttpMethod::Delete, "/r/*", None);
        let mut ledger = EffectLedger::new(vec![e.clone(), e]);
        assert!(
            ledger
                .admit("api", HttpMethod::Delete, "/r/1", &[], None)
                .is_ok()
        );
        assert_eq!(ledger.unused().len(), 1);
        assert!(
            ledger
                .admit("api", HttpMethod::Delete, "/r/2", &[], None)
                .is_ok()
        );
        assert!(
            ledger
                .admit("api", HttpMethod::Delete, "/r/3", &[], None)
                .is_err()
        );
    }

    #[test]
    fn bodies_compare_canonically() {
        let mut ledger = EffectLedger::new(vec![effect(
            HttpMethod::Post,
            "/r",
            Some(json!({"a": 1, "b": [1, 2]})),
        )]);
        let err = ledger
            .admit(
                "api",
                HttpMethod::Post,
                "/r",
                &[],
                Some(&json!({"a": 2, "b": [1, 2]})),
            )
            .unwrap_err();
        assert!(err.contains("body"), "{err}");
        assert!(
            ledger
                .admit("api", HttpMethod::Post, "/r", &[], None)
                .is_err()
        );
        let reordered: Value = serde_json::from_str(r#"{ "b":[1,2], "a":1 }"#).unwrap();
        assert!(
            ledger
                .admit("api", HttpMethod::Post, "/r", &[], Some(&reordered))
                .is_ok()
        );
    }

    #[test]
    fn undeclared_writes_name_what_the_plan_allows() {
        let mut ledger = EffectLedger::new(vec![effect(HttpMethod::Put, "/r/*", None)]);
        let err = ledger
            .admit("api", HttpMethod::Delete, "/r/1", &[], None)
            .unwrap_err();
        assert!(err.contains("DELETE /r/1 on role api"), "{err}");
        assert!(err.contains("PUT /r/* on role api"), "{err}");
        assert!(
            ledger
                .admit("other", HttpMethod::Put, "/r/1", &[], None)
                .is_err()
        );
        assert_eq!(ledger.unused().len(), 1);
    }

    #[test]
    fn base_params_must_match_as_a_set() {
        let params = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let mut e = effect(HttpMethod::Post, "/posts", None);
        e.base_params = params(&[("team", "x"), ("region", "eu")]);
        let mut ledger = EffectLedger::new(vec![e]);
        let err = ledger
            .admit(
                "api",
                HttpMethod::Post,
                "/posts",
                &params(&[("team", "y"), ("region", "eu")]),
                None,
            )
            .unwrap_err();
        assert!(err.contains("team=y"), "{err}");
        assert!(err.contains("team=x"), "the plan's params are named: {err}");
        assert!(
            ledger
                .admit("api", HttpMethod::Post, "/posts", &[], None)
                .is_err()
        );
        assert!(
            ledger
                .admit(
                    "api",
                    HttpMethod::Post,
                    "/posts",
                    &params(&[("region", "eu"), ("team", "x")]),
                    None
                )
                .is_ok(),
            "order does not matter"
        );
    }
}
