//! Runs the real `pressfeed` binary on the fixtures of `tests/data/` and
//! checks `pressfeed normalize` (SPEC §1–2) and `pressfeed check-config`
//! (SPEC §3–4) against `tests/data/expected.tsv` and a set of invariants.
//!
//! Mismatches are collected and reported together, one readable block per
//! fixture and field, so one run shows everything the normalizer gets wrong.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The folders of `tests/data/` whose files must all normalize.
const GOOD_FOLDERS: &[&str] = &["txt", "md", "html", "encodings", "regions"];

/// The navigation block of the invented site ("Meridian Migrant Aid") that
/// opens `txt/meridian-*.txt`. Nothing in the configuration knows it: it must
/// be learned from how it recurs across the folder.
const SITE_NAV_LINES: &[&str] = &[
    "-",
    "Home",
    "Who we serve",
    "Our Programmes",
    "Newsroom",
    "- Country offices",
    "Donate",
    "- Reports and Data",
];

/// Pieces of that navigation block that must never appear inside any text.
const SITE_NAV_MARKERS: &[&str] = &[
    "WHO WE SERVE",
    "Who we serve",
    "supports people on the move in more than 40 countries",
    "Our Programmes",
    "our programmes follow people",
    "Newsroom",
    "Country offices",
    "Reports and Data",
    "Donate",
];

/// Contact-block phrases that must never reach a summary.
const CONTACT_MARKERS: &[&str] = &["for more information", "please contact"];

/// Body paragraph counts that follow unambiguously from the fixture text:
/// hard wrapping undone, navigation and contact block gone, every line
/// ending understood.
const PARAGRAPH_COUNTS: &[(&str, usize)] = &[
    ("txt/wrapped-mozambique-cyclone.txt", 5),
    ("txt/envuelto-colombia-empleo.txt", 5),
    ("txt/meridian-nepal-landslides.txt", 6),
    ("txt/meridian-libya-returns.txt", 6),
    ("txt/meridian-drc-appeal.txt", 5),
    ("txt/meridian-honduras-returnees.txt", 5),
    ("encodings/crlf.txt", 3),
    ("encodings/cr-only.txt", 3),
    // The contact block above the title and the `###` end mark are not body.
    ("txt/government-contact-first.txt", 3),
    // The deck stays a paragraph; the contact block and `-30-` do not.
    ("md/deck-press-contact.md", 3),
    // ENDS and the contact paragraph after it are not body.
    ("txt/expert-statement-ends.txt", 3),
    // The page's date paragraph is not body.
    ("html/newswire-deck-chile.html", 6),
    // Menu, trail, date and share bar of a site seen once are not body.
    ("txt/university-menu-once.txt", 4),
    // Hard-wrapped paragraphs joined; fields and counters dropped.
    ("txt/ministry-fields-hard-wrapped.txt", 3),
    // A Portuguese date paragraph is not body either.
    ("html/logo-h1-headline-h2.html", 3),
    // A photo caption is not body.
    ("txt/caption-under-headline.txt", 4),
];

/// Front matter that must reach the record: path, start of `published`
/// (RFC 3339 and `YYYY-MM-DD` dates, YAML and TOML), `author` (empty: none).
const FRONT_MATTER: &[(&str, &str, &str)] = &[
    (
        "md/yaml-rfc3339.md",
        "2024-02-19T08:30:00+11:00",
        "Tevita Kalsakau",
    ),
    ("md/yaml-plain-date.md", "2022-11-03", "Aigerim Sadykova"),
    (
        "md/toml-front-matter.md",
        "2021-08-19T10:00:00",
        "Josefina Dela Cruz",
    ),
    ("md/front-matter-wins.md", "2023-09-07", ""),
];

/// One row of `tests/data/expected.tsv`.
#[derive(Debug)]
struct Expected {
    path: String,
    title: String,
    region: String,
    /// `None`: not checked (`*`); `Some("")`: no country.
    country: Option<String>,
    summary_start: String,
    /// Name and email of the first contact person; `None`: no contact block.
    contact: Option<(String, String)>,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn expectations() -> Vec<Expected> {
    let text = std::fs::read_to_string(data_dir().join("expected.tsv")).expect("read expected.tsv");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#') && !l.starts_with("path\t"))
        .map(parse_expected)
        .collect()
}

fn parse_expected(line: &str) -> Expected {
    let f: Vec<&str> = line.split('\t').collect();
    assert_eq!(
        f.len(),
        7,
        "expected.tsv: 7 tab-separated columns in {line:?}"
    );
    Expected {
        path: f[0].to_owned(),
        title: f[1].to_owned(),
        region: f[2].to_owned(),
        country: (f[3] != "*").then(|| f[3].to_owned()),
        summary_start: f[4].to_owned(),
        contact: (!f[5].is_empty()).then(|| (f[5].to_owned(), f[6].to_owned())),
    }
}

/// Every release fixture (`.txt`, `.md`, `.html`) under the good folders, sorted.
fn good_fixtures() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in GOOD_FOLDERS {
        collect_files(&data_dir().join(folder), &mut files);
    }
    files.retain(|p| {
        matches!(
            p.extension().and_then(OsStr::to_str),
            Some("txt" | "md" | "html")
        )
    });
    files.sort();
    files
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read fixture folder") {
        let path = entry.expect("fixture entry").path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Runs the binary in an empty temporary folder, so no `./releases` or
/// `./data` of the developer's checkout is picked up.
fn pressfeed<S: AsRef<OsStr>>(args: &[S]) -> Output {
    let cwd = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_pressfeed"))
        .args(args)
        .current_dir(cwd.path())
        .output()
        .expect("run pressfeed")
}

fn normalize(files: &[PathBuf]) -> Output {
    let mut args = vec![PathBuf::from("normalize")];
    args.extend(files.iter().cloned());
    pressfeed(&args)
}

/// Parses normalize's stdout into records keyed by path relative to
/// `tests/data/`.
fn records(output: &Output) -> BTreeMap<String, Value> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}"));
            (relative(v["path"].as_str().unwrap_or_default()), v)
        })
        .collect()
}

fn relative(path: &str) -> String {
    let data = data_dir();
    Path::new(path)
        .strip_prefix(&data)
        .map_or_else(|_| path.to_owned(), |p| p.to_string_lossy().into_owned())
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn paragraphs(record: &Value) -> Vec<&str> {
    record["paragraphs"]
        .as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default()
}

/// XML 1.0 `Char`: tab, newline, carriage return, and U+0020 and up except
/// U+FFFE and U+FFFF (surrogates cannot occur in a Rust string).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

fn strings_in<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings_in(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings_in(x, out)),
        _ => {}
    }
}

fn mismatch(
    out: &mut Vec<String>,
    path: &str,
    what: &str,
    expected: impl std::fmt::Debug,
    got: impl std::fmt::Debug,
) {
    out.push(format!(
        "{path}: {what}\n    expected: {expected:?}\n         got: {got:?}"
    ));
}

fn check_expected(e: &Expected, r: &Value, out: &mut Vec<String>) {
    if text(&r["title"]) != e.title {
        mismatch(out, &e.path, "title", &e.title, &r["title"]);
    }
    if text(&r["region"]) != e.region {
        mismatch(out, &e.path, "region", &e.region, &r["region"]);
    }
    if let Some(country) = &e.country
        && (text(&r["country"]) != country.as_str()
            || (country.is_empty() && !r["country"].is_null()))
    {
        mismatch(out, &e.path, "country", country, &r["country"]);
    }
    if !text(&r["summary"]).starts_with(&e.summary_start) {
        mismatch(
            out,
            &e.path,
            "summary start",
            &e.summary_start,
            &r["summary"],
        );
    }
    check_contact(e, r, out);
}

fn check_contact(e: &Expected, r: &Value, out: &mut Vec<String>) {
    let Some((name, email)) = &e.contact else {
        if !r["contact"].is_null() {
            mismatch(
                out,
                &e.path,
                "contact (no contact block)",
                Value::Null,
                &r["contact"],
            );
        }
        return;
    };
    let first = &r["contact"]["people"][0];
    if text(&first["name"]) != name {
        mismatch(out, &e.path, "contact.people[0].name", name, &first["name"]);
    }
    if text(&first["email"]) != email {
        mismatch(
            out,
            &e.path,
            "contact.people[0].email",
            email,
            &first["email"],
        );
    }
    for p in paragraphs(r) {
        if p.contains(email.as_str())
            || p.trim() == name
            || p.to_lowercase().contains("please contact")
        {
            mismatch(
                out,
                &e.path,
                "contact text left in paragraphs",
                "no contact block lines",
                p,
            );
        }
    }
}

fn check_invariants(path: &str, r: &Value, out: &mut Vec<String>) {
    let title = text(&r["title"]);
    let summary = text(&r["summary"]);
    if title.trim().is_empty() || title.contains(['\n', '\r']) || title.chars().count() > 300 {
        mismatch(
            out,
            path,
            "title: one non-empty line of at most 300 characters",
            "",
            title,
        );
    }
    if summary.chars().count() > 400 || summary == title {
        mismatch(
            out,
            path,
            "summary: at most 400 characters, not the title",
            "",
            summary,
        );
    }
    let lower = summary.to_lowercase();
    if let Some(m) = CONTACT_MARKERS
        .iter()
        .chain(SITE_NAV_MARKERS)
        .find(|m| lower.contains(&m.to_lowercase()))
    {
        mismatch(
            out,
            path,
            "summary without contact or navigation text",
            format!("no {m:?}"),
            summary,
        );
    }
    if paragraphs(r).is_empty() {
        mismatch(
            out,
            path,
            "paragraphs: the body",
            "at least one",
            &r["paragraphs"],
        );
    }
    for p in paragraphs(r) {
        let nav =
            SITE_NAV_LINES.contains(&p.trim()) || SITE_NAV_MARKERS.iter().any(|m| p.contains(m));
        if nav || p.contains("mailto:") || p.contains("\">") {
            mismatch(
                out,
                path,
                "paragraph without navigation or HTML leftovers",
                "",
                p,
            );
        }
    }
    let mut strings = Vec::new();
    strings_in(r, &mut strings);
    if let Some(s) = strings.iter().find(|s| !s.chars().all(is_xml_char)) {
        mismatch(out, path, "no XML-forbidden characters", "", s);
    }
    if !text(&r["id"]).starts_with("tag:") {
        mismatch(out, path, "id is a tag: URI", "tag:…", &r["id"]);
    }
}

fn check_paragraph_counts(got: &BTreeMap<String, Value>, out: &mut Vec<String>) {
    for (path, count) in PARAGRAPH_COUNTS {
        if let Some(r) = got.get(*path)
            && paragraphs(r).len() != *count
        {
            mismatch(
                out,
                path,
                &format!("{count} paragraphs"),
                count,
                &r["paragraphs"],
            );
        }
    }
}

fn check_front_matter(got: &BTreeMap<String, Value>, out: &mut Vec<String>) {
    for (path, published, author) in FRONT_MATTER {
        let Some(r) = got.get(*path) else { continue };
        if !text(&r["published"]).starts_with(published) {
            mismatch(
                out,
                path,
                "published (front matter date)",
                published,
                &r["published"],
            );
        }
        if text(&r["author"]) != *author {
            mismatch(out, path, "author (front matter)", author, &r["author"]);
        }
    }
}

fn ids(got: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    got.iter()
        .map(|(p, r)| (p.clone(), text(&r["id"]).to_owned()))
        .collect()
}

#[test]
fn normalize_matches_expected_tsv_and_invariants() {
    let files = good_fixtures();
    let expected = expectations();
    let listed: HashSet<&str> = expected.iter().map(|e| e.path.as_str()).collect();
    let on_disk: Vec<String> = files
        .iter()
        .map(|f| relative(&f.to_string_lossy()))
        .collect();
    let unlisted: Vec<&String> = on_disk
        .iter()
        .filter(|p| !listed.contains(p.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "fixtures missing from expected.tsv: {unlisted:?}"
    );

    let output = normalize(&files);
    let got = records(&output);
    let mut out = Vec::new();
    if !output.status.success() {
        mismatch(
            &mut out,
            "(all good fixtures)",
            "exit status",
            0,
            output.status.code(),
        );
        out.push(format!(
            "    stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    for e in &expected {
        match got.get(&e.path) {
            Some(r) => check_expected(e, r, &mut out),
            None => out.push(format!("{}: no record printed", e.path)),
        }
    }
    for (path, r) in &got {
        check_invariants(path, r, &mut out);
    }
    check_paragraph_counts(&got, &mut out);
    check_front_matter(&got, &mut out);

    let first_ids = ids(&got);
    let unique: HashSet<&String> = first_ids.values().collect();
    if unique.len() != first_ids.len() {
        out.push(format!("ids are not unique: {first_ids:#?}"));
    }
    let second_ids = ids(&records(&normalize(&files)));
    if second_ids != first_ids {
        out.push(format!(
            "ids changed between two runs:\n{first_ids:#?}\n{second_ids:#?}"
        ));
    }
    assert!(
        out.is_empty(),
        "{} mismatches:\n\n{}\n",
        out.len(),
        out.join("\n\n")
    );
}

#[test]
fn refused_files_are_reported_and_others_still_print() {
    let refused = [
        ("empty.txt", "empty"),
        ("whitespace-only.txt", "empty"),
        ("binary.txt", "binary"),
        ("nav-only.txt", "no title"),
    ];
    let good = [
        data_dir().join("md/yaml-rfc3339.md"),
        data_dir().join("txt/two-countries-border-health.txt"),
    ];
    let mut files: Vec<PathBuf> = refused
        .iter()
        .map(|(f, _)| data_dir().join("refused").join(f))
        .collect();
    files.extend(good.iter().cloned());

    let output = normalize(&files);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "exit status with refused files; stderr:\n{stderr}"
    );
    for (file, reason) in refused {
        let prefix = format!(
            "pressfeed: refused {}: ",
            data_dir().join("refused").join(file).display()
        );
        let line = stderr.lines().find(|l| l.starts_with(&prefix));
        assert!(
            line.is_some_and(|l| l[prefix.len()..].contains(reason)),
            "no line {prefix:?} with reason {reason:?} in stderr:\n{stderr}"
        );
    }
    let got = records(&output);
    let printed: Vec<&String> = got.keys().collect();
    assert_eq!(
        printed,
        ["md/yaml-rfc3339.md", "txt/two-countries-border-health.txt"],
        "records printed"
    );

    let only_good = normalize(&good);
    assert_eq!(
        only_good.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&only_good.stderr)
    );
}

/// Runs `check-config` on a config file written into a temporary folder.
fn check_config(config: &str, extra: Option<(&str, &str)>) -> (Output, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some((name, body)) = extra {
        std::fs::write(dir.path().join(name), body).expect("write extra file");
    }
    let path = dir.path().join("pressfeed.toml");
    std::fs::write(&path, config.replace("$DIR", &dir.path().to_string_lossy()))
        .expect("write config");
    let output = pressfeed(&[
        OsStr::new("check-config"),
        OsStr::new("--config"),
        path.as_os_str(),
    ]);
    (output, path, dir)
}

const TAXONOMY: &str = r#"
[[region]]
slug = "north"
name = "The North"
[[region]]
slug = "global"
name = "Global (no single region)"
[[country]]
code = "FR"
region = "north"
name = "France"
[[country]]
code = "DE"
region = "north"
name = "Germany"
"#;

const DUPLICATE: &str = r#"[[country]]
code = "FR"
region = "north"
name = "France, again"
"#;

#[test]
fn check_config_accepts_defaults_and_rejects_bad_files() {
    let defaults = pressfeed(&["check-config"]);
    assert_eq!(
        defaults.status.code(),
        Some(0),
        "no config: {}",
        String::from_utf8_lossy(&defaults.stderr)
    );

    let (output, path, _dir) = check_config(
        "# a typo on line 3\nsummary_chars = 300\nsummary_charz = 200\n",
        None,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "unknown key: {stderr}");
    for needle in [
        path.file_name().and_then(OsStr::to_str).unwrap_or_default(),
        "line 3",
        "summary_charz",
    ] {
        assert!(
            stderr.contains(needle),
            "unknown key: stderr should name {needle:?}: {stderr}"
        );
    }

    let custom = "regions = \"$DIR/regions.toml\"\n";
    let (good, _, _dir) = check_config(custom, Some(("regions.toml", TAXONOMY)));
    assert_eq!(
        good.status.code(),
        Some(0),
        "custom taxonomy: {}",
        String::from_utf8_lossy(&good.stderr)
    );

    let (output, _, _dir) = check_config(
        custom,
        Some(("regions.toml", &format!("{TAXONOMY}{DUPLICATE}"))),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "duplicate country code: {stderr}"
    );
    assert!(
        stderr.contains("regions.toml") && stderr.contains("FR"),
        "should name the file and the code: {stderr}"
    );
}
