#!/usr/bin/env python3
"""Renames at scale: do releases keep their ids, and how long until they are
served at their new paths?

Starts `pressfeed serve` on N generated releases in `inbox/`, notes the ids
and paths of the newest 200 (from /feeds/all.json and /releases/{slug}.json),
then renames every file into `archive/`, one `rename` each, as a script
tidying an inbox would. With --edit each file is first saved again (a line
appended), then renamed straight after. Prints how long the renames took,
how long until the 200 are served at their new paths with their ids (up to
--timeout), how many kept their ids, and the number of releases served: it
stays N when nothing was lost or duplicated.

Usage: benches/renames.py [--files N] [--edit] [--timeout S] [--keep]
Env:   PRESSFEED=path/to/pressfeed (default: target/release/pressfeed,
       built with `cargo build --release` when missing)

Standard library only; the releases come from benches/serve-gen.py.
"""

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

BENCHES = os.path.dirname(os.path.abspath(__file__))
SAMPLE = 200


def load_tools():
    spec = importlib.util.spec_from_file_location("scale_tools", os.path.join(BENCHES, "scale-tools.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOLS = load_tools()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--edit", action="store_true", help="save each file again just before its rename")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    binary = TOOLS.pressfeed_binary()
    tmp = tempfile.mkdtemp(prefix="pressfeed-renames.")
    inbox = os.path.join(tmp, "releases", "inbox")
    archive = os.path.join(tmp, "releases", "archive")
    os.makedirs(archive)
    subprocess.run(
        [sys.executable, os.path.join(BENCHES, "serve-gen.py"), "--out", inbox, "--count", str(args.files)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # Written a while ago: the first scan does not wait for them as files being written.
    old = time.time() - 120
    names = sorted(os.listdir(inbox))
    for name in names:
        os.utime(os.path.join(inbox, name), (old, old))

    port = TOOLS.free_port()
    log = open(os.path.join(tmp, "pressfeed.log"), "w")
    daemon = subprocess.Popen(
        [binary, "serve", "--data", os.path.join(tmp, "data"), "--listen", f"127.0.0.1:{port}",
         "--watch", os.path.join(tmp, "releases")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def get(path):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return json.load(r)

    try:
        started = time.time()
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                if daemon.poll() is not None or time.time() - started > 300:
                    sys.exit(f"pressfeed did not become ready; see {log.name}")
                time.sleep(0.1)

        before = {}
        for item in get(f"/feeds/all.json?limit={SAMPLE}")["items"]:
            slug = item["id"].rsplit("/", 1)[-1]
            before[slug] = get(f"/releases/{slug}.json")["key"]

        def moved(slug, key):
            try:
                return get(f"/releases/{slug}.json").get("key") == key.replace("inbox/", "archive/", 1)
            except OSError:
                return False

        t0 = time.time()
        for name in names:
            path = os.path.join(inbox, name)
            if args.edit:
                with open(path, "a", encoding="utf-8") as f:
                    f.write("\nThis release was updated.\n")
            os.rename(path, os.path.join(archive, name))
        renamed = time.time() - t0
        deadline = t0 + args.timeout
        while not all(moved(s, k) for s, k in before.items()) and time.time() < deadline:
            time.sleep(0.02)
        settled = time.time() - t0
        kept = sum(moved(s, k) for s, k in before.items())
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            metrics = r.read().decode()
        served = sum(float(line.split()[-1]) for line in metrics.splitlines()
                     if line.startswith("pressfeed_releases{"))
        what = "saved again and renamed" if args.edit else "renamed"
        outcome = f"after {settled:.2f} s" if kept == len(before) else f"not all within {args.timeout:.0f} s"
        print(f"{args.files} files {what} one by one in {renamed:.2f} s")
        print(f"  the newest {len(before)} served at their new paths with their ids: {outcome}")
        print(f"  ids kept: {kept} of {len(before)}; releases served: {served:.0f} (files: {args.files})")
        print(f"RESULT files={args.files} edit={int(args.edit)} rename_s={renamed:.2f} settled_s={settled:.2f} "
              f"kept={kept} sampled={len(before)} served={served:.0f}")
    finally:
        daemon.terminate()
        daemon.wait()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
