//! Feeds arbitrary bytes to the normalizer in each format: it must never
//! panic, hang or return a record that breaks its promises.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pressfeed::config::Config;
use pressfeed::normalize::{self, Format, LearnedTemplates, Source};

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| Config::builtin().expect("built-in configuration"))
}

fuzz_target!(|data: &[u8]| {
    let rules = &config().rules;
    let learned = LearnedTemplates::default();
    for format in [Format::Text, Format::Markdown, Format::Html] {
        let source = Source { key: "fuzz/input", format, region_folder: None, bytes: data };
        if let Ok(release) = normalize::normalize(&source, rules, &learned) {
            assert!(!release.title.is_empty() && release.title.chars().count() <= normalize::MAX_TITLE_CHARS);
            assert!(release.summary.chars().count() <= rules.summary_chars);
        }
    }
});
