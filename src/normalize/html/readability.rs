//! The Readability pass: runs `dom_smoothie` on the page after protecting what
//! it would wrongly drop (datelines, contact blocks) and removing page chrome
//! by the walker's rules, then decides whether its article or the plain
//! extraction gives the release's blocks.

use std::panic::{self, AssertUnwindSafe};

use dom_smoothie::{Config, Readability};
use scraper::Html;

use super::chrome::{Verdict, is_mostly_prose, verdict};
use super::contact::{is_contact_block, with_dropped_contacts};
use super::extract::{Block, blocks_in};
use super::guard::MAX_ELEMENTS_FOR_READABILITY;

/// Below this much text Readability's pick is not trusted (SPEC: "less than
/// ~200 characters").
const MIN_READABLE_CHARS: usize = 200;
/// Readability must keep at least this share of the paragraph text the plain
/// extraction finds, or it has probably picked the wrong container.
const MIN_SHARE_OF_PARAGRAPH_TEXT: f64 = 0.5;
/// `dom_smoothie` retries with looser cleaning while its article is shorter
/// than this; press releases are often only 1,000–2,000 characters long.
const READABILITY_CHAR_THRESHOLD: usize = 300;

/// Runs `dom_smoothie` and converts the article it finds into blocks, or
/// `None` when it fails. A panic inside the library is contained here, so
/// that hostile input costs a fallback, not the daemon.
pub(super) fn readability_blocks(html: &str) -> Option<Vec<Block>> {
    let content = panic::catch_unwind(AssertUnwindSafe(|| readable_article_html(html)))
        .ok()
        .flatten()?;
    let fragment = Html::parse_fragment(&content);
    Some(blocks_in(fragment.root_element(), true))
}

fn readable_article_html(html: &str) -> Option<String> {
    let config = Config {
        // Kept so the block walker can still spot share bars, related-links
        // lists and cookie notices that Readability let through.
        keep_classes: true,
        char_threshold: READABILITY_CHAR_THRESHOLD,
        max_elements_to_parse: MAX_ELEMENTS_FOR_READABILITY,
        ..Config::default()
    };
    let mut readability = Readability::new(html, None, Some(config)).ok()?;
    disguise_release_blocks(&readability);
    drop_chrome(&readability);
    let article = readability.parse().ok()?;
    Some(article.content.to_string())
}

/// Readability drops blocks dense with links and blocks whose class or id
/// says "contact", "footer", "media" or "meta" — exactly what a release's
/// contact block looks like — and takes a short "dateline" element for a
/// byline. Such blocks are made to look like plain text: address links
/// become spans, and datelines and contact-like blocks lose those names.
fn disguise_release_blocks(readability: &Readability) {
    let doc = &readability.doc;
    for dateline in doc
        .select(r#"[class*="dateline" i], [id*="dateline" i]"#)
        .nodes()
    {
        dateline.remove_attr("class");
        dateline.remove_attr("id");
    }
    for link in doc
        .select(r#"a[href^="mailto:" i], a[href^="tel:" i]"#)
        .nodes()
    {
        link.rename("span");
        link.remove_all_attrs();
    }
    for node in doc.select("footer, [class], [id]").nodes() {
        let names = format!(
            "{} {}",
            node.attr("class").unwrap_or_default(),
            node.attr("id").unwrap_or_default()
        )
        .to_ascii_lowercase();
        let is_footer = node.has_name("footer");
        let named_contact = names.contains("contact");
        let named_boilerplate = is_footer
            || ["footer", "media", "meta"]
                .iter()
                .any(|word| names.contains(word));
        if !named_contact && !named_boilerplate {
            continue;
        }
        let in_article = node.ancestors_it(None).any(|a| {
            a.has_name("article") || a.has_name("main") || a.attr_or("role", "").trim() == "main"
        });
        if !(named_contact || in_article) {
            continue;
        }
        if is_contact_block(&node.text()) {
            node.remove_attr("class");
            node.remove_attr("id");
            if is_footer {
                node.rename("div");
            }
        }
    }
}

/// Removes page chrome from Readability's input by the walker's rules.
/// Walking Readability's output is not enough: it replaces a `<div>` holding
/// a single paragraph by that paragraph, so the class that marked a
/// newsletter box or a share bar is gone by then.
fn drop_chrome(readability: &Readability) {
    for node in readability.doc.select("body *").nodes() {
        let Some(name) = node.node_name() else {
            continue;
        };
        let chrome = match verdict(&name, |attr| node.attr(attr).map(|v| v.to_string())) {
            Verdict::Chrome => true,
            Verdict::Suspect { min_prose } => {
                let linked = node
                    .descendants_it()
                    .filter(|n| n.has_name("a"))
                    .map(|a| a.normalized_char_count())
                    .sum();
                !is_mostly_prose(node.normalized_char_count(), linked, min_prose)
            }
            Verdict::HeaderOrFooter => {
                let in_article = node.ancestors_it(None).any(|a| {
                    a.has_name("article")
                        || a.has_name("main")
                        || a.attr_or("role", "").trim() == "main"
                });
                !(in_article && is_contact_block(&node.text()))
            }
            Verdict::Content => false,
        };
        if chrome {
            node.remove_from_parent();
        }
    }
}

/// Readability's blocks when they are trustworthy (enough text, most of the
/// page's paragraph text), with any contact run it dropped put back; else the
/// plain extraction.
pub(super) fn choose_blocks(readable: Option<Vec<Block>>, own: Vec<Block>) -> Vec<String> {
    let Some(readable) = readable else {
        return into_texts(own);
    };
    let readable_chars: usize = readable.iter().map(Block::chars).sum();
    let own_paragraph_chars: usize = own.iter().filter(|b| b.paragraph).map(Block::chars).sum();
    if readable_chars < MIN_READABLE_CHARS
        || (readable_chars as f64) < MIN_SHARE_OF_PARAGRAPH_TEXT * own_paragraph_chars as f64
    {
        return into_texts(own);
    }
    with_dropped_contacts(into_texts(readable), &into_texts(own))
}

fn into_texts(blocks: Vec<Block>) -> Vec<String> {
    blocks.into_iter().map(|b| b.text).collect()
}

#[cfg(test)]
mod tests {
    use crate::normalize::html::parse;
    use crate::normalize::html::test_support::{PROSE, page};

    #[test]
    fn readability_picks_the_story_out_of_unlabelled_columns() {
        let links: String = (1..=25)
            .map(|i| format!(r#"<div><a href="/n/{i}">Earlier story number {i}</a></div>"#))
            .collect();
        let html = page(
            "",
            &format!(
                r#"<div id="wrap"><div class="col-left">{links}</div>
                <div class="col-mid"><div class="story">{PROSE}</div></div>
                <div class="col-right"><div><a href="/most-read">Most read this week</a></div></div></div>"#
            ),
        );
        let draft = parse(&html);
        assert_eq!(draft.blocks.len(), 3, "{:?}", draft.blocks);
        assert!(draft.blocks[0].starts_with("NAIROBI"));
    }

    #[test]
    fn short_dateline_paragraph_stays_first() {
        let html = page(
            "",
            &format!(r#"<article><p class="dateline">GENEVA, 4 March 2025</p>{PROSE}</article>"#),
        );
        assert_eq!(parse(&html).blocks[0], "GENEVA, 4 March 2025");
    }

    #[test]
    fn very_short_release_uses_the_plain_extraction() {
        let html = page(
            "<title>Camp reopens | HRC</title>",
            "<nav><a href='/'>Home</a></nav><article><p>GOMA – The Mugunga camp reopened today.</p><p>Contact: press@hrc.example</p></article>",
        );
        assert_eq!(
            parse(&html).blocks,
            [
                "GOMA – The Mugunga camp reopened today.",
                "Contact: press@hrc.example"
            ]
        );
    }
}
