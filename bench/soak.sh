#!/usr/bin/env bash
# Soak: mixed traffic (3 /predict : 1 /feedback) at 8 connections for MINUTES minutes (default 10), with a new
# champion registered and swapped in every minute. Prints RSS each minute, split into anonymous and file-backed pages,
# beside glibc's malloc arenas and native heap bytes (the API's own gauges), so native growth can be told from
# page-cache noise, and the peak so far (VmHWM: a swap's, as the old model's sessions stay beside the new one's while
# it loads); targets: zero 5xx, RSS at the end within 10% of RSS after the first minute, peak at most 300 MB.
# PRECISION=fp32 serves fp32 models instead of the default INT8; the API inherits the environment, so e.g.
# ModelServing__NativeHeapArenas=0 runs it with glibc's own arena limit. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

minutes="${MINUTES:-10}"
precision="${PRECISION:-int8}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
work="$(mktemp -d)"
wrk_pid=""
swap_pid=""
trap '[ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null; [ -n "$swap_pid" ] && kill "$swap_pid" 2>/dev/null; stop_api; rm -rf "$work"' EXIT
echo "== CPU: $(cpu_description)"
echo "== building (Release); load average $(load_average) on $(nproc) cores"
build_api_and_bench
bench prepare --registry "$work/registry" --image "$work/smear.jpg" --precision "$precision" >/dev/null
start_api "$work"
echo "API at $url serving $precision; RSS at start $(rss_mib "$api_pid" VmRSS) MiB"

export BENCH_IMAGE="$work/smear.jpg"
wrk -t2 -c8 -d"$((minutes * 60))s" --timeout 30s -s bench/soak.lua "$url" >"$work/wrk.out" 2>&1 &
wrk_pid=$!
started=$SECONDS
first_minute_rss=""
peak_arenas=0
for minute in $(seq 1 "$minutes"); do
  wait_seconds=$((started + minute * 60 - SECONDS))
  [ "$wait_seconds" -gt 0 ] && sleep "$wait_seconds"
  if ! kill -0 "$api_pid" 2>/dev/null; then
    echo "the API exited during minute $minute; its log ends:" >&2
    tail -n 40 "$work/api.log" >&2
    exit 1
  fi
  rss=$(rss_mib "$api_pid" VmRSS)
  read -r anonymous file_backed < <(rss_split_mib "$api_pid")
  read -r arenas native_mib < <(native_heap)
  [ "$minute" -eq 1 ] && first_minute_rss=$rss
  [ "$arenas" -gt "$peak_arenas" ] && peak_arenas=$arenas
  echo "minute $minute: RSS ${rss} MiB (anonymous ${anonymous}, file-backed ${file_backed}, peak so far $(rss_mib "$api_pid" VmHWM)), native heap ${native_mib} MiB in ${arenas} arenas, 5xx so far $(server_errors), load average $(load_average)"
  # A promotion every minute (not after the last): the API loads, probes and swaps in the new champion. Composing
  # the model takes a while on a busy machine, so it runs beside the minute's traffic.
  if [ -n "$swap_pid" ]; then wait "$swap_pid"; fi
  swap_pid=""
  if [ "$minute" -lt "$minutes" ]; then
    bench swap --registry "$work/registry" --seed "$((100 + minute))" --precision "$precision" >/dev/null &
    swap_pid=$!
  fi
done
wait "$wrk_pid" || true
wrk_pid=""
summary="$(grep '^WRK ' "$work/wrk.out" || cat "$work/wrk.out")"
end_rss=$(rss_mib "$api_pid" VmRSS)
read -r anonymous file_backed < <(rss_split_mib "$api_pid")
read -r arenas native_mib < <(native_heap)
errors=$(server_errors)
echo "$summary"
echo "at the end: anonymous ${anonymous} MiB, file-backed ${file_backed} MiB; native heap ${native_mib} MiB in ${arenas} arenas (most arenas seen ${peak_arenas})"
echo "serving version $(curl -s "$url/model" | sed -n 's/.*"version": *\([0-9]*\).*/\1/p' | head -n 1); feedback rows $(curl -s "$url/feedback/count")"
awk -v first="$first_minute_rss" -v last="$end_rss" -v errors="$errors" -v peak="$(rss_mib "$api_pid" VmHWM)" 'BEGIN {
  drift = 100 * (last - first) / first;
  printf "RSS after minute 1: %d MiB, at the end: %d MiB (%+.1f%%, target within 10%%); 5xx: %d (target 0): %s\n",
    first, last, drift, errors, ((drift <= 10 && drift >= -10 && errors == 0) ? "met" : "NOT met");
  # The peak is a swap: the old model beside the new one while it loads. 300 MB is 286 MiB.
  printf "peak RSS %d MiB = %.0f MB (target <= 300 MB): %s\n", peak, peak * 1.048576, (peak * 1.048576 <= 300 ? "met" : "NOT met");
}'
