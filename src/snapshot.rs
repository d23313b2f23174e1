//! The immutable picture of every published release that readers (feeds,
//! HTTP) see. The ingest keeps an [`Index`] of every release's [`Head`] up
//! to date change by change; after each committed batch it takes a copy
//! (persistent maps: a copy is a few pointers, however many releases
//! there are) into a new snapshot and swaps it in atomically, so a reader
//! never waits and never sees half a change. Full records come from
//! [`Bodies`] for the few entries a feed or page shows.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use imbl::{HashMap, OrdSet};

use crate::model::{Entry, Head};
use crate::normalize::identity::slug_of;
use crate::store::Bodies;

/// A head ordered as feeds list releases: newest `published` first, ties
/// by id, so the order (and every feed's bytes) is deterministic.
#[derive(Debug, Clone)]
struct Newest(Arc<Head>);

impl Ord for Newest {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .published
            .cmp(&self.0.published)
            .then_with(|| self.0.id.cmp(&other.0.id))
    }
}

impl PartialOrd for Newest {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Newest {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Newest {}

/// A head ordered by `updated`, oldest first, ties by id.
#[derive(Debug, Clone)]
struct ByUpdated(Arc<Head>);

impl Ord for ByUpdated {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .updated
            .cmp(&other.0.updated)
            .then_with(|| self.0.id.cmp(&other.0.id))
    }
}

impl PartialOrd for ByUpdated {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ByUpdated {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ByUpdated {}

/// One ordering of a set of releases, with its newest update.
#[derive(Debug, Clone, Default)]
struct Listing {
    newest: OrdSet<Newest>,
    updated: OrdSet<ByUpdated>,
}

impl Listing {
    fn insert(&mut self, head: &Arc<Head>) {
        self.newest.insert(Newest(head.clone()));
        self.updated.insert(ByUpdated(head.clone()));
    }

    fn remove(&mut self, head: &Arc<Head>) {
        self.newest.remove(&Newest(head.clone()));
        self.updated.remove(&ByUpdated(head.clone()));
    }
}

/// Every release's head, by date, region, country and id; cheap to copy.
#[derive(Debug, Clone, Default)]
pub struct Index {
    all: Listing,
    regions: BTreeMap<String, Listing>,
    countries: BTreeMap<String, OrdSet<Newest>>,
    slugs: HashMap<String, Arc<Head>>,
}

impl Index {
    /// Adds a release (replace one by removing its old head first).
    pub fn insert(&mut self, head: &Arc<Head>) {
        self.all.insert(head);
        self.regions
            .entry(head.region.clone())
            .or_default()
            .insert(head);
        if let Some(code) = &head.country {
            self.countries
                .entry(code.clone())
                .or_default()
                .insert(Newest(head.clone()));
        }
        self.slugs
            .insert(slug_of(&head.id).to_owned(), head.clone());
    }

    /// How many releases a region has.
    pub fn count(&self, slug: &str) -> usize {
        self.regions.get(slug).map_or(0, |l| l.newest.len())
    }

    /// The regions that have releases.
    pub fn regions(&self) -> impl Iterator<Item = &str> + '_ {
        self.regions.keys().map(String::as_str)
    }

    /// Removes a release by the head it was inserted with.
    pub fn remove(&mut self, head: &Arc<Head>) {
        self.all.remove(head);
        if let Some(listing) = self.regions.get_mut(&head.region) {
            listing.remove(head);
            if listing.newest.is_empty() {
                self.regions.remove(&head.region);
            }
        }
        if let Some(code) = &head.country
            && let Some(set) = self.countries.get_mut(code)
        {
            set.remove(&Newest(head.clone()));
            if set.is_empty() {
                self.countries.remove(code);
            }
        }
        self.slugs.remove(slug_of(&head.id));
    }
}

/// Every published release, as readers see it between two changes.
#[derive(Debug)]
pub struct Snapshot {
    /// Increases with every change; part of every ETag.
    pub version: u64,
    index: Index,
    bodies: Arc<Bodies>,
}

impl Snapshot {
    /// A snapshot of `index` (a copy of the ingest's).
    pub fn new(version: u64, index: Index, bodies: Arc<Bodies>) -> Snapshot {
        Snapshot {
            version,
            index,
            bodies,
        }
    }

    /// A snapshot of full entries held in memory (tests, tools).
    pub fn of_entries(version: u64, entries: Vec<Entry>) -> Snapshot {
        let bodies = Arc::new(Bodies::in_memory());
        let mut index = Index::default();
        for entry in entries {
            index.insert(&Arc::new(entry.head()));
            bodies.remember(Arc::new(entry));
        }
        Snapshot::new(version, index, bodies)
    }

    /// How many releases there are.
    pub fn len(&self) -> usize {
        self.index.all.newest.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.index.all.newest.is_empty()
    }

    /// Every head, newest first.
    pub fn heads(&self) -> impl Iterator<Item = &Arc<Head>> + '_ {
        self.index.all.newest.iter().map(|n| &n.0)
    }

    /// The heads of one region (`None`: every region), newest first.
    pub fn region(&self, slug: Option<&str>) -> Box<dyn Iterator<Item = &Arc<Head>> + '_> {
        match slug {
            None => Box::new(self.heads()),
            Some(slug) => Box::new(
                self.index
                    .regions
                    .get(slug)
                    .into_iter()
                    .flat_map(|l| l.newest.iter().map(|n| &n.0)),
            ),
        }
    }

    /// The heads of one country (ISO code, uppercase), newest first.
    pub fn country(&self, code: &str) -> impl Iterator<Item = &Arc<Head>> + '_ {
        self.index
            .countries
            .get(code)
            .into_iter()
            .flat_map(|set| set.iter().map(|n| &n.0))
    }

    /// How many releases a region has.
    pub fn count(&self, slug: &str) -> usize {
        self.index.count(slug)
    }

    /// The newest `updated` of a region (`None`: every region).
    pub fn newest(&self, slug: Option<&str>) -> Option<DateTime<Utc>> {
        let listing = match slug {
            None => Some(&self.index.all),
            Some(slug) => self.index.regions.get(slug),
        };
        listing
            .and_then(|l| l.updated.get_max())
            .map(|u| u.0.updated)
    }

    /// The head whose id ends in `slug` (the part after the tag prefix).
    pub fn by_slug(&self, slug: &str) -> Option<&Arc<Head>> {
        self.index.slugs.get(slug)
    }

    /// The full entries of `heads`, in order (a release removed since this
    /// snapshot was taken is left out).
    pub fn load(&self, heads: &[&Head]) -> Vec<Arc<Entry>> {
        self.bodies.load(heads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(id: &str, region: &str, country: Option<&str>, day: u32) -> Arc<Head> {
        let at = |d: u32| {
            DateTime::parse_from_rfc3339(&format!("2026-03-{d:02}T00:00:00Z"))
                .expect("date")
                .to_utc()
        };
        Arc::new(Head {
            id: format!("tag:pressfeed,2026:release/{id}"),
            key: format!("{id}.txt").into(),
            title: id.to_owned(),
            region: region.to_owned(),
            country: country.map(str::to_owned),
            published: at(day),
            updated: at(day + 1),
        })
    }

    fn ids<'a>(heads: impl Iterator<Item = &'a Arc<Head>>) -> Vec<&'a str> {
        heads.map(|h| h.title.as_str()).collect()
    }

    #[test]
    fn the_index_keeps_every_order_and_a_copy_does_not_change() {
        let mut index = Index::default();
        let a = head("a", "asia-pacific", Some("NP"), 3);
        let b = head("b", "asia-pacific", None, 5);
        let c = head("c", "south-america", Some("CO"), 3);
        for h in [&a, &b, &c] {
            index.insert(h);
        }
        let before = Snapshot::new(1, index.clone(), Arc::new(Bodies::in_memory()));
        // `a` is edited: its old head goes, a newer one comes.
        index.remove(&a);
        let a2 = head("a", "asia-pacific", Some("NP"), 9);
        index.insert(&a2);
        let after = Snapshot::new(2, index, Arc::new(Bodies::in_memory()));

        assert_eq!(ids(before.heads()), ["b", "a", "c"], "ties by id");
        assert_eq!(ids(after.heads()), ["a", "b", "c"]);
        assert_eq!(ids(after.region(Some("asia-pacific"))), ["a", "b"]);
        assert_eq!(ids(after.country("NP")), ["a"]);
        assert_eq!(after.count("south-america"), 1);
        assert_eq!(after.newest(None), Some(a2.updated));
        assert_eq!(before.newest(Some("asia-pacific")), Some(b.updated));
        assert_eq!(after.by_slug("a").map(|h| h.published), Some(a2.published));
        assert_eq!(before.by_slug("a").map(|h| h.published), Some(a.published));
        assert_eq!(after.len(), 3);
    }
}
