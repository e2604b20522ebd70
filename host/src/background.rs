//! Work a call hands to a background thread: the instance reaper and the audit writer.
//!
//! Two things make such a thread cheap for the call that feeds it, on the small virtual
//! machines ikmcp runs on (two CPUs shared with the client and everything else):
//! - it is rung only when it sleeps on an empty queue; items queued while it works are
//!   drained with the ones it has, in one go;
//! - it runs at the lowest priority, so when it wakes it does not take the CPU from the
//!   call that is answering (or from the client reading the answer). Measured on the
//!   bench's read call: the host share's p50 ~20 µs and p99 ~30 µs lower than at normal
//!   priority. Lingering to gather bigger batches saved a wake-up but its bursts of work
//!   cost the p99 more than it saved.
//!
//! Nobody waits on such a thread for long: a queue's users do the work themselves when it
//! lags ([`Backlog`]: the audit writer appends a long or old backlog; a call short of an
//! instance slot drops the queued stores), so a machine too busy to give it the CPU
//! slows nothing down and loses nothing. The thread runs `drain` with the queue; `drain`
//! takes the items itself ([`Queue::take`]), so a caller that must order its own work after
//! everything queued (the audit log's durable lines) takes them under the same lock.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A queue of `T` drained by one background thread.
pub struct Batches<T: Send + 'static> {
    queue: Arc<Queue<T>>,
    thread: Option<JoinHandle<()>>,
}

/// The shared queue; [`Queue::take`] empties it.
pub struct Queue<T> {
    state: Mutex<State<T>>,
    bell: Condvar,
}

struct State<T> {
    items: Vec<T>,
    /// When the oldest queued item was queued.
    oldest: Option<Instant>,
    /// The thread waits on an empty queue and must be rung for the next item.
    asleep: bool,
    closed: bool,
}

/// What is queued, after a push: for the pusher to decide to do the work itself.
#[derive(Debug, Clone, Copy)]
pub struct Backlog {
    /// Items queued, the new one included.
    pub items: usize,
    /// How long the oldest of them has waited.
    pub waited: Duration,
}

impl<T: Send + 'static> Batches<T> {
    /// Starts the thread `name`, which calls `drain` whenever items are queued, and once
    /// more when the queue is closed. `Err` if the thread cannot be started; the caller
    /// then does the work itself.
    pub fn spawn(name: &str, drain: impl Fn(&Queue<T>) + Send + 'static) -> std::io::Result<Self> {
        let queue = Arc::new(Queue {
            state: Mutex::new(State {
                items: Vec::new(),
                oldest: None,
                asleep: false,
                closed: false,
            }),
            bell: Condvar::new(),
        });
        let background = queue.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                lowest_priority();
                background.run(drain)
            })?;
        Ok(Batches {
            queue,
            thread: Some(thread),
        })
    }

    /// Queues `item`, ringing the thread only if it sleeps.
    pub fn push(&self, item: T) -> Backlog {
        let now = Instant::now();
        let mut state = self.queue.lock();
        state.items.push(item);
        let oldest = *state.oldest.get_or_insert(now);
        let backlog = Backlog {
            items: state.items.len(),
            waited: now.saturating_duration_since(oldest),
        };
        let ring = std::mem::take(&mut state.asleep);
        drop(state);
        if ring {
            self.queue.bell.notify_one();
        }
        backlog
    }

    /// The queue, to take items in the caller's own order.
    pub fn queue(&self) -> &Queue<T> {
        &self.queue
    }
}

impl<T: Send + 'static> Drop for Batches<T> {
    /// Drains what is queued and stops the thread.
    fn drop(&mut self) {
        self.queue.lock().closed = true;
        self.queue.bell.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl<T> Queue<T> {
    /// Takes every queued item, oldest first.
    pub fn take(&self) -> Vec<T> {
        let mut state = self.lock();
        state.oldest = None;
        std::mem::take(&mut state.items)
    }

    /// The thread: sleep until an item comes, drain; until closed.
    fn run(&self, drain: impl Fn(&Queue<T>)) {
        loop {
            let closed = self.queued();
            drain(self);
            if closed {
                return;
            }
        }
    }

    /// Waits until something is queued (or the queue closes); whether it closed.
    fn queued(&self) -> bool {
        let mut state = self.lock();
        while state.items.is_empty() && !state.closed {
            state.asleep = true;
            state = self.bell.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        state.asleep = false;
        state.closed
    }

    /// The queue stays usable after a panic elsewhere: items are taken out whole.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Lowers the calling thread to the lowest priority (on Linux the nice value is per
/// thread). Best effort: without it the thread works, only less politely.
fn lowest_priority() {
    #[cfg(unix)]
    if let Err(e) = rustix::process::setpriority_process(None, 19) {
        tracing::debug!(error = %e, "cannot lower a background thread's priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batches `drain` saw, in order.
    type Seen = Arc<Mutex<Vec<Vec<u32>>>>;

    fn recording() -> (Batches<u32>, Seen) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let batches = Batches::spawn("test-batches", move |q: &Queue<u32>| {
            let items = q.take();
            if !items.is_empty() {
                sink.lock().unwrap().push(items);
            }
        })
        .unwrap();
        (batches, seen)
    }

    fn wait_for(mut done: impl FnMut() -> bool) {
        let until = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < until, "timed out");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn items_are_drained_in_order_and_nothing_is_lost_on_drop() {
        let (batches, seen) = recording();
        for i in 0..500 {
            batches.push(i);
        }
        drop(batches);
        let all: Vec<u32> = seen.lock().unwrap().concat();
        assert_eq!(all, (0..500).collect::<Vec<_>>());
    }

    #[test]
    fn a_sleeping_thread_is_rung_for_the_next_item() {
        let (batches, seen) = recording();
        batches.push(7);
        wait_for(|| seen.lock().unwrap().len() == 1);
        // The thread sleeps again; the next item still gets through.
        batches.push(8);
        wait_for(|| seen.lock().unwrap().len() == 2);
        assert_eq!(*seen.lock().unwrap(), vec![vec![7], vec![8]]);
    }

    #[test]
    fn the_backlog_counts_items_and_the_oldest_wait() {
        let batches = Batches::spawn("test-batches", |_: &Queue<u32>| {}).unwrap();
        let first = batches.push(1);
        assert_eq!(first.items, 1);
        std::thread::sleep(Duration::from_millis(20));
        let second = batches.push(2);
        assert_eq!(
            second.items, 2,
            "a drain that takes nothing leaves them queued"
        );
        assert!(second.waited >= Duration::from_millis(20), "{second:?}");
        assert_eq!(batches.queue().take(), vec![1, 2]);
        assert_eq!(batches.push(3).waited, Duration::ZERO, "the clock restarts");
    }

    #[test]
    fn what_the_caller_takes_itself_is_never_drained_twice() {
        let (batches, seen) = recording();
        for i in 0..200 {
            batches.push(i);
        }
        let mine = batches.queue().take();
        drop(batches);
        let mut all: Vec<u32> = seen.lock().unwrap().concat();
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "taken in order");
        all.extend(mine);
        all.sort_unstable();
        assert_eq!(all, (0..200).collect::<Vec<_>>(), "each item exactly once");
    }
}
