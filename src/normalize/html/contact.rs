//! The release's contact block: recognising contact details (addresses, phone
//! numbers, "please contact"), so that chrome rules and Readability keep the
//! block, and putting back contact runs Readability dropped.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use super::pattern;

/// A run of blocks Readability dropped is only put back when it is at most
/// this long: a contact block is a handful of lines.
const MAX_RESCUED_RUN: usize = 40;
/// Longer than this, a block with an email address in it is not a contact block.
const MAX_CONTACT_BLOCK_CHARS: usize = 1500;

static CONTACT_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)for (?:more|further) information|please contact|(?:media|press) (?:contacts?|enquir|inquir|office)|contacts?(?: presse| press| media)?\s*:|(?-u:\b)(?:(?:tel|phone|mobile|cell)(?-u:\b)|tél)\.?\s*:?\s*\+?\(?\d",
    )
});
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"));
static PHONE: LazyLock<Regex> = LazyLock::new(|| pattern(r"\+\d[\d\s().-]{6,}\d"));

/// Puts back runs of `own` blocks that Readability dropped when a run holds
/// contact details, right after the block that precedes the run in `own`.
pub(super) fn with_dropped_contacts(readable: Vec<String>, own: &[String]) -> Vec<String> {
    let kept: HashSet<String> = readable.iter().map(|b| match_key(b)).collect();
    let readable_text = match_key(&readable.join("\n"));
    let mut rescued: HashMap<String, Vec<String>> = HashMap::new();
    let mut anchor: Option<String> = None;
    let mut run: Vec<&String> = Vec::new();
    for block in own {
        let key = match_key(block);
        if !kept.contains(&key) {
            run.push(block);
            continue;
        }
        if let Some(anchor) = anchor.take() {
            let missing = contact_run(&run, &readable_text);
            rescued.entry(anchor).or_default().extend(missing);
        }
        run.clear();
        anchor = Some(key);
    }
    if let Some(anchor) = anchor {
        let missing = contact_run(&run, &readable_text);
        rescued.entry(anchor).or_default().extend(missing);
    }
    let mut out = Vec::with_capacity(readable.len());
    for block in readable {
        let after = rescued.remove(&match_key(&block));
        out.push(block);
        out.extend(after.into_iter().flatten());
    }
    out
}

/// The blocks of a dropped run worth restoring: all of it when it holds
/// contact details (the name and title lines sit beside the address lines),
/// minus text Readability kept under a different block split.
fn contact_run(run: &[&String], readable_text: &str) -> Vec<String> {
    if run.len() > MAX_RESCUED_RUN || !run.iter().any(|b| looks_like_contact(b)) {
        return Vec::new();
    }
    run.iter()
        .filter(|b| !readable_text.contains(&match_key(b)))
        .map(|b| (*b).clone())
        .collect()
}

fn match_key(text: &str) -> String {
    text.to_lowercase()
}

/// Whether a line or block gives contact details: an email address, an
/// international phone number, a "Tel: …" line or a "please contact" phrase.
fn looks_like_contact(text: &str) -> bool {
    CONTACT_WORDS.is_match(text) || EMAIL.is_match(text) || PHONE.is_match(text)
}

/// Whether a whole element is a contact block: short, with contact details.
pub(super) fn is_contact_block(text: &str) -> bool {
    text.chars().count() <= MAX_CONTACT_BLOCK_CHARS && looks_like_contact(text)
}

#[cfg(test)]
mod tests {
    use crate::normalize::html::parse;
    use crate::normalize::html::test_support::{PROSE, joined, page};

    #[test]
    fn contact_block_is_kept_one_line_per_item() {
        let html = page(
            r#"<meta name="author" content="HRC Press Office">"#,
            &format!(
                r#"<article>{PROSE}
                <div class="media-contact">
                  <p><strong>For more information, please contact:</strong><br>
                  Amara Okafor, HRC Nairobi<br>
                  Tel: +254 20 555 0134<br>
                  Email: <a href="mailto:aokafor@hrc.example">aokafor@hrc.example</a></p>
                </div></article>"#
            ),
        );
        let draft = parse(&html);
        let tail: Vec<&str> = draft
            .blocks
            .iter()
            .rev()
            .take(4)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            [
                "For more information, please contact:",
                "Amara Okafor, HRC Nairobi",
                "Tel: +254 20 555 0134",
                "Email: aokafor@hrc.example",
            ]
        );
    }

    #[test]
    fn contact_block_in_the_article_footer_is_kept() {
        let html = page(
            "",
            &format!(
                r#"<article>{PROSE}
                <footer class="release-footer"><p>Media contact: Amara Okafor, +254 20 555 0134,
                <a href="mailto:aokafor@hrc.example">aokafor@hrc.example</a></p></footer>
                </article>
                <footer><p>© 2025 HRC. Write to press@hrc.example</p></footer>"#
            ),
        );
        let draft = parse(&html);
        assert_eq!(
            draft.blocks.last().map(String::as_str),
            Some("Media contact: Amara Okafor, +254 20 555 0134, aokafor@hrc.example")
        );
        assert!(!joined(&draft).contains("©"));
    }

    #[test]
    fn contact_block_in_a_separate_div_is_put_back_after_the_body() {
        let html = page(
            "",
            &format!(
                r#"<div id="page"><div class="story-body">{PROSE}</div>
                <div class="contacts-box"><p>Amara Okafor</p><p>Press officer</p>
                <p><a href="https://hrc.example/people/aokafor">Profile</a> · <a href="mailto:aokafor@hrc.example">aokafor@hrc.example</a></p></div></div>"#
            ),
        );
        let draft = parse(&html);
        let n = draft.blocks.len();
        assert!(n >= 5, "{:?}", draft.blocks);
        assert_eq!(draft.blocks[n - 3], "Amara Okafor");
        assert!(draft.blocks[n - 1].contains("aokafor@hrc.example"));
    }
}
