"""Checks the Schematron rules of RFC 4287's schema (Appendix B), which
RELAX NG validation ignores, by parsing the Atom document.

Usage: atom_rules.py FILE...

- An atom:feed must have an atom:author unless all of its atom:entry
  children have an atom:author (and so every entry has an author: its own,
  its feed's, or its atom:source's).
- An atom:entry must have at least one atom:link element with a rel
  attribute of 'alternate' (no rel means alternate) or an atom:content.

Prints a JSON list on stdout, one {"file", "entries", "problems"} per file,
and exits 1 when any file has a problem (0 otherwise).
"""

import json
import sys
import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"


def check(path):
    problems = []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return {"file": path, "entries": 0, "problems": ["not well-formed XML: %s" % e]}
    if root.tag != ATOM + "feed":
        problems.append("root element is %s, not atom:feed" % root.tag)
    entries = root.findall(ATOM + "entry")
    feed_author = root.find(ATOM + "author") is not None
    for n, entry in enumerate(entries, 1):
        ident = entry.findtext(ATOM + "id") or "?"
        what = "entry %d (%s)" % (n, ident)
        own = entry.find(ATOM + "author") is not None
        source = entry.find(ATOM + "source/" + ATOM + "author") is not None
        if not (own or feed_author or source):
            problems.append(what + ": no atom:author, and its feed has none")
        alternate = any(
            link.get("rel", "alternate") == "alternate" for link in entry.findall(ATOM + "link")
        )
        if not (alternate or entry.find(ATOM + "content") is not None):
            problems.append(what + ": neither a link rel=alternate nor a content element")
    return {"file": path, "entries": len(entries), "problems": problems}


def main():
    results = [check(path) for path in sys.argv[1:]]
    json.dump(results, sys.stdout)
    for r in results:
        for p in r["problems"]:
            print("%s: %s" % (r["file"], p), file=sys.stderr)
    sys.exit(1 if any(r["problems"] for r in results) else 0)


main()
