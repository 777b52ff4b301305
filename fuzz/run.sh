#!/usr/bin/env bash
# Coverage-guided fuzzing of the API's upload path (multipart -> format sniffing -> header inspection -> decode ->
# tensor) with AFL++ and SharpFuzz. Usage:
#   fuzz/run.sh [seconds] [output-dir]      default: one hour into .data/fuzz
#   FUZZ_EXECS=30000 fuzz/run.sh 120 DIR    stop after about 30,000 executions (or 120 s, whichever comes first)
# FUZZ_HARNESS_DIR points at an already built harness (skips the build); FUZZ_SEED fixes AFL's random seed.
# Prints executions, speed, coverage, crashes and hangs; exits 1 when a crash or hang was found.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-3600}"
out="$(realpath -m "${2:-.data/fuzz}")"
command -v afl-fuzz >/dev/null || { echo "afl-fuzz is not installed (apt-get install afl++)" >&2; exit 2; }

harness="${FUZZ_HARNESS_DIR:-}"
if [ -z "$harness" ]; then
  dotnet build fuzz/AllClassifier.Fuzz -c Release -nologo -v quiet >/dev/null
  harness=fuzz/AllClassifier.Fuzz/bin/Release/net10.0/linux-x64
fi

target="$out/target"
rm -rf "$target" "$out/seeds" "$out/findings"
mkdir -p "$target" "$out/seeds"

# Seeds: valid uploads drawn by the harness, plus every finding kept as a regression (they reach deep paths).
dotnet "$harness/AllClassifier.Fuzz.dll" seeds "$out/seeds" >/dev/null
find fuzz/AllClassifier.Fuzz/regressions -type f -name '*.multipart' -exec cp {} "$out/seeds"/ \;

# The harness is copied, then the assemblies under test are instrumented in the copy: instrumented code runs only
# under afl-fuzz, so the build itself stays untouched for replays and tests.
cp "$harness"/*.dll "$harness"/*.json "$target"/
dotnet tool restore >/dev/null
for assembly in SixLabors.ImageSharp AllClassifier.Model AllClassifier.Api; do
  dotnet tool run sharpfuzz "$target/$assembly.dll" >/dev/null
done

limits=(-V "$seconds")
[ -n "${FUZZ_EXECS:-}" ] && limits+=(-E "$FUZZ_EXECS")
[ -n "${FUZZ_SEED:-}" ] && limits+=(-s "$FUZZ_SEED")
# The target is the dotnet host, not an AFL-compiled binary; a loaded machine needs a long start-up allowance.
# An input over 5 s is run again with 30 s before it counts as a hang: on a busy machine a starved execution
# otherwise shows up as a hang that does not reproduce.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 \
  AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FORKSRV_INIT_TMOUT=60000 AFL_HANG_TMOUT="${FUZZ_HANG_MS:-30000}"
if ! afl-fuzz "${limits[@]}" -t 5000 -m none -i "$out/seeds" -o "$out/findings" -- dotnet "$target/AllClassifier.Fuzz.dll" >"$out/afl.log" 2>&1; then
  tail -n 30 "$out/afl.log" >&2
  exit 2
fi

stats="$out/findings/default/fuzzer_stats"
value() { sed -n "s/^$1 *: *//p" "$stats"; }
crashes=$(value saved_crashes)
hangs=$(value saved_hangs)
echo "executions: $(value execs_done)  per second: $(value execs_per_sec)  run time: $(value run_time) s"
echo "corpus: $(value corpus_count)  coverage: $(value bitmap_cvg)  crashes: $crashes  hangs: $hangs"
if [ "$crashes" != "0" ] || [ "$hangs" != "0" ]; then
  echo "findings (replay with: dotnet $harness/AllClassifier.Fuzz.dll replay FILE; keep them in fuzz/AllClassifier.Fuzz/regressions/):"
  find "$out/findings/default/crashes" "$out/findings/default/hangs" -type f -name 'id:*'
  exit 1
fi
