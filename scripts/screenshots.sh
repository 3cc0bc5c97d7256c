#!/usr/bin/env bash
# Makes the pictures of README.md and docs/user-guide.md again from the running app: starts Battery MES on a fresh
# SQLite database with example people and packs, opens each page in Chromium (Playwright) as the person who uses it,
# and saves the PNGs into docs/images/. Run it after a change to the pages, look at the pictures, commit them.
# Usage: bash scripts/screenshots.sh [output folder, default docs/images]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-docs/images}")
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

echo "== dotnet build"
dotnet build tests/BatteryMes.EndToEnd -c Debug -nologo -v:q

mkdir -p "$OUT"
echo "== taking screenshots into $OUT"
BATTERYMES_SCREENSHOTS_DIR="$OUT" dotnet test tests/BatteryMes.EndToEnd --no-build -nologo \
  --filter "FullyQualifiedName~BatteryMes.EndToEnd.Documentation.DocumentationScreenshots" --logger "console;verbosity=minimal"
ls -l "$OUT"/*.png
