"""Reads what newsboat stored for one feed from its SQLite cache.

Usage: newsboat_cache.py CACHE_DB FEED_URL

Prints {"title": feed title, "items": [{"guid", "title", "url"}, ...]} as
JSON on stdout (the items newsboat kept, not deleted), or a problem on
stderr with exit 1 when the cache is missing or unreadable.
"""

import json
import os
import sqlite3
import sys


def main():
    db, url = sys.argv[1:3]
    if not os.path.exists(db):
        print("newsboat wrote no cache at %s" % db, file=sys.stderr)
        sys.exit(1)
    con = sqlite3.connect(db)
    try:
        row = con.execute("select title from rss_feed where rssurl = ?", (url,)).fetchone()
        items = [
            {"guid": guid, "title": title, "url": link}
            for guid, title, link in con.execute(
                "select guid, title, url from rss_item where feedurl = ? and deleted = 0 order by id",
                (url,),
            )
        ]
    except sqlite3.Error as e:
        print("newsboat's cache is unreadable: %s" % e, file=sys.stderr)
        sys.exit(1)
    json.dump({"title": row[0] if row else None, "items": items}, sys.stdout)


main()
