//! One request budget per credential, counted the way the upstream counts it: never more
//! than the budget in any rolling window (Infomaniak: 60 requests per 60 seconds, every
//! route together).
//!
//! The limiter is keyed by the credential, not by the role or the plugin: two roles
//! sharing a token share a budget (the smaller of their two budgets), two tokens are
//! independent. Requests wait in line (first come, first served) for their turn rather
//! than fail.
//!
//! Each credential keeps a sliding-window log. A slot is taken when a request is sent and
//! is held until 60 s after its answer arrived (not after it was sent): the upstream saw
//! the request somewhere between the two, so however the network delays individual
//! requests, two requests the upstream counts can never be closer than the window. There
//! is no burst allowance on top of the budget: the first `budget` requests may leave at
//! once, the next one waits until the oldest of them is a whole window old.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::auth::CredentialKey;

/// The window Infomaniak counts its budget in.
pub const RATE_WINDOW: Duration = Duration::from_secs(60);

/// The slots of one credential: requests in flight, and when recent answers arrived.
#[derive(Debug)]
struct Log {
    budget: usize,
    window: Duration,
    in_flight: usize,
    /// Arrival times of answers less than a window old, oldest first.
    done: VecDeque<Instant>,
}

impl Log {
    fn new(budget: u32, window: Duration) -> Self {
        Log {
            budget: budget as usize,
            window,
            in_flight: 0,
            done: VecDeque::new(),
        }
    }

    /// Takes a slot at `now` if the window has one; otherwise says until when to wait
    /// (`None`: every slot is held by a request still in flight, wait for one to end).
    fn try_take(&mut self, now: Instant) -> Result<(), Option<Instant>> {
        while self.done.front().is_some_and(|&at| at + self.window <= now) {
            self.done.pop_front();
        }
        if self.in_flight + self.done.len() < self.budget {
            self.in_flight += 1;
            Ok(())
        } else {
            Err(self.done.front().map(|&at| at + self.window))
        }
    }

    /// The request holding a slot got its answer (or gave up) at `now`.
    fn release(&mut self, now: Instant) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.done.push_back(now);
    }
}

/// One credential's limiter: its log, the line of waiting requests, and a wake-up for
/// the head of the line when a request in flight ends.
#[derive(Debug)]
struct Window {
    log: Mutex<Log>,
    line: tokio::sync::Mutex<()>,
    released: Notify,
}

impl Window {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A slot in a credential's window, held while the request is in flight; dropping it
/// (answer read, error, timeout or cancellation) starts the slot's window.
#[derive(Debug)]
pub(crate) struct Permit(Option<Arc<Window>>);

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(window) = self.0.take() {
            window.log().release(Instant::now());
            window.released.notify_one();
        }
    }
}

/// The rate limiters, one per configured credential.
#[derive(Debug)]
pub(crate) struct Limiters {
    by_credential: HashMap<CredentialKey, Arc<Window>>,
}

impl Limiters {
    /// One limiter per distinct credential, counting in `window`. `credentials` gives each
    /// role's credential and budget; roles sharing a credential share the smallest
    /// non-zero budget among them; a budget of 0 means unlimited.
    pub(crate) fn new(
        window: Duration,
        credentials: impl IntoIterator<Item = (CredentialKey, u32)>,
    ) -> Self {
        let mut budgets: HashMap<CredentialKey, u32> = HashMap::new();
        for (key, budget) in credentials {
            if budget == 0 {
                continue;
            }
            let entry = budgets.entry(key).or_insert(budget);
            *entry = (*entry).min(budget);
        }
        let by_credential = budgets
            .into_iter()
            .map(|(key, budget)| {
                let window = Window {
                    log: Mutex::new(Log::new(budget, window)),
                    line: tokio::sync::Mutex::new(()),
                    released: Notify::new(),
                };
                (key, Arc::new(window))
            })
            .collect();
        Limiters { by_credential }
    }

    /// Waits in line until the credential has a free slot and takes it (at once when the
    /// credential is unlimited). Hold the permit until the answer has been read.
    pub(crate) async fn acquire(&self, credential: &CredentialKey) -> Permit {
        let Some(window) = self.by_credential.get(credential) else {
            return Permit(None);
        };
        // tokio's mutex is fair: requests get their turn in the order they asked.
        let _turn = window.line.lock().await;
        loop {
            let released = window.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            let outcome = window.log().try_take(Instant::now());
            match outcome {
                Ok(()) => return Permit(Some(window.clone())),
                Err(Some(until)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(until) => {}
                        () = released => {}
                    }
                }
                Err(None) => released.await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Duration = Duration::from_secs(60);

    #[test]
    fn never_more_than_the_budget_in_any_window() {
        let t0 = Instant::now();
        let mut log = Log::new(60, W);
        // 60 at once, instantly answered: the 61st waits a whole window.
        for _ in 0..60 {
            log.try_take(t0).unwrap();
            log.release(t0);
        }
        assert_eq!(log.try_take(t0), Err(Some(t0 + W)));
        assert_eq!(
            log.try_take(t0 + W - Duration::from_millis(1)),
            Err(Some(t0 + W))
        );
        assert_eq!(log.try_take(t0 + W), Ok(()));
        // Not a burst of 55 then one per second: after the window, the next 59 are free
        // again only as the first ones age out (they all did at t0 + W).
        for _ in 0..59 {
            assert_eq!(log.try_take(t0 + W), Ok(()));
        }
        assert!(log.try_take(t0 + W).is_err());
    }

    #[test]
    fn a_slot_counts_from_the_answer_not_from_the_send() {
        let t0 = Instant::now();
        let mut log = Log::new(1, W);
        log.try_take(t0).unwrap();
        // In flight: no time is known yet when the slot frees.
        assert_eq!(log.try_take(t0 + W * 2), Err(None));
        let answered = t0 + Duration::from_secs(5);
        log.release(answered);
        assert_eq!(log.try_take(t0 + W), Err(Some(answered + W)));
        assert_eq!(log.try_take(answered + W), Ok(()));
    }

    #[test]
    fn a_sliding_window_counts_every_window_not_calendar_minutes() {
        let t0 = Instant::now();
        let mut log = Log::new(3, W);
        for offset in [0, 50, 55] {
            let at = t0 + Duration::from_secs(offset);
            log.try_take(at).unwrap();
            log.release(at);
        }
        // At 61 s the first slot is free, but the ones from 50 s and 55 s still count.
        let at = t0 + Duration::from_secs(61);
        log.try_take(at).unwrap();
        log.release(at);
        assert_eq!(
            log.try_take(t0 + Duration::from_secs(62)),
            Err(Some(t0 + Duration::from_secs(110)))
        );
    }

    #[tokio::test]
    async fn waits_in_line_for_the_window() {
        // 3 per 300 ms: the 4th and 5th wait until the first ones are a window old.
        let window = Duration::from_millis(300);
        let limiters = Limiters::new(window, [([1; 32], 3)]);
        let start = std::time::Instant::now();
        for _ in 0..3 {
            drop(limiters.acquire(&[1; 32]).await);
        }
        assert!(start.elapsed() < Duration::from_millis(250));
        for _ in 0..2 {
            drop(limiters.acquire(&[1; 32]).await);
        }
        assert!(start.elapsed() >= window, "{:?}", start.elapsed());
    }

    #[tokio::test]
    async fn a_held_permit_blocks_until_released() {
        let limiters = Arc::new(Limiters::new(Duration::from_millis(50), [([1; 32], 1)]));
        let held = limiters.acquire(&[1; 32]).await;
        let waiter = {
            let limiters = limiters.clone();
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                drop(limiters.acquire(&[1; 32]).await);
                started.elapsed()
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiter.is_finished(), "the slot is still in flight");
        drop(held);
        let waited = waiter.await.unwrap();
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
    }

    #[tokio::test]
    async fn budgets_are_per_credential_shared_by_the_smallest_and_zero_is_unlimited() {
        let limiters = Limiters::new(W, [([1; 32], 5), ([1; 32], 1), ([2; 32], 1), ([3; 32], 0)]);
        let start = std::time::Instant::now();
        drop(limiters.acquire(&[1; 32]).await);
        drop(limiters.acquire(&[2; 32]).await);
        for _ in 0..1000 {
            drop(limiters.acquire(&[3; 32]).await);
        }
        assert!(start.elapsed() < Duration::from_millis(500));
        let second =
            tokio::time::timeout(Duration::from_millis(100), limiters.acquire(&[1; 32])).await;
        assert!(
            second.is_err(),
            "credential 1 has a budget of 1 (the smaller)"
        );
    }
}
