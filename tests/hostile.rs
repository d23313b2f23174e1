//! Hostile clients against `pressfeed serve` (SPEC §5 and the limits in
//! `src/http/mod.rs`): oversized heads, a slowloris, thousands of idle
//! connections, path traversal, malformed bytes, absurd query values,
//! unknown methods, garbage instead of HTTP, bodies on GET and pipelining.
//! Every scenario starts its own daemon and ends by checking that a normal
//! `GET /feeds/all.atom` still gets a 200.
//!
//! The requests go over a raw socket ([`exchange`]) so that the exact bytes
//! reach the server, and every read has a deadline: a server that hangs
//! fails a test instead of stalling it.

mod util;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use util::{Daemon, Dir, release};

/// `src/http/mod.rs`: the longest wait for a request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// `src/http/mod.rs`: the most connections served at once.
const MAX_CONNECTIONS: usize = 2048;

/// A daemon on a temp folder with two releases. The daemon is declared
/// first so that it is killed before its folder is removed.
struct Server {
    d: Daemon,
    _dir: Dir,
}

fn start(name: &str) -> Server {
    let dir = Dir::new(&format!("hostile-{name}"));
    dir.put("nepal.txt", &release("Floods Displace Thousands in Western Districts", "Kathmandu", "Heavy monsoon rains forced more than 12,000 people from their homes this week, officials said on Monday."));
    dir.put("peru.txt", &release("Border Officials Trained in Document Checks", "Lima", "Thirty officials from seven regions began a week of training on document examination at the airport."));
    let d = Daemon::start(&dir, &[]);
    Server { d, _dir: dir }
}

impl Server {
    fn addr(&self) -> &str {
        &self.d.addr
    }

    /// The daemon is alive and a normal `GET /feeds/all.atom` gets a 200
    /// with an Atom body, within a few seconds.
    fn still_serving(&mut self, after: &str) {
        if let Ok(Some(status)) = self.d.child.try_wait() {
            panic!(
                "after {after}: the daemon exited ({status}); log:\n{}",
                self.d.log()
            );
        }
        let reply = exchange(
            self.addr(),
            &normal_get(self.addr()),
            Duration::from_secs(5),
        );
        let ok = reply.status() == Some(200)
            && reply
                .responses()
                .first()
                .is_some_and(|r| r.body.starts_with(b"<?xml"));
        assert!(
            ok,
            "after {after}: a normal GET /feeds/all.atom should get 200 with an Atom body; got {}\nlog:\n{}",
            reply.describe(),
            self.d.log()
        );
    }
}

/// `GET /feeds/all.atom` with `Connection: close`.
fn normal_get(addr: &str) -> Vec<u8> {
    get(addr, "/feeds/all.atom")
}

/// `GET target` with `Connection: close`; `target` is sent byte for byte.
fn get(addr: &str, target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes()
}

/// How a raw exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The server closed the connection (EOF).
    Closed,
    /// The connection was reset (or refused).
    Reset,
    /// Nothing more came before the deadline and the connection is open.
    TimedOut,
}

/// What came back on one raw connection.
struct Reply {
    request: Vec<u8>,
    bytes: Vec<u8>,
    end: End,
    elapsed: Duration,
}

/// One parsed response of a [`Reply`].
#[derive(Debug)]
struct Parsed {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Parsed {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .count()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Reply {
    /// The status code of the first status line, if one came.
    fn status(&self) -> Option<u16> {
        let line = self.bytes.split(|&b| b == b'\n').next()?;
        let line = std::str::from_utf8(line).ok()?;
        let rest = line.strip_prefix("HTTP/1.")?;
        rest.split(' ').nth(1)?.trim().parse().ok()
    }

    /// Every complete response, in order (Content-Length or chunked framing;
    /// without either, the body runs to the end of the bytes).
    fn responses(&self) -> Vec<Parsed> {
        let mut out = Vec::new();
        let mut data = &self.bytes[..];
        while let Some(split) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..split]).into_owned();
            let mut lines = head.split("\r\n");
            let Some(status) = lines
                .next()
                .and_then(|l| l.split(' ').nth(1))
                .and_then(|s| s.parse().ok())
            else {
                break;
            };
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let find = |name: &str| {
                headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            };
            let rest = &data[split + 4..];
            let (body, used) = if find("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
                dechunk(rest)
            } else if let Some(n) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
                let n = n.min(rest.len());
                (rest[..n].to_vec(), n)
            } else {
                (rest.to_vec(), rest.len())
            };
            out.push(Parsed {
                status,
                headers,
                body,
            });
            data = &rest[used..];
        }
        out
    }

    /// Request, status, how it ended, and the start of what came back, for
    /// failure messages.
    fn describe(&self) -> String {
        format!(
            "request {:?}: status {:?}, {:?} after {:?}, {} bytes back: {:?}",
            shorten(&self.request),
            self.status(),
            self.end,
            self.elapsed,
            self.bytes.len(),
            shorten(&self.bytes),
        )
    }
}

/// The chunks' data and how many bytes they took.
fn dechunk(mut data: &[u8]) -> (Vec<u8>, usize) {
    let total = data.len();
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return (out, total - data.len());
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        let end = (eol + 2 + size + 2).min(data.len());
        if size == 0 {
            return (out, total - data.len() + end);
        }
        out.extend_from_slice(&data[(eol + 2).min(data.len())..(eol + 2 + size).min(data.len())]);
        data = &data[end..];
    }
}

/// The bytes, escaped, cut to 300 characters.
fn shorten(bytes: &[u8]) -> String {
    let s = bytes.escape_ascii().to_string();
    if s.len() > 300 {
        format!("{}… ({} bytes)", &s[..300], bytes.len())
    } else {
        s
    }
}

/// Sends `request` byte for byte on a fresh connection (from a thread of its
/// own, so that a server answering before it has read everything is seen)
/// and reads until the server closes, resets, or `wait` has passed.
fn exchange(addr: &str, request: &[u8], wait: Duration) -> Reply {
    exchange_with(addr, request, wait, false)
}

/// [`exchange`], optionally half-closing (FIN) after the request is sent.
fn exchange_with(addr: &str, request: &[u8], wait: Duration, half_close: bool) -> Reply {
    let started = Instant::now();
    let sock: SocketAddr = addr.parse().expect("socket address");
    let Ok(stream) = TcpStream::connect_timeout(&sock, Duration::from_secs(2)) else {
        return Reply {
            request: request.to_vec(),
            bytes: Vec::new(),
            end: End::Reset,
            elapsed: started.elapsed(),
        };
    };
    let mut writer = stream.try_clone().expect("clone stream");
    let to_send = request.to_vec();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&to_send);
        if half_close {
            let _ = writer.shutdown(Shutdown::Write);
        }
    });
    let (bytes, end) = read_until_end(stream, started + wait);
    let _ = sender.join();
    Reply {
        request: request.to_vec(),
        bytes,
        end,
        elapsed: started.elapsed(),
    }
}

/// Reads until EOF, a reset, or `deadline`.
fn read_until_end(mut stream: TcpStream, deadline: Instant) -> (Vec<u8>, End) {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (bytes, End::TimedOut);
        }
        stream.set_read_timeout(Some(left)).expect("read timeout");
        match stream.read(&mut buf) {
            Ok(0) => return (bytes, End::Closed),
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (bytes, End::TimedOut);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return (bytes, End::Reset),
        }
    }
}

/// A 4xx in `allowed` (or, when `close_ok`, a close or reset without any
/// status line); never a 5xx, never a hang.
fn assert_refused(reply: &Reply, allowed: &[u16], close_ok: bool) {
    let first_line = reply.request.split(|&b| b == b'\n').next().unwrap_or(&[]);
    eprintln!(
        "{}: {:?} {:?}",
        shorten(first_line).trim_end_matches("\\r"),
        reply.status(),
        reply.end
    );
    match reply.status() {
        Some(s) => assert!(
            allowed.contains(&s),
            "expected one of {allowed:?}; {}",
            reply.describe()
        ),
        None => assert!(
            close_ok && reply.end != End::TimedOut && reply.bytes.is_empty(),
            "expected one of {allowed:?}{}; {}",
            if close_ok { " or a close" } else { "" },
            reply.describe()
        ),
    }
    assert!(
        reply.end != End::TimedOut,
        "the server neither finished nor closed: {}",
        reply.describe()
    );
}

/// The first response's body is one line of reason. Hyper's own refusals
/// (a request it could not parse: no content type, no body) have none, and
/// the application cannot add one, so they pass.
fn assert_one_line_reason(reply: &Reply) {
    let responses = reply.responses();
    let Some(first) = responses.first() else {
        return;
    };
    if first.body.is_empty() && first.header("content-type").is_none() {
        return;
    }
    let text = first.text();
    assert!(
        text.ends_with('\n') && text.trim_end_matches('\n').lines().count() == 1,
        "expected a one-line reason; {}",
        reply.describe()
    );
}

/// [`assert_one_line_reason`] for anything but a 200.
fn assert_one_line_reason_unless_ok(reply: &Reply) {
    if reply.status() != Some(200) {
        assert_one_line_reason(reply);
    }
}

const QUICK: Duration = Duration::from_secs(5);

#[test]
fn oversized_heads_are_refused_with_a_4xx() {
    let mut s = start("oversized");
    let addr = s.addr().to_owned();

    let big_value = format!(
        "GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\nX-Big: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let r = exchange(&addr, big_value.as_bytes(), QUICK);
    assert_refused(&r, &[431], false);
    s.still_serving("a 64 KiB header value");

    let mut many = format!("GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\n");
    for i in 0..200 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let r = exchange(&addr, many.as_bytes(), QUICK);
    assert_refused(&r, &[431, 400], false);
    s.still_serving("200 headers");

    let long_uri = get(&addr, &format!("/feeds/all.atom?x={}", "a".repeat(100_000)));
    let r = exchange(&addr, &long_uri, QUICK);
    assert_refused(&r, &[414, 431, 400], false);
    s.still_serving("a 100 KB request target");

    // Just inside the limits, a request is served: 64 headers in all, and a
    // head of about 15 KiB.
    let mut at_cap =
        format!("GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for i in 0..62 {
        at_cap.push_str(&format!("X-H{i}: v\r\n"));
    }
    at_cap.push_str("\r\n");
    let r = exchange(&addr, at_cap.as_bytes(), QUICK);
    assert_eq!(r.status(), Some(200), "64 headers: {}", r.describe());
    let under = format!(
        "GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nX-Big: {}\r\n\r\n",
        "a".repeat(15 * 1024)
    );
    let r = exchange(&addr, under.as_bytes(), QUICK);
    assert_eq!(r.status(), Some(200), "a 15 KiB head: {}", r.describe());
    s.still_serving("requests at the limits");
}

#[test]
fn a_slowloris_is_cut_off_and_others_are_served_meanwhile() {
    let mut s = start("slowloris");
    let addr = s.addr().to_owned();
    let sock: SocketAddr = addr.parse().expect("socket address");

    // One byte a second of a head that would take 60 s to finish.
    let slow_head = format!(
        "GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\nX-Slow: {}\r\n\r\n",
        "s".repeat(40)
    )
    .into_bytes();
    let slow = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(sock).expect("connect");
        let started = Instant::now();
        stream
            .set_read_timeout(Some(Duration::from_secs(1)))
            .expect("read timeout");
        let mut received = Vec::new();
        let mut buf = [0u8; 4096];
        for (sent, byte) in slow_head.iter().enumerate() {
            if started.elapsed() > HEADER_READ_TIMEOUT + Duration::from_secs(5) {
                return (None, sent, received);
            }
            if stream.write_all(&[*byte]).is_err() {
                return (Some(started.elapsed()), sent, received);
            }
            // The read doubles as the one-second pause.
            match stream.read(&mut buf) {
                Ok(0) => return (Some(started.elapsed()), sent + 1, received),
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return (Some(started.elapsed()), sent + 1, received),
            }
        }
        (None, slow_head.len(), received)
    });

    let mut latencies = Vec::new();
    for _ in 0..4 {
        std::thread::sleep(Duration::from_secs(2));
        let r = exchange(&addr, &normal_get(&addr), QUICK);
        assert_eq!(
            r.status(),
            Some(200),
            "a normal request during the slowloris: {}",
            r.describe()
        );
        latencies.push(r.elapsed);
    }
    let (closed_after, sent, received) = slow.join().expect("slow client");
    eprintln!(
        "slowloris: closed after {closed_after:?} having sent {sent} bytes, got {:?}; normal requests meanwhile took {latencies:?}",
        shorten(&received)
    );
    for latency in &latencies {
        assert!(
            *latency < Duration::from_secs(1),
            "a normal request took {latency:?} during the slowloris ({latencies:?})"
        );
    }
    let closed_after = closed_after.unwrap_or_else(|| {
        panic!(
            "the server kept the slowloris connection open past {:?} ({sent} bytes sent)",
            HEADER_READ_TIMEOUT + Duration::from_secs(5)
        )
    });
    assert!(
        closed_after <= Duration::from_secs(15),
        "the slowloris was closed only after {closed_after:?}"
    );
    s.still_serving("a slowloris");
}

/// The soft limit on open files of this process, from `/proc/self/limits`.
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Opens `count` connections that send nothing, from four threads. The
/// daemon listens with a backlog of 128 (tokio's default), so in a burst
/// some SYNs are dropped and the kernel would retransmit only after a
/// second: a connect that takes over 100 ms is abandoned and tried again
/// (up to 50 times). Returns the connections and how many failed.
fn open_idle(sock: SocketAddr, count: usize) -> (Vec<TcpStream>, usize) {
    let threads = 4;
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let n = count / threads + usize::from(t < count % threads);
            std::thread::spawn(move || {
                let mut open = Vec::with_capacity(n);
                let mut failed = 0;
                for _ in 0..n {
                    let connected = (0..50).find_map(|_| {
                        TcpStream::connect_timeout(&sock, Duration::from_millis(100)).ok()
                    });
                    match connected {
                        Some(c) => open.push(c),
                        None => failed += 1,
                    }
                }
                (open, failed)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(count);
    let mut failed = 0;
    for w in workers {
        let (open, f) = w.join().expect("connector");
        all.extend(open);
        failed += f;
    }
    (all, failed)
}

/// How many of `conns` the server has closed (EOF or reset).
fn closed_by_server(conns: &[TcpStream]) -> usize {
    conns
        .iter()
        .filter(|c| {
            c.set_nonblocking(true).expect("nonblocking");
            let mut b = [0u8; 1];
            let closed = match (&**c).read(&mut b) {
                Ok(_) => true,
                Err(e) => e.kind() != ErrorKind::WouldBlock,
            };
            c.set_nonblocking(false).expect("blocking");
            closed
        })
        .count()
}

#[test]
fn thousands_of_idle_connections_do_not_lock_out_other_clients() {
    let mut s = start("idle");
    let addr = s.addr().to_owned();
    let sock: SocketAddr = addr.parse().expect("socket address");
    let want = 3000;
    let count = match open_files_limit() {
        Some(limit) if limit < want + 200 => {
            let n = limit.saturating_sub(100 + 64);
            eprintln!(
                "idle: RLIMIT_NOFILE soft limit is {limit}; opening {n} connections, not {want}"
            );
            n
        }
        _ => want,
    };

    let opening = Instant::now();
    let (idle, failed) = open_idle(sock, count);
    let open_took = opening.elapsed();
    let opened_at = Instant::now();
    std::thread::sleep(Duration::from_millis(200));
    let closed_at_once = closed_by_server(&idle);

    // While they are open, well inside the header timeout, another client
    // is served: three tries within about a second.
    let mut during = Vec::new();
    for _ in 0..3 {
        let r = exchange(&addr, &normal_get(&addr), Duration::from_secs(2));
        let ok = r.status() == Some(200);
        during.push(r);
        if ok {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let served_during = during.last().is_some_and(|r| r.status() == Some(200));
    let tried_within = opened_at.elapsed();

    // The header timeout closes the idle ones: all of them by 10 s (plus
    // slack) after the last was opened.
    let mut all_closed_after = None;
    while opened_at.elapsed() < HEADER_READ_TIMEOUT + Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(250));
        if closed_by_server(&idle) == idle.len() {
            all_closed_after = Some(opened_at.elapsed());
            break;
        }
    }
    let closed_at_end = closed_by_server(&idle);
    let still_open_at_end = idle.len() - closed_at_end;
    let after_timeout = exchange(&addr, &normal_get(&addr), QUICK);
    drop(idle);
    eprintln!(
        "idle: {count} connections opened in {open_took:?} ({failed} failed to connect); {closed_at_once} closed by the server at once; all closed {all_closed_after:?} after the last was opened ({still_open_at_end} still open at the end); normal requests during: {:?} within {tried_within:?}; once the idle ones had timed out: {:?}",
        during
            .iter()
            .map(|r| (r.status(), r.end, r.elapsed))
            .collect::<Vec<_>>(),
        after_timeout.status()
    );
    s.still_serving("3,000 idle connections, closed");

    assert!(
        served_during,
        "with {} idle connections open (cap {MAX_CONNECTIONS}), {} tries of a normal request were not served; the last: {}",
        count - failed,
        during.len(),
        during.last().map(Reply::describe).unwrap_or_default()
    );
    assert!(
        all_closed_after.is_some(),
        "{still_open_at_end} of {count} idle connections still open {:?} after the last was opened (header timeout {HEADER_READ_TIMEOUT:?})",
        HEADER_READ_TIMEOUT + Duration::from_secs(3)
    );
    assert_eq!(
        after_timeout.status(),
        Some(200),
        "once the idle connections had timed out, while still open on the client side: {}",
        after_timeout.describe()
    );
}

#[test]
fn path_traversal_never_reaches_the_file_system() {
    let mut s = start("traversal");
    let addr = s.addr().to_owned();
    for target in [
        "/releases/../../etc/passwd",
        "/releases/..%2F..%2Fetc%2Fpasswd",
        "/releases/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/releases/%252e%252e%252fetc%252fpasswd",
        "/releases/....//....//etc/passwd",
        "/releases/..%5c..%5cetc%5cpasswd",
        "/feeds/..%2f..%2fetc%2fpasswd.atom",
        "/feeds/../../../../etc/passwd",
        "//etc/passwd",
        "/feeds/%2e%2e/all.atom",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..",
        "/../../etc/passwd",
        "http://localhost/../../etc/passwd",
    ] {
        let r = exchange(&addr, &get(&addr, target), QUICK);
        assert_refused(&r, &[404, 400], false);
        assert!(
            !r.bytes.windows(5).any(|w| w == b"root:"),
            "{target}: {}",
            r.describe()
        );
        assert_one_line_reason(&r);
    }
    s.still_serving("path traversal");
}

#[test]
fn malformed_paths_and_queries_get_400_or_404() {
    let mut s = start("malformed");
    let addr = s.addr().to_owned();
    let raw = |target: &[u8]| {
        let mut request = b"GET ".to_vec();
        request.extend_from_slice(target);
        request.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        request
    };
    // Bytes the URI grammar does not allow, sent raw.
    for target in [
        &b"/feeds/\xff.atom"[..],
        b"/releases/\xc3\x28",
        b"/feeds/\x01.atom",
        b"/feeds/all.atom?limit=\x7f",
        b"/feeds/a\tb.atom",
        b"/\x00",
    ] {
        let r = exchange(&addr, &raw(target), QUICK);
        assert_refused(&r, &[400, 404], true);
        assert_one_line_reason(&r);
    }
    // Escapes that decode to no UTF-8, broken escapes, control characters.
    for (target, allowed) in [
        ("/feeds/%ff.atom", &[400][..]),
        ("/feeds/%c3%28.atom", &[400]),
        ("/releases/%ff", &[400]),
        ("/releases/%ff.json", &[400]),
        ("/%ff", &[400, 404]),
        ("/feeds/all.atom?limit=%ff", &[400]),
        ("/feeds/all.atom?since=%zz", &[400]),
        ("/feeds/all.atom?country=%ff", &[400]),
        ("/feeds/all.atom?%ff=1", &[400]),
        ("/feeds/all.atom?limit=%", &[400]),
        ("/feeds/all.atom?since=%4", &[400]),
        ("/feeds/%.atom", &[400]),
        ("/feeds/%", &[400, 404]),
        ("/releases/%", &[400, 404]),
        ("/%", &[400, 404]),
        ("/feeds/%00.atom", &[400, 404]),
        ("/feeds/%0d%0a.atom", &[400, 404]),
        ("/releases/%1b%5b31m", &[400, 404]),
        ("/feeds/all.atom?since=%0a", &[400]),
        ("/feeds/all.atom?country=%0d%0aSet-Cookie:%20a=b", &[400]),
        ("*", &[400, 404]),
    ] {
        let r = exchange(&addr, &get(&addr, target), QUICK);
        assert_refused(&r, allowed, false);
        assert_one_line_reason(&r);
        let injected = r
            .responses()
            .first()
            .is_some_and(|p| p.header("set-cookie").is_some());
        assert!(
            !injected,
            "{target}: a header was injected: {}",
            r.describe()
        );
    }
    s.still_serving("malformed paths and queries");
}

#[test]
fn absurd_limits_get_400_with_a_reason() {
    let mut s = start("limits");
    let addr = s.addr().to_owned();
    for query in [
        "limit=999999999999999999999",
        "limit=18446744073709551616",
        "limit=-1",
        "limit=1e3",
        "limit=",
        "limit",
        "limit=0x10",
        "limit=5.0",
        "limit=%205%20x",
        "limit=0",
        "limit=501",
        "limit=10&limit=-1",
    ] {
        for feed in ["/feeds/all.atom", "/feeds/asia-pacific.json"] {
            let r = exchange(&addr, &get(&addr, &format!("{feed}?{query}")), QUICK);
            assert_refused(&r, &[400], false);
            assert_one_line_reason(&r);
            let text = r.responses().first().map(Parsed::text).unwrap_or_default();
            assert!(
                text.contains("limit"),
                "{query}: the reason names limit: {text:?}"
            );
        }
    }
    // Other extreme values: a 200 or a 400, never a 5xx or a dropped
    // connection.
    for query in [
        "since=9999-12-31T23:59:59-23:59",
        "since=0000-01-01T00:00:00%2B23:59",
        "since=1970-01-01T00:00:00.99999999999999999999Z",
        "since=2024-02-30T00:00:00Z",
        "since=2024-05-01T24:00:00Z",
        "country=",
        "country=%C3%BF",
        "country=%E0%A4%A8%E0%A5%87",
        "country=np&country=pe&limit=2&since=2000-01-01T00:00:00Z",
    ] {
        let r = exchange(
            &addr,
            &get(&addr, &format!("/feeds/all.json?{query}")),
            QUICK,
        );
        assert_refused(&r, &[200, 400], false);
        assert_one_line_reason_unless_ok(&r);
    }
    for query in ["limit=500", "limit=1", "limit=%2B5", "limit=+5"] {
        let r = exchange(
            &addr,
            &get(&addr, &format!("/feeds/all.rss?{query}")),
            QUICK,
        );
        assert_eq!(r.status(), Some(200), "{query}: {}", r.describe());
    }
    s.still_serving("absurd limits");
}

#[test]
fn other_methods_get_405_with_allow() {
    let mut s = start("methods");
    let addr = s.addr().to_owned();
    let with_method = |method: &str, target: &str| {
        format!(
            "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .into_bytes()
    };
    for target in ["/feeds/all.atom", "/", "/releases/x", "/healthz"] {
        for method in [
            "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW", "get",
        ] {
            let r = exchange(&addr, &with_method(method, target), QUICK);
            assert_refused(&r, &[405], false);
            let responses = r.responses();
            let first = responses.first().expect("a response");
            assert_eq!(
                first.header("allow"),
                Some("GET, HEAD"),
                "{method} {target}: {}",
                r.describe()
            );
            assert_eq!(
                first.header_count("allow"),
                1,
                "{method} {target}: {}",
                r.describe()
            );
            assert_one_line_reason(&r);
        }
    }
    for method in ["POST", "DELETE", "BREW", "OPTIONS"] {
        let r = exchange(&addr, &with_method(method, "/nothing/here"), QUICK);
        assert_refused(&r, &[404, 405], false);
        assert_one_line_reason(&r);
    }
    let r = exchange(&addr, &with_method("HEAD", "/feeds/all.atom"), QUICK);
    assert_eq!(r.status(), Some(200), "HEAD: {}", r.describe());
    s.still_serving("other methods");
}

/// Deterministic noise (xorshift).
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed.to_le_bytes()[0]
        })
        .collect()
}

#[test]
fn garbage_instead_of_http_is_refused_or_closed() {
    let mut s = start("garbage");
    let addr = s.addr().to_owned();
    let mut client_hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec();
    client_hello.extend_from_slice(&noise(32, 7));
    client_hello.extend_from_slice(b"\x00\x00\x02\x13\x01\x01\x00");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("random bytes", noise(4096, 42)),
        ("random bytes, another seed", noise(300, 9)),
        ("a TLS ClientHello", client_hello),
        (
            "the HTTP/2 preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
        ),
        (
            "the HTTP/2 preface and a SETTINGS frame",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00".to_vec(),
        ),
        ("NUL bytes", vec![0; 1024]),
        ("an HTTP/9.9 request", b"GET / HTTP/9.9\r\n\r\n".to_vec()),
        ("a bad version", b"GET / FOO/1.1\r\n\r\n".to_vec()),
        ("HTTP/0.9", b"GET /\r\n\r\n".to_vec()),
        ("a response", b"HTTP/1.1 200 OK\r\n\r\n".to_vec()),
        (
            "a bad header line",
            b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n".to_vec(),
        ),
        (
            "a space before the colon",
            b"GET / HTTP/1.1\r\nHost : x\r\n\r\n".to_vec(),
        ),
        ("SSH", b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()),
    ];
    for (what, bytes) in cases {
        let r = exchange(&addr, &bytes, HEADER_READ_TIMEOUT + Duration::from_secs(3));
        eprintln!(
            "garbage: {what}: {:?} {:?} after {:?}",
            r.status(),
            r.end,
            r.elapsed
        );
        assert_refused(&r, &[400], true);
        assert!(
            r.elapsed < Duration::from_secs(2),
            "{what}: the server took {:?} to refuse; {}",
            r.elapsed,
            r.describe()
        );
    }
    s.still_serving("garbage");
}

#[test]
fn bodies_on_get_and_pipelined_requests() {
    let mut s = start("bodies");
    let addr = s.addr().to_owned();

    // A body announced at 1 MB, 100 bytes of it sent, then a half-close. The
    // body holds what looks like a request: it must not be answered.
    let mut request =
        format!("GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 1000000\r\n\r\n")
            .into_bytes();
    request.extend_from_slice(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    request.extend_from_slice(&[b'x'; 100]);
    let r = exchange_with(&addr, &request, QUICK, true);
    let statuses: Vec<u16> = r.responses().iter().map(|p| p.status).collect();
    assert!(
        r.end != End::TimedOut && statuses.len() <= 1 && statuses.iter().all(|&s| s < 500),
        "a GET with a short body: {}",
        r.describe()
    );
    s.still_serving("a GET with an announced 1 MB body and a half-close");

    // The same, but the client just goes away without a FIN first.
    {
        let sock: SocketAddr = addr.parse().expect("socket address");
        let mut c = TcpStream::connect(sock).expect("connect");
        c.write_all(&request).expect("send");
    }
    std::thread::sleep(Duration::from_millis(100));
    s.still_serving("a GET with an announced 1 MB body and a vanished client");

    // A chunked body with a broken chunk size.
    let bad_chunk = format!(
        "GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    );
    let r = exchange_with(&addr, bad_chunk.as_bytes(), QUICK, true);
    assert!(
        r.end != End::TimedOut && r.status().is_none_or(|s| s < 500),
        "a bad chunk: {}",
        r.describe()
    );
    s.still_serving("a bad chunk size");

    // Content-Length and Transfer-Encoding both: never two answers.
    let smuggle = format!(
        "GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    );
    let r = exchange_with(&addr, smuggle.as_bytes(), QUICK, true);
    let statuses: Vec<u16> = r.responses().iter().map(|p| p.status).collect();
    eprintln!("bodies: CL+TE got {statuses:?}");
    assert!(
        r.end != End::TimedOut && statuses.iter().all(|&s| s < 500),
        "Content-Length with Transfer-Encoding: {}",
        r.describe()
    );
    s.still_serving("Content-Length with Transfer-Encoding");

    // Three GETs in one write: three responses, in order.
    let mut pipelined = format!("GET /feeds/all.atom HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    pipelined.push_str(&format!(
        "GET /nothing/here HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    ));
    pipelined.push_str(&format!(
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    ));
    let r = exchange(&addr, pipelined.as_bytes(), QUICK);
    let responses = r.responses();
    let statuses: Vec<u16> = responses.iter().map(|p| p.status).collect();
    assert_eq!(statuses, [200, 404, 200], "pipelined: {}", r.describe());
    assert!(responses[0].body.starts_with(b"<?xml"), "{}", r.describe());
    assert_eq!(responses[2].text(), "ok\n", "{}", r.describe());
    assert_eq!(r.end, End::Closed, "{}", r.describe());
    s.still_serving("pipelined requests");
}
