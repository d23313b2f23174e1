//! Inline cleanup shared by every format: leftovers of scraped HTML (tags,
//! entities, `"mailto:a@b.org">a@b.org`), invisible characters, and runs of
//! whitespace collapsed to one space.

use std::sync::LazyLock;

use regex::Regex;

#[allow(clippy::expect_used)]
static LEFTOVER_LINK: LazyLock<Regex> = LazyLock::new(|| {
    // `href="mailto:x">label` or `"https://x">label` with the opening `<a` lost.
    Regex::new(r#"(?i)(?:<a\s[^>]*?)?(?:href=)?["'](?:mailto:|https?://)[^"'\s<>]*["']\s*(?:target=["'][^"']*["']\s*)?>"#)
        .expect("static regex")
});
#[allow(clippy::expect_used)]
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    // Only real HTML tag names: "Relief <Update> for families" keeps its word.
    Regex::new(
        r"(?i)</?(?:a|abbr|b|blockquote|br|cite|code|dd|div|dl|dt|em|font|h[1-6]|hr|i|img|li|ol|p|pre|q|s|small|span|strong|sub|sup|table|tbody|td|th|thead|tr|u|ul)(?:\s[^<>]*)?/?>",
    )
    .expect("static regex")
});

#[allow(clippy::expect_used)]
static CAPTION_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    // A caption that ends with its credit: `… the monsoon. Photo: Agency/Name`,
    // `… of Toamasina. © Society / J. Doe`, `… (Photo: Name)`. A credit
    // ends in a name or an initial, never in a sentence's last word.
    Regex::new(
        r"(?i)(?:[.!?”’)]\s+|\s[-–—|]\s|\()(?:(?:photos?|image|picture|foto|photograph|credit|photo\s+credit|crédit\s+photo)\s*(?::|by\s)|©)[^!?]{0,79}(?:[^.!?\s]|[^\p{L}\p{N}_]\p{Lu}\.)\)?\s*$",
    )
    .expect("static regex")
});
#[allow(clippy::expect_used)]
static END_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[-–—#*=\s]*(?:ends?|fin|fim)[-–—#*=\s]*$|^\s*[-–—]\s*30\s*[-–—]\s*$|^\s*#(?:\s*#){2,}\s*$")
        .expect("static regex")
});

/// A line that marks the end of a release for editors (`ENDS`, `-30-`,
/// `###`): never part of the text.
pub fn is_end_mark(line: &str) -> bool {
    // Marks are a few characters; most lines are long paragraphs.
    line.len() <= LONGEST_END_MARK && END_MARK.is_match(line)
}

/// Labels that open a photo caption left in the text by a scrape.
const CAPTION_LABELS: [&str; 8] = [
    "photo:",
    "photos:",
    "photo credit",
    "picture:",
    "image:",
    "caption:",
    "foto:",
    "crédit photo",
];
/// Bytes of the longest caption: a paragraph past it is text that happens
/// to begin with one of the labels.
const LONGEST_CAPTION: usize = 400;

/// A photo caption (`Photo: A tanker fills jerrycans…`): never the lead,
/// and not the release's text.
pub fn is_caption(line: &str) -> bool {
    line.len() <= LONGEST_CAPTION
        && ({
            // `[Image: …]`, as some scrapers write a picture's text.
            let opening = line.trim_start_matches(['[', '(']);
            CAPTION_LABELS
                .iter()
                .any(|label| strip_prefix_ignore_case(opening, label).is_some())
        } || {
            // The credit closes the caption: only the line's end is searched.
            let end = tail(line, CREDIT_TAIL_BYTES);
            CREDIT_WORD.is_match(end) && CAPTION_CREDIT.is_match(end)
        })
}

/// Bytes at the end of a caption that hold its credit: the opener, the
/// label and the 80 characters after it.
const CREDIT_TAIL_BYTES: usize = 256;

/// The last `bytes` bytes of `text`, or a few more to start on a character.
pub(super) fn tail(text: &str, bytes: usize) -> &str {
    let mut start = text.len().saturating_sub(bytes);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    &text[start..]
}

/// A word every credit has: a fast search that spares most lines the
/// credit's pattern, whose search is slow.
#[allow(clippy::expect_used)]
static CREDIT_WORD: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(["photo", "foto", "image", "picture", "credit", "©"])
        .expect("static words")
});

/// A block that is a list item, as the adapters write them (`- item`, or
/// `• item` kept from a text release).
pub fn is_list_block(block: &str) -> bool {
    block.starts_with("- ") || block.starts_with("• ")
}

/// `text` without `prefix`, compared ignoring ASCII case; `None` when
/// `text` does not open with it.
pub fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Bytes of the longest end mark worth testing (`*** ENDS ***` and the like).
const LONGEST_END_MARK: usize = 40;

/// Cleans one paragraph or line of release text.
pub fn inline(text: &str) -> String {
    let mut s: std::borrow::Cow<'_, str> = text.into();
    if s.contains('>') {
        s = LEFTOVER_LINK.replace_all(&s, "").into_owned().into();
        s = TAG.replace_all(&s, "").into_owned().into();
    }
    if s.contains('&') {
        s = html_escape::decode_html_entities(&s).into_owned().into();
    }
    collapse(&s)
}

/// Collapses whitespace (including no-break spaces) to single spaces and
/// drops zero-width characters.
pub fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // A separator is written only before a word that keeps a character.
    let mut pending_space = false;
    let mut rest = text;
    while !rest.is_empty() {
        // Most text is plain ASCII and is copied in runs as long as can be.
        let run = plain_prefix(rest);
        if run > 0 {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push_str(&rest[..run]);
            rest = &rest[run..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        rest = &rest[c.len_utf8()..];
        push_collapsed(&mut out, &mut pending_space, c);
    }
    out
}

/// One character of [`collapse`] outside the plain runs.
pub(super) fn push_collapsed(out: &mut String, pending_space: &mut bool, c: char) {
    if c.is_whitespace() || c == '\u{A0}' {
        *pending_space = !out.is_empty();
        return;
    }
    let invisible = matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}'
    );
    if invisible || super::decode::is_xml_forbidden(c) {
        return;
    }
    if *pending_space {
        out.push(' ');
        *pending_space = false;
    }
    out.push(c);
}

/// The length of the longest start of `text` made of visible ASCII words
/// with one space between them: what collapsing whitespace (and, but for
/// case, keying a line) leaves as it is.
pub(super) fn plain_prefix(text: &str) -> usize {
    let bytes = text.as_bytes();
    // Whole chunks first, without branches so that they run at the speed
    // of vector compares. By chunks, not the whole text at once: callers
    // ask again after each other character, and a paragraph with many
    // curly quotes would be read over and over.
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + PLAIN_CHUNK) {
        let printable = chunk
            .iter()
            .fold(true, |all, &b| all & (b' '..=b'~').contains(&b));
        let double_space = chunk
            .iter()
            .zip(&chunk[1..])
            .fold(false, |any, (&a, &b)| any | ((a == b' ') & (b == b' ')));
        let joins = if at == 0 {
            chunk[0] != b' '
        } else {
            !(chunk[0] == b' ' && bytes[at - 1] == b' ')
        };
        if !(printable && !double_space && joins) {
            break;
        }
        at += PLAIN_CHUNK;
    }
    let mut end = bytes[..at]
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(0, |p| p + 1);
    for (i, &b) in bytes.iter().enumerate().skip(at) {
        if b.is_ascii_graphic() {
            end = i + 1;
        } else if !(b == b' ' && end == i && i > 0) {
            break;
        }
    }
    end
}

/// Bytes [`plain_prefix`] tests at once.
const PLAIN_CHUNK: usize = 32;

/// Cuts `text` to at most `max` characters at a word boundary, adding `…`.
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let limit = text
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    let cut = text[..limit]
        .rfind(' ')
        .filter(|&i| i > limit / 2)
        .unwrap_or(limit);
    format!(
        "{}…",
        text[..cut].trim_end_matches([' ', ',', ';', ':', '-', '–'])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_start_is_the_same_by_chunks_as_byte_by_byte() {
        fn by_bytes(text: &str) -> usize {
            let mut end = 0;
            for (i, &b) in text.as_bytes().iter().enumerate() {
                if b.is_ascii_graphic() {
                    end = i + 1;
                } else if !(b == b' ' && end == i && i > 0) {
                    break;
                }
            }
            end
        }
        let long = "word ".repeat(20);
        let texts = [
            String::new(),
            " lead".to_owned(),
            "short words".to_owned(),
            long.clone(),
            long.trim_end().to_owned(),
            format!("{long} double"),
            format!("{}  two spaces after a chunk", "x".repeat(31)),
            format!("{} and a space at the edge", "y".repeat(32)),
            format!("{long}“quoted” text – dash"),
            format!("{}\ttab", "z".repeat(40)),
        ];
        for text in &texts {
            assert_eq!(plain_prefix(text), by_bytes(text), "{text:?}");
        }
    }

    #[test]
    fn photo_captions_are_known_and_text_is_not() {
        assert!(is_caption("Photo: Volunteers load water onto a canoe."));
        assert!(is_caption("PHOTO CREDIT: Jane Roe / Agency"));
        assert!(is_caption("Foto: Brigadistas en Cusco."));
        assert!(is_caption(
            "[Image: Volunteers raise the frame of a house on the hillside]"
        ));
        assert!(!is_caption(
            "Photographers from the agency covered the floods."
        ));
        assert!(!is_caption(&format!("Photo: {}", "long text ".repeat(60))));
        // The credit at the end.
        assert!(is_caption(
            "Nurses check a child at the clinic. Photo: Agency/Ana Ruiz"
        ));
        assert!(is_caption(
            "Families wait for water in Beira. © Society / J. Doe"
        ));
        assert!(is_caption("A boat leaves the harbour (Photo: R. Lee)"));
        assert!(!is_caption(
            "The report is out. Photos by volunteers are in it."
        ));
        assert!(!is_caption(
            "Minister opens photo exhibition: faces of return"
        ));
    }

    #[test]
    fn editors_end_marks_are_known_and_text_is_not() {
        for mark in [
            "ENDS",
            "- Ends -",
            "-30-",
            "– 30 –",
            "###",
            "# # #",
            "***End***",
        ] {
            assert!(is_end_mark(mark), "{mark}");
        }
        for text in [
            "30",
            "Ends of the earth",
            "#1 in sales",
            "-30 degrees-ish weather",
        ] {
            assert!(!is_end_mark(text), "{text}");
        }
    }

    #[test]
    fn scraped_mailto_leftover_becomes_the_address() {
        assert_eq!(
            inline(r#"Email: "mailto:jdoe@example.org">jdoe@example.org"#),
            "Email: jdoe@example.org"
        );
        assert_eq!(
            inline(r#"contact <a href="mailto:a@b.org">a@b.org</a> today"#),
            "contact a@b.org today"
        );
    }

    #[test]
    fn entities_and_spaces() {
        assert_eq!(
            inline("Fish&nbsp;&amp; chips\u{200B}  now"),
            "Fish & chips now"
        );
    }

    #[test]
    fn words_in_angle_brackets_survive() {
        assert_eq!(
            inline("Relief <Update> for <b>families</b>"),
            "Relief <Update> for families"
        );
    }

    #[test]
    fn comparisons_survive() {
        assert_eq!(
            inline("temperatures < 5 and > 2"),
            "temperatures < 5 and > 2"
        );
    }

    #[test]
    fn truncation_at_words() {
        assert_eq!(truncate_words("one two three four", 10), "one two…");
        assert_eq!(truncate_words("short", 10), "short");
    }
}
