//! Feed validity judged by real parsers and readers, not by string matching:
//! Python's feedparser, xmllint with the RELAX NG schema of RFC 4287, the
//! newsboat reader, and a JSON Schema for JSON Feed 1.1 checked with Python's
//! `jsonschema`. Each test starts the real binary on a temp folder of
//! releases and talks HTTP to it on 127.0.0.1.
//!
//! Needs python3 with feedparser and jsonschema, xmllint and newsboat
//! (`.ci/test` installs them); a missing one fails the test with a message
//! saying how to install it.

mod util;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use util::{Daemon, Dir, release};

/// The releases `write_releases` writes, and how many land in each region.
const RELEASES: usize = 8;
const ASIA_PACIFIC: usize = 3;
const SOUTH_AMERICA: usize = 2;
/// A region none of the releases belongs to.
const EMPTY_REGION: &str = "southern-africa";
/// A fixed public URL, so that feeds from different daemons (and `render`)
/// can be compared byte for byte.
const FIXED_BASE_URL: &str = "http://127.0.0.1:9/";

/// Eight releases of varied shape: scraped pages with datelines of different
/// countries, a title with `&`, `<` and quotes, a Markdown file with YAML
/// front matter and a date, and one with a contact block.
fn write_releases(dir: &Dir) {
    dir.put("kathmandu-floods.txt", &release(
        "Floods Displace Thousands in Western Nepal",
        "KATHMANDU",
        "Heavy monsoon rains forced more than 12,000 people from their homes in western Nepal this week, officials said on Monday.",
    ));
    dir.put("lima-border-training.txt", &release(
        "Border Officials Trained in Document Examination",
        "LIMA",
        "Thirty border officials from seven regions of Peru began a week of training on document examination at the international airport on Tuesday.",
    ));
    dir.put("bogota-job-fair.txt", &release(
        "Job Fair Connects Venezuelan Refugees With Employers in Bogotá",
        "BOGOTÁ",
        "More than 2,500 Venezuelan refugees and migrants met 80 employers at a two-day job fair in the Colombian capital, where 600 were offered contracts on the spot.",
    ));
    dir.put("dhaka-cholera.txt", &release(
        "Clean Water & Soap Cut Cholera to < 1 Case in 1,000 in \"Camp 4\", Cox's Bazar",
        "DHAKA",
        "Cholera cases in the camps of Cox's Bazar fell below one in every 1,000 residents this month after a water & sanitation drive reached 30,000 people, the agency said.",
    ));
    dir.put(
        "vanuatu-registration.md",
        "---\n\
         title: Mobile Registration Teams Reach Remote Islands in Vanuatu\n\
         date: 2024-02-19T08:30:00+11:00\n\
         author: Tevita Kalsakau\n\
         ---\n\
         \n\
         Port Vila – Four registration teams spent three weeks travelling by boat between the outer islands of Tafea and Shefa provinces, recording 3,150 families whose homes were destroyed by last year's twin cyclones.\n\
         \n\
         The data will be used to plan the *next phase* of shelter repairs, so that the most remote communities are not left out of the recovery.\n",
    );
    dir.put(
        "nairobi-returns.txt",
        "Home\nNews\n-\n\
         Families Return to Their Farms After Floods in Tana River\n\
         NAIROBI – More than 1,600 people displaced by floods along the Tana River returned to their farms this week with transport and seeds provided by the agency.\n\
         Each family also received a cash grant to rebuild a home before the next rainy season.\n\
         For more information, please contact\n\
         Amina Odhiambo\n\
         Email: aodhiambo@example.org\n",
    );
    dir.put("kyiv-winter-grants.txt", &release(
        "Winter Cash Grants Reach 40,000 Displaced Families in Eastern Ukraine",
        "KYIV",
        "Some 40,000 displaced families in Kharkiv and Dnipro oblasts have received one-off cash grants to buy fuel, blankets and warm clothes before temperatures fall below freezing.",
    ));
    dir.put("tegucigalpa-reception.txt", &release(
        "Returnees Receive Reintegration Support at New Reception Centre",
        "TEGUCIGALPA",
        "A new reception centre for returning migrants opened at the airport in the Honduran capital on Wednesday, offering medical checks, legal advice and onward transport.",
    ));
}

/// Writes the releases and starts the daemon on them, once all are in.
fn serve(dir: &Dir, extra: &[&str]) -> Daemon {
    write_releases(dir);
    start(dir, extra)
}

fn start(dir: &Dir, extra: &[&str]) -> Daemon {
    let d = Daemon::start(dir, extra);
    d.wait_until("every release in the feeds", || d.ids().len() == RELEASES);
    d
}

/// The Atom and RSS feeds checked: (path, feedparser version, entries).
fn xml_feeds() -> Vec<(String, &'static str, usize)> {
    let mut feeds = Vec::new();
    for (ext, version) in [("atom", "atom10"), ("rss", "rss20")] {
        for (path, entries) in [
            (format!("/feeds/all.{ext}"), RELEASES),
            (format!("/feeds/asia-pacific.{ext}"), ASIA_PACIFIC),
            (format!("/feeds/south-america.{ext}"), SOUTH_AMERICA),
            (format!("/feeds/all.{ext}?country=co&limit=1"), 1),
            (format!("/feeds/all.{ext}?limit=3"), 3),
            (format!("/feeds/{EMPTY_REGION}.{ext}"), 0),
        ] {
            feeds.push((path, version, entries));
        }
    }
    feeds
}

// ---------------------------------------------------------------------------
// Tools

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts")
}

fn schema(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schema")
        .join(name)
}

/// Fails the test, with how to install it, when a tool is missing.
fn require(what: &str, program: &str, args: &[&str], install: &str) {
    let ok = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{what} is missing: `{program} {}` failed. Install it with `{install}` \
         (.ci/test does this on a fresh Debian machine).",
        args.join(" ")
    );
}

fn require_python() {
    require(
        "python3",
        "python3",
        &["--version"],
        "apt-get install python3",
    );
}

fn require_python_module(module: &str) {
    require_python();
    require(
        &format!("Python's {module} package"),
        "python3",
        &["-c", &format!("import {module}")],
        &format!("python3 -m pip install {module}"),
    );
}

/// Runs `tests/scripts/{script}` with python3 on several files at once (one
/// interpreter start for all) and returns its results, one JSON object per
/// file, each with a `problems` list.
fn python(script: &str, args: &[OsString]) -> Vec<Value> {
    let out = Command::new("python3")
        .arg(scripts().join(script))
        .args(args)
        .output()
        .expect("python3 runs (install python3)");
    let results: Option<Vec<Value>> = serde_json::from_slice(&out.stdout).ok();
    results.unwrap_or_else(|| {
        panic!(
            "{script} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A feed fetched from the daemon and saved in the test's folder.
struct Saved {
    path: String,
    file: PathBuf,
    content_type: String,
}

/// GETs a feed (asserting 200) and saves its body.
fn fetch(d: &Daemon, dir: &Dir, path: &str) -> Saved {
    let r = d.get(path);
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    let name: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let file = dir.path().join(format!("body{name}"));
    std::fs::write(&file, &r.body).expect("save body");
    Saved {
        path: path.to_owned(),
        file,
        content_type: r.header("content-type").unwrap_or("").to_owned(),
    }
}

/// Reads saved Atom and RSS feeds with feedparser
/// (`tests/scripts/feedparser_read.py`): (feed, version, entries expected).
fn feedparser(feeds: &[(Saved, &str, usize)]) -> Vec<Value> {
    let mut args: Vec<OsString> = Vec::new();
    for (saved, version, entries) in feeds {
        args.push(saved.file.clone().into());
        args.push(saved.content_type.clone().into());
        args.push(version.into());
        args.push(entries.to_string().into());
    }
    python("feedparser_read.py", &args)
}

/// The problems the checker found in each feed, named by the feed's path.
fn problems_in<'a>(
    checker: &str,
    paths: impl IntoIterator<Item = &'a str>,
    results: &[Value],
) -> Vec<String> {
    let paths: Vec<&str> = paths.into_iter().collect();
    assert_eq!(paths.len(), results.len(), "{checker}: one result per feed");
    let mut problems = Vec::new();
    for (path, result) in paths.into_iter().zip(results) {
        let found = strings(&result["problems"]);
        if !found.is_empty() {
            problems.push(format!("{checker} on {path}:\n{}", found.join("\n")));
        }
    }
    problems
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

/// Fails with every problem found, not only the first.
fn assert_no_problems(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n---\n"));
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn feedparser_reads_every_atom_and_rss_feed_without_complaint() {
    require_python_module("feedparser");
    let dir = Dir::new("feedparser");
    let d = serve(&dir, &[]);
    let feeds: Vec<_> = xml_feeds()
        .into_iter()
        .map(|(path, version, entries)| (fetch(&d, &dir, &path), version, entries))
        .collect();
    let results = feedparser(&feeds);
    let problems = problems_in(
        "feedparser",
        feeds.iter().map(|(saved, ..)| saved.path.as_str()),
        &results,
    );
    assert_no_problems("feedparser found problems", &problems);
    assert_eq!(results.len(), 12, "every feed was read");
}

#[test]
fn every_atom_feed_is_valid_against_rfc_4287_and_its_schematron_rules() {
    require(
        "xmllint",
        "xmllint",
        &["--version"],
        "apt-get install libxml2-utils",
    );
    require_python();
    let rng = schema("atom.rng");
    let dir = Dir::new("relaxng");
    let d = serve(&dir, &[]);
    let feeds: Vec<(Saved, usize)> = xml_feeds()
        .into_iter()
        .filter(|(path, ..)| path.contains(".atom"))
        .map(|(path, _, entries)| (fetch(&d, &dir, &path), entries))
        .collect();
    assert_eq!(feeds.len(), 6, "Atom feeds to check");
    let mut problems = Vec::new();
    for (saved, _) in &feeds {
        let out = Command::new("xmllint")
            .args(["--noout", "--nonet", "--relaxng"])
            .arg(&rng)
            .arg(&saved.file)
            .output()
            .expect("xmllint runs");
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() || !said.contains(" validates") {
            problems.push(format!(
                "xmllint --relaxng atom.rng on {}:\n{said}",
                saved.path
            ));
        }
    }
    let files: Vec<OsString> = feeds.iter().map(|(s, _)| s.file.clone().into()).collect();
    let results = python("atom_rules.py", &files);
    problems.extend(problems_in(
        "RFC 4287's Schematron rules",
        feeds.iter().map(|(s, _)| s.path.as_str()),
        &results,
    ));
    assert_no_problems("Atom feeds are not valid", &problems);
    for ((saved, entries), result) in feeds.iter().zip(&results) {
        assert_eq!(result["entries"], *entries, "{}: entries", saved.path);
    }
}

/// Runs newsboat non-interactively on one feed URL, in its own HOME with its
/// own urls file, config and cache; returns the cache file and the problems
/// seen (a failed exit, errors in its log).
fn newsboat(home: &Path, url: &str) -> (PathBuf, Vec<String>) {
    std::fs::create_dir_all(home.join(".config")).expect("mkdir");
    std::fs::write(home.join("urls"), format!("{url}\n")).expect("urls");
    std::fs::write(
        home.join("config"),
        "reload-threads 1\ndownload-timeout 10\ndownload-retries 1\nmax-items 0\nshow-read-feeds yes\n",
    )
    .expect("config");
    let cache = home.join("cache.db");
    let log = home.join("newsboat.log");
    let mut child = Command::new("newsboat")
        .arg("-u")
        .arg(home.join("urls"))
        .arg("-c")
        .arg(&cache)
        .arg("-C")
        .arg(home.join("config"))
        .args(["-x", "reload", "-l", "4", "-d"])
        .arg(&log)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("NO_PROXY", "127.0.0.1")
        .env("no_proxy", "127.0.0.1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("newsboat runs");
    let status = util::wait_exit(&mut child, Duration::from_secs(60));
    let out = child.wait_with_output().expect("newsboat output");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut problems = Vec::new();
    if !status.success() {
        problems.push(format!("newsboat on {url} exited with {status}:\n{said}"));
    }
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    let errors: Vec<&str> = logged
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("CRITICAL"))
        .collect();
    if !errors.is_empty() {
        problems.push(format!(
            "newsboat logged errors for {url}:\n{}",
            errors.join("\n")
        ));
    }
    (cache, problems)
}

#[test]
fn newsboat_loads_every_entry_of_the_atom_and_rss_feeds() {
    require("newsboat", "newsboat", &["-v"], "apt-get install newsboat");
    require_python_module("feedparser");
    let dir = Dir::new("newsboat");
    let d = serve(&dir, &[]);
    let feeds = [
        (fetch(&d, &dir, "/feeds/all.atom"), "atom10", RELEASES),
        (fetch(&d, &dir, "/feeds/all.rss"), "rss20", RELEASES),
    ];
    let read = feedparser(&feeds);
    assert_no_problems(
        "feedparser",
        &problems_in(
            "feedparser",
            feeds.iter().map(|(s, ..)| s.path.as_str()),
            &read,
        ),
    );
    let mut problems = Vec::new();
    let mut stored = Vec::new();
    for ((saved, version, _), read) in feeds.iter().zip(&read) {
        let url = d.url(&saved.path);
        let (cache, found) = newsboat(&dir.path().join(format!("newsboat-{version}")), &url);
        problems.extend(found);
        stored.push((url, cache, strings(&read["ids"])));
    }
    let args: Vec<OsString> = stored
        .iter()
        .flat_map(|(url, cache, _)| [cache.clone().into(), url.into()])
        .collect();
    let caches = python("newsboat_cache.py", &args);
    problems.extend(problems_in(
        "newsboat's cache",
        stored.iter().map(|(url, ..)| url.as_str()),
        &caches,
    ));
    for ((url, _, ids), cache) in stored.iter().zip(&caches) {
        let items = cache["items"].as_array().expect("items");
        let mut guids: Vec<String> = items
            .iter()
            .map(|i| i["guid"].as_str().unwrap_or("").to_owned())
            .collect();
        guids.sort();
        let mut expected = ids.clone();
        expected.sort();
        if guids != expected {
            problems.push(format!(
                "newsboat stored {} items for {url}, the feed has {} entries:\n\
                 stored {guids:?}\nfeed   {expected:?}",
                items.len(),
                ids.len()
            ));
        }
        for item in items {
            if item["title"].as_str().is_none_or(str::is_empty)
                || item["url"].as_str().is_none_or(|u| !u.starts_with("http"))
            {
                problems.push(format!(
                    "{url}: newsboat item without title or link: {item}"
                ));
            }
        }
    }
    assert_no_problems("newsboat did not load every entry", &problems);
}

#[test]
fn json_feeds_match_a_json_feed_1_1_schema_and_its_other_rules() {
    require_python_module("jsonschema");
    let dir = Dir::new("jsonfeed");
    let d = serve(&dir, &[]);
    let feeds = [
        (fetch(&d, &dir, "/feeds/all.json"), RELEASES),
        (fetch(&d, &dir, "/feeds/asia-pacific.json"), ASIA_PACIFIC),
        (fetch(&d, &dir, "/feeds/all.json?country=co&limit=1"), 1),
        (fetch(&d, &dir, &format!("/feeds/{EMPTY_REGION}.json")), 0),
    ];
    let mut args: Vec<OsString> = vec![schema("jsonfeed-1.1.json").into()];
    for (saved, items) in &feeds {
        args.push(saved.file.clone().into());
        args.push(items.to_string().into());
    }
    let results = python("jsonfeed_validate.py", &args);
    let problems = problems_in(
        "JSON Feed 1.1 rules",
        feeds.iter().map(|(s, _)| s.path.as_str()),
        &results,
    );
    assert_no_problems("JSON feeds are not valid JSON Feed 1.1", &problems);
    assert_eq!(results.len(), feeds.len(), "every feed was checked");
}

#[test]
fn json_atom_and_rss_feeds_of_a_region_list_the_same_ids_in_the_same_order() {
    require_python_module("feedparser");
    let dir = Dir::new("same-ids");
    let d = serve(&dir, &[]);
    let regions = [
        ("all", RELEASES),
        ("asia-pacific", ASIA_PACIFIC),
        ("south-america", SOUTH_AMERICA),
        (EMPTY_REGION, 0),
    ];
    let mut feeds = Vec::new();
    for (region, entries) in regions {
        feeds.push((
            fetch(&d, &dir, &format!("/feeds/{region}.atom")),
            "atom10",
            entries,
        ));
        feeds.push((
            fetch(&d, &dir, &format!("/feeds/{region}.rss")),
            "rss20",
            entries,
        ));
    }
    let read = feedparser(&feeds);
    assert_no_problems(
        "feedparser",
        &problems_in(
            "feedparser",
            feeds.iter().map(|(s, ..)| s.path.as_str()),
            &read,
        ),
    );
    for (n, (region, entries)) in regions.into_iter().enumerate() {
        let json: Vec<String> = d.json_feed(&format!("/feeds/{region}.json"))["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_owned())
            .collect();
        assert_eq!(json.len(), entries, "{region}.json");
        let atom = strings(&read[2 * n]["ids"]);
        let rss = strings(&read[2 * n + 1]["ids"]);
        assert_eq!(atom, json, "{region}: Atom and JSON ids differ");
        assert_eq!(rss, json, "{region}: RSS and JSON ids differ");
    }
}

#[test]
fn feeds_are_the_same_bytes_on_every_request_and_after_a_restart() {
    let dir = Dir::new("deterministic");
    let args = ["--base-url", FIXED_BASE_URL];
    let d = serve(&dir, &args);
    let paths = [
        "/feeds/all.atom",
        "/feeds/all.rss",
        "/feeds/all.json",
        "/feeds/asia-pacific.atom",
        "/feeds/south-america.rss",
        "/feeds/asia-pacific.json",
        "/feeds/southern-africa.atom",
    ];
    let mut before = BTreeMap::new();
    for path in paths {
        let first = d.get(path);
        let second = d.get(path);
        assert_eq!(first.status, 200, "{path}");
        let etag = first.header("etag").expect("etag").to_owned();
        assert_eq!(second.header("etag"), Some(etag.as_str()), "{path}: ETag");
        assert!(first.body == second.body, "{path}: two GETs differ");
        before.insert(path, (etag, first.body));
    }
    assert_eq!(d.terminate().code(), Some(0), "SIGTERM exits 0");

    let d = start(&dir, &args);
    for (path, (etag, body)) in &before {
        let again = d.get(path);
        assert_eq!(again.status, 200, "{path}");
        assert!(
            &again.body == body,
            "{path} changed across a restart:\nbefore:\n{}\nafter:\n{}",
            String::from_utf8_lossy(body),
            again.text()
        );
        assert_eq!(
            again.header("etag"),
            Some(etag.as_str()),
            "{path}: ETag across a restart"
        );
    }
}

#[test]
fn render_writes_the_same_bytes_that_serve_serves() {
    let dir = Dir::new("render");
    let d = serve(&dir, &["--base-url", FIXED_BASE_URL]);
    let regions: Vec<String> = d.json_feed("/regions.json")["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| r["slug"].as_str().expect("slug").to_owned())
        .collect();
    assert!(regions.len() >= 2, "regions: {regions:?}");
    let mut served = BTreeMap::new();
    for region in std::iter::once("all").chain(regions.iter().map(String::as_str)) {
        for ext in ["atom", "rss", "json"] {
            let file = format!("feeds/{region}.{ext}");
            let r = d.get(&format!("/{file}"));
            assert_eq!(r.status, 200, "{file}");
            served.insert(file, r.body);
        }
    }
    for (file, path) in [
        ("feeds.opml", "/feeds.opml"),
        ("index.html", "/"),
        ("regions.json", "/regions.json"),
    ] {
        let r = d.get(path);
        assert_eq!(r.status, 200, "{path}");
        served.insert(file.to_owned(), r.body);
    }
    assert_eq!(d.terminate().code(), Some(0), "SIGTERM exits 0");

    let config = render_config(&dir);
    let out_dir = dir.path().join("out");
    render(&config, &out_dir);

    let mut rendered_feeds: Vec<String> = std::fs::read_dir(out_dir.join("feeds"))
        .expect("feeds/ written")
        .map(|e| format!("feeds/{}", e.expect("entry").file_name().to_string_lossy()))
        .collect();
    rendered_feeds.sort();
    let served_feeds: Vec<&String> = served.keys().filter(|f| f.starts_with("feeds/")).collect();
    assert_eq!(
        rendered_feeds.iter().collect::<Vec<_>>(),
        served_feeds,
        "render writes a feed for every region and `all`, in each format"
    );
    for (file, body) in &served {
        let written = std::fs::read(out_dir.join(file))
            .unwrap_or_else(|e| panic!("render did not write {file}: {e}"));
        assert!(
            &written == body,
            "{file}: render wrote other bytes than serve served:\nrendered:\n{}\nserved:\n{}",
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(body)
        );
    }
}

/// A configuration for `render` over `dir`'s releases and store.
fn render_config(dir: &Dir) -> PathBuf {
    let config = dir.path().join("pressfeed.toml");
    std::fs::write(
        &config,
        format!(
            "watch = ['{}']\ndata = '{}'\nbase_url = '{FIXED_BASE_URL}'\n",
            dir.releases().display(),
            dir.data().display()
        ),
    )
    .expect("config");
    config
}

/// Runs `pressfeed render` into `out`, which must succeed; returns what it
/// said on stderr.
fn render(config: &Path, out: &Path) -> String {
    let run = Command::new(util::bin())
        .arg("render")
        .arg("--config")
        .arg(config)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run pressfeed render");
    let said = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "render failed: {said}");
    said
}

/// Every file under `root` with its bytes and modification time.
fn tree(root: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    let mut files = BTreeMap::new();
    let mut folders = vec![root.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let name = path
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .into_owned();
                let modified = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .expect("mtime");
                files.insert(name, (std::fs::read(&path).expect("read"), modified));
            }
        }
    }
    files
}

#[test]
fn rendering_again_rewrites_only_what_changed() {
    let dir = Dir::new("rerender");
    for (i, place) in ["Kathmandu", "Juba", "Beira"].iter().enumerate() {
        dir.put(
            &format!("r{i}.txt"),
            &release(
                &format!("Shelter Reaches Families Near {place}"),
                place,
                "partners this week handed out shelter kits to families who lost their homes.",
            ),
        );
    }
    let config = render_config(&dir);
    let out_dir = dir.path().join("out");

    let first = render(&config, &out_dir);
    assert!(first.contains("(0 already up to date)"), "{first}");
    let before = tree(&out_dir);
    // 10 regions plus `all`, three formats; OPML, index, regions; a page
    // and a record per release.
    assert_eq!(before.len(), 11 * 3 + 3 + 3 * 2, "{:?}", before.keys());

    std::thread::sleep(Duration::from_millis(20));
    let second = render(&config, &out_dir);
    assert!(second.contains("wrote 0 files"), "{second}");
    assert_eq!(
        tree(&out_dir),
        before,
        "an unchanged render touches no file"
    );

    dir.put(
        "r1.txt",
        &release(
            "Shelter Reaches Families Near Juba",
            "Juba",
            "partners this week handed out shelter kits and water to families who lost their homes.",
        ),
    );
    let third = render(&config, &out_dir);
    let after = tree(&out_dir);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    let changed: Vec<&String> = after
        .iter()
        .filter(|(name, file)| before.get(*name) != Some(*file))
        .map(|(name, _)| name)
        .collect();
    assert!(
        changed.iter().any(|f| f.as_str() == "feeds/all.atom"),
        "{third}: {changed:?}"
    );
    assert_eq!(
        changed
            .iter()
            .filter(|f| f.starts_with("releases/"))
            .count(),
        2,
        "only the edited release's page and record: {changed:?}"
    );
    assert!(
        changed.iter().all(|f| !f.starts_with("feeds/asia-pacific")),
        "a region the edit did not touch keeps its feeds: {changed:?}"
    );
    assert!(
        third.contains(&format!("wrote {} files", changed.len())),
        "{third}"
    );
    assert!(
        after.keys().all(|f| !f.ends_with(".tmp")),
        "no temporary file is left: {:?}",
        after.keys()
    );
}
