# Shared by the benchmark scripts (source it): builds, the API as a background process, memory figures.

api_dir="AllClassifier.Api/bin/Release/net10.0/linux-x64"
bench_dir="bench/AllClassifier.Bench/bin/Release/net10.0/linux-x64"
api_pid=""
url=""

build_api_and_bench() {
  dotnet build -c Release AllClassifier.Api -nologo -v q >/dev/null
  dotnet build -c Release bench/AllClassifier.Bench -nologo -v q >/dev/null
}

bench() { dotnet "$bench_dir/AllClassifier.Bench.dll" "$@"; }

# start_api WORKDIR [NAME=VALUE...]: the API on a free loopback port over WORKDIR/registry and WORKDIR/feedback;
# returns once /health says Healthy (a champion is served). Sets api_pid and url.
start_api() {
  local work="$1"; shift
  env MODEL_REGISTRY_DIR="$work/registry" FEEDBACK_DIR="$work/feedback" ASPNETCORE_URLS="http://127.0.0.1:0" \
    Logging__LogLevel__Default=Warning "Logging__LogLevel__Microsoft.Hosting.Lifetime=Information" "$@" \
    dotnet "$api_dir/AllClassifier.Api.dll" >"$work/api.log" 2>&1 &
  api_pid=$!
  for _ in $(seq 1 300); do
    url="$(sed -n 's/.*Now listening on: \(http:\/\/[0-9.:]*\).*/\1/p' "$work/api.log" | head -n 1)"
    if [ -n "$url" ] && [ "$(curl -s "$url/health" || true)" = "Healthy" ]; then return 0; fi
    sleep 0.2
  done
  echo "the API did not become healthy:" >&2
  cat "$work/api.log" >&2
  return 1
}

stop_api() {
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  api_pid=""
}

# Resident memory of a process in MiB: rss_mib PID VmRSS (now) or rss_mib PID VmHWM (peak so far).
rss_mib() { awk -v key="$2:" '$1 == key { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# Sum of the API's http_requests_total series whose status is 5xx.
server_errors() { curl -s "$url/metrics" | awk '/^http_requests_total\{/ && /status="5xx"/ { n += $NF } END { printf "%d", n }'; }

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

trainer="AllClassifier.Trainer/bin/Release/net10.0/linux-x64/AllClassifier.Trainer"

# build_trainer: the trainer CLI in Release; the load average says how much of the shared machine a figure had.
build_trainer() {
  echo "== building AllClassifier.Trainer (Release); load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
  dotnet build AllClassifier.Trainer -c Release -nologo -v quiet >/dev/null
}

# use_work_directory DIR: sets work to DIR (kept, so its feature caches serve the next invocation), or to a
# temporary folder removed on exit when DIR is empty.
use_work_directory() {
  if [[ -n "$1" ]]; then
    work="$1"
  else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
  fi
  mkdir -p "$work"
}
