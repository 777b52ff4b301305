#!/usr/bin/env bash
# Benchmarks POST /predict over HTTP against the in-process scorer on the same machine, in the same run, for the
# fp32 and the INT8 backbone.
#   bench/predict.sh                 # 15 s per connection count
#   DURATION=30 PRECISIONS="int8" bench/predict.sh
#   TTA_VIEWS=4 PRECISIONS="int8" bench/predict.sh   # the card asks the API to average 4 views (4 passes per /predict)
# Needs wrk (apt-get install wrk). Builds Release; per precision registers a composed ResNet18 model in a temporary
# registry, measures the raw scorer (1 and all threads, per-stage times, CPU per image), starts the API on
# 127.0.0.1 (a free port), drives it at 1, 4 and 16 connections and samples its RSS under 16 connections. Then,
# for the last precision, measures what explaining adds (/predict, /predict?explain=true and /explain in turn).
# When the Python peer's Debian packages are installed (../shared/peer-fastapi/README.md), finishes with its RATIO
# line against the last precision's registry and 64 distinct generated smears, or the JPEGs in IMAGES_DIR
# (e.g. 64 real smears from the public dataset; never commit them).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-15}"
precisions="${PRECISIONS:-fp32 int8}"
tta_views="${TTA_VIEWS:-1}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

echo "== building (Release); load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
dotnet build -c Release AllClassifier.Api -nologo -v q >/dev/null
dotnet build -c Release bench/AllClassifier.Bench -nologo -v q >/dev/null
api_dir="AllClassifier.Api/bin/Release/net10.0/linux-x64"
bench_dir="bench/AllClassifier.Bench/bin/Release/net10.0/linux-x64"

work="$(mktemp -d)"
api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Peak RSS of the API while wrk drives it at 16 connections, sampled every 0.5 s into $work/rss.
sample_rss() {
  local peak=0 now
  for _ in $(seq 1 $(( duration * 2 ))); do
    now="$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$api_pid/status" 2>/dev/null || echo 0)"
    [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.5
  done
  echo "$peak" >"$work/rss"
}

declare -A summary
last="${precisions##* }"
for precision in $precisions; do
echo "== preparing a registry with a composed $precision model"
dotnet "$bench_dir/AllClassifier.Bench.dll" prepare --registry "$work/registry-$precision" --image "$work/smear.jpg" \
  --precision "$precision" --tta-views "$tta_views" --smears "$work/smears"

echo "== raw in-process scorer, $precision (${duration} s)"
raw="$(dotnet "$bench_dir/AllClassifier.Bench.dll" raw --registry "$work/registry-$precision" --image "$work/smear.jpg" --seconds "$duration")"
echo "$raw" | grep -v '^RAW '
raw_line="$(echo "$raw" | grep '^RAW ')"
raw_value() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$raw_line"; }

echo "== starting the API (Release), $precision"
# The load generator is one client on one address: the per-caller rate limit would measure itself.
env RateLimiting__Enabled=false MODEL_REGISTRY_DIR="$work/registry-$precision" FEEDBACK_DIR="$work/feedback" ASPNETCORE_URLS="http://127.0.0.1:0" \
  Logging__LogLevel__Default=Warning "Logging__LogLevel__Microsoft.Hosting.Lifetime=Information" \
  dotnet "$api_dir/AllClassifier.Api.dll" >"$work/api.log" 2>&1 &
api_pid=$!
url=""
for _ in $(seq 1 300); do
  url="$(sed -n 's/.*Now listening on: \(http:\/\/[0-9.:]*\).*/\1/p' "$work/api.log" | head -n 1)"
  if [ -n "$url" ] && [ "$(curl -s "$url/health" || true)" = "Healthy" ]; then break; fi
  sleep 0.2
done
[ "$(curl -s "$url/health" || true)" = "Healthy" ] || { echo "the API did not become healthy:" >&2; cat "$work/api.log" >&2; exit 1; }
echo "API at $url serving $(curl -s "$url/model" | sed -n 's/.*"version": *\([0-9]*\).*/version \1/p' | head -n 1)"

export BENCH_IMAGE="$work/smear.jpg"
wrk -t1 -c2 -d3s -s bench/predict.lua "$url/predict" >/dev/null # warm-up

# Sums of the API's own /predict request and decode+inference histograms, to split server time at 1 connection.
server_sums() {
  curl -s "$url/metrics" | awk '
    /^http_request_duration_seconds_sum\{.*handler="\/predict"/ { rs += $NF }
    /^http_request_duration_seconds_count\{.*handler="\/predict"/ { rc += $NF }
    /^allclassifier_inference_duration_seconds_sum/ { is += $NF }
    /^allclassifier_inference_duration_seconds_count/ { ic += $NF }
    END { printf "%f %f %f %f\n", rs, rc, is, ic }'
}

# CPU seconds the API process has used so far (user + system), to give the server's CPU per request.
api_cpu_seconds() { awk -v tick="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / tick }' "/proc/$api_pid/stat"; }

declare -A rps p50 p95 p99 cpu
split_request_ms="?"; split_inference_ms="?"
for connections in 1 4 16; do
  [ "$connections" -eq 1 ] && read -r rs0 rc0 is0 ic0 < <(server_sums)
  sampler=""
  if [ "$connections" -eq 16 ]; then sample_rss & sampler=$!; fi
  cpu_before="$(api_cpu_seconds)"
  line="$(wrk -t1 -c"$connections" -d"${duration}s" --timeout 30s -s bench/predict.lua "$url/predict" | grep '^WRK ')"
  if [ -n "$sampler" ]; then wait "$sampler"; fi
  cpu[$connections]="$(awk -v a="$cpu_before" -v b="$(api_cpu_seconds)" -v n="$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$line")" \
    'BEGIN { printf "%.1f", (n > 0 ? 1000 * (b - a) / n : 0) }')"
  echo "c=$connections: $line; API CPU ${cpu[$connections]} ms/request"
  if [ "$connections" -eq 1 ]; then
    read -r rs1 rc1 is1 ic1 < <(server_sums)
    read -r split_request_ms split_inference_ms < <(awk -v a="$rs0" -v b="$rc0" -v c="$is0" -v d="$ic0" -v e="$rs1" -v f="$rc1" -v g="$is1" -v h="$ic1" \
      'BEGIN { printf "%.1f %.1f\n", 1000 * (e - a) / (f - b), 1000 * (g - c) / (h - d) }')
  fi
  for key in rps p50_ms p95_ms p99_ms; do
    value="$(sed -n "s/.* $key=\([0-9.]*\).*/\1/p" <<<"$line")"
    case "$key" in rps) rps[$connections]=$value ;; p50_ms) p50[$connections]=$value ;; p95_ms) p95[$connections]=$value ;; p99_ms) p99[$connections]=$value ;; esac
  done
done

echo "c=16 peak API RSS: $(cat "$work/rss") MB"
summary[$precision]="$(printf 'rps c1 %s c4 %s c16 %s | p50 c1 %s ms | API CPU c16 %s ms/req | raw %s img/s, %s CPU ms/img, p50 1 thread %s ms, all threads %s ms | RSS@16 %s MB' \
  "${rps[1]}" "${rps[4]}" "${rps[16]}" "${p50[1]}" "${cpu[16]}" "$(raw_value ips_full)" "$(raw_value cpu_full_ms)" "$(raw_value p50_score_ms)" "$(raw_value p50_score_wide_ms)" "$(cat "$work/rss")")"
if [ "$precision" != "$last" ]; then
  kill "$api_pid"; wait "$api_pid" 2>/dev/null || true; api_pid=""
fi
done

# What explaining adds, one request at a time: /predict, /predict?explain=true and /explain in turn, so each round
# sees the same background load; the medians of the per-round differences are reported.
form=(-s -o /dev/null -w '%{time_total}\n' -F "file=@$work/smear.jpg;type=image/jpeg")
rounds="$(( duration * 3 ))"
: >"$work/explain.tsv"
for _ in $(seq 1 "$rounds"); do
  plain="$(curl "${form[@]}" "$url/predict")"
  json="$(curl "${form[@]}" "$url/predict?explain=true")"
  png="$(curl "${form[@]}" "$url/explain")"
  echo "$plain $json $png" >>"$work/explain.tsv"
done
explain_bytes="$(curl -s -F "file=@$work/smear.jpg;type=image/jpeg" "$url/predict?explain=true" | wc -c)"
png_bytes="$(curl -s -F "file=@$work/smear.jpg;type=image/jpeg" "$url/explain" | wc -c)"

echo
echo "== /predict over HTTP vs the in-process scorer ($(nproc) cores, ${duration} s per run, load average now $(cut -d' ' -f1-3 /proc/loadavg))"
if [ "$tta_views" -ne 1 ]; then
  echo "(the card asks for ${tta_views} test-time views: each /predict runs ${tta_views} inferences, the raw scorer one, so the targets below do not apply)"
fi
printf '%-12s %10s %10s %10s %10s\n' connections "req/s" "p50 ms" "p95 ms" "p99 ms"
for connections in 1 4 16; do
  printf '%-12s %10s %10s %10s %10s\n' "$connections" "${rps[$connections]}" "${p50[$connections]}" "${p95[$connections]}" "${p99[$connections]}"
done
ips_score="$(raw_value ips_score)"; ips_full="$(raw_value ips_full)"
p50_score="$(raw_value p50_score_ms)"; p50_full="$(raw_value p50_full_ms)"
echo "raw scorer: ${ips_score} images/s (score only), ${ips_full} images/s (decode+score); p50 ${p50_score} ms (score only), ${p50_full} ms (decode+score)"
echo "inside the API at 1 connection (its own metrics): mean request ${split_request_ms} ms, of which decode + inference ${split_inference_ms} ms"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
plain_ms="$(awk '{ print 1000 * $1 }' "$work/explain.tsv" | median)"
json_extra="$(awk '{ print 1000 * ($2 - $1) }' "$work/explain.tsv" | median)"
png_extra="$(awk '{ print 1000 * ($3 - $1) }' "$work/explain.tsv" | median)"
echo "explaining, ${rounds} alternating rounds at 1 connection: /predict median ${plain_ms} ms; /predict?explain=true adds ${json_extra} ms (${explain_bytes} bytes of JSON); /explain adds ${png_extra} ms (${png_bytes} bytes of PNG)"

echo
echo "== fp32 vs INT8 (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
for precision in $precisions; do echo "$precision: ${summary[$precision]}"; done

awk -v http="${rps[16]}" -v raw="$ips_score" -v p50="${p50[1]}" -v rawp50="$p50_score" 'BEGIN {
  ratio = 100 * http / raw; extra = p50 - rawp50;
  printf "throughput at 16 connections: %.1f%% of the raw scorer (target >= 90%%): %s\n", ratio, (ratio >= 90 ? "met" : "NOT met");
  printf "p50 at 1 connection: raw + %.1f ms (target <= raw + 5 ms): %s\n", extra, (extra <= 5 ? "met" : "NOT met");
}'

kill "$api_pid"; wait "$api_pid" 2>/dev/null || true; api_pid=""
if /usr/bin/python3 -c 'import fastapi, uvicorn, multipart, torch, torchvision, PIL' 2>/dev/null && [ -f ../shared/peer-fastapi/ratio.sh ]; then
  echo
  echo "== the Python peer, side by side (../shared/peer-fastapi/ratio.sh, $last model; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  REGISTRY="$work/registry-$last" IMAGES_DIR="${IMAGES_DIR:-$work/smears}" bash ../shared/peer-fastapi/ratio.sh | tee "$work/ratio.log" | grep -E '^RATIO|peer|ours' || true
else
  echo "(the Python peer's packages are not installed: no RATIO line; see ../shared/peer-fastapi/README.md)"
fi
