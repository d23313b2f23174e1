//! The shared vocabulary: what a normalized release is. Data only; the
//! normalizer builds these records, the store keeps them and the feeds render them.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// One normalized press release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    /// Stable identifier, a `tag:` URI derived from where the file lives.
    pub id: String,
    /// One line, whitespace collapsed, at most 300 characters.
    pub title: String,
    /// The first body paragraph, cut at `summary_chars`.
    pub summary: String,
    /// The body, one entry per paragraph, without template or contact lines.
    pub paragraphs: Vec<String>,
    /// Region slug from the taxonomy (`global` when there is no single focus).
    pub region: String,
    /// ISO 3166-1 alpha-2 code, when the release has one country focus.
    pub country: Option<String>,
    /// How the region and country were decided, for auditing.
    pub location: Location,
    /// The contact block, when the release has one.
    pub contact: Option<Contact>,
    /// Author named by front matter or page metadata.
    pub author: Option<String>,
    /// Publication date given by the file itself (front matter, page metadata).
    pub published: Option<DateTime<FixedOffset>>,
}

/// The evidence behind a release's region and country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Why the region was chosen, e.g. `folder south-america/` or `dateline "Kathmandu –" → NP`.
    pub region_source: String,
    /// Why the country was chosen; `None` when there is no country.
    pub country_source: Option<String>,
    /// From 0 (a guess) to 1 (stated by the file or its folder).
    pub confidence: f32,
}

/// A contact block split into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// People named in the block, in order.
    pub people: Vec<Person>,
    /// Every email address in the block.
    pub emails: Vec<String>,
    /// Every phone number in the block.
    pub phones: Vec<String>,
    /// The office or organisation unit named in the block, if any.
    pub office: Option<String>,
    /// The block as it stood, one line per entry.
    pub lines: Vec<String>,
}

/// One person from a contact block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Full name as written.
    pub name: String,
    /// Their email address, when one follows the name.
    pub email: Option<String>,
    /// Their phone number, when one follows the name.
    pub phone: Option<String>,
}

impl Contact {
    /// The first person with a name, as `(name, email)`: the entry's author in feeds.
    pub fn first_person(&self) -> Option<&Person> {
        self.people.first()
    }
}

/// A release as the feeds publish it: the normalized record plus the dates
/// the store keeps for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The normalized record.
    pub release: Release,
    /// Path of the file relative to its watch folder, `/`-separated.
    pub key: String,
    /// Front-matter date, else when the file was first seen.
    pub published: DateTime<Utc>,
    /// When the normalized content last changed.
    pub updated: DateTime<Utc>,
}

/// What selecting, listing and indexing releases need of an entry: the
/// daemon keeps these for every release in memory and reads the rest of an
/// [`Entry`] (paragraphs, contact, location) from the store when a feed or a
/// page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// The release's id.
    pub id: String,
    /// Path of the file relative to its watch folder (the same allocation
    /// as its file state's key).
    pub key: Arc<str>,
    /// The release's title.
    pub title: String,
    /// Region slug.
    pub region: String,
    /// ISO 3166-1 alpha-2 code, if any.
    pub country: Option<String>,
    /// When it was first published.
    pub published: DateTime<Utc>,
    /// When its content last changed.
    pub updated: DateTime<Utc>,
}

impl Entry {
    /// The entry's [`Head`].
    pub fn head(&self) -> Head {
        self.head_at(self.key.as_str().into())
    }

    /// The entry's [`Head`], holding `key` (equal to the entry's own) so
    /// that the head shares it with whoever else does.
    pub fn head_at(&self, key: Arc<str>) -> Head {
        debug_assert_eq!(*key, *self.key);
        Head {
            id: self.release.id.clone(),
            key,
            title: self.release.title.clone(),
            region: self.release.region.clone(),
            country: self.release.country.clone(),
            published: self.published,
            updated: self.updated,
        }
    }

    /// Whether this entry is the version `head` describes.
    pub fn matches(&self, head: &Head) -> bool {
        self.release.id == head.id
            && *self.key == *head.key
            && self.published == head.published
            && self.updated == head.updated
    }
}
