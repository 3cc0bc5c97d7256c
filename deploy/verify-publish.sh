#!/usr/bin/env bash
# Proves that a published linux-x64 build is a complete installation: started from its own folder with no .NET SDK
# or runtime on PATH, it serves /health, a page and its static files; with HTTPS on it creates its certificate and
# serves HTTPS that the downloaded certificate validates; and it refuses a database from a newer version with a message.
# Usage: bash deploy/verify-publish.sh [published folder]   (default: publishes with deploy/publish.sh first; takes minutes)
# Ends with "verify-publish: PASS" or exits non-zero with what failed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-}
if [ -z "$BUILD" ]; then
  BUILD="$(cd .. && pwd)/battery-mes-publish/linux-x64"
  bash deploy/publish.sh linux-x64 "$BUILD"
fi
[ -x "$BUILD/BatteryMes" ] || { echo "No BatteryMes program in $BUILD" >&2; exit 1; }

WORK=$(mktemp -d /tmp/battery-mes-verify-XXXXXX)
INSTALL="$WORK/battery-mes"
cp -a "$BUILD" "$INSTALL"
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
HTTPS_PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
APP_PID=""
stop_app() { # SIGTERM (what systemd sends), then wait until the process has gone
  if [ -n "$APP_PID" ]; then
    kill "$APP_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.5; done
    wait "$APP_PID" 2>/dev/null || true
  fi
  APP_PID=""
}
cleanup() { stop_app; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "verify-publish: FAIL: $*" >&2; echo "--- app output:" >&2; cat "$WORK/app.log" >&2 2>/dev/null; exit 1; }

# A bare environment: no dotnet on PATH, no DOTNET_ROOT, started from the installation folder like the service does.
run_app() { # run_app VAR=value...
  ( cd "$INSTALL" && exec env -i PATH=/nonexistent HOME="$WORK" LANG=C.UTF-8 "$@" ./BatteryMes ) >"$WORK/app.log" 2>&1 &
  APP_PID=$!
}
body() { # body [curl args] URL: prints the response body (read fully first: grep -q closing a pipe would fail curl)
  curl -fsS -o "$WORK/body" "$@" && cat "$WORK/body"
}
wait_for() { # wait_for URL [curl args]
  local url=$1; shift
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$@" "$url" 2>/dev/null && return 0
    kill -0 "$APP_PID" 2>/dev/null || fail "the app exited while starting"
    sleep 1
  done
  fail "no answer from $url"
}

echo "== no SDK on the app's PATH"
env -i PATH=/nonexistent sh -c 'command -v dotnet' >/dev/null 2>&1 && fail "dotnet is reachable from the bare PATH"

echo "== plain HTTP on 127.0.0.1:$PORT"
run_app "BatteryMes__Server__Urls=http://127.0.0.1:$PORT"
wait_for "http://127.0.0.1:$PORT/health"
body "http://127.0.0.1:$PORT/health" | grep -q '"status":"Healthy"' || fail "/health is not Healthy"
body "http://127.0.0.1:$PORT/entry" | grep -q "Data Entry" || fail "/entry does not show the Data Entry page"
body "http://127.0.0.1:$PORT/about" | grep -q "About and status" || fail "/about does not show the About page"
css=$(body "http://127.0.0.1:$PORT/entry" | grep -o '_content/MudBlazor/[^"]*\.css' | head -n 1)
[ -n "$css" ] || fail "the page links no MudBlazor stylesheet"
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/$css" || fail "static file $css is not served"
[ -f "$INSTALL/data/battery_mes.db" ] || fail "the database was not created in data/ of the installation folder"
ls "$INSTALL"/logs/battery-mes-*.log >/dev/null 2>&1 || fail "no log file under logs/"
stop_app
echo "   /health, /entry, /about and $css served; data/battery_mes.db and logs/ written"

echo "== HTTPS with a generated certificate on 127.0.0.1:$HTTPS_PORT"
run_app "BatteryMes__Server__Urls=http://127.0.0.1:$PORT" BatteryMes__Server__Https__Enabled=true \
  "BatteryMes__Server__Https__Port=$HTTPS_PORT" BatteryMes__Server__Https__RedirectHttpToHttps=true
wait_for "http://127.0.0.1:$PORT/health"
curl -fsS -o "$WORK/battery-mes-ca.crt" "http://127.0.0.1:$PORT/api/https/certificate" || fail "certificate download"
body --cacert "$WORK/battery-mes-ca.crt" "https://localhost:$HTTPS_PORT/health" | grep -q Healthy || fail "HTTPS /health with the downloaded certificate"
body --cacert "$WORK/battery-mes-ca.crt" "https://127.0.0.1:$HTTPS_PORT/entry" | grep -q "Data Entry" || fail "HTTPS /entry"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/entry")" = "307" ] || fail "HTTP /entry is not redirected"
[ -f "$INSTALL/data/https/battery-mes-server.pfx" ] || fail "no certificate under data/https/"
stop_app
echo "   certificate created under data/https/, HTTPS validated with the downloaded certificate, HTTP redirected"

echo "== systemd: the unit verifies, and the app reports READY=1 and STOPPING=1 on \$NOTIFY_SOCKET"
sed "s#/opt/battery-mes#$INSTALL#g" deploy/battery-mes.service > "$WORK/battery-mes.service"
out=$(systemd-analyze verify "$WORK/battery-mes.service" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"
# The app believes it runs under systemd when its parent process is called "systemd": a copy of sh named so plays that part.
mkdir -p "$WORK/fake"; cp "$(command -v sh)" "$WORK/fake/systemd"
python3 - "$WORK/notify.sock" >"$WORK/notify.txt" 2>&1 <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(180)
while True:
    message = s.recv(4096).decode(); print(message, flush=True)
    if "STOPPING=1" in message: break
PY
LISTENER=$!
for _ in $(seq 1 20); do [ -S "$WORK/notify.sock" ] && break; sleep 0.5; done
( cd "$INSTALL" && exec env -i PATH=/nonexistent HOME="$WORK" NOTIFY_SOCKET="$WORK/notify.sock" "BatteryMes__Server__Urls=http://127.0.0.1:$PORT" \
  "$WORK/fake/systemd" -c './BatteryMes; true' ) >"$WORK/app.log" 2>&1 &
FAKE=$!
for _ in $(seq 1 120); do grep -q "READY=1" "$WORK/notify.txt" && break; sleep 1; done
grep -q "READY=1" "$WORK/notify.txt" || fail "no READY=1 on the notify socket"
APP_PID=$(pgrep -P "$FAKE" | head -n 1); stop_app; wait "$FAKE" 2>/dev/null || true
wait "$LISTENER" || true
grep -q "STOPPING=1" "$WORK/notify.txt" || fail "no STOPPING=1 on the notify socket"
echo "   systemd-analyze verify passed; READY=1 and STOPPING=1 received"

echo "== a database from a newer version is refused"
sqlite3 "$INSTALL/data/battery_mes.db" "INSERT INTO __EFMigrationsHistory (MigrationId, ProductVersion) VALUES ('29990101000000_FromTheFuture', '99.0');"
set +e
( cd "$INSTALL" && env -i PATH=/nonexistent HOME="$WORK" "BatteryMes__Server__Urls=http://127.0.0.1:$PORT" ./BatteryMes ) >"$WORK/app.log" 2>&1
code=$?
set -e
[ "$code" = "1" ] || fail "exit code $code instead of 1"
grep -q "Battery MES cannot start" "$WORK/app.log" && grep -q "newer version of Battery MES" "$WORK/app.log" || fail "no clear message"
sed 's/^/   /' "$WORK/app.log"

echo "verify-publish: PASS"
