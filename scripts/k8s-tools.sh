#!/usr/bin/env bash
# Builds the Kubernetes tools Attache's tests and demo need, once, from the Go module proxy at
# pinned versions, and caches them outside the repository keyed by version:
#   kube-apiserver (k8s.io/kubernetes), etcd (go.etcd.io/etcd/server/v3), helm (helm.sh/helm/v4).
# Usage: scripts/k8s-tools.sh [ensure|path <tool>|versions]
set -euo pipefail

KUBE_VERSION="${ATTACHE_KUBE_VERSION:-v1.34.4}"
ETCD_VERSION="${ATTACHE_ETCD_VERSION:-v3.6.4}"
HELM_VERSION="${ATTACHE_HELM_VERSION:-v4.3.2}"
CACHE="${ATTACHE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/attache/tools}"
export PATH="/usr/local/go/bin:$PATH"
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED=0

log() { echo "[k8s-tools] $*" >&2; }
die() { echo "[k8s-tools] error: $*" >&2; exit 1; }

tool_path() {
  case "$1" in
    kube-apiserver) echo "$CACHE/kube-apiserver-$KUBE_VERSION/kube-apiserver" ;;
    etcd) echo "$CACHE/etcd-$ETCD_VERSION/etcd" ;;
    helm) echo "$CACHE/helm-$HELM_VERSION/helm" ;;
    *) die "unknown tool '$1'" ;;
  esac
}

# Runs a build in a scratch module; installs the binary atomically so a killed build leaves
# nothing that looks finished.
build_in_module() { # <tool> <module-setup-fn> <package> [extra ldflags]
  local tool="$1" setup="$2" pkg="$3" ldflags="-s -w ${4:-}" out work
  out="$(tool_path "$tool")"
  [ -x "$out" ] && return 0
  command -v go >/dev/null || die "go is not installed (expected /usr/local/go/bin/go)"
  work="$(mktemp -d)"
  log "building $tool (first time only; kube-apiserver takes 10-25 minutes on 2 cores)"
  (cd "$work" && "$setup" && go build -trimpath -ldflags "$ldflags" -o "$work/$tool" "$pkg") \
    >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; rm -rf "$work"; die "building $tool failed"; }
  mkdir -p "$(dirname "$out")"
  mv "$work/$tool" "$out.tmp" && mv "$out.tmp" "$out"
  rm -rf "$work"
  log "built $out"
}

# Pins a main package in the scratch module (the Go "tools.go" idiom) so tidy keeps it.
write_tools_go() {
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$1" >tools.go
}

setup_kube() {
  go mod init attache.dev/tools/kube >/dev/null 2>&1
  go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" >/dev/null
  local gomod minor
  gomod="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$KUBE_VERSION.mod"
  minor="v0.${KUBE_VERSION#v1.}"
  # Every staging module k8s.io/kubernetes replaces with ./staging maps to its v0.X.Y twin.
  grep -E '^\s*k8s.io/[a-z0-9-]+ => ./staging' "$gomod" | awk '{print $1}' | while read -r m; do
    go mod edit -replace "$m=$m@$minor"
  done
  go mod edit -require "k8s.io/kubernetes@$KUBE_VERSION"
  write_tools_go k8s.io/kubernetes/cmd/kube-apiserver
  go mod tidy
  grep -q "k8s.io/kubernetes $KUBE_VERSION" go.mod || { echo "k8s.io/kubernetes is not at $KUBE_VERSION" >&2; return 1; }
}

setup_etcd() {
  go mod init attache.dev/tools/etcd >/dev/null 2>&1
  cat >main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
  go mod tidy
}

setup_helm() {
  go mod init attache.dev/tools/helm >/dev/null 2>&1
  go get "helm.sh/helm/v4@$HELM_VERSION" >/dev/null
  write_tools_go helm.sh/helm/v4/cmd/helm
  go mod tidy
}

ensure() {
  build_in_module etcd setup_etcd .
  build_in_module helm setup_helm helm.sh/helm/v4/cmd/helm \
    "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
  # The version the API server reports (/version) is what clients such as helm and the webhook's
  # native-sidecar check read: stamp it as the Kubernetes release scripts do.
  local minor="${KUBE_VERSION#v1.}"
  minor="${minor%%.*}"
  build_in_module kube-apiserver setup_kube k8s.io/kubernetes/cmd/kube-apiserver \
    "-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
}

case "${1:-ensure}" in
  ensure) ensure ;;
  path) tool_path "${2:?tool name}" ;;
  versions) echo "kube-apiserver $KUBE_VERSION"; echo "etcd $ETCD_VERSION"; echo "helm $HELM_VERSION" ;;
  *) die "usage: $0 [ensure|path <tool>|versions]" ;;
esac
