//! The open connections and their deadlines: the cap on open connections,
//! hyper's header read timeout, and the longest life of a connection.
//!
//! When the table is full, a new client is not turned away: the connection
//! that has been waiting longest for a request (idle keep-alive, or a
//! client that never sent one) is closed to make room, so thousands of idle
//! sockets cannot lock real readers out.
//!
//! The deadlines are kept here rather than in the runtime's timer wheel:
//! hyper starts a header timer for every request on a keep-alive
//! connection, and putting each into the wheel and taking it out again was
//! about a tenth of the work of answering a 304. Here a timer is a few
//! fields behind the connection's own lock, and one sweep a
//! [`SWEEP_EVERY`] fires the ones that are due and closes connections past
//! their life, so a deadline is kept to within that much.
//!
//! The same timers make the graceful stop: once [`Connections::stop_waiting`]
//! has run, every wait for a request head ends at once, so idle
//! connections close and busy ones close after their answer, and a
//! request costs no watch on a stop signal.
//!
//! A connection is closed by aborting its task, which drops the socket: the
//! task itself waits on nothing but its connection, so a request costs no
//! extra wake-up or check for the rare eviction.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use tokio::task::AbortHandle;

/// How often due deadlines are looked for.
pub(super) const SWEEP_EVERY: Duration = Duration::from_millis(500);

/// The open connections, by admission number.
pub(super) struct Connections {
    cap: usize,
    lifetime: Duration,
    table: Mutex<Table>,
    /// Set once by [`Connections::stop_waiting`].
    stopping: AtomicBool,
}

#[derive(Default)]
struct Table {
    next: u64,
    open: HashMap<u64, Slot>,
}

struct Slot {
    admitted: Instant,
    wait: Arc<Wait>,
    /// The connection's task, once it is running.
    task: Option<AbortHandle>,
}

/// One connection's wait for a request head, shared by hyper's header
/// timer and the sweep.
#[derive(Default)]
struct Wait {
    state: Mutex<WaitState>,
}

#[derive(Default)]
struct WaitState {
    /// Counts the timers made, so a timer replaced by a newer one cannot
    /// clear its successor's deadline.
    timer: u64,
    /// When the head being waited for is due; `None` while a request is
    /// being answered.
    deadline: Option<Instant>,
    expired: bool,
    waker: Option<Waker>,
}

impl Wait {
    fn lock(&self) -> MutexGuard<'_, WaitState> {
        // Plain values only; a panic elsewhere cannot tear them.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One admitted connection; leaving the table when dropped.
pub(super) struct Ticket {
    connections: Arc<Connections>,
    id: u64,
    wait: Arc<Wait>,
}

impl Connections {
    /// A table of at most `cap` connections, each closed after `lifetime`.
    pub(super) fn new(cap: usize, lifetime: Duration) -> Arc<Connections> {
        Arc::new(Connections {
            cap,
            lifetime,
            table: Mutex::new(Table::default()),
            stopping: AtomicBool::new(false),
        })
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        // The table holds plain values; a panic elsewhere cannot tear it.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Admits a connection, evicting the quietest one when full.
    pub(super) fn admit(self: &Arc<Self>) -> Ticket {
        let mut table = self.table();
        if table.open.len() >= self.cap {
            // Waiting for a request since longest first; a connection busy
            // answering one only when none waits, the oldest of them.
            let quietest = table
                .open
                .iter()
                .min_by_key(|(_, slot)| match slot.wait.lock().deadline {
                    Some(due) => (false, due),
                    None => (true, slot.admitted),
                })
                .map(|(id, _)| *id);
            if let Some(slot) = quietest.and_then(|id| table.open.remove(&id)) {
                tracing::debug!("closing the quietest connection to make room for a new one");
                if let Some(task) = slot.task {
                    task.abort();
                }
            }
        }
        let id = table.next;
        table.next += 1;
        let wait = Arc::new(Wait::default());
        table.open.insert(
            id,
            Slot {
                admitted: Instant::now(),
                wait: wait.clone(),
                task: None,
            },
        );
        Ticket {
            connections: self.clone(),
            id,
            wait,
        }
    }

    /// Fires the header timers due by `now` and stops the connections that
    /// have lived past their life.
    pub(super) fn sweep(&self, now: Instant) {
        let mut due = Vec::new();
        {
            let table = self.table();
            for slot in table.open.values() {
                if now.duration_since(slot.admitted) >= self.lifetime
                    && let Some(task) = &slot.task
                {
                    task.abort();
                }
                let mut wait = slot.wait.lock();
                if !wait.expired && wait.deadline.is_some_and(|d| d <= now) {
                    wait.expired = true;
                    due.extend(wait.waker.take());
                }
            }
        }
        for waker in due {
            waker.wake();
        }
    }

    /// Ends every wait for a request head, now and from now on: idle
    /// connections close at once, and the others once their answer is out.
    pub(super) fn stop_waiting(&self) {
        // Before the table is locked: a connection admitted after this sees
        // the flag when it first waits, one admitted before is in the table.
        self.stopping.store(true, Ordering::SeqCst);
        let mut due = Vec::new();
        {
            let table = self.table();
            for slot in table.open.values() {
                let mut wait = slot.wait.lock();
                if !wait.expired && wait.deadline.is_some() {
                    wait.expired = true;
                    due.extend(wait.waker.take());
                }
            }
        }
        for waker in due {
            waker.wake();
        }
    }

    /// Sweeps every [`SWEEP_EVERY`], for as long as it is polled.
    pub(super) async fn keep_deadlines(self: Arc<Self>) {
        let mut ticks = tokio::time::interval(SWEEP_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.sweep(Instant::now());
        }
    }

    /// How many connections are open.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.table().open.len()
    }
}

impl Ticket {
    /// The timer hyper runs this connection's header read timeout on.
    pub(super) fn head_timer(&self) -> HeadTimer {
        HeadTimer {
            wait: self.wait.clone(),
            connections: self.connections.clone(),
        }
    }

    /// Names the task that runs the connection, so an eviction can stop it.
    /// A connection evicted before its task started is stopped at once.
    pub(super) fn runs_in(&self, task: AbortHandle) {
        match self.connections.table().open.get_mut(&self.id) {
            Some(slot) => slot.task = Some(task),
            None => task.abort(),
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.connections.table().open.remove(&self.id);
    }
}

/// A [`hyper::rt::Timer`] for one connection's header read timeout. hyper
/// starts the timer when it begins to wait for a request head and drops it
/// once the head is in, so it also tells the table which connections are
/// idle and since when.
#[derive(Clone)]
pub(super) struct HeadTimer {
    wait: Arc<Wait>,
    /// For the stop flag.
    connections: Arc<Connections>,
}

impl HeadTimer {
    fn arm(&self, deadline: Instant) -> u64 {
        let mut wait = self.wait.lock();
        wait.timer += 1;
        wait.deadline = Some(deadline);
        // Ordered by the wait's lock, or the table's, after a stop that
        // missed this wait (see `stop_waiting`).
        wait.expired = self.connections.stopping.load(Ordering::Relaxed);
        wait.timer
    }
}

impl hyper::rt::Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let timer = self.arm(deadline);
        Box::pin(HeadSleep {
            wait: self.wait.clone(),
            timer,
        })
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HeadSleep>() {
            Some(mine) if Arc::ptr_eq(&mine.wait, &self.wait) => {
                let timer = self.arm(new_deadline);
                mine.get_mut().timer = timer;
            }
            _ => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// A header timer: ready once the sweep finds its deadline passed.
struct HeadSleep {
    wait: Arc<Wait>,
    timer: u64,
}

impl Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut wait = self.wait.lock();
        if wait.timer != self.timer {
            // Replaced by a newer timer, which the sweep fires instead.
            return Poll::Pending;
        }
        if wait.expired {
            return Poll::Ready(());
        }
        match &mut wait.waker {
            Some(known) if known.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl hyper::rt::Sleep for HeadSleep {}

impl Drop for HeadSleep {
    fn drop(&mut self) {
        let mut wait = self.wait.lock();
        if wait.timer == self.timer {
            wait.deadline = None;
            wait.expired = false;
            wait.waker = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::rt::Timer;

    const LIFE: Duration = Duration::from_secs(3600);

    /// A connection task that only ends when aborted.
    fn connection(table: &Arc<Connections>) -> (Ticket, tokio::task::JoinHandle<()>) {
        let ticket = table.admit();
        let task = tokio::spawn(std::future::pending::<()>());
        ticket.runs_in(task.abort_handle());
        (ticket, task)
    }

    fn in_secs(s: u64) -> Instant {
        Instant::now() + Duration::from_secs(s)
    }

    #[tokio::test]
    async fn a_full_table_closes_the_connection_waiting_longest() {
        let table = Connections::new(3, LIFE);
        let (first, first_task) = connection(&table);
        let (second, second_task) = connection(&table);
        let (busy, busy_task) = connection(&table);
        // The first waited since before the second, then got a request
        // and now waits for its next one.
        let early = first.head_timer().sleep_until(in_secs(10));
        let _second_waits = second.head_timer().sleep_until(in_secs(11));
        drop(early);
        let _first_waits_again = first.head_timer().sleep_until(in_secs(12));
        let (fourth, fourth_task) = connection(&table);
        let ended = second_task.await;
        assert!(ended.is_err_and(|e| e.is_cancelled()), "the quietest goes");
        for task in [&first_task, &busy_task, &fourth_task] {
            assert!(!task.is_finished());
        }
        drop(second);
        assert_eq!(table.len(), 3);
        drop((first, busy, fourth));
        assert_eq!(table.len(), 0);
    }

    #[tokio::test]
    async fn a_connection_evicted_before_its_task_started_is_stopped() {
        let table = Connections::new(1, LIFE);
        let early = table.admit();
        let _late = table.admit();
        let task = tokio::spawn(std::future::pending::<()>());
        early.runs_in(task.abort_handle());
        assert!(task.await.is_err_and(|e| e.is_cancelled()));
    }

    #[tokio::test]
    async fn a_header_timer_fires_at_the_first_sweep_past_its_deadline() {
        let table = Connections::new(4, LIFE);
        let (ticket, _task) = connection(&table);
        let deadline = in_secs(10);
        let sleep = ticket.head_timer().sleep_until(deadline);
        let waiting = tokio::spawn(sleep);
        tokio::task::yield_now().await;
        table.sweep(deadline - Duration::from_millis(1));
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "not due yet");
        table.sweep(deadline);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("fired")
            .expect("ran");
    }

    #[tokio::test]
    async fn a_reset_or_replaced_timer_keeps_only_the_newest_deadline() {
        let table = Connections::new(4, LIFE);
        let (ticket, _task) = connection(&table);
        let timer = ticket.head_timer();
        let mut sleep = timer.sleep_until(in_secs(1));
        timer.reset(&mut sleep, in_secs(20));
        table.sweep(in_secs(10));
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(
            sleep.as_mut().poll(&mut cx).is_pending(),
            "reset moved it on"
        );
        let newer = timer.sleep_until(in_secs(30));
        drop(sleep);
        table.sweep(in_secs(25));
        let mut newer = newer;
        assert!(
            newer.as_mut().poll(&mut cx).is_pending(),
            "the old timer's drop left the newer one armed"
        );
        table.sweep(in_secs(31));
        assert!(newer.as_mut().poll(&mut cx).is_ready());
    }

    #[tokio::test]
    async fn a_connection_past_its_life_is_stopped_by_the_sweep() {
        let table = Connections::new(4, Duration::from_secs(60));
        let (_ticket, task) = connection(&table);
        table.sweep(Instant::now());
        tokio::task::yield_now().await;
        assert!(!task.is_finished());
        table.sweep(in_secs(61));
        assert!(task.await.is_err_and(|e| e.is_cancelled()));
    }

    #[tokio::test]
    async fn a_stop_ends_the_waits_for_a_head_now_and_later_but_not_an_answer() {
        let table = Connections::new(4, LIFE);
        let (idle, _idle_task) = connection(&table);
        let (busy, _busy_task) = connection(&table);
        let waiting = tokio::spawn(idle.head_timer().sleep_until(in_secs(10)));
        tokio::task::yield_now().await;
        table.stop_waiting();
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the idle connection's wait ended")
            .expect("ran");
        // The busy one was answering; its next wait ends at once, as does
        // the first wait of a connection admitted after the stop.
        let (late, _late_task) = connection(&table);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        for ticket in [&busy, &late] {
            let mut next = ticket.head_timer().sleep_until(in_secs(10));
            assert!(next.as_mut().poll(&mut cx).is_ready());
        }
    }
}
