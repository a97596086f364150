#!/usr/bin/env bash
# Installs everything Attache builds and tests with, from Debian's packages, on a fresh machine.
# Idempotent: only missing packages are installed. `make test` and `make demo` call it.
set -euo pipefail

PACKAGES=(
  # toolchain
  cmake ninja-build g++ make pkg-config clang clang-format clang-tidy libclang-rt-14-dev
  # libraries (Boost 1.74 only: libboost1.81-dev would remove libcpprest-dev)
  libcpprest-dev nlohmann-json3-dev libssl-dev libspdlog-dev libgtest-dev libgmock-dev
  libboost1.74-dev libboost-system1.74-dev libyaml-cpp-dev prometheus-cpp-dev zlib1g-dev
  # real peers for tests, demo and benchmarks
  redis-server redis-tools memcached nutcracker libmemcached-tools haproxy
  # tools
  openssl curl ca-certificates procps iproute2 python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "[install-deps] installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" ||
    { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; }
  # Debian starts these services on install; tests start their own instances on free ports.
  for svc in redis-server memcached nutcracker haproxy; do
    $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
  done
fi

if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  echo "[install-deps] error: Go is required to build kube-apiserver, etcd and helm" >&2
  exit 1
fi
if ! command -v kubectl >/dev/null 2>&1; then
  echo "[install-deps] error: kubectl is required" >&2
  exit 1
fi
