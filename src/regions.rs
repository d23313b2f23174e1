//! The region taxonomy: regions, their member countries and every name a
//! country goes by (aliases, demonyms, capital, places, Spanish and French
//! forms). Loaded from data (`config/regions.toml` or the user's file),
//! validated once, then used to find country mentions in text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind, StartKind};
use serde::Deserialize;

/// The slug of the catch-all region for releases with no single focus.
pub const GLOBAL: &str = "global";

/// The taxonomy shipped with pressfeed (IOM's regional structure).
pub const BUILTIN_TOML: &str = include_str!("../config/regions.toml");

/// Why a taxonomy file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    /// The file could not be read.
    #[error("cannot read region taxonomy {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not have the expected shape.
    #[error("{origin}: {message}")]
    Parse {
        /// The file (or `built-in`).
        origin: String,
        /// What the TOML parser said, with line and column.
        message: String,
    },
    /// A content rule was broken.
    #[error("{origin}: {problem}")]
    Invalid {
        /// The file (or `built-in`).
        origin: String,
        /// What is wrong, naming the entry.
        problem: String,
    },
}

/// One region of the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// URL-safe identifier, e.g. `south-america`.
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// One country or territory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code (or `XK`).
    pub code: String,
    /// English name.
    pub name: String,
    /// Slug of the region it belongs to.
    pub region: String,
}

/// What kind of name a mention matched; demonyms are weaker evidence of focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// The country's name or an alias, in any language.
    Country,
    /// Its capital or another place inside it.
    Place,
    /// A demonym ("Nepali", "vénézuélien").
    Demonym,
}

/// A country named somewhere in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    /// Index into [`Taxonomy::countries`].
    pub country: usize,
    /// What matched.
    pub kind: NameKind,
    /// Byte offset of the match in the text.
    pub start: usize,
    /// Byte offset just past the match.
    pub end: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxonomy {
    region: Vec<RawRegion>,
    #[serde(default)]
    country: Vec<RawCountry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    slug: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountry {
    code: String,
    region: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    demonyms: Vec<String>,
    capital: Option<String>,
    #[serde(default)]
    places: Vec<String>,
    name_es: Option<String>,
    name_fr: Option<String>,
    #[serde(default)]
    words_es_fr: Vec<String>,
    #[serde(default)]
    datelines: Vec<String>,
}

impl RawCountry {
    fn names(&self) -> impl Iterator<Item = (&str, NameKind)> {
        let country = std::iter::once(&self.name)
            .chain(&self.aliases)
            .chain(&self.name_es)
            .chain(&self.name_fr)
            .map(|s| (s.as_str(), NameKind::Country));
        let places = self
            .capital
            .iter()
            .chain(&self.places)
            .map(|s| (s.as_str(), NameKind::Place));
        let demonyms = self
            .demonyms
            .iter()
            .chain(&self.words_es_fr)
            .map(|s| (s.as_str(), NameKind::Demonym));
        country.chain(places).chain(demonyms)
    }
}

/// How a pattern must be cased in the text to count.
#[derive(Debug, Clone, Copy)]
enum CaseRule {
    /// Written in lowercase in the data: any case matches.
    Any,
    /// Starts with a capital: the text must too ("Turkey", not "turkey").
    Capitalized,
    /// An acronym ("UK", "DRC"): the text must match exactly.
    Exact,
}

#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    country: usize,
    kind: NameKind,
    case: CaseRule,
}

/// The validated taxonomy with its name matcher.
#[derive(Debug)]
pub struct Taxonomy {
    regions: Vec<Region>,
    countries: Vec<Country>,
    by_code: HashMap<String, usize>,
    patterns: Vec<Pattern>,
    exact: HashMap<String, usize>,
    /// Abbreviations that name a place in a dateline only (`N.M.`).
    dateline_only: HashMap<String, usize>,
    matcher: AhoCorasick,
    openers: Option<Openers>,
    digest: u64,
}

impl Taxonomy {
    /// The taxonomy shipped with pressfeed.
    pub fn builtin() -> Result<Taxonomy, TaxonomyError> {
        Taxonomy::parse(BUILTIN_TOML, "built-in region taxonomy")
    }

    /// Reads and validates a taxonomy file.
    pub fn from_file(path: &Path) -> Result<Taxonomy, TaxonomyError> {
        let text = std::fs::read_to_string(path).map_err(|source| TaxonomyError::Read {
            path: path.to_owned(),
            source,
        })?;
        Taxonomy::parse(&text, &path.display().to_string())
    }

    /// Parses and validates taxonomy TOML; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Taxonomy, TaxonomyError> {
        let raw: RawTaxonomy = toml::from_str(text).map_err(|e| TaxonomyError::Parse {
            origin: origin.to_owned(),
            message: crate::config::describe_toml_error(text, &e),
        })?;
        let mut taxonomy = build(raw).map_err(|problem| TaxonomyError::Invalid {
            origin: origin.to_owned(),
            problem,
        })?;
        taxonomy.digest = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut h);
            h.finish()
        };
        Ok(taxonomy)
    }

    /// A hash of the taxonomy's source text: equal digests, equal taxonomies.
    pub fn digest(&self) -> u64 {
        self.digest
    }

    /// Every region, in the order of the file.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Every country, in the order of the file.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }

    /// The region with this slug.
    pub fn region(&self, slug: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.slug == slug)
    }

    /// The index of the country with this ISO code (any case).
    pub fn country_index(&self, code: &str) -> Option<usize> {
        self.by_code.get(&code.to_ascii_uppercase()).copied()
    }

    /// The country with this ISO code (any case).
    pub fn country(&self, code: &str) -> Option<&Country> {
        self.country_index(code).map(|i| &self.countries[i])
    }

    /// The country whose name, alias or place is exactly `name` (any case).
    pub fn lookup_exact(&self, name: &str) -> Option<usize> {
        self.exact.get(&fold(name.trim())).copied()
    }

    /// As [`Taxonomy::lookup_exact`], for one part of a dateline, where the
    /// abbreviations of `datelines` (`Calif.`, `N.M.`) count too.
    pub fn lookup_dateline(&self, part: &str) -> Option<usize> {
        let key = fold(part.trim());
        self.exact
            .get(&key)
            .or_else(|| self.dateline_only.get(&key))
            .copied()
    }

    /// Every country named in `text`, whole words only, longest name first.
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        let Some(openers) = &self.openers else {
            return self.mentions_anywhere(text);
        };
        // A name starts where a word starts, and only a few words open a
        // name: the automaton runs from those alone, instead of over every
        // byte of the text.
        let mut found = Vec::new();
        // Text before this lies in a name already found (or refused).
        let mut resume = 0;
        for (start, end, key) in keyed_words(text) {
            if start < resume || end - start > openers.longest || !openers.may_open(key) {
                continue;
            }
            let input = aho_corasick::Input::new(text)
                .range(start..)
                .anchored(aho_corasick::Anchored::Yes);
            if let Some(m) = self.matcher.find(input) {
                resume = m.end();
                found.extend(self.mention(text, m));
            }
        }
        found
    }

    /// [`Taxonomy::mentions`] by running the automaton over every byte: for
    /// a taxonomy with a name that does not open with a letter or digit.
    fn mentions_anywhere(&self, text: &str) -> Vec<Mention> {
        self.matcher
            .find_iter(text)
            .filter_map(|m| self.mention(text, m))
            .collect()
    }

    /// The mention a match of the automaton makes, if it is a whole word
    /// written in a case its name allows.
    fn mention(&self, text: &str, m: aho_corasick::Match) -> Option<Mention> {
        let pattern = &self.patterns[m.pattern().as_usize()];
        let found = &text[m.start()..m.end()];
        (is_whole_word(text, m.start(), m.end()) && case_fits(pattern, found)).then_some(Mention {
            country: pattern.country,
            kind: pattern.kind,
            start: m.start(),
            end: m.end(),
        })
    }
}

/// The words a name can open with, which most words of a text are not.
///
/// Every word of a text is looked up here, so the lookup is one bit of a
/// table that stays in the processor's cache, indexed by the word's
/// [`word_key`]. Two words may share a bit: a word taken for an
/// opener by mistake costs one anchored search of the automaton, which
/// finds no name starting there (a name's first word is a whole word, so
/// it cannot match the start of a longer one as a mention).
#[derive(Debug)]
struct Openers {
    /// One bit per [`word_key`] slot, set for the first word of every name.
    bits: Box<[u64; OPENER_WORDS / 64]>,
    /// The longest of them, in bytes.
    longest: usize,
}

/// Slots in [`Openers::bits`]: about sixty per opener of the built-in
/// taxonomy (9,000 of them), so under 2 % of other words share a bit with
/// one, in 64 KB.
const OPENER_WORDS: usize = 1 << 19;

impl Openers {
    /// `None` when a name opens with something other than a word.
    fn of<'a>(names: impl Iterator<Item = &'a str>) -> Option<Openers> {
        let mut bits = Box::new([0u64; OPENER_WORDS / 64]);
        let mut longest = 0;
        for name in names {
            let (at, end, key) = keyed_words(name).next()?;
            if at != 0 {
                return None;
            }
            bits[key / 64] |= 1 << (key % 64);
            longest = longest.max(end);
        }
        Some(Openers { bits, longest })
    }

    /// Whether the word with this [`word_key`] may open a name.
    fn may_open(&self, key: usize) -> bool {
        self.bits[key / 64] & (1 << (key % 64)) != 0
    }
}

/// The words of `text` (runs of letters and digits) with their start, end
/// and [`word_key`], in one pass over the bytes: ASCII is classified by a
/// comparison, and only other characters are decoded.
fn keyed_words(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            match word_char_len(text, at) {
                Ok(_) => break,
                Err(skip) => at += skip,
            }
        }
        if at >= bytes.len() {
            return None;
        }
        let start = at;
        let mut hash = 0u64;
        loop {
            // ASCII letters and digits in a tight loop of their own (most
            // of a text): with the general step alone, finding mentions
            // took 60 % more instructions (callgrind, txt fixtures).
            while let Some(&b) = bytes.get(at).filter(|b| b.is_ascii_alphanumeric()) {
                hash = mix_word_byte(hash, b);
                at += 1;
            }
            match (at < bytes.len()).then(|| word_char_len(text, at)) {
                Some(Ok(len)) => {
                    for &b in &bytes[at..at + len] {
                        hash = mix_word_byte(hash, b);
                    }
                    at += len;
                }
                _ => break,
            }
        }
        Some((start, at, word_key(hash)))
    })
}

/// The length of the character at `at` (a character boundary): `Ok` when
/// it is a letter or digit, `Err` when not.
fn word_char_len(text: &str, at: usize) -> Result<usize, usize> {
    let b = text.as_bytes()[at];
    if b.is_ascii() {
        return if b.is_ascii_alphanumeric() {
            Ok(1)
        } else {
            Err(1)
        };
    }
    let c = text[at..]
        .chars()
        .next()
        .unwrap_or(char::REPLACEMENT_CHARACTER);
    if c.is_alphanumeric() {
        Ok(c.len_utf8())
    } else {
        Err(c.len_utf8())
    }
}

/// One byte into a word's hash. Setting bit 5 lowercases an ASCII letter
/// and leaves a digit as it is, so a word hashes alike in any ASCII case
/// (the automaton ignores their case, and only theirs). It merges some
/// other bytes too, which only makes a few more words share a bit.
fn mix_word_byte(hash: u64, b: u8) -> u64 {
    hash.rotate_left(5) ^ u64::from(b | 0x20)
}

/// A word's slot in [`Openers::bits`]: the high bits of its hash after one
/// multiplication, which spreads every byte over them.
fn word_key(hash: u64) -> usize {
    (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - OPENER_WORDS.trailing_zeros())) as usize
}

fn build(raw: RawTaxonomy) -> Result<Taxonomy, String> {
    let mut regions = Vec::new();
    for r in raw.region {
        if r.slug.is_empty()
            || !r
                .slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "region slug {:?} must be lowercase letters, digits and '-'",
                r.slug
            ));
        }
        if regions.iter().any(|x: &Region| x.slug == r.slug) {
            return Err(format!("region {:?} is listed twice", r.slug));
        }
        regions.push(Region {
            slug: r.slug,
            name: r.name,
        });
    }
    if !regions.iter().any(|r| r.slug == GLOBAL) {
        return Err(format!(
            "the region {GLOBAL:?} is missing (it holds releases with no single focus)"
        ));
    }

    let mut countries = Vec::new();
    let mut by_code = HashMap::new();
    let mut owner: HashMap<String, usize> = HashMap::new();
    let mut patterns = Vec::new();
    let mut exact = HashMap::new();
    let mut dateline_only = HashMap::new();
    let mut spellings = std::collections::HashSet::new();
    for (index, c) in raw.country.iter().enumerate() {
        let code = c.code.to_ascii_uppercase();
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!("country code {:?} is not two letters", c.code));
        }
        if by_code.insert(code.clone(), index).is_some() {
            return Err(format!("country code {code} is listed twice"));
        }
        if !regions.iter().any(|r| r.slug == c.region) {
            return Err(format!(
                "country {code} names an unknown region {:?}",
                c.region
            ));
        }
        for (name, kind) in c.names() {
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("country {code} has an empty name"));
            }
            let key = fold(name);
            if let Some(&other) = owner.get(&key).filter(|&&other| other != index) {
                return Err(format!(
                    "the name {name:?} is claimed by both {} and {code}",
                    raw.country[other].code.to_ascii_uppercase()
                ));
            }
            owner.insert(key.clone(), index);
            // Both apostrophe styles ("Cox's", "Cox’s") need their own pattern.
            if !spellings.insert(name.to_owned()) {
                continue;
            }
            if kind != NameKind::Demonym {
                exact.insert(key, index);
            }
            patterns.push(Pattern {
                text: name.to_owned(),
                country: index,
                kind,
                case: case_rule(name),
            });
        }
        for abbreviation in &c.datelines {
            let key = fold(abbreviation.trim());
            if key.is_empty() {
                return Err(format!("country {code} has an empty dateline abbreviation"));
            }
            if let Some(&other) = owner.get(&key).filter(|&&other| other != index) {
                return Err(format!(
                    "the name {abbreviation:?} is claimed by both {} and {code}",
                    raw.country[other].code.to_ascii_uppercase()
                ));
            }
            owner.insert(key.clone(), index);
            dateline_only.insert(key, index);
        }
        countries.push(Country {
            code,
            name: c.name.clone(),
            region: c.region.clone(),
        });
    }
    let matcher = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .start_kind(StartKind::Both)
        .build(patterns.iter().map(|p| p.text.as_str()))
        .map_err(|e| format!("cannot build the name matcher: {e}"))?;
    let openers = Openers::of(patterns.iter().map(|p| p.text.as_str()));
    Ok(Taxonomy {
        regions,
        countries,
        by_code,
        patterns,
        exact,
        dateline_only,
        openers,
        matcher,
        digest: 0,
    })
}

/// Case- and apostrophe-insensitive key for comparing names.
fn fold(name: &str) -> String {
    name.chars()
        .map(|c| if c == '\u{2019}' { '\'' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

fn case_rule(name: &str) -> CaseRule {
    let letters: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() <= 4 && letters.len() > 1 && letters.iter().all(|c| c.is_uppercase()) {
        CaseRule::Exact
    } else if name.chars().next().is_some_and(char::is_uppercase) {
        CaseRule::Capitalized
    } else {
        CaseRule::Any
    }
}

fn case_fits(pattern: &Pattern, found: &str) -> bool {
    match pattern.case {
        CaseRule::Any => true,
        CaseRule::Capitalized => found.chars().next().is_some_and(char::is_uppercase),
        CaseRule::Exact => found == pattern.text,
    }
}

fn is_whole_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    // "US$" is a currency, not a country.
    let joined = |c: char| c.is_alphanumeric() || c == '$';
    !before.is_some_and(joined) && !after.is_some_and(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[[region]]
slug = "south-america"
name = "South America"
[[region]]
slug = "global"
name = "Global"
[[country]]
code = "PE"
region = "south-america"
name = "Peru"
demonyms = ["Peruvian"]
capital = "Lima"
name_es = "Perú"
words_es_fr = ["peruano"]
[[country]]
code = "EC"
region = "south-america"
name = "Ecuador"
aliases = ["Republic of Ecuador"]
[[country]]
code = "US"
region = "south-america"
name = "United States"
aliases = ["US"]
"#;

    fn small() -> Taxonomy {
        Taxonomy::parse(SMALL, "test").expect("valid taxonomy")
    }

    #[test]
    fn builtin_taxonomy_is_valid() {
        let t = Taxonomy::builtin().expect("built-in taxonomy");
        assert_eq!(t.regions().len(), 10);
        assert_eq!(t.countries().len(), 250);
    }

    #[test]
    fn finds_whole_word_mentions_only() {
        let t = small();
        let found = t.mentions(
            "Peruvian officials met in Lima, not in Limassol; the Republic of Ecuador too.",
        );
        let kinds: Vec<_> = found
            .iter()
            .map(|m| (t.countries()[m.country].code.as_str(), m.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("PE", NameKind::Demonym),
                ("PE", NameKind::Place),
                ("EC", NameKind::Country)
            ]
        );
    }

    #[test]
    fn capitalized_names_need_a_capital_in_the_text() {
        let t = small();
        assert!(t.mentions("lima beans").is_empty());
        assert_eq!(t.mentions("los migrantes peruanos y el peruano").len(), 1);
    }

    #[test]
    fn dateline_abbreviations_count_in_datelines_only() {
        let text = SMALL.replace(
            "aliases = [\"US\"]",
            "aliases = [\"US\"]\ndatelines = [\"N.M.\", \"Calif.\"]",
        );
        let t = Taxonomy::parse(&text, "t").expect("valid taxonomy");
        let us = t.country_index("US");
        assert_eq!(t.lookup_dateline(" N.M. "), us);
        assert_eq!(t.lookup_dateline("calif."), us);
        assert_eq!(t.lookup_dateline("Lima"), t.country_index("PE"));
        assert_eq!(t.lookup_exact("N.M."), None);
        assert!(
            t.mentions("Sales in Calif. rose, as did those in N.M.")
                .is_empty()
        );
    }

    #[test]
    fn rejects_a_name_claimed_twice() {
        let text = format!(
            "{SMALL}\n[[country]]\ncode = \"BO\"\nregion = \"south-america\"\nname = \"lima\"\n"
        );
        let err = Taxonomy::parse(&text, "t").expect_err("duplicate name");
        assert!(
            err.to_string().contains("claimed by both PE and BO"),
            "{err}"
        );
    }

    #[test]
    fn rejects_a_code_listed_twice_and_unknown_regions() {
        let twice = format!(
            "{SMALL}\n[[country]]\ncode = \"PE\"\nregion = \"south-america\"\nname = \"Other\"\n"
        );
        assert!(
            Taxonomy::parse(&twice, "t")
                .expect_err("dup")
                .to_string()
                .contains("listed twice")
        );
        let unknown =
            format!("{SMALL}\n[[country]]\ncode = \"XX\"\nregion = \"mars\"\nname = \"Other\"\n");
        assert!(
            Taxonomy::parse(&unknown, "t")
                .expect_err("region")
                .to_string()
                .contains("unknown region")
        );
    }

    #[test]
    fn both_apostrophe_styles_match_in_text() {
        let text = format!(
            "{SMALL}\n[[country]]\ncode = \"BD\"\nregion = \"south-america\"\nname = \"Bangladesh\"\nplaces = [\"Cox's Bazar\", \"Cox’s Bazar\"]\n"
        );
        let t = Taxonomy::parse(&text, "t").expect("valid");
        assert_eq!(t.mentions("camps in Cox’s Bazar and Cox's Bazar").len(), 2);
        assert!(t.mentions("a US$ 5 million grant").is_empty());
    }

    #[test]
    fn exact_lookup_ignores_case_and_apostrophe_style() {
        let t = small();
        assert_eq!(t.lookup_exact("LIMA"), t.country_index("pe"));
        assert_eq!(t.lookup_exact("Peruvian"), None);
    }

    /// Searching from the words that open a name finds what running the
    /// automaton over every byte finds: every built-in name, in the
    /// settings and cases that trip name matching up. (The one difference:
    /// a name glued to the end of a word, never a mention itself, no
    /// longer hides a whole name inside it; see the next test.)
    #[test]
    fn mentions_from_opening_words_equal_a_scan_of_every_byte() {
        let t = Taxonomy::builtin().expect("built-in taxonomy");
        assert!(t.openers.is_some(), "every built-in name opens with a word");
        let fixed = [
            "South Sudanese refugees reach Uganda, and Sudanese families Chad.",
            "NIGER and Nigeria's north; Nigerien herders; niger",
            "Côte d’Ivoire, CÔTE D'IVOIRE, côte d'ivoire and Guinea-Bissau",
            "a US$ 5 million grant from Japan to Papua New Guinea's highlands",
            "the Gambia – The Gambia; Somaliland; DRC, drc, UK-based",
            "Kyiv’s people (Ukraine) and Lviv; 2024Kenya; Kenya2024; Kenya_",
        ];
        let names: Vec<String> = t
            .patterns
            .iter()
            .map(|p| {
                format!(
                    "In {0}, {0}'s people and {0}n — {1} ({0}).",
                    p.text,
                    p.text.to_uppercase()
                )
            })
            .collect();
        for text in fixed
            .iter()
            .copied()
            .chain(names.iter().map(String::as_str))
        {
            assert_eq!(t.mentions(text), t.mentions_anywhere(text), "{text}");
        }
    }

    #[test]
    fn words_are_keyed_alike_in_any_ascii_case_and_split_at_non_letters() {
        let words: Vec<(usize, usize, usize)> =
            keyed_words("CÔTE d’Ivoire, côte 2024Kenya").collect();
        let spans: Vec<(usize, usize)> = words.iter().map(|&(s, e, _)| (s, e)).collect();
        let text = "CÔTE d’Ivoire, côte 2024Kenya";
        let got: Vec<&str> = spans.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(got, ["CÔTE", "d", "Ivoire", "côte", "2024Kenya"]);
        let key = |w: &str| keyed_words(w).next().expect("a word").2;
        assert_eq!(key("Kenya"), key("kENYA"));
        assert_eq!(key("CÔTE"), key("cÔtE"));
    }

    #[test]
    fn a_name_glued_to_a_word_does_not_hide_the_names_inside_it() {
        let t = Taxonomy::builtin().expect("built-in taxonomy");
        let text = "xIslamic Republic of Afghanistan";
        assert!(t.mentions_anywhere(text).is_empty());
        let found = t.mentions(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].start..found[0].end], "Afghanistan");
    }

    #[test]
    fn a_name_opening_with_punctuation_is_still_found() {
        let text = format!(
            "{SMALL}\n[[country]]\ncode = \"NL\"\nregion = \"south-america\"\nname = \"Netherlands\"\nplaces = [\"'s-Hertogenbosch\"]\n"
        );
        let t = Taxonomy::parse(&text, "t").expect("valid");
        assert!(t.openers.is_none());
        let found = t.mentions("a centre in 's-Hertogenbosch, the Netherlands");
        assert_eq!(found.len(), 2);
    }
}
