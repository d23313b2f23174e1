//! `pressfeed serve`: wires the store, the ingest thread, the watcher, the
//! HTTP server, signals and the systemd watchdog together, and stops them
//! in order. Each concern is its own task; this file only connects them.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, sync_channel};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigError, Overrides};
use crate::health::Health;
use crate::http::{self, AppState};
use crate::ingest::{Ingest, Report};
use crate::metrics::Metrics;
use crate::publish::Published;
use crate::snapshot::Snapshot;
use crate::store::{Store, StoreError};
use crate::systemd;
use crate::watch::{self, Signal, Watcher};

/// Why the daemon could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The folders could not be watched.
    #[error(transparent)]
    Watch(#[from] watch::WatchError),
    /// The ingest thread died.
    #[error("the ingest thread stopped unexpectedly")]
    IngestDied,
    /// A thread of the start-up could not be started, or died.
    #[error("the {0} thread could not be started or stopped unexpectedly")]
    Thread(&'static str),
}

/// How the daemon was configured, to reload it the same way on SIGHUP.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// `--config`.
    pub path: Option<PathBuf>,
    /// The command-line flags.
    pub overrides: Overrides,
}

impl Origin {
    fn load(&self) -> Result<Config, ConfigError> {
        Config::load(self.path.as_deref(), &self.overrides)
    }
}

/// Messages from the async side to the ingest thread.
enum Control {
    Reload(Arc<Config>),
    Stop,
}

/// The watcher, and the walk of every folder made once it watched them.
type WatchSetup = Result<(Watcher, EarlyWalk), watch::WatchError>;

/// A walk of every folder made on the set-up thread, and
/// [`Watcher::root_changes`] when it began.
struct EarlyWalk {
    found: std::io::Result<Vec<watch::Found>>,
    root_changes: u64,
}

/// Starts the watcher and its watches on a thread of their own, then walks
/// every folder there. notify lists every folder again to watch it
/// recursively, and the walk reads every file's metadata: together about
/// as long as loading a store of 100,000 releases, which they overlap
/// (from a cold page cache, the walk alone is more than a second). The
/// first scan makes sure of the watches again; it uses this walk only if
/// that changed no watch, and that is where a failure to watch is handled
/// and reported.
fn start_watching(
    signals: watch::queue::Sender,
    roots: watch::Roots,
) -> Result<std::thread::JoinHandle<WatchSetup>, DaemonError> {
    std::thread::Builder::new()
        .name("watch-setup".into())
        .spawn(move || {
            let mut watcher = Watcher::start(signals)?;
            let _ = watcher.ensure(&roots);
            // After the watches: whatever changes once the walk has begun
            // is signalled, as in any walk of the ingest.
            let early = EarlyWalk {
                root_changes: watcher.root_changes(),
                found: roots.walk(None),
            };
            Ok((watcher, early))
        })
        .map_err(|_| DaemonError::Thread("watch set-up"))
}

/// Runs the daemon on `listener` until `stop` is cancelled (or SIGTERM /
/// SIGINT arrive); SIGHUP reloads the configuration from `origin`.
pub async fn run(
    config: Config,
    origin: Origin,
    listener: TcpListener,
    stop: CancellationToken,
) -> Result<(), DaemonError> {
    let config = Arc::new(config);
    crate::limits::remember_limit();
    let (signal_tx, signal_rx) = watch::queue::queue();
    let watching = start_watching(signal_tx, watch::Roots::new(&config.watch))?;
    let store = Store::open(&config.data)?;
    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::default());
    let ingest = Ingest::new(config.clone(), store, metrics.clone())?;
    let first = Arc::new(Snapshot::new(
        0,
        ingest.index().clone(),
        ingest.bodies().clone(),
    ));
    let published = Arc::new(ArcSwap::from_pointee(Published::render(
        config.clone(),
        first,
    )));

    let (watcher, early_walk) = watching
        .join()
        .map_err(|_| DaemonError::Thread("watch set-up"))??;
    let (control_tx, control_rx) = std::sync::mpsc::channel();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let heartbeat = Arc::new(AtomicU64::new(0));
    let worker = IngestWorker {
        ingest,
        watcher,
        early_walk: Some(early_walk),
        signals: signal_rx,
        control: control_rx,
        published: published.clone(),
        health: health.clone(),
        metrics: metrics.clone(),
        heartbeat: heartbeat.clone(),
        started: Instant::now(),
        websub: crate::websub::Pinger::start().ok(),
        warmer: Warmer::start(published.clone()).ok(),
        recheck_roots: None,
        writing: HashSet::new(),
        early: Early::default(),
        ready: Some(ready_tx),
        store_retry: STORE_RETRY_FIRST,
        polling: None,
    };
    let ingest_thread = std::thread::Builder::new()
        .name("ingest".into())
        .spawn(move || worker.run())
        .map_err(|_| DaemonError::IngestDied)?;

    let state = AppState {
        published,
        health: health.clone(),
        metrics,
    };
    let server = tokio::spawn(http::serve(listener, state.clone(), stop.clone()));
    let bound = config.listen;
    let signals = tokio::spawn(handle_signals(
        origin,
        bound,
        control_tx.clone(),
        stop.clone(),
    ));
    let watchdog = tokio::spawn(watchdog(heartbeat, stop.clone()));

    // The first scan may wait for the store (a full disk at start): until
    // it is done, a stop request still stops.
    tokio::select! {
        ready = ready_rx => match ready {
            Ok(report) => systemd::ready(&format!(
                "serving; first scan: {} normalized, {} refused",
                report.normalized, report.refused
            )),
            Err(_) => stop.cancel(),
        },
        () = stop.cancelled() => {}
    }
    stop.cancelled().await;
    systemd::stopping();
    tracing::info!("stopping: draining requests in flight");
    let _ = server.await;
    let _ = control_tx.send(Control::Stop);
    signals.abort();
    watchdog.abort();
    let joined = tokio::task::spawn_blocking(move || ingest_thread.join()).await;
    match joined {
        Ok(Ok(())) => Ok(()),
        _ => Err(DaemonError::IngestDied),
    }
}

/// SIGTERM and SIGINT stop; SIGHUP reloads.
async fn handle_signals(
    origin: Origin,
    bound: std::net::SocketAddr,
    control: Sender<Control>,
    stop: CancellationToken,
) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    loop {
        tokio::select! {
            _ = term.recv() => { tracing::info!("SIGTERM received"); stop.cancel(); return; }
            _ = int.recv() => { tracing::info!("SIGINT received"); stop.cancel(); return; }
            _ = hup.recv() => {
                systemd::reloading();
                match origin.load() {
                    Ok(mut config) => {
                        config.follow_listen_address(bound);
                        tracing::info!("SIGHUP: configuration reloaded");
                        let _ = control.send(Control::Reload(Arc::new(config)));
                    }
                    Err(e) => tracing::error!(error = %e, "SIGHUP: configuration rejected; keeping the old one"),
                }
                systemd::ready("serving; configuration reloaded");
            }
            () = stop.cancelled() => return,
        }
    }
}

/// Pings the systemd watchdog while the ingest thread is looping. A
/// problem it reports and waits out (a full disk, no inotify watches left)
/// is on `/healthz` and in the status line instead: a restart would not
/// cure it, and would stop serving the feeds already published.
async fn watchdog(heartbeat: Arc<AtomicU64>, stop: CancellationToken) {
    let Some(period) = systemd::watchdog_period() else {
        return;
    };
    let mut ticker = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = stop.cancelled() => return,
        }
        let beat = heartbeat.load(Ordering::Relaxed);
        let alive = HEARTBEAT_EPOCH.elapsed().as_secs().saturating_sub(beat) < 60;
        if alive {
            systemd::watchdog();
        }
    }
}

static HEARTBEAT_EPOCH: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

/// The ingest thread: owns the store and the watcher.
struct IngestWorker {
    ingest: Ingest,
    watcher: Watcher,
    /// The set-up thread's walk, for the first scan.
    early_walk: Option<EarlyWalk>,
    signals: watch::queue::Receiver,
    control: Receiver<Control>,
    published: Arc<ArcSwap<Published>>,
    health: Arc<Health>,
    metrics: Arc<Metrics>,
    heartbeat: Arc<AtomicU64>,
    started: Instant,
    websub: Option<crate::websub::Pinger>,
    /// Renders each new publication's bodies; without it requests do.
    warmer: Option<Warmer>,
    /// When a root was watched again, a second look is due at this time.
    recheck_roots: Option<Instant>,
    /// Files written to since their last close event.
    writing: HashSet<PathBuf>,
    /// Signals taken from the queue while a batch was checked for files
    /// written again; the next batch starts with them.
    early: Early,
    /// Told once the first full scan is stored.
    ready: Option<tokio::sync::oneshot::Sender<Report>>,
    /// How long to wait before trying the store again after it failed.
    store_retry: Duration,
    /// Set while the folders cannot all be watched: they are walked instead.
    polling: Option<Polling>,
}

/// The walks that stand in for a watcher out of inotify watches.
struct Polling {
    /// The next walk.
    walk: Instant,
    /// The next attempt at watching every folder again.
    rewatch: Instant,
}

/// How long the ingest waits for more signals before acting: long enough to
/// batch a burst, short enough to keep file-to-feed in milliseconds.
const SETTLE: Duration = Duration::from_millis(2);
/// How long a lull in signals ends that wait early: a lone new file need
/// not wait out [`SETTLE`], while a burst keeps the signals coming closer
/// together than this. A batch holding a removal waits it out, since the
/// removal may be half of a move whose other half is still on its way.
const LULL: Duration = Duration::from_micros(300);
/// Most signals a batch takes past its end to complete a rename: its two
/// halves and their pairing.
const RENAME_HALVES: usize = 2;
/// How long after a root is watched again it is watched (and walked) once more.
const ROOT_RECHECK: Duration = Duration::from_secs(1);
/// How long the first scan waits for files still being written.
const FIRST_SCAN_WAIT: Duration = Duration::from_secs(10);
/// How often the loop wakes without signals, to check flags and controls.
const TICK: Duration = Duration::from_millis(100);
/// The first wait before trying a failed store again; it doubles up to
/// [`STORE_RETRY_MAX`] while the store keeps failing.
const STORE_RETRY_FIRST: Duration = Duration::from_millis(500);
/// The longest wait between two tries of a failing store.
const STORE_RETRY_MAX: Duration = Duration::from_secs(4);
/// How often the folders are walked while they cannot be watched.
const POLL: Duration = Duration::from_secs(2);
/// How often watching them is tried again meanwhile.
const REWATCH: Duration = Duration::from_secs(30);

impl IngestWorker {
    fn run(mut self) {
        let mut needs_rescan = !self.first_scan();
        loop {
            self.beat();
            match self.control.try_recv() {
                Ok(Control::Stop) | Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    self.ingest.close();
                    return;
                }
                Ok(Control::Reload(config)) => self.reload(config),
                Err(std::sync::mpsc::TryRecvError::Empty) => {}
            }
            let mut batch = self.collect();
            if let Some(overflow) = self.signals.overflow() {
                self.overflowed(&mut batch, overflow);
                needs_rescan = true;
            }
            self.ingest.saved_in_place(&batch.written);
            if !self.watcher.roots_intact() {
                needs_rescan = true;
            }
            if let Some(path) = batch.out_of_watches.clone() {
                self.watch_failed(&watch::WatchError::TooManyWatches { path });
            }
            needs_rescan |= batch.rescan || self.poll_due();
            needs_rescan |= self
                .watcher
                .forget_roots(batch.changed.iter().chain(&batch.removed));
            if needs_rescan {
                // The walk defers files modified a moment ago by itself.
                self.writing.clear();
                needs_rescan = !self.rescan(&batch.renamed);
            } else if !batch.changed.is_empty() || !batch.removed.is_empty() {
                if let Err(e) = self.watcher.watch_new_folders(&batch.changed) {
                    self.watch_failed(&e);
                }
                let result = self.ingest.paths(
                    &batch.changed,
                    &batch.removed,
                    &batch.renamed,
                    &mut |path| {
                        Self::being_written(&self.signals, &mut self.early, &self.writing, path)
                    },
                );
                needs_rescan = self.after(result).is_none_or(|r| r.incomplete);
            }
            if self.recheck_roots.is_some_and(|due| Instant::now() >= due) {
                self.recheck_roots = None;
                if let Err(e) = self.watcher.rewatch(self.ingest.roots()) {
                    self.watch_failed(&e);
                }
                needs_rescan = !self.rescan(&[]);
            }
            if self.ingest.has_deferred() {
                let result = self.ingest.settle();
                needs_rescan |= self.after(result).is_none_or(|r| r.incomplete);
            }
            self.files_health();
        }
    }

    /// Proves the loop runs and the store answers (a read, which a full
    /// or read-only disk still allows): the watchdog pings only on this.
    /// A store that cannot be written shows on `/healthz` instead, since a
    /// restart would not cure it.
    fn beat(&self) {
        if self.ingest.check_store().is_ok() {
            self.heartbeat
                .store(HEARTBEAT_EPOCH.elapsed().as_secs(), Ordering::Relaxed);
        }
    }

    /// Watches and walks every folder; true when it is all stored. On a
    /// failure the loop tries again with full walks, and the daemon becomes
    /// ready at the first that succeeds.
    fn first_scan(&mut self) -> bool {
        self.ensure_watched();
        tracing::info!(folders = ?self.ingest.config().watch, "first scan started");
        let root_changes = self.watcher.root_changes();
        let walked = self
            .early_walk
            .take()
            .filter(|early| early.root_changes == root_changes)
            .map(|early| early.found);
        let result = self.ingest.rescan_settled(walked, false, FIRST_SCAN_WAIT);
        let Some(report) = self.stored(result) else {
            return false;
        };
        if report.incomplete {
            return false;
        }
        self.publish();
        self.became_ready(&report);
        true
    }

    /// Marks the daemon ready after its first complete scan.
    fn became_ready(&mut self, report: &Report) {
        let Some(ready) = self.ready.take() else {
            return;
        };
        tracing::info!(
            seen = report.normalized + report.unchanged + report.refused,
            normalized = report.normalized,
            unchanged = report.unchanged,
            refused = report.refused,
            removed = report.removed,
            seconds = format!("{:.3}", self.started.elapsed().as_secs_f64()),
            "first scan done"
        );
        self.health.set_ready();
        let _ = ready.send(report.clone());
    }

    /// Waits for signals, then drains what else is queued: one batch. A
    /// file written again after its close event waits for the next close.
    fn collect(&mut self) -> Batch {
        let mut batch = Batch::default();
        let writing = &mut self.writing;
        let mut take = |signal: Signal| batch.take(signal, writing);
        // Whether the batch holds a removal (see [`LULL`]), and whether the
        // last signal was half of a rename whose pairing may follow.
        let removal = std::cell::Cell::new(false);
        let half_rename = std::cell::Cell::new(false);
        let mut take = |signal: Signal| {
            if matches!(
                signal,
                Signal::Removed(_) | Signal::RenamedFrom(_) | Signal::Renamed { .. }
            ) {
                removal.set(true);
            }
            half_rename.set(matches!(
                signal,
                Signal::RenamedFrom(_) | Signal::RenamedTo(_)
            ));
            take(signal);
        };
        let early = std::mem::take(&mut self.early).signals;
        if early.is_empty() {
            match self.signals.recv_timeout(TICK) {
                Ok(signal) => take(signal),
                Err(RecvTimeoutError::Timeout) => return batch,
                Err(RecvTimeoutError::Disconnected) => {
                    batch.rescan = true;
                    return batch;
                }
            }
        }
        early.into_iter().for_each(&mut take);
        let deadline = Instant::now() + SETTLE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let wait = if removal.get() { left } else { left.min(LULL) };
            match self.signals.recv_timeout(wait) {
                Ok(signal) => take(signal),
                Err(_) => break,
            }
        }
        // The watcher sends a rename's halves and their pairing one after
        // another: a batch that ended between them would remove the release
        // and publish it again under a new id in the next.
        for _ in 0..RENAME_HALVES {
            if !half_rename.get() {
                break;
            }
            match self.signals.recv_timeout(LULL) {
                Ok(signal) => take(signal),
                Err(_) => break,
            }
        }
        // Written to again since its close: it waits for the next close.
        // (Once per batch, not per signal: a batch can hold 10,000 files.)
        batch.changed.retain(|p| !self.writing.contains(p));
        batch
    }

    /// Whether `path` is open for writing (written to, not closed since) or
    /// was written again since the current batch read it: takes what the
    /// watcher queued meanwhile (kept for the next batch) and looks for a
    /// write to it.
    fn being_written(
        signals: &watch::queue::Receiver,
        early: &mut Early,
        writing: &HashSet<PathBuf>,
        path: &std::path::Path,
    ) -> bool {
        for signal in signals.try_iter() {
            if let Signal::Writing(p) = &signal {
                early.writing.insert(p.clone());
            }
            early.signals.push(signal);
        }
        writing.contains(path) || early.writing.contains(path)
    }

    /// The queue overflowed: the walk that follows gets the renames of the
    /// signals still queued and of those kept aside (see [`watch::queue`]).
    fn overflowed(&mut self, batch: &mut Batch, overflow: watch::queue::Overflow) {
        tracing::warn!(
            waiting = watch::queue::CAPACITY,
            renames_kept = overflow.renames.len(),
            "file events came faster than they were taken; walking every watched folder"
        );
        if overflow.renames_dropped > 0 {
            tracing::warn!(
                dropped = overflow.renames_dropped,
                "too many renames to keep during the overflow; those files keep their ids only if their bytes did not change"
            );
        }
        // The walk defers files modified a moment ago by itself, so which
        // are being written no longer matters (and with it cleared, taking
        // tens of thousands of signals costs no more than reading them).
        self.writing.clear();
        for signal in overflow.queued {
            batch.take(signal, &mut self.writing);
        }
        batch.renamed.extend(overflow.renames);
    }

    /// A full walk, knowing that the files were `renamed` (old path, new
    /// path; oldest first) since the last; true when everything found is
    /// stored.
    fn rescan(&mut self, renamed: &[(PathBuf, PathBuf)]) -> bool {
        self.metrics.rescans.inc();
        // While polling, watching is retried on its own schedule.
        if self.polling.is_none() {
            self.ensure_watched();
        }
        let result = self.ingest.rescan_renamed(renamed);
        let Some(report) = self.after(result) else {
            return false;
        };
        if report.incomplete {
            return false;
        }
        if self.ready.is_some() {
            self.publish();
            self.became_ready(&report);
        }
        true
    }

    /// Makes sure every folder is watched; see [`Self::watch_failed`].
    fn ensure_watched(&mut self) {
        match self.watcher.ensure(self.ingest.roots()) {
            Ok(again) => {
                if again && self.recheck_roots.is_none() {
                    self.recheck_roots = Some(Instant::now() + ROOT_RECHECK);
                }
            }
            Err(e) => self.watch_failed(&e),
        }
    }

    /// The folders cannot all be watched: says so once (log and
    /// `/healthz`), and walks them every [`POLL`] instead until watching
    /// them works again.
    fn watch_failed(&mut self, e: &watch::WatchError) {
        let now = Instant::now();
        if self.polling.is_none() {
            tracing::error!(
                error = %e,
                "cannot watch the release folders; walking them every {} s instead until watching works again",
                POLL.as_secs()
            );
            self.polling = Some(Polling {
                walk: now + POLL,
                rewatch: now + REWATCH,
            });
        }
        let problem = format!(
            "{e}; meanwhile new files are found by walking the folders every {} s",
            POLL.as_secs()
        );
        if self.health.set_problem("watcher", Some(problem)) {
            self.status_changed();
        }
    }

    /// While polling: whether a walk is due (and, now and then, whether
    /// every folder can be watched again, which ends the polling).
    fn poll_due(&mut self) -> bool {
        let now = Instant::now();
        let Some(polling) = &mut self.polling else {
            return false;
        };
        if now < polling.walk {
            return false;
        }
        polling.walk = now + POLL;
        if now >= polling.rewatch {
            polling.rewatch = now + REWATCH;
            let roots = self.ingest.roots();
            let watched = self
                .watcher
                .ensure(roots)
                .and_then(|_| self.watcher.rewatch(roots));
            match watched {
                Ok(()) => {
                    self.polling = None;
                    self.health.set_problem("watcher", None);
                    self.status_changed();
                    tracing::info!(
                        "every release folder is watched again; walks every {} s stopped",
                        POLL.as_secs()
                    );
                }
                Err(e) => tracing::debug!(error = %e, "still cannot watch the release folders"),
            }
        }
        true
    }

    /// Shows on `/healthz` whether file descriptors are short.
    fn files_health(&mut self) {
        let problem = crate::limits::short().then(|| {
            format!(
                "out of file descriptors: {}",
                crate::limits::message(&std::io::Error::from_raw_os_error(24))
            )
        });
        if self.health.set_problem("files", problem) {
            self.status_changed();
        }
    }

    fn reload(&mut self, config: Arc<Config>) {
        let result = self.ingest.reload(config);
        self.after(result);
        self.publish();
    }

    /// Publishes after a batch; see [`Self::stored`].
    fn after(&mut self, result: Result<Report, StoreError>) -> Option<Report> {
        let report = self.stored(result)?;
        if report.changed() {
            self.publish();
            tracing::info!(
                normalized = report.normalized,
                refused = report.refused,
                removed = report.removed,
                moved = report.moved,
                "releases updated"
            );
        }
        Some(report)
    }

    /// Keeps the store's health after a batch. On a store failure it
    /// reports it (once while it lasts), waits a little longer at each
    /// failure in a row, and returns `None`: the caller walks everything
    /// again, which tries the same changes again.
    fn stored(&mut self, result: Result<Report, StoreError>) -> Option<Report> {
        // A batch that had nothing to write (its files still being written,
        // say) does not show that the store can be written again: a small
        // write does.
        let result = match result {
            Ok(report) if !report.stored && self.health.problem("store").is_some() => {
                self.ingest.probe_store().map(|()| report)
            }
            other => other,
        };
        match result {
            Ok(report) => {
                if self.health.set_problem("store", None) {
                    tracing::info!(
                        "the store can be written again; changes that waited are stored"
                    );
                    self.status_changed();
                }
                self.store_retry = STORE_RETRY_FIRST;
                Some(report)
            }
            Err(e) => {
                let problem = format!(
                    "{e}; the releases already published are still served, new and changed ones wait until it can be written"
                );
                if self.health.set_problem("store", Some(problem)) {
                    tracing::error!(
                        error = %e,
                        "store failure; the releases already published are still served, changes wait and are tried again until they can be stored"
                    );
                    self.status_changed();
                }
                std::thread::sleep(self.store_retry);
                self.store_retry = (self.store_retry * 2).min(STORE_RETRY_MAX);
                None
            }
        }
    }

    /// Puts the health into systemd's status line.
    fn status_changed(&self) {
        match self.health.status() {
            Ok(()) => systemd::status("serving"),
            Err(reason) => systemd::status(&format!("degraded: {reason}")),
        }
    }

    /// Publishes the ingest's releases, and has the warmer render their
    /// bodies (the first request for one still cold renders it).
    fn publish(&mut self) {
        let before = self.published.load_full();
        let version = before.snapshot.version + 1;
        let snapshot = Arc::new(Snapshot::new(
            version,
            self.ingest.index().clone(),
            self.ingest.bodies().clone(),
        ));
        self.metrics.snapshot_version.set(version);
        let config = self.ingest.config().clone();
        let published = Arc::new(Published::render_after(
            config.clone(),
            snapshot,
            Some(&before),
        ));
        self.published.store(published.clone());
        if let (Some(pinger), Some(hub)) = (&self.websub, &config.websub_hub) {
            pinger.ping(hub, published.changed_feeds(&before));
        }
        if let Some(warmer) = &self.warmer {
            warmer.wake();
        }
    }
}

/// Renders the newest publication's bodies ahead of requests, on a thread
/// of its own at a low CPU priority: the ingest goes straight on to the
/// next batch, and a reader's request (which renders what is still cold by
/// itself) seldom waits behind it for a core. Not the lowest: it takes the
/// body cache's lock now and then, and must not be kept off the CPU while
/// it holds it.
struct Warmer {
    wake: std::sync::mpsc::SyncSender<()>,
}

impl Warmer {
    fn start(published: Arc<ArcSwap<Published>>) -> std::io::Result<Warmer> {
        let (wake, woken) = sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("warm".into())
            .spawn(move || {
                lower_priority();
                // A burst wakes it many times; each wake warms the newest,
                // and gives up on it once a newer one is out.
                while woken.recv().is_ok() {
                    let newest = published.load_full();
                    newest.warm_while(|| Arc::ptr_eq(&newest, &published.load()));
                }
            })?;
        Ok(Warmer { wake })
    }

    /// Asks for the newest publication to be warmed; a wake already
    /// pending covers it.
    fn wake(&self) {
        let _ = self.wake.try_send(());
    }
}

/// Lowers the calling thread's CPU priority (nice 10: about a tenth of a
/// core's share against a thread at 0).
fn lower_priority() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: setpriority only sets a nice value; with `who` 0 Linux sets
    // the calling thread's own (each thread has one).
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// Signals taken early (see [`IngestWorker::being_written`]), and the
/// paths among them being written: a batch of 10,000 files asks about
/// each, and the signals can number tens of thousands.
#[derive(Default)]
struct Early {
    signals: Vec<Signal>,
    writing: HashSet<PathBuf>,
}

impl Batch {
    /// Adds `signal`, keeping `writing` (the files written to since their
    /// last close event) up to date.
    fn take(&mut self, signal: Signal, writing: &mut HashSet<PathBuf>) {
        match signal {
            Signal::Changed(p) | Signal::RenamedTo(p) => {
                writing.remove(&p);
                self.changed.push(p);
            }
            Signal::Writing(p) => {
                self.written.push(p.clone());
                writing.insert(p);
            }
            Signal::Removed(p) | Signal::RenamedFrom(p) => {
                writing.retain(|w| !w.starts_with(&p));
                self.removed.push(p);
            }
            Signal::Renamed { from, to } => {
                writing.retain(|w| !w.starts_with(&from));
                writing.remove(&to);
                self.removed.push(from.clone());
                self.changed.push(to.clone());
                self.renamed.push((from, to));
            }
            Signal::Rescan(reason) => {
                tracing::warn!(reason, "rescanning every watched folder");
                self.rescan = true;
            }
            Signal::OutOfWatches(path) => {
                self.out_of_watches = Some(path);
                self.rescan = true;
            }
        }
    }
}

/// The signals of one wait.
#[derive(Default)]
struct Batch {
    changed: Vec<PathBuf>,
    removed: Vec<PathBuf>,
    /// Renames, old path and new; each also in `removed` and `changed`.
    renamed: Vec<(PathBuf, PathBuf)>,
    rescan: bool,
    /// A folder the watcher could not watch for lack of inotify watches.
    out_of_watches: Option<PathBuf>,
    /// Files written to (in place, or new).
    written: Vec<PathBuf>,
}
