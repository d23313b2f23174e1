//! Stable release ids. An id comes from where the file lives (its path
//! relative to the watch folder), never from its title or content, so an
//! edit, a restart or a rebuilt store gives the same id.

use sha2::{Digest, Sha256};

/// The `tag:` URI (RFC 4151) prefix of every release id.
pub const TAG_PREFIX: &str = "tag:pressfeed,2026:release/";

/// The id of the release at `key` (its `/`-separated path in the watch folder).
pub fn release_id(key: &str) -> String {
    format!("{TAG_PREFIX}{}", slug(key))
}

/// The short, URL-safe part of an id: 20 hex digits of SHA-256 of the key.
pub fn slug(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().take(10).map(|b| format!("{b:02x}")).collect()
}

/// The short part of a full id, for `/releases/{slug}` links.
pub fn slug_of(id: &str) -> &str {
    id.strip_prefix(TAG_PREFIX).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_depend_on_the_path_only() {
        assert_eq!(release_id("a/b.txt"), release_id("a/b.txt"));
        assert_ne!(release_id("a/b.txt"), release_id("a/c.txt"));
        assert!(release_id("a/b.txt").starts_with("tag:pressfeed,2026:release/"));
        assert_eq!(slug_of(&release_id("x")).len(), 20);
    }
}
