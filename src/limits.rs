//! Running out of file descriptors. The HTTP accept loop and the ingest's
//! reads both meet it (`EMFILE`: the process's limit; `ENFILE`: the
//! system's); both report it here, so that an episode of shortage gives one
//! error line naming the limit and how to raise it, not one per failed call.
//! The shortage is transient: the caller waits and tries again.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// After an episode was reported, another one starting within this long is
/// counted but not logged again.
const QUIET: Duration = Duration::from_secs(60);

/// Set while an episode lasts: the fast path of [`available`].
static SHORT: AtomicBool = AtomicBool::new(false);
/// The soft limit of open files, read by [`remember_limit`] (0: unknown).
static LIMIT: AtomicU64 = AtomicU64::new(0);
static STATE: Mutex<State> = Mutex::new(State {
    since: None,
    failures: 0,
    reported_at: None,
    reported: false,
});

struct State {
    /// When the current episode began.
    since: Option<Instant>,
    /// Calls that failed in the current episode.
    failures: u64,
    /// When an episode was last logged.
    reported_at: Option<Instant>,
    /// Whether the current episode was logged.
    reported: bool,
}

/// Whether an I/O error means the process (or the system) has no file
/// descriptor left.
pub fn is_out_of_files(error: &std::io::Error) -> bool {
    // EMFILE, ENFILE
    matches!(error.raw_os_error(), Some(24 | 23))
}

/// Reads the soft limit of open files from `/proc/self/limits` once, while
/// descriptors are still free, so the message can name it later.
pub fn remember_limit() {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| parse_limit(&text));
    if let Some(limit) = limit {
        LIMIT.store(limit, Ordering::Relaxed);
    }
}

fn parse_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The one-line description of the shortage: which limit, how to raise it.
pub fn message(error: &std::io::Error) -> String {
    let system = error.raw_os_error() == Some(23);
    if system {
        return "the system's limit of open files is reached (ENFILE); raise fs.file-max (sysctl -w fs.file-max=...) or close other programs' files".into();
    }
    let limit = match LIMIT.load(Ordering::Relaxed) {
        0 => String::new(),
        n => format!(" ({n})"),
    };
    format!(
        "the limit of open files per process{limit} is reached (EMFILE); raise it: ulimit -n in the shell that starts pressfeed, or LimitNOFILE= in its systemd unit"
    )
}

/// Reports a call that failed for lack of file descriptors: the first of an
/// episode is logged (unless one was within the last minute), the rest are
/// counted.
pub fn out_of_files(doing: &str, error: &std::io::Error) {
    SHORT.store(true, Ordering::Relaxed);
    let mut state = lock();
    state.failures += 1;
    if state.since.is_some() {
        return;
    }
    let now = Instant::now();
    state.since = Some(now);
    state.reported = state.reported_at.is_none_or(|at| now - at >= QUIET);
    if state.reported {
        state.reported_at = Some(now);
        tracing::error!(
            failed = doing,
            error = %error,
            "out of file descriptors: {}; meanwhile new connections wait and release files are read later",
            message(error)
        );
    }
}

/// Reports that descriptors could be had again: ends the episode (and says
/// so, if its start was logged).
pub fn available() {
    if !SHORT.load(Ordering::Relaxed) {
        return;
    }
    SHORT.store(false, Ordering::Relaxed);
    let mut state = lock();
    let Some(since) = state.since.take() else {
        return;
    };
    let failures = std::mem::take(&mut state.failures);
    if state.reported {
        tracing::info!(
            failures,
            seconds = format!("{:.1}", since.elapsed().as_secs_f64()),
            "file descriptors are available again"
        );
    }
}

/// Whether descriptors are short right now (an episode is going on).
pub fn short() -> bool {
    SHORT.load(Ordering::Relaxed)
}

fn lock() -> std::sync::MutexGuard<'static, State> {
    // Plain counters: a panic elsewhere cannot tear them.
    STATE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_soft_limit() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \nMax open files            64                   524288               files     \n";
        assert_eq!(parse_limit(limits), Some(64));
        assert_eq!(parse_limit("Limit\n"), None);
    }

    #[test]
    fn the_message_names_the_limit_and_how_to_raise_it() {
        let emfile = std::io::Error::from_raw_os_error(24);
        assert!(is_out_of_files(&emfile));
        let text = message(&emfile);
        assert!(
            text.contains("ulimit -n") && text.contains("LimitNOFILE="),
            "{text}"
        );
        let enfile = std::io::Error::from_raw_os_error(23);
        assert!(message(&enfile).contains("fs.file-max"));
        assert!(!is_out_of_files(&std::io::Error::from_raw_os_error(13)));
    }
}
