"""Reads what newsboat stored for a feed from its SQLite cache.

Usage: newsboat_cache.py CACHE_DB FEED_URL [CACHE_DB FEED_URL]...

Prints a JSON list on stdout, one {"file", "title", "items", "problems"} per
cache: the feed title newsboat stored and the items it kept (not deleted),
each {"guid", "title", "url"}; a problem when the cache is missing, is
unreadable or has no row for the feed. Exits 1 when there is a problem.
"""

import json
import os
import sqlite3
import sys


def read(db, url):
    result = {"file": db, "title": None, "items": [], "problems": []}
    if not os.path.exists(db):
        result["problems"].append("newsboat wrote no cache at %s" % db)
        return result
    con = sqlite3.connect(db)
    try:
        row = con.execute("select title from rss_feed where rssurl = ?", (url,)).fetchone()
        if row is None:
            result["problems"].append("newsboat's cache has no feed %s" % url)
        else:
            result["title"] = row[0]
        result["items"] = [
            {"guid": guid, "title": title, "url": link}
            for guid, title, link in con.execute(
                "select guid, title, url from rss_item where feedurl = ? and deleted = 0 order by id",
                (url,),
            )
        ]
    except sqlite3.Error as e:
        result["problems"].append("newsboat's cache is unreadable: %s" % e)
    finally:
        con.close()
    return result


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit("usage: newsboat_cache.py CACHE_DB FEED_URL [...]")
    results = [read(args[i], args[i + 1]) for i in range(0, len(args), 2)]
    json.dump(results, sys.stdout)
    for r in results:
        for p in r["problems"]:
            print("%s: %s" % (r["file"], p), file=sys.stderr)
    sys.exit(1 if any(r["problems"] for r in results) else 0)


main()
