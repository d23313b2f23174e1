//! The forgiving tag tokenizer behind the nesting guard: it finds start and
//! end tags in the raw page text, skipping comments, doctypes and raw-text
//! elements, without building a tree.

/// Elements whose content is raw text up to their end tag.
const RAW_TEXT_TAGS: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// A tag as the pre-scan sees it: byte range in the source, lowercased name.
pub(super) struct Tag {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) name: String,
    pub(super) closing: bool,
    pub(super) self_closing: bool,
}

/// A forgiving tag tokenizer, just precise enough to track nesting: it skips
/// comments, doctypes and the raw text of `<script>`, `<style>` and kin.
pub(super) struct TagScanner<'a> {
    html: &'a str,
    pos: usize,
}

impl<'a> TagScanner<'a> {
    /// A scanner at the start of `html`.
    pub(super) fn new(html: &'a str) -> Self {
        TagScanner { html, pos: 0 }
    }

    /// The next start or end tag, or `None` at the end of the input.
    pub(super) fn next_tag(&mut self) -> Option<Tag> {
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
