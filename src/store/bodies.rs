//! Full release records for the feeds and pages that show them. Memory
//! holds only each release's [`Head`]; a record is read from the store's
//! file through a read-only connection when shown, and the most recent
//! ones are kept in a bounded cache (the records new feeds show are the
//! ones the ingest just wrote, which it hands over directly). WAL lets
//! these readers run beside the one writer without waiting for it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{StoreError, schema};
use crate::model::{Entry, Head};

/// How many records the cache holds: every default feed's entries twice
/// over (ten feeds of 50, most of `all`'s shared with its region's). Each
/// 1,000 records cost a 100,000-release cold start about 10 MB of peak
/// memory (295 MB at 2,048, 283 MB at 1,024).
const CAPACITY: usize = 1024;

/// How many idle read connections are kept.
const IDLE_CONNECTIONS: usize = 4;

/// The records behind the heads; see the module documentation.
#[derive(Debug)]
pub struct Bodies {
    /// The database file; `None` keeps everything in memory (tests).
    path: Option<PathBuf>,
    idle: Mutex<Vec<Connection>>,
    cache: Mutex<HashMap<String, Arc<Entry>>>,
}

impl Bodies {
    /// Reads records from the database at `path`.
    pub fn open(path: PathBuf) -> Bodies {
        Bodies {
            path: Some(path),
            idle: Mutex::new(Vec::new()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Holds every record it is given, without a database.
    pub fn in_memory() -> Bodies {
        Bodies {
            path: None,
            idle: Mutex::new(Vec::new()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps a record just written, so showing it needs no read.
    pub fn remember(&self, entry: Arc<Entry>) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if self.path.is_some() && cache.len() >= CAPACITY {
            // Arbitrary eviction is enough: a record missing is one read.
            let drop: Vec<String> = cache.keys().take(CAPACITY / 2).cloned().collect();
            for id in drop {
                cache.remove(&id);
            }
        }
        cache.insert(entry.release.id.clone(), entry);
    }

    /// The records of `heads`, in their order. A record the store no
    /// longer has (removed since the heads were taken) is left out; so is
    /// one that cannot be read, with an error logged.
    pub fn load(&self, heads: &[&Head]) -> Vec<Arc<Entry>> {
        let mut found: Vec<Option<Arc<Entry>>> = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            heads
                .iter()
                .map(|h| cache.get(&h.id).filter(|e| e.matches(h)).cloned())
                .collect()
        };
        let missing: Vec<usize> = (0..heads.len()).filter(|&i| found[i].is_none()).collect();
        if !missing.is_empty() {
            match self.read(missing.iter().map(|&i| heads[i].id.as_str())) {
                Ok(read) => {
                    for (i, entry) in missing.into_iter().zip(read) {
                        if let Some(entry) = entry {
                            let entry = Arc::new(entry);
                            self.remember(entry.clone());
                            found[i] = Some(entry);
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot read release records"),
            }
        }
        found.into_iter().flatten().collect()
    }

    /// Reads records by id from the database.
    fn read<'a>(
        &self,
        ids: impl Iterator<Item = &'a str>,
    ) -> Result<Vec<Option<Entry>>, StoreError> {
        let Some(path) = &self.path else {
            return Ok(ids.map(|_| None).collect());
        };
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_reader(path)?,
        };
        let result = read_with(&conn, ids);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(conn);
        }
        result
    }
}

fn open_reader(path: &PathBuf) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        path: path.clone(),
        source,
    })?;
    conn.busy_timeout(super::BUSY_TIMEOUT)?;
    Ok(conn)
}

fn read_with<'a>(
    conn: &Connection,
    ids: impl Iterator<Item = &'a str>,
) -> Result<Vec<Option<Entry>>, StoreError> {
    let mut stmt = conn.prepare_cached(schema::SELECT_BY_ID)?;
    // One read transaction: every record comes from the same commit.
    conn.execute_batch("BEGIN")?;
    let result = ids
        .map(|id| {
            let row = stmt.query_row([id], schema::read_release).optional()?;
            row.map(|r| r.into_stored().map(|s| Arc::unwrap_or_clone(s.entry)))
                .transpose()
        })
        .collect();
    conn.execute_batch("COMMIT")?;
    result
}

#[cfg(test)]
mod tests {
    use super::super::tests::{TestResult, sample};
    use super::super::{Change, Store};
    use super::*;

    #[test]
    fn records_are_read_from_the_file_and_a_stale_cache_entry_is_not_used() -> TestResult {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(dir.path())?;
        let first = sample("a.txt", "First body.");
        store.apply(&[Change::Upsert(first.clone())])?;
        let bodies = store.bodies();
        let head = first.entry.head();
        let loaded = bodies.load(&[&head]);
        assert_eq!(loaded.len(), 1);
        assert_eq!(*loaded[0], *first.entry);

        // The store moves on: a cached record of another version is not used.
        let mut second = sample("a.txt", "Second body.");
        Arc::make_mut(&mut second.entry).updated += chrono::Duration::seconds(1);
        store.apply(&[Change::Upsert(second.clone())])?;
        let loaded = bodies.load(&[&second.entry.head()]);
        assert_eq!(loaded[0].release.summary, "Second body.");

        // A removed release is left out.
        store.apply(&[Change::Remove {
            key: "a.txt".into(),
        }])?;
        let gone = Store::open(dir.path())?.bodies();
        assert!(gone.load(&[&head]).is_empty());
        Ok(())
    }
}
