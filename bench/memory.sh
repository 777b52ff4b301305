#!/usr/bin/env bash
# Peak memory under large input, printed as figures (not a test):
#  1. 32 concurrent POST /feedback of one flat 40 MP PNG (8000x5000) to the API, with the pixel limit raised to
#     40 MP; target: API peak RSS <= 1 GiB and no 5xx.
#  2. The whole pipeline over a feedback table of ROWS large distinct images (default 5,000 of about 1 MB); target:
#     trainer peak RSS <= 1.5 GiB.
# Usage: bench/memory.sh [feedback|pipeline|all]   ROWS=5000 MEGABYTES=1 bench/memory.sh pipeline
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

what="${1:-all}"
work="$(mktemp -d)"
trap 'stop_api; rm -rf "$work"' EXIT
echo "== building (Release); load average $(load_average) on $(nproc) cores"
build_api_and_bench

if [ "$what" = feedback ] || [ "$what" = all ]; then
  echo "== 32 concurrent /feedback posts of a flat 40 MP PNG"
  bench prepare --registry "$work/registry" --image "$work/smear.jpg" >/dev/null
  bench flat-png --out "$work/flat.png" --width 8000 --height 5000
  start_api "$work" Decoding__MaxPixels=40000000
  idle=$(rss_mib "$api_pid" VmRSS)
  posters=()
  for _ in $(seq 1 32); do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 600 \
      -F correct_label=Pre -F predicted_label=Pro -F "file=@$work/flat.png;type=image/png" "$url/feedback" >>"$work/codes" &
    posters+=($!)
  done
  wait "${posters[@]}"
  codes="$(sort "$work/codes" | uniq -c | awk '{ printf "%s x %s, ", $2, $1 }')"
  peak=$(rss_mib "$api_pid" VmHWM)
  fivexx=$(grep -c '^5' "$work/codes" || true)
  echo "answers: ${codes%, }; API RSS idle with model ${idle} MiB, peak ${peak} MiB (target <= 1024 MiB): $([ "$peak" -le 1024 ] && [ "$fivexx" -eq 0 ] && echo met || echo NOT met)"
  stop_api
fi

if [ "$what" = pipeline ] || [ "$what" = all ]; then
  rows="${ROWS:-5000}"
  echo "== pipeline over $rows feedback rows of about ${MEGABYTES:-1} MB"
  dotnet build -c Release AllClassifier.Trainer -nologo -v q >/dev/null
  trainer=AllClassifier.Trainer/bin/Release/net10.0/linux-x64/AllClassifier.Trainer
  "$trainer" synth --out "$work/data" --per-class 25 --seed 7 >/dev/null
  bench feedback-table --dir "$work/pipeline-feedback" --rows "$rows" --megabytes "${MEGABYTES:-1}"
  echo "feedback.db: $(du -m "$work/pipeline-feedback/feedback.db" | cut -f1) MiB"
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$work/trainer.rss" "$trainer" run --data "$work/data" --workdir "$work/work" \
    --registry "$work/pipeline-registry" --feedback-db "$work/pipeline-feedback/feedback.db" \
    | grep -v -E ': [0-9]+/[0-9]+ \([0-9]+%\)$' | tail -n 12
  wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
  peak=$(( $(tail -n 1 "$work/trainer.rss") / 1024 ))
  echo "trainer peak RSS ${peak} MiB over $rows rows in ${wall} s (target <= 1536 MiB): $([ "$peak" -le 1536 ] && echo met || echo NOT met)"
fi
echo "load average at the end: $(load_average)"
