//! The plain extraction: walks an element in document order and writes its
//! text as paragraph-level blocks, skipping page chrome, with `<br>` lines,
//! preformatted text and data-table rows split the way they read.

use scraper::node::Element;
use scraper::{ElementRef, Node};

use super::chrome::{is_dropped, role};
use super::cleanup::clean_text;

/// How far into a table [`is_data_table`] looks.
const MAX_TABLE_SCAN: usize = 2_000;

/// Elements that start and end a block of text.
pub(super) const BLOCK_TAGS: &[&str] = &[
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
pub(super) struct Block {
    pub(super) text: String,
    pub(super) paragraph: bool,
}

impl Block {
    /// The length of the text in characters.
    pub(super) fn chars(&self) -> usize {
        self.text.chars().count()
    }
}

/// Walks `root` in document order (without recursion, so nesting depth costs
/// no stack) and collects its text as blocks, skipping page chrome.
pub(super) fn blocks_in(root: ElementRef<'_>, root_is_article: bool) -> Vec<Block> {
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
        let mut texts = if is_line_per_item(&lines) {
            lines
        } else {
            vec![lines.join(" ")]
        };
        // List items read as in Markdown and text releases, so that a list
        // of highlights is never taken for the opening paragraph.
        if self.open_blocks.iter().any(|name| name == "li") {
            for text in &mut texts {
                text.insert_str(0, "- ");
            }
        }
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

#[cfg(test)]
mod tests {
    use crate::normalize::html::parse;
    use crate::normalize::html::test_support::{PROSE, page};

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
                "- Water",
                "- Shelter kits",
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
}
