//! The headline: an `<h1>` that agrees with what the page's metadata states,
//! else the stated title with the site name removed; and dropping a first
//! block that only repeats it.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

use super::chrome::{class_and_id, in_page_chrome, name_words};
use super::cleanup::{collapse_whitespace, inline_text};
use super::meta::PageMeta;
use super::{MAX_CANDIDATES, selector};
use crate::normalize::clean::strip_prefix_ignore_case;

static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static H2: LazyLock<Selector> = LazyLock::new(|| selector("h2"));
/// Elements a page marks as its headline without a heading tag.
static MARKED_HEADLINE: LazyLock<Selector> = LazyLock::new(|| {
    selector(
        r#"[itemprop="headline"], [class~="headline"], [class~="article-title"], [class~="entry-title"], [class~="post-title"], [class$="-post-title"], [class*="-post-title "]"#,
    )
});

/// Title separators between a headline and a site name.
const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " · "];
/// Separators that may also put the site name first; dashes are left out
/// because headlines use them ("Sudan – Agency scales up aid").
const PREFIX_SEPARATORS: &[&str] = &[" | ", " :: ", " · "];

/// The page's headline, never a name of the site or of its news section:
/// an `<h1>` (else an `<h2>`, else an element marked as the headline) that
/// agrees with `og:title`, `twitter:title` or the JSON-LD `headline`, else
/// with `<title>`; else one of those social titles; else the article's
/// `<h1>`, marked headline or `<h2>` above its text; else `<title>` without
/// the site name; else a headline-like heading anywhere.
pub(super) fn headline(page: &Html, root: ElementRef<'_>, meta: &PageMeta) -> Option<String> {
    let stripped_title = meta
        .title
        .as_deref()
        .map(|t| strip_site_names(t, meta.site_name.as_deref()))
        .filter(|t| !t.is_empty());
    // The whole `<title>` only when no site name came off it: a logo `<h1>`
    // would agree with the site name it holds.
    let whole_title = meta
        .title
        .as_deref()
        .filter(|t| stripped_title.as_deref() == Some(collapse_whitespace(t).as_str()));
    // A section's name (`Newsroom`) is what a listing page states, not a
    // release's headline; nor is the site's name, which a logo shows.
    let site_names = site_names(page, meta);
    let names_site_or_section = |t: &str| is_section_name(t) || site_names.contains(&title_key(t));
    let headline_like = |t: &&str| !names_site_or_section(t);
    let social = [
        meta.og_title.as_deref().filter(headline_like),
        meta.twitter_title.as_deref().filter(headline_like),
        meta.ld_headline.as_deref().filter(headline_like),
    ];
    let names_no_section = |t: &&str| !names_a_section(t);
    let from_title = [
        whole_title.filter(names_no_section),
        stripped_title.as_deref().filter(names_no_section),
    ];
    let h1s = headline_candidates(page, root, &H1);
    let h2s = headline_candidates(page, root, &H2);
    let marked = headline_candidates(page, root, &MARKED_HEADLINE);
    // What social metadata states first: a `<title>` may name only the
    // section (`Newsroom - Fund`) and then agree with a section `<h1>`.
    // Some sites keep `<h1>` for their logo and set the headline in `<h2>`.
    for stated in [&social[..], &from_title[..]] {
        let agrees = |heading: &&String| {
            !names_site_or_section(heading)
                && stated.iter().flatten().any(|s| titles_agree(heading, s))
        };
        let agreeing = h1s.iter().find(agrees).or_else(|| h2s.iter().find(agrees));
        if let Some(heading) = agreeing.or_else(|| marked.iter().find(agrees)) {
            return Some(heading.clone());
        }
    }
    // An `<h1>` of the article that no stated title agrees with is still
    // a better headline than a `<title>` that names a section and a site
    // (`Press releases | Ministry of Agriculture`).
    let article_heading = |heading: &Selector, fewest_words: usize| {
        root.select(heading)
            .take(MAX_CANDIDATES)
            .filter(|h| !in_page_chrome(*h, root))
            .map(inline_text)
            .find(|t| {
                t.split_whitespace().nth(fewest_words - 1).is_some() && !names_site_or_section(t)
            })
    };
    let [og_title, twitter_title, ld_headline] = social.map(|t| t.map(str::to_owned));
    og_title
        .or(twitter_title)
        .or(ld_headline)
        .or_else(|| article_heading(&H1, 3))
        .or_else(|| article_heading(&MARKED_HEADLINE, 3))
        // An `<h2>` above the article's first paragraph heads the article;
        // one further down heads a section of it.
        .or_else(|| heading_above_text(root).filter(|t| !names_site_or_section(t)))
        // Pages set without headings (old table layouts) make the headline
        // a bold paragraph; their `<title>` mostly names the site.
        .or_else(|| bold_line_above_text(root).filter(|t| !names_site_or_section(t)))
        .or(stripped_title.filter(|t| !names_a_section(t)))
        // A listing-style page whose only headline is the article's `<h2>`.
        .or_else(|| article_heading(&H2, ARTICLE_H2_WORDS))
        .or_else(|| {
            marked
                .into_iter()
                .find(|t| t.split_whitespace().nth(2).is_some())
        })
        .or_else(|| h1s.into_iter().find(|h| !names_site_or_section(h)))
        .or_else(|| page.select(&H1).map(inline_text).find(|t| !t.is_empty()))
}

/// The article's `<h2>` that comes before any paragraph of its text, with
/// three words or more.
fn heading_above_text(root: ElementRef<'_>) -> Option<String> {
    for node in root.descendants().take(MAX_HEADING_SCAN) {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        match el.value().name() {
            // A trail or a note above the headline is no text yet.
            "p" if crate::normalize::text::is_running_text(&inline_text(el)) => return None,
            "h2" if !in_page_chrome(el, root) => {
                let text = inline_text(el);
                if text.split_whitespace().nth(2).is_some() && !is_section_name(&text) {
                    return Some(text);
                }
            }
            _ => {}
        }
    }
    None
}

/// The last paragraph set wholly in bold (or a large font) above the
/// article's first paragraph of text, with three words or more and not a
/// label (`FOR IMMEDIATE RELEASE`) or a field (`Contact:`).
fn bold_line_above_text(root: ElementRef<'_>) -> Option<String> {
    let mut found = None;
    for node in root.descendants().take(MAX_HEADING_SCAN) {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        // A paragraph, or a line set in bold among `<br>`s outside one.
        let paragraph = el.value().name() == "p";
        let loose_line = !paragraph && is_emphasis(el.value()) && !in_paragraph_or_link(el);
        if !(paragraph || loose_line) || in_page_chrome(el, root) {
            continue;
        }
        let text = inline_text(el);
        if paragraph && crate::normalize::text::is_running_text(&text) {
            break;
        }
        let words = text.split_whitespace().count();
        if (3..=BOLD_HEADLINE_WORDS).contains(&words)
            && !text.ends_with([':', '.'])
            && !crate::normalize::text::is_meta_line(&text)
            && (loose_line || is_set_bold(el))
        {
            found = Some(text);
        }
    }
    found
}

/// Class words that mark the standfirst under a headline
/// (`news-detail__lead`, `article-standfirst`, `field-deck`).
const DECK_CLASS_WORDS: [&str; 7] = [
    "lead",
    "standfirst",
    "deck",
    "dek",
    "subtitle",
    "strapline",
    "teaser",
];

/// Most words of a standfirst.
const MOST_DECK_WORDS: usize = 60;

/// The standfirst the page marks by its class above the article's text:
/// body, but not the lead paragraph.
pub(super) fn deck(root: ElementRef<'_>) -> Option<String> {
    for node in root.descendants().take(MAX_HEADING_SCAN) {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        if !matches!(el.value().name(), "p" | "div") {
            continue;
        }
        let marked = el.value().attr("class").is_some_and(|class| {
            class
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| DECK_CLASS_WORDS.iter().any(|d| w.eq_ignore_ascii_case(d)))
        });
        let text = inline_text(el);
        let words = text.split_whitespace().count();
        if marked && (4..=MOST_DECK_WORDS).contains(&words) {
            return (!opens_the_text(el)).then_some(text);
        }
        if el.value().name() == "p" && crate::normalize::text::is_running_text(&text) {
            return None;
        }
    }
    None
}

/// A paragraph marked "lead" that the text goes on from, in a plain
/// paragraph beside it with no dateline, is the text's opening ("the
/// lead" of a news story), not a standfirst set apart above it.
fn opens_the_text(el: ElementRef<'_>) -> bool {
    let only_lead = el.value().attr("class").is_some_and(|class| {
        class
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| DECK_CLASS_WORDS.iter().any(|d| w.eq_ignore_ascii_case(d)))
            .all(|w| w.eq_ignore_ascii_case("lead"))
    });
    let next = el.next_siblings().find_map(ElementRef::wrap);
    only_lead
        && el.value().name() == "p"
        && next.is_some_and(|n| {
            n.value().name() == "p"
                && n.value().attr("class").is_none()
                && crate::normalize::summary::dateline_prefix(&inline_text(n)).is_none()
        })
}

fn in_paragraph_or_link(el: ElementRef<'_>) -> bool {
    el.ancestors()
        .filter_map(|a| a.value().as_element())
        .any(|a| matches!(a.name(), "p" | "a"))
}

/// Most words of a bold paragraph taken as the headline.
const BOLD_HEADLINE_WORDS: usize = 30;

/// Is all the text of `el` inside `<b>`, `<strong>` or a large `<font>`?
fn is_set_bold(el: ElementRef<'_>) -> bool {
    let mut any = false;
    for node in el.descendants() {
        let scraper::Node::Text(text) = node.value() else {
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        let emphasised = node
            .ancestors()
            .take_while(|a| a.id() != el.id())
            .filter_map(|a| a.value().as_element())
            .any(is_emphasis);
        if !emphasised {
            return false;
        }
        any = true;
    }
    any
}

/// `<b>`, `<strong>`, `<big>` or a large `<font>`.
fn is_emphasis(element: &scraper::node::Element) -> bool {
    matches!(element.name(), "b" | "strong" | "big")
        || (element.name() == "font"
            && element
                .attr("size")
                .and_then(|s| s.trim().trim_start_matches('+').parse::<u8>().ok())
                .is_some_and(|size| size >= LARGE_FONT_SIZE))
}

/// `<font size>` from which a line is set large.
const LARGE_FONT_SIZE: u8 = 4;

/// Nodes looked at for a heading above the article's first paragraph.
const MAX_HEADING_SCAN: usize = 2_000;

/// Fewest words of an article's `<h2>` taken as its headline; section
/// headings inside a release are shorter.
const ARTICLE_H2_WORDS: usize = 4;

/// Names of a site's news section, in the languages releases come in.
const SECTION_NAMES: &[&str] = &[
    "news",
    "newsroom",
    "news room",
    "latest news",
    "news and events",
    "news & events",
    "news and media",
    "news releases",
    "press",
    "press releases",
    "press release",
    "press room",
    "press centre",
    "press center",
    "press office",
    "media",
    "media centre",
    "media center",
    "media releases",
    "media room",
    "announcements",
    "stories",
    "blog",
    "updates",
    "noticias",
    "sala de prensa",
    "prensa",
    "comunicados",
    "actualités",
    "communiqués",
    "communiqués de presse",
    "salle de presse",
    "notícias",
    "imprensa",
    "aktuelles",
    "pressemitteilungen",
];

/// A `<title>` that is a section's name, perhaps beside the site's
/// (`News - Harbour Fund`).
fn names_a_section(title: &str) -> bool {
    is_section_name(title)
        || TITLE_SEPARATORS.iter().any(|sep| {
            title
                .split_once(sep)
                .is_some_and(|(a, b)| is_section_name(a) || is_section_name(b))
        })
}

fn is_section_name(text: &str) -> bool {
    let key = title_key(text);
    let key = key.trim_matches(|c: char| !c.is_alphanumeric());
    // `News and press releases`, `Press & media`: section names joined.
    SECTION_NAMES.contains(&key)
        || (key.contains(" and ") || key.contains(" & "))
            && key
                .split(" and ")
                .flat_map(|part| part.split(" & "))
                .all(|part| SECTION_NAMES.contains(&part.trim()))
}

/// The site's names, as keys: `og:site_name` and the text of logo
/// headings (`<h1 class="site-logo">`).
fn site_names(page: &Html, meta: &PageMeta) -> Vec<String> {
    let logos = page
        .select(&H1)
        .take(MAX_CANDIDATES)
        .filter(|h1| is_logo(h1.value()))
        .map(inline_text);
    meta.site_name
        .iter()
        .cloned()
        .chain(logos)
        .map(|name| title_key(&name))
        .filter(|key| !key.is_empty())
        .collect()
}

/// An element the page names as its logo or brand.
fn is_logo(element: &scraper::node::Element) -> bool {
    let names = class_and_id(element.attr("class"), element.attr("id"));
    name_words(&names).any(|word| word.starts_with("logo") || word == "brand" || word == "sitename")
        || ["site-title", "site-name", "site_title", "site_name"]
            .iter()
            .any(|name| names.contains(name))
}

/// Heading texts (`<h1>` or `<h2>`) outside page chrome, those inside the
/// article first.
fn headline_candidates(page: &Html, root: ElementRef<'_>, heading: &Selector) -> Vec<String> {
    let in_root = root
        .select(heading)
        .take(MAX_CANDIDATES)
        .filter(|h1| !in_page_chrome(*h1, root));
    let in_page = page
        .select(heading)
        .take(MAX_CANDIDATES)
        .filter(|h1| !in_page_chrome(*h1, root));
    let mut texts: Vec<String> = Vec::new();
    for text in in_root.chain(in_page).map(inline_text) {
        if !text.is_empty() && !texts.contains(&text) {
            texts.push(text);
        }
    }
    texts
}

/// Equal, or one contains the other, ignoring case and whitespace. The
/// shorter must have three words or more, so a logo `<h1>` ("MRA") does not
/// agree with every title that mentions it.
fn titles_agree(a: &str, b: &str) -> bool {
    let (a, b) = (title_key(a), title_key(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    short.split_whitespace().nth(2).is_some()
        && (long.contains(short.as_str()) || mostly_within(short, long))
}

/// Share of a shorter title's words the longer must hold for the two to be
/// one headline said twice: social titles shorten the headline
/// (`Maker Opens Plant in Chile` for `Maker Opens Panel Plant in Northern
/// Chile`).
const SHARED_WORDS: f64 = 0.8;

fn mostly_within(short: &str, long: &str) -> bool {
    let words = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (short, long) = (words(short), words(long));
    let held = short.iter().filter(|w| long.contains(w)).count();
    short.len() >= 3 && held as f64 >= short.len() as f64 * SHARED_WORDS
}

fn title_key(text: &str) -> String {
    collapse_whitespace(&text.to_lowercase())
}

/// How many section names may come off a `<title>` after its site name
/// (`Site :: News :: Headline`).
const MOST_SECTION_STRIPS: usize = 2;

/// `<title>` without its site name and the section names after it. Only
/// pipe-like separators part sections: a dash inside a headline stays.
fn strip_site_names(title: &str, site_name: Option<&str>) -> String {
    let mut title = strip_site_name(title, site_name);
    for _ in 0..MOST_SECTION_STRIPS {
        let first_split = PREFIX_SEPARATORS
            .iter()
            .filter_map(|sep| title.find(sep).map(|i| (i, sep.len())))
            .min_by_key(|(i, _)| *i);
        let Some((i, len)) = first_split else {
            break;
        };
        let (head, tail) = (&title[..i], &title[i + len..]);
        if !looks_like_site_name(head, tail) {
            break;
        }
        title = tail.trim().to_string();
    }
    title
}

/// `<title>` without the site name: the side equal to `og:site_name`, or else
/// a short last part ("… | MRA"), or a short first part before a pipe-like
/// separator ("MRA | …").
fn strip_site_name(title: &str, site_name: Option<&str>) -> String {
    let title = collapse_whitespace(title);
    if let Some(site) = site_name.map(collapse_whitespace).filter(|s| !s.is_empty()) {
        for separator in TITLE_SEPARATORS {
            if let Some(rest) = strip_suffix_ci(&title, &format!("{separator}{site}")) {
                return rest.trim().to_string();
            }
            if let Some(rest) = strip_prefix_ignore_case(&title, &format!("{site}{separator}")) {
                return rest.trim().to_string();
            }
        }
    }
    let last_split = TITLE_SEPARATORS
        .iter()
        .filter_map(|sep| title.rfind(sep).map(|i| (i, sep.len())))
        .max_by_key(|(i, _)| *i);
    if let Some((i, len)) = last_split {
        let (head, tail) = (&title[..i], &title[i + len..]);
        if looks_like_site_name(tail, head) {
            return head.trim().to_string();
        }
    }
    let first_split = PREFIX_SEPARATORS
        .iter()
        .filter_map(|sep| title.find(sep).map(|i| (i, sep.len())))
        .min_by_key(|(i, _)| *i);
    if let Some((i, len)) = first_split {
        let (head, tail) = (&title[..i], &title[i + len..]);
        if looks_like_site_name(head, tail) {
            return tail.trim().to_string();
        }
    }
    title
}

/// A site name is short, and shorter than the headline it sits beside.
fn looks_like_site_name(part: &str, headline: &str) -> bool {
    let words = part.split_whitespace().count();
    (1..=5).contains(&words)
        && part.chars().count() <= 50
        && part.chars().count() < headline.chars().count()
        && headline.split_whitespace().nth(1).is_some()
}

fn strip_suffix_ci<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

/// Drops a first block that only repeats the headline.
pub(super) fn without_leading_title(mut blocks: Vec<String>, title: Option<&str>) -> Vec<String> {
    if let (Some(first), Some(title)) = (blocks.first(), title)
        && title_key(first) == title_key(title)
    {
        blocks.remove(0);
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::html::parse;
    use crate::normalize::html::test_support::{PROSE, joined, page};

    #[test]
    fn title_is_the_article_h1_when_it_agrees_with_og_title() {
        let html = page(
            r#"<title>Rains flood Dadaab camps | Horn Relief Coalition</title>
               <meta property="og:title" content="Rains flood Dadaab camps, 12,400 people reached">"#,
            &format!(
                r#"<header><h1 class="logo">Horn Relief Coalition</h1></header>
                   <article><h1>Rains flood  Dadaab camps,
                   12,400 people reached</h1>{PROSE}</article>"#
            ),
        );
        let draft = parse(&html);
        assert_eq!(
            draft.title.as_deref(),
            Some("Rains flood Dadaab camps, 12,400 people reached")
        );
        assert_eq!(draft.front.title, None);
    }

    #[test]
    fn a_headline_stated_only_in_json_ld_is_the_title() {
        let html = page(
            r#"<title>Newsroom</title>
               <script type="application/ld+json">{"@type": "NewsArticle",
                 "headline": "Mobile Clinics Reach 46 Villages in the \"Western\" Highlands"}</script>"#,
            &format!(
                r#"<header><h1 class="logo">Highland Health Network</h1></header>
                   <article><div class="headline">Mobile Clinics Reach 46 Villages in the "Western" Highlands</div>{PROSE}</article>"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Mobile Clinics Reach 46 Villages in the \"Western\" Highlands")
        );
    }

    #[test]
    fn a_standfirst_marked_by_its_class_is_the_deck() {
        let html = page(
            "<title>News</title>",
            &format!(
                r#"<article><h1>Rains flood Dadaab camps</h1>
                <p class="news-detail__lead">Aid workers reached thousands of families this week.</p>{PROSE}</article>"#
            ),
        );
        assert_eq!(
            parse(&html).deck.as_deref(),
            Some("Aid workers reached thousands of families this week.")
        );
        // "leader" is no lead; nor is a marked paragraph under the text.
        let html = page(
            "<title>News</title>",
            &format!(
                r#"<article><h1>Rains flood Dadaab camps</h1><p class="leader">Aid workers reached thousands of families.</p>{PROSE}
                <p class="teaser">Aid workers reached thousands of families.</p></article>"#
            ),
        );
        assert_eq!(parse(&html).deck, None);
        // A lead the text goes on from is the opening itself.
        let html = page(
            "<title>News</title>",
            r#"<article><h1>Sensors map volcanic gas</h1><div class="body">
            <p class="news-item__lead">Researchers have installed a network of 42 gas sensors around the town, which was evacuated three times since 2023.</p>
            <p>The sensors measure sulphur dioxide every minute and send the readings to a public map.</p></div></article>"#,
        );
        assert_eq!(parse(&html).deck, None);
    }

    #[test]
    fn a_page_without_headings_has_its_bold_line_above_the_text_as_headline() {
        let html = page(
            "<title>HRC - Horn Relief Coalition</title>",
            &format!(
                r#"<table><tr><td><p><a href="/">Home</a> | <a href="/news">News</a></p></td>
                <td><p class="small">News &raquo; Press Releases &raquo; 2026</p>
                <p><b>FOR IMMEDIATE RELEASE</b></p>
                <p><b>Contact:</b> Amara Okafor, +254 20 555 0134</p>
                <p align="center"><font size="4"><b>Rains Flood Dadaab Camps as Arrivals Rise</b></font></p>
                {PROSE}</td></tr></table>"#
            ),
        );
        let draft = parse(&html);
        assert_eq!(
            draft.title.as_deref(),
            Some("Rains Flood Dadaab Camps as Arrivals Rise")
        );
        // Lines set apart by `<br>`s, with no paragraph around them.
        let html = page(
            "<title>HRC :: News</title>",
            &format!(
                r#"<table><tr><td><font size="1"><b>QUICK LINKS</b></font><br>
                <font size="1"><a href="/a">&raquo; Rains Flood the Camps Again</a></font></td>
                <td><font size="1">News Releases &gt; 2026</font><br><br>
                <font size="4"><b>Rains Flood Dadaab Camps as Arrivals Rise</b></font><br>
                <font size="1">Posted: 19/02/2026</font><br><br>
                <font size="2">{PROSE}</font></td></tr></table>"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Rains Flood Dadaab Camps as Arrivals Rise")
        );
    }

    #[test]
    fn a_page_builder_marks_the_post_title_on_its_wrapper() {
        let html = page(
            "<title>Clean water for hillside schools – Hope Fund</title>",
            &format!(
                r#"<div class="widget widget-heading"><p class="heading-title">NEWSROOM · WATER</p></div>
                <div class="widget widget-theme-post-title page-title"><div class="heading-title">Forty hillside schools get safe water before the new term</div></div>{PROSE}"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Forty hillside schools get safe water before the new term")
        );
    }

    #[test]
    fn a_section_name_is_never_the_headline() {
        // Section names joined by "and" are one.
        let html = page(
            "<title>Embassy : News and press releases</title>",
            &format!(
                r#"<h1>News and press releases</h1>
                   <h2>Embassy hands over equipment to three district hospitals</h2>{PROSE}"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Embassy hands over equipment to three district hospitals")
        );
        // `<title>` names the section, og:title the release.
        let html = page(
            r#"<title>Newsroom - Harbour Fund</title>
               <meta property="og:title" content="Fund approves loan for two new ferry piers">"#,
            &format!(
                r#"<h1>Newsroom</h1>
                   <article><h2>Fund approves loan for two new ferry piers</h2>{PROSE}</article>"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Fund approves loan for two new ferry piers")
        );
        // Everything the page states is the section: the article's `<h2>`.
        let html = page(
            r#"<title>News - Harbour Fund</title><meta property="og:title" content="Newsroom">"#,
            &format!(
                r#"<h1>Newsroom</h1>
                   <article><h2>Fund approves loan for two new ferry piers</h2>{PROSE}</article>"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Fund approves loan for two new ferry piers")
        );
    }

    #[test]
    fn a_logo_names_the_site_and_a_marked_headline_is_read() {
        let html = page(
            r#"<title>Harbour Fund — News</title><meta property="og:title" content="Harbour Fund Trust">"#,
            &format!(
                r#"<header><h1 class="site-logo"><a href="/">Harbour Fund Trust</a></h1></header>
                   <div class="news-item"><div class="headline">Fund approves loan for two new ferry piers</div>
                   <div class="news-body">{PROSE}</div></div>"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Fund approves loan for two new ferry piers")
        );
    }

    #[test]
    fn an_h2_above_the_text_beats_a_section_and_site_title() {
        let html = page(
            "<title>Returning Migrants | Harbour Mobility Centre</title>",
            &format!(
                r#"<div id="content"><h2 class="news-title">Fund approves loan for two new ferry piers</h2>{PROSE}
                   <h2>How the loan will be repaid over time</h2><p>In ten yearly parts.</p></div>"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Fund approves loan for two new ferry piers")
        );
        // A trail and a note above it are no text yet.
        let html = page(
            "<title>Announcements | Investors | Harbour Fund plc</title>",
            &format!(
                r#"<p class="crumbs"><a href="/">Home</a> / <a href="/investors">Investors</a> / Announcement</p>
                   <h1>Announcements</h1>
                   <div id="content"><p class="note">Number: 4821Q<br>Harbour Fund plc<br>10 March 2026</p>
                   <h2 class="title">Fund approves loan for two new ferry piers</h2>{PROSE}</div>"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Fund approves loan for two new ferry piers")
        );
    }

    #[test]
    fn an_h1_in_a_page_header_div_is_the_headline() {
        let html = page(
            r#"<title>Harbour Fund - Fund approves loan for two new ferry piers</title>
               <meta property="og:title" content="Fund approves loan for two new ferry piers - Harbour Fund">"#,
            &format!(
                r#"<div class="content"><div class="page-header"><h1>Fund approves loan for two new ferry piers</h1></div>{PROSE}</div>"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Fund approves loan for two new ferry piers")
        );
    }

    #[test]
    fn a_logo_h1_gives_way_to_the_h2_the_title_names() {
        let html = page(
            r#"<title>Delta Rebuild Trust :: News :: 300 homes rebuilt as families return to the old town</title>
               <meta property="og:title" content="Rebuilding the old town one street at a time">"#,
            &format!(
                r#"<header><h1 class="logo">Delta Rebuild Trust</h1></header>
                   <article><h2>300 homes rebuilt as families return to the old town</h2>{PROSE}</article>"#
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("300 homes rebuilt as families return to the old town")
        );
    }

    #[test]
    fn title_is_the_h1_when_it_contains_the_og_title() {
        let html = page(
            r#"<meta property="og:title" content="Rains flood Dadaab camps">"#,
            &format!("<article><h1>Kenya: Rains flood Dadaab camps</h1>{PROSE}</article>"),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Kenya: Rains flood Dadaab camps")
        );
    }

    #[test]
    fn title_is_the_h1_when_og_title_shortens_it() {
        let html = page(
            r#"<meta property="og:title" content="Rains flood camps in Dadaab">"#,
            &format!(
                "<article><h1>Heavy rains flood three camps in Dadaab as rivers rise</h1>{PROSE}</article>"
            ),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Heavy rains flood three camps in Dadaab as rivers rise")
        );
    }

    #[test]
    fn title_is_og_title_when_the_h1_disagrees() {
        let html = page(
            r#"<title>Press releases | Horn Relief Coalition</title>
               <meta property="og:title" content="Rains flood Dadaab camps">"#,
            &format!("<article><h1>Latest press releases</h1>{PROSE}</article>"),
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Rains flood Dadaab camps")
        );
    }

    #[test]
    fn title_is_twitter_title_when_there_is_no_og_title() {
        let html = page(
            r#"<meta name="twitter:title" content="Rains flood Dadaab camps">"#,
            PROSE,
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Rains flood Dadaab camps")
        );
    }

    #[test]
    fn title_tag_loses_the_site_name_given_by_og_site_name() {
        let html = page(
            r#"<title>Rains flood Dadaab camps – Horn Relief Coalition</title>
               <meta property="og:site_name" content="Horn Relief Coalition">"#,
            PROSE,
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Rains flood Dadaab camps")
        );
    }

    #[test]
    fn title_tag_loses_a_short_site_suffix_or_prefix() {
        assert_eq!(
            strip_site_name("Rains flood Dadaab camps | HRC", None),
            "Rains flood Dadaab camps"
        );
        assert_eq!(
            strip_site_name("Rains flood Dadaab camps - HRC News", None),
            "Rains flood Dadaab camps"
        );
        assert_eq!(
            strip_site_name("HRC :: Rains flood Dadaab camps", None),
            "Rains flood Dadaab camps"
        );
        assert_eq!(
            strip_site_name("HRC · Rains flood Dadaab camps", None),
            "Rains flood Dadaab camps"
        );
        assert_eq!(
            strip_site_name(
                "Home — Rains flood camps — Horn Relief",
                Some("Horn Relief")
            ),
            "Home — Rains flood camps"
        );
    }

    #[test]
    fn title_tag_keeps_a_dash_that_belongs_to_the_headline() {
        assert_eq!(
            strip_site_name("Sudan – Coalition scales up aid in Darfur camps", None),
            "Sudan – Coalition scales up aid in Darfur camps"
        );
        assert_eq!(strip_site_name("Floods in Chad", None), "Floods in Chad");
    }

    #[test]
    fn title_falls_back_to_the_first_h1() {
        let html = page("", &format!("<h1>Rains flood Dadaab camps</h1>{PROSE}"));
        let draft = parse(&html);
        assert_eq!(draft.title.as_deref(), Some("Rains flood Dadaab camps"));
        assert!(!joined(&draft).contains("Rains flood Dadaab camps"));
    }

    #[test]
    fn title_has_entities_decoded_and_whitespace_collapsed() {
        let html = page(
            "<title>Shelter  &amp;\n water for &quot;Lake Chad&quot; families | HRC</title>",
            PROSE,
        );
        assert_eq!(
            parse(&html).title.as_deref(),
            Some("Shelter & water for \"Lake Chad\" families")
        );
        let twice_escaped = page(
            r#"<meta property="og:title" content="Coalition&amp;#8217;s appeal &amp;amp; response">"#,
            PROSE,
        );
        assert_eq!(
            parse(&twice_escaped).title.as_deref(),
            Some("Coalition’s appeal & response")
        );
    }

    #[test]
    fn leading_block_repeating_the_title_is_dropped() {
        let html = page(
            r#"<meta property="og:title" content="Rains flood Dadaab camps">"#,
            &format!("<div><h2>Rains flood Dadaab camps</h2>{PROSE}</div>"),
        );
        let draft = parse(&html);
        assert!(
            draft.blocks[0].starts_with("NAIROBI – Aid workers"),
            "{:?}",
            draft.blocks
        );
    }
}
