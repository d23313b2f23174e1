//! The one writer. Signals from the watcher (or a full walk) become reads,
//! normalizations and store changes, committed in one transaction per batch;
//! then a new snapshot is published. Nothing else writes to the store, so
//! the in-memory picture here always equals what is committed.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::metrics::Metrics;
use crate::model::Entry;
use crate::normalize::{self, Format, LearnedTemplates, Refusal, Source, template};
use crate::store::{self, Change, FileState, Refused, Store, StoreError, Stored};
use crate::watch::{Found, Roots};

/// How long a file a walk finds must have been left alone before it is read.
const QUIET: std::time::Duration = std::time::Duration::from_secs(1);

fn is_recent(f: &Found) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    let quiet = i64::try_from(QUIET.as_nanos()).unwrap_or(i64::MAX);
    now.saturating_sub(f.mtime_ns) < quiet
}

/// State name of the rules digest.
const RULES_STATE: &str = "rules";

fn learned_state(folder: &str) -> String {
    format!("learned:{folder}")
}

/// Files per transaction during a full walk.
const SCAN_CHUNK: usize = 2000;
/// Batches at least this large are normalized on every core.
const PARALLEL_FROM: usize = 64;

/// What the ingest knows of one key.
#[derive(Debug, Clone)]
enum Known {
    Release(Arc<Stored>),
    Refused(Refused),
}

impl Known {
    fn file(&self) -> &FileState {
        match self {
            Known::Release(s) => &s.file,
            Known::Refused(r) => &r.file,
        }
    }
}

/// The outcome of one batch, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Files normalized (new or changed).
    pub normalized: usize,
    /// Files refused in this batch.
    pub refused: usize,
    /// Releases removed.
    pub removed: usize,
    /// Releases moved to a new path.
    pub moved: usize,
    /// Files looked at and found unchanged.
    pub unchanged: usize,
    /// The batch was cut short for lack of file descriptors: nothing of it
    /// was stored, and a full walk must be tried again.
    pub incomplete: bool,
    /// Something was written to the store.
    pub stored: bool,
}

impl Report {
    /// Adds another batch's counts.
    pub fn add(&mut self, other: &Report) {
        self.normalized += other.normalized;
        self.refused += other.refused;
        self.removed += other.removed;
        self.moved += other.moved;
        self.unchanged += other.unchanged;
        self.incomplete |= other.incomplete;
        self.stored |= other.stored;
    }

    /// Did the published releases change?
    pub fn changed(&self) -> bool {
        self.normalized + self.removed + self.moved > 0 || self.refused > 0
    }
}

/// The ingest state: the store and its in-memory mirror.
pub struct Ingest {
    config: Arc<Config>,
    roots: Roots,
    store: Store,
    known: HashMap<String, Known>,
    /// Which key holds each release id (ids are unique in the store).
    ids: HashMap<String, String>,
    /// Named values committed with the releases: the digest of the rules
    /// (`rules`) and of each folder's learned lines (`learned:<folder>`)
    /// the stored records were normalized with.
    state: HashMap<String, String>,
    /// Files a walk found still being written (modified within [`QUIET`]):
    /// looked at again once they have been left alone that long.
    deferred: HashMap<String, Found>,
    /// Learnable lines of each `.txt` file, to unlearn them when it goes.
    lines: HashMap<String, Vec<template::LineHash>>,
    learned: LearnedTemplates,
    metrics: Arc<Metrics>,
    /// The refusal reasons the `refused_files` gauge has shown.
    refusal_reasons: BTreeSet<String>,
    clock: fn() -> DateTime<Utc>,
}

impl Ingest {
    /// Loads the store's releases and refusals into memory.
    pub fn new(
        config: Arc<Config>,
        store: Store,
        metrics: Arc<Metrics>,
    ) -> Result<Ingest, StoreError> {
        let mut known = HashMap::new();
        for stored in store.releases()? {
            known.insert(stored.file.key.clone(), Known::Release(Arc::new(stored)));
        }
        for refused in store.refused()? {
            known.insert(refused.file.key.clone(), Known::Refused(refused));
        }
        let roots = Roots::new(&config.watch);
        let ids = known
            .iter()
            .filter_map(|(key, k)| match k {
                Known::Release(s) => Some((s.entry.release.id.clone(), key.clone())),
                Known::Refused(_) => None,
            })
            .collect();
        let state = store.state()?;
        let mut ingest = Ingest {
            ids,
            state,
            deferred: HashMap::new(),
            config,
            roots,
            store,
            known,
            lines: HashMap::new(),
            learned: LearnedTemplates::default(),
            metrics,
            refusal_reasons: crate::normalize::Refusal::REASONS
                .iter()
                .chain(&["unreadable"])
                .map(|r| (*r).to_owned())
                .collect(),
            clock: Utc::now,
        };
        ingest.update_gauges();
        Ok(ingest)
    }

    /// The watched folders.
    pub fn roots(&self) -> &Roots {
        &self.roots
    }

    /// The configuration in force.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// Every published entry.
    pub fn entries(&self) -> Vec<Arc<Entry>> {
        self.known
            .values()
            .filter_map(|k| match k {
                Known::Release(s) => Some(s.entry.clone()),
                Known::Refused(_) => None,
            })
            .collect()
    }

    /// Checks that the store answers.
    pub fn check_store(&self) -> Result<(), StoreError> {
        self.store.check()
    }

    /// Checks that the store can be written now, with one small write.
    pub fn probe_store(&mut self) -> Result<(), StoreError> {
        self.store.probe()
    }

    /// Replaces the configuration; when the normalizer's rules changed, every
    /// file is normalized again.
    pub fn reload(&mut self, config: Arc<Config>) -> Result<Report, StoreError> {
        let rules_changed = !same_rules(&self.config, &config);
        let roots_changed = self.config.watch != config.watch;
        self.config = config;
        if roots_changed {
            self.roots = Roots::new(&self.config.watch);
        }
        if rules_changed || roots_changed {
            self.lines.clear();
            self.learned = LearnedTemplates::default();
            return self.rescan(true);
        }
        Ok(Report::default())
    }

    /// Walks every folder and reconciles the store with what is there.
    /// `force` normalizes unchanged files again too.
    ///
    /// Out of file descriptors, it stops before storing anything (removals
    /// included: a folder that could not be listed is not empty) and says
    /// so with [`Report::incomplete`].
    pub fn rescan(&mut self, force: bool) -> Result<Report, StoreError> {
        let found = match self.roots.walk(None) {
            Ok(found) => found,
            Err(e) => return Ok(short_of_files("listing the release folders", &e)),
        };
        let present: HashSet<&str> = found.iter().map(|f| f.key.as_str()).collect();
        let gone: Vec<String> = self
            .known
            .keys()
            .filter(|k| !present.contains(k.as_str()))
            .cloned()
            .collect();
        if self.lines.is_empty()
            && let Err(e) = self.learn_all(&found)
        {
            self.lines.clear();
            self.learned = LearnedTemplates::default();
            return Ok(short_of_files("reading release files", &e));
        }
        // Records normalized under other rules, or under other learned lines
        // than the folder has now (a crash mid-batch, a configuration edited
        // while stopped), are normalized again.
        let force = force || self.state.get(RULES_STATE) != Some(&self.rules_digest());
        let folders: BTreeSet<&str> = found.iter().map(|f| folder_of(&f.key)).collect();
        let stale: HashSet<String> = folders
            .into_iter()
            .filter(|folder| {
                self.state.get(&learned_state(folder)) != Some(&self.learned_digest(folder))
            })
            .map(str::to_owned)
            .collect();
        // A walk cannot tell a file being written from a finished one; a file
        // modified a moment ago waits until it has been quiet for a while
        // (its writer's close event usually settles it first).
        let (found, recent): (Vec<Found>, Vec<Found>) =
            found.into_iter().partition(|f| !is_recent(f));
        self.deferred
            .extend(recent.into_iter().map(|f| (f.key.clone(), f)));
        // In chunks: a folder of 100,000 files never sits in memory at once,
        // and each chunk is one transaction.
        let mut gone = gone;
        let mut total = Report::default();
        let mut found = found.into_iter().peekable();
        loop {
            let chunk: Vec<Found> = found.by_ref().take(SCAN_CHUNK).collect();
            let last = found.peek().is_none();
            let chunk_force = force || chunk.iter().any(|f| stale.contains(folder_of(&f.key)));
            let (stale_part, rest): (Vec<Found>, Vec<Found>) = chunk
                .into_iter()
                .partition(|f| force || stale.contains(folder_of(&f.key)));
            if chunk_force {
                total.add(&self.reconcile(stale_part, &mut gone, false, true)?);
            }
            if total.incomplete {
                return Ok(total);
            }
            total.add(&self.reconcile(rest, &mut gone, last, false)?);
            if last || total.incomplete {
                if !total.incomplete {
                    crate::limits::available();
                }
                return Ok(total);
            }
        }
    }

    /// A full walk that also waits (up to `limit`) for files still being
    /// written, as start-up and `render` need: every file present is in.
    pub fn rescan_settled(
        &mut self,
        force: bool,
        limit: std::time::Duration,
    ) -> Result<Report, StoreError> {
        let deadline = Instant::now() + limit;
        let mut report = self.rescan(force)?;
        while self.has_deferred() && Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
            report.add(&self.settle()?);
        }
        Ok(report)
    }

    /// Whether some files found by a walk wait for their writers to finish.
    pub fn has_deferred(&self) -> bool {
        !self.deferred.is_empty()
    }

    /// Looks again at deferred files; those left alone for [`QUIET`] are
    /// reconciled, the others wait on.
    pub fn settle(&mut self) -> Result<Report, StoreError> {
        let keys: Vec<String> = self.deferred.keys().cloned().collect();
        let mut ready = Vec::new();
        let mut gone = Vec::new();
        for key in keys {
            match self.roots.find(&key) {
                Some(f) if is_recent(&f) => {
                    self.deferred.insert(key, f);
                }
                Some(f) => {
                    self.deferred.remove(&key);
                    ready.push(f);
                }
                None => {
                    self.deferred.remove(&key);
                    gone.push(key);
                }
            }
        }
        if ready.is_empty() && gone.is_empty() {
            return Ok(Report::default());
        }
        self.reconcile(ready, &mut gone, true, false)
    }

    /// Reconciles the given paths: files to look at and paths that went away
    /// (a file, or a folder and everything under it).
    pub fn paths(
        &mut self,
        changed: &[std::path::PathBuf],
        removed: &[std::path::PathBuf],
    ) -> Result<Report, StoreError> {
        let mut found = Vec::new();
        let mut gone = Vec::new();
        let mut seen = HashSet::new();
        for path in changed {
            if path.is_dir() {
                let Some((prefix, _)) = self.roots.key_of(path) else {
                    continue;
                };
                let inside = match self.roots.walk(Some(path)) {
                    Ok(inside) => inside,
                    Err(e) => return Ok(short_of_files("listing a release folder", &e)),
                };
                let present: HashSet<&str> = inside.iter().map(|f| f.key.as_str()).collect();
                gone.extend(
                    self.keys_under(&prefix)
                        .filter(|k| !present.contains(k.as_str())),
                );
                found.extend(inside.into_iter().filter(|f| seen.insert(f.key.clone())));
            } else if let Some(f) = self.roots.inspect(path) {
                if seen.insert(f.key.clone()) {
                    found.push(f);
                }
            } else if let Some((key, _)) = self.roots.key_of(path) {
                gone.push(key);
            }
        }
        for path in removed {
            let Some((key, _)) = self.roots.key_of(path) else {
                continue;
            };
            if path.exists() {
                // Renamed away and back, or replaced: look at it again.
                if let Some(f) = self
                    .roots
                    .inspect(path)
                    .filter(|f| seen.insert(f.key.clone()))
                {
                    found.push(f);
                }
                continue;
            }
            gone.extend(self.keys_under(&key));
        }
        gone.retain(|k| !seen.contains(k));
        gone.sort();
        gone.dedup();
        // A close event settles a file a walk deferred.
        for f in &found {
            self.deferred.remove(&f.key);
        }
        for key in &gone {
            self.deferred.remove(key);
        }
        self.reconcile(found, &mut gone, true, false)
    }

    fn keys_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = String> + 'a {
        self.known
            .keys()
            .filter(move |k| {
                k.as_str() == prefix
                    || (k.starts_with(prefix) && k[prefix.len()..].starts_with('/'))
            })
            .cloned()
    }

    /// Reads every `.txt` file once to learn the template lines of each
    /// folder before anything is normalized (start-up, reload).
    /// Out of file descriptors, it stops with the error.
    fn learn_all(&mut self, found: &[Found]) -> Result<(), std::io::Error> {
        for f in found.iter().filter(|f| Format::of(&f.path) == Format::Text) {
            let bytes = match std::fs::read(&f.path) {
                Ok(bytes) => bytes,
                Err(e) if crate::limits::is_out_of_files(&e) => return Err(e),
                Err(_) => continue,
            };
            let Ok(text) = normalize::read_text(&bytes, &self.config.rules) else {
                continue;
            };
            let lines = template::file_lines(&text);
            self.learned.add_lines(folder_of(&f.key), &lines);
            self.lines.insert(f.key.clone(), lines);
        }
        Ok(())
    }

    /// Reconciles files found on disk with the store in one transaction.
    /// `gone` keys may turn out to be moves; with `remove_gone` the rest are
    /// removed (a full walk passes them to its last chunk only). A file that
    /// cannot be opened for lack of file descriptors cuts the batch short:
    /// nothing is stored and the report is [`Report::incomplete`].
    /// Refusals are logged and counted once they are stored.
    fn reconcile(
        &mut self,
        found: Vec<Found>,
        gone: &mut Vec<String>,
        remove_gone: bool,
        force: bool,
    ) -> Result<Report, StoreError> {
        let started = Instant::now();
        let mut report = Report::default();
        let mut pending = Vec::new();
        let mut changes = Vec::new();
        let mut refusals = Vec::new();
        for f in found {
            match self.examine(f, force) {
                Examined::Unchanged => report.unchanged += 1,
                Examined::Touched(change) => {
                    report.unchanged += 1;
                    changes.push(*change);
                }
                Examined::Vanished(key) => gone.push(key),
                Examined::Unreadable(f, reason) => {
                    report.refused += 1;
                    changes.push(self.shared().refuse(&f, String::new(), &reason));
                    refusals.push((f.path, reason));
                }
                Examined::Short(e) => return Ok(short_of_files("reading a release file", &e)),
                Examined::Read(read) => pending.push(read),
            }
        }
        if !pending.is_empty() {
            crate::limits::available();
        }
        let unlearned = if remove_gone {
            gone.clone()
        } else {
            Vec::new()
        };
        if let Err(e) = self.relearn(&mut pending, &unlearned) {
            return Ok(short_of_files("reading a release file", &e));
        }
        self.moves(&mut pending, gone, &mut changes, &mut report);
        let normalized = self.normalize_all(&pending, &mut report);
        for (read, change) in pending.iter().zip(&normalized) {
            if let Change::Refuse(refused) = change {
                refusals.push((read.found.path.clone(), refused.reason.clone()));
            }
        }
        changes.extend(normalized);
        let removed = if remove_gone {
            std::mem::take(gone)
        } else {
            Vec::new()
        };
        for key in &removed {
            match self.known.get(key) {
                Some(Known::Release(_)) => {
                    report.removed += 1;
                    changes.push(Change::Remove { key: key.clone() });
                }
                Some(Known::Refused(_)) => changes.push(Change::Forget { key: key.clone() }),
                None => {}
            }
        }
        if !changes.is_empty() {
            self.record_state(&mut changes);
            self.store.apply(&changes)?;
            self.commit(changes);
            self.update_gauges();
            report.stored = true;
        }
        // Only now: a batch the store refused is tried again, and its
        // refusals would be reported at each try.
        for (path, reason) in &refusals {
            tracing::warn!(path = %path.display(), reason = %reason, "refused release file");
            self.metrics
                .count_refusal(reason.split(':').next().unwrap_or(reason));
        }
        if report.changed() {
            self.metrics
                .ingest_latency
                .observe(started.elapsed().as_secs_f64());
        }
        Ok(report)
    }

    fn examine(&self, f: Found, force: bool) -> Examined {
        let known = self.known.get(&f.key);
        if !force
            && known.is_some_and(|k| k.file().size == f.size && k.file().mtime_ns == f.mtime_ns)
        {
            return Examined::Unchanged;
        }
        let bytes = match std::fs::read(&f.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Examined::Vanished(f.key),
            Err(e) if crate::limits::is_out_of_files(&e) => return Examined::Short(e),
            Err(e) => return Examined::Unreadable(f, format!("unreadable: {e}")),
        };
        let fingerprint = store::fingerprint(&bytes);
        let file = FileState {
            key: f.key.clone(),
            size: bytes.len() as u64,
            mtime_ns: f.mtime_ns,
            fingerprint,
        };
        match known {
            Some(Known::Release(s)) if !force && s.file.fingerprint == file.fingerprint => {
                Examined::Touched(Box::new(Change::Upsert(Stored {
                    file,
                    ..(**s).clone()
                })))
            }
            Some(Known::Refused(r)) if !force && r.file.fingerprint == file.fingerprint => {
                Examined::Touched(Box::new(Change::Refuse(Refused {
                    file,
                    reason: r.reason.clone(),
                })))
            }
            _ => Examined::Read(Read {
                found: f,
                file,
                bytes,
                moved_from: None,
                fresh: false,
            }),
        }
    }

    /// Updates learned template lines with the files read and gone; when a
    /// folder's learned set changes, its other files are read again.
    /// Out of file descriptors, it stops with the error.
    fn relearn(&mut self, pending: &mut Vec<Read>, gone: &[String]) -> Result<(), std::io::Error> {
        let min = self.config.rules.learn_min_files;
        let mut folders: BTreeSet<String> = BTreeSet::new();
        let touched = pending
            .iter()
            .map(|r| r.found.key.clone())
            .chain(gone.iter().cloned())
            .collect::<Vec<_>>();
        for key in &touched {
            folders.insert(folder_of(key).to_owned());
        }
        let before: HashMap<String, Vec<template::LineHash>> = folders
            .iter()
            .map(|f| (f.clone(), self.learned.learned_lines(f, min)))
            .collect();
        for key in gone {
            if let Some(lines) = self.lines.remove(key) {
                self.learned.remove_lines(folder_of(key), &lines);
            }
        }
        for read in pending.iter() {
            let key = &read.found.key;
            if let Some(lines) = self.lines.remove(key) {
                self.learned.remove_lines(folder_of(key), &lines);
            }
            if Format::of(&read.found.path) != Format::Text {
                continue;
            }
            let Ok(text) = normalize::read_text(&read.bytes, &self.config.rules) else {
                continue;
            };
            let lines = template::file_lines(&text);
            self.learned.add_lines(folder_of(key), &lines);
            self.lines.insert(key.clone(), lines);
        }
        let in_batch: HashSet<String> = touched.into_iter().collect();
        for (folder, old) in before {
            if self.learned.learned_lines(&folder, min) == old {
                continue;
            }
            let others: Vec<String> = self
                .known
                .keys()
                .filter(|k| folder_of(k) == folder && !in_batch.contains(*k))
                .cloned()
                .collect();
            for key in others {
                let Some(found) = self.roots.find(&key) else {
                    continue;
                };
                match self.examine(found, true) {
                    Examined::Read(read) => pending.push(read),
                    Examined::Short(e) => return Err(e),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// A new file whose bytes equal a release that went away is that
    /// release, moved: it keeps its id and dates. It is normalized again at
    /// its new place (a region folder may now decide its region).
    /// Content that left one path and turned up at another is the same
    /// release, moved: it keeps its id and dates. The path it left is either
    /// gone or now holds other content (two files swapped names); a path
    /// whose release moved away gets a new release with a fresh id.
    fn moves(
        &mut self,
        pending: &mut [Read],
        gone: &mut Vec<String>,
        changes: &mut Vec<Change>,
        report: &mut Report,
    ) {
        let stored_fingerprint = |key: &str| match self.known.get(key) {
            Some(Known::Release(s)) => Some(s.file.fingerprint.clone()),
            _ => None,
        };
        let departed: HashSet<String> = pending
            .iter()
            .filter(|r| stored_fingerprint(&r.found.key).is_some_and(|f| f != r.file.fingerprint))
            .map(|r| r.found.key.clone())
            .collect();
        let mut by_fingerprint: HashMap<String, Vec<String>> = HashMap::new();
        for key in gone.iter().chain(departed.iter()) {
            if let Some(fingerprint) = stored_fingerprint(key) {
                by_fingerprint
                    .entry(fingerprint)
                    .or_default()
                    .push(key.clone());
            }
        }
        let mut taken = HashSet::new();
        for read in pending.iter_mut() {
            if stored_fingerprint(&read.found.key).is_some_and(|f| f == read.file.fingerprint) {
                continue;
            }
            let Some(origins) = by_fingerprint.get_mut(&read.file.fingerprint) else {
                continue;
            };
            let Some(at) = origins.iter().position(|k| *k != read.found.key) else {
                continue;
            };
            let from = origins.swap_remove(at);
            // Removed first: the id moves with the release.
            changes.push(Change::Remove { key: from.clone() });
            read.moved_from = Some(from.clone());
            taken.insert(from);
            report.moved += 1;
        }
        for read in pending.iter_mut() {
            read.fresh = taken.contains(&read.found.key) && read.moved_from.is_none();
        }
        gone.retain(|key| !taken.contains(key));
        for key in taken.iter().filter(|k| !departed.contains(*k)) {
            if let Some(lines) = self.lines.remove(key) {
                self.learned.remove_lines(folder_of(key), &lines);
            }
        }
    }

    /// Adds the digests the records of this batch were normalized with.
    fn record_state(&self, changes: &mut Vec<Change>) {
        let mut folders: BTreeSet<&str> = BTreeSet::new();
        for change in changes.iter() {
            if let Change::Upsert(Stored { file, .. }) | Change::Refuse(Refused { file, .. }) =
                change
            {
                folders.insert(folder_of(&file.key));
            }
        }
        let mut state = vec![(RULES_STATE.to_owned(), self.rules_digest())];
        state.extend(
            folders
                .into_iter()
                .map(|f| (learned_state(f), self.learned_digest(f))),
        );
        changes.extend(
            state
                .into_iter()
                .filter(|(name, value)| self.state.get(name) != Some(value))
                .map(|(name, value)| Change::SetState { name, value }),
        );
    }

    fn rules_digest(&self) -> String {
        format!("{:016x}", self.config.rules.digest())
    }

    fn learned_digest(&self, folder: &str) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.learned
            .learned_lines(folder, self.config.rules.learn_min_files)
            .hash(&mut h);
        format!("{:016x}", h.finish())
    }

    fn shared(&self) -> Shared<'_> {
        Shared {
            config: &self.config,
            learned: &self.learned,
            known: &self.known,
            ids: &self.ids,
            clock: self.clock,
        }
    }

    /// Normalizes a batch, on every core when it is large: normalization
    /// is pure, so the files are simply split between threads.
    fn normalize_all(&self, pending: &[Read], report: &mut Report) -> Vec<Change> {
        let shared = self.shared();
        let shared = &shared;
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        if threads == 1 || pending.len() < PARALLEL_FROM {
            return pending
                .iter()
                .map(|read| shared.normalize(read, report))
                .collect();
        }
        let chunk = pending.len().div_ceil(threads);
        let parts: Vec<(Vec<Change>, Report)> = std::thread::scope(|scope| {
            let handles: Vec<_> = pending
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        let mut report = Report::default();
                        let changes = part
                            .iter()
                            .map(|read| shared.normalize(read, &mut report))
                            .collect();
                        (changes, report)
                    })
                })
                .collect();
            // The normalizer does not panic (property tests and a fuzz
            // target hold it to that); a part that did would be redone below.
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut changes = Vec::with_capacity(pending.len());
        for (part, (done, counted)) in pending.chunks(chunk).zip(parts) {
            if done.len() == part.len() {
                changes.extend(done);
                report.normalized += counted.normalized;
                report.refused += counted.refused;
            } else {
                changes.extend(part.iter().map(|read| shared.normalize(read, report)));
            }
        }
        changes
    }

    /// Mirrors committed changes in memory.
    fn commit(&mut self, changes: Vec<Change>) {
        for change in changes {
            let key = match &change {
                Change::Upsert(s) => s.file.key.clone(),
                Change::Refuse(r) => r.file.key.clone(),
                Change::Remove { key }
                | Change::Forget { key }
                | Change::Move { from: key, .. } => key.clone(),
                Change::SetState { name, value } => {
                    self.state.insert(name.clone(), value.clone());
                    continue;
                }
            };
            if let Some(Known::Release(old)) = self.known.get(&key) {
                self.ids.remove(&old.entry.release.id);
            }
            match change {
                Change::Upsert(stored) => {
                    self.ids
                        .insert(stored.entry.release.id.clone(), stored.file.key.clone());
                    self.known
                        .insert(stored.file.key.clone(), Known::Release(Arc::new(stored)));
                }
                Change::Refuse(refused) => {
                    self.known
                        .insert(refused.file.key.clone(), Known::Refused(refused));
                }
                Change::Remove { key } | Change::Forget { key } => {
                    self.known.remove(&key);
                }
                Change::SetState { .. } => {}
                Change::Move { from, to } => {
                    if let Some(Known::Release(s)) = self.known.remove(&from) {
                        let mut moved = (*s).clone();
                        Arc::make_mut(&mut moved.entry).key = to.key.clone();
                        moved.file = to;
                        self.ids
                            .insert(moved.entry.release.id.clone(), moved.file.key.clone());
                        self.known
                            .insert(moved.file.key.clone(), Known::Release(Arc::new(moved)));
                    }
                }
            }
        }
    }

    fn update_gauges(&mut self) {
        let mut per_region: HashMap<&str, i64> = HashMap::new();
        for region in self.config.rules.taxonomy.regions() {
            per_region.insert(&region.slug, 0);
        }
        // Every reason shown once stays shown, at 0 when no file has it.
        let mut per_reason: HashMap<String, i64> = self
            .refusal_reasons
            .iter()
            .map(|r| (r.clone(), 0))
            .collect();
        for known in self.known.values() {
            match known {
                Known::Release(s) => *per_region.entry(&s.entry.release.region).or_default() += 1,
                Known::Refused(r) => {
                    let reason = r.reason.split(':').next().unwrap_or(&r.reason);
                    *per_reason.entry(reason.to_owned()).or_default() += 1;
                }
            }
        }
        for (reason, n) in per_reason {
            self.metrics
                .refused_files
                .get_or_create(&crate::metrics::ReasonLabel {
                    reason: reason.clone(),
                })
                .set(n);
            self.refusal_reasons.insert(reason);
        }
        for (region, n) in per_region {
            self.metrics
                .releases
                .get_or_create(&crate::metrics::RegionLabel {
                    region: region.to_owned(),
                })
                .set(n);
        }
    }
}

/// The read-only part of the ingest that normalizing a file needs; shared
/// by the threads of a large batch (the store stays with the ingest).
struct Shared<'a> {
    config: &'a Config,
    learned: &'a LearnedTemplates,
    known: &'a HashMap<String, Known>,
    ids: &'a HashMap<String, String>,
    clock: fn() -> DateTime<Utc>,
}

impl Shared<'_> {
    fn normalize(&self, read: &Read, report: &mut Report) -> Change {
        let rules = &self.config.rules;
        let region_folder = read
            .found
            .first_folder
            .as_deref()
            .filter(|f| rules.taxonomy.region(f).is_some());
        let source = Source {
            key: &read.found.key,
            format: Format::of(&read.found.path),
            region_folder,
            bytes: &read.bytes,
        };
        match normalize::normalize(&source, rules, self.learned) {
            Ok(mut release) => {
                if read.moved_from.is_none() {
                    report.normalized += 1;
                }
                let previous_key = read.moved_from.as_deref().unwrap_or(&read.found.key);
                let previous = match self.known.get(previous_key) {
                    Some(Known::Release(s)) if !read.fresh => Some(s.clone()),
                    _ => None,
                };
                match &previous {
                    // A release keeps the id it was first published with.
                    Some(p) => release.id = p.entry.release.id.clone(),
                    None if read.fresh => release.id = self.fresh_id(&read.found.key),
                    None => release.id = self.free_id(&read.found.key, release.id),
                }
                let content_hash = store::content_hash(&release);
                let now = (self.clock)();
                let published = release
                    .published
                    .map(|d| d.with_timezone(&Utc))
                    .or(previous.as_ref().map(|p| p.entry.published))
                    .unwrap_or(now);
                let updated = match &previous {
                    Some(p) if p.content_hash == content_hash => p.entry.updated,
                    _ => now.max(published),
                };
                let entry = Entry {
                    release,
                    key: read.found.key.clone(),
                    published,
                    updated,
                };
                Change::Upsert(Stored {
                    file: read.file.clone(),
                    entry: Arc::new(entry),
                    content_hash,
                })
            }
            Err(refusal) => {
                report.refused += 1;
                self.refuse(
                    &read.found,
                    read.file.fingerprint.clone(),
                    &refusal_reason(&refusal),
                )
            }
        }
    }

    /// The id a new file at `key` gets: the one its path gives, unless a
    /// release that moved away from this path still holds it.
    fn free_id(&self, key: &str, id: String) -> String {
        let taken = |id: &str| self.ids.get(id).is_some_and(|holder| holder != key);
        if !taken(&id) {
            return id;
        }
        (1..)
            .map(|n| normalize::identity::release_id(&format!("{key}#{n}")))
            .find(|candidate| !taken(candidate))
            .unwrap_or(id)
    }

    /// An id no release holds, for a path whose release moved away.
    fn fresh_id(&self, key: &str) -> String {
        (1..)
            .map(|n| normalize::identity::release_id(&format!("{key}#{n}")))
            .find(|candidate| !self.ids.contains_key(candidate))
            .unwrap_or_else(|| normalize::identity::release_id(key))
    }

    /// The change recording a refused file (logged and counted by the
    /// caller once stored).
    fn refuse(&self, found: &Found, fingerprint: String, reason: &str) -> Change {
        let file = FileState {
            key: found.key.clone(),
            size: found.size,
            mtime_ns: found.mtime_ns,
            fingerprint,
        };
        Change::Refuse(Refused {
            file,
            reason: reason.to_owned(),
        })
    }
}

enum Examined {
    Unchanged,
    Touched(Box<Change>),
    Vanished(String),
    Unreadable(Found, String),
    /// Out of file descriptors: the file could not be opened now.
    Short(std::io::Error),
    Read(Read),
}

/// Reports a shortage of file descriptors: the batch stops, to be tried again.
fn short_of_files(doing: &str, error: &std::io::Error) -> Report {
    crate::limits::out_of_files(doing, error);
    Report {
        incomplete: true,
        ..Report::default()
    }
}

struct Read {
    found: Found,
    file: FileState,
    bytes: Vec<u8>,
    /// The key this file's release had before it moved here.
    moved_from: Option<String>,
    /// Its path's previous release moved elsewhere: this is a new release.
    fresh: bool,
}

fn folder_of(key: &str) -> &str {
    key.rsplit_once('/').map_or("", |(folder, _)| folder)
}

fn refusal_reason(refusal: &Refusal) -> String {
    format!("{}: {refusal}", refusal.reason())
}

/// Did anything the normalizer reads change between two configurations?
fn same_rules(a: &Config, b: &Config) -> bool {
    a.rules.digest() == b.rules.digest()
}
