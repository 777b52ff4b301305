#!/usr/bin/env bash
# What the referral gate adds to a request over HTTP: the champion of REGISTRY served as it is, and the same model with
# the gate taken out (bench champion-copy --without-gate: the ood_score output and its nodes removed, the card's gate
# absent) served beside
# it; wrk at 1 connection against each in turn, ROUNDS times, alternating which goes first, on the same JPEGs. Prints
# the p50 of each and the difference (target: <= 0.5 ms), with the CPU model, its flags and the load average.
#   REGISTRY=<registry with a gated champion> IMAGES_DIR=<folder of JPEGs> bench/referral-latency.sh
#   REGISTRY=... IMAGES_DIR=... DURATION=30 ROUNDS=5 bench/referral-latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

duration="${DURATION:-20}"
rounds="${ROUNDS:-3}"
warmup="${WARMUP:-20}"
registry="${REGISTRY:?registry with a gated champion}"
IMAGES_DIR="${IMAGES_DIR:?folder of JPEGs}"; export IMAGES_DIR
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

flags="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|avx512f|avx512_vnni|avx_vnni|avx512_bf16|amx_tile|amx_int8|amx_bf16' | tr '\n' ' ')"
cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, flags: ${flags:-none of avx2/avx512/vnni/amx}"
stamp() { echo "[cpu: $cpu | load average $(load_average)]"; }
echo "== CPU: $cpu"
build_api_and_bench

work="$(mktemp -d)"
pids=()
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"' EXIT
mkdir -p "$work/gated" "$work/ungated"
# Both copies are signed with a key of the bench's own, which the API it starts trusts.
bench champion-copy --registry "$registry" --out "$work/gated/registry"
bench champion-copy --registry "$registry" --out "$work/ungated/registry" --without-gate

declare -A urls
for kind in gated ungated; do
  # A model without a gate serves and says so: /health is Degraded, not Healthy.
  healthy=Healthy; [ "$kind" = ungated ] && healthy=Degraded
  start_service "$work/$kind/api.log" "$api_dir/AllClassifier.Api.dll" "$healthy" \
    MODEL_REGISTRY_DIR="$work/$kind/registry" FEEDBACK_DIR="$work/$kind/feedback" MALLOC_ARENA_MAX=2 RateLimiting__Enabled=false \
    ModelSigning__PublicKeys__0="$(cat "$work/$kind/registry.pub")"
  pids+=("$service_pid"); urls[$kind]="$service_url"
  # /health says Degraded before the model is loaded too; /ready answers 200 once it is served and warmed.
  for _ in $(seq 1 600); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$service_url/ready")" = 200 ] && break; sleep 0.2; done
  echo "$kind: $service_url, referral_gate present: $(curl -s "$service_url/model" | jq .referral_gate.present)"
done

p50_at_one() { wrk -t1 -c1 -d"$2s" --timeout 30s -s ../shared/peer-fastapi/rotate.lua "$1" | sed -n 's/^WRK_JSON //p' | jq .p50_ms; }
for kind in gated ungated; do
  wrk -t2 -c16 -d"${warmup}s" --timeout 30s -s ../shared/peer-fastapi/rotate.lua "${urls[$kind]}" >/dev/null
done

declare -A samples=([gated]="" [ungated]="")
for round in $(seq 1 "$rounds"); do
  order=(gated ungated); (( round % 2 == 0 )) && order=(ungated gated)
  for kind in "${order[@]}"; do
    p50="$(p50_at_one "${urls[$kind]}" "$duration")"
    samples[$kind]+="$p50 "
    echo "round $round $kind: p50 $p50 ms at 1 connection $(stamp)"
  done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
gated="$(median "${samples[gated]}")"; ungated="$(median "${samples[ungated]}")"
awk -v g="$gated" -v u="$ungated" 'BEGIN {
  d = g - u;
  printf "p50 at 1 connection, median of rounds: with the gate %.2f ms, without %.2f ms: the gate adds %+.2f ms (target <= 0.5 ms): %s\n", g, u, d, (d <= 0.5 ? "met" : "NOT met");
}'
echo "$(stamp)"
