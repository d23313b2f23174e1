//! `pressfeed serve` end to end: the real binary on a temp folder and a free
//! port, talked to over HTTP.

mod util;

use std::io::Write;
use std::time::Duration;

use util::{Daemon, Dir, release};

fn two_releases(dir: &Dir) {
    dir.put("nepal.txt", &release("Floods Displace Thousands in Western Districts", "Kathmandu", "Heavy monsoon rains forced more than 12,000 people from their homes this week, officials said on Monday."));
    dir.put("peru.txt", &release("Border Officials Trained in Document Checks", "Lima", "Thirty officials from seven regions began a week of training on document examination at the airport."));
}

#[test]
fn every_route_answers_with_the_right_status_and_type() {
    let dir = Dir::new("routes");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);

    let index = d.get("/");
    assert_eq!(index.status, 200);
    assert!(
        index
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    let html = index.text();
    for href in ["/feeds/all.atom", "/feeds/all.rss", "/feeds/all.json"] {
        assert!(
            html.contains("rel=\"alternate\"") && html.contains(href),
            "index lacks {href}"
        );
    }
    for (path, ty) in [
        ("/feeds/all.atom", "application/atom+xml; charset=utf-8"),
        ("/feeds/all.rss", "application/rss+xml; charset=utf-8"),
        ("/feeds/all.json", "application/feed+json; charset=utf-8"),
        (
            "/feeds/asia-pacific.atom",
            "application/atom+xml; charset=utf-8",
        ),
        (
            "/feeds/south-america.json",
            "application/feed+json; charset=utf-8",
        ),
    ] {
        let r = d.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(ty), "{path}");
    }
    assert_eq!(d.get("/feeds.opml").status, 200);
    let regions = d.json_feed("/regions.json");
    assert_eq!(regions["regions"].as_array().map(Vec::len), Some(10));
    assert_eq!(d.get("/healthz").text(), "ok\n");
    assert!(
        d.get("/metrics")
            .text()
            .contains("pressfeed_releases{region=\"asia-pacific\"} 1")
    );

    let item = &d.json_feed("/feeds/asia-pacific.json")["items"][0];
    let url = item["url"].as_str().expect("url");
    let path = url
        .strip_prefix(&format!("http://{}", d.addr))
        .expect("absolute url on this server");
    let page = d.get(path);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Floods Displace Thousands"));
    let record = d.json_feed(&format!("{path}.json"));
    assert_eq!(record["country"], "NP");
}

#[test]
fn bad_requests_get_one_line_reasons() {
    let dir = Dir::new("errors");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    for (path, status) in [
        ("/feeds/mars.atom", 404),
        ("/feeds/all.xml", 404),
        ("/releases/0000", 404),
        ("/nothing/here", 404),
        ("/feeds/all.atom?limit=0", 400),
        ("/feeds/all.atom?limit=501", 400),
        ("/feeds/all.atom?limit=99999999999999999999999999", 400),
        ("/feeds/all.atom?limit=ten", 400),
        ("/feeds/all.atom?since=yesterday", 400),
        ("/feeds/all.atom?country=XX", 400),
        ("/feeds/all.atom?country=%ff", 400),
        ("/feeds/%ff.atom", 400),
        ("/releases/..%2F..%2Fetc%2Fpasswd", 404),
    ] {
        let r = d.get(path);
        assert_eq!(r.status, status, "{path}: {}", r.text());
        let text = r.text();
        assert!(
            text.ends_with('\n') && text.trim().lines().count() == 1,
            "{path}: {text:?}"
        );
    }
    let post = d.request("POST", "/feeds/all.atom", &[("Content-Length", "0")]);
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    assert_eq!(
        d.get("/feeds/all.atom").status,
        200,
        "a normal request still works"
    );
}

#[test]
fn queries_select_entries() {
    let dir = Dir::new("queries");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    assert_eq!(
        d.json_feed("/feeds/all.json?limit=1")["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let peru = d.json_feed("/feeds/all.json?country=pe");
    assert_eq!(peru["items"].as_array().map(Vec::len), Some(1));
    assert!(
        peru["items"][0]["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Border Officials"))
    );
    let future = d.json_feed("/feeds/all.json?since=2999-01-01T00:00:00Z");
    assert_eq!(future["items"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_query_asked_again_after_a_change_shows_the_change() {
    let dir = Dir::new("query-cache");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    let titles = |d: &Daemon| -> Vec<String> {
        d.json_feed("/feeds/all.json?country=ke&limit=5")["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i["title"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Asked twice, so that the second answer comes from the kept body.
    assert!(titles(&d).is_empty());
    assert!(titles(&d).is_empty());
    dir.put("kenya.txt", &release("Families Return Home After Floods", "Nairobi", "More than 1,600 displaced people went back to their farms this week with transport from the agency."));
    d.wait_until("new file", || d.ids().len() == 3);
    assert_eq!(titles(&d), ["Families Return Home After Floods"]);
}

#[test]
fn conditional_requests_and_compression() {
    let dir = Dir::new("conditional");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    let first = d.get("/feeds/all.atom");
    let etag = first.header("etag").expect("etag").to_owned();
    let modified = first
        .header("last-modified")
        .expect("last-modified")
        .to_owned();
    assert!(etag.starts_with('"'), "strong etag: {etag}");
    assert_eq!(first.header("vary"), Some("Accept-Encoding"));
    assert_eq!(first.header("cache-control"), Some("public, max-age=300"));

    let not_modified = d.request("GET", "/feeds/all.atom", &[("If-None-Match", &etag)]);
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    let since = d.request(
        "GET",
        "/feeds/all.atom",
        &[("If-Modified-Since", &modified)],
    );
    assert_eq!(since.status, 304);
    let other = d.request("GET", "/feeds/all.atom", &[("If-None-Match", "\"other\"")]);
    assert_eq!(other.status, 200);
    let old = d.request(
        "GET",
        "/feeds/all.atom",
        &[("If-Modified-Since", "Mon, 01 Jan 1990 00:00:00 GMT")],
    );
    assert_eq!(old.status, 200);

    let gzip = d.request("GET", "/feeds/all.atom", &[("Accept-Encoding", "gzip")]);
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_ne!(
        gzip.header("etag"),
        Some(etag.as_str()),
        "each coding has its own etag"
    );
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&gzip.body[..]),
        &mut unzipped,
    )
    .expect("gunzip");
    assert_eq!(unzipped, first.body);
    let br = d.request("GET", "/feeds/all.atom", &[("Accept-Encoding", "gzip, br")]);
    assert_eq!(br.header("content-encoding"), Some("br"));

    let head = d.request("HEAD", "/feeds/all.atom", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("etag"), Some(etag.as_str()));
}

/// Splits pipelined responses by their `Content-Length`.
fn responses(mut raw: &[u8]) -> Vec<util::Response> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = util::parse_response(&raw[..end + 4], true);
        let len: usize = head
            .header("content-length")
            .map_or(0, |v| v.parse().expect("content-length"));
        let whole = end + 4 + len;
        assert!(raw.len() >= whole, "a response is cut short");
        out.push(util::Response {
            body: raw[end + 4..whole].to_vec(),
            ..head
        });
        raw = &raw[whole..];
    }
    assert!(raw.is_empty(), "bytes after the last response");
    out
}

/// Large feed bodies are sent from memory files (`sendfile`): plain and
/// gzip answers of one, pipelined on a keep-alive connection read slowly,
/// arrive whole and agree with each other.
#[test]
fn a_large_feed_arrives_whole_on_a_slowly_read_keep_alive_connection() {
    let dir = Dir::new("large");
    let paragraph = "The programme's teams recorded each household's needs, \
        from shelter repairs to school fees, and the figures were shared with the district's planners. "
        .repeat(6);
    for n in 0..40 {
        dir.put(
            &format!("asia-pacific/report-{n:02}.txt"),
            &release(
                &format!("District Report Number {n} Counts Households in Need"),
                "DHAKA",
                &format!("Report {n}: {paragraph}"),
            ),
        );
    }
    let d = Daemon::start(&dir, &[]);
    d.wait_until("every release", || d.ids().len() == 40);
    let plain = d.get("/feeds/all.atom");
    assert!(
        plain.body.len() > 64 * 1024,
        "feed of {} bytes",
        plain.body.len()
    );

    let addr = d
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    let get = |encoding: &str, close: bool| {
        format!(
            "GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: {encoding}\r\n{}\r\n",
            if close { "Connection: close\r\n" } else { "" }
        )
    };
    let requests = [
        get("identity", false),
        get("gzip", false),
        get("identity", true),
    ]
    .concat();
    stream.write_all(requests.as_bytes()).expect("send");
    let mut raw = Vec::new();
    let mut chunk = [0u8; 1500];
    loop {
        let n = std::io::Read::read(&mut stream, &mut chunk).expect("read");
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
        if raw.len() % 5 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let got = responses(&raw);
    assert_eq!(got.len(), 3);
    assert!(got[0].body == plain.body, "first plain answer differs");
    assert!(got[2].body == plain.body, "second plain answer differs");
    assert_eq!(got[1].header("content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&got[1].body[..]),
        &mut unzipped,
    )
    .expect("gunzip");
    assert!(unzipped == plain.body, "gzip answer differs");

    // A queried feed, kept after its first request, is sent the same way.
    let first = d.get("/feeds/all.atom?limit=40");
    let again = d.get("/feeds/all.atom?limit=40");
    assert_eq!((first.status, again.status), (200, 200));
    assert!(first.body.len() > 64 * 1024);
    assert!(first.body == again.body, "the kept queried feed differs");
    assert_eq!(first.text().matches("<entry>").count(), 40);
}

/// A stop lets the answer in flight finish. SIGTERM arrives while a client
/// is still reading a feed of several megabytes (more than the sockets'
/// buffers hold): a connection that sent no request closes at once, the
/// daemon waits for the reader, which gets the whole answer, then exits 0.
#[test]
fn a_stop_finishes_the_answer_in_flight_and_closes_idle_connections() {
    use std::io::Read;
    let dir = Dir::new("drain");
    let paragraph = "The survey teams walked every street of the district and noted \
        which homes needed repairs before the rains, which schools lacked teachers, and \
        which clinics ran short of medicines. "
        .repeat(2500);
    for n in 0..16 {
        dir.put(
            &format!("asia-pacific/survey-{n:02}.txt"),
            &release(
                &format!("District Survey Number {n} Lists the Repairs Due"),
                "DHAKA",
                &format!("Survey {n}: {paragraph}"),
            ),
        );
    }
    let mut d = Daemon::start(&dir, &[]);
    d.wait_until("every release", || d.ids().len() == 16);
    let whole = d.get("/feeds/all.atom");
    assert!(
        whole.body.len() > 5_000_000,
        "feed of {} bytes",
        whole.body.len()
    );

    let idle = std::net::TcpStream::connect(&d.addr).expect("connect idle");
    let mut reader = std::net::TcpStream::connect(&d.addr).expect("connect reader");
    let get = format!("GET /feeds/all.atom HTTP/1.1\r\nHost: {}\r\n\r\n", d.addr);
    reader.write_all(get.as_bytes()).expect("send");
    let mut raw = vec![0u8; 1024];
    reader.read_exact(&mut raw).expect("first bytes");
    std::thread::sleep(Duration::from_millis(200));
    util::signal(&d.child, "TERM");

    idle.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let closed = (&idle).read(&mut [0u8; 16]);
    assert!(
        matches!(closed, Ok(0)),
        "the idle connection is closed at the stop: {closed:?}"
    );
    assert!(
        d.child.try_wait().expect("wait").is_none(),
        "the daemon waits for the answer being read"
    );
    reader.read_to_end(&mut raw).expect("the rest");
    let got = responses(&raw);
    assert_eq!(got.len(), 1);
    assert!(got[0].body == whole.body, "the answer arrived whole");
    let status = util::wait_exit(&mut d.child, Duration::from_secs(15));
    assert_eq!(status.code(), Some(0), "the stop ends with exit 0");
}

#[test]
fn new_edited_deleted_and_moved_files_show_in_the_feeds() {
    let dir = Dir::new("live");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    assert_eq!(d.ids().len(), 2);

    dir.put("kenya.txt", &release("Families Return Home After Floods", "Nairobi", "More than 1,600 displaced people went back to their farms this week with transport from the agency."));
    d.wait_until("new file", || d.ids().len() == 3);
    let item = |d: &Daemon| {
        let feed = d.json_feed("/feeds/east-horn-africa.json");
        (
            feed["items"][0]["id"].as_str().unwrap_or("").to_owned(),
            feed["items"][0]["date_modified"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        )
    };
    let (id, updated) = item(&d);

    // Touching the file (same bytes) changes nothing.
    let path = dir.releases().join("kenya.txt");
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes).expect("rewrite");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(item(&d), (id.clone(), updated.clone()));

    std::thread::sleep(Duration::from_millis(1100));
    dir.put("kenya.txt", &release("Families Return Home After Floods", "Nairobi", "More than 2,000 displaced people went back to their farms this week with transport from the agency."));
    d.wait_until("edit", || item(&d).1 != updated);
    assert_eq!(item(&d).0, id, "an edit keeps the id");

    std::fs::create_dir_all(dir.releases().join("archive")).expect("mkdir");
    std::fs::rename(&path, dir.releases().join("archive/kenya.txt")).expect("move");
    std::thread::sleep(Duration::from_millis(300));
    d.wait_until("move", || d.ids().len() == 3);
    assert!(d.ids().contains(&id), "a move keeps the id");

    std::fs::remove_file(dir.releases().join("archive/kenya.txt")).expect("delete");
    d.wait_until("delete", || d.ids().len() == 2);
}

#[test]
fn a_slow_writer_never_shows_half_a_release() {
    let dir = Dir::new("slow");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    let text = release(
        "Slowly Written Release About Floods",
        "Dhaka",
        "Rains displaced 40,000 people in the north of the country this week, officials said.",
    );
    let (head, tail) = text.split_at(text.len() / 2);
    let mut file = std::fs::File::create(dir.releases().join("slow.txt")).expect("create");
    file.write_all(head.as_bytes()).expect("write");
    file.flush().expect("flush");
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(d.ids().len(), 2, "a half-written file was published");
    }
    file.write_all(tail.as_bytes()).expect("write");
    drop(file);
    d.wait_until("complete file", || d.ids().len() == 3);
    let feed = d.json_feed("/feeds/all.json");
    assert!(feed["items"].as_array().expect("items").iter().any(|i| {
        i["summary"]
            .as_str()
            .is_some_and(|s| s.ends_with("officials said."))
    }));
}

#[test]
fn a_restart_keeps_ids_and_dates_and_finds_files_added_while_stopped() {
    let dir = Dir::new("restart");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    let before = d.json_feed("/feeds/all.json");
    assert_eq!(d.terminate().code(), Some(0), "SIGTERM exits 0");

    // Renamed while stopped, bytes unchanged: the same release.
    std::fs::rename(
        dir.releases().join("peru.txt"),
        dir.releases().join("peru-training.txt"),
    )
    .expect("rename");
    dir.put("added.txt", &release("Shelter Kits Reach Cyclone Survivors", "Beira", "Some 1,000 families received shelter kits this week in the coastal province, the agency said."));
    let d = Daemon::start(&dir, &[]);
    let after = d.json_feed("/feeds/all.json");
    let items = after["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    for old in before["items"].as_array().expect("items") {
        let same = items
            .iter()
            .find(|i| i["id"] == old["id"])
            .expect("id kept across restart");
        assert_eq!(same["date_published"], old["date_published"]);
        assert_eq!(same["date_modified"], old["date_modified"]);
    }
}

#[test]
fn a_new_file_where_a_moved_one_was_gets_its_own_id() {
    let dir = Dir::new("idclash");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    let ids = d.ids();
    std::fs::rename(
        dir.releases().join("nepal.txt"),
        dir.releases().join("nepal-moved.txt"),
    )
    .expect("move");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(d.ids().len(), 2);
    dir.put("nepal.txt", &release("Second Release at the Same Path", "Pokhara", "Landslides blocked the main road to the city this week, cutting off several villages from markets."));
    d.wait_until("new file at the old path", || d.ids().len() == 3);
    let now = d.ids();
    assert!(
        ids.iter().all(|id| now.contains(id)),
        "the moved release kept its id"
    );
    assert_eq!(d.get("/healthz").status, 200, "{}", d.log());
}

#[test]
fn a_configured_websub_hub_hears_of_changed_feeds() {
    use std::io::{BufRead, BufReader, Read};
    let hub = std::net::TcpListener::bind("127.0.0.1:0").expect("hub");
    let hub_addr = hub.local_addr().expect("addr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in hub.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = (&stream).write_all(
                b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            let _ = tx.send(String::from_utf8_lossy(&body).into_owned());
        }
    });
    let dir = Dir::new("websub");
    two_releases(&dir);
    let config = dir.path().join("hub.toml");
    std::fs::write(&config, format!("websub_hub = \"http://{hub_addr}/\"\n")).expect("config");
    let d = Daemon::start(&dir, &["--config", config.to_str().expect("utf-8 path")]);
    let atom = d.get("/feeds/all.atom").text();
    assert!(
        atom.contains(&format!("href=\"http://{hub_addr}/\" rel=\"hub\""))
            || atom.contains("rel=\"hub\""),
        "{atom}"
    );

    dir.put("kenya.txt", &release("Families Return Home After Floods", "Nairobi", "More than 1,600 displaced people went back to their farms this week with transport from the agency."));
    let mut bodies = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !bodies
        .iter()
        .any(|b: &String| b.contains("feeds%2Feast-horn-africa.atom"))
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        bodies.push(
            rx.recv_timeout(left)
                .unwrap_or_else(|_| panic!("no ping for the region feed; got {bodies:?}")),
        );
    }
    assert!(
        bodies.iter().all(|b| b.contains("hub.mode=publish")),
        "{bodies:?}"
    );
    assert!(
        bodies.iter().any(|b| b.contains("feeds%2Fall.atom")),
        "{bodies:?}"
    );
    assert!(
        !bodies.iter().any(|b| b.contains("southern-africa")),
        "unchanged feeds are not announced: {bodies:?}"
    );
}

/// The value of one metric line, e.g. `pressfeed_refused_files{reason="empty"}`.
fn metric(d: &Daemon, name: &str) -> Option<f64> {
    d.get("/metrics")
        .text()
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn refused_files_gauge_counts_the_files_refused_now_also_after_a_restart() {
    let dir = Dir::new("refusedgauge");
    two_releases(&dir);
    dir.put("empty.txt", "");
    dir.put("binary.txt", "PK\u{0}\u{3}\u{4}binary");
    let d = Daemon::start(&dir, &[]);
    let empty = "pressfeed_refused_files{reason=\"empty\"}";
    let binary = "pressfeed_refused_files{reason=\"binary\"}";
    assert_eq!(metric(&d, empty), Some(1.0));
    assert_eq!(metric(&d, binary), Some(1.0));
    assert_eq!(
        metric(&d, "pressfeed_refused_files{reason=\"no_title\"}"),
        Some(0.0)
    );

    std::fs::remove_file(dir.releases().join("empty.txt")).expect("rm");
    d.wait_until("the gauge to drop", || metric(&d, empty) == Some(0.0));
    assert_eq!(metric(&d, binary), Some(1.0));
    assert_eq!(d.terminate().code(), Some(0));

    // A restart with nothing changed still shows what the store holds.
    let d = Daemon::start(&dir, &[]);
    assert_eq!(metric(&d, binary), Some(1.0));
    assert_eq!(metric(&d, empty), Some(0.0));
    let published: f64 = d
        .get("/metrics")
        .text()
        .lines()
        .filter(|l| l.starts_with("pressfeed_releases{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(published, 2.0, "releases per region after a restart");
}

#[test]
fn each_stored_batch_is_timed_in_the_commit_histogram() {
    let dir = Dir::new("commithist");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    let commits = "pressfeed_store_commit_seconds_count";
    let batches = "pressfeed_ingest_latency_seconds_count";
    let before = metric(&d, commits).expect("the commit histogram is exported");
    assert!(before >= 1.0, "the first scan was committed: {before}");
    let batches_before = metric(&d, batches).expect("ingest histogram");

    dir.put("chile.txt", &release("Port Reopens After Week of Repairs", "Valparaiso", "The container terminal resumed work on Thursday after crews finished repairs to two cranes."));
    // Both are counted once the batch is stored: the commit first, the
    // whole batch just after it.
    d.wait_until("the new batch in both histograms", || {
        metric(&d, commits).is_some_and(|n| n > before)
            && metric(&d, batches).is_some_and(|n| n > batches_before)
    });
    let sum = metric(&d, "pressfeed_store_commit_seconds_sum").expect("sum");
    assert!(sum > 0.0, "commits take some time: {sum}");
}

/// A 304, to a GET or a HEAD, carries no `Content-Length` (a `0` would not
/// be the length of the 200 it stands for, RFC 9110 §8.6) and leaves its
/// keep-alive connection ready for the next request.
#[test]
fn a_304_names_no_length_and_keeps_its_connection() {
    let dir = Dir::new("revalidate");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    d.wait_until("both releases", || d.ids().len() == 2);
    let gzip = d.request("GET", "/feeds/all.atom", &[("Accept-Encoding", "gzip")]);
    let etag = gzip.header("etag").expect("etag").to_owned();
    let addr = &d.addr;
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    for method in ["GET", "HEAD"] {
        let ask = format!(
            "{method} /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip\r\nIf-None-Match: {etag}\r\n\r\n"
        );
        stream.write_all(ask.as_bytes()).expect("send");
        let unchanged = read_one(&mut stream);
        assert_eq!(unchanged.status, 304, "{method}");
        assert_eq!(unchanged.header("content-length"), None, "{method}");
        assert_eq!(unchanged.header("etag"), Some(etag.as_str()), "{method}");
        assert_eq!(
            unchanged.header("cache-control"),
            gzip.header("cache-control"),
            "{method}"
        );
        assert!(unchanged.body.is_empty(), "{method}");
    }
    let ask = format!("GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream.write_all(ask.as_bytes()).expect("send");
    let plain = read_one(&mut stream);
    assert_eq!(plain.status, 200);
    assert_eq!(plain.body, d.get("/feeds/all.atom").body);
}

/// Reads one response with a `Content-Length` from a keep-alive stream.
fn read_one(stream: &mut std::net::TcpStream) -> util::Response {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = util::parse_response(&raw[..end + 4], true);
            let len: usize = head
                .header("content-length")
                .map_or(0, |v| v.parse().expect("content-length"));
            if raw.len() >= end + 4 + len {
                assert_eq!(raw.len(), end + 4 + len, "bytes after the response");
                return responses(&raw).remove(0);
            }
        }
        let n = std::io::Read::read(stream, &mut chunk).expect("read");
        assert!(n > 0, "the connection closed before its answer");
        raw.extend_from_slice(&chunk[..n]);
    }
}

/// The serving threads even out their connections by handing new ones to
/// each other: a burst of connections, opened before any sends a request,
/// is answered on every one of them, first and again later.
#[test]
fn a_burst_of_connections_is_served_wherever_each_lands() {
    let dir = Dir::new("spread");
    two_releases(&dir);
    let d = Daemon::start(&dir, &[]);
    d.wait_until("both releases", || d.ids().len() == 2);
    let feed = d.get("/feeds/all.atom").body;
    let addr = &d.addr;
    let get = |close: bool| {
        format!(
            "GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\n{}\r\n",
            if close { "Connection: close\r\n" } else { "" }
        )
    };
    let mut open: Vec<_> = (0..16)
        .map(|_| std::net::TcpStream::connect(addr).expect("connect"))
        .collect();
    for (n, stream) in open.iter_mut().enumerate() {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.write_all(get(false).as_bytes()).expect("send");
        let answer = read_one(stream);
        assert_eq!(answer.status, 200, "connection {n}");
        assert!(answer.body == feed, "connection {n}: another body");
    }
    for (n, mut stream) in open.into_iter().enumerate().rev() {
        stream.write_all(get(true).as_bytes()).expect("send");
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut stream, &mut raw).expect("read");
        let answers = responses(&raw);
        assert_eq!(answers.len(), 1, "connection {n}");
        assert!(
            answers[0].body == feed,
            "connection {n}: another body later"
        );
    }
}

/// Folders given as relative paths (as on the defaults, `./releases`) are
/// watched like absolute ones: files dropped after the start, at the top
/// and in a new region folder, reach the feed.
#[test]
fn relative_folders_see_files_dropped_after_the_start() {
    let dir = Dir::new("relative");
    two_releases(&dir);
    let d = Daemon::start_from_inside(&dir, &[]);
    d.wait_until("the first two", || d.ids().len() == 2);
    dir.put("later.txt", &release("Harbour Reopens After Storm Repairs", "Suva", "The main harbour reopened to cargo ships on Tuesday after three weeks of repairs to its piers."));
    d.wait_until("the file dropped at the top", || d.ids().len() == 3);
    dir.put("east-horn-africa/wells.txt", &release("Wells Restored in Dry Districts", "Nairobi", "Engineers restored forty wells in four districts, bringing water back to about 30,000 people."));
    d.wait_until("the file in a new folder", || d.ids().len() == 4);
}
