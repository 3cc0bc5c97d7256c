#!/usr/bin/env bash
# Battery MES fault runs: the fault tests (kill -9 mid-save, and the others under tests/*/Faults) on SQLite and
# PostgreSQL, through the test command (which starts the throwaway PostgreSQL and builds). They also run in CI as part
# of scripts/test.sh; this runs only them. Ends with "N passed, N failed".
# Usage: bash scripts/faults.sh [extra dotnet test arguments]
set -uo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/test.sh --filter "FullyQualifiedName~.Faults." "$@"
