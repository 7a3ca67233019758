"""Start a child of the local engine (a run's task, a tune's trial): fresh, or forked warm.

One launcher, two strategies. ``process`` starts every command as a fresh process in a
session of its own. ``warm`` asks a *fork rule* whether the command can start as a fork of
a warm server (:mod:`ideko.local.launch.warm_server`) and does so when a ready server
accepts the child's environment; anything else, and everything after a server failed,
starts fresh. Both kinds look the same to the caller (:class:`Launched`): a pid that leads
its own process group, the output on the caller's file descriptor (a run's log file) or on a
text pipe (``stdout``, read by a trial's collector), an exit code (negative signal number
when killed) and the child's CPU seconds. Stopping one is :mod:`ideko.local.launch.process_group`;
if the engine itself is killed, its :mod:`~ideko.local.launch.watchdog` stops them all.

Servers: ``ideko tune`` runs one trial module per experiment, so it has one server, started
with the first trial's environment (thread caps included) and waited for. ``ideko run`` gives tasks
different thread budgets, so it keeps one server per set-up environment (``per_setup``),
started with the first such task's environment and warmed in the background: a light task
whose launch starts a server runs fresh beside it (a heavy one, ``Fork.warm_first``, may ask
:meth:`Launcher.start_warming` and wait); a caller that can hold later tasks back asks
:meth:`Launcher.warming` and starts them once the server is ready (each fresh start beside a
warming server pays the same imports a second time, on the same cores), for at most
``WARM_WAIT_SECONDS`` after the server started.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from ideko.local.launch.warm_server import (
    Forked,
    WarmPlan,
    WarmServer,
    fork_safe_here,
    same_setup,
    setup_key,
    warm_plan,
)
from ideko.local.launch.watchdog import Watchdog

MODES = ("warm", "process")
_POLL_SECONDS = 0.05
# How long after a server started warming :meth:`Launcher.warming` still says "wait": its
# imports take 5-10 s on a quiet 2-core machine; past this, something is slow and a task
# is better started fresh than held.
WARM_WAIT_SECONDS = 30.0


class Launched(Protocol):
    """A started child, fresh or forked."""

    pid: int
    stdout: IO[str] | None  # the output pipe, when the caller gave no file descriptor

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit code, or None while it still runs after ``timeout`` seconds."""
        ...

    def running(self) -> bool: ...

    @property
    def cpu_seconds(self) -> float | None: ...


class FreshProcess:
    """The command as a new process in its own session (``subprocess``)."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        stdout_fd: int | None = None,
        cwd: Path | str | None = None,
    ) -> None:
        self._proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE if stdout_fd is None else stdout_fd,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=cwd,
            start_new_session=True,  # Ctrl-C reaches the engine, which stops its children
            bufsize=1 if stdout_fd is None else -1,
        )
        self.pid = self._proc.pid
        self.stdout: IO[str] | None = self._proc.stdout
        self._code: int | None = None
        self._cpu: float | None = None
        self.on_end: Callable[[], None] | None = None  # called once, when reaped

    def wait(self, timeout: float | None = None) -> int | None:
        """Reap with ``wait4`` so the child's CPU time is known (one waiting thread only)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._code is None:
            try:
                pid, status, usage = os.wait4(self.pid, 0 if deadline is None else os.WNOHANG)
            except ChildProcessError:
                self._code = self._proc.wait()
                break
            if pid:
                self._code = os.waitstatus_to_exitcode(status)
                self._cpu = usage.ru_utime + usage.ru_stime
                self._proc.returncode = self._code
                break
            assert deadline is not None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(_POLL_SECONDS, left))
        if self.stdout is not None:
            self.stdout.close()
        _ended(self)
        return self._code

    def running(self) -> bool:
        return self._code is None

    @property
    def cpu_seconds(self) -> float | None:
        return self._cpu


class WarmProcess:
    """A child forked by a warm server; ``stdout`` is its pipe when one was asked for."""

    def __init__(self, forked: Forked, read_fd: int | None = None) -> None:
        self._forked = forked
        self.pid = forked.pid
        self.stdout: IO[str] | None = (
            None if read_fd is None else open(read_fd, encoding="utf-8", errors="replace")
        )
        self.on_end: Callable[[], None] | None = None  # called once, when reaped

    def wait(self, timeout: float | None = None) -> int | None:
        code = self._forked.wait(timeout)
        if code is None:
            return None
        if self.stdout is not None:
            self.stdout.close()
        _ended(self)
        return code

    def running(self) -> bool:
        return self._forked.running()

    @property
    def cpu_seconds(self) -> float | None:
        return self._forked.cpu_seconds


def _ended(child: FreshProcess | WarmProcess) -> None:
    """Run a child's end hook once (its group is no longer the watchdog's)."""
    hook, child.on_end = child.on_end, None
    if hook is not None:
        hook()


@dataclass(frozen=True)
class Fork:
    """How to start a command as a fork: the server's plan, the module's arguments, the env."""

    plan: WarmPlan
    args: list[str]
    env: dict[str, str]
    prepare: Callable[[], None] | None = None  # run just before forking (not when fresh)
    # The child imports something the server preloads, so a fork saves that import. A child
    # that does not (a stdlib-only component) forks from a ready server, but starts none and
    # is never held for one: fresh, it starts in a fraction of a second.
    uses_preloads: bool = True
    # The child's own fresh start costs about what the server's warm-up does (its module
    # declares warm imports, as the train step does): even the launch that would start the
    # server is better held for it, on the same cores, than run beside it.
    warm_first: bool = False


# (argv, full env, the container's own env, the child's log path) -> a Fork, or None: fresh
ForkRule = Callable[[list[str], dict[str, str], dict[str, str], Path | None], Fork | None]


def python_module_fork(
    argv: list[str], env: dict[str, str], container_env: dict[str, str], log_path: Path | None
) -> Fork | None:
    """``python -m MODULE ...`` whose module declares ``WARM_IMPORTS`` (Katib trials)."""
    plan = warm_plan(argv, container_env)
    return None if plan is None else Fork(plan, argv[3:], env)


class Launcher:
    """Starts children in ``mode`` ("warm" or "process"); owns its warm servers while open.

    ``engine`` and ``children`` word the one notice printed when warm starts are given up
    (``ideko tune: ...; trials start fresh interpreters``). ``serve_here`` (one server only):
    the server may be a fork of this process when it is safe (:func:`fork_safe_here`) and
    this process' set-up is the child's — the tune step, a task forked from ``ideko run``'s
    server, then hands its trials the TensorFlow it already imported (call :meth:`prepare`
    from the main thread before any other thread starts).
    """

    def __init__(
        self,
        mode: str,
        log_dir: Path,
        *,
        fork_rule: ForkRule = python_module_fork,
        per_setup: bool = False,
        engine: str = "ideko tune",
        children: str = "trials",
        serve_here: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"launcher mode must be one of {MODES}, not {mode!r}")
        self.mode, self.log_dir = mode, log_dir
        self.fork_rule, self.per_setup = fork_rule, per_setup
        self.engine, self.children = engine, children
        self.serve_here = serve_here and not per_setup
        self.notice: str | None = None  # why warm starts were given up, if they were
        self._servers: dict[tuple[object, ...], WarmServer] = {}
        self._warming: dict[tuple[object, ...], threading.Thread] = {}
        self._warmed: set[tuple[object, ...]] = set()  # background warm-ups that finished
        self._warm_since: dict[tuple[object, ...], float] = {}  # when each warm-up began
        self._closing = False
        self._lock = threading.Lock()
        self._warm_news = threading.Condition(self._lock)  # a warm-up finished, or gave up
        self.watchdog = Watchdog()  # kills our children's groups if this process is killed

    @property
    def server(self) -> WarmServer | None:
        """The first server started (the tuner's only one), if any."""
        return next(iter(self._servers.values()), None)

    def prepare(
        self, argv: list[str], env: dict[str, str], container_env: dict[str, str] | None = None
    ) -> None:
        """Start now, from this thread, the server a later :meth:`launch` of ``argv`` with
        ``env`` would start (no-op when it would start fresh or a server exists)."""
        fork = None
        if self.mode == "warm" and self.notice is None:
            fork = self.fork_rule(argv, env, container_env or {}, None)
        if fork is not None:
            self._server(fork.plan, env)

    def start_warming(self, plan: WarmPlan, env: dict[str, str]) -> bool:
        """Start warming the server for ``plan`` and ``env``'s set-up in the background, if
        this per-set-up launcher has none: True when a warm-up began now (the caller then
        holds its child while :meth:`warming` says so)."""
        if self.mode != "warm" or not self.per_setup or self.notice is not None:
            return False
        key = (plan, setup_key(plan, env))
        with self._lock:
            if key in self._servers or self._closing:
                return False
        self._server(plan, env)
        return self.warming(plan, env)

    def warming(self, plan: WarmPlan, env: dict[str, str]) -> bool:
        """Whether a child of ``plan`` with ``env`` would start fresh now only because its
        set-up's server is still warming in the background, which began less than
        ``WARM_WAIT_SECONDS`` ago: a caller that holds the child back until this is False
        forks it instead (``ideko run`` does; see the module docstring)."""
        key: tuple[object, ...] = (plan, setup_key(plan, env)) if self.per_setup else ()
        with self._lock:
            if self.notice is not None or self._closing or key not in self._warming:
                return False
            if key in self._warmed:
                return False
            return time.monotonic() - self._warm_since[key] < WARM_WAIT_SECONDS

    def launch(
        self,
        argv: list[str],
        env: dict[str, str],
        container_env: dict[str, str] | None = None,
        *,
        stdout_fd: int | None = None,
        cwd: Path | str | None = None,
        log_path: Path | None = None,
    ) -> Launched:
        """Start ``argv`` with the full ``env`` (``container_env``: the Job's own part).

        Output goes to ``stdout_fd`` (kept open, the caller's) or, without one, to a pipe
        the caller reads as ``stdout``. The child's group is given to the watchdog until
        it is reaped, so it dies with this process even when this process is SIGKILLed.
        """
        child = self._start(argv, env, container_env, stdout_fd, cwd, log_path)
        pgid = child.pid  # every child leads its own group
        self.watchdog.watch(pgid)
        child.on_end = lambda: self.watchdog.forget(pgid)
        return child

    def _start(
        self,
        argv: list[str],
        env: dict[str, str],
        container_env: dict[str, str] | None,
        stdout_fd: int | None,
        cwd: Path | str | None,
        log_path: Path | None,
    ) -> FreshProcess | WarmProcess:
        fork = None
        if self.mode == "warm" and self.notice is None:
            fork = self.fork_rule(argv, env, container_env or {}, log_path)
        server = self._server(fork.plan, env, start=fork.uses_preloads) if fork else None
        if fork is None or server is None or not server.accepts(env):
            return FreshProcess(argv, env, stdout_fd, cwd)
        try:
            return self._fork(server, fork, stdout_fd, cwd)
        except OSError as exc:
            self._give_up(str(exc))
            return FreshProcess(argv, env, stdout_fd, cwd)

    @staticmethod
    def _fork(
        server: WarmServer, fork: Fork, stdout_fd: int | None, cwd: Path | str | None
    ) -> WarmProcess:
        where = str(cwd) if cwd is not None else None
        if fork.prepare is not None:
            fork.prepare()
        if stdout_fd is not None:
            return WarmProcess(server.fork(fork.args, fork.env, stdout_fd, where))
        read_fd, write_fd = os.pipe()
        try:
            forked = server.fork(fork.args, fork.env, write_fd, where)
        except OSError:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        return WarmProcess(forked, read_fd)

    def _server(
        self, plan: WarmPlan, env: dict[str, str], start: bool = True
    ) -> WarmServer | None:
        """The ready server for ``plan`` (and ``env``'s set-up); None to start fresh (with
        ``start``, a missing server is started for later children)."""
        key: tuple[object, ...] = (plan, setup_key(plan, env)) if self.per_setup else ()
        with self._lock:
            if self.notice is not None:
                return None
            server = self._servers.get(key)
            if server is not None:
                if server.plan != plan:  # one server per experiment: one trial module
                    return None
                if (key in self._warming and key not in self._warmed) or not server.ready:
                    return None
                return server
            if not start:
                return None
            self.log_dir.mkdir(parents=True, exist_ok=True)
            if not self.per_setup:
                # with the child's environment, not ours: a tune task's trials get thread
                # caps of their own (trial_threads), and a server started with the task's
                # would accept none of them (each would pay a fresh TensorFlow import)
                here = (
                    self.serve_here
                    and same_setup(frozenset(plan.env), env, dict(os.environ))
                    and fork_safe_here()
                )
                try:
                    server = WarmServer(
                        plan, self.log_dir / "warm-server.log", env=None if here else env, here=here
                    )
                except OSError as exc:
                    self._say(f"{exc}; {self.children} start fresh interpreters")
                    return None
                self._servers[key] = server
                self.watchdog.watch(server.pid)
                return server
            log = self.log_dir / f"warm-server-{len(self._servers) + 1}.log"
            try:
                server = WarmServer(plan, log, env=env, wait=False)
            except OSError as exc:
                self._say(f"{exc}; {self.children} start fresh interpreters")
                return None
            self._servers[key] = server
            self.watchdog.watch(server.pid)
            warming = threading.Thread(target=self._warm_up, args=(key, server), daemon=True)
            self._warming[key] = warming
            self._warm_since[key] = time.monotonic()
            warming.start()
            return None

    def _warm_up(self, key: tuple[object, ...], server: WarmServer) -> None:
        try:
            server.wait_ready()
        except OSError as exc:
            if not self._closing:
                self._give_up(str(exc))
        with self._lock:
            self._warmed.add(key)
            self._warm_news.notify_all()

    def wait_until_warm(self, timeout: float | None = None) -> bool:
        """Block until a server warming in the background is ready to fork (True), or warm
        starts were given up, the launcher closed or ``timeout`` passed (False).

        For whoever needs to know when forks begin, e.g. a test that must see both kinds;
        ``ideko run`` polls :meth:`warming` instead, as its loop must not block.
        """
        with self._warm_news:
            self._warm_news.wait_for(
                lambda: self._any_warm() or self.notice is not None or self._closing, timeout
            )
            return self._any_warm() and self.notice is None and not self._closing

    def _any_warm(self) -> bool:
        """A background-warmed server is ready (call with the lock held)."""
        return any(key in self._warmed and s.ready for key, s in self._servers.items())

    def _give_up(self, why: str) -> None:
        """A server failed mid-way: say so once, start every later child fresh."""
        with self._lock:
            if self.notice is None:
                self._say(f"{why}; {self.children} start fresh interpreters from now on")

    def _say(self, notice: str) -> None:
        self.notice = notice
        print(f"{self.engine}: {notice}", file=sys.stderr)
        self._warm_news.notify_all()  # callers hold the lock

    def close(self) -> None:
        """Stop the servers, warming ones included (running children are the caller's)."""
        with self._lock:
            self._closing = True
            servers = list(self._servers.values())
            warming = list(self._warming.values())
            self._servers.clear()
            self._warming.clear()
            self._warm_since.clear()
            self._warm_news.notify_all()
        for server in servers:
            server.close()
            self.watchdog.forget(server.pid)
        for thread in warming:
            thread.join(timeout=15)
        self.watchdog.close()
