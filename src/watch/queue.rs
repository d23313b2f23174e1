//! The watcher's signals on their way to the ingest thread.
//!
//! A channel that holds up to [`CAPACITY`] signals and takes memory only
//! for those waiting. A script that saves and renames 10,000 files raises
//! five signals each, and they arrive while the ingest thread is busy with
//! the batch before: a channel that allocates its whole capacity up front
//! would hold that much memory for the daemon's life.
//!
//! Past the capacity the queue overflows: signals are dropped, and the
//! ingest walks every folder, which finds what they said, except one
//! thing: which new path a renamed file came from, which keeps its
//! release's id when its bytes changed on the way. So from the first
//! signal refused until the ingest takes the [`Overflow`], the renames the
//! watcher paired are kept aside, in order, for the walk.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::Signal;

/// Most signals waiting at once: about 8 MB when full.
pub const CAPACITY: usize = 65_536;

/// Most renames kept aside during one overflow: about 50 MB at most.
pub const RENAMES_KEPT: usize = 4 * CAPACITY;

/// The ingest thread has gone.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed;

/// The watcher's end.
#[derive(Clone)]
pub struct Sender {
    tx: mpsc::Sender<Signal>,
    shared: Arc<Shared>,
    capacity: usize,
}

/// The ingest thread's end.
pub struct Receiver {
    rx: mpsc::Receiver<Signal>,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Signals sent and not yet taken.
    waiting: AtomicUsize,
    /// Set at the first signal refused, cleared when the ingest takes the
    /// [`Overflow`]; changed only with `kept` locked.
    overflowed: AtomicBool,
    kept: Mutex<Kept>,
    /// [`RENAMES_KEPT`], or fewer in tests.
    renames_kept: usize,
}

#[derive(Default)]
struct Kept {
    renames: Vec<(PathBuf, PathBuf)>,
    dropped: usize,
}

/// What the ingest needs to know after an overflow, beyond what a walk finds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Overflow {
    /// The signals still queued, oldest first: they came before `renames`.
    pub queued: Vec<Signal>,
    /// The renames paired since the overflow began (old path, new path),
    /// oldest first.
    pub renames: Vec<(PathBuf, PathBuf)>,
    /// Renames dropped past [`RENAMES_KEPT`]: those files are matched
    /// by their bytes only.
    pub renames_dropped: usize,
}

/// A queue of [`CAPACITY`] signals.
pub fn queue() -> (Sender, Receiver) {
    with_limits(CAPACITY, RENAMES_KEPT)
}

fn with_limits(capacity: usize, renames_kept: usize) -> (Sender, Receiver) {
    let (tx, rx) = mpsc::channel();
    let shared = Arc::new(Shared {
        renames_kept,
        ..Shared::default()
    });
    let sender = Sender {
        tx,
        shared: shared.clone(),
        capacity,
    };
    (sender, Receiver { rx, shared })
}

impl Shared {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Sender {
    /// Queues `signal`; past the capacity the queue overflows (see the
    /// module's comment), which the ingest learns from
    /// [`Receiver::overflow`].
    pub fn send(&self, signal: Signal) -> Result<(), Closed> {
        if !matches!(signal, Signal::Renamed { .. }) {
            return match self.queue(signal) {
                Err(Refusal::Full(_)) => {
                    self.shared.overflowed.store(true, Ordering::SeqCst);
                    Ok(())
                }
                Err(Refusal::Closed) => Err(Closed),
                Ok(()) => Ok(()),
            };
        }
        // Under the lock: a rename is either queued before the overflow
        // is taken or kept aside for it, never neither.
        let mut kept = self.shared.kept();
        let signal = if self.shared.overflowed.load(Ordering::SeqCst) {
            signal
        } else {
            match self.queue(signal) {
                Ok(()) => return Ok(()),
                Err(Refusal::Closed) => return Err(Closed),
                Err(Refusal::Full(signal)) => {
                    self.shared.overflowed.store(true, Ordering::SeqCst);
                    signal
                }
            }
        };
        if let Signal::Renamed { from, to } = signal {
            if kept.renames.len() < self.shared.renames_kept {
                kept.renames.push((from, to));
            } else {
                kept.dropped += 1;
            }
        }
        Ok(())
    }

    fn queue(&self, signal: Signal) -> Result<(), Refusal> {
        if self.shared.waiting.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.shared.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::Full(signal));
        }
        self.tx.send(signal).map_err(|_| {
            self.shared.waiting.fetch_sub(1, Ordering::AcqRel);
            Refusal::Closed
        })
    }
}

/// Why a signal was not queued.
enum Refusal {
    Full(Signal),
    Closed,
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

    /// Whether the queue overflowed since the last call, and if so what
    /// the walk that follows needs: every signal still queued, then the
    /// renames kept aside. Queued first: while the overflow lasts no
    /// rename is queued, so none can slip in between the two.
    pub fn overflow(&self) -> Option<Overflow> {
        if !self.shared.overflowed.load(Ordering::SeqCst) {
            return None;
        }
        let queued = self.try_iter().collect();
        let mut kept = self.shared.kept();
        self.shared.overflowed.store(false, Ordering::SeqCst);
        Some(Overflow {
            queued,
            renames: std::mem::take(&mut kept.renames),
            renames_dropped: std::mem::take(&mut kept.dropped),
        })
    }

    fn taken(&self) {
        self.shared.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(n: usize) -> Signal {
        Signal::Changed(format!("/r/{n}.txt").into())
    }

    fn renamed(n: usize) -> Signal {
        Signal::Renamed {
            from: format!("/r/{n}.txt").into(),
            to: format!("/r/{n}-moved.txt").into(),
        }
    }

    fn pair(n: usize) -> (PathBuf, PathBuf) {
        match renamed(n) {
            Signal::Renamed { from, to } => (from, to),
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_full_queue_drops_signals_until_they_are_taken() {
        let (tx, rx) = with_limits(3, 8);
        for n in 0..4 {
            assert_eq!(tx.send(changed(n)), Ok(()));
        }
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(changed(0)));
        tx.send(changed(4)).expect("open");
        tx.send(changed(5)).expect("open");
        let overflow = rx.overflow().expect("overflowed");
        assert_eq!(overflow.queued, [changed(1), changed(2), changed(4)]);
        assert!(overflow.renames.is_empty());
        assert_eq!(rx.overflow(), None);
        tx.send(changed(6)).expect("open");
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [changed(6)]);
        assert_eq!(rx.overflow(), None);
    }

    #[test]
    fn renames_are_kept_aside_in_order_from_the_overflow_until_it_is_taken() {
        let (tx, rx) = with_limits(2, 8);
        tx.send(renamed(0)).expect("open");
        tx.send(changed(1)).expect("open");
        // Full: the rename is kept; after a signal is taken the queue has
        // room again, but renames stay aside until the overflow is taken.
        tx.send(renamed(2)).expect("open");
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(renamed(0)));
        tx.send(renamed(3)).expect("open");
        tx.send(changed(4)).expect("open");
        let overflow = rx.overflow().expect("overflowed");
        assert_eq!(overflow.queued, [changed(1), changed(4)]);
        assert_eq!(overflow.renames, [pair(2), pair(3)]);
        assert_eq!(overflow.renames_dropped, 0);
        tx.send(renamed(5)).expect("open");
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [renamed(5)]);
    }

    #[test]
    fn renames_past_the_limit_are_counted() {
        let (tx, rx) = with_limits(0, 5);
        for n in 0..7 {
            tx.send(renamed(n)).expect("open");
        }
        let overflow = rx.overflow().expect("overflowed");
        assert_eq!(overflow.renames, (0..5).map(pair).collect::<Vec<_>>());
        assert_eq!(overflow.renames_dropped, 2);
    }

    #[test]
    fn a_queue_whose_receiver_is_gone_says_so() {
        let (tx, rx) = with_limits(3, 8);
        drop(rx);
        assert_eq!(tx.send(changed(0)), Err(Closed));
        assert_eq!(tx.send(renamed(1)), Err(Closed));
        assert_eq!(tx.shared.waiting.load(Ordering::Acquire), 0);
    }
}
