#!/usr/bin/env bash
# Builds the codec fuzz targets with the `fuzz` preset (clang, libFuzzer, ASan+UBSan) and runs
# each for N seconds (default 20) from its seed corpus (tests/fuzz/corpus/<target>/). New inputs
# go to build/fuzz/corpus/<target>/, crash reproducers to build/fuzz/artifacts/.
# Usage: scripts/fuzz.sh [seconds-per-target]   Exits non-zero on the first crash.
set -euo pipefail
SECONDS_PER_TARGET="${1:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGETS=(resp_request_fuzz resp_reply_fuzz memcache_request_fuzz memcache_reply_fuzz
         admission_review_fuzz)

cmake --preset fuzz >/dev/null
# Only the fuzz targets (and the codec they test): the rest of the tree is not needed here.
cmake --build --preset fuzz -j "${JOBS:-2}" --target "${TARGETS[@]}"

BIN="$ROOT/build/fuzz/bin"
ARTIFACTS="$ROOT/build/fuzz/artifacts"
mkdir -p "$ARTIFACTS"
for target in "${TARGETS[@]}"; do
  corpus="$ROOT/build/fuzz/corpus/$target"
  mkdir -p "$corpus"
  log="$ROOT/build/fuzz/$target.log"
  echo "[fuzz] $target for ${SECONDS_PER_TARGET}s"
  if ! "$BIN/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$target-" \
      "$corpus" "$ROOT/tests/fuzz/corpus/$target" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "[fuzz] $target FAILED: reproducer in $ARTIFACTS/, log $log" >&2
    exit 1
  fi
  runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  speed=$(grep -m1 -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 || true)
  echo "[fuzz] $target ok: $runs runs, $speed exec/s, $cov"
done
echo "[fuzz] all targets clean"
