//! Page metadata: what the `<meta>` tags, `<title>`, microdata and JSON-LD
//! say, and from it the release's publication date and author.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use regex::Regex;
use scraper::{ElementRef, Html, Selector};

use super::chrome::in_page_chrome;
use super::cleanup::{clean_text, inline_text};
use super::{MAX_CANDIDATES, pattern, selector};

static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static META: LazyLock<Selector> = LazyLock::new(|| selector("meta"));
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
static ITEMPROP_PUBLISHED: LazyLock<Selector> =
    LazyLock::new(|| selector("[itemprop~=datePublished]"));
static JSON_LD: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"script[type="application/ld+json"]"#));
static JSON_LD_PUBLISHED: LazyLock<Regex> =
    LazyLock::new(|| pattern(r#""datePublished"\s*:\s*"([^"]+)""#));
static JSON_LD_HEADLINE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r#""headline"\s*:\s*"((?:[^"\\]|\\.)*)""#));

/// What the page's `<meta>` tags and `<title>` say, first value of each kind.
#[derive(Default)]
pub(super) struct PageMeta {
    pub(super) title: Option<String>,
    pub(super) og_title: Option<String>,
    pub(super) twitter_title: Option<String>,
    /// `headline` of the page's JSON-LD (`NewsArticle` and the like).
    pub(super) ld_headline: Option<String>,
    pub(super) site_name: Option<String>,
    published_time: Option<String>,
    date: Option<String>,
    item_published: Option<String>,
    authors: Vec<String>,
}

impl PageMeta {
    /// Reads the page's `<meta>` tags, `<title>` and `itemprop` date.
    pub(super) fn read(page: &Html) -> PageMeta {
        let mut meta = PageMeta::default();
        for tag in page.select(&META) {
            let element = tag.value();
            let Some(content) = element.attr("content").map(clean_text) else {
                continue;
            };
            if content.is_empty() {
                continue;
            }
            let keys = [element.attr("property"), element.attr("name")];
            for key in keys.iter().flatten() {
                meta.record(&key.trim().to_ascii_lowercase(), &content);
            }
        }
        meta.title = page
            .select(&TITLE)
            .find(|t| {
                !t.ancestors()
                    .any(|a| a.value().as_element().is_some_and(|e| e.name() == "svg"))
            })
            .map(inline_text)
            .filter(|t| !t.is_empty());
        meta.ld_headline = page
            .select(&JSON_LD)
            .take(MAX_CANDIDATES)
            .find_map(|script| json_ld_headline(&script.inner_html()));
        meta.item_published = page.select(&ITEMPROP_PUBLISHED).find_map(|el| {
            let value = el.value();
            value
                .attr("content")
                .or(value.attr("datetime"))
                .map(str::to_string)
        });
        meta
    }

    fn record(&mut self, key: &str, content: &str) {
        let slot = match key {
            "og:title" => &mut self.og_title,
            "twitter:title" => &mut self.twitter_title,
            "og:site_name" | "application-name" => &mut self.site_name,
            "article:published_time" => &mut self.published_time,
            "date" | "dc.date" | "dc.date.issued" | "dcterms.date" | "dcterms.issued" => {
                &mut self.date
            }
            "author" | "article:author" => {
                self.authors.push(content.to_string());
                return;
            }
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(content.to_string());
        }
    }

    /// The first stated author that is a plain name, not a profile URL.
    pub(super) fn author(&self) -> Option<String> {
        self.authors.iter().find(|a| is_plain_name(a)).cloned()
    }
}

/// The `headline` a JSON-LD block states, its escapes decoded.
fn json_ld_headline(json: &str) -> Option<String> {
    let raw = JSON_LD_HEADLINE.captures(json)?.get(1)?.as_str();
    let text: String = serde_json::from_str(&format!("\"{raw}\"")).ok()?;
    let text = clean_text(&text);
    (!text.is_empty()).then_some(text)
}

fn is_plain_name(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let url_like = lower.contains("://")
        || lower.starts_with("www.")
        || lower.starts_with("//")
        || (!lower.contains(' ') && lower.contains('.') && lower.contains('/'));
    !text.is_empty() && !url_like && !text.contains('@') && text.chars().count() <= 200
}

/// The publication date from, in order: `article:published_time`,
/// `<meta name="date">`, `itemprop="datePublished"`, JSON-LD, and the first
/// `<time datetime>` in the article. Unparseable values are skipped.
pub(super) fn published_date(
    page: &Html,
    root: ElementRef<'_>,
    meta: &PageMeta,
) -> Option<DateTime<FixedOffset>> {
    let stated = [&meta.published_time, &meta.date, &meta.item_published];
    stated
        .into_iter()
        .flatten()
        .find_map(|value| parse_date(value))
        .or_else(|| json_ld_dates(page).find_map(|value| parse_date(&value)))
        .or_else(|| {
            root.select(&TIME)
                .take(MAX_CANDIDATES)
                .filter(|time| !in_page_chrome(*time, root))
                .find_map(|time| time.value().attr("datetime").and_then(parse_date))
        })
}

fn json_ld_dates(page: &Html) -> impl Iterator<Item = String> + '_ {
    page.select(&JSON_LD).flat_map(|script| {
        let text: String = script.text().collect();
        JSON_LD_PUBLISHED
            .captures_iter(&text)
            .filter_map(|caps| caps.get(1).map(|m| m.as_str().to_string()))
            .collect::<Vec<_>>()
    })
}

/// RFC 3339, a few common near-misses of it, or a plain `YYYY-MM-DD`
/// (midnight UTC). Values without an offset are taken as UTC.
fn parse_date(raw: &str) -> Option<DateTime<FixedOffset>> {
    let text = raw.trim();
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date);
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(date) = DateTime::parse_from_str(text, format) {
            return Some(date);
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(date) = NaiveDateTime::parse_from_str(text, format) {
            return Some(date.and_utc().fixed_offset());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc().fixed_offset())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::html::parse;
    use crate::normalize::html::test_support::{PROSE, date, page};

    #[test]
    fn date_comes_from_article_published_time() {
        let html = page(
            r#"<meta name="date" content="2024-01-01">
               <meta property="article:published_time" content="2025-03-04T08:15:00+03:00">"#,
            PROSE,
        );
        assert_eq!(parse(&html).front.date, date("2025-03-04T08:15:00+03:00"));
    }

    #[test]
    fn plain_date_meta_is_midnight_utc() {
        let html = page(r#"<meta name="date" content="2025-03-04">"#, PROSE);
        assert_eq!(parse(&html).front.date, date("2025-03-04T00:00:00Z"));
    }

    #[test]
    fn date_comes_from_itemprop_or_json_ld() {
        let itemprop = page(
            r#"<meta itemprop="datePublished" content="2025-03-05">"#,
            PROSE,
        );
        assert_eq!(parse(&itemprop).front.date, date("2025-03-05T00:00:00Z"));
        let json_ld = page(
            r#"<script type="application/ld+json">{"@type":"NewsArticle","datePublished": "2025-03-06T10:00:00Z"}</script>"#,
            PROSE,
        );
        assert_eq!(parse(&json_ld).front.date, date("2025-03-06T10:00:00Z"));
    }

    #[test]
    fn date_comes_from_the_first_time_element_in_the_article() {
        let html = page(
            "",
            &format!(
                r#"<aside><time datetime="2020-01-01">Old</time></aside>
                <article><header><time datetime="2025-03-07T09:00:00+01:00">7 March</time></header>{PROSE}
                <time datetime="2025-03-08">later</time></article>"#
            ),
        );
        assert_eq!(parse(&html).front.date, date("2025-03-07T09:00:00+01:00"));
    }

    #[test]
    fn unparseable_date_falls_through_to_the_next_source() {
        let html = page(
            r#"<meta property="article:published_time" content="last Tuesday">
               <meta name="date" content="2025-03-09">"#,
            PROSE,
        );
        assert_eq!(parse(&html).front.date, date("2025-03-09T00:00:00Z"));
    }

    #[test]
    fn dates_in_common_near_rfc3339_forms_parse() {
        assert_eq!(
            parse_date("2025-03-04T08:15:00+0300"),
            date("2025-03-04T08:15:00+03:00")
        );
        assert_eq!(
            parse_date(" 2025-03-04T08:15:00.250Z "),
            date("2025-03-04T08:15:00.250Z")
        );
        assert_eq!(
            parse_date("2025-03-04 08:15:00"),
            date("2025-03-04T08:15:00Z")
        );
        assert_eq!(parse_date("2025-03-04"), date("2025-03-04T00:00:00Z"));
        assert_eq!(parse_date("04/03/2025"), None);
        assert_eq!(parse_date("2025-02-30"), None);
    }

    #[test]
    fn author_is_a_plain_name_never_a_url() {
        let named = page(
            r#"<meta property="article:author" content="https://facebook.example/hrc">
               <meta name="author" content="Amara  Okafor">"#,
            PROSE,
        );
        assert_eq!(parse(&named).front.author.as_deref(), Some("Amara Okafor"));
        let url_only = page(
            r#"<meta property="article:author" content="https://hrc.example/people/aokafor">"#,
            PROSE,
        );
        assert_eq!(parse(&url_only).front.author, None);
    }

    #[test]
    fn summary_region_and_country_are_left_to_the_normalizer() {
        let html = page(
            r#"<meta name="description" content="A summary"><meta property="og:title" content="Rains flood camps">"#,
            PROSE,
        );
        let front = parse(&html).front;
        assert_eq!(
            (front.summary, front.region, front.country, front.title),
            (None, None, None, None)
        );
    }
}
