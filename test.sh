#!/usr/bin/env bash
# Runs every Concord test on a fresh machine and ends with one line: "N passed, N failed, N skipped".
# It starts a throwaway PostgreSQL server for the PostgreSQL-backed tests (installing PostgreSQL when it is
# missing and this runs as root), or uses the server CONCORD_TEST_POSTGRES names.
# Extra arguments go to `dotnet test` (for example: ./test.sh --filter "FullyQualifiedName~Cli").
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is required (dotnet was not found on PATH)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

results="$(mktemp -d)"
# shellcheck source=scripts/throwaway-postgres.sh
. scripts/throwaway-postgres.sh
trap 'concord_stop_postgres; rm -rf "$results"' EXIT

if ! concord_start_postgres; then
  if [ "${CI:-}" = "true" ]; then
    echo "test.sh: PostgreSQL could not be started; under CI the PostgreSQL tests must run" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "test.sh: continuing without PostgreSQL; the PostgreSQL tests will skip" >&2
fi

echo "== build (warnings are errors)"
if ! dotnet build Orleans.sln -nologo -v:quiet; then
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== test"
# A hung test fails the run after 5 minutes instead of stalling CI.
dotnet test Orleans.sln --no-build -nologo \
  --blame-hang-timeout 5m \
  --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@"
status=$?

# The benchmark harness smoke pass: every scenario once, briefly. It checks the harness runs, never a timing.
echo "== bench smoke (dotnet run --project bench -- --quick)"
bench_failed=0
if ! dotnet run --project bench --no-build -- --quick; then
  bench_failed=1
fi

passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  value() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done

if [ "$files" -eq 0 ]; then
  echo "test.sh: no test results were written" >&2
  failed=$((failed + 1))
fi

if [ "$bench_failed" -eq 0 ]; then
  passed=$((passed + 1))
else
  echo "test.sh: the bench smoke pass failed" >&2
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
