//! `.md` adapter: optional front matter (`---` YAML-style `key: value`
//! lines, or `+++` TOML) and a CommonMark body whose first `#` heading is
//! the title when the front matter gives none.

use chrono::{DateTime, FixedOffset, NaiveDate};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use std::sync::LazyLock;

use regex::Regex;

use super::{Draft, FrontMatter, contact, text};

/// Parses a Markdown release.
pub(crate) fn parse(text: &str) -> Draft {
    let (front, body) = split_front_matter(text);
    let Body {
        mut title,
        mut blocks,
        deck,
        above_title,
    } = body_blocks(body, front.title.is_some());
    // Above a `#` headline, short lines are the page's: the site's name,
    // a label, a date.
    let mut at = 0;
    blocks.retain(|b| {
        at += 1;
        at > above_title || text::is_running_text(b) || contact::has_contact_detail(b)
    });
    // No `#` heading: a first block that reads like a headline is the title,
    // past the page's labels and dates above it.
    if title.is_none() && front.title.is_none() {
        let headline = blocks
            .iter()
            .take(HEADLINE_SEARCH)
            .take_while(|b| !text::is_running_text(b))
            .position(|b| looks_like_headline(b) && !text::is_meta_line(b));
        if let Some(i) = headline.filter(|&i| i + 1 < blocks.len()) {
            title = Some(blocks.remove(i));
        }
    }
    Draft {
        title,
        blocks,
        front,
        deck,
    }
}

/// Blocks searched for a headline when no heading gives it.
const HEADLINE_SEARCH: usize = 3;

fn looks_like_headline(block: &str) -> bool {
    let words = block.split_whitespace().count();
    (2..=25).contains(&words)
        && block.chars().count() <= 200
        && !block.ends_with(['.', ':', ';'])
        && !block.starts_with("- ")
}

/// Separates front matter from the body; a malformed block is left as body.
fn split_front_matter(text: &str) -> (FrontMatter, &str) {
    for fence in ["---", "+++"] {
        let Some(rest) = text.strip_prefix(fence).and_then(|r| r.strip_prefix('\n')) else {
            continue;
        };
        let close = format!("\n{fence}");
        let end = if rest.starts_with(fence) {
            Some(0)
        } else {
            rest.find(&close).map(|i| i + 1)
        };
        let Some(end) = end else { continue };
        let block = &rest[..end];
        let body = rest[end + fence.len()..].trim_start_matches(['\n', ' ']);
        let pairs = if fence == "---" {
            yaml_pairs(block)
        } else {
            toml_pairs(block)
        };
        return (front_matter(pairs), body);
    }
    (FrontMatter::default(), text)
}

/// Flat `key: value` lines, values unquoted; nested YAML is not needed here.
fn yaml_pairs(block: &str) -> Vec<(String, String)> {
    block
        .lines()
        .filter(|l| !l.starts_with([' ', '\t', '#', '-']))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), unquote(v.trim())))
        .collect()
}

/// YAML scalar quoting: `"..."` with backslash escapes, `'...'` with `''`.
fn unquote(v: &str) -> String {
    if let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push(' '),
                Some('t') => out.push(' '),
                Some(other) => out.push(other),
                None => {}
            }
        }
        return out;
    }
    if let Some(inner) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return inner.replace("''", "'");
    }
    v.to_owned()
}

fn toml_pairs(block: &str) -> Vec<(String, String)> {
    let Ok(table) = block.parse::<toml::Table>() else {
        return Vec::new();
    };
    table
        .into_iter()
        .filter_map(|(k, v)| {
            let value = match v {
                toml::Value::String(s) => s,
                toml::Value::Datetime(d) => d.to_string(),
                toml::Value::Integer(i) => i.to_string(),
                _ => return None,
            };
            Some((k.to_ascii_lowercase(), value))
        })
        .collect()
}

fn front_matter(pairs: Vec<(String, String)>) -> FrontMatter {
    let mut front = FrontMatter::default();
    for (key, value) in pairs {
        let value = value.trim().to_owned();
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "title" => front.title = Some(value),
            // Some generators name it `headline`; a `title` wins.
            "headline" => {
                front.title.get_or_insert(value);
            }
            "date" => front.date = parse_date(&value),
            "region" => front.region = Some(value.to_ascii_lowercase()),
            "country" => front.country = Some(value.to_ascii_uppercase()),
            // SPEC §2 names `summary`; a `description` is the page's blurb
            // for search engines, and the summary stays the opening.
            "summary" => front.summary = Some(value),
            "author" => front.author = Some(value),
            _ => {}
        }
    }
    front
}

/// RFC 3339, or a bare `YYYY-MM-DD` taken as midnight UTC.
pub(crate) fn parse_date(value: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(value) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S %z") {
        return Some(d);
    }
    let day = NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().fixed_offset())
}

/// What the body of a Markdown release gives: its headline, its blocks as
/// plain text, and the deck under the headline when it sets one apart.
struct Body {
    title: Option<String>,
    blocks: Vec<String>,
    deck: Option<String>,
    /// Blocks that stand above a headline given by a heading.
    above_title: usize,
}

/// The first level-1 heading, and every other block as plain text.
/// `titled`: the front matter gives the title, and the body may open
/// under it.
fn body_blocks(body: &str, titled: bool) -> Body {
    let mut title = None;
    let mut blocks = Vec::new();
    let mut current = String::new();
    let mut in_title = false;
    let mut in_image = 0usize;
    // A contact block above everything else goes where contacts are looked
    // for, at the end, as text's does.
    let mut leading_contact = Vec::new();
    let mut banner = Banner::default();
    let mut shape = Shape::default();
    let mut deck = None;
    // Paragraphs read since the headline.
    let mut under_title = 0usize;
    let mut prose_seen = false;
    let mut kicker_at = None;
    let mut above_title = 0;
    for event in Parser::new(body) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) if title.is_none() => in_title = true,
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) if title.as_deref().is_some_and(|t| banner.names_site(t)) => {
                flush(&mut blocks, &mut leading_contact, &mut current);
                in_title = true;
            }
            Event::End(TagEnd::Heading(level @ (HeadingLevel::H1 | HeadingLevel::H2)))
                if in_title =>
            {
                in_title = false;
                shape = Shape::default();
                let heading = std::mem::take(&mut current).replace('\n', " ");
                let heading = heading.trim();
                // `## Press release` under the site's name: the headline
                // is still to come.
                let label = level == HeadingLevel::H2 && text::is_page_label(heading);
                if !heading.is_empty() && !label {
                    if let Some(kicker) = kicker_at.take().filter(|&i| i < blocks.len()) {
                        blocks.remove(kicker);
                    }
                    title = Some(heading.to_owned());
                    above_title = blocks.len();
                    banner = Banner {
                        open: level == HeadingLevel::H1,
                        ..Banner::default()
                    };
                    under_title = 0;
                }
            }
            Event::Start(Tag::Link { .. }) => {
                shape.in_link += 1;
                shape.links += 1;
            }
            Event::End(TagEnd::Link) => shape.in_link = shape.in_link.saturating_sub(1),
            Event::Start(Tag::Emphasis | Tag::Strong) => shape.in_emphasis += 1,
            Event::End(TagEnd::Emphasis | TagEnd::Strong) => {
                shape.in_emphasis = shape.in_emphasis.saturating_sub(1);
            }
            Event::End(TagEnd::Paragraph) => {
                let paragraph = std::mem::take(&mut shape);
                // A trail under the menu (`News › Press releases`) is no
                // text yet.
                if banner.open && !text::is_page_label(current.trim()) {
                    banner.paragraph_ends(&paragraph);
                }
                // Above the text, a line of menu links is the site's menu,
                // and a cookie notice is the page's.
                if !prose_seen && (paragraph.is_menu() || text::is_cookie_notice(&current)) {
                    current.clear();
                    continue;
                }
                // A short line in bold may be the kicker over the headline,
                // or the headline itself when no `#` heading follows.
                let kicker = title.is_none() && paragraph.is_emphasis_only() && is_kicker(&current);
                if kicker && titled {
                    current.clear();
                    continue;
                }
                kicker_at = kicker.then_some(blocks.len());
                if (titled || title.is_some()) && under_title == 0 && paragraph.is_emphasis_only() {
                    deck = Some(current.trim().replace('\n', " "));
                }
                prose_seen |= paragraph.has_prose();
                under_title += 1;
                flush(&mut blocks, &mut leading_contact, &mut current);
            }
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            Event::Start(Tag::Item) => {
                flush(&mut blocks, &mut leading_contact, &mut current);
                current.push_str("- ");
            }
            Event::End(
                TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock | TagEnd::TableRow,
            ) => {
                shape = Shape::default();
                flush(&mut blocks, &mut leading_contact, &mut current);
            }
            Event::Text(t) | Event::Code(t) if in_image == 0 => {
                shape.text(&t);
                current.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => current.push('\n'),
            Event::End(TagEnd::TableCell) => current.push_str(" | "),
            _ => {}
        }
    }
    flush(&mut blocks, &mut leading_contact, &mut current);
    blocks.append(&mut leading_contact);
    Body {
        title,
        blocks,
        deck,
        above_title,
    }
}

/// How the text of one paragraph is set: inside links, inside emphasis.
/// It runs over every text of the body, so it counts no further than its
/// tests need and keeps no copies.
#[derive(Default)]
struct Shape {
    in_link: usize,
    in_emphasis: usize,
    links: usize,
    /// A link reads as a share button ("Facebook", "Share").
    share_link: bool,
    /// Words outside links, counted up to one more than a menu may have.
    prose_words: usize,
    /// Words outside emphasis.
    plain: bool,
    /// Words inside emphasis.
    emphasised: bool,
}

impl Shape {
    fn text(&mut self, text: &str) {
        let words = text.chars().any(char::is_alphanumeric);
        if self.in_link > 0 {
            self.share_link |= text.split_whitespace().any(|w| {
                let w = w.trim_matches(|c: char| !c.is_alphanumeric());
                SHARE_WORDS.iter().any(|s| w.eq_ignore_ascii_case(s))
            });
        } else if words && self.prose_words <= MOST_UNLINKED_MENU_WORDS {
            self.prose_words += text
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .take(MOST_UNLINKED_MENU_WORDS + 1)
                .count();
        }
        if self.in_emphasis > 0 {
            self.emphasised |= words;
        } else {
            self.plain |= words;
        }
    }

    /// Words outside links.
    fn has_prose(&self) -> bool {
        self.prose_words > 0
    }

    /// A line of menu links (`[Home](/) · [News](/news)`), not a share bar.
    /// The page in view may be named in bold among them, with no link.
    fn is_menu(&self) -> bool {
        self.prose_words <= MOST_UNLINKED_MENU_WORDS
            && self.links >= 2 + self.prose_words
            && !self.share_link
    }

    /// Set in italics or bold throughout, as a deck under a headline is.
    fn is_emphasis_only(&self) -> bool {
        self.emphasised && !self.plain
    }
}

/// Most words of a kicker (`**PRESS RELEASE · MIGRATION**`).
const MOST_KICKER_WORDS: usize = 8;

fn is_kicker(paragraph: &str) -> bool {
    let paragraph = paragraph.trim();
    !paragraph.contains('\n')
        && paragraph
            .split_whitespace()
            .nth(MOST_KICKER_WORDS)
            .is_none()
        && !contact::has_contact_detail(paragraph)
        && !contact::is_contact_header(paragraph)
}

/// Whether the first `#` heading is the site's banner rather than the
/// headline. A page saved as Markdown keeps the site's name as `#`, its
/// menu as a line of links, and the headline as `##` below them.
#[derive(Default)]
struct Banner {
    /// No paragraph of prose has come since the `#` heading.
    open: bool,
    /// A line of menu links stands under the heading.
    menu_seen: bool,
}

/// Words of a menu line outside its links (the page in view, in bold).
const MOST_UNLINKED_MENU_WORDS: usize = 2;

/// Words of a share bar's links, which stand under a headline, not a banner.
const SHARE_WORDS: [&str; 10] = [
    "share", "facebook", "twitter", "x", "linkedin", "whatsapp", "email", "e-mail", "print",
    "bluesky",
];

impl Banner {
    fn paragraph_ends(&mut self, paragraph: &Shape) {
        if paragraph.is_menu() {
            self.menu_seen = true;
        } else if paragraph.has_prose() {
            self.open = false;
        }
    }

    /// A `##` heading coming now is the headline under the site's name.
    fn names_site(&self, heading: &str) -> bool {
        self.open
            && (self.menu_seen || is_site_name(heading) || contact::is_organisation_name(heading))
    }
}

/// Words that make a `#` heading the name of a news section.
static SECTION_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(news|newsroom|news ?room|press ?room|press releases|press office|media|media (centre|center|room)|news (and|&) media|news (and|&) events)$",
    )
    .expect("section-name pattern")
});

/// `Erongo Ports Authority — Newsroom`, `Newsroom | Agency`.
fn is_site_name(heading: &str) -> bool {
    heading
        .split(['—', '–', '|', '·', ':'])
        .flat_map(|part| part.split(" - "))
        .any(|part| SECTION_NAME.is_match(part.trim()))
}

/// Ends a block. Its lines are joined, except in a contact block, whose
/// lines are items (name, role, phone) and are kept apart as text's are.
fn flush(blocks: &mut Vec<String>, leading_contact: &mut Vec<String>, current: &mut String) {
    let text = current.trim().trim_end_matches(" |").trim();
    if !text.is_empty() && text != "-" {
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let under_header = |first: &str| {
            contact::is_contact_header(first)
                || blocks.last().is_some_and(|b| contact::is_contact_header(b))
        };
        if lines.len() > 1
            && lines.iter().any(|l| contact::has_contact_detail(l))
            && under_header(lines[0])
        {
            let header_only_above =
                blocks.is_empty() || (blocks.len() == 1 && !contact::is_contact_header(lines[0]));
            if header_only_above {
                leading_contact.append(blocks);
                leading_contact.extend(lines.iter().map(|l| (*l).to_owned()));
            } else {
                blocks.extend(lines.iter().map(|l| (*l).to_owned()));
            }
        } else {
            blocks.push(lines.join(" "));
        }
    }
    current.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_front_matter_wins() {
        let d = parse(
            "---\ntitle: \"Relief reaches Gonaïves\"\ndate: 2024-03-05\nregion: central-north-america-caribbean\ncountry: ht\nauthor: Marie Joseph\n---\n# Another heading\n\nBody paragraph.\n",
        );
        assert_eq!(d.front.title.as_deref(), Some("Relief reaches Gonaïves"));
        assert_eq!(d.front.country.as_deref(), Some("HT"));
        assert_eq!(
            d.front.date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2024-03-05T00:00:00+00:00")
        );
        assert_eq!(d.blocks, ["Body paragraph."]);
    }

    #[test]
    fn a_headline_key_is_the_title_unless_a_title_is_given() {
        let d = parse("+++\nheadline = \"Port reopens\"\n+++\n\nBody paragraph.\n");
        assert_eq!(d.front.title.as_deref(), Some("Port reopens"));
        let d = parse(
            "---\ntitle: Port reopens\nheadline: Port reopens after storm\ndescription: Ferries run again.\n---\nBody.\n",
        );
        assert_eq!(d.front.title.as_deref(), Some("Port reopens"));
        // A description is for search engines; the summary is the opening.
        assert_eq!(d.front.summary, None);
    }

    #[test]
    fn yaml_quotes_are_unescaped() {
        let d = parse("---\ntitle: \"A \\\"quoted\\\" word\"\nauthor: 'It''s me'\n---\nBody.\n");
        assert_eq!(d.front.title.as_deref(), Some("A \"quoted\" word"));
        assert_eq!(d.front.author.as_deref(), Some("It's me"));
    }

    #[test]
    fn a_contact_block_keeps_its_lines() {
        let d = parse(
            "# Mill opens\n\nThe mill opened\non Monday.\n\n### Press contact\n\nYoussef Amrani\nCommunications Officer, Atlas Argan Federation\ny.amrani@atlasargan.example\n",
        );
        assert_eq!(
            d.blocks,
            [
                "The mill opened on Monday.",
                "Press contact",
                "Youssef Amrani",
                "Communications Officer, Atlas Argan Federation",
                "y.amrani@atlasargan.example",
            ]
        );
        // A block above the headline goes to the end.
        let d = parse(
            "**Media contacts**\nSingapore: Rachel Tan, rt@example.org\n\n# Plant opens\n\nThe plant opened.\n",
        );
        assert_eq!(d.title.as_deref(), Some("Plant opens"));
        assert_eq!(
            d.blocks,
            [
                "The plant opened.",
                "Media contacts",
                "Singapore: Rachel Tan, rt@example.org"
            ]
        );
        // Short lines with no contact detail are prose, whatever precedes them.
        let d = parse("# T\n\nMedia contact\n\nAsk the\npress office.\n");
        assert_eq!(d.blocks, ["Media contact", "Ask the press office."]);
    }

    #[test]
    fn toml_front_matter() {
        let d = parse(
            "+++\ntitle = \"Shelter kits delivered\"\ndate = 2024-03-05T10:00:00+01:00\n+++\nText here.\n",
        );
        assert_eq!(d.front.title.as_deref(), Some("Shelter kits delivered"));
        assert_eq!(
            d.front.date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2024-03-05T10:00:00+01:00")
        );
    }

    #[test]
    fn the_page_above_the_headline_is_no_text() {
        // A site line and a label above an underlined headline.
        let d = parse(
            "Harbour Board — Media centre\n\nPress release · Embargoed until 3 May\n\nFerry terminal reopens after storm\n==================================\n\nThe terminal reopened on Monday, a week after the storm, the board said.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Ferry terminal reopens after storm")
        );
        assert_eq!(
            d.blocks,
            ["The terminal reopened on Monday, a week after the storm, the board said."]
        );
        // A cookie notice, a menu and a dated trail above a headline in bold.
        let d = parse(
            "We use cookies to improve your experience. [Accept all](#) [Settings](#)\n\n[Home](/) · [News](/news) · [Contact](/contact)\n\nNewsroom / 9 March 2026\n\n**Ferry terminal reopens after the storm season**\n\nThe terminal reopened on Monday, a week after the storm, the board said.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Ferry terminal reopens after the storm season")
        );
        assert!(
            !d.blocks
                .iter()
                .any(|b| b.contains("cookies") || b.contains("Home"))
        );
    }

    #[test]
    fn an_organisation_heading_gives_way_to_the_headline_under_it() {
        let d = parse(
            "Harbour Tourism Council\n=======================\n\nHotel workers to get wage support after the storm\n---\n\nBLACK RIVER — Some 4,800 workers will receive wage support, the council said.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Hotel workers to get wage support after the storm")
        );
        // A headline over its deck keeps its place.
        let d = parse("# Floods Hit Coastal Towns\n\n## Thousands moved to shelters\n\nText.\n");
        assert_eq!(d.title.as_deref(), Some("Floods Hit Coastal Towns"));
    }

    #[test]
    fn a_site_banner_gives_way_to_the_headline_under_it() {
        // The site's name, its menu, then the headline as `##`.
        let d = parse(
            "# Harbour Board\n\n[Home](/) · [News](/news) · [Contact](/contact)\n\n## Ferry terminal reopens after storm\n\nThe terminal reopened on Monday.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Ferry terminal reopens after storm")
        );
        assert_eq!(d.blocks, ["The terminal reopened on Monday."]);
        // The page in view stands in the menu in bold, with no link.
        let d = parse(
            "# Harbour Board\n\n[Home](/) · **News** · [Ports](/ports) · [Contact](/contact)\n\n## Ferry terminal reopens\n\nThe terminal reopened.\n",
        );
        assert_eq!(d.title.as_deref(), Some("Ferry terminal reopens"));
        // A trail under the menu is no text yet.
        let d = parse(
            "# Harbour Board\n\n[Home](/) · [News](/news) · [Contact](/contact)\n\nNews › Press releases\n\n## Ferry terminal reopens\n\nThe terminal reopened.\n",
        );
        assert_eq!(d.title.as_deref(), Some("Ferry terminal reopens"));
        // A section name needs no menu; a label under it is no headline.
        let d = parse(
            "# Harbour Board | Newsroom\n\n## Press release\n\n## Ferry terminal reopens\n\nThe terminal reopened.\n",
        );
        assert_eq!(d.title.as_deref(), Some("Ferry terminal reopens"));
        // A headline with a share bar and a `##` section keeps its place.
        let d = parse(
            "# Ferry terminal reopens\n\n[Share](/s) · [Facebook](/f)\n\n## Background\n\nThe terminal reopened.\n",
        );
        assert_eq!(d.title.as_deref(), Some("Ferry terminal reopens"));
        let d =
            parse("# Ferry terminal reopens\n\nThe terminal reopened.\n\n## Background\n\nMore.\n");
        assert_eq!(d.title.as_deref(), Some("Ferry terminal reopens"));
        assert_eq!(d.blocks, ["The terminal reopened.", "Background", "More."]);
    }

    #[test]
    fn a_kicker_and_a_deck_stand_apart_from_the_text() {
        let d = parse(
            "**PRESS RELEASE · PORTS**\n\n# Ferry terminal reopens\n\n*Ships run again after three weeks*\n\nThe terminal reopened on Monday.\n",
        );
        assert_eq!(d.title.as_deref(), Some("Ferry terminal reopens"));
        assert_eq!(d.deck.as_deref(), Some("Ships run again after three weeks"));
        assert_eq!(
            d.blocks,
            [
                "Ships run again after three weeks",
                "The terminal reopened on Monday."
            ]
        );
        // Without a `#` heading, the line in bold is the headline.
        let d = parse("**Ferry terminal reopens**\n\nThe terminal reopened on Monday.\n");
        assert_eq!(d.title.as_deref(), Some("Ferry terminal reopens"));
        // A paragraph with plain words in it is no deck.
        let d = parse("# Ferry terminal reopens\n\n*Portville* – The terminal reopened.\n");
        assert_eq!(d.deck, None);
    }

    #[test]
    fn first_heading_is_the_title_without_front_matter() {
        let d = parse(
            "# New centre opens in *Agadez*\n\nNiamey – The centre opened\non Monday.\n\n## Background\n\n- one\n- two\n",
        );
        assert_eq!(d.title.as_deref(), Some("New centre opens in Agadez"));
        assert_eq!(
            d.blocks,
            [
                "Niamey – The centre opened on Monday.",
                "Background",
                "- one",
                "- two"
            ]
        );
    }

    #[test]
    fn a_headline_paragraph_is_the_title_without_a_heading() {
        let d = parse(
            "**Relief convoy reaches the north**\n\nGoma – The convoy arrived on Monday with food.\n",
        );
        assert_eq!(d.title.as_deref(), Some("Relief convoy reaches the north"));
        assert_eq!(d.blocks, ["Goma – The convoy arrived on Monday with food."]);
    }

    #[test]
    fn unterminated_front_matter_is_body() {
        let d = parse("---\ntitle: x\nno end\n");
        assert_eq!(d.front, FrontMatter::default());
    }
}
