#!/usr/bin/env bash
# Applies Attache's CRDs (server-side) and waits until the API server serves them.
# Usage: scripts/install-crds.sh [crds-dir]   (uses $KUBECONFIG)
set -euo pipefail
CRDS="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../crds" && pwd)}"
kubectl apply --server-side --force-conflicts -f "$CRDS" >/dev/null
for f in "$CRDS"/*.yaml; do
  name="$(awk '/^metadata:/{m=1} m && /^  name:/{print $2; exit}' "$f")"
  kubectl wait --for condition=Established --timeout=60s "crd/$name" >/dev/null
done
echo "[install-crds] CRDs established"
