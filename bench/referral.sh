#!/usr/bin/env bash
# The referral gate on real images: trains the default pipeline on DATA_DIR (or reuses the run kept in
# REFERRAL_WORKDIR), then measures the champion's gate exactly as the API applies it on the run's unseen test fields,
# on the same fields under each evaluation acquisition shift (stain, hue, blur, JPEG, 0.9x and 1.1x magnification), on
# every sub-folder of OOD_DIR (other labs' smears, single-cell crops, photos, documents, screenshots...) and on junk the
# benchmark generates from the test fields (uniform stain-coloured squares, blank slides with vignetting, tiny crops,
# JPEG quality 3, heavy blur, over-exposure, a field rotated 45 degrees with black corners). Prints per group: images,
# referral rate, AUROC of the out-of-distribution score against the test fields (and of 1 - max probability, what a
# gate-less model offers), the share answered with max probability >= 0.9, the top reasons; the accuracy on the test
# fields let through; the added latency per request (p50, one thread); the CPU model, flags and load.
#   bench/referral.sh DATA_DIR [OOD_DIR]
#   REFERRAL_WORKDIR=/tmp/referral bench/referral.sh DATA_DIR OOD_DIR   # keep the trained run for the next invocation
#   TRAINER_ARGS="--referral-coverage 0.995" bench/referral.sh DATA_DIR OOD_DIR
# Nothing of the datasets is copied into the repository. The thresholds come from the validation split only: the
# OOD folders are never seen by the trainer. Targets (docs/referral.md): <= 2 % of unseen fields referred with
# >= 99.5 % accuracy on the rest, <= 5 % under each mild shift, >= 95 % of every OOD and junk group, added p50 <= 0.5 ms.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${1:?usage: bench/referral.sh DATA_DIR [OOD_DIR]}"
ood="${2:-}"
read -r -a trainer_args <<<"${TRAINER_ARGS:-}"
command -v jq >/dev/null || { echo "jq is not installed (apt-get install jq)" >&2; exit 1; }

source bench/lib.sh
build_trainer
dotnet build -c Release bench/AllClassifier.Bench -nologo -v q >/dev/null
use_work_directory "${REFERRAL_WORKDIR:-}"

registry="$work/registry"
card="$registry/all-classifier/versions/$(cat "$registry/all-classifier/aliases/champion" 2>/dev/null || echo none)/model.json"
if [[ ! -f "$card" ]]; then
  echo "== training on $data (seed ${SEED:-1}); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  start=$EPOCHREALTIME
  "$trainer" run --data "$data" --workdir "$work/work" --registry "$registry" --seed "${SEED:-1}" "${trainer_args[@]}" \
    | grep -E '^(train_classifier|test_classifier|register_model):|referral gate' || true
  echo "pipeline: $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s"
  card="$registry/all-classifier/versions/$(cat "$registry/all-classifier/aliases/champion")/model.json"
fi

run_id=$(jq -r .run_id "$card")
precision=$(jq -r .precision "$card")
run="$work/work/runs/$run_id"
parameters="$run/referral_gate.bin"
[[ "$precision" == "int8" ]] && parameters="$run/referral_gate-int8.bin"
echo "== measuring the champion of run $run_id ($precision)"
bench referral --registry "$registry" --workdir "$work/work" --test-manifest "$run/manifests/test.csv" \
  --gate-parameters "$parameters" ${ood:+--ood "$ood"}
