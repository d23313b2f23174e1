//! Resource faults (issue 5, item 6): a full or read-only data folder, no
//! file descriptors left, no inotify watches left. Each fault is made for
//! real where the machine lets a test do it, and injected otherwise:
//!
//! - a full disk: a 1 MiB tmpfs mounted on the data folder in a mount
//!   namespace of its own (`unshare -rm`), filled by the test through
//!   `/proc/<pid>/root` (the daemon runs in that namespace through
//!   `nsenter`, so the tmpfs outlives it and a restart finds it again);
//! - a read-only data folder at start: the same tmpfs, remounted read-only;
//!   an unwritable one: the daemon as `nobody` through `setpriv`;
//! - a data folder turning read-only at run time: Linux refuses to remount
//!   a file system read-only while files on it are open for writing (the
//!   database is), which leaves the kernel's emergency remount after disk
//!   errors; its effect, `EROFS` on every write, is injected with `strace`
//!   attached to the running daemon, and detaching it makes it writable;
//! - no file descriptors: `prlimit --nofile`, and more idle connections
//!   than that;
//! - no inotify watches: `ENOSPC` injected into `inotify_add_watch` with
//!   `strace` (the limit itself is machine-wide).
//!
//! Where a tool is missing or the machine does not permit the namespace or
//! the tracing, the test prints why and returns. Everything is loopback,
//! polls with deadlines, and the whole file runs in well under a minute.

mod util;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use util::{Daemon, Dir, release};

/// Every daemon here links to the same base URL, so that two daemons on the
/// same data folder (on different ports) serve the same bytes.
const BASE: &str = "http://pressfeed.test/";

/// Says why a test cannot run here.
fn skip(test: &str, why: &str) {
    eprintln!("SKIPPED {test}: {why}");
}

/// Whether `tool` runs (`tool --version`).
fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The first tool of `tools` that is missing.
fn missing(tools: &[&'static str]) -> Option<&'static str> {
    tools.iter().copied().find(|t| !have(t))
}

/// Polls `check` every 20 ms for up to `limit`.
fn within<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = check() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Like [`Daemon::wait_until`] with a limit of its own.
fn wait(d: &Daemon, what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    if within(limit, || check().then_some(())).is_none() {
        panic!("timed out waiting for {what}; daemon log:\n{}", d.log());
    }
}

/// `(status, body)` of a request, or `None` when the daemon does not answer.
fn get(d: &Daemon, path: &str) -> Option<(u16, String)> {
    let stream = TcpStream::connect(&d.addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut stream = stream;
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        d.addr
    );
    stream.write_all(head.as_bytes()).ok()?;
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut stream, &mut raw).ok()?;
    raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let r = util::parse_response(&raw, false);
    Some((r.status, r.text()))
}

fn healthz(d: &Daemon) -> Option<(u16, String)> {
    get(d, "/healthz")
}

/// Waits (10 s at most) for `/healthz` to answer 503 and returns its body.
fn wait_unhealthy(d: &Daemon, what: &str) -> String {
    let mut body = String::new();
    wait(d, what, Duration::from_secs(10), || {
        healthz(d).is_some_and(|(s, b)| {
            body = b;
            s == 503
        })
    });
    body
}

/// The titles in the `all` JSON feed.
fn titles(d: &Daemon) -> Vec<String> {
    d.json_feed("/feeds/all.json?limit=500")["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().expect("title").to_owned())
        .collect()
}

/// The log lines that contain `needle`.
fn lines_with(log: &str, needle: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

/// A release whose title is `title`, in the style of the corpus.
fn put(dir: &Dir, name: &str, title: &str) {
    dir.put(
        name,
        &release(
            title,
            "Kathmandu",
            &format!("The agency reports on {title} and the families it reaches this week."),
        ),
    );
}

/// `pressfeed serve` on the dir's folders, as `command` runs it (the
/// binary and its arguments are appended), with stdout piped and stderr in
/// a log file. Returns once it prints its address.
fn launch(mut command: Command, dir: &Dir, data: &Path, name: &str) -> Daemon {
    let stderr = dir.path().join(format!("{name}.log"));
    let log = std::fs::File::create(&stderr).expect("log");
    let mut child = command
        .arg(util::bin())
        .arg("serve")
        .arg("--watch")
        .arg(dir.releases())
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0", "--base-url", BASE])
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("spawn pressfeed");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    let _ = BufReader::new(stdout).read_line(&mut line);
    let Some(addr) = line.trim().strip_prefix("listening on http://") else {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "no address from pressfeed ({line:?}); its log:\n{}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        );
    };
    Daemon {
        child,
        addr: addr.to_owned(),
        stderr,
    }
}

/// Runs the daemon and waits for it to exit (it is expected to refuse to
/// start): its exit status and its stderr.
fn run_to_exit(mut command: Command, dir: &Dir, data: &Path) -> (Option<i32>, String) {
    let mut child = command
        .arg(util::bin())
        .arg("serve")
        .arg("--watch")
        .arg(dir.releases())
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pressfeed");
    let mut stderr = String::new();
    let mut pipe = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        stderr
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pressfeed kept running on a data folder it cannot write");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.code(), reader.join().expect("stderr reader"))
}

/// A mount namespace (in a user namespace of its own) with a tmpfs on
/// `mountpoint`, kept alive by a `sleep` so that daemons can come and go in
/// it. Killed on drop, which unmounts the tmpfs.
struct Namespace {
    holder: Child,
}

impl Namespace {
    /// Mounts a tmpfs of `size` on `mountpoint` and runs `then` (shell)
    /// inside the namespace; `Err` says why the machine does not allow it.
    fn new(mountpoint: &Path, size: &str, then: &str) -> Result<Namespace, String> {
        if let Some(tool) = missing(&["unshare", "nsenter"]) {
            return Err(format!("{tool} is not installed"));
        }
        let script = format!(
            "mount -t tmpfs -o size={size},mode=0755 tmpfs '{}' && {then} echo mounted && exec sleep 120",
            mountpoint.display()
        );
        let mut holder = Command::new("unshare")
            .args(["-rm", "sh", "-c", &script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("unshare: {e}"))?;
        let mut line = String::new();
        let _ = BufReader::new(holder.stdout.take().expect("stdout")).read_line(&mut line);
        if line.trim() != "mounted" {
            let _ = holder.kill();
            let out = holder
                .wait_with_output()
                .map(|o| o.stderr)
                .unwrap_or_default();
            return Err(format!(
                "cannot mount a tmpfs in a new mount namespace (unshare -rm): {}",
                String::from_utf8_lossy(&out).trim()
            ));
        }
        let ns = Namespace { holder };
        let entered = ns
            .command()
            .arg("true")
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("nsenter: {e}"))?;
        if !entered.status.success() {
            return Err(format!(
                "cannot enter the namespace (nsenter -m): {}",
                String::from_utf8_lossy(&entered.stderr).trim()
            ));
        }
        Ok(ns)
    }

    /// A command that runs its program inside the namespace. `nsenter`
    /// does not fork (no PID namespace), so the child is the program.
    fn command(&self) -> Command {
        let mut command = Command::new("nsenter");
        command.args(["-t", &self.holder.id().to_string(), "-m", "--"]);
        command
    }

    /// Where `path` as seen inside the namespace is, from outside.
    fn outside(&self, path: &Path) -> PathBuf {
        let relative = path.strip_prefix("/").expect("absolute path");
        PathBuf::from(format!("/proc/{}/root", self.holder.id())).join(relative)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// Writes zeros into `path` until the file system is full.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("create filler");
    let chunk = vec![0u8; 16 * 1024];
    loop {
        match file.write_all(&chunk).and_then(|()| file.flush()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(28) => return,
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
    }
}

/// `PRAGMA integrity_check` of the store in `data` (daemon stopped).
fn integrity(data: &Path) -> String {
    let conn = rusqlite::Connection::open(data.join("pressfeed.db")).expect("open the store");
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check")
}

/// Attaches `strace` to the running daemon, making every `syscall` fail
/// with `error`; `Err` says why it could not attach. SIGINT detaches it.
fn inject(d: &Daemon, dir: &Dir, syscall: &str, error: &str) -> Result<Child, String> {
    let strace_log = dir.path().join("strace.log");
    let mut strace = Command::new("strace")
        .args(["-f", "-o", "/dev/null", "-e", &format!("trace={syscall}")])
        .args(["-e", &format!("inject={syscall}:error={error}"), "-p"])
        .arg(d.child.id().to_string())
        .stderr(std::fs::File::create(&strace_log).expect("strace log"))
        .spawn()
        .expect("strace");
    let attached = within(Duration::from_secs(5), || {
        let text = std::fs::read_to_string(&strace_log).unwrap_or_default();
        text.contains("attached").then_some(())
    });
    if attached.is_none() {
        let _ = strace.kill();
        let _ = strace.wait();
        let text = std::fs::read_to_string(&strace_log).unwrap_or_default();
        return Err(format!("strace cannot attach here: {}", text.trim()));
    }
    Ok(strace)
}

/// The daemon's pid while `strace` (the child) traces it.
fn traced_pid(strace: &Child) -> Option<u32> {
    let children =
        std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", strace.id())).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

fn kill(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

/// Data folder full: a 1 MiB tmpfs. New releases meet a full disk: one
/// error line names it and the database's path, `/healthz` is 503 with that
/// reason, and the releases already published are still served. Once space
/// is freed, every waiting release is stored and served once, `/healthz` is
/// 200, the store passes `PRAGMA integrity_check`, and a restart on the
/// same data folder serves the same bytes.
#[test]
fn full_data_folder_is_reported_and_recovers_when_space_returns() {
    let test = "full_data_folder";
    let dir = Dir::new("full");
    let data = dir.data();
    std::fs::create_dir_all(&data).expect("mkdir data");
    let ns = match Namespace::new(&data, "1m", "") {
        Ok(ns) => ns,
        Err(why) => return skip(test, &why),
    };
    put(&dir, "a.txt", "Floods Reach the Valley Towns");
    put(&dir, "b.txt", "Shelter Kits Reach Families in the North");
    let d = launch(ns.command(), &dir, &data, "full-1");
    wait(&d, "ready", Duration::from_secs(10), || {
        healthz(&d).is_some_and(|(s, _)| s == 200)
    });
    let before = d.ids();
    assert_eq!(before.len(), 2);
    let feed_before = get(&d, "/feeds/all.atom").expect("feed");

    let filler = ns.outside(&data).join("filler");
    fill(&filler);
    let new = [
        "Clinics Reopen After the Storm",
        "Water Points Repaired in the East",
        "Schools Open Their Doors Again",
    ];
    for (i, title) in new.iter().enumerate() {
        put(&dir, &format!("new{i}.txt"), title);
    }
    let db = data.join("pressfeed.db").display().to_string();
    let body = wait_unhealthy(&d, "503 for the full disk");
    assert!(
        body.contains("disk is full") && body.contains(&db),
        "/healthz names the full disk and the database: {body:?}"
    );
    // A few retries later: still served, still one line.
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(
        get(&d, "/feeds/all.atom").expect("feed"),
        feed_before,
        "the feeds already published are served unchanged"
    );
    let log = d.log();
    let errors = lines_with(&log, "ERROR");
    assert_eq!(errors.len(), 1, "one error line:\n{log}");
    assert!(
        errors[0].contains("disk is full") && errors[0].contains(&db),
        "the error line names the full disk and the database: {}",
        errors[0]
    );

    std::fs::remove_file(&filler).expect("free the space");
    wait(
        &d,
        "200 once space returns",
        Duration::from_secs(10),
        || healthz(&d).is_some_and(|(s, _)| s == 200),
    );
    wait(
        &d,
        "the releases that waited",
        Duration::from_secs(10),
        || d.ids().len() == 5,
    );
    let after = titles(&d);
    for title in new {
        let copies = after.iter().filter(|t| t.as_str() == title).count();
        assert_eq!(copies, 1, "{title:?} served once: {after:?}");
    }
    let ids = d.ids();
    assert!(
        before.iter().all(|id| ids.contains(id)),
        "ids kept: {ids:?}"
    );
    let log = d.log();
    assert_eq!(lines_with(&log, "ERROR").len(), 1, "{log}");
    assert_eq!(
        lines_with(&log, "the store can be written again").len(),
        1,
        "{log}"
    );
    let feed = get(&d, "/feeds/all.atom").expect("feed");
    assert_eq!(d.terminate().code(), Some(0));

    assert_eq!(integrity(&ns.outside(&data)), "ok");
    let d = launch(ns.command(), &dir, &data, "full-2");
    wait(&d, "ready after a restart", Duration::from_secs(10), || {
        healthz(&d).is_some_and(|(s, _)| s == 200)
    });
    assert_eq!(
        get(&d, "/feeds/all.atom").expect("feed"),
        feed,
        "a restart serves the same feed"
    );
    assert!(lines_with(&d.log(), "ERROR").is_empty(), "{}", d.log());
    assert_eq!(d.terminate().code(), Some(0));
}

/// A data folder that cannot be written at start (a read-only file system,
/// even with a store whose -wal and -shm files would let SQLite read it, or
/// a folder of another user): the daemon refuses to start, exit status 1,
/// with one message naming the folder and why. A user expects a service
/// that cannot keep what it publishes (ids and first-seen dates must
/// survive restarts) to fail loudly where `systemctl status` shows it, not
/// to run and serve feeds that would change at the next start.
#[test]
fn unwritable_data_folder_at_start_is_a_clear_error() {
    let test = "unwritable_data_folder_at_start";
    let dir = Dir::new("rostart");
    put(&dir, "a.txt", "Floods Reach the Valley Towns");
    // A store to start from, left by a crash: with its -wal and -shm
    // files, SQLite would open it read-only without a word.
    let seed = dir.path().join("seed");
    let d = launch(Command::new("env"), &dir, &seed, "seed");
    wait(&d, "ready", Duration::from_secs(10), || {
        healthz(&d).is_some_and(|(s, _)| s == 200)
    });
    drop(d);
    assert!(seed.join("pressfeed.db-wal").exists() && seed.join("pressfeed.db-shm").exists());

    let data = dir.data();
    std::fs::create_dir_all(&data).expect("mkdir data");
    let copy = format!(
        "cp -a '{}/.' '{}/' && mount -o remount,ro '{}' &&",
        seed.display(),
        data.display(),
        data.display()
    );
    match Namespace::new(&data, "4m", &copy) {
        Err(why) => skip(&format!("{test} (read-only)"), &why),
        Ok(ns) => {
            let (code, stderr) = run_to_exit(ns.command(), &dir, &data);
            assert_eq!(code, Some(1), "{stderr}");
            let lines = lines_with(&stderr, &data.display().to_string());
            assert_eq!(lines.len(), 1, "one message: {stderr}");
            assert!(
                lines[0].contains("read-only") && lines[0].contains("cannot be written"),
                "{}",
                lines[0]
            );
        }
    }

    // Another user's folder: run as nobody.
    if let Some(tool) = missing(&["setpriv"]) {
        return skip(
            &format!("{test} (permission)"),
            &format!("{tool} is not installed"),
        );
    }
    let owned = dir.path().join("owned");
    std::fs::create_dir_all(&owned).expect("mkdir");
    for path in [dir.path(), &dir.releases(), &owned] {
        set_mode(path, 0o755);
    }
    set_mode(&dir.releases().join("a.txt"), 0o644);
    let mut nobody = Command::new("setpriv");
    nobody.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
    let probe = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "true",
        ])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return skip(
            &format!("{test} (permission)"),
            "setpriv cannot switch to uid 65534 here (not root?)",
        );
    }
    let (code, stderr) = run_to_exit(nobody, &dir, &owned);
    assert_eq!(code, Some(1), "{stderr}");
    let lines = lines_with(&stderr, &owned.display().to_string());
    assert_eq!(lines.len(), 1, "one message: {stderr}");
    assert!(
        lines[0].contains("permission denied") && lines[0].contains("uid 65534"),
        "{}",
        lines[0]
    );
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A data folder that turns read-only while the daemon runs (the kernel's
/// emergency remount after disk errors: every write fails with `EROFS`,
/// injected here with `strace` attached to the daemon): one error line and
/// a 503 naming the read-only file system and the database, the releases
/// already published still served; once writes work again (strace
/// detached), the waiting release is stored, 200, and the store is intact.
#[test]
fn data_folder_turning_read_only_is_reported_and_recovers() {
    let test = "data_folder_turning_read_only";
    if let Some(tool) = missing(&["strace"]) {
        return skip(test, &format!("{tool} is not installed"));
    }
    let dir = Dir::new("rorun");
    put(&dir, "a.txt", "Floods Reach the Valley Towns");
    let data = dir.data();
    let d = launch(Command::new("env"), &dir, &data, "rorun");
    wait(&d, "ready", Duration::from_secs(10), || {
        healthz(&d).is_some_and(|(s, _)| s == 200)
    });
    let feed_before = get(&d, "/feeds/all.atom").expect("feed");

    let mut strace = match inject(&d, &dir, "pwrite64", "EROFS") {
        Ok(strace) => strace,
        Err(why) => return skip(test, &why),
    };

    put(&dir, "b.txt", "Shelter Kits Reach Families in the North");
    let db = data.join("pressfeed.db").display().to_string();
    let body = wait_unhealthy(&d, "503 for the read-only store");
    assert!(
        body.contains("read-only") && body.contains(&db),
        "/healthz names the read-only file system and the database: {body:?}"
    );
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(get(&d, "/feeds/all.atom").expect("feed"), feed_before);
    let log = d.log();
    let errors = lines_with(&log, "ERROR");
    assert_eq!(errors.len(), 1, "one error line:\n{log}");
    assert!(
        errors[0].contains("read-only") && errors[0].contains(&db),
        "{}",
        errors[0]
    );

    // Writable again: strace detaches on SIGINT.
    kill(strace.id(), "INT");
    let _ = strace.wait();
    wait(&d, "200 once writable", Duration::from_secs(10), || {
        healthz(&d).is_some_and(|(s, _)| s == 200)
    });
    wait(
        &d,
        "the release that waited",
        Duration::from_secs(10),
        || d.ids().len() == 2,
    );
    assert_eq!(lines_with(&d.log(), "ERROR").len(), 1, "{}", d.log());
    assert_eq!(d.terminate().code(), Some(0));
    assert_eq!(integrity(&data), "ok");
}

/// Out of file descriptors: a daemon limited to 64 open files and 120 idle
/// connections. One error line names the limit and what to raise (ulimit
/// -n, LimitNOFILE=); a release written meanwhile is not refused but read
/// later; once the connections close, requests are served, the release is
/// published, `/healthz` is 200, and the daemon never stopped.
#[test]
fn out_of_file_descriptors_gives_one_clear_message_and_recovers() {
    let test = "out_of_file_descriptors";
    if let Some(tool) = missing(&["prlimit"]) {
        return skip(test, &format!("{tool} is not installed"));
    }
    let dir = Dir::new("nofile");
    put(&dir, "a.txt", "Floods Reach the Valley Towns");
    let mut limited = Command::new("prlimit");
    limited.args(["--nofile=64:64", "--"]);
    let mut d = launch(limited, &dir, &dir.data(), "nofile");
    wait(&d, "ready", Duration::from_secs(10), || {
        healthz(&d).is_some_and(|(s, _)| s == 200)
    });

    let idle: Vec<TcpStream> = (0..120)
        .map(|_| TcpStream::connect(&d.addr).expect("connect (the backlog takes it)"))
        .collect();
    wait(&d, "the message", Duration::from_secs(10), || {
        d.log().contains("out of file descriptors")
    });
    // A release written while no descriptor is free.
    put(&dir, "b.txt", "Shelter Kits Reach Families in the North");
    std::thread::sleep(Duration::from_millis(800));
    drop(idle);

    wait(&d, "a normal request", Duration::from_secs(10), || {
        get(&d, "/feeds/all.json").is_some_and(|(s, _)| s == 200)
    });
    wait(
        &d,
        "the release written meanwhile",
        Duration::from_secs(10),
        || d.ids().len() == 2,
    );
    wait(&d, "200", Duration::from_secs(10), || {
        healthz(&d).is_some_and(|(s, _)| s == 200)
    });
    assert!(d.child.try_wait().expect("wait").is_none(), "still running");
    let log = d.log();
    let messages = lines_with(&log, "out of file descriptors");
    assert_eq!(messages.len(), 1, "one message:\n{log}");
    for needed in ["(64)", "ulimit -n", "LimitNOFILE="] {
        assert!(messages[0].contains(needed), "{needed}: {}", messages[0]);
    }
    assert!(
        lines_with(&log, "refused release file").is_empty(),
        "nothing refused for lack of descriptors:\n{log}"
    );
    let metrics = get(&d, "/metrics").expect("metrics").1;
    assert!(
        metrics.contains("pressfeed_refused_files{reason=\"unreadable\"} 0"),
        "{metrics}"
    );
    assert_eq!(d.terminate().code(), Some(0));
}

/// The daemon under `strace` that makes `inotify_add_watch` fail with
/// `ENOSPC`; kills the daemon (not only strace, whose death would leave it
/// running untraced) on drop.
struct Traced {
    daemon: Daemon,
}

impl Traced {
    fn pid(&self) -> Option<u32> {
        traced_pid(&self.daemon.child)
    }
}

impl Drop for Traced {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            kill(pid, "KILL");
        }
    }
}

/// Out of inotify watches (injected): one error line naming
/// fs.inotify.max_user_watches and the sysctl command, `/healthz` 503 with
/// that reason, the releases present at start published, and a release
/// added later found by the walks that stand in for the watcher. No
/// inotify instance at all (injected `EMFILE`): a clear message naming
/// fs.inotify.max_user_instances and the open-files limit, exit status 1.
#[test]
fn out_of_inotify_watches_is_reported_and_files_are_still_found() {
    let test = "out_of_inotify_watches";
    if let Some(tool) = missing(&["strace"]) {
        return skip(test, &format!("{tool} is not installed"));
    }
    let probe = Command::new("strace")
        .args([
            "-f",
            "-o",
            "/dev/null",
            "--seccomp-bpf",
            "-e",
            "trace=inotify_add_watch",
        ])
        .arg("true")
        .output();
    match probe {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            return skip(
                test,
                &format!(
                    "strace cannot trace here: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            );
        }
        Err(e) => return skip(test, &format!("strace: {e}")),
    }
    let dir = Dir::new("watches");
    put(&dir, "a.txt", "Floods Reach the Valley Towns");
    let mut strace = Command::new("strace");
    strace.args([
        "-f",
        "-qq",
        "-o",
        "/dev/null",
        "--seccomp-bpf",
        "-e",
        "trace=inotify_add_watch",
        "-e",
        "inject=inotify_add_watch:error=ENOSPC",
        "--",
    ]);
    let traced = Traced {
        daemon: launch(strace, &dir, &dir.data(), "watches"),
    };
    let d = &traced.daemon;
    wait(
        d,
        "the release present at start",
        Duration::from_secs(10),
        || d.ids().len() == 1,
    );
    let (status, body) = healthz(d).expect("healthz");
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("fs.inotify.max_user_watches") && body.contains("sysctl -w"),
        "/healthz names the limit: {body:?}"
    );
    put(&dir, "b.txt", "Shelter Kits Reach Families in the North");
    wait(d, "a release added later", Duration::from_secs(10), || {
        d.ids().len() == 2
    });
    let log = d.log();
    let messages = lines_with(&log, "max_user_watches");
    assert_eq!(messages.len(), 1, "one message:\n{log}");
    assert!(messages[0].contains("sysctl -w"), "{}", messages[0]);
    assert!(
        healthz(d).is_some_and(|(s, _)| s == 503),
        "still 503 while not watching"
    );
    let pid = traced.pid().expect("the daemon under strace");
    kill(pid, "TERM");
    let mut traced = traced;
    let status = util::wait_exit(&mut traced.daemon.child, Duration::from_secs(15));
    assert_eq!(
        status.code(),
        Some(0),
        "strace passes on the daemon's status"
    );

    // No inotify instance at all.
    let mut strace = Command::new("strace");
    strace.args([
        "-f",
        "-qq",
        "-o",
        "/dev/null",
        "--seccomp-bpf",
        "-e",
        "trace=inotify_init1",
        "-e",
        "inject=inotify_init1:error=EMFILE",
        "--",
    ]);
    let (code, stderr) = run_to_exit(strace, &dir, &dir.data());
    assert_eq!(code, Some(1), "{stderr}");
    let lines = lines_with(&stderr, "max_user_instances");
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("ulimit -n"), "{}", lines[0]);
}

/// Out of inotify watches while running (injected by `strace` attached to
/// the daemon): a folder made afterwards cannot be watched. One error line
/// and a 503 name the limit; the files written into that folder later,
/// which no watch reports, are found by the walks.
#[test]
fn running_out_of_inotify_watches_for_a_new_folder_falls_back_to_walks() {
    let test = "running_out_of_inotify_watches";
    if let Some(tool) = missing(&["strace"]) {
        return skip(test, &format!("{tool} is not installed"));
    }
    let dir = Dir::new("watchesrun");
    put(&dir, "a.txt", "Floods Reach the Valley Towns");
    let d = launch(Command::new("env"), &dir, &dir.data(), "watchesrun");
    wait(&d, "ready", Duration::from_secs(10), || {
        healthz(&d).is_some_and(|(s, _)| s == 200)
    });
    let mut strace = match inject(&d, &dir, "inotify_add_watch", "ENOSPC") {
        Ok(strace) => strace,
        Err(why) => return skip(test, &why),
    };

    std::fs::create_dir(dir.releases().join("later")).expect("mkdir");
    let body = wait_unhealthy(&d, "503 for the watches");
    assert!(
        body.contains("fs.inotify.max_user_watches") && body.contains("later"),
        "/healthz names the limit and the folder: {body:?}"
    );
    put(
        &dir,
        "later/b.txt",
        "Shelter Kits Reach Families in the North",
    );
    wait(
        &d,
        "a release in the unwatched folder",
        Duration::from_secs(10),
        || d.ids().len() == 2,
    );
    let log = d.log();
    assert_eq!(lines_with(&log, "max_user_watches").len(), 1, "{log}");
    kill(strace.id(), "INT");
    let _ = strace.wait();
    assert_eq!(d.terminate().code(), Some(0));
}
