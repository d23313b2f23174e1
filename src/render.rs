//! `pressfeed render --out DIR`: reconciles the folders with the store as
//! `serve` does at start, then writes every feed, the OPML, the index,
//! `/regions.json` and the release pages once. Each file is written to a
//! temporary name and renamed into place once all are on disk, so a web
//! server never serves half a file. The bytes are the ones `serve` would
//! serve.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::feeds::{self, FeedFormat};
use crate::ingest::Ingest;
use crate::metrics::Metrics;
use crate::model::Head;
use crate::publish::{Coding, Published};
use crate::snapshot::Snapshot;
use crate::store::{Store, StoreError};

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
}

/// How many release records are read and written out at a time.
const RECORDS_AT_ONCE: usize = 256;

/// What a render did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendered {
    /// Files written (new or changed).
    pub written: usize,
    /// Files that already held their bytes and were left as they were.
    pub unchanged: usize,
}

/// Renders everything into `out`.
pub fn render(config: Arc<Config>, out: &Path) -> Result<Rendered, RenderError> {
    let store = Store::open(&config.data)?;
    let mut ingest = Ingest::new(config.clone(), store, Arc::new(Metrics::new()))?;
    ingest.rescan_settled(None, false, std::time::Duration::from_secs(10))?;
    let snapshot = Arc::new(Snapshot::new(
        1,
        ingest.index().clone(),
        ingest.bodies().clone(),
    ));
    let published = Published::render(config.clone(), snapshot.clone());
    let mut staged = Staged::new(out);
    // Release pages first: they are renamed into place before the feeds
    // and the index that link to them.
    let all: Vec<&Head> = snapshot.heads().map(|h| &**h).collect();
    // In slices: the records are read from the store a few at a time.
    for heads in all.chunks(RECORDS_AT_ONCE) {
        for entry in snapshot.load(heads) {
            let slug = crate::normalize::identity::slug_of(&entry.release.id);
            staged.write(
                &format!("releases/{slug}"),
                feeds::render_release_page(&config, &entry).as_bytes(),
            )?;
            staged.write(
                &format!("releases/{slug}.json"),
                &feeds::render_release_json(&config, &entry),
            )?;
        }
    }
    let regions = std::iter::once("all").chain(
        config
            .rules
            .taxonomy
            .regions()
            .iter()
            .map(|r| r.slug.as_str()),
    );
    for region in regions {
        for format in [FeedFormat::Atom, FeedFormat::Rss, FeedFormat::Json] {
            if let Some(body) = published.feed(region, format) {
                staged.write(
                    &format!("feeds/{region}.{}", format.extension()),
                    &body.bytes(Coding::Identity),
                )?;
            }
        }
    }
    staged.write("feeds.opml", &published.opml().bytes(Coding::Identity))?;
    staged.write("regions.json", &published.regions().bytes(Coding::Identity))?;
    staged.write("index.html", &published.index().bytes(Coding::Identity))?;
    staged.commit()
}

/// Files written under temporary names beside their places, and moved into
/// them together once every byte is on disk: one flush of the filesystem
/// for the lot instead of one per file (which made rendering ten thousand
/// releases take seconds per thousand files), and each file still appears
/// whole or not at all. Whatever is not committed is removed when dropped.
struct Staged {
    out: PathBuf,
    /// Temporary and final paths, in the order written.
    files: Vec<(PathBuf, PathBuf)>,
    /// Files that already held their bytes.
    unchanged: usize,
    /// The folders they go into, made once each.
    folders: std::collections::BTreeSet<PathBuf>,
}

impl Staged {
    fn new(out: &Path) -> Staged {
        Staged {
            out: out.to_owned(),
            files: Vec::new(),
            unchanged: 0,
            folders: std::collections::BTreeSet::new(),
        }
    }

    /// Writes `bytes` for `relative` (under the output folder) to a
    /// temporary file beside it.
    fn write(&mut self, relative: &str, bytes: &[u8]) -> Result<(), RenderError> {
        let path = self.out.join(relative);
        let fail = |source| RenderError::Write {
            path: path.clone(),
            source,
        };
        let folder = path.parent().unwrap_or(Path::new(".")).to_owned();
        if !self.folders.contains(&folder) {
            std::fs::create_dir_all(&folder).map_err(fail)?;
            self.folders.insert(folder);
        }
        if holds(&path, bytes) {
            // Rendering again: a file already as it should be is left alone
            // (and keeps its modification time for web servers and caches).
            self.unchanged += 1;
            return Ok(());
        }
        let temporary = temporary_beside(&path);
        if let Err(e) = std::fs::write(&temporary, bytes) {
            let _ = std::fs::remove_file(&temporary);
            return Err(fail(e));
        }
        self.files.push((temporary, path));
        Ok(())
    }

    /// Puts the bytes on disk, renames every file into place in the order
    /// written, and makes the renames durable.
    fn commit(mut self) -> Result<Rendered, RenderError> {
        sync_written(&self.out, &self.files)?;
        let files = std::mem::take(&mut self.files);
        for (renamed, (temporary, path)) in files.iter().enumerate() {
            if let Err(source) = std::fs::rename(temporary, path) {
                // Those not renamed are still temporary: dropped, removed.
                self.files = files[renamed..].to_vec();
                return Err(RenderError::Write {
                    path: path.clone(),
                    source,
                });
            }
        }
        for folder in &self.folders {
            sync_path(folder)?;
        }
        Ok(Rendered {
            written: files.len(),
            unchanged: self.unchanged,
        })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (temporary, _) in &self.files {
            let _ = std::fs::remove_file(temporary);
        }
    }
}

/// Does the file at `path` hold exactly `bytes`?
fn holds(path: &Path, bytes: &[u8]) -> bool {
    let same_size =
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    same_size && std::fs::read(path).is_ok_and(|old| old == bytes)
}

/// A name beside `path` that no web server serves (dot-prefixed) and no
/// other render running at once uses (the process id).
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Flushes the written files to disk: on Linux one `syncfs` of the output
/// folder's filesystem, elsewhere an fsync of each file.
fn sync_written(out: &Path, files: &[(PathBuf, PathBuf)]) -> Result<(), RenderError> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::fd::AsRawFd;
        let _ = files;
        let folder = std::fs::File::open(out).map_err(|source| RenderError::Write {
            path: out.to_owned(),
            source,
        })?;
        // SAFETY: syncfs only reads the descriptor, which `folder` keeps
        // open for the call.
        if unsafe { libc::syncfs(folder.as_raw_fd()) } != 0 {
            return Err(RenderError::Write {
                path: out.to_owned(),
                source: std::io::Error::last_os_error(),
            });
        }
        Ok(())
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        let _ = out;
        files
            .iter()
            .try_for_each(|(temporary, _)| sync_path(temporary))
    }
}

/// fsync of a file or a folder (a folder's, to make renames in it durable).
fn sync_path(path: &Path) -> Result<(), RenderError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|source| RenderError::Write {
            path: path.to_owned(),
            source,
        })
}
