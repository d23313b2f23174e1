//! Keeps the serving threads' shares of the connections even.
//!
//! Every serving thread accepts from the same listening socket, and the
//! one that is awake when connections arrive takes them all: a client
//! opening 64 at once left one thread with 40 and the other with 24, and
//! the busier thread set the pace. So a thread that already serves more
//! connections than another hands the one it just accepted to the thread
//! serving fewest. Only the accept pays for it (the socket moves to the
//! other thread's poller); requests never cross threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::mpsc;

/// An accepted connection on its way to the thread that will serve it.
pub(super) struct Handed {
    pub(super) stream: std::net::TcpStream,
    pub(super) peer: std::net::SocketAddr,
    pub(super) seat: Seat,
}

/// The serving threads' connection counts and the way to each thread.
pub(super) struct Balance {
    serving: Vec<AtomicUsize>,
    /// Threads that take no more connections.
    retired: Vec<AtomicBool>,
    inboxes: Vec<mpsc::UnboundedSender<Handed>>,
}

/// Counts one connection against its thread while it lives.
pub(super) struct Seat {
    balance: Arc<Balance>,
    thread: usize,
}

impl Balance {
    /// A balance of `threads` threads, with the receiving end of each
    /// thread's inbox, by thread number.
    pub(super) fn new(threads: usize) -> (Arc<Balance>, Vec<mpsc::UnboundedReceiver<Handed>>) {
        let (inboxes, receivers) = (0..threads).map(|_| mpsc::unbounded_channel()).unzip();
        let balance = Balance {
            serving: (0..threads).map(|_| AtomicUsize::new(0)).collect(),
            retired: (0..threads).map(|_| AtomicBool::new(false)).collect(),
            inboxes,
        };
        (Arc::new(balance), receivers)
    }

    /// Takes a seat for a connection `thread` accepted: on `thread` itself
    /// unless another serves fewer connections, then on the one serving
    /// fewest (see [`Seat::thread`]).
    pub(super) fn seat(self: &Arc<Self>, thread: usize) -> Seat {
        let mine = self.count(thread);
        let fewest = (0..self.serving.len())
            .min_by_key(|&n| self.count(n))
            .filter(|&n| self.count(n) < mine)
            .unwrap_or(thread);
        self.serving[fewest].fetch_add(1, Ordering::Relaxed);
        Seat {
            balance: self.clone(),
            thread: fewest,
        }
    }

    /// Sends a connection to the thread its seat is on. Gives it back if
    /// that thread no longer takes any (it is stopping).
    pub(super) fn hand_over(&self, handed: Handed) -> Result<(), Handed> {
        self.inboxes[handed.seat.thread]
            .send(handed)
            .map_err(|refused| refused.0)
    }

    /// Takes `thread` out of the choice for good: it stopped taking
    /// connections while the others still do.
    pub(super) fn retire(&self, thread: usize) {
        self.retired[thread].store(true, Ordering::Relaxed);
    }

    /// How many connections `thread` serves; a retired thread counts as
    /// full.
    fn count(&self, thread: usize) -> usize {
        if self.retired[thread].load(Ordering::Relaxed) {
            return usize::MAX;
        }
        self.serving[thread].load(Ordering::Relaxed)
    }
}

impl Seat {
    /// The thread this seat is on.
    pub(super) fn thread(&self) -> usize {
        self.thread
    }

    /// Moves the seat to `thread`, which serves the connection after all.
    pub(super) fn move_to(&mut self, thread: usize) {
        if thread != self.thread {
            self.balance.serving[thread].fetch_add(1, Ordering::Relaxed);
            self.balance.serving[self.thread].fetch_sub(1, Ordering::Relaxed);
            self.thread = thread;
        }
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.balance.serving[self.thread].fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_keeps_its_connections_until_it_serves_more_than_another() {
        let (balance, _inboxes) = Balance::new(2);
        let first = balance.seat(0);
        assert_eq!(first.thread(), 0);
        // Thread 0 serves one, thread 1 none: the next goes to 1.
        let second = balance.seat(0);
        assert_eq!(second.thread(), 1);
        // Even again: a tie keeps the connection where it was accepted.
        let third = balance.seat(1);
        assert_eq!(third.thread(), 1);
        // Thread 1 now serves two, thread 0 one.
        let fourth = balance.seat(1);
        assert_eq!(fourth.thread(), 0);
        drop((first, fourth));
        assert_eq!(balance.seat(1).thread(), 0);
    }

    #[test]
    fn a_retired_thread_gets_no_more_connections() {
        let (balance, _inboxes) = Balance::new(2);
        balance.retire(1);
        let seats: Vec<Seat> = (0..4).map(|_| balance.seat(0)).collect();
        assert!(seats.iter().all(|seat| seat.thread() == 0));
    }

    #[test]
    fn a_seat_counts_until_it_is_dropped_and_follows_its_connection() {
        let (balance, _inboxes) = Balance::new(3);
        let mut seat = balance.seat(2);
        assert_eq!(seat.thread(), 2);
        seat.move_to(1);
        assert_eq!((balance.count(1), balance.count(2)), (1, 0));
        drop(seat);
        assert_eq!(balance.count(1), 0);
    }

    #[test]
    fn a_connection_for_a_stopped_thread_comes_back() {
        let (balance, mut inboxes) = Balance::new(2);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let client =
            std::net::TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (stream, peer) = listener.accept().expect("accept");
        let _hold = balance.seat(0);
        let seat = balance.seat(0);
        assert_eq!(seat.thread(), 1);
        drop(inboxes.pop());
        let back = balance
            .hand_over(Handed { stream, peer, seat })
            .expect_err("thread 1 is gone");
        assert_eq!(back.peer, peer);
        drop(client);
    }
}
