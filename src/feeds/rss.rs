//! RSS 2.0 feeds, built with the `rss` crate. Owns the mapping of an
//! [`Entry`] to an `<item>` (guid, link, pubDate, escaped-text description,
//! `content:encoded`, categories with domains, `<author>` or `dc:creator`)
//! and the channel header with its `atom:link` self and hub links.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Item};

use super::{
    FeedFormat, FeedQuery, GENERATOR, VERSION, body_html, country_scheme, entry_author,
    escape_html, feed_title, feed_updated, region_scheme, release_url, whole_seconds, xml_clean,
};
use crate::config::Config;
use crate::model::Entry;

/// Namespaces declared on `<rss>`, whether or not this feed uses them, so the
/// header does not change with the entries.
const NAMESPACES: [(&str, &str); 3] = [
    ("atom", "http://www.w3.org/2005/Atom"),
    ("content", "http://purl.org/rss/1.0/modules/content/"),
    ("dc", "http://purl.org/dc/elements/1.1/"),
];

/// Where the format is documented, for `<docs>`.
const DOCS: &str = "https://www.rssboard.org/rss-specification";

/// The RSS document of one feed.
pub(super) fn render(
    config: &Config,
    query: &FeedQuery,
    entries: &[&Entry],
    self_url: &str,
) -> Vec<u8> {
    let date = rfc822(feed_updated(entries));
    let channel = Channel {
        title: xml_clean(&feed_title(config, query)).into_owned(),
        link: xml_clean(&config.base_url).into_owned(),
        description: xml_clean(&config.site_description).into_owned(),
        pub_date: Some(date.clone()),
        last_build_date: Some(date),
        generator: Some(format!("{GENERATOR} {VERSION}")),
        docs: Some(DOCS.to_owned()),
        items: entries.iter().map(|e| item(config, e)).collect(),
        extensions: atom_links(config, self_url),
        namespaces: NAMESPACES
            .iter()
            .map(|&(prefix, uri)| (prefix.to_owned(), uri.to_owned()))
            .collect(),
        ..Channel::default()
    };
    // Writing into a Vec cannot fail for I/O reasons and every string was
    // cleaned of XML-forbidden characters; the tests parse every feed back.
    channel
        .pretty_write_to(Vec::new(), b' ', 2)
        .unwrap_or_default()
}

/// `<atom:link rel="self">` (and `rel="hub"`), which RSS 2.0 lacks natively.
fn atom_links(config: &Config, self_url: &str) -> ExtensionMap {
    let mut links = vec![atom_link(
        "self",
        self_url,
        Some(FeedFormat::Rss.media_type()),
    )];
    if let Some(hub) = &config.websub_hub {
        links.push(atom_link("hub", hub, None));
    }
    // The crate keys extensions by prefix, then by local name.
    let by_name = BTreeMap::from([("link".to_owned(), links)]);
    BTreeMap::from([("atom".to_owned(), by_name)])
}

/// One `<atom:link>` element.
fn atom_link(rel: &str, href: &str, mime_type: Option<&str>) -> Extension {
    let mut attrs = BTreeMap::from([
        ("href".to_owned(), xml_clean(href).into_owned()),
        ("rel".to_owned(), rel.to_owned()),
    ]);
    if let Some(t) = mime_type {
        attrs.insert("type".to_owned(), t.to_owned());
    }
    Extension {
        name: "atom:link".to_owned(),
        // An empty value keeps the pretty writer from putting a line break
        // (text content) between the start and end tags of this empty element.
        value: Some(String::new()),
        attrs,
        ..Extension::default()
    }
}

/// One RSS item.
fn item(config: &Config, e: &Entry) -> Item {
    let release = &e.release;
    let author = entry_author(config, e);
    // RSS's <author> must be an email address ("email (Name)"); without one
    // the name goes in dc:creator instead.
    let (rss_author, creator) = match author.email {
        Some(email) => (Some(format!("{email} ({})", author.name)), None),
        None => (None, Some(author.name)),
    };
    let mut extensions = ExtensionMap::new();
    if let Some(name) = creator {
        let creator = Extension {
            name: "dc:creator".to_owned(),
            value: Some(xml_clean(name).into_owned()),
            ..Extension::default()
        };
        let by_name = BTreeMap::from([("creator".to_owned(), vec![creator])]);
        extensions.insert("dc".to_owned(), by_name);
    }
    Item {
        title: Some(xml_clean(&release.title).into_owned()),
        link: Some(release_url(config, &e.release.id)),
        // The description is HTML by convention: escape the plain summary so
        // readers show its `<` and `&` as text.
        description: Some(escape_html(&release.summary)),
        author: rss_author.map(|a| xml_clean(&a).into_owned()),
        categories: categories(config, e),
        guid: Some(Guid {
            value: xml_clean(&release.id).into_owned(),
            permalink: false,
        }),
        pub_date: Some(rfc822(e.published)),
        content: config.full_content.then(|| body_html(e)),
        extensions,
        ..Item::default()
    }
}

/// The region category, and the country one when there is a country; the
/// value is the term in the `domain` taxonomy, as in the Atom feed.
fn categories(config: &Config, e: &Entry) -> Vec<Category> {
    let mut categories = vec![Category {
        name: xml_clean(&e.release.region).into_owned(),
        domain: Some(region_scheme(config)),
    }];
    if let Some(code) = &e.release.country {
        categories.push(Category {
            name: xml_clean(code).into_owned(),
            domain: Some(country_scheme(config)),
        });
    }
    categories
}

/// RFC 822 date with a four-digit year and a numeric zone, as the W3C
/// validator wants: `Thu, 05 Mar 2026 09:30:00 +0000`. chrono's names are
/// always English, whatever the locale.
fn rfc822(date: DateTime<Utc>) -> String {
    whole_seconds(date)
        .format("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

#[cfg(test)]
mod tests {
    use rss::Channel;

    use super::super::testutil::{at, config, entry, refs, sample, snapshot, with_person};
    use super::super::{FeedFormat, FeedQuery, render_feed};
    use super::rfc822;
    use crate::config::Config;
    use crate::model::Entry;

    const SELF: &str = "http://127.0.0.1:8080/feeds/all.rss?limit=5";

    fn render(config: &Config, entries: &[&Entry]) -> (String, Channel) {
        let query = FeedQuery::new(config, None);
        let bytes = render_feed(config, &query, FeedFormat::Rss, entries, SELF);
        let text = String::from_utf8(bytes).expect("utf-8");
        let channel = Channel::read_from(text.as_bytes()).expect("well-formed RSS");
        (text, channel)
    }

    #[test]
    fn same_entries_give_the_same_bytes() {
        let c = config();
        let s = snapshot(sample());
        assert_eq!(render(&c, &refs(&s)).0, render(&c, &refs(&s)).0);
    }

    #[test]
    fn dates_are_rfc822_and_channel_date_is_the_newest_update() {
        assert_eq!(rfc822(at(5, 9)), "Thu, 05 Mar 2026 09:00:00 +0000");
        let c = config();
        let s = snapshot(sample());
        let (_, channel) = render(&c, &refs(&s));
        assert_eq!(channel.last_build_date(), Some(rfc822(at(4, 12)).as_str()));
        assert_eq!(channel.pub_date(), channel.last_build_date());
        assert_eq!(
            channel.items()[1].pub_date(),
            Some(rfc822(at(2, 9)).as_str())
        );
    }

    #[test]
    fn empty_feed_is_well_formed_with_the_epoch_date() {
        let (text, channel) = render(&config(), &[]);
        assert!(channel.items().is_empty());
        assert!(text.contains("<lastBuildDate>Thu, 01 Jan 1970 00:00:00 +0000</lastBuildDate>"));
    }

    #[test]
    fn channel_has_atom_self_and_hub_links() {
        let mut c = config();
        c.websub_hub = Some("https://hub.example.org/".to_owned());
        let (text, channel) = render(&c, &[]);
        assert!(text.contains("xmlns:atom=\"http://www.w3.org/2005/Atom\""));
        let links = &channel.extensions()["atom"]["link"];
        let rels: Vec<_> = links
            .iter()
            .map(|l| (l.attrs()["rel"].as_str(), l.attrs()["href"].as_str()))
            .collect();
        assert_eq!(rels, [("self", SELF), ("hub", "https://hub.example.org/")]);
        assert_eq!(links[0].attrs()["type"], "application/rss+xml");
        assert_eq!(channel.link(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn items_have_guid_link_categories_and_content() {
        let c = config();
        let s = snapshot(sample());
        let (text, channel) = render(&c, &refs(&s));
        assert!(text.contains("xmlns:content=\"http://purl.org/rss/1.0/modules/content/\""));
        let item = &channel.items()[1];
        let guid = item.guid().expect("guid");
        assert!(!guid.is_permalink());
        assert!(guid.value().starts_with("tag:pressfeed,2026:release/"));
        assert!(
            item.link()
                .is_some_and(|l| l.starts_with("http://127.0.0.1:8080/releases/"))
        );
        let cats: Vec<_> = item
            .categories()
            .iter()
            .map(|c| (c.name(), c.domain()))
            .collect();
        assert_eq!(
            cats,
            [
                ("south-america", Some("http://127.0.0.1:8080/regions")),
                ("BR", Some("http://127.0.0.1:8080/countries"))
            ]
        );
        assert!(item.content().is_some_and(|c| c.starts_with("<p>")));
    }

    #[test]
    fn full_content_false_leaves_out_content_encoded() {
        let mut c = config();
        c.full_content = false;
        let s = snapshot(sample());
        let (text, channel) = render(&c, &refs(&s));
        assert!(!text.contains("<content:encoded"));
        assert!(channel.items().iter().all(|i| i.description().is_some()));
    }

    #[test]
    fn author_is_an_email_or_else_a_dc_creator() {
        let c = config();
        let with_email = with_person(entry("a.txt", "global", at(1, 1)), "Ana", Some("ana@x.org"));
        let no_email = with_person(entry("b.txt", "global", at(1, 1)), "Bo", None);
        let (text, channel) = render(&c, &[&with_email, &no_email]);
        let items = channel.items();
        assert_eq!(items[0].author(), Some("ana@x.org (Ana)"));
        assert_eq!(items[1].author(), None);
        let creator = items[1].dublin_core_ext().map(|dc| dc.creators().to_vec());
        assert_eq!(creator, Some(vec!["Bo".to_owned()]));
        assert!(text.contains("xmlns:dc=\"http://purl.org/dc/elements/1.1/\""));
    }

    #[test]
    fn markup_is_escaped_in_title_description_and_content() {
        let c = config();
        let s = snapshot(sample());
        let (text, channel) = render(&c, &refs(&s));
        let item = &channel.items()[0];
        assert_eq!(item.title(), Some("Floods <update> & \"relief\" 'now'"));
        assert_eq!(
            item.description(),
            Some("Rain &lt; 5mm &amp; rising &quot;fast&quot;.")
        );
        let content = item.content().expect("content");
        assert!(content.contains("<p>Then ]]&gt; and &lt;b&gt;bold&lt;/b&gt; end.</p>"));
        assert!(!text.contains('\u{1}'));
    }
}
