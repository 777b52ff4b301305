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

# start_service LOG DLL HEALTHY [NAME=VALUE...]: a .NET service on a free loopback port, its output in LOG; returns
# once its /health answers HEALTHY (any answer when empty). Sets service_pid and service_url.
start_service() {
  local log="$1" dll="$2" healthy="$3"; shift 3
  env ASPNETCORE_URLS="http://127.0.0.1:0" \
    Logging__LogLevel__Default=Warning "Logging__LogLevel__Microsoft.Hosting.Lifetime=Information" "$@" \
    dotnet "$dll" >"$log" 2>&1 &
  service_pid=$!
  local health=""
  for _ in $(seq 1 300); do
    service_url="$(sed -n 's/.*Now listening on: \(http:\/\/[0-9.:]*\).*/\1/p' "$log" | head -n 1)"
    if [ -n "$service_url" ]; then
      health="$(curl -s "$service_url/health" || true)"
      if [ -n "$health" ] && { [ -z "$healthy" ] || [ "$health" = "$healthy" ]; }; then return 0; fi
    fi
    sleep 0.2
  done
  echo "$dll did not become healthy ($health):" >&2
  cat "$log" >&2
  return 1
}

# start_api WORKDIR [NAME=VALUE...]: the API on a free loopback port over WORKDIR/registry and WORKDIR/feedback;
# returns once /health says Healthy (a champion is served). The API trusts MODEL_SIGNING_PUBLIC_KEY, else the key
# `bench prepare` signed WORKDIR/registry with (WORKDIR/registry.pub). Sets api_pid and url. MALLOC_ARENA_MAX is 2 as in every
# deployment (backend.Dockerfile, the AppHost) unless the caller sets it.
start_api() {
  local work="$1"; shift
  start_service "$work/api.log" "$api_dir/AllClassifier.Api.dll" Healthy \
    MODEL_REGISTRY_DIR="$work/registry" FEEDBACK_DIR="$work/feedback" MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" \
    ModelSigning__PublicKeys__0="${MODEL_SIGNING_PUBLIC_KEY:-$(cat "$work/registry.pub" 2>/dev/null || true)}" "$@"
  api_pid=$service_pid
  url=$service_url
}

stop_api() {
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  api_pid=""
}

# Resident memory of a process in MiB: rss_mib PID VmRSS (now) or rss_mib PID VmHWM (peak so far).
rss_mib() { awk -v key="$2:" '$1 == key { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# Resident memory split in MiB, "ANONYMOUS FILE_BACKED", from /proc/PID/smaps_rollup: anonymous pages are the heaps
# (managed and native); file-backed ones (Rss - Anonymous: libraries, mapped files) come and go with the kernel's
# page reclaim, which is noise in RSS.
rss_split_mib() {
  awk '$1 == "Rss:" { rss = $2 } $1 == "Anonymous:" { anonymous = $2 }
    END { printf "%.0f %.0f\n", anonymous / 1024, (rss - anonymous) / 1024 }' "/proc/$1/smaps_rollup"
}

# The API's native heap from its /metrics, "ARENAS MIB": glibc's malloc arenas and the bytes malloc holds.
native_heap() {
  curl -s "$url/metrics" | awk '/^allclassifier_native_heap_arenas/ { arenas = $NF } /^allclassifier_native_heap_bytes/ { bytes = $NF }
    END { printf "%d %.0f\n", arenas, bytes / 1048576 }'
}

# Sum of the API's http_requests_total series whose status is 5xx.
server_errors() { curl -s "$url/metrics" | awk '/^http_requests_total\{/ && /status="5xx"/ { n += $NF } END { printf "%d", n }'; }

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# The CPU model, its core count and the flags inference speed depends on (AVX2 / AVX-512 / VNNI / AMX).
cpu_description() {
  local flags
  flags="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|avx512f|avx512_vnni|avx_vnni|avx512_bf16|amx_tile|amx_int8|amx_bf16' | tr '\n' ' ')"
  echo "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, flags: ${flags:-none of avx2/avx512/vnni/amx}"
}

# CPU time a process has used so far, in milliseconds (user + system).
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }

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
