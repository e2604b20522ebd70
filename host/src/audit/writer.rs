//! The audit log as tool calls use it: lines of a write are appended before
//! [`AuditWriter::record`] returns (so `apply_attempt` is durable before anything is sent),
//! while read and plan lines are handed to a background thread, so a read call does not
//! wait for redaction, hashing and two file writes before it answers.
//!
//! Lines keep the order they were handed over in, whichever way they go: a line recorded
//! at once first appends everything queued before it. [`AuditWriter::flush`] appends what
//! is queued (the audit tools call it before reading the log), and so does dropping the
//! writer (a clean shutdown). What a crash can lose is the read and plan lines still queued
//! (usually none or one; at most [`MAX_QUEUED`] lines or [`MAX_WAIT`] of them), never a line
//! of a write.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{AuditError, AuditEvent, AuditLog};
use crate::background::{Batches, Queue};

/// The backlog a call appends itself, if the writer thread has not (it runs at the lowest
/// priority: a machine kept busy by something else may not give it the CPU): this many
/// lines, or lines this old. It bounds what a crash can lose and the queue's memory.
const MAX_QUEUED: usize = 1024;
/// See [`MAX_QUEUED`].
const MAX_WAIT: Duration = Duration::from_millis(50);

/// Appends a call's lines to an [`AuditLog`], read and plan lines from a background thread.
pub struct AuditWriter {
    shared: Arc<Shared>,
    /// The background queue; `None` if its thread could not be started (then every line
    /// is appended at once).
    background: Option<Batches<AuditEvent>>,
}

struct Shared {
    log: AuditLog,
    /// Held while appending, so queued lines and lines recorded at once keep their order.
    order: Mutex<()>,
}

impl AuditWriter {
    /// A writer for `log`, with its background thread.
    pub fn new(log: AuditLog) -> Self {
        let shared = Arc::new(Shared {
            log,
            order: Mutex::new(()),
        });
        let appender = shared.clone();
        let background = Batches::spawn("ikmcp-audit-writer", move |queue| {
            let _order = lock(&appender.order);
            appender.append(queue);
        })
        .map_err(
            |e| tracing::warn!(error = %e, "no audit writer thread; appending every line at once"),
        )
        .ok();
        AuditWriter { shared, background }
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        self.shared.log.path()
    }

    /// Appends `event` now, after every line queued before it; its hash.
    pub fn record(&self, event: AuditEvent) -> Result<String, AuditError> {
        let _order = lock(&self.shared.order);
        self.append_queued();
        self.shared.log.record(event)
    }

    /// Queues `event` for the background thread (appends it now if there is none).
    /// Failures go to the host log, as nobody waits for them.
    pub fn record_later(&self, event: AuditEvent) {
        match &self.background {
            Some(background) => {
                let backlog = background.push(event);
                if backlog.items >= MAX_QUEUED || backlog.waited >= MAX_WAIT {
                    self.flush();
                }
            }
            None => {
                if let Err(e) = self.record(event) {
                    tracing::error!(error = %e, "cannot write the audit log");
                }
            }
        }
    }

    /// Appends every queued line before returning.
    pub fn flush(&self) {
        let _order = lock(&self.shared.order);
        self.append_queued();
    }

    /// Appends the queued lines (the caller holds `order`).
    fn append_queued(&self) {
        if let Some(background) = &self.background {
            self.shared.append(background.queue());
        }
    }
}

impl Drop for AuditWriter {
    /// Appends what is still queued and stops the thread.
    fn drop(&mut self) {
        drop(self.background.take());
    }
}

impl Shared {
    /// Appends the queued lines in order (the caller holds `order`).
    fn append(&self, queue: &Queue<AuditEvent>) {
        let events = queue.take();
        let lines = events.len();
        if let Err(e) = self.log.record_all(events) {
            tracing::error!(error = %e, lines, "cannot write the audit log");
        }
    }
}

/// The order lock stays usable after a panic elsewhere: a poisoned lock holds nothing
/// half-done (events are taken out whole).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::audit::AuditPhase;

    fn event(phase: AuditPhase, tool: &str) -> AuditEvent {
        AuditEvent {
            phase,
            tool: tool.to_string(),
            plugin: "p".into(),
            risk: "read".into(),
            args: json!({}),
            result_summary: None,
            error: None,
            duration_ms: None,
            upstream: vec![],
            fingerprint: None,
            secrets: Default::default(),
        }
    }

    fn tools(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v["tool"].as_str().unwrap().to_string()
            })
            .collect()
    }

    #[test]
    fn queued_lines_keep_their_order_before_a_line_recorded_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let writer = AuditWriter::new(AuditLog::open(&path, vec![]).unwrap());
        for i in 0..50 {
            writer.record_later(event(AuditPhase::Read, &format!("read{i}")));
        }
        writer
            .record(event(AuditPhase::ApplyAttempt, "apply"))
            .unwrap();
        let written = tools(&path);
        assert_eq!(
            written.len(),
            51,
            "the apply line waits for every queued line"
        );
        assert_eq!(written[50], "apply");
        assert!(
            (0..50).all(|i| written[i] == format!("read{i}")),
            "{written:?}"
        );
        assert!(crate::audit::verify(&path).is_ok());
    }

    #[test]
    fn flush_and_drop_append_everything_queued() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let writer = AuditWriter::new(AuditLog::open(&path, vec![]).unwrap());
        writer.record_later(event(AuditPhase::Read, "one"));
        writer.flush();
        assert_eq!(tools(&path), ["one"]);
        for i in 0..20 {
            writer.record_later(event(AuditPhase::Plan, &format!("plan{i}")));
        }
        drop(writer);
        assert_eq!(tools(&path).len(), 21, "a clean shutdown loses nothing");
        let reopened = AuditWriter::new(AuditLog::open(&path, vec![]).unwrap());
        reopened.record(event(AuditPhase::Failed, "after")).unwrap();
        assert_eq!(tools(&path).len(), 22, "the chain goes on after a restart");
    }
}
