#!/usr/bin/env bash
# Runs the fuzz targets built by fuzz/build.sh, each for SECONDS (default 60).
#
#   bash fuzz/run.sh [SECONDS] [target ...]
#
# Each target reads its seeds from fuzz/corpus/<target>/ (never written to) and grows a working
# corpus in .build-fuzz/corpus/<target>/. Crashes, timeouts, leaks and out-of-memory inputs are
# written to .build-fuzz/artifacts/<target>/ (crash-*, timeout-*, leak-*, oom-*), and a log to
# .build-fuzz/logs/<target>.log. To reproduce a finding: .build-fuzz/fuzz/<target> <artifact>;
# to minimise it: .build-fuzz/fuzz/<target> -minimize_crash=1 -runs=10000 <artifact>.
# Every finding should become a test in Tests/GridplanIOTests/FuzzRegressionTests.swift.
#
# Exits non-zero if any target found something. Targets run one after another (CI machines
# have few cores); FUZZ_FLAGS adds libFuzzer flags.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-60}
shift || true
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=(geojson json wkb gpkg-geometry shapefile csv wkt); fi

# Swift's own crash handler would run alongside ASan's and libFuzzer's on a Swift trap
# (fatalError, a failed precondition, an index out of range); let those two report it.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:handle_abort=1}
# Known leaks in third-party code only (see the file).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0}

failed=()
summary=()
for t in "${TARGETS[@]}"; do
  bin=$SCRATCH/fuzz/$t
  [ -x "$bin" ] || { echo "missing $bin: run bash fuzz/build.sh first" >&2; exit 2; }
  work=$SCRATCH/corpus/$t
  artifacts=$SCRATCH/artifacts/$t
  log=$SCRATCH/logs/$t.log
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  echo "== fuzzing $t for ${SECONDS_PER_TARGET}s (log: $log)"
  "$bin" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_FLAGS:-} \
    "$work" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    summary+=("$t: FAILED (exit $rc) after ${runs:-?} runs, $cov; see $log and $artifacts/")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*Fatal error:|artifact_prefix|Test unit written)' "$log" | head -8 | sed 's/^/    /'
  else
    summary+=("$t: ok, ${runs:-?} runs, $cov, corpus $(ls "$work" | wc -l) inputs")
  fi
done

echo "== fuzz summary (${SECONDS_PER_TARGET}s per target)"
printf '  %s\n' "${summary[@]}"
[ ${#failed[@]} -eq 0 ] || { echo "findings in: ${failed[*]}" >&2; exit 1; }
