//! The audit log: append-only, hash-chained JSONL, one line per phase of every tool call.
//!
//! Each line carries the hash of the previous one, so editing, removing or reordering a
//! line breaks the chain (`ikmcp audit verify`); a checkpoint beside the log
//! (`<log>.head`) records the chain's length and last hash, so lines cut from the end are
//! caught too. With an operator key (`[audit] hmac_key_file`) the hashes and the
//! checkpoint are HMACs, which someone who can write the files but not read the key cannot
//! forge. Credentials are redacted by value (the
//! host knows them) before anything is written; confirmation tokens appear only as a
//! short reference. `apply_attempt` lines are flushed to disk before any upstream write.
//!
//! A line looks like this (one line in the file, keys in this order; optional keys are
//! left out when empty):
//!
//! ```text
//! {"seq":2,"ts":"2026-11-21T03:40:12.123456789Z","phase":"apply_attempt",
//!  "tool":"dns_record_create","plugin":"dns","risk":"write",
//!  "args":{"zone":"example.com","confirmation_token":"tok:1a2b3c4d"},
//!  "result_summary":…,"error":…,"duration_ms":12,
//!  "upstream":[{"role":"api","method":"GET","path":"/2/zones/example.com","status":200,
//!               "ms":40,"wait_us":39512,"attempts":1,"outcome":{"kind":"sent"}}],
//!  "fingerprint":"<64 hex>","prev_hash":"<64 hex>","hash":"<64 hex>"}
//! ```

mod chain;
mod checkpoint;
mod file;
mod log;
mod query;
mod redact;
#[cfg(test)]
mod tests;
mod verify;
mod writer;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::secret_args::SecretArgs;
use crate::upstream::RequestRecord;

pub use crate::mac::MacKey as AuditKey;
pub use log::AuditLog;
pub use query::{Found, query};
pub use verify::{reseal, verify, verify_keyed};
pub use writer::AuditWriter;

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

impl AuditPhase {
    /// The name written in the `phase` field (and accepted by `--phase` filters).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditPhase::Read => "read",
            AuditPhase::Plan => "plan",
            AuditPhase::ApplyAttempt => "apply_attempt",
            AuditPhase::Applied => "applied",
            AuditPhase::Failed => "failed",
            AuditPhase::Denied => "denied",
        }
    }

    /// Whether the line must be on disk (`sync_data`) before `record` returns: every
    /// phase of a write and every refusal, so no upstream write happens unrecorded.
    pub fn is_durable(self) -> bool {
        !matches!(self, AuditPhase::Read | AuditPhase::Plan)
    }
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
    /// The call's secret arguments: redacted by value from every field of the line.
    #[serde(skip)]
    pub secrets: SecretArgs,
}

/// Filters for tail and search.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Substring of the tool name (case-insensitive).
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
    /// Newest N matches (returned oldest first); 0 means every match.
    pub limit: usize,
    /// Read at most this many lines, newest first; 0 means no bound. A search that stops
    /// here says so ([`Found::truncated`]).
    pub max_scan: u64,
}

/// Result of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Lines checked.
    pub lines: u64,
    /// Hash of the last line (the chain head); compare it with a head noted earlier to
    /// detect lines removed from the end, which the chain alone cannot show.
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
    /// The log does not match its checkpoint: lines were cut from its end, or its end
    /// was replaced.
    #[error(
        "audit log {path} does not match its checkpoint ({path}.head): {reason}. Nothing \
         more is written to it. Keep both files as evidence and compare them with your \
         backups; to start a new log, move both aside. If you changed the log yourself \
         (restored or trimmed it), `ikmcp audit reseal` records its current end as the \
         checkpoint"
    )]
    Checkpoint {
        /// The log file.
        path: PathBuf,
        /// What does not match.
        reason: String,
    },
    /// The log has lines but no checkpoint, so lines cut from its end would go unnoticed.
    #[error(
        "audit log {path} has lines but no checkpoint ({path}.head): it was written by an \
         older ikmcp, or the checkpoint was deleted, which would hide lines cut from the \
         end. Check the log with `ikmcp audit verify`; if you trust it, `ikmcp audit reseal` \
         records its current end; otherwise move it aside to start a new log"
    )]
    NoCheckpoint {
        /// The log file.
        path: PathBuf,
    },
    /// The log or its checkpoint belongs to someone else.
    #[error("audit log: {0}")]
    Private(#[from] crate::private_fs::PrivateError),
    /// A line read while searching is not a log line.
    #[error(
        "audit log {path} has an unreadable line at byte {offset}: {reason}; run \
         `ikmcp audit verify` to check the whole log"
    )]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Where the line starts.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The last line cannot be chained to, so nothing more may be appended.
    #[error(
        "audit log {path}: the last line is unreadable ({reason}), so nothing more can be \
         appended to the chain; run `ikmcp audit verify` to see where it breaks, then move \
         the file aside (keep it as evidence) to start a new log"
    )]
    Tail {
        /// The file.
        path: PathBuf,
        /// What is wrong with the last line.
        reason: String,
    },
}

impl AuditError {
    fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> AuditError + '_ {
        move |source| AuditError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
