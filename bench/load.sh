#!/usr/bin/env bash
# Load benchmark: every page of ecociv (and one write route) under 64 concurrent clients on
# loopback, each against a bare axum server measured in the same run. Its own command, never
# part of the test command.
#
#   bench/load.sh [--zones N] [--projects P] [--years Y] [--seconds S] [--connections C]
#                 [--threads T] [--write-zones W] [--pg[=URL]] [--port PORT] [--bare-port PORT]
#                 [--tree] [--keep] [--soak MINUTES]
#
# It builds the release binary and the bare baseline (crates/ecociv-web/examples/bare.rs),
# generates N synthetic zones (default 100) with Y years of data (default 5) and P projects
# reporting monthly (default 10) into a fresh data dir (with --tree, as a national tree of
# cities and their counties in the provinces in turn), signs in as the first zone's task force
# (syn0001-tf; syn110100-tf in a tree) and, for the national view, as an administrator of it,
# fetches each page once and saves its answer, and serves those answers from the bare server with the same
# headers. Then, page by page, wrk runs S seconds (default 10) with C connections (default 64)
# on T threads (default 2) against ecociv, and S seconds against the bare answer of the same
# bytes (/hello for /healthz). The write route is the monthly dispatch report of the projects
# that have none yet in the first W zones (default 10), each request a new (zone, project,
# month), sent by the project's own implementer with a bearer token.
#
# With --soak MINUTES it runs the soak instead of the page runs: the pages and the write route
# at once for MINUTES (a quarter of the connections writing, the rest reading every page in
# turn), then the errors, the read and write latencies, the resident memory at the start and
# the end, and whether every acknowledged write is in the database exactly once.
#
# SQLite by default; with --pg or ECOCIV_BENCH_PG_URL (a server URL, default
# postgres://postgres@127.0.0.1:5432, trust auth) it creates its own database there and drops
# it on exit. The Markdown tables on standard output are what goes into bench/README.md;
# progress goes to standard error.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "bench/load.sh: $*" >&2; exit 1; }

ZONES=${ECOCIV_BENCH_ZONES:-100}
PROJECTS=${ECOCIV_BENCH_PROJECTS:-10}
YEARS=${ECOCIV_BENCH_YEARS:-5}
SECONDS_EACH=${ECOCIV_BENCH_SECONDS:-10}
CONNECTIONS=${ECOCIV_BENCH_CONNECTIONS:-64}
THREADS=${ECOCIV_BENCH_THREADS:-2}
WRITE_ZONES=${ECOCIV_BENCH_WRITE_ZONES:-10}
PG_URL=${ECOCIV_BENCH_PG_URL:-}
PORT=${ECOCIV_BENCH_PORT:-0}          # 0: a free port, chosen by the system
BARE_PORT=${ECOCIV_BENCH_BARE_PORT:-0}
KEEP=${ECOCIV_BENCH_KEEP:-}
SOAK=${ECOCIV_BENCH_SOAK:-}
# the clock the pages read, and the periods they show (as bench/dashboard.sh)
TODAY=2025-07-20
QUARTER=2025Q2
MONTH=2025-06
INDICATOR=7.1

while [ $# -gt 0 ]; do
  case $1 in
    --zones) ZONES=${2:?}; shift ;;
    --projects) PROJECTS=${2:?}; shift ;;
    --years) YEARS=${2:?}; shift ;;
    --seconds) SECONDS_EACH=${2:?}; shift ;;
    --connections) CONNECTIONS=${2:?}; shift ;;
    --threads) THREADS=${2:?}; shift ;;
    --write-zones) WRITE_ZONES=${2:?}; shift ;;
    --pg) PG_URL=postgres://postgres@127.0.0.1:5432 ;;
    --pg=*) PG_URL=${1#--pg=} ;;
    --port) PORT=${2:?}; shift ;;
    --bare-port) BARE_PORT=${2:?}; shift ;;
    --keep) KEEP=1 ;;
    --tree) TREE=1 ;;
    --soak) SOAK=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
for v in ZONES PROJECTS YEARS SECONDS_EACH CONNECTIONS THREADS WRITE_ZONES PORT BARE_PORT ${SOAK:+SOAK}; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
[ "$THREADS" -ge 1 ] && [ "$CONNECTIONS" -ge "$THREADS" ] || die "need at least one thread and as many connections as threads"
[ "$ZONES" -ge 1 ] || die "need at least one zone"
[ "$WRITE_ZONES" -ge 1 ] || WRITE_ZONES=1
[ "$WRITE_ZONES" -le "$ZONES" ] || WRITE_ZONES=$ZONES

# --- tools --------------------------------------------------------------------------------
need() { # command, Debian package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing $2…" >&2
    apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; } || true
  fi
  command -v "$1" >/dev/null 2>&1 || die "'$1' is missing: install the Debian package '$2' (apt-get install $2)"
}
need cargo cargo
need curl curl
need wrk wrk
need jq jq
need awk gawk
[ -z "$PG_URL" ] || need psql postgresql-client
[ -r /proc/self/status ] || die "/proc is needed to read the server's resident memory"

# --- build ----------------------------------------------------------------------------------
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ecociv/target}"
echo "building (release)…" >&2
cargo build --release --locked -q -p ecociv --bin ecociv
cargo build --release --locked -q -p ecociv-web --example bare
BIN="$CARGO_TARGET_DIR/release/ecociv"
BARE="$CARGO_TARGET_DIR/release/examples/bare"
[ -x "$BIN" ] && [ -x "$BARE" ] || die "the build left no $BIN or $BARE"

# --- a fresh data dir, servers killed on exit ---------------------------------------------
WORK=$(mktemp -d -t ecociv-load.XXXXXX)
ECOCIV_PID= BARE_PID= SAMPLER_PID= PG_DB= PG_SERVER=
cleanup() {
  local rc=$?
  for p in $SAMPLER_PID $BARE_PID $ECOCIV_PID; do kill "$p" 2>/dev/null || true; done
  for p in $SAMPLER_PID $BARE_PID $ECOCIV_PID; do wait "$p" 2>/dev/null || true; done
  if [ -n "$PG_DB" ]; then
    psql "$PG_SERVER/postgres" -qAt -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || echo "could not drop database $PG_DB" >&2
  fi
  if [ -n "$KEEP" ] || [ $rc != 0 ]; then echo "kept $WORK (server log, wrk outputs, saved answers)" >&2; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export ECOCIV_DATA_DIR="$WORK/data" ECOCIV_TODAY="$TODAY" ECOCIV_LOG=warn
unset ECOCIV_CONFIG ECOCIV_ADDR
DB_KIND=SQLite
if [ -n "$PG_URL" ]; then
  [[ $PG_URL =~ ^(postgres(ql)?://[^/?]+) ]] || die "not a PostgreSQL URL: $PG_URL"
  PG_SERVER=${BASH_REMATCH[1]}
  psql "$PG_SERVER/postgres" -qAt -c 'SELECT 1' >/dev/null 2>&1 || die "no PostgreSQL answers at $PG_SERVER (trust auth expected)"
  PG_DB="ecociv_load_$$_$(date +%s)"
  psql "$PG_SERVER/postgres" -qAt -c "CREATE DATABASE $PG_DB" >/dev/null
  export ECOCIV_DATABASE_URL="$PG_SERVER/$PG_DB"
  DB_KIND=PostgreSQL
else
  unset ECOCIV_DATABASE_URL
fi

PASSWORD='Bench-password-1'
echo "generating $ZONES zones × $YEARS years × $PROJECTS projects ($DB_KIND)…" >&2
start=$(date +%s)
echo "$PASSWORD" | "$BIN" demo generate --zones "$ZONES" --projects-per-zone "$PROJECTS" --years "$YEARS" ${TREE:+--tree} >"$WORK/generate.log"
GENERATED_IN=$(( $(date +%s) - start ))
echo "generated in $GENERATED_IN s" >&2
# the zones' codes in the order they were made, and the demo users' prefix of each (syn0001)
mapfile -t CODES < <(awk '$1 == "zone" {sub(/:$/, "", $2); print tolower($2)}' "$WORK/generate.log")
[ ${#CODES[@]} = "$ZONES" ] || die "demo generate named ${#CODES[@]} zones, not $ZONES"
FIRST=${CODES[0]}
# an administrator of the first zone, for the national view
echo "$PASSWORD" | "$BIN" user add bench-admin --org 市生态环境局 --role admin --zone "${FIRST^^}" >/dev/null

# --- servers ---------------------------------------------------------------------------------
wait_for() { # log file, pid, prefix printed with the address → http://HOST:PORT
  local addr
  for _ in $(seq 300); do
    addr=$(sed -n "s|^$3: \(http://[^ ]*\).*|\1|p" "$1" | head -n 1)
    [ -n "$addr" ] && { echo "$addr"; return 0; }
    kill -0 "$2" 2>/dev/null || { cat "$1" >&2; die "$3 did not start"; }
    sleep 0.2
  done
  cat "$1" >&2; die "$3 did not say where it listens within 60 s"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN {printf "%.0f", k / 1024}'; }

"$BIN" serve --addr "127.0.0.1:$PORT" >"$WORK/ecociv.log" 2>&1 &
ECOCIV_PID=$!
URL=$(wait_for "$WORK/ecociv.log" "$ECOCIV_PID" ecociv)
for _ in $(seq 50); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done
RSS_START=$(rss_kb "$ECOCIV_PID")

sign_in() { # user → session cookie
  curl -s -i -X POST -d "name=$1&password=$PASSWORD" "$URL/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: ecociv_session=\([^;]*\).*/\1/p'
}
COOKIE=$(sign_in "$FIRST-tf")
[ -n "$COOKIE" ] || die "could not sign in as $FIRST-tf"
ADMIN_COOKIE=$(sign_in bench-admin)
[ -n "$ADMIN_COOKIE" ] || die "could not sign in as bench-admin"
ENCODING='gzip, br'
HEADERS=(-H "Cookie: ecociv_session=$COOKIE" -H "Accept-Encoding: $ENCODING")
ADMIN_HEADERS=(-H "Cookie: ecociv_session=$ADMIN_COOKIE" -H "Accept-Encoding: $ENCODING")
# the headers of a page: the national view is the administrator's, every other the task force's
headers_of() { if [ "${1%%\?*}" = /zones ] && [[ $1 == *all=1* ]]; then echo admin; else echo tf; fi; }

# --- the answers of the pages, saved for the bare server -----------------------------------
# the roll-ups first: the national view reads every zone once, and what it keeps is then held
# from the first minute on (the bound on memory is about what grows after it)
PAGES=(/healthz /zones "/zones?all=1" / /indicators "/indicators/$INDICATOR" /projects /dashboard
  /dashboard/projects "/assessment?quarter=$QUARTER" /readiness "/bulletin?month=$MONTH" /public /api/v1/public/indicators)
SAVED="$WORK/saved"
mkdir -p "$SAVED"
save_headers() { # raw header dump → NAME: value lines without the status line, the date and the framing
  tr -d '\r' <"$1" | awk 'NR > 1 && NF && tolower($1) !~ /^(date|content-length|transfer-encoding|connection|keep-alive):$/' >"$2"
}
for i in "${!PAGES[@]}"; do
  if [ "$(headers_of "${PAGES[$i]}")" = admin ]; then H=("${ADMIN_HEADERS[@]}"); else H=("${HEADERS[@]}"); fi
  start=$(date +%s.%N)
  code=$(curl -s -o "$SAVED/p$i.body" -D "$WORK/p$i.raw" -w '%{http_code}' "${H[@]}" "$URL${PAGES[$i]}")
  FIRST_MS[$i]=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN {printf "%.0f", (a - b) * 1000}')
  [ "$code" = 200 ] || { head -c 600 "$SAVED/p$i.body" >&2; echo >&2; die "GET ${PAGES[$i]} answered $code, not 200"; }
  save_headers "$WORK/p$i.raw" "$SAVED/p$i.headers"
done

# --- the write route: projects without reports, each sent by its first implementer ------------
# (the demo gives every zone the same projects and users: synNNNN-uXX is the XX-th org unit)
"$BIN" plan export --format json --output "$WORK/plan.json"
START_YEAR=$(jq -r .start_year "$WORK/plan.json")
MONTHS=()
y=$START_YEAR m=1
while [ "$(printf '%04d-%02d' "$y" "$m")" \< "${TODAY:0:7}" ] || [ "$(printf '%04d-%02d' "$y" "$m")" = "${TODAY:0:7}" ]; do
  MONTHS+=("$(printf '%04d-%02d' "$y" "$m")")
  m=$((m + 1)); [ $m -le 12 ] || { m=1; y=$((y + 1)); }
done
[ ${#MONTHS[@]} -ge 3 ] || die "fewer than three months between the plan's start and $TODAY"
# project number and the demo user of its first implementer (syn0001-uNN, NN = the org unit's place;
# the zone's own prefix replaces syn0001 below)
jq -r --argjson skip "$PROJECTS" '
  (.org_units | to_entries | map({key: .value.name, value: .key}) | from_entries) as $idx
  | .projects[$skip:][] | select((.implementers | length) > 0 and $idx[.implementers[0]] != null)
  | "\(.number) syn0001-u\($idx[.implementers[0]] | tostring | if length < 2 then "0" + . else . end)"' \
  "$WORK/plan.json" >"$WORK/writers.txt"
declare -A TOKEN=()
POOL=()   # "number token"
write_body() { # month
  printf '{"period":"%s","status":"under_way","progress_percent":"10","investment_month_wan":"0","investment_cumulative_wan":"0","benefits":"合成数据（压测）"}' "$1"
}
post_report() { # number token month [body file] → status
  curl -s -o "${4:-/dev/null}" -D "${5:-/dev/null}" -w '%{http_code}' -X POST -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -H "Accept-Encoding: $ENCODING" --data-binary "$(write_body "$3")" "$URL/api/v1/projects/$1/dispatch-reports"
}
echo "opening the series of the projects without reports in $WRITE_ZONES zones…" >&2
for z in $(seq "$WRITE_ZONES"); do
 prefix=${CODES[$((z - 1))]}
 while read -r number user; do
  user="$prefix${user#syn0001}"
  if [ -z "${TOKEN[$user]:-}" ]; then
    TOKEN[$user]=$("$BIN" token create --user "$user" 2>/dev/null | awk 'NF {w = $NF} END {print w}')
  fi
  [ -n "${TOKEN[$user]}" ] || { echo "no token for $user; project $number left out" >&2; continue; }
  # the first month of each project, once: it opens the series (and shows the route works)
  code=$(post_report "$number" "${TOKEN[$user]}" "${MONTHS[0]}" "$SAVED/write.body" "$WORK/write.raw")
  if [ "$code" = 201 ]; then POOL+=("$number ${TOKEN[$user]}"); else echo "project $number ($user): $code, left out" >&2; fi
 done <"$WORK/writers.txt"
done
[ ${#POOL[@]} -gt "$THREADS" ] || die "only ${#POOL[@]} projects accept a report (PROJECTS=$PROJECTS of $(jq '.projects | length' "$WORK/plan.json")); lower --projects"
save_headers "$WORK/write.raw" "$SAVED/write.headers"
RESERVED=${POOL[0]}   # a project of the first zone, the signed-in one, kept out of the load for the timing after a write
POOL=("${POOL[@]:1}")
WRITE_SLOTS=$(( ${#POOL[@]} * (${#MONTHS[@]} - 1) ))
{
  echo "-- generated by bench/load.sh: (project, month) pairs, each thread its own projects"
  echo "local nthreads = $THREADS"
  printf 'local projects = {'; for p in "${POOL[@]}"; do printf '{"/api/v1/projects/%s/dispatch-reports","%s"},' ${p}; done; echo '}'
  printf 'local months = {'; for mo in "${MONTHS[@]:1}"; do printf '"%s",' "$mo"; done; echo '}'
  cat <<'LUA'
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  target = args[1]   -- the baseline: every request to this path
  mine, n, counts = {}, 0, {}
  for i, p in ipairs(projects) do
    if (i - 1) % nthreads == id then table.insert(mine, p) end
  end
end
function request()
  local p = mine[(n % #mine) + 1]
  local m = months[(math.floor(n / #mine) % #months) + 1]
  n = n + 1
  local body = '{"period":"' .. m .. '","status":"under_way","progress_percent":"10","investment_month_wan":"0","investment_cumulative_wan":"0","benefits":"合成数据（压测）"}'
  return wrk.format("POST", target or p[1], {["Authorization"] = "Bearer " .. p[2], ["Content-Type"] = "application/json", ["Accept-Encoding"] = "gzip, br"}, body)
end
function response(status, headers, body)
  local k = tostring(status)
  counts[k] = (counts[k] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write("status ", k, " ", v, "\n") end
end
LUA
} >"$WORK/write.lua"

"$BARE" "127.0.0.1:$BARE_PORT" "$SAVED" >"$WORK/bare.log" 2>&1 &
BARE_PID=$!
BARE_URL=$(wait_for "$WORK/bare.log" "$BARE_PID" bare)

# --- runs ------------------------------------------------------------------------------------
ms() { # a wrk duration (123.45us, 1.2ms, 2.01s, 1.5m) → milliseconds
  awk -v d="$1" 'BEGIN {
    v = d + 0; u = d; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
    if (f < 0 || d == "") { print "?"; exit }
    x = v * f
    if (x >= 100) printf "%.0f ms", x; else if (x >= 10) printf "%.1f ms", x; else printf "%.2f ms", x
  }'
}
int() { awk -v x="$1" 'BEGIN {printf "%.0f", x}'; }
# wrk's output → "req/s p50 p99 non-2xx socket-errors"
parse() {
  awk '
    /Requests\/sec/ {rps = $2}
    $1 == "50%" {p50 = $2}
    $1 == "99%" {p99 = $2}
    /Non-2xx or 3xx responses/ {bad = $NF}
    /Socket errors/ {gsub(/,/, ""); sock = $4 + $6 + $8 + $10}
    END {printf "%s %s %s %d %d\n", rps, p50, p99, bad, sock}' "$1"
}
sampler() { # "seconds since the load began" and the resident kB, every 0.5 s
  local t0; t0=$(date +%s.%N)
  while kill -0 "$ECOCIV_PID" 2>/dev/null; do
    echo "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {printf "%.1f", a - b}') $(rss_kb "$ECOCIV_PID")" >>"$WORK/rss.txt" 2>/dev/null || true
    sleep 0.5
  done
}
WRK=(wrk "-t$THREADS" "-c$CONNECTIONS" "-d${SECONDS_EACH}s" --timeout 10s --latency)
run_get() { # url file [admin]
  local h=("${HEADERS[@]}")
  [ "${3:-}" = admin ] && h=("${ADMIN_HEADERS[@]}")
  "${WRK[@]}" "${h[@]}" "$1" >"$2" 2>&1 || { cat "$2" >&2; die "wrk failed on $1"; }
}

# --- the soak: pages and writes at once for SOAK minutes ------------------------------------
stored_reports() { # "rows duplicates" of dispatch_reports, as the database holds them
  local q="SELECT (SELECT COUNT(*) FROM dispatch_reports), (SELECT COUNT(*) FROM (SELECT zone_code, kind, subject, org_unit, period FROM dispatch_reports GROUP BY zone_code, kind, subject, org_unit, period HAVING COUNT(*) > 1) d)"
  if [ -n "$PG_DB" ]; then
    psql "$PG_SERVER/$PG_DB" -qAt -F ' ' -c "$q"
  else
    python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(*c.execute(sys.argv[2]).fetchone())" "$WORK/data/ecociv.db" "$q"
  fi
}
if [ -n "$SOAK" ]; then
  WRITERS=$(( CONNECTIONS / 4 > THREADS ? CONNECTIONS / 4 : THREADS ))
  READERS=$(( CONNECTIONS - WRITERS > THREADS ? CONNECTIONS - WRITERS : THREADS ))
  {
    printf 'local paths = {'; for p in "${PAGES[@]}"; do [ "$(headers_of "$p")" = admin ] || printf '"%s",' "$p"; done; echo '}'
    echo 'local n = 0'
    echo 'function request() n = n + 1; return wrk.format(nil, paths[(n % #paths) + 1]) end'
  } >"$WORK/reads.lua"
  read -r ROWS_BEFORE DUP_BEFORE <<<"$(stored_reports)"
  echo "soak: $READERS connections reading every page, $WRITERS writing, $SOAK min…" >&2
  sampler &
  SAMPLER_PID=$!
  SOAK_WRK=(wrk "-t$THREADS" "-d${SOAK}m" --timeout 10s --latency)
  "${SOAK_WRK[@]}" "-c$READERS" "${HEADERS[@]}" -s "$WORK/reads.lua" "$URL" >"$WORK/soak-reads.txt" 2>&1 &
  READS_PID=$!
  "${SOAK_WRK[@]}" "-c$WRITERS" -s "$WORK/write.lua" "$URL/" >"$WORK/soak-writes.txt" 2>&1 || { cat "$WORK/soak-writes.txt" >&2; die "wrk failed on the writes"; }
  wait "$READS_PID" || { cat "$WORK/soak-reads.txt" >&2; die "wrk failed on the reads"; }
  kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
  sleep 1
  RSS_AFTER=$(rss_kb "$ECOCIV_PID")
  RSS_MINUTE=$(awk '$1 >= 60 {print $2; exit}' "$WORK/rss.txt")
  RSS_MAX=$(awk '{print $2}' "$WORK/rss.txt" | sort -n | tail -n 1)
  read -r ROWS_AFTER DUP_AFTER <<<"$(stored_reports)"
  read -r R P50 P99 BAD SOCK <<<"$(parse "$WORK/soak-reads.txt")"
  read -r WR WP50 WP99 WBAD WSOCK <<<"$(parse "$WORK/soak-writes.txt")"
  count() { awk -v s="$1" '$1 == "status" && $2 ~ s {n += $3} END {print n + 0}' "$2"; }
  W201=$(count '^201$' "$WORK/soak-writes.txt")
  W409=$(count '^409$' "$WORK/soak-writes.txt")
  W503=$(count '^503$' "$WORK/soak-writes.txt")
  WOTHER=$(awk '$1 == "status" && $2 != "201" && $2 != "409" && $2 != "503" {printf "%s%s: %s", sep, $2, $3; sep = ", "}' "$WORK/soak-writes.txt")
  NEW=$((ROWS_AFTER - ROWS_BEFORE))
  echo
  echo "Soak, measured on $(date +%F) ($(nproc) cores, release build; wrk and the server on the same machine): $ZONES synthetic zones × $YEARS years × $PROJECTS projects reporting monthly, $DB_KIND. For $SOAK minutes, $READERS connections read every page in turn (the session cookie of \`$FIRST-tf\`, \`Accept-Encoding: $ENCODING\`) while $WRITERS connections each send new monthly reports (of ${#POOL[@]} projects in the first $WRITE_ZONES zones, by their implementers' tokens; when every month is sent they come round again as conflicts, 409); \`--today $TODAY\`."
  echo
  echo "| what | requests/s | p50 | p99 | errors |"
  echo "|---|---|---|---|---|"
  echo "| reads (every page in turn) | $(int "$R") | $(ms "$P50") | $(ms "$P99") | $((BAD + SOCK)) |"
  echo "| writes (201: $W201, 409: $W409, 503: $W503${WOTHER:+, other: $WOTHER}) | $(int "$WR") | $(ms "$WP50") | $(ms "$WP99") | $((WBAD - W409 - W503 + WSOCK)) |"
  echo
  echo "| resident memory of ecociv (VmRSS) | MB |"
  echo "|---|---|"
  echo "| at start | $(mb "$RSS_START") |"
  if [ -n "$RSS_MINUTE" ]; then echo "| after the first minute | $(mb "$RSS_MINUTE") |"; fi
  echo "| most, sampled every 0.5 s | $(mb "$RSS_MAX") |"
  echo "| at the end | $(mb "$RSS_AFTER") |"
  echo
  # a write whose answer wrk gave up waiting for (a socket timeout) may be stored unacknowledged
  echo "Acknowledged writes (201): $W201. Reports in the database: $ROWS_BEFORE before, $ROWS_AFTER after ($NEW new; $((NEW - W201)) stored without an answer wrk waited for); reports stored twice: $DUP_AFTER. Every acknowledged write is there exactly once: $([ "$NEW" -ge "$W201" ] && [ "$DUP_AFTER" = 0 ] && echo yes || echo NO)."
  [ "$NEW" -ge "$W201" ] && [ "$DUP_AFTER" = 0 ] || die "acknowledged $W201 writes, stored $NEW new, $DUP_AFTER twice"
  exit 0
fi

sampler &
SAMPLER_PID=$!
# what ecociv holds once a run is over: sampled after each baseline run (ecociv idle for as long
# as a run, its heap's free pages given back every 2 s), "seconds since the load began" and kB
LOAD_T0=$(date +%s.%N)
settled() { echo "$(awk -v a="$(date +%s.%N)" -v b="$LOAD_T0" 'BEGIN {printf "%.1f", a - b}') $(rss_kb "$ECOCIV_PID")" >>"$WORK/settled.txt"; }
ROWS=()
BASE_BAD=()
for i in "${!PAGES[@]}"; do
  page=${PAGES[$i]}
  if [ "$page" = /healthz ]; then base=/hello; else base="/static/p$i"; fi
  echo "wrk: $page, then the baseline $base (${SECONDS_EACH}s each)…" >&2
  run_get "$URL$page" "$WORK/wrk-p$i.txt" "$(headers_of "$page")"
  run_get "$BARE_URL$base" "$WORK/wrk-b$i.txt"
  settled
  read -r R P50 P99 BAD SOCK <<<"$(parse "$WORK/wrk-p$i.txt")"
  read -r BR BP50 BP99 BBAD BSOCK <<<"$(parse "$WORK/wrk-b$i.txt")"
  [ $((BBAD + BSOCK)) = 0 ] || BASE_BAD+=("$base: $BBAD non-2xx, $BSOCK socket errors")
  enc=$(awk -F': *' 'tolower($1) == "content-encoding" {print $2}' "$SAVED/p$i.headers")
  if [ "$page" = /healthz ]; then label='`/hello`'; else label='same bytes'; fi
  ROWS+=("| \`$page\` | $(stat -c %s "$SAVED/p$i.body") | ${enc:-none} | $(int "$R") | $(ms "$P50") | $(ms "$P99") | $((BAD + SOCK)) | $label | $(int "$BR") | $(ms "$BP50") | $(ms "$BP99") | $(awk -v a="$R" -v b="$BR" 'BEGIN {printf "%.3f", a / b}') |")
done

echo "wrk: POST /api/v1/projects/{n}/dispatch-reports (${#POOL[@]} projects of $WRITE_ZONES zones × $(( ${#MONTHS[@]} - 1 )) months = $WRITE_SLOTS new reports), then the baseline…" >&2
"${WRK[@]}" -s "$WORK/write.lua" "$URL/" >"$WORK/wrk-write.txt" 2>&1 || { cat "$WORK/wrk-write.txt" >&2; die "wrk failed on the write route"; }
"${WRK[@]}" -s "$WORK/write.lua" "$BARE_URL/" -- /static/write >"$WORK/wrk-write-base.txt" 2>&1 || { cat "$WORK/wrk-write-base.txt" >&2; die "wrk failed on the write baseline"; }
settled
kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
read -r R P50 P99 BAD SOCK <<<"$(parse "$WORK/wrk-write.txt")"
read -r BR BP50 BP99 BBAD BSOCK <<<"$(parse "$WORK/wrk-write-base.txt")"
[ $((BBAD + BSOCK)) = 0 ] || BASE_BAD+=("/static/write: $BBAD non-2xx, $BSOCK socket errors")
count() { awk -v s="$1" '$1 == "status" && $2 ~ s {n += $3} END {print n + 0}' "$2"; }
W2XX=$(count '^2' "$WORK/wrk-write.txt")
W409=$(count '^409$' "$WORK/wrk-write.txt")
WOTHER=$(awk '$1 == "status" && $2 !~ /^2/ && $2 != "409" {printf "%s%s: %s", sep, $2, $3; sep = ", "}' "$WORK/wrk-write.txt")
WCOUNT=$((W2XX + W409))
enc=$(awk -F': *' 'tolower($1) == "content-encoding" {print $2}' "$SAVED/write.headers")
ROWS+=("| \`POST /api/v1/projects/{n}/dispatch-reports\` | $(stat -c %s "$SAVED/write.body") | ${enc:-none} | $(int "$R") | $(ms "$P50") | $(ms "$P99") | $((BAD - W409 + SOCK)) (409: $W409) | same bytes | $(int "$BR") | $(ms "$BP50") | $(ms "$BP99") | $(awk -v a="$R" -v b="$BR" 'BEGIN {printf "%.3f", a / b}') |")

# --- the first request after a write -----------------------------------------------------------
read -r RNUM RTOKEN <<<"$RESERVED"
get_time() { curl -s -o /dev/null -w '%{http_code} %{time_total}' "${HEADERS[@]}" "$URL$1"; }
AFTER=()
k=1
for page in "/assessment?quarter=$QUARTER" /dashboard; do
  get_time "$page" >/dev/null; get_time "$page" >/dev/null   # warm
  code=$(post_report "$RNUM" "$RTOKEN" "${MONTHS[$k]}")
  [ "$code" = 201 ] || die "the write before timing $page answered $code"
  read -r c1 first <<<"$(get_time "$page")"
  read -r c2 second <<<"$(get_time "$page")"
  [ "$c1" = 200 ] && [ "$c2" = 200 ] || die "GET $page after a write answered $c1/$c2"
  AFTER+=("| \`$page\` | $(awk -v t="$first" 'BEGIN {printf "%.1f ms", t * 1000}') | $(awk -v t="$second" 'BEGIN {printf "%.1f ms", t * 1000}') |")
  k=$((k + 1))
done
# --- reads while writing: every write makes the page's view stale, and the waiting requests
# share one computation
echo "wrk: /assessment?quarter=$QUARTER while writing every 0.5 s…" >&2
( m=$k; while [ "$m" -lt "${#MONTHS[@]}" ]; do post_report "$RNUM" "$RTOKEN" "${MONTHS[$m]}" >>"$WORK/while-writes.txt"; echo >>"$WORK/while-writes.txt"; m=$((m + 1)); sleep 0.5; done ) &
WRITER_PID=$!
run_get "$URL/assessment?quarter=$QUARTER" "$WORK/wrk-while.txt"
kill "$WRITER_PID" 2>/dev/null || true; wait "$WRITER_PID" 2>/dev/null || true
WHILE_WRITES=$(grep -c '^201' "$WORK/while-writes.txt" || true)
read -r WR WP50 WP99 WBAD WSOCK <<<"$(parse "$WORK/wrk-while.txt")"
WERR=$((WBAD + WSOCK))

sleep 1
RSS_AFTER=$(rss_kb "$ECOCIV_PID")
RSS_MAX=$(awk '{print $2}' "$WORK/rss.txt" | sort -n | tail -n 1)
RSS_MINUTE=$(awk '$1 >= 60 {print $2; exit}' "$WORK/rss.txt")
SETTLED_MINUTE=$(awk '$1 >= 60 {print $2; exit}' "$WORK/settled.txt")
SETTLED_END=$(tail -n 1 "$WORK/settled.txt" | awk '{print $2}')

# --- report --------------------------------------------------------------------------------------
CORES=$(nproc)
echo
echo "Measured on $(date +%F) ($CORES cores, release build; wrk and both servers on the same machine): $ZONES synthetic zones × $YEARS years × $PROJECTS projects reporting monthly, $DB_KIND, generated in $GENERATED_IN s. wrk: $THREADS threads, $CONNECTIONS connections, ${SECONDS_EACH} s per route and as long for its baseline, \`Accept-Encoding: $ENCODING\` and the session cookie of \`$FIRST-tf\` on every request (of \`bench-admin\` on the national view); \`--today $TODAY\`${TREE:+; the zones a national tree (\`demo generate --tree\`)}."
echo
echo "| route | bytes | encoding | req/s | p50 | p99 | errors | baseline | baseline req/s | baseline p50 | baseline p99 | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Errors are non-2xx answers and socket errors. The write route sends each request a new monthly report (zone, project, month) of ${#POOL[@]} projects without reports in the first $WRITE_ZONES zones, by their implementers' bearer tokens: $WRITE_SLOTS new reports in all, after which the months come round again and are conflicts (409, \`already_reported\`, counted apart). $W2XX reports were stored (201) and $W409 were conflicts${WOTHER:+; other answers: $WOTHER}. Its baseline answers the same bytes as the 201 answer to the same POST requests. Ratio = req/s against the baseline in this run."
if [ ${#BASE_BAD[@]} -gt 0 ]; then echo; echo "Baseline errors: $(IFS=';'; echo "${BASE_BAD[*]}")."; fi
echo
echo "\`/zones\` is the first zone's roll-up of its counties (none but in a tree), \`/zones?all=1\` the national view, read with an administrator's session. The first request of each page after the server started (nothing kept yet): $(for i in "${!PAGES[@]}"; do printf '%s%s %s ms' "${sep:-}" "\`${PAGES[$i]}\`" "${FIRST_MS[$i]}"; sep=', '; done)."
echo
echo "| resident memory of ecociv (VmRSS) | MB |"
echo "|---|---|"
echo "| at start | $(mb "$RSS_START") |"
echo "| under load (max, sampled every 0.5 s) | $(mb "$RSS_MAX") |"
if [ -n "$RSS_MINUTE" ]; then echo "| after the first minute of load (one sample, whether ecociv or its baseline was running) | $(mb "$RSS_MINUTE") |"; else echo "| after the first minute of load | (the runs were shorter) |"; fi
echo "| after the runs and the reads while writing (one sample, just after them) | $(mb "$RSS_AFTER") |"
if [ -n "$SETTLED_MINUTE" ]; then
  echo "| held between runs, after the first minute (once ecociv's run and its baseline's are over) | $(mb "$SETTLED_MINUTE") |"
  echo "| held between runs, at the end of the page runs (after the write route and its baseline) | $(mb "$SETTLED_END") |"
  echo "| change of what is held, from the first minute to the end of the page runs | $(awk -v a="$SETTLED_END" -v b="$SETTLED_MINUTE" 'BEGIN {printf "%+.1f%%", (a - b) * 100 / b}') |"
fi
echo
echo "| after one write (a dispatch report), GET | first request | the next one |"
echo "|---|---|---|"
printf '%s\n' "${AFTER[@]}"
echo
echo "Reads while writing: \`/assessment?quarter=$QUARTER\` under $CONNECTIONS connections for ${SECONDS_EACH} s while a report is written every 0.5 s ($WHILE_WRITES writes, each making the quarter's assessment stale): $(int "$WR") req/s, p50 $(ms "$WP50"), p99 $(ms "$WP99"), $WERR errors."
