#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang-16 with ASan+UBSan, in build-asan/) and runs each for
# FUZZ_SECONDS (default 600) from the seed corpus and the regression inputs; prints executions
# and coverage per target and fails on any crash, leak or sanitizer report.
#   bash bench/fuzz.sh                         # every target, 10 minutes each
#   FUZZ_SECONDS=30 bash bench/fuzz.sh         # what CI runs
#   FUZZ_TARGETS="state ini" bash bench/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${FUZZ_SECONDS:-600}"
TARGETS="${FUZZ_TARGETS:-json_page csv_page sts_xml ini state sigv4 emulator_request}"

bash scripts/setup
SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v clang++-16 >/dev/null || ! dpkg-query -W -f='${Status}' libfuzzer-16-dev 2>/dev/null | grep -q "ok installed"; then
  echo "fuzz: installing clang-16 and libFuzzer" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang-16 libfuzzer-16-dev libclang-rt-16-dev >/dev/null
fi
# The same build directory as scripts/sanitize's ASan+UBSan job (same flags: one build serves both).
CC=clang-16 CXX=clang++-16 cmake -S . -B build-asan -DRSX_FUZZ=ON -DRSX_BUILD_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for t in $TARGETS; do targets+=("fuzz_$t"); done
cmake --build build-asan -j"${RSX_JOBS:-2}" --target "${targets[@]}" >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
printf '%-18s %10s %12s %8s %8s %s\n' target seconds executions exec/s cov result
failed=0
for t in $TARGETS; do
  mkdir -p "$work/$t"
  dirs=("$work/$t" "fuzz/corpus/$t")
  [ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
  log="$work/$t.log"
  result=ok
  if ! "build-asan/fuzz_$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$work/$t-" "${dirs[@]}" >"$log" 2>&1; then
    result="CRASH (see below)"
    failed=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  printf '%-18s %10s %12s %8s %8s %s\n' "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$result"
  if [ "$result" != ok ]; then
    grep -E 'ERROR|runtime error|SUMMARY|#[0-9]+ 0x' "$log" | head -30 >&2
    for a in "$work/$t-"*; do [ -e "$a" ] && { echo "input:" >&2; od -c "$a" | head -20 >&2; }; done
  fi
done
if [ "$failed" -ne 0 ]; then echo "fuzz: a target crashed" >&2; exit 1; fi
echo "fuzz: every target ran ${SECONDS_EACH} s with no crash"
