//! Work a call hands to a background thread without waking it for every item.
//!
//! Waking a sleeping thread is a futex call and a context switch on another CPU: on the
//! small virtual machines ikmcp runs on, ~5–10 µs on the call's path, more than the work
//! it hands over. A [`Batches`] queue rings the thread only when it sleeps on an empty queue
//! (the first item of a batch) or when a batch is full; otherwise the thread, once woken, lingers a little to gather what the next calls queue.
//! An idle server has an empty queue and a thread asleep for good: no timer ticks.
//!
//! The thread runs `drain` with the queue; `drain` takes the items itself
//! ([`Queue::take`]), so a caller that must order its own work after everything queued
//! (the audit log's durable lines) can take them under the same lock as `drain` does.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a [`Batches`] thread gathers items.
#[derive(Debug, Clone, Copy)]
pub struct Gather {
    /// How long the thread, once woken, waits for more items before draining.
    pub linger: Duration,
    /// Items that end the wait at once.
    pub batch: usize,
}

/// A queue of `T` drained by one background thread.
pub struct Batches<T: Send + 'static> {
    queue: Arc<Queue<T>>,
    thread: Option<JoinHandle<()>>,
}

/// The shared queue; [`Queue::take`] empties it.
pub struct Queue<T> {
    state: Mutex<State<T>>,
    bell: Condvar,
    gather: Gather,
}

struct State<T> {
    items: Vec<T>,
    /// The thread waits on an empty queue and must be rung for the next item.
    asleep: bool,
    closed: bool,
}

impl<T: Send + 'static> Batches<T> {
    /// Starts the thread `name`, which calls `drain` whenever a batch is gathered, and once
    /// more when the queue is closed. `Err` if the thread cannot be started; the caller
    /// then does the work itself.
    pub fn spawn(
        name: &str,
        gather: Gather,
        drain: impl Fn(&Queue<T>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let queue = Arc::new(Queue {
            state: Mutex::new(State {
                items: Vec::new(),
                asleep: false,
                closed: false,
            }),
            bell: Condvar::new(),
            gather,
        });
        let background = queue.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || background.run(drain))?;
        Ok(Batches {
            queue,
            thread: Some(thread),
        })
    }

    /// Queues `item`, ringing the thread only if it sleeps or the batch is full; how many
    /// items are queued now.
    pub fn push(&self, item: T) -> usize {
        let mut state = self.queue.lock();
        state.items.push(item);
        let queued = state.items.len();
        let ring = std::mem::take(&mut state.asleep) || queued == self.queue.gather.batch;
        drop(state);
        if ring {
            self.queue.bell.notify_one();
        }
        queued
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
        std::mem::take(&mut self.lock().items)
    }

    /// The thread: sleep until an item comes, linger for more, drain; until closed.
    fn run(&self, drain: impl Fn(&Queue<T>)) {
        loop {
            let closed = self.gathered();
            drain(self);
            if closed {
                return;
            }
        }
    }

    /// Waits until a batch is gathered (or the queue closes); whether it closed.
    fn gathered(&self) -> bool {
        let mut state = self.lock();
        while state.items.is_empty() && !state.closed {
            state.asleep = true;
            state = self.wait(state, None);
        }
        state.asleep = false;
        let until = Instant::now() + self.gather.linger;
        while !state.closed && state.items.len() < self.gather.batch {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self.wait(state, Some(left));
        }
        state.closed
    }

    fn wait<'a>(
        &self,
        state: MutexGuard<'a, State<T>>,
        timeout: Option<Duration>,
    ) -> MutexGuard<'a, State<T>> {
        match timeout {
            None => self.bell.wait(state).unwrap_or_else(|p| p.into_inner()),
            Some(t) => {
                self.bell
                    .wait_timeout(state, t)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        }
    }

    /// The queue stays usable after a panic elsewhere: items are taken out whole.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// The batches `drain` saw, in order.
    type Seen = Arc<Mutex<Vec<Vec<u32>>>>;

    fn counting(gather: Gather) -> (Batches<u32>, Seen) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let batches = Batches::spawn("test-batches", gather, move |q: &Queue<u32>| {
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
        let (batches, seen) = counting(Gather {
            linger: Duration::from_millis(50),
            batch: 1000,
        });
        for i in 0..500 {
            batches.push(i);
        }
        drop(batches);
        let all: Vec<u32> = seen.lock().unwrap().concat();
        assert_eq!(all, (0..500).collect::<Vec<_>>());
    }

    #[test]
    fn a_lone_item_is_drained_after_the_linger_without_more_pushes() {
        let (batches, seen) = counting(Gather {
            linger: Duration::from_millis(2),
            batch: 1000,
        });
        batches.push(7);
        wait_for(|| !seen.lock().unwrap().is_empty());
        assert_eq!(*seen.lock().unwrap(), vec![vec![7]]);
        // The thread sleeps again; the next item still gets through.
        batches.push(8);
        wait_for(|| seen.lock().unwrap().len() == 2);
        drop(batches);
    }

    #[test]
    fn a_full_batch_drains_before_the_linger_ends() {
        let (batches, seen) = counting(Gather {
            linger: Duration::from_secs(3600),
            batch: 3,
        });
        for i in 0..3 {
            batches.push(i);
        }
        wait_for(|| seen.lock().unwrap().len() == 1);
        assert_eq!(*seen.lock().unwrap(), vec![vec![0, 1, 2]]);
        drop(batches);
    }

    #[test]
    fn the_caller_can_take_items_itself_in_order() {
        let drained = Arc::new(AtomicUsize::new(0));
        let count = drained.clone();
        let batches = Batches::spawn(
            "test-batches",
            Gather {
                linger: Duration::from_secs(3600),
                batch: 1000,
            },
            move |q: &Queue<u32>| {
                count.fetch_add(q.take().len(), Ordering::SeqCst);
            },
        )
        .unwrap();
        batches.push(1);
        batches.push(2);
        assert_eq!(batches.queue().take(), vec![1, 2]);
        drop(batches);
        assert_eq!(drained.load(Ordering::SeqCst), 0);
    }
}
