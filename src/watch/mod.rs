//! Watching the release folders. notify's callback only translates each
//! event into a [`Signal`] and sends it on a bounded [`queue`]; when the
//! queue is full it overflows, which makes the ingest rescan everything,
//! so a burst can delay a release but never lose it. Correctness rests on
//! reconciling the folders with the store ([`scan`]); events only say when
//! and where to look.

pub mod filter;
pub mod queue;
pub mod readahead;
pub mod scan;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RemoveKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher as _};

pub use scan::{Found, Roots};

/// What the watcher tells the ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// Look at this path: a file written and closed, something renamed in,
    /// a folder created.
    Changed(PathBuf),
    /// This path (file or folder) is gone or renamed away.
    Removed(PathBuf),
    /// This path (file or folder) was renamed away: a removal, unless a
    /// [`Signal::Renamed`] that follows pairs it with where it went.
    RenamedFrom(PathBuf),
    /// Something was renamed to this path: a change, which a
    /// [`Signal::Renamed`] may follow to say where it came from.
    RenamedTo(PathBuf),
    /// This path (file or folder) was renamed to that one, both watched:
    /// the pair inotify matched, so what is at `to` is what was at `from`
    /// even if its bytes changed on the way.
    Renamed {
        /// The path it left.
        from: PathBuf,
        /// The path it has now.
        to: PathBuf,
    },
    /// This file is being written (created, truncated or appended to): it
    /// waits for its close event, since reading it now could catch half a
    /// save.
    Writing(PathBuf),
    /// Events were lost (kernel queue overflow, watcher error): walk everything.
    Rescan(String),
    /// A new folder under this one could not be watched: the system's
    /// limit of inotify watches is reached. Walk everything, and keep
    /// walking until every folder is watched again.
    OutOfWatches(PathBuf),
}

/// Why watching failed to start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// inotify ran out of watches; the message says which limit to raise.
    #[error(
        "cannot watch {path}: the system's limit of inotify watches is reached; raise fs.inotify.max_user_watches (sysctl -w fs.inotify.max_user_watches=524288, and in /etc/sysctl.d/ to keep it)"
    )]
    TooManyWatches {
        /// The folder.
        path: PathBuf,
    },
    /// No inotify instance could be had: too many instances, or no file
    /// descriptor left.
    #[error(
        "cannot start watching: {source}; raise fs.inotify.max_user_instances (sysctl -w fs.inotify.max_user_instances=1024) or the limit of open files (ulimit -n, or LimitNOFILE= in the systemd unit)"
    )]
    TooManyInstances {
        /// notify's error.
        #[source]
        source: notify::Error,
    },
    /// Any other failure of the OS watcher.
    #[error("cannot watch {path}: {source}")]
    Notify {
        /// The folder.
        path: PathBuf,
        /// notify's error.
        #[source]
        source: notify::Error,
    },
}

/// The live watches on the configured folders and their parents.
pub struct Watcher {
    inner: notify::RecommendedWatcher,
    watched: Vec<(PathBuf, Option<(u64, u64)>)>,
    /// Every root that has had a watch.
    ever_watched: std::collections::HashSet<PathBuf>,
    /// How many times [`Watcher::ensure`] has set or dropped a root's watch.
    root_changes: u64,
    /// The roots, as the callback sees them: the parents' watches report
    /// their other files too, which are none of pressfeed's business.
    folders: Arc<ArcSwap<Vec<PathBuf>>>,
}

/// What a signal says about the roots and what is inside them, if
/// anything: a rename across a root's edge is only a removal or an arrival.
fn concerning(signal: Signal, folders: &[PathBuf]) -> Option<Signal> {
    let inside = |p: &std::path::Path| folders.iter().any(|f| p.starts_with(f));
    match signal {
        Signal::Renamed { from, to } => match (inside(&from), inside(&to)) {
            (true, true) => Some(Signal::Renamed { from, to }),
            (true, false) => Some(Signal::Removed(from)),
            (false, true) => Some(Signal::Changed(to)),
            (false, false) => None,
        },
        Signal::Changed(ref p)
        | Signal::Removed(ref p)
        | Signal::Writing(ref p)
        | Signal::RenamedFrom(ref p)
        | Signal::RenamedTo(ref p)
            if !inside(p) =>
        {
            None
        }
        signal => Some(signal),
    }
}

impl Watcher {
    /// Starts watching; events go to `tx`.
    pub fn start(tx: queue::Sender) -> Result<Watcher, WatchError> {
        // A file written in many chunks raises one modify event per write;
        // only the first of a run says anything new.
        let mut last_writing: Option<PathBuf> = None;
        let folders: Arc<ArcSwap<Vec<PathBuf>>> = Arc::default();
        let watched_folders = folders.clone();
        let handler = move |result: notify::Result<notify::Event>| {
            let folders = watched_folders.load();
            for signal in translate(result) {
                let Some(signal) = concerning(signal, &folders) else {
                    continue;
                };
                if let Signal::Writing(path) = &signal {
                    if last_writing.as_ref() == Some(path) {
                        continue;
                    }
                    last_writing = Some(path.clone());
                } else {
                    last_writing = None;
                }
                if tx.send(signal).is_err() {
                    return;
                }
            }
        };
        // notify follows symlinked folders by default, which would watch
        // places outside the release folders; targets inside them are
        // watched directly anyway. Opens are not asked for: every read of
        // a release would raise one (200,000 in a cold start of 100,000
        // files), waking the watcher's thread for nothing and, on a slow
        // machine, overflowing the kernel's queue into a second full walk.
        let config = notify::Config::default()
            .with_follow_symlinks(false)
            .with_event_kinds(notify::EventKindMask::CORE | notify::EventKindMask::ACCESS_CLOSE);
        let inner = notify::RecommendedWatcher::new(handler, config).map_err(|source| {
            // EMFILE from inotify_init1: the user's instances, or the process's descriptors.
            if matches!(&source.kind, notify::ErrorKind::Io(e) if matches!(e.raw_os_error(), Some(24 | 23)))
            {
                WatchError::TooManyInstances { source }
            } else {
                WatchError::Notify {
                    path: PathBuf::new(),
                    source,
                }
            }
        })?;
        Ok(Watcher {
            inner,
            watched: Vec::new(),
            ever_watched: std::collections::HashSet::new(),
            root_changes: 0,
            folders,
        })
    }

    /// Makes sure every existing root is watched recursively, re-adding the
    /// watch of a root that was removed and created again, and watches each
    /// root's parent so that its removal and return are seen. Returns true
    /// when a root watched before was watched again: notify can still lose
    /// that watch ([`Watcher::rewatch`]). A root's first watch cannot.
    pub fn ensure(&mut self, roots: &Roots) -> Result<bool, WatchError> {
        self.folders
            .store(Arc::new(roots.folders().map(Path::to_owned).collect()));
        let mut added = false;
        for root in roots.folders() {
            let identity = folder_identity(root);
            let current = self.watched.iter().position(|(p, _)| p == root);
            if let Some(i) = current {
                if self.watched[i].1 == identity {
                    continue;
                }
                if self.watched[i].1.is_some() && identity.is_some() {
                    // A replaced folder: its old watch may still be registered.
                    let _ = self.inner.unwatch(root);
                }
                self.watched.remove(i);
            }
            self.root_changes += 1;
            if let Some(parent) = root.parent().filter(|p| p.is_dir()) {
                let _ = self.inner.watch(parent, RecursiveMode::NonRecursive);
            }
            if identity.is_some() {
                self.inner
                    .watch(root, RecursiveMode::Recursive)
                    .map_err(|e| watch_error(root, e))?;
                let first = self.ever_watched.insert(root.to_owned());
                added |= !first;
            }
            self.watched.push((root.to_owned(), identity));
        }
        Ok(added)
    }

    /// Makes sure of the watch of every folder among `paths` that lies
    /// inside a root, before the ingest walks it. notify adds its watch of
    /// a new folder only after it has passed on the events read with the
    /// one that announced it: a walk made on that event could miss a file
    /// moved in before the watch existed, and no event would tell of it.
    /// Once this returns, each folder's watch exists (notify merges it
    /// with its own). Folders already gone are skipped; running out of
    /// watches is the one error returned.
    pub fn watch_new_folders<'a>(
        &mut self,
        paths: impl IntoIterator<Item = &'a PathBuf>,
    ) -> Result<(), WatchError> {
        for path in paths {
            let inside = self
                .watched
                .iter()
                .any(|(root, _)| path != root && path.starts_with(root));
            let folder = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
            if !inside || !folder {
                continue;
            }
            if let Err(e) = self.inner.watch(path, RecursiveMode::Recursive)
                && let exhausted @ WatchError::TooManyWatches { .. } = watch_error(path, e)
            {
                return Err(exhausted);
            }
        }
        Ok(())
    }

    /// Watches every existing root afresh. A root removed and created again
    /// at once can lose its new watch to the old folder's late removal
    /// event inside notify; re-adding it a moment later closes that gap.
    pub fn rewatch(&mut self, roots: &Roots) -> Result<(), WatchError> {
        for root in roots.folders() {
            if folder_identity(root).is_some() {
                let _ = self.inner.unwatch(root);
                self.inner
                    .watch(root, RecursiveMode::Recursive)
                    .map_err(|e| watch_error(root, e))?;
            }
        }
        Ok(())
    }

    /// Forgets the watch of every root among `paths` (signals about a root
    /// itself: removed, created, renamed): the next [`Watcher::ensure`]
    /// watches it afresh. A folder created again can have the old one's
    /// inode number, so [`Watcher::roots_intact`] alone can miss it.
    /// Returns true when a root was among them.
    pub fn forget_roots<'a>(&mut self, paths: impl IntoIterator<Item = &'a PathBuf>) -> bool {
        let mut forgot = false;
        for path in paths {
            if let Some(i) = self.watched.iter().position(|(p, _)| p == path) {
                let _ = self.inner.unwatch(path);
                self.watched.remove(i);
                forgot = true;
            }
        }
        forgot
    }

    /// How many times [`Watcher::ensure`] has set up (or tried to) a root's
    /// watch. Only `ensure` counts: between two of its calls with nothing
    /// else done to the watcher (as at start-up), an unchanged count means
    /// the second found every root as the first left it.
    pub fn root_changes(&self) -> u64 {
        self.root_changes
    }

    /// True while every root is as it was when last ensured: the same
    /// folder, or still missing. A root that went, came back or was
    /// replaced calls for a walk (and a new watch).
    pub fn roots_intact(&self) -> bool {
        self.watched.iter().all(|(p, id)| folder_identity(p) == *id)
    }
}

/// A symlink, or a regular file with more than one name.
#[cfg(unix)]
fn is_link(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.file_type().is_symlink() || (m.is_file() && m.nlink() > 1))
}

#[cfg(not(unix))]
fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(unix)]
fn folder_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_dir())
        .map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn folder_identity(path: &Path) -> Option<(u64, u64)> {
    path.is_dir().then_some((0, 0))
}

fn watch_error(path: &Path, source: notify::Error) -> WatchError {
    let exhausted = matches!(&source.kind, notify::ErrorKind::MaxFilesWatch)
        || matches!(&source.kind, notify::ErrorKind::Io(e) if e.raw_os_error() == Some(28));
    if exhausted {
        WatchError::TooManyWatches {
            path: path.to_owned(),
        }
    } else {
        WatchError::Notify {
            path: path.to_owned(),
            source,
        }
    }
}

/// Turns one notify event into the signals the ingest acts on. Reads
/// (open, close without write) are dropped: pressfeed's own reads of a file
/// would raise them too, though the watcher does not ask for them.
pub fn translate(result: notify::Result<notify::Event>) -> Vec<Signal> {
    let event = match result {
        Ok(event) => event,
        Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => {
            let path = e.paths.first().cloned().unwrap_or_default();
            return vec![Signal::OutOfWatches(path)];
        }
        Err(e) => return vec![Signal::Rescan(format!("watcher error: {e}"))],
    };
    if event.need_rescan() {
        return vec![Signal::Rescan("the kernel's event queue overflowed".into())];
    }
    let paths = event.paths;
    match event.kind {
        // A symlink or a hard link is complete the moment it is created; a
        // new regular file is not, and is looked at once it is closed.
        EventKind::Create(CreateKind::File | CreateKind::Any | CreateKind::Other) => paths
            .into_iter()
            .map(|p| {
                if is_link(&p) {
                    Signal::Changed(p)
                } else {
                    Signal::Writing(p)
                }
            })
            .collect(),
        EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => {
            paths.into_iter().map(Signal::Writing).collect()
        }
        EventKind::Access(AccessKind::Close(AccessMode::Write))
        | EventKind::Create(CreateKind::Folder)
        | EventKind::Modify(ModifyKind::Name(RenameMode::Any)) => {
            paths.into_iter().map(Signal::Changed).collect()
        }
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => {
            paths.into_iter().map(Signal::RenamedTo).collect()
        }
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => {
            paths.into_iter().map(Signal::RenamedFrom).collect()
        }
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) if paths.len() == 2 => {
            let mut paths = paths.into_iter();
            match (paths.next(), paths.next()) {
                (Some(from), Some(to)) => vec![Signal::Renamed { from, to }],
                _ => Vec::new(),
            }
        }
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => {
            let mut signals = Vec::new();
            let mut paths = paths.into_iter();
            signals.extend(paths.next().map(Signal::Removed));
            signals.extend(paths.map(Signal::Changed));
            signals
        }
        EventKind::Remove(
            RemoveKind::Any | RemoveKind::File | RemoveKind::Folder | RemoveKind::Other,
        ) => paths.into_iter().map(Signal::Removed).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::Flag;

    fn event(kind: EventKind, paths: &[&str]) -> notify::Result<notify::Event> {
        let mut e = notify::Event::new(kind);
        for p in paths {
            e = e.add_path(PathBuf::from(p));
        }
        Ok(e)
    }

    #[test]
    fn close_after_write_and_renames_in_mean_changed() {
        assert_eq!(
            translate(event(
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                &["/r/a.txt"]
            )),
            [Signal::Changed("/r/a.txt".into())]
        );
        assert_eq!(
            translate(event(
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                &["/r/a.txt", "/r/b.txt"]
            )),
            [Signal::Renamed {
                from: "/r/a.txt".into(),
                to: "/r/b.txt".into()
            }]
        );
        assert_eq!(
            translate(event(
                EventKind::Modify(ModifyKind::Name(RenameMode::To)),
                &["/r/b.txt"]
            )),
            [Signal::RenamedTo("/r/b.txt".into())]
        );
        assert_eq!(
            translate(event(
                EventKind::Modify(ModifyKind::Name(RenameMode::From)),
                &["/r/a.txt"]
            )),
            [Signal::RenamedFrom("/r/a.txt".into())]
        );
    }

    #[test]
    fn a_rename_across_a_roots_edge_is_a_removal_or_an_arrival() {
        let roots = [PathBuf::from("/r")];
        let renamed = |from: &str, to: &str| Signal::Renamed {
            from: from.into(),
            to: to.into(),
        };
        assert_eq!(
            concerning(renamed("/r/a.txt", "/r/b/a.txt"), &roots),
            Some(renamed("/r/a.txt", "/r/b/a.txt"))
        );
        assert_eq!(
            concerning(renamed("/r/a.txt", "/tmp/a.txt"), &roots),
            Some(Signal::Removed("/r/a.txt".into()))
        );
        assert_eq!(
            concerning(renamed("/tmp/a.txt", "/r/a.txt"), &roots),
            Some(Signal::Changed("/r/a.txt".into()))
        );
        assert_eq!(concerning(renamed("/tmp/a", "/tmp/b"), &roots), None);
        assert_eq!(
            concerning(Signal::Changed("/rx/a.txt".into()), &roots),
            None
        );
        assert!(concerning(Signal::Rescan("overflow".into()), &roots).is_some());
    }

    #[test]
    fn creating_and_writing_a_file_mean_it_is_being_written() {
        assert_eq!(
            translate(event(
                EventKind::Modify(ModifyKind::Data(notify::event::DataChange::Any)),
                &["/r/a.txt"]
            )),
            [Signal::Writing("/r/a.txt".into())]
        );
        assert_eq!(
            translate(event(EventKind::Create(CreateKind::File), &["/r/a.txt"])),
            [Signal::Writing("/r/a.txt".into())]
        );
    }

    #[test]
    fn reads_are_ignored() {
        assert!(
            translate(event(
                EventKind::Access(AccessKind::Open(AccessMode::Any)),
                &["/r/a.txt"]
            ))
            .is_empty()
        );
        assert!(
            translate(event(
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
                &["/r/a.txt"]
            ))
            .is_empty()
        );
        assert!(
            translate(event(
                EventKind::Modify(ModifyKind::Metadata(notify::event::MetadataKind::Any)),
                &["/r/a.txt"]
            ))
            .is_empty()
        );
    }

    #[test]
    fn overflow_and_errors_mean_rescan() {
        let overflow = Ok(notify::Event::new(EventKind::Other).set_flag(Flag::Rescan));
        assert!(matches!(
            translate(overflow).as_slice(),
            [Signal::Rescan(_)]
        ));
        assert!(matches!(
            translate(Err(notify::Error::generic("boom"))).as_slice(),
            [Signal::Rescan(_)]
        ));
    }

    #[test]
    fn running_out_of_watches_names_the_folder() {
        let error = notify::Error::new(notify::ErrorKind::MaxFilesWatch).add_path("/r/new".into());
        assert_eq!(
            translate(Err(error)),
            [Signal::OutOfWatches("/r/new".into())]
        );
        let message = WatchError::TooManyWatches { path: "/r".into() }.to_string();
        assert!(
            message.contains("fs.inotify.max_user_watches") && message.contains("sysctl -w"),
            "{message}"
        );
    }
}
