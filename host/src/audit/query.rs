//! Audit tail and search: read the log backwards from its end, filter, and stop as soon
//! as the answer is complete.
//!
//! The newest lines come first, so a tail reads only the lines it returns, however long
//! the log; a search stops at its `limit`, at the first line older than `since` (lines are
//! appended in time order, under the writer's lock), or after `max_scan` lines.

use std::path::Path;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::file::{FileLock, ReverseLines};
use super::{AuditError, AuditQuery};

/// What a query found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The newest matches, oldest first.
    pub entries: Vec<Value>,
    /// Lines read.
    pub scanned: u64,
    /// Whether the search stopped at `max_scan` before the start of the log (or `since`):
    /// older matches may exist.
    pub truncated: bool,
}

/// Reads the lines of the log at `path` that match `query`: the newest `limit` matches,
/// oldest first. Reads from the end and keeps at most `limit` lines in memory. A missing
/// file has no lines; a line that is not JSON is an error naming where it is.
pub fn query(path: &Path, query: &AuditQuery) -> Result<Found, AuditError> {
    let io = AuditError::io(path);
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Found {
                entries: Vec::new(),
                scanned: 0,
                truncated: false,
            });
        }
        Err(e) => return Err(io(e)),
    };
    // The length under the shared lock: no half-written line; later appends are left for
    // the next query, so no lock is held while reading.
    let len = {
        let _lock = FileLock::shared(&file).map_err(AuditError::io(path))?;
        file.metadata().map_err(AuditError::io(path))?.len()
    };
    let mut lines = ReverseLines::new(&file, len).map_err(AuditError::io(path))?;
    let cut_short = !lines.ends_with_newline();
    let filter = Filter::new(query);
    let mut found = Found {
        entries: Vec::new(),
        scanned: 0,
        truncated: false,
    };
    while let Some((offset, bytes)) = lines.next_line().map_err(AuditError::io(path))? {
        if query.max_scan > 0 && found.scanned == query.max_scan {
            found.truncated = true;
            break;
        }
        let newest = found.scanned == 0;
        found.scanned += 1;
        let unreadable = |reason: &str| AuditError::Unreadable {
            path: path.to_path_buf(),
            offset,
            reason: reason.to_string(),
        };
        if newest && cut_short {
            return Err(unreadable(
                "the last line is cut short (no final newline): a write was interrupted",
            ));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| unreadable("the line is not UTF-8"))?;
        let value: Value =
            serde_json::from_str(text).map_err(|_| unreadable("the line is not JSON"))?;
        match filter.check(text, &value).map_err(unreadable)? {
            Verdict::Match => {
                found.entries.push(value);
                if query.limit > 0 && found.entries.len() == query.limit {
                    break;
                }
            }
            Verdict::Skip => {}
            Verdict::TooOld => break,
        }
    }
    found.entries.reverse();
    Ok(found)
}

/// What to do with one line.
enum Verdict {
    Match,
    Skip,
    /// Older than `since`: so is every line before it.
    TooOld,
}

/// The query with its needles lower-cased once.
struct Filter<'a> {
    query: &'a AuditQuery,
    tool: Option<String>,
    text: Option<String>,
}

impl<'a> Filter<'a> {
    fn new(query: &'a AuditQuery) -> Self {
        Filter {
            query,
            tool: query.tool.as_deref().map(str::to_lowercase),
            text: query.text.as_deref().map(str::to_lowercase),
        }
    }

    fn check(&self, text: &str, line: &Value) -> Result<Verdict, &'static str> {
        let field = |key: &str| line.get(key).and_then(Value::as_str).unwrap_or_default();
        if self.query.since.is_some() || self.query.until.is_some() {
            let ts = OffsetDateTime::parse(field("ts"), &Rfc3339)
                .map_err(|_| "the line has no RFC 3339 `ts`")?;
            if self.query.since.is_some_and(|since| ts < since) {
                return Ok(Verdict::TooOld);
            }
            if self.query.until.is_some_and(|until| ts > until) {
                return Ok(Verdict::Skip);
            }
        }
        if let Some(tool) = &self.tool
            && !field("tool").to_lowercase().contains(tool.as_str())
        {
            return Ok(Verdict::Skip);
        }
        if let Some(phase) = self.query.phase
            && field("phase") != phase.as_str()
        {
            return Ok(Verdict::Skip);
        }
        if let Some(risk) = &self.query.risk
            && field("risk") != risk
        {
            return Ok(Verdict::Skip);
        }
        if let Some(needle) = &self.text
            && !text.to_lowercase().contains(needle.as_str())
        {
            return Ok(Verdict::Skip);
        }
        Ok(Verdict::Match)
    }
}
