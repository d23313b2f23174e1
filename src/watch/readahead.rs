//! Read-ahead for long lists of release files: while threads read the
//! files in order, one more thread asks the kernel to start reading those
//! a little way ahead of them (`posix_fadvise(WILLNEED)`). From a cold page
//! cache each reader would otherwise wait on the disk for one small file
//! at a time; advised, the kernel has many files in flight and reads them
//! in fewer, larger requests, and the readers find them in memory. It is
//! only advice: a file it cannot open is left to its reader.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// How far, in files, the advice may run ahead of the readers: enough to
/// keep the disk busy, little enough that a file read ahead is still in
/// memory when its reader gets to it.
const AHEAD: usize = 1024;

/// Shorter lists are read without a thread to advise them.
const FROM: usize = 64;

/// How long the advising thread waits when it is [`AHEAD`] files ahead.
const PAUSE: Duration = Duration::from_millis(1);

/// What the readers tell the advising thread.
#[derive(Debug, Default)]
pub struct Progress {
    read: AtomicUsize,
    finished: AtomicBool,
}

impl Progress {
    /// One more file of the list has been read.
    pub fn read_one(&self) {
        self.read.fetch_add(1, Ordering::Relaxed);
    }

    fn read(&self) -> usize {
        self.read.load(Ordering::Relaxed)
    }

    fn finished(&self) -> bool {
        self.finished.load(Ordering::Relaxed)
    }
}

/// Runs `read`, which reads `paths` in about their order and calls
/// [`Progress::read_one`] after each, while the files ahead of it are
/// advised. Returns what `read` returns, once the advising has stopped.
pub fn while_reading<R>(paths: &[&Path], read: impl FnOnce(&Progress) -> R) -> R {
    let progress = Progress::default();
    if !ADVISES || paths.len() < FROM {
        return read(&progress);
    }
    std::thread::scope(|scope| {
        // Without the thread the files are read all the same, only slower.
        let _advising = std::thread::Builder::new()
            .name("readahead".into())
            .spawn_scoped(scope, || advise(paths, &progress));
        // Set however `read` ends: should it panic, the advising thread
        // must still stop, or the scope would wait for it for ever.
        let _finish = Finish(&progress);
        read(&progress)
    })
}

/// Marks the reading finished when dropped.
struct Finish<'p>(&'p Progress);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.finished.store(true, Ordering::Relaxed);
    }
}

/// Advises `paths` in order, never more than [`AHEAD`] past what has been
/// read, until all are advised or the reading has finished.
fn advise(paths: &[&Path], progress: &Progress) {
    for (at, path) in paths.iter().enumerate() {
        while at >= progress.read() + AHEAD {
            if progress.finished() {
                return;
            }
            std::thread::sleep(PAUSE);
        }
        if progress.finished() {
            return;
        }
        will_need(path);
    }
}

const ADVISES: bool = cfg!(all(target_os = "linux", target_env = "gnu"));

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn will_need(path: &Path) {
    use std::os::fd::AsRawFd as _;
    if let Ok(file) = std::fs::File::open(path) {
        // SAFETY: the descriptor is open for the whole call; the advice
        // reads nothing from this process's memory. Its result is ignored:
        // advice that fails leaves the file to be read as it would have been.
        unsafe {
            libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_WILLNEED);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn will_need(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_gets_its_result_back_whatever_the_list() -> Result<(), std::io::Error> {
        let dir = tempfile::tempdir()?;
        let mut paths = Vec::new();
        for i in 0..(FROM * 3) {
            let path = dir.path().join(format!("{i}.txt"));
            std::fs::write(&path, format!("release {i}"))?;
            paths.push(path);
        }
        // A path that is not there is only not advised.
        paths.push(dir.path().join("missing.txt"));
        let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
        let read = while_reading(&refs, |progress| {
            refs.iter()
                .map(|p| {
                    let got = std::fs::read_to_string(p).ok();
                    progress.read_one();
                    got
                })
                .collect::<Vec<_>>()
        });
        assert_eq!(read.len(), FROM * 3 + 1);
        assert_eq!(read[5].as_deref(), Some("release 5"));
        assert_eq!(read[FROM * 3], None);
        Ok(())
    }

    /// Polls `done` for up to five seconds.
    fn within_seconds(done: impl Fn() -> bool) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !done() {
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(PAUSE);
        }
        true
    }

    #[test]
    fn advice_waits_for_the_readers_and_stops_when_they_finish() {
        let progress = std::sync::Arc::new(Progress::default());
        let paths: Vec<&'static Path> = vec![Path::new("/nonexistent/pressfeed"); AHEAD * 3];
        // Not scoped: a thread that never stopped fails the test instead
        // of hanging it.
        let advising = std::thread::spawn({
            let progress = progress.clone();
            move || advise(&paths, &progress)
        });
        // Nothing read: the thread waits at AHEAD until told to stop.
        std::thread::sleep(PAUSE * 20);
        assert!(!advising.is_finished());
        progress.finished.store(true, Ordering::Relaxed);
        assert!(within_seconds(|| advising.is_finished()));
    }

    #[test]
    fn a_panic_while_reading_still_stops_the_advice() {
        let paths: Vec<&Path> = vec![Path::new("/nonexistent/pressfeed"); AHEAD * 3];
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let panicked = std::panic::catch_unwind(|| {
                while_reading(&paths, |_| panic!("a reader panics"));
            });
            let _ = done.send(panicked.is_err());
        });
        let got = finished.recv_timeout(Duration::from_secs(5));
        assert_eq!(
            got,
            Ok(true),
            "while_reading did not return after the panic"
        );
    }
}
