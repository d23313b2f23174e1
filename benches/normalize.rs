//! Normalizer throughput on one core: the project's fixtures in
//! `tests/data/`, scaled to a few thousand files with varied titles,
//! datelines and lengths. Prints files/s and MB/s for each format.
//!
//! Run with `cargo bench --bench normalize`; name formats after `--`
//! (`cargo bench --bench normalize -- txt`) to time only those.

use std::path::Path;
use std::time::{Duration, Instant};

use pressfeed::config::Config;
use pressfeed::normalize::{self, Format, LearnedTemplates, Source};

/// The daemon's allocator (see `src/main.rs`), so the figures are the
/// daemon's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Files per format in one timed pass.
const FILES: usize = 4000;
/// A line longer than this (in bytes) is taken for a body paragraph.
const PROSE_LINE: usize = 150;
/// A line at least this long (in bytes) is part of a hard-wrapped paragraph.
const WRAPPED_LINE: usize = 60;
/// Size of a typical release.
const TYPICAL_BYTES: usize = 5000;
const PLACES: [&str; 8] = [
    "Kathmandu",
    "Misrata, Libya",
    "Beira",
    "Cúcuta",
    "Gaziantep",
    "Juba",
    "Dili",
    "Agadez",
];

fn main() {
    let config = Config::builtin().expect("built-in configuration");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    // cargo passes `--bench`; any other argument names a format to time.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    println!("normalize throughput, one core, {FILES} files per format");
    for (format, dir, ext) in [
        (Format::Text, "txt", "txt"),
        (Format::Markdown, "md", "md"),
        (Format::Html, "html", "html"),
    ] {
        if !only.is_empty() && !only.iter().any(|o| o == dir) {
            continue;
        }
        let samples = load(&root.join(dir), ext);
        if samples.is_empty() {
            println!("{dir:>5}: no fixtures in tests/data/{dir}");
            continue;
        }
        let files = scale(&samples, FILES, format);
        let bytes: usize = files.iter().map(Vec::len).sum();
        let elapsed = time(&files, format, &config);
        let secs = elapsed.as_secs_f64();
        println!(
            "{dir:>5}: {:>8.0} files/s {:>7.1} MB/s  (avg {:.1} KB/file, {} fixtures)",
            files.len() as f64 / secs,
            bytes as f64 / secs / 1e6,
            bytes as f64 / files.len() as f64 / 1e3,
            samples.len()
        );
    }
}

fn load(dir: &Path, ext: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// Varies each sample so no two files are identical (a numbered dateline
/// paragraph) and pads it to the size of a typical release (~5 KB) with
/// more body paragraphs, as real releases are longer than the fixtures.
/// The paragraphs go into the body (after the lead, or inside the page's
/// article), not after the contact block that ends most samples: there
/// they would make it a contact block of 5 KB, which no release has.
fn scale(samples: &[String], n: usize, format: Format) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let sample = &samples[i % samples.len()];
            let place = PLACES[i % PLACES.len()];
            let mut paragraphs = vec![format!(
                "{place} – Update number {i} on the response, with more families reached this week."
            )];
            let mut k = 0;
            while sample.len() + paragraphs.iter().map(|p| p.len() + 9).sum::<usize>() < TYPICAL_BYTES {
                k += 1;
                paragraphs.push(format!(
                    "Paragraph {k} of the update: teams in {place} registered {} more households, distributed shelter kits and water, and referred {} people to clinics, according to the latest figures shared with partners on Tuesday.",
                    i * 7 + k,
                    i % 90 + k
                ));
            }
            let (at, block) = if format == Format::Html {
                let at = sample
                    .rfind("</article>")
                    .or_else(|| sample.rfind("</body>"))
                    .unwrap_or(sample.len());
                (at, paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect::<String>())
            } else {
                // After the first line of prose (the lead, in the samples),
                // or after the first paragraph of a hard-wrapped sample (its
                // first blank line, or its first line that ends a sentence,
                // when no blank line parts its paragraphs), in the sample's
                // own paragraph style.
                let lines = || {
                    sample.split_inclusive('\n').scan(0, |end, line| {
                        *end += line.len();
                        Some((*end, line))
                    })
                };
                let wrapped_lead_end = || {
                    lines()
                        .skip_while(|(_, line)| line.len() < WRAPPED_LINE)
                        .find(|(_, line)| line.trim().is_empty() || line.trim_end().ends_with('.'))
                        .map(|(end, _)| end)
                };
                let at = lines()
                    .find(|(_, line)| line.len() > PROSE_LINE)
                    .map(|(end, _)| end)
                    .or_else(wrapped_lead_end)
                    .unwrap_or(sample.len());
                let blank = if sample.contains("\n\n") { "\n" } else { "" };
                let block = paragraphs.iter().map(|p| format!("{blank}{p}\n")).collect();
                (at, block)
            };
            let mut text = sample.clone();
            text.insert_str(at, &block);
            text.into_bytes()
        })
        .collect()
}

fn time(files: &[Vec<u8>], format: Format, config: &Config) -> Duration {
    let learned = LearnedTemplates::default();
    let keys: Vec<String> = (0..files.len()).map(|i| format!("bench/{i}")).collect();
    // One untimed pass warms caches and lazily built regexes.
    run(files, &keys, format, config, &learned);
    let start = Instant::now();
    run(files, &keys, format, config, &learned);
    start.elapsed()
}

fn run(
    files: &[Vec<u8>],
    keys: &[String],
    format: Format,
    config: &Config,
    learned: &LearnedTemplates,
) {
    for (bytes, key) in files.iter().zip(keys) {
        let source = Source {
            key,
            format,
            region_folder: None,
            bytes,
        };
        std::hint::black_box(normalize::normalize(&source, &config.rules, learned).ok());
    }
}
