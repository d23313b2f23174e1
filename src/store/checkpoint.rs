//! The checkpointer: copies committed pages from the write-ahead log into
//! the database file on a thread and connection of its own. SQLite would
//! do it inside the commit that fills the log, on the one thread that
//! stores, where it was most of a commit's time in a cold start (the copy
//! and two fsyncs); here a commit only wakes the thread.

use std::ffi::c_int;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, ErrorCode, OpenFlags};

/// Why the thread could not start.
#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot start a thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Frames in the log after a commit from which the thread is woken
/// (SQLite's own automatic checkpoint waits for 1,000).
const WAKE_FROM: c_int = 256;

/// Frames from which the writer copies them itself, as SQLite would: the
/// thread has fallen far behind, or cannot write (a full disk, say).
const INLINE_FROM: c_int = 16_384;

/// Largest size, in bytes, the log is left at once it starts over: one
/// cold start can grow it to hundreds of megabytes.
pub(super) const LOG_SIZE_LIMIT: i64 = 64 << 20;

/// The running checkpoint thread; it stops once the writer connection it
/// was started for is closed.
#[derive(Debug)]
pub(super) struct Checkpointer {
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on a connection of its own to `path` and makes
    /// `writer`'s commits wake it, in place of SQLite's automatic
    /// checkpoint. When it cannot start, `writer` keeps the automatic one.
    pub(super) fn start(writer: &mut Connection, path: &Path) -> Option<Checkpointer> {
        match Checkpointer::try_start(writer, path) {
            Ok(checkpointer) => Some(checkpointer),
            Err(e) => {
                tracing::warn!(error = %e, "no checkpoint thread; commits copy the log themselves");
                None
            }
        }
    }

    fn try_start(writer: &mut Connection, path: &Path) -> Result<Checkpointer, StartError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Room for one wake-up: commits never wait, and one that finds it
        // taken is covered by the checkpoint it is waiting for.
        let (wake, woken) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("checkpoint".into())
            .spawn(move || copy_when_woken(&conn, &woken))?;
        writer.wal_hook(Some(move |wal: &mut Wal, frames: c_int| {
            after_commit(&wake, wal, frames);
            // Never an error: the commit has happened, and an error here
            // would make it look as if it had not.
            Ok(())
        }))?;
        Ok(Checkpointer {
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // The writer is closed first (it is declared before), which drops
        // the sender its hook holds and so ends the thread.
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What a commit that left `frames` frames in the log does.
fn after_commit(wake: &SyncSender<()>, wal: &mut Wal, frames: c_int) {
    if frames >= INLINE_FROM {
        // Its failure is the thread's to report; the log just waits.
        let _ = wal.checkpoint();
    } else if frames >= WAKE_FROM {
        let _ = wake.try_send(());
    }
}

/// The thread: a passive checkpoint at each wake-up, which copies what it
/// can without waiting for the writer or for readers. A failure is logged
/// once, until a checkpoint works again.
fn copy_when_woken(conn: &Connection, woken: &Receiver<()>) {
    let mut failing = false;
    for () in woken {
        match conn.wal_checkpoint_v2(Some("main"), CheckpointMode::PASSIVE) {
            Ok(_) => {
                if failing {
                    tracing::info!("the write-ahead log is copied into the database again");
                }
                failing = false;
            }
            // The writer's own checkpoint is running.
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => {}
            Err(e) => {
                if !failing {
                    tracing::warn!(
                        error = %e,
                        "cannot copy the write-ahead log into the database; it grows until this works"
                    );
                }
                failing = true;
            }
        }
    }
}
