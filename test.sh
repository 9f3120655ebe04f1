#!/usr/bin/env bash
# Runs every Concord test on a fresh machine and ends with one line: "N passed, N failed, N skipped".
# It starts a throwaway PostgreSQL server for the PostgreSQL-backed tests (installing PostgreSQL when it is
# missing and this runs as root), or uses the server CONCORD_TEST_POSTGRES names, and installs Debian's Chromium
# and ChromeDriver for the web console's browser test the same way.
# Extra arguments go to `dotnet test` (for example: ./test.sh --filter "FullyQualifiedName~Cli").
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is required (dotnet was not found on PATH)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# CI counts as set for any value but an empty one, 0, false or no (CI=true, CI=1, CI=yes ...).
is_ci() { case "${CI:-}" in ""|0|[Ff]alse|FALSE|[Nn]o|NO) return 1 ;; *) return 0 ;; esac; }

results="$(mktemp -d)"
# shellcheck source=scripts/throwaway-postgres.sh
. scripts/throwaway-postgres.sh
trap 'concord_stop_postgres; rm -rf "$results"' EXIT

if ! concord_start_postgres; then
  if is_ci; then
    echo "test.sh: PostgreSQL could not be started; under CI the PostgreSQL tests must run" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "test.sh: continuing without PostgreSQL; the PostgreSQL tests will skip" >&2
fi

# shellcheck source=scripts/chromium.sh
. scripts/chromium.sh
if ! concord_ensure_chromium && is_ci; then
  echo "test.sh: Chromium could not be installed; under CI the web console's browser test must run" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== build (warnings are errors)"
if ! dotnet build Orleans.sln -nologo -v:quiet; then
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== test"
# A hung test fails the run after 5 minutes instead of stalling CI.
dotnet test Orleans.sln --no-build -nologo -m:1 \
  --blame-hang-timeout 5m \
  --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@"
status=$?

# The samples again, built and tested against Concord's packed libraries instead of its projects: a public type
# they need but a package lacks fails here. Skipped when test.sh is given a filter (a developer's subset).
packaged=0
packaged_status=0
if [ "$#" -eq 0 ]; then
  echo "== samples against the packed libraries"
  packaged=1
  bash scripts/samples-against-packages.sh "$results" || packaged_status=$?
fi

# The deterministic simulator of the replication core: 2,000 seeds, stopping at the first failure with its seed, the
# tail of its trace and the command that replays it. The run counts as one test. Skipped with a filter, like the above.
simulated=0
sim_failed=0
if [ "$#" -eq 0 ]; then
  echo "== simulator (dotnet run --project sim -- --seeds 2000 --lossy)"
  simulated=1
  dotnet run --project sim --no-build -- --seeds 2000 --lossy || sim_failed=1
fi

# The benchmark harness smoke pass: every scenario once, briefly. It checks the harness runs, never a timing;
# it is reported on its own line and is not counted as a test.
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

if [ "$simulated" -eq 1 ]; then
  if [ "$sim_failed" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

# Every test project writes one TRX file; a missing one is a test host that crashed or was killed before writing it.
expected="$(grep -l '<IsTestProject>true</IsTestProject>' $(git ls-files '*.csproj' 2>/dev/null || find . -name '*.csproj' -not -path '*/obj/*') | wc -l)"
expected=$((expected + packaged))
if [ "$files" -lt "$expected" ]; then
  echo "test.sh: $((expected - files)) of $expected test projects wrote no results (a test host crashed or was killed)" >&2
  failed=$((failed + expected - files))
fi

# dotnet test failing with no failed test counted means a test host died after writing partial results.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: dotnet test exited $status with no failing test counted: a test host crashed" >&2
  failed=$((failed + 1))
fi

# The packaged run exiting non-zero with its results all passed (a host that died late) still fails the run.
if [ "$packaged_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: the samples against the packed libraries exited $packaged_status" >&2
  failed=$((failed + 1))
fi

if [ "$bench_failed" -eq 0 ]; then
  echo "bench smoke: passed"
else
  echo "bench smoke: FAILED" >&2
fi

echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$packaged_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$bench_failed" -ne 0 ]; then
  exit 1
fi
