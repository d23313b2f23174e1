//! Text clean-up: plain text as it reads, with whitespace collapsed,
//! invisible characters dropped, twice-escaped entities decoded and stray
//! markup and `mailto:` removed; and the text of inline elements.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Node};

use super::extract::BLOCK_TAGS;
use super::pattern;

static ENTITY: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});"));
static LEFTOVER_TAG: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)</?(?:a|b|i|u|em|strong|span|p|div|br|hr|li|ul|ol|h[1-6]|img|font|small|sup|sub|script|style|table|tr|td|th)(?:\s[^<>]*)?/?>",
    )
});
static MAILTO: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?i)(?-u:\b)mailto:\s*"));

/// Plain text as it reads: whitespace collapsed, invisible characters gone,
/// entities a CMS escaped twice decoded, stray markup and `mailto:` removed.
pub(super) fn clean_text(raw: &str) -> String {
    let visible = without_invisible(raw);
    let decoded = if visible.contains('&') && ENTITY.is_match(&visible) {
        Cow::Owned(
            ENTITY
                .replace_all(&visible, |caps: &regex::Captures<'_>| {
                    html_escape::decode_html_entities(&caps[0]).into_owned()
                })
                .into_owned(),
        )
    } else {
        visible
    };
    let untagged = if decoded.contains('<') {
        LEFTOVER_TAG.replace_all(&decoded, " ")
    } else {
        Cow::Borrowed(decoded.as_ref())
    };
    let unlinked = if untagged.contains(':') {
        MAILTO.replace_all(&untagged, "")
    } else {
        Cow::Borrowed(untagged.as_ref())
    };
    collapse_whitespace(&unlinked)
}

/// `raw` without zero-width spaces, word joiners, byte order marks and soft
/// hyphens; a text holding none of them (most) is not copied.
fn without_invisible(raw: &str) -> Cow<'_, str> {
    let invisible = |c: char| matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}');
    if !raw.contains(invisible) {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(raw.chars().filter(|&c| !invisible(c)).collect())
}

/// The words of `text` with one space between each: built in one string,
/// without a list of the words first.
pub(super) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Text of an inline element such as a heading, with `<br>` and nested
/// blocks read as spaces.
pub(super) fn inline_text(el: ElementRef<'_>) -> String {
    let mut raw = String::new();
    for node in el.descendants() {
        match node.value() {
            Node::Text(text) => raw.push_str(text),
            Node::Element(element)
                if element.name() == "br" || BLOCK_TAGS.contains(&element.name()) =>
            {
                raw.push(' ');
            }
            _ => {}
        }
    }
    clean_text(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::html::parse;
    use crate::normalize::html::test_support::{PROSE, joined, page};

    #[test]
    fn entities_are_decoded_and_whitespace_collapsed() {
        let html = page(
            "",
            &format!(
                "<article>{PROSE}<p>Caf&eacute;s&nbsp;and  shops &#8211; 40&nbsp;% closed;\n\tR&amp;D &lt;centre&gt; &amp;eacute;t&amp;eacute;</p></article>"
            ),
        );
        let draft = parse(&html);
        assert_eq!(
            draft.blocks.last().map(String::as_str),
            Some("Cafés and shops – 40 % closed; R&D <centre> été")
        );
    }

    #[test]
    fn invisible_characters_go_and_visible_ones_stay() {
        assert_eq!(
            clean_text("Soft\u{AD}ware\u{200B} for \u{FEFF}camps\u{2060} – “now”"),
            "Software for camps – “now”"
        );
        assert_eq!(clean_text("  plain \t ASCII\n text "), "plain ASCII text");
        assert_eq!(clean_text("\u{A0}non\u{A0}breaking\u{A0}"), "non breaking");
    }

    #[test]
    fn escaped_markup_left_in_the_text_is_removed() {
        assert_eq!(
            clean_text("Tents &lt;strong&gt;arrived&lt;/strong&gt; today"),
            "Tents arrived today"
        );
        assert_eq!(
            clean_text("Children <5 years and adults > 60"),
            "Children <5 years and adults > 60"
        );
    }

    #[test]
    fn mailto_links_keep_only_their_visible_text() {
        let html = page(
            "",
            &format!(
                r#"<article>{PROSE}<p>Write to <a href="mailto:press@hrc.example?subject=Dadaab">press@hrc.example</a>
                or <a href="mailto:desk@hrc.example">mailto:desk@hrc.example</a>.</p></article>"#
            ),
        );
        let text = joined(&parse(&html));
        assert!(
            text.contains("Write to press@hrc.example or desk@hrc.example."),
            "{text}"
        );
        assert!(!text.contains("mailto"));
        assert!(!text.contains('<'));
    }
}
