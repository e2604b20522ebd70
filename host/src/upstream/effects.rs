//! Matching writes against a confirmed plan's effects: the guard's enforcement point in
//! the apply phase.
//!
//! A write passes only if an effect not used yet has the same role and method, a path
//! pattern matching the request path segment by segment (`*` matches exactly one
//! non-empty segment, anything else must be equal), exactly the same query (order
//! included; a 0.1 effect has none), the same base params (as a set), and a body the
//! effect's [`BodyRule`] allows: the pinned JSON (compared canonically, so key order and
//! spacing do not matter), anything when the plugin declared why it cannot pin it, and
//! nothing otherwise. Trailing slashes are significant: `/a/b/` has an empty last
//! segment, so it matches the pattern `/a/b/` only, never `/a/b` or `/a/*`.

use serde_json::Value;

use crate::canonical::canonical_json;
use crate::contract::effect_rules::BodyRule;
use crate::contract::{HttpMethod, PlannedEffect};

/// One write as the plugin asked for it, after the hygiene checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Write<'a> {
    /// Upstream role.
    pub(crate) role: &'a str,
    /// Method (GET/HEAD only for a side-effecting read, see `unsafe_reads`).
    pub(crate) method: HttpMethod,
    /// Checked path.
    pub(crate) path: &'a str,
    /// Query, in order.
    pub(crate) query: &'a [(String, String)],
    /// Base URL placeholder values.
    pub(crate) base_params: &'a [(String, String)],
    /// Parsed body.
    pub(crate) body: Option<&'a Value>,
}

/// Whether two lists of pairs hold the same pairs, whatever their order.
fn same_set(a: &[(String, String)], b: &[(String, String)]) -> bool {
    let sorted = |l: &[(String, String)]| {
        let mut l = l.to_vec();
        l.sort();
        l
    };
    sorted(a) == sorted(b)
}

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

    /// Admits one write if an unused effect allows it, marks that effect used and returns
    /// its index in the plan; the error names what was asked and what the plan still
    /// allows.
    pub(crate) fn admit(&mut self, w: Write<'_>) -> Result<usize, String> {
        let shape = |e: &PlannedEffect| {
            e.role == w.role
                && e.method == w.method
                && path_matches(&e.path_pattern, w.path)
                && e.query == w.query
                && same_set(&e.base_params, w.base_params)
        };
        let body_ok = |e: &PlannedEffect| match (e.enforced().body, w.body) {
            (BodyRule::Pinned(want), Some(got)) => canonical_json(want) == canonical_json(got),
            (BodyRule::Pinned(_), None) => false,
            (BodyRule::Unpinned(_), _) => true,
            (BodyRule::Empty, got) => got.is_none(),
        };
        let unused = |i: &usize| !self.used[*i];
        let indices = 0..self.effects.len();
        let (role, method, path) = (w.role, w.method, w.path);
        if let Some(i) = indices
            .clone()
            .filter(unused)
            .find(|&i| shape(&self.effects[i]) && body_ok(&self.effects[i]))
        {
            self.used[i] = true;
            return Ok(i);
        }
        let asked = format!(
            "{} {path}{} on role {role}",
            method.as_str(),
            query_text(w.query)
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

/// `?k=v&...` (escaped), or nothing.
fn query_text(query: &[(String, String)]) -> String {
    use crate::contract::request_rules::shown;
    if query.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", shown(k), shown(v)))
        .collect();
    format!("?{}", pairs.join("&"))
}

/// One effect as a reader sees it (never its body, which may be long).
fn describe(effect: &PlannedEffect) -> String {
    let body = match effect.enforced().body {
        BodyRule::Pinned(_) => " with a fixed body",
        BodyRule::Unpinned(_) => " with an unpinned body",
        BodyRule::Empty => " without a body",
    };
    format!(
        "{} {}{} on role {}{body}",
        effect.method.as_str(),
        effect.path_pattern,
        query_text(&effect.query),
        effect.role
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    impl EffectLedger {
        /// A write without query or base params.
        fn admit_plain(
            &mut self,
            role: &str,
            method: HttpMethod,
            path: &str,
            body: Option<&Value>,
        ) -> Result<usize, String> {
            self.admit(Write {
                role,
                method,
                path,
                query: &[],
                base_params: &[],
                body,
            })
        }
    }

    fn effect(method: HttpMethod, pattern: &str, body: Option<Value>) -> PlannedEffect {
        PlannedEffect::new("api", method, pattern, body)
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
            ledger.admit_plain("api", HttpMethod::Delete, "/r/1", None),
            Ok(0)
        );
        let err = ledger
            .admit_plain("api", HttpMethod::Delete, "/r/1", None)
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
                .admit_plain("api", HttpMethod::Delete, "/r/1", None)
                .is_ok()
        );
        assert_eq!(ledger.unused().len(), 1);
        assert!(
            ledger
                .admit_plain("api", HttpMethod::Delete, "/r/2", None)
                .is_ok()
        );
        assert!(
            ledger
                .admit_plain("api", HttpMethod::Delete, "/r/3", None)
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
            .admit_plain(
                "api",
                HttpMethod::Post,
                "/r",
                Some(&json!({"a": 2, "b": [1, 2]})),
            )
            .unwrap_err();
        assert!(err.contains("body"), "{err}");
        assert!(
            ledger
                .admit_plain("api", HttpMethod::Post, "/r", None)
                .is_err()
        );
        let reordered: Value = serde_json::from_str(r#"{ "b":[1,2], "a":1 }"#).unwrap();
        assert!(
            ledger
                .admit_plain("api", HttpMethod::Post, "/r", Some(&reordered))
                .is_ok()
        );
    }

    #[test]
    fn undeclared_writes_name_what_the_plan_allows() {
        let mut ledger = EffectLedger::new(vec![effect(HttpMethod::Put, "/r/*", None)]);
        let err = ledger
            .admit_plain("api", HttpMethod::Delete, "/r/1", None)
            .unwrap_err();
        assert!(err.contains("DELETE /r/1 on role api"), "{err}");
        assert!(err.contains("PUT /r/* on role api"), "{err}");
        assert!(
            ledger
                .admit_plain("other", HttpMethod::Put, "/r/1", None)
                .is_err()
        );
        assert_eq!(ledger.unused().len(), 1);
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_query_must_be_exactly_the_planned_one() {
        let mut e = effect(HttpMethod::Delete, "/r/1", None);
        e.query = pairs(&[("force", "1"), ("a", "b")]);
        let mut ledger = EffectLedger::new(vec![e, effect(HttpMethod::Delete, "/r/2", None)]);
        fn write<'a>(path: &'a str, query: &'a [(String, String)]) -> Write<'a> {
            Write {
                role: "api",
                method: HttpMethod::Delete,
                path,
                query,
                base_params: &[],
                body: None,
            }
        }
        for query in [
            pairs(&[]),
            pairs(&[("a", "b"), ("force", "1")]),
            pairs(&[("force", "1")]),
            pairs(&[("force", "1"), ("a", "b"), ("_method", "PUT")]),
        ] {
            let err = ledger.admit(write("/r/1", &query)).unwrap_err();
            assert!(err.contains("not among"), "{query:?}: {err}");
        }
        let err = ledger
            .admit(write("/r/2", &pairs(&[(".method", "DELETE")])))
            .unwrap_err();
        assert!(err.contains("DELETE /r/2?.method=DELETE"), "{err}");
        let planned = pairs(&[("force", "1"), ("a", "b")]);
        assert_eq!(
            ledger.admit(write("/r/2", &[])),
            Ok(1),
            "the plan's second effect"
        );
        assert_eq!(ledger.admit(write("/r/1", &planned)), Ok(0));
    }

    #[test]
    fn base_params_must_match_as_a_set() {
        let mut e = effect(HttpMethod::Delete, "/r/1", None);
        e.base_params = pairs(&[("team", "acme"), ("zone", "eu")]);
        let mut ledger = EffectLedger::new(vec![e]);
        fn write(base_params: &[(String, String)]) -> Write<'_> {
            Write {
                role: "api",
                method: HttpMethod::Delete,
                path: "/r/1",
                query: &[],
                base_params,
                body: None,
            }
        }
        let evil = pairs(&[("team", "evil"), ("zone", "eu")]);
        assert!(ledger.admit(write(&evil)).is_err());
        let partial = pairs(&[("team", "acme")]);
        assert!(ledger.admit(write(&partial)).is_err());
        assert!(ledger.admit(write(&[])).is_err());
        let reordered = pairs(&[("zone", "eu"), ("team", "acme")]);
        assert_eq!(ledger.admit(write(&reordered)), Ok(0));
    }

    #[test]
    fn an_effect_without_a_body_allows_none_unless_unpinned() {
        let mut ledger = EffectLedger::new(vec![effect(HttpMethod::Delete, "/r/1", None)]);
        let err = ledger
            .admit_plain(
                "api",
                HttpMethod::Delete,
                "/r/1",
                Some(&json!({"purge": true})),
            )
            .unwrap_err();
        assert!(err.contains("body"), "{err}");
        assert_eq!(
            ledger.admit_plain("api", HttpMethod::Delete, "/r/1", None),
            Ok(0)
        );

        let mut unpinned = effect(HttpMethod::Put, "/r/*", None);
        unpinned.unpinned_body = Some("holds the id created first".into());
        let mut ledger = EffectLedger::new(vec![unpinned]);
        assert_eq!(
            ledger.admit_plain("api", HttpMethod::Put, "/r/9", Some(&json!({"id": 9}))),
            Ok(0)
        );
    }
}
