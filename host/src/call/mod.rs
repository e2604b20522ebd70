//! What every tool call shares, whoever runs it (the dispatcher for reads and built-ins,
//! the guard flow for writes): its audit lines, its upstream session with the roles the
//! plugin was granted, the concurrent-call limit, and the shape of its outcome.

mod audit;
mod limit;
mod outcome;
mod sessions;

pub use audit::{CallAudit, error_json, line, summarize, take};
pub use limit::{CallLimit, CallPermit};
pub use outcome::{CallOutcome, PendingApproval};
pub use sessions::Sessions;
