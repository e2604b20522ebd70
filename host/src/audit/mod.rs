//! The audit log: append-only, hash-chained JSONL, one line per phase of every tool call.
//!
//! Each line carries the hash of the previous one, so editing, removing or reordering a
//! line breaks the chain (`ikmcp audit verify`). Credentials are redacted by value (the
//! host knows them) before anything is written; confirmation tokens appear only as a
//! short reference. `apply_attempt` lines are flushed to disk before any upstream write.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::secret::Secret;
use crate::upstream::RequestRecord;

/// The phase a line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditPhase {
    /// A read tool ran.
    Read,
    /// A write tool was planned (token minted).
    Plan,
    /// A confirmed write is about to run (written durably first).
    ApplyAttempt,
    /// The write succeeded.
    Applied,
    /// The write (or a read) failed.
    Failed,
    /// Refused: policy, guard, sandbox denial.
    Denied,
}

/// One event to record; the log adds timestamp, sequence number and hashes.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    /// Phase.
    pub phase: AuditPhase,
    /// Tool name.
    pub tool: String,
    /// Plugin id (`builtin` for host tools).
    pub plugin: String,
    /// `read`, `write` or `destructive`.
    pub risk: String,
    /// Arguments (redacted before writing).
    pub args: Value,
    /// Short result or plan summary.
    pub result_summary: Option<Value>,
    /// Error, for failed/denied.
    pub error: Option<Value>,
    /// Duration of the phase.
    pub duration_ms: Option<u64>,
    /// Every upstream request of the phase.
    pub upstream: Vec<RequestRecord>,
    /// Plan fingerprint (plan, apply phases).
    pub fingerprint: Option<String>,
}

/// Filters for tail and search.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Substring of the tool name.
    pub tool: Option<String>,
    /// Exact phase.
    pub phase: Option<AuditPhase>,
    /// Exact risk.
    pub risk: Option<String>,
    /// Lines at or after.
    pub since: Option<OffsetDateTime>,
    /// Lines at or before.
    pub until: Option<OffsetDateTime>,
    /// Case-insensitive substring anywhere in the line.
    pub text: Option<String>,
    /// Newest N matches (returned oldest first).
    pub limit: usize,
}

/// Result of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Lines checked.
    pub lines: u64,
    /// Hash of the last line (the chain head).
    pub head: Option<String>,
}

/// Audit log failures.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// I/O on the log file.
    #[error("audit log {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The chain is broken at a line.
    #[error("audit log {path} is broken at line {line}: {reason}")]
    Broken {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
}

/// The append-only audit log of this process.
pub struct AuditLog {
    _path: PathBuf,
}

impl AuditLog {
    /// Opens (creating if needed) the log at `path`; `secrets` are redacted by value.
    pub fn open(path: &Path, secrets: Vec<Secret>) -> Result<Self, AuditError> {
        let _ = (path, secrets);
        todo!("audit helper")
    }

    /// Appends one event (redacted, chained). Returns the line's hash.
    pub fn record(&self, event: AuditEvent) -> Result<String, AuditError> {
        let _ = event;
        todo!("audit helper")
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self._path
    }
}

/// Verifies the hash chain of the log at `path`.
pub fn verify(path: &Path) -> Result<VerifyReport, AuditError> {
    let _ = path;
    todo!("audit helper")
}

/// Reads the lines of the log at `path` that match `query`.
pub fn query(path: &Path, query: &AuditQuery) -> Result<Vec<Value>, AuditError> {
    let _ = (path, query);
    todo!("audit helper")
}
