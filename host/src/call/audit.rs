//! The audit lines of a call's phases: who, what and how long, plus the summary, error,
//! upstream requests and fingerprint each phase adds.

use std::path::Path;
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::outcome::CallOutcome;
use crate::audit::{AuditEvent, AuditLog, AuditPhase, AuditWriter};
use crate::contract::{ErrorKind, ToolError};
use crate::registry::RegisteredTool;
use crate::upstream::{RecordLog, RequestOutcome, RequestRecord};

/// The audit log as a call writes to it.
pub struct CallAudit {
    log: AuditWriter,
}

impl CallAudit {
    /// Writes to `log`.
    pub fn new(log: AuditLog) -> Self {
        CallAudit {
            log: AuditWriter::new(log),
        }
    }

    /// Where the log is (the audit built-ins read it).
    pub fn path(&self) -> &Path {
        self.log.path()
    }

    /// Records `event`; a failure is logged (stderr), the call goes on. Read and plan
    /// lines are appended by the writer's thread, in order, without the call waiting for
    /// them; every other phase (what a write did, failures, denials) before this returns.
    pub fn write(&self, event: AuditEvent) {
        if !event.phase.is_durable() {
            return self.log.record_later(event);
        }
        if let Err(e) = self.log.record(event) {
            tracing::error!(error = %e, "cannot write the audit log");
        }
    }

    /// Appends every line still queued (before the log is read, and at shutdown).
    pub fn flush(&self) {
        self.log.flush();
    }

    /// Records `event` on disk, or says why nothing may be written upstream: the line
    /// that must exist before any write (`apply_attempt`).
    pub fn write_before_writing(&self, event: AuditEvent) -> Result<(), ToolError> {
        let tool = event.tool.clone();
        self.log.record(event).map(drop).map_err(|e| {
            tracing::error!(error = %e, tool = %tool, "cannot write apply_attempt; refusing to apply");
            ToolError::new(
                ErrorKind::Internal,
                "audit_unavailable",
                format!("the audit log could not be written ({e}); nothing was changed"),
            )
            .with_hint(
                "fix the audit log location or permissions (see `ikmcp audit verify`) and confirm again after re-planning",
            )
        })
    }

    /// Audits a failed phase with the upstream requests it made, and returns the failure.
    /// When a request was refused for the role's credential (missing, or no longer
    /// accepted), the failure is the host's advice to the operator, not the plugin's
    /// account of it: the host knows the cause, the plugin only saw a denial.
    pub fn failed(
        &self,
        base: AuditEvent,
        upstream: Vec<RequestRecord>,
        fingerprint: Option<String>,
        error: ToolError,
    ) -> CallOutcome {
        let error = credential_error(&base.tool, &upstream).unwrap_or(error);
        self.write(AuditEvent {
            error: Some(error_json(&error)),
            upstream,
            fingerprint,
            ..base
        });
        CallOutcome::failure(error)
    }

    /// A request the guard refused gets its own `denied` line, whatever the call's result.
    pub fn denials(
        &self,
        tool: &RegisteredTool,
        args: &Value,
        records: &[RequestRecord],
        started: Instant,
    ) {
        let denied: Vec<RequestRecord> = records
            .iter()
            .filter(|r| {
                matches!(
                    r.outcome,
                    RequestOutcome::Denied(_) | RequestOutcome::Unauthenticated(_)
                )
            })
            .cloned()
            .collect();
        if !denied.is_empty() {
            let error = json!({"kind": "denied", "message": "the host refused upstream requests of this call"});
            self.write(AuditEvent {
                error: Some(error),
                upstream: denied,
                ..line(tool, AuditPhase::Denied, args, started)
            });
        }
    }
}

/// The audit line of a call phase, with nothing but who, what and how long; callers add
/// the summary, error, upstream requests and fingerprint that apply.
pub fn line(
    tool: &RegisteredTool,
    phase: AuditPhase,
    args: &Value,
    started: Instant,
) -> AuditEvent {
    AuditEvent {
        phase,
        tool: tool.descriptor.name.clone(),
        plugin: tool.plugin_id.clone(),
        risk: tool.descriptor.effect.as_str().to_string(),
        args: args.clone(),
        result_summary: None,
        error: None,
        duration_ms: Some(started.elapsed().as_millis() as u64),
        upstream: vec![],
        fingerprint: None,
        secrets: tool.secret_args(args),
    }
}

/// The error of a call one of whose requests was refused for its role's credential.
fn credential_error(tool: &str, records: &[RequestRecord]) -> Option<ToolError> {
    records.iter().find_map(|r| match &r.outcome {
        RequestOutcome::Unauthenticated(advice) => Some(
            ToolError::new(
                ErrorKind::Denied,
                if r.status.is_none() {
                    "credential_missing"
                } else {
                    "credential_expired"
                },
                advice.clone(),
            )
            .with_hint(format!(
                "only the operator can fix this, as the message says; the refused request \
                 changed nothing. Then call {tool} again"
            )),
        ),
        _ => None,
    })
}

/// The requests a finished session made.
pub fn take(records: &RecordLog) -> Vec<RequestRecord> {
    std::mem::take(&mut *records.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A tool error as the audit line keeps it.
pub fn error_json(error: &ToolError) -> Value {
    serde_json::to_value(error).unwrap_or(Value::Null)
}

/// A bounded summary of a result for the audit log: counts for lists, keys for objects.
pub fn summarize(value: &Value) -> Value {
    const MAX: usize = 2048;
    if json_len_within(value, MAX).is_some() {
        return value.clone();
    }
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let s = match v {
                    Value::Array(items) => json!({"items": items.len()}),
                    Value::Object(o) => json!({"keys": o.len()}),
                    other if json_len_within(other, 256).is_some() => other.clone(),
                    _ => json!("…"),
                };
                out.insert(k.clone(), s);
            }
            Value::Object(out)
        }
        Value::Array(items) => json!({"items": items.len()}),
        _ => json!({"bytes": json_len_within(value, usize::MAX).unwrap_or(usize::MAX)}),
    }
}

/// The length of `value`'s JSON text if it is at most `max` bytes: counted while
/// serializing, without building the text, and given up as soon as it passes `max`.
fn json_len_within(value: &Value, max: usize) -> Option<usize> {
    struct Counter {
        len: usize,
        max: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.len += bytes.len();
            if self.len > self.max {
                return Err(std::io::Error::other("longer than the bound"));
            }
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter { len: 0, max };
    serde_json::to_writer(&mut counter, value).ok()?;
    Some(counter.len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_results_are_kept_whole_and_large_ones_counted() {
        let small = json!({"a": [1, 2]});
        assert_eq!(summarize(&small), small);
        let big =
            json!({"records": vec![json!({"x": "y".repeat(40)}); 100], "zone": "example.com"});
        assert_eq!(
            summarize(&big),
            json!({"records": {"items": 100}, "zone": "example.com"})
        );
        assert_eq!(summarize(&json!("z".repeat(5000))), json!({"bytes": 5002}));
        let edge = json!("y".repeat(2046));
        assert_eq!(edge.to_string().len(), 2048);
        assert_eq!(summarize(&edge), edge, "exactly the bound is kept whole");
        assert_eq!(
            summarize(&json!("y".repeat(2047))),
            json!({"bytes": 2049}),
            "one byte over is counted"
        );
        let long_field = json!({"note": "n".repeat(300), "big": "b".repeat(3000)});
        assert_eq!(summarize(&long_field), json!({"note": "…", "big": "…"}));
    }
}
