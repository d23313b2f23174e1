//! The integration-test harness: a fresh temp folder per test, the real
//! `pressfeed` binary started on `127.0.0.1:0`, a small HTTP/1.1 client,
//! and waits that poll instead of sleeping blindly.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pressfeed")
}

/// A temp folder with `releases/` and `data/` inside.
pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new(name: &str) -> Dir {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("pressfeed-{name}-"))
            .tempdir()
            .expect("tempdir");
        std::fs::create_dir_all(tmp.path().join("releases")).expect("mkdir");
        Dir { tmp }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn releases(&self) -> PathBuf {
        self.path().join("releases")
    }

    pub fn data(&self) -> PathBuf {
        self.path().join("data")
    }

    /// Writes a release file atomically (temp name, then rename into place).
    pub fn put(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.releases().join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let tmp = path.with_file_name(format!(
            ".{}.tmp",
            path.file_name().expect("name").to_string_lossy()
        ));
        std::fs::write(&tmp, text).expect("write");
        std::fs::rename(&tmp, &path).expect("rename");
        path
    }
}

/// A running daemon, killed on drop.
pub struct Daemon {
    pub child: Child,
    pub addr: String,
    pub stderr: PathBuf,
}

impl Daemon {
    /// Starts `pressfeed serve` on the dir's folders with extra args, waits
    /// for `listening on` and for `/healthz` to say ok.
    pub fn start(dir: &Dir, extra: &[&str]) -> Daemon {
        let (releases, data) = (dir.releases(), dir.data());
        Daemon::launch(dir, None, &releases, &data, extra)
    }

    /// As [`Daemon::start`], run from inside the dir with the folders given
    /// as relative paths (`./releases`, `./data`).
    pub fn start_from_inside(dir: &Dir, extra: &[&str]) -> Daemon {
        let (releases, data) = (Path::new("./releases"), Path::new("./data"));
        Daemon::launch(dir, Some(dir.path()), releases, data, extra)
    }

    fn launch(
        dir: &Dir,
        cwd: Option<&Path>,
        releases: &Path,
        data: &Path,
        extra: &[&str],
    ) -> Daemon {
        let stderr = dir.path().join(format!(
            "stderr-{}.log",
            Instant::now().elapsed().as_nanos()
        ));
        let log = std::fs::File::create(&stderr).expect("log");
        let mut command = Command::new(bin());
        if let Some(cwd) = cwd {
            command.current_dir(cwd);
        }
        let mut child = command
            .arg("serve")
            .arg("--watch")
            .arg(releases)
            .arg("--data")
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn pressfeed");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read listening line");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        let daemon = Daemon {
            child,
            addr,
            stderr,
        };
        daemon.wait_until("ready", || daemon.get("/healthz").status == 200);
        daemon
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[])
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        request(&self.addr, method, path, headers)
    }

    /// Polls `check` every 10 ms for up to 10 s.
    pub fn wait_until(&self, what: &str, mut check: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if check() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("timed out waiting for {what}; daemon log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The ids of the `all` JSON feed, newest first.
    pub fn ids(&self) -> Vec<String> {
        self.json_feed("/feeds/all.json?limit=500")["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_owned())
            .collect()
    }

    pub fn json_feed(&self, path: &str) -> serde_json::Value {
        let r = self.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        serde_json::from_slice(&r.body).expect("json")
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        signal(&self.child, "TERM");
        let status = wait_exit(&mut self.child, Duration::from_secs(15));
        std::mem::forget(self);
        status
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(ok.success());
}

pub fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "process did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    parse_response(&raw, method == "HEAD")
}

pub fn parse_response(raw: &[u8], head_only: bool) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .expect("status")
        .parse()
        .expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked && !head_only {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
}

/// A release in the corpus's scraped style.
/// (Its second paragraph names the title: a line shared by three files of a
/// folder would be learned as site template.)
pub fn release(title: &str, dateline: &str, body: &str) -> String {
    format!(
        "Home\nNews\n-\n{title}\n{dateline} – {body}\nA second paragraph gives more detail about how \"{title}\" came about and the people it reaches.\n"
    )
}
