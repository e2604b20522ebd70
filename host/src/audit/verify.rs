//! `ikmcp audit verify`: walk the chain and name the first bad line.

use std::path::Path;

use super::chain::{GENESIS, open_line};
use super::file::LineReader;
use super::{AuditError, VerifyReport};

/// Verifies the hash chain of the log at `path`, streaming it (a missing or empty file is
/// a valid log of 0 lines). Checks that every line is complete, is the JSON the log
/// writes, matches its own hash, has the next `seq`, and links to the previous hash.
pub fn verify(path: &Path) -> Result<VerifyReport, AuditError> {
    let Some(mut reader) = LineReader::open(path).map_err(AuditError::io(path))? else {
        return Ok(VerifyReport {
            lines: 0,
            head: None,
        });
    };
    let broken = |line: u64, reason: String| AuditError::Broken {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut head: Option<String> = None;
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
        let sealed = open_line(line.bytes).map_err(|reason| broken(lines, reason))?;
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
        head = Some(sealed.hash);
    }
    Ok(VerifyReport { lines, head })
}
