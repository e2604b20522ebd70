//! What an apply that failed had done: from the host's own record of the writes it sent
//! (each admitted write carries the number of the planned effect it used), never from the
//! plugin's account, which planned effects were performed, refused, left in doubt, or
//! not sent. The plugin's error (whose hint is where a plugin says how to undo what was
//! done) is kept beside it, as its words.

use serde_json::{Value, json};

use crate::contract::{Plan, ToolError};
use crate::upstream::{RequestOutcome, RequestRecord};

/// The report of a failed apply of `plan` whose requests are `records`, and the sentence
/// that sums it up.
pub fn report(plan: &Plan, records: &[RequestRecord], plugin: &ToolError) -> (String, Value) {
    let mut performed = Vec::new();
    let mut refused = Vec::new();
    let mut unknown = Vec::new();
    let mut not_sent = Vec::new();
    for (i, effect) in plan.effects.iter().enumerate() {
        let number = i + 1;
        let sent = records
            .iter()
            .find(|r| r.effect.is_some_and(|n| n as usize == number));
        let Some(r) = sent else {
            not_sent.push(json!({
                "effect": number,
                "role": effect.role,
                "method": effect.method.as_str(),
                "path": effect.path_pattern,
            }));
            continue;
        };
        let mut entry = json!({
            "effect": number,
            "role": r.role,
            "method": r.method,
            "path": r.path,
        });
        if let Some(status) = r.status {
            entry["status"] = json!(status);
        }
        match &r.outcome {
            RequestOutcome::Sent if r.status.is_some_and(|s| (200..300).contains(&s)) => {
                performed.push(entry)
            }
            RequestOutcome::Sent | RequestOutcome::Unauthenticated(_) => refused.push(entry),
            RequestOutcome::Failed(why) if why.starts_with("denied by the host") => {
                not_sent.push(entry)
            }
            RequestOutcome::Failed(why) => {
                entry["why"] = json!(why);
                unknown.push(entry)
            }
            // A refused write never uses an effect; kept for completeness.
            RequestOutcome::Denied(_) => not_sent.push(entry),
        }
    }
    let mut summary = format!(
        "the apply stopped after {} of the {} planned write(s) were performed",
        performed.len(),
        plan.effects.len()
    );
    let mut parts = Vec::new();
    if !refused.is_empty() {
        parts.push(format!("{} refused by the upstream", refused.len()));
    }
    if !unknown.is_empty() {
        parts.push(format!(
            "{} sent without a usable answer (it may have been done: check)",
            unknown.len()
        ));
    }
    if !not_sent.is_empty() {
        parts.push(format!("{} not sent", not_sent.len()));
    }
    if !parts.is_empty() {
        summary.push_str(&format!(" ({})", parts.join(", ")));
    }
    let report = json!({
        "performed": performed,
        "refused": refused,
        "unknown": unknown,
        "not_sent": not_sent,
        "plugin_error": {"message": plugin.message, "hint": plugin.hint},
    });
    (summary, report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{ErrorKind, HttpMethod, PlannedEffect};

    fn sent(effect: u32, status: Option<u16>, outcome: RequestOutcome) -> RequestRecord {
        RequestRecord {
            role: "api".into(),
            method: "POST".into(),
            path: format!("/1/x/{effect}"),
            query: String::new(),
            status,
            ms: 1,
            wait_us: 0,
            attempts: 1,
            outcome,
            effect: Some(effect),
        }
    }

    #[test]
    fn every_planned_write_is_sorted_by_what_the_host_saw() {
        let plan = Plan {
            summary: String::new(),
            changes: vec![],
            snapshot: Value::Null,
            effects: (1..=5)
                .map(|n| PlannedEffect::new("api", HttpMethod::Post, format!("/1/x/{n}"), None))
                .collect(),
        };
        let mut read = sent(0, Some(200), RequestOutcome::Sent);
        read.effect = None;
        read.method = "GET".into();
        let records = [
            read,
            sent(1, Some(201), RequestOutcome::Sent),
            sent(
                2,
                None,
                RequestOutcome::Failed("the upstream did not answer in time".into()),
            ),
            sent(3, Some(422), RequestOutcome::Sent),
            sent(
                4,
                None,
                RequestOutcome::Failed("denied by the host: the apply did not start".into()),
            ),
        ];
        let plugin = ToolError::new(ErrorKind::Upstream, "c", "m").with_hint("undo: x");
        let (summary, report) = report(&plan, &records, &plugin);
        assert_eq!(
            summary,
            "the apply stopped after 1 of the 5 planned write(s) were performed (1 refused by \
             the upstream, 1 sent without a usable answer (it may have been done: check), 2 not sent)"
        );
        let numbers = |k: &str| -> Vec<u64> {
            report[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["effect"].as_u64().unwrap())
                .collect()
        };
        assert_eq!(numbers("performed"), [1]);
        assert_eq!(numbers("unknown"), [2]);
        assert_eq!(numbers("refused"), [3]);
        assert_eq!(numbers("not_sent"), [4, 5]);
        assert_eq!(report["refused"][0]["status"], 422);
        assert_eq!(report["plugin_error"]["hint"], "undo: x");
    }
}
