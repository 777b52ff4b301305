#!/usr/bin/env bash
# Throughput of what lab staff use, the web app's Classify form, with 1 and 2 API replicas behind it, and what the
# web hop costs against calling one API directly with the API key.
#   bench/replicas.sh                          # 3 rounds of 10 s per run, INT8 model
#   ROUNDS=5 DURATION=30 WARMUP=20 PRECISION=fp32 bench/replicas.sh
# Needs wrk (apt-get install wrk). Builds Release and starts everything as plain processes on free loopback ports:
# two API replicas sharing one registry and one feedback store, and two web apps without BACKEND_URL, so each
# resolves http://backend through service discovery (services__backend__http__N, as the app host sets it): one
# over replica 1 only, one over both. A signed-in admin session (first admin from configuration) posts the Classify
# form with its antiforgery token and image, as the page's script does. The web app asks the API for the prediction
# with its heat map, so the direct runs post /predict?explain=true with the web app's key to compare like with like.
# At each connection count (1, 4, 16) the three paths run in turn, so each comparison sees the same background
# load; ROUNDS repeats all of that, and the summary gives each figure's median over the rounds. CPU per request is a
# process's user + system time over the run divided by the requests wrk completed.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

# The web apps must find the replicas by service discovery, not by a fixed address.
unset BACKEND_URL
duration="${DURATION:-10}"
rounds="${ROUNDS:-3}"
# Long enough for tiered JIT compilation to finish, or the first runs pay for it in CPU per request.
warmup="${WARMUP:-10}"
precision="${PRECISION:-int8}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

echo "== building (Release); load average $(load_average) on $(nproc) cores"
build_api_and_bench
dotnet build -c Release AllClassifier.Web -nologo -v q >/dev/null
web_dll="AllClassifier.Web/bin/Release/net10.0/linux-x64/AllClassifier.Web.dll"

work="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "== preparing a registry with a composed $precision model"
bench prepare --registry "$work/registry" --image "$work/smear.jpg" --precision "$precision" >/dev/null
api_key="$(openssl rand -hex 32)"
admin_password="Bench-$(openssl rand -hex 16)"
# The deployment secret signs in once, to choose the admin's own password (admin_password from then on).
admin_secret="$admin_password"

replicas=()
replica_urls=()
for replica in 1 2; do
  # The load comes from one client: the per-caller rate limit would measure itself.
  start_service "$work/api-$replica.log" "$api_dir/AllClassifier.Api.dll" Healthy \
    MODEL_REGISTRY_DIR="$work/registry" FEEDBACK_DIR="$work/feedback" Auth__ApiKeys__web="$api_key" RateLimiting__Enabled=false \
    ModelSigning__PublicKeys__0="$(cat "$work/registry.pub")"
  pids+=("$service_pid"); replicas+=("$service_pid"); replica_urls+=("$service_url")
  echo "API replica $replica at $service_url"
done

antiforgery_token() { sed -n 's/.*name="__RequestVerificationToken" type="hidden" value="\([^"]*\)".*/\1/p' | head -n 1; }

# Successful /predict answers a replica has served so far.
served() { curl -s "$1/metrics" | awk '/^http_requests_total\{/ && /handler="\/predict"/ && /status="2xx"/ { n += $NF } END { printf "%d", n }'; }

# start_web NAME REPLICAS: a web app over the first REPLICAS replicas, through service discovery, with an admin
# signed in. Sets web_pid[NAME], web_url[NAME] and form[NAME] (predict.lua's environment for its Classify form).
declare -A web_pid web_url form
start_web() {
  local name="$1" count="$2" discovery=() i jar="$work/cookies-$1" token status cookie
  for (( i = 0; i < count; i++ )); do discovery+=("services__backend__http__$i=${replica_urls[$i]}"); done
  # Both web apps share the staff database: the first creates the admin, the second finds it. Plain HTTP is allowed
  # here only because every process of the benchmark listens on loopback; a deployment puts a TLS proxy in front.
  start_service "$work/web-$name.log" "$web_dll" Healthy \
    TransportSecurity__AllowPlainHttp=true Backend__ApiKey="$api_key" StaffAccounts__DatabasePath="$work/staff.db" StaffAccounts__FirstAdmin__Password="$admin_secret" \
    "${discovery[@]}"
  pids+=("$service_pid"); web_pid[$name]=$service_pid; web_url[$name]=$service_url

  token="$(curl -s -c "$jar" -b "$jar" "$service_url/Account/SignIn" | antiforgery_token)"
  status="$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" --data-urlencode UserName=admin \
    --data-urlencode "Password=$admin_password" --data-urlencode "__RequestVerificationToken=$token" "$service_url/Account/SignIn")"
  [ "$status" = 302 ] || { echo "signing in to $service_url answered $status" >&2; exit 1; }
  # The first sign-in with the deployment secret must choose the admin's own password before any other page.
  if curl -s -o /dev/null -w "%{redirect_url}" -b "$jar" "$service_url/" | grep -q "/Account/Password"; then
    token="$(curl -s -c "$jar" -b "$jar" "$service_url/Account/Password" | antiforgery_token)"
    status="$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" --data-urlencode "CurrentPassword=$admin_password" \
      --data-urlencode "NewPassword=$admin_password-own" --data-urlencode "ConfirmPassword=$admin_password-own" \
      --data-urlencode "__RequestVerificationToken=$token" "$service_url/Account/Password")"
    [ "$status" = 302 ] || { echo "changing the admin's password at $service_url answered $status" >&2; exit 1; }
    admin_password="$admin_password-own"
  fi
  token="$(curl -s -c "$jar" -b "$jar" "$service_url/" | antiforgery_token)"
  # curl's jar marks HttpOnly cookies with a #HttpOnly_ prefix; every other # line is a comment.
  cookie="$(awk -F'\t' '(/^#HttpOnly_/ || !/^#/) && NF >= 7 { printf "%s%s=%s", (n++ ? "; " : ""), $6, $7 }' "$jar")"
  form[$name]="BENCH_PART=Upload"$'\n'"BENCH_FIELDS=__RequestVerificationToken=$token"$'\n'"BENCH_HEADERS=Cookie: $cookie"$'\n'"X-Requested-With: fetch"

  # The form reports a failed prediction inside a 200 page, so check once that a post reaches the API.
  local before after
  before=$(( $(served "${replica_urls[0]}") + $(served "${replica_urls[1]}") ))
  status="$(curl -s -o "$work/check.html" -w '%{http_code}' -b "$jar" -H 'X-Requested-With: fetch' \
    -F "__RequestVerificationToken=$token" -F "Upload=@$work/smear.jpg;type=image/jpeg" "$service_url/?handler=Predict")"
  after=$(( $(served "${replica_urls[0]}") + $(served "${replica_urls[1]}") ))
  if [ "$status" != 200 ] || [ "$after" -ne $(( before + 1 )) ]; then
    echo "the Classify form at $service_url answered $status without one prediction from the API:" >&2
    head -c 2000 "$work/check.html" >&2
    exit 1
  fi
  echo "web app ($name) at $service_url over $count replica(s), admin signed in"
}
start_web one 1
start_web two 2

# wrk_with ENV_LINES WRK_ARGS...: wrk with predict.lua, whose environment is given one NAME=VALUE per line; a line
# not starting with BENCH_ continues the previous value (BENCH_FIELDS and BENCH_HEADERS hold several lines).
wrk_with() {
  local lines="$1"; shift
  local -a assignments=()
  while IFS= read -r line; do
    if [[ "$line" =~ ^BENCH_[A-Z]+= ]] || [ "${#assignments[@]}" -eq 0 ]; then assignments+=("$line")
    else assignments[-1]+=$'\n'"$line"; fi
  done <<<"$lines"
  env "${assignments[@]}" BENCH_IMAGE="$work/smear.jpg" wrk "$@" -s bench/predict.lua
}

# run LABEL URL CONNECTIONS WEB_PID ENV_LINES: one wrk run; appends a row to the table.
run() {
  local label="$1" target="$2" connections="$3" web="$4" lines="$5"
  local i line requests web_before=0 web_after=0 api_cpu=0 total=0 shares=""
  local -a cpu_before=() served_before=() counts=()
  for i in "${!replicas[@]}"; do cpu_before[i]=$(cpu_ms "${replicas[$i]}"); served_before[i]=$(served "${replica_urls[$i]}"); done
  [ -z "$web" ] || web_before=$(cpu_ms "$web")
  line="$(wrk_with "$lines" -t1 -c"$connections" -d"${duration}s" --timeout 30s "$target" | grep '^WRK ')"
  [ -z "$web" ] || web_after=$(cpu_ms "$web")
  for i in "${!replicas[@]}"; do
    api_cpu=$(( api_cpu + $(cpu_ms "${replicas[$i]}") - cpu_before[i] ))
    counts[i]=$(( $(served "${replica_urls[$i]}") - served_before[i] ))
    total=$(( total + counts[i] ))
  done
  for i in "${!counts[@]}"; do
    shares+="$(awk -v i="$i" -v n="${counts[$i]}" -v t="$total" 'BEGIN { printf "%s%.0f%%", (i ? "/" : ""), t ? 100 * n / t : 0 }')"
  done
  requests="$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$line")"
  awk -v label="$label" -v c="$connections" -v line="$line" -v has_web="$web" -v web=$(( web_after - web_before )) \
      -v api="$api_cpu" -v requests="$requests" -v served="$total" -v shares="$shares" -v load="$(load_average)" 'BEGIN {
    n = split(line, fields, " ");
    for (f = 2; f <= n; f++) { split(fields[f], kv, "="); value[kv[1]] = kv[2] }
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", label, c, value["rps"], value["p50_ms"], value["p95_ms"],
      (requests && has_web ? sprintf("%.1f", web / requests) : "-"), (requests ? sprintf("%.1f", api / requests) : "-"),
      value["non2xx"] + value["socket_errors"], served, shares, load }' >>"$work/table"
  tail -n 1 "$work/table" | format_rows
}

format_rows() { awk -F'\t' '{ printf "%-18s %5s %8s %8s %8s %9s %9s %7s %8s %-8s %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }'; }

header() {
  printf 'path\tconns\treq/s\tp50 ms\tp95 ms\tweb CPU\tAPI CPU\terrors\tAPI 2xx\tsplit\tload average\n\t\t\t\t\tms/req\tms/req\n' | format_rows
}

direct="BENCH_HEADERS=X-Api-Key: $api_key"
echo "== warming up (${warmup} s per path)"
for path in direct one two; do
  case "$path" in
    direct) wrk_with "$direct" -t1 -c4 -d"${warmup}s" --timeout 30s "${replica_urls[0]}/predict?explain=true" >/dev/null ;;
    *) wrk_with "${form[$path]}" -t1 -c4 -d"${warmup}s" --timeout 30s "${web_url[$path]}/?handler=Predict" >/dev/null ;;
  esac
done

: >"$work/table"
header
for round in $(seq 1 "$rounds"); do
  for connections in 1 4 16; do
    run "API direct (key)" "${replica_urls[0]}/predict?explain=true" "$connections" "" "$direct"
    run "web -> 1 replica" "${web_url[one]}/?handler=Predict" "$connections" "${web_pid[one]}" "${form[one]}"
    run "web -> 2 replicas" "${web_url[two]}/?handler=Predict" "$connections" "${web_pid[two]}" "${form[two]}"
  done
done

# Per path and connection count, the median over the rounds of each numeric column (the split and the load average
# of the median-throughput run).
awk -F'\t' -v OFS='\t' '
  { key = $1 OFS $2; if (!(key in seen)) { seen[key] = 1; keys[++k] = key }
    n = ++runs[key]; for (col = 3; col <= 9; col++) values[key, col, n] = $col; split_of[key, n] = $10; load_of[key, n] = $11 }
  function median(key, col,    n, i, j, v, t) {
    n = runs[key]; for (i = 1; i <= n; i++) v[i] = values[key, col, i]
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] == "-" ? "-" : sprintf("%.2f", (v[n / 2] + v[n / 2 + 1]) / 2))
  }
  END {
    for (i = 1; i <= k; i++) {
      key = keys[i]; line = key
      for (col = 3; col <= 9; col++) line = line OFS (col >= 8 ? sprintf("%.0f", median(key, col)) : median(key, col))
      rps = median(key, 3); pick = 1
      for (n = 1; n <= runs[key]; n++) if (values[key, 3, n] == rps) pick = n
      print line, split_of[key, pick], load_of[key, pick]
    }
  }' "$work/table" >"$work/medians"

echo
echo "== the web app's Classify form over 1 and 2 API replicas, and one API called directly"
echo "   ($precision model, $(nproc) cores, median of $rounds rounds of ${duration} s per run)"
header
sort -s -t$'\t' -k1,1 "$work/medians" | format_rows
awk -F'\t' '
  $1 ~ /direct/ { direct_p50[$2] = $4; direct_rps[$2] = $3; direct_api[$2] = $7 }
  $1 ~ /1 replica$/ { one_p50[$2] = $4; one_rps[$2] = $3; one_web[$2] = $6; one_api[$2] = $7 }
  $1 ~ /2 replicas$/ { two_rps[$2] = $3 }
  END {
    printf "web hop at 1 connection: p50 %+.1f ms (%.1f vs %.1f ms); %.1f ms of web CPU per request (API %.1f ms via the web, %.1f ms direct)\n",
      one_p50[1] - direct_p50[1], one_p50[1], direct_p50[1], one_web[1], one_api[1], direct_api[1];
    for (c = 1; c <= 16; c *= 4)
      printf "%2d connections: 2 replicas %.2fx of 1 (%s vs %s req/s); one API directly %s req/s\n", c, two_rps[c] / one_rps[c], two_rps[c], one_rps[c], direct_rps[c];
  }' "$work/medians"
