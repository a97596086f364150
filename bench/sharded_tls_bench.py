#!/usr/bin/env python3
"""Sharded listeners with and without TLS to the shards, side by side in one run.

Starts 3 redis-servers, each with a plain port and a TLS port (certificates made here with the
openssl CLI), and the ambassador with two sharded listeners over the same shards: one plain,
one with TLS (CA and name verified). Drives both with redis-benchmark (GET, SET, MGET of 10
keys; -P 1 and -P 16), alternating listeners so both see the same machine noise, plus redis
directly over TLS for reference. Reports requests/s, the TLS/plain ratio, and the ambassador's
CPU microseconds per request (from /proc/<pid>/stat, both listeners share the process).

Usage: bench/sharded_tls_bench.py [--ambassador build/release/bin/attache-ambassador] [--requests N]
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (check_tools, common_args, cpu_seconds, free_port,  # noqa: E402
                      peak_rss_mib, stop_all, wait_port)
from broker_bench import make_pki, redis_benchmark  # noqa: E402
import proxy_bench  # noqa: E402


def sharded_json(name, port, shard_ports, tls_ca=None):
    servers = ", ".join(f'{{"name": "shard-{i}", "address": "127.0.0.1:{p}"}}'
                        for i, p in enumerate(shard_ports))
    tls = f', "tls": {{"enabled": true, "caFile": "{tls_ca}"}}' if tls_ca else ""
    return (f'{{"name": "{name}", "kind": "sharded", "protocol": "redis", '
            f'"listen": "127.0.0.1:{port}", "timeoutMs": 2000{tls}, "servers": [{servers}]}}\n')


def main():
    ap = common_args()
    args = ap.parse_args()
    check_tools(("redis-server", "redis-benchmark", "openssl"))

    tmp = tempfile.mkdtemp(prefix="attache-tls-bench-")
    procs = []
    try:
        make_pki(tmp)
        plain_ports = [free_port() for _ in range(3)]
        tls_ports = [free_port() for _ in range(3)]
        for plain, tls in zip(plain_ports, tls_ports):
            procs.append(subprocess.Popen(
                ["redis-server", "--port", str(plain), "--tls-port", str(tls), "--bind",
                 "127.0.0.1", "--save", "", "--appendonly", "no", "--tls-cert-file",
                 f"{tmp}/server.crt", "--tls-key-file", f"{tmp}/server.key",
                 "--tls-ca-cert-file", f"{tmp}/ca.crt", "--tls-auth-clients", "no"],
                stdout=subprocess.DEVNULL))
        for p in plain_ports + tls_ports:
            wait_port(p)
        conf = os.path.join(tmp, "config")
        os.mkdir(conf)
        plain_listen, tls_listen = free_port(), free_port()
        with open(f"{conf}/plain.json", "w") as f:
            f.write(sharded_json("plain", plain_listen, plain_ports))
        with open(f"{conf}/tls.json", "w") as f:
            f.write(sharded_json("tls", tls_listen, tls_ports, f"{tmp}/ca.crt"))
        amb = subprocess.Popen([args.ambassador, "--config-dir", conf, "--log-level", "warn"],
                               stdout=subprocess.DEVNULL)
        procs.append(amb)
        wait_port(plain_listen)
        wait_port(tls_listen)

        direct_tls = ["--tls", "--cacert", f"{tmp}/ca.crt", "--sni", "localhost"]
        paths = {"ambassador plain": (plain_listen, ()), "ambassador tls": (tls_listen, ())}
        results = {}
        for _ in range(args.rounds):
            for test, pipeline in (("get", 1), ("set", 1), ("get", 16), ("set", 16),
                                   ("mget", 16)):
                label = f"redis {test.upper()} -P {pipeline}"
                for name, (port, tls_args) in paths.items():
                    before = cpu_seconds(amb.pid)
                    if test == "mget":
                        rps = proxy_bench.redis_benchmark(port, "mget", pipeline, args.requests,
                                                          args.clients)
                    else:
                        rps = redis_benchmark(port, test, pipeline, args.requests, args.clients)
                    used = cpu_seconds(amb.pid) - before
                    results.setdefault((label, name), []).append((rps, used * 1e6 / args.requests))
                if test != "mget":
                    rps = redis_benchmark(tls_ports[0], test, pipeline, args.requests,
                                          args.clients, direct_tls)
                    results.setdefault((label, "direct tls (1 redis)"), []).append((rps, 0.0))

        print(f"\n{'workload':20} {'path':22} {'req/s':>12} {'CPU us/req':>11}")
        for (label, name), runs in results.items():
            print(f"{label:20} {name:22} {max(r for r, _ in runs):12.0f} "
                  f"{min(c for _, c in runs):11.2f}")
        print("\nTLS / plain throughput through the ambassador (best of rounds):")
        for (label, name), runs in results.items():
            if name == "ambassador tls":
                plain = max(r for r, _ in results[(label, "ambassador plain")])
                print(f"  {label:20} {max(r for r, _ in runs) / max(plain, 1):5.2f}x")
        print(f"peak RSS ambassador: {peak_rss_mib(amb.pid):.1f} MiB")
    finally:
        stop_all(procs, tmp)


if __name__ == "__main__":
    main()
