#!/usr/bin/env bash
# Battery MES test command: installs what the tests need (Chromium, PostgreSQL server binaries), starts a throwaway
# PostgreSQL cluster on a free loopback port, builds, runs every test project, and ends with "N passed, N failed".
# Usage: bash scripts/test.sh [extra dotnet test arguments, e.g. --filter "FullyQualifiedName~Backups"]
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

apt_ready=0
need_pkg() { # need_pkg <test-command> <packages...>
  local test_cmd=$1; shift
  if ! eval "$test_cmd" >/dev/null 2>&1; then
    if [ $apt_ready -eq 0 ]; then echo "== apt-get update"; $SUDO apt-get update -qq; apt_ready=1; fi
    echo "== installing $*"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  fi
}
need_pkg "test -x /usr/bin/chromium" chromium fonts-dejavu-core
need_pkg "ls /usr/lib/postgresql/*/bin/initdb" postgresql
need_pkg "command -v runuser" util-linux
need_pkg "command -v systemd-analyze" systemd

# --- throwaway PostgreSQL cluster (no Docker here) ---
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG_DIR=$(mktemp -d /tmp/batterymes-pg-XXXXXX)
PG_PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || echo 55432)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
stop_pg() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1; rm -rf "$PG_DIR"; }
trap stop_pg EXIT
echo "== starting PostgreSQL on 127.0.0.1:$PG_PORT"
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" -w start >/dev/null \
  || { echo "PostgreSQL did not start:"; cat "$PG_DIR/log"; exit 1; }
export BATTERYMES_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Timeout=30;Command Timeout=120"

echo "== dotnet build"
dotnet tool restore >/dev/null
dotnet build BatteryMes.sln -c Debug -nologo -v:q || { echo "0 passed, 1 failed"; exit 1; }

RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
status=0
for project in tests/BatteryMes.Tests tests/BatteryMes.EndToEnd; do
  name=$(basename "$project")
  echo "== dotnet test $name"
  # --blame-hang: a test that hangs is reported and its process stopped, instead of stalling the whole run.
  dotnet test "$project" --no-build -nologo --blame-hang --blame-hang-timeout 8m --blame-hang-dump-type none --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$RESULTS" "$@" 2>&1 | grep -vE "^\s*(Passed|Skipped) " || true
  [ "${PIPESTATUS[0]}" -ne 0 ] && status=1
done

passed=0; failed=0; skipped=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(echo "$counters" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*'); f=$(echo "$counters" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
  e=$(echo "$counters" | grep -o ' error="[0-9]*"' | grep -o '[0-9]*'); t=$(echo "$counters" | grep -o ' total="[0-9]*"' | grep -o '[0-9]*')
  x=$(echo "$counters" | grep -o ' executed="[0-9]*"' | grep -o '[0-9]*')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + ${t:-0} - ${x:-0}))
done
count=$(ls "$RESULTS"/*.trx 2>/dev/null | wc -l)
if [ "$count" -lt 2 ]; then echo "A test project produced no results."; failed=$((failed + 1)); status=1; fi
[ "$failed" -gt 0 ] && status=1
# A test host that crashed or was stopped for hanging leaves no failed count behind: never report such a run as clean.
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
