"""Validates a JSON Feed 1.1 document.

Usage: jsonfeed_validate.py SCHEMA FILE ITEMS [FILE ITEMS]...

SCHEMA is tests/schema/jsonfeed-1.1.json, checked with the `jsonschema`
package (Draft 2020-12). Then the rules that schema does not enforce: the
body is UTF-8 JSON, `version` is exactly https://jsonfeed.org/version/1.1,
item ids are unique, every date is RFC 3339, and every URL is absolute.
Finally each feed must have exactly ITEMS items.

Prints a JSON list on stdout, one {"file", "title", "ids", "problems"} per
feed, and exits 1 when any feed has a problem (0 otherwise).
"""

import datetime
import json
import re
import sys
import urllib.parse

import jsonschema

VERSION = "https://jsonfeed.org/version/1.1"
RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$"
)
URL_KEYS = {"home_page_url", "feed_url", "next_url", "icon", "favicon", "url", "external_url",
            "image", "banner_image", "avatar"}
DATE_KEYS = {"date_published", "date_modified"}


def rfc3339(value):
    m = RFC3339.match(value) if isinstance(value, str) else None
    if not m:
        return False
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        datetime.datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return False
    if second > 60:
        return False
    if m.group(9) is not None and (int(m.group(9)) > 23 or int(m.group(10)) > 59):
        return False
    return True


def absolute(value):
    if not isinstance(value, str) or value != value.strip() or " " in value:
        return False
    parts = urllib.parse.urlsplit(value)
    if not parts.scheme:
        return False
    if parts.scheme in ("http", "https"):
        return bool(parts.netloc)
    return bool(parts.path)


def walk(node, where, problems):
    """Checks every date and URL member, anywhere outside extensions."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("_"):
                continue
            here = "%s.%s" % (where, key)
            if key in DATE_KEYS and not rfc3339(value):
                problems.append("%s: %r is not an RFC 3339 date" % (here, value))
            elif key in URL_KEYS and isinstance(value, str) and not absolute(value):
                problems.append("%s: %r is not an absolute URL" % (here, value))
            walk(value, here, problems)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk(value, "%s[%d]" % (where, i), problems)


def validate(validator, path, items):
    with open(path, "rb") as f:
        body = f.read()
    try:
        feed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return {"file": path, "title": None, "ids": [], "problems": ["not UTF-8 JSON: %s" % e]}
    problems = []
    for error in sorted(validator.iter_errors(feed), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "".join("[%r]" % p for p in error.absolute_path) or "(root)"
        message = error.message
        if error.validator == "anyOf":
            needs = [" and ".join(s.get("required", [])) for s in error.validator_value]
            message = "needs " + " or ".join(needs)
        problems.append("schema: %s: %s" % (where, message))
    if not isinstance(feed, dict):
        problems.append("the document is not a JSON object")
        feed = {}
    if feed.get("version") != VERSION:
        problems.append("version %r, expected %r" % (feed.get("version"), VERSION))
    walk(feed, "$", problems)
    entries = feed.get("items") if isinstance(feed.get("items"), list) else []
    ids = [i.get("id") for i in entries if isinstance(i, dict)]
    for i in sorted({i for i in ids if ids.count(i) > 1}, key=str):
        problems.append("item id %r repeats" % (i,))
    if len(entries) != int(items):
        problems.append("%d items, expected %s" % (len(entries), items))
    return {"file": path, "title": feed.get("title"), "ids": ids, "problems": problems}


def main():
    args = sys.argv[1:]
    if len(args) < 3 or len(args) % 2 == 0:
        sys.exit("usage: jsonfeed_validate.py SCHEMA FILE ITEMS [FILE ITEMS]...")
    with open(args[0], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    results = [validate(validator, args[i], args[i + 1]) for i in range(1, len(args), 2)]
    json.dump(results, sys.stdout)
    for r in results:
        for p in r["problems"]:
            print("%s: %s" % (r["file"], p), file=sys.stderr)
    sys.exit(1 if any(r["problems"] for r in results) else 0)


main()
