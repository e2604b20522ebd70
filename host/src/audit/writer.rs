//! The audit log as tool calls use it: lines of a write are appended before
//! [`AuditWriter::record`] returns (so `apply_attempt` is durable before anything is sent),
//! while read and plan lines are handed to a background thread, so a read call does not
//! wait for redaction, hashing and two file writes before it answers.
//!
//! Lines keep the order they were handed over in, whichever way they go: a line recorded
//! at once first appends everything queued before it. [`AuditWriter::flush`] appends what
//! is queued (the audit tools call it before reading the log), and so does dropping the
//! writer (a clean shutdown). What a crash can lose is the few read lines still queued,
//! never a line of a write.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use super::{AuditError, AuditEvent, AuditLog};

/// Appends a call's lines to an [`AuditLog`], read and plan lines from a background thread.
pub struct AuditWriter {
    shared: Arc<Shared>,
    /// The background thread; `None` if it could not be started (then every line is
    /// appended at once).
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    log: AuditLog,
    queue: Mutex<Queue>,
    /// Signalled when a line is queued or the writer closes.
    ready: Condvar,
    /// Held while appending, so queued lines and lines recorded at once keep their order.
    order: Mutex<()>,
}

#[derive(Default)]
struct Queue {
    events: Vec<AuditEvent>,
    closed: bool,
}

impl AuditWriter {
    /// A writer for `log`, with its background thread.
    pub fn new(log: AuditLog) -> Self {
        let shared = Arc::new(Shared {
            log,
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            order: Mutex::new(()),
        });
        let background = shared.clone();
        let thread = std::thread::Builder::new()
            .name("ikmcp-audit-writer".into())
            .spawn(move || background.run())
            .map_err(|e| tracing::warn!(error = %e, "no audit writer thread; appending every line at once"))
            .ok();
        AuditWriter { shared, thread }
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        self.shared.log.path()
    }

    /// Appends `event` now, after every line queued before it; its hash.
    pub fn record(&self, event: AuditEvent) -> Result<String, AuditError> {
        let _order = lock(&self.shared.order);
        self.shared.append_queued();
        self.shared.log.record(event)
    }

    /// Queues `event` for the background thread (appends it now if there is none).
    /// Failures go to the host log, as nobody waits for them.
    pub fn record_later(&self, event: AuditEvent) {
        if self.thread.is_none() {
            if let Err(e) = self.record(event) {
                tracing::error!(error = %e, "cannot write the audit log");
            }
            return;
        }
        lock(&self.shared.queue).events.push(event);
        self.shared.ready.notify_one();
    }

    /// Appends every queued line before returning.
    pub fn flush(&self) {
        let _order = lock(&self.shared.order);
        self.shared.append_queued();
    }
}

impl Drop for AuditWriter {
    /// Appends what is still queued and stops the thread.
    fn drop(&mut self) {
        lock(&self.shared.queue).closed = true;
        self.shared.ready.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.flush();
    }
}

impl Shared {
    /// The background thread: append what is queued, until closed and empty.
    fn run(&self) {
        loop {
            let closed = {
                let mut queue = lock(&self.queue);
                while queue.events.is_empty() && !queue.closed {
                    queue = self.ready.wait(queue).unwrap_or_else(|p| p.into_inner());
                }
                queue.closed
            };
            {
                let _order = lock(&self.order);
                self.append_queued();
            }
            if closed {
                return;
            }
        }
    }

    /// Appends the queued lines in order (the caller holds `order`).
    fn append_queued(&self) {
        let events = std::mem::take(&mut lock(&self.queue).events);
        for event in events {
            if let Err(e) = self.log.record(event) {
                tracing::error!(error = %e, "cannot write the audit log");
            }
        }
    }
}

/// The queue and the order lock stay usable after a panic elsewhere: a poisoned lock holds
/// nothing half-done (events are taken out whole).
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
