#!/usr/bin/env bash
# make demo: the Attache story on a real local control plane.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ATTACHE_CLUSTER_DIR="${ATTACHE_CLUSTER_DIR:-$ROOT/.local-cluster}"
cd "$ROOT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() { step "Cleaning up"; scripts/local-cluster.sh down; }
trap cleanup EXIT

step "Starting a local control plane (etcd + kube-apiserver on 127.0.0.1)"
eval "$(scripts/local-cluster.sh up)"
kubectl version 2>/dev/null | grep Server || true

step "Installing the CRDs"
scripts/install-crds.sh crds
kubectl get crd -l app.kubernetes.io/part-of=attache

step "Declaring a ShardedService and a ServiceBinding (crds/samples/)"
kubectl create namespace shop >/dev/null
kubectl apply -n shop -f crds/samples/
kubectl get attache -n shop

step "The API server rejects an invalid object with a readable message"
kubectl create --dry-run=server -n shop -f - <<'YAML' || true
apiVersion: attache.dev/v1alpha1
kind: ShardedService
metadata: {name: broken}
spec:
  shards:
    statefulSet: {name: sharded-redis, port: 6379}
    endpoints: [{name: a, host: redis-a, port: 6379}]
YAML

step "The sharding ambassador: what runs beside the app in every pod that uses 'cache'"
scripts/demo-ambassador.sh "$ROOT/build/bin/attache-ambassador"
