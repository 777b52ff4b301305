#!/usr/bin/env bash
# Runs every test of the solution. Installs what the tests need when it is missing
# (Chromium for the browser tests, Prometheus for the dashboard-query tests, AFL++ for the fuzzing smoke run,
# PostgreSQL 15 for the feedback-store tests, which start their own server, and psycopg2 for Debian's Python, which
# the Airflow DAG's PostgreSQL count runs on), then prints
# the totals from the TRX results as the last line: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v afl-fuzz >/dev/null 2>&1 || missing+=(afl++)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
/usr/bin/python3 -c 'import psycopg2' >/dev/null 2>&1 || missing+=(python3-psycopg2)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "Installing test dependencies: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

results="TestResults"
rm -rf "$results"
status=0
dotnet test AllClassifier.sln -c Release --logger "trx" --results-directory "$results" "$@" || status=$?

passed=0
failed=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
# On CI (CI=true) the container path is part of what is tested: a skipped container test fails the run.
if [ "${CI:-}" = "true" ]; then
  skipped=$(cat "$results"/*.trx /dev/null | grep -o '<UnitTestResult [^>]*>' \
    | grep 'testName="AllClassifier.Containers.Tests.' | grep -c 'outcome="NotExecuted"' || true)
  if [ "${skipped:-0}" -gt 0 ]; then
    echo "CI=true: ${skipped} container test(s) skipped" >&2
    [ "$status" -ne 0 ] || status=1
  fi
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A build failure or crashed test host produces no failed test results; still fail the run.
  failed=1
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
