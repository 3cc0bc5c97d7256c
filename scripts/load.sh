#!/usr/bin/env bash
# Battery MES load run: the real app (Release build) on loopback against a copy of a seeded SQLite database.
#  1. Memory per idle circuit: 0, 20, 50 idle Chromium tabs at /dashboard and at /entry, figures from the app's /health.
#  2. A step series of N concurrent JSON API users (register a pack, save each stage in full, the inspector signs it off)
#     with K browser sessions alongside (Chromium tabs on the data entry page: sign in, scan, create, measured values,
#     All OK, Save, Complete Process signed by the inspector), a bounded time per step. Saves/s, p50/p95/p99 save latency (browser: click to confirmation), errors, server CPU and memory,
#     browser CPU, and the user count where p95 passes 500 ms.
# Writes artifacts/load/results.md.
#  --heavy instead: N workers asking for heavy downloads one after another (master workbook of every pack, results CSV,
#     QR label batch, backup file) while /health is asked every 100 ms; /health p50/p95/max, the app's peak memory,
#     downloads answered 200 against refused busy (503/429). Writes artifacts/load/heavy.md.
# Usage: bash scripts/load.sh [--users 10,25,50,100] [--seconds 30] [--browsers 4] [--idle 0,20,50]
#                             [--idle-pages /dashboard,/entry] [--packs 1000]     (traffic stays on 127.0.0.1)
#        bash scripts/load.sh --heavy [--workers 8] [--seconds 30] [--packs 1000]
# --no-build runs the last Release build as it is (for runs one after another).
# --browsers 0 and --idle 0 switch those parts off. The defaults take about 8 minutes plus the build.
# Requests sign in with an API key of a load person with every role, made in the copied database before the app starts;
# a QC inspector (loadqc, own API key and PIN) signs stages off, and each browser session signs in on /signin as its own
# operator (loadop1..N, PIN), as the app's default second-person sign-off asks.
# Outside CI (long and timing-dependent).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export BATTERYMES_BENCH_DIR=${BATTERYMES_BENCH_DIR:-/tmp/batterymes-bench}
packs=1000; users=10,25,50,100; seconds=30; browsers=4; idle=0,20,50; idle_pages=/dashboard,/entry; heavy=0; workers=8; build=1; prev=""
for a in "$@"; do
  case "$prev" in
    --packs) packs=$a;; --users) users=$a;; --seconds) seconds=$a;; --browsers) browsers=$a;; --idle) idle=$a;; --idle-pages) idle_pages=$a;;
    --workers) workers=$a;;
  esac
  [ "$a" = "--heavy" ] && heavy=1
  [ "$a" = "--no-build" ] && build=0
  prev=$a
done
steps=$(echo "$users" | tr ',' '\n' | grep -c .)
PORT=${BATTERYMES_LOAD_PORT:-8612}
OUT=tests/BatteryMes.Benchmarks/bin/Release/net10.0

if [ "$build" = 1 ]; then
  echo "== dotnet build (Release)"
  dotnet build tests/BatteryMes.Benchmarks -c Release -nologo -v:q
fi
seed=$(dotnet "$OUT/BatteryMes.Benchmarks.dll" seed --packs "$packs")
work="$BATTERYMES_BENCH_DIR/work/load-$PORT"
rm -rf "$work"; mkdir -p "$work"
cp "$seed" "$work/battery_mes.db"

export BatteryMes__Server__Urls="http://127.0.0.1:$PORT" \
  BatteryMes__Database__ConnectionString="Data Source=$work/battery_mes.db" \
  BatteryMes__Folders__Backups="$work/backups" BatteryMes__Folders__ExcelReports="$work/excel_reports" \
  BatteryMes__Folders__QrCodes="$work/qr_codes" BatteryMes__Folders__Logs="$work/logs"
# A person with every role and an API key, in the copy only (the key stays in this script's environment).
echo "load-run-$(date +%s)-password" | dotnet "$OUT/BatteryMes.dll" users add loadrig --name "Load run" --role Operator,QcInspector,Supervisor,Admin >/dev/null
BATTERYMES_LOAD_API_KEY=$(dotnet "$OUT/BatteryMes.dll" api-key create --user loadrig --name "load run" 2>/dev/null | tail -n 1)
export BATTERYMES_LOAD_API_KEY
if [ "$heavy" = 0 ]; then
  # Whoever records a stage does not sign it off (the app's default): a QC inspector, loadqc, signs every stage off,
  # over the API with its own key and in the browsers' signature panel; the browsers sign in as operators loadop1..N.
  # They share one PIN, made up for this run.
  BATTERYMES_LOAD_PIN=$(shuf -i 100000-999999 -n 1)
  export BATTERYMES_LOAD_PIN
  echo "$BATTERYMES_LOAD_PIN" | dotnet "$OUT/BatteryMes.dll" users add loadqc --name "Load inspector" --role QcInspector --pin >/dev/null
  BATTERYMES_LOAD_SIGNER_KEY=$(dotnet "$OUT/BatteryMes.dll" api-key create --user loadqc --name "load run sign-off" 2>/dev/null | tail -n 1)
  export BATTERYMES_LOAD_SIGNER_KEY
  for i in $(seq 1 "$browsers"); do
    echo "$BATTERYMES_LOAD_PIN" | dotnet "$OUT/BatteryMes.dll" users add "loadop$i" --name "Load operator $i" --role Operator --pin >/dev/null
  done
fi

echo "== starting the app on 127.0.0.1:$PORT ($packs seeded packs)"
dotnet "$OUT/BatteryMes.dll" > "$work/app.log" 2>&1 &
APP=$!
# Stop the app however this script ends (a time limit, Ctrl+C): a graceful stop first, SIGKILL after 30 s.
stop_app() {
  kill "$APP" 2>/dev/null || return 0
  for _ in $(seq 1 30); do kill -0 "$APP" 2>/dev/null || return 0; sleep 1; done
  kill -9 "$APP" 2>/dev/null || true
}
trap stop_app EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 $APP 2>/dev/null || { echo "The app exited:"; tail -n 30 "$work/app.log"; exit 1; }
  sleep 1
done

if [ "$heavy" = 1 ]; then
  echo "== heavy downloads: $workers workers for $seconds s, /health every 100 ms"
  timeout --kill-after=30 $(( seconds + 300 )) dotnet "$OUT/BatteryMes.Benchmarks.dll" heavy --url "http://127.0.0.1:$PORT" --pid $APP \
    --workers "$workers" --seconds "$seconds" --out artifacts/load/heavy.md
  exit $?
fi

# A hard bound on the whole run: the steps, plus the idle-circuit phase and browser warm-up (a few minutes at most).
limit=$(( steps * seconds + 600 ))
echo "== load: API users $users with $browsers browser sessions, $seconds s per step; idle tabs $idle (run limited to $limit s)"
timeout --kill-after=30 "$limit" dotnet "$OUT/BatteryMes.Benchmarks.dll" load --url "http://127.0.0.1:$PORT" --pid $APP --users "$users" \
  --seconds "$seconds" --browsers "$browsers" --idle "$idle" --idle-pages "$idle_pages" --out artifacts/load/results.md
