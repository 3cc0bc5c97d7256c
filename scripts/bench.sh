#!/usr/bin/env bash
# Battery MES benchmarks: builds tests/BatteryMes.Benchmarks in Release, seeds realistic databases once (cached under
# /tmp/batterymes-bench: SQLite files, and a PostgreSQL cluster whose template databases hold the seeds), runs the
# BenchmarkDotNet suites in-process with short bounded jobs, and writes artifacts/benchmarks/results.md.
# Usage: bash scripts/bench.sh [--packs 1000,100000] [--providers Sqlite,PostgreSQL] [--only StageSave,Snapshot] [--out FILE]
# A first run seeds (about 5 to 10 minutes for 100,000 packs per provider on 2 busy cores); later runs re-use the seeds.
# Not part of scripts/test.sh: speed belongs here, not in the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
BENCH_DIR=${BATTERYMES_BENCH_DIR:-/tmp/batterymes-bench}
export BATTERYMES_BENCH_DIR=$BENCH_DIR
mkdir -p "$BENCH_DIR"

providers="Sqlite,PostgreSQL"
prev=""
for a in "$@"; do [ "$prev" = "--providers" ] && providers=$a; prev=$a; done

# --- PostgreSQL: a cluster kept under $BENCH_DIR/pg (so its seeded template databases survive between runs),
#     started on a free loopback port for this run and stopped at the end. Server defaults: fsync and
#     synchronous_commit on, as a plant would run it.
if echo "$providers" | grep -qi postgres && [ -z "${BATTERYMES_BENCH_POSTGRES:-}" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "== installing postgresql"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_DIR=$BENCH_DIR/pg
  PG_PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || echo 55433)
  as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    rm -rf "$PG_DIR"; mkdir -p "$PG_DIR"; [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  stop_pg() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true; }
  trap stop_pg EXIT
  echo "== starting the bench PostgreSQL on 127.0.0.1:$PG_PORT ($PG_DIR)"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" -w start >/dev/null \
    || { echo "PostgreSQL did not start:"; tail -n 20 "$PG_DIR/log"; exit 1; }
  export BATTERYMES_BENCH_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Timeout=30;Command Timeout=0"
fi

echo "== dotnet build (Release)"
dotnet build tests/BatteryMes.Benchmarks -c Release -nologo -v:q
echo "== benchmarks"
dotnet tests/BatteryMes.Benchmarks/bin/Release/net10.0/BatteryMes.Benchmarks.dll run "$@"
