#!/usr/bin/env python3
"""File-to-feed latency probe for benches/serve.sh.

For each of N new releases: write the file under a temporary name in a
staging folder OUTSIDE the watched folder (same filesystem), rename it into
the watched folder, take the time, then poll a feed as fast as possible over
one keep-alive HTTP connection until the release's title appears in the
body. Prints p50/p90/p99/max of the deltas in milliseconds. Measures, never
asserts: exits 0 unless the arguments are wrong or the server is unreachable
from the start.

Bounded in time: each release waits at most --per-file-timeout seconds, and
the whole probe stops starting new releases after --deadline seconds.

Standard library only.
"""

import argparse
import http.client
import importlib.util
import json
import os
import random
import socket
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def load_generator():
    spec = importlib.util.spec_from_file_location("serve_gen", os.path.join(HERE, "serve-gen.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Shared with the other bench scripts through serve-gen.py.
percentile = load_generator().percentile


class Poller:
    """GETs one path over a keep-alive connection, reconnecting when the
    server closes it (pressfeed caps a connection's life)."""

    def __init__(self, host, port, path, timeout):
        self.host, self.port, self.path, self.timeout = host, port, path, timeout
        self.conn = None
        self.reconnects = -1
        self.statuses = {}
        self.errors = 0

    def _connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reconnects += 1

    def get(self):
        """The body of one GET (b"" after a non-200 or an error)."""
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self._connect()
                self.conn.request("GET", self.path, headers={"Accept-Encoding": "identity"})
                response = self.conn.getresponse()
                body = response.read()
                self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
                if response.will_close:
                    self.conn.close()
                    self.conn = None
                return body if response.status == 200 else b""
            except (http.client.HTTPException, OSError):
                self.errors += 1
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 1:
                    time.sleep(0.01)
        return b""

    def close(self):
        if self.conn is not None:
            self.conn.close()


def commit_buckets(host, port):
    """Cumulative counts of pressfeed's store-commit histogram by upper
    bound in seconds, from /metrics ({} when it cannot be read)."""
    prefix = "pressfeed_store_commit_seconds_bucket{le=\""
    try:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode("utf-8", "replace")
        conn.close()
    except (OSError, http.client.HTTPException):
        return {}
    buckets = {}
    for line in text.splitlines():
        if line.startswith(prefix):
            bound, count = line[len(prefix):].split("\"}")
            buckets[float(bound)] = int(float(count))
    return buckets


def slow_commits(before, after, over):
    """(commits, commits slower than `over` seconds) between two readings."""
    if not after:
        return None
    total = max(after.values()) - max(before.values(), default=0)
    fast = max((c - before.get(b, 0) for b, c in after.items() if b <= over), default=0)
    return total, total - fast


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="server base URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--watch", required=True, help="the watched folder")
    ap.add_argument("--stage", required=True, help="staging folder outside the watched one, same filesystem")
    ap.add_argument("--path", default="/feeds/all.json?limit=5", help="feed polled for the title")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--per-file-timeout", type=float, default=10.0)
    ap.add_argument("--deadline", type=float, default=240.0, help="stop starting new files after this many seconds")
    ap.add_argument("--label", default="idle")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--raw", default=None, help="append the raw deltas (ms) as a JSON line to this file")
    args = ap.parse_args()

    gen = load_generator()
    url = urllib.parse.urlsplit(args.url)
    host, port = url.hostname, url.port or 80
    if os.stat(args.watch).st_dev != os.stat(args.stage).st_dev:
        print(f"  [{args.label}] warning: staging folder is on another filesystem; rename is not atomic", flush=True)

    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    run_tag = "".join(rng.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(4))
    poller = Poller(host, port, args.path, timeout=max(1.0, args.per_file_timeout))
    if not poller.get() and 200 not in poller.statuses:
        print(f"  [{args.label}] error: {args.url}{args.path} does not answer 200 (statuses {poller.statuses}, errors {poller.errors})", flush=True)
        return 1

    commits_before = commit_buckets(host, port)
    deltas = []
    polls = []
    timed_out = 0
    started = time.monotonic()
    for i in range(args.count):
        if time.monotonic() - started > args.deadline:
            print(f"  [{args.label}] deadline of {args.deadline:.0f} s reached after {i} files", flush=True)
            break
        marker = f" as Probe {run_tag} {i:03d} Begins"
        title, text, _, _ = gen.make_release(rng, 100000 + i, title_suffix=marker)
        needle = json.dumps(title, ensure_ascii=False)[1:-1].encode("utf-8")
        name = f"probe-{run_tag.lower()}-{i:03d}.txt"
        staged = os.path.join(args.stage, name + ".partial")
        with open(staged, "wb") as f:
            f.write(text.encode("utf-8"))
        os.rename(staged, os.path.join(args.watch, name))
        t0 = time.perf_counter()
        limit = t0 + args.per_file_timeout
        n = 0
        while True:
            body = poller.get()
            n += 1
            now = time.perf_counter()
            if needle in body:
                deltas.append((now - t0) * 1000.0)
                polls.append(n)
                break
            if now > limit:
                timed_out += 1
                break
    poller.close()
    commits = slow_commits(commits_before, commit_buckets(host, port), 0.05)

    done = len(deltas) + timed_out
    other = {s: c for s, c in poller.statuses.items() if s != 200}
    d = sorted(deltas)
    if d:
        print(
            f"  [{args.label}] {len(d)}/{done} files seen: "
            f"p50 {percentile(d, 50):.1f} ms  p90 {percentile(d, 90):.1f} ms  "
            f"p99 {percentile(d, 99):.1f} ms  max {d[-1]:.1f} ms  (min {d[0]:.1f} ms, "
            f"median polls/file {sorted(polls)[len(polls) // 2]})",
            flush=True,
        )
    else:
        print(f"  [{args.label}] no file seen in the feed", flush=True)
    if commits is not None:
        print(f"  [{args.label}] store commits meanwhile: {commits[0]}, of which {commits[1]} over 50 ms", flush=True)
    if timed_out:
        print(f"  [{args.label}] warning: {timed_out} file(s) not in {args.path} within {args.per_file_timeout:.0f} s", flush=True)
    if other or poller.errors:
        print(f"  [{args.label}] warning: non-200 statuses {other}, connection errors {poller.errors}", flush=True)
    if poller.reconnects > 0:
        print(f"  [{args.label}] note: probe reconnected {poller.reconnects} time(s)", flush=True)
    if args.raw:
        with open(args.raw, "a") as f:
            f.write(json.dumps({"label": args.label, "deltas_ms": deltas, "timed_out": timed_out}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
