//! The request log: every API and manager request, in arrival order, for test assertions
//! (e.g. "nothing was written before confirmation").

use serde::{Deserialize, Serialize};

/// One request the simulator received, with the status it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Arrival order, from 1.
    pub seq: u64,
    /// Which listener got it: `api`, `manager` or `kchat:<team>`.
    pub upstream: String,
    /// HTTP method.
    pub method: String,
    /// Path without query.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Request body: parsed JSON, or the raw text when not JSON; `None` when empty.
    pub body: Option<serde_json::Value>,
    /// Short fingerprint of the credential used (never the credential itself).
    pub token: Option<String>,
    /// Status answered; 0 when the connection was dropped by a fault.
    pub status: u16,
    /// Unix time in milliseconds.
    pub ts: u64,
}

/// Append-only log with a sequence counter.
#[derive(Debug, Default)]
pub struct Recorder {
    next_seq: u64,
    entries: Vec<RecordedRequest>,
}

impl Recorder {
    /// Appends an entry, assigning its sequence number.
    pub fn push(&mut self, mut entry: RecordedRequest) {
        self.next_seq += 1;
        entry.seq = self.next_seq;
        self.entries.push(entry);
    }

    /// A copy of all entries.
    pub fn all(&self) -> Vec<RecordedRequest> {
        self.entries.clone()
    }

    /// Empties the log (sequence numbers keep increasing).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> RecordedRequest {
        RecordedRequest {
            seq: 0,
            upstream: "api".into(),
            method: "GET".into(),
            path: "/1/accounts".into(),
            query: None,
            body: None,
            token: None,
            status: 200,
            ts: 0,
        }
    }

    #[test]
    fn seq_increases_across_clear() {
        let mut r = Recorder::default();
        r.push(entry());
        r.push(entry());
        assert_eq!(r.all()[1].seq, 2);
        r.clear();
        assert!(r.all().is_empty());
        r.push(entry());
        assert_eq!(r.all()[0].seq, 3);
    }
}
