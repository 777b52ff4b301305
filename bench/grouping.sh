#!/usr/bin/env bash
# How prepare_data's near-duplicate grouping behaves on a dataset, per backbone-feature cosine threshold: groups
# formed, pairs linked by difference hash and by features, the largest group, and — as a check only, never an input
# to the grouping — how many pairs of consecutive file numbers (…-041.jpg and …-042.jpg of one class) end up in one
# group. Images are preprocessed and their features cached once; each threshold then reruns prepare_data only.
#   bench/grouping.sh DATA_DIR                                  # cosines 0 (hash only) 0.975 0.98 0.985 0.99
#   COSINES="0 0.985" GROUPING_WORKDIR=/tmp/grouping bench/grouping.sh DATA_DIR
set -euo pipefail
cd "$(dirname "$0")/.."

data="${1:?usage: bench/grouping.sh DATA_DIR}"
cosines="${COSINES:-0 0.975 0.98 0.985 0.99}"
source bench/lib.sh
build_trainer
use_work_directory "${GROUPING_WORKDIR:-}"
"$trainer" task preprocess_images --data "$data" --workdir "$work/work" --registry "$work/registry" | grep -E '^preprocess_images:' || true

# file name -> source content hash; the processed index names each image after its source's hash.
names="$work/names.tsv"
(cd "$data" && find . -type f -print0 | xargs -0 sha256sum) | awk '{ print $2 "\t" $1 }' >"$names"

{
printf '%s\t%s\t%s\t%s\t%s\t%s\n' cosine groups "hash links" "feature links" "largest group" "consecutive pairs in one group"
for cosine in $cosines; do
  "$trainer" task prepare_data --workdir "$work/work" --registry "$work/registry" --near-duplicate-cosine "$cosine" >/dev/null
  summary="$work/work/manifests/summary.json"
  awk -F'\t|,' -v OFS='\t' -v cosine="$cosine" \
    -v groups="$(jq .near_duplicate_groups "$summary")" -v hashLinks="$(jq .near_duplicate_hash_links "$summary")" \
    -v featureLinks="$(jq .near_duplicate_feature_links "$summary")" '
    FILENAME ~ /names.tsv$/ { name[$2] = $1; next }                       # source hash -> ./Class/WBC-Class-042.jpg
    FILENAME ~ /index.csv$/ && FNR > 1 { n = split($1, p, "/"); source = substr(p[n], 1, 64); processed[$3] = source; next }
    FILENAME ~ /groups.csv$/ && FNR > 1 { size[$2]++; groupOf[$1] = $2; next }
    END {
      for (sha in processed) {
        file = name[processed[sha]]
        if (match(file, /[0-9]+\.[A-Za-z]+$/)) {
          class = substr(file, 1, RSTART - 1); number = substr(file, RSTART) + 0
          groupAt[class, number] = groupOf[sha]
        }
      }
      for (key in groupAt) {
        split(key, parts, SUBSEP)
        next_key = parts[1] SUBSEP (parts[2] + 1)
        if (next_key in groupAt) { pairs++; together += groupAt[key] == groupAt[next_key] }
      }
      for (g in size) if (size[g] > largest) largest = size[g]
      printf "%s\t%d\t%d\t%d\t%d\t%d/%d (%.1f%%)\n", cosine, groups, hashLinks, featureLinks, largest, together, pairs, 100 * together / pairs
    }' "$names" "$work/work/processed/index.csv" "$work/work/manifests/groups.csv"
done
} | column -t -s $'\t'
