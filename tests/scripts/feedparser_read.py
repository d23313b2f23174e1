"""Reads an Atom or RSS feed with Python's feedparser, as a reader would.

Usage: feedparser_read.py FILE CONTENT_TYPE VERSION ENTRIES [FILE CONTENT_TYPE VERSION ENTRIES]...

FILE is the body the server sent and CONTENT_TYPE its Content-Type header
(handed to feedparser as the response header, so a charset or media type
mismatch shows up as bozo). Checks: bozo == 0, the feed version is VERSION
(atom10, rss20), the feed has a title, there are exactly ENTRIES entries,
and every entry has an id, a title, an alternate link and a parsed date
(published or updated); no id repeats.

Prints a JSON list on stdout, one {"file", "version", "title", "ids",
"problems"} per feed, and exits 1 when any feed has a problem (0 otherwise).
"""

import json
import sys

import feedparser


def read(path, content_type, version, entries):
    with open(path, "rb") as f:
        body = f.read()
    d = feedparser.parse(body, response_headers={"content-type": content_type})
    problems = []
    if d.bozo:
        problems.append("bozo=1: %s: %s" % (type(d.bozo_exception).__name__, d.bozo_exception))
    if d.version != version:
        problems.append("version %r, expected %r" % (d.version, version))
    if not d.feed.get("title"):
        problems.append("the feed has no title")
    if len(d.entries) != int(entries):
        problems.append("%d entries, expected %s" % (len(d.entries), entries))
    ids = []
    for n, e in enumerate(d.entries, 1):
        what = "entry %d (%s)" % (n, e.get("id") or e.get("title") or "?")
        if not e.get("id"):
            problems.append(what + ": no id")
        if not e.get("title"):
            problems.append(what + ": no title")
        # feedparser copies the id into `link` when there is no link
        # element, so look at the links it actually read.
        if not any(
            l.get("rel") == "alternate" and l.get("href", "").startswith(("http://", "https://"))
            for l in e.get("links", [])
        ):
            problems.append(what + ": no absolute alternate link")
        if not (e.get("published_parsed") or e.get("updated_parsed")):
            problems.append(what + ": no parsed date (published or updated)")
        if e.get("id") and e.get("id") in ids:
            problems.append(what + ": repeated id")
        ids.append(e.get("id"))
    return {
        "file": path,
        "version": d.version,
        "title": d.feed.get("title"),
        "ids": ids,
        "problems": problems,
    }


def main():
    args = sys.argv[1:]
    if not args or len(args) % 4:
        sys.exit("usage: feedparser_read.py FILE CONTENT_TYPE VERSION ENTRIES [...]")
    results = [read(*args[i : i + 4]) for i in range(0, len(args), 4)]
    json.dump(results, sys.stdout)
    for r in results:
        for p in r["problems"]:
            print("%s: %s" % (r["file"], p), file=sys.stderr)
    sys.exit(1 if any(r["problems"] for r in results) else 0)


main()
