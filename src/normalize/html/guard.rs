//! Input guards: start tags nested past [`MAX_TAG_NESTING`] are dropped before
//! the page is parsed, and pages too large or too deep for Readability are
//! kept from it, so hostile input costs time linear in its size.

use std::borrow::Cow;
use std::collections::HashMap;

use scraper::{ElementRef, Html, Node};

use super::scan::{Tag, TagScanner};

/// Start tags nested deeper than this are dropped before parsing: html5ever's
/// scope checks walk the stack of open elements, so building costs elements
/// times depth. Only tags that really nest are counted (not `<p>`, `<li>`,
/// `<td>`…), and real pages stay far below it.
pub(super) const MAX_TAG_NESTING: usize = 128;
/// Readability's cleaning walks ancestors and subtrees for every element, so
/// its cost grows with the sum of the elements' depths; pages past these
/// limits (none of them press releases) go straight to the plain extraction.
const MAX_DEPTH_FOR_READABILITY: usize = 400;
pub(super) const MAX_ELEMENTS_FOR_READABILITY: usize = 100_000;
const MAX_DEPTH_SUM_FOR_READABILITY: usize = 3_000_000;
/// `dom_smoothie` slows down more than linearly on megabytes of text; no
/// press release comes near this, so such pages skip it.
const MAX_TEXT_FOR_READABILITY: usize = 500_000;

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

/// Removes start tags that would nest deeper than [`MAX_TAG_NESTING`] (and
/// their end tags), keeping all text. Ordinary pages come back borrowed.
pub(super) fn flatten_excess_nesting(html: &str) -> Cow<'_, str> {
    let mut open = OpenElements::default();
    let mut dropped_starts = 0usize;
    let mut rewritten: Option<String> = None;
    let mut copied_up_to = 0usize;
    let mut scanner = TagScanner::new(html);
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

/// Whether the parsed page is small and shallow enough for Readability.
pub(super) fn fits_readability(page: &Html) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::html::parse;
    use crate::normalize::html::test_support::{GENEVA, PROSE, joined};

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
}
