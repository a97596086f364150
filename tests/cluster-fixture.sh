#!/usr/bin/env bash
# CTest fixture: the local control plane with Attache's CRDs installed (up), and its teardown (down).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$1" in
  up) "$ROOT/scripts/local-cluster.sh" up && "$ROOT/scripts/install-crds.sh" "$ROOT/crds" ;;
  down) "$ROOT/scripts/local-cluster.sh" down ;;
esac
