//! Atom 1.0 (RFC 4287) feeds, built with `atom_syndication`. Owns the
//! mapping of an [`Entry`] to an `<entry>`: id, title, summary, optional
//! HTML content, dates, author, alternate link and region/country
//! categories; and the feed header with its self, alternate and hub links.

use atom_syndication::{Category, Content, Feed, Generator, Link, Person, Text, WriteConfig};
use chrono::{DateTime, FixedOffset, Utc};

use super::{
    Author, FeedFormat, FeedQuery, GENERATOR, VERSION, body_html, country_name, country_scheme,
    default_author, entry_author, feed_id, feed_title, feed_updated, region_name, region_scheme,
    release_url, whole_seconds, xml_clean,
};
use crate::config::Config;
use crate::model::Entry;

/// The Atom document of one feed.
pub(super) fn render(
    config: &Config,
    query: &FeedQuery,
    entries: &[&Entry],
    self_url: &str,
) -> Vec<u8> {
    let feed = Feed {
        title: Text::plain(xml_clean(&feed_title(config, query))),
        id: feed_id(query.region_slug()),
        updated: fixed(feed_updated(entries)),
        authors: vec![person(&Author {
            name: default_author(config),
            email: None,
        })],
        generator: Some(Generator {
            value: GENERATOR.to_owned(),
            uri: None,
            version: Some(VERSION.to_owned()),
        }),
        links: feed_links(config, self_url),
        subtitle: Some(Text::plain(xml_clean(&config.site_description))),
        entries: entries.iter().map(|e| entry(config, e)).collect(),
        ..Feed::default()
    };
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    // Writing into a Vec cannot fail for I/O reasons, and every string was
    // cleaned of XML-forbidden characters; an empty body would still be
    // caught by the tests that parse every rendered feed back.
    feed.write_with_config(Vec::new(), config)
        .unwrap_or_default()
}

/// The feed's links: self (as requested), the site, and the WebSub hub.
fn feed_links(config: &Config, self_url: &str) -> Vec<Link> {
    let mut links = vec![
        link("self", self_url, Some(FeedFormat::Atom.media_type())),
        link("alternate", &config.base_url, Some("text/html")),
    ];
    if let Some(hub) = &config.websub_hub {
        links.push(link("hub", hub, None));
    }
    links
}

/// One Atom entry.
fn entry(config: &Config, e: &Entry) -> atom_syndication::Entry {
    let release = &e.release;
    let content = config.full_content.then(|| Content {
        value: Some(body_html(e)),
        content_type: Some("html".to_owned()),
        ..Content::default()
    });
    atom_syndication::Entry {
        title: Text::plain(xml_clean(&release.title)),
        id: xml_clean(&release.id).into_owned(),
        updated: fixed(e.updated),
        authors: vec![person(&entry_author(config, e))],
        categories: categories(config, e),
        links: vec![link(
            "alternate",
            &release_url(config, &e.release.id),
            Some("text/html"),
        )],
        published: Some(fixed(e.published)),
        summary: Some(Text::plain(xml_clean(&release.summary))),
        content,
        ..atom_syndication::Entry::default()
    }
}

/// The region category, and the country one when the release has a country.
fn categories(config: &Config, e: &Entry) -> Vec<Category> {
    let region = &e.release.region;
    let mut categories = vec![Category {
        term: xml_clean(region).into_owned(),
        scheme: Some(region_scheme(config)),
        label: Some(xml_clean(region_name(config, region)).into_owned()),
    }];
    if let Some(code) = &e.release.country {
        categories.push(Category {
            term: xml_clean(code).into_owned(),
            scheme: Some(country_scheme(config)),
            label: Some(xml_clean(country_name(config, code)).into_owned()),
        });
    }
    categories
}

/// An Atom person construct.
fn person(author: &Author<'_>) -> Person {
    Person {
        name: xml_clean(author.name).into_owned(),
        email: author.email.map(|e| xml_clean(e).into_owned()),
        ..Person::default()
    }
}

/// A link with a relation and an optional media type.
fn link(rel: &str, href: &str, mime_type: Option<&str>) -> Link {
    Link {
        href: xml_clean(href).into_owned(),
        rel: rel.to_owned(),
        mime_type: mime_type.map(str::to_owned),
        ..Link::default()
    }
}

/// A UTC instant as the crate's fixed-offset type, in whole seconds.
fn fixed(date: DateTime<Utc>) -> DateTime<FixedOffset> {
    whole_seconds(date).fixed_offset()
}

#[cfg(test)]
mod tests {
    use atom_syndication::Feed;

    use super::super::testutil::{at, config, entry, refs, sample, snapshot, with_person};
    use super::super::{FeedFormat, FeedQuery, render_feed};
    use crate::config::Config;
    use crate::model::Entry;

    const SELF: &str = "http://127.0.0.1:8080/feeds/all.atom";

    fn render(config: &Config, entries: &[&Entry]) -> (String, Feed) {
        let query = FeedQuery::new(config, None);
        let bytes = render_feed(config, &query, FeedFormat::Atom, entries, SELF);
        let text = String::from_utf8(bytes).expect("utf-8");
        let feed = Feed::read_from(text.as_bytes()).expect("well-formed Atom");
        (text, feed)
    }

    #[test]
    fn same_entries_give_the_same_bytes() {
        let c = config();
        let s = snapshot(sample());
        assert_eq!(render(&c, &refs(&s)).0, render(&c, &refs(&s)).0);
    }

    #[test]
    fn feed_updated_is_the_newest_entry_update_not_now() {
        let c = config();
        let s = snapshot(sample());
        let (_, feed) = render(&c, &refs(&s));
        assert_eq!(feed.updated().to_utc(), at(4, 12));
    }

    #[test]
    fn empty_feed_is_well_formed_with_the_epoch_date() {
        let (text, feed) = render(&config(), &[]);
        assert!(feed.entries().is_empty());
        assert!(text.contains("<updated>1970-01-01T00:00:00+00:00</updated>"));
        assert_eq!(feed.authors().len(), 1);
    }

    #[test]
    fn header_has_id_title_self_alternate_and_hub() {
        let mut c = config();
        c.websub_hub = Some("https://hub.example.org/".to_owned());
        let query = FeedQuery::new(&c, Some("south-america"));
        let bytes = render_feed(&c, &query, FeedFormat::Atom, &[], SELF);
        let feed = Feed::read_from(&bytes[..]).expect("well-formed");
        assert_eq!(feed.id(), "tag:pressfeed,2026:feed/south-america");
        assert_eq!(feed.title().as_str(), "pressfeed — South America");
        let rels: Vec<_> = feed.links().iter().map(|l| (l.rel(), l.href())).collect();
        assert_eq!(
            rels,
            [
                ("self", SELF),
                ("alternate", "http://127.0.0.1:8080/"),
                ("hub", "https://hub.example.org/")
            ]
        );
    }

    #[test]
    fn entries_have_absolute_links_categories_and_dates() {
        let c = config();
        let s = snapshot(sample());
        let (_, feed) = render(&c, &refs(&s));
        let e = &feed.entries()[1];
        assert!(e.id().starts_with("tag:pressfeed,2026:release/"));
        let link = &e.links()[0];
        assert_eq!(link.rel(), "alternate");
        assert!(link.href().starts_with("http://127.0.0.1:8080/releases/"));
        let cats: Vec<_> = e
            .categories()
            .iter()
            .map(|c| (c.term(), c.label(), c.scheme()))
            .collect();
        assert_eq!(
            cats,
            [
                (
                    "south-america",
                    Some("South America"),
                    Some("http://127.0.0.1:8080/regions")
                ),
                (
                    "BR",
                    Some("Brazil"),
                    Some("http://127.0.0.1:8080/countries")
                ),
            ]
        );
        assert_eq!(e.published().map(|d| d.to_utc()), Some(at(2, 9)));
    }

    #[test]
    fn author_falls_back_from_contact_to_release_to_default() {
        let c = config();
        let mut by_release = entry("a.txt", "global", at(1, 1));
        by_release.release.author = Some("Press Office".to_owned());
        let by_contact = with_person(by_release.clone(), "Ana", Some("ana@example.org"));
        let nobody = entry("b.txt", "global", at(1, 1));
        let (_, feed) = render(&c, &[&by_contact, &by_release, &nobody]);
        let authors: Vec<_> = feed
            .entries()
            .iter()
            .map(|e| (e.authors()[0].name(), e.authors()[0].email()))
            .collect();
        assert_eq!(
            authors,
            [
                ("Ana", Some("ana@example.org")),
                ("Press Office", None),
                ("pressfeed", None)
            ]
        );
    }

    #[test]
    fn content_only_when_full_content() {
        let mut c = config();
        let s = snapshot(sample());
        let (_, full) = render(&c, &refs(&s));
        assert!(full.entries().iter().all(|e| e.content().is_some()));
        c.full_content = false;
        let (text, short) = render(&c, &refs(&s));
        assert!(short.entries().iter().all(|e| e.content().is_none()));
        assert!(short.entries().iter().all(|e| e.summary().is_some()));
        assert!(!text.contains("<content"));
    }

    #[test]
    fn markup_in_titles_and_paragraphs_is_escaped_and_controls_dropped() {
        let c = config();
        let s = snapshot(sample());
        let (text, feed) = render(&c, &refs(&s));
        let e = &feed.entries()[0];
        assert_eq!(e.title().as_str(), "Floods <update> & \"relief\" 'now'");
        let html = e.content().and_then(|c| c.value()).expect("content");
        assert!(html.contains("<p>Then ]]&gt; and &lt;b&gt;bold&lt;/b&gt; end.</p>"));
        assert!(html.contains("&quot;fast&quot;"));
        assert!(!text.contains('\u{1}'));
        assert!(!text.contains("<b>"));
    }
}
