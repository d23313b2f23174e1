//! Which paths count as release files (SPEC §1): hidden names, editor and
//! download temporaries are ignored silently; so is anything that is not a
//! regular file, and symlinks whose target leaves the watched folder.

use std::path::Path;

/// Suffixes of files still being written or saved by some program.
const TEMPORARY_SUFFIXES: [&str; 7] = [
    "~",
    ".swp",
    ".swx",
    ".tmp",
    ".part",
    ".crdownload",
    ".partial",
];

/// Is this file name one pressfeed ignores?
pub fn is_ignored_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.is_empty()
        || name.starts_with('.')
        || (name.starts_with('#') && name.ends_with('#'))
        || TEMPORARY_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// Is any component of this relative path ignored (a hidden folder, say)?
pub fn is_ignored_path(relative: &Path) -> bool {
    relative.components().any(|c| match c {
        std::path::Component::Normal(name) => is_ignored_name(&name.to_string_lossy()),
        _ => true,
    })
}

/// What a path on disk is, once symlinks inside the root are followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (or a symlink to one inside the root).
    File,
    /// A folder (or a symlink to one inside the root).
    Folder,
    /// Gone, not regular, or a symlink leaving the root.
    Other,
}

/// Classifies `path`, following a symlink only when its target stays inside
/// `root` (which must be canonical).
pub fn classify(path: &Path, root: &Path) -> Kind {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Kind::Other;
    };
    let meta = if meta.file_type().is_symlink() {
        let inside = std::fs::canonicalize(path).is_ok_and(|target| target.starts_with(root));
        match (inside, std::fs::metadata(path)) {
            (true, Ok(m)) => m,
            _ => return Kind::Other,
        }
    } else {
        meta
    };
    if meta.is_file() {
        Kind::File
    } else if meta.is_dir() {
        Kind::Folder
    } else {
        Kind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_hidden_and_temporary_names() {
        for name in [
            ".hidden.txt",
            "draft.txt~",
            "#draft.txt#",
            "a.swp",
            "a.SWX",
            "a.tmp",
            "a.part",
            "a.crdownload",
        ] {
            assert!(is_ignored_name(name), "{name}");
        }
        for name in ["release.txt", "release", "notes.md", "page.html", "a#b.txt"] {
            assert!(!is_ignored_name(name), "{name}");
        }
    }

    #[test]
    fn hidden_folders_hide_their_files() {
        assert!(is_ignored_path(Path::new(".git/x.txt")));
        assert!(!is_ignored_path(Path::new("south-america/x.txt")));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_only_inside_the_root() {
        let root = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        let root_path = std::fs::canonicalize(root.path()).expect("canonical");
        std::fs::write(root_path.join("real.txt"), "x").expect("write");
        std::fs::write(outside.path().join("secret.txt"), "x").expect("write");
        std::os::unix::fs::symlink(root_path.join("real.txt"), root_path.join("inside.txt"))
            .expect("link");
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            root_path.join("leaves.txt"),
        )
        .expect("link");
        assert_eq!(
            classify(&root_path.join("inside.txt"), &root_path),
            Kind::File
        );
        assert_eq!(
            classify(&root_path.join("leaves.txt"), &root_path),
            Kind::Other
        );
        assert_eq!(
            classify(&root_path.join("missing.txt"), &root_path),
            Kind::Other
        );
        assert_eq!(classify(&root_path, &root_path), Kind::Folder);
    }
}
