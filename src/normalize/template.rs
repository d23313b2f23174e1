//! Template lines: a site's navigation, menus and footers that surround the
//! release text. Some are configured (literal lines and regexes); the rest
//! are learned from how many files of one folder carry the same line, so a
//! new site's navigation is dropped without anyone configuring it.

use std::collections::HashMap;

use crate::config::Rules;

/// The form in which lines are compared: trimmed, whitespace collapsed,
/// lowercase, typographic apostrophes made plain.
pub fn line_key(line: &str) -> String {
    let mut key = String::with_capacity(line.len());
    line_key_into(line, &mut key);
    key
}

/// [`line_key`] into a buffer, which a caller keying every line of a file
/// reuses.
fn line_key_into(line: &str, key: &mut String) {
    key.clear();
    // Most characters are ASCII even in non-ASCII lines (a dateline's
    // dash): plain runs are copied whole and lowercased in place, and only
    // the other characters take the Unicode tables.
    let mut space = false;
    let mut rest = line;
    while !rest.is_empty() {
        let run = super::clean::plain_prefix(rest);
        if run > 0 {
            if space {
                key.push(' ');
                space = false;
            }
            let start = key.len();
            key.push_str(&rest[..run]);
            key[start..].make_ascii_lowercase();
            rest = &rest[run..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        rest = &rest[c.len_utf8()..];
        push_key_char(key, &mut space, c);
    }
}

/// One character of a [`line_key`] outside the plain runs.
pub(super) fn push_key_char(key: &mut String, space: &mut bool, c: char) {
    if c.is_whitespace() {
        *space = !key.is_empty();
        return;
    }
    if *space {
        key.push(' ');
        *space = false;
    }
    if c == '\u{2019}' {
        key.push('\'');
    } else {
        key.extend(c.to_lowercase());
    }
}

/// Is this line configured as template, or made of punctuation alone?
/// `key` is the line's [`line_key`].
pub fn is_configured(line: &str, key: &str, rules: &Rules) -> bool {
    let trimmed = line.trim();
    if !trimmed.is_empty() && !trimmed.chars().any(char::is_alphanumeric) {
        return true;
    }
    rules.template_lines.contains(key)
        || rules.template_patterns.iter().any(|p| p.is_match(trimmed))
}

/// Lines that may be learned: not blank, not a contact header (which the
/// contact splitter needs), and not a bare number or date.
fn learnable(key: &str) -> bool {
    !key.is_empty()
        && key.chars().any(char::is_alphabetic)
        && !super::contact::is_contact_header(key)
}

/// A line key reduced to 64 bits: learning keeps one count per distinct
/// line of a folder, and an archive has hundreds of thousands of them.
pub type LineHash = u64;

/// FNV-1a: the store keeps these hashes across restarts and upgrades, so
/// the function must never change (std's `DefaultHasher` may).
fn hash_key(key: &str) -> LineHash {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    key.bytes()
        .fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// Hashes a [`LineHash`] for a map: it already is a hash of the line, so
/// SipHash would only cost time; splitmix's finalizer spreads its bits.
#[derive(Debug, Default, Clone, Copy)]
struct LineHasher(u64);

impl std::hash::Hasher for LineHasher {
    fn finish(&self) -> u64 {
        scramble(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

/// How many files of a folder carry each line.
type Counts = HashMap<LineHash, u32, std::hash::BuildHasherDefault<LineHasher>>;

/// For each folder, how many files contain each line. Files are added and
/// removed as they come and go, so the learned set stays in step.
#[derive(Debug, Clone)]
pub struct LearnedTemplates {
    /// Looked up for every line normalized: foldhash, not SipHash (folder
    /// names come from the watched folders, not from the network).
    folders: HashMap<String, Folder, foldhash::fast::RandomState>,
    /// The count from which a line is learned, for [`LearnedTemplates::digest`].
    min_files: u32,
}

#[derive(Debug, Default, Clone)]
struct Folder {
    files: usize,
    counts: Counts,
    /// How many lines reach `min_files`, and a digest of which: kept up to
    /// date as counts cross the threshold, so comparing learned sets costs
    /// nothing even in a folder of 100,000 files.
    learned: u32,
    digest: u64,
    /// Lines that crossed the threshold since [`LearnedTemplates::take_toggled`].
    toggled: Vec<LineHash>,
}

impl Folder {
    fn toggle(&mut self, key: LineHash, on: bool) {
        self.digest ^= scramble(key);
        self.toggled.push(key);
        if on {
            self.learned += 1;
        } else {
            self.learned -= 1;
        }
    }
}

/// splitmix64's finalizer: XOR-ing raw hashes of similar lines would
/// cancel out too easily.
fn scramble(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Default for LearnedTemplates {
    fn default() -> LearnedTemplates {
        LearnedTemplates::new(3)
    }
}

impl LearnedTemplates {
    /// Learns lines found in at least `min_files` files of a folder.
    pub fn new(min_files: usize) -> LearnedTemplates {
        LearnedTemplates {
            folders: HashMap::default(),
            min_files: u32::try_from(min_files).unwrap_or(u32::MAX),
        }
    }

    /// The lines of `folder` learned or unlearned since the last call: only
    /// files carrying one of them can read differently.
    pub fn take_toggled(&mut self, folder: &str) -> Vec<LineHash> {
        self.folders
            .get_mut(folder)
            .map(|f| std::mem::take(&mut f.toggled))
            .unwrap_or_default()
    }

    /// Forgets which lines crossed the threshold, in every folder.
    pub fn clear_toggled(&mut self) {
        for folder in self.folders.values_mut() {
            folder.toggled.clear();
        }
    }

    /// Identifies the set of lines learned in `folder` (with the
    /// `min_files` given to [`LearnedTemplates::new`]).
    pub fn digest(&self, folder: &str) -> u64 {
        self.folders
            .get(folder)
            .map_or(0, |f| f.digest ^ scramble(u64::from(f.learned)))
    }

    /// Counts the distinct lines of one file of `folder`.
    pub fn add_file(&mut self, folder: &str, text: &str) {
        self.add_lines(folder, &file_lines(text));
    }

    /// Counts one file given its [`file_lines`].
    pub fn add_lines(&mut self, folder: &str, lines: &[LineHash]) {
        let min = self.min_files;
        let entry = match self.folders.get_mut(folder) {
            Some(entry) => entry,
            None => self.folders.entry(folder.to_owned()).or_default(),
        };
        entry.files += 1;
        for key in lines {
            let n = entry.counts.entry(*key).or_default();
            *n += 1;
            if *n == min {
                entry.toggle(*key, true);
            }
        }
    }

    /// Forgets one file previously added with these [`file_lines`].
    pub fn remove_lines(&mut self, folder: &str, lines: &[LineHash]) {
        let Some(entry) = self.folders.get_mut(folder) else {
            return;
        };
        entry.files = entry.files.saturating_sub(1);
        for key in lines {
            if let Some(n) = entry.counts.get_mut(key) {
                let was = *n;
                *n -= 1;
                if *n == 0 {
                    entry.counts.remove(key);
                }
                if was == self.min_files {
                    entry.toggle(*key, false);
                }
            }
        }
        if entry.files == 0 {
            self.folders.remove(folder);
        }
    }

    /// Does the line (as a [`line_key`]) recur in enough files of `folder`?
    pub fn is_template(&self, folder: &str, key: &str, min_files: usize) -> bool {
        self.folders
            .get(folder)
            .and_then(|f| f.counts.get(&hash_key(key)))
            .is_some_and(|&n| n as usize >= min_files)
    }

    /// The lines currently learned as template in `folder`, sorted.
    #[cfg(test)]
    pub fn learned_lines(&self, folder: &str, min_files: usize) -> Vec<LineHash> {
        let mut lines: Vec<LineHash> = self
            .folders
            .get(folder)
            .map(|f| {
                f.counts
                    .iter()
                    .filter(|&(_, &n)| n as usize >= min_files)
                    .map(|(k, _)| *k)
                    .collect()
            })
            .unwrap_or_default();
        lines.sort_unstable();
        lines
    }
}

/// The distinct learnable lines of a file.
pub fn file_lines(text: &str) -> Vec<LineHash> {
    let mut key = String::new();
    let mut lines: Vec<LineHash> = text
        .lines()
        .filter_map(|line| {
            line_key_into(line, &mut key);
            learnable(&key).then(|| hash_key(&key))
        })
        .collect();
    lines.sort_unstable();
    lines.dedup();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_spacing_and_apostrophes() {
        assert_eq!(line_key("  Who  We’re\tHere "), "who we're here");
        assert_eq!(line_key(" \x0bWho  WE'RE\t\rHere\x0c"), "who we're here");
        assert_eq!(line_key("ÉTÉ  Été"), "été été");
    }

    #[test]
    fn a_line_in_three_files_is_learned() {
        let mut l = LearnedTemplates::default();
        for body in [
            "Home\nNews\nFirst story",
            "Home\nNews\nSecond story",
            "Home\nNews\nThird story",
        ] {
            l.add_file("site", body);
        }
        assert!(l.is_template("site", "home", 3));
        assert!(!l.is_template("site", "first story", 3));
        assert!(!l.is_template("other", "home", 3));
    }

    #[test]
    fn the_digest_follows_the_learned_set() {
        let mut learned = LearnedTemplates::new(2);
        let before = learned.digest("f");
        learned.add_file("f", "Home\nOne\n");
        assert_eq!(
            learned.digest("f"),
            before,
            "a line in one file is not learned"
        );
        learned.add_file("f", "Home\nTwo\n");
        let home = learned.digest("f");
        assert_ne!(home, before);
        assert_eq!(learned.learned_lines("f", 2).len(), 1);
        learned.add_file("f", "Home\nThree\n");
        assert_eq!(
            learned.digest("f"),
            home,
            "a third file changes no learned line"
        );
        learned.remove_lines("f", &file_lines("Home\nThree\n"));
        learned.remove_lines("f", &file_lines("Home\nTwo\n"));
        assert_eq!(learned.digest("f"), before);
        assert!(learned.learned_lines("f", 2).is_empty());
    }

    #[test]
    fn repeating_inside_one_file_is_not_template() {
        let mut l = LearnedTemplates::default();
        l.add_file("site", "Menu\nMenu\nMenu\nMenu");
        assert!(!l.is_template("site", "menu", 3));
    }

    #[test]
    fn removing_a_file_unlearns_its_lines() {
        let mut l = LearnedTemplates::default();
        for _ in 0..3 {
            l.add_file("site", "Home\nStory");
        }
        l.remove_lines("site", &file_lines("Home\nStory"));
        assert!(!l.is_template("site", "home", 3));
    }

    #[test]
    fn contact_headers_are_never_learned() {
        let mut l = LearnedTemplates::default();
        for _ in 0..5 {
            l.add_file("site", "For more information, please contact:");
        }
        assert!(!l.is_template("site", "for more information, please contact:", 3));
    }
}
