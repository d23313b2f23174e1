//! The JSON documents: JSON Feed 1.1 feeds, the record of one release
//! (`/releases/{slug}.json`) and the region list (`/regions.json`). Each is
//! a serde struct, so keys come out in declaration order and the bytes are
//! deterministic; optional fields are left out rather than `null` where the
//! JSON Feed schema wants them absent.

use serde::Serialize;

use super::{
    ALL, FeedFormat, FeedQuery, body_html, country_name, default_author, entry_author, feed_title,
    region_name, release_url, rfc3339,
};
use crate::config::Config;
use crate::model::{Contact, Entry};
use crate::snapshot::Snapshot;

/// The version URL JSON Feed 1.1 requires.
const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: String,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    authors: Vec<JsonAuthor<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<JsonHub<'a>>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct JsonHub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: String,
    title: &'a str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    date_published: String,
    date_modified: String,
    authors: Vec<JsonAuthor<'a>>,
    tags: Vec<&'a str>,
}

/// The JSON Feed document of one feed.
pub(super) fn render(
    config: &Config,
    query: &FeedQuery,
    entries: &[&Entry],
    self_url: &str,
) -> Vec<u8> {
    let feed = JsonFeed {
        version: VERSION,
        title: feed_title(config, query),
        home_page_url: &config.base_url,
        feed_url: self_url,
        description: &config.site_description,
        authors: vec![JsonAuthor {
            name: default_author(config),
            url: None,
        }],
        hubs: config
            .websub_hub
            .iter()
            .map(|url| JsonHub {
                kind: "WebSub",
                url,
            })
            .collect(),
        items: entries.iter().map(|e| item(config, e)).collect(),
    };
    to_bytes(&feed)
}

/// One JSON Feed item; it always has `content_html` or `content_text`.
fn item<'a>(config: &'a Config, e: &'a Entry) -> JsonItem<'a> {
    let release = &e.release;
    let author = entry_author(config, e);
    let (content_html, content_text) = if config.full_content {
        (Some(body_html(e)), None)
    } else {
        (None, Some(release.summary.as_str()))
    };
    JsonItem {
        id: &release.id,
        url: release_url(config, &e.release.id),
        title: &release.title,
        summary: &release.summary,
        content_html,
        content_text,
        date_published: rfc3339(e.published),
        date_modified: rfc3339(e.updated),
        authors: vec![JsonAuthor {
            name: author.name,
            url: author.email.map(|m| format!("mailto:{m}")),
        }],
        tags: std::iter::once(release.region.as_str())
            .chain(release.country.as_deref())
            .collect(),
    }
}

#[derive(Serialize)]
struct ReleaseRecord<'a> {
    id: &'a str,
    url: String,
    title: &'a str,
    summary: &'a str,
    paragraphs: &'a [String],
    region: &'a str,
    region_name: &'a str,
    country: Option<&'a str>,
    country_name: Option<&'a str>,
    contact: Option<&'a Contact>,
    author: Option<&'a str>,
    published: String,
    updated: String,
    key: &'a str,
}

/// The JSON record of one release, served at `/releases/{slug}.json`.
pub fn render_release_json(config: &Config, entry: &Entry) -> Vec<u8> {
    let release = &entry.release;
    let country = release.country.as_deref();
    let record = ReleaseRecord {
        id: &release.id,
        url: release_url(config, &entry.release.id),
        title: &release.title,
        summary: &release.summary,
        paragraphs: &release.paragraphs,
        region: &release.region,
        region_name: region_name(config, &release.region),
        country,
        country_name: country.map(|c| country_name(config, c)),
        contact: release.contact.as_ref(),
        author: release.author.as_deref(),
        published: rfc3339(entry.published),
        updated: rfc3339(entry.updated),
        key: &entry.key,
    };
    to_bytes(&record)
}

#[derive(Serialize)]
struct FeedLinks {
    atom: String,
    rss: String,
    json: String,
}

impl FeedLinks {
    fn of(config: &Config, region: &str) -> FeedLinks {
        let url = |f| super::feed_url(config, region, f);
        FeedLinks {
            atom: url(FeedFormat::Atom),
            rss: url(FeedFormat::Rss),
            json: url(FeedFormat::Json),
        }
    }
}

#[derive(Serialize)]
struct RegionRecord<'a> {
    slug: &'a str,
    name: &'a str,
    count: usize,
    updated: Option<String>,
    feeds: FeedLinks,
}

#[derive(Serialize)]
struct RegionList<'a> {
    all: FeedLinks,
    regions: Vec<RegionRecord<'a>>,
}

/// `/regions.json`: the `all` feeds, then every taxonomy region in taxonomy
/// order with its count, newest `updated` (or `null`) and feed URLs.
pub fn render_regions_json(config: &Config, snapshot: &Snapshot) -> Vec<u8> {
    let regions = config
        .rules
        .taxonomy
        .regions()
        .iter()
        .map(|r| RegionRecord {
            slug: &r.slug,
            name: &r.name,
            count: snapshot.count(&r.slug),
            updated: snapshot.newest(Some(&r.slug)).map(rfc3339),
            feeds: FeedLinks::of(config, &r.slug),
        })
        .collect();
    let list = RegionList {
        all: FeedLinks::of(config, ALL),
        regions,
    };
    to_bytes(&list)
}

/// Pretty JSON with a final newline. Serializing these plain structs (string
/// keys, no maps, no floats) into memory cannot fail, so the empty fallback
/// is unreachable; the tests parse every document back.
fn to_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testutil::{at, config, entry, refs, sample, snapshot, with_person};
    use super::super::{FeedFormat, FeedQuery, render_feed};
    use super::{render_regions_json, render_release_json};
    use crate::config::Config;
    use crate::model::Entry;

    const SELF: &str = "http://127.0.0.1:8080/feeds/all.json";

    fn render(config: &Config, entries: &[&Entry]) -> Value {
        let query = FeedQuery::new(config, None);
        let bytes = render_feed(config, &query, FeedFormat::Json, entries, SELF);
        serde_json::from_slice(&bytes).expect("valid JSON")
    }

    #[test]
    fn same_entries_give_the_same_bytes() {
        let c = config();
        let s = snapshot(sample());
        let q = FeedQuery::new(&c, None);
        let a = render_feed(&c, &q, FeedFormat::Json, &refs(&s), SELF);
        assert_eq!(a, render_feed(&c, &q, FeedFormat::Json, &refs(&s), SELF));
    }

    #[test]
    fn feed_has_version_urls_authors_and_no_hubs_unless_configured() {
        let mut c = config();
        let feed = render(&c, &[]);
        assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(feed["title"], "pressfeed — all regions");
        assert_eq!(feed["home_page_url"], "http://127.0.0.1:8080/");
        assert_eq!(feed["feed_url"], SELF);
        assert_eq!(feed["authors"], json!([{"name": "pressfeed"}]));
        assert!(feed.get("hubs").is_none());
        assert_eq!(feed["items"], json!([]));
        c.websub_hub = Some("https://hub.example.org/".to_owned());
        let feed = render(&c, &[]);
        assert_eq!(
            feed["hubs"],
            json!([{"type": "WebSub", "url": "https://hub.example.org/"}])
        );
    }

    #[test]
    fn items_carry_dates_tags_authors_and_html_content() {
        let c = config();
        let s = snapshot(sample());
        let feed = render(&c, &refs(&s));
        let item = &feed["items"][1];
        assert_eq!(item["date_published"], "2026-03-02T09:00:00Z");
        assert_eq!(item["tags"], json!(["south-america", "BR"]));
        assert_eq!(
            item["authors"],
            json!([{"name": "Ana Souza", "url": "mailto:asouza@example.org"}])
        );
        assert!(
            item["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("http://127.0.0.1:8080/"))
        );
        let html = feed["items"][0]["content_html"].as_str().expect("html");
        assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"));
        assert!(feed["items"][0].get("content_text").is_none());
    }

    #[test]
    fn without_full_content_items_have_the_summary_as_text() {
        let mut c = config();
        c.full_content = false;
        let e = entry("a.txt", "global", at(1, 1));
        let feed = render(&c, &[&e]);
        assert_eq!(feed["items"][0]["content_text"], "Summary of a.txt.");
        assert!(feed["items"][0].get("content_html").is_none());
    }

    #[test]
    fn release_record_names_region_country_and_contact() {
        let c = config();
        let e = with_person(entry("sa/x.txt", "south-america", at(1, 1)), "Ana", None);
        let mut e = e;
        e.release.country = Some("PE".to_owned());
        let v: Value = serde_json::from_slice(&render_release_json(&c, &e)).expect("json");
        assert_eq!(v["region_name"], "South America");
        assert_eq!(v["country_name"], "Peru");
        assert_eq!(v["contact"]["people"][0]["name"], "Ana");
        assert_eq!(v["published"], "2026-03-01T01:00:00Z");
        assert_eq!(v["key"], "sa/x.txt");
        assert_eq!(v["author"], Value::Null);
    }

    #[test]
    fn regions_list_follows_the_taxonomy_with_counts_and_dates() {
        let c = config();
        let s = snapshot(sample());
        let v: Value = serde_json::from_slice(&render_regions_json(&c, &s)).expect("json");
        assert_eq!(v["all"]["atom"], "http://127.0.0.1:8080/feeds/all.atom");
        let regions = v["regions"].as_array().expect("array");
        assert_eq!(regions.len(), c.rules.taxonomy.regions().len());
        assert_eq!(regions[0]["slug"], c.rules.taxonomy.regions()[0].slug);
        let sa = regions
            .iter()
            .find(|r| r["slug"] == "south-america")
            .expect("south-america");
        assert_eq!(sa["count"], 2);
        assert_eq!(sa["updated"], "2026-03-04T12:00:00Z");
        assert_eq!(
            sa["feeds"]["rss"],
            "http://127.0.0.1:8080/feeds/south-america.rss"
        );
        let empty = regions
            .iter()
            .find(|r| r["count"] == 0)
            .expect("an empty region");
        assert_eq!(empty["updated"], Value::Null);
    }
}
