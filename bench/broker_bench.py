#!/usr/bin/env python3
"""Attache broker listeners vs haproxy 2.6, side by side in one run.

Starts one redis-server with a plain port and a TLS port (certificates made here with the
openssl CLI), the ambassador with two broker listeners (plain TCP, and TLS origination with CA
and server-name verification) and haproxy with the same two (`ssl verify required ca-file ...
sni str(localhost)`, one thread like the ambassador). Drives each path with redis-benchmark
(GET and SET, -P 1 and -P 16), alternating paths so all see the same machine noise. Reports
requests/s, ratios against direct plain Redis and against haproxy, the proxy's CPU
microseconds per request (from /proc/<pid>/stat) and peak RSS.

Usage: bench/broker_bench.py [--ambassador build/release/bin/attache-ambassador] [--requests N]
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


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_pki(d):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.crt", "-days", "2",
            "-subj", "/CN=Bench CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr",
            "-subj", "/CN=localhost")
    with open(f"{d}/server.ext", "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.crt", "-CAkey",
            f"{d}/ca.key", "-CAcreateserial", "-out", f"{d}/server.crt", "-days", "2",
            "-extfile", f"{d}/server.ext")


def broker_json(name, port, upstream, tls_ca=None):
    tls = ""
    if tls_ca:
        tls = f', "tls": {{"mode": "originate", "caFile": "{tls_ca}", "serverName": "localhost"}}'
    return (f'{{"name": "{name}", "kind": "broker", "listen": "127.0.0.1:{port}", '
            f'"upstreams": [{{"host": "127.0.0.1", "port": {upstream}}}]{tls}, '
            f'"connectTimeoutMs": 1000}}\n')


def haproxy_cfg(plain_port, tls_port, redis_plain, redis_tls, ca):
    return f"""global
  nbthread 1
  maxconn 4096
defaults
  mode tcp
  timeout connect 1s
  timeout client 1h
  timeout server 1h
listen plain
  bind 127.0.0.1:{plain_port}
  server s 127.0.0.1:{redis_plain}
listen tls
  bind 127.0.0.1:{tls_port}
  server s 127.0.0.1:{redis_tls} ssl verify required ca-file {ca} sni str(localhost)
"""


def redis_benchmark(port, test, pipeline, requests, clients, tls_args=()):
    argv = ["redis-benchmark", "-p", str(port), *tls_args, "-t", test, "-n", str(requests),
            "-c", str(clients), "-P", str(pipeline), "-q", "-r", "100000"]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=180).stdout
    except subprocess.TimeoutExpired:
        print(f"timed out: {' '.join(argv)}", file=sys.stderr)
        return 0.0
    rates = re.findall(r"([0-9.]+) requests per second", out.replace("\r", "\n"))
    return float(rates[-1]) if rates else 0.0


def start(procs, argv, ports):
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(p)
    for port in ports:
        wait_port(port)
    return p


def run(args, tmp, procs):
    make_pki(tmp)
    ca = f"{tmp}/ca.crt"
    r_plain, r_tls = free_port(), free_port()
    start(procs, ["redis-server", "--port", str(r_plain), "--tls-port", str(r_tls), "--bind",
                  "127.0.0.1", "--save", "", "--appendonly", "no", "--tls-cert-file",
                  f"{tmp}/server.crt", "--tls-key-file", f"{tmp}/server.key",
                  "--tls-ca-cert-file", ca, "--tls-auth-clients", "no"], [r_plain, r_tls])
    conf = f"{tmp}/listeners"
    os.makedirs(conf)
    a_plain, a_tls = free_port(), free_port()
    with open(f"{conf}/plain.json", "w") as f:
        f.write(broker_json("plain", a_plain, r_plain))
    with open(f"{conf}/tls.json", "w") as f:
        f.write(broker_json("tls", a_tls, r_tls, ca))
    amb = start(procs, [args.ambassador, "--config-dir", conf, "--log-level", "warn"],
                [a_plain, a_tls])
    h_plain, h_tls = free_port(), free_port()
    with open(f"{tmp}/haproxy.cfg", "w") as f:
        f.write(haproxy_cfg(h_plain, h_tls, r_plain, r_tls, ca))
    hap = start(procs, ["haproxy", "-db", "-f", f"{tmp}/haproxy.cfg"], [h_plain, h_tls])
    tls_direct = ("--tls", "--cacert", ca, "--sni", "localhost")
    paths = [  # (name, port, process whose CPU counts, redis-benchmark TLS args)
        ("direct", r_plain, None, ()),
        ("direct tls", r_tls, None, tls_direct),
        ("broker plain", a_plain, amb, ()),
        ("broker tls", a_tls, amb, ()),
        ("haproxy plain", h_plain, hap, ()),
        ("haproxy tls", h_tls, hap, ()),
    ]
    results = {}  # (workload, path) -> [(rps, cpu_us)]
    for _ in range(args.rounds):
        for pipeline in (1, 16):
            for test in ("get", "set"):
                label = f"{test.upper()} -P {pipeline}"
                n = args.requests * (4 if pipeline > 1 else 1)
                for name, port, proc, tls_args in paths:
                    before = cpu_seconds(proc.pid) if proc else 0.0
                    rps = redis_benchmark(port, test, pipeline, n, args.clients, tls_args)
                    cpu = (cpu_seconds(proc.pid) - before) * 1e6 / n if proc else 0.0
                    results.setdefault((label, name), []).append((rps, cpu))
    return results, amb, hap


def report(results, amb, hap):
    best = {k: (max(r for r, _ in v), min(c for _, c in v)) for k, v in results.items()}
    print(f"\n{'workload':12} {'path':14} {'req/s':>10} {'vs direct':>10} {'vs haproxy':>11}"
          f" {'CPU us/req':>11}")
    for (label, name), (rps, cpu) in best.items():
        direct = best[(label, "direct")][0]
        vs_direct = f"{rps / direct:9.2f}x" if direct else "-"
        peer = {"broker tls": "haproxy tls", "broker plain": "haproxy plain"}.get(name)
        vs_hap = f"{rps / best[(label, peer)][0]:10.2f}x" if peer else ""
        cpu_s = f"{cpu:11.2f}" if cpu else ""
        print(f"{label:12} {name:14} {rps:10.0f} {vs_direct:>10} {vs_hap:>11} {cpu_s}")
    print(f"\npeak RSS: ambassador {peak_rss_mib(amb.pid):.1f} MiB, "
          f"haproxy {peak_rss_mib(hap.pid):.1f} MiB")
    print("\ntargets:")
    for label in ("GET -P 1", "SET -P 1"):
        tls = best[(label, "broker tls")][0]
        print(f"  {label}: broker tls / direct = {tls / best[(label, 'direct')][0]:.2f} (>= 0.60),"
              f" / haproxy tls = {tls / best[(label, 'haproxy tls')][0]:.2f} (>= 1.3)")
    for label in ("GET -P 16", "SET -P 16"):
        rps, cpu = best[(label, "broker plain")]
        print(f"  {label}: broker plain / direct = {rps / best[(label, 'direct')][0]:.2f} (>= 0.9),"
              f" CPU {cpu:.2f} us/req (<= 1.0)")


def main():
    ap = common_args()
    args = ap.parse_args()
    check_tools(("redis-server", "redis-benchmark", "haproxy", "openssl"))
    tmp = tempfile.mkdtemp(prefix="attache-broker-bench-")
    procs = []
    try:
        results, amb, hap = run(args, tmp, procs)
        report(results, amb, hap)
    finally:
        stop_all(procs, tmp, timeout=15)


if __name__ == "__main__":
    main()
