//! The watched folders and a full walk of them. A walk is the ground truth:
//! start-up, a queue overflow and a recreated folder all end in one, and the
//! ingest reconciles the store against what it finds.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use super::filter::{self, Kind};

/// The watched folders, as configured and as resolved on disk.
#[derive(Debug, Clone)]
pub struct Roots {
    roots: Vec<Root>,
}

#[derive(Debug, Clone)]
struct Root {
    configured: PathBuf,
    /// Prefix of every key under this root: empty with a single root, else
    /// the folder's own name, so two roots never give the same key.
    prefix: String,
}

/// A release file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The file's key: its path inside the watched folder, `/`-separated.
    /// The store's file state and the ingest's tables share it.
    pub key: Arc<str>,
    /// Where to read it.
    pub path: PathBuf,
    /// The region slug candidate: the key's first folder, if it has one.
    pub first_folder: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch.
    pub mtime_ns: i64,
}

impl Roots {
    /// The configured watch folders (they may not exist yet).
    pub fn new(folders: &[PathBuf]) -> Roots {
        let single = folders.len() == 1;
        let roots = folders
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let name = f
                    .file_name()
                    .map_or_else(|| format!("watch{i}"), |n| n.to_string_lossy().into_owned());
                Root {
                    configured: f.clone(),
                    prefix: if single {
                        String::new()
                    } else {
                        format!("{name}/")
                    },
                }
            })
            .collect();
        Roots { roots }
    }

    /// The configured folders.
    pub fn folders(&self) -> impl Iterator<Item = &Path> {
        self.roots.iter().map(|r| r.configured.as_path())
    }

    /// The canonical form of each existing root, with its index.
    fn resolved(&self) -> Vec<(usize, PathBuf)> {
        self.roots
            .iter()
            .enumerate()
            .filter_map(|(i, r)| std::fs::canonicalize(&r.configured).ok().map(|c| (i, c)))
            .collect()
    }

    /// The key of `path` if it lies under a root and is not ignored, with the
    /// canonical root it lies under.
    pub fn key_of(&self, path: &Path) -> Option<(String, PathBuf)> {
        for (i, root) in self.resolved() {
            let relative = path.strip_prefix(&root).ok().or_else(|| {
                let configured = &self.roots[i].configured;
                path.strip_prefix(configured).ok()
            });
            let Some(relative) = relative else { continue };
            if relative.as_os_str().is_empty() || filter::is_ignored_path(relative) {
                return None;
            }
            return Some((format!("{}{}", self.roots[i].prefix, join(relative)?), root));
        }
        None
    }

    /// The root prefix `key` starts with.
    fn prefix_of(&self, key: &str) -> &str {
        self.roots
            .iter()
            .map(|r| r.prefix.as_str())
            .filter(|p| key.starts_with(p))
            .max_by_key(|p| p.len())
            .unwrap_or("")
    }

    /// Looks at one path: the file it names, if it is a release file now.
    pub fn inspect(&self, path: &Path) -> Option<Found> {
        let (key, root) = self.key_of(path)?;
        let prefix = self.prefix_of(&key);
        (filter::classify(path, &root) == Kind::File).then(|| found(key, prefix, path))?
    }

    /// The file at `key`, if it is still a release file.
    pub fn find(&self, key: &str) -> Option<Found> {
        self.resolved().into_iter().find_map(|(i, root)| {
            let rest = key.strip_prefix(self.roots[i].prefix.as_str())?;
            let prefix = self.roots[i].prefix.as_str();
            let literal = rest.split('/').fold(root.clone(), |p, part| p.join(part));
            // A key with `%XX` in it may stand for a name that is not UTF-8:
            // the name whose own key it is.
            let raw = (key.contains('%')
                && rest
                    .split('/')
                    .all(|part| name_key(&name_of_key(part)) == part))
            .then(|| {
                rest.split('/')
                    .fold(root.clone(), |p, part| p.join(name_of_key(part)))
            });
            std::iter::once(literal).chain(raw).find_map(|path| {
                (filter::classify(&path, &root) == Kind::File)
                    .then(|| found(key.to_owned(), prefix, &path))?
            })
        })
    }

    /// Walks every root (or only `under`, when given) and returns every
    /// release file, sorted by key. A folder that cannot be listed is
    /// skipped, except for lack of file descriptors: then the walk stops
    /// with that error, since what it would return is not what is there.
    pub fn walk(&self, under: Option<&Path>) -> std::io::Result<Vec<Found>> {
        let mut out = Vec::new();
        for (i, root) in self.resolved() {
            let start = match under {
                Some(dir)
                    if dir.starts_with(&root) || dir.starts_with(&self.roots[i].configured) =>
                {
                    dir.to_owned()
                }
                Some(_) => continue,
                None => root.clone(),
            };
            walk_root(&root, &start, &self.roots[i].prefix, &mut out)?;
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out.dedup_by(|a, b| a.key == b.key);
        Ok(out)
    }
}

fn walk_root(root: &Path, start: &Path, prefix: &str, out: &mut Vec<Found>) -> std::io::Result<()> {
    let mut stack = vec![start.to_owned()];
    let mut seen = HashSet::new();
    while let Some(dir) = stack.pop() {
        // Symlinked folders inside the root can form loops.
        if !std::fs::canonicalize(&dir).is_ok_and(|c| seen.insert(c)) {
            continue;
        }
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if crate::limits::is_out_of_files(&e) => return Err(e),
            Err(_) => continue,
        };
        for entry in entries.flatten() {
            if filter::is_ignored_name(&entry.file_name().to_string_lossy()) {
                continue;
            }
            let path = entry.path();
            // The folder listing says what most entries are, so only
            // symlinks (and the odd file system that does not say) cost a
            // lookup of the whole path; a plain file's metadata is read
            // relative to its open folder.
            let plain = entry.file_type().ok().filter(|t| t.is_file() || t.is_dir());
            let kind = match plain {
                Some(t) if t.is_dir() => Kind::Folder,
                Some(_) => Kind::File,
                None => filter::classify(&path, root),
            };
            match kind {
                Kind::Folder => stack.push(path),
                Kind::File => {
                    let relative = path
                        .strip_prefix(root)
                        .ok()
                        .or_else(|| path.strip_prefix(start).ok());
                    let Some(key) = relative.and_then(join) else {
                        continue;
                    };
                    let meta = match plain {
                        Some(_) => entry.metadata(),
                        None => std::fs::metadata(&path),
                    };
                    if let Ok(meta) = meta {
                        out.push(found_with(format!("{prefix}{key}"), prefix, &path, &meta));
                    }
                }
                Kind::Other => {}
            }
        }
    }
    Ok(())
}

/// A file's modification time in nanoseconds since the epoch (0 when the
/// system gives none).
pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// `prefix` is the root's part of `key`: the region folder is the first
/// folder inside the root, not the root's own name.
fn found(key: String, prefix: &str, path: &Path) -> Option<Found> {
    let meta = std::fs::metadata(path).ok()?;
    Some(found_with(key, prefix, path, &meta))
}

/// [`found`] with the file's metadata already read.
fn found_with(key: String, prefix: &str, path: &Path, meta: &std::fs::Metadata) -> Found {
    let mtime_ns = mtime_ns(meta);
    let first_folder = key
        .strip_prefix(prefix)
        .and_then(|inside| inside.split_once('/'))
        .map(|(first, _)| first.to_owned());
    Found {
        key: key.into(),
        path: path.to_owned(),
        first_folder,
        size: meta.len(),
        mtime_ns,
    }
}

/// `/`-joined normal components. A name that is not UTF-8 keeps its
/// invalid bytes as `%XX`, so it still has a key of its own.
fn join(relative: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in relative.components() {
        match c {
            Component::Normal(p) => parts.push(name_key(p)),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The file name a key part stands for when it was not UTF-8: `%XX`
/// turned back into bytes (the inverse of [`name_key`]).
fn name_of_key(part: &str) -> std::ffi::OsString {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        let bytes = part.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) if bytes[i] == b'%' => {
                    out.push(b);
                    i += 3;
                }
                _ => {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
        }
        std::ffi::OsString::from_vec(out)
    }
    #[cfg(not(unix))]
    std::ffi::OsString::from(part)
}

fn name_key(name: &std::ffi::OsStr) -> String {
    if let Some(s) = name.to_str() {
        return s.to_owned();
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    name.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walked_keys(roots: &Roots) -> Vec<String> {
        let found = roots.walk(None).expect("walk");
        found.into_iter().map(|f| f.key.to_string()).collect()
    }

    #[test]
    fn walk_finds_release_files_and_skips_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("south-america/2024")).expect("mkdir");
        std::fs::create_dir_all(root.join(".git")).expect("mkdir");
        for f in [
            "a.txt",
            "south-america/2024/b.md",
            ".git/c.txt",
            "d.txt~",
            "e.swp",
        ] {
            std::fs::write(root.join(f), "x").expect("write");
        }
        let roots = Roots::new(&[root.to_owned()]);
        let keys = walked_keys(&roots);
        assert_eq!(keys, ["a.txt", "south-america/2024/b.md"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_is_found_again_by_its_key() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let odd = std::ffi::OsStr::from_bytes(b"odd-\xff-100%.txt");
        std::fs::write(dir.path().join(odd), "x").expect("write");
        std::fs::write(dir.path().join("plain-%41.txt"), "x").expect("write");
        let roots = Roots::new(&[dir.path().to_owned()]);
        let keys = walked_keys(&roots);
        assert_eq!(keys, ["odd-%FF-100%.txt", "plain-%41.txt"]);
        for key in &keys {
            let found = roots.find(key).expect("found by its key");
            assert_eq!(&*found.key, key);
        }
        assert!(roots.find("plain-A.txt").is_none());
    }

    #[test]
    fn keys_carry_the_folder_name_with_several_roots() {
        let a = tempfile::tempdir().expect("tempdir");
        let b = tempfile::tempdir().expect("tempdir");
        std::fs::write(a.path().join("x.txt"), "x").expect("write");
        std::fs::write(b.path().join("x.txt"), "x").expect("write");
        let roots = Roots::new(&[a.path().to_owned(), b.path().to_owned()]);
        assert_eq!(roots.walk(None).expect("walk").len(), 2);
    }

    #[test]
    fn the_region_folder_is_the_first_folder_inside_its_root() {
        let a = tempfile::tempdir().expect("tempdir");
        let b = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(a.path().join("south-america/2024")).expect("mkdir");
        let file = a.path().join("south-america/2024/x.txt");
        std::fs::write(&file, "x").expect("write");
        std::fs::write(b.path().join("y.txt"), "y").expect("write");
        for folders in [
            vec![a.path().to_owned()],
            vec![a.path().to_owned(), b.path().to_owned()],
        ] {
            let roots = Roots::new(&folders);
            let walked: Vec<Option<String>> = roots
                .walk(None)
                .expect("walk")
                .into_iter()
                .map(|f| f.first_folder)
                .collect();
            assert!(walked.contains(&Some("south-america".into())), "{walked:?}");
            assert!(
                walked.iter().filter(|f| f.is_some()).count() == 1,
                "{walked:?}"
            );
            let inspected = roots.inspect(&file).expect("a release file");
            assert_eq!(inspected.first_folder.as_deref(), Some("south-america"));
            let found = roots.find(&inspected.key).expect("found by key");
            assert_eq!(found.first_folder.as_deref(), Some("south-america"));
        }
    }

    #[test]
    fn inspect_follows_the_filter() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.txt"), "x").expect("write");
        let roots = Roots::new(&[dir.path().to_owned()]);
        let root = std::fs::canonicalize(dir.path()).expect("canonical");
        assert_eq!(
            roots.inspect(&root.join("a.txt")).map(|f| f.key).as_deref(),
            Some("a.txt")
        );
        assert_eq!(roots.inspect(&root.join("missing.txt")), None);
        assert_eq!(roots.inspect(&root.join(".a.txt")), None);
    }
}
