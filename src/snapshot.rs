//! The immutable picture of every published release that readers (feeds,
//! HTTP) see. Ingest builds a new one after each committed change and swaps
//! it in atomically, so a reader never waits and never sees half a change.

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::Entry;

/// Every entry, newest first, with indexes by region and by id.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Increases with every change; part of every ETag.
    pub version: u64,
    entries: Vec<Arc<Entry>>,
    by_region: HashMap<String, Vec<usize>>,
    by_slug: HashMap<String, usize>,
}

impl Snapshot {
    /// Builds a snapshot; entries are sorted newest `published` first, ties
    /// broken by id so the order (and so every feed's bytes) is deterministic.
    pub fn new(version: u64, mut entries: Vec<Arc<Entry>>) -> Snapshot {
        entries.sort_by(|a, b| {
            b.published
                .cmp(&a.published)
                .then_with(|| a.release.id.cmp(&b.release.id))
        });
        let mut by_region: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_slug = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            by_region
                .entry(entry.release.region.clone())
                .or_default()
                .push(i);
            by_slug.insert(
                crate::normalize::identity::slug_of(&entry.release.id).to_owned(),
                i,
            );
        }
        Snapshot {
            version,
            entries,
            by_region,
            by_slug,
        }
    }

    /// Every entry, newest first.
    pub fn entries(&self) -> &[Arc<Entry>] {
        &self.entries
    }

    /// The entries of one region, newest first; `None` means every region.
    pub fn region(&self, slug: Option<&str>) -> Box<dyn Iterator<Item = &Arc<Entry>> + '_> {
        match slug {
            None => Box::new(self.entries.iter()),
            Some(slug) => Box::new(
                self.by_region
                    .get(slug)
                    .into_iter()
                    .flatten()
                    .map(|&i| &self.entries[i]),
            ),
        }
    }

    /// How many entries a region has.
    pub fn count(&self, slug: &str) -> usize {
        self.by_region.get(slug).map_or(0, Vec::len)
    }

    /// The entry whose id ends in `slug` (the part after the tag prefix).
    pub fn by_slug(&self, slug: &str) -> Option<&Arc<Entry>> {
        self.by_slug.get(slug).map(|&i| &self.entries[i])
    }
}
