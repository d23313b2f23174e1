#!/usr/bin/env bash
# benches/serve.sh — HTTP serving benchmark of `pressfeed serve`, side by side
# with nginx serving the very same bytes from disk, plus file-to-feed latency.
#
# One run:
#   1. generates N invented press releases (benches/serve-gen.py) in a temp folder;
#   2. starts pressfeed on it (temp data dir, port 0) and waits for /healthz 200;
#   3. copies the bytes pressfeed serves (identity, gzip, brotli) for
#      /feeds/all.atom, /feeds/<region>.atom and /feeds/all.json into an nginx
#      document root, under the same URL paths;
#   4. starts nginx (gzip_static, etag, sendfile, open_file_cache) on a free
#      loopback port with a generated config (never the system service);
#   5. loads each server in turn with wrk (plain, gzip, 304 revalidation, and
#      brotli where a server can), after checking with curl that both answer
#      the expected status with identical body bytes;
#   6. prints req/s, the pressfeed/nginx ratio, wrk's p99 latency, each
#      server's own CPU time per request, and how much CPU other processes
#      took meanwhile (on a shared 2-core machine
#      that moves req/s by tens of per cent: read figures with it, or use
#      --rounds for medians of alternating runs);
#   7. measures file-to-feed latency (benches/serve-latency.py): rename a new
#      release into the watched folder and poll the feed until its title
#      appears; idle, then with wrk loading /feeds/all.atom;
#   8. cleans everything up on exit.
# It prints figures and never asserts on them: it exits 0 unless it could not
# run at all (missing tools, a server that does not start).
#
# Usage: benches/serve.sh [--files N] [--duration S] [--latency-files N]
#                         [--region SLUG] [--connections C] [--threads T]
#                         [--rounds R]  (R alternating wrk runs per case; medians)
# Env:   PRESSFEED=path/to/pressfeed (default target/release/pressfeed under
#        the project root, built with `cargo build --release` if missing).
# Needs: python3, curl, nginx, wrk (nginx and wrk are apt-get installed when
#        missing and running as root). Loopback only.

set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCHES="$ROOT/benches"

FILES=2000
DURATION=10
LATENCY_FILES=100
REGION=asia-pacific
CONNECTIONS=64
THREADS=2
ROUNDS=1

usage() { sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; }
need_value() { [[ $# -ge 2 && -n "$2" ]] || { echo "serve.sh: $1 needs a value" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --files) need_value "$@"; FILES="$2"; shift 2 ;;
        --duration) need_value "$@"; DURATION="$2"; shift 2 ;;
        --latency-files) need_value "$@"; LATENCY_FILES="$2"; shift 2 ;;
        --region) need_value "$@"; REGION="$2"; shift 2 ;;
        --connections) need_value "$@"; CONNECTIONS="$2"; shift 2 ;;
        --threads) need_value "$@"; THREADS="$2"; shift 2 ;;
        --rounds) need_value "$@"; ROUNDS="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "serve.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
for v in FILES DURATION LATENCY_FILES CONNECTIONS THREADS ROUNDS; do
    [[ "${!v}" =~ ^[0-9]+$ && "${!v}" -gt 0 ]] || { echo "serve.sh: ${v,,} must be a positive whole number" >&2; exit 2; }
done
[[ "$REGION" =~ ^[a-z0-9-]+$ ]] || { echo "serve.sh: bad region slug $REGION" >&2; exit 2; }

log() { printf '%s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*"; WARNINGS=$((WARNINGS + 1)); }
die() { printf 'serve.sh: %s\n' "$*" >&2; exit 1; }
WARNINGS=0

# ---------------------------------------------------------------- cleanup
TMP=""
PF_PID=""
NGINX_PID=""
WRK_PID=""
POLICY_RC_CREATED=""
stop_pid() { # pid: TERM, wait up to 5 s, then KILL
    local pid="$1"
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
# Runs a command in the background and waits for it, so that a signal to
# this script is acted on at once instead of after the command ends.
FG_PID=""
run_fg() {
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
    stop_pid "$FG_PID"
    stop_pid "$WRK_PID"
    stop_pid "$NGINX_PID"
    stop_pid "$PF_PID"
    [[ -n "$POLICY_RC_CREATED" ]] && rm -f /usr/sbin/policy-rc.d
    [[ -n "$TMP" && -d "$TMP" ]] && rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools
install_debs() { # packages...: apt-get install without starting services
    [[ $(id -u) -eq 0 ]] || die "missing $* and not root: install them (apt-get install $*)"
    command -v apt-get >/dev/null || die "missing $* and no apt-get"
    log "installing $* with apt-get (services are not started)"
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        # invoke-rc.d asks this before starting a service: 101 = never.
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
        || die "apt-get install $* failed"
    if [[ -n "$POLICY_RC_CREATED" ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=""; fi
}
for t in python3 curl sha256sum timeout gzip awk; do
    command -v "$t" >/dev/null || die "$t is required"
done
NGINX_BIN="$(command -v nginx || true)"
[[ -z "$NGINX_BIN" && -x /usr/sbin/nginx ]] && NGINX_BIN=/usr/sbin/nginx
missing=()
[[ -n "$NGINX_BIN" ]] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
if [[ ${#missing[@]} -gt 0 ]]; then
    install_debs "${missing[@]}"
    NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
fi
[[ -x "$NGINX_BIN" ]] || die "nginx not found after install"
command -v wrk >/dev/null || die "wrk not found after install"

# ---------------------------------------------------------------- binary
if [[ -n "${PRESSFEED:-}" ]]; then
    case "$PRESSFEED" in /*) ;; *) PRESSFEED="$PWD/$PRESSFEED" ;; esac
else
    PRESSFEED="$ROOT/target/release/pressfeed"
fi
if [[ ! -x "$PRESSFEED" ]]; then
    case "$PRESSFEED" in
        */release/pressfeed) target_dir="${PRESSFEED%/release/pressfeed}" ;;
        *) die "$PRESSFEED does not exist, and is not a cargo target path to build into" ;;
    esac
    log "building $PRESSFEED (cargo build --release, CARGO_TARGET_DIR=$target_dir)"
    (cd "$ROOT" && CARGO_TARGET_DIR="$target_dir" timeout 3600 cargo build --release --bin pressfeed) \
        || die "cargo build failed"
    [[ -x "$PRESSFEED" ]] || die "the build did not produce $PRESSFEED"
fi

# ---------------------------------------------------------------- helpers
TMP="$(mktemp -d "${TMPDIR:-/tmp}/pressfeed-bench.XXXXXX")" || die "mktemp failed"
WATCH="$TMP/releases"
STAGE="$TMP/stage"          # outside the watched folder, same filesystem
DATA="$TMP/data"
WWW="$TMP/www"
NGX="$TMP/nginx"
OUT="$TMP/out"
mkdir -p "$WATCH" "$STAGE" "$DATA" "$WWW/feeds" "$NGX/tmp" "$OUT"
# nginx workers run as an unprivileged user (nobody) when started as root:
# they must be able to reach the document root under the mktemp folder.
chmod 755 "$TMP" "$WWW" "$WWW/feeds"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
sha() { sha256sum "$1" | cut -c1-64; }
header() { # headers-file name -> value (last occurrence, no CR)
    awk -v n="$(printf '%s' "$2" | tr 'A-Z' 'a-z')" -F': ' \
        'tolower($1)==n { sub(/\r$/, ""); v=substr($0, length($1)+3) } END { print v }' "$1"
}
# fetch URL OUTBODY OUTHEADERS [curl args...] -> prints the status code
fetch() {
    local url="$1" body="$2" headers="$3"; shift 3
    local st
    st=$(curl -s --max-time 15 -o "$body" -D "$headers" -w '%{http_code}' "$@" "$url" 2>/dev/null)
    echo "${st:-000}"
}
wait_http_200() { # URL SECONDS
    local url="$1" deadline=$((SECONDS + $2))
    while (( SECONDS < deadline )); do
        [[ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)" == 200 ]] && return 0
        sleep 0.1
    done
    return 1
}
human_bytes() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.2f MiB", b/1048576; else if (b >= 1024) printf "%.1f KiB", b/1024; else printf "%d B", b }'; }
to_ms() { # wrk latency "1.23ms" / "456.78us" / "1.02s" / "2.00m" -> ms
    awk -v v="$1" 'BEGIN {
        if (v == "") { print "-"; exit }
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.2f", n }'
}

# ---------------------------------------------------------------- 1. files
log "== pressfeed serve benchmark =="
log "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')   cpus: $(nproc)   kernel: $(uname -r)"
log "pressfeed: $PRESSFEED (built $(date -u -r "$PRESSFEED" '+%Y-%m-%d %H:%M UTC'); work tree now at $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet HEAD -- src Cargo.toml 2>/dev/null || echo ' with uncommitted changes in src/ or Cargo.toml'))"
log "nginx: $("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //')   wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')   python: $(python3 -c 'import sys; print(sys.version.split()[0])')"
log "settings: files=$FILES duration=${DURATION}s rounds=$ROUNDS threads=$THREADS connections=$CONNECTIONS latency-files=$LATENCY_FILES region=$REGION"
log ""
gen_start=$SECONDS
run_fg timeout 600 python3 "$BENCHES/serve-gen.py" --out "$WATCH" --count "$FILES" >"$OUT/gen.txt" \
    || die "file generation failed"
sed 's/^/[1] /' "$OUT/gen.txt"
log "[1] in $((SECONDS - gen_start)) s, into $WATCH"

# ---------------------------------------------------------------- 2. pressfeed
(cd "$TMP" && exec "$PRESSFEED" serve --watch "$WATCH" --data "$DATA" --listen 127.0.0.1:0 \
    >"$OUT/pressfeed.stdout" 2>"$OUT/pressfeed.stderr") &
PF_PID=$!
start_ns=$(date +%s%N)
PF_ADDR=""
for _ in $(seq 300); do
    PF_ADDR="$(sed -n 's#^listening on http://##p' "$OUT/pressfeed.stdout" 2>/dev/null | head -1)"
    [[ -n "$PF_ADDR" ]] && break
    kill -0 "$PF_PID" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$PF_ADDR" ]]; then
    sed 's/^/    /' "$OUT/pressfeed.stderr" >&2
    die "pressfeed did not print its address within 30 s"
fi
PF="http://$PF_ADDR"
wait_http_200 "$PF/healthz" 600 || { tail -20 "$OUT/pressfeed.stderr" >&2; die "pressfeed /healthz not 200 within 600 s"; }
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
log "[2] pressfeed (pid $PF_PID) on $PF: /healthz 200 after ${ready_ms} ms (first scan of $FILES files)"

# ---------------------------------------------------------------- 3. bytes
FEEDS=(all.atom "$REGION.atom" all.json)
declare -A PF_ETAG NGX_ETAG SHA_ID SHA_GZ SHA_BR
for feed in "${FEEDS[@]}"; do
    base="$WWW/feeds/$feed"
    st=$(fetch "$PF/feeds/$feed" "$base" "$OUT/h.id")
    [[ "$st" == 200 ]] || die "pressfeed /feeds/$feed answered $st"
    PF_ETAG[$feed]="$(header "$OUT/h.id" etag)"
    st=$(fetch "$PF/feeds/$feed" "$base.gz" "$OUT/h.gz" -H 'Accept-Encoding: gzip')
    [[ "$st" == 200 && "$(header "$OUT/h.gz" content-encoding)" == gzip ]] \
        || die "pressfeed /feeds/$feed with Accept-Encoding: gzip answered $st, content-encoding '$(header "$OUT/h.gz" content-encoding)'"
    st=$(fetch "$PF/feeds/$feed" "$base.br" "$OUT/h.br" -H 'Accept-Encoding: br')
    [[ "$st" == 200 && "$(header "$OUT/h.br" content-encoding)" == br ]] \
        || warn "pressfeed /feeds/$feed with Accept-Encoding: br answered $st, content-encoding '$(header "$OUT/h.br" content-encoding)'"
    if ! gzip -dc "$base.gz" | cmp -s - "$base"; then
        warn "/feeds/$feed: pressfeed's gzip body does not decompress to its identity body"
    fi
    # gzip_static wants the .gz no older than the file; same mtime for both.
    touch -r "$base" "$base.gz" "$base.br"
    SHA_ID[$feed]=$(sha "$base"); SHA_GZ[$feed]=$(sha "$base.gz"); SHA_BR[$feed]=$(sha "$base.br")
    log "[3] /feeds/$feed: identity $(human_bytes "$(stat -c %s "$base")"), gzip $(human_bytes "$(stat -c %s "$base.gz")"), br $(human_bytes "$(stat -c %s "$base.br")"); pressfeed ETag ${PF_ETAG[$feed]}"
done

# ---------------------------------------------------------------- 4. nginx
NGX_PORT=$(free_port)
NGX_BROTLI=""
BROTLI_MODULE=""
for m in /usr/lib/nginx/modules/ngx_http_brotli_static_module.so /usr/share/nginx/modules/ngx_http_brotli_static_module.so; do
    [[ -f "$m" ]] && { BROTLI_MODULE="$m"; NGX_BROTLI=1; break; }
done
cat >"$NGX/nginx.conf" <<EOF
# Generated by benches/serve.sh; serves the bytes pressfeed served.
daemon off;
master_process on;
worker_processes 2;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
${BROTLI_MODULE:+load_module $BROTLI_MODULE;}
events {
    worker_connections 1024;
}
http {
    types {
        application/atom+xml atom;
        application/rss+xml  rss;
        application/feed+json json;
        text/plain           txt;
    }
    default_type application/octet-stream;
    charset utf-8;
    charset_types application/atom+xml application/rss+xml application/feed+json;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 120s;
    keepalive_requests 10000000;
    open_file_cache max=64 inactive=120s;
    open_file_cache_valid 120s;
    open_file_cache_errors on;
    gzip off;
    gzip_static on;
    gzip_vary on;
    ${NGX_BROTLI:+brotli_static on;}
    etag on;
    server_tokens off;
    client_body_temp_path $NGX/tmp/body;
    proxy_temp_path $NGX/tmp/proxy;
    fastcgi_temp_path $NGX/tmp/fastcgi;
    uwsgi_temp_path $NGX/tmp/uwsgi;
    scgi_temp_path $NGX/tmp/scgi;
    server {
        listen 127.0.0.1:$NGX_PORT;
        server_name _;
        root $WWW;
        location / {
            add_header Cache-Control "public, max-age=300";
        }
    }
}
EOF
"$NGINX_BIN" -t -q -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error.log" 2>"$OUT/nginx-t.err" \
    || { cat "$OUT/nginx-t.err" >&2; die "generated nginx config is invalid ($NGX/nginx.conf)"; }
"$NGINX_BIN" -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error.log" >"$OUT/nginx.stdout" 2>"$OUT/nginx.stderr" &
NGINX_PID=$!
NG="http://127.0.0.1:$NGX_PORT"
wait_http_200 "$NG/feeds/all.atom" 15 || { cat "$OUT/nginx.stderr" "$NGX/error.log" | head -20 >&2; die "nginx did not answer within 15 s"; }
for feed in "${FEEDS[@]}"; do
    fetch "$NG/feeds/$feed" /dev/null "$OUT/h.ng" >/dev/null
    NGX_ETAG[$feed]="$(header "$OUT/h.ng" etag)"
done
log "[4] nginx (pid $NGINX_PID, 2 workers) on $NG; brotli: $([[ -n "$NGX_BROTLI" ]] && echo "brotli_static ($BROTLI_MODULE)" || echo 'no module, n/a')"

# ---------------------------------------------------------------- 5. load
# case name -> curl/wrk header, expected status, expected body sha
case_header() { # case feed server
    case "$1" in
        plain) echo "" ;;
        gzip) echo "Accept-Encoding: gzip" ;;
        br) echo "Accept-Encoding: br" ;;
        304) if [[ "$3" == pressfeed ]]; then echo "If-None-Match: ${PF_ETAG[$2]}"; else echo "If-None-Match: ${NGX_ETAG[$2]}"; fi ;;
    esac
}
EMPTY_SHA=$(printf '' | sha256sum | cut -c1-64)
expected() { # case feed -> "status sha encoding"
    case "$1" in
        plain) echo "200 ${SHA_ID[$2]} -" ;;
        gzip) echo "200 ${SHA_GZ[$2]} gzip" ;;
        br) echo "200 ${SHA_BR[$2]} br" ;;
        304) echo "304 $EMPTY_SHA -" ;;
    esac
}
# check case feed server url -> 0 when status, body and coding are as expected
check() {
    local c="$1" feed="$2" server="$3" url="$4" h st got enc want_st want_sha want_enc
    h="$(case_header "$c" "$feed" "$server")"
    : >"$OUT/b.chk"
    read -r want_st want_sha want_enc <<<"$(expected "$c" "$feed")"
    if [[ -n "$h" ]]; then st=$(fetch "$url/feeds/$feed" "$OUT/b.chk" "$OUT/h.chk" -H "$h")
    else st=$(fetch "$url/feeds/$feed" "$OUT/b.chk" "$OUT/h.chk"); fi
    got=$(sha "$OUT/b.chk")
    enc="$(header "$OUT/h.chk" content-encoding)"; enc="${enc:--}"
    if [[ "$st" != "$want_st" || "$got" != "$want_sha" || ( "$want_st" == 200 && "$enc" != "$want_enc" ) ]]; then
        warn "$server $c /feeds/$feed: status $st (want $want_st), content-encoding $enc (want $want_enc), body sha256 ${got:0:12}… (want ${want_sha:0:12}…)"
        CHECK_BAD=$((CHECK_BAD + 1))
        return 1
    fi
    CHECK_OK=$((CHECK_OK + 1))
    return 0
}
CHECK_OK=0
CHECK_BAD=0
declare -A RPS P99 NOTE OTHER
# CPU accounting, to tell how much of the machine something other than this
# benchmark (its two servers and wrk) used during a run: other engineers'
# builds on a 2-core machine move req/s by tens of per cent.
ticks_of() { # pids... -> user + system clock ticks of those processes
    local p t sum=0
    for p in "$@"; do
        t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) && sum=$((sum + ${t:-0}))
    done
    echo "$sum"
}
cpu_sample() { # -> "busy_jiffies total_jiffies our_jiffies all_busy_jiffies"
    local busy total ours t u n sy id io irq sirq st
    read -r _ u n sy id io irq sirq st _ </proc/stat
    # irq/softirq time is mostly loopback networking of the benchmark itself.
    busy=$((u + n + sy + st)); total=$((busy + id + io + irq + sirq))
    # shellcheck disable=SC2046 # one pid per word
    ours=$(ticks_of $PF_PID $NGINX_PID $(pgrep -P "$NGINX_PID" 2>/dev/null) \
        ${WRK_PID:+$WRK_PID $(pgrep -P "$WRK_PID" 2>/dev/null)})
    # wrk has exited by the second sample: its time is in this shell's cutime/cstime.
    t=$(awk '{print $16 + $17}' "/proc/$$/stat" 2>/dev/null) && ours=$((ours + ${t:-0}))
    echo "$busy $total $ours $((busy + irq + sirq))"
}
other_pct() { # "before" "after" -> % of all CPUs used by other processes
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
        t = y[2] - x[2]; o = (y[1] - x[1]) - (y[3] - x[3]);
        if (t <= 0) { print "?"; exit } if (o < 0) o = 0; printf "%.0f", 100 * o / t }'
}
# The CPU time a server itself spent (user + system, its workers included),
# in clock ticks: per request, a figure the machine's noise moves less than
# req/s.
TICK_US=$((1000000 / $(getconf CLK_TCK)))
server_ticks() { # server -> ticks
    if [[ "$1" == pressfeed ]]; then
        ticks_of "$PF_PID"
    else
        # shellcheck disable=SC2046 # one pid per word
        ticks_of "$NGINX_PID" $(pgrep -P "$NGINX_PID" 2>/dev/null)
    fi
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A RPS_R P99_R OTHER_R CPU_R CPU MACHINE_R MACHINE
run_wrk() { # case feed server url round
    local c="$1" feed="$2" server="$3" url="$4" r="$5" h out key rps p99 non errs before after
    key="$c|$feed|$server"
    h="$(case_header "$c" "$feed" "$server")"
    out="$OUT/wrk.$c.${feed//\//_}.$server.$r"
    local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency)
    [[ -n "$h" ]] && args+=(-H "$h")
    before=$(cpu_sample)
    local ticks_before ticks_after requests
    ticks_before=$(server_ticks "$server")
    run_fg timeout -s INT $((DURATION + 30)) wrk "${args[@]}" "$url/feeds/$feed" >"$out" 2>&1
    ticks_after=$(server_ticks "$server")
    after=$(cpu_sample)
    requests=$(awk '/ requests in / {print $1}' "$out")
    CPU_R[$key|$r]=$(awk -v t=$((ticks_after - ticks_before)) -v n="${requests:-0}" -v us="$TICK_US" \
        'BEGIN { if (n > 0) printf "%.2f", t * us / n; else print "" }')
    # The whole machine's CPU time per request (the server, wrk, and the
    # loopback networking between them, which /proc charges to whichever
    # process happens to run it): the fairest cost of one answer.
    MACHINE_R[$key|$r]=$(awk -v a="$before" -v b="$after" -v n="${requests:-0}" -v us="$TICK_US" \
        'BEGIN { split(a, x, " "); split(b, y, " "); if (n > 0) printf "%.1f", (y[4] - x[4]) * us / n; else print "" }')
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p99=$(awk '$1=="99%" {print $2}' "$out")
    non=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
    errs=$(sed -n 's/^ *Socket errors: //p' "$out")
    RPS_R[$key|$r]="${rps:-0}"
    P99_R[$key|$r]="$(to_ms "$p99")"
    OTHER_R[$key|$r]="$(other_pct "$before" "$after")"
    NOTE[$key]="${NOTE[$key]:-}"
    [[ -n "$non" ]] && { NOTE[$key]+="non-2xx/3xx:$non "; warn "$server $c /feeds/$feed: wrk saw $non non-2xx/3xx responses"; }
    [[ -n "$errs" ]] && { NOTE[$key]+="socket errors($errs) "; warn "$server $c /feeds/$feed: wrk socket errors: $errs"; }
    [[ -z "$rps" ]] && warn "$server $c /feeds/$feed: wrk printed no Requests/sec (see below)" && sed 's/^/    /' "$out"
    sleep 1  # let the loaded server settle before the next run
}
# paired_ratios CASE FEED: pressfeed/nginx of each round, one a line. The
# two runs of a round are seconds apart, so a ratio taken within a round
# cancels most of the machine's slow drift that medians of each server's
# own runs keep.
paired_ratios() {
    local r pf ng
    for r in $(seq "$ROUNDS"); do
        pf="${RPS_R[$1|$2|pressfeed|$r]:-0}"; ng="${RPS_R[$1|$2|nginx|$r]:-0}"
        awk -v a="$pf" -v b="$ng" 'BEGIN { if (a > 0 && b > 0) printf "%.3f\n", a / b }'
    done
}
summarize() { # case feed server: medians over the rounds
    local key="$1|$2|$3" r
    RPS[$key]=$(for r in $(seq "$ROUNDS"); do echo "${RPS_R[$key|$r]}"; done | median)
    P99[$key]=$(for r in $(seq "$ROUNDS"); do echo "${P99_R[$key|$r]}"; done | grep -v '^-$' | median)
    OTHER[$key]=$(for r in $(seq "$ROUNDS"); do echo "${OTHER_R[$key|$r]}"; done | grep -v '^?$' | sort -g | tail -1)
    CPU[$key]=$(for r in $(seq "$ROUNDS"); do echo "${CPU_R[$key|$r]}"; done | grep -v '^$' | median)
    MACHINE[$key]=$(for r in $(seq "$ROUNDS"); do echo "${MACHINE_R[$key|$r]}"; done | grep -v '^$' | median)
}
CASES=(plain gzip 304 br)
log "[5] wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, one server under load at a time, $ROUNDS round(s) alternating"
log "    (pressfeed, nginx and wrk share the machine's $(nproc) cores; the idle server stays up)"
log "    load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
alive() { kill -0 "$PF_PID" 2>/dev/null && kill -0 "$NGINX_PID" 2>/dev/null; }
for feed in "${FEEDS[@]}"; do
    alive || break
    for c in "${CASES[@]}"; do
        alive || { warn "a server exited (pressfeed or nginx); the remaining load runs are skipped"; break; }
        with_nginx=""; [[ "$c" != br || -n "$NGX_BROTLI" ]] && with_nginx=1
        check "$c" "$feed" pressfeed "$PF"
        [[ -n "$with_nginx" ]] && check "$c" "$feed" nginx "$NG"
        # Alternate which server goes first, so neither always runs on the
        # machine the other has just warmed (or disturbed).
        for r in $(seq "$ROUNDS"); do
            if [[ -n "$with_nginx" && $((r % 2)) -eq 0 ]]; then
                run_wrk "$c" "$feed" nginx "$NG" "$r"
                run_wrk "$c" "$feed" pressfeed "$PF" "$r"
            else
                run_wrk "$c" "$feed" pressfeed "$PF" "$r"
                [[ -n "$with_nginx" ]] && run_wrk "$c" "$feed" nginx "$NG" "$r"
            fi
        done
        summarize "$c" "$feed" pressfeed
        [[ -n "$with_nginx" ]] && summarize "$c" "$feed" nginx
        line="    $(printf '%-5s' "$c") /feeds/$feed: pressfeed"
        for r in $(seq "$ROUNDS"); do line+=" ${RPS_R[$c|$feed|pressfeed|$r]}"; done
        line+=" req/s (other CPU ${OTHER[$c|$feed|pressfeed]}%)"
        if [[ -n "$with_nginx" ]]; then
            line+=", nginx"
            for r in $(seq "$ROUNDS"); do line+=" ${RPS_R[$c|$feed|nginx|$r]}"; done
            line+=" req/s (other CPU ${OTHER[$c|$feed|nginx]}%)"
        fi
        log "$line"
    done
done
log "    curl checks before the runs: $CHECK_OK as expected (status, coding, sha256 of the body), $CHECK_BAD not"
log "    load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- 6. table
log ""
log "== throughput (req/s) and wrk p99 latency (ms)$([[ $ROUNDS -gt 1 ]] && echo ", medians of $ROUNDS rounds") =="
printf '%-26s | %10s | %10s | %6s | %11s | %5s | %7s | %7s | %6s | %6s | %7s | %7s | %9s\n' "case" "pressfeed" "nginx" "ratio" "rounds" "ahead" "pf p99" "ng p99" "pf us" "ng us" "pf all" "ng all" "other CPU"
printf '%s\n' "---------------------------+------------+------------+--------+-------------+-------+---------+---------+--------+--------+---------+---------+----------"
MAX_OTHER=0
for feed in "${FEEDS[@]}"; do
    for c in "${CASES[@]}"; do
        kp="$c|$feed|pressfeed"; kn="$c|$feed|nginx"
        pf_rps="${RPS[$kp]:-0}"
        other="${OTHER[$kp]:-?}"
        if [[ -n "${RPS[$kn]+x}" ]]; then
            ng_rps="${RPS[$kn]}"; ng_p99="${P99[$kn]}"; ng_us="${CPU[$kn]:--}"; ng_all="${MACHINE[$kn]:--}"
            ratio=$(paired_ratios "$c" "$feed" | median)
            ratio=$(awk -v r="$ratio" 'BEGIN { if (r != "") printf "%.2f", r; else print "-" }')
            spread=$(paired_ratios "$c" "$feed" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.2f-%.2f", lo, hi; else print "-" }')
            ahead=$(paired_ratios "$c" "$feed" | awk '$1 > 1 { n++ } END { printf "%d/%d", n, NR }')
            other="$other/${OTHER[$kn]:-?}%"
        else
            ng_rps="n/a"; ng_p99="n/a"; ng_us="n/a"; ng_all="n/a"; ratio="n/a"; spread="n/a"; ahead="n/a"; other="$other%/n/a"
        fi
        for o in ${OTHER[$kp]:-0} ${OTHER[$kn]:-0}; do [[ "$o" =~ ^[0-9]+$ && "$o" -gt "$MAX_OTHER" ]] && MAX_OTHER=$o; done
        printf '%-26s | %10s | %10s | %6s | %11s | %5s | %7s | %7s | %6s | %6s | %7s | %7s | %9s\n' "$feed $c" "$pf_rps" "$ng_rps" "$ratio" "$spread" "$ahead" "${P99[$kp]}" "$ng_p99" "${CPU[$kp]:--}" "$ng_us" "${MACHINE[$kp]:--}" "$ng_all" "$other"
        [[ -n "${NOTE[$kp]:-}" ]] && printf '%-26s   pressfeed: %s\n' "" "${NOTE[$kp]}"
        [[ -n "${NOTE[$kn]:-}" ]] && printf '%-26s   nginx: %s\n' "" "${NOTE[$kn]}"
    done
done
log "(ratio = median over the rounds of pressfeed/nginx within each round, rounds = the lowest"
log " and highest of those, ahead = the rounds pressfeed won; req/s columns are each server's median; 304 = If-None-Match with each server's own identity ETag;"
log " us = the server's own CPU time (user + system, from /proc) per request, in microseconds;"
log " all = the whole machine's CPU time per request, wrk and loopback networking included;"
log " other CPU = share of the machine used by processes other than the two servers and wrk"
log " during the pressfeed/nginx run, approximate)"
if [[ "$MAX_OTHER" -ge 10 ]]; then
    warn "other processes used up to ${MAX_OTHER}% of the CPUs during some runs: those figures are disturbed (compare with a quiet machine, or use --rounds)"
fi

# ---------------------------------------------------------------- 7. latency
log ""
log "== file-to-feed latency: rename into $WATCH -> title in /feeds/all.json?limit=5 =="
log "    load average before: $(cut -d" " -f1-3 /proc/loadavg)"
LAT_DEADLINE=$(( LATENCY_FILES * 2 + 60 ))
if ! kill -0 "$PF_PID" 2>/dev/null; then
    warn "pressfeed is not running: latency probes skipped"
    LATENCY_FILES=0
fi
if [[ "$LATENCY_FILES" -gt 0 ]]; then
    log "[7] idle ($LATENCY_FILES files, one at a time, polled over one keep-alive connection)"
    before=$(cpu_sample)
    run_fg timeout $((LAT_DEADLINE + 60)) python3 "$BENCHES/serve-latency.py" --url "$PF" --watch "$WATCH" --stage "$STAGE" \
        --count "$LATENCY_FILES" --deadline "$LAT_DEADLINE" --label idle \
        || warn "latency probe (idle) failed or timed out"
    log "    other CPU meanwhile: $(other_pct "$before" "$(cpu_sample)")%"
    log "[7] under load: wrk -t$THREADS -c$CONNECTIONS on $PF/feeds/all.atom (plain) during the probe"
    timeout -s INT $((LAT_DEADLINE + 90)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$((LAT_DEADLINE + 60))s" --timeout 5s --latency \
        "$PF/feeds/all.atom" >"$OUT/wrk.latency" 2>&1 &
    WRK_PID=$!
    sleep 1
    before=$(cpu_sample)
    run_fg timeout $((LAT_DEADLINE + 60)) python3 "$BENCHES/serve-latency.py" --url "$PF" --watch "$WATCH" --stage "$STAGE" \
        --count "$LATENCY_FILES" --deadline "$LAT_DEADLINE" --label "under load" \
        || warn "latency probe (under load) failed or timed out"
    lat_other=$(other_pct "$before" "$(cpu_sample)")
    kill -INT "$WRK_PID" 2>/dev/null   # wrk prints its summary on SIGINT
    for _ in $(seq 100); do kill -0 "$WRK_PID" 2>/dev/null || break; sleep 0.1; done
    stop_pid "$WRK_PID"; WRK_PID=""
    bg_rps=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/wrk.latency")
    bg_p99=$(awk '$1=="99%" {print $2}' "$OUT/wrk.latency")
    bg_non=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$OUT/wrk.latency")
    log "    background wrk meanwhile: ${bg_rps:-?} req/s, p99 $(to_ms "$bg_p99") ms${bg_non:+, $bg_non non-2xx/3xx}; other CPU ${lat_other}%"
    log "    (each new file re-renders every feed; the probe's own polling shares the cores too)"
fi

# ---------------------------------------------------------------- 8. health
histogram() { # metric title: one line of per-bucket counts from $OUT/metrics
    awk -v m="pressfeed_$1_bucket" -v title="$2" 'index($0, m) == 1 {
            le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le); c = $NF
            label = (le == "+Inf") ? ">" last : "<=" le * 1000 "ms"
            if (le != "+Inf") last = le * 1000 "ms"
            out = out sprintf(" %s:%d", label, c - prev); prev = c }
         END { if (out != "") print "    " title out }' "$OUT/metrics"
}

log ""
log "== pressfeed's own view =="
if curl -s --max-time 10 "$PF/metrics" >"$OUT/metrics"; then
    awk '/^pressfeed_http_requests_total/ { sub(/^pressfeed_http_requests_total/, ""); printf "    requests %s %s\n", $1, $2 }' "$OUT/metrics"
    grep -E '^pressfeed_(rescans_total|snapshot_version) ' "$OUT/metrics" | sed 's/^/    /'
    # Ingest time per batch (normalize + store, before the feeds are re-rendered),
    # and the part of it spent in the store's commit (the disk's flush).
    histogram "ingest_latency_seconds" "ingest time per batch (normalize+store; the first scan included):"
    histogram "store_commit_seconds" "of which the store's commit (write and disk flush):"
    odd=$(awk '/^pressfeed_http_requests_total/ && /route="feed"/ && !/status="(200|304)"/ { s += $2 } END { print s + 0 }' "$OUT/metrics")
    [[ "$odd" -gt 0 ]] && warn "pressfeed answered $odd feed request(s) with a status other than 200/304"
else
    warn "could not read $PF/metrics"
fi
wl=$(grep -cE ' (WARN|ERROR) ' "$OUT/pressfeed.stderr" || true)
if [[ "$wl" -gt 0 ]]; then
    warn "pressfeed logged $wl WARN/ERROR line(s); the first ones:"
    grep -E ' (WARN|ERROR) ' "$OUT/pressfeed.stderr" | head -5 | sed 's/^/    /'
fi
kill -0 "$PF_PID" 2>/dev/null || warn "pressfeed exited during the run"
kill -0 "$NGINX_PID" 2>/dev/null || warn "nginx exited during the run"
[[ -s "$NGX/error.log" ]] && { warn "nginx error log is not empty:"; head -5 "$NGX/error.log" | sed 's/^/    /'; }
log ""
log "done in $SECONDS s with $WARNINGS warning(s)"
exit 0
