//! The one writer. Signals from the watcher (or a full walk) become reads,
//! normalizations and store changes, committed in one transaction per batch;
//! then a new snapshot is published. Nothing else writes to the store, so
//! the in-memory picture here always equals what is committed.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::metrics::Metrics;
use crate::model::Entry;
use crate::normalize::{self, Format, LearnedTemplates, Refusal, Source, template};
use crate::snapshot::Index;
use crate::store::{self, Bodies, Change, FileState, Kept, Refused, Store, StoreError, Stored};
use crate::watch::{Found, Roots, readahead};

// The maps here are keyed by file keys and hashed for every file of every
// walk, on the one thread that stores: SipHash was a tenth of that thread's
// time in a cold start. The keys come from the watched folders, not from
// the network, so a fast hash is safe.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// How long a file a walk finds must have been left alone before it is read.
const QUIET: std::time::Duration = std::time::Duration::from_secs(1);

/// Most renames awaiting the read of their new path (see `Ingest::awaited`);
/// past it a rename whose file is still being written is a removal and a
/// new release, as a walk makes of it.
const AWAITED_MOST: usize = 4096;

/// How long a file caught mid-save stays suspect: while it does, it is read
/// only once it has been left alone for [`QUIET`].
const HOT_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether a batch's files come from watcher signals (or deferrals), whose
/// list of paths that went away may still lack some; or from a full walk.
/// Either way with the renames the watcher paired: a walk after the
/// watcher's queue overflowed has those it kept aside.
#[derive(Debug, Clone, Copy)]
enum Signalled<'r> {
    Yes(&'r Renames),
    No(&'r Renames),
}

/// Renames the watcher paired, as keys: the key each new path had before.
/// A file renamed keeps its release's id even when its bytes changed on
/// the way, which its fingerprint alone cannot tell from a removal and a
/// new file.
#[derive(Debug, Default)]
struct Renames {
    /// Old key by new key; a later rename onto the same path replaces an
    /// earlier one.
    by_target: HashMap<Arc<str>, Arc<str>>,
}

impl Renames {
    /// From (old key, new key) pairs, oldest first.
    fn new(pairs: impl IntoIterator<Item = (Arc<str>, Arc<str>)>) -> Renames {
        let by_target = pairs.into_iter().map(|(from, to)| (to, from)).collect();
        Renames { by_target }
    }

    /// The key the file at `key` had before it (or a folder above it) was
    /// renamed, going back through renames of renames to the first key
    /// that `is_origin` accepts.
    fn origin(&self, key: &str, is_origin: impl Fn(&str) -> bool) -> Option<Arc<str>> {
        let mut at = key.to_owned();
        // Bounded: renames can go round in a circle.
        for _ in 0..self.by_target.len() {
            at = self.before(&at)?;
            if is_origin(&at) {
                return Some(at.into());
            }
        }
        None
    }

    /// Where `key` was before the latest rename of it or of its nearest
    /// renamed folder: a lookup per folder level, so a batch of thousands
    /// of renames costs no more per file than one.
    fn before(&self, key: &str) -> Option<String> {
        key_and_folders(key).find_map(|at| {
            let from = self.by_target.get(at)?;
            Some(format!("{from}{}", &key[at.len()..]))
        })
    }
}

/// `key`, then each folder it is in, innermost first: `a/b/c.txt`, `a/b`, `a`.
fn key_and_folders(key: &str) -> impl Iterator<Item = &str> {
    let folders = key.rmatch_indices('/').map(|(at, _)| at);
    std::iter::once(key.len())
        .chain(folders)
        .map(move |end| &key[..end])
}

/// Reads a file, or `None` when it is not the file that was found: its size
/// or modification time moved while it was read (a save in progress).
fn read_unchanged(f: &Found) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(&f.path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(f.size).unwrap_or(0) + 1);
    file.read_to_end(&mut bytes)?;
    let after = file.metadata()?;
    let same = after.len() == f.size
        && bytes.len() as u64 == f.size
        && crate::watch::scan::mtime_ns(&after) == f.mtime_ns;
    Ok(same.then_some(bytes))
}

/// A found file's bytes and fingerprint; `None` when it changed while it
/// was read ([`read_unchanged`]).
type Loaded = std::io::Result<Option<(Vec<u8>, String)>>;

fn load(f: &Found) -> Loaded {
    Ok(read_unchanged(f)?.map(|bytes| {
        let fingerprint = store::fingerprint(&bytes);
        (bytes, fingerprint)
    }))
}

/// `work` applied to every item, the items split between [`threads`] when
/// there are enough of them to pay for the threads. The work may change
/// its item (let go of what it no longer needs) but nothing else; it must
/// not panic, and a panic is passed on.
fn on_every_core<T: Send, R: Send>(items: &mut [T], work: impl Fn(&mut T) -> R + Sync) -> Vec<R> {
    on_threads(threads(), items, work)
}

/// Like [`on_every_core`], for work that mostly reads files: split between
/// [`readers`] threads, more than there are cores.
fn on_reading_threads<T: Send, R: Send>(
    items: &mut [T],
    work: impl Fn(&mut T) -> R + Sync,
) -> Vec<R> {
    on_threads(readers(), items, work)
}

fn on_threads<T: Send, R: Send>(
    threads: usize,
    items: &mut [T],
    work: impl Fn(&mut T) -> R + Sync,
) -> Vec<R> {
    let mut done = Vec::with_capacity(items.len());
    on_threads_in_order(threads, items, work, |r| done.push(r));
    done
}

/// Like [`on_every_core`], but each result is handed to `take` on the
/// calling thread, in item order, as soon as it and all before it are
/// done: the caller works on the first results while the threads make the
/// rest. The items are dealt out in small runs, so no thread idles while
/// another still has a long share to go.
fn on_every_core_in_order<T: Send, R: Send>(
    items: &mut [T],
    work: impl Fn(&mut T) -> R + Sync,
    take: impl FnMut(R),
) {
    on_threads_in_order(threads(), items, work, take);
}

/// [`on_every_core_in_order`] on `threads` threads.
fn on_threads_in_order<T: Send, R: Send>(
    threads: usize,
    items: &mut [T],
    work: impl Fn(&mut T) -> R + Sync,
    mut take: impl FnMut(R),
) {
    const RUN: usize = 8;
    if threads == 1 || items.len() < PARALLEL_FROM {
        items.iter_mut().map(&work).for_each(take);
        return;
    }
    let runs = std::sync::Mutex::new(items.chunks_mut(RUN).enumerate());
    let (done, results) = std::sync::mpsc::channel::<(usize, Vec<R>)>();
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (runs, done) = (&runs, done.clone());
                scope.spawn(move || {
                    loop {
                        // Taking the next run cannot panic, so the lock is
                        // never poisoned.
                        let next = runs.lock().map(|mut runs| runs.next());
                        let Ok(Some((at, run))) = next else { break };
                        let made = run.iter_mut().map(work).collect();
                        if done.send((at, made)).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        drop(done);
        // Runs finished out of order wait here for those before them.
        let mut early = std::collections::BTreeMap::new();
        let mut next = 0;
        for (at, made) in results {
            early.insert(at, made);
            while let Some(made) = early.remove(&next) {
                made.into_iter().for_each(&mut take);
                next += 1;
            }
        }
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

fn is_recent(f: &Found) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    let quiet = i64::try_from(QUIET.as_nanos()).unwrap_or(i64::MAX);
    now.saturating_sub(f.mtime_ns) < quiet
}

/// How many threads pure work (reading, normalizing) is split between.
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// `work` on every file of `files` on [`readers`] threads, the files that
/// `uncached` picks read ahead of them ([`readahead`]).
fn read_found<R: Send>(
    files: &mut [&Found],
    uncached: impl Fn(&Found) -> bool + Sync,
    work: impl Fn(&Found) -> R + Sync,
) -> Vec<R> {
    let paths: Vec<&std::path::Path> = files
        .iter()
        .filter(|f| uncached(f))
        .map(|f| f.path.as_path())
        .collect();
    readahead::while_reading(&paths, |progress| {
        on_reading_threads(files, |f| {
            let got = work(f);
            if uncached(f) {
                progress.read_one();
            }
            got
        })
    })
}

/// How many threads read files. A file not in the page cache keeps its
/// reader waiting on the disk, which serves many requests at once: reading
/// 100,000 files (445 MB) from a cold cache took 9.4 s with two readers
/// and 5.9 s with eight, the kernel's own work being the limit after that.
fn readers() -> usize {
    (threads() * 4).clamp(8, 16)
}

/// How often a long walk logs how far it got.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// State name of the rules digest.
const RULES_STATE: &str = "rules";

fn learned_state(folder: &str) -> String {
    format!("learned:{folder}")
}

/// Files per transaction during a full walk. Each commit rewrites every
/// page it touched of the indexes in random order (ids, fingerprints), so
/// fewer, larger transactions write less: a cold start of 100,000 files
/// took 15.7 / 19.1 s in chunks of 5,000 against 23.5 / 20.1 s in chunks
/// of 2,000, for 15 MiB more peak memory (the records are let go of once
/// written, [`Change::written`]).
const SCAN_CHUNK: usize = 5000;
/// Files per transaction of a batch of signalled files. Smaller than
/// [`SCAN_CHUNK`]: such a batch is normalized whole before any of it is
/// written (files still being written are held back first), and the
/// daemon serving it holds its caches meanwhile; a burst of 10,000 in
/// chunks of 5,000 took the peak to 293 MiB, against 262 in chunks of 2,000.
const SIGNALLED_CHUNK: usize = 2000;
/// Batches at least this large are normalized on every core.
const PARALLEL_FROM: usize = 64;

/// What the ingest knows of one key. Both kinds are boxed: the table holds
/// one for every file, and an unboxed refusal would make each entry five
/// times the size.
#[derive(Debug, Clone)]
enum Known {
    Release(Arc<Kept>),
    Refused(Box<Refused>),
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
    /// The batch was cut short (no file descriptors left, or the store
    /// refused a later chunk of it): the rest of it was not stored, and a
    /// full walk must be tried again.
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
    known: HashMap<Arc<str>, Known>,
    /// Which key holds each release id (ids are unique in the store).
    ids: HashMap<String, Arc<str>>,
    /// Named values committed with the releases: the digest of the rules
    /// (`rules`) and of each folder's learned lines (`learned:<folder>`)
    /// the stored records were normalized with.
    state: std::collections::HashMap<String, String>,
    /// Files a walk found still being written (modified within [`QUIET`]):
    /// looked at again once they have been left alone that long.
    deferred: HashMap<Arc<str>, Found>,
    /// Files lately caught mid-save, and when: they wait until quiet.
    hot: HashMap<Arc<str>, Instant>,
    /// Renames whose new path was still being written when their batch
    /// came (old key by new key): the release stays at its old key until
    /// the file is read, and keeps its id then. At most [`AWAITED_MOST`].
    awaited: HashMap<Arc<str>, Arc<str>>,
    /// Learnable lines of each `.txt` file, to unlearn them when it goes.
    lines: HashMap<Arc<str>, Vec<template::LineHash>>,
    /// Files whose lines changed since the last commit (kept in the store
    /// so a start need not read every file to learn).
    lines_dirty: BTreeSet<Arc<str>>,
    /// Whether every file's lines have been learned since start or reload.
    learned_all: bool,
    /// Files whose lines the first walk read, with the size and mtime they
    /// had: the walk that follows need not hash them again. Emptied by it.
    lines_read: HashMap<Arc<str>, (u64, i64)>,
    learned: LearnedTemplates,
    /// The full records, for feeds; newly written ones are handed over.
    bodies: Arc<Bodies>,
    /// The heads of every release in `known`, as snapshots copy them.
    index: Index,
    metrics: Arc<Metrics>,
    /// The refusal reasons the `refused_files` gauge has shown.
    refusal_reasons: BTreeSet<String>,
    /// How many files are refused for each reason, kept by [`Ingest::commit`].
    refused_counts: HashMap<String, i64>,
    clock: fn() -> DateTime<Utc>,
}

impl Ingest {
    /// Loads the store's releases and refusals into memory.
    pub fn new(
        config: Arc<Config>,
        store: Store,
        metrics: Arc<Metrics>,
    ) -> Result<Ingest, StoreError> {
        let roots = Roots::new(&config.watch);
        let state = store.state()?;
        let bodies = Arc::new(store.bodies());
        let learned = LearnedTemplates::new(config.rules.learn_min_files);
        let kept = store.kept()?;
        let refused = store.refused()?;
        let mut ingest = Ingest {
            index: Index::default(),
            bodies,
            ids: HashMap::with_capacity_and_hasher(kept.len(), Default::default()),
            state,
            deferred: HashMap::default(),
            hot: HashMap::default(),
            awaited: HashMap::default(),
            config,
            roots,
            store,
            known: HashMap::with_capacity_and_hasher(
                kept.len() + refused.len(),
                Default::default(),
            ),
            lines: HashMap::default(),
            lines_dirty: BTreeSet::new(),
            learned_all: false,
            lines_read: HashMap::default(),
            learned,
            metrics,
            refusal_reasons: crate::normalize::Refusal::REASONS
                .iter()
                .chain(&["unreadable"])
                .map(|r| (*r).to_owned())
                .collect(),
            refused_counts: HashMap::default(),
            clock: Utc::now,
        };
        for kept in kept {
            ingest.hold(Known::Release(Arc::new(kept)));
        }
        for refused in refused {
            ingest.hold(Known::Refused(Box::new(refused)));
        }
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

    /// Every published release's head, indexed.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Where feeds read the full records.
    pub fn bodies(&self) -> &Arc<Bodies> {
        &self.bodies
    }

    /// Checks that the store answers.
    pub fn check_store(&self) -> Result<(), StoreError> {
        self.store.check()
    }

    /// Leaves the store ready for the next start: its write-ahead log
    /// copied into the database ([`Store::empty_log`]). A failure is
    /// only logged; nothing is lost by it.
    pub fn close(mut self) {
        let started = Instant::now();
        match self.store.empty_log() {
            Ok(()) => tracing::debug!(
                seconds = format!("{:.3}", started.elapsed().as_secs_f64()),
                "write-ahead log copied into the database"
            ),
            Err(e) => tracing::warn!(
                error = %e,
                "cannot copy the write-ahead log into the database; the next start reads it"
            ),
        }
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
            // Decoding follows the rules too: every file is read again.
            self.lines_dirty
                .extend(self.lines.drain().map(|(key, _)| key));
            self.learned = LearnedTemplates::new(self.config.rules.learn_min_files);
            self.learned_all = false;
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
        self.rescan_from(None, force, &[])
    }

    /// [`Ingest::rescan`] after the watcher lost signals, knowing that the
    /// files were `renamed` meanwhile (old path, new path; oldest first): a
    /// file renamed keeps its release's id even if its bytes changed too.
    pub fn rescan_renamed(
        &mut self,
        renamed: &[(std::path::PathBuf, std::path::PathBuf)],
    ) -> Result<Report, StoreError> {
        self.rescan_from(None, false, renamed)
    }

    /// `renamed` as keys (old, new); renames from or to outside the roots
    /// are left out.
    fn rename_keys(
        &self,
        renamed: &[(std::path::PathBuf, std::path::PathBuf)],
    ) -> Vec<(Arc<str>, Arc<str>)> {
        let key = |path: &std::path::Path| self.roots.key_of(path).map(|(key, _)| Arc::from(key));
        renamed
            .iter()
            .filter_map(|(from, to)| Some((key(from)?, key(to)?)))
            .collect()
    }

    /// [`Ingest::rescan`], from `walked` when given: a walk of every root
    /// ([`Roots::walk`]) begun once they were all watched.
    fn rescan_from(
        &mut self,
        walked: Option<std::io::Result<Vec<Found>>>,
        force: bool,
        renamed: &[(std::path::PathBuf, std::path::PathBuf)],
    ) -> Result<Report, StoreError> {
        // A walk settles every awaited rename. One whose file it defers,
        // still being written, is a removal and a new release after all.
        let mut pairs: Vec<_> = self.awaited.drain().map(|(to, from)| (from, to)).collect();
        pairs.extend(self.rename_keys(renamed));
        let renames = Renames::new(pairs);
        let report = self.walk_all(walked, force, &renames);
        self.lines_read.clear();
        self.lines_read.shrink_to_fit();
        report
    }

    fn walk_all(
        &mut self,
        walked: Option<std::io::Result<Vec<Found>>>,
        force: bool,
        renames: &Renames,
    ) -> Result<Report, StoreError> {
        let found = match walked.unwrap_or_else(|| self.roots.walk(None)) {
            Ok(found) => found,
            Err(e) => return Ok(short_of_files("listing the release folders", &e)),
        };
        let present: HashSet<&str> = found.iter().map(|f| f.key.as_ref()).collect();
        let gone: Vec<Arc<str>> = self
            .known
            .keys()
            .filter(|k| !present.contains(&**k as &str))
            .cloned()
            .collect();
        if !self.learned_all {
            let same_rules = self.state.get(RULES_STATE) == Some(&self.rules_digest());
            if let Err(e) = self.learn_all(&found, same_rules && !force) {
                self.lines.clear();
                self.learned = LearnedTemplates::new(self.config.rules.learn_min_files);
                return Ok(short_of_files("reading release files", &e));
            }
            self.learned_all = true;
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
        let files = found.len();
        let started = Instant::now();
        let mut last_progress = started;
        let mut found = found.into_iter().peekable();
        loop {
            if last_progress.elapsed() >= PROGRESS_EVERY {
                last_progress = Instant::now();
                tracing::info!(
                    seen = total.normalized + total.unchanged + total.refused,
                    of = files,
                    normalized = total.normalized,
                    refused = total.refused,
                    seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
                    "scan in progress"
                );
            }
            let chunk: Vec<Found> = found.by_ref().take(SCAN_CHUNK).collect();
            let last = found.peek().is_none();
            let chunk_force = force || chunk.iter().any(|f| stale.contains(folder_of(&f.key)));
            let (stale_part, rest): (Vec<Found>, Vec<Found>) = chunk
                .into_iter()
                .partition(|f| force || stale.contains(folder_of(&f.key)));
            if chunk_force {
                total.add(&self.reconcile(
                    stale_part,
                    &mut gone,
                    false,
                    true,
                    Signalled::No(renames),
                    None,
                )?);
            }
            if total.incomplete {
                return Ok(total);
            }
            let walked = Signalled::No(renames);
            total.add(&self.reconcile(rest, &mut gone, last, false, walked, None)?);
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
    /// `walked` as for [`Ingest::rescan_from`].
    pub fn rescan_settled(
        &mut self,
        walked: Option<std::io::Result<Vec<Found>>>,
        force: bool,
        limit: std::time::Duration,
    ) -> Result<Report, StoreError> {
        let deadline = Instant::now() + limit;
        let mut report = self.rescan_from(walked, force, &[])?;
        while self.has_deferred() && Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
            report.add(&self.settle()?);
        }
        Ok(report)
    }

    /// Notes files written to in place: those that already hold a release
    /// are being saved over, and such a save is read only once the file
    /// has been left alone for a moment (a reader cannot tell where one
    /// save ends and the next begins).
    pub fn saved_in_place(&mut self, paths: &[std::path::PathBuf]) {
        for path in paths {
            if let Some((key, _)) = self.roots.key_of(path)
                && let Some((key, _)) = self.known.get_key_value(key.as_str())
            {
                self.hot.insert(key.clone(), Instant::now());
            }
        }
    }

    /// Whether some files found by a walk wait for their writers to finish.
    pub fn has_deferred(&self) -> bool {
        !self.deferred.is_empty()
    }

    /// Looks again at deferred files; those left alone for [`QUIET`] are
    /// reconciled, the others wait on.
    pub fn settle(&mut self) -> Result<Report, StoreError> {
        let keys: Vec<Arc<str>> = self.deferred.keys().cloned().collect();
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
                    self.went_missing(key, &mut gone);
                }
            }
        }
        if ready.is_empty() && gone.is_empty() {
            return Ok(Report::default());
        }
        self.reconcile_in_chunks(ready, &mut gone, &Renames::default(), None)
    }

    /// Reconciles the given paths: files to look at and paths that went away
    /// (a file, or a folder and everything under it), with the renames
    /// among them (old path, new path; each also in `removed` and
    /// `changed`). `being_written` tells whether a file is being written
    /// (again) since it was read: what was read may be half a save, and the
    /// coming close event brings the file back, so this batch leaves it out.
    pub fn paths(
        &mut self,
        changed: &[std::path::PathBuf],
        removed: &[std::path::PathBuf],
        renamed: &[(std::path::PathBuf, std::path::PathBuf)],
        being_written: &mut dyn FnMut(&std::path::Path) -> bool,
    ) -> Result<Report, StoreError> {
        let mut found = Vec::new();
        let mut gone = Vec::new();
        let mut seen = HashSet::default();
        for path in changed {
            if path.is_dir() {
                let Some((prefix, _)) = self.roots.key_of(path) else {
                    continue;
                };
                let inside = match self.roots.walk(Some(path)) {
                    Ok(inside) => inside,
                    Err(e) => return Ok(short_of_files("listing a release folder", &e)),
                };
                let present: HashSet<&str> = inside.iter().map(|f| f.key.as_ref()).collect();
                gone.extend(self.keys_under(&prefix).filter(|k| !present.contains(&**k)));
                found.extend(inside.into_iter().filter(|f| seen.insert(f.key.clone())));
            } else if let Some(f) = self.roots.inspect(path) {
                if seen.insert(f.key.clone()) {
                    found.push(f);
                }
            } else if let Some((key, _)) = self.roots.key_of(path) {
                let missing = matches!(path.symlink_metadata(), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
                if missing {
                    self.went_missing(key.into(), &mut gone);
                } else {
                    gone.push(key.into());
                }
            }
        }
        let mut removed_keys = HashSet::default();
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
            removed_keys.insert(key);
        }
        gone.extend(self.keys_within(&removed_keys));
        gone.retain(|k| !seen.contains(k));
        let renamed = self.rename_keys(renamed);
        let renamed = self.await_unread_renames(renamed, &seen, &removed_keys, &mut gone);
        gone.sort();
        gone.dedup();
        // A close event settles a file a walk deferred. An empty file
        // written a moment ago is usually a save just begun (truncated, not
        // yet written): it waits like a walk's recent file. (A file saved
        // over in place waits in `examine`, however it is reached.)
        self.hot.retain(|_, since| since.elapsed() < HOT_FOR);
        let (found, waiting): (Vec<Found>, Vec<Found>) =
            found.into_iter().partition(|f| f.size > 0 || !is_recent(f));
        for f in &found {
            self.deferred.remove(&f.key);
        }
        self.deferred
            .extend(waiting.into_iter().map(|f| (f.key.clone(), f)));
        for key in &gone {
            self.deferred.remove(key);
        }
        let renames = Renames::new(renamed);
        self.reconcile_in_chunks(found, &mut gone, &renames, Some(being_written))
    }

    /// The renames of a batch, with those awaited before put first. A
    /// rename whose new path is left out of its batch (still being written)
    /// waits until that file is read, renamed again or gone: until then its
    /// release stays at its old key (out of `gone`), since removing it would
    /// lose its id. Awaited renames whose time has come rejoin the batch,
    /// and their old keys leave it.
    fn await_unread_renames(
        &mut self,
        renamed: Vec<(Arc<str>, Arc<str>)>,
        seen: &HashSet<Arc<str>>,
        removed: &HashSet<String>,
        gone: &mut Vec<Arc<str>>,
    ) -> Vec<(Arc<str>, Arc<str>)> {
        let mut pairs = Vec::with_capacity(self.awaited.len() + renamed.len());
        // An old path read again holds another file now, whose release
        // keeps the key: the awaited file will be a new release.
        self.awaited.retain(|_, from| !seen.contains(from));
        if !self.awaited.is_empty() {
            let renamed_away: HashSet<&str> = renamed.iter().map(|(from, _)| &**from).collect();
            let due: Vec<Arc<str>> = self
                .awaited
                .keys()
                .filter(|to| {
                    seen.contains(*to)
                        || renamed_away.contains(&***to)
                        || key_and_folders(to).any(|k| removed.contains(k))
                        || self.roots.find(to).is_none()
                })
                .cloned()
                .collect();
            for to in due {
                if let Some(from) = self.awaited.remove(&to) {
                    gone.push(from.clone());
                    pairs.push((from, to));
                }
            }
        }
        for (from, to) in renamed {
            // Only a release leaving its key waits: one whose old path holds
            // a file again is read there in this batch.
            let waits = !seen.contains(&to)
                && gone.contains(&from)
                && matches!(self.known.get(&from), Some(Known::Release(_)))
                && self.awaited.len() < AWAITED_MOST
                && self.roots.find(&to).is_some();
            if waits {
                gone.retain(|k| *k != from);
                self.awaited.insert(to, from);
            } else {
                pairs.push((from, to));
            }
        }
        pairs
    }

    /// Reconciles signalled files in chunks of [`SIGNALLED_CHUNK`], each its
    /// own transaction, with the removals of `gone` in the last: a burst of
    /// thousands of files is never held normalized all at once. The caller
    /// publishes once, after the last chunk.
    fn reconcile_in_chunks(
        &mut self,
        found: Vec<Found>,
        gone: &mut Vec<Arc<str>>,
        renames: &Renames,
        mut being_written: Option<&mut dyn FnMut(&std::path::Path) -> bool>,
    ) -> Result<Report, StoreError> {
        let mut total = Report::default();
        let mut found = found.into_iter().peekable();
        loop {
            let chunk: Vec<Found> = found.by_ref().take(SIGNALLED_CHUNK).collect();
            let last = found.peek().is_none();
            let being_written = being_written.as_mut().map(|f| &mut **f as _);
            let signalled = Signalled::Yes(renames);
            match self.reconcile(chunk, gone, last, false, signalled, being_written) {
                Ok(report) => total.add(&report),
                // The chunks before are stored and must be published; the
                // walk that follows an incomplete batch tries the rest again
                // and reports the failure if it lasts.
                Err(e) if total.stored => {
                    tracing::warn!(error = %e, "the store refused part of a batch; walking again");
                    total.incomplete = true;
                }
                Err(e) => return Err(e),
            }
            if last || total.incomplete {
                return Ok(total);
            }
        }
    }

    /// A file found (listed, signalled or deferred) that is gone when it is
    /// looked at. A release's file is kept until its removal is signalled,
    /// which a removal or rename inside a watched folder always is (or
    /// until a walk finds it gone): the signal of a rename is what keeps
    /// the release's id, and a removal here would lose it.
    fn went_missing(&self, key: Arc<str>, gone: &mut Vec<Arc<str>>) {
        if !matches!(self.known.get(&key), Some(Known::Release(_))) {
            gone.push(key);
        }
    }

    /// The known keys that are one of `removed`, or inside one: one look at
    /// every key for the whole batch, which may remove thousands of paths.
    fn keys_within<'a>(
        &'a self,
        removed: &'a HashSet<String>,
    ) -> impl Iterator<Item = Arc<str>> + 'a {
        // Nothing removed, nothing to look at: most batches remove nothing.
        let keys = (!removed.is_empty()).then(|| self.known.keys());
        keys.into_iter()
            .flatten()
            .filter(|k| key_and_folders(k).any(|k| removed.contains(k)))
            .cloned()
    }

    fn keys_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = Arc<str>> + 'a {
        self.known
            .keys()
            .filter(move |k| {
                let k: &str = k;
                k == prefix || (k.starts_with(prefix) && k[prefix.len()..].starts_with('/'))
            })
            .cloned()
    }

    /// Reads every `.txt` file once to learn the template lines of each
    /// folder before anything is normalized (start-up, reload).
    /// Learns the template lines of every text file found: from the line
    /// hashes the store keeps (when `use_stored`, i.e. decoded under the
    /// same rules), reading only the files it has none for. Out of file
    /// descriptors, it stops with the error.
    fn learn_all(&mut self, found: &[Found], use_stored: bool) -> Result<(), std::io::Error> {
        let mut texts: Vec<&Found> = found
            .iter()
            .filter(|f| Format::of(&f.path) == Format::Text)
            .collect();
        let stored = match self.store.lines() {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read stored template lines; reading the files");
                Vec::new()
            }
        };
        // The found files' keys, to share rather than copy.
        let present: HashMap<&str, &Arc<str>> =
            texts.iter().map(|f| (f.key.as_ref(), &f.key)).collect();
        for (key, lines) in stored {
            match present.get(key.as_str()) {
                Some(&shared) if use_stored => {
                    self.learned.add_lines(folder_of(&key), &lines);
                    self.lines.insert(shared.clone(), lines);
                }
                _ => {
                    self.lines_dirty.insert(key.into());
                }
            }
        }
        texts.retain(|f| !self.lines.contains_key(&f.key));
        let rules = &self.config.rules;
        // The lines, and whether they are those of the file as found.
        type Lines = Option<(Vec<template::LineHash>, bool)>;
        let lines_of = |f: &Found| -> Result<Lines, std::io::Error> {
            let (bytes, as_found) = match read_unchanged(f) {
                Ok(Some(bytes)) => (bytes, true),
                Ok(None) => match std::fs::read(&f.path) {
                    Ok(bytes) => (bytes, false),
                    Err(e) if crate::limits::is_out_of_files(&e) => return Err(e),
                    Err(_) => return Ok(None),
                },
                Err(e) if crate::limits::is_out_of_files(&e) => return Err(e),
                Err(_) => return Ok(None),
            };
            Ok(normalize::read_text(&bytes, rules)
                .ok()
                .map(|text| (template::file_lines(&text), as_found)))
        };
        // Reading and hashing is pure: the files are split between threads.
        let learned = read_found(&mut texts, |_| true, |f| lines_of(f));
        for (f, lines) in texts.iter().zip(learned) {
            if let Some((lines, as_found)) = lines? {
                self.learned.add_lines(folder_of(&f.key), &lines);
                self.lines.insert(f.key.clone(), lines);
                self.lines_dirty.insert(f.key.clone());
                if as_found {
                    self.lines_read.insert(f.key.clone(), (f.size, f.mtime_ns));
                }
            }
        }
        self.learned.clear_toggled();
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
        gone: &mut Vec<Arc<str>>,
        remove_gone: bool,
        force: bool,
        signalled: Signalled,
        being_written: Option<&mut dyn FnMut(&std::path::Path) -> bool>,
    ) -> Result<Report, StoreError> {
        let started = Instant::now();
        let mut report = Report::default();
        let mut pending = Vec::new();
        let mut changes = Vec::new();
        let mut busy = Vec::new();
        let mut refusals = Vec::new();
        for examined in self.examine_all(found, force) {
            match examined {
                Examined::Unchanged => report.unchanged += 1,
                Examined::Touched(change) => {
                    report.unchanged += 1;
                    changes.push(*change);
                }
                Examined::Vanished(key) => self.went_missing(key, gone),
                Examined::Unreadable(f, reason) => {
                    report.refused += 1;
                    changes.push(self.shared().refuse(&f, String::new(), &reason));
                    refusals.push((f.path, reason));
                }
                Examined::Busy(f) => busy.push(f),
                Examined::Short(e) => return Ok(short_of_files("reading a release file", &e)),
                Examined::Read(read) => pending.push(read),
            }
        }
        for f in busy {
            self.hot.insert(f.key.clone(), Instant::now());
            self.deferred.insert(f.key.clone(), f);
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
        self.moves(&mut pending, gone, signalled, &mut changes, &mut report);
        // What follows the records in the transaction, known before they are.
        let mut tail = self.removals(remove_gone, gone, &mut report);
        tail.extend(self.dirty_lines());
        let written = match being_written {
            None => self.normalize_and_write(
                &mut pending,
                &mut changes,
                &mut tail,
                &mut report,
                &mut refusals,
            ),
            Some(being_written) => self.normalize_then_write(
                &mut pending,
                &mut changes,
                &mut tail,
                being_written,
                &mut report,
                &mut refusals,
            ),
        };
        let stored = written.inspect_err(|_| {
            // Still to be stored: the batch is tried again.
            self.lines_dirty
                .extend(tail.into_iter().filter_map(|c| match c {
                    Change::SetLines { key, .. } => Some(key),
                    _ => None,
                }));
        })?;
        if stored {
            self.commit(changes);
            self.update_gauges();
            report.stored = true;
        }
        // Only now: a batch the store refused is tried again, and its
        // refusals would be reported at each try.
        for (path, reason) in &refusals {
            tracing::warn!(path = %path.display(), reason = %reason, "refused release file");
            self.metrics.count_refusal(reason_label(reason));
        }
        if report.changed() {
            self.metrics
                .ingest_latency
                .observe(started.elapsed().as_secs_f64());
        }
        Ok(report)
    }

    /// The changes that remove the releases and refusals of `gone` keys,
    /// when the batch is to remove them (emptying `gone`).
    fn removals(
        &self,
        remove_gone: bool,
        gone: &mut Vec<Arc<str>>,
        report: &mut Report,
    ) -> Vec<Change> {
        if !remove_gone {
            return Vec::new();
        }
        let mut removals = Vec::new();
        for key in std::mem::take(gone) {
            match self.known.get(&key) {
                Some(Known::Release(_)) => {
                    report.removed += 1;
                    removals.push(Change::Remove { key });
                }
                Some(Known::Refused(_)) => removals.push(Change::Forget { key }),
                None => {}
            }
        }
        removals
    }

    /// The changes that store the lines of every file whose lines changed.
    fn dirty_lines(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.lines_dirty)
            .into_iter()
            .map(|key| {
                let lines = self.lines.get(&key).cloned();
                Change::SetLines { key, lines }
            })
            .collect()
    }

    /// Normalizes a batch of a walk and writes it in one transaction:
    /// `changes`, then each record as soon as it and those before it are
    /// made (the store writes while the other threads normalize), then
    /// `tail` and the digests. Appends the records and `tail` to `changes`;
    /// `false` when there was nothing to store.
    fn normalize_and_write(
        &mut self,
        pending: &mut [Read],
        changes: &mut Vec<Change>,
        tail: &mut Vec<Change>,
        report: &mut Report,
        refusals: &mut Vec<(std::path::PathBuf, String)>,
    ) -> Result<bool, StoreError> {
        if changes.is_empty() && pending.is_empty() && tail.is_empty() {
            return Ok(false);
        }
        let written = pending.iter().map(|r| r.found.key.as_ref());
        tail.extend(self.state_changes(changes, written));
        // Field by field, so that the store can be borrowed beside them.
        let shared = Shared {
            config: &self.config,
            learned: &self.learned,
            known: &self.known,
            ids: &self.ids,
            clock: self.clock,
        };
        let mut writing = self.store.begin()?;
        for change in changes.iter() {
            writing.apply(change)?;
        }
        let mut normalized = Vec::with_capacity(pending.len());
        let mut failed = None;
        on_every_core_in_order(
            pending,
            |read| normalize_one(&shared, read),
            |(mut change, counted)| {
                report.add(&counted);
                if failed.is_none() {
                    match writing.apply(&change) {
                        Ok(()) => change.written(),
                        Err(e) => failed = Some(e),
                    }
                }
                normalized.push(change);
            },
        );
        if let Some(e) = failed {
            return Err(e);
        }
        for change in tail.iter() {
            writing.apply(change)?;
        }
        commit_timed(writing, &self.metrics)?;
        refusals.extend(refusals_in(pending, &normalized));
        changes.append(&mut normalized);
        changes.append(tail);
        Ok(true)
    }

    /// Normalizes a batch of signalled files, holds back those that
    /// `being_written` says are being written again, and writes the rest
    /// as [`Ingest::normalize_and_write`] does, once all are made.
    fn normalize_then_write(
        &mut self,
        pending: &mut [Read],
        changes: &mut Vec<Change>,
        tail: &mut Vec<Change>,
        being_written: &mut dyn FnMut(&std::path::Path) -> bool,
        report: &mut Report,
        refusals: &mut Vec<(std::path::PathBuf, String)>,
    ) -> Result<bool, StoreError> {
        let mut normalized = self.normalize_all(pending, report);
        refusals.extend(refusals_in(pending, &normalized));
        // Checked as late as possible: the events of a save that began while
        // this batch was read have had the most time to arrive.
        let held: HashSet<&str> = pending
            .iter()
            .filter(|r| being_written(&r.found.path))
            .map(|r| r.found.key.as_ref())
            .collect();
        // Its close event brings it back; should that be lost, the
        // deferral does.
        for r in pending
            .iter()
            .filter(|r| held.contains(r.found.key.as_ref()))
        {
            self.hot.insert(r.found.key.clone(), Instant::now());
            self.deferred.insert(r.found.key.clone(), r.found.clone());
        }
        normalized.retain(|c| match c {
            Change::Upsert(s) if held.contains(&*s.file.key) => {
                report.normalized = report.normalized.saturating_sub(1);
                false
            }
            Change::Refuse(r) if held.contains(&*r.file.key) => {
                report.refused = report.refused.saturating_sub(1);
                false
            }
            _ => true,
        });
        if changes.is_empty() && normalized.is_empty() && tail.is_empty() {
            return Ok(false);
        }
        let written = normalized.iter().filter_map(written_key);
        tail.extend(self.state_changes(changes, written));
        // `tail` stays whole until stored: a failure puts its lines back.
        let mut writing = self.store.begin()?;
        for change in changes.iter().chain(&normalized).chain(tail.iter()) {
            writing.apply(change)?;
        }
        commit_timed(writing, &self.metrics)?;
        changes.append(&mut normalized);
        changes.append(tail);
        Ok(true)
    }

    /// Examines found files in order: the decisions memory can make first,
    /// then the files left to read are read and fingerprinted on every
    /// core (a walk of a new folder reads thousands).
    fn examine_all(&self, found: Vec<Found>, force: bool) -> Vec<Examined> {
        let decided: Vec<Result<Examined, Found>> = found
            .into_iter()
            .map(|f| self.decide_unread(f, force))
            .collect();
        let mut unread: Vec<&Found> = decided.iter().filter_map(|d| d.as_ref().err()).collect();
        // Those the learning has just read are in memory already.
        let lines_read = &self.lines_read;
        let uncached = |f: &Found| lines_read.get(&f.key) != Some(&(f.size, f.mtime_ns));
        let mut loaded = read_found(&mut unread, uncached, load).into_iter();
        decided
            .into_iter()
            .map(|d| match d {
                Ok(examined) => examined,
                Err(f) => {
                    let got = loaded.next().unwrap_or_else(|| load(&f));
                    self.classify(f, got, force)
                }
            })
            .collect()
    }

    fn examine(&self, f: Found, force: bool) -> Examined {
        match self.decide_unread(f, force) {
            Ok(examined) => examined,
            Err(f) => {
                let got = load(&f);
                self.classify(f, got, force)
            }
        }
    }

    /// What a found file is without reading it, or the file back when it
    /// must be read.
    fn decide_unread(&self, f: Found, force: bool) -> Result<Examined, Found> {
        // However it is reached (an event, a walk, a folder read again), a
        // file lately caught mid-save waits until it is quiet.
        if is_recent(&f)
            && self
                .hot
                .get(&f.key)
                .is_some_and(|since| since.elapsed() < HOT_FOR)
        {
            return Ok(Examined::Busy(f));
        }
        let unchanged = self
            .known
            .get(&f.key)
            .is_some_and(|k| k.file().size == f.size && k.file().mtime_ns == f.mtime_ns);
        if !force && unchanged {
            return Ok(Examined::Unchanged);
        }
        Err(f)
    }

    /// What a read file is, given what [`load`] gave.
    fn classify(&self, f: Found, got: Loaded, force: bool) -> Examined {
        let (bytes, fingerprint) = match got {
            Ok(Some(read)) => read,
            Ok(None) => return Examined::Busy(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Examined::Vanished(f.key),
            Err(e) if crate::limits::is_out_of_files(&e) => return Examined::Short(e),
            Err(e) => return Examined::Unreadable(f, format!("unreadable: {e}")),
        };
        let file = FileState {
            key: f.key.clone(),
            size: bytes.len() as u64,
            mtime_ns: f.mtime_ns,
            fingerprint,
        };
        match self.known.get(&f.key) {
            // Same bytes, new mtime: only the file state changes.
            Some(Known::Release(s)) if !force && s.file.fingerprint == file.fingerprint => {
                Examined::Touched(Box::new(Change::Move {
                    from: s.file.key.clone(),
                    to: file,
                }))
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
    fn relearn(
        &mut self,
        pending: &mut Vec<Read>,
        gone: &[Arc<str>],
    ) -> Result<(), std::io::Error> {
        let mut folders: BTreeSet<String> = BTreeSet::new();
        let touched = pending
            .iter()
            .map(|r| r.found.key.clone())
            .chain(gone.iter().cloned())
            .collect::<Vec<_>>();
        for key in &touched {
            folders.insert(folder_of(key).to_owned());
        }
        let before: HashMap<String, u64> = folders
            .iter()
            .map(|f| (f.clone(), self.learned.digest(f)))
            .collect();
        for key in gone {
            if let Some(lines) = self.lines.remove(key) {
                self.learned.remove_lines(folder_of(key), &lines);
                self.lines_dirty.insert(key.clone());
            }
        }
        for read in pending.iter() {
            let key = &read.found.key;
            let stamp = (read.found.size, read.found.mtime_ns);
            if self.lines_read.remove(key) == Some(stamp) {
                continue;
            }
            if let Some(lines) = self.lines.remove(key) {
                self.learned.remove_lines(folder_of(key), &lines);
                self.lines_dirty.insert(key.clone());
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
            self.lines_dirty.insert(key.clone());
        }
        let in_batch: HashSet<Arc<str>> = touched.into_iter().collect();
        for (folder, old) in before {
            let toggled: HashSet<template::LineHash> =
                self.learned.take_toggled(&folder).into_iter().collect();
            if self.learned.digest(&folder) == old {
                continue;
            }
            // Only a file carrying a line that was learned or unlearned can
            // read differently now.
            let others: Vec<Arc<str>> = self
                .known
                .keys()
                .filter(|k| folder_of(k) == folder && !in_batch.contains(*k))
                .filter(|k| {
                    self.lines
                        .get(*k)
                        .is_some_and(|lines| lines.iter().any(|l| toggled.contains(l)))
                })
                .cloned()
                .collect();
            for key in others {
                let Some(found) = self.roots.find(&key) else {
                    continue;
                };
                match self.examine(found, true) {
                    Examined::Read(read) => pending.push(read),
                    Examined::Short(e) => return Err(e),
                    // Read again once its writer is done.
                    Examined::Busy(f) => {
                        self.deferred.insert(f.key.clone(), f);
                    }
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
        gone: &mut Vec<Arc<str>>,
        signalled: Signalled,
        changes: &mut Vec<Change>,
        report: &mut Report,
    ) {
        let stored_fingerprint = |key: &str| match self.known.get(key) {
            Some(Known::Release(s)) => Some(s.file.fingerprint.clone()),
            _ => None,
        };
        let departed: HashSet<Arc<str>> = pending
            .iter()
            .filter(|r| stored_fingerprint(&r.found.key).is_some_and(|f| f != r.file.fingerprint))
            .map(|r| r.found.key.clone())
            .collect();
        let mut by_fingerprint: HashMap<String, Vec<Arc<str>>> = HashMap::default();
        for key in gone.iter().chain(departed.iter()) {
            if let Some(fingerprint) = stored_fingerprint(key) {
                by_fingerprint
                    .entry(fingerprint)
                    .or_default()
                    .push(key.clone());
            }
        }
        let mut taken: HashSet<Arc<str>> = HashSet::default();
        if matches!(signalled, Signalled::Yes(_)) {
            self.unsignalled_origins(pending, &mut by_fingerprint);
        }
        if let Signalled::Yes(renames) | Signalled::No(renames) = signalled
            && !renames.by_target.is_empty()
        {
            let leaving: HashSet<&str> = gone.iter().chain(&departed).map(|k| &**k).collect();
            for read in pending.iter_mut() {
                if stored_fingerprint(&read.found.key).is_some_and(|f| f == read.file.fingerprint) {
                    continue;
                }
                let is_origin = |key: &str| {
                    leaving.contains(key)
                        && !taken.contains(key)
                        && matches!(self.known.get(key), Some(Known::Release(_)))
                };
                let Some(from) = renames.origin(&read.found.key, is_origin) else {
                    continue;
                };
                changes.push(Change::Remove { key: from.clone() });
                read.moved_from = Some(from.clone());
                taken.insert(from);
                report.moved += 1;
            }
        }
        for read in pending.iter_mut() {
            if read.moved_from.is_some()
                || stored_fingerprint(&read.found.key).is_some_and(|f| f == read.file.fingerprint)
            {
                continue;
            }
            let Some(origins) = by_fingerprint.get_mut(&read.file.fingerprint) else {
                continue;
            };
            let Some(at) = origins
                .iter()
                .position(|k| *k != read.found.key && !taken.contains(k))
            else {
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
                self.lines_dirty.insert(key.clone());
            }
        }
    }

    /// Origins of moves whose removal has not been signalled yet: a file
    /// moved into a folder made a moment before is found by the walk of
    /// that folder, which may come before the event of the path it left.
    /// A new path whose bytes a known release holds, at a path that no
    /// longer exists, is that release moved. (A full walk knows every path
    /// that went away and needs no such look.)
    fn unsignalled_origins(&self, pending: &[Read], origins: &mut HashMap<String, Vec<Arc<str>>>) {
        for read in pending {
            let fingerprint = &read.file.fingerprint;
            if self.known.contains_key(&read.found.key) || origins.contains_key(fingerprint) {
                continue;
            }
            let Ok(holders) = self.store.find_by_fingerprint(fingerprint) else {
                continue;
            };
            let left: Vec<Arc<str>> = holders
                .into_iter()
                .map(|stored| stored.file.key)
                .filter(|key| {
                    matches!(self.known.get(key), Some(Known::Release(_)))
                        && self.roots.find(key).is_none()
                })
                .collect();
            if !left.is_empty() {
                origins.insert(fingerprint.clone(), left);
            }
        }
    }

    /// The changes recording the digests the records of a batch were
    /// normalized with: those of `changes` and those at the `written` keys.
    fn state_changes<'k>(
        &self,
        changes: &'k [Change],
        written: impl Iterator<Item = &'k str>,
    ) -> Vec<Change> {
        let folders: BTreeSet<&str> = changes
            .iter()
            .filter_map(written_key)
            .chain(written)
            .map(folder_of)
            .collect();
        let mut state = vec![(RULES_STATE.to_owned(), self.rules_digest())];
        state.extend(
            folders
                .into_iter()
                .map(|f| (learned_state(f), self.learned_digest(f))),
        );
        state
            .into_iter()
            .filter(|(name, value)| self.state.get(name) != Some(value))
            .map(|(name, value)| Change::SetState { name, value })
            .collect()
    }

    fn rules_digest(&self) -> String {
        format!("{:016x}", self.config.rules.digest())
    }

    fn learned_digest(&self, folder: &str) -> String {
        format!("{:016x}", self.learned.digest(folder))
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
    /// is pure, so the files are simply split between threads. Each file's
    /// bytes are let go once it is normalized, so a batch never holds both
    /// all its files and all their records.
    fn normalize_all(&self, pending: &mut [Read], report: &mut Report) -> Vec<Change> {
        let shared = self.shared();
        let done = on_every_core(pending, |read| normalize_one(&shared, read));
        done.into_iter()
            .map(|(change, counted)| {
                report.add(&counted);
                change
            })
            .collect()
    }

    /// Mirrors committed changes in memory.
    fn commit(&mut self, changes: Vec<Change>) {
        for change in changes {
            match change {
                Change::SetState { name, value } => {
                    self.state.insert(name, value);
                }
                Change::SetLines { .. } => {}
                Change::Upsert(stored) => {
                    let kept = Kept::from(&stored);
                    self.bodies.remember(stored.entry);
                    self.hold(Known::Release(Arc::new(kept)));
                }
                Change::Refuse(refused) => self.hold(Known::Refused(Box::new(refused))),
                Change::Remove { key } | Change::Forget { key } => {
                    self.release_key(&key);
                }
                Change::Move { from, to } => {
                    if let Some(Known::Release(s)) = self.release_key(&from) {
                        let mut moved = (*s).clone();
                        Arc::make_mut(&mut moved.head).key = to.key.clone();
                        moved.file = to;
                        // A release it lands on is replaced.
                        self.hold(Known::Release(Arc::new(moved)));
                    }
                }
            }
        }
    }

    /// Puts what a key now holds in memory, replacing what it held.
    fn hold(&mut self, known: Known) {
        let key = known.file().key.clone();
        self.release_key(&key);
        match &known {
            Known::Release(kept) => {
                self.ids.insert(kept.head.id.clone(), key.clone());
                self.index.insert(&kept.head);
            }
            Known::Refused(refused) => {
                *self
                    .refused_counts
                    .entry(reason_label(&refused.reason).to_owned())
                    .or_default() += 1;
            }
        }
        self.known.insert(key, known);
    }

    /// Drops what a key holds from memory (the id, the index entry, the
    /// refusal count) and returns it.
    fn release_key(&mut self, key: &str) -> Option<Known> {
        let known = self.known.remove(key)?;
        match &known {
            Known::Release(old) => {
                self.ids.remove(&old.head.id);
                self.index.remove(&old.head);
            }
            Known::Refused(old) => {
                if let Some(n) = self.refused_counts.get_mut(reason_label(&old.reason)) {
                    *n -= 1;
                }
            }
        }
        Some(known)
    }

    /// Sets the gauges from counts kept up to date by [`Ingest::commit`]:
    /// a batch costs the same in a store of 100 or 100,000 releases.
    fn update_gauges(&mut self) {
        let taxonomy = self.config.rules.taxonomy.regions().iter();
        let regions: BTreeSet<&str> = taxonomy
            .map(|r| r.slug.as_str())
            .chain(self.index.regions())
            .collect();
        for region in regions {
            self.metrics
                .releases
                .get_or_create(&crate::metrics::RegionLabel {
                    region: region.to_owned(),
                })
                .set(self.index.count(region) as i64);
        }
        // Every reason shown once stays shown, at 0 when no file has it.
        self.refusal_reasons
            .extend(self.refused_counts.keys().cloned());
        for reason in &self.refusal_reasons {
            let n = self.refused_counts.get(reason).copied().unwrap_or(0);
            self.metrics
                .refused_files
                .get_or_create(&crate::metrics::ReasonLabel {
                    reason: reason.clone(),
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
    known: &'a HashMap<Arc<str>, Known>,
    ids: &'a HashMap<String, Arc<str>>,
    clock: fn() -> DateTime<Utc>,
}

impl Shared<'_> {
    /// [`Shared::normalize`], with a panic turned into a refusal of that
    /// one file: the normalizer is held not to panic (property tests and a
    /// fuzz target), and should it, the rest of the batch goes on.
    fn normalize_guarded(&self, read: &Read, report: &mut Report) -> Change {
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.normalize(read, report)
        }));
        attempt.unwrap_or_else(|_| {
            report.refused += 1;
            self.refuse(
                &read.found,
                read.file.fingerprint.clone(),
                "the normalizer failed on it",
            )
        })
    }

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
                let previous_key = read.moved_from.as_deref().unwrap_or(&read.found.key);
                let previous = match self.known.get(previous_key) {
                    Some(Known::Release(s)) if !read.fresh => Some(s.clone()),
                    _ => None,
                };
                match &previous {
                    // A release keeps the id it was first published with.
                    Some(p) => release.id = p.head.id.clone(),
                    None if read.fresh => release.id = self.fresh_id(&read.found.key),
                    None => release.id = self.free_id(&read.found.key, release.id),
                }
                let store::Encoded {
                    record,
                    content_hash,
                } = match store::encode(&release) {
                    Ok(encoded) => encoded,
                    Err(e) => {
                        report.refused += 1;
                        let reason = format!("cannot be stored: {e}");
                        return self.refuse(&read.found, read.file.fingerprint.clone(), &reason);
                    }
                };
                if read.moved_from.is_none() {
                    report.normalized += 1;
                }
                let now = (self.clock)();
                let published = release
                    .published
                    .map(|d| d.with_timezone(&Utc))
                    .or(previous.as_ref().map(|p| p.head.published))
                    .unwrap_or(now);
                let updated = match &previous {
                    // Never before `published`: feeds rely on it to answer `since`.
                    Some(p) if p.content_hash == content_hash => p.head.updated.max(published),
                    _ => now.max(published),
                };
                let entry = Entry {
                    release,
                    key: read.found.key.to_string(),
                    published,
                    updated,
                };
                Change::Upsert(Stored {
                    file: read.file.clone(),
                    entry: Arc::new(entry),
                    content_hash,
                    record,
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
        let taken = |id: &str| self.ids.get(id).is_some_and(|holder| **holder != *key);
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
    Vanished(Arc<str>),
    Unreadable(Found, String),
    /// The file changed while it was read: a save in progress.
    Busy(Found),
    /// Out of file descriptors: the file could not be opened now.
    Short(std::io::Error),
    Read(Read),
}

/// Reports a shortage of file descriptors: the batch stops, to be tried again.
/// Normalizes one read file, letting go of its bytes. A panic is caught
/// file by file ([`Shared::normalize_guarded`]), so no thread panics.
fn normalize_one(shared: &Shared<'_>, read: &mut Read) -> (Change, Report) {
    let mut counted = Report::default();
    let change = shared.normalize_guarded(read, &mut counted);
    read.bytes = Vec::new();
    (change, counted)
}

/// The refusals among the changes normalizing `pending` made, in order,
/// with the path of each refused file.
fn refusals_in<'a>(
    pending: &'a [Read],
    normalized: &'a [Change],
) -> impl Iterator<Item = (std::path::PathBuf, String)> + 'a {
    pending
        .iter()
        .zip(normalized)
        .filter_map(|(read, change)| match change {
            Change::Refuse(refused) => Some((read.found.path.clone(), refused.reason.clone())),
            _ => None,
        })
}

/// The key of a change that writes a record or a refusal.
fn written_key(change: &Change) -> Option<&str> {
    match change {
        Change::Upsert(Stored { file, .. }) | Change::Refuse(Refused { file, .. }) => {
            Some(&file.key)
        }
        _ => None,
    }
}

/// A commit over this long is worth a line in the log: the disk stalled,
/// and every release of the batch waited for it.
const SLOW_COMMIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Commits a batch and records how long the store and the disk took.
fn commit_timed(writing: store::Writing<'_>, metrics: &Metrics) -> Result<(), StoreError> {
    let started = Instant::now();
    writing.commit()?;
    let took = started.elapsed();
    metrics.store_commit.observe(took.as_secs_f64());
    if took >= SLOW_COMMIT {
        tracing::warn!(
            seconds = took.as_secs_f64(),
            "the store's commit was slow (disk flush)"
        );
    }
    Ok(())
}

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
    moved_from: Option<Arc<str>>,
    /// Its path's previous release moved elsewhere: this is a new release.
    fresh: bool,
}

fn folder_of(key: &str) -> &str {
    key.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// The kind of a refusal, without its detail: the label its counts carry.
fn reason_label(reason: &str) -> &str {
    reason.split(':').next().unwrap_or(reason)
}

fn refusal_reason(refusal: &Refusal) -> String {
    format!("{}: {refusal}", refusal.reason())
}

/// Did anything the normalizer reads change between two configurations?
fn same_rules(a: &Config, b: &Config) -> bool {
    a.rules.digest() == b.rules.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_at(ingest: &Ingest, key: &str) -> Option<String> {
        match ingest.known.get(key) {
            Some(Known::Release(kept)) => Some(kept.head.id.clone()),
            _ => None,
        }
    }

    /// Backdates a file's mtime a minute, so a walk does not wait for it as
    /// a file still being written.
    fn age(path: &std::path::Path) {
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(old))
            .expect("mtime");
    }

    /// The walk of a new folder can find a file moved into it before the
    /// removal of the path it left is signalled (seen under load when the
    /// folder's creation came in a batch of its own): still a move.
    #[test]
    fn a_move_found_before_its_removal_is_signalled_keeps_the_id() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let releases = dir.path().join("releases");
        std::fs::create_dir_all(&releases).expect("mkdir");
        let path = releases.join("kenya.txt");
        std::fs::write(
            &path,
            "Families Return Home After Floods\nNairobi – More than 1,600 displaced people went back to their farms this week.\n",
        )
        .expect("write");
        age(&path);
        let config = Arc::new(Config::for_test(&releases, &dir.path().join("data")));
        let mut ingest = Ingest::new(config, Store::open_in_memory()?, Arc::new(Metrics::new()))?;
        ingest.rescan(false)?;
        let id = id_at(&ingest, "kenya.txt").expect("stored");

        let archive = releases.join("archive");
        std::fs::create_dir_all(&archive).expect("mkdir");
        std::fs::rename(&path, archive.join("kenya.txt")).expect("move");
        // Only the new folder is signalled; the removal has not come yet.
        let report = ingest.paths(&[archive], &[], &[], &mut |_| false)?;
        assert_eq!(report.moved, 1, "{report:?}");
        assert_eq!(id_at(&ingest, "archive/kenya.txt"), Some(id));
        assert!(!ingest.known.contains_key("kenya.txt"));
        // The removal arriving late changes nothing.
        let late = ingest.paths(&[], &[path], &[], &mut |_| false)?;
        assert!(!late.changed(), "{late:?}");
        assert_eq!(ingest.known.len(), 1);
        Ok(())
    }

    /// Writes `count` aged release files into `dir`: `f000.txt`, ...
    fn write_releases(dir: &std::path::Path, count: usize) {
        for n in 0..count {
            let path = dir.join(format!("f{n:03}.txt"));
            let text = format!(
                "Clinic Number {n} Opens In Kisumu\nKisumu – The clinic number {n} opened this week for {n} families.\n"
            );
            std::fs::write(&path, text).expect("write");
            age(&path);
        }
    }

    /// A walk's batch is written while it is still being normalized; a
    /// write failing halfway keeps nothing of it, in the store or in
    /// memory, and the next walk stores all of it, lines included.
    #[test]
    fn a_batch_the_store_refuses_halfway_is_kept_nowhere() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let releases = dir.path().join("releases");
        std::fs::create_dir_all(&releases).expect("mkdir");
        // More than one thread's worth, so the batch is written as it is made.
        let count = PARALLEL_FROM * 2;
        write_releases(&releases, count);
        let store = Store::open_in_memory()?;
        store.execute_for_test(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.releases \
             WHEN NEW.key = 'f100.txt' BEGIN SELECT RAISE(ABORT, 'injected'); END;",
        )?;
        let config = Arc::new(Config::for_test(&releases, &dir.path().join("data")));
        let mut ingest = Ingest::new(config, store, Arc::new(Metrics::new()))?;
        let err = ingest.rescan(false).expect_err("the write fails");
        assert!(err.to_string().contains("injected"), "{err}");
        assert!(ingest.known.is_empty());
        assert!(ingest.store.releases()?.is_empty());
        assert!(ingest.store.lines()?.is_empty());

        ingest.store.execute_for_test("DROP TRIGGER refuse")?;
        let report = ingest.rescan(false)?;
        assert_eq!(report.normalized, count, "{report:?}");
        assert_eq!(ingest.known.len(), count);
        let stored = ingest.store.releases()?;
        assert_eq!(stored.len(), count);
        assert!(
            stored
                .iter()
                .all(|s| id_at(&ingest, &s.file.key) == Some(s.entry.release.id.clone()))
        );
        assert_eq!(ingest.store.lines()?.len(), count);
        Ok(())
    }

    /// A burst of signalled files is stored in chunks. A chunk the store
    /// refuses leaves the ones before it stored and in memory, to be
    /// published, and the batch incomplete; the next walk stores the rest.
    #[test]
    fn a_burst_is_stored_in_chunks_and_a_refused_chunk_keeps_the_ones_before()
    -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let releases = dir.path().join("releases");
        std::fs::create_dir_all(&releases).expect("mkdir");
        let store = Store::open_in_memory()?;
        let config = Arc::new(Config::for_test(&releases, &dir.path().join("data")));
        let mut ingest = Ingest::new(config, store, Arc::new(Metrics::new()))?;
        ingest.rescan(false)?;
        let count = SIGNALLED_CHUNK + 10;
        write_releases(&releases, count);
        let refused = format!("f{:03}.txt", SIGNALLED_CHUNK + 5);
        ingest.store.execute_for_test(&format!(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.releases \
             WHEN NEW.key = '{refused}' BEGIN SELECT RAISE(ABORT, 'injected'); END;"
        ))?;
        let changed: Vec<_> = (0..count)
            .map(|n| releases.join(format!("f{n:03}.txt")))
            .collect();
        let report = ingest.paths(&changed, &[], &[], &mut |_| false)?;
        assert!(report.incomplete && report.stored, "{report:?}");
        assert_eq!(report.normalized, SIGNALLED_CHUNK, "{report:?}");
        assert_eq!(ingest.known.len(), SIGNALLED_CHUNK);
        assert_eq!(ingest.store.releases()?.len(), SIGNALLED_CHUNK);

        ingest.store.execute_for_test("DROP TRIGGER refuse")?;
        let report = ingest.rescan(false)?;
        assert_eq!(report.normalized, 10, "{report:?}");
        assert_eq!(ingest.known.len(), count);
        assert_eq!(ingest.store.releases()?.len(), count);
        Ok(())
    }

    /// Results reach the caller in item order, each once, however the
    /// threads finish; and the items are worked on in place.
    #[test]
    fn on_every_core_in_order_hands_results_over_in_order() {
        for len in [0, 1, PARALLEL_FROM - 1, PARALLEL_FROM, 1000] {
            let mut items: Vec<usize> = (0..len).collect();
            let mut taken = Vec::new();
            on_every_core_in_order(
                &mut items,
                |n| {
                    // Uneven work, so runs finish out of order.
                    if *n % 7 == 0 {
                        std::thread::sleep(std::time::Duration::from_micros(200));
                    }
                    *n += 1;
                    *n * 2
                },
                |r| taken.push(r),
            );
            assert_eq!(
                taken,
                (1..=len).map(|n| n * 2).collect::<Vec<_>>(),
                "{len} items"
            );
            assert_eq!(items, (1..=len).collect::<Vec<_>>(), "{len} items");
        }
    }

    /// A copy whose original is still there is a new release.
    #[test]
    fn a_copy_is_not_a_move() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let releases = dir.path().join("releases");
        std::fs::create_dir_all(&releases).expect("mkdir");
        let path = releases.join("kenya.txt");
        std::fs::write(
            &path,
            "Families Return Home After Floods\nNairobi – More than 1,600 displaced people went back to their farms this week.\n",
        )
        .expect("write");
        age(&path);
        let config = Arc::new(Config::for_test(&releases, &dir.path().join("data")));
        let mut ingest = Ingest::new(config, Store::open_in_memory()?, Arc::new(Metrics::new()))?;
        ingest.rescan(false)?;
        let id = id_at(&ingest, "kenya.txt").expect("stored");

        let copy = releases.join("copy.txt");
        std::fs::copy(&path, &copy).expect("copy");
        age(&copy);
        let report = ingest.paths(&[copy], &[], &[], &mut |_| false)?;
        assert_eq!(report.moved, 0, "{report:?}");
        assert_eq!(id_at(&ingest, "kenya.txt"), Some(id.clone()));
        assert!(id_at(&ingest, "copy.txt").is_some_and(|other| other != id));
        Ok(())
    }

    fn title_at(ingest: &Ingest, key: &str) -> Option<String> {
        match ingest.known.get(key) {
            Some(Known::Release(kept)) => Some(kept.head.title.clone()),
            _ => None,
        }
    }

    const FLOODS: &str = "Families Return Home After Floods\nNairobi – More than 1,600 displaced people went back to their farms this week.\n";
    const FLOODS_EDITED: &str = "Families Return Home After the Floods\nNairobi – More than 1,700 displaced people went back to their farms this week.\n";

    /// An ingest that has stored `releases/kenya.txt` (as [`FLOODS`]), and
    /// the release's id.
    fn stored_kenya(dir: &std::path::Path) -> Result<(Ingest, String), StoreError> {
        let releases = dir.join("releases");
        std::fs::create_dir_all(&releases).expect("mkdir");
        let path = releases.join("kenya.txt");
        std::fs::write(&path, FLOODS).expect("write");
        age(&path);
        let config = Arc::new(Config::for_test(&releases, &dir.join("data")));
        let mut ingest = Ingest::new(config, Store::open_in_memory()?, Arc::new(Metrics::new()))?;
        ingest.rescan(false)?;
        let id = id_at(&ingest, "kenya.txt").expect("stored");
        Ok((ingest, id))
    }

    /// Saves `releases/kenya.txt` again (as [`FLOODS_EDITED`]); returns its
    /// path and the path it is to be renamed to.
    fn saved_again(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let releases = dir.join("releases");
        let old = releases.join("kenya.txt");
        std::fs::write(&old, FLOODS_EDITED).expect("edit");
        age(&old);
        (old, releases.join("kenya-floods.txt"))
    }

    /// [`saved_again`], then renamed to the path it returns.
    fn saved_and_renamed(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let (old, new) = saved_again(dir);
        std::fs::rename(&old, &new).expect("rename");
        (old, new)
    }

    /// Edited, then renamed before the edit was read: the bytes at the new
    /// path are no stored release's, and only the watcher's pairing of the
    /// two paths tells it is the same release.
    #[test]
    fn a_file_edited_and_renamed_in_one_batch_keeps_its_id() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut ingest, id) = stored_kenya(dir.path())?;
        let (old, new) = saved_and_renamed(dir.path());

        let renamed = [(old.clone(), new.clone())];
        let report = ingest.paths(&[old.clone(), new], &[old], &renamed, &mut |_| false)?;
        assert_eq!((report.moved, report.removed), (1, 0), "{report:?}");
        assert_eq!(id_at(&ingest, "kenya-floods.txt"), Some(id));
        assert_eq!(
            title_at(&ingest, "kenya-floods.txt").as_deref(),
            Some("Families Return Home After the Floods")
        );
        assert_eq!(ingest.known.len(), 1);
        Ok(())
    }

    /// The same change found by the walk after the watcher's queue
    /// overflowed, with the renames it kept aside: a chain of two renames,
    /// the first from outside the roots (which is left out) and a folder
    /// renamed after the file.
    #[test]
    fn a_walk_after_an_overflow_follows_the_renames_kept_aside() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut ingest, id) = stored_kenya(dir.path())?;
        let (old, new) = saved_again(dir.path());
        let releases = dir.path().join("releases");
        std::fs::rename(&old, &new).expect("rename");
        std::fs::create_dir(releases.join("inbox")).expect("mkdir");
        let inside = releases.join("inbox").join("kenya-floods.txt");
        std::fs::rename(&new, &inside).expect("rename");
        std::fs::rename(releases.join("inbox"), releases.join("2026")).expect("rename");

        let renamed = [
            (dir.path().join("elsewhere.txt"), old.clone()),
            (old, new.clone()),
            (new, inside),
            (releases.join("inbox"), releases.join("2026")),
        ];
        let report = ingest.rescan_renamed(&renamed)?;
        assert_eq!((report.moved, report.removed), (1, 0), "{report:?}");
        assert_eq!(id_at(&ingest, "2026/kenya-floods.txt"), Some(id));
        assert_eq!(ingest.known.len(), 1);
        Ok(())
    }

    /// Renamed, then written to before its batch: the batch leaves the new
    /// path out (it waits for its close), and the release stays at its old
    /// key until then, to keep its id when it is read.
    #[test]
    fn a_rename_waits_for_its_file_to_be_written() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut ingest, id) = stored_kenya(dir.path())?;
        let (old, new) = saved_and_renamed(dir.path());

        let renamed = [(old.clone(), new.clone())];
        let report = ingest.paths(&[], &[old], &renamed, &mut |_| false)?;
        assert_eq!((report.moved, report.removed), (0, 0), "{report:?}");
        assert_eq!(id_at(&ingest, "kenya.txt"), Some(id.clone()));

        let report = ingest.paths(&[new], &[], &[], &mut |_| false)?;
        assert_eq!((report.moved, report.removed), (1, 0), "{report:?}");
        assert_eq!(id_at(&ingest, "kenya-floods.txt"), Some(id));
        assert_eq!(ingest.known.len(), 1);
        assert!(ingest.awaited.is_empty());
        Ok(())
    }

    /// A file put at the old path at once, or later while the rename
    /// waits: the release there keeps the key and its id, and the renamed
    /// file, once read, is a new release.
    #[test]
    fn a_rename_whose_old_path_is_taken_again_does_not_wait() -> Result<(), StoreError> {
        for later in [false, true] {
            let dir = tempfile::tempdir().expect("tempdir");
            let (mut ingest, id) = stored_kenya(dir.path())?;
            let (old, new) = saved_and_renamed(dir.path());
            let renamed = [(old.clone(), new.clone())];
            if later {
                ingest.paths(&[], std::slice::from_ref(&old), &renamed, &mut |_| false)?;
                assert_eq!(ingest.awaited.len(), 1);
            }
            std::fs::write(&old, FLOODS).expect("write");
            age(&old);
            let renamed = if later { &[][..] } else { &renamed[..] };
            ingest.paths(std::slice::from_ref(&old), &[], renamed, &mut |_| false)?;
            assert!(ingest.awaited.is_empty(), "later: {later}");
            ingest.paths(&[new], &[], &[], &mut |_| false)?;
            assert_eq!(ingest.known.len(), 2, "later: {later}");
            assert_eq!(
                id_at(&ingest, "kenya.txt"),
                Some(id.clone()),
                "later: {later}"
            );
        }
        Ok(())
    }

    /// An awaited rename whose file is removed, or renamed again, before it
    /// is read.
    #[test]
    fn an_awaited_rename_ends_with_its_file() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut ingest, id) = stored_kenya(dir.path())?;
        let (old, new) = saved_and_renamed(dir.path());
        let renamed = [(old.clone(), new.clone())];
        ingest.paths(&[], &[old], &renamed, &mut |_| false)?;
        let again = dir.path().join("releases").join("kenya-final.txt");
        std::fs::rename(&new, &again).expect("rename");
        let renamed = [(new.clone(), again.clone())];
        let report = ingest.paths(std::slice::from_ref(&again), &[new], &renamed, &mut |_| {
            false
        })?;
        assert_eq!((report.moved, report.removed), (1, 0), "{report:?}");
        assert_eq!(id_at(&ingest, "kenya-final.txt"), Some(id));

        let moved = dir.path().join("releases").join("kenya-gone.txt");
        std::fs::rename(&again, &moved).expect("rename");
        let renamed = [(again.clone(), moved.clone())];
        ingest.paths(&[], &[again], &renamed, &mut |_| false)?;
        assert_eq!(ingest.known.len(), 1);
        std::fs::remove_file(&moved).expect("remove");
        let report = ingest.paths(&[], &[moved], &[], &mut |_| false)?;
        assert_eq!(report.removed, 1, "{report:?}");
        assert!(ingest.known.is_empty() && ingest.awaited.is_empty());
        Ok(())
    }

    /// Without the pairing the same change is a removal and a new release:
    /// what the tests above rely on the pairing for.
    #[test]
    fn an_edited_file_arriving_unpaired_is_a_new_release() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut ingest, id) = stored_kenya(dir.path())?;
        let (old, new) = saved_and_renamed(dir.path());

        let report = ingest.paths(&[new], &[old], &[], &mut |_| false)?;
        assert_eq!((report.moved, report.removed), (0, 1), "{report:?}");
        assert!(id_at(&ingest, "kenya-floods.txt").is_some_and(|other| other != id));
        Ok(())
    }

    /// The edit's signal is handled after the file was renamed away, and
    /// the rename comes in the next batch: the release waits for it
    /// rather than being removed, and keeps its id.
    #[test]
    fn a_release_renamed_before_its_edit_is_read_waits_for_the_rename() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut ingest, id) = stored_kenya(dir.path())?;
        let (old, new) = saved_and_renamed(dir.path());

        let first = ingest.paths(std::slice::from_ref(&old), &[], &[], &mut |_| false)?;
        assert_eq!(first.removed, 0, "{first:?}");
        assert_eq!(id_at(&ingest, "kenya.txt"), Some(id.clone()));

        let renamed = [(old.clone(), new.clone())];
        let second = ingest.paths(&[new], &[old], &renamed, &mut |_| false)?;
        assert_eq!(second.moved, 1, "{second:?}");
        assert_eq!(id_at(&ingest, "kenya-floods.txt"), Some(id));
        assert_eq!(ingest.known.len(), 1);
        Ok(())
    }

    /// A walk lists a file that is renamed before it is read (the window
    /// the first scan has while the store loads): the release is kept for
    /// the rename's signal, and a later walk that no longer lists it
    /// removes it.
    #[test]
    fn a_release_gone_between_a_walks_listing_and_its_read_is_kept_for_the_signal()
    -> Result<(), StoreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut ingest, id) = stored_kenya(dir.path())?;
        let (old, new) = saved_again(dir.path());
        let listed = ingest.roots().inspect(&old).expect("a release file");
        std::fs::rename(&old, &new).expect("rename");

        let mut gone = Vec::new();
        let report = ingest.reconcile(
            vec![listed],
            &mut gone,
            true,
            false,
            Signalled::No(&Renames::default()),
            None,
        )?;
        assert_eq!(report.removed, 0, "{report:?}");
        assert_eq!(id_at(&ingest, "kenya.txt"), Some(id.clone()));

        let renamed = [(old.clone(), new.clone())];
        let moved = ingest.paths(std::slice::from_ref(&new), &[old], &renamed, &mut |_| false)?;
        assert_eq!(moved.moved, 1, "{moved:?}");
        assert_eq!(id_at(&ingest, "kenya-floods.txt"), Some(id));

        // With no signal to wait for (a folder walked while it cannot be
        // watched), the next walk settles it.
        let listed = ingest.roots().inspect(&new).expect("a release file");
        std::fs::remove_file(&new).expect("remove");
        let mut gone = Vec::new();
        ingest.reconcile(
            vec![listed],
            &mut gone,
            true,
            false,
            Signalled::No(&Renames::default()),
            None,
        )?;
        assert_eq!(ingest.known.len(), 1);
        let walked = ingest.rescan(false)?;
        assert_eq!(walked.removed, 1, "{walked:?}");
        assert!(ingest.known.is_empty());
        Ok(())
    }

    #[test]
    fn renames_lead_back_through_folders_and_chains_to_a_known_key() {
        let pair = |from: &str, to: &str| (Arc::from(from), Arc::from(to));
        let renames = Renames::new([
            pair("a.txt", "b.txt"),
            pair("b.txt", "c.txt"),
            pair("inbox", "africa/inbox"),
            pair("africa/inbox/old.txt", "africa/inbox/new.txt"),
            pair("x.txt", "y.txt"),
            pair("y.txt", "x.txt"),
        ]);
        let known = |keys: &'static [&'static str]| move |key: &str| keys.contains(&key);
        assert_eq!(
            renames.origin("c.txt", known(&["a.txt"])).as_deref(),
            Some("a.txt")
        );
        assert_eq!(
            renames.origin("c.txt", known(&["b.txt"])).as_deref(),
            Some("b.txt")
        );
        assert_eq!(
            renames
                .origin("africa/inbox/kenya.txt", known(&["inbox/kenya.txt"]))
                .as_deref(),
            Some("inbox/kenya.txt")
        );
        // A file renamed inside a renamed folder: both renames, either order.
        assert_eq!(
            renames
                .origin("africa/inbox/new.txt", known(&["inbox/old.txt"]))
                .as_deref(),
            Some("inbox/old.txt")
        );
        // A name that only starts like a renamed one was not renamed.
        assert_eq!(renames.origin("b.txt.bak", known(&["a.txt.bak"])), None);
        // Round in a circle, and to nothing known.
        assert_eq!(renames.origin("x.txt", known(&["z.txt"])), None);
        assert_eq!(renames.origin("c.txt", known(&[])), None);
    }
}
