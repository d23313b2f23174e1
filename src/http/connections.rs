//! The connection table behind the cap on open connections. When the table
//! is full, a new client is not turned away: the connection that has been
//! quiet the longest (idle keep-alive, or a client that never sent a
//! request) is closed to make room, so thousands of idle sockets cannot
//! lock real readers out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

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
    evict: CancellationToken,
}

/// One admitted connection; leaving the table when dropped.
pub(super) struct Ticket {
    connections: Arc<Connections>,
    id: u64,
    last_active: Arc<AtomicU64>,
    /// Cancelled when the connection is evicted to make room.
    pub(super) evict: CancellationToken,
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
                slot.evict.cancel();
            }
        }
        let id = table.next;
        table.next += 1;
        let last_active = Arc::new(AtomicU64::new(now));
        let evict = CancellationToken::new();
        table.open.insert(
            id,
            Slot {
                last_active: last_active.clone(),
                evict: evict.clone(),
            },
        );
        Ticket {
            connections: self.clone(),
            id,
            last_active,
            evict,
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
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.connections.table().open.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_table_evicts_the_quietest_connection() {
        let table = Connections::new(2);
        let first = table.admit();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let second = table.admit();
        std::thread::sleep(std::time::Duration::from_millis(5));
        first.touch();
        let third = table.admit();
        assert!(second.evict.is_cancelled(), "the quietest goes");
        assert!(!first.evict.is_cancelled() && !third.evict.is_cancelled());
        drop(second);
        assert_eq!(table.len(), 2);
        drop((first, third));
        assert_eq!(table.len(), 0);
    }
}
