//! `ikmcp audit verify`: walk the chain, name the first bad line, and compare the end with
//! the checkpoint; `ikmcp audit reseal`: record a checked log's end as its checkpoint.

use std::path::Path;

use super::chain::{GENESIS, open_line};
use super::checkpoint::{self, HeadFile};
use super::file::LineReader;
use super::{AuditError, VerifyReport};
use crate::mac::MacKey;

/// Verifies the log at `path` without an audit key; see [`verify_keyed`].
pub fn verify(path: &Path) -> Result<VerifyReport, AuditError> {
    verify_keyed(path, None)
}

/// Verifies the hash chain of the log at `path`, streaming it (a missing or empty file is
/// a valid log of 0 lines). Checks that every line is complete, is the JSON the log
/// writes, matches its own hash (HMAC under `key` when given), has the next `seq`, and
/// links to the previous hash; then that the log ends where its checkpoint says.
pub fn verify_keyed(path: &Path, key: Option<&MacKey>) -> Result<VerifyReport, AuditError> {
    let mismatch = |reason: String| AuditError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    };
    let recorded = checkpoint::read(path, key)
        .map_err(AuditError::io(path))?
        .map_err(mismatch)?;
    let (report, hash_at_recorded) = walk(path, key, recorded.as_ref().map(|h| h.seq))?;
    let actual = checkpoint::Head {
        seq: report.lines,
        hash: report.head.clone().unwrap_or_else(|| GENESIS.to_string()),
    };
    match recorded {
        None if report.lines > 0 => Err(AuditError::NoCheckpoint {
            path: path.to_path_buf(),
        }),
        None => Ok(report),
        Some(recorded) => {
            checkpoint::compare(&recorded, &actual, |_| hash_at_recorded).map_err(mismatch)?;
            Ok(report)
        }
    }
}

/// Verifies the chain of the log at `path` (not its checkpoint), then records its end as
/// the checkpoint: for a log written before checkpoints existed, or one the operator
/// restored or trimmed on purpose. Run it while no ikmcp is writing the log.
pub fn reseal(path: &Path, key: Option<&MacKey>) -> Result<VerifyReport, AuditError> {
    let (report, _) = walk(path, key, None)?;
    let head = checkpoint::Head {
        seq: report.lines,
        hash: report.head.clone().unwrap_or_else(|| GENESIS.to_string()),
    };
    let file = HeadFile::open(path).map_err(AuditError::io(path))?;
    crate::private_fs::restrict_file(file.file(), file.path())?;
    file.write(&head, key, true).map_err(AuditError::io(path))?;
    Ok(report)
}

/// Walks the whole chain; also returns the hash of line `note` when asked.
fn walk(
    path: &Path,
    key: Option<&MacKey>,
    note: Option<u64>,
) -> Result<(VerifyReport, Option<String>), AuditError> {
    let Some(mut reader) = LineReader::open(path).map_err(AuditError::io(path))? else {
        let empty = VerifyReport {
            lines: 0,
            head: None,
        };
        return Ok((empty, None));
    };
    let broken = |line: u64, reason: String| AuditError::Broken {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut head: Option<String> = None;
    let mut noted = None;
    let mut lines = 0;
    while let Some(line) = reader.next_line().map_err(AuditError::io(path))? {
        lines = line.number;
        if !line.terminated {
            return Err(broken(
                lines,
                "the line is cut short (no final newline): a write was interrupted or the \
                 file was truncated"
                    .to_string(),
            ));
        }
        let sealed = open_line(line.bytes, key).map_err(|reason| broken(lines, reason))?;
        if sealed.seq != lines {
            return Err(broken(
                lines,
                format!(
                    "seq is {}, expected {lines}: a line was removed, inserted or moved",
                    sealed.seq
                ),
            ));
        }
        let expected = head.as_deref().unwrap_or(GENESIS);
        if sealed.prev_hash != expected {
            return Err(broken(
                lines,
                if lines == 1 {
                    "prev_hash of the first line is not 64 zeros: the start of the log is missing"
                        .to_string()
                } else {
                    format!(
                        "prev_hash does not match the hash of line {}: a line before it was \
                         replaced",
                        lines - 1
                    )
                },
            ));
        }
        if note == Some(lines) {
            noted = Some(sealed.hash.clone());
        }
        head = Some(sealed.hash);
    }
    Ok((VerifyReport { lines, head }, noted))
}
