//! The database layout: the schema with its migrations, and how the store's
//! types map to rows (the SQL that reads and writes them). `PRAGMA
//! user_version` records how many steps of [`MIGRATIONS`] a database has had;
//! opening runs the missing ones in one transaction, so a crash
//! mid-migration leaves the old version.

use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::{Change, FileState, Kept, Refused, StoreError, Stored};
use crate::model::{Entry, Head, Release};

/// The migration steps, in order: step `i` takes a database from version `i`
/// to `i + 1`. Append only — a step that has shipped never changes, because
/// databases in the field have already run it.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4];

/// The schema version this build writes and understands.
pub(super) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Version 1: releases with their file state and dates, and refused files.
/// Timestamps are RFC 3339 UTC with nine fraction digits, so text order is
/// time order. STRICT makes SQLite refuse a value of the wrong type.
const V1: &str = "
CREATE TABLE releases (
    key          TEXT PRIMARY KEY NOT NULL,
    id           TEXT NOT NULL UNIQUE,
    size         INTEGER NOT NULL CHECK (size >= 0),
    mtime_ns     INTEGER NOT NULL,
    fingerprint  TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published    TEXT NOT NULL,
    updated      TEXT NOT NULL,
    record       TEXT NOT NULL
) STRICT;
CREATE INDEX releases_fingerprint ON releases (fingerprint);
CREATE TABLE refused (
    key          TEXT PRIMARY KEY NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    mtime_ns     INTEGER NOT NULL,
    fingerprint  TEXT NOT NULL,
    reason       TEXT NOT NULL
) STRICT;
";

/// Version 2: named values the ingest keeps beside the releases, such as
/// the digest of the rules the records were normalized with.
const V2: &str = "
CREATE TABLE state (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
";

/// Version 3: what listing a release needs (title, region, country) in
/// columns of its own, so a start loads them without decoding every
/// record; and the learnable line hashes of each text file, so a start
/// need not read every file again to learn template lines.
const V3: &str = "
ALTER TABLE releases ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN country TEXT;
UPDATE releases SET
    title = coalesce(json_extract(record, '$.title'), ''),
    region = coalesce(json_extract(record, '$.region'), ''),
    country = json_extract(record, '$.country');
CREATE TABLE lines (
    key    TEXT PRIMARY KEY NOT NULL,
    hashes BLOB NOT NULL
) STRICT;
";

/// Version 4: an index holding every column of [`SELECT_KEPT`], so that a
/// start reads those from it instead of walking the whole table (about
/// 8 KB of record per release, and the listing columns come after it).
/// At 100,000 releases the index is about 45 MB against a 780 MB table.
const V4: &str = "
CREATE INDEX releases_kept ON releases (
    key, size, mtime_ns, fingerprint, id, content_hash, published, updated, title, region, country
);
";

/// Every named value.
pub(super) const SELECT_STATE: &str = "SELECT name, value FROM state";

/// Brings the database up to [`VERSION`]; refuses one from a newer build
/// rather than guess at a schema it doesn't know.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    // IMMEDIATE takes the write lock before reading the version, so two
    // processes opening the same file can't both run the same step.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found == VERSION {
        return Ok(());
    }
    if found > VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: VERSION,
        });
    }
    let done = usize::try_from(found).map_err(|_| StoreError::Corrupt {
        detail: format!("negative schema version {found}"),
    })?;
    for step in &MIGRATIONS[done..] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}

/// The columns of a release row, in the order [`read_release`] expects.
macro_rules! select_releases {
    ($tail:literal) => {
        concat!(
            "SELECT key, size, mtime_ns, fingerprint, id, content_hash, published, updated, record ",
            "FROM releases ",
            $tail
        )
    };
}
/// Every release, for [`read_release`].
pub(super) const SELECT_ALL: &str = select_releases!("ORDER BY key");
/// The release at `?1`, for [`read_release`].
pub(super) const SELECT_BY_KEY: &str = select_releases!("WHERE key = ?1");
/// The releases with fingerprint `?1`, for [`read_release`].
pub(super) const SELECT_BY_FINGERPRINT: &str =
    select_releases!("WHERE fingerprint = ?1 ORDER BY key");

/// Every release's listing columns, for [`read_kept`].
pub(super) const SELECT_KEPT: &str = "SELECT key, size, mtime_ns, fingerprint, id, content_hash, \
     published, updated, title, region, country FROM releases ORDER BY key";
/// The release with id `?1`, for [`read_release`].
pub(super) const SELECT_BY_ID: &str = select_releases!("WHERE id = ?1");
/// Every file's line hashes.
pub(super) const SELECT_LINES: &str = "SELECT key, hashes FROM lines";

/// Applies one change inside the caller's transaction.
pub(super) fn apply_one(tx: &Transaction<'_>, change: &Change) -> Result<(), StoreError> {
    match change {
        Change::Upsert(stored) => upsert(tx, stored),
        Change::Remove { key } => delete(tx, "DELETE FROM releases WHERE key = ?1", key),
        Change::Move { from, to } => move_release(tx, from, to),
        Change::Refuse(refused) => refuse(tx, refused),
        Change::Forget { key } => delete(tx, "DELETE FROM refused WHERE key = ?1", key),
        Change::SetLines { key, lines } => set_lines(tx, key, lines.as_deref()),
        Change::SetState { name, value } => {
            tx.prepare_cached("INSERT INTO state (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")?
                .execute([name, value])?;
            Ok(())
        }
    }
}

fn set_lines(tx: &Transaction<'_>, key: &str, lines: Option<&[u64]>) -> Result<(), StoreError> {
    let Some(lines) = lines else {
        return delete(tx, "DELETE FROM lines WHERE key = ?1", key);
    };
    let blob: Vec<u8> = lines.iter().flat_map(|h| h.to_le_bytes()).collect();
    tx.prepare_cached("INSERT OR REPLACE INTO lines (key, hashes) VALUES (?1, ?2)")?
        .execute(params![key, blob])?;
    Ok(())
}

/// Decodes a `lines.hashes` blob: little-endian `u64`s.
pub(super) fn decode_lines(blob: &[u8]) -> Vec<u64> {
    blob.chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect()
}

fn delete(tx: &Transaction<'_>, sql: &str, key: &str) -> Result<(), StoreError> {
    tx.prepare_cached(sql)?.execute([key])?;
    Ok(())
}

fn upsert(tx: &Transaction<'_>, stored: &Stored) -> Result<(), StoreError> {
    let (file, entry) = (&stored.file, &stored.entry);
    if *file.key != *entry.key {
        return Err(StoreError::Invalid {
            detail: format!("file key {} differs from entry key {}", file.key, entry.key),
        });
    }
    // The columns come from the release, the record from its encoding: a
    // record out of step would fail the next load (its id is checked).
    debug_assert_eq!(
        serde_json::to_string(&entry.release).ok().as_deref(),
        Some(stored.record.as_str()),
        "the record of {} is not its release's encoding",
        file.key
    );
    let id = &entry.release.id;
    // Not INSERT OR REPLACE: that would silently delete a row whose id clashes.
    let inserted = tx
        .prepare_cached(
            "INSERT INTO releases (key, id, size, mtime_ns, fingerprint, content_hash, published, updated, record, \
             title, region, country) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
             ON CONFLICT (key) DO UPDATE SET id = excluded.id, size = excluded.size, \
             mtime_ns = excluded.mtime_ns, fingerprint = excluded.fingerprint, \
             content_hash = excluded.content_hash, published = excluded.published, \
             updated = excluded.updated, record = excluded.record, title = excluded.title, \
             region = excluded.region, country = excluded.country",
        )?
        .execute(params![
            file.key,
            id,
            sql_size(file)?,
            file.mtime_ns,
            file.fingerprint,
            stored.content_hash,
            format_time(&file.key, &entry.published)?,
            format_time(&file.key, &entry.updated)?,
            stored.record,
            entry.release.title,
            entry.release.region,
            entry.release.country,
        ]);
    if let Err(e) = inserted {
        // The key's conflict is an update, so a unique violation is the id:
        // looked up only then, to name the release that holds it.
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
            let holder: Option<String> = tx
                .prepare_cached("SELECT key FROM releases WHERE id = ?1 AND key <> ?2")?
                .query_row([id.as_str(), &file.key], |row| row.get(0))
                .optional()?;
            if let Some(holder) = holder {
                let (id, key) = (id.clone(), file.key.to_string());
                return Err(StoreError::DuplicateId { id, key, holder });
            }
        }
        return Err(e.into());
    }
    delete(tx, "DELETE FROM refused WHERE key = ?1", &file.key)
}

fn move_release(tx: &Transaction<'_>, from: &str, to: &FileState) -> Result<(), StoreError> {
    if *from != *to.key {
        delete(tx, "DELETE FROM releases WHERE key = ?1", &to.key)?;
    }
    let moved = tx
        .prepare_cached(
            "UPDATE releases SET key = ?2, size = ?3, mtime_ns = ?4, fingerprint = ?5 WHERE key = ?1",
        )?
        .execute(params![from, to.key, sql_size(to)?, to.mtime_ns, to.fingerprint])?;
    if moved == 0 {
        return Err(StoreError::NotFound { key: from.into() });
    }
    delete(tx, "DELETE FROM refused WHERE key = ?1", &to.key)
}

fn refuse(tx: &Transaction<'_>, refused: &Refused) -> Result<(), StoreError> {
    let file = &refused.file;
    delete(tx, "DELETE FROM releases WHERE key = ?1", &file.key)?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO refused (key, size, mtime_ns, fingerprint, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        file.key,
        sql_size(file)?,
        file.mtime_ns,
        file.fingerprint,
        refused.reason
    ])?;
    Ok(())
}

/// Every refused file, for [`read_refused`].
pub(super) const SELECT_REFUSED: &str =
    "SELECT key, size, mtime_ns, fingerprint, reason FROM refused ORDER BY key";

/// Reads the columns of [`SELECT_REFUSED`].
pub(super) fn read_refused(row: &Row<'_>) -> rusqlite::Result<Refused> {
    let file = file_state(row)?;
    let reason = row.get(4)?;
    Ok(Refused { file, reason })
}

/// SQLite integers are signed; a size past `i64::MAX` can't be a real file.
fn sql_size(file: &FileState) -> Result<i64, StoreError> {
    i64::try_from(file.size).map_err(|_| StoreError::Invalid {
        detail: format!("size {} of {} is out of range", file.size, file.key),
    })
}

/// Nine fraction digits and `Z`: fixed width, so text order is time order,
/// and nanoseconds round-trip exactly. Years past 9999 (or before 0) would
/// break both and could not be read back, so they are refused at write
/// time rather than poison every later read.
fn format_time(key: &str, time: &DateTime<Utc>) -> Result<String, StoreError> {
    if !(0..=9999).contains(&time.year()) {
        return Err(StoreError::Invalid {
            detail: format!("date {time} of {key} is outside years 0 to 9999"),
        });
    }
    Ok(time.to_rfc3339_opts(SecondsFormat::Nanos, true))
}

fn parse_time(key: &str, column: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            detail: format!("{column} {text:?} of {key}: {e}"),
        })
}

/// Reads `key, size, mtime_ns, fingerprint`, the first four columns of every
/// select. `CHECK (size >= 0)` keeps sizes in `u64` range.
fn file_state(row: &Row<'_>) -> rusqlite::Result<FileState> {
    let size: i64 = row.get(1)?;
    let size = u64::try_from(size)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(1, Type::Integer, Box::new(e)))?;
    Ok(FileState {
        key: row.get(0)?,
        size,
        mtime_ns: row.get(2)?,
        fingerprint: row.get(3)?,
    })
}

/// Reads the columns of [`SELECT_KEPT`].
pub(super) fn read_kept(row: &Row<'_>) -> rusqlite::Result<KeptRow> {
    Ok(KeptRow {
        file: file_state(row)?,
        id: row.get(4)?,
        content_hash: row.get(5)?,
        published: row.get(6)?,
        updated: row.get(7)?,
        title: row.get(8)?,
        region: row.get(9)?,
        country: row.get(10)?,
    })
}

/// A listing row as SQLite gives it.
pub(super) struct KeptRow {
    file: FileState,
    id: String,
    content_hash: String,
    published: String,
    updated: String,
    title: String,
    region: String,
    country: Option<String>,
}

impl KeptRow {
    /// Decodes the dates.
    pub(super) fn into_kept(self) -> Result<Kept, StoreError> {
        let key = &self.file.key;
        let head = Head {
            id: self.id,
            key: key.clone(),
            title: self.title,
            region: self.region,
            country: self.country,
            published: parse_time(key, "published", &self.published)?,
            updated: parse_time(key, "updated", &self.updated)?,
        };
        Ok(Kept {
            file: self.file,
            head: std::sync::Arc::new(head),
            content_hash: self.content_hash,
        })
    }
}

/// A release row as SQLite gives it, before our own decoding.
pub(super) struct ReleaseRow {
    file: FileState,
    id: String,
    content_hash: String,
    published: String,
    updated: String,
    record: String,
}

/// Reads the columns of [`SELECT_ALL`].
pub(super) fn read_release(row: &Row<'_>) -> rusqlite::Result<ReleaseRow> {
    Ok(ReleaseRow {
        file: file_state(row)?,
        id: row.get(4)?,
        content_hash: row.get(5)?,
        published: row.get(6)?,
        updated: row.get(7)?,
        record: row.get(8)?,
    })
}

impl ReleaseRow {
    /// Decodes the row, checking what SQLite can't.
    pub(super) fn into_stored(self) -> Result<Stored, StoreError> {
        let file = self.file;
        let corrupt = |detail: String| StoreError::Corrupt {
            detail: format!("release at {}: {detail}", file.key),
        };
        let release: Release =
            serde_json::from_str(&self.record).map_err(|e| corrupt(format!("record: {e}")))?;
        // The id column exists for its UNIQUE index; it must agree with the record.
        if release.id != self.id {
            return Err(corrupt(format!(
                "id {} but record says {}",
                self.id, release.id
            )));
        }
        let entry = Entry {
            published: parse_time(&file.key, "published", &self.published)?,
            updated: parse_time(&file.key, "updated", &self.updated)?,
            key: file.key.to_string(),
            release,
        };
        Ok(Stored {
            file,
            entry: std::sync::Arc::new(entry),
            content_hash: self.content_hash,
            record: self.record,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::tests::{TestResult, sample};

    fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
        conn.pragma_query_value(None, "user_version", |row| row.get(0))
    }

    fn file(key: &str) -> FileState {
        let fingerprint = "f".repeat(64);
        FileState {
            key: key.into(),
            size: 7,
            mtime_ns: 42,
            fingerprint,
        }
    }

    fn refused(key: &str) -> Refused {
        Refused {
            file: file(key),
            reason: "no title".into(),
        }
    }

    fn move_to(from: &str, to: &str) -> Change {
        Change::Move {
            from: from.into(),
            to: file(to),
        }
    }

    #[test]
    fn a_start_reads_the_listing_columns_from_their_index_alone() -> TestResult {
        let mut conn = Connection::open_in_memory()?;
        migrate(&mut conn)?;
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {SELECT_KEPT}"))?
            .query_map([], |row| row.get(3))?
            .collect::<Result<_, _>>()?;
        assert_eq!(plan, ["SCAN releases USING COVERING INDEX releases_kept"]);
        Ok(())
    }

    #[test]
    fn migrations_run_once_and_set_user_version() -> TestResult {
        let mut conn = Connection::open_in_memory()?;
        migrate(&mut conn)?;
        // A replayed step would fail: CREATE TABLE of an existing table.
        migrate(&mut conn)?;
        assert_eq!(user_version(&conn)?, VERSION);
        let dir = tempfile::tempdir()?;
        drop(Store::open(dir.path())?);
        assert_eq!(user_version(&Store::open(dir.path())?.conn)?, VERSION);
        Ok(())
    }

    #[test]
    fn newer_user_version_is_rejected_naming_both_versions() -> TestResult {
        let dir = tempfile::tempdir()?;
        let conn = Connection::open(dir.path().join("pressfeed.db"))?;
        conn.pragma_update(None, "user_version", 99)?;
        drop(conn);
        let err = Store::open(dir.path()).expect_err("newer schema must not open");
        assert!(matches!(err, StoreError::NewerSchema { found: 99, .. }));
        let message = err.to_string();
        assert!(message.contains("99") && message.contains(&format!("version {VERSION}")));
        Ok(())
    }

    #[test]
    fn a_batch_with_a_failing_move_applies_nothing() -> TestResult {
        let mut store = Store::open_in_memory()?;
        store.apply(&[Change::Upsert(sample("a.md", "A"))])?;
        let batch = [
            Change::Upsert(sample("b.md", "B")),
            Change::Remove { key: "a.md".into() },
            Change::Refuse(refused("c.md")),
            move_to("missing.md", "d.md"),
        ];
        let err = store.apply(&batch).expect_err("move from a missing key");
        assert!(matches!(&err, StoreError::NotFound { key } if key == "missing.md"));
        assert_eq!(store.releases()?, [sample("a.md", "A")]);
        assert!(store.refused()?.is_empty());
        Ok(())
    }

    #[test]
    fn move_keeps_id_dates_and_record_and_takes_the_new_file_state() -> TestResult {
        let mut store = Store::open_in_memory()?;
        let old = sample("old/a.md", "A");
        store.apply(&[Change::Upsert(old.clone()), move_to("old/a.md", "new/a.md")])?;
        assert_eq!(store.get("old/a.md")?, None);
        let moved = store.get("new/a.md")?.ok_or("moved release missing")?;
        assert_eq!(moved.file, file("new/a.md"));
        assert_eq!(moved.entry.key, "new/a.md");
        assert_eq!(moved.entry.release, old.entry.release);
        assert_eq!(moved.entry.published, old.entry.published);
        assert_eq!(moved.entry.updated, old.entry.updated);
        assert_eq!(moved.content_hash, old.content_hash);
        Ok(())
    }

    #[test]
    fn move_replaces_whatever_was_at_the_destination() -> TestResult {
        let mut store = Store::open_in_memory()?;
        let a = sample("a.md", "A");
        store.apply(&[
            Change::Upsert(a.clone()),
            Change::Upsert(sample("b.md", "B")),
            Change::Refuse(refused("c.md")),
        ])?;
        store.apply(&[move_to("a.md", "b.md"), move_to("b.md", "c.md")])?;
        let all = store.releases()?;
        assert_eq!(all.len(), 1);
        assert_eq!(
            (&*all[0].file.key, &all[0].entry.release),
            ("c.md", &a.entry.release)
        );
        assert!(store.refused()?.is_empty());
        Ok(())
    }

    #[test]
    fn upsert_clears_a_refusal_and_refuse_clears_a_release() -> TestResult {
        let mut store = Store::open_in_memory()?;
        store.apply(&[
            Change::Refuse(refused("a.md")),
            Change::Upsert(sample("a.md", "A")),
        ])?;
        assert!(store.refused()?.is_empty());
        assert!(store.get("a.md")?.is_some());
        store.apply(&[Change::Refuse(refused("a.md"))])?;
        assert_eq!(store.get("a.md")?, None);
        assert_eq!(store.refused()?, [refused("a.md")]);
        store.apply(&[Change::Forget { key: "a.md".into() }])?;
        assert!(store.refused()?.is_empty());
        Ok(())
    }

    #[test]
    fn version_3_fills_the_listing_columns_of_existing_releases() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("pressfeed.db");
        let stored = sample("a.md", "Body.");
        {
            // A database as version 2 left it, with one release.
            let conn = Connection::open(&path)?;
            conn.execute_batch(V1)?;
            conn.execute_batch(V2)?;
            conn.pragma_update(None, "user_version", 2)?;
            let record = serde_json::to_string(&stored.entry.release)?;
            conn.execute(
                "INSERT INTO releases (key, id, size, mtime_ns, fingerprint, content_hash, published, updated, record) \
                 VALUES ('a.md', ?1, 5, 1, 'f', ?2, ?3, ?3, ?4)",
                params![stored.entry.release.id, stored.content_hash, "2026-01-01T00:00:00.000000000Z", record],
            )?;
        }
        let store = Store::open(dir.path())?;
        let kept = store.kept()?;
        assert_eq!(kept.len(), 1);
        let head = &kept[0].head;
        assert_eq!(head.title, stored.entry.release.title);
        assert_eq!(head.region, stored.entry.release.region);
        assert_eq!(head.country, stored.entry.release.country);
        assert!(store.lines()?.is_empty());
        Ok(())
    }

    #[test]
    fn line_hashes_are_kept_per_file_and_dropped() -> TestResult {
        let mut store = Store::open_in_memory()?;
        let lines = vec![1, u64::MAX, 42];
        store.apply(&[
            Change::SetLines {
                key: "a.txt".into(),
                lines: Some(lines.clone()),
            },
            Change::SetLines {
                key: "b.txt".into(),
                lines: Some(vec![7]),
            },
            Change::SetLines {
                key: "b.txt".into(),
                lines: None,
            },
        ])?;
        assert_eq!(store.lines()?, [("a.txt".to_owned(), lines)]);
        Ok(())
    }

    #[test]
    fn upsert_replaces_by_key_and_removing_a_missing_key_is_a_no_op() -> TestResult {
        let mut store = Store::open_in_memory()?;
        let mut edited = sample("a.md", "edited");
        std::sync::Arc::make_mut(&mut edited.entry).updated += chrono::Duration::days(1);
        store.apply(&[
            Change::Upsert(sample("a.md", "A")),
            Change::Upsert(edited.clone()),
            Change::Remove {
                key: "nope.md".into(),
            },
            Change::Forget {
                key: "nope.md".into(),
            },
        ])?;
        assert_eq!(store.releases()?, [edited]);
        Ok(())
    }

    #[test]
    fn a_duplicate_id_a_key_mismatch_or_an_unstorable_date_is_refused() -> TestResult {
        let mut store = Store::open_in_memory()?;
        let mut clash = sample("b.md", "B");
        std::sync::Arc::make_mut(&mut clash.entry).release.id =
            sample("a.md", "A").entry.release.id.clone();
        clash.record = crate::store::encode(&clash.entry.release)?.record;
        let batch = [Change::Upsert(sample("a.md", "A")), Change::Upsert(clash)];
        let err = store.apply(&batch).expect_err("duplicate id");
        assert!(matches!(&err, StoreError::DuplicateId { holder, .. } if holder == "a.md"));
        let mut misplaced = sample("a.md", "A");
        std::sync::Arc::make_mut(&mut misplaced.entry).key = "b.md".into();
        let err = store
            .apply(&[Change::Upsert(misplaced)])
            .expect_err("key mismatch");
        assert!(matches!(err, StoreError::Invalid { .. }), "{err:?}");
        assert!(store.releases()?.is_empty());
        Ok(())
    }
}
