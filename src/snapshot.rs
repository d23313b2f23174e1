//! The immutable picture of every published release that readers (feeds,
//! HTTP) see. Ingest builds a new one after each committed change and swaps
//! it in atomically, so a reader never waits and never sees half a change.
//! It holds each release's [`Head`]; the full records come from
//! [`Bodies`] for the few entries a feed or page shows.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{Entry, Head};
use crate::store::Bodies;

/// Every release's head, newest first, with indexes by region and by id.
#[derive(Debug)]
pub struct Snapshot {
    /// Increases with every change; part of every ETag.
    pub version: u64,
    entries: Vec<Arc<Head>>,
    by_region: HashMap<String, Vec<u32>>,
    by_slug: HashMap<String, u32>,
    bodies: Arc<Bodies>,
}

impl Snapshot {
    /// Builds a snapshot; heads are sorted newest `published` first, ties
    /// broken by id so the order (and so every feed's bytes) is deterministic.
    pub fn new(version: u64, mut entries: Vec<Arc<Head>>, bodies: Arc<Bodies>) -> Snapshot {
        entries
            .sort_unstable_by(|a, b| b.published.cmp(&a.published).then_with(|| a.id.cmp(&b.id)));
        let mut by_region: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_slug = HashMap::with_capacity(entries.len());
        for (i, head) in entries.iter().enumerate() {
            // A snapshot of more than 4 billion releases is not a concern.
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            match by_region.get_mut(&head.region) {
                Some(list) => list.push(i),
                None => {
                    by_region.insert(head.region.clone(), vec![i]);
                }
            }
            by_slug.insert(crate::normalize::identity::slug_of(&head.id).to_owned(), i);
        }
        Snapshot {
            version,
            entries,
            by_region,
            by_slug,
            bodies,
        }
    }

    /// A snapshot of full entries held in memory (tests, tools).
    pub fn of_entries(version: u64, entries: Vec<Entry>) -> Snapshot {
        let bodies = Arc::new(Bodies::in_memory());
        let heads = entries
            .into_iter()
            .map(|e| {
                let head = Arc::new(e.head());
                bodies.remember(Arc::new(e));
                head
            })
            .collect();
        Snapshot::new(version, heads, bodies)
    }

    /// Every head, newest first.
    pub fn entries(&self) -> &[Arc<Head>] {
        &self.entries
    }

    /// The heads of one region, newest first; `None` means every region.
    pub fn region(&self, slug: Option<&str>) -> Box<dyn Iterator<Item = &Arc<Head>> + '_> {
        match slug {
            None => Box::new(self.entries.iter()),
            Some(slug) => Box::new(
                self.by_region
                    .get(slug)
                    .into_iter()
                    .flatten()
                    .map(|&i| &self.entries[i as usize]),
            ),
        }
    }

    /// How many entries a region has.
    pub fn count(&self, slug: &str) -> usize {
        self.by_region.get(slug).map_or(0, Vec::len)
    }

    /// The newest `updated` of a region (`None`: every region).
    pub fn newest(&self, slug: Option<&str>) -> Option<DateTime<Utc>> {
        self.region(slug).map(|h| h.updated).max()
    }

    /// The head whose id ends in `slug` (the part after the tag prefix).
    pub fn by_slug(&self, slug: &str) -> Option<&Arc<Head>> {
        self.by_slug.get(slug).map(|&i| &self.entries[i as usize])
    }

    /// The full entries of `heads`, in order (a release removed since this
    /// snapshot was taken is left out).
    pub fn load(&self, heads: &[&Head]) -> Vec<Arc<Entry>> {
        self.bodies.load(heads)
    }
}
