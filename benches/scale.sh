#!/usr/bin/env bash
# benches/scale.sh — pressfeed at scale (issue 6), in one run:
#   1. cold start: N release files (serve-gen.py, one seed per folder) in
#      one watch folder — six region folders (releases/<region>/..., one with
#      a year level) and 40% flat in releases/ itself, region inferred from
#      the text — and an empty store: time from launch
#      to /healthz 200, the daemon's VmHWM right then and a few seconds later;
#      warm start: SIGTERM, start again on the same files and store, same
#      figures;
#   2. queries at N releases: `since`, `country` and `limit` feed queries,
#      p50/p99 with one sequential keep-alive client (per URL too) and with
#      wrk (2 threads, 16 connections, a Lua script cycling through the URLs);
#      the same wrk load on nginx serving the very bytes of those URLs as
#      static files (sendfile, open_file_cache), when nginx is installed:
#      the floor two cores set for 16 clients pulling bodies of up to 2.5 MB;
#   3. serving cost vs store size: req/s of /feeds/all.atom (plain) with
#      wrk -t2 -c64 on a daemon holding 1,000 releases and on the N one;
#   4. burst: M new files (default 10,000) written to a staging folder on the
#      same filesystem, then renamed into releases/ as fast as one python
#      process can; time from the first rename until the last one is
#      published (sum of /regions.json counts, which is rendered from the
#      same snapshot as the feeds, then every file by /releases/{id}.json);
#      files/s; none lost or duplicated (count, /metrics gauge, every id);
#   5. render vs Hugo: `pressfeed render` of 10,000 releases (same layout),
#      on an empty store (cold) and again on the filled store (warm), against
#      Hugo building the same releases as Markdown (front matter: title,
#      date, a `regions` term; one RSS feed per term, one for everything,
#      one HTML page per release);
#   6. prints a summary with the targets of issue 6 (cold <= 20 s and
#      VmHWM <= 300 MB, warm <= 3 s, burst >= 2,000 files/s, query
#      p99 <= 5 ms, render vs Hugo).
# It prints figures and never asserts on them: it exits 0 unless it could not
# run at all (missing tools, a daemon that does not start). Other processes'
# share of the CPUs is printed beside the figures: on a shared 2-core machine
# it moves them a lot.
#
# Usage: benches/scale.sh [--files N] [--burst M] [--render-files R]
#                         [--small-files S] [--duration SECONDS] [--rounds R] [--skip-hugo]
#                         [--keep] [--drop-caches] [--start-timeout S] [--burst-timeout S]
#   --files N         releases for the cold/warm start, queries, burst (100000)
#   --burst M         files renamed in by the burst (10000)
#   --render-files R  releases for render vs Hugo (10000)
#   --small-files S   the small store of the serving comparison (1000)
#   --duration S      seconds of each wrk run (5)
#   --rounds R        alternating wrk rounds of the serving comparison (4; each store goes first in half of them)
#   --skip-hugo       no Hugo build (render is still timed)
#   --keep            keep the temporary folder (its path is printed)
#   --drop-caches     empty the kernel's page cache (whole machine; root)
#                     before the cold and the warm start, so that they read
#                     the files from disk; without it the files, just
#                     written, are read from memory
# Env:   PRESSFEED=path/to/pressfeed (default: `cargo build --release` of this
#        work tree, into $CARGO_TARGET_DIR or target/).
# Needs: python3, curl, wrk; hugo (apt-get installed when missing, as root).
# Disk: about 4.5 KB per release file, and 7.5 KB per release for the store.

set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCHES="$ROOT/benches"
TOOLS="$BENCHES/scale-tools.py"

FILES=100000
BURST=10000
RENDER_FILES=10000
SMALL_FILES=1000
DURATION=5
ROUNDS=4
SKIP_HUGO=""
KEEP=""
DROP_CACHES=""
START_TIMEOUT=900
BURST_TIMEOUT=600
AFTER=5          # seconds between the two memory readings after ready

usage() { sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; }
need_value() { [[ $# -ge 2 && -n "$2" ]] || { echo "scale.sh: $1 needs a value" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --files) need_value "$@"; FILES="$2"; shift 2 ;;
        --burst) need_value "$@"; BURST="$2"; shift 2 ;;
        --render-files) need_value "$@"; RENDER_FILES="$2"; shift 2 ;;
        --small-files) need_value "$@"; SMALL_FILES="$2"; shift 2 ;;
        --duration) need_value "$@"; DURATION="$2"; shift 2 ;;
        --rounds) need_value "$@"; ROUNDS="$2"; shift 2 ;;
        --start-timeout) need_value "$@"; START_TIMEOUT="$2"; shift 2 ;;
        --burst-timeout) need_value "$@"; BURST_TIMEOUT="$2"; shift 2 ;;
        --skip-hugo) SKIP_HUGO=1; shift ;;
        --keep) KEEP=1; shift ;;
        --drop-caches) DROP_CACHES=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "scale.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
for v in FILES BURST RENDER_FILES SMALL_FILES DURATION ROUNDS START_TIMEOUT BURST_TIMEOUT; do
    [[ "${!v}" =~ ^[0-9]+$ && "${!v}" -gt 0 ]] || { echo "scale.sh: ${v,,} must be a positive whole number" >&2; exit 2; }
done

log() { printf '%s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*"; WARNINGS=$((WARNINGS + 1)); }
die() { printf 'scale.sh: %s\n' "$*" >&2; exit 1; }
WARNINGS=0

# ---------------------------------------------------------------- cleanup
TMP=""
PF_PID=""        # the daemon on N files
SMALL_PID=""     # the daemon on the small store
NGINX_CONF=""    # nginx serving query bodies, stopped with this config
POLICY_RC_CREATED=""
stop_pid() { # pid [seconds]: TERM, wait, then KILL
    local pid="$1" wait_s="${2:-10}"
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq $((wait_s * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
FG_PID=""
run_fg() { # runs a command in the background and waits, so signals act at once
    "$@" &
    FG_PID=$!
    wait "$FG_PID"
    local rc=$?
    FG_PID=""
    return "$rc"
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$FG_PID" 5
    stop_pid "$SMALL_PID" 5
    stop_pid "$PF_PID" 5
    [[ -n "$NGINX_CONF" ]] && nginx -c "$NGINX_CONF" -s stop >/dev/null 2>&1
    [[ -n "$POLICY_RC_CREATED" ]] && rm -f /usr/sbin/policy-rc.d
    if [[ -n "$TMP" && -d "$TMP" ]]; then
        if [[ -n "$KEEP" ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools
install_debs() { # packages...: apt-get install without starting services
    [[ $(id -u) -eq 0 ]] || return 1
    command -v apt-get >/dev/null || return 1
    log "installing $* with apt-get"
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
    local rc=$?
    if [[ -n "$POLICY_RC_CREATED" ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=""; fi
    return "$rc"
}
for t in python3 curl timeout awk find; do
    command -v "$t" >/dev/null || die "$t is required"
done
command -v wrk >/dev/null || install_debs wrk || die "wrk is required (apt-get install wrk)"
if [[ -z "$SKIP_HUGO" ]] && ! command -v hugo >/dev/null; then
    install_debs hugo || true
    command -v hugo >/dev/null || { warn "hugo is missing and could not be installed: the Hugo build is skipped"; SKIP_HUGO=1; }
fi

# ---------------------------------------------------------------- binary
if [[ -n "${PRESSFEED:-}" ]]; then
    case "$PRESSFEED" in /*) ;; *) PRESSFEED="$PWD/$PRESSFEED" ;; esac
    [[ -x "$PRESSFEED" ]] || die "PRESSFEED=$PRESSFEED is not an executable"
else
    target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
    PRESSFEED="$target_dir/release/pressfeed"
    log "building $PRESSFEED (cargo build --release, CARGO_TARGET_DIR=$target_dir)"
    (cd "$ROOT" && CARGO_TARGET_DIR="$target_dir" timeout 3600 cargo build --release --bin pressfeed -q) \
        || die "cargo build failed"
    [[ -x "$PRESSFEED" ]] || die "the build did not produce $PRESSFEED"
fi

# ---------------------------------------------------------------- helpers
TMP="$(mktemp -d "${TMPDIR:-/tmp}/pressfeed-scale.XXXXXX")" || die "mktemp failed"
OUT="$TMP/out"          # logs and helper outputs
BIG="$TMP/big"          # N files in BIG/releases; store in BIG/data
SMALL="$TMP/small"      # the small store's files
REN="$TMP/render"       # render vs Hugo
STAGE="$TMP/stage"      # burst files, outside the watched folders, same filesystem
mkdir -p "$OUT" "$BIG" "$SMALL" "$REN" "$STAGE"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
now_ns() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
declare -A R      # results: R[phase_key]=value
# keep_result PREFIX FILE: the last "RESULT k=v ..." line of FILE into R[PREFIX_k]
keep_result() {
    local prefix="$1" line kv
    line="$(grep '^RESULT ' "$2" | tail -1)"
    line="${line#RESULT }"
    for kv in $line; do R[${prefix}_${kv%%=*}]="${kv#*=}"; done
}
show() { grep -v '^RESULT ' "$1"; }
to_ms() { # wrk latency "1.23ms" / "456.78us" / "1.02s" / "2.00m" -> ms
    awk -v v="$1" 'BEGIN {
        if (v == "") { print "-"; exit }
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.2f", n }'
}
cpu_sample() { # -> "busy total ours" jiffies; ours = the daemons and this script's children
    local busy total ours=0 p t u n sy id io irq sirq st
    read -r _ u n sy id io irq sirq st _ </proc/stat
    busy=$((u + n + sy + st)); total=$((busy + id + io + irq + sirq))
    for p in $PF_PID $SMALL_PID; do
        t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) && ours=$((ours + ${t:-0}))
    done
    t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$$/stat" 2>/dev/null) && ours=$((ours + ${t:-0}))
    echo "$busy $total $ours"
}
other_pct() { # "before" "after" -> % of all CPUs used by other processes
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
        t = y[2] - x[2]; o = (y[1] - x[1]) - (y[3] - x[3]);
        if (t <= 0) { print "?"; exit } if (o < 0) o = 0; printf "%.0f", 100 * o / t }'
}
mem_of() { # pid -> "VmHWM MiB / VmRSS MiB"
    awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 } END { printf "VmHWM %.0f MiB, VmRSS %.0f MiB", h / 1024, r / 1024 }' "/proc/$1/status" 2>/dev/null
}

# start_daemon NAME DATA WATCH... : starts `pressfeed serve`, waits for
# /healthz 200 and the memory readings; sets DAEMON_PID, DAEMON_URL,
# DAEMON_T0 (epoch s) and R[NAME_*]. Returns 1 when it is not ready.
DAEMON_PID=""; DAEMON_URL=""; DAEMON_T0=""
start_daemon() {
    local name="$1" data="$2"; shift 2
    local port args=() w t0
    port=$(free_port)
    args=(serve --data "$data" --listen "127.0.0.1:$port")
    for w in "$@"; do args+=(--watch "$w"); done
    t0=$(now_ns)
    (cd "$TMP" && exec "$PRESSFEED" "${args[@]}" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr") &
    DAEMON_PID=$!
    DAEMON_URL="http://127.0.0.1:$port"
    DAEMON_T0=$(awk -v t="$t0" 'BEGIN { printf "%.3f", t / 1e9 }')
    run_fg python3 "$TOOLS" ready --url "$DAEMON_URL" --pid "$DAEMON_PID" --t0-ns "$t0" \
        --timeout "$START_TIMEOUT" --after "$AFTER" >"$OUT/$name.ready" 2>&1
    local rc=$?
    show "$OUT/$name.ready"
    keep_result "$name" "$OUT/$name.ready"
    local inner
    inner=$(grep -m1 'first scan done' "$OUT/$name.stderr" 2>/dev/null | sed -n 's/.*seconds="\{0,1\}\([0-9.]*\).*/\1/p')
    local seen
    seen=$(grep -m1 'first scan done' "$OUT/$name.stderr" 2>/dev/null | sed -n 's/.* seen=\([0-9]*\).*/\1/p')
    [[ -n "$inner" ]] && log "  the daemon's log: first scan done after $inner s (seen ${seen:-?} files)"
    if [[ $rc -ne 0 ]]; then
        tail -5 "$OUT/$name.stderr" | sed 's/^/    /'
        return 1
    fi
    return 0
}
# stop_daemon PID: SIGTERM, prints how long it took to exit.
stop_daemon() {
    local pid="$1" t0 rc
    t0=$(now_ns)
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then
        warn "pid $pid still running 30 s after SIGTERM: killed"
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null; rc=$?
    log "  stopped by SIGTERM in $(secs_since "$t0") s (exit status $rc)"
}
# wrk_run OUTFILE ARGS...: wrk with a hard time limit; prints nothing.
wrk_run() {
    local out="$1"; shift
    run_fg timeout -s INT $((DURATION + 60)) wrk "$@" >"$out" 2>&1
}
median() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
wrk_figures() { # wrk output -> "rps p50ms p99ms non2xx"
    local f="$1"
    echo "$(awk '/^Requests\/sec:/ {print $2}' "$f") $(to_ms "$(awk '$1=="50%" {print $2}' "$f")") $(to_ms "$(awk '$1=="99%" {print $2}' "$f")") $(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")"
}

# ---------------------------------------------------------------- header
log "== pressfeed at scale (issue 6) =="
log "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')   cpus: $(nproc)   memory: $(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)   kernel: $(uname -r)"
log "pressfeed: $PRESSFEED (built $(date -u -r "$PRESSFEED" '+%Y-%m-%d %H:%M UTC'); work tree at $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet HEAD -- src Cargo.toml 2>/dev/null || echo ' with uncommitted changes in src/ or Cargo.toml'))"
log "wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')   hugo: $([[ -n "$SKIP_HUGO" ]] && echo skipped || hugo version 2>/dev/null | awk '{print $2}')   python: $(python3 -c 'import sys; print(sys.version.split()[0])')"
log "settings: files=$FILES burst=$BURST render-files=$RENDER_FILES small-files=$SMALL_FILES wrk duration=${DURATION}s; temp $TMP on $(df -P "$TMP" | awk 'NR==2 {print $1}')"
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- files
log ""
log "== 0. files =="
t=$(now_ns)
log "[0] $FILES releases:"
run_fg timeout 3600 python3 "$TOOLS" gen --dir "$BIG/releases" --count "$FILES" --seed 20240601 >"$OUT/gen.big" 2>&1 \
    || { cat "$OUT/gen.big" >&2; die "file generation failed"; }
show "$OUT/gen.big"
log "[0] $SMALL_FILES releases (small store):"
run_fg timeout 600 python3 "$TOOLS" gen --dir "$SMALL/releases" --count "$SMALL_FILES" --seed 20240602 >"$OUT/gen.small" 2>&1 \
    || { cat "$OUT/gen.small" >&2; die "file generation failed"; }
show "$OUT/gen.small" | tail -1
log "[0] $RENDER_FILES releases (render vs Hugo):"
run_fg timeout 1800 python3 "$TOOLS" gen --dir "$REN/releases" --count "$RENDER_FILES" --seed 20240603 >"$OUT/gen.render" 2>&1 \
    || { cat "$OUT/gen.render" >&2; die "file generation failed"; }
show "$OUT/gen.render" | tail -1
log "[0] $BURST burst files staged:"
run_fg timeout 1800 python3 "$TOOLS" stage --stage "$STAGE" --count "$BURST" >"$OUT/gen.stage" 2>&1 \
    || { cat "$OUT/gen.stage" >&2; die "staging failed"; }
show "$OUT/gen.stage"
sync
log "[0] done in $(secs_since "$t") s"

# ---------------------------------------------------------------- 1. start
drop_caches() {
    [[ -n "$DROP_CACHES" ]] || return 0
    sync
    if echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then
        log "  page cache dropped"
    else
        warn "cannot drop the page cache (not root?): the files are read from memory"
    fi
}
log ""
log "== 1. cold start: $FILES files, empty store (launch -> /healthz 200) =="
log "  page cache: $([[ -n "$DROP_CACHES" ]] && echo 'dropped before each start' || echo 'warm (files just written; --drop-caches to read them from disk)')"
drop_caches
start_daemon cold "$BIG/data" "$BIG/releases" || die "pressfeed did not get ready (see above; logs in $OUT)"
PF_PID=$DAEMON_PID; PF_URL=$DAEMON_URL
COLD_T0=$DAEMON_T0
COLD_READY=$(awk -v a="$COLD_T0" -v s="${R[cold_seconds]}" 'BEGIN { printf "%.3f", a + s }')
log "  store: $(du -sh "$BIG/data" 2>/dev/null | cut -f1)"
stop_daemon "$PF_PID"; PF_PID=""

log ""
log "== 1b. warm start: same files, same store =="
drop_caches
start_daemon warm "$BIG/data" "$BIG/releases" || die "pressfeed did not get ready on restart (logs in $OUT)"
PF_PID=$DAEMON_PID; PF_URL=$DAEMON_URL
count=$(curl -s --max-time 30 "$PF_URL/regions.json" | python3 -c 'import json,sys; print(sum(r["count"] for r in json.load(sys.stdin)["regions"]))' 2>/dev/null)
R[releases]="${count:-?}"
log "  releases published: ${count:-?} (of $FILES files)"
[[ "$count" == "$FILES" ]] || warn "published $count releases for $FILES files"

# ---------------------------------------------------------------- 2. queries
log ""
log "== 2. queries at ${count:-?} releases =="
log "[2] sequential: one client, one keep-alive connection, each category's 8 URLs in turn for ~3 s"
run_fg timeout 900 python3 "$TOOLS" queries --url "$PF_URL" --pid "$PF_PID" --start "$COLD_T0" --ready "$COLD_READY" \
    --out "$OUT/q" --seconds 3 >"$OUT/queries.seq" 2>&1 || warn "the sequential query client failed"
show "$OUT/queries.seq"
keep_result seq "$OUT/queries.seq"
log "[2] wrk -t2 -c16 -d${DURATION}s --latency, cycling through the same URLs (benches/scale-paths.lua)"
for cat in since country limit; do
    before=$(cpu_sample)
    SCALE_PATHS="$OUT/q/$cat.txt" wrk_run "$OUT/wrk.$cat" -t2 -c16 -d"${DURATION}s" --timeout 10s --latency \
        -s "$BENCHES/scale-paths.lua" "$PF_URL"
    o=$(other_pct "$before" "$(cpu_sample)")
    read -r rps p50 p99 non <<<"$(wrk_figures "$OUT/wrk.$cat")"
    R[wrk_${cat}_p50]="$p50"; R[wrk_${cat}_p99]="$p99"; R[wrk_${cat}_other]="$o"
    log "  $(printf '%-8s' "$cat") ${rps:-?} req/s, p50 $p50 ms, p99 $p99 ms${non:+, $non non-2xx/3xx}; other CPU ${o}%"
    [[ -n "$non" ]] && warn "wrk $cat: $non non-2xx/3xx responses"
    [[ -z "$rps" ]] && { warn "wrk $cat printed no figures:"; sed 's/^/    /' "$OUT/wrk.$cat"; }
    sleep 1
done
if command -v nginx >/dev/null; then
    log "[2] the same wrk load on nginx, serving each URL's bytes (as pressfeed sent them) as a static file"
    NG="$TMP/nginx-queries"
    mkdir -p "$NG/root/q"
    # nginx workers started by root run as nobody: they must reach the files.
    chmod 755 "$TMP" "$NG" "$NG/root" "$NG/root/q"
    NG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    for cat in since country limit; do
        : >"$NG/$cat.txt"
        i=0
        while read -r path; do
            [[ -n "$path" ]] || continue
            ext="${path%%\?*}"; ext="${ext##*.}"
            curl -s -o "$NG/root/q/$cat-$i.$ext" "$PF_URL$path"
            echo "/q/$cat-$i.$ext" >>"$NG/$cat.txt"
            i=$((i + 1))
        done <"$OUT/q/$cat.txt"
    done
    cat >"$NG/nginx.conf" <<NGINX
worker_processes 2;
pid $NG/nginx.pid;
error_log $NG/error.log;
events { worker_connections 1024; }
http {
    access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
    open_file_cache max=100 inactive=60s;
    types { application/atom+xml atom; application/rss+xml rss; application/json json; }
    server { listen 127.0.0.1:$NG_PORT; root $NG/root; etag on; }
}
NGINX
    if nginx -c "$NG/nginx.conf" 2>"$NG/start.err"; then
        NGINX_CONF="$NG/nginx.conf"
        sleep 0.5
        for cat in since country limit; do
            SCALE_PATHS="$NG/$cat.txt" wrk_run "$OUT/nginx.$cat" -t2 -c16 -d"${DURATION}s" --timeout 10s --latency \
                -s "$BENCHES/scale-paths.lua" "http://127.0.0.1:$NG_PORT"
            read -r rps p50 p99 non <<<"$(wrk_figures "$OUT/nginx.$cat")"
            R[nginx_${cat}_p50]="$p50"; R[nginx_${cat}_p99]="$p99"
            read -r pf_rps _ <<<"$(wrk_figures "$OUT/wrk.$cat")"
            log "  $(printf '%-8s' "$cat") nginx ${rps:-?} req/s, p50 $p50 ms, p99 $p99 ms${non:+, $non non-2xx/3xx} (pressfeed above: ${pf_rps:-?} req/s)"
            [[ -n "$non" ]] && { warn "nginx $cat: $non non-2xx/3xx responses"; unset "R[nginx_${cat}_p99]"; }
            sleep 1
        done
        nginx -c "$NGINX_CONF" -s stop >/dev/null 2>&1
        NGINX_CONF=""
    else
        warn "nginx did not start: $(head -1 "$NG/start.err")"
    fi
else
    log "[2] nginx is not installed: no comparison of the query loads"
fi

# ---------------------------------------------------------------- 3. serving
log ""
log "== 3. serving cost vs store size: /feeds/all.atom plain, wrk -t2 -c64 -d${DURATION}s =="
log "[3] small store: a daemon on $SMALL_FILES files (the big one stays up, idle)"
rps_small=""; rps_big=""; p99_small=""; p99_big=""
if start_daemon small "$SMALL/data" "$SMALL/releases"; then
    SMALL_PID=$DAEMON_PID; SMALL_URL=$DAEMON_URL
    log "[3] $ROUNDS round(s), alternating: ${count:-$FILES} releases first in odd rounds, $SMALL_FILES first in even ones"
    big_runs=(); small_runs=(); bigp=(); smallp=(); others=()
    for r in $(seq "$ROUNDS"); do
        # The first run after the query load of section 2 tends to be the
        # slowest of all, so neither store may always go first.
        if (( r % 2 )); then order="big small"; else order="small big"; fi
        for which in $order; do
            if [[ $which == big ]]; then url="$PF_URL"; else url="$SMALL_URL"; fi
            before=$(cpu_sample)
            wrk_run "$OUT/wrk.$which.$r" -t2 -c64 -d"${DURATION}s" --timeout 10s --latency "$url/feeds/all.atom"
            o=$(other_pct "$before" "$(cpu_sample)"); others+=("$o")
            read -r rps _ p99 non <<<"$(wrk_figures "$OUT/wrk.$which.$r")"
            log "  round $r, $(printf '%7s' "$([[ $which == big ]] && echo "${count:-$FILES}" || echo "$SMALL_FILES")") releases: ${rps:-?} req/s, p99 ${p99:-?} ms${non:+, $non non-2xx/3xx}; other CPU ${o}%"
            [[ -n "$non" ]] && warn "wrk /feeds/all.atom ($which store): $non non-2xx/3xx responses"
            if [[ $which == big ]]; then big_runs+=("${rps:-0}"); bigp+=("$p99"); else small_runs+=("${rps:-0}"); smallp+=("$p99"); fi
            sleep 1
        done
    done
    stop_daemon "$SMALL_PID"; SMALL_PID=""
    rps_big=$(median "${big_runs[@]}"); rps_small=$(median "${small_runs[@]}")
    p99_big=$(median "${bigp[@]}"); p99_small=$(median "${smallp[@]}")
    R[rps_other]="$(median "${others[@]}" | awk '/^[0-9.]+$/ { printf "%.0f", $1; next } { print }')"
    log "  medians: $SMALL_FILES releases ${rps_small} req/s (p99 ${p99_small} ms), ${count:-$FILES} releases ${rps_big} req/s (p99 ${p99_big} ms)"
else
    warn "the small-store daemon did not get ready: serving comparison skipped"
fi
R[rps_small]="${rps_small:-?}"; R[rps_big]="${rps_big:-?}"
R[rps_ratio]=$(awk -v a="${rps_big:-0}" -v b="${rps_small:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')

# ---------------------------------------------------------------- 4. burst
log ""
log "== 4. burst: $BURST files renamed into $BIG/releases while the daemon runs on ${count:-?} =="
log "  memory before: $(mem_of "$PF_PID")"
run_fg timeout $((BURST_TIMEOUT + 600)) python3 "$TOOLS" burst --url "$PF_URL" --stage "$STAGE" \
    --watch "$BIG/releases" --key-prefix "" --pid "$PF_PID" --timeout "$BURST_TIMEOUT" >"$OUT/burst" 2>&1 \
    || warn "the burst helper failed"
show "$OUT/burst"
keep_result burst "$OUT/burst"
log "  memory after: $(mem_of "$PF_PID")"
R[after_hwm]=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$PF_PID/status" 2>/dev/null)
kill -0 "$PF_PID" 2>/dev/null || warn "pressfeed exited during the burst"
if grep -qE ' (WARN|ERROR) ' "$OUT/warm.stderr"; then
    warn "pressfeed logged $(grep -cE ' (WARN|ERROR) ' "$OUT/warm.stderr") WARN/ERROR line(s); the first ones:"
    grep -E ' (WARN|ERROR) ' "$OUT/warm.stderr" | head -5 | sed 's/^/    /'
fi
stop_daemon "$PF_PID"; PF_PID=""

# ---------------------------------------------------------------- 5. render
log ""
log "== 5. render vs Hugo: $RENDER_FILES releases =="
cat >"$REN/pressfeed.toml" <<EOF
# Generated by benches/scale.sh.
watch = ["$REN/releases"]
data = "$REN/data"
base_url = "http://127.0.0.1:8080/"
EOF
TIMEFMT="%e %M"
timed() { # OUTFILE CMD... -> "seconds maxrss_kib rc" (GNU time when present)
    local out="$1"; shift
    local t0 rc
    t0=$(now_ns)
    if [[ -x /usr/bin/time ]]; then
        run_fg /usr/bin/time -o "$out.time" -f "$TIMEFMT" "$@" >"$out" 2>&1; rc=$?
        echo "$(secs_since "$t0") $(awk 'END {print $2}' "$out.time") $rc"
    else
        run_fg "$@" >"$out" 2>&1; rc=$?
        echo "$(secs_since "$t0") 0 $rc"
    fi
}
render_once() { # label data-dir out-dir -> sets RS (seconds), RO (other CPU %)
    local label="$1" data="$2" out="$3" s kib rc before o
    sed -i "s#^data = .*#data = \"$data\"#" "$REN/pressfeed.toml"
    before=$(cpu_sample)
    read -r s kib rc <<<"$(timed "$OUT/render.$label" "$PRESSFEED" render --config "$REN/pressfeed.toml" --out "$out")"
    o=$(other_pct "$before" "$(cpu_sample)")
    RS="$s"; RO="$o"
    [[ "$rc" -eq 0 ]] || { warn "pressfeed render ($label) exited $rc:"; tail -5 "$OUT/render.$label" | sed 's/^/    /'; RS=""; }
    log "  pressfeed render, $label: $s s, max RSS $((kib / 1024)) MiB, $(find "$out" -type f | wc -l) files written ($(du -sh "$out" | cut -f1)); other CPU ${o}%"
}
render_once "cold #1 (empty store)" "$REN/data1" "$REN/out1"; r_cold1="$RS"; o_cold1="$RO"
render_once "cold #2 (empty store)" "$REN/data2" "$REN/out2"; r_cold2="$RS"; o_cold2="$RO"
render_once "warm (store of cold #2)" "$REN/data2" "$REN/out3"; r_warm="$RS"; R[render_warm_other]="$RO"
best() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | head -1; }
R[render_cold]=$(best "$r_cold1" "$r_cold2"); R[render_warm]="$r_warm"
if [[ "${R[render_cold]}" == "$r_cold1" ]]; then R[render_cold_other]="$o_cold1"; else R[render_cold_other]="$o_cold2"; fi
pf_regions=$(python3 -c '
import json, sys
regions = json.load(open(sys.argv[1]))["regions"]
print(", ".join("%s %d" % (r["slug"], r["count"]) for r in sorted(regions, key=lambda r: r["slug"]) if r["count"]))' "$REN/out2/regions.json" 2>/dev/null)
log "  pressfeed regions:    ${pf_regions:-?}"
if [[ -z "$SKIP_HUGO" ]]; then
    run_fg python3 "$TOOLS" hugo-site --site "$REN/hugo" "$REN/releases" >"$OUT/hugo-site" 2>&1 \
        || warn "converting the releases for Hugo failed"
    show "$OUT/hugo-site"
    hugo_terms=$(sed -n 's/^  Hugo regions terms: //p' "$OUT/hugo-site")
    [[ "$hugo_terms" == "$pf_regions" ]] || warn "Hugo's region terms differ from pressfeed's regions (above): the two builds do not group the same releases"
    h_runs=(); h_others=()
    for i in 1 2; do
        rm -rf "$REN/hugo-out$i"
        before=$(cpu_sample)
        read -r s kib rc <<<"$(timed "$OUT/hugo.$i" hugo --source "$REN/hugo" --destination "$REN/hugo-out$i" --quiet)"
        o=$(other_pct "$before" "$(cpu_sample)")
        if [[ "$rc" -ne 0 ]]; then
            warn "hugo exited $rc:"; tail -5 "$OUT/hugo.$i" | sed 's/^/    /'
        else
            h_runs+=("$s"); h_others+=("$s $o")
        fi
        feeds=$(find "$REN/hugo-out$i" -name 'index.xml' 2>/dev/null | wc -l)
        log "  hugo build #$i: $s s, max RSS $((kib / 1024)) MiB, $(find "$REN/hugo-out$i" -type f 2>/dev/null | wc -l) files written ($feeds RSS feeds; $(du -sh "$REN/hugo-out$i" 2>/dev/null | cut -f1)); other CPU ${o}%"
    done
    R[hugo]=$(best "${h_runs[@]}")
    for x in "${h_others[@]}"; do [[ "${x% *}" == "${R[hugo]}" ]] && R[hugo_other]="${x#* }"; done
    if [[ -n "${R[hugo]}" ]]; then
        items=$(grep -c '<item>' "$REN/hugo-out1/index.xml" 2>/dev/null)
        log "  (the Hugo feed of everything has $items items; pressfeed writes Atom, RSS and JSON per region, the OPML,"
        log "   the index, regions.json and an HTML page and a JSON record per release, each file fsync'ed;"
        log "   Hugo writes one RSS feed per term, one for everything and an HTML page per release, no fsync)"
    fi
else
    R[hugo]=""
    log "  Hugo skipped"
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
R[ratio_cold]=$(ratio "${R[render_cold]:-0}" "${R[hugo]:-0}")
R[ratio_warm]=$(ratio "${R[render_warm]:-0}" "${R[hugo]:-0}")

# ---------------------------------------------------------------- summary
verdict() { # value op limit -> met / NOT met / -
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
        if (v == "" || v == "-" || v == "?" || v == "nan") { print "-"; exit }
        ok = (op == "<=") ? (v + 0 <= l + 0) : (v + 0 >= l + 0)
        print ok ? "met" : "NOT met" }'
}
mb() { awk -v m="$1" 'BEGIN { if (m == "") print "?"; else printf "%.0f", m * 1048576 / 1e6 }'; }
row() { printf '%-46s | %-30s | %-16s | %-7s | %s\n' "$@"; }
pct() { [[ -n "${1:-}" && "$1" != "?" ]] && echo "$1%" || echo "?"; }
log ""
log "== summary (N = $FILES files, burst $BURST, render $RENDER_FILES) =="
row "figure" "measured" "target" "verdict" "other CPU"
row "----------------------------------------------" "------------------------------" "----------------" "-------" "---------"
row "cold start: launch -> /healthz 200" "${R[cold_seconds]:-?} s (daemon CPU ${R[cold_cpu_s]:-?} s)" "<= 20 s" "$(verdict "${R[cold_seconds]:-}" '<=' 20)" "$(pct "${R[cold_other_pct]:-}")"
cold_hwm="${R[cold_hwm_later_mib]:-}"
row "cold start: VmHWM at ready / ${AFTER} s later" "${R[cold_hwm_ready_mib]:-?} / ${cold_hwm:-?} MiB ($(mb "$cold_hwm") MB)" "<= 300 MB" "$(verdict "$(mb "$cold_hwm")" '<=' 300)" ""
row "warm start: launch -> /healthz 200" "${R[warm_seconds]:-?} s (daemon CPU ${R[warm_cpu_s]:-?} s)" "<= 3 s" "$(verdict "${R[warm_seconds]:-}" '<=' 3)" "$(pct "${R[warm_other_pct]:-}")"
warm_hwm="${R[warm_hwm_later_mib]:-}"
row "warm start: VmHWM at ready / ${AFTER} s later" "${R[warm_hwm_ready_mib]:-?} / ${warm_hwm:-?} MiB ($(mb "$warm_hwm") MB)" "(<= 300 MB)" "$(verdict "$(mb "$warm_hwm")" '<=' 300)" ""
row "VmHWM after queries, serving and burst" "${R[after_hwm]:-?} MiB ($(mb "${R[after_hwm]:-}") MB)" "(<= 300 MB)" "$(verdict "$(mb "${R[after_hwm]:-}")" '<=' 300)" ""
row "burst: first rename -> last one published" "${R[burst_seconds]:-?} s = ${R[burst_rate]:-?} files/s" ">= 2,000 files/s" "$(verdict "${R[burst_rate]:-}" '>=' 2000)" "$(pct "${R[burst_other_pct]:-}")"
b_ok="?"; [[ -n "${R[burst_ok]:-}" ]] && { [[ "${R[burst_ok]}" == 1 ]] && b_ok="none lost/duplicated" || b_ok="missing ${R[burst_missing]:-?}, extra ${R[burst_extra]:-?}"; }
row "burst: ${R[burst_expected]:-?} releases after it" "$b_ok" "exact" "$([[ "${R[burst_ok]:-}" == 1 ]] && echo met || echo 'NOT met')" ""
for cat in since country limit; do
    row "query p50 / p99, $cat, sequential client" "${R[seq_${cat}_p50]:-?} / ${R[seq_${cat}_p99]:-?} ms" "p99 <= 5 ms" "$(verdict "${R[seq_${cat}_p99]:-}" '<=' 5)" "$(pct "${R[seq_${cat}_other]:-}")"
    row "query p50 / p99, $cat, wrk -t2 -c16" "${R[wrk_${cat}_p50]:-?} / ${R[wrk_${cat}_p99]:-?} ms" "p99 <= 5 ms" "$(verdict "${R[wrk_${cat}_p99]:-}" '<=' 5)" "$(pct "${R[wrk_${cat}_other]:-}")"
    [[ -n "${R[nginx_${cat}_p99]:-}" ]] && row "  the same bytes from nginx, wrk -t2 -c16" "${R[nginx_${cat}_p50]} / ${R[nginx_${cat}_p99]} ms" "(reference)" "-" ""
done
row "/feeds/all.atom req/s, $SMALL_FILES vs ${count:-$FILES} releases" "${R[rps_small]} vs ${R[rps_big]} (x${R[rps_ratio]})" "about equal" "-" "$(pct "${R[rps_other]:-}")"
row "render $RENDER_FILES: pressfeed cold / warm" "${R[render_cold]:-?} / ${R[render_warm]:-?} s" "" "" "$(pct "${R[render_cold_other]:-}") / $(pct "${R[render_warm_other]:-}")"
row "render $RENDER_FILES: Hugo" "$([[ -n "${R[hugo]}" ]] && echo "${R[hugo]} s" || echo skipped)" "" "" "$(pct "${R[hugo_other]:-}")"
row "render ratio pressfeed/Hugo, cold / warm" "${R[ratio_cold]} / ${R[ratio_warm]}" "(lower: better)" "-" ""
log "(MB = 10^6 bytes, MiB = 2^20. other CPU: share of the machine used by other processes meanwhile,"
log " medians for the serving rounds; figures taken with more than ~10% are disturbed.)"
log ""
log "done in $SECONDS s with $WARNINGS warning(s)"
exit 0
