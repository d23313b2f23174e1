//! The HTML pages: the index (`/`: regions with counts and feed links, the
//! latest releases, feed autodiscovery) and the page of one release
//! (`/releases/{slug}`, the target of every feed entry's link). Plain HTML5
//! built by string formatting; every piece of text and every attribute goes
//! through [`escape_html`], and every link is absolute.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::{
    ALL, FeedFormat, country_name, escape_html, feed_url, region_name, release_json_url,
    release_url, rfc3339,
};
use crate::config::Config;
use crate::model::{Contact, Entry};
use crate::snapshot::Snapshot;

/// How many releases the index lists.
const LATEST: usize = 20;

/// The HTML index page.
pub fn render_index(config: &Config, snapshot: &Snapshot) -> String {
    let site = &config.site_title;
    let mut body = format!(
        "<header>\n<h1>{}</h1>\n<p>{}</p>\n</header>\n<main>\n<section>\n<h2>Regions</h2>\n\
         <table>\n<thead><tr><th>Region</th><th>Releases</th><th>Feeds</th></tr></thead>\n<tbody>\n",
        escape_html(site),
        escape_html(&config.site_description),
    );
    region_row(&mut body, config, ALL, "All regions", snapshot.len());
    for region in config.rules.taxonomy.regions() {
        let count = snapshot.count(&region.slug);
        region_row(&mut body, config, &region.slug, &region.name, count);
    }
    let _ = write!(
        body,
        "</tbody>\n</table>\n<p><a href=\"{base}feeds.opml\">OPML subscription list</a> · \
         <a href=\"{base}regions.json\">regions.json</a></p>\n</section>\n",
        base = escape_html(&config.base_url),
    );
    latest(&mut body, config, snapshot);
    body.push_str("</main>\n");
    let head = autodiscovery(config, ALL, "all regions");
    page(site, &head, &body)
}

/// One row of the region table: name, release count, feed links.
fn region_row(out: &mut String, config: &Config, slug: &str, name: &str, count: usize) {
    let _ = writeln!(
        out,
        "<tr><td>{}</td><td>{count}</td><td>{}</td></tr>",
        escape_html(name),
        feed_links(config, slug),
    );
}

/// `Atom · RSS · JSON Feed` links to one region's feeds.
fn feed_links(config: &Config, slug: &str) -> String {
    FeedFormat::ALL
        .iter()
        .map(|&f| {
            format!(
                "<a href=\"{}\" type=\"{}\">{}</a>",
                escape_html(&feed_url(config, slug, f)),
                f.media_type(),
                f.label()
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The latest releases section of the index.
fn latest(out: &mut String, config: &Config, snapshot: &Snapshot) {
    out.push_str("<section>\n<h2>Latest releases</h2>\n");
    if snapshot.is_empty() {
        out.push_str("<p>No releases yet.</p>\n</section>\n");
        return;
    }
    out.push_str("<ol>\n");
    for entry in snapshot.heads().take(LATEST) {
        let _ = writeln!(
            out,
            "<li><a href=\"{}\">{}</a> — {} — {}</li>",
            escape_html(&release_url(config, &entry.id)),
            escape_html(&entry.title),
            place(config, &entry.region, entry.country.as_deref()),
            time(entry.published),
        );
    }
    out.push_str("</ol>\n</section>\n");
}

/// `<link rel="alternate">` for a region's three feeds, for feed discovery.
fn autodiscovery(config: &Config, slug: &str, place: &str) -> String {
    FeedFormat::ALL
        .iter()
        .map(|&f| {
            let title = format!("{} — {place} ({})", config.site_title, f.label());
            format!(
                "<link rel=\"alternate\" type=\"{}\" title=\"{}\" href=\"{}\">\n",
                f.media_type(),
                escape_html(&title),
                escape_html(&feed_url(config, slug, f)),
            )
        })
        .collect()
}

/// The HTML page of one release.
pub fn render_release_page(config: &Config, entry: &Entry) -> String {
    let release = &entry.release;
    let region = region_name(config, &release.region);
    let base = escape_html(&config.base_url);
    let mut body = format!(
        "<nav><a href=\"{base}\">{}</a></nav>\n<main>\n<article>\n<h1>{}</h1>\n<p>{}</p>\n",
        escape_html(&config.site_title),
        escape_html(&release.title),
        dates(entry),
    );
    let _ = writeln!(
        body,
        "<p>{}</p>",
        place(
            config,
            &entry.release.region,
            entry.release.country.as_deref()
        )
    );
    // The summary is usually the first paragraph itself: show it as a lead
    // only when it says something else, so the page does not repeat itself.
    if release.paragraphs.first() != Some(&release.summary) {
        let _ = writeln!(
            body,
            "<p><strong>{}</strong></p>",
            escape_html(&release.summary)
        );
    }
    for paragraph in &release.paragraphs {
        let _ = writeln!(body, "<p>{}</p>", escape_html(paragraph));
    }
    if let Some(contact) = &release.contact {
        contact_block(&mut body, contact);
    }
    let _ = write!(
        body,
        "</article>\n</main>\n<footer>\n<p>Feeds for {}: {}</p>\n\
         <p><a href=\"{}\">This release as JSON</a> · <a href=\"{base}\">All releases</a></p>\n</footer>\n",
        escape_html(region),
        feed_links(config, &release.region),
        escape_html(&release_json_url(config, &entry.release.id)),
    );
    let head = format!(
        "<meta name=\"description\" content=\"{}\">\n{}",
        escape_html(&release.summary),
        autodiscovery(config, &release.region, region)
    );
    let title = format!("{} — {}", release.title, config.site_title);
    page(&title, &head, &body)
}

/// Published date, and the update date when it differs.
fn dates(entry: &Entry) -> String {
    let mut text = format!("Published {}", time(entry.published));
    if entry.updated != entry.published {
        let _ = write!(text, ", updated {}", time(entry.updated));
    }
    text
}

/// Region name, and country name when the release has one; escaped.
fn place(config: &Config, region: &str, country: Option<&str>) -> String {
    let region = region_name(config, region);
    match country {
        Some(code) => escape_html(&format!("{}, {region}", country_name(config, code))),
        None => escape_html(region),
    }
}

/// The contact block: the lines as written, else its parsed parts.
fn contact_block(out: &mut String, contact: &Contact) {
    let lines: Vec<String> = if contact.lines.is_empty() {
        contact_parts(contact)
    } else {
        contact.lines.clone()
    };
    if lines.is_empty() {
        return;
    }
    let lines: Vec<String> = lines.iter().map(|l| escape_html(l)).collect();
    let _ = writeln!(
        out,
        "<section>\n<h2>Contact</h2>\n<address>{}</address>\n</section>",
        lines.join("<br>\n")
    );
}

/// One line per person, then the office, emails and phones not already named.
fn contact_parts(contact: &Contact) -> Vec<String> {
    let mut lines: Vec<String> = contact
        .people
        .iter()
        .map(|p| {
            [
                Some(p.name.as_str()),
                p.email.as_deref(),
                p.phone.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
        })
        .collect();
    lines.extend(contact.office.clone());
    let named = |s: &String| contact.people.iter().any(|p| p.email.as_ref() == Some(s));
    lines.extend(contact.emails.iter().filter(|e| !named(e)).cloned());
    let named = |s: &String| contact.people.iter().any(|p| p.phone.as_ref() == Some(s));
    lines.extend(contact.phones.iter().filter(|p| !named(p)).cloned());
    lines
}

/// A `<time>` element: machine-readable RFC 3339, readable English text.
fn time(date: DateTime<Utc>) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        rfc3339(date),
        date.format("%-d %B %Y, %H:%M UTC")
    )
}

/// The whole document around a head fragment and a body.
fn page(title: &str, head: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n{head}</head>\n<body>\n{body}</body>\n</html>\n",
        escape_html(title)
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{at, config, entry, in_country, sample, snapshot, with_person};
    use super::{render_index, render_release_page};

    #[test]
    fn index_lists_regions_counts_feeds_and_autodiscovery() {
        let c = config();
        let html = render_index(&c, &snapshot(sample()));
        assert!(html.contains(
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"pressfeed — all regions (Atom)\" href=\"http://127.0.0.1:8080/feeds/all.atom\">"
        ));
        assert!(html.contains("type=\"application/rss+xml\""));
        assert!(html.contains("type=\"application/feed+json\""));
        assert!(html.contains("<tr><td>South America</td><td>2</td>"));
        assert!(html.contains("<tr><td>All regions</td><td>3</td>"));
        assert!(html.contains("http://127.0.0.1:8080/feeds/south-america.rss"));
        assert_eq!(html.matches("<li>").count(), 3);
    }

    #[test]
    fn index_escapes_titles_and_caps_the_latest_list() {
        let c = config();
        let many = (0..25)
            .map(|i| entry(&format!("{i}.txt"), "global", at(1, 1)))
            .collect();
        let html = render_index(&c, &snapshot(many));
        assert_eq!(html.matches("<li>").count(), 20);
        let html = render_index(&c, &snapshot(sample()));
        assert!(html.contains("Floods &lt;update&gt; &amp; &quot;relief&quot; &#x27;now&#x27;"));
        assert!(!html.contains("<update>"));
        let empty = render_index(&c, &snapshot(Vec::new()));
        assert!(empty.contains("No releases yet."));
    }

    #[test]
    fn release_page_shows_everything_escaped() {
        let c = config();
        let mut e = with_person(
            in_country(entry("sa/p.txt", "south-america", at(2, 9)), "CO"),
            "Ana <Souza>",
            Some("ana@example.org"),
        );
        e.release
            .paragraphs
            .push("A & B <script>alert(1)</script>".to_owned());
        e.updated = at(3, 10);
        let html = render_release_page(&c, &e);
        assert!(html.contains("<h1>Release sa/p.txt</h1>"));
        assert!(html.contains("Colombia, South America"));
        assert!(html.contains(
            "Published <time datetime=\"2026-03-02T09:00:00Z\">2 March 2026, 09:00 UTC</time>"
        ));
        assert!(html.contains(", updated <time datetime=\"2026-03-03T10:00:00Z\">"));
        assert!(html.contains("<p>A &amp; B &lt;script&gt;alert(1)&lt;/script&gt;</p>"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("<meta name=\"description\" content=\"Summary of sa/p.txt.\">"));
        assert_eq!(html.matches("Summary of sa/p.txt.").count(), 2);
        assert!(html.contains("<h2>Contact</h2>"));
        assert!(html.contains("For more information: Ana &lt;Souza&gt;"));
        assert!(html.contains("http://127.0.0.1:8080/feeds/south-america.atom"));
        assert!(html.contains("http://127.0.0.1:8080/releases/"));
        assert!(html.contains(".json\">This release as JSON</a>"));
    }
}
