//! Test fixtures for the feed renderers: a configuration and hand-built
//! entries, so each format's tests start from the same small world.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use crate::config::Config;
use crate::model::{Contact, Entry, Location, Person, Release};
use crate::normalize::identity::release_id;
use crate::snapshot::Snapshot;

/// The built-in configuration (base URL `http://127.0.0.1:8080/`).
pub(crate) fn config() -> Config {
    Config::for_test(
        Path::new("/nonexistent/watch"),
        Path::new("/nonexistent/data"),
    )
}

/// A UTC instant on 2026-03-`day` at `hour`:00.
pub(crate) fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .single()
        .expect("valid test date")
}

/// A release at `key` in `region`, with two paragraphs and no contact.
pub(crate) fn entry(key: &str, region: &str, published: DateTime<Utc>) -> Entry {
    Entry {
        release: Release {
            id: release_id(key),
            title: format!("Release {key}"),
            summary: format!("Summary of {key}."),
            paragraphs: vec![format!("Summary of {key}."), "Second paragraph.".to_owned()],
            region: region.to_owned(),
            country: None,
            location: Location {
                region_source: "test".to_owned(),
                country_source: None,
                confidence: 1.0,
            },
            contact: None,
            author: None,
            published: None,
        },
        key: key.to_owned(),
        published,
        updated: published,
    }
}

/// `entry` with a country.
pub(crate) fn in_country(mut e: Entry, code: &str) -> Entry {
    e.release.country = Some(code.to_owned());
    e
}

/// `entry` with a contact person (and their email when given).
pub(crate) fn with_person(mut e: Entry, name: &str, email: Option<&str>) -> Entry {
    e.release.contact = Some(Contact {
        people: vec![Person {
            name: name.to_owned(),
            email: email.map(str::to_owned),
            phone: Some("+41 22 717 9111".to_owned()),
        }],
        emails: email.into_iter().map(str::to_owned).collect(),
        phones: vec!["+41 22 717 9111".to_owned()],
        office: Some("Media office".to_owned()),
        lines: vec![format!("For more information: {name}")],
    });
    e
}

/// A snapshot of the given entries.
pub(crate) fn snapshot(entries: Vec<Entry>) -> Snapshot {
    Snapshot::of_entries(1, entries)
}

/// Three entries in two regions, one with a country and a contact person,
/// one with markup-like characters in its text.
pub(crate) fn sample() -> Vec<Entry> {
    let mut tricky = entry("sa/tricky.txt", "south-america", at(3, 9));
    tricky.release.title = "Floods <update> & \"relief\" 'now'".to_owned();
    tricky.release.summary = "Rain < 5mm & rising \"fast\".".to_owned();
    tricky.release.paragraphs = vec![
        "Rain < 5mm & rising \"fast\".".to_owned(),
        "Then ]]> and <b>bold</b>\u{1} end.".to_owned(),
    ];
    tricky.updated = at(4, 12);
    vec![
        with_person(
            in_country(entry("sa/one.txt", "south-america", at(2, 9)), "BR"),
            "Ana Souza",
            Some("asouza@example.org"),
        ),
        tricky,
        entry("ap/two.md", "asia-pacific", at(1, 9)),
    ]
}

/// The entries of a snapshot, as renderers take them.
pub(crate) fn refs(snapshot: &Snapshot) -> Vec<&'static Entry> {
    let heads: Vec<&crate::model::Head> = snapshot.heads().map(|h| &**h).collect();
    // Leaked: a test's few entries live as long as the test process, and
    // renderers take plain references.
    let loaded: &'static [Arc<Entry>] = Vec::leak(snapshot.load(&heads));
    loaded.iter().map(|e| &**e).collect()
}
