//! The normalizer: bytes of one release file plus the rules give one
//! [`Release`] or a typed [`Refusal`]. Pure: no disk, no store, no clock.
//!
//! The steps, in order: [`decode`] the bytes; hand the text to the format
//! adapter ([`text`], [`markdown`] or [`html`]) which gives a [`Draft`] —
//! title candidate, body blocks and stated metadata; then, shared by every
//! format, split off the [`contact`] block, pick the [`summary`], [`locate`]
//! the region and country, and derive the [`identity`].

pub mod clean;
pub mod contact;
pub mod decode;
mod html;
pub mod identity;
pub mod locate;
mod markdown;
#[cfg(test)]
mod proptests;
pub mod summary;
pub mod template;
mod text;

use std::path::Path;

use chrono::{DateTime, FixedOffset};

use crate::config::Rules;
use crate::model::Release;
pub use template::LearnedTemplates;

/// The longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 300;

/// Why a file gives no release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The file has no bytes, or only whitespace.
    #[error("empty file")]
    Empty,
    /// The file is larger than `max_file_bytes`.
    #[error("file is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The configured limit.
        limit: u64,
    },
    /// The file holds NUL bytes outside UTF-16 text, or more control
    /// characters than any text.
    #[error("binary file (NUL bytes or control characters)")]
    Binary,
    /// Nothing in the file can serve as a title.
    #[error("no title found")]
    NoTitle,
}

impl Refusal {
    /// Every value [`Refusal::reason`] takes.
    pub const REASONS: [&'static str; 4] = ["empty", "too_large", "binary", "no_title"];

    /// A short stable name for counters and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Empty => "empty",
            Refusal::TooLarge { .. } => "too_large",
            Refusal::Binary => "binary",
            Refusal::NoTitle => "no_title",
        }
    }
}

/// The input kinds of SPEC §1, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.txt`, no extension, or anything else: scraped plain text.
    Text,
    /// `.md`, `.markdown`.
    Markdown,
    /// `.html`, `.htm`, `.xhtml`.
    Html,
}

impl Format {
    /// The format a path's extension names.
    pub fn of(path: &Path) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("md" | "markdown") => Format::Markdown,
            Some("html" | "htm" | "xhtml") => Format::Html,
            _ => Format::Text,
        }
    }
}

/// One file to normalize, with what is known about where it lives.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Path relative to its watch folder, `/`-separated: the identity of the
    /// release and the key for learned template lines.
    pub key: &'a str,
    /// The file's format.
    pub format: Format,
    /// The region slug of its first-level folder, when that names a region.
    pub region_folder: Option<&'a str>,
    /// The file's bytes.
    pub bytes: &'a [u8],
}

impl Source<'_> {
    /// The folder part of the key, which groups files for template learning.
    pub fn folder(&self) -> &str {
        self.key.rsplit_once('/').map_or("", |(folder, _)| folder)
    }

    /// The file name without its extension.
    pub fn stem(&self) -> &str {
        let name = self.key.rsplit('/').next().unwrap_or(self.key);
        name.rsplit_once('.').map_or(name, |(stem, _)| stem)
    }
}

/// What a format adapter hands to the shared normalization steps.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Draft {
    /// The title the format itself marks (a Markdown `#` heading, an HTML `<h1>`), if any.
    pub title: Option<String>,
    /// Body paragraphs in reading order, plain text, whitespace collapsed. The title is not repeated here.
    pub blocks: Vec<String>,
    /// Metadata stated by the file itself.
    pub front: FrontMatter,
    /// The deck under the title, where the format sets it apart (Markdown's
    /// line in italics under the `#` heading): body, but not the lead.
    pub deck: Option<String>,
}

/// Metadata a file states about itself (Markdown front matter, HTML meta tags).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct FrontMatter {
    pub title: Option<String>,
    pub date: Option<DateTime<FixedOffset>>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub summary: Option<String>,
    pub author: Option<String>,
}

/// Decodes a file to the text the format adapters read (also what template
/// learning counts), refusing what cannot be a release.
pub fn read_text(bytes: &[u8], rules: &Rules) -> Result<String, Refusal> {
    let size = bytes.len() as u64;
    if size > rules.max_file_bytes {
        return Err(Refusal::TooLarge {
            size,
            limit: rules.max_file_bytes,
        });
    }
    let text = decode::decode(bytes)?;
    if text.trim().is_empty() {
        return Err(Refusal::Empty);
    }
    Ok(text)
}

/// Normalizes one file.
pub fn normalize(
    source: &Source<'_>,
    rules: &Rules,
    learned: &LearnedTemplates,
) -> Result<Release, Refusal> {
    let text = read_text(source.bytes, rules)?;
    normalize_text(&text, source, rules, learned)
}

/// Normalizes a file already decoded by [`read_text`] (`source.bytes` unused).
pub fn normalize_text(
    text: &str,
    source: &Source<'_>,
    rules: &Rules,
    learned: &LearnedTemplates,
) -> Result<Release, Refusal> {
    let text = text.to_owned();
    let draft = match source.format {
        Format::Text => text::parse(&text, source.folder(), rules, learned),
        Format::Markdown => markdown::parse(&text),
        Format::Html => html::parse(&text),
    };
    finish(draft, source, rules)
}

/// The steps every format shares: title, contact, summary, location, id.
fn finish(draft: Draft, source: &Source<'_>, rules: &Rules) -> Result<Release, Refusal> {
    let Draft {
        title,
        blocks,
        front,
        deck,
    } = draft;
    let mut blocks: Vec<String> = blocks
        .iter()
        .map(|b| clean::inline(b))
        // End marks, dates, photo captions and publishing notes are not the
        // release's text: scraped .txt loses the first two itself, but pages
        // and Markdown keep them all as paragraphs of their own.
        .filter(|b| {
            !b.is_empty()
                && !clean::is_end_mark(b)
                && !text::is_date_line(b)
                && !clean::is_caption(b)
                && !text::is_byline(b)
        })
        .collect();
    drop_page_labels_above_text(&mut blocks);
    join_dateline_to_opening(&mut blocks);
    let stated = front
        .title
        .clone()
        .or(title)
        .map(|t| clean::inline(&t))
        .filter(|t| !t.is_empty());
    let title = match stated {
        Some(t) => t,
        None if !blocks.is_empty() => {
            title_from_stem(source.stem()).unwrap_or_else(|| clean::truncate_words(&blocks[0], 100))
        }
        None => return Err(Refusal::NoTitle),
    };
    let title = clean::truncate_words(&title, MAX_TITLE_CHARS);
    let echo = text::drop_title_echoes(&mut blocks, &title);
    let (body, contact) = contact::split(blocks);
    let summary = match &front.summary {
        Some(s) => clean::truncate_words(&clean::inline(s), rules.summary_chars),
        None => summary::summarize(leads(&body, deck), &title, rules.summary_chars, |d| {
            locate::names_place(d, &rules.taxonomy)
        }),
    };
    let located = locate::locate(
        &locate::Evidence {
            front_region: front.region.as_deref(),
            front_country: front.country.as_deref(),
            region_folder: source.region_folder,
            title: &title,
            title_prefix: echo.as_deref(),
            paragraphs: &body,
        },
        rules,
    );
    let author = front.author.clone();
    Ok(Release {
        id: identity::release_id(source.key),
        title,
        summary,
        paragraphs: body,
        region: located.region,
        country: located.country,
        location: located.location,
        contact,
        author,
        published: front.date,
    })
}

/// The paragraphs a lead is picked from: those after the deck, when the
/// deck opens the body and text follows it.
fn leads(body: &[String], deck: Option<String>) -> &[String] {
    let deck = deck.map(|d| clean::inline(&d));
    let after_deck = deck
        .and_then(|d| body.iter().take(DECK_SEARCH).position(|p| *p == d))
        .map_or(0, |i| i + 1);
    if after_deck < body.len() {
        &body[after_deck..]
    } else {
        body
    }
}

/// Blocks above the deck that may still be labels and kickers.
const DECK_SEARCH: usize = 3;

/// A dateline standing on a line of its own above the opening
/// (`HONIARA, 22 April 2026 —`) opens it, as it would in print. A wire's
/// distribution line (`GENEVA, October 13, 2015/APO/ --`) names the wire
/// and stays apart.
fn join_dateline_to_opening(blocks: &mut Vec<String>) {
    let Some(opening) = blocks.iter().position(|b| text::is_running_text(b)) else {
        return;
    };
    let joins =
        |dateline: &str| summary::is_standalone_dateline(dateline) && !dateline.contains('/');
    if opening > 0 && joins(&blocks[opening - 1]) {
        let dateline = blocks.remove(opening - 1);
        blocks[opening - 1] = format!("{} {}", dateline.trim_end(), blocks[opening - 1]);
    }
}

/// Drops a page's trail and release labels standing as blocks above the
/// first paragraph of text, where a page's extraction keeps them.
fn drop_page_labels_above_text(blocks: &mut Vec<String>) {
    let Some(first_text) = blocks.iter().position(|b| text::is_running_text(b)) else {
        return;
    };
    let mut index = 0;
    blocks.retain(|block| {
        index += 1;
        index > first_text || !text::is_page_label(block)
    });
}

/// A last-resort title from a file name such as `2024-05-kenya-floods.txt`.
fn title_from_stem(stem: &str) -> Option<String> {
    let words: Vec<&str> = stem
        .split(['-', '_', ' ', '.'])
        .filter(|w| !w.is_empty())
        .skip_while(|w| w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    if words.iter().all(|w| w.chars().all(|c| !c.is_alphabetic())) {
        return None;
    }
    let mut title = words.join(" ");
    if let Some(first) = title.get(..1) {
        title = first.to_uppercase() + &title[1..];
    }
    Some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::of(Path::new("a/b.MD")), Format::Markdown);
        assert_eq!(Format::of(Path::new("a/b.htm")), Format::Html);
        assert_eq!(Format::of(Path::new("a/README")), Format::Text);
    }

    #[test]
    fn a_trail_and_labels_above_the_text_are_dropped() {
        let mut blocks: Vec<String> = [
            "News » Press Releases » April 2026",
            "Press Release – For immediate release",
            "Beekeepers across the country lost an estimated 30 per cent of their colonies over the winter, the federation said.",
            "Home > News > Other",
        ]
        .map(String::from)
        .to_vec();
        drop_page_labels_above_text(&mut blocks);
        assert_eq!(blocks.len(), 2, "{blocks:?}");
        assert!(blocks[0].starts_with("Beekeepers"));
        // An article header's fields go too; a sidebar's label stays.
        let mut blocks: Vec<String> = [
            "Details",
            "Category: Press releases",
            "Hits: 412",
            "Analysis:",
            "Beekeepers across the country lost an estimated 30 per cent of their colonies over the winter, the federation said.",
        ]
        .map(String::from)
        .to_vec();
        drop_page_labels_above_text(&mut blocks);
        assert_eq!(blocks.len(), 2, "{blocks:?}");
        assert_eq!(blocks[0], "Analysis:");
    }

    #[test]
    fn a_dateline_on_its_own_line_opens_the_text() {
        let opening = "Voter awareness teams will travel by boat to 84 remote communities over the next seven weeks, the commission said.";
        let mut blocks = vec!["HONIARA, 22 April 2026 —".to_owned(), opening.to_owned()];
        join_dateline_to_opening(&mut blocks);
        assert_eq!(blocks, [format!("HONIARA, 22 April 2026 — {opening}")]);
        // A wire's distribution line names the wire.
        let mut blocks = vec![
            "GENEVA, October 13, 2015/APO/ --".to_owned(),
            opening.to_owned(),
        ];
        join_dateline_to_opening(&mut blocks);
        assert_eq!(blocks.len(), 2);
    }

    #[test]
    fn stem_titles_skip_numbering() {
        assert_eq!(
            title_from_stem("014_kenya-floods-response").as_deref(),
            Some("Kenya floods response")
        );
        assert_eq!(title_from_stem("2024_05"), None);
    }

    #[test]
    fn source_folder_and_stem() {
        let s = Source {
            key: "south-america/2024/x.y.txt",
            format: Format::Text,
            region_folder: None,
            bytes: b"",
        };
        assert_eq!(s.folder(), "south-america/2024");
        assert_eq!(s.stem(), "x.y");
    }
}
