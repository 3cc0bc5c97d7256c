#!/usr/bin/env bash
# Publishes a self-contained Battery MES build (no .NET needed on the target machine).
# Usage: bash deploy/publish.sh [runtime] [output folder]
#   runtime: linux-x64 (default) or win-x64
#   output:  default ../battery-mes-publish/<runtime> (outside the repository: publishing inside it breaks the next build)
# The output folder is a complete installation: the BatteryMes program, appsettings.json, templates/ and the empty
# backups/, excel_reports/, qr_codes/ and logs/ folders. Copy it to /opt/battery-mes (Linux) or C:\BatteryMes (Windows).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNTIME=${1:-linux-x64}
OUT=${2:-"$(cd .. && pwd)/battery-mes-publish/$RUNTIME"}
case "$RUNTIME" in linux-x64|linux-arm64|win-x64) ;; *) echo "runtime must be linux-x64, linux-arm64 or win-x64 (found '$RUNTIME')" >&2; exit 2;; esac
case "$(cd "$(dirname "$OUT")" 2>/dev/null && pwd || echo "$OUT")/" in "$(pwd)/"*) echo "Publish outside the repository (found '$OUT')." >&2; exit 2;; esac

rm -rf "$OUT"
dotnet publish src/BatteryMes.Web -c Release -r "$RUNTIME" --self-contained true -nologo -v:q -o "$OUT"
mkdir -p "$OUT/backups" "$OUT/excel_reports" "$OUT/qr_codes" "$OUT/logs" "$OUT/data"
cp deploy/battery-mes.service "$OUT/" 2>/dev/null || true
cp deploy/windows/install-service.ps1 "$OUT/" 2>/dev/null || true
cp VM_DEPLOYMENT_GUIDE.md "$OUT/"
echo "Published $RUNTIME to $OUT"
