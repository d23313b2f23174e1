//! `pressfeed serve`: wires the store, the ingest thread, the watcher, the
//! HTTP server, signals and the systemd watchdog together, and stops them
//! in order. Each concern is its own task; this file only connects them.

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
    let store = Store::open(&config.data)?;
    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::default());
    let ingest = Ingest::new(config.clone(), store, metrics.clone())?;
    let first = Arc::new(Snapshot::new(0, ingest.entries()));
    let published = Arc::new(ArcSwap::from_pointee(Published::render(
        config.clone(),
        first,
    )));

    let (signal_tx, signal_rx) = sync_channel(watch::CHANNEL_CAPACITY);
    let watcher = Watcher::start(signal_tx)?;
    let (control_tx, control_rx) = std::sync::mpsc::channel();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let heartbeat = Arc::new(AtomicU64::new(0));
    let worker = IngestWorker {
        ingest,
        watcher,
        signals: signal_rx,
        control: control_rx,
        published: published.clone(),
        health: health.clone(),
        metrics: metrics.clone(),
        heartbeat: heartbeat.clone(),
        started: Instant::now(),
        websub: crate::websub::Pinger::start().ok(),
        recheck_roots: None,
    };
    let ingest_thread = std::thread::Builder::new()
        .name("ingest".into())
        .spawn(move || worker.run(ready_tx))
        .map_err(|_| DaemonError::IngestDied)?;

    let state = AppState {
        published,
        health: health.clone(),
        metrics,
    };
    let server = tokio::spawn(http::serve(
        listener,
        http::router(state.clone()),
        state.metrics.clone(),
        stop.clone(),
    ));
    let bound = config.listen;
    let signals = tokio::spawn(handle_signals(
        origin,
        bound,
        control_tx.clone(),
        stop.clone(),
    ));
    let watchdog = tokio::spawn(watchdog(health.clone(), heartbeat, stop.clone()));

    match ready_rx.await {
        Ok(Ok(report)) => {
            systemd::ready(&format!(
                "serving; first scan: {} normalized, {} refused",
                report.normalized, report.refused
            ));
        }
        Ok(Err(e)) => tracing::error!(error = %e, "first scan failed; retrying in the background"),
        Err(_) => {
            stop.cancel();
        }
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

/// Pings the systemd watchdog while healthy: the store answers and the
/// ingest thread is looping.
async fn watchdog(health: Arc<Health>, heartbeat: Arc<AtomicU64>, stop: CancellationToken) {
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
        if health.status().is_ok() && alive {
            systemd::watchdog();
        }
    }
}

static HEARTBEAT_EPOCH: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

/// The ingest thread: owns the store and the watcher.
struct IngestWorker {
    ingest: Ingest,
    watcher: Watcher,
    signals: Receiver<Signal>,
    control: Receiver<Control>,
    published: Arc<ArcSwap<Published>>,
    health: Arc<Health>,
    metrics: Arc<Metrics>,
    heartbeat: Arc<AtomicU64>,
    started: Instant,
    websub: Option<crate::websub::Pinger>,
    /// When a root was watched again, a second look is due at this time.
    recheck_roots: Option<Instant>,
}

/// How long the ingest waits for more signals before acting: long enough to
/// batch a burst, short enough to keep file-to-feed in milliseconds.
const SETTLE: Duration = Duration::from_millis(2);
/// How long after a root is watched again it is watched (and walked) once more.
const ROOT_RECHECK: Duration = Duration::from_secs(1);
/// How long the first scan waits for files still being written.
const FIRST_SCAN_WAIT: Duration = Duration::from_secs(10);
/// How often the loop wakes without signals, to check flags and controls.
const TICK: Duration = Duration::from_millis(100);

impl IngestWorker {
    fn run(mut self, ready: tokio::sync::oneshot::Sender<Result<Report, StoreError>>) {
        let first = self.first_scan();
        let ok = first.as_ref().is_ok_and(|r| !r.incomplete);
        let _ = ready.send(first);
        let mut needs_rescan = !ok;
        loop {
            self.beat();
            match self.control.try_recv() {
                Ok(Control::Stop) | Err(std::sync::mpsc::TryRecvError::Disconnected) => return,
                Ok(Control::Reload(config)) => self.reload(config),
                Err(std::sync::mpsc::TryRecvError::Empty) => {}
            }
            let batch = self.collect();
            if self.watcher.overflowed.swap(false, Ordering::SeqCst) || !self.watcher.roots_intact()
            {
                needs_rescan = true;
            }
            let (changed, removed, rescan) = batch;
            needs_rescan |= rescan;
            if needs_rescan {
                needs_rescan = !self.rescan();
            } else if !changed.is_empty() || !removed.is_empty() {
                let result = self.ingest.paths(&changed, &removed);
                needs_rescan = !self.after(result);
            }
            if self.recheck_roots.is_some_and(|due| Instant::now() >= due) {
                self.recheck_roots = None;
                if let Err(e) = self.watcher.rewatch(self.ingest.roots()) {
                    tracing::error!(error = %e, "cannot watch the release folders");
                }
                needs_rescan = !self.rescan();
            }
            if self.ingest.has_deferred() {
                let result = self.ingest.settle();
                needs_rescan |= !self.after(result);
            }
        }
    }

    fn beat(&self) {
        self.heartbeat
            .store(HEARTBEAT_EPOCH.elapsed().as_secs(), Ordering::Relaxed);
    }

    fn first_scan(&mut self) -> Result<Report, StoreError> {
        if let Err(e) = self.watcher.ensure(self.ingest.roots()) {
            tracing::error!(error = %e, "cannot watch the release folders");
            self.health.set_problem(Some(format!("watcher: {e}")));
        }
        tracing::info!(folders = ?self.ingest.config().watch, "first scan started");
        let report = self.ingest.rescan_settled(false, FIRST_SCAN_WAIT)?;
        self.publish();
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
        Ok(report)
    }

    /// Waits for signals, then drains what else is queued: one batch.
    fn collect(&mut self) -> (Vec<PathBuf>, Vec<PathBuf>, bool) {
        let mut changed = Vec::new();
        let mut removed = Vec::new();
        let mut rescan = false;
        let mut take = |signal: Signal| match signal {
            Signal::Changed(p) => changed.push(p),
            Signal::Removed(p) => removed.push(p),
            Signal::Rescan(reason) => {
                tracing::warn!(reason, "rescanning every watched folder");
                rescan = true;
            }
        };
        match self.signals.recv_timeout(TICK) {
            Ok(signal) => take(signal),
            Err(RecvTimeoutError::Timeout) => return (changed, removed, rescan),
            Err(RecvTimeoutError::Disconnected) => return (changed, removed, true),
        }
        let deadline = Instant::now() + SETTLE;
        while let Ok(signal) = self
            .signals
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            take(signal);
        }
        (changed, removed, rescan)
    }

    fn rescan(&mut self) -> bool {
        self.metrics.rescans.inc();
        match self.watcher.ensure(self.ingest.roots()) {
            Ok(added) => {
                self.health.set_problem(None);
                if added && self.recheck_roots.is_none() {
                    self.recheck_roots = Some(Instant::now() + ROOT_RECHECK);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot watch the release folders");
                self.health.set_problem(Some(format!("watcher: {e}")));
            }
        }
        let result = self.ingest.rescan(false);
        self.after(result)
    }

    fn reload(&mut self, config: Arc<Config>) {
        let result = self.ingest.reload(config);
        self.after(result);
        self.publish();
    }

    /// Publishes after a batch; on a store failure reports unhealthy and
    /// asks for a rescan (which retries) by returning false, as it does
    /// when the batch was cut short for lack of file descriptors.
    fn after(&mut self, result: Result<Report, StoreError>) -> bool {
        match result {
            Ok(report) => {
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
                if self.health.status().is_err_and(|p| p.starts_with("store")) {
                    self.health.set_problem(None);
                }
                !report.incomplete
            }
            Err(e) => {
                tracing::error!(error = %e, "store failure; will retry");
                self.health.set_problem(Some(format!("store: {e}")));
                std::thread::sleep(Duration::from_millis(500));
                false
            }
        }
    }

    fn publish(&self) {
        let before = self.published.load_full();
        let version = before.snapshot.version + 1;
        let snapshot = Arc::new(Snapshot::new(version, self.ingest.entries()));
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
    }
}
