//! `.html` adapter: turns a saved web page into a [`Draft`]. It owns picking
//! the headline, finding the article's paragraphs in reading order (Readability
//! via `dom_smoothie`, checked against a plain semantic-element extraction) with
//! page chrome dropped, and reading the date and author the page states.
//!
//! This file holds the entry point, [`parse`], which runs the steps in order,
//! and the choice of the element the plain extraction reads. The steps live
//! beside it: [`guard`] (input size and nesting limits, with the tag
//! tokenizer in [`scan`]), [`meta`] (date and author), [`title`] (headline
//! and site-name removal), [`readability`] (the `dom_smoothie` pass and its
//! protections), [`extract`] (the plain extraction and block writing),
//! [`chrome`] (what counts as page chrome), [`contact`] (recognising and
//! keeping the release's contact block) and [`cleanup`] (text clean-up).

mod chrome;
mod cleanup;
mod contact;
mod extract;
mod guard;
mod meta;
mod readability;
mod scan;
#[cfg(test)]
mod test_support;
mod title;

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};

use super::{Draft, FrontMatter};
use chrome::in_hard_chrome;
use extract::blocks_in;
use guard::{fits_readability, flatten_excess_nesting};
use meta::{PageMeta, published_date};
use readability::{choose_blocks, readability_blocks};
use title::{headline, without_leading_title};

/// How many `<h1>` or `<time>` candidates are inspected; each check walks
/// ancestors, so a page of thousands of them stays linear.
const MAX_CANDIDATES: usize = 20;

/// Turns a saved web page into a draft release: the headline, the article's
/// paragraphs in reading order, and the date and author the page states.
/// Never panics, whatever the input.
pub(crate) fn parse(html: &str) -> Draft {
    let html = flatten_excess_nesting(html);
    let page = Html::parse_document(&html);
    let meta = PageMeta::read(&page);
    let root = content_root(&page);
    let own = blocks_in(root.element, root.is_article);
    let readable = if fits_readability(&page) {
        readability_blocks(&html)
    } else {
        None
    };
    let title = headline(&page, root.element, &meta);
    let blocks = without_leading_title(choose_blocks(readable, own), title.as_deref());
    Draft {
        title,
        blocks,
        front: FrontMatter {
            date: published_date(&page, root.element, &meta),
            author: meta.author(),
            ..FrontMatter::default()
        },
        deck: title::deck(root.element),
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector is valid")
}

fn pattern(re: &str) -> Regex {
    Regex::new(re).expect("static regex is valid")
}

static ARTICLE: LazyLock<Selector> = LazyLock::new(|| selector("article"));
static MAIN: LazyLock<Selector> = LazyLock::new(|| selector("main, [role=main]"));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));

/// The element the plain extraction reads, and whether it is the article
/// itself (so footers inside it may hold the release's contact block).
struct ContentRoot<'a> {
    element: ElementRef<'a>,
    is_article: bool,
}

/// The `<article>` holding the most text, unless a `<main>` holds much more;
/// else `<main>` / `[role=main]`; else `<body>`.
fn content_root(page: &Html) -> ContentRoot<'_> {
    let article = page
        .select(&ARTICLE)
        .take(MAX_CANDIDATES * 2)
        .filter(|el| !in_hard_chrome(*el))
        .max_by_key(|el| text_chars(*el));
    let main = page.select(&MAIN).find(|el| !in_hard_chrome(*el));
    let element = match (article, main) {
        (Some(article), Some(main)) if text_chars(article) * 5 < text_chars(main) * 2 => main,
        (Some(article), _) => article,
        (None, Some(main)) => main,
        (None, None) => {
            let body = page.select(&BODY).next();
            return ContentRoot {
                element: body.unwrap_or_else(|| page.root_element()),
                is_article: false,
            };
        }
    };
    ContentRoot {
        element,
        is_article: true,
    }
}

fn text_chars(el: ElementRef<'_>) -> usize {
    el.text().map(|t| t.trim().chars().count()).sum()
}

#[cfg(test)]
mod tests {
    use super::test_support::{GENEVA, MINIMAL, date, joined};
    use super::*;

    #[test]
    fn page_without_article_element_gives_the_body_paragraphs() {
        let html = "<html><head><title>HRC | Rains flood Dadaab camps</title></head><body>\
            <p>NAIROBI – Aid workers reached 12,400 people.</p><p>More rain is expected.</p>\
            <p>Contact: Amara Okafor, +254 20 555 0134</p></body></html>";
        let draft = parse(html);
        assert_eq!(draft.title.as_deref(), Some("Rains flood Dadaab camps"));
        assert_eq!(
            draft.blocks,
            [
                "NAIROBI – Aid workers reached 12,400 people.",
                "More rain is expected.",
                "Contact: Amara Okafor, +254 20 555 0134"
            ]
        );
    }

    #[test]
    fn empty_input_gives_an_empty_draft() {
        assert_eq!(parse(""), Draft::default());
        assert_eq!(parse("   \n\t"), Draft::default());
    }

    #[test]
    fn garbage_input_does_not_panic() {
        let bytes: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let noise = String::from_utf8_lossy(&bytes).into_owned();
        for input in [
            noise.as_str(),
            "\0\0\0<\0>\u{FFFD}",
            "<<<>>><<//>></",
            "<!--",
            "<script>",
            "<title>",
            "<a href='",
            "<table><td><table><td><p><li><dd><select><option>x",
            "<svg><g><g><title>t</title></g>",
            "<html><head><meta property='og:title' content=''></head><body><h1></h1></body></html>",
        ] {
            let _ = parse(input);
        }
    }

    #[test]
    fn geneva_fixture_gives_the_release() {
        let draft = parse(GENEVA);
        assert_eq!(
            draft.title.as_deref(),
            Some("Agency appeals for USD 62 million as floods displace 410,000 across the Sahel")
        );
        assert!(
            draft.blocks[0]
                .starts_with("GENEVA – The Migration Relief Agency (MRA) today launched")
        );
        assert_eq!(draft.front.date, date("2025-03-11T09:30:00+01:00"));
        assert_eq!(draft.front.author.as_deref(), Some("MRA Media Team"));
        assert!(
            draft
                .blocks
                .contains(&"Shelter and clean water first".to_string())
        );
        let text = joined(&draft);
        for chrome in [
            "Skip to",
            "cookies",
            "Accept all",
            "Who we are",
            "Donate",
            "Search",
            "Press releases",
            "Share",
            "Photo:",
            "Related news",
            "newsletter",
            "Floods\n",
            "Privacy",
            "©",
            "Safe movement",
            "11 March 2025",
        ] {
            assert!(!text.contains(chrome), "{chrome:?} leaked");
        }
        let tail: Vec<&str> = draft
            .blocks
            .iter()
            .rev()
            .take(7)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            [
                "For more information, please contact:",
                "Lukas Ferreira, MRA Geneva",
                "Tel: +41 22 555 01 47",
                "Email: lferreira@mra.example",
                "Fatou Sarr, MRA Niamey",
                "Tel: +227 90 55 12 34",
                "Email: fsarr@mra.example",
            ]
        );
    }

    #[test]
    fn minimal_fixture_gives_the_body_paragraphs() {
        let draft = parse(MINIMAL);
        assert_eq!(
            draft.title.as_deref(),
            Some("Boat arrivals rise on Lampedusa as winter crossings continue")
        );
        assert_eq!(draft.blocks.len(), 5);
        assert!(draft.blocks[0].starts_with("LAMPEDUSA, Italy – Harbour Aid Network volunteers"));
        assert_eq!(
            draft.blocks[4],
            "Contact: Giulia Moretti, Harbour Aid Network, +39 06 5550 1234, gmoretti@harbouraid.example"
        );
        assert_eq!(draft.front.date, None);
    }
}
