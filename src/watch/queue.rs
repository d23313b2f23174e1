//! The watcher's signals on their way to the ingest thread.
//!
//! A channel that holds up to [`CAPACITY`] signals and takes memory only
//! for those waiting. A script that saves and renames 10,000 files raises
//! five signals each, and they arrive while the ingest thread is busy with
//! the batch before: a channel that allocates its whole capacity up front
//! would hold that much memory for the daemon's life. Past the capacity a
//! signal is refused and the watcher asks for a walk of every folder, which
//! finds what the lost signals said, except which new path a renamed file
//! came from.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use super::Signal;

/// Most signals waiting at once: about 8 MB when full.
pub const CAPACITY: usize = 65_536;

/// Why a signal was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// [`CAPACITY`] signals are waiting.
    Full,
    /// The ingest thread has gone.
    Closed,
}

/// The watcher's end.
#[derive(Clone)]
pub struct Sender {
    tx: mpsc::Sender<Signal>,
    waiting: Arc<AtomicUsize>,
    capacity: usize,
}

/// The ingest thread's end.
pub struct Receiver {
    rx: mpsc::Receiver<Signal>,
    waiting: Arc<AtomicUsize>,
}

/// A queue of [`CAPACITY`] signals.
pub fn queue() -> (Sender, Receiver) {
    with_capacity(CAPACITY)
}

fn with_capacity(capacity: usize) -> (Sender, Receiver) {
    let (tx, rx) = mpsc::channel();
    let waiting = Arc::new(AtomicUsize::new(0));
    let sender = Sender {
        tx,
        waiting: waiting.clone(),
        capacity,
    };
    (sender, Receiver { rx, waiting })
}

impl Sender {
    /// Queues `signal` unless the queue is full or its receiver gone.
    pub fn try_send(&self, signal: Signal) -> Result<(), Refused> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Refused::Full);
        }
        self.tx.send(signal).map_err(|_| {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            Refused::Closed
        })
    }
}

impl Receiver {
    /// The next signal, waiting up to `timeout` for one.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Signal, RecvTimeoutError> {
        let signal = self.rx.recv_timeout(timeout)?;
        self.taken();
        Ok(signal)
    }

    /// The signals waiting now, without waiting for more.
    pub fn try_iter(&self) -> impl Iterator<Item = Signal> + '_ {
        self.rx.try_iter().inspect(|_| self.taken())
    }

    fn taken(&self) {
        self.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(n: usize) -> Signal {
        Signal::Changed(format!("/r/{n}.txt").into())
    }

    #[test]
    fn a_full_queue_refuses_until_signals_are_taken() {
        let (tx, rx) = with_capacity(3);
        for n in 0..3 {
            assert_eq!(tx.try_send(changed(n)), Ok(()));
        }
        assert_eq!(tx.try_send(changed(3)), Err(Refused::Full));
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(changed(0)));
        assert_eq!(tx.try_send(changed(4)), Ok(()));
        assert_eq!(tx.try_send(changed(5)), Err(Refused::Full));
        let rest: Vec<Signal> = rx.try_iter().collect();
        assert_eq!(rest, [changed(1), changed(2), changed(4)]);
        assert_eq!(tx.try_send(changed(6)), Ok(()));
    }

    #[test]
    fn a_queue_whose_receiver_is_gone_says_so() {
        let (tx, rx) = with_capacity(3);
        drop(rx);
        assert_eq!(tx.try_send(changed(0)), Err(Refused::Closed));
        assert_eq!(tx.waiting.load(Ordering::Acquire), 0);
    }
}
