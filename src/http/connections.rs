//! The connection table behind the cap on open connections. When the table
//! is full, a new client is not turned away: the connection that has been
//! quiet the longest (idle keep-alive, or a client that never sent a
//! request) is closed to make room, so thousands of idle sockets cannot
//! lock real readers out.
//!
//! A connection is closed by aborting its task, which drops the socket: the
//! task itself waits on nothing but its connection, so a request costs no
//! extra wake-up or check for the rare eviction.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::task::AbortHandle;

/// The open connections, by admission number.
pub(super) struct Connections {
    cap: usize,
    epoch: Instant,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    next: u64,
    open: HashMap<u64, Slot>,
}

struct Slot {
    last_active: Arc<AtomicU64>,
    /// The connection's task, once it is running.
    task: Option<AbortHandle>,
}

/// One admitted connection; leaving the table when dropped.
pub(super) struct Ticket {
    connections: Arc<Connections>,
    id: u64,
    last_active: Arc<AtomicU64>,
}

impl Connections {
    pub(super) fn new(cap: usize) -> Arc<Connections> {
        Arc::new(Connections {
            cap,
            epoch: Instant::now(),
            table: Mutex::new(Table::default()),
        })
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        // The table holds plain values; a panic elsewhere cannot tear it.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Admits a connection, evicting the quietest one when full.
    pub(super) fn admit(self: &Arc<Self>) -> Ticket {
        let now = self.now();
        let mut table = self.table();
        if table.open.len() >= self.cap {
            let quietest = table
                .open
                .iter()
                .min_by_key(|(_, s)| s.last_active.load(Ordering::Relaxed))
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
        let last_active = Arc::new(AtomicU64::new(now));
        table.open.insert(
            id,
            Slot {
                last_active: last_active.clone(),
                task: None,
            },
        );
        Ticket {
            connections: self.clone(),
            id,
            last_active,
        }
    }

    /// How many connections are open.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.table().open.len()
    }
}

impl Ticket {
    /// Marks the connection as active now (a request arrived).
    pub(super) fn touch(&self) {
        self.last_active
            .store(self.connections.now(), Ordering::Relaxed);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection task that only ends when aborted.
    fn connection(table: &Arc<Connections>) -> (Ticket, tokio::task::JoinHandle<()>) {
        let ticket = table.admit();
        let task = tokio::spawn(std::future::pending::<()>());
        ticket.runs_in(task.abort_handle());
        (ticket, task)
    }

    #[tokio::test]
    async fn a_full_table_closes_the_quietest_connection() {
        let table = Connections::new(2);
        let (first, first_task) = connection(&table);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (second, second_task) = connection(&table);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        first.touch();
        let (third, third_task) = connection(&table);
        let ended = second_task.await;
        assert!(ended.is_err_and(|e| e.is_cancelled()), "the quietest goes");
        assert!(!first_task.is_finished() && !third_task.is_finished());
        drop(second);
        assert_eq!(table.len(), 2);
        drop((first, third));
        assert_eq!(table.len(), 0);
    }

    #[tokio::test]
    async fn a_connection_evicted_before_its_task_started_is_stopped() {
        let table = Connections::new(1);
        let early = table.admit();
        let _late = table.admit();
        let task = tokio::spawn(std::future::pending::<()>());
        early.runs_in(task.abort_handle());
        assert!(task.await.is_err_and(|e| e.is_cancelled()));
    }
}
