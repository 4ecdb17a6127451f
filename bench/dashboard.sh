#!/usr/bin/env bash
# Benchmark: the dashboard and the ranking page under 64 concurrent clients on loopback, as a
# ratio to /healthz measured in the same run. Its own command, never part of the test command.
#
#   bench/dashboard.sh [ZONES] [PROJECTS_PER_ZONE] [YEARS] [SECONDS]
#
# It builds the release binary, generates ZONES synthetic zones (default 100) with YEARS of data
# (default 5) and PROJECTS_PER_ZONE projects reporting monthly (default 10), signs in as the
# task force of the first one, and runs Debian's wrk (installed when missing) against /healthz,
# /dashboard and /assessment for SECONDS each (default 15).
set -euo pipefail
cd "$(dirname "$0")/.."
ZONES=${1:-100}
PROJECTS=${2:-10}
YEARS=${3:-5}
SECONDS_EACH=${4:-15}
CONNECTIONS=64
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ecociv/target}"

command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
# PROFILE=dev only to try the script quickly; figures come from the release build
PROFILE=${PROFILE:-release}
cargo build --profile "$PROFILE" -p ecociv -q
BIN="$CARGO_TARGET_DIR/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")/ecociv"
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$WORK"

PASSWORD='Bench-password-1'
echo "generating $ZONES zones × $YEARS years × $PROJECTS projects…" >&2
start=$(date +%s)
echo "$PASSWORD" | "$BIN" demo generate --zones "$ZONES" --projects-per-zone "$PROJECTS" --years "$YEARS" >/dev/null
echo "generated in $(( $(date +%s) - start )) s" >&2

PORT=18999
"$BIN" serve --addr 127.0.0.1:$PORT --today 2025-07-20 >server.log 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.2; done
COOKIE=$(curl -s -i -X POST -d "name=syn0001-tf&password=$PASSWORD" http://127.0.0.1:$PORT/login | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: ecociv_session=\([^;]*\).*/\1/p')
[ -n "$COOKIE" ] || { echo "could not sign in" >&2; exit 1; }

run() { # path → "requests/s p50 p90 p99"
  wrk -t2 -c$CONNECTIONS -d${SECONDS_EACH}s --timeout 10s --latency -H "Cookie: ecociv_session=$COOKIE" "http://127.0.0.1:$PORT$1" >"wrk$2.txt"
  local rps p50 p90 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "wrk$2.txt")
  p50=$(awk '$1=="50%" {print $2}' "wrk$2.txt")
  p90=$(awk '$1=="90%" {print $2}' "wrk$2.txt")
  p99=$(awk '$1=="99%" {print $2}' "wrk$2.txt")
  grep -q "Non-2xx" "wrk$2.txt" && { echo "non-2xx answers on $1" >&2; cat "wrk$2.txt" >&2; exit 1; }
  echo "$rps $p50 $p90 $p99"
}

read -r H50 H50a H90 H99 <<<"$(run /healthz 0)"
printf '%-26s %10s %10s %10s %10s %8s\n' page req/s p50 p90 p99 ratio
printf '%-26s %10s %10s %10s %10s %8s\n' /healthz "$H50" "$H50a" "$H90" "$H99" 1.00
i=1
for page in /dashboard "/assessment?quarter=2025Q2"; do
  read -r R P50 P90 P99 <<<"$(run "$page" $i)"
  printf '%-26s %10s %10s %10s %10s %8.3f\n' "$page" "$R" "$P50" "$P90" "$P99" "$(echo "$R / $H50" | bc -l)"
  i=$((i + 1))
done
echo "($ZONES zones, $YEARS years, $PROJECTS projects per zone, $CONNECTIONS connections, ${SECONDS_EACH}s each; ratio = req/s against /healthz in this run)"
