//! Building plans for write tools: a summary a human can approve, the before/after of each
//! change, the snapshot of the state it depends on, and the exact upstream writes.

use serde::Serialize;
use serde_json::Value;

use crate::{Change, HttpMethod, Plan, PlannedEffect, ToolError};

/// What a write tool's `plan` handler returns: a plan to confirm, or the typed result when
/// the world is already as asked (or the call was a pure check).
#[derive(Debug, Clone, PartialEq)]
pub enum Planned<O> {
    /// A change that needs confirmation.
    Confirm(Plan),
    /// Nothing to do; this is the tool's result.
    NoChange(O),
}

/// Builds a [`Plan`]. Every effect carries its exact JSON body when one is sent, so the host
/// lets only that body through; a POST/PUT/PATCH whose body cannot be known at plan time is
/// declared with [`PlanBuilder::unpinned_effect`] and the reason the human will read.
pub struct PlanBuilder {
    role: String,
    summary: String,
    changes: Vec<Change>,
    snapshot: Value,
    effects: Vec<PlannedEffect>,
}

fn json_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("\"<unserializable: {e}>\""))
}

impl PlanBuilder {
    /// A plan whose effects go to upstream `role`, with a one- or two-sentence summary.
    pub fn new(role: &str, summary: impl Into<String>) -> Self {
        PlanBuilder {
            role: role.to_string(),
            summary: summary.into(),
            changes: Vec::new(),
            snapshot: Value::Null,
            effects: Vec::new(),
        }
    }

    /// Adds a change: `target` (what), `action` (create/update/delete/enable…), and the
    /// state before (absent for a creation) and after (absent for a deletion).
    pub fn change<B: Serialize, A: Serialize>(
        mut self,
        target: impl Into<String>,
        action: &str,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Self {
        self.changes.push(Change {
            target: target.into(),
            action: action.to_string(),
            before: before.map(json_text),
            after: after.map(json_text),
        });
        self
    }

    /// The upstream state the plan depends on (read with GETs during `plan`). The host
    /// refuses the confirmation as stale if it differs at confirmation time.
    pub fn snapshot<S: Serialize>(mut self, state: &S) -> Self {
        self.snapshot = serde_json::to_value(state).unwrap_or(Value::Null);
        self
    }

    /// Declares a write `apply` will perform, with its exact JSON body when it has one
    /// (and no query).
    pub fn effect(self, method: HttpMethod, path: impl Into<String>, body: Option<&Value>) -> Self {
        self.effect_with_query(method, path, &[], body)
    }

    /// Declares a write that carries `query`, exactly and in this order: the host refuses
    /// the write if its query differs in any way.
    pub fn effect_with_query(
        mut self,
        method: HttpMethod,
        path: impl Into<String>,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Self {
        self.effects.push(PlannedEffect {
            role: self.role.clone(),
            method,
            path_pattern: path.into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            base_params: Vec::new(),
            body: body.map(Value::to_string),
            unpinned_body: None,
            lock: None,
        });
        self
    }

    /// Declares a POST/PUT/PATCH whose body `apply` only learns then (e.g. it carries the
    /// id of a record an earlier effect creates); `why` is shown to the human in the
    /// approval, so say what the body will hold. Prefer [`PlanBuilder::effect`] with the
    /// body whenever it is known: a pinned body is what the human really approves.
    pub fn unpinned_effect(
        mut self,
        method: HttpMethod,
        path: impl Into<String>,
        why: impl Into<String>,
    ) -> Self {
        self.effects.push(PlannedEffect {
            role: self.role.clone(),
            method,
            path_pattern: path.into(),
            query: Vec::new(),
            base_params: Vec::new(),
            body: None,
            unpinned_body: Some(why.into()),
            lock: None,
        });
        self
    }

    /// Makes the effect declared last hold the lock `key` (e.g. `hosting:42`): the host
    /// runs confirmed applies holding one key on one role one after the other, and shows
    /// the lock in the approval. Declare it on every write to an object whose API refuses
    /// overlapping operations (Infomaniak web hostings answer `operation_in_progress`).
    /// A key is 1 to 128 characters among lower-case letters, digits and `:._-`.
    ///
    /// ```ignore
    /// PlanBuilder::new(INFOMANIAK_API, "Delete site 7")
    ///     .effect(HttpMethod::Delete, "/1/web_hostings/42/sites/7", None)
    ///     .lock("hosting:42")
    /// ```
    ///
    /// # Panics
    /// When no effect was declared before it (a bug the plugin's unit tests show).
    pub fn lock(mut self, key: impl Into<String>) -> Self {
        let last = self
            .effects
            .last_mut()
            .expect("PlanBuilder::lock applies to the effect declared just before it");
        last.lock = Some(key.into());
        self
    }

    /// The finished plan.
    pub fn build(self) -> Plan {
        Plan {
            summary: self.summary,
            changes: self.changes,
            snapshot: self.snapshot.to_string(),
            effects: self.effects,
        }
    }

    /// The finished plan, as a `plan` handler result.
    pub fn confirm<O>(self) -> Result<Planned<O>, ToolError> {
        Ok(Planned::Confirm(self.build()))
    }
}

/// Reads the `before` JSON of the confirmed plan's change number `index` (e.g. the record a
/// delete removed), so `apply` can report it without another read.
pub fn change_before(plan: &Plan, index: usize) -> Option<Value> {
    plan.changes
        .get(index)
        .and_then(|c| c.before.as_deref())
        .and_then(|t| serde_json::from_str(t).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_lock_goes_on_the_effect_declared_just_before() {
        let plan = PlanBuilder::new("infomaniak-manager", "Create a site and its database")
            .effect(
                HttpMethod::Post,
                "/proxy/1/web_hostings/42/sites",
                Some(&json!({})),
            )
            .lock("hosting:42")
            .effect(HttpMethod::Post, "/2/zones/a.ch/records", Some(&json!({})))
            .unpinned_effect(
                HttpMethod::Post,
                "/proxy/1/web_hostings/42/databases",
                "why",
            )
            .lock("hosting:42")
            .build();
        let locks: Vec<Option<&str>> = plan.effects.iter().map(|e| e.lock.as_deref()).collect();
        assert_eq!(locks, [Some("hosting:42"), None, Some("hosting:42")]);
    }

    #[test]
    #[should_panic(expected = "declared just before")]
    fn a_lock_without_an_effect_is_a_bug() {
        let _ = PlanBuilder::new("r", "s").lock("hosting:1");
    }

    #[test]
    fn builds_changes_snapshot_and_effects() {
        let body = json!({"type": "A", "target": "192.0.2.1", "ttl": 3600});
        let plan = PlanBuilder::new("infomaniak-api", "Create A www")
            .change("a.ch: www A", "create", None::<&Value>, Some(&body))
            .snapshot(&json!({"records": []}))
            .effect(HttpMethod::Post, "/2/zones/a.ch/records", Some(&body))
            .build();
        assert_eq!(plan.summary, "Create A www");
        assert_eq!(plan.changes.len(), 1);
        assert_eq!(plan.changes[0].before, None);
        assert_eq!(
            serde_json::from_str::<Value>(plan.changes[0].after.as_deref().unwrap()).unwrap(),
            body
        );
        assert_eq!(plan.snapshot, r#"{"records":[]}"#);
        assert_eq!(plan.effects[0].role, "infomaniak-api");
        assert_eq!(plan.effects[0].method, HttpMethod::Post);
        assert_eq!(
            serde_json::from_str::<Value>(plan.effects[0].body.as_deref().unwrap()).unwrap(),
            body
        );
        assert!(plan.effects[0].query.is_empty() && plan.effects[0].base_params.is_empty());
        assert_eq!(plan.effects[0].unpinned_body, None);
    }

    #[test]
    fn queries_and_unpinned_bodies_are_declared() {
        let plan = PlanBuilder::new("r", "s")
            .effect_with_query(
                HttpMethod::Delete,
                "/a/1",
                &[("force", "1"), ("a", "b")],
                None,
            )
            .unpinned_effect(HttpMethod::Put, "/a/*", "carries the id created above")
            .build();
        assert_eq!(
            plan.effects[0].query,
            vec![("force".into(), "1".into()), ("a".into(), "b".into())]
        );
        assert_eq!(plan.effects[1].body, None);
        assert_eq!(
            plan.effects[1].unpinned_body.as_deref(),
            Some("carries the id created above")
        );
    }

    #[test]
    fn change_before_reads_back_the_before_state() {
        let rec = json!({"id": 4});
        let plan = PlanBuilder::new("r", "s")
            .change("t", "delete", Some(&rec), None::<&Value>)
            .build();
        assert_eq!(change_before(&plan, 0), Some(rec));
        assert_eq!(change_before(&plan, 1), None);
    }
}
