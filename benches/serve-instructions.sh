#!/usr/bin/env bash
# benches/serve-instructions.sh — instructions per request of the serving
# path, counted by callgrind: a figure the machine's noise does not move,
# for comparing builds of pressfeed (user space only: the kernel's share of
# a request is not counted).
#
# For each binary and each case (304 revalidation, gzip, plain) of one feed:
# starts `pressfeed serve` under callgrind on N generated releases, waits
# until it is ready and its feeds are rendered, zeroes the counters, runs
# wrk with one connection for D seconds, dumps the counters, and prints the
# instructions counted on every thread divided by wrk's request count.
#
# Usage: benches/serve-instructions.sh [--files N] [--duration D] [--feed F]
#                                      [--cases "304 gzip plain"] BIN [BIN...]
# Needs: valgrind (callgrind_control), wrk, curl, python3.

set -uo pipefail
BENCHES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FILES=2000; DURATION=4; FEED=all.atom; CASES="304 gzip plain"; SETTLE=20
while [[ $# -gt 0 ]]; do
    case "$1" in
        --files) FILES="$2"; shift 2 ;;
        --duration) DURATION="$2"; shift 2 ;;
        --feed) FEED="$2"; shift 2 ;;
        --cases) CASES="$2"; shift 2 ;;
        -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) break ;;
    esac
done
[[ $# -ge 1 ]] || { echo "serve-instructions.sh: name at least one pressfeed binary" >&2; exit 2; }
for tool in valgrind callgrind_control wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "serve-instructions.sh: $tool is missing" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/pressfeed-instr.XXXXXX)
trap 'kill $PID 2>/dev/null; rm -rf "$TMP"' EXIT
PID=""
python3 "$BENCHES/serve-gen.py" --out "$TMP/releases" --count "$FILES" >/dev/null \
    || { echo "serve-instructions.sh: generating releases failed" >&2; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

count() { # bin case -> prints one line
    local bin="$1" case="$2" port url etag out requests total=0 f v
    port=$(free_port); rm -rf "$TMP/data" "$TMP"/cg.*
    valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.%p" --dump-line=no \
        "$bin" serve --data "$TMP/data" --listen "127.0.0.1:$port" --watch "$TMP/releases" \
        >/dev/null 2>"$TMP/valgrind.err" &
    PID=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do
        kill -0 "$PID" 2>/dev/null || { tail -5 "$TMP/valgrind.err" >&2; return 1; }
        sleep 0.2
    done
    sleep "$SETTLE" # the feeds of the first snapshot are rendered in the background
    url="http://127.0.0.1:$port/feeds/$FEED"
    etag=$(curl -sI -H 'Accept-Encoding: gzip' "$url" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" {print $2}')
    local headers=()
    case "$case" in
        304) headers=(-H "If-None-Match: $etag" -H 'Accept-Encoding: gzip') ;;
        gzip) headers=(-H 'Accept-Encoding: gzip') ;;
    esac
    wrk -t1 -c1 -d1s "${headers[@]}" "$url" >/dev/null # first connection and answer
    callgrind_control -z "$PID" >/dev/null 2>&1
    out=$(wrk -t1 -c1 -d"${DURATION}s" "${headers[@]}" "$url")
    callgrind_control -d "$PID" >/dev/null 2>&1
    kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=""
    requests=$(awk '/ requests in / {print $1}' <<<"$out")
    for f in "$TMP"/cg.*.1; do
        v=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
        total=$((total + ${v:-0}))
    done
    awk -v b="$bin" -v c="$case" -v n="${requests:-0}" -v t="$total" -v f="$FEED" \
        'BEGIN { printf "%-40s %-6s /feeds/%s: %7d requests, %8.0f instructions per request\n", b, c, f, n, (n > 0 ? t / n : 0) }'
}

for case in $CASES; do
    for bin in "$@"; do
        count "$bin" "$case" || echo "$bin $case: pressfeed did not start under valgrind" >&2
    done
done
