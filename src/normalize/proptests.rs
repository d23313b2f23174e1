//! Property tests: the normalizer never panics or hangs, whatever the
//! bytes, and what it returns always keeps the record's promises.

use proptest::prelude::*;

use super::*;
use crate::config::Config;

const SAMPLE_TXT: &str = "-\nHome\nNews\n-\nFloods Force Thousands From Homes in the North\nLusaka – Heavy rains this week forced some 12,000 people from their homes, officials said.\n\"We need shelter before the next storm,\" said a local leader.\nFor more information, please contact\nJane Banda\nEmail: jbanda@example.org\nMobile: +260 97 000 0000\n";
const SAMPLE_MD: &str = "---\ntitle: Shelter kits reach families\ndate: 2024-02-01\ncountry: MZ\n---\n# Heading\n\nBeira – Kits arrived.\n";
const SAMPLE_HTML: &str = "<html><head><title>Kits arrive | Site</title></head><body><nav>Home</nav><article><h1>Kits arrive</h1><p>Beira – Kits arrived on Monday for 400 families.</p></article></body></html>";

fn config() -> &'static Config {
    static CONFIG: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
    CONFIG.get_or_init(|| Config::builtin().expect("built-in configuration"))
}

fn check(bytes: &[u8], format: Format, config: &Config) {
    let source = Source {
        key: "site/file.txt",
        format,
        region_folder: None,
        bytes,
    };
    let Ok(release) = normalize(&source, &config.rules, &LearnedTemplates::default()) else {
        return;
    };
    assert!(!release.title.is_empty());
    assert!(release.title.chars().count() <= MAX_TITLE_CHARS);
    assert!(!release.title.contains('\n'));
    assert!(release.summary.chars().count() <= config.rules.summary_chars);
    let all = std::iter::once(&release.title)
        .chain(&release.paragraphs)
        .chain(std::iter::once(&release.summary));
    for text in all {
        assert!(
            !text.chars().any(decode::is_xml_forbidden),
            "forbidden character in {text:?}"
        );
    }
    assert!(config.rules.taxonomy.region(&release.region).is_some());
}

/// Flips, inserts and deletes bytes of a sample.
fn mutated(sample: &'static str) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec((0usize..4096, any::<u8>(), 0u8..3), 0..24).prop_map(move |edits| {
        let mut bytes = sample.as_bytes().to_vec();
        for (at, byte, op) in edits {
            let at = at % (bytes.len() + 1);
            match op {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let config = config();
        for format in [Format::Text, Format::Markdown, Format::Html] {
            check(&bytes, format, config);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,600}") {
        let config = config();
        for format in [Format::Text, Format::Markdown, Format::Html] {
            check(text.as_bytes(), format, config);
        }
    }

    #[test]
    fn mutated_text_releases_keep_their_promises(bytes in mutated(SAMPLE_TXT)) {
        check(&bytes, Format::Text, config());
    }

    #[test]
    fn mutated_markdown_releases_keep_their_promises(bytes in mutated(SAMPLE_MD)) {
        check(&bytes, Format::Markdown, config());
    }

    #[test]
    fn mutated_html_releases_keep_their_promises(bytes in mutated(SAMPLE_HTML)) {
        check(&bytes, Format::Html, config());
    }
}

/// The fast paths of the text helpers (runs of ASCII copied whole, bytes
/// scanned 32 at a time) against the character-by-character forms they
/// skip: the same output for any text.
mod fast_paths {
    use proptest::prelude::*;

    use super::super::{clean, decode, template};

    // The references run every character through the per-character step
    // the fast paths fall back to; only the fast paths differ.
    fn key_by_chars(line: &str) -> String {
        let mut key = String::new();
        let mut space = false;
        for c in line.chars() {
            template::push_key_char(&mut key, &mut space, c);
        }
        key
    }

    fn collapse_by_chars(text: &str) -> String {
        let mut out = String::new();
        let mut pending_space = false;
        for c in text.chars() {
            clean::push_collapsed(&mut out, &mut pending_space, c);
        }
        out
    }

    fn clean_by_chars(text: &str) -> String {
        decode::clean_chars(text)
    }

    /// Text that is mostly ASCII words, with the characters each helper
    /// treats specially mixed in, long enough to cross 32-byte chunks.
    fn texty() -> impl Strategy<Value = String> {
        "([A-Za-z0-9.,'$-]{1,12}|[ \t\n\r\u{b}\u{c}\u{1}\u{1f}\u{7f}]|[\u{85}\u{a0}\u{ad}\u{200b}\u{2003}\u{2019}\u{2028}\u{2029}\u{feff}\u{fffe}\u{ffff}]|[ÉéİßΣ–“”€])*"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn line_keys_match_the_character_loop(line in texty()) {
            prop_assert_eq!(template::line_key(&line), key_by_chars(&line));
        }

        #[test]
        fn collapse_matches_the_character_loop(text in texty()) {
            prop_assert_eq!(clean::collapse(&text), collapse_by_chars(&text));
        }

        #[test]
        fn clean_text_matches_the_character_loop(text in texty()) {
            prop_assert_eq!(decode::clean_text(text.clone()), clean_by_chars(&text));
        }

        #[test]
        fn the_helpers_agree_on_any_text(text in "\\PC{0,200}") {
            prop_assert_eq!(template::line_key(&text), key_by_chars(&text));
            prop_assert_eq!(clean::collapse(&text), collapse_by_chars(&text));
            prop_assert_eq!(decode::clean_text(text.clone()), clean_by_chars(&text));
        }
    }
}
