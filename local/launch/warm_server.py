"""The client of a warm fork server (:mod:`ideko.local.launch.fork_server`), and which
commands may be forked from one.

A ``python -m MODULE ...`` command whose module opts in may start as a fork of a server that
did the module's heavy imports and process set-up once, instead of paying the interpreter
start and the TensorFlow import per child. A module opts in by assigning, at its top level,
literal tuples of strings: ``WARM_IMPORTS`` (``module`` or ``module:function`` entries, done
in order) and optionally ``WARM_ENV`` (the variables that set-up reads). They are read from
the source without running it (so the server's imports stay names, never imports of this
package). A child whose environment differs from the server's in ``WARM_ENV`` or in
variables read only when an interpreter or TensorFlow starts (``PYTHON*``, ``TF_*``,
``OMP_*``, ...) must start fresh (:meth:`WarmServer.accepts`).
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IMPORT_TIME_ENV = ("PYTHON", "TF_", "OMP_", "MKL_", "KMP_", "XLA_", "CUDA_", "LD_")
READY_TIMEOUT = 300.0


@dataclass(frozen=True)
class WarmPlan:
    """What a warm server for ``module`` does ahead of forks, and which env it freezes."""

    module: str
    imports: tuple[str, ...]
    env: tuple[str, ...] = ()


class Forked:
    """One fork of a warm server: its pid once forked, exit code and CPU time once ended."""

    def __init__(self) -> None:
        self.pid = 0
        self.error: str | None = None
        self._started = threading.Event()
        self._ended = threading.Event()
        self._code: int | None = None
        self._cpu: float | None = None

    def forked(self, pid: int) -> None:
        self.pid = pid
        self._started.set()

    def refused(self, error: str) -> None:
        self.error = error
        self._started.set()
        self._ended.set()

    def ended(self, code: int, cpu: float | None) -> None:
        self._code, self._cpu = code, cpu
        self._ended.set()

    def wait_started(self) -> None:
        self._started.wait()

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit code (-1 if the server vanished first), or None after ``timeout``."""
        if not self._ended.wait(timeout):
            return None
        return -1 if self._code is None else self._code

    def running(self) -> bool:
        return not self._ended.is_set()

    @property
    def cpu_seconds(self) -> float | None:
        return self._cpu


class ForkedChild:
    """A child made by ``os.fork``, with the part of ``Popen`` a :class:`WarmServer` uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def kill(self) -> None:
        try:
            os.kill(self.pid, 9)
        except ProcessLookupError:
            pass

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, 0 if deadline is None else os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere
                self.returncode = -1
                break
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                break
            assert deadline is not None
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"fork server {self.pid}", timeout or 0.0)
            time.sleep(0.05)
        return self.returncode


def fork_safe_here() -> bool:
    """Whether this process may fork a server of itself: one thread, and TensorFlow (if
    imported) has not started its runtime, whose thread pools would not survive a fork."""
    if threading.active_count() != 1:
        return False
    context = sys.modules.get("tensorflow.python.eager.context")
    if context is None:
        return True
    try:  # private, hence the fallback: unknown means "no", and the server starts fresh
        return not context.context()._initialized
    except Exception:
        return False


class WarmServer:
    """The client side of one fork server process: start it, fork children, route exits."""

    def __init__(
        self,
        plan: WarmPlan,
        log_path: Path,
        env: dict[str, str] | None = None,
        wait: bool = True,
        here: bool = False,
    ) -> None:
        """Start the server with ``env`` (default: this process' environment).

        ``here``: the server is a fork of this process (:func:`fork_safe_here` must hold),
        keeping its imports, with its environment; else a fresh interpreter.
        With ``wait`` (default) return once it is ready; otherwise :meth:`wait_ready` must
        be called before :meth:`fork` (``close`` may be called at any time).
        """
        self.plan = plan
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._sock = ours
        if here and env is not None:
            raise ValueError("a server forked here has this process' environment")
        self.env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
        entries = [*plan.imports, plan.module]
        if here:
            self._proc: subprocess.Popen[bytes] | ForkedChild = self._fork_here(
                ours, theirs, entries, log_path
            )
        else:
            self._proc = self._spawn(theirs, entries, log_path)
        theirs.close()
        self.pid = self._proc.pid
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._waiting: dict[int, Forked] = {}  # request id -> not yet forked
        self._running: dict[int, Forked] = {}  # pid -> forked, not yet ended
        self._table_lock = threading.Lock()
        self.frozen_env = frozenset(plan.env)
        self.ready: dict[str, Any] = {}
        self._closed = False
        if wait:
            self.wait_ready()

    @staticmethod
    def _fork_here(
        ours: socket.socket, theirs: socket.socket, entries: list[str], log_path: Path
    ) -> ForkedChild:
        from ideko.local.launch.fork_server import become_server

        parent = os.getpid()
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            stream.flush()
        pid = os.fork()
        if pid == 0:
            ours.close()
            become_server(theirs, entries, str(log_path), parent)
        return ForkedChild(pid)

    def _spawn(
        self, theirs: socket.socket, entries: list[str], log_path: Path
    ) -> subprocess.Popen[bytes]:
        with open(log_path, "ab") as log:
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "ideko.local.launch.fork_server",
                    "--fd",
                    str(theirs.fileno()),
                    "--parent",
                    str(os.getpid()),
                    *(f"--preload={entry}" for entry in entries),
                ],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=self.env,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        """Block until the server has done its imports; OSError if it never gets there."""
        self._sock.settimeout(READY_TIMEOUT)
        try:
            data = self._sock.recv(1 << 20)
        except OSError as exc:
            self.close()
            raise OSError(f"warm server did not start: {exc}") from None
        finally:
            if not self._closed:
                self._sock.settimeout(None)
        if not data:
            self.close()
            raise OSError("warm server exited before it was ready")
        self.ready = dict(json.loads(data))
        self._reader = threading.Thread(
            target=self._dispatch, name="fork-server-reader", daemon=True
        )
        self._reader.start()

    def accepts(self, env: dict[str, str]) -> bool:
        """Whether a fork computes as a fresh process would: no set-up variable differs."""
        return same_setup(self.frozen_env, env, self.env)

    def fork(
        self, args: list[str], env: dict[str, str], stdout_fd: int, cwd: str | None = None
    ) -> Forked:
        """Fork ``python -m MODULE *args``, stdout and stderr on ``stdout_fd`` (kept open)."""
        handle = Forked()
        request_id = next(self._ids)
        request = {
            "id": request_id,
            "module": self.plan.module,
            "args": args,
            "env": env,
            "cwd": cwd or os.getcwd(),
        }
        with self._table_lock:
            self._waiting[request_id] = handle
        try:
            with self._send_lock:
                socket.send_fds(self._sock, [json.dumps(request).encode()], [stdout_fd])
        except OSError as exc:
            with self._table_lock:
                self._waiting.pop(request_id, None)
            raise OSError(f"warm server is gone: {exc}") from None
        handle.wait_started()
        if handle.error is not None:
            raise OSError(f"warm server could not fork: {handle.error}")
        return handle

    def _dispatch(self) -> None:
        """Route the server's messages to trial handles until it hangs up."""
        while True:
            try:
                data = self._sock.recv(1 << 20)
            except OSError:
                data = b""
            if not data:
                break
            message = json.loads(data)
            with self._table_lock:
                if "exit" in message:
                    handle = self._running.pop(int(message["pid"]), None)
                    if handle is not None:
                        handle.ended(int(message["exit"]), float(message["cpu"]))
                elif "pid" in message:
                    handle = self._waiting.pop(int(message["id"]))
                    self._running[int(message["pid"])] = handle
                    handle.forked(int(message["pid"]))
                else:
                    self._waiting.pop(int(message["id"])).refused(str(message["error"]))
        with self._table_lock:  # the server is gone: nothing more will be reported
            for handle in self._waiting.values():
                handle.refused("warm trial server ended")
            for handle in self._running.values():
                handle.ended(-1, None)
            self._waiting.clear()
            self._running.clear()

    def close(self) -> None:
        """Hang up; the server exits on end of file (trials are the tuner's to stop).

        A server still importing is killed rather than waited for.
        """
        if self._closed:
            return
        self._closed = True
        if not self.ready:
            self._proc.kill()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def same_setup(frozen: frozenset[str], env: dict[str, str], other: dict[str, str]) -> bool:
    """No variable that set-up reads (``frozen``) or an interpreter start reads differs."""
    for key in {*env, *other} - {"PYTHONUNBUFFERED"}:
        if (key in frozen or key.startswith(IMPORT_TIME_ENV)) and env.get(key) != other.get(key):
            return False
    return True


def warm_plan(argv: list[str], container_env: dict[str, str]) -> WarmPlan | None:
    """The warm plan for ``argv``, or None when the trial needs a fresh process."""
    if len(argv) < 3 or argv[0] != sys.executable or argv[1] != "-m":
        return None
    module = argv[2]
    for key, value in container_env.items():
        if key.startswith(IMPORT_TIME_ENV) and key != "PYTHONUNBUFFERED":
            if os.environ.get(key) != value:
                return None
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    try:
        declared = declared_tuples(Path(spec.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    if "WARM_IMPORTS" not in declared:
        return None
    return WarmPlan(module, declared["WARM_IMPORTS"], declared.get("WARM_ENV", ()))


# CPython 3.11's AST constructor keeps its recursion depth in per-interpreter state, so two
# threads parsing at once can fail with "SystemError: AST constructor recursion depth
# mismatch" (a tuner's trial threads each ask for a plan; seen in the suite): one parse at a
# time (declarations and imports alike), and each source parsed once.
_PARSE_LOCK = threading.Lock()
_DECLARED: dict[str, dict[str, tuple[str, ...]]] = {}
_IMPORTED: dict[str, frozenset[str]] = {}


def declared_tuples(source: str) -> dict[str, tuple[str, ...]]:
    """Top-level ``NAME = ("a", "b")`` assignments of ``WARM_*`` names, read without running."""
    with _PARSE_LOCK:
        if source not in _DECLARED:
            _DECLARED[source] = _declared(source)
        return dict(_DECLARED[source])


def imported_modules(source: str) -> frozenset[str]:
    """Every module ``source`` imports anywhere (``import a.b`` gives ``a.b``; ``from a
    import b`` gives ``a`` and ``a.b``, as ``b`` may be a submodule), read without running."""
    with _PARSE_LOCK:
        if source not in _IMPORTED:
            _IMPORTED[source] = _imported(source)
        return _IMPORTED[source]


def _imported(source: str) -> frozenset[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(found)


def _declared(source: str) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name) or target.id not in ("WARM_IMPORTS", "WARM_ENV"):
            continue
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            continue
        if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
            found[target.id] = tuple(value)
    return found


def setup_key(plan: WarmPlan, env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The variables of ``env`` a server for ``plan`` freezes at start-up, sorted."""
    names = {k for k in env if k.startswith(IMPORT_TIME_ENV)} | set(plan.env)
    return tuple(sorted((k, env[k]) for k in names if k in env and k != "PYTHONUNBUFFERED"))
