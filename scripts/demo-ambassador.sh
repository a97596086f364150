#!/usr/bin/env bash
# The sharding ambassador on its own, as the demo shows it: three real redis-servers standing in
# for the StatefulSet's pods on 127.0.0.2-4:6379, the listener file the operator renders for a
# ShardedService, the ambassador serving 127.0.0.1, twemproxy (nutcracker) beside it on the
# same shards, and a shard failure.
# Usage: scripts/demo-ambassador.sh [path/to/attache-ambassador]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AMB="${1:-$ROOT/build/bin/attache-ambassador}"
WORK="$(mktemp -d)"
PIDS=()
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

LISTEN="$(free_port)"; ADMIN="$(free_port)"; NC_PORT="$(free_port)"
SHARDS=(127.0.0.2 127.0.0.3 127.0.0.4)
step "Three redis-servers stand in for pods sharded-redis-0..2 (${SHARDS[*]}:6379)"
for i in 0 1 2; do
  redis-server --bind "${SHARDS[$i]}" --port 6379 --save '' --appendonly no \
    --logfile "$WORK/redis-$i.log" --dir "$WORK" --dbfilename "r$i.rdb" &
  PIDS+=($!)
done
for ip in "${SHARDS[@]}"; do
  for _ in $(seq 50); do redis-cli -h "$ip" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

step "The listener file the operator renders for ShardedService 'cache'"
mkdir -p "$WORK/config"
cat >"$WORK/config/cache.json" <<JSON
{"name": "cache", "kind": "sharded", "protocol": "redis", "listen": "127.0.0.1:$LISTEN",
 "distribution": "ketama", "hash": "fnv1a_64", "hashTag": "{}", "timeoutMs": 400,
 "autoEject": true, "failureLimit": 1, "retryTimeoutMs": 2000,
 "servers": [{"name": "sharded-redis-0", "address": "127.0.0.2:6379", "weight": 1},
             {"name": "sharded-redis-1", "address": "127.0.0.3:6379", "weight": 1},
             {"name": "sharded-redis-2", "address": "127.0.0.4:6379", "weight": 1}]}
JSON
cat "$WORK/config/cache.json"
"$AMB" --config-dir "$WORK/config" --admin "127.0.0.1:$ADMIN" --log-level warn &
PIDS+=($!)
cat >"$WORK/nutcracker.yml" <<YAML
cache:
  listen: 127.0.0.1:$NC_PORT
  hash: fnv1a_64
  hash_tag: "{}"
  distribution: ketama
  redis: true
  timeout: 400
  auto_eject_hosts: true
  server_retry_timeout: 2000
  server_failure_limit: 1
  servers:
   - 127.0.0.2:6379:1 sharded-redis-0
   - 127.0.0.3:6379:1 sharded-redis-1
   - 127.0.0.4:6379:1 sharded-redis-2
YAML
nutcracker -c "$WORK/nutcracker.yml" -s "$(free_port)" -o "$WORK/nutcracker.log" &
PIDS+=($!)
for p in "$LISTEN" "$NC_PORT"; do
  for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
curl -s "127.0.0.1:$ADMIN/readyz"

step "The app writes 10,000 keys to what looks like one Redis on 127.0.0.1:$LISTEN"
for i in $(seq 1 10000); do printf 'SET user:%d:cart %d\r\n' $((i * 7919)) "$i"; done |
  redis-cli -p "$LISTEN" --pipe | tail -1
for i in 0 1 2; do
  printf '  sharded-redis-%d (%s): %s keys\n' "$i" "${SHARDS[$i]}" "$(redis-cli -h "${SHARDS[$i]}" dbsize)"
done

step "Placement check: every key is read back through twemproxy on the same shards"
missing=$(for i in $(seq 1 10000); do printf 'GET user:%d:cart\r\n' $((i * 7919)); done |
  redis-cli -p "$NC_PORT" | grep -c '^$' || true)
echo "  keys nutcracker could not find: $missing (0 = identical placement)"

step "Latency through the ambassador (redis-benchmark GET, 1 client, no pipelining)"
redis-benchmark -p "$LISTEN" -t get -n 20000 -c 1 -q | tr '\r' '\n' | grep 'requests per second' | tail -1

step "Shard sharded-redis-1 dies: ejected at once (failureLimit 1), its keys are re-homed (autoEject)"
kill "${PIDS[1]}"; sleep 0.3
for i in 1 2 3 4 5 6; do
  printf '  SET probe%d -> %s\n' "$i" "$(redis-cli -p "$LISTEN" set "probe$i" x 2>&1)"
done
curl -s "127.0.0.1:$ADMIN/metrics" | grep -E '^attache_server_(up|ejections_total)' | sed 's/^/  /'

step "It comes back: after retryTimeoutMs it rejoins the ring"
redis-server --bind 127.0.0.3 --port 6379 --save '' --appendonly no --logfile "$WORK/redis-1b.log" &
PIDS+=($!)
sleep 2.5
for i in $(seq 1 300); do printf 'SET back:%d x\r\n' "$i"; done | redis-cli -p "$LISTEN" --pipe | tail -1
echo "  sharded-redis-1 now holds $(redis-cli -h 127.0.0.3 dbsize) keys"
