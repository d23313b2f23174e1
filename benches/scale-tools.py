#!/usr/bin/env python3
"""Helpers of benches/scale.sh (pressfeed at scale). Standard library only.

Subcommands (each prints human-readable lines; the ones scale.sh parses also
print one `RESULT key=value ...` line):

  gen        N invented releases (benches/serve-gen.py) spread over one watch
             folder: <dir>/<region>/... (several region folders, one with a
             year level) and <dir> itself (flat, region inferred); one seed
             per folder.
  stage      M more releases into a staging folder (for `burst`).
  ready      polls /healthz until 200; reads VmHWM/VmRSS and CPU time of the
             daemon right then and again a few seconds later.
  burst      renames the staged files into a watched folder as fast as it
             can, polls /regions.json until every one is published, then
             checks each by /releases/{id}.json and the totals.
  queries    writes the since / country / limit URL lists (for wrk) and
             measures them with one sequential keep-alive client.
  hugo-site  converts release .txt files into a Hugo site (Markdown with
             front matter: title, date, a `regions` term).
"""

import argparse
import datetime as dt
import hashlib
import http.client
import importlib.util
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))

# Region folders of the watch folder and the share of the files each gets;
# the watch folder itself (flat) takes the rest. One region folder has a
# year level below it.
REGION_FOLDERS = [
    ("asia-pacific", 0.18),
    ("east-horn-africa", 0.12),
    ("south-america", 0.10),
    ("european-economic-area", 0.08),
    ("west-central-africa/2024", 0.07),
    ("middle-east-north-africa", 0.05),
]

# The countries serve-gen.py writes about -> (ISO code, region slug of the
# default taxonomy, from regions-iom.tsv). Used to give flat-folder files a
# region term in the Hugo site, as pressfeed infers it from the dateline.
COUNTRY_REGION = {
    "Nepal": ("NP", "asia-pacific"), "Bangladesh": ("BD", "asia-pacific"),
    "the Philippines": ("PH", "asia-pacific"), "Afghanistan": ("AF", "asia-pacific"),
    "Fiji": ("FJ", "asia-pacific"), "Indonesia": ("ID", "asia-pacific"),
    "Honduras": ("HN", "central-north-america-caribbean"),
    "Guatemala": ("GT", "central-north-america-caribbean"),
    "Haiti": ("HT", "central-north-america-caribbean"),
    "Mexico": ("MX", "central-north-america-caribbean"),
    "Kenya": ("KE", "east-horn-africa"), "Ethiopia": ("ET", "east-horn-africa"),
    "Somalia": ("SO", "east-horn-africa"), "South Sudan": ("SS", "east-horn-africa"),
    "Greece": ("GR", "european-economic-area"), "Italy": ("IT", "european-economic-area"),
    "Spain": ("ES", "european-economic-area"),
    "Iraq": ("IQ", "middle-east-north-africa"), "Libya": ("LY", "middle-east-north-africa"),
    "Yemen": ("YE", "middle-east-north-africa"), "Syria": ("SY", "middle-east-north-africa"),
    "Colombia": ("CO", "south-america"), "Venezuela": ("VE", "south-america"),
    "Peru": ("PE", "south-america"), "Ecuador": ("EC", "south-america"),
    "Ukraine": ("UA", "southeast-europe-eastern-europe-central-asia"),
    "Moldova": ("MD", "southeast-europe-eastern-europe-central-asia"),
    "Tajikistan": ("TJ", "southeast-europe-eastern-europe-central-asia"),
    "Mozambique": ("MZ", "southern-africa"), "Zimbabwe": ("ZW", "southern-africa"),
    "Malawi": ("MW", "southern-africa"),
    "Nigeria": ("NG", "west-central-africa"), "Niger": ("NE", "west-central-africa"),
    "Mali": ("ML", "west-central-africa"), "Chad": ("TD", "west-central-africa"),
    "Cameroon": ("CM", "west-central-africa"),
}


def load_generator():
    spec = importlib.util.spec_from_file_location("serve_gen", os.path.join(HERE, "serve-gen.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Shared with the other bench scripts through serve-gen.py.
percentile = load_generator().percentile


def pressfeed_binary():
    """$PRESSFEED, or target/release/pressfeed (built when missing)."""
    given = os.environ.get("PRESSFEED")
    if given:
        return given
    root = os.path.dirname(HERE)
    built = os.path.join(root, "target", "release", "pressfeed")
    if not os.path.exists(built):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=root, check=True)
    return built


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def release_slug(key):
    """The `/releases/{slug}` part of the id of the file at `key`
    (src/normalize/identity.rs: 20 hex digits of SHA-256 of the key)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def rfc3339(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Client:
    """GETs over one keep-alive connection, reconnecting when needed."""

    def __init__(self, base_url, timeout=30.0):
        url = urllib.parse.urlsplit(base_url)
        self.host, self.port = url.hostname, url.port or 80
        self.timeout = timeout
        self.conn = None
        self.errors = 0

    def _connect(self):
        self.close()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def get(self, path):
        """(status, body); status 0 after a connection error."""
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self._connect()
                self.conn.request("GET", path, headers={"Accept-Encoding": "identity"})
                response = self.conn.getresponse()
                body = response.read()
                if response.will_close:
                    self.close()
                return response.status, body
            except (http.client.HTTPException, OSError):
                self.errors += 1
                self.close()
                if attempt == 1:
                    return 0, b""
        return 0, b""

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None


# ------------------------------------------------------------------ /proc
def proc_status(pid):
    """{VmHWM, VmRSS} in KiB, or {} when the process is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def proc_cpu_seconds(pid):
    """utime + stime of a live process, in seconds (0 when gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_cpu():
    """(busy, total) jiffies of the whole machine."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (parts + [0] * 8)[:8]
    busy = user + nice + system + steal
    return busy, busy + idle + iowait + irq + softirq


class OtherCpu:
    """Share of the machine used by processes other than `pids` and this
    one, between start() and stop(): other sessions' builds on a shared
    2-core machine move every figure here."""

    def __init__(self, pids):
        self.pids = pids
        self.start()

    def _ours(self):
        t = os.times()
        mine = t.user + t.system + t.children_user + t.children_system
        return mine + sum(proc_cpu_seconds(p) for p in self.pids)

    def start(self):
        self.m0, self.o0 = machine_cpu(), self._ours()

    def percent(self):
        m1, o1 = machine_cpu(), self._ours()
        hz = os.sysconf("SC_CLK_TCK")
        total = m1[1] - self.m0[1]
        other = (m1[0] - self.m0[0]) - (o1 - self.o0) * hz
        if total <= 0:
            return "?"
        return f"{max(0.0, 100.0 * other / total):.0f}"


# ------------------------------------------------------------------ gen
def layout(count):
    """[(relative folder, file count)] of `count` files."""
    out = []
    for folder, share in REGION_FOLDERS:
        out.append((folder, int(count * share)))
    out.append((".", count - sum(n for _, n in out)))
    return [(f, n) for f, n in out if n > 0]


def cmd_gen(args):
    gen = load_generator()
    started = time.monotonic()
    total_files = total_bytes = 0
    for i, (folder, n) in enumerate(layout(args.count)):
        written, size = gen.generate(os.path.join(args.dir, folder), n, args.seed + 7919 * i)
        total_files += written
        total_bytes += size
        label = "(flat, in the watch folder itself)" if folder == "." else folder + "/"
        print(f"  {label:<38} {written:>7} files, {size / 1048576:7.1f} MiB")
    print(f"  total {total_files} files, {total_bytes / 1048576:.1f} MiB, "
          f"in {time.monotonic() - started:.1f} s")
    print(f"RESULT files={total_files} bytes={total_bytes}")
    return 0


def cmd_stage(args):
    gen = load_generator()
    rng = random.Random(args.seed)
    os.makedirs(args.stage, exist_ok=True)
    tag = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(4))
    total = 0
    for i in range(args.count):
        title, text, _, _ = gen.make_release(rng, 500000 + i, title_suffix=f" (Burst {tag} {i:05d})")
        data = text.encode("utf-8")
        name = f"burst-{tag}-{i:05d}-{gen.slug(title, 40)}.txt"
        with open(os.path.join(args.stage, name), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"  staged {args.count} files ({total / 1048576:.1f} MiB) in {args.stage}")
    return 0


# ------------------------------------------------------------------ ready
def cmd_ready(args):
    """Polls /healthz every few ms until 200; prints the time since the
    daemon was launched and its memory at that moment and later."""
    pid = args.pid
    cpu = OtherCpu([pid])
    client = Client(args.url, timeout=5.0)
    t0 = args.t0_ns / 1e9
    deadline = time.time() + args.timeout
    statuses = {}
    ready_at = None
    while time.time() < deadline:
        if not os.path.exists(f"/proc/{pid}"):
            break
        status, _ = client.get("/healthz")
        if status == 200:
            ready_at = time.time()
            break
        statuses[status] = statuses.get(status, 0) + 1
        time.sleep(args.interval)
    at_ready = proc_status(pid)
    cpu_ready = proc_cpu_seconds(pid)
    other = cpu.percent()
    client.close()
    if ready_at is None:
        alive = os.path.exists(f"/proc/{pid}")
        print(f"  not ready: {'still starting' if alive else 'the daemon exited'} after "
              f"{time.time() - t0:.1f} s (healthz statuses {statuses})")
        print(f"RESULT ready=0 alive={int(alive)}")
        return 1
    time.sleep(args.after)
    later = proc_status(pid)
    elapsed = ready_at - t0
    hwm0 = at_ready.get("VmHWM", 0) / 1024
    hwm1 = later.get("VmHWM", 0) / 1024
    rss1 = later.get("VmRSS", 0) / 1024
    print(f"  /healthz 200 after {elapsed:.2f} s; daemon CPU {cpu_ready:.1f} s "
          f"({cpu_ready / max(elapsed, 1e-9):.2f} cores); other processes {other}% of the machine")
    print(f"  VmHWM {hwm0:.0f} MiB at ready (VmRSS {at_ready.get('VmRSS', 0) / 1024:.0f} MiB); "
          f"{args.after:.0f} s later VmHWM {hwm1:.0f} MiB, VmRSS {rss1:.0f} MiB")
    print(f"RESULT ready=1 seconds={elapsed:.3f} hwm_ready_mib={hwm0:.0f} hwm_later_mib={hwm1:.0f} "
          f"rss_later_mib={rss1:.0f} cpu_s={cpu_ready:.1f} other_pct={other}")
    return 0


# ------------------------------------------------------------------ burst
def published_count(client):
    """Releases in the served snapshot: the sum of /regions.json counts
    (rendered with the feeds, from the same snapshot). None on error."""
    status, body = client.get("/regions.json")
    if status != 200:
        return None
    try:
        return sum(r["count"] for r in json.loads(body)["regions"])
    except (ValueError, KeyError, TypeError):
        return None


def metrics(client):
    """{name{labels}: value} of /metrics."""
    status, body = client.get("/metrics")
    out = {}
    if status != 200:
        return out
    for line in body.decode("utf-8", "replace").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out


def metric_sum(m, prefix):
    return sum(v for k, v in m.items() if k == prefix or k.startswith(prefix + "{"))


def cmd_burst(args):
    names = sorted(os.listdir(args.stage))
    if not names:
        print("  nothing staged")
        return 1
    if os.stat(args.stage).st_dev != os.stat(args.watch).st_dev:
        print("  warning: staging folder is on another filesystem; rename is not atomic")
    client = Client(args.url)
    before = published_count(client)
    m0 = metrics(client)
    if before is None:
        print("  /regions.json does not answer")
        print("RESULT ok=0")
        return 1
    target = before + len(names)
    prefix = args.key_prefix
    cpu = OtherCpu([args.pid] if args.pid else [])

    # A second connection polls the published count while this thread renames.
    samples = []
    done = threading.Event()

    def poll():
        poller = Client(args.url)
        while not done.is_set():
            n = published_count(poller)
            samples.append((time.perf_counter(), n))
            if n is not None and n >= target:
                break
            time.sleep(args.poll_interval)
        poller.close()

    thread = threading.Thread(target=poll, daemon=True)
    rename = os.rename
    stage, watch = args.stage, args.watch
    t_first = time.perf_counter()
    thread.start()
    for name in names:
        rename(os.path.join(stage, name), os.path.join(watch, name))
    t_renamed = time.perf_counter()
    thread.join(timeout=args.timeout)
    done.set()
    thread.join(timeout=10)
    t_count = next((t for t, n in samples if n is not None and n >= target), None)

    # Every burst file by its id: the count could reach the target with some
    # missing and others duplicated. Stragglers are polled until the timeout;
    # then the last one is the time it was found.
    missing = list(names)
    t_last_seen = t_count
    check_started = time.perf_counter()
    deadline = t_first + args.timeout
    passes = 0
    while missing:
        passes += 1
        still = []
        for name in missing:
            status, _ = client.get(f"/releases/{release_slug(prefix + name)}.json")
            if status != 200:
                still.append(name)
        if passes > 1 and len(still) < len(missing):
            t_last_seen = time.perf_counter()
        missing = still
        if not missing or time.perf_counter() > deadline:
            break
        time.sleep(0.05)
    check_seconds = time.perf_counter() - check_started
    if t_last_seen is None and not missing:
        # The count never reached the target, yet every file is there (files
        # removed meanwhile?): the end of the check is an upper bound.
        t_last_seen = time.perf_counter()
        print("  note: the published count never reached the target; timing ends at the id check")
    other = cpu.percent()

    time.sleep(args.settle)
    after = published_count(client)
    m1 = metrics(client)
    gauge = metric_sum(m1, "pressfeed_releases")
    refused = metric_sum(m1, "pressfeed_files_refused_total") - metric_sum(m0, "pressfeed_files_refused_total")
    rescans = metric_sum(m1, "pressfeed_rescans_total") - metric_sum(m0, "pressfeed_rescans_total")
    versions = m1.get("pressfeed_snapshot_version", 0) - m0.get("pressfeed_snapshot_version", 0)
    client.close()

    def at(fraction):
        goal = before + fraction * len(names)
        t = next((t for t, n in samples if n is not None and n >= goal), None)
        return "-" if t is None else f"{t - t_first:.2f} s"

    rename_s = t_renamed - t_first
    print(f"  renamed {len(names)} files into {watch} in {rename_s:.2f} s "
          f"({len(names) / max(rename_s, 1e-9):.0f} renames/s)")
    print(f"  published count (sum of /regions.json) {before} -> target {target}; polled every "
          f"{args.poll_interval * 1000:.0f} ms: 50% at {at(0.5)}, 90% at {at(0.9)}, 100% at {at(1.0)}")
    if t_last_seen is None or missing:
        print(f"  NOT all published within {args.timeout:.0f} s: {len(missing)} of {len(names)} burst "
              f"files have no /releases/{{id}}.json")
        seconds = float("nan")
        rate = 0.0
    else:
        seconds = t_last_seen - t_first
        rate = len(names) / seconds
        print(f"  first rename -> last file published: {seconds:.2f} s = {rate:.0f} files/s")
    print(f"  check of every burst file by /releases/{{id}}.json: {len(names) - len(missing)} found, "
          f"{len(missing)} missing ({check_seconds:.1f} s, {passes} pass(es))")
    extra = (after or 0) - target
    print(f"  {args.settle:.0f} s later: published count {after} (expected {target}: "
          f"{'exact' if extra == 0 else f'{extra:+d}'}); metrics gauge pressfeed_releases sum {gauge:.0f}; "
          f"refused during burst {refused:.0f}; rescans {rescans:.0f}; snapshots published {versions:.0f}")
    print(f"  other processes used {other}% of the machine meanwhile")
    ok = int(not missing and after == target and gauge == target)
    print(f"RESULT ok={ok} seconds={seconds:.3f} rate={rate:.0f} missing={len(missing)} "
          f"extra={extra} gauge={gauge:.0f} expected={target} rescans={rescans:.0f} "
          f"snapshots={versions:.0f} refused={refused:.0f} other_pct={other}")
    return 0


# ------------------------------------------------------------------ queries
def query_paths(t_start, t_ready):
    """{category: [paths]} over the release set of scale.sh."""
    span = max(t_ready - t_start, 1.0)
    since = lambda f: rfc3339(t_start + f * span)
    return {
        "since": [
            f"/feeds/all.atom?since={rfc3339(t_start - 86400)}",
            f"/feeds/all.json?since={since(0.25)}",
            f"/feeds/all.rss?since={since(0.5)}",
            f"/feeds/all.atom?since={since(0.75)}",
            f"/feeds/all.atom?since={rfc3339(t_ready + 3600)}",
            f"/feeds/asia-pacific.atom?since={since(0.0)}",
            f"/feeds/south-america.json?since={since(0.5)}",
            f"/feeds/east-horn-africa.rss?since={since(0.9)}",
        ],
        "country": [
            "/feeds/all.atom?country=NP",
            "/feeds/all.json?country=KE",
            "/feeds/all.rss?country=CO",
            "/feeds/all.atom?country=UA",
            "/feeds/asia-pacific.atom?country=BD",
            "/feeds/south-america.json?country=VE",
            "/feeds/all.atom?country=JP",  # no release: the whole set is looked at
            "/feeds/all.json?country=IS",  # idem
        ],
        "limit": [
            "/feeds/all.atom?limit=1",
            "/feeds/all.atom?limit=10",
            "/feeds/all.atom?limit=100",
            "/feeds/all.atom?limit=500",
            "/feeds/all.json?limit=500",
            "/feeds/all.rss?limit=200",
            "/feeds/asia-pacific.atom?limit=500",
            "/feeds/european-economic-area.json?limit=250",
        ],
    }


def entries_in(path, body):
    if ".json" in path.split("?")[0]:
        try:
            return len(json.loads(body).get("items", []))
        except ValueError:
            return -1
    if ".rss" in path.split("?")[0]:
        return body.count(b"<item>") + body.count(b"<item ")
    return body.count(b"<entry>") + body.count(b"<entry ")


def cmd_queries(args):
    paths = query_paths(args.start, args.ready)
    os.makedirs(args.out, exist_ok=True)
    for category, lst in paths.items():
        with open(os.path.join(args.out, f"{category}.txt"), "w") as f:
            f.write("\n".join(lst) + "\n")
    if args.list_only:
        return 0
    client = Client(args.url)
    results = []
    for category, lst in paths.items():
        per_path = {p: [] for p in lst}
        info = {}
        for p in lst:  # one warm-up request each; size and entry count
            status, body = client.get(p)
            info[p] = (status, len(body), entries_in(p, body) if status == 200 else -1)
        all_ms = []
        cpu = OtherCpu([args.pid] if args.pid else [])
        started = time.perf_counter()
        rounds = 0
        while rounds < args.min_rounds or (time.perf_counter() - started < args.seconds and rounds < 10000):
            rounds += 1
            for p in lst:
                t = time.perf_counter()
                status, _ = client.get(p)
                ms = (time.perf_counter() - t) * 1000.0
                if status != 200:
                    info[p] = (status, info[p][1], info[p][2])
                per_path[p].append(ms)
                all_ms.append(ms)
        other = cpu.percent()
        all_ms.sort()
        p50, p99 = percentile(all_ms, 50), percentile(all_ms, 99)
        print(f"  {category:<8} sequential, one keep-alive connection: {len(all_ms)} requests, "
              f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {all_ms[-1]:.2f} ms; other CPU {other}%")
        for p in lst:
            d = sorted(per_path[p])
            status, size, entries = info[p]
            note = "" if status == 200 else f"  status {status}!"
            print(f"      {percentile(d, 50):8.2f} ms p50 {percentile(d, 99):8.2f} ms p99  "
                  f"{entries:>4} entries {size / 1024:8.1f} KiB  {p}{note}")
        results.append(f"{category}_p50={p50:.3f} {category}_p99={p99:.3f} {category}_other={other}")
    client.close()
    print("RESULT " + " ".join(results))
    return 0


# ------------------------------------------------------------------ hugo
DATELINE = re.compile(r"^(.+?) – ")


def cmd_hugo_site(args):
    """Writes a Hugo site whose content is the release .txt files under
    args.roots (title = first line, body = the rest as Markdown paragraphs),
    each with a `regions` term: the region folder, else the dateline's
    country's region."""
    gen = load_generator()
    city_country = {city: country for city, country, _, _ in gen.PLACES}
    site = args.site
    # Directly under content/: no section, so no section list or feed.
    content = os.path.join(site, "content")
    os.makedirs(content, exist_ok=True)
    terms = {}
    written = 0
    for root in args.roots:
        base = os.path.basename(os.path.normpath(root))
        for dirpath, _, files in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            first = rel.split(os.sep)[0] if rel != "." else None
            for name in sorted(files):
                if not name.endswith(".txt"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                title, _, body = text.partition("\n")
                paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
                region = first if first in args.region_slugs else None
                if region is None:
                    m = DATELINE.match(paragraphs[0] if paragraphs else "")
                    country = city_country.get(m.group(1)) if m else None
                    region = COUNTRY_REGION.get(country, ("", "global"))[1]
                terms[region] = terms.get(region, 0) + 1
                date = rfc3339(os.stat(path).st_mtime)
                stem = f"{base}-{rel.replace(os.sep, '-')}-{name[:-4]}" if rel != "." else f"{base}-{name[:-4]}"
                front = (
                    "---\n"
                    f"title: {json.dumps(title.strip(), ensure_ascii=False)}\n"
                    f"date: {date}\n"
                    f"regions: [{json.dumps(region)}]\n"
                    "---\n\n"
                )
                # Markdown: paragraphs as they are; the contact block's two
                # lines kept as separate lines (hard break).
                md = "\n\n".join(p.replace("\n", "  \n") for p in paragraphs) + "\n"
                with open(os.path.join(content, stem + ".md"), "w", encoding="utf-8") as f:
                    f.write(front + md)
                written += 1
    config = f"""# Generated by benches/scale.sh: the releases as a Hugo site, with one RSS
# feed per `regions` term and one for everything, like pressfeed's feeds.
baseURL = "http://127.0.0.1:8080/"
title = "pressfeed"
languageCode = "en"
disableKinds = ["sitemap", "robotsTXT", "404", "section", "taxonomy"]
enableRobotsTXT = false
# Hugo warns that "taxonomy" means the list of terms (/regions/) since 0.73:
# that is what is meant; the term pages (/regions/<term>/) stay, as RSS.
ignoreErrors = ["error-disable-taxonomy"]

[taxonomies]
  region = "regions"

[outputs]
  home = ["RSS"]
  page = ["HTML"]
  term = ["RSS"]

[services.rss]
  limit = {args.feed_entries}
"""
    with open(os.path.join(site, "config.toml"), "w") as f:
        f.write(config)
    layouts = os.path.join(site, "layouts", "_default")
    os.makedirs(layouts, exist_ok=True)
    with open(os.path.join(layouts, "single.html"), "w") as f:
        f.write("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<title>{{ .Title }}</title></head>\n<body><article><h1>{{ .Title }}</h1>\n"
                "<p>{{ .Date.Format \"2006-01-02\" }} · {{ delimit (.Params.regions) \", \" }}</p>\n"
                "{{ .Content }}</article></body></html>\n")
    # RSS with the whole body (content:encoded), as pressfeed's full_content.
    with open(os.path.join(layouts, "rss.xml"), "w") as f:
        f.write("""{{- $pages := .RegularPagesRecursive -}}
{{- if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end -}}
{{- $limit := .Site.Config.Services.RSS.Limit -}}
{{- if ge $limit 1 }}{{ $pages = $pages | first $limit }}{{ end -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\" standalone=\\"yes\\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>{{ if eq .Title .Site.Title }}{{ .Site.Title }}{{ else }}{{ with .Title }}{{ . }} - {{ end }}{{ .Site.Title }}{{ end }}</title>
    <link>{{ .Permalink }}</link>
    <description>Releases</description>
    {{- with .OutputFormats.Get "RSS" }}
    {{ printf "<atom:link href=%q rel=\\"self\\" type=%q />" .Permalink .MediaType | safeHTML }}
    {{- end }}
    {{- range $pages }}
    <item>
      <title>{{ .Title }}</title>
      <link>{{ .Permalink }}</link>
      <pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
      <guid isPermaLink="false">{{ .Permalink }}</guid>
      {{- range .Params.regions }}
      <category>{{ . }}</category>
      {{- end }}
      <description>{{ .Summary | html }}</description>
      <content:encoded>{{ .Content | html }}</content:encoded>
    </item>
    {{- end }}
  </channel>
</rss>
""")
    print(f"  wrote {written} Markdown files into {content}")
    print("  Hugo regions terms: " + ", ".join(f"{k} {v}" for k, v in sorted(terms.items())))
    print("RESULT " + json.dumps({"files": written, "terms": terms}, separators=(",", ":")))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("gen")
    p.add_argument("--dir", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=20240601)
    p.set_defaults(func=cmd_gen)

    p = sub.add_parser("stage")
    p.add_argument("--stage", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=777)
    p.set_defaults(func=cmd_stage)

    p = sub.add_parser("ready")
    p.add_argument("--url", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--t0-ns", type=int, required=True, help="launch time, ns since the epoch")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--after", type=float, default=5, help="seconds until the second memory reading")
    p.add_argument("--interval", type=float, default=0.01)
    p.set_defaults(func=cmd_ready)

    p = sub.add_parser("burst")
    p.add_argument("--url", required=True)
    p.add_argument("--stage", required=True)
    p.add_argument("--watch", required=True)
    p.add_argument("--key-prefix", default="",
                   help="key of a file in --watch = this + its name ('' with one watch folder renamed into "
                        "at its top; '<folder name>/' with several watch folders)")
    p.add_argument("--pid", type=int, default=0)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--poll-interval", type=float, default=0.005)
    p.add_argument("--settle", type=float, default=3)
    p.set_defaults(func=cmd_burst)

    p = sub.add_parser("queries")
    p.add_argument("--url", default="")
    p.add_argument("--pid", type=int, default=0, help="the daemon, for the other-CPU share")
    p.add_argument("--start", type=float, required=True, help="epoch seconds: cold start launched")
    p.add_argument("--ready", type=float, required=True, help="epoch seconds: cold start ready")
    p.add_argument("--out", required=True, help="folder for the URL lists")
    p.add_argument("--seconds", type=float, default=3, help="per category")
    p.add_argument("--min-rounds", type=int, default=5)
    p.add_argument("--list-only", action="store_true")
    p.set_defaults(func=cmd_queries)

    p = sub.add_parser("hugo-site")
    p.add_argument("--site", required=True)
    p.add_argument("--feed-entries", type=int, default=50)
    p.add_argument("--region-slugs", nargs="*", default=[
        "asia-pacific", "central-north-america-caribbean", "east-horn-africa",
        "european-economic-area", "middle-east-north-africa", "south-america",
        "southeast-europe-eastern-europe-central-asia", "southern-africa",
        "west-central-africa", "global"])
    p.add_argument("roots", nargs="+")
    p.set_defaults(func=cmd_hugo_site)

    args = ap.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
