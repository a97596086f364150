#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) on the project's own translation units, in parallel.
# Usage: scripts/run-clang-tidy.sh <build-dir-with-compile_commands.json>
set -euo pipefail
BUILD="${1:?build dir}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
git ls-files -co --exclude-standard -- 'common/*.cc' 'operator/*.cc' 'webhook/*.cc' 'ambassador-image/*.cc' |
  xargs -r -P "$(nproc)" -n 4 clang-tidy -p "$BUILD" --quiet 2>&1 |
  grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated|^Suppressed|^Use -header-filter|^$' |
  tee /tmp/attache-tidy.$$ >&2 || true
if grep -q -E 'error:|warning:' /tmp/attache-tidy.$$; then rm -f /tmp/attache-tidy.$$; exit 1; fi
rm -f /tmp/attache-tidy.$$
echo "[clang-tidy] clean"
