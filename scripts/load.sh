#!/usr/bin/env bash
# Battery MES load run: the real app (Release build) on loopback against a copy of a seeded SQLite database, driven by
# N concurrent JSON API users for a bounded time per step (register a pack, save each stage in full, complete it).
# Writes artifacts/load/results.md: saves/s, p50/p95/p99 save latency, errors, server CPU and peak memory per step.
# Usage: bash scripts/load.sh [--users 10,25,50] [--seconds 30] [--packs 1000]   (traffic stays on 127.0.0.1)
# Outside CI (long and timing-dependent). Browser sessions (Blazor circuits) are not part of it yet.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export BATTERYMES_BENCH_DIR=${BATTERYMES_BENCH_DIR:-/tmp/batterymes-bench}
packs=1000; users=10,25,50; seconds=30; prev=""
for a in "$@"; do
  case "$prev" in --packs) packs=$a;; --users) users=$a;; --seconds) seconds=$a;; esac
  prev=$a
done
PORT=${BATTERYMES_LOAD_PORT:-8612}
OUT=tests/BatteryMes.Benchmarks/bin/Release/net10.0

echo "== dotnet build (Release)"
dotnet build tests/BatteryMes.Benchmarks -c Release -nologo -v:q
seed=$(dotnet "$OUT/BatteryMes.Benchmarks.dll" seed --packs "$packs")
work="$BATTERYMES_BENCH_DIR/work/load"
rm -rf "$work"; mkdir -p "$work"
cp "$seed" "$work/battery_mes.db"

echo "== starting the app on 127.0.0.1:$PORT ($packs seeded packs)"
BatteryMes__Server__Urls="http://127.0.0.1:$PORT" \
BatteryMes__Database__ConnectionString="Data Source=$work/battery_mes.db" \
BatteryMes__Folders__Backups="$work/backups" BatteryMes__Folders__ExcelReports="$work/excel_reports" \
BatteryMes__Folders__QrCodes="$work/qr_codes" BatteryMes__Folders__Logs="$work/logs" \
  dotnet "$OUT/BatteryMes.dll" > "$work/app.log" 2>&1 &
APP=$!
trap 'kill $APP 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 $APP 2>/dev/null || { echo "The app exited:"; tail -n 30 "$work/app.log"; exit 1; }
  sleep 1
done

echo "== load: users $users, $seconds s per step"
dotnet "$OUT/BatteryMes.Benchmarks.dll" load --url "http://127.0.0.1:$PORT" --pid $APP --users "$users" --seconds "$seconds" --out artifacts/load/results.md
