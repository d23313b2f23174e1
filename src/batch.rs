//! `pressfeed normalize`: reads files from disk, learns the template lines
//! they share folder by folder, and normalizes each exactly as the daemon
//! would, printing one JSON object per line.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::config::Config;
use crate::model::{Contact, Release};
use crate::normalize::{self, Format, LearnedTemplates, Refusal, Source};

/// Why one file of a batch gave no record.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Read(#[from] std::io::Error),
    /// The normalizer refused it.
    #[error("{0}")]
    Refused(#[from] Refusal),
}

/// One file of a batch, located relative to the watch folders.
#[derive(Debug, Clone)]
pub struct Located {
    /// The path as given.
    pub path: PathBuf,
    /// The release key: path inside its watch folder, else the full path.
    pub key: String,
    /// The region slug its folder names, if any.
    pub region_folder: Option<String>,
}

/// Works out a file's key and region folder from the configured watch folders.
pub fn locate_file(path: &Path, config: &Config) -> Located {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let inside = config.watch.iter().find_map(|root| {
        let root = std::fs::canonicalize(root).ok()?;
        absolute.strip_prefix(&root).ok().map(Path::to_owned)
    });
    let (key, region_dir) = match &inside {
        Some(relative) => {
            let parts = path_parts(relative);
            let region = (parts.len() >= 2).then(|| parts[0].clone());
            (parts.join("/"), region)
        }
        None => {
            let parent = absolute
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned());
            (path_parts(&absolute).join("/"), parent)
        }
    };
    let region_folder = region_dir.filter(|r| config.rules.taxonomy.region(r).is_some());
    Located {
        path: path.to_owned(),
        key,
        region_folder,
    }
}

fn path_parts(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// Normalizes `paths` as one batch; calls `emit` for each file in order.
pub fn normalize_files(
    paths: &[PathBuf],
    config: &Config,
    mut emit: impl FnMut(&Located, Result<Release, FileError>),
) {
    let rules = &config.rules;
    let files: Vec<(Located, Result<String, FileError>)> = paths
        .iter()
        .map(|p| {
            let located = locate_file(p, config);
            let text = std::fs::read(p)
                .map_err(FileError::from)
                .and_then(|bytes| normalize::read_text(&bytes, rules).map_err(FileError::from));
            (located, text)
        })
        .collect();
    let mut learned = LearnedTemplates::default();
    for (located, text) in &files {
        if let (Ok(text), Format::Text) = (text, Format::of(&located.path)) {
            learned.add_file(folder_of(&located.key), text);
        }
    }
    for (located, text) in files {
        let result = text.and_then(|text| {
            let source = Source {
                key: &located.key,
                format: Format::of(&located.path),
                region_folder: located.region_folder.as_deref(),
                bytes: &[],
            };
            normalize::normalize_text(&text, &source, rules, &learned).map_err(FileError::from)
        });
        emit(&located, result);
    }
}

fn folder_of(key: &str) -> &str {
    key.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// The JSON line `pressfeed normalize` prints for one release.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    path: String,
    id: &'a str,
    title: &'a str,
    summary: &'a str,
    paragraphs: &'a [String],
    region: &'a str,
    region_name: Option<&'a str>,
    country: Option<&'a str>,
    country_name: Option<&'a str>,
    contact: Option<&'a Contact>,
    author: Option<&'a str>,
    published: Option<String>,
    region_source: &'a str,
    country_source: Option<&'a str>,
    confidence: f32,
}

impl<'a> Record<'a> {
    /// Pairs a release with the names its codes stand for.
    pub fn new(path: &Path, release: &'a Release, config: &'a Config) -> Record<'a> {
        let taxonomy = &config.rules.taxonomy;
        Record {
            path: path.display().to_string(),
            id: &release.id,
            title: &release.title,
            summary: &release.summary,
            paragraphs: &release.paragraphs,
            region: &release.region,
            region_name: taxonomy.region(&release.region).map(|r| r.name.as_str()),
            country: release.country.as_deref(),
            country_name: release
                .country
                .as_deref()
                .and_then(|c| taxonomy.country(c))
                .map(|c| c.name.as_str()),
            contact: release.contact.as_ref(),
            author: release.author.as_deref(),
            published: release.published.map(|d| d.to_rfc3339()),
            region_source: &release.location.region_source,
            country_source: release.location.country_source.as_deref(),
            confidence: release.location.confidence,
        }
    }
}

/// Runs `pressfeed normalize`: JSON lines on `out`, one line per refused
/// file on `err`. Returns how many files were refused.
pub fn run(
    paths: &[PathBuf],
    config: &Config,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<usize> {
    let mut refused = 0;
    let mut failure = None;
    normalize_files(paths, config, |located, result| {
        if failure.is_some() {
            return;
        }
        let written = match result {
            Ok(release) => {
                serde_json::to_writer(&mut *out, &Record::new(&located.path, &release, config))
                    .map_err(std::io::Error::from)
                    .and_then(|()| out.write_all(b"\n"))
            }
            Err(e) => {
                refused += 1;
                writeln!(err, "pressfeed: refused {}: {e}", located.path.display())
            }
        };
        failure = written.err();
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(refused),
    }
}
