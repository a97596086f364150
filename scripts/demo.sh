#!/usr/bin/env bash
# make demo: the Attache story on a real local control plane (etcd + kube-apiserver on
# 127.0.0.1). The operator and webhook run as local processes; three redis-servers on
# 127.0.0.2-4:6379 stand in for the pods of StatefulSet sharded-redis (Pod objects whose status
# carries those IPs); an annotated pod gets its ambassador from the webhook, and that ambassador
# runs here exactly as injected (scripts/run-sidecar.py plays the kubelet's part). Last, a
# ServiceBinding brokers to the candidate this environment has, and switches when that changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ATTACHE_BIN_DIR:-$ROOT/build/bin}"
export ATTACHE_CLUSTER_DIR="${ATTACHE_CLUSTER_DIR:-$ROOT/.local-cluster}"
WORK="$(mktemp -d -t attache-demo.XXXXXX)"
NS=shop
SHARDS=(127.0.0.2 127.0.0.3 127.0.0.4)
PIDS=()
REDIS_PIDS=()
START=$(date +%s)
cd "$ROOT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_busy() { python3 -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('$1',$2))==0 else 1)"; }
wait_http() { for _ in $(seq 100); do curl -fsk "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "timed out waiting for $1" >&2; return 1; }
cleanup() {
  step "Cleaning up"
  for pid in "${PIDS[@]}" "${REDIS_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/local-cluster.sh down >/dev/null 2>&1 || true
  rm -rf "$WORK"
  say "stopped the ambassador, operator, webhook, redis-servers and the control plane"
}
trap cleanup EXIT

step "Installing what is missing and building"
scripts/install-deps.sh
scripts/k8s-tools.sh ensure
if [ -z "${ATTACHE_BIN_DIR:-}" ]; then
  cmake --preset dev >/dev/null
  cmake --build --preset dev --target attache-operator attache-webhook attache-ambassador | tail -1
fi
for ip in "${SHARDS[@]}"; do
  if port_busy "$ip" 6379; then echo "$ip:6379 is in use; stop what runs there first" >&2; exit 1; fi
done
LISTEN=6379
port_busy 127.0.0.1 6379 && LISTEN=$(free_port) && say "127.0.0.1:6379 is taken here: the app will use $LISTEN"

step "A local control plane and the CRDs"
eval "$(scripts/local-cluster.sh up)"
scripts/install-crds.sh crds >/dev/null
kubectl version 2>/dev/null | grep Server | sed 's/^/   /'
kubectl get crd -l app.kubernetes.io/part-of=attache --no-headers | sed 's/^/   /'

step "The operator and the webhook, as local processes (in a cluster: helm install attache charts/attache)"
kubectl create namespace attache-system >/dev/null
OP_ADMIN=$(free_port); WH_PORT=$(free_port)
"$BIN/attache-operator" --kubeconfig "$KUBECONFIG" --admin "127.0.0.1:$OP_ADMIN" \
  --lease-namespace attache-system >"$WORK/operator.log" 2>&1 &
PIDS+=($!)
"$BIN/attache-webhook" --kubeconfig "$KUBECONFIG" --namespace attache-system \
  --listen "127.0.0.1:$WH_PORT" --self-register-url "https://127.0.0.1:$WH_PORT/mutate" \
  --require-namespace-label >"$WORK/webhook.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$OP_ADMIN/readyz"
wait_http "https://127.0.0.1:$WH_PORT/readyz"
say "operator ready (leader: $(kubectl get lease attache-operator -n attache-system -o jsonpath='{.spec.holderIdentity}'))"
say "webhook ready, registered: $(kubectl get mutatingwebhookconfiguration -o name)"

step "Three redis-servers stand in for the pods of StatefulSet sharded-redis"
for i in 0 1 2; do
  redis-server --bind "${SHARDS[$i]}" --port 6379 --save '' --appendonly no \
    --logfile "$WORK/redis-$i.log" --dir "$WORK" --dbfilename "r$i.rdb" &
  REDIS_PIDS[i]=$!
done
kubectl create namespace "$NS" >/dev/null
kubectl label namespace "$NS" attache.dev/injection=enabled >/dev/null
kubectl apply -n "$NS" -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: sharded-redis}
spec:
  serviceName: redis
  replicas: 3
  selector: {matchLabels: {app: sharded-redis}}
  template:
    metadata: {labels: {app: sharded-redis}}
    spec: {containers: [{name: redis, image: redis:7, ports: [{containerPort: 6379}]}]}
YAML
set_pod_status() { # <index> <True|False>
  kubectl patch pod "sharded-redis-$1" -n "$NS" --subresource=status --type=merge -p \
    "{\"status\":{\"phase\":\"Running\",\"podIP\":\"${SHARDS[$1]}\",\"podIPs\":[{\"ip\":\"${SHARDS[$1]}\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\"$2\"}]}}" >/dev/null
}
for i in 0 1 2; do
  kubectl apply -n "$NS" -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: sharded-redis-$i, labels: {app: sharded-redis}}
spec: {containers: [{name: redis, image: "redis:7", ports: [{containerPort: 6379}]}]}
YAML
  set_pod_status "$i" True
  for _ in $(seq 50); do redis-cli -h "${SHARDS[$i]}" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
kubectl get pods -n "$NS" -o wide --no-headers | awk '{printf "   %-16s %-8s %s\n", $1, $3, $6}'

step "ShardedService 'cache': the classic twemproxy sidecar, declared"
sed "s/listenPort: 6379/listenPort: $LISTEN/" crds/samples/shardedservice.yaml | kubectl apply -n "$NS" -f - >/dev/null
kubectl wait --for=condition=Ready shardedservice/cache -n "$NS" --timeout=30s >/dev/null
kubectl get shardedservice -n "$NS" | sed 's/^/   /'
say "the operator rendered ConfigMap cache-attache:"
kubectl get configmap cache-attache -n "$NS" -o jsonpath='{.data.cache\.json}' |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print("   ", json.dumps({k: d[k] for k in ("listen","distribution","hash","autoEject")})); [print("    ", s["name"], "->", s["address"]) for s in d["servers"]]'

step "The API server rejects an invalid ShardedService with a readable message"
kubectl create --dry-run=server -n "$NS" -f - 2>&1 <<'YAML' | sed 's/^/   /' || true
apiVersion: attache.dev/v1alpha1
kind: ShardedService
metadata: {name: broken}
spec:
  shards:
    statefulSet: {name: sharded-redis, port: 6379}
    endpoints: [{name: a, host: redis-a, port: 6379}]
YAML

step "An annotated app pod: the webhook injects the ambassador"
kubectl apply -n "$NS" -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    attache.dev/inject: "true"
    attache.dev/sharded-services: cache
spec:
  containers: [{name: app, image: "shop/app:1"}]
YAML
python3 scripts/run-sidecar.py "$NS/app" --print-spec | python3 -c '
import json, sys
d = json.load(sys.stdin); c = d["container"]
print("    %s, restartPolicy %s (a native sidecar: starts first, never blocks completion)" % (d["in"], c.get("restartPolicy", "-")))
print("    command:", " ".join(c.get("command", []) + c.get("args", [])))
sc = c["securityContext"]
print("    image: %s | runAsUser %s | readOnlyRootFilesystem %s | capabilities drop %s" % (c["image"], sc["runAsUser"], str(sc["readOnlyRootFilesystem"]).lower(), ",".join(sc["capabilities"]["drop"])))
print("    probes: startup/readiness %s, liveness %s" % (c["startupProbe"]["httpGet"]["path"], c["livenessProbe"]["httpGet"]["path"]))
print("    mounts:", ", ".join(m["mountPath"] for m in c.get("volumeMounts", [])))'
say "the app container gets: $(kubectl get pod app -n "$NS" -o jsonpath='{range .spec.containers[0].env[*]}{.name}={.value} {end}')"

step "Running that ambassador here exactly as injected (scripts/run-sidecar.py plays the kubelet)"
AMB_ADMIN=$(free_port)
python3 scripts/run-sidecar.py "$NS/app" --root "$WORK/pod" --admin "127.0.0.1:$AMB_ADMIN" \
  >"$WORK/ambassador.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$AMB_ADMIN/readyz"
say "ready: $(curl -s "127.0.0.1:$AMB_ADMIN/readyz")"

step "The app writes 10,000 keys to what looks like one Redis on 127.0.0.1:$LISTEN"
for i in $(seq 1 10000); do printf 'SET user:%d:cart %d\r\n' $((i * 7919)) "$i"; done |
  redis-cli -p "$LISTEN" --pipe | tail -1 | sed 's/^/   /'
for i in 0 1 2; do
  say "sharded-redis-$i (${SHARDS[$i]}): $(redis-cli -h "${SHARDS[$i]}" dbsize) keys"
done

step "Placement check: twemproxy (nutcracker) with the same settings finds every key"
NC_PORT=$(free_port)
python3 - "$WORK/pod/etc/attache/config/cache.json" "$NC_PORT" >"$WORK/nutcracker.yml" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("cache:\n  listen: 127.0.0.1:%s\n  hash: %s\n  hash_tag: \"%s\"\n  distribution: %s\n  redis: true"
      % (sys.argv[2], d["hash"], d.get("hashTag", ""), d["distribution"]))
print("  timeout: %d\n  auto_eject_hosts: %s\n  server_retry_timeout: %d\n  server_failure_limit: %d\n  servers:"
      % (d["timeoutMs"], str(d["autoEject"]).lower(), d["retryTimeoutMs"], d["failureLimit"]))
for s in d["servers"]:
    print("   - %s:%d %s" % (s["address"], s["weight"], s["name"]))
PY
nutcracker -c "$WORK/nutcracker.yml" -s "$(free_port)" -o "$WORK/nutcracker.log" &
PIDS+=($!)
for _ in $(seq 50); do redis-cli -p "$NC_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
missing=$(for i in $(seq 1 10000); do printf 'GET user:%d:cart\r\n' $((i * 7919)); done |
  redis-cli -p "$NC_PORT" | grep -c '^$' || true)
say "keys nutcracker could not find: $missing of 10000 (0 = the same placement: migrating loses no cache)"

step "Latency through the ambassador (redis-benchmark GET, 1 client, no pipelining)"
redis-benchmark -p "$LISTEN" -t get -n 20000 -c 1 --csv 2>/dev/null | python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
h, v = rows[0], rows[-1]
d = dict(zip(h, v))
print("    %s req/s, latency avg %s ms, p50 %s ms, p99 %s ms" % (d["rps"], d["avg_latency_ms"], d["p50_latency_ms"], d["p99_latency_ms"]))'

step "sharded-redis-1 dies: what the app sees"
PROBES=(); HOME_OF=()
for i in 1 2 3 4 5 6 7 8; do
  k="user:$((i * 7919)):cart"; PROBES+=("$k")
  for s in 0 1 2; do
    if [ "$(redis-cli -h "${SHARDS[$s]}" exists "$k")" = 1 ]; then HOME_OF+=("sharded-redis-$s"); fi
  done
done
kill "${REDIS_PIDS[1]}"; wait "${REDIS_PIDS[1]}" 2>/dev/null || true
set_pod_status 1 False
for i in "${!PROBES[@]}"; do
  reply="$(redis-cli -p "$LISTEN" get "${PROBES[$i]}" 2>&1)"
  say "GET ${PROBES[$i]} -> ${reply:-(nil)}   (written to ${HOME_OF[$i]})"
done
say "once the lost connection has ejected it (autoEject, failureLimit 1), the dead shard's keys"
say "are misses that hash to the two live shards; every other key is untouched"
sleep 1
say "status: $(kubectl get shardedservice cache -n "$NS" -o jsonpath='{.status.readyShards}/{.status.totalShards} ready, {.status.conditions[?(@.type=="Ready")].message}')"
curl -s "127.0.0.1:$AMB_ADMIN/metrics" | grep -E '^attache_server_(up|ejections_total)' | sed 's/^/   /'

step "It comes back: after retryTimeoutMs it rejoins the ring"
redis-server --bind 127.0.0.3 --port 6379 --save '' --appendonly no --logfile "$WORK/redis-1b.log" &
REDIS_PIDS[1]=$!
for _ in $(seq 50); do redis-cli -h 127.0.0.3 ping >/dev/null 2>&1 && break; sleep 0.1; done
set_pod_status 1 True
sleep 2.5
for i in $(seq 1 3000); do printf 'SET back:%d x\r\n' "$i"; done | redis-cli -p "$LISTEN" --pipe | tail -1 | sed 's/^/   /'
say "sharded-redis-1 holds $(redis-cli -h 127.0.0.3 dbsize) keys again"
kubectl wait --for=condition=Ready shardedservice/cache -n "$NS" --timeout=20s >/dev/null
say "status: $(kubectl get shardedservice cache -n "$NS" -o jsonpath='{.status.readyShards}/{.status.totalShards} ready')"

step "ServiceBinding: the same manifest in every environment"
redis-server --bind 127.0.0.5 --port 6379 --save '' --appendonly no --logfile "$WORK/redis-saas.log" &
REDIS_PIDS+=($!)
for _ in $(seq 50); do redis-cli -h 127.0.0.5 ping >/dev/null 2>&1 && break; sleep 0.1; done
SESS=$(free_port)
kubectl apply -n "$NS" -f - >/dev/null <<YAML
apiVersion: attache.dev/v1alpha1
kind: ServiceBinding
metadata: {name: sessions}
spec:
  listenPort: $SESS
  candidates:
    - service: {name: sessions-redis, port: 6379}    # the in-cluster one, absent here
    - external: {host: 127.0.0.5, port: 6379}        # stands in for a managed Redis
YAML
kubectl wait --for=condition=Ready servicebinding/sessions -n "$NS" --timeout=20s >/dev/null
say "selected: $(kubectl get servicebinding sessions -n "$NS" -o jsonpath='candidate {.status.selected.candidate} ({.status.selected.source}) -> {.status.selected.host}:{.status.selected.port}')"
kubectl apply -n "$NS" -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations: {attache.dev/inject: "true", attache.dev/bindings: sessions}
spec:
  containers: [{name: web, image: "shop/web:1"}]
YAML
WEB_ADMIN=$(free_port)
python3 scripts/run-sidecar.py "$NS/web" --root "$WORK/web" --admin "127.0.0.1:$WEB_ADMIN" \
  >"$WORK/web-ambassador.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$WEB_ADMIN/readyz"
say "pod web: $(kubectl get pod web -n "$NS" -o jsonpath='{.spec.containers[0].env[0].name}={.spec.containers[0].env[0].value}'); SET through it -> $(redis-cli -p "$SESS" set session:42 alice)"
say "the managed Redis now holds session:42 = $(redis-cli -h 127.0.0.5 get session:42)"
kubectl apply -n "$NS" -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: sessions-redis}
spec: {ports: [{port: 6379}]}
YAML
sleep 1
say "in a cluster that has Service sessions-redis, the same binding selects: $(kubectl get servicebinding sessions -n "$NS" -o jsonpath='candidate {.status.selected.candidate} ({.status.selected.source}) -> {.status.selected.host}:{.status.selected.port}')"

step "Done in $(( $(date +%s) - START )) s"
