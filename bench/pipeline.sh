#!/usr/bin/env bash
# Benchmark of all_classification_pipeline: builds Release, generates 3,256 synthetic 224x224 smear images
# (814 per class, the size of the public ALL dataset), times a full `run` from an empty work directory, then a
# rerun with the feature cache warm, and prints per-task durations and totals.
# Targets on a 2-core machine: full run <= 240 s, warm rerun <= 30 s.
# Usage: bench/pipeline.sh [per-class]   (default 814)
set -euo pipefail
cd "$(dirname "$0")/.."

per_class="${1:-814}"
echo "Building AllClassifier.Trainer (Release)..."
dotnet build AllClassifier.Trainer -c Release -nologo -v quiet >/dev/null
trainer=AllClassifier.Trainer/bin/Release/net10.0/linux-x64/AllClassifier.Trainer

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "Generating $((per_class * 4)) synthetic images into $scratch/data..."
"$trainer" synth --out "$scratch/data" --per-class "$per_class" --seed 7 >/dev/null

declare -A wall
for pass in full warm; do
  echo
  echo "== $pass run =="
  start=$EPOCHREALTIME
  # Progress lines ("...: n/N (p%)") are left out; the task table and the final figures are kept.
  "$trainer" run --data "$scratch/data" --workdir "$scratch/work" --registry "$scratch/registry" \
    | grep -v -E ': [0-9]+/[0-9]+ \([0-9]+%\)$'
  end=$EPOCHREALTIME
  wall[$pass]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
done

echo
printf 'images: %d; cpus: %s\n' "$((per_class * 4))" "$(nproc)"
printf 'full run:  %6.1f s wall (target <= 240 s)\n' "${wall[full]}"
printf 'warm rerun: %6.1f s wall (target <= 30 s)\n' "${wall[warm]}"
