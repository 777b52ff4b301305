#!/usr/bin/env bash
# Model quality on the leakage-aware split: trains and tests each configuration with the full pipeline over several
# seeds (each seed is a different near-duplicate-grouped split) and prints, per run and as mean ± sd, accuracy,
# macro-F1, per-class recall, expected calibration error (served, and before temperature scaling), serving latency
# per image end to end, pipeline seconds, the fp32 and INT8 candidates' macro-F1 and which one is served, and the served
# model's accuracy on the test split under each acquisition shift (another lab's stain, focus, compression and
# magnification; AcquisitionShift.Evaluation) with the worst drop from unshifted.
#   bench/quality.sh DATA_DIR                                # seeds 1..5, the default configuration
#   SEEDS="1 2 3" CONFIGS="softmax:1:2 mlp:1:2 softmax:1:2:global_pool" bench/quality.sh DATA_DIR
#   QUALITY_WORKDIR=/tmp/quality bench/quality.sh DATA_DIR   # keep the feature cache between invocations
#   TRAINER_ARGS=--no-int8 bench/quality.sh DATA_DIR         # more trainer options for every run (fp32 only here)
#   TRAINER_ARGS=--compare-fp32 bench/quality.sh DATA_DIR    # also train fp32 and report both candidates' macro-F1
# A configuration is HEAD:AUGMENT_VIEWS[:AUGMENT_SHIFTS[:FEATURES]] (--head, --augment-views, --augment-shifts,
# --features); the pipeline's defaults fill what is left out (2 shifted copies, multi_scale features). The dataset is read where it lies; nothing of it
# is copied into the repository. Targets (issue 12): mean accuracy >= 99.0 %, macro-F1 >= 0.99, worst shift drop <= 1 point.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${1:?usage: bench/quality.sh DATA_DIR}"
seeds="${SEEDS:-1 2 3 4 5}"
configs="${CONFIGS:-softmax:1:2}"
read -r -a trainer_args <<<"${TRAINER_ARGS:-}"
command -v jq >/dev/null || { echo "jq is not installed (apt-get install jq)" >&2; exit 1; }

source bench/lib.sh
build_trainer
use_work_directory "${QUALITY_WORKDIR:-}"
rows="$work/rows.tsv"
: >"$rows"

# Seeds outside, configurations inside: the configurations of one seed share its split's cached test features.
for seed in $seeds; do
  for config in $configs; do
    IFS=: read -r head views shifts features <<<"$config"
    shifts="${shifts:-2}"
    features="${features:-multi_scale}"
    echo "== $config seed $seed"
    # A fresh registry per run, so every run is tested on its own split and registered as champion.
    registry="$work/registry-$config-$seed"
    rm -rf "$registry"
    start=$EPOCHREALTIME
    "$trainer" run --data "$data" --workdir "$work/work" --registry "$registry" \
      --seed "$seed" --head "$head" --augment-views "$views" --augment-shifts "$shifts" --features "$features" --evaluate-shifts "${trainer_args[@]}" \
      | grep -E '^(prepare_data|train_classifier|test_classifier):' || true
    end=$EPOCHREALTIME
    run_id=$(cat "$work/work/runs/latest")
    metrics="$work/work/runs/$run_id/metrics.json"
    groups=$(jq -r '.nearDuplicateGroups // .near_duplicate_groups // "-"' "$work/work/manifests/summary.json")
    jq -r --arg config "$config" --arg seed "$seed" --arg groups "$groups" \
      --arg seconds "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" '
      .metrics as $m
      | ($m.perClass // $m.per_class) as $pc
      | ($m.calibration) as $c
      | [$config, $seed, "\($groups) \(.precision)", ($m.accuracy * 100), ($m.macroF1 // $m.macro_f1)]
        + [$pc[] | .recall]
        + [($c.expectedCalibrationError // $c.expected_calibration_error),
           ($c.uncalibratedExpectedCalibrationError // $c.uncalibrated_expected_calibration_error),
           ($c.temperature), ($m.meanLatencyMs // $m.mean_latency_ms), ($seconds | tonumber)]
        + [(.fp32_macro_f1 // 0), (.int8_macro_f1 // 0)]
        + [.acquisition_shifts[] | .accuracy * 100] + [(.worst_shift_drop // 0) * 100]
      | @tsv' "$metrics" >>"$rows"
  done
done

shift_names=$(jq -r '[.acquisition_shifts[].shift] | join("\t")' "$metrics")
header="config\tseed\tgroups served\taccuracy%\tmacro-F1\trecall Benign\trecall Early\trecall Pre\trecall Pro\tECE\tECE before T\tT\tms/image\tpipeline s\tfp32 F1\tINT8 F1\t$shift_names\tworst drop"
# Columns 4 and 17.. are percentages, 13-14 milliseconds and seconds, the rest fractions.
format='function f(i, v) { return sprintf(i == 4 || i >= 17 ? "%.2f" : (i == 13 || i == 14 ? "%.1f" : "%.4f"), v) }'
echo
echo "== runs (shift columns: accuracy % of the served model on the test split under that shift)"
{ echo -e "$header"; awk -F'\t' -v OFS='\t' "$format"' { for (i = 4; i <= NF; i++) $i = f(i, $i); print }' "$rows"; } | column -t -s $'\t'
echo
echo "== mean ± sd over seeds"
{
  echo -e "$header" | cut -f1,4- | sed 's/^config/config\truns/; s/\tT\t/\t/'
  awk -F'\t' -v OFS='\t' "$format"'
    { n[$1]++; for (i = 4; i <= NF; i++) { s[$1, i] += $i; q[$1, i] += $i * $i } ; last = NF; if (!($1 in seen)) { seen[$1] = 1; name[++k] = $1 } }
    END {
      for (j = 1; j <= k; j++) {
        c = name[j]; line = c OFS n[c]
        for (i = 4; i <= last; i++) {
          if (i == 12) continue
          m = s[c, i] / n[c]; v = q[c, i] / n[c] - m * m; sd = v > 0 ? sqrt(v * n[c] / (n[c] > 1 ? n[c] - 1 : 1)) : 0
          line = line OFS f(i, m) " ± " f(i, sd)
        }
        print line
      }
    }' "$rows"
} | column -t -s $'\t'
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
