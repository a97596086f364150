#!/usr/bin/env python3
"""Attache ambassador vs twemproxy (nutcracker), side by side in one run.

Starts 3 redis-servers and 3 memcacheds on 127.0.0.1, the ambassador and nutcracker with the
same twemproxy YAML (ketama, fnv1a_64), then drives each proxy with redis-benchmark (and
memcaslap for memcached), alternating proxies so both see the same machine noise. Reports
requests/s, the ratio ambassador/nutcracker, the proxy's CPU microseconds per request (from
/proc/<pid>/stat) and its peak RSS (VmHWM).

Usage: bench/proxy_bench.py [--ambassador build/release/bin/attache-ambassador] [--requests N]
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (check_tools, common_args, cpu_seconds, free_port,  # noqa: E402
                      peak_rss_mib, stop_all, wait_port)


def yaml(name, port, redis, servers):
    lines = [f"{name}:", f"  listen: 127.0.0.1:{port}", "  hash: fnv1a_64",
             "  distribution: ketama", f"  redis: {'true' if redis else 'false'}",
             "  timeout: 400", "  auto_eject_hosts: true", "  server_retry_timeout: 2000",
             "  server_failure_limit: 1", "  servers:"]
    lines += [f"   - 127.0.0.1:{p}:1 shard-{i}" for i, p in enumerate(servers)]
    return "\n".join(lines) + "\n"


MGET10 = ["MGET"] + [f"key:__rand_int__:{i}" for i in range(10)]


def redis_benchmark(port, test, pipeline, requests, clients):
    cmd = ["redis-benchmark", "-p", str(port), "-n", str(requests), "-c", str(clients),
           "-P", str(pipeline), "-q", "-r", "100000"]
    cmd += MGET10 if test == "mget" else ["-t", test]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    rates = re.findall(r"([0-9.]+) requests per second", out.replace("\r", "\n"))
    return float(rates[-1]) if rates else 0.0


def first_reply(port, started, timeout=10):
    """Milliseconds from process start to the first GET answered through the proxy."""
    deadline = started + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                c.sendall(b"*2\r\n$3\r\nGET\r\n$5\r\nprobe\r\n")
                if c.recv(64).startswith(b"$"):
                    return (time.time() - started) * 1000
        except OSError:
            time.sleep(0.0005)
    raise RuntimeError(f"no reply on {port}")


def memcaslap(port, seconds, concurrency):
    out = subprocess.run(["memcaslap", "-s", f"127.0.0.1:{port}", "-t", f"{seconds}s",
                          "-c", str(concurrency), "-T", "1", "-X", "64"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"TPS:\s*([0-9]+)", out)
    ops = re.search(r"Run time: [0-9.]+s Ops: ([0-9]+)", out)
    return (float(m.group(1)) if m else 0.0), (int(ops.group(1)) if ops else 0)


def main():
    ap = common_args()
    ap.add_argument("--memcached-seconds", type=int, default=5)
    args = ap.parse_args()
    check_tools(("redis-server", "memcached", "nutcracker", "redis-benchmark", "memcaslap"))

    tmp = tempfile.mkdtemp(prefix="attache-bench-")
    procs = []
    try:
        redis_ports = [free_port() for _ in range(3)]
        mc_ports = [free_port() for _ in range(3)]
        for p in redis_ports:
            procs.append(subprocess.Popen(["redis-server", "--port", str(p), "--bind", "127.0.0.1",
                                           "--save", "", "--appendonly", "no"],
                                          stdout=subprocess.DEVNULL))
        for p in mc_ports:
            procs.append(subprocess.Popen(["memcached", "-u", "nobody", "-l", "127.0.0.1", "-p",
                                           str(p), "-U", "0", "-t", "1"]))
        for p in redis_ports + mc_ports:
            wait_port(p)

        proxies = {}
        first_reply_ms = {}
        for name, binary in (("ambassador", [args.ambassador]), ("nutcracker", ["nutcracker"])):
            rport, mport = free_port(), free_port()
            conf = os.path.join(tmp, f"{name}.yml")
            with open(conf, "w") as f:
                f.write(yaml("redis", rport, True, redis_ports))
                f.write(yaml("memcache", mport, False, mc_ports))
            argv = binary + ["-c", conf]
            if name == "nutcracker":
                argv += ["-s", str(free_port()), "-o", os.path.join(tmp, "nutcracker.log")]
            else:
                argv += ["--log-level", "warn"]
            started = time.time()
            p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(p)
            first_reply_ms[name] = first_reply(rport, started)
            wait_port(mport)
            proxies[name] = (p, rport, mport)

        direct = redis_ports[0]
        results = []  # (workload, name, rps, cpu_us_per_request)
        workloads = [("GET", 1), ("SET", 1), ("GET", 16), ("SET", 16), ("MSET", 16), ("MGET", 16)]
        for rnd in range(args.rounds):
            for test, pipeline in workloads:
                label = f"redis {test} -P {pipeline}"
                for name, (p, rport, _) in proxies.items():
                    before = cpu_seconds(p.pid)
                    rps = redis_benchmark(rport, test.lower(), pipeline, args.requests, args.clients)
                    used = cpu_seconds(p.pid) - before
                    results.append((label, name, rps, used * 1e6 / args.requests))
                if rnd == 0 and test in ("GET", "SET", "MGET"):
                    rps = redis_benchmark(direct, test.lower(), pipeline, args.requests, args.clients)
                    results.append((label, "direct (1 redis)", rps, 0.0))
            for name, (p, _, mport) in proxies.items():
                before = cpu_seconds(p.pid)
                tps, ops = memcaslap(mport, args.memcached_seconds, 16)
                used = cpu_seconds(p.pid) - before
                results.append(("memcached memcaslap -c 16", name, tps, used * 1e6 / max(ops, 1)))

        print(f"\n{'workload':28} {'proxy':18} {'req/s':>12} {'CPU us/req':>11}")
        summary = {}
        for label, name, rps, cpu in results:
            summary.setdefault((label, name), []).append((rps, cpu))
        ratios = []
        for (label, name), runs in summary.items():
            rps = max(r for r, _ in runs)
            cpu = min(c for _, c in runs)
            print(f"{label:28} {name:18} {rps:12.0f} {cpu:11.2f}")
            if name == "ambassador":
                other = summary.get((label, "nutcracker"))
                if other:
                    ratios.append((label, rps / max(max(r for r, _ in other), 1)))
        print("\nambassador / nutcracker throughput (best of rounds):")
        for label, ratio in ratios:
            print(f"  {label:28} {ratio:5.2f}x")
        for name, (p, _, _) in proxies.items():
            print(f"peak RSS {name}: {peak_rss_mib(p.pid):.1f} MiB; "
                  f"first reply {first_reply_ms[name]:.1f} ms after start")
    finally:
        stop_all(procs, tmp)


if __name__ == "__main__":
    main()
