//! The apply must start writing soon after its confirmation.
//!
//! The confirmation re-plans and checks that the world is still as the human saw it (the
//! fingerprint). Every second between that check and the first write is a second in
//! which the world may change again unseen, so the apply gets a short wall-clock limit
//! (`[limits] apply_start_timeout_seconds`) until its first write leaves for the
//! upstream. An apply that idles past it (slow reads, waiting on purpose, or a write
//! held in the rate limiter) is stopped before it writes anything; once a write has
//! left, the call's ordinary limits apply.
//!
//! The apply's session checks the [`FirstWriteGate`] right before the first write is
//! sent (`upstream::write_gate`); the timer here closes it. Exactly one of them wins:
//! either the write goes out and the apply runs to its end, or the apply is dropped (its
//! pending requests with it) and nothing is written.

use std::future::Future;
use std::time::Duration;

use crate::upstream::FirstWriteGate;

/// Runs `apply` and stops it (dropping it, so it can send nothing more) if no write has
/// passed `gate` within `limit`. `Err` means it was stopped.
pub async fn within_start_limit<T>(
    gate: &FirstWriteGate,
    limit: Duration,
    apply: impl Future<Output = T>,
) -> Result<T, Duration> {
    let mut apply = std::pin::pin!(apply);
    tokio::select! {
        biased;
        out = &mut apply => Ok(out),
        () = tokio::time::sleep(limit) => {
            if gate.expire() {
                Err(limit)
            } else {
                Ok(apply.await)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What a session does: a write passes the gate right before it is sent.
    async fn send(gate: &FirstWriteGate, sent: &Mutex<Vec<&'static str>>, what: &'static str) {
        if what != "GET" && !gate.start_write() {
            return;
        }
        sent.lock().unwrap().push(what);
    }

    #[tokio::test]
    async fn a_prompt_write_wins_and_the_apply_runs_to_its_end() {
        let gate = Arc::new(FirstWriteGate::default());
        let sent = Mutex::new(Vec::new());
        let out = within_start_limit(&gate, Duration::from_millis(50), async {
            send(&gate, &sent, "POST").await;
            tokio::time::sleep(Duration::from_millis(120)).await;
            send(&gate, &sent, "PUT").await;
            "done"
        })
        .await;
        assert_eq!(out, Ok("done"));
        assert_eq!(*sent.lock().unwrap(), ["POST", "PUT"]);
    }

    #[tokio::test]
    async fn an_apply_that_idles_before_writing_is_stopped_unwritten() {
        let gate = Arc::new(FirstWriteGate::default());
        let sent = Mutex::new(Vec::new());
        let out = within_start_limit(&gate, Duration::from_millis(50), async {
            send(&gate, &sent, "GET").await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            send(&gate, &sent, "DELETE").await;
            "wrote"
        })
        .await;
        assert_eq!(out, Err(Duration::from_millis(50)));
        send(&gate, &sent, "DELETE").await;
        assert_eq!(*sent.lock().unwrap(), ["GET"], "no write ever left");
    }

    #[tokio::test]
    async fn an_apply_that_never_writes_may_finish_in_time() {
        let gate = FirstWriteGate::default();
        let out = within_start_limit(&gate, Duration::from_millis(50), async { 1 }).await;
        assert_eq!(out, Ok(1));
    }
}
