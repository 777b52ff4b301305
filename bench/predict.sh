#!/usr/bin/env bash
# The speed benchmark, in one command: the served model (a registry's champion, as the trainer wrote it) scored by the
# in-process raw scorer with the API's own loader and options, then POST /predict over HTTP on the same JPEGs, then the
# Python peer side by side (../shared/peer-fastapi/ratio.sh). Every figure is printed with the CPU model, its flags
# (AVX2 / AVX-512 / VNNI / AMX) and the load average at the time.
#   REGISTRY=<registry with a champion> IMAGES_DIR=<folder of JPEGs> bench/predict.sh
#   REGISTRY=... IMAGES_DIR=... DURATION=30 WARMUP=30 PEER=0 bench/predict.sh     # longer runs, no peer
# Without REGISTRY it registers a composed INT8 model with a random head (timing only: not the trained model) and
# generated smears. The HTTP run warms the API the way traffic would (WARMUP seconds at 16 connections, past the
# JIT's tier-up), then measures 16 connections and 1 connection. Needs wrk; the peer needs its Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

duration="${DURATION:-20}"
warmup="${WARMUP:-30}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

cpu="$(cpu_description)"
stamp() { echo "[cpu: $cpu | load average $(load_average)]"; }
echo "== CPU: $cpu"
echo "== building (Release); load average $(load_average)"
build_api_and_bench

work="$(mktemp -d)"
trap 'stop_api; rm -rf "$work"' EXIT
if [ -z "${REGISTRY:-}" ]; then
  echo "(no REGISTRY: a composed INT8 model with a random head and generated smears; timing only)"
  bench prepare --registry "$work/registry" --image "$work/smear.jpg" --precision int8 --smears "$work/smears" >/dev/null
  REGISTRY="$work/registry"; IMAGES_DIR="${IMAGES_DIR:-$work/smears}"
fi
IMAGES_DIR="${IMAGES_DIR:?folder of JPEGs}"; export IMAGES_DIR
card="$(ls "$REGISTRY"/*/versions/"$(cat "$REGISTRY"/*/aliases/champion 2>/dev/null | head -1)"/model.json 2>/dev/null | head -1 || true)"
echo "== served model: $( [ -n "$card" ] && jq -c '{version, precision, test_time_augmentation, accuracy: .metrics.accuracy, macro_f1: .metrics.macro_f1}' "$card" || echo "champion of $REGISTRY"); $(ls "$IMAGES_DIR" | wc -l) images from $IMAGES_DIR"

echo
echo "== raw scorer (the API's loader and default options, ${duration} s) $(stamp)"
raw="$(bench raw --registry "$REGISTRY" --images "$IMAGES_DIR" --seconds "$duration")"
echo "$raw" | grep -v '^RAW '
raw_line="$(grep '^RAW ' <<<"$raw")"
raw_value() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$raw_line"; }

echo
echo "== /predict over HTTP $(stamp)"
mkdir -p "$work/api" && ln -sfn "$(cd "$REGISTRY" && pwd)" "$work/api/registry"
if [ -f "$REGISTRY.pub" ]; then cp "$REGISTRY.pub" "$work/api/registry.pub"; fi
start_api "$work/api" RateLimiting__Enabled=false "Logging__LogLevel__AllClassifier.Api.Serving.ChampionWatcher=Information"
echo "API at $url: $(grep -m1 -o 'first convolution [^;]*' "$work/api/api.log" || echo "(no serving line in its log)")"
echo "/model serving: $(curl -s "$url/model" | jq -c .serving)"
run_wrk() { wrk -t"$1" -c"$2" -d"$3s" --timeout 30s -s ../shared/peer-fastapi/rotate.lua "$url" | sed -n 's/^WRK_JSON //p'; }
# Warm as a user's server would be: traffic at the load measured, past the JIT's tier-up window.
run_wrk 2 16 "$warmup" >/dev/null
declare -A rps p50 p99 cpu faults
for connections in 16 1; do
  cpu0="$(cpu_ms "$api_pid")"; faults0="$(awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[8] }' "/proc/$api_pid/stat")"
  json="$(run_wrk "$(( connections < 2 ? 1 : 2 ))" "$connections" "$duration")"
  cpu1="$(cpu_ms "$api_pid")"; faults1="$(awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[8] }' "/proc/$api_pid/stat")"
  requests="$(jq .requests <<<"$json")"
  rps[$connections]="$(jq '.rps * 10 | round / 10' <<<"$json")"
  p50[$connections]="$(jq '.p50_ms * 10 | round / 10' <<<"$json")"
  p99[$connections]="$(jq '.p99_ms * 10 | round / 10' <<<"$json")"
  cpu[$connections]="$(awk -v a="$cpu0" -v b="$cpu1" -v n="$requests" 'BEGIN { printf "%.1f", (b - a) / n }')"
  faults[$connections]="$(awk -v a="$faults0" -v b="$faults1" -v n="$requests" 'BEGIN { printf "%.0f", (b - a) / n }')"
  errors="$(jq '.err_connect + .err_read + .err_write + .err_status + .err_timeout' <<<"$json")"
  echo "c=$connections: ${rps[$connections]} req/s, p50 ${p50[$connections]} ms, p99 ${p99[$connections]} ms, ${cpu[$connections]} CPU ms/request, ${faults[$connections]} minor page faults/request, $errors errors $(stamp)"
done
read -r anonymous file_backed < <(rss_split_mib "$api_pid")
echo "API RSS now $(rss_mib "$api_pid" VmRSS) MiB (anonymous $anonymous, file-backed $file_backed), peak $(rss_mib "$api_pid" VmHWM) MiB"
stop_api

echo
echo "== /predict against the raw scorer (same images, same sessions and options) $(stamp)"
awk -v http="${rps[16]}" -v raw="$(raw_value ips)" -v p50="${p50[1]}" -v rawp50="$(raw_value p50_wide_ms)" 'BEGIN {
  ratio = http / raw; extra = p50 - rawp50;
  printf "throughput at 16 connections: %.1f req/s = %.2fx the raw scorer'"'"'s %.1f images/s (target >= 0.9x): %s\n", http, ratio, raw, (ratio >= 0.9 ? "met" : "NOT met");
  printf "p50 at 1 connection: %.1f ms = raw %.1f ms %+.1f ms (target <= raw + 1 ms): %s\n", p50, rawp50, extra, (extra <= 1 ? "met" : "NOT met");
}'

if [ "${PEER:-1}" != 0 ] && /usr/bin/python3 -c 'import fastapi, uvicorn, multipart, torch, torchvision, PIL' 2>/dev/null && [ -f ../shared/peer-fastapi/ratio.sh ]; then
  echo
  echo "== the Python peer, side by side (../shared/peer-fastapi/ratio.sh, same registry and images) $(stamp)"
  REGISTRY="$REGISTRY" IMAGES_DIR="$IMAGES_DIR" DUR="${duration}s" REPEATS="${REPEATS:-1}" bash ../shared/peer-fastapi/ratio.sh \
    | grep -E '^RATIO|^\{' || true
  echo "(targets: throughput@16 >= 3x the best peer, p50@1 <= 0.5x the best peer) $(stamp)"
else
  echo "(the Python peer is skipped or its packages are missing: no RATIO line; see ../shared/peer-fastapi/README.md)"
fi
