"""Helpers shared by the benchmark scripts: ports, process CPU time, peak memory, clean-up."""
import argparse
import os
import shutil
import socket
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds (from /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def stop_all(procs, tmp_dir, timeout=5):
    """Terminates the benchmark's processes (SIGKILL after `timeout` s) and removes tmp_dir."""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(tmp_dir, ignore_errors=True)


def common_args():
    """An argument parser with the options every benchmark takes."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--ambassador", default="build/release/bin/attache-ambassador")
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=2)
    return ap


def check_tools(tools):
    """Exits with a clear message when a tool the benchmark runs is not installed."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"{', '.join(missing)} not installed (scripts/install-deps.sh)")
