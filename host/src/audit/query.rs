//! Audit tail and search: filter the log while streaming it.

use std::collections::VecDeque;
use std::path::Path;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::file::LineReader;
use super::{AuditError, AuditQuery};

/// Reads the lines of the log at `path` that match `query`: the newest `limit` matches,
/// oldest first. Streams the file and keeps at most `limit` lines in memory. A missing
/// file has no lines; a line that is not JSON is an error naming it.
pub fn query(path: &Path, query: &AuditQuery) -> Result<Vec<Value>, AuditError> {
    let Some(mut reader) = LineReader::open(path).map_err(AuditError::io(path))? else {
        return Ok(Vec::new());
    };
    let filter = Filter::new(query);
    let mut matches: VecDeque<Value> = VecDeque::new();
    while let Some(line) = reader.next_line().map_err(AuditError::io(path))? {
        let number = line.number;
        let broken = |reason: &str| AuditError::Broken {
            path: path.to_path_buf(),
            line: number,
            reason: format!("{reason}; run `ikmcp audit verify` to check the whole log"),
        };
        let text = std::str::from_utf8(line.bytes).map_err(|_| broken("the line is not UTF-8"))?;
        let value: Value =
            serde_json::from_str(text).map_err(|_| broken("the line is not JSON"))?;
        if !filter.matches(text, &value).map_err(broken)? {
            continue;
        }
        if query.limit > 0 && matches.len() == query.limit {
            matches.pop_front();
        }
        matches.push_back(value);
    }
    Ok(matches.into())
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

    fn matches(&self, text: &str, line: &Value) -> Result<bool, &'static str> {
        let field = |key: &str| line.get(key).and_then(Value::as_str).unwrap_or_default();
        if let Some(tool) = &self.tool
            && !field("tool").to_lowercase().contains(tool.as_str())
        {
            return Ok(false);
        }
        if let Some(phase) = self.query.phase
            && field("phase") != phase.as_str()
        {
            return Ok(false);
        }
        if let Some(risk) = &self.query.risk
            && field("risk") != risk
        {
            return Ok(false);
        }
        if self.query.since.is_some() || self.query.until.is_some() {
            let ts = OffsetDateTime::parse(field("ts"), &Rfc3339)
                .map_err(|_| "the line has no RFC 3339 `ts`")?;
            if self.query.since.is_some_and(|since| ts < since)
                || self.query.until.is_some_and(|until| ts > until)
            {
                return Ok(false);
            }
        }
        if let Some(needle) = &self.text
            && !text.to_lowercase().contains(needle.as_str())
        {
            return Ok(false);
        }
        Ok(true)
    }
}
