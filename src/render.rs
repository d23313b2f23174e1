//! `pressfeed render --out DIR`: reconciles the folders with the store as
//! `serve` does at start, then writes every feed, the OPML, the index,
//! `/regions.json` and the release pages once. Each file is written to a
//! temporary name and renamed into place, so a web server never serves half
//! a file. The bytes are the ones `serve` would serve.

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

/// Renders everything into `out`; returns how many files were written.
pub fn render(config: Arc<Config>, out: &Path) -> Result<usize, RenderError> {
    let store = Store::open(&config.data)?;
    let mut ingest = Ingest::new(config.clone(), store, Arc::new(Metrics::new()))?;
    ingest.rescan_settled(false, std::time::Duration::from_secs(10))?;
    let snapshot = Arc::new(Snapshot::new(
        1,
        ingest.index().clone(),
        ingest.bodies().clone(),
    ));
    let published = Published::render(config.clone(), snapshot.clone());
    let mut written = 0;
    let mut write = |relative: &str, bytes: &[u8]| -> Result<(), RenderError> {
        write_atomically(&out.join(relative), bytes)?;
        written += 1;
        Ok(())
    };
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
                write(
                    &format!("feeds/{region}.{}", format.extension()),
                    &body.bytes(Coding::Identity),
                )?;
            }
        }
    }
    write("feeds.opml", &published.opml().bytes(Coding::Identity))?;
    write("index.html", &published.index().bytes(Coding::Identity))?;
    write("regions.json", &published.regions().bytes(Coding::Identity))?;
    // In slices: the records are read from the store a few at a time.
    let all: Vec<&Head> = snapshot.heads().map(|h| &**h).collect();
    for heads in all.chunks(RECORDS_AT_ONCE) {
        for entry in snapshot.load(heads) {
            let slug = crate::normalize::identity::slug_of(&entry.release.id);
            write(
                &format!("releases/{slug}"),
                feeds::render_release_page(&config, &entry).as_bytes(),
            )?;
            write(
                &format!("releases/{slug}.json"),
                &feeds::render_release_json(&config, &entry),
            )?;
        }
    }
    Ok(written)
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames
/// it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RenderError> {
    let fail = |source| RenderError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        use std::io::Write;
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(fail)
}
