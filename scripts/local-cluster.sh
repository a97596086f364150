#!/usr/bin/env bash
# A real, local Kubernetes control plane: etcd + kube-apiserver on 127.0.0.1 with free ports and
# generated certificates. No kubelet, no controller-manager: tests set Pod status themselves.
#
#   scripts/local-cluster.sh up      start (idempotent), write a kubeconfig, print `export KUBECONFIG=...`
#   scripts/local-cluster.sh down    stop exactly what `up` started and remove its state
#   scripts/local-cluster.sh status  exit 0 when the cluster answers /readyz
#   scripts/local-cluster.sh env     print `export KUBECONFIG=...` for a running cluster
#
# State lives in $ATTACHE_CLUSTER_DIR (default: <repo>/.local-cluster).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${ATTACHE_CLUSTER_DIR:-$ROOT/.local-cluster}"
TOOLS="$ROOT/scripts/k8s-tools.sh"
READY_TIMEOUT="${ATTACHE_CLUSTER_TIMEOUT:-120}"

log() { echo "[local-cluster] $*" >&2; }
die() { echo "[local-cluster] error: $*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

alive() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

stop_one() { # <name>: TERM, then KILL after 10 s; waits until the process is gone
  local pid
  [ -f "$DIR/$1.pid" ] || return 0
  pid="$(cat "$DIR/$1.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$DIR/$1.pid"
}

readyz() {
  [ -f "$DIR/apiserver.port" ] || return 1
  curl -sf --max-time 2 --cacert "$DIR/pki/ca.crt" --cert "$DIR/pki/admin.crt" \
    --key "$DIR/pki/admin.key" "https://127.0.0.1:$(cat "$DIR/apiserver.port")/readyz" >/dev/null
}

gen_pki() {
  local p="$DIR/pki"
  mkdir -p "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=attache-local-ca" \
    -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  issue_cert "$p" apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1" \
    "extendedKeyUsage=serverAuth"
  issue_cert "$p" admin "/O=system:masters/CN=attache-admin" "" "extendedKeyUsage=clientAuth"
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
}

issue_cert() { # <dir> <name> <subject> <san-ext or ""> <eku-ext>
  local p="$1" n="$2" ext="$p/$2.ext"
  { [ -n "$4" ] && echo "$4"; echo "$5"; echo "keyUsage=critical,digitalSignature,keyEncipherment"; } >"$ext"
  openssl req -newkey rsa:2048 -nodes -subj "$3" -keyout "$p/$n.key" -out "$p/$n.csr" 2>/dev/null
  openssl x509 -req -in "$p/$n.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial \
    -days 365 -extfile "$ext" -out "$p/$n.crt" 2>/dev/null
  rm -f "$p/$n.csr" "$ext"
}

write_kubeconfig() {
  local b64="base64 -w0"
  cat >"$DIR/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: attache-local
  cluster:
    server: https://127.0.0.1:$(cat "$DIR/apiserver.port")
    certificate-authority-data: $($b64 <"$DIR/pki/ca.crt")
users:
- name: attache-admin
  user:
    client-certificate-data: $($b64 <"$DIR/pki/admin.crt")
    client-key-data: $($b64 <"$DIR/pki/admin.key")
contexts:
- name: attache-local
  context: {cluster: attache-local, user: attache-admin}
current-context: attache-local
KC
  chmod 600 "$DIR/kubeconfig"
}

fail_up() {
  log "$1; last lines of the logs:"
  for f in "$DIR"/logs/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -25 "$f" >&2; }; done
  stop_one apiserver
  stop_one etcd
  die "$1"
}

start_etcd() {
  local client peer
  client="$(free_port)"; peer="$(free_port)"
  echo "$client" >"$DIR/etcd.port"
  setsid "$(bash "$TOOLS" path etcd)" --name attache --data-dir "$DIR/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "attache=http://127.0.0.1:$peer" --unsafe-no-fsync --log-level warn \
    </dev/null >"$DIR/logs/etcd.log" 2>&1 &
  echo $! >"$DIR/etcd.pid"
  for _ in $(seq 1 200); do
    curl -sf --max-time 1 "http://127.0.0.1:$client/health" >/dev/null 2>&1 && return 0
    alive etcd || fail_up "etcd exited during startup"
    sleep 0.1
  done
  fail_up "etcd did not become healthy"
}

start_apiserver() {
  local port p="$DIR/pki"
  port="$(free_port)"
  echo "$port" >"$DIR/apiserver.port"
  setsid "$(bash "$TOOLS" path kube-apiserver)" \
    --etcd-servers "http://127.0.0.1:$(cat "$DIR/etcd.port")" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$port" \
    --cert-dir "$DIR/pki" --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" \
    --client-ca-file "$p/ca.crt" --authorization-mode RBAC \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range 10.0.0.0/24 --allow-privileged=true \
    --disable-admission-plugins ServiceAccount --profiling=false \
    </dev/null >"$DIR/logs/apiserver.log" 2>&1 &
  echo $! >"$DIR/apiserver.pid"
  local deadline=$((SECONDS + READY_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    readyz && return 0
    alive apiserver || fail_up "kube-apiserver exited during startup"
    sleep 0.2
  done
  fail_up "kube-apiserver did not become ready within ${READY_TIMEOUT}s"
}

up() {
  if alive etcd && alive apiserver && readyz; then
    log "already running"
    echo "export KUBECONFIG=$DIR/kubeconfig"
    return 0
  fi
  [ -d "$DIR" ] && down_quiet
  bash "$TOOLS" ensure
  mkdir -p "$DIR/logs"
  gen_pki
  start_etcd
  start_apiserver
  write_kubeconfig
  log "kube-apiserver ready on https://127.0.0.1:$(cat "$DIR/apiserver.port")"
  echo "export KUBECONFIG=$DIR/kubeconfig"
}

down_quiet() {
  stop_one apiserver
  stop_one etcd
  rm -rf "$DIR"
}

case "${1:-}" in
  up) up ;;
  down) down_quiet; log "stopped" ;;
  status) readyz ;;
  env) readyz || die "not running (scripts/local-cluster.sh up)"; echo "export KUBECONFIG=$DIR/kubeconfig" ;;
  *) die "usage: $0 up|down|status|env" ;;
esac
