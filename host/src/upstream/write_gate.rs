//! The race between an apply's first write and the apply start limit.
//!
//! The guard gives an apply a short time, from its freshness check, until its first write
//! leaves for the upstream (`guard::first_write`). The session checks this gate right
//! before the first attempt of a write is sent, after any wait in the rate limiter; the
//! guard's timer closes it when the time is up. Whichever comes first wins, atomically:
//! either the write goes out (and later writes of the apply pass), or the gate is closed
//! and no write of this apply is ever sent.

use std::sync::atomic::{AtomicU8, Ordering};

const WAITING: u8 = 0;
const STARTED: u8 = 1;
const EXPIRED: u8 = 2;

/// Who won: the first write or the clock.
#[derive(Debug, Default)]
pub struct FirstWriteGate(AtomicU8);

impl FirstWriteGate {
    /// A write is about to be sent: true if it may go (the time was not up).
    pub fn start_write(&self) -> bool {
        match self
            .0
            .compare_exchange(WAITING, STARTED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(state) => state == STARTED,
        }
    }

    /// The time is up: true if no write was sent (the apply must be stopped).
    pub fn expire(&self) -> bool {
        self.0
            .compare_exchange(WAITING, EXPIRED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_side_wins() {
        let gate = FirstWriteGate::default();
        assert!(gate.start_write());
        assert!(!gate.expire());
        assert!(gate.start_write(), "later writes of a started apply pass");
        let gate = FirstWriteGate::default();
        assert!(gate.expire());
        assert!(!gate.start_write());
        assert!(!gate.start_write());
    }
}
