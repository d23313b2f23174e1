//! OPML 2.0 subscription list (`/feeds.opml`): one outline per region's Atom
//! feed, `all` first, ready to import into a feed reader. Written by string
//! building: the document is small and flat, and every text and attribute
//! value goes through [`escape_html`], which escapes all five XML specials
//! and drops XML-forbidden characters.

use chrono::{DateTime, Utc};

use super::{ALL, FeedFormat, escape_html, feed_url, whole_seconds};
use crate::config::Config;
use crate::snapshot::Snapshot;

/// Where OPML 2.0 is specified, for `<docs>`.
const DOCS: &str = "http://opml.org/spec2.opml";

/// The OPML document listing every region's Atom feed, plus `all`.
pub fn render_opml(config: &Config, snapshot: &Snapshot) -> Vec<u8> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<opml version=\"2.0\">\n  <head>\n");
    element(
        &mut out,
        "title",
        &format!("{} — regional feeds", config.site_title),
    );
    if let Some(date) = snapshot.newest(None) {
        element(&mut out, "dateModified", &rfc822(date));
    }
    element(&mut out, "ownerName", super::default_author(config));
    element(&mut out, "docs", DOCS);
    out.push_str("  </head>\n  <body>\n");
    outline(&mut out, config, ALL, "All regions");
    for region in config.rules.taxonomy.regions() {
        outline(&mut out, config, &region.slug, &region.name);
    }
    out.push_str("  </body>\n</opml>\n");
    out.into_bytes()
}

/// One `<head>` child with escaped text.
fn element(out: &mut String, name: &str, text: &str) {
    out.push_str(&format!("    <{name}>{}</{name}>\n", escape_html(text)));
}

/// One subscription. OPML 2.0 says `type="rss"` for every feed format; the
/// reader learns the real one from the document it fetches.
fn outline(out: &mut String, config: &Config, slug: &str, name: &str) {
    let title = format!("{} — {name}", config.site_title);
    out.push_str(&format!(
        "    <outline type=\"rss\" text=\"{title}\" title=\"{title}\" xmlUrl=\"{xml}\" htmlUrl=\"{html}\"/>\n",
        title = escape_html(&title),
        xml = escape_html(&feed_url(config, slug, FeedFormat::Atom)),
        html = escape_html(&config.base_url),
    ));
}

/// RFC 822 date, the form OPML 2.0 uses for `dateModified`.
fn rfc822(date: DateTime<Utc>) -> String {
    whole_seconds(date)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{config, sample, snapshot};
    use super::render_opml;

    #[test]
    fn lists_all_first_then_every_region_in_taxonomy_order() {
        let c = config();
        let text = String::from_utf8(render_opml(&c, &snapshot(sample()))).expect("utf-8");
        let urls: Vec<&str> = text
            .split("xmlUrl=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert_eq!(urls.len(), c.rules.taxonomy.regions().len() + 1);
        assert_eq!(urls[0], "http://127.0.0.1:8080/feeds/all.atom");
        let second = format!(
            "http://127.0.0.1:8080/feeds/{}.atom",
            c.rules.taxonomy.regions()[0].slug
        );
        assert_eq!(urls[1], second);
        assert!(text.contains("<dateModified>Wed, 04 Mar 2026 12:00:00 GMT</dateModified>"));
    }

    #[test]
    fn names_are_escaped_and_output_is_deterministic() {
        let mut c = config();
        c.site_title = "Press & \"News\" <EU>".to_owned();
        let s = snapshot(Vec::new());
        let text = String::from_utf8(render_opml(&c, &s)).expect("utf-8");
        assert!(text.contains("Press &amp; &quot;News&quot; &lt;EU&gt; — All regions"));
        assert!(!text.contains("dateModified"));
        assert_eq!(render_opml(&c, &s), render_opml(&c, &s));
    }
}
