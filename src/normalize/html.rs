//! `.html` adapter: turns a saved web page into a [`Draft`]. It owns picking
//! the headline, finding the article's paragraphs in reading order (Readability
//! via `dom_smoothie`, checked against a plain semantic-element extraction) with
//! page chrome dropped, and reading the date and author the page states.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use dom_smoothie::{Config, Readability};
use regex::Regex;
use scraper::node::Element;
use scraper::{ElementRef, Html, Node, Selector};

use super::{Draft, FrontMatter};

/// Start tags nested deeper than this are dropped before parsing: html5ever's
/// scope checks walk the stack of open elements, so building costs elements
/// times depth. Only tags that really nest are counted (not `<p>`, `<li>`,
/// `<td>`…), and real pages stay far below it.
const MAX_TAG_NESTING: usize = 128;
/// Readability's cleaning walks ancestors and subtrees for every element, so
/// its cost grows with the sum of the elements' depths; pages past these
/// limits (none of them press releases) go straight to the plain extraction.
const MAX_DEPTH_FOR_READABILITY: usize = 400;
const MAX_ELEMENTS_FOR_READABILITY: usize = 100_000;
const MAX_DEPTH_SUM_FOR_READABILITY: usize = 3_000_000;
/// `dom_smoothie` slows down more than linearly on megabytes of text; no
/// press release comes near this, so such pages skip it.
const MAX_TEXT_FOR_READABILITY: usize = 500_000;
/// Below this much text Readability's pick is not trusted (SPEC: "less than
/// ~200 characters").
const MIN_READABLE_CHARS: usize = 200;
/// Readability must keep at least this share of the paragraph text the plain
/// extraction finds, or it has probably picked the wrong container.
const MIN_SHARE_OF_PARAGRAPH_TEXT: f64 = 0.5;
/// `dom_smoothie` retries with looser cleaning while its article is shorter
/// than this; press releases are often only 1,000–2,000 characters long.
const READABILITY_CHAR_THRESHOLD: usize = 300;
/// A run of blocks Readability dropped is only put back when it is at most
/// this long: a contact block is a handful of lines.
const MAX_RESCUED_RUN: usize = 40;
/// Longer than this, a block with an email address in it is not a contact block.
const MAX_CONTACT_BLOCK_CHARS: usize = 1500;
/// How far into a table [`is_data_table`] looks.
const MAX_TABLE_SCAN: usize = 2_000;
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
    }
}

// ---------------------------------------------------------------------------
// Selectors and patterns

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector is valid")
}

fn pattern(re: &str) -> Regex {
    Regex::new(re).expect("static regex is valid")
}

static ARTICLE: LazyLock<Selector> = LazyLock::new(|| selector("article"));
static MAIN: LazyLock<Selector> = LazyLock::new(|| selector("main, [role=main]"));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static META: LazyLock<Selector> = LazyLock::new(|| selector("meta"));
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
static ITEMPROP_PUBLISHED: LazyLock<Selector> =
    LazyLock::new(|| selector("[itemprop~=datePublished]"));
static JSON_LD: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"script[type="application/ld+json"]"#));
static LINK: LazyLock<Selector> = LazyLock::new(|| selector("a"));
static MEDIA: LazyLock<Selector> = LazyLock::new(|| selector("img, picture, video, svg"));

static JSON_LD_PUBLISHED: LazyLock<Regex> =
    LazyLock::new(|| pattern(r#""datePublished"\s*:\s*"([^"]+)""#));
static ENTITY: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});"));
static LEFTOVER_TAG: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)</?(?:a|b|i|u|em|strong|span|p|div|br|hr|li|ul|ol|h[1-6]|img|font|small|sup|sub|script|style|table|tr|td|th)(?:\s[^<>]*)?/?>",
    )
});
static MAILTO: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?i)\bmailto:\s*"));
static CONTACT_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)for (?:more|further) information|please contact|(?:media|press) (?:contacts?|enquir|inquir|office)|contacts?(?: presse| press| media)?\s*:|\b(?:tel|tél|phone|mobile|cell)\b\.?\s*:?\s*\+?\(?\d",
    )
});
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"));
static PHONE: LazyLock<Regex> = LazyLock::new(|| pattern(r"\+\d[\d\s().-]{6,}\d"));

// ---------------------------------------------------------------------------
// Input hardening

/// HTML elements that cannot hold children, or that html5ever closes when the
/// next one starts or ignores outside a table: alone they never deepen the
/// tree. (`<ruby>` parts are missing on purpose: without a `<ruby>` they nest.)
const NON_NESTING_TAGS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
    "thead", "tbody", "tfoot", "colgroup", "caption", "html", "head", "body", "frame", "basefont",
    "bgsound", "image",
];
/// HTML start tags that end SVG or MathML content: html5ever pops the foreign
/// elements and inserts them as HTML.
const FOREIGN_BREAKOUT_TAGS: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];
/// Elements whose content is raw text up to their end tag.
const RAW_TEXT_TAGS: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// A tag as the pre-scan sees it: byte range in the source, lowercased name.
struct Tag {
    start: usize,
    end: usize,
    name: String,
    closing: bool,
    self_closing: bool,
}

/// Removes start tags that would nest deeper than [`MAX_TAG_NESTING`] (and
/// their end tags), keeping all text. Ordinary pages come back borrowed.
fn flatten_excess_nesting(html: &str) -> Cow<'_, str> {
    let mut open = OpenElements::default();
    let mut dropped_starts = 0usize;
    let mut rewritten: Option<String> = None;
    let mut copied_up_to = 0usize;
    let mut scanner = TagScanner { html, pos: 0 };
    while let Some(tag) = scanner.next_tag() {
        let name = tag.name.as_str();
        let drop = if tag.closing {
            if open.contains(name) {
                open.close(name);
                false
            } else {
                dropped_starts > 0 && !NON_NESTING_TAGS.contains(&name)
            }
        } else if !open.nests(&tag) {
            false
        } else if open.depth() < MAX_TAG_NESTING {
            open.push(&tag.name);
            false
        } else {
            dropped_starts += 1;
            true
        };
        if drop {
            let out = rewritten.get_or_insert_with(|| String::with_capacity(html.len()));
            out.push_str(html.get(copied_up_to..tag.start).unwrap_or(""));
            copied_up_to = tag.end;
        }
    }
    match rewritten {
        None => Cow::Borrowed(html),
        Some(mut out) => {
            out.push_str(html.get(copied_up_to..).unwrap_or(""));
            Cow::Owned(out)
        }
    }
}

/// The pre-scan's model of html5ever's stack of open elements, with a count
/// per name so that end tags for elements not open are answered at once.
#[derive(Default)]
struct OpenElements {
    stack: Vec<String>,
    counts: HashMap<String, usize>,
}

impl OpenElements {
    fn depth(&self) -> usize {
        self.stack.len()
    }

    fn contains(&self, name: &str) -> bool {
        self.counts.get(name).is_some_and(|&count| count > 0)
    }

    fn push(&mut self, name: &str) {
        *self.counts.entry(name.to_string()).or_insert(0) += 1;
        self.stack.push(name.to_string());
    }

    /// Pops elements up to and including the innermost open `name`.
    fn close(&mut self, name: &str) {
        while let Some(top) = self.stack.pop() {
            self.forget(&top);
            if top == name {
                break;
            }
        }
    }

    fn forget(&mut self, name: &str) {
        if let Some(count) = self.counts.get_mut(name) {
            *count = count.saturating_sub(1);
        }
    }

    /// Whether the start tag deepens the tree. Inside SVG and MathML every
    /// element nests and `/>` is honoured, until an HTML tag breaks out; in
    /// HTML `<div/>` opens a div like `<div>` does.
    fn nests(&mut self, tag: &Tag) -> bool {
        let name = tag.name.as_str();
        if self.contains("svg") || self.contains("math") {
            if !FOREIGN_BREAKOUT_TAGS.contains(&name) {
                return !tag.self_closing;
            }
            let outermost = self.stack.iter().position(|n| n == "svg" || n == "math");
            let popped: Vec<String> = self.stack.drain(outermost.unwrap_or(0)..).collect();
            for name in popped {
                self.forget(&name);
            }
        }
        !NON_NESTING_TAGS.contains(&name)
    }
}

/// A forgiving tag tokenizer, just precise enough to track nesting: it skips
/// comments, doctypes and the raw text of `<script>`, `<style>` and kin.
struct TagScanner<'a> {
    html: &'a str,
    pos: usize,
}

impl TagScanner<'_> {
    fn next_tag(&mut self) -> Option<Tag> {
        let bytes = self.html.as_bytes();
        loop {
            let start = self.pos + find_byte(bytes, self.pos, b'<')?;
            let next = bytes.get(start + 1).copied().unwrap_or(b' ');
            if bytes[start..].starts_with(b"<!--") {
                self.pos = find_from(bytes, start + 4, b"-->").map_or(bytes.len(), |i| i + 3);
                continue;
            }
            if next == b'!' || next == b'?' {
                self.pos = find_byte(bytes, start, b'>').map_or(bytes.len(), |i| start + i + 1);
                continue;
            }
            let closing = next == b'/';
            let name_start = if closing { start + 2 } else { start + 1 };
            if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
                self.pos = start + 1;
                continue;
            }
            let name_end = bytes[name_start..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
                .map_or(bytes.len(), |i| name_start + i);
            let name = self.html.get(name_start..name_end)?.to_ascii_lowercase();
            let end = tag_end(bytes, name_end);
            let self_closing = end >= 2 && bytes.get(end - 2) == Some(&b'/');
            self.pos = end;
            if !closing && RAW_TEXT_TAGS.contains(&name.as_str()) {
                let close = format!("</{name}");
                self.pos = find_ascii_ci(bytes, end, close.as_bytes()).unwrap_or(bytes.len());
            } else if !closing && name == "plaintext" {
                self.pos = bytes.len();
            }
            return Some(Tag {
                start,
                end,
                name,
                closing,
                self_closing,
            });
        }
    }
}

/// The index just past the `>` that ends a tag, honouring quoted attribute values.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    let mut last_significant = b' ';
    while let Some(&b) = bytes.get(i) {
        match b {
            b'>' => return i + 1,
            b'"' | b'\'' if last_significant == b'=' => {
                i = find_byte(bytes, i + 1, b).map_or(bytes.len(), |j| i + 1 + j);
                last_significant = b;
            }
            _ if b.is_ascii_whitespace() => {}
            _ => last_significant = b,
        }
        i += 1;
    }
    bytes.len()
}

fn find_byte(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes.get(from..)?.iter().position(|&b| b == needle)
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = bytes.get(from..)?;
    hay.windows(needle.len())
        .position(|w| w == needle)
        .map(|i| from + i)
}

fn find_ascii_ci(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = bytes.get(from..)?;
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|i| from + i)
}

/// Whether the parsed page is small and shallow enough for Readability.
fn fits_readability(page: &Html) -> bool {
    let shape = tree_shape(page.root_element());
    shape.elements <= MAX_ELEMENTS_FOR_READABILITY
        && shape.depth <= MAX_DEPTH_FOR_READABILITY
        && shape.depth_sum <= MAX_DEPTH_SUM_FOR_READABILITY
        && shape.text_bytes <= MAX_TEXT_FOR_READABILITY
}

/// Size measures of a parsed tree.
struct TreeShape {
    elements: usize,
    depth: usize,
    /// The depths of all elements added up: how many ancestor steps a walk
    /// from every element to the root takes.
    depth_sum: usize,
    text_bytes: usize,
}

/// Measures the tree below `root`, walking it without recursion.
fn tree_shape(root: ElementRef<'_>) -> TreeShape {
    let mut shape = TreeShape {
        elements: 0,
        depth: 0,
        depth_sum: 0,
        text_bytes: 0,
    };
    let root_id = root.id();
    let mut node = *root;
    let mut depth = 0usize;
    'walk: loop {
        match node.value() {
            Node::Element(_) => {
                shape.elements += 1;
                shape.depth_sum = shape.depth_sum.saturating_add(depth);
            }
            Node::Text(text) => shape.text_bytes += text.len(),
            _ => {}
        }
        if let Some(child) = node.first_child() {
            node = child;
            depth += 1;
            shape.depth = shape.depth.max(depth);
            continue;
        }
        loop {
            if node.id() == root_id {
                break 'walk;
            }
            if let Some(next) = node.next_sibling() {
                node = next;
                break;
            }
            let Some(parent) = node.parent() else {
                break 'walk;
            };
            node = parent;
            depth = depth.saturating_sub(1);
        }
    }
    shape
}

// ---------------------------------------------------------------------------
// Finding the article

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

/// Runs `dom_smoothie` and converts the article it finds into blocks, or
/// `None` when it fails. A panic inside the library is contained here, so
/// that hostile input costs a fallback, not the daemon.
fn readability_blocks(html: &str) -> Option<Vec<Block>> {
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
fn choose_blocks(readable: Option<Vec<Block>>, own: Vec<Block>) -> Vec<String> {
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

/// Puts back runs of `own` blocks that Readability dropped when a run holds
/// contact details, right after the block that precedes the run in `own`.
fn with_dropped_contacts(readable: Vec<String>, own: &[String]) -> Vec<String> {
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
fn is_contact_block(text: &str) -> bool {
    text.chars().count() <= MAX_CONTACT_BLOCK_CHARS && looks_like_contact(text)
}

// ---------------------------------------------------------------------------
// What counts as page chrome

/// Tags never part of the release text.
const DROPPED_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "math", "nav", "aside", "form", "button",
    "select", "input", "textarea", "label", "iframe", "object", "embed", "canvas", "video",
    "audio", "map", "dialog", "head", "title", "meta", "link", "menu",
];
const CHROME_ROLES: &[&str] = &[
    "navigation",
    "menu",
    "menubar",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
    "toolbar",
    "tablist",
    "alert",
];
/// Class or id words marking consent notices: dropped whatever they contain.
const CONSENT_WORDS: &[&str] = &["cookie", "consent", "gdpr"];
/// Class or id word prefixes marking page chrome.
const CHROME_WORD_PREFIXES: &[&str] = &[
    "share",
    "sharing",
    "social",
    "breadcrumb",
    "related",
    "newsletter",
    "subscri",
    "signup",
    "sidebar",
    "skip",
    "navbar",
    "navigation",
    "menu",
    "advert",
    "promo",
    "popup",
    "modal",
    "pagination",
    "pager",
    "comment",
    "toolbar",
    "print",
];
/// Class or id words marking page chrome when they are the whole word.
const CHROME_WORDS: &[&str] = &["nav", "ad", "ads", "tags", "hidden", "sronly"];
/// Class or id word prefixes marking page headers and footers.
const HEADER_FOOTER_WORD_PREFIXES: &[&str] = &["footer", "header", "masthead"];

/// What the chrome rules make of an element, from its tag and attributes.
#[derive(Debug, PartialEq)]
enum Verdict {
    Content,
    /// Never release text: scripts, forms, navigation and the like, by tag or
    /// ARIA role.
    Chrome,
    /// Hidden, or named like chrome ("share", "sidebar", "cookie-banner"):
    /// dropped unless it holds at least `min_prose` characters of unlinked
    /// prose, which makes it a wrapper with an unlucky name, or part of a
    /// page saved while a dialog hid the rest.
    Suspect {
        min_prose: usize,
    },
    /// A header or footer by tag or role: the site's, unless it sits in the
    /// article and holds the release's contact block.
    HeaderOrFooter,
}

/// Unlinked prose that clears a chrome-named element.
const MIN_PROSE_IN_SUSPECT: usize = 400;
/// Consent notices can be wordy; a wrapper holding the article is far longer.
const MIN_PROSE_IN_CONSENT_NAMED: usize = 1_500;

/// How an element's class and id words classify it.
#[derive(PartialEq)]
enum NameVerdict {
    Content,
    Consent,
    Chrome,
    HeaderOrFooter,
}

/// Applies the chrome rules to an element given its tag name and a way to
/// read its attributes, so the same rules serve both DOM libraries.
fn verdict(name: &str, attr: impl Fn(&str) -> Option<String>) -> Verdict {
    let role = attr("role").unwrap_or_default().trim().to_ascii_lowercase();
    if DROPPED_TAGS.contains(&name) || CHROME_ROLES.contains(&role.as_str()) {
        return Verdict::Chrome;
    }
    if matches!(name, "header" | "footer") || matches!(role.as_str(), "banner" | "contentinfo") {
        return Verdict::HeaderOrFooter;
    }
    let hidden = attr("hidden").is_some()
        || attr("aria-hidden").is_some_and(|v| v.trim() == "true")
        || attr("style").is_some_and(|style| hides(&style));
    match name_verdict(attr("class").as_deref(), attr("id").as_deref()) {
        NameVerdict::Consent => Verdict::Suspect {
            min_prose: MIN_PROSE_IN_CONSENT_NAMED,
        },
        NameVerdict::Chrome | NameVerdict::HeaderOrFooter => Verdict::Suspect {
            min_prose: MIN_PROSE_IN_SUSPECT,
        },
        NameVerdict::Content if hidden => Verdict::Suspect {
            min_prose: MIN_PROSE_IN_SUSPECT,
        },
        NameVerdict::Content => Verdict::Content,
    }
}

fn name_verdict(class: Option<&str>, id: Option<&str>) -> NameVerdict {
    let raw = format!("{} {}", class.unwrap_or(""), id.unwrap_or("")).to_ascii_lowercase();
    if raw.contains("visually-hidden") || raw.contains("screen-reader") || raw.contains("sr-only") {
        return NameVerdict::Chrome;
    }
    let mut verdict = NameVerdict::Content;
    for word in raw
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if CONSENT_WORDS.iter().any(|p| word.starts_with(p)) {
            return NameVerdict::Consent;
        }
        if CHROME_WORDS.contains(&word) || CHROME_WORD_PREFIXES.iter().any(|p| word.starts_with(p))
        {
            verdict = NameVerdict::Chrome;
        } else if verdict == NameVerdict::Content
            && HEADER_FOOTER_WORD_PREFIXES
                .iter()
                .any(|p| word.starts_with(p))
        {
            verdict = NameVerdict::HeaderOrFooter;
        }
    }
    verdict
}

fn hides(style: &str) -> bool {
    let style: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    style.contains("display:none") || style.contains("visibility:hidden")
}

fn element_verdict(el: ElementRef<'_>) -> Verdict {
    let element = el.value();
    if element.attrs().next().is_none() {
        // Most elements carry no attributes; their tag alone decides.
        return verdict(element.name(), |_| None);
    }
    verdict(element.name(), |name| {
        element.attr(name).map(str::to_string)
    })
}

fn role(element: &Element) -> String {
    element
        .attr("role")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether the walker drops `el` and everything inside it. `in_article` says
/// whether `el` sits inside the article, where a footer may be the release's
/// contact block rather than the site's.
fn is_dropped(el: ElementRef<'_>, in_article: bool) -> bool {
    let keeps_contact = || in_article && is_contact_block(&el.text().collect::<String>());
    match element_verdict(el) {
        Verdict::Chrome => true,
        Verdict::Suspect { min_prose } => {
            !is_mostly_prose(text_chars(el), linked_chars(el), min_prose) && !keeps_contact()
        }
        Verdict::HeaderOrFooter => !keeps_contact(),
        Verdict::Content => is_photo_caption(el) || is_skip_link(el),
    }
}

/// Whether an element holds at least `min_prose` characters outside links,
/// and few links: prose, not a menu or a list of teasers.
fn is_mostly_prose(total_chars: usize, linked_chars: usize, min_prose: usize) -> bool {
    let unlinked = total_chars.saturating_sub(linked_chars);
    unlinked >= min_prose && (linked_chars as f64) < 0.25 * total_chars as f64
}

fn linked_chars(el: ElementRef<'_>) -> usize {
    el.select(&LINK).map(text_chars).sum()
}

fn is_photo_caption(el: ElementRef<'_>) -> bool {
    el.value().name() == "figcaption"
        && el
            .parent()
            .and_then(ElementRef::wrap)
            .is_some_and(|figure| figure.select(&MEDIA).next().is_some())
}

fn is_skip_link(el: ElementRef<'_>) -> bool {
    el.value().name() == "a"
        && el.value().attr("href").is_some_and(|h| h.starts_with('#'))
        && el
            .text()
            .collect::<String>()
            .trim()
            .to_lowercase()
            .starts_with("skip to")
}

/// Whether `el` or an ancestor of it below `root` is navigation, a sidebar,
/// a footer or similar; ancestors that contain `root` are never chrome.
/// Looser than [`is_dropped`]: headers count as content, since the article's
/// own header holds its `<h1>` and `<time>`.
fn in_page_chrome(el: ElementRef<'_>, root: ElementRef<'_>) -> bool {
    let mut current = Some(el);
    for _ in 0..MAX_TAG_NESTING * 4 {
        let Some(node) = current else {
            return false;
        };
        if node.id() == root.id() || root.ancestors().any(|a| a.id() == node.id()) {
            return false;
        }
        let is_footer = node.value().name() == "footer" || role(node.value()) == "contentinfo";
        if is_footer
            || matches!(
                element_verdict(node),
                Verdict::Chrome | Verdict::Suspect { .. }
            )
        {
            return true;
        }
        current = node.parent().and_then(ElementRef::wrap);
    }
    false
}

/// Whether `el` sits in navigation, a form, a dialog or similar, judged by
/// tags and roles only: `<article>` teasers in a sidebar are not the story.
fn in_hard_chrome(el: ElementRef<'_>) -> bool {
    el.ancestors()
        .chain(std::iter::once(*el))
        .filter_map(ElementRef::wrap)
        .take(MAX_TAG_NESTING * 4)
        .any(|node| element_verdict(node) == Verdict::Chrome)
}

// ---------------------------------------------------------------------------
// Turning an element into blocks

/// Elements that start and end a block of text.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
];

/// One paragraph-level piece of text, and whether it came from a `<p>`.
struct Block {
    text: String,
    paragraph: bool,
}

impl Block {
    fn chars(&self) -> usize {
        self.text.chars().count()
    }
}

/// Walks `root` in document order (without recursion, so nesting depth costs
/// no stack) and collects its text as blocks, skipping page chrome.
fn blocks_in(root: ElementRef<'_>, root_is_article: bool) -> Vec<Block> {
    let mut writer = BlockWriter {
        article_depth: usize::from(root_is_article),
        ..BlockWriter::default()
    };
    let root_id = root.id();
    let mut node = *root;
    loop {
        let descend = match node.value() {
            Node::Text(text) => {
                writer.push_text(text);
                false
            }
            Node::Element(_) => {
                ElementRef::wrap(node).is_some_and(|el| writer.enter(el, node.id() == root_id))
            }
            Node::Document | Node::Fragment => true,
            _ => false,
        };
        if descend {
            if let Some(child) = node.first_child() {
                node = child;
                continue;
            }
            if let Some(el) = ElementRef::wrap(node) {
                writer.leave(el);
            }
        }
        loop {
            if node.id() == root_id {
                return writer.finish();
            }
            if let Some(next) = node.next_sibling() {
                node = next;
                break;
            }
            let Some(parent) = node.parent() else {
                return writer.finish();
            };
            node = parent;
            if let Some(el) = ElementRef::wrap(node) {
                writer.leave(el);
            }
        }
    }
}

#[derive(Default)]
struct BlockWriter {
    blocks: Vec<Block>,
    /// Finished lines (ended by `<br>`) of the paragraph being written.
    lines: Vec<String>,
    line: String,
    /// Names of the open block elements, innermost last.
    open_blocks: Vec<String>,
    /// For each open table: whether it is a data table (rows become blocks).
    tables: Vec<bool>,
    pre_depth: usize,
    article_depth: usize,
}

impl BlockWriter {
    /// Handles a start tag; returns whether to walk into the element.
    fn enter(&mut self, el: ElementRef<'_>, is_root: bool) -> bool {
        if !is_root && is_dropped(el, self.article_depth > 0) {
            return false;
        }
        let name = el.value().name();
        match name {
            "br" => {
                self.break_line();
                return false;
            }
            "td" | "th" if self.in_data_table() => {
                if !self.line.trim().is_empty() {
                    self.line.push_str(" | ");
                }
                return true;
            }
            "table" => self.tables.push(is_data_table(el)),
            "pre" => self.pre_depth += 1,
            _ => {}
        }
        if !is_root && is_article_element(el) {
            self.article_depth += 1;
        }
        if is_block_element(name, self.in_data_table()) {
            self.flush();
            self.open_blocks.push(name.to_string());
        }
        true
    }

    /// Handles an end tag of an element that [`BlockWriter::enter`] walked into.
    fn leave(&mut self, el: ElementRef<'_>) {
        let name = el.value().name();
        let in_data_table = self.in_data_table();
        match name {
            "td" | "th" if in_data_table => return,
            "table" => {
                self.tables.pop();
            }
            "pre" => self.pre_depth = self.pre_depth.saturating_sub(1),
            _ => {}
        }
        if is_block_element(name, in_data_table) {
            self.flush();
            self.open_blocks.pop();
        }
        if is_article_element(el) {
            self.article_depth = self.article_depth.saturating_sub(1);
        }
    }

    fn in_data_table(&self) -> bool {
        self.tables.last().copied().unwrap_or(false)
    }

    fn push_text(&mut self, text: &str) {
        if self.pre_depth == 0 {
            self.line.push_str(text);
            return;
        }
        // Preformatted text: a newline ends a line, a blank line a paragraph.
        for (i, piece) in text.split('\n').enumerate() {
            if i > 0 {
                if self.line.trim().is_empty() && !self.lines.is_empty() {
                    self.flush();
                } else {
                    self.break_line();
                }
            }
            self.line.push_str(piece);
        }
    }

    fn break_line(&mut self) {
        self.lines.push(std::mem::take(&mut self.line));
    }

    fn flush(&mut self) {
        self.break_line();
        let lines: Vec<String> = std::mem::take(&mut self.lines)
            .iter()
            .map(|line| clean_text(line))
            .filter(|line| !line.is_empty())
            .collect();
        let paragraph = self.open_blocks.last().is_some_and(|name| name == "p");
        let texts = if is_line_per_item(&lines) {
            lines
        } else {
            vec![lines.join(" ")]
        };
        self.blocks.extend(
            texts
                .into_iter()
                .filter(|text| text.chars().any(char::is_alphanumeric))
                .map(|text| Block { text, paragraph }),
        );
    }

    fn finish(mut self) -> Vec<Block> {
        self.flush();
        self.blocks
    }
}

fn is_block_element(name: &str, in_data_table: bool) -> bool {
    BLOCK_TAGS.contains(&name) || (!in_data_table && matches!(name, "td" | "th"))
}

fn is_article_element(el: ElementRef<'_>) -> bool {
    matches!(el.value().name(), "article" | "main") || role(el.value()) == "main"
}

/// A table with headings and no nested tables holds data, not layout. Only
/// the first [`MAX_TABLE_SCAN`] nodes are looked at, so that tables nested
/// inside tables stay linear to walk.
fn is_data_table(table: ElementRef<'_>) -> bool {
    if role(table.value()) == "presentation" {
        return false;
    }
    let mut has_headings = false;
    for node in table.descendants().skip(1).take(MAX_TABLE_SCAN) {
        match node.value().as_element().map(Element::name) {
            Some("table") => return false,
            Some("th" | "thead" | "caption") => has_headings = true,
            _ => {}
        }
    }
    has_headings
}

/// Lines separated by `<br>` are separate items (a contact block, an address)
/// unless one reads as the continuation of a sentence.
fn is_line_per_item(lines: &[String]) -> bool {
    lines.len() > 1 && lines.iter().skip(1).all(|line| !continues_sentence(line))
}

fn continues_sentence(line: &str) -> bool {
    let first_word = line.split_whitespace().next().unwrap_or("");
    let starts_lowercase = first_word.chars().next().is_some_and(char::is_lowercase);
    let is_address = first_word.contains('@')
        || first_word.starts_with("www.")
        || first_word.starts_with("http");
    starts_lowercase && !is_address
}

// ---------------------------------------------------------------------------
// Text clean-up

/// Plain text as it reads: whitespace collapsed, invisible characters gone,
/// entities a CMS escaped twice decoded, stray markup and `mailto:` removed.
fn clean_text(raw: &str) -> String {
    let visible: String = raw
        .chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}'))
        .collect();
    let decoded = if visible.contains('&') && ENTITY.is_match(&visible) {
        ENTITY
            .replace_all(&visible, |caps: &regex::Captures<'_>| {
                html_escape::decode_html_entities(&caps[0]).into_owned()
            })
            .into_owned()
    } else {
        visible
    };
    let untagged = if decoded.contains('<') {
        LEFTOVER_TAG.replace_all(&decoded, " ")
    } else {
        Cow::Borrowed(decoded.as_str())
    };
    let unlinked = if untagged.contains(':') {
        MAILTO.replace_all(&untagged, "")
    } else {
        Cow::Borrowed(untagged.as_ref())
    };
    collapse_whitespace(&unlinked)
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text of an inline element such as a heading, with `<br>` and nested
/// blocks read as spaces.
fn inline_text(el: ElementRef<'_>) -> String {
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

// ---------------------------------------------------------------------------
// Metadata

/// What the page's `<meta>` tags and `<title>` say, first value of each kind.
#[derive(Default)]
struct PageMeta {
    title: Option<String>,
    og_title: Option<String>,
    twitter_title: Option<String>,
    site_name: Option<String>,
    published_time: Option<String>,
    date: Option<String>,
    item_published: Option<String>,
    authors: Vec<String>,
}

impl PageMeta {
    fn read(page: &Html) -> PageMeta {
        let mut meta = PageMeta::default();
        for tag in page.select(&META) {
            let element = tag.value();
            let Some(content) = element.attr("content").map(clean_text) else {
                continue;
            };
            if content.is_empty() {
                continue;
            }
            let keys = [element.attr("property"), element.attr("name")];
            for key in keys.iter().flatten() {
                meta.record(&key.trim().to_ascii_lowercase(), &content);
            }
        }
        meta.title = page
            .select(&TITLE)
            .find(|t| {
                !t.ancestors()
                    .any(|a| a.value().as_element().is_some_and(|e| e.name() == "svg"))
            })
            .map(inline_text)
            .filter(|t| !t.is_empty());
        meta.item_published = page.select(&ITEMPROP_PUBLISHED).find_map(|el| {
            let value = el.value();
            value
                .attr("content")
                .or(value.attr("datetime"))
                .map(str::to_string)
        });
        meta
    }

    fn record(&mut self, key: &str, content: &str) {
        let slot = match key {
            "og:title" => &mut self.og_title,
            "twitter:title" => &mut self.twitter_title,
            "og:site_name" | "application-name" => &mut self.site_name,
            "article:published_time" => &mut self.published_time,
            "date" | "dc.date" | "dc.date.issued" | "dcterms.date" | "dcterms.issued" => {
                &mut self.date
            }
            "author" | "article:author" => {
                self.authors.push(content.to_string());
                return;
            }
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(content.to_string());
        }
    }

    /// The first stated author that is a plain name, not a profile URL.
    fn author(&self) -> Option<String> {
        self.authors.iter().find(|a| is_plain_name(a)).cloned()
    }
}

fn is_plain_name(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let url_like = lower.contains("://")
        || lower.starts_with("www.")
        || lower.starts_with("//")
        || (!lower.contains(' ') && lower.contains('.') && lower.contains('/'));
    !text.is_empty() && !url_like && !text.contains('@') && text.chars().count() <= 200
}

/// The publication date from, in order: `article:published_time`,
/// `<meta name="date">`, `itemprop="datePublished"`, JSON-LD, and the first
/// `<time datetime>` in the article. Unparseable values are skipped.
fn published_date(
    page: &Html,
    root: ElementRef<'_>,
    meta: &PageMeta,
) -> Option<DateTime<FixedOffset>> {
    let stated = [&meta.published_time, &meta.date, &meta.item_published];
    stated
        .into_iter()
        .flatten()
        .find_map(|value| parse_date(value))
        .or_else(|| json_ld_dates(page).find_map(|value| parse_date(&value)))
        .or_else(|| {
            root.select(&TIME)
                .take(MAX_CANDIDATES)
                .filter(|time| !in_page_chrome(*time, root))
                .find_map(|time| time.value().attr("datetime").and_then(parse_date))
        })
}

fn json_ld_dates(page: &Html) -> impl Iterator<Item = String> + '_ {
    page.select(&JSON_LD).flat_map(|script| {
        let text: String = script.text().collect();
        JSON_LD_PUBLISHED
            .captures_iter(&text)
            .filter_map(|caps| caps.get(1).map(|m| m.as_str().to_string()))
            .collect::<Vec<_>>()
    })
}

/// RFC 3339, a few common near-misses of it, or a plain `YYYY-MM-DD`
/// (midnight UTC). Values without an offset are taken as UTC.
fn parse_date(raw: &str) -> Option<DateTime<FixedOffset>> {
    let text = raw.trim();
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date);
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(date) = DateTime::parse_from_str(text, format) {
            return Some(date);
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(date) = NaiveDateTime::parse_from_str(text, format) {
            return Some(date.and_utc().fixed_offset());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc().fixed_offset())
}

// ---------------------------------------------------------------------------
// The headline

/// Title separators between a headline and a site name.
const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " · "];
/// Separators that may also put the site name first; dashes are left out
/// because headlines use them ("Sudan – Agency scales up aid").
const PREFIX_SEPARATORS: &[&str] = &[" | ", " :: ", " · "];

/// The page's headline: an `<h1>` that agrees with `og:title` or `<title>`;
/// else `og:title` or `twitter:title`; else `<title>` without the site name;
/// else the first `<h1>`.
fn headline(page: &Html, root: ElementRef<'_>, meta: &PageMeta) -> Option<String> {
    let stripped_title = meta
        .title
        .as_deref()
        .map(|t| strip_site_name(t, meta.site_name.as_deref()))
        .filter(|t| !t.is_empty());
    let stated = [
        meta.og_title.as_deref(),
        meta.twitter_title.as_deref(),
        meta.title.as_deref(),
        stripped_title.as_deref(),
    ];
    let h1s = headline_candidates(page, root);
    if let Some(h1) = h1s
        .iter()
        .find(|h1| stated.iter().flatten().any(|s| titles_agree(h1, s)))
    {
        return Some(h1.clone());
    }
    meta.og_title
        .clone()
        .or_else(|| meta.twitter_title.clone())
        .or(stripped_title)
        .or_else(|| h1s.into_iter().next())
        .or_else(|| page.select(&H1).map(inline_text).find(|t| !t.is_empty()))
}

/// `<h1>` texts outside page chrome, those inside the article first.
fn headline_candidates(page: &Html, root: ElementRef<'_>) -> Vec<String> {
    let in_root = root
        .select(&H1)
        .take(MAX_CANDIDATES)
        .filter(|h1| !in_page_chrome(*h1, root));
    let in_page = page
        .select(&H1)
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
    short.split_whitespace().count() >= 3 && long.contains(short.as_str())
}

fn title_key(text: &str) -> String {
    collapse_whitespace(&text.to_lowercase())
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
            if let Some(rest) = strip_prefix_ci(&title, &format!("{site}{separator}")) {
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
        && headline.split_whitespace().count() >= 2
}

fn strip_suffix_ci<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Drops a first block that only repeats the headline.
fn without_leading_title(mut blocks: Vec<String>, title: Option<&str>) -> Vec<String> {
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

    const GENEVA: &str = include_str!("../../tests/data/html/geneva-appeal.html");
    const MINIMAL: &str = include_str!("../../tests/data/html/minimal.html");

    /// Three paragraphs of release prose, long enough for Readability.
    const PROSE: &str = "<p>NAIROBI – Aid workers reached 12,400 people in the Dadaab camps this week with food, water and shelter after heavy rains flooded parts of the settlement, the Horn Relief Coalition said on Tuesday.</p>\
        <p>The coalition has registered 3,100 new arrivals since January, most of them women and children who walked for several days from the border area, and it expects the number to rise further before the end of the rainy season.</p>\
        <p>Water trucking will continue for at least six weeks while engineers repair two boreholes damaged by the floods, and mobile clinics will visit each block of the camp twice a week.</p>";

    fn page(head: &str, body: &str) -> String {
        format!("<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>")
    }

    fn joined(draft: &Draft) -> String {
        draft.blocks.join("\n")
    }

    fn date(text: &str) -> Option<DateTime<FixedOffset>> {
        DateTime::parse_from_rfc3339(text).ok()
    }

    // --- title ---

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

    // --- chrome ---

    #[test]
    fn navigation_banners_scripts_and_footers_are_dropped() {
        let html = page(
            "<title>Rains flood Dadaab camps | HRC</title>
             <style>p { color: red; }</style>
             <script>var tracker = 'HEADSCRIPT';</script>",
            &format!(
                r##"<a class="skip-link" href="#main">Skip to main content</a>
                <div class="cookie-banner"><p>We use cookies to improve your experience.</p><button>Accept</button></div>
                <div id="gdpr-notice">Your privacy choices matter to us.</div>
                <header><a href="/">HRC home</a><ul class="menu"><li><a href="/about">About us</a></li></ul></header>
                <nav><a href="/news">All news</a></nav>
                <ol class="breadcrumb"><li><a href="/">Home</a></li><li>Press</li></ol>
                <main id="main">
                  <div class="social-share"><a href="https://x.example/share">Share on X</a></div>
                  {PROSE}
                  <script>document.write('BODYSCRIPT');</script>
                  <style>.x {{ display: none }}</style>
                  <div class="newsletter-signup"><p>Sign up for our weekly newsletter.</p></div>
                  <div class="related-articles"><h3>Related articles</h3><ul><li><a href="/a">Older story</a></li></ul></div>
                  <div style="display: none">Hidden promo text</div>
                </main>
                <aside><p>Donate today to support our work.</p></aside>
                <footer><p>© 2025 Horn Relief Coalition. Contact us | Privacy</p></footer>"##
            ),
        );
        let text = joined(&parse(&html));
        for chrome in [
            "Skip to",
            "cookies",
            "privacy choices",
            "HRC home",
            "About us",
            "All news",
            "Home",
            "Share on",
            "SCRIPT",
            "color",
            "newsletter",
            "Related",
            "Older story",
            "Hidden promo",
            "Donate",
            "©",
        ] {
            assert!(!text.contains(chrome), "{chrome:?} leaked into {text}");
        }
        assert!(text.contains("NAIROBI – Aid workers reached 12,400 people"));
        assert!(text.contains("mobile clinics will visit each block"));
    }

    #[test]
    fn body_class_naming_a_banner_does_not_drop_the_page() {
        let html = format!(
            r#"<html><body class="cookie-consent-shown has-sidebar">{PROSE}</body></html>"#
        );
        assert_eq!(parse(&html).blocks.len(), 3);
    }

    #[test]
    fn article_hidden_behind_a_dialog_or_in_an_oddly_named_wrapper_is_kept() {
        let html = page(
            "",
            &format!(
                r#"<div role="dialog" class="modal"><p>Subscribe to alerts</p></div>
                <div id="page" class="with-fixed-header" aria-hidden="true">
                <div class="page-footer-offset">{PROSE}</div></div>"#
            ),
        );
        let draft = parse(&html);
        assert_eq!(draft.blocks.len(), 3, "{:?}", draft.blocks);
        assert!(!joined(&draft).contains("Subscribe"));
    }

    #[test]
    fn container_with_a_chrome_sounding_class_but_real_prose_is_kept() {
        let html = page(
            "",
            &format!(r#"<div class="content-with-sidebar">{PROSE}</div>"#),
        );
        assert_eq!(parse(&html).blocks.len(), 3);
    }

    #[test]
    fn photo_captions_are_dropped_but_quote_figures_kept() {
        let html = page(
            "",
            &format!(
                r#"<article>{PROSE}
                <figure><img src="a.jpg"><figcaption>Photo: HRC/Jane Roe</figcaption></figure>
                <figure><blockquote><p>We will not leave these families behind.</p></blockquote></figure>
                </article>"#
            ),
        );
        let text = joined(&parse(&html));
        assert!(!text.contains("Photo: HRC"));
        assert!(text.contains("We will not leave these families behind."));
    }

    // --- contact block ---

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

    // --- text ---

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
    fn headings_and_list_items_are_blocks_of_their_own() {
        let html = page(
            "",
            &format!(
                "<article>{PROSE}<h2>What the <em>coalition</em> provides</h2><ul><li>Water</li><li>Shelter <b>kits</b></li></ul><h3>Next steps</h3><p>Teams return next week.</p></article>"
            ),
        );
        let draft = parse(&html);
        assert_eq!(
            &draft.blocks[3..],
            [
                "What the coalition provides",
                "Water",
                "Shelter kits",
                "Next steps",
                "Teams return next week."
            ]
        );
    }

    #[test]
    fn line_break_inside_a_sentence_reads_as_a_space() {
        let html = page(
            "",
            &format!(
                "<article>{PROSE}<p>The camps now host<br>more than 300,000 people.</p></article>"
            ),
        );
        let draft = parse(&html);
        assert_eq!(
            draft.blocks.last().map(String::as_str),
            Some("The camps now host more than 300,000 people.")
        );
    }

    #[test]
    fn data_table_rows_become_blocks() {
        let html = page(
            "",
            &format!(
                "<article>{PROSE}<table><thead><tr><th>Camp</th><th>Arrivals</th></tr></thead>\
                 <tbody><tr><td>Dagahaley</td><td>1,200</td></tr><tr><td>Ifo</td><td>1,900</td></tr></tbody></table></article>"
            ),
        );
        let draft = parse(&html);
        assert_eq!(
            &draft.blocks[3..],
            ["Camp | Arrivals", "Dagahaley | 1,200", "Ifo | 1,900"]
        );
    }

    #[test]
    fn preformatted_text_splits_at_blank_lines() {
        let html = page(
            "",
            "<pre>GENEVA – The coalition said
on Monday that it would expand.

For more information:
Jane Roe
Tel: +41 22 555 0199</pre>",
        );
        assert_eq!(
            parse(&html).blocks,
            [
                "GENEVA – The coalition said on Monday that it would expand.",
                "For more information:",
                "Jane Roe",
                "Tel: +41 22 555 0199"
            ]
        );
    }

    // --- finding the article ---

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

    // --- metadata ---

    #[test]
    fn date_comes_from_article_published_time() {
        let html = page(
            r#"<meta name="date" content="2024-01-01">
               <meta property="article:published_time" content="2025-03-04T08:15:00+03:00">"#,
            PROSE,
        );
        assert_eq!(parse(&html).front.date, date("2025-03-04T08:15:00+03:00"));
    }

    #[test]
    fn plain_date_meta_is_midnight_utc() {
        let html = page(r#"<meta name="date" content="2025-03-04">"#, PROSE);
        assert_eq!(parse(&html).front.date, date("2025-03-04T00:00:00Z"));
    }

    #[test]
    fn date_comes_from_itemprop_or_json_ld() {
        let itemprop = page(
            r#"<meta itemprop="datePublished" content="2025-03-05">"#,
            PROSE,
        );
        assert_eq!(parse(&itemprop).front.date, date("2025-03-05T00:00:00Z"));
        let json_ld = page(
            r#"<script type="application/ld+json">{"@type":"NewsArticle","datePublished": "2025-03-06T10:00:00Z"}</script>"#,
            PROSE,
        );
        assert_eq!(parse(&json_ld).front.date, date("2025-03-06T10:00:00Z"));
    }

    #[test]
    fn date_comes_from_the_first_time_element_in_the_article() {
        let html = page(
            "",
            &format!(
                r#"<aside><time datetime="2020-01-01">Old</time></aside>
                <article><header><time datetime="2025-03-07T09:00:00+01:00">7 March</time></header>{PROSE}
                <time datetime="2025-03-08">later</time></article>"#
            ),
        );
        assert_eq!(parse(&html).front.date, date("2025-03-07T09:00:00+01:00"));
    }

    #[test]
    fn unparseable_date_falls_through_to_the_next_source() {
        let html = page(
            r#"<meta property="article:published_time" content="last Tuesday">
               <meta name="date" content="2025-03-09">"#,
            PROSE,
        );
        assert_eq!(parse(&html).front.date, date("2025-03-09T00:00:00Z"));
    }

    #[test]
    fn dates_in_common_near_rfc3339_forms_parse() {
        assert_eq!(
            parse_date("2025-03-04T08:15:00+0300"),
            date("2025-03-04T08:15:00+03:00")
        );
        assert_eq!(
            parse_date(" 2025-03-04T08:15:00.250Z "),
            date("2025-03-04T08:15:00.250Z")
        );
        assert_eq!(
            parse_date("2025-03-04 08:15:00"),
            date("2025-03-04T08:15:00Z")
        );
        assert_eq!(parse_date("2025-03-04"), date("2025-03-04T00:00:00Z"));
        assert_eq!(parse_date("04/03/2025"), None);
        assert_eq!(parse_date("2025-02-30"), None);
    }

    #[test]
    fn author_is_a_plain_name_never_a_url() {
        let named = page(
            r#"<meta property="article:author" content="https://facebook.example/hrc">
               <meta name="author" content="Amara  Okafor">"#,
            PROSE,
        );
        assert_eq!(parse(&named).front.author.as_deref(), Some("Amara Okafor"));
        let url_only = page(
            r#"<meta property="article:author" content="https://hrc.example/people/aokafor">"#,
            PROSE,
        );
        assert_eq!(parse(&url_only).front.author, None);
    }

    #[test]
    fn summary_region_and_country_are_left_to_the_normalizer() {
        let html = page(
            r#"<meta name="description" content="A summary"><meta property="og:title" content="Rains flood camps">"#,
            PROSE,
        );
        let front = parse(&html).front;
        assert_eq!(
            (front.summary, front.region, front.country, front.title),
            (None, None, None, None)
        );
    }

    // --- hostile input ---

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
    fn deeply_nested_tags_do_not_hang_or_overflow() {
        let nestings = [
            ("", "<div>"),
            ("", "<div/>"),
            ("", "<span>"),
            ("", "<b>"),
            ("", "<ul><li>"),
            ("", "<table><tr><td>"),
            ("", "<section>"),
            ("", "<rt>"),
            ("<svg>", "<td>"),
            ("<math>", "<li>"),
        ];
        for (outer, tag) in nestings {
            let html = format!(
                "<body>{outer}{}<p>Deep text survives.</p>",
                tag.repeat(20_000)
            );
            let draft = parse(&html);
            assert!(
                joined(&draft).contains("Deep text survives."),
                "{outer}{tag}"
            );
        }
    }

    #[test]
    fn large_page_is_parsed() {
        let mut html = String::from("<html><body><article>");
        while html.len() < 2_000_000 {
            html.push_str(PROSE);
        }
        html.push_str("</article></body></html>");
        assert!(parse(&html).blocks.len() > 5_000);
    }

    #[test]
    fn excess_nesting_is_flattened_but_ordinary_pages_are_untouched() {
        assert!(matches!(flatten_excess_nesting(GENEVA), Cow::Borrowed(_)));
        let deep = format!("{}text{}", "<div>".repeat(600), "</div>".repeat(600));
        let flat = flatten_excess_nesting(&deep);
        assert_eq!(flat.matches("<div>").count(), MAX_TAG_NESTING);
        assert_eq!(flat.matches("</div>").count(), MAX_TAG_NESTING);
        assert!(flat.contains("text"));
        let scripted = format!("<script>{}</script><p>x</p>", "<div>".repeat(600));
        assert!(matches!(
            flatten_excess_nesting(&scripted),
            Cow::Borrowed(_)
        ));
    }

    // --- fixtures ---

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
