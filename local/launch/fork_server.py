"""A warm fork server for trials: import the heavy modules once, fork a process per trial.

Why: a trial of our runtime is ``python -m ideko.runtime.steps.train ...``; a fresh
interpreter spends ~3.5 s starting and importing TensorFlow before the first epoch, and an
early-stopped trial pays it too, which caps what medianstop can save. This server imports
those modules once (TensorFlow only imports, it creates no runtime state) and forks on
request. Each fork is an ordinary trial process — its own pid, session (process group),
stdout/stderr pipe, environment, working directory and exit status — so the collector and
the stop rule see exactly what they see with a fresh interpreter.

Protocol, over one ``AF_UNIX``/``SOCK_SEQPACKET`` socket inherited as ``--fd`` (one
datagram per message, JSON):

- server → client, once: ``{"ready": true, "preloaded": [...], "failed": {...}}``;
- client → server: ``{"id", "module", "args", "env", "cwd"}`` with the trial's stdout pipe
  (write end) attached as an ``SCM_RIGHTS`` descriptor;
- server → client: ``{"id", "pid"}`` after the fork (or ``{"id", "error"}``), and
  ``{"pid", "exit", "cpu"}`` when the trial ends: exit code as ``subprocess`` reports it
  (negative signal number when killed) and CPU seconds (user + system, from ``wait4``).

The server is single-threaded (forking is only safe from a single thread) and exits when
the client closes the socket.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import random
import runpy
import select
import signal
import socket
import sys
import traceback
from typing import Any

from ideko.local.launch.watchdog import die_with_parent

MAX_MESSAGE = 1 << 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ideko.local.launch.fork_server")
    parser.add_argument("--fd", type=int, required=True, help="the inherited control socket")
    parser.add_argument(
        "--preload", action="append", default=[], help="MODULE or MODULE:FUNCTION, in order"
    )
    parser.add_argument("--parent", type=int, help="die with this process (its client)")
    args = parser.parse_args(argv)
    if args.parent:
        die_with_parent(args.parent)
    sock = socket.socket(fileno=args.fd)
    preloaded, failed = preload(args.preload)
    send(sock, {"ready": True, "preloaded": preloaded, "failed": failed})
    serve(sock)
    return 0


def preload(entries: list[str]) -> tuple[list[str], dict[str, str]]:
    """Import ``entries`` in order; returns what was done and what failed (with why).

    An entry is ``module`` or ``module:function``, the function called without arguments
    after the import: set-up a trial process does before its first operation (TensorFlow's
    oneDNN switch and thread limits), which must happen here or a fork would compute
    differently from a fresh process. A failure is reported, not fatal: the trial imports
    the module again itself and fails visibly there.
    """
    done: list[str] = []
    failed: dict[str, str] = {}
    for entry in entries:
        name, _, function = entry.partition(":")
        try:
            module = importlib.import_module(name)
            if function:
                getattr(module, function)()
        except Exception as exc:
            failed[entry] = f"{type(exc).__name__}: {exc}"
        else:
            done.append(entry)
    return done, failed


def become_server(sock: socket.socket, entries: list[str], log_path: str, parent: int) -> None:
    """Run as the server in a fresh ``os.fork()`` of a single-threaded client (never returns).

    The client's imports and set-up are inherited, so ``preload`` only completes them: a
    tune task forked from ``ideko run``'s task server already holds TensorFlow, and its
    trials need no second import (``WarmServer(here=True)``). Otherwise as :func:`main`:
    a session of its own, output to ``log_path``, dies with ``parent``."""
    code = 0
    try:
        os.setsid()
        die_with_parent(parent)
        _redirect_stdio(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644))
        preloaded, failed = preload(entries)
        send(sock, {"ready": True, "preloaded": preloaded, "failed": failed})
        serve(sock)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.send(json.dumps(message).encode())


def serve(sock: socket.socket) -> None:
    """Fork on every request, report every exit; return when the client hangs up."""
    server_pid = os.getpid()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        ready, _, _ = select.select([sock, wake_r], [], [], 1.0)
        if wake_r in ready:
            os.read(wake_r, 4096)
        reap(sock)
        if sock not in ready:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 4)
        except ConnectionError:
            return
        if not data:
            return
        request = json.loads(data)
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            send(sock, {"id": request.get("id"), "error": "expected one stdout descriptor"})
            continue
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(fds[0])
            send(sock, {"id": request["id"], "error": f"fork failed: {exc}"})
            continue
        if pid == 0:
            child(request, fds[0], [sock.fileno(), wake_r, wake_w], server_pid)
        os.close(fds[0])
        send(sock, {"id": request["id"], "pid": pid})


def reap(sock: socket.socket) -> None:
    """Report every child that has ended since the last call."""
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        cpu = usage.ru_utime + usage.ru_stime
        with contextlib.suppress(OSError):
            send(sock, {"pid": pid, "exit": os.waitstatus_to_exitcode(status), "cpu": cpu})


def child(request: dict[str, Any], out_fd: int, server_fds: list[int], server_pid: int) -> None:
    """Become the trial: a new session, its stdio, env and cwd; run the module as __main__.

    It dies with the server (which dies with the engine), like a fresh child's group dies
    through the engine's watchdog."""
    code = 1
    try:
        die_with_parent(server_pid)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in server_fds:
            os.close(fd)
        os.setsid()
        _redirect_stdio(out_fd)
        sys.stdin = open(0, encoding="utf-8", closefd=False)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        _fresh_randomness()
        sys.argv = [request["module"], *request["args"]]
        # a preloaded copy would make runpy warn; __main__ gets a fresh one, as with -m
        sys.modules.pop(request["module"], None)
        code = run_module(request["module"])
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def run_module(module: str) -> int:
    """``python -m module``: its exit status, SystemExit included."""
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    return 0


def _redirect_stdio(out_fd: int) -> None:
    """stdout and stderr to ``out_fd`` (closed here), stdin from /dev/null, line-buffered."""
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdout = _line_writer(1)
    sys.stderr = _line_writer(2)


def _line_writer(fd: int) -> io.TextIOWrapper:
    """Unbuffered text on ``fd`` (as PYTHONUNBUFFERED): metric lines arrive when printed."""
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding="utf-8", line_buffering=True, write_through=True)


def _fresh_randomness() -> None:
    """Forks share the server's RNG state; a fresh interpreter would not. Re-seed from the OS."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


if __name__ == "__main__":
    sys.exit(main())
