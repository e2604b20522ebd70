//! The apply must start writing soon after its confirmation.
//!
//! The confirmation re-plans and checks that the world is still as the human saw it (the
//! fingerprint). Every second between that check and the first write is a second in
//! which the world may change again unseen, so the apply gets a short wall-clock limit
//! (`[limits] apply_start_timeout_seconds`) to hand the host its first write. An apply
//! that idles past it (slow reads, waiting on purpose) is stopped before it writes
//! anything; once a write has started, the call's ordinary limits apply.
//!
//! The gate decides the race between "the first write starts" and "the time is up"
//! atomically, so exactly one of them wins: either the write goes out and the apply runs
//! to its end, or the apply is dropped and nothing is written.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use crate::contract::{UpstreamError, UpstreamRequest, UpstreamResponse};
use crate::sandbox::{BoxFuture, UpstreamPort};

const WAITING: u8 = 0;
const STARTED: u8 = 1;
const EXPIRED: u8 = 2;

/// Who won: the first write or the clock.
#[derive(Debug, Default)]
pub struct FirstWriteGate(AtomicU8);

impl FirstWriteGate {
    /// A write is starting: true if it may go (the time was not up).
    fn start_write(&self) -> bool {
        match self
            .0
            .compare_exchange(WAITING, STARTED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(state) => state == STARTED,
        }
    }

    /// The time is up: true if no write started (the apply must be stopped).
    fn expire(&self) -> bool {
        self.0
            .compare_exchange(WAITING, EXPIRED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

/// The apply's upstream port: writes pass only while the gate is open.
pub struct GatedPort {
    inner: Box<dyn UpstreamPort>,
    gate: Arc<FirstWriteGate>,
}

impl GatedPort {
    /// Wraps the apply session's port.
    pub fn new(inner: Box<dyn UpstreamPort>, gate: Arc<FirstWriteGate>) -> Self {
        GatedPort { inner, gate }
    }
}

impl UpstreamPort for GatedPort {
    fn send(
        &mut self,
        request: UpstreamRequest,
    ) -> BoxFuture<'_, Result<UpstreamResponse, UpstreamError>> {
        if !request.method.is_read() && !self.gate.start_write() {
            return Box::pin(async {
                Err(UpstreamError::Denied(
                    "the apply did not start writing in time after its confirmation".into(),
                ))
            });
        }
        self.inner.send(request)
    }
}

/// Runs `apply` and stops it (dropping it, so it can send nothing more) if it has not
/// started a write through `gate` within `limit`. `Err` means it was stopped.
pub async fn within_start_limit<T>(
    gate: &FirstWriteGate,
    limit: Duration,
    apply: impl Future<Output = T>,
) -> Result<T, Duration> {
    let apply = std::pin::pin!(apply);
    let mut apply = apply;
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
    use super::*;
    use crate::contract::HttpMethod;

    /// A port that answers 200 at once and counts what it sent.
    struct Counting(Arc<std::sync::Mutex<Vec<HttpMethod>>>);

    impl UpstreamPort for Counting {
        fn send(
            &mut self,
            request: UpstreamRequest,
        ) -> BoxFuture<'_, Result<UpstreamResponse, UpstreamError>> {
            self.0.lock().unwrap().push(request.method);
            Box::pin(async {
                Ok(UpstreamResponse {
                    status: 200,
                    headers: vec![],
                    body: "{}".into(),
                })
            })
        }
    }

    fn request(method: HttpMethod) -> UpstreamRequest {
        UpstreamRequest {
            role: "infomaniak-api".into(),
            method,
            path: "/2/zones/example.com/records".into(),
            query: vec![],
            base_params: vec![],
            headers: vec![],
            body: None,
        }
    }

    fn port() -> (
        GatedPort,
        Arc<FirstWriteGate>,
        Arc<std::sync::Mutex<Vec<HttpMethod>>>,
    ) {
        let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
        let gate = Arc::new(FirstWriteGate::default());
        (
            GatedPort::new(Box::new(Counting(sent.clone())), gate.clone()),
            gate,
            sent,
        )
    }

    #[tokio::test]
    async fn a_prompt_write_wins_and_the_apply_runs_to_its_end() {
        let (mut port, gate, sent) = port();
        let out = within_start_limit(&gate, Duration::from_millis(50), async {
            port.send(request(HttpMethod::Post)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(120)).await;
            port.send(request(HttpMethod::Get)).await.unwrap();
            "done"
        })
        .await;
        assert_eq!(out, Ok("done"));
        assert_eq!(*sent.lock().unwrap(), [HttpMethod::Post, HttpMethod::Get]);
    }

    #[tokio::test]
    async fn an_apply_that_idles_before_writing_is_stopped_unwritten() {
        let (mut port, gate, sent) = port();
        let out = within_start_limit(&gate, Duration::from_millis(50), async {
            port.send(request(HttpMethod::Get)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            port.send(request(HttpMethod::Delete)).await.unwrap();
            "wrote"
        })
        .await;
        assert_eq!(out, Err(Duration::from_millis(50)));
        assert_eq!(
            *sent.lock().unwrap(),
            [HttpMethod::Get],
            "the DELETE never left"
        );
        let (mut late, _, _) = (
            GatedPort::new(Box::new(Counting(sent.clone())), gate),
            (),
            (),
        );
        let refused = late.send(request(HttpMethod::Delete)).await;
        assert!(
            matches!(refused, Err(UpstreamError::Denied(_))),
            "{refused:?}"
        );
        assert!(
            late.send(request(HttpMethod::Get)).await.is_ok(),
            "reads still pass"
        );
    }

    #[tokio::test]
    async fn an_apply_that_never_writes_may_finish_in_time() {
        let (mut port, gate, _) = port();
        let out = within_start_limit(&gate, Duration::from_millis(50), async {
            port.send(request(HttpMethod::Get)).await.unwrap();
            1
        })
        .await;
        assert_eq!(out, Ok(1));
    }

    #[test]
    fn exactly_one_side_wins_the_gate() {
        let gate = FirstWriteGate::default();
        assert!(gate.start_write());
        assert!(!gate.expire());
        assert!(gate.start_write(), "later writes of a started apply pass");
        let gate = FirstWriteGate::default();
        assert!(gate.expire());
        assert!(!gate.start_write());
    }
}
