#!/usr/bin/env python3
"""
Puts this machine under the load `berth who` is benchmarked at: about 1,000
extra processes holding about 10,000 sockets, all made here and all on
loopback.

One parent forks every child, so the interpreter's pages are shared
(copy-on-write) and each child costs a few hundred KiB. Each child opens its
sockets, reports them on a pipe, then sleeps in pause(): no CPU at all.

Per child, with the defaults (10 sockets each):
  - TCP listeners on 127.0.0.1:0 (one in eight on [::1]:0 when IPv6 is up),
  - one established loopback connection (its client end and the accepted end,
    both held by the child, behind a listener of its own),
  - one UDP socket bound to 127.0.0.1:0,
plus a few ordinary fds (/dev/null, a pipe) as real processes have. That is
about 70% listeners, 20% established, 10% UDP.

When everything is up it prints one JSON line on stdout:
  {"ready": true, "procs": …, "sockets": …, "targetPort": …, "targetPid": …, …}
The target is a TCP listener on 127.0.0.1 held by exactly one child, with no
connection to it and no other socket of the load on the same port number (a
UDP socket or a [::1] listener of another child can get the same number from
the kernel), so every tool must name exactly that pid.

Teardown: SIGTERM, SIGINT, SIGHUP or EOF on stdin (the bench runner holds the
other end) kill every child with SIGKILL and reap it. If this process dies
without running that (SIGKILL), each child gets SIGKILL from the kernel
(PR_SET_PDEATHSIG), and so does this process when the runner dies.

Usage: python3 bench/who/load.py [--procs 1000] [--sockets 10000]
"""

import argparse
import ctypes
import gc
import json
import os
import resource
import select
import signal
import socket
import stat
import struct
import sys
import time

PR_SET_PDEATHSIG = 1
FDS_PER_CHILD_OVERHEAD = 8  # stdio, /dev/null, a pipe, the report pipe, slack
READY_TIMEOUT_S = 120


def set_pdeathsig(sig):
    """Asks the kernel to send `sig` to this process when its parent exits (prctl(2))."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except OSError:
        pass


def ipv6_loopback_works():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def raise_nofile(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return soft
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def read_int(path, default=None):
    try:
        with open(path) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return default


def child_main(index, n_sockets, with_v6, report_w, devnull):
    """Opens this child's sockets, reports them, sleeps until killed."""
    keep = []
    listeners = []
    first_port = None
    # The established connection: its own listener, a client end and the accepted end.
    remaining = n_sockets
    if remaining >= 4:
        conn_l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        conn_l.bind(("127.0.0.1", 0))
        conn_l.listen(4)
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # RST on close: no TIME_WAIT left behind after teardown.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.connect(conn_l.getsockname())
        accepted, _ = conn_l.accept()
        accepted.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        keep += [conn_l, client, accepted]
        remaining -= 3
    if remaining >= 2:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        keep.append(udp)
        remaining -= 1
    for i in range(remaining):
        v6 = with_v6 and i == remaining - 1 and index % 8 == 3
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("::1" if v6 else "127.0.0.1", 0))
        s.listen(8)
        listeners.append(s)
        if first_port is None and not v6:
            first_port = s.getsockname()[1]
    keep += listeners
    # A few non-socket fds, as real processes have: the fd scan must skip them.
    pipe_r, pipe_w = os.pipe()
    n_listen = len(listeners) + (1 if n_sockets >= 4 else 0)
    ports = ",".join(str(s.getsockname()[1]) for s in keep) or "0"
    line = "%d %d %d %d %s\n" % (os.getpid(), len(keep), first_port or 0, n_listen, ports)
    os.write(report_w, line.encode())
    os.close(report_w)
    while True:
        signal.pause()


def main():
    parser = argparse.ArgumentParser(description="berth bench load generator")
    parser.add_argument("--procs", type=int, default=int(os.environ.get("BENCH_PROCS", 1000)))
    parser.add_argument("--sockets", type=int, default=int(os.environ.get("BENCH_SOCKETS", 10000)))
    args = parser.parse_args()
    procs = max(1, args.procs)
    per_child = max(1, round(args.sockets / procs))

    # Die with the runner, even if it is SIGKILLed; then our children die with us.
    parent_at_start = os.getppid()
    set_pdeathsig(signal.SIGKILL)
    if os.getppid() != parent_at_start:
        sys.exit(1)
    # Our own process group, so the runner (or a human) can kill -- -PGID.
    if os.getpgrp() != os.getpid():
        try:
            os.setpgid(0, 0)
        except OSError:
            pass

    nofile = raise_nofile(per_child + FDS_PER_CHILD_OVERHEAD + 64)
    port_range = read_int("/proc/sys/net/ipv4/ip_local_port_range", [32768, 60999])
    somaxconn = (read_int("/proc/sys/net/core/somaxconn", [0]) or [0])[0]
    ephemeral = port_range[1] - port_range[0] + 1
    # Every TCP listener and client end and every UDP socket takes an ephemeral port.
    if procs * per_child > ephemeral * 0.8:
        print(json.dumps({"error": "ephemeral range too small", "range": port_range, "needed": procs * per_child}), flush=True)
        sys.exit(2)
    with_v6 = ipv6_loopback_works()

    devnull = os.open(os.devnull, os.O_RDWR)
    report_r, report_w = os.pipe()
    children = []
    stopping = False

    def stop(*_):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 30
        alive = set(children)
        while alive and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, 0)
                alive.discard(pid)
            except ChildProcessError:
                break
        os._exit(0)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)

    target_index = procs // 2
    started = time.monotonic()
    # Fewer pages touched after fork (gc headers), so more of them stay shared.
    gc.collect()
    gc.freeze()
    try:
        for index in range(procs):
            pid = os.fork()
            if pid == 0:
                try:
                    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                        signal.signal(sig, signal.SIG_DFL)
                    set_pdeathsig(signal.SIGKILL)
                    gc.disable()
                    os.close(report_r)
                    os.dup2(devnull, 0)
                    os.dup2(devnull, 1)
                    os.dup2(devnull, 2)
                    child_main(index, per_child, with_v6, report_w, devnull)
                finally:
                    os._exit(1)
            children.append(pid)
    except Exception as error:  # fork failed (EAGAIN, ENOMEM): tear down what exists
        print(json.dumps({"error": "fork failed: %s" % error, "forked": len(children)}), flush=True)
        stop()
    os.close(report_w)

    # Collect one report line per child.
    buf = b""
    reports = {}
    deadline = time.monotonic() + READY_TIMEOUT_S
    with os.fdopen(report_r, "rb", buffering=0) as r:
        while len(reports) < procs and time.monotonic() < deadline:
            chunk = r.read(65536)
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                pid, n, port, nl, ports = line.split()
                reports[int(pid)] = (int(n), int(port), int(nl), [int(p) for p in ports.split(b",")])
    if len(reports) < procs:
        print(json.dumps({"error": "only %d of %d children came up" % (len(reports), procs)}), flush=True)
        stop()

    # The child nearest the middle whose first listener's port number no other socket of the load uses.
    uses = {}
    for _, _, _, ports in reports.values():
        for port in ports:
            uses[port] = uses.get(port, 0) + 1
    order = sorted(range(procs), key=lambda i: abs(i - target_index))
    target_pid = next((children[i] for i in order if reports[children[i]][1] and uses[reports[children[i]][1]] == 1), children[target_index])
    ready = {
        "ready": True,
        "pid": os.getpid(),
        "pgid": os.getpgrp(),
        "procs": procs,
        "sockets": sum(r[0] for r in reports.values()),
        "tcpListeners": sum(r[2] for r in reports.values()),
        "established": sum(2 for r in reports.values() if r[0] >= 4),
        "udp": sum(1 for r in reports.values() if r[0] >= 2),
        "perProcess": per_child,
        "ipv6": with_v6,
        "targetPort": reports[target_pid][1],
        "targetPid": target_pid,
        "nofileSoft": nofile,
        "ephemeralRange": port_range,
        "somaxconn": somaxconn,
        "startSeconds": round(time.monotonic() - started, 2),
    }
    print(json.dumps(ready), flush=True)

    # Wait for a signal or for the runner to close our stdin (when stdin is a pipe:
    # /dev/null or a closed stdin would read EOF at once).
    try:
        mode = os.fstat(0).st_mode
        watch = [0] if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else []
    except OSError:
        watch = []
    while True:
        try:
            readable, _, _ = select.select(watch, [], [], 5)
        except InterruptedError:
            continue
        if readable:
            try:
                data = os.read(0, 4096)
            except OSError:
                data = b""
            if not data:
                stop()
        if os.getppid() != parent_at_start:
            stop()


if __name__ == "__main__":
    main()
