//! The release store: the only owner of the SQLite connection. It keeps, per
//! press-release file, the release record, its id and dates and the file
//! state it was built from, plus the files that were refused, so a restart
//! can reconcile the watched folders without re-normalizing unchanged files.
//! It is synchronous on purpose: the ingest task owns the one [`Store`] and
//! calls it on a blocking thread, so there is never a second writer. Every
//! [`Store::apply`] is one durable transaction (WAL, `synchronous=FULL`): after
//! a power cut or `kill -9` the next start sees exactly the committed batches.
//! Copying the log into the database file is left to a thread of its own
//! (`checkpoint`), so commits only append.

mod bodies;
mod checkpoint;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};

use crate::model::{Entry, Head, Release};

pub use bodies::Bodies;

/// The database file inside the state directory.
const DB_FILE: &str = "pressfeed.db";
/// How long a statement waits on a lock held by another process (a backup,
/// an `sqlite3` shell) before failing instead of blocking the daemon forever.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the store failed. Fatal for the daemon (it reports health 503 and
/// retries), never per file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state directory could not be created.
    #[error("cannot create store directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The database could not be opened, set up or migrated (e.g. the file is
    /// not a SQLite database).
    #[error("cannot open database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why it failed.
        source: rusqlite::Error,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer pressfeed.
    #[error(
        "database schema version {found} is newer than version {supported}, the newest this pressfeed knows"
    )]
    NewerSchema {
        /// The database's `user_version`.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A stored value cannot be read back.
    #[error("corrupt store: {detail}")]
    Corrupt {
        /// What is wrong, and where.
        detail: String,
    },
    /// A release record could not be encoded as JSON.
    #[error("cannot encode release record: {0}")]
    Record(#[source] serde_json::Error),
    /// A move names a key where no release is stored.
    #[error("no release stored at {key}")]
    NotFound {
        /// The missing key.
        key: String,
    },
    /// A release's id is already held by the release at another key.
    #[error("release id {id} for {key} is already used by {holder}")]
    DuplicateId {
        /// The id.
        id: String,
        /// The key being written.
        key: String,
        /// The key that holds the id.
        holder: String,
    },
    /// A change contradicts itself or can't be stored.
    #[error("invalid change: {detail}")]
    Invalid {
        /// What is wrong.
        detail: String,
    },
    /// The database could not be written because of its disk or file
    /// system (full, read-only, ...). Nothing was written; the same changes
    /// can be applied again once the cause is gone.
    #[error("cannot write the database {path}: {fault}")]
    Write {
        /// The database file.
        path: PathBuf,
        /// What the disk or file system said.
        fault: Fault,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The store could not be opened because its folder cannot be written.
    #[error(
        "the data folder {path} cannot be written: {fault}; pressfeed keeps its database there"
    )]
    DataFolder {
        /// The data folder.
        path: PathBuf,
        /// What the file system said.
        fault: Fault,
    },
}

impl StoreError {
    /// What the disk or file system said, when that is why the store failed.
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            StoreError::Write { fault, .. } | StoreError::DataFolder { fault, .. } => Some(fault),
            _ => None,
        }
    }
}

/// Why the disk or file system refused a write, in the words an operator
/// acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// No space left on the device (or the disk quota is used up).
    DiskFull,
    /// The file system is mounted read-only.
    ReadOnly,
    /// The file or folder is not writable by this user.
    PermissionDenied,
    /// The process may not open more files.
    TooManyOpenFiles,
    /// Any other error the system reported, as it reported it.
    Other(String),
}

impl Fault {
    /// The fault an OS error number stands for.
    pub fn from_errno(errno: i32) -> Fault {
        match errno {
            // ENOSPC, EDQUOT
            28 | 122 => Fault::DiskFull,
            // EROFS
            30 => Fault::ReadOnly,
            // EACCES, EPERM
            13 | 1 => Fault::PermissionDenied,
            // EMFILE, ENFILE
            24 | 23 => Fault::TooManyOpenFiles,
            _ => Fault::Other(std::io::Error::from_raw_os_error(errno).to_string()),
        }
    }

    /// The fault an I/O error stands for.
    pub fn from_io(error: &std::io::Error) -> Fault {
        match error.raw_os_error() {
            Some(errno) => Fault::from_errno(errno),
            None => Fault::Other(error.to_string()),
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::DiskFull => f.write_str("the disk is full (no space left on device)"),
            Fault::ReadOnly => f.write_str("the file system is read-only"),
            Fault::PermissionDenied => write!(f, "permission denied (running as uid {})", uid()),
            Fault::TooManyOpenFiles => f.write_str(
                "too many open files (raise the limit: ulimit -n, or LimitNOFILE= in the systemd unit)",
            ),
            Fault::Other(what) => f.write_str(what),
        }
    }
}

/// The user this process runs as, for messages about permissions.
fn uid() -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata("/proc/self") {
            return meta.uid().to_string();
        }
    }
    "?".into()
}

/// What the store knows about one file on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct FileState {
    /// Path relative to its watch folder, `/`-separated. One allocation,
    /// shared with the release's [`Head`] and the ingest's tables, which
    /// all hold every key.
    pub key: Arc<str>,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Hex SHA-256 of the bytes ([`fingerprint`]).
    pub fingerprint: String,
}

/// One stored release with the file state it was built from.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The file the release was built from; `file.key` must equal `entry.key`.
    pub file: FileState,
    /// The release and its dates.
    pub entry: Arc<Entry>,
    /// [`content_hash`] of the record: decides whether `updated` moves.
    pub content_hash: String,
    /// The release as the store keeps it ([`encode`]): encoded by whoever
    /// builds the change, so the one writer only has to store it.
    pub record: String,
}

impl Change {
    /// Lets go of what only the store needed (a record's encoding) once the
    /// change is written: a batch holds its changes until it is committed.
    pub fn written(&mut self) {
        if let Change::Upsert(stored) = self {
            stored.record = String::new();
        }
    }
}

/// What the daemon keeps in memory of a stored release: its file state,
/// its [`Head`] and its content hash. The record itself stays in the store
/// until a feed or page shows it ([`Bodies`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    /// The file the release was built from.
    pub file: FileState,
    /// The release's listing fields.
    pub head: Arc<Head>,
    /// [`content_hash`] of the record.
    pub content_hash: String,
}

impl From<&Stored> for Kept {
    fn from(stored: &Stored) -> Kept {
        Kept {
            file: stored.file.clone(),
            head: Arc::new(stored.entry.head_at(stored.file.key.clone())),
            content_hash: stored.content_hash.clone(),
        }
    }
}

/// A file that was refused, kept so an unchanged refused file isn't re-read
/// at each start and so `/metrics` can count them.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    /// The file.
    pub file: FileState,
    /// Why the normalizer refused it.
    pub reason: String,
}

/// One change, applied with others in a single transaction by [`Store::apply`].
// Boxing `Stored` would only save memory in short-lived batches and make
// every caller box; the ingest builds these by value.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Stores a release, replacing any release or refused record at its key.
    Upsert(Stored),
    /// Drops the release at `key`; nothing happens if there is none.
    Remove {
        /// The key.
        key: Arc<str>,
    },
    /// The release at `from` now lives at `to.key` with file state `to`,
    /// keeping its id, dates and record. A release or refused record already
    /// at `to.key` is replaced. An error if nothing is stored at `from`.
    Move {
        /// The key the release is stored at.
        from: Arc<str>,
        /// The file it now is.
        to: FileState,
    },
    /// Records a refused file, dropping any release at its key.
    Refuse(Refused),
    /// Drops the refused record at `key`; nothing happens if there is none.
    Forget {
        /// The key.
        key: Arc<str>,
    },
    /// Sets (or with `None` drops) the learnable line hashes of a file.
    SetLines {
        /// The file's key.
        key: Arc<str>,
        /// Its line hashes.
        lines: Option<Vec<u64>>,
    },
    /// Sets a named value kept beside the releases, in the same transaction.
    SetState {
        /// The name.
        name: String,
        /// The value.
        value: String,
    },
}

/// The release store; see the module documentation.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// The database file; `None` in memory.
    path: Option<PathBuf>,
    /// Held to be dropped after `conn`: closing `conn` stops the thread,
    /// and dropping this joins it.
    _checkpointer: Option<checkpoint::Checkpointer>,
}

impl Store {
    /// Opens or creates `dir/pressfeed.db` (creating `dir`), sets WAL +
    /// synchronous=FULL + a busy timeout, runs migrations, starts the
    /// checkpoint thread. A database from a
    /// newer schema version is an error naming both versions.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        // A folder that cannot be written is an error now, not at the first
        // change: SQLite opens a database read-only when it has to (its
        // -wal and -shm files left by a crash make that possible). A full
        // disk is not: space may come back while the store serves.
        if let Err(fault @ (Fault::ReadOnly | Fault::PermissionDenied)) = probe_writable(dir) {
            return Err(StoreError::DataFolder {
                path: dir.to_path_buf(),
                fault,
            });
        }
        let path = dir.join(DB_FILE);
        // SQLite reads the file lazily, so a garbage file only fails at the
        // first pragma: every setup error is reported against the file.
        let named = |err: StoreError| match err {
            StoreError::Sqlite(source) => StoreError::Open {
                path: path.clone(),
                source,
            },
            other => other,
        };
        let opened = Connection::open(&path)
            .map_err(|e| named(e.into()))
            .and_then(|conn| Store::setup(conn, Some(path.clone())).map_err(named));
        match opened {
            Ok(store) => Ok(store),
            // SQLite only says "unable to open database file" or "attempt to
            // write a readonly database"; trying to write beside the
            // database says why.
            Err(err) => Err(match probe_writable(dir) {
                Err(fault) => StoreError::DataFolder {
                    path: dir.to_path_buf(),
                    fault,
                },
                Ok(()) => err,
            }),
        }
    }

    /// An in-memory store for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::setup(Connection::open_in_memory()?, None)
    }

    /// The reader of full records for this store: through read-only
    /// connections to its file, or (in memory) of what it is given.
    pub fn bodies(&self) -> Bodies {
        match &self.path {
            Some(path) => Bodies::open(path.clone()),
            None => Bodies::in_memory(),
        }
    }

    fn setup(mut conn: Connection, path: Option<PathBuf>) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets a commit be one appended, fsynced frame and keeps the last
        // committed state readable after a crash; FULL fsyncs at each commit
        // so a `published` date, once committed, survives a power cut.
        // Before anything is written, as it only holds for a new database:
        // records average about 5 KB, so at SQLite's 4 KiB every one spilled
        // onto an overflow page; three fit in 16 KiB. A cold start of
        // 100,000 files stored them about 2 s faster (benches/scale.sh).
        conn.pragma_update(None, "page_size", 16384)?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "journal_size_limit", checkpoint::LOG_SIZE_LIMIT)?;
        // 16 MiB of page cache instead of SQLite's 2: the id and fingerprint
        // indexes (about 12 MB at 100,000 releases) take their inserts in
        // random order, and with 2 MiB nearly each one read its page back
        // from the file. A cold start of 100,000 files read 2.7 GB instead
        // of 5.3 and wrote 2.0 GB instead of 4.3, for about 18 MiB of peak.
        conn.pragma_update(None, "cache_size", -16384)?;
        schema::migrate(&mut conn)?;
        let checkpointer = match &path {
            Some(path) => checkpoint::Checkpointer::start(&mut conn, path),
            None => None,
        };
        Ok(Store {
            conn,
            path,
            _checkpointer: checkpointer,
        })
    }

    /// What memory keeps of every stored release, ordered by key.
    pub fn kept(&self) -> Result<Vec<Kept>, StoreError> {
        let mut stmt = self.conn.prepare_cached(schema::SELECT_KEPT)?;
        let rows = stmt.query_map([], schema::read_kept)?;
        rows.map(|row| row?.into_kept()).collect()
    }

    /// The line hashes of every file that has them.
    pub fn lines(&self) -> Result<Vec<(String, Vec<u64>)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(schema::SELECT_LINES)?;
        let rows = stmt.query_map([], |row| {
            let key: String = row.get(0)?;
            let blob: Vec<u8> = row.get(1)?;
            Ok((key, schema::decode_lines(&blob)))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every stored release, ordered by key.
    pub fn releases(&self) -> Result<Vec<Stored>, StoreError> {
        let mut stmt = self.conn.prepare_cached(schema::SELECT_ALL)?;
        let rows = stmt.query_map([], schema::read_release)?;
        rows.map(|row| row?.into_stored()).collect()
    }

    /// Every refused file, ordered by key.
    pub fn refused(&self) -> Result<Vec<Refused>, StoreError> {
        let mut stmt = self.conn.prepare_cached(schema::SELECT_REFUSED)?;
        let rows = stmt.query_map([], schema::read_refused)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every named value set with [`Change::SetState`].
    pub fn state(&self) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(schema::SELECT_STATE)?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The stored release at `key`.
    pub fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        let mut stmt = self.conn.prepare_cached(schema::SELECT_BY_KEY)?;
        let row = stmt.query_row([key], schema::read_release).optional()?;
        row.map(schema::ReleaseRow::into_stored).transpose()
    }

    /// Releases whose file fingerprint is `fingerprint` (for detecting moves),
    /// ordered by key.
    pub fn find_by_fingerprint(&self, fingerprint: &str) -> Result<Vec<Stored>, StoreError> {
        let mut stmt = self.conn.prepare_cached(schema::SELECT_BY_FINGERPRINT)?;
        let rows = stmt.query_map([fingerprint], schema::read_release)?;
        rows.map(|row| row?.into_stored()).collect()
    }

    /// Applies the changes in ONE transaction, durably; all or nothing. Later
    /// changes see earlier ones, so order a batch as it should happen.
    ///
    /// A write the disk or file system refuses (full, read-only, ...) is a
    /// [`StoreError::Write`] naming the file and the cause.
    pub fn apply<'c>(
        &mut self,
        changes: impl IntoIterator<Item = &'c Change>,
    ) -> Result<(), StoreError> {
        let mut writing = self.begin()?;
        for change in changes {
            writing.apply(change)?;
        }
        writing.commit()
    }

    /// Opens the transaction of a batch whose changes are written one at a
    /// time, as they are made; see [`Writing`].
    pub fn begin(&mut self) -> Result<Writing<'_>, StoreError> {
        let (conn, path) = (&self.conn, self.path.as_deref());
        // Unchecked only in that it takes `&Connection`, so `Writing` can
        // keep the connection beside the transaction; `&mut self` already
        // rules out a second one.
        match rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate) {
            Ok(tx) => Ok(Writing { tx, conn, path }),
            Err(e) => Err(classify(path, conn, e.into())),
        }
    }

    /// One small durable write (the time, under a name of its own), proving
    /// the database can be written now.
    pub fn probe(&mut self) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339();
        self.apply(&[Change::SetState {
            name: "write_check".into(),
            value: now,
        }])
    }

    /// A cheap query proving the database answers (for health checks and the
    /// systemd watchdog).
    pub fn check(&self) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM releases)")?;
        stmt.query_row([], |_| Ok(()))?;
        Ok(())
    }

    /// Copies all of the write-ahead log into the database and empties it,
    /// for a daemon about to exit. Left as it is, the log can hold hundreds
    /// of megabytes after a cold start (the checkpoint thread lags the
    /// writer), and the next start reads the latest pages of the store from
    /// it: scattered reads that, from a cold page cache, took a warm start
    /// of 100,000 releases from 2.6 to 4.3 s. Failing leaves the log for the
    /// next start, which reads it as usual.
    pub fn empty_log(&mut self) -> Result<(), StoreError> {
        if self.path.is_none() {
            return Ok(());
        }
        // A checkpoint the checkpoint thread is running makes this one
        // busy at once (SQLite waits on readers, not on another
        // checkpoint): it is tried again until that one is done.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            let mode = rusqlite::wal::CheckpointMode::TRUNCATE;
            match self.conn.wal_checkpoint_v2(Some("main"), mode) {
                Ok(_) => return Ok(()),
                Err(e)
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// A transaction of [`Store::begin`]: changes are written one at a time and
/// become visible, durably, all together at [`Writing::commit`]. Dropped
/// without it (after an error, say), nothing of it is kept. This lets a
/// batch write its first records while the rest are still being normalized.
#[derive(Debug)]
pub struct Writing<'s> {
    tx: rusqlite::Transaction<'s>,
    /// The transaction's connection, which outlives it: SQLite keeps the
    /// OS error of a failed commit there.
    conn: &'s Connection,
    path: Option<&'s Path>,
}

impl Writing<'_> {
    /// Writes one change; later changes see it. Errors as [`Store::apply`].
    pub fn apply(&mut self, change: &Change) -> Result<(), StoreError> {
        schema::apply_one(&self.tx, change).map_err(|e| classify(self.path, self.conn, e))
    }

    /// Commits everything written, durably.
    pub fn commit(self) -> Result<(), StoreError> {
        let Writing { tx, conn, path } = self;
        tx.commit().map_err(|e| classify(path, conn, e.into()))
    }
}

/// The OS error number of the connection's last failed system call
/// (SQLite's own codes say "disk I/O error" for most of them).
fn system_errno(conn: &Connection) -> i32 {
    // SAFETY: the handle is of this open connection, used on the thread that
    // owns it, and `sqlite3_system_errno` only reads a field of it.
    unsafe { rusqlite::ffi::sqlite3_system_errno(conn.handle()) }
}

/// Turns a failed write the disk or file system is to blame for into a
/// [`StoreError::Write`] with the OS's reason.
fn classify(path: Option<&Path>, conn: &Connection, err: StoreError) -> StoreError {
    use rusqlite::ErrorCode;
    let (Some(path), StoreError::Sqlite(rusqlite::Error::SqliteFailure(code, _))) = (path, &err)
    else {
        return err;
    };
    let fault = match code.code {
        ErrorCode::DiskFull => Fault::DiskFull,
        ErrorCode::ReadOnly
        | ErrorCode::SystemIoFailure
        | ErrorCode::CannotOpen
        | ErrorCode::PermissionDenied => match system_errno(conn) {
            0 if code.code == ErrorCode::ReadOnly => Fault::ReadOnly,
            0 => return err,
            errno => Fault::from_errno(errno),
        },
        _ => return err,
    };
    let StoreError::Sqlite(source) = err else {
        return err;
    };
    StoreError::Write {
        path: path.to_path_buf(),
        fault,
        source,
    }
}

/// Writes and removes a small file in `dir`: the reason it cannot be
/// written, if it can't.
fn probe_writable(dir: &Path) -> Result<(), Fault> {
    use std::io::Write;
    let probe = dir.join(format!(".pressfeed-probe-{}", std::process::id()));
    let written = std::fs::File::create(&probe).and_then(|mut f| {
        f.write_all(&[0; 4096])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    written.map_err(|e| Fault::from_io(&e))
}

/// Hex SHA-256 of bytes (file fingerprints).
pub fn fingerprint(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A release encoded for the store, with its [`content_hash`].
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// The record: the release as JSON.
    pub record: String,
    /// [`content_hash`] of the release.
    pub content_hash: String,
}

/// The field serde writes last: [`Release::published`].
const LAST_FIELD: &str = ",\"published\":";

/// Encodes a release once, for both its record and its [`content_hash`]:
/// `published` is the record's last field, so the undated form is the
/// record with that field's value replaced by `null`.
pub fn encode(release: &Release) -> Result<Encoded, StoreError> {
    let record = serde_json::to_string(release).map_err(StoreError::Record)?;
    // Inside a JSON string a quote is always escaped, so `,"published":`
    // can only be the field itself; the last one is the top level's.
    let undated_until = record
        .rfind(LAST_FIELD)
        .map(|at| at + LAST_FIELD.len())
        .filter(|&from| is_last_date(&record[from..]));
    let content_hash = match undated_until {
        Some(until) => {
            let mut hasher = Sha256::new();
            hasher.update(&record.as_bytes()[..until]);
            hasher.update(b"null}");
            format!("{:x}", hasher.finalize())
        }
        // A field added after `published` would end up here; the hash
        // stays right, only slower.
        None => content_hash(release),
    };
    Ok(Encoded {
        record,
        content_hash,
    })
}

/// Is `rest` a date value (a string without quotes inside, or `null`)
/// that closes the record?
fn is_last_date(rest: &str) -> bool {
    let Some(value) = rest.strip_suffix('}') else {
        return false;
    };
    value == "null"
        || value.len() >= 2
            && value.starts_with('"')
            && value.ends_with('"')
            && !value[1..value.len() - 1].contains(['"', '\\'])
}

/// Hash of a release record without its dates, so only content changes move
/// `updated`. The id is part of the record, so it counts as content.
pub fn content_hash(release: &Release) -> String {
    let undated = Release {
        published: None,
        ..release.clone()
    };
    match serde_json::to_vec(&undated) {
        Ok(json) => fingerprint(&json),
        // Unreachable: these structs have no maps or fallible fields. Debug
        // output still covers every field, so the hash stays meaningful.
        Err(_) => fingerprint(format!("{undated:?}").as_bytes()),
    }
}

#[cfg(test)]
impl Store {
    /// Runs SQL on the store's own connection: tests make writes fail with
    /// temporary triggers.
    pub(crate) fn execute_for_test(&self, sql: &str) -> Result<(), StoreError> {
        Ok(self.conn.execute_batch(sql)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Contact, Location, Person};

    pub(super) type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// A release at `key` with every field set and nanosecond dates, so a
    /// round trip that loses anything shows.
    pub(super) fn sample(key: &str, body: &str) -> Stored {
        let person = Person {
            name: "Sita Sharma".into(),
            email: Some("s@example.org".into()),
            phone: Some("+977 1 555 0100".into()),
        };
        let contact = Contact {
            people: vec![person],
            emails: vec!["s@example.org".into()],
            phones: vec!["+977 1 555 0100".into()],
            office: Some("IOM Nepal".into()),
            lines: vec!["Contact: Sita Sharma".into()],
        };
        let location = Location {
            region_source: "country NP".into(),
            country_source: Some("dateline".into()),
            confidence: 0.93,
        };
        let published =
            chrono::DateTime::from_timestamp(1_700_000_000, 123_456_789).expect("in range");
        let release = Release {
            id: format!("tag:test,2026:{key}"),
            title: format!("Title of {key}"),
            summary: body.into(),
            paragraphs: vec![body.into(), "Second.".into()],
            region: "asia-pacific".into(),
            country: Some("NP".into()),
            location,
            contact: Some(contact),
            author: Some("IOM".into()),
            published: Some(published.fixed_offset()),
        };
        let file = FileState {
            key: key.into(),
            size: body.len() as u64,
            mtime_ns: 1_700_000_000_987_654_321,
            fingerprint: fingerprint(body.as_bytes()),
        };
        let Encoded {
            record,
            content_hash,
        } = encode(&release).expect("a sample release encodes");
        let updated = published + chrono::Duration::nanoseconds(1);
        let (key, published) = (key.into(), published);
        let entry = Entry {
            release,
            key,
            published,
            updated,
        };
        Stored {
            file,
            entry: Arc::new(entry),
            content_hash,
            record,
        }
    }

    #[test]
    fn a_new_database_has_16_kib_pages_and_an_old_one_keeps_its_own() -> TestResult {
        let page_size = |dir: &Path| -> rusqlite::Result<i64> {
            Connection::open(dir.join(DB_FILE))?.pragma_query_value(None, "page_size", |r| r.get(0))
        };
        let new = tempfile::tempdir()?;
        Store::open(new.path())?.apply(&[Change::Upsert(sample("a.md", "A"))])?;
        assert_eq!(page_size(new.path())?, 16384);

        let old = tempfile::tempdir()?;
        let conn = Connection::open(old.path().join(DB_FILE))?;
        conn.pragma_update(None, "page_size", 4096)?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        drop(conn);
        Store::open(old.path())?.apply(&[Change::Upsert(sample("a.md", "A"))])?;
        assert_eq!(page_size(old.path())?, 4096);
        assert_eq!(Store::open(old.path())?.releases()?, [sample("a.md", "A")]);
        Ok(())
    }

    /// Commits only append to the log; the checkpoint thread copies it into
    /// the database file, with no checkpoint from anyone else.
    #[test]
    fn the_checkpoint_thread_copies_the_log_into_the_database() -> TestResult {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(dir.path())?;
        let db = dir.path().join(DB_FILE);
        let before = std::fs::metadata(&db)?.len();
        // About 450 frames: over the 256 that wake the thread, under the
        // 1,000 of SQLite's own automatic checkpoint.
        let body = "Kisumu – a clinic opened. ".repeat(200);
        for batch in 0..4 {
            let changes: Vec<Change> = (0..100)
                .map(|n| Change::Upsert(sample(&format!("{batch}/{n}.md"), &body)))
                .collect();
            store.apply(&changes)?;
        }
        let copied = (0..200).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            std::fs::metadata(&db).is_ok_and(|m| m.len() > before + (4 << 20))
        });
        assert!(copied, "the database file stayed at {before} bytes");
        drop(store);
        assert_eq!(Store::open(dir.path())?.releases()?.len(), 400);
        Ok(())
    }

    #[test]
    fn emptying_the_log_keeps_every_release_in_the_database() -> TestResult {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(dir.path())?;
        let changes: Vec<Change> = (0..50)
            .map(|n| Change::Upsert(sample(&format!("{n}.md"), "Lilongwe – a well dug.")))
            .collect();
        store.apply(&changes)?;
        let log = dir.path().join(format!("{DB_FILE}-wal"));
        assert!(
            std::fs::metadata(&log)?.len() > 0,
            "the writes are in the log"
        );
        // A reader of the store that has read, idle now, as the server's
        // are at exit.
        let bodies = store.bodies();
        let first = changes.first().and_then(|c| match c {
            Change::Upsert(s) => Some(s.entry.head()),
            _ => None,
        });
        let first = first.ok_or("no first release")?;
        assert_eq!(bodies.load(&[&first]).len(), 1);
        store.empty_log()?;
        assert_eq!(std::fs::metadata(&log)?.len(), 0);
        drop((store, bodies));
        assert_eq!(Store::open(dir.path())?.releases()?.len(), 50);
        Ok(())
    }

    #[test]
    fn stored_round_trips_through_a_reopened_file_database() -> TestResult {
        let dir = tempfile::tempdir()?;
        let stored = sample("nepal/floods.md", "Kathmandu – rains.");
        Store::open(dir.path())?.apply(&[Change::Upsert(stored.clone())])?;
        let store = Store::open(dir.path())?;
        assert_eq!(store.get("nepal/floods.md")?, Some(stored.clone()));
        assert_eq!(store.releases()?, vec![stored]);
        assert_eq!(store.get("missing.md")?, None);
        Ok(())
    }

    #[test]
    fn every_committed_batch_survives_a_reopen_without_a_clean_close() -> TestResult {
        let dir = tempfile::tempdir()?;
        let (file, reason) = (sample("empty.txt", "").file, "empty file".into());
        let refused = Refused { file, reason };
        let mut store = Store::open(dir.path())?;
        store.apply(&[Change::Upsert(sample("a.md", "A"))])?;
        store.apply(&[Change::Upsert(sample("b.md", "B"))])?;
        store.apply(&[Change::Refuse(refused.clone())])?;
        // No Drop, so no close-time checkpoint: what was committed must
        // already be in the database or its WAL, as after a `kill -9`.
        std::mem::forget(store);
        let store = Store::open(dir.path())?;
        assert_eq!(
            store.releases()?,
            [sample("a.md", "A"), sample("b.md", "B")]
        );
        assert_eq!(store.refused()?, [refused]);
        Ok(())
    }

    #[test]
    fn find_by_fingerprint_returns_every_release_with_those_bytes() -> TestResult {
        let mut store = Store::open_in_memory()?;
        let (a, b) = (sample("a.md", "same"), sample("b.md", "same"));
        let changes = [a.clone(), b.clone(), sample("c.md", "other")].map(Change::Upsert);
        store.apply(&changes)?;
        assert_eq!(store.find_by_fingerprint(&fingerprint(b"same"))?, [a, b]);
        assert!(store.find_by_fingerprint(&fingerprint(b"none"))?.is_empty());
        Ok(())
    }

    #[test]
    fn garbage_file_is_an_open_error_naming_the_file() -> TestResult {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join(DB_FILE), vec![0x5a; 8192])?;
        let err = Store::open(dir.path()).expect_err("garbage must not open");
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        assert!(err.to_string().contains(DB_FILE), "{err}");
        Ok(())
    }

    #[test]
    fn file_database_runs_in_wal_mode_with_full_sync() -> TestResult {
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path())?;
        let conn = &store.conn;
        let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
        let sync: i64 = conn.pragma_query_value(None, "synchronous", |row| row.get(0))?;
        assert_eq!((mode.as_str(), sync), ("wal", 2));
        Ok(store.check()?)
    }

    #[test]
    fn write_faults_name_the_database_and_the_cause() -> TestResult {
        assert_eq!(Fault::from_errno(28), Fault::DiskFull);
        assert_eq!(Fault::from_errno(122), Fault::DiskFull);
        assert_eq!(Fault::from_errno(30), Fault::ReadOnly);
        assert_eq!(Fault::from_errno(13), Fault::PermissionDenied);
        assert_eq!(Fault::from_errno(24), Fault::TooManyOpenFiles);
        assert!(matches!(Fault::from_errno(5), Fault::Other(what) if what.contains("os error 5")));
        let err = StoreError::Write {
            path: "/var/lib/pressfeed/pressfeed.db".into(),
            fault: Fault::DiskFull,
            source: rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(13), None),
        };
        assert_eq!(
            err.to_string(),
            "cannot write the database /var/lib/pressfeed/pressfeed.db: the disk is full (no space left on device)"
        );
        assert_eq!(err.fault(), Some(&Fault::DiskFull));
        // A store that can be written passes the probe.
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(dir.path())?;
        store.probe()?;
        Ok(store.check()?)
    }

    #[test]
    fn fingerprint_is_hex_sha256() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(fingerprint(b"abc"), abc);
    }

    #[test]
    fn content_hash_ignores_dates_but_not_content() {
        let release = sample("a.md", "text").entry.release.clone();
        let undated = Release {
            published: None,
            ..release.clone()
        };
        let edited = Release {
            title: "New".into(),
            ..release.clone()
        };
        assert_eq!(content_hash(&release), content_hash(&undated));
        assert_ne!(content_hash(&release), content_hash(&edited));
    }

    #[test]
    fn encoding_once_gives_the_same_hash_and_record() -> TestResult {
        let release = sample("a.md", "text").entry.release.clone();
        let tricky = Release {
            title: r#"Quoted ,"published":"x"} and \ too"#.into(),
            ..release.clone()
        };
        let undated = Release {
            published: None,
            ..tricky.clone()
        };
        for r in [&release, &tricky, &undated] {
            let encoded = encode(r)?;
            assert_eq!(encoded.content_hash, content_hash(r));
            assert_eq!(encoded.record, serde_json::to_string(r)?);
        }
        assert!(is_last_date("null}"));
        assert!(is_last_date("\"2026-01-02T03:04:05+01:00\"}"));
        assert!(!is_last_date("\"x\",\"later\":1}"));
        assert!(!is_last_date("null"));
        Ok(())
    }
}
