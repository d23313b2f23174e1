//! Reliability (SPEC §1 and §6): bursts of files, kernel queue overflows,
//! removed folders, renames, slow writers, kill -9, signals and bad input.
//! Every test is bounded in time and size, talks over loopback only, and
//! ends by comparing the feeds with what a fresh start on the same folder
//! makes (ids, titles, summaries, tags and content; the dates are first-seen
//! times, so a new data dir has its own) and, after a restart on the same
//! data dir, byte for byte.
//!
//! Sizes: `PRESSFEED_BURST` (files in the burst, default 10,000: about 20 s
//! in a debug build on 2 cores), `PRESSFEED_CRASH_ROUNDS` (kill -9 rounds,
//! default 20) and `PRESSFEED_BIG_FOLDER` (entries in one folder, default
//! 20,000). The tests take one lock so that each has the machine to itself;
//! one lowers `/proc/sys/fs/inotify/max_queued_events` while it starts a
//! daemon, when it may, and puts it back.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use util::{Daemon, Dir, Response, release};

/// Every daemon here links to the same base URL, so that two daemons on the
/// same data dir (on different ports) can serve the same bytes.
const BASE: &str = "http://pressfeed.test/";
/// The longest wait for a burst to be ingested or a daemon to be ready.
const LONG: Duration = Duration::from_secs(120);
/// The longest wait for a small change to show.
const SHORT: Duration = Duration::from_secs(30);

/// Datelines the normalizer maps to one country each (checked with
/// `pressfeed normalize`), so that a large set of releases can be listed in
/// full, one country feed at a time (a feed shows at most 500 entries).
const COUNTRIES: [(&str, &str); 70] = [
    ("Afghanistan", "AF"),
    ("Australia", "AU"),
    ("Bangladesh", "BD"),
    ("Cambodia", "KH"),
    ("China", "CN"),
    ("Fiji", "FJ"),
    ("India", "IN"),
    ("Indonesia", "ID"),
    ("Iran", "IR"),
    ("Japan", "JP"),
    ("Mongolia", "MN"),
    ("Myanmar", "MM"),
    ("Nepal", "NP"),
    ("Pakistan", "PK"),
    ("Philippines", "PH"),
    ("Sri Lanka", "LK"),
    ("Thailand", "TH"),
    ("Vietnam", "VN"),
    ("Canada", "CA"),
    ("Costa Rica", "CR"),
    ("Cuba", "CU"),
    ("Guatemala", "GT"),
    ("Haiti", "HT"),
    ("Honduras", "HN"),
    ("Jamaica", "JM"),
    ("Mexico", "MX"),
    ("Panama", "PA"),
    ("Burundi", "BI"),
    ("Djibouti", "DJ"),
    ("Ethiopia", "ET"),
    ("Kenya", "KE"),
    ("Rwanda", "RW"),
    ("Somalia", "SO"),
    ("South Sudan", "SS"),
    ("Uganda", "UG"),
    ("Austria", "AT"),
    ("Belgium", "BE"),
    ("Denmark", "DK"),
    ("France", "FR"),
    ("Germany", "DE"),
    ("Italy", "IT"),
    ("Spain", "ES"),
    ("Greece", "GR"),
    ("Egypt", "EG"),
    ("Iraq", "IQ"),
    ("Jordan", "JO"),
    ("Lebanon", "LB"),
    ("Libya", "LY"),
    ("Morocco", "MA"),
    ("Yemen", "YE"),
    ("Argentina", "AR"),
    ("Brazil", "BR"),
    ("Chile", "CL"),
    ("Colombia", "CO"),
    ("Ecuador", "EC"),
    ("Peru", "PE"),
    ("Venezuela", "VE"),
    ("Ukraine", "UA"),
    ("Armenia", "AM"),
    ("Moldova", "MD"),
    ("Malawi", "MW"),
    ("Mozambique", "MZ"),
    ("Zambia", "ZM"),
    ("Zimbabwe", "ZW"),
    ("Angola", "AO"),
    ("Nigeria", "NG"),
    ("Niger", "NE"),
    ("Mali", "ML"),
    ("Chad", "TD"),
    ("Senegal", "SN"),
];

// ---------------------------------------------------------------------------
// Harness: one test at a time, daemons on any folders, non-panicking HTTP.

static SERIAL: Mutex<()> = Mutex::new(());

/// One test at a time: they are heavy, and one lowers a kernel limit.
fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Starts `pressfeed serve` on `watch` and `data` and waits until ready.
fn serve(logs: &Path, watch: &Path, data: &Path, extra: &[&str]) -> Daemon {
    let d = launch(&[], logs, watch, data, extra);
    wait_ready(&d);
    d
}

/// Starts `pressfeed serve` (through `wrapper`, e.g. `setpriv ...`, when
/// not empty) and returns once it listens, before its first scan is done.
fn launch(wrapper: &[&str], logs: &Path, watch: &Path, data: &Path, extra: &[&str]) -> Daemon {
    static LAUNCHES: AtomicUsize = AtomicUsize::new(0);
    let n = LAUNCHES.fetch_add(1, Ordering::SeqCst);
    let stderr = logs.join(format!("daemon-{n}.log"));
    let log = std::fs::File::create(&stderr).expect("log file");
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(util::bin());
            c
        }
        None => Command::new(util::bin()),
    };
    command
        .arg("serve")
        .arg("--watch")
        .arg(watch)
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0", "--base-url", BASE])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(log);
    let mut child = command.spawn().expect("spawn pressfeed");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    let _ = BufReader::new(stdout).read_line(&mut line);
    let Some(addr) = line.trim().strip_prefix("listening on http://") else {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "no `listening on` line (got {line:?}); log:\n{}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        );
    };
    let addr = addr.to_owned();
    Daemon {
        child,
        addr,
        stderr,
    }
}

fn wait_ready(d: &Daemon) -> Duration {
    wait(d, "ready (/healthz 200)", LONG, || {
        status(d, "/healthz") == Some(200)
    })
}

/// Kills the daemon with SIGKILL and reaps it.
fn kill9(mut d: Daemon) {
    let _ = d.child.kill();
    let _ = d.child.wait();
}

/// Polls `check` every 20 ms until it holds or `limit` passes.
fn within(limit: Duration, mut check: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    loop {
        if check() {
            return Some(started.elapsed());
        }
        if started.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Like [`within`], but a timeout fails the test with the daemon's log.
fn wait(d: &Daemon, what: &str, limit: Duration, check: impl FnMut() -> bool) -> Duration {
    within(limit, check).unwrap_or_else(|| {
        panic!(
            "timed out after {limit:?} waiting for {what}; daemon log (tail):\n{}",
            tail(&d.log())
        )
    })
}

/// Waits until the daemon counts `n` releases; fails with the last count.
fn wait_count(d: &Daemon, n: usize, limit: Duration) -> Duration {
    let mut last = 0;
    within(limit, || {
        last = count(d);
        last == n
    })
    .unwrap_or_else(|| {
        panic!(
            "timed out after {limit:?} waiting for {n} releases: the daemon counts {last}; log (tail):\n{}",
            tail(&d.log())
        )
    })
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// One GET on a fresh connection; errors are returned, not panicked on.
fn fetch(addr: &str, path: &str) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    if !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        return Err(std::io::Error::other(format!(
            "incomplete response ({} bytes)",
            raw.len()
        )));
    }
    Ok(util::parse_response(&raw, false))
}

fn get(d: &Daemon, path: &str) -> Response {
    fetch(&d.addr, path)
        .unwrap_or_else(|e| panic!("GET {path}: {e}; daemon log (tail):\n{}", tail(&d.log())))
}

fn status(d: &Daemon, path: &str) -> Option<u16> {
    fetch(&d.addr, path).ok().map(|r| r.status)
}

fn json(d: &Daemon, path: &str) -> Value {
    let r = get(d, path);
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    serde_json::from_slice(&r.body).expect("json")
}

/// Releases the daemon counts: the sum of `/regions.json` counts.
fn count(d: &Daemon) -> usize {
    json(d, "/regions.json")["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| r["count"].as_u64().expect("count") as usize)
        .sum()
}

/// A value of `/metrics` (the first line starting with `name`).
fn metric(d: &Daemon, name: &str) -> f64 {
    get(d, "/metrics")
        .text()
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

// ---------------------------------------------------------------------------
// Release files.

/// A release file's text and what its feed item must show.
struct Doc {
    title: String,
    summary: String,
    text: String,
}

fn place(n: usize) -> &'static str {
    COUNTRIES[n % COUNTRIES.len()].0
}

/// Release `n` of a kind, in its `version`: the title stays, the body says
/// which version it is.
fn doc(kind: &str, n: usize, version: usize) -> Doc {
    let title = format!("{kind} release {n} on supplies for families");
    let body = format!(
        "Teams delivered supplies to {} families this week in remote districts, officials said in update {version}.",
        100 + n
    );
    let dateline = place(n);
    Doc {
        summary: format!("{dateline} – {body}"),
        text: release(&title, dateline, &body),
        title,
    }
}

/// Writes `files` (path under `root`, text) from 4 threads: each file under
/// `staging` first, then renamed into place, or written in place when
/// `staging` is `None`. Returns how long the writing took.
fn write_burst(root: &Path, staging: Option<&Path>, files: &[(String, String)]) -> Duration {
    let parents: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|(p, _)| root.join(p).parent().map(Path::to_owned))
        .collect();
    for p in parents.iter().chain(staging.map(Path::to_path_buf).iter()) {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    let started = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..4 {
            scope.spawn(move || {
                for (i, (relative, text)) in files.iter().enumerate().skip(t).step_by(4) {
                    let target = root.join(relative);
                    match staging {
                        Some(staging) => {
                            let tmp = staging.join(format!("{i}.tmp"));
                            std::fs::write(&tmp, text).expect("write");
                            std::fs::rename(&tmp, &target).expect("rename");
                        }
                        None => std::fs::write(&target, text).expect("write"),
                    }
                }
            });
        }
    });
    started.elapsed()
}

/// Every regular file under `root` (no hidden or temporary names here).
fn files_under(root: &Path) -> usize {
    std::fs::read_dir(root)
        .expect("read_dir")
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => files_under(&e.path()),
            Ok(t) if t.is_file() => 1,
            _ => 0,
        })
        .sum()
}

// ---------------------------------------------------------------------------
// What the feeds show.

/// What must match between two daemons on the same folder, per release id:
/// everything but the dates.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    title: String,
    summary: String,
    tags: Vec<String>,
    content: String,
}

fn item(v: &Value) -> Item {
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    Item {
        title: text("title"),
        summary: text("summary"),
        tags: v["tags"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        content: text("content_html"),
    }
}

fn feed_items(d: &Daemon, path: &str) -> Vec<Value> {
    json(d, path)["items"].as_array().expect("items").clone()
}

/// Every item the daemon serves: the `all` feed when it holds them all,
/// else one feed per country (each must hold fewer than 500).
fn every_item(d: &Daemon) -> Vec<Value> {
    let all = feed_items(d, "/feeds/all.json?limit=500");
    if all.len() < 500 {
        return all;
    }
    let mut items = Vec::new();
    for (_, code) in COUNTRIES {
        let part = feed_items(d, &format!("/feeds/all.json?limit=500&country={code}"));
        assert!(part.len() < 500, "too many releases in {code} to list");
        items.extend(part);
    }
    items
}

/// Items by id; a duplicate id fails the test.
fn unique(items: Vec<Value>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut duplicates = Vec::new();
    for v in items {
        let id = v["id"].as_str().expect("id").to_owned();
        if let Some(old) = out.insert(id.clone(), v) {
            duplicates.push(format!("{id} ({})", old["title"]));
        }
    }
    assert!(duplicates.is_empty(), "duplicate ids: {duplicates:?}");
    out
}

/// Every release served, by id, without dates.
fn releases(d: &Daemon) -> BTreeMap<String, Item> {
    unique(every_item(d))
        .iter()
        .map(|(id, v)| (id.clone(), item(v)))
        .collect()
}

/// Release ids by title (titles are distinct in these tests).
fn ids_by_title(d: &Daemon) -> BTreeMap<String, String> {
    releases(d)
        .into_iter()
        .map(|(id, i)| (i.title, id))
        .collect()
}

/// Where the release with this id lives (`key` of `/releases/{id}.json`).
fn key_of(d: &Daemon, id: &str) -> Option<String> {
    let slug = id.rsplit('/').next().unwrap_or(id);
    let r = fetch(&d.addr, &format!("/releases/{slug}.json")).ok()?;
    if r.status != 200 {
        return None;
    }
    let v: Value = serde_json::from_slice(&r.body).ok()?;
    v["key"].as_str().map(str::to_owned)
}

/// Starts a daemon on `watch` with an empty data dir, waits for its first
/// scan and returns its releases: what the running daemon must show.
fn fresh(logs: &Path, watch: &Path, extra: &[&str]) -> BTreeMap<String, Item> {
    static FRESH: AtomicUsize = AtomicUsize::new(0);
    let data = logs.join(format!(
        "fresh-data-{}",
        FRESH.fetch_add(1, Ordering::SeqCst)
    ));
    let started = Instant::now();
    let d = serve(logs, watch, &data, extra);
    let all = releases(&d);
    assert_eq!(
        all.len(),
        count(&d),
        "the fresh start's releases are listed"
    );
    eprintln!(
        "fresh start on the same folder: {} releases, ready and listed in {:.1} s",
        all.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = d.terminate();
    std::fs::remove_dir_all(&data).expect("rm fresh data");
    all
}

/// Waits until the running daemon serves what a fresh start on the same
/// folder serves (ids and content; dates aside).
fn assert_as_fresh(d: &Daemon, logs: &Path, watch: &Path, extra: &[&str]) {
    let expected = fresh(logs, watch, extra);
    let mut last = BTreeMap::new();
    if within(SHORT, || {
        last = releases(d);
        last == expected
    })
    .is_none()
    {
        panic!(
            "the feeds differ from a fresh start's on the same folder:\n{}\ndaemon log (tail):\n{}",
            diff(&last, &expected),
            tail(&d.log())
        );
    }
}

fn diff(got: &BTreeMap<String, Item>, fresh: &BTreeMap<String, Item>) -> String {
    let mut out = vec![format!(
        "running daemon: {} releases; fresh start: {}",
        got.len(),
        fresh.len()
    )];
    for (id, i) in got
        .iter()
        .filter(|(id, _)| !fresh.contains_key(*id))
        .take(10)
    {
        out.push(format!("  only in the running daemon: {id} {:?}", i.title));
    }
    for (id, i) in fresh
        .iter()
        .filter(|(id, _)| !got.contains_key(*id))
        .take(10)
    {
        out.push(format!("  only in the fresh start: {id} {:?}", i.title));
    }
    for (id, i) in got
        .iter()
        .filter(|(id, i)| fresh.get(*id).is_some_and(|f| f != *i))
        .take(10)
    {
        out.push(format!(
            "  differs: {id}\n    running: {i:?}\n    fresh:   {:?}",
            fresh[id]
        ));
    }
    out.join("\n")
}

/// The `all` feed pages compared across restarts.
const PAGES: [&str; 2] = ["/feeds/all.json?limit=500", "/feeds/all.atom?limit=500"];

fn pages(d: &Daemon) -> Vec<(Option<String>, Vec<u8>)> {
    PAGES
        .iter()
        .map(|p| {
            let r = get(d, p);
            assert_eq!(r.status, 200, "{p}");
            (r.header("etag").map(str::to_owned), r.body)
        })
        .collect()
}

/// Stops the daemon (SIGTERM, exit 0), starts it again on the same folders
/// and data, and requires the same feed bytes and ETags.
fn restart_same_data(d: Daemon, logs: &Path, watch: &Path, data: &Path, extra: &[&str]) -> Daemon {
    let before = pages(&d);
    let status = d.terminate();
    assert_eq!(status.code(), Some(0), "SIGTERM exits 0");
    // A clean stop copies the write-ahead log into the database.
    let log = data.join("pressfeed.db-wal");
    let left = std::fs::metadata(&log).map_or(0, |m| m.len());
    assert_eq!(left, 0, "{} holds {left} bytes after a stop", log.display());
    let started = Instant::now();
    let d = serve(logs, watch, data, extra);
    eprintln!(
        "restart on the same data: ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let after = pages(&d);
    for ((path, b), a) in PAGES.iter().zip(&before).zip(&after) {
        assert_eq!(b.0, a.0, "{path}: the ETag changed across a restart");
        if b.1 != a.1 {
            let (b, a) = (String::from_utf8_lossy(&b.1), String::from_utf8_lossy(&a.1));
            let line = b.lines().zip(a.lines()).position(|(x, y)| x != y);
            panic!(
                "{path}: the bytes changed across a restart (first differing line {line:?}):\nbefore: {:?}\nafter:  {:?}",
                line.and_then(|l| b.lines().nth(l)),
                line.and_then(|l| a.lines().nth(l)),
            );
        }
    }
    d
}

// ---------------------------------------------------------------------------
// The kernel's inotify queue.

const QUEUE_LIMIT: &str = "/proc/sys/fs/inotify/max_queued_events";

/// Lowers the kernel's inotify queue length (for inotify instances created
/// while it lives) when the setting is writable, and puts the old value
/// back when dropped, whatever happened in between.
struct SmallQueue {
    old: Option<String>,
}

impl SmallQueue {
    fn new(events: u32) -> SmallQueue {
        let old = std::fs::read_to_string(QUEUE_LIMIT).ok();
        let lowered = old.is_some() && std::fs::write(QUEUE_LIMIT, events.to_string()).is_ok();
        SmallQueue {
            old: old.filter(|_| lowered),
        }
    }

    fn lowered(&self) -> bool {
        self.old.is_some()
    }
}

impl Drop for SmallQueue {
    fn drop(&mut self) {
        if let Some(old) = &self.old
            && let Err(e) = std::fs::write(QUEUE_LIMIT, old.trim())
        {
            eprintln!("COULD NOT RESTORE {QUEUE_LIMIT} to {}: {e}", old.trim());
        }
    }
}

/// Starts a daemon whose inotify queue holds `events` events, when the
/// kernel setting can be lowered; the setting is restored before return.
fn serve_with_small_queue(
    events: u32,
    logs: &Path,
    watch: &Path,
    data: &Path,
    extra: &[&str],
) -> (Daemon, bool) {
    let queue = SmallQueue::new(events);
    let d = serve(logs, watch, data, extra);
    let lowered = queue.lowered();
    drop(queue);
    if !lowered {
        eprintln!("{QUEUE_LIMIT} is not writable: running with the kernel's queue as it is");
    }
    (d, lowered)
}

// ---------------------------------------------------------------------------
// 1. A burst.

#[test]
fn a_burst_of_files_ends_as_a_fresh_scan_would() {
    let _serial = serial();
    let n = env_usize("PRESSFEED_BURST", 10_000);
    let dir = Dir::new("burst");
    let root = dir.releases();
    let d = serve(dir.path(), &root, &dir.data(), &[]);
    let files: Vec<(String, String)> = (0..n)
        .map(|i| (format!("b{}/r{i:05}.txt", i % 8), doc("Burst", i, 0).text))
        .collect();
    let wrote = write_burst(&root, Some(&dir.path().join("staging")), &files);
    let started = Instant::now();
    let seen = wait_count(&d, n, LONG) + wrote;
    eprintln!(
        "burst: {n} files written in {:.2} s by 4 threads; all {n} counted {:.2} s after the first write ({:.0} files/s); count settled {:.2} s after the last write",
        wrote.as_secs_f64(),
        seen.as_secs_f64(),
        n as f64 / seen.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert_as_fresh(&d, dir.path(), &root, &[]);
    let d = restart_same_data(d, dir.path(), &root, &dir.data(), &[]);
    assert_eq!(count(&d), n);
}

/// Files that arrive while the daemon starts on a store it already holds
/// (the store loading while the folders are watched and walked) are all
/// published, each once, as a fresh start would publish them.
#[test]
fn files_arriving_while_the_daemon_starts_are_all_published() {
    let _serial = serial();
    let dir = Dir::new("arriving");
    let root = dir.releases();
    let releases = |kind: &str, from: usize, n: usize| -> Vec<(String, String)> {
        (from..from + n)
            .map(|i| (format!("s{}/r{i:05}.txt", i % 4), doc(kind, i, 0).text))
            .collect()
    };
    write_burst(&root, None, &releases("Kept", 0, 1_500));
    let d = serve(dir.path(), &root, &dir.data(), &[]);
    wait_count(&d, 1_500, LONG);
    assert_eq!(d.terminate().code(), Some(0), "SIGTERM exits 0");
    let d = launch(&[], dir.path(), &root, &dir.data(), &[]);
    let late = releases("Late", 1_500, 500);
    write_burst(&root, Some(&dir.path().join("staging")), &late);
    wait_ready(&d);
    wait_count(&d, 2_000, LONG);
    assert_as_fresh(&d, dir.path(), &root, &[]);
}

// ---------------------------------------------------------------------------
// 2. A queue overflow.

#[test]
fn a_queue_overflow_is_recovered_by_a_rescan() {
    let _serial = serial();
    let n = 2_000;
    let dir = Dir::new("overflow");
    let root = dir.releases();
    let (d, lowered) = serve_with_small_queue(16, dir.path(), &root, &dir.data(), &[]);
    let files: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                format!("o{}/r{i:04}.txt", i % 4),
                doc("Overflow", i, 0).text,
            )
        })
        .collect();
    // Written in place: open, write, close: several events per file.
    let wrote = write_burst(&root, None, &files);
    let seen = wait_count(&d, n, LONG);
    let rescans = metric(&d, "pressfeed_rescans_total");
    eprintln!(
        "overflow: queue lowered: {lowered}; {n} files written in {:.2} s, all counted {:.2} s later; {rescans} rescans",
        wrote.as_secs_f64(),
        seen.as_secs_f64()
    );
    assert_as_fresh(&d, dir.path(), &root, &[]);
    if lowered {
        assert!(
            rescans > 0.0,
            "a 16-event queue overflowed, yet no rescan; log:\n{}",
            tail(&d.log())
        );
        assert!(d.log().contains("rescanning every watched folder"));
    }
    let _ = restart_same_data(d, dir.path(), &root, &dir.data(), &[]);
}

// ---------------------------------------------------------------------------
// 3. Removed and recreated folders.

#[test]
fn a_removed_and_recreated_folder_is_rescanned() {
    let _serial = serial();
    let dir = Dir::new("recreate");
    let root = dir.releases();
    let put = |relative: String, kind: &str, n: usize| {
        dir.put(&relative, &doc(kind, n, 0).text);
    };
    for n in 0..5 {
        put(format!("t{n}.txt"), "Original", n);
    }
    for n in 5..8 {
        put(format!("sub/s{n}.txt"), "Original", n);
    }
    let d = serve(dir.path(), &root, &dir.data(), &[]);
    assert_eq!(count(&d), 8);

    // A subfolder goes and comes back at once with other files.
    std::fs::remove_dir_all(root.join("sub")).expect("rm -rf");
    std::fs::create_dir(root.join("sub")).expect("mkdir");
    for n in 10..13 {
        put(format!("sub/v{n}.txt"), "Again", n);
    }
    assert_as_fresh(&d, dir.path(), &root, &[]);

    // Files written at once into a brand-new deep folder.
    std::fs::create_dir_all(root.join("a/b/c")).expect("mkdir -p");
    for n in 20..40 {
        std::fs::write(root.join(format!("a/b/c/d{n}.txt")), doc("Deep", n, 0).text)
            .expect("write");
    }
    for n in 40..45 {
        std::fs::write(root.join(format!("a/b/e{n}.txt")), doc("Deep", n, 0).text).expect("write");
    }
    assert_as_fresh(&d, dir.path(), &root, &[]);
    assert_eq!(count(&d), 33);
    // Every file here is a good release: no refusal, even for a file caught
    // while being written.
    let refusals: Vec<String> = d
        .log()
        .lines()
        .filter(|l| l.contains("refused release file"))
        .map(str::to_owned)
        .collect();
    if !refusals.is_empty() {
        eprintln!("recreated folders: good files refused: {refusals:#?}");
    }

    // The watched folder goes; its releases go with it; it comes back.
    std::fs::remove_dir_all(&root).expect("rm -rf");
    wait_count(&d, 0, SHORT);
    std::fs::create_dir(&root).expect("mkdir");
    for n in 50..54 {
        put(format!("back{n}.txt"), "Returned", n);
    }
    assert_as_fresh(&d, dir.path(), &root, &[]);
    assert!(
        refusals.is_empty(),
        "good files written into a new folder were refused: {refusals:#?}"
    );
    let _ = restart_same_data(d, dir.path(), &root, &dir.data(), &[]);
}

// ---------------------------------------------------------------------------
// 4. Renames.

#[test]
fn renames_in_out_and_across_folders() {
    let _serial = serial();
    let dir = Dir::new("renames");
    let root = dir.releases();
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let files = [
        "a.txt",
        "b.txt",
        "c.txt",
        "sub1/d.txt",
        "sub1/e.txt",
        "sub1/g.txt",
        "sub2/f.txt",
    ];
    let title = |n: usize| doc("Renamed", n, 0).title;
    for (n, f) in files.iter().enumerate() {
        dir.put(f, &doc("Renamed", n, 0).text);
    }
    std::fs::write(outside.join("in.txt"), doc("Renamed", 7, 0).text).expect("write");
    let d = serve(dir.path(), &root, &dir.data(), &[]);
    let original = ids_by_title(&d);
    assert_eq!(original.len(), 7);
    let id = |n: usize| original[&title(n)].clone();
    let key_is = |n: usize, key: &str| key_of(&d, &id(n)).as_deref() == Some(key);

    // In from outside: appears.
    std::fs::rename(outside.join("in.txt"), root.join("in.txt")).expect("mv in");
    wait(&d, "a file renamed in", SHORT, || {
        ids_by_title(&d).contains_key(&title(7))
    });
    // Out to outside: disappears.
    std::fs::rename(root.join("a.txt"), outside.join("a.txt")).expect("mv out");
    wait(&d, "a file renamed out to go", SHORT, || {
        !ids_by_title(&d).contains_key(&title(0))
    });
    // Across subfolders: same id.
    std::fs::rename(root.join("sub1/d.txt"), root.join("sub2/d-moved.txt")).expect("mv across");
    wait(
        &d,
        "the moved release at its new path, same id",
        SHORT,
        || key_is(3, "sub2/d-moved.txt"),
    );
    // A whole subfolder renamed: its releases keep their ids.
    std::fs::rename(root.join("sub1"), root.join("sub3")).expect("mv folder");
    wait(
        &d,
        "the releases of a renamed folder, same ids",
        SHORT,
        || key_is(4, "sub3/e.txt") && key_is(5, "sub3/g.txt"),
    );
    // Two files swap names through a third, step by step, then back at
    // once: each release follows its file, keeping its id.
    let at = |n: usize| {
        ids_by_title(&d)
            .get(&title(n))
            .and_then(|id| key_of(&d, id))
    };
    let mut problems = Vec::new();
    for (from, to, n) in [
        ("b.txt", "swap.txt", 1),
        ("c.txt", "b.txt", 2),
        ("swap.txt", "c.txt", 1),
    ] {
        std::fs::rename(root.join(from), root.join(to)).expect("mv");
        wait(&d, &format!("{from} renamed to {to}"), SHORT, || {
            at(n).as_deref() == Some(to)
        });
    }
    let now = ids_by_title(&d);
    for n in [1, 2] {
        if now.get(&title(n)) != Some(&id(n)) {
            problems.push(format!(
                "swapped step by step: {:?} was {}, now {:?}",
                title(n),
                id(n),
                now.get(&title(n))
            ));
        }
    }
    swap_at_once(&root, "b.txt", "c.txt");
    wait(&d, "b.txt and c.txt swapped back", SHORT, || {
        at(1).as_deref() == Some("b.txt") && at(2).as_deref() == Some("c.txt")
    });

    // Every release is where its file is, once, with the id it was first
    // published with; its content is what a fresh start reads.
    let now = ids_by_title(&d);
    let expected: BTreeSet<String> = (1..8).map(title).collect();
    assert_eq!(now.keys().cloned().collect::<BTreeSet<_>>(), expected);
    for n in 1..7 {
        if now[&title(n)] != id(n) {
            problems.push(format!(
                "{:?} was {}, now {} (at {:?})",
                title(n),
                id(n),
                now[&title(n)],
                at(n)
            ));
        }
    }
    let fresh = fresh(dir.path(), &root, &[]);
    let by_title = |m: &BTreeMap<String, Item>| -> BTreeMap<String, Item> {
        m.values().map(|i| (i.title.clone(), i.clone())).collect()
    };
    assert_eq!(
        by_title(&releases(&d)),
        by_title(&fresh),
        "content as fresh"
    );
    let fresh_id = fresh
        .iter()
        .find(|(_, i)| i.title == title(7))
        .map(|(id, _)| id.clone());
    assert_eq!(
        Some(now[&title(7)].clone()),
        fresh_id,
        "a file renamed in from outside gets the id its path gives"
    );
    assert!(
        problems.is_empty(),
        "renamed releases lost their ids: {problems:#?}\nlog:\n{}",
        tail(&d.log())
    );
    let _ = restart_same_data(d, dir.path(), &root, &dir.data(), &[]);
}

/// A file saved and renamed straight after, as a script tidying an inbox
/// would. Whether the daemon reads the save before the rename or finds the
/// file gone, the release keeps its id and shows the save.
#[test]
fn a_file_edited_and_renamed_at_once_keeps_its_id() {
    let _serial = serial();
    let dir = Dir::new("edit-rename");
    let root = dir.releases();
    const FILES: usize = 6;
    for n in 0..FILES {
        dir.put(&format!("r{n}.txt"), &doc("Edited", n, 0).text);
    }
    let d = serve(dir.path(), &root, &dir.data(), &[]);
    let original = ids_by_title(&d);
    assert_eq!(original.len(), FILES);
    for n in 0..FILES {
        let old = root.join(format!("r{n}.txt"));
        std::fs::write(&old, doc("Edited", n, 1).text).expect("save");
        // From no pause to more than a batch's wait, so that both orders
        // of the save and the rename are met.
        std::thread::sleep(Duration::from_micros(700 * n as u64));
        std::fs::rename(&old, root.join(format!("renamed-{n}.txt"))).expect("rename");
    }
    let settled = || {
        let now = releases(&d);
        now.len() == FILES
            && (0..FILES).all(|n| {
                let edited = doc("Edited", n, 1);
                let id = &original[&edited.title];
                now.get(id).is_some_and(|i| i.summary == edited.summary)
                    && key_of(&d, id).is_some_and(|k| k == format!("renamed-{n}.txt"))
            })
    };
    within(SHORT, &settled);
    assert!(
        settled(),
        "ids before: {original:#?}\nreleases now: {:#?}\nlog:\n{}",
        releases(&d),
        tail(&d.log())
    );
}

/// A file renamed, then opened and written at its new path for a while,
/// as a program renaming a draft and finishing it would: meanwhile the
/// release stays served at its old path, and once the file is closed it is
/// served at the new one with its id and the new text.
#[test]
fn a_file_renamed_then_written_keeps_its_id() {
    use std::io::Write as _;
    let _serial = serial();
    let dir = Dir::new("rename-write");
    let root = dir.releases();
    let first = doc("Drafted", 0, 0);
    dir.put("draft.txt", &first.text);
    let d = serve(dir.path(), &root, &dir.data(), &[]);
    let original = ids_by_title(&d);
    let id = original[&first.title].clone();

    let finished = doc("Drafted", 0, 1);
    let new = root.join("final.txt");
    std::fs::rename(root.join("draft.txt"), &new).expect("rename");
    let mut file = std::fs::File::create(&new).expect("open");
    let (head, rest) = finished.text.as_bytes().split_at(finished.text.len() / 2);
    file.write_all(head).expect("write");
    // Longer than a batch's wait, so the rename's batch comes while the
    // file is open.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        key_of(&d, &id).as_deref(),
        Some("draft.txt"),
        "while the file is written, log:\n{}",
        tail(&d.log())
    );
    file.write_all(rest).expect("write");
    drop(file);

    let settled = || {
        let now = releases(&d);
        now.len() == 1
            && now.get(&id).is_some_and(|r| r.summary == finished.summary)
            && key_of(&d, &id).is_some_and(|k| k == "final.txt")
    };
    within(SHORT, &settled);
    assert!(
        settled(),
        "id before: {id}\nreleases now: {:#?}\nlog:\n{}",
        releases(&d),
        tail(&d.log())
    );
}

/// `mv a t; mv b a; mv t b` in quick succession, as a script would.
fn swap_at_once(root: &Path, a: &str, b: &str) {
    let t = root.join("swap.txt");
    std::fs::rename(root.join(a), &t).expect("mv");
    std::fs::rename(root.join(b), root.join(a)).expect("mv");
    std::fs::rename(&t, root.join(b)).expect("mv");
}

// ---------------------------------------------------------------------------
// 5. Slow writers.

/// A slowly written release: its text and what a complete one shows.
struct Slow {
    path: PathBuf,
    title: String,
    summary: String,
    closing: String,
    text: String,
}

fn slow(root: &Path, phase: usize, i: usize) -> Slow {
    let n = phase * 10 + i;
    let title = format!("Slow release {n} about river crossings");
    let body = format!(
        "Boats carried {} people across the river this week, and teams met each of them on the far bank, officials said.",
        40 + n
    );
    let closing = format!("Closing paragraph {n} is the last line of the file.");
    Slow {
        path: root.join(format!("slow/slow-{n}.txt")),
        summary: format!("{} – {body}", place(n)),
        text: format!("{}{closing}\n", release(&title, place(n), &body)),
        title,
        closing,
    }
}

/// Writes the file in 10 chunks, 100 ms apart, through one open handle.
fn write_slowly(s: &Slow) {
    let mut file = std::fs::File::create(&s.path).expect("create");
    let bytes = s.text.as_bytes();
    for chunk in bytes.chunks(bytes.len().div_ceil(10)) {
        file.write_all(chunk).expect("write");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The last 40 characters.
fn ending(text: &str) -> String {
    let skip = text.chars().count().saturating_sub(40);
    text.chars().skip(skip).collect()
}

/// Every visible item must be a known release or a complete slow one.
fn half_written(d: &Daemon, known: &BTreeSet<String>, slow: &[Slow], found: &mut BTreeSet<String>) {
    for v in feed_items(d, "/feeds/all.json?limit=500") {
        let i = item(&v);
        let id = v["id"].as_str().unwrap_or_default();
        if known.contains(id) || i.title.starts_with("Noise release") {
            continue;
        }
        let complete = slow.iter().any(|s| {
            s.title == i.title && s.summary == i.summary && i.content.contains(&s.closing)
        });
        if !complete {
            found.insert(format!(
                "title {:?}, summary {:?}, content ends {:?}",
                i.title,
                i.summary,
                ending(&i.content)
            ));
        }
    }
}

fn slow_phase(
    d: &Daemon,
    root: &Path,
    phase: usize,
    during: impl FnOnce() + Send,
) -> BTreeSet<String> {
    let known: BTreeSet<String> = releases(d).into_keys().collect();
    let writers: Vec<Slow> = (0..4).map(|i| slow(root, phase, i)).collect();
    let mut found = BTreeSet::new();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let handles: Vec<_> = writers
            .iter()
            .map(|s| scope.spawn(move || write_slowly(s)))
            .collect();
        scope.spawn(|| {
            during();
            done.store(true, Ordering::SeqCst);
        });
        while handles.iter().any(|h| !h.is_finished()) {
            half_written(d, &known, &writers, &mut found);
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(10));
    }
    wait(d, "every slow file complete in the feed", SHORT, || {
        let titles: BTreeSet<String> = releases(d).into_values().map(|i| i.title).collect();
        writers.iter().all(|s| titles.contains(&s.title))
    });
    half_written(d, &known, &writers, &mut found);
    found
}

/// A file saved 100 times in place (truncated, then written in two parts
/// 2 ms apart), as some editors save: every version seen in the feed is
/// whole, the last one stays, and nothing is refused.
fn rewritten_in_place(d: &Daemon, root: &Path) -> BTreeSet<String> {
    let title = "Rewritten release on river crossings";
    let closing = "Closing paragraph of the rewritten release.";
    let version = |k: usize| {
        let body = format!(
            "Boats carried {} people across the river this week, officials said.",
            1000 + k
        );
        (
            format!("Nepal – {body}"),
            format!("{}{closing}\n", release(title, "Nepal", &body)),
        )
    };
    let path = root.join("slow/rewritten.txt");
    std::fs::create_dir_all(root.join("slow")).expect("mkdir");
    let mut found = BTreeSet::new();
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for k in 0..100 {
                let text = version(k).1;
                let (head, rest) = text.as_bytes().split_at(text.len() / 2);
                let mut file = std::fs::File::create(&path).expect("create");
                file.write_all(head).expect("write");
                std::thread::sleep(Duration::from_millis(2));
                file.write_all(rest).expect("write");
            }
        });
        while !writer.is_finished() {
            for i in feed_items(d, "/feeds/all.json?limit=500").iter().map(item) {
                let whole =
                    (0..100).any(|k| version(k).0 == i.summary) && i.content.contains(closing);
                if i.title.starts_with("Rewritten") && !whole {
                    found.insert(format!(
                        "summary {:?}, content ends {:?}",
                        i.summary,
                        ending(&i.content)
                    ));
                }
            }
        }
    });
    let last = version(99).0;
    let shown = within(SHORT, || {
        releases(d)
            .values()
            .any(|i| i.title == title && i.summary == last)
    });
    if shown.is_none() {
        found.insert(format!("the last version never showed: {last:?}"));
    }
    let warnings = warnings_naming(&d.log(), "rewritten.txt");
    if !warnings.is_empty() {
        found.insert(format!(
            "{} refusal warnings for a file being saved, e.g. {:?}",
            warnings.len(),
            warnings[0]
        ));
    }
    found
}

fn write_config(path: &Path, summary_chars: usize) {
    std::fs::write(
        path,
        format!(
            "summary_chars = {summary_chars}\n\n[templates]\nlines = [\"Home\", \"News\", \"-\"]\n"
        ),
    )
    .expect("config");
}

/// A file truncated and rewritten under the same name, over and over: the
/// close event of one save can be handled while the next save has already
/// truncated the file. The daemon must never publish such a half (or
/// empty) version, and must end with the last one.
#[test]
fn a_file_saved_in_place_again_and_again_is_never_published_half_written() {
    let _serial = serial();
    let dir = Dir::new("inplace");
    let root = dir.releases();
    let d = serve(dir.path(), &root, &dir.data(), &[]);
    let in_place = rewritten_in_place(&d, &root);
    for k in 0..100 {
        let path = root.join("vanish-same.txt");
        std::fs::write(&path, doc("Vanishing", 140 + k, 0).text).expect("write");
        std::fs::remove_file(&path).expect("rm");
    }
    let refusals = warnings_naming(&d.log(), "vanish-same");
    assert!(
        in_place.is_empty() && refusals.is_empty(),
        "{in_place:#?}\n{refusals:#?}"
    );
}

/// The watched folder removed and created again at once, with files written
/// into it straight away. The new folder can get the old one's inode number,
/// and the old watch's late removal can drop the new watch: the daemon must
/// watch and walk the new folder all the same.
#[test]
fn a_watched_folder_removed_and_recreated_at_once_is_rescanned() {
    let _serial = serial();
    let dir = Dir::new("recreate-at-once");
    let root = dir.releases();
    for n in 0..5 {
        dir.put(&format!("t{n}.txt"), &doc("Original", n, 0).text);
    }
    let d = serve(dir.path(), &root, &dir.data(), &[]);
    std::fs::remove_dir_all(&root).expect("rm -rf");
    std::fs::create_dir(&root).expect("mkdir");
    for n in 0..6 {
        dir.put(&format!("t{n}.txt"), &doc("Recreated", n, 0).text);
    }
    for n in 6..8 {
        dir.put(&format!("new/u{n}.txt"), &doc("Recreated", n, 0).text);
    }
    assert_as_fresh(&d, dir.path(), &root, &[]);
}

#[test]
fn slow_writers() {
    let _serial = serial();
    let dir = Dir::new("slow");
    let root = dir.releases();
    for n in 0..3 {
        dir.put(&format!("slow/base{n}.txt"), &doc("Base", n, 0).text);
    }
    let config = dir.path().join("pressfeed.toml");
    write_config(&config, 400);
    let extra = ["--config", config.to_str().expect("utf-8")];
    let d = serve(dir.path(), &root, &dir.data(), &extra);

    // Four files written slowly at once.
    let plain = slow_phase(&d, &root, 0, || {});

    // One file saved again and again in place, beside slow writers: reported
    // here, asserted by its own test
    // (`a_file_saved_in_place_again_and_again_is_never_published_half_written`);
    // with the cores starved by other processes a half save has been seen
    // here now and then (see issue 5's note).
    let in_place = rewritten_in_place(&d, &root);
    if !in_place.is_empty() {
        eprintln!("saved in place again and again beside slow writers: {in_place:#?}");
    }

    // Again, while configuration reloads (a new summary length: every file
    // is read again) make the daemon rescan.
    let during_reloads = slow_phase(&d, &root, 1, || {
        for k in 0..4 {
            write_config(&config, 390 + k % 2 * 10);
            util::signal(&d.child, "HUP");
            std::thread::sleep(Duration::from_millis(250));
        }
    });
    let reloads = d.log().matches("SIGHUP: configuration reloaded").count();
    let rescans_in_reloads = metric(&d, "pressfeed_rescans_total");

    // Again, while bursts elsewhere overflow the queue (made small).
    assert_eq!(d.terminate().code(), Some(0));
    let (d, lowered) = serve_with_small_queue(16, dir.path(), &root, &dir.data(), &extra);
    let rescans = metric(&d, "pressfeed_rescans_total");
    let during_overflows = slow_phase(&d, &root, 2, || {
        for k in 0..4 {
            let noise: Vec<(String, String)> = (0..100)
                .map(|i| {
                    let n = 1000 + k * 100 + i;
                    (format!("noise/n{n}.txt"), doc("Noise", n, 0).text)
                })
                .collect();
            write_burst(&root, Some(&dir.path().join("staging")), &noise);
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let rescans = metric(&d, "pressfeed_rescans_total") - rescans;
    eprintln!(
        "slow writers: {reloads} reloads ({rescans_in_reloads} overflow rescans) during the second phase; queue lowered: {lowered}, {rescans} rescans during the third"
    );
    assert!(
        plain.is_empty() && during_reloads.is_empty() && during_overflows.is_empty(),
        "half-written releases were published\n\
         written slowly: {plain:#?}\n\
         written slowly during reloads: {during_reloads:#?}\n\
         written slowly during queue overflows: {during_overflows:#?}\nlog:\n{}",
        tail(&d.log())
    );
    wait_count(&d, 3 + 1 + 12 + 400, SHORT);
    assert_as_fresh(&d, dir.path(), &root, &extra);
}

// ---------------------------------------------------------------------------
// 6. kill -9.

/// xorshift64: reproducible randomness without a crate.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % n
    }
}

/// The crash test's files: title → (path, the summary its last version shows).
type Written = BTreeMap<String, (PathBuf, String)>;

/// One round's writes: `new` new files and a few edits of old ones.
fn crash_round_writes(root: &Path, round: usize, new: usize, written: &mut Written) {
    let mut rng = XorShift::new(round as u64 + 1000);
    let old: Vec<String> = written.keys().cloned().collect();
    let mut edits = BTreeSet::new();
    while !old.is_empty() && edits.len() < 3.min(old.len()) {
        edits.insert(old[rng.below(old.len() as u64) as usize].clone());
    }
    for k in 0..new {
        let n = round * new + k;
        let path = root.join(format!("c{}/r{round:02}-{k:02}.txt", round % 4));
        let d = doc("Crash", n, 0);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        if k % 2 == 0 {
            std::fs::write(&path, &d.text).expect("write");
        } else {
            let tmp = root.join(format!(".r{round:02}-{k:02}.tmp"));
            std::fs::write(&tmp, &d.text).expect("write");
            std::fs::rename(&tmp, &path).expect("rename");
        }
        written.insert(d.title, (path, d.summary));
    }
    for title in edits {
        let n: usize = title
            .split(' ')
            .nth(2)
            .and_then(|n| n.parse().ok())
            .expect("number in title");
        let d = doc("Crash", n, round + 1);
        let path = written[&title].0.clone();
        std::fs::write(&path, &d.text).expect("edit");
        written.insert(title, (path, d.summary));
    }
}

/// After a restart: every file once, with its last text, and every release
/// seen before with the same id and `date_published`.
fn check_after_crash(
    d: &Daemon,
    round: usize,
    root: &Path,
    written: &Written,
    seen: &mut BTreeMap<String, (String, String)>,
) {
    let items = unique(every_item(d));
    let files = files_under(root);
    assert_eq!(files, written.len());
    let mut problems = Vec::new();
    if items.len() != files {
        problems.push(format!("{} releases for {files} files", items.len()));
    }
    let mut titles = BTreeSet::new();
    for (id, v) in &items {
        let i = item(v);
        let published = v["date_published"].as_str().unwrap_or_default().to_owned();
        match written.get(&i.title) {
            None => problems.push(format!("unknown release {id} {:?}", i.title)),
            Some((_, summary)) if *summary != i.summary => problems.push(format!(
                "{:?}: stale summary {:?}, the file says {summary:?}",
                i.title, i.summary
            )),
            Some(_) => {}
        }
        if !titles.insert(i.title.clone()) {
            problems.push(format!("{:?} twice", i.title));
        }
        if let Some((old_id, old_published)) = seen.get(&i.title)
            && (old_id != id || *old_published != published)
        {
            problems.push(format!(
                "{:?} was {old_id} published {old_published}, now {id} published {published}",
                i.title
            ));
        }
        seen.entry(i.title).or_insert((id.clone(), published));
    }
    for title in written.keys().filter(|t| !titles.contains(*t)) {
        problems.push(format!("lost: {title:?}"));
    }
    assert!(
        problems.is_empty(),
        "after kill -9 in round {round}: {problems:#?}\nlog:\n{}",
        tail(&d.log())
    );
}

#[test]
fn crash_safety_under_sigkill() {
    let _serial = serial();
    let rounds = env_usize("PRESSFEED_CRASH_ROUNDS", 20);
    let dir = Dir::new("crash");
    let root = dir.releases();
    let (logs, data) = (dir.path(), dir.data());
    let mut written = Written::new();
    let mut seen = BTreeMap::new();
    crash_round_writes(&root, 0, 50, &mut written);
    let mut d = serve(logs, &root, &data, &[]);
    check_after_crash(&d, 0, &root, &written, &mut seen);
    let started = Instant::now();
    let (mut kills_during_start, mut mid_ingest, mut mid_scan) = (0, 0, 0);
    for round in 1..=rounds {
        let mut rng = XorShift::new(round as u64);
        let delay = Duration::from_millis(rng.below(301));
        let log = d.stderr.clone();
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| crash_round_writes(&root, round, 50, &mut written));
            std::thread::sleep(delay);
            kill9(d);
            writer.join().expect("writer");
        });
        let log = std::fs::read_to_string(log).unwrap_or_default();
        mid_ingest += usize::from(normalized_in_log(&log) < 50 + 3);
        if round % 2 == 1 {
            // Once more during the start-up scan of what was written.
            let starting = launch(&[], logs, &root, &data, &[]);
            std::thread::sleep(Duration::from_millis(rng.below(301)));
            let log = starting.stderr.clone();
            kill9(starting);
            kills_during_start += 1;
            let log = std::fs::read_to_string(log).unwrap_or_default();
            mid_scan += usize::from(!log.contains("first scan done"));
        }
        d = serve(logs, &root, &data, &[]);
        check_after_crash(&d, round, &root, &written, &mut seen);
    }
    eprintln!(
        "crash safety: {rounds} rounds ({} kill -9 in all: {rounds} while files were written, at least {mid_ingest} of them before the daemon had ingested them all; {kills_during_start} during a restart, {mid_scan} of them before its first scan was done) in {:.1} s; {} files, {} releases, every id and date_published kept",
        rounds + kills_during_start,
        started.elapsed().as_secs_f64(),
        written.len(),
        seen.len()
    );
    assert_as_fresh(&d, logs, &root, &[]);
    let _ = restart_same_data(d, logs, &root, &data, &[]);
}

/// Files normalized, as the daemon's log tells (batches after start-up).
fn normalized_in_log(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("releases updated"))
        .filter_map(|l| {
            l.split("normalized=")
                .nth(1)?
                .split(' ')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .sum()
}

// ---------------------------------------------------------------------------
// 7. Signals.

/// A client on one kept-alive connection.
struct KeepAlive {
    reader: BufReader<TcpStream>,
    addr: String,
}

impl KeepAlive {
    fn connect(addr: &str) -> std::io::Result<KeepAlive> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(KeepAlive {
            reader: BufReader::new(stream),
            addr: addr.to_owned(),
        })
    }

    fn get(&mut self, path: &str) -> std::io::Result<u16> {
        let addr = &self.addr;
        write!(
            self.reader.get_mut(),
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n"
        )?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("status line {line:?}")))?;
        let mut length = 0;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other("closed in the head"));
            }
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(status)
    }
}

/// GETs the Atom feed until `stop`; returns requests answered and failures.
fn hammer(addr: &str, stop: &AtomicBool, keep_alive: bool) -> (usize, Vec<String>) {
    let mut answered = 0;
    let mut failures = Vec::new();
    let mut connection = None;
    while !stop.load(Ordering::SeqCst) {
        let result = if keep_alive {
            if connection.is_none() {
                connection = Some(KeepAlive::connect(addr));
            }
            match connection.as_mut().expect("connection") {
                Ok(c) => c.get("/feeds/all.atom"),
                Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
            }
        } else {
            fetch(addr, "/feeds/all.atom").map(|r| r.status)
        };
        match result {
            Ok(200 | 304) => answered += 1,
            Ok(status) => failures.push(format!("status {status}")),
            Err(e) => {
                failures.push(format!("{e}"));
                connection = None;
            }
        }
    }
    (answered, failures)
}

fn long_doc(n: usize) -> String {
    let body = format!(
        "Teams delivered supplies to {} families this week. They reached villages cut off by floods for more than ten days. \
         Local volunteers guided the trucks along damaged roads. Officials said more deliveries will follow next week as roads reopen. \
         The agency thanked the donors whose support made the deliveries possible this month.",
        100 + n
    );
    release(
        &format!("Signal release {n} on deliveries"),
        place(n),
        &body,
    )
}

fn summaries(d: &Daemon) -> Vec<usize> {
    releases(d)
        .into_values()
        .map(|i| i.summary.chars().count())
        .collect()
}

#[test]
fn signals() {
    let _serial = serial();
    let dir = Dir::new("signals");
    let root = dir.releases();
    for n in 0..6 {
        dir.put(&format!("s{n}.txt"), &long_doc(n));
    }

    // SIGINT exits 0, like SIGTERM.
    let d = serve(dir.path(), &root, &dir.path().join("data-sigint"), &[]);
    util::signal(&d.child, "INT");
    let mut d = d;
    let status = util::wait_exit(&mut d.child, Duration::from_secs(15));
    assert_eq!(status.code(), Some(0), "SIGINT exits 0; log:\n{}", d.log());
    std::mem::forget(d);

    let config = dir.path().join("pressfeed.toml");
    write_config(&config, 120);
    let extra = ["--config", config.to_str().expect("utf-8")];
    let d = serve(dir.path(), &root, &dir.data(), &extra);
    let lengths = summaries(&d);
    assert!(
        lengths.iter().all(|&n| n <= 120) && lengths.len() == 6,
        "summary_chars = 120: {lengths:?}"
    );

    // Five reloads while four clients ask for the feed: nothing fails.
    let stop = AtomicBool::new(false);
    let (answered, failures) = std::thread::scope(|scope| {
        let (addr, stop) = (d.addr.as_str(), &stop);
        let clients: Vec<_> = (0..4)
            .map(|t| scope.spawn(move || hammer(addr, stop, t >= 2)))
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        for k in 0..5 {
            write_config(&config, 120 + k % 2 * 10);
            util::signal(&d.child, "HUP");
            std::thread::sleep(Duration::from_millis(150));
        }
        std::thread::sleep(Duration::from_millis(200));
        stop.store(true, Ordering::SeqCst);
        clients.into_iter().map(|c| c.join().expect("client")).fold(
            (0, Vec::new()),
            |(n, mut all), (a, f)| {
                all.extend(f);
                (n + a, all)
            },
        )
    });
    eprintln!(
        "signals: {answered} feed requests answered during 5 SIGHUPs, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "requests failed during reloads: {failures:?}"
    );
    assert!(answered > 20, "only {answered} requests in a second");
    // Signals that arrive during a reload merge into one more reload.
    let reloads = d.log().matches("SIGHUP: configuration reloaded").count();
    eprintln!("signals: 5 SIGHUPs gave {reloads} reloads by the time the clients stopped");
    assert!(reloads >= 1, "no reload logged:\n{}", d.log());

    // A reload that changes the rules normalizes everything again.
    write_config(&config, 300);
    util::signal(&d.child, "HUP");
    wait(&d, "longer summaries after a reload", SHORT, || {
        summaries(&d).iter().all(|&n| n > 130 && n <= 300)
    });
    assert_as_fresh(&d, dir.path(), &root, &extra);
    write_config(&config, 60);
    util::signal(&d.child, "HUP");
    wait(&d, "shorter summaries after a reload", SHORT, || {
        summaries(&d).iter().all(|&n| n <= 60)
    });
    assert_as_fresh(&d, dir.path(), &root, &extra);
    let d = restart_same_data(d, dir.path(), &root, &dir.data(), &extra);

    // A restart with other rules applies them too.
    assert_eq!(d.terminate().code(), Some(0));
    write_config(&config, 200);
    let d = serve(dir.path(), &root, &dir.data(), &extra);
    let lengths = summaries(&d);
    assert!(
        lengths.iter().all(|&n| n > 60 && n <= 200),
        "after a restart with summary_chars = 200 (was 60), summary lengths are {lengths:?}"
    );
    assert_as_fresh(&d, dir.path(), &root, &extra);
}

// ---------------------------------------------------------------------------
// 8. Bad input.

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn setpriv_available() -> bool {
    Command::new("setpriv")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Lines of the log that are warnings and name `name` (a file name).
fn warnings_naming(log: &str, name: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains("WARN") && l.contains(name))
        .map(str::to_owned)
        .collect()
}

#[test]
fn bad_input_files() {
    let _serial = serial();
    let problems = bad_files();
    if !problems.is_empty() {
        eprintln!("bad input: {problems:#?}");
    }
    many_entries_in_one_folder();
    assert!(problems.is_empty(), "bad input: {problems:#?}");
}

/// The daemon's command prefix for a reader that chmod 000 stops: none when
/// not root, `setpriv` to user nobody when root; `None` when root without
/// setpriv.
fn unprivileged() -> Option<Vec<&'static str>> {
    if !is_root() {
        Some(Vec::new())
    } else if setpriv_available() {
        Some(vec![
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ])
    } else {
        None
    }
}

/// Refused, ignored, vanishing and oddly named files beside good ones; the
/// problems found, for one report.
fn bad_files() -> Vec<String> {
    let dir = Dir::new("bad");
    let root = dir.releases();
    let outside = dir.path().join("outside");
    let staging = dir.path().join("staging");
    for p in [&outside, &staging] {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    let config = dir.path().join("pressfeed.toml");
    std::fs::write(&config, "max_file_bytes = 2000\n").expect("config");
    let extra = ["--config", config.to_str().expect("utf-8")];
    let wrapper = unprivileged();
    if wrapper.is_none() {
        eprintln!("SKIPPED the unreadable-file case: running as root without setpriv");
    }
    let wrapper = wrapper.unwrap_or_default();
    chmod(dir.path(), 0o755);
    std::fs::create_dir_all(dir.data()).expect("mkdir data");
    if wrapper.first() == Some(&"setpriv") {
        std::os::unix::fs::chown(dir.data(), Some(65534), Some(65534)).expect("chown data");
    }
    let good = |n: usize| doc("Good", n, 0);
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, root.join(name)).expect("ln -s");
    };

    // Found by the first scan: good files, two refused, two symlinks.
    for n in 0..3 {
        dir.put(&format!("good{n}.txt"), &good(n).text);
    }
    std::fs::write(root.join("empty.txt"), "").expect("write");
    let mut binary = good(10).text.into_bytes();
    binary.splice(20..20, [0u8, 0, 1, 2, 0]);
    std::fs::write(root.join("binary.txt"), &binary).expect("write");
    std::fs::write(outside.join("secret.txt"), doc("Outside", 30, 0).text).expect("write");
    link(&outside.join("secret.txt"), "early-leak.txt");
    link(&root.join("good1.txt"), "early-alias.txt");

    let d = launch(&wrapper, dir.path(), &root, &dir.data(), &extra);
    wait_ready(&d);

    // Refused, written while running (renamed in, whole).
    let rename_in = |name: &str, bytes: &[u8], mode: Option<u32>| {
        let tmp = staging.join(name);
        std::fs::write(&tmp, bytes).expect("write");
        if let Some(mode) = mode {
            chmod(&tmp, mode);
        }
        std::fs::rename(&tmp, root.join(name)).expect("rename");
    };
    let big = format!(
        "{}{}\n",
        good(11).text,
        "Padding words fill this line. ".repeat(80)
    );
    rename_in("big.txt", big.as_bytes(), None);
    rename_in("notitle.txt", b"-\n-\n\n-\n -\n-\n", None);
    let mut refused = vec![
        ("empty.txt", "empty"),
        ("binary.txt", "binary"),
        ("big.txt", "too_large"),
        ("notitle.txt", "no_title"),
    ];
    if !wrapper.is_empty() || !is_root() {
        rename_in("locked.txt", good(12).text.as_bytes(), Some(0o000));
        refused.push(("locked.txt", "unreadable"));
    }
    // Ignored, silently; written while running.
    let ignored = [
        ".hidden.txt",
        "x.txt~",
        "#x.txt#",
        "x.swp",
        "x.tmp",
        "x.part",
        "x.crdownload",
    ];
    for (k, name) in ignored.iter().enumerate() {
        std::fs::write(root.join(name), doc("Ignored", 20 + k, 0).text).expect("write");
    }
    let fifo = Command::new("mkfifo")
        .arg(root.join("fifo.txt"))
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    link(&outside.join("secret.txt"), "leak.txt");
    link(&root.join("good0.txt"), "alias.txt");
    // A name that is not UTF-8.
    let odd_name =
        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"odd-\xff-name.txt");
    std::fs::write(root.join(odd_name), doc("Oddly named", 50, 0).text).expect("write");
    // A good file after all of it: the daemon still ingests.
    dir.put("good3.txt", &good(3).text);

    let mut problems = Vec::new();
    let sentinel = good(3).title;
    wait(&d, "a good file after the bad ones", SHORT, || {
        releases(&d).values().any(|i| i.title == sentinel)
    });
    if within(SHORT, || {
        metric(&d, "pressfeed_files_refused_total{reason=\"no_title\"}") >= 1.0
    })
    .is_none()
    {
        problems.push("no refusal counted for notitle.txt".to_owned());
    }
    let titles: Vec<String> = releases(&d).into_values().map(|i| i.title).collect();
    let log = d.log();
    for (name, reason) in &refused {
        let lines = warnings_naming(&log, &format!("/{name}"));
        if lines.len() != 1 || !lines[0].contains(reason) {
            problems.push(format!(
                "{name}: expected one warning with reason {reason}, got {lines:#?}"
            ));
        }
        let counted = metric(
            &d,
            &format!("pressfeed_files_refused_total{{reason=\"{reason}\"}}"),
        );
        if counted != 1.0 {
            problems.push(format!("{name}: refused counter {reason} is {counted}"));
        }
    }
    for name in ignored.iter().chain(&["fifo.txt", "leak.txt"]) {
        let lines = warnings_naming(&log, name);
        if !lines.is_empty() {
            problems.push(format!("{name} is to be ignored silently: {lines:#?}"));
        }
    }
    for t in titles
        .iter()
        .filter(|t| t.starts_with("Ignored") || t.starts_with("Outside"))
    {
        problems.push(format!("published, but should not be: {t:?}"));
    }
    for (n, how) in [(1, "present at start"), (0, "made while running")] {
        let copies = titles.iter().filter(|t| **t == good(n).title).count();
        if copies != 2 {
            problems.push(format!(
                "a symlink inside the folder ({how}) is followed: {copies} releases titled {:?}, expected 2 (the file and the link)",
                good(n).title
            ));
        }
    }
    let odd_title = doc("Oddly named", 50, 0).title;
    let odd_published = titles.contains(&odd_title);
    if !odd_published && warnings_naming(&log, "odd-").len() != 1 {
        problems.push(
            "a file whose name is not UTF-8 (odd-\\xff-name.txt) was dropped silently: neither published nor refused with a warning".to_owned(),
        );
    }
    problems.extend(vanishing_files(&d, &root, titles.len()));
    if status(&d, "/healthz") != Some(200) {
        problems.push("unhealthy".to_owned());
    }
    if !problems.is_empty() {
        eprintln!("bad input: daemon log (tail):\n{}", tail(&d.log()));
    }
    problems
}

/// Files created and deleted at once, 100 under new names, then 100 times
/// under one name: nothing left published, nothing refused, nothing lost.
/// One the daemon reads between its close and its removal is complete and
/// may be published for a moment; its removal comes before the sentinel's
/// close, so once the sentinel is in, it is gone.
fn vanishing_files(d: &Daemon, root: &Path, releases_before: usize) -> Vec<String> {
    let refused_before = get(d, "/metrics")
        .text()
        .lines()
        .filter(|l| l.starts_with("pressfeed_files_refused_total"))
        .map(str::to_owned)
        .collect::<Vec<_>>();
    for k in 0..100 {
        let path = root.join(format!("vanish-new-{k}.txt"));
        std::fs::write(&path, doc("Vanishing", 40 + k, 0).text).expect("write");
        std::fs::remove_file(&path).expect("rm");
    }
    let sentinel = doc("Good", 4, 0);
    std::fs::write(root.join("good4.txt"), &sentinel.text).expect("write");
    wait(d, "a good file after the vanishing ones", SHORT, || {
        count(d) == releases_before + 1 && releases(d).values().any(|i| i.title == sentinel.title)
    });
    let mut problems = Vec::new();
    let log = d.log();
    let lines = warnings_naming(&log, "vanish-new-");
    if !lines.is_empty() {
        problems.push(format!(
            "vanish-new-*.txt, created and deleted at once: {} warnings, e.g. {:?}",
            lines.len(),
            lines[0]
        ));
    }
    let refused_after = get(d, "/metrics")
        .text()
        .lines()
        .filter(|l| l.starts_with("pressfeed_files_refused_total"))
        .map(str::to_owned)
        .collect::<Vec<_>>();
    if refused_after != refused_before {
        problems.push(format!(
            "vanishing files changed the refusal counters: {refused_before:?} -> {refused_after:?}"
        ));
    }
    let titles: Vec<String> = releases(d).into_values().map(|i| i.title).collect();
    if titles.iter().any(|t| t.starts_with("Vanishing")) || !titles.contains(&sentinel.title) {
        problems.push(format!("after the vanishing files: {titles:?}"));
    }
    problems
}

/// A folder of many entries, moved in at once, then a restart's scan of it.
fn many_entries_in_one_folder() {
    let n = env_usize("PRESSFEED_BIG_FOLDER", 20_000);
    let dir = Dir::new("big");
    let root = dir.releases();
    let staging = dir.path().join("staging");
    let d = serve(dir.path(), &root, &dir.data(), &[]);
    std::fs::create_dir_all(staging.join("big")).expect("mkdir");
    let started = Instant::now();
    for i in 0..n {
        let text = format!(
            "Supplies reach families, entry {i}\n{} – Supplies reached {i} families this week, officials said.\n",
            place(i)
        );
        std::fs::write(staging.join(format!("big/e{i:06}.txt")), text).expect("write");
    }
    let created = started.elapsed();
    std::fs::rename(staging.join("big"), root.join("big")).expect("mv in");
    let took = wait_count(&d, n, Duration::from_secs(300));
    eprintln!(
        "big folder: {n} files created in {:.1} s (outside the watch), moved in at once, all counted {:.1} s later",
        created.as_secs_f64(),
        took.as_secs_f64()
    );
    let listed = if n < 499 * COUNTRIES.len() {
        Some(releases(&d).len())
    } else {
        eprintln!("big folder: too many to list through the feeds; counted only");
        None
    };
    if let Some(listed) = listed {
        assert_eq!(listed, n, "every entry listed once");
    }
    assert!(
        warnings_naming(&d.log(), "/e0").is_empty(),
        "no warnings for good files"
    );
    let d = restart_same_data(d, dir.path(), &root, &dir.data(), &[]);
    assert_eq!(count(&d), n);
}
