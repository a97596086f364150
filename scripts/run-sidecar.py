#!/usr/bin/env python3
"""Runs a pod's injected ambassador on this machine, as the kubelet would run it.

The local control plane has no kubelet, so this stands in for one, for one container: it reads
the pod from the API server, finds the `attache-ambassador` container the webhook injected (a
native sidecar in initContainers, or an ordinary container), materialises the container's
ConfigMap and Secret volumes under a directory the way the kubelet does (timestamped directory,
`..data` symlink swapped atomically, so updates exercise the ambassador's reload), keeps them in
sync with the API server, and runs the local binary with the container's command, args and env.

Paths: the pod's mount paths (e.g. /etc/attache/config) become <root>/etc/attache/config, in
the arguments and in the mounted files' contents (the operator's listener files name
/etc/attache/secrets/...). The admin and status endpoints (--admin, --status) move to
127.0.0.1 and free ports unless given, since this machine is not the pod's network namespace.
Everything else is passed through unchanged.

Usage: run-sidecar.py NAMESPACE/POD [--bin-dir build/bin] [--root DIR] [--admin ADDR]
                      [--status ADDR] [--sync-interval SECONDS] [--print-spec]
"""
import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CONTAINER = "attache-ambassador"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def kubectl_json(*args):
    out = subprocess.run(["kubectl", *args, "-o", "json"], capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip()
    return json.loads(out.stdout), ""


def find_sidecar(pod):
    spec = pod.get("spec", {})
    for field in ("initContainers", "containers"):
        for c in spec.get(field) or []:
            if c.get("name") == CONTAINER:
                return c, field
    return None, None


def volume_files(volume, namespace, errors):
    """The files a ConfigMap/Secret/projected volume holds now: {relative path: bytes}."""
    files = {}

    def add_source(kind, src):
        name = src.get("name") or src.get("secretName")
        obj, err = kubectl_json("get", kind, name, "-n", namespace)
        if obj is None:
            if not src.get("optional", False):
                errors.append(f"{kind} {namespace}/{name}: {err}")
            return
        data = dict(obj.get("data") or {})
        if kind == "secret":
            data = {k: base64.b64decode(v) for k, v in data.items()}
        else:
            data = {k: v.encode() for k, v in data.items()}
            for k, v in (obj.get("binaryData") or {}).items():
                data[k] = base64.b64decode(v)
        items = src.get("items")
        if items:
            for item in items:
                if item["key"] in data:
                    files[item["path"]] = data[item["key"]]
        else:
            files.update(data)

    if "configMap" in volume:
        add_source("configmap", volume["configMap"])
    elif "secret" in volume:
        add_source("secret", volume["secret"])
    elif "projected" in volume:
        for source in volume["projected"].get("sources", []):
            if "configMap" in source:
                add_source("configmap", source["configMap"])
            elif "secret" in source:
                add_source("secret", source["secret"])
    return files


class Mount:
    """One volume mount, written with the kubelet's atomic-writer layout."""

    def __init__(self, root, mount, volume):
        self.path = root + mount["mountPath"]
        self.volume = volume
        self.current = None
        os.makedirs(self.path, exist_ok=True)

    def sync(self, namespace, rewrite, errors):
        files = volume_files(self.volume, namespace, errors)
        files = {k: rewrite(v) for k, v in files.items()}
        if files == self.current:
            return False
        stamp = "..%s.%d" % (time.strftime("%Y_%m_%d_%H_%M_%S"), time.monotonic_ns() % 10**9)
        data_dir = os.path.join(self.path, stamp)
        for rel, content in files.items():
            target = os.path.join(data_dir, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(content)
        os.makedirs(data_dir, exist_ok=True)
        tmp_link = os.path.join(self.path, "..data_tmp")
        if os.path.lexists(tmp_link):
            os.unlink(tmp_link)
        os.symlink(stamp, tmp_link)
        os.rename(tmp_link, os.path.join(self.path, "..data"))
        for rel in files:
            top = rel.split("/")[0]
            link = os.path.join(self.path, top)
            if not os.path.lexists(link):
                os.symlink(os.path.join("..data", top), link)
        for entry in os.listdir(self.path):  # files that went away, and old data dirs
            full = os.path.join(self.path, entry)
            if entry.startswith("..") and entry not in ("..data", stamp):
                shutil.rmtree(full, ignore_errors=True)
            elif not entry.startswith("..") and entry not in {r.split("/")[0] for r in files}:
                os.unlink(full)
        self.current = files
        return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pod", help="NAMESPACE/POD")
    ap.add_argument("--bin-dir", default=os.path.join(os.path.dirname(__file__), "..", "build", "bin"))
    ap.add_argument("--root", help="where the pod's mounts go (default: a temporary directory)")
    ap.add_argument("--admin", help="admin address (default: 127.0.0.1 and a free port)")
    ap.add_argument("--status", help="status address (default: 127.0.0.1 and a free port)")
    ap.add_argument("--sync-interval", type=float, default=1.0)
    ap.add_argument("--print-spec", action="store_true", help="print the container and exit")
    opts = ap.parse_args()

    namespace, _, name = opts.pod.partition("/")
    pod, err = kubectl_json("get", "pod", name, "-n", namespace)
    if pod is None:
        sys.exit(f"run-sidecar: {err}")
    container, field = find_sidecar(pod)
    if container is None:
        sys.exit(f"run-sidecar: pod {opts.pod} has no {CONTAINER} container (not injected?)")
    if opts.print_spec:
        print(json.dumps({"in": field, "container": container}, indent=2))
        return

    root = opts.root or tempfile.mkdtemp(prefix="attache-pod-")
    volumes = {v["name"]: v for v in pod["spec"].get("volumes") or []}
    mounts = [Mount(root, m, volumes[m["name"]]) for m in container.get("volumeMounts") or []
              if m["name"] in volumes]
    prefixes = sorted({m["mountPath"] for m in container.get("volumeMounts") or []},
                      key=len, reverse=True)

    def rewrite_text(text):
        for p in prefixes:
            text = text.replace(p, root + p)
        return text

    def rewrite(content):
        try:
            return rewrite_text(content.decode()).encode()
        except UnicodeDecodeError:
            return content

    errors = []
    for m in mounts:
        m.sync(namespace, rewrite, errors)
    for e in errors:
        print(f"run-sidecar: {e}", file=sys.stderr)

    command = list(container.get("command") or [CONTAINER])
    command[0] = os.path.join(opts.bin_dir, os.path.basename(command[0]))
    args = [rewrite_text(a) for a in container.get("args") or []]
    for i, a in enumerate(args[:-1]):
        if a in ("--admin", "--status"):
            given = opts.admin if a == "--admin" else opts.status
            args[i + 1] = given or "127.0.0.1:%d" % free_port()
    env = dict(os.environ)
    field_values = {"metadata.name": name, "metadata.namespace": namespace,
                    "status.podIP": pod.get("status", {}).get("podIP", "127.0.0.1")}
    for e in container.get("env") or []:
        if "value" in e:
            env[e["name"]] = rewrite_text(e["value"])
        elif "fieldRef" in e.get("valueFrom", {}):
            env[e["name"]] = field_values.get(e["valueFrom"]["fieldRef"]["fieldPath"], "")
    print(f"run-sidecar: {opts.pod}: {' '.join(command + args)} (mounts under {root})",
          file=sys.stderr, flush=True)

    child = subprocess.Popen(command + args, env=env)

    def forward(sig, _frame):
        child.send_signal(sig)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        while child.poll() is None:
            time.sleep(opts.sync_interval)
            errors = []
            for m in mounts:
                if m.sync(namespace, rewrite, errors):
                    print(f"run-sidecar: {m.path} updated", file=sys.stderr, flush=True)
    finally:
        if child.poll() is None:
            child.terminate()
        code = child.wait()
        if not opts.root:
            shutil.rmtree(root, ignore_errors=True)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
