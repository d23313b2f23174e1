//! Feed rendering: turns selected [`Entry`] values into the bytes the HTTP
//! layer and `pressfeed render` serve — Atom 1.0 (`atom.rs`), RSS 2.0
//! (`rss.rs`), JSON Feed 1.1 (`json.rs`), the OPML subscription list
//! (`opml.rs`) and the HTML pages (`pages.rs`). Every function here is pure
//! and deterministic: the same entries and configuration give the same
//! bytes (the server hashes them into strong ETags), so nothing reads the
//! clock and nothing iterates a `HashMap` into the output. This module holds
//! what the formats share: the query, URLs, names, authors and dates.

mod atom;
mod json;
mod opml;
mod pages;
mod rss;

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Timelike, Utc};

use crate::config::Config;
use std::sync::Arc;

use crate::model::{Entry, Head};
use crate::normalize::identity::slug_of;
use crate::snapshot::Snapshot;

pub use json::{render_regions_json, render_release_json};
pub use opml::render_opml;
pub use pages::{render_index, render_release_page};

/// The name a feed path uses for "every region" (`/feeds/all.atom`).
pub const ALL: &str = "all";

/// One of the three feed formats served under `/feeds/{region}.{ext}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    /// Atom 1.0 (RFC 4287).
    Atom,
    /// RSS 2.0.
    Rss,
    /// JSON Feed 1.1.
    Json,
}

impl FeedFormat {
    /// Every format, in the order pages list them.
    pub const ALL: [FeedFormat; 3] = [FeedFormat::Atom, FeedFormat::Rss, FeedFormat::Json];

    /// The file extension of the feed's path: `atom`, `rss` or `json`.
    pub fn extension(&self) -> &'static str {
        match self {
            FeedFormat::Atom => "atom",
            FeedFormat::Rss => "rss",
            FeedFormat::Json => "json",
        }
    }

    /// The `Content-Type` header value, with its charset.
    pub fn content_type(&self) -> &'static str {
        match self {
            FeedFormat::Atom => "application/atom+xml; charset=utf-8",
            FeedFormat::Rss => "application/rss+xml; charset=utf-8",
            FeedFormat::Json => "application/feed+json; charset=utf-8",
        }
    }

    /// The format named by a path extension (`atom`, `rss`, `json`).
    pub fn from_extension(ext: &str) -> Option<FeedFormat> {
        FeedFormat::ALL.into_iter().find(|f| f.extension() == ext)
    }

    /// The media type without parameters, for `<link type=...>` attributes.
    pub(crate) fn media_type(&self) -> &'static str {
        let full = self.content_type();
        full.split(';').next().unwrap_or(full)
    }

    /// The short label pages show next to a feed link.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            FeedFormat::Atom => "Atom",
            FeedFormat::Rss => "RSS",
            FeedFormat::Json => "JSON Feed",
        }
    }
}

/// Which entries a feed holds (SPEC §5 query parameters), already validated
/// by the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedQuery {
    /// Region slug; `None` means every region (`all`).
    pub region: Option<String>,
    /// Most entries to return (1–500).
    pub limit: usize,
    /// Keep only entries published or updated strictly after this instant.
    pub since: Option<DateTime<Utc>>,
    /// ISO 3166-1 alpha-2 code, uppercase; keep only that country's entries.
    pub country: Option<String>,
}

impl FeedQuery {
    /// The default query of a region's feed: `feed_entries` entries, no filter.
    pub fn new(config: &Config, region: Option<&str>) -> FeedQuery {
        FeedQuery {
            region: region.map(str::to_owned),
            limit: config.feed_entries,
            since: None,
            country: None,
        }
    }

    /// The entries this query selects, newest `published` first (ties by
    /// id). The snapshot already keeps that order, so this only filters and
    /// stops after `limit` without looking at the rest.
    pub fn select<'a>(&self, snapshot: &'a Snapshot) -> Vec<&'a Head> {
        // A release's `updated` is never before its `published`: when the
        // newest update is not after `since`, nothing is, and no release
        // needs a look.
        if let Some(since) = self.since
            && snapshot
                .newest(self.region.as_deref())
                .is_none_or(|newest| newest <= since)
        {
            return Vec::new();
        }
        // A country's releases are indexed: a query for a rare one does not
        // look at every release.
        let candidates = match self.country.as_deref() {
            Some(code) => Box::new(snapshot.country(code)),
            None => snapshot.region(self.region.as_deref()),
        };
        candidates
            .map(|head| &**head)
            .filter(|head| self.keeps(head))
            .take(self.limit)
            .collect()
    }

    /// The full entries this query selects, in order.
    pub fn entries(&self, snapshot: &Snapshot) -> Vec<Arc<Entry>> {
        snapshot.load(&self.select(snapshot))
    }

    /// Whether one release passes the `since` and `country` filters.
    fn keeps(&self, head: &Head) -> bool {
        let recent = self
            .since
            .is_none_or(|since| head.published > since || head.updated > since);
        let in_country = self.country.as_deref().is_none_or(|code| {
            head.country
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(code))
        });
        let in_region = self.region.as_deref().is_none_or(|r| head.region == r);
        recent && in_country && in_region
    }

    /// The path segment naming this feed's region (`all` when none).
    pub(crate) fn region_slug(&self) -> &str {
        self.region.as_deref().unwrap_or(ALL)
    }
}

/// Renders one feed. `self_url` is the absolute URL of this feed as
/// requested, query string included; it becomes the feed's self link.
pub fn render_feed(
    config: &Config,
    query: &FeedQuery,
    format: FeedFormat,
    entries: &[&Entry],
    self_url: &str,
) -> Vec<u8> {
    match format {
        FeedFormat::Atom => atom::render(config, query, entries, self_url),
        FeedFormat::Rss => rss::render(config, query, entries, self_url),
        FeedFormat::Json => json::render(config, query, entries, self_url),
    }
}

/// The newest `updated` among the entries: the feed's `Last-Modified` and
/// Atom `<updated>`; `None` for no entries.
pub fn last_updated(entries: &[&Entry]) -> Option<DateTime<Utc>> {
    entries.iter().map(|e| e.updated).max()
}

/// The feed-level date: the newest entry's `updated`, or the Unix epoch for
/// an empty feed — never "now", so an unchanged feed keeps its bytes.
pub(crate) fn feed_updated(entries: &[&Entry]) -> DateTime<Utc> {
    whole_seconds(last_updated(entries).unwrap_or(DateTime::UNIX_EPOCH))
}

/// Drops sub-second digits: feeds and HTTP dates work in whole seconds, and
/// the store's timestamps would otherwise show nine digits of noise.
pub(crate) fn whole_seconds(date: DateTime<Utc>) -> DateTime<Utc> {
    date.with_nanosecond(0).unwrap_or(date)
}

/// RFC 3339 in UTC with a `Z`, whole seconds: `2026-03-05T09:30:00Z`.
pub(crate) fn rfc3339(date: DateTime<Utc>) -> String {
    whole_seconds(date).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The software named in `<generator>`.
pub(crate) const GENERATOR: &str = "pressfeed";

/// The version named in `<generator>`: the crate's, fixed at build time.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The stable Atom id of a region's feed (`tag:pressfeed,2026:feed/all`).
pub(crate) fn feed_id(region: &str) -> String {
    format!("tag:pressfeed,2026:feed/{region}")
}

/// The absolute URL of a region's feed in one format.
pub(crate) fn feed_url(config: &Config, region: &str, format: FeedFormat) -> String {
    format!("{}feeds/{region}.{}", config.base_url, format.extension())
}

/// The absolute URL of a release's HTML page.
pub(crate) fn release_url(config: &Config, id: &str) -> String {
    format!("{}releases/{}", config.base_url, slug_of(id))
}

/// The absolute URL of a release's JSON record.
pub(crate) fn release_json_url(config: &Config, id: &str) -> String {
    format!("{}.json", release_url(config, id))
}

/// The category scheme of region terms.
pub(crate) fn region_scheme(config: &Config) -> String {
    format!("{}regions", config.base_url)
}

/// The category scheme of country terms.
pub(crate) fn country_scheme(config: &Config) -> String {
    format!("{}countries", config.base_url)
}

/// A region's display name; the slug itself when the taxonomy lacks it.
pub(crate) fn region_name<'a>(config: &'a Config, slug: &'a str) -> &'a str {
    config
        .rules
        .taxonomy
        .region(slug)
        .map_or(slug, |r| r.name.as_str())
}

/// A country's display name; the code itself when the taxonomy lacks it.
pub(crate) fn country_name<'a>(config: &'a Config, code: &'a str) -> &'a str {
    config
        .rules
        .taxonomy
        .country(code)
        .map_or(code, |c| c.name.as_str())
}

/// The feed's title: site title, then the region (and country when the
/// query filters by one), e.g. `pressfeed — South America`.
pub(crate) fn feed_title(config: &Config, query: &FeedQuery) -> String {
    let place = match query.region.as_deref() {
        None => "all regions",
        Some(slug) => region_name(config, slug),
    };
    let mut title = format!("{} — {place}", config.site_title);
    if let Some(code) = query.country.as_deref() {
        title.push_str(" — ");
        title.push_str(country_name(config, code));
    }
    title
}

/// The author every format names at feed level, and for entries without one.
pub(crate) fn default_author(config: &Config) -> &str {
    [&config.default_author, &config.site_title]
        .into_iter()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .unwrap_or(GENERATOR)
}

/// Who wrote an entry, as the feeds name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Author<'a> {
    /// Display name, never empty.
    pub(crate) name: &'a str,
    /// A plausible email address, when known.
    pub(crate) email: Option<&'a str>,
}

/// The entry's author: the first named contact person (with their email),
/// else the release's own author, else the configured default.
pub(crate) fn entry_author<'a>(config: &'a Config, entry: &'a Entry) -> Author<'a> {
    let person = entry
        .release
        .contact
        .as_ref()
        .and_then(|c| c.people.iter().find(|p| !p.name.trim().is_empty()));
    if let Some(p) = person {
        return Author {
            name: p.name.trim(),
            email: p.email.as_deref().map(str::trim).filter(|e| is_email(e)),
        };
    }
    let name = entry
        .release
        .author
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| default_author(config));
    Author { name, email: None }
}

/// Whether `s` looks enough like an address for Atom's `.+@.+` rule and
/// RSS's `<author>`: text on both sides of one `@`, no spaces.
fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Whether XML 1.0 allows `c` in a document (`Char` production; Rust chars
/// are never surrogates, so only controls and U+FFFE/U+FFFF are left out).
fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// `s` without the characters XML 1.0 forbids. The normalizer strips them
/// already; this keeps a bad record from making a whole feed unreadable.
pub(crate) fn xml_clean(s: &str) -> Cow<'_, str> {
    if s.chars().all(xml_allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|&c| xml_allowed(c)).collect())
    }
}

/// HTML-escapes text for element content or a quoted attribute
/// (`&`, `<`, `>`, `"` and `'`), after dropping XML-forbidden characters.
pub(crate) fn escape_html(s: &str) -> String {
    html_escape::encode_quoted_attribute(&xml_clean(s)).into_owned()
}

/// The release body as HTML: one `<p>` per paragraph, text escaped.
pub(crate) fn body_html(entry: &Entry) -> String {
    entry
        .release
        .paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape_html(p)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
pub(crate) mod testutil;

#[cfg(test)]
mod tests {
    use super::testutil::{at, config, entry, in_country, sample, snapshot, with_person};
    use super::*;

    fn ids(heads: &[&Head]) -> Vec<String> {
        heads.iter().map(|h| h.key.to_string()).collect()
    }

    fn query(region: Option<&str>, limit: usize) -> FeedQuery {
        FeedQuery {
            region: region.map(str::to_owned),
            limit,
            since: None,
            country: None,
        }
    }

    #[test]
    fn formats_round_trip_their_extensions() {
        for f in FeedFormat::ALL {
            assert_eq!(FeedFormat::from_extension(f.extension()), Some(f));
            assert!(f.content_type().ends_with("; charset=utf-8"));
        }
        assert_eq!(FeedFormat::from_extension("xml"), None);
        assert_eq!(FeedFormat::Json.media_type(), "application/feed+json");
    }

    #[test]
    fn select_orders_newest_published_first_ties_by_id() {
        let s = snapshot(vec![
            entry("old.txt", "global", at(1, 9)),
            entry("b.txt", "global", at(2, 9)),
            entry("a.txt", "global", at(2, 9)),
        ]);
        let picked = query(None, 10).select(&s);
        let first_id = picked[0].id.clone();
        assert!(first_id < picked[1].id);
        assert_eq!(&*picked[2].key, "old.txt");
    }

    #[test]
    fn select_applies_region_and_limit() {
        let s = snapshot(sample());
        assert_eq!(query(Some("south-america"), 10).select(&s).len(), 2);
        assert_eq!(ids(&query(None, 1).select(&s)), ["sa/tricky.txt"]);
        assert!(query(Some("southern-africa"), 10).select(&s).is_empty());
    }

    #[test]
    fn since_keeps_entries_published_or_updated_strictly_after() {
        let s = snapshot(sample());
        let mut q = query(None, 10);
        q.since = Some(at(3, 9));
        // tricky was published exactly at 3 9:00 but updated later: kept.
        assert_eq!(ids(&q.select(&s)), ["sa/tricky.txt"]);
        q.since = Some(at(4, 12));
        assert!(q.select(&s).is_empty());
        q.since = Some(at(1, 8));
        assert_eq!(q.select(&s).len(), 3);
    }

    #[test]
    fn country_filter_keeps_only_that_country() {
        let s = snapshot(sample());
        let mut q = query(None, 10);
        q.country = Some("BR".to_owned());
        assert_eq!(ids(&q.select(&s)), ["sa/one.txt"]);
        q.country = Some("PE".to_owned());
        assert!(q.select(&s).is_empty());
    }

    #[test]
    fn last_updated_is_the_newest_update_or_none() {
        let s = snapshot(sample());
        let all = query(None, 10).entries(&s);
        let all: Vec<&Entry> = all.iter().map(|e| &**e).collect();
        assert_eq!(last_updated(&all), Some(at(4, 12)));
        assert_eq!(last_updated(&[]), None);
        assert_eq!(feed_updated(&[]), DateTime::UNIX_EPOCH);
    }

    #[test]
    fn titles_name_the_region_and_country() {
        let c = config();
        assert_eq!(feed_title(&c, &query(None, 1)), "pressfeed — all regions");
        let mut q = query(Some("south-america"), 1);
        assert_eq!(feed_title(&c, &q), "pressfeed — South America");
        q.country = Some("BR".to_owned());
        assert_eq!(feed_title(&c, &q), "pressfeed — South America — Brazil");
    }

    #[test]
    fn authors_skip_blank_names_and_bad_emails() {
        let c = config();
        let e = with_person(
            entry("a.txt", "global", at(1, 1)),
            "Ana",
            Some("not an email"),
        );
        assert_eq!(
            entry_author(&c, &e),
            Author {
                name: "Ana",
                email: None
            }
        );
        let e = with_person(
            in_country(entry("b.txt", "global", at(1, 1)), "BR"),
            " ",
            None,
        );
        assert_eq!(entry_author(&c, &e).name, "pressfeed");
        assert!(is_email("a@b.org") && !is_email("@b") && !is_email("a@b@c"));
    }

    #[test]
    fn urls_are_absolute_and_text_is_cleaned() {
        let c = config();
        let e = entry("x.txt", "global", at(1, 1));
        assert!(release_url(&c, &e.release.id).starts_with("http://127.0.0.1:8080/releases/"));
        assert!(release_json_url(&c, &e.release.id).ends_with(".json"));
        assert_eq!(
            feed_url(&c, ALL, FeedFormat::Rss),
            "http://127.0.0.1:8080/feeds/all.rss"
        );
        assert_eq!(xml_clean("a\u{0}b\u{c}c\td\u{FFFE}"), "abc\td");
        assert_eq!(
            escape_html("<a href='x'>&\"</a>"),
            "&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
