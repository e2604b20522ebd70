//! The limit on tool calls in flight at once (`[limits] max_concurrent_calls`).
//!
//! Each call holds a fresh plugin instance (up to the memory cap), an upstream session and
//! a slot in the rate budget, so a client that fires calls without waiting could make
//! the host hold many of them at once. Past the limit a call is refused at once with a
//! "busy, retry" error rather than queued: the caller decides whether to wait.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::contract::{ErrorKind, ToolError};

/// Counts calls in flight.
pub struct CallLimit {
    slots: Arc<Semaphore>,
    max: usize,
}

/// A call's slot; freed when dropped.
pub struct CallPermit {
    _permit: OwnedSemaphorePermit,
}

impl CallLimit {
    /// At most `max` calls at once (at least one).
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        CallLimit {
            slots: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// A slot for one call, or the error that tells the client to retry.
    pub fn admit(&self, tool: &str) -> Result<CallPermit, ToolError> {
        self.slots
            .clone()
            .try_acquire_owned()
            .map(|permit| CallPermit { _permit: permit })
            .map_err(|_| {
                ToolError::new(
                    ErrorKind::Busy,
                    "too_many_calls",
                    format!(
                        "the server is already running {} tool calls at once (its limit); {tool} was not started and nothing was changed",
                        self.max
                    ),
                )
                .with_hint(format!(
                    "wait for a running call to finish, then call {tool} again (the operator sets the limit with [limits] max_concurrent_calls)"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_past_the_limit_is_busy_until_a_slot_frees() {
        let limit = CallLimit::new(2);
        let a = limit.admit("t").unwrap();
        let _b = limit.admit("t").unwrap();
        let err = limit.admit("t").err().unwrap();
        assert_eq!(err.kind, ErrorKind::Busy);
        assert_eq!(err.code, "too_many_calls");
        assert!(err.message.contains("2 tool calls"), "{}", err.message);
        assert!(err.hint.unwrap().contains("call t again"));
        drop(a);
        assert!(limit.admit("t").is_ok());
    }

    #[test]
    fn zero_means_one() {
        let limit = CallLimit::new(0);
        let _a = limit.admit("t").unwrap();
        assert!(limit.admit("t").is_err());
    }
}
