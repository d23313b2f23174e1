//! The systemd integration: readiness, watchdog and stopping notifications
//! over a real `NOTIFY_SOCKET`, socket activation through
//! `systemd-socket-activate`, and the unit's hardening score.

mod util;

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use util::{Dir, release};

fn messages_until(socket: &UnixDatagram, wanted: &str, limit: Duration) -> Vec<String> {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        if let Ok(n) = socket.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            let done = text.lines().any(|l| l == wanted);
            seen.push(text);
            if done {
                return seen;
            }
        }
    }
    panic!("no {wanted} within {limit:?}; got {seen:?}");
}

#[test]
fn notifies_ready_after_the_first_scan_then_watchdog_then_stopping() {
    let dir = Dir::new("notify");
    dir.put("a.txt", &release("Shelter Kits Reach Families in the North", "Goma", "More than 2,000 families received shelter kits this week after the fighting, the agency said."));
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let mut child = Command::new(util::bin())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--watch")
        .arg(dir.releases())
        .arg("--data")
        .arg(dir.data())
        .env("NOTIFY_SOCKET", &path)
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let addr = line
        .trim()
        .trim_start_matches("listening on http://")
        .to_owned();

    let ready = messages_until(&socket, "READY=1", Duration::from_secs(10));
    assert_eq!(
        util::request(&addr, "GET", "/healthz", &[]).status,
        200,
        "READY=1 only once healthy: {ready:?}"
    );
    messages_until(&socket, "WATCHDOG=1", Duration::from_secs(5));

    util::signal(&child, "HUP");
    messages_until(&socket, "RELOADING=1", Duration::from_secs(5));
    messages_until(&socket, "READY=1", Duration::from_secs(5));

    util::signal(&child, "TERM");
    messages_until(&socket, "STOPPING=1", Duration::from_secs(5));
    assert_eq!(
        util::wait_exit(&mut child, Duration::from_secs(15)).code(),
        Some(0)
    );
}

#[test]
fn serves_on_a_socket_passed_by_socket_activation() {
    let Ok(activate) = which("systemd-socket-activate") else {
        panic!(
            "systemd-socket-activate is missing: install Debian's systemd package (.ci/test does)"
        );
    };
    let dir = Dir::new("activate");
    dir.put("a.txt", &release("Clinic Opens for Returnees in the East", "Kyiv", "A new clinic opened on Monday for people returning to the eastern districts, officials said."));
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe port");
        probe.local_addr().expect("addr").port()
    };
    let mut child = Command::new(activate)
        .arg("-l")
        .arg(format!("127.0.0.1:{port}"))
        .arg(util::bin())
        .args(["serve", "--listen", "127.0.0.1:1"])
        .arg("--watch")
        .arg(dir.releases())
        .arg("--data")
        .arg(dir.data())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn systemd-socket-activate");
    // The activator starts the daemon on the first connection, which waits
    // in the socket's backlog meanwhile.
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "the activator never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    while util::request(&addr, "GET", "/healthz", &[]).status != 200 {
        assert!(Instant::now() < deadline, "not ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    assert_eq!(
        line.trim(),
        format!("listening on http://127.0.0.1:{port}"),
        "the passed socket, not --listen"
    );
    assert_eq!(
        util::request(&addr, "GET", "/feeds/all.atom", &[]).status,
        200
    );
    util::signal(&child, "TERM");
    assert_eq!(
        util::wait_exit(&mut child, Duration::from_secs(15)).code(),
        Some(0)
    );
}

#[test]
fn the_unit_files_are_hardened() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd");
    for (unit, threshold) in [
        ("pressfeed.service", "3"),
        ("pressfeed-websub.service", "11"),
    ] {
        let out = Command::new("systemd-analyze")
            .args(["security", "--offline=yes", "--no-pager"])
            .arg(format!("--threshold={threshold}"))
            .arg(root.join(unit))
            .output()
            .expect("systemd-analyze (Debian's systemd package; .ci/test installs it)");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{unit} is above exposure {threshold}/10:\n{text}"
        );
        assert!(text.contains("Overall exposure level"), "{text}");
    }
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}
