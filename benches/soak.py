#!/usr/bin/env python3
"""Soak: does a daemon that runs for a long time keep its memory, its file
descriptors and its releases?

Starts `pressfeed serve` on N generated releases and, for --minutes, keeps
it busy the way a newsroom and its readers do, all at once:

- churn: --ops file operations a second, picked at random: new releases
  (written in place, or written under a temporary name and renamed in),
  saves over existing ones, renames within and across folders, removals,
  and now and then a broken file (binary bytes, or empty), which is
  refused. The number of files stays around N.
- readers: keep-alive clients polling the feeds with `If-None-Match`, as
  feed readers do, in every format and coding;
- queries: `since`, `country` and `limit` queries with random values,
  many more than the query cache holds;
- rude clients: a new connection for each request, requests cut off
  halfway, malformed requests, unknown paths and bad query values.

Every --sample seconds it records the daemon's VmRSS, its open file
descriptors, its threads and the store's size on disk, and prints them.
At the end it lets the churn settle and checks that the releases served
are exactly the valid files on disk (none lost, none twice), then prints
the memory trend: VmRSS after the first quarter against the end, and the
least-squares slope over the second half in MiB per hour.

Usage: benches/soak.py [--minutes M] [--files N] [--ops R] [--readers K]
                       [--sample S] [--keep]
Env:   PRESSFEED=path/to/pressfeed (default: target/release/pressfeed,
       built with `cargo build --release` when missing)

Standard library only; the releases come from benches/serve-gen.py.
"""

import argparse
import http.client
import importlib.util
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

BENCHES = os.path.dirname(os.path.abspath(__file__))
FOLDERS = ["asia-pacific", "east-horn-africa", "south-america", "inbox", "archive/2026"]
FEEDS = ["all", "asia-pacific", "east-horn-africa", "south-america", "west-central-africa"]
FORMATS = ["atom", "rss", "json"]
CODINGS = ["identity", "gzip", "br", "gzip, br"]
COUNTRIES = ["KE", "NP", "CO", "UA", "NG", "IT", "YE", "PH", "HT", "MZ", "FR", "ZZ"]


def load(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(BENCHES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = load("serve-gen")
TOOLS = load("scale-tools")


class Files:
    """The release files on disk and which of them are valid releases: what
    the daemon should serve once the churn stops."""

    def __init__(self, root, rng):
        self.root = root
        self.rng = rng
        self.valid = {}  # relative path -> serial
        self.broken = set()
        self.serial = 0
        self.counts = dict.fromkeys(["new", "new-renamed", "saved", "renamed", "removed", "broken"], 0)
        self.log = []  # (seconds, operation, path, new path)

    def _note(self, operation, rel, to=None):
        self.counts[operation] += 1
        self.log.append((time.time(), operation, rel, to))

    def _text(self):
        self.serial += 1
        _, text, _, _ = GEN.make_release(self.rng, 700000 + self.serial, title_suffix=f" (soak {self.serial})")
        return text

    def _fresh_path(self):
        folder = self.rng.choice(FOLDERS)
        return os.path.join(folder, f"soak-{self.serial + 1:07d}.txt")

    def seed(self, count):
        for _ in range(count):
            rel = self._fresh_path()
            self._write(rel, self._text().encode())
            self.valid[rel] = self.serial
        old = time.time() - 120  # not taken for files still being written
        for rel in self.valid:
            os.utime(os.path.join(self.root, rel), (old, old))

    def _write(self, rel, data):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    def step(self, target):
        """One random operation, keeping the count of files near `target`."""
        rng = self.rng
        n = len(self.valid)
        roll = rng.random()
        grow = 0.45 if n < target else 0.25
        if roll < 0.02:
            self._broken()
        elif roll < grow or n < 2:
            self._new()
        elif roll < grow + 0.25:
            self._save()
        elif roll < grow + 0.40:
            self._rename()
        else:
            self._remove()

    def _new(self):
        rel = self._fresh_path()
        data = self._text().encode()
        if self.rng.random() < 0.5:
            self._write(rel, data)
            self._note("new", rel)
        else:
            temporary = rel + ".part"
            self._write(temporary, data)
            os.rename(os.path.join(self.root, temporary), os.path.join(self.root, rel))
            self._note("new-renamed", temporary, rel)
        self.valid[rel] = self.serial

    def _save(self):
        rel = self.rng.choice(list(self.valid))
        self._write(rel, self._text().encode())
        self.valid[rel] = self.serial
        self._note("saved", rel)

    def _rename(self):
        rel = self.rng.choice(list(self.valid))
        to = os.path.join(self.rng.choice(FOLDERS), os.path.basename(rel))
        if to in self.valid or to in self.broken:
            return
        os.makedirs(os.path.join(self.root, os.path.dirname(to)), exist_ok=True)
        os.rename(os.path.join(self.root, rel), os.path.join(self.root, to))
        self.valid[to] = self.valid.pop(rel)
        self._note("renamed", rel, to)

    def _remove(self):
        rel = self.rng.choice(list(self.valid))
        os.remove(os.path.join(self.root, rel))
        del self.valid[rel]
        self._note("removed", rel)

    def _broken(self):
        rel = os.path.join(self.rng.choice(FOLDERS), f"broken-{len(self.broken):05d}.txt")
        data = b"" if self.rng.random() < 0.3 else bytes(self.rng.randrange(256) for _ in range(2048))
        self._write(rel, data)
        self.broken.add(rel)
        self._note("broken", rel)


class Load:
    """The readers, the queries and the rude clients, each on a thread,
    until `stop` is set; counts answers by status."""

    def __init__(self, port, readers, stop, seed):
        self.port = port
        self.stop = stop
        self.lock = threading.Lock()
        self.statuses = {}
        self.threads = [threading.Thread(target=self._reader, args=(seed + i,), daemon=True) for i in range(readers)]
        self.threads.append(threading.Thread(target=self._queries, args=(seed + 100,), daemon=True))
        self.threads.append(threading.Thread(target=self._rude, args=(seed + 200,), daemon=True))

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        for t in self.threads:
            t.join(timeout=10)

    def _count(self, status):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def _connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _get(self, conn, path, headers):
        """The status and ETag of one GET; (0, None) and a closed connection on an error."""
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.will_close:
                conn.close()
            self._count(response.status)
            return response.status, response.getheader("ETag")
        except (http.client.HTTPException, OSError):
            conn.close()
            self._count(0)
            return 0, None

    def _reader(self, seed):
        rng = random.Random(seed)
        etags = {}
        conn = self._connection()
        while not self.stop.is_set():
            path = f"/feeds/{rng.choice(FEEDS)}.{rng.choice(FORMATS)}"
            coding = rng.choice(CODINGS)
            headers = {"Accept-Encoding": coding}
            if (path, coding) in etags:
                headers["If-None-Match"] = etags[(path, coding)]
            status, etag = self._get(conn, path, headers)
            if status == 200 and etag:
                etags[(path, coding)] = etag
            if status == 0:
                time.sleep(0.05)
                conn = self._connection()
            time.sleep(0.002)

    def _queries(self, seed):
        rng = random.Random(seed)
        conn = self._connection()
        while not self.stop.is_set():
            parts = []
            if rng.random() < 0.5:
                since = time.time() - rng.uniform(60, 86400 * 30)
                parts.append("since=" + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since)))
            if rng.random() < 0.5:
                parts.append("country=" + rng.choice(COUNTRIES))
            if rng.random() < 0.6 or not parts:
                parts.append(f"limit={rng.randint(1, 200)}")
            path = f"/feeds/{rng.choice(FEEDS)}.{rng.choice(FORMATS)}?" + "&".join(parts)
            status, _ = self._get(conn, path, {"Accept-Encoding": rng.choice(CODINGS)})
            if status == 0:
                time.sleep(0.05)
                conn = self._connection()

    def _rude(self, seed):
        rng = random.Random(seed)
        bad = [
            b"GET /feeds/all.atom HTTP/1.1\r\nHost: x\r\n",  # cut off before the blank line
            b"GET /feeds/all.atom",  # cut off in the request line
            b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64),  # a TLS hello
            b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /feeds/all.atom HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70000 + b"\r\n\r\n",
            b"GET /feeds/all.atom?limit=0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"GET /feeds/all.atom?since=yesterday HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"GET /feeds/nowhere.atom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"GET /releases/0123456789abcdef0123.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"GET /feeds/all.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"POST /feeds/all.atom HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
        ]
        while not self.stop.is_set():
            request = rng.choice(bad)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.sendall(request)
                    if rng.random() < 0.5:
                        s.settimeout(0.5)
                        try:
                            reply = s.recv(64)
                            status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else -1
                        except (socket.timeout, ValueError, IndexError):
                            status = -1
                        self._count(status)
                    # Otherwise hung up without reading the answer.
            except OSError:
                self._count(0)
            time.sleep(0.01)


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def thread_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def tree_bytes(folder):
    total = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.path.getsize(os.path.join(dirpath, name))
            except OSError:
                pass
    return total


def explain_mismatch(data, files, start):
    """The store's releases that are no valid file and the valid files it
    lacks, with what the churn did to each path."""
    import sqlite3
    db = sqlite3.connect(f"file:{os.path.join(data, 'pressfeed.db')}?mode=ro", uri=True)
    stored = {key: (rid, title) for key, rid, title in db.execute("SELECT key, id, title FROM releases")}
    db.close()
    valid = {rel.replace(os.sep, "/") for rel in files.valid}
    extra = sorted(set(stored) - valid)
    missing = sorted(valid - set(stored))
    print(f"  stored but no valid file: {len(extra)}; valid file not stored: {len(missing)}")
    for key in (extra + missing)[:10]:
        what = "stored, no file" if key in stored else "file, not stored"
        print(f"  {key}: {what} {stored.get(key, ('', ''))}")
        for t, operation, rel, to in files.log:
            if key in (rel, to):
                print(f"    {t - start:8.3f} s  {operation} {rel}" + (f" -> {to}" if to else ""))


def slope_per_hour(points):
    """Least-squares slope of (seconds, MiB) points, in MiB per hour."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return sum((t - mx) * (v - my) for t, v in points) / var * 3600


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--ops", type=float, default=40.0, help="file operations a second")
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--seed", type=int, default=20261208)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    binary = TOOLS.pressfeed_binary()
    tmp = tempfile.mkdtemp(prefix="pressfeed-soak.")
    releases = os.path.join(tmp, "releases")
    data = os.path.join(tmp, "data")
    rng = random.Random(args.seed)
    files = Files(releases, rng)
    files.seed(args.files)

    port = TOOLS.free_port()
    log = open(os.path.join(tmp, "pressfeed.log"), "w")
    daemon = subprocess.Popen(
        [binary, "serve", "--data", data, "--listen", f"127.0.0.1:{port}", "--watch", releases],
        stdout=log, stderr=subprocess.STDOUT,
    )
    client = TOOLS.Client(f"http://127.0.0.1:{port}", timeout=10)
    status = 0
    try:
        deadline = time.time() + 120
        while client.get("/healthz")[0] != 200:
            if daemon.poll() is not None or time.time() > deadline:
                print("soak: the daemon did not become ready; see", log.name, file=sys.stderr)
                return 1
            time.sleep(0.1)
        print(f"pressfeed {binary}: {args.files} releases, {args.minutes:g} min, {args.ops:g} file ops/s, "
              f"{args.readers} readers, a query client and a rude client")
        stop = threading.Event()
        load_ = Load(port, args.readers, stop, args.seed)
        load_.start()
        start = time.time()
        end = start + args.minutes * 60
        next_sample = start
        next_op = start
        samples = []
        other = TOOLS.OtherCpu([daemon.pid])
        print(f"{'min':>6} {'VmRSS MiB':>9} {'VmHWM MiB':>9} {'fds':>5} {'threads':>7} {'store MiB':>9} "
              f"{'files':>6} {'answers':>8}")
        while time.time() < end:
            now = time.time()
            if now >= next_sample:
                proc = TOOLS.proc_status(daemon.pid)
                with load_.lock:
                    answers = sum(load_.statuses.values())
                sample = (now - start, proc.get("VmRSS", 0) / 1024, proc.get("VmHWM", 0) / 1024,
                          fd_count(daemon.pid), thread_count(daemon.pid), tree_bytes(data) / 1048576)
                samples.append(sample)
                print(f"{sample[0] / 60:6.1f} {sample[1]:9.1f} {sample[2]:9.1f} {sample[3]:5d} {sample[4]:7d} "
                      f"{sample[5]:9.1f} {len(files.valid):6d} {answers:8d}", flush=True)
                next_sample += args.sample
            if daemon.poll() is not None:
                print("soak: the daemon exited; see", log.name, file=sys.stderr)
                return 1
            if now >= next_op:
                files.step(args.files)
                next_op += 1.0 / args.ops
            else:
                time.sleep(min(next_op, next_sample) - now)
        stop.set()
        load_.join()
        other_pct = other.percent()

        # Settled: every valid file served once, the broken ones not at all.
        expected = len(files.valid)
        served = None
        settle_deadline = time.time() + 60
        while time.time() < settle_deadline:
            served = TOOLS.published_count(client)
            if served == expected:
                break
            time.sleep(0.5)
        metrics = TOOLS.metrics(client)
        refused = TOOLS.metric_sum(metrics, "pressfeed_refused_files")
        final = TOOLS.proc_status(daemon.pid)
        quarter = [s for s in samples if s[0] >= args.minutes * 15]
        second_half = [(s[0], s[1]) for s in samples if s[0] >= args.minutes * 30]
        rss_quarter = quarter[0][1] if quarter else 0.0
        rss_end = samples[-1][1] if samples else 0.0
        rss_max = max((s[1] for s in samples), default=0.0)
        with load_.lock:
            statuses = dict(sorted(load_.statuses.items()))
        print()
        print(f"file operations: {sum(files.counts.values())} ({', '.join(f'{k} {v}' for k, v in files.counts.items())})")
        print(f"answers by status (0: connection error, -1: none read): {statuses}")
        print(f"releases served at the end: {served} of {expected} valid files "
              f"({'none lost or duplicated' if served == expected else 'MISMATCH'}); "
              f"refused files in the store: {refused:.0f} of {len(files.broken)} broken")
        print(f"VmRSS after a quarter {rss_quarter:.1f} MiB, at the end {rss_end:.1f} MiB, highest {rss_max:.1f} MiB; "
              f"VmHWM {final.get('VmHWM', 0) / 1024:.1f} MiB")
        print(f"VmRSS slope over the second half: {slope_per_hour(second_half):+.1f} MiB/hour")
        print(f"fds {samples[0][3]} -> {samples[-1][3]}, threads {samples[0][4]} -> {samples[-1][4]}, "
              f"store {samples[0][5]:.1f} -> {samples[-1][5]:.1f} MiB; other processes {other_pct}% of the machine")
        print(f"RESULT served={served} expected={expected} rss_quarter_mib={rss_quarter:.1f} "
              f"rss_end_mib={rss_end:.1f} rss_max_mib={rss_max:.1f} "
              f"slope_mib_per_hour={slope_per_hour(second_half):.1f} fds_end={samples[-1][3]}")
        status = 0 if served == expected else 1
        if status:
            explain_mismatch(data, files, start)
    finally:
        client.close()
        daemon.terminate()
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
        log.close()
        if args.keep:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
