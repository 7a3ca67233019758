"""Warm task processes for ``ideko run``: KFP python components forked from a preloaded server.

Every task of a compiled ideko pipeline is KFP's lightweight-component launch,
``sh -ec SCRIPT SOURCE --executor_input … --function_to_execute …``, where SCRIPT writes
SOURCE to a temporary file and runs ``python3 -m kfp.dsl.executor_main
--component_module_path FILE "$@"``. A fresh interpreter per task pays ~3.3 s of start and
TensorFlow import. For exactly that command shape this module writes the component file
itself (next to the attempt's log, where it stays as a record of what ran) and forks the
same ``kfp.dsl.executor_main`` call from a warm server (:mod:`ideko.local.launch.fork_server`)
that did the train step's declared set-up and imports once. Any other command — another
script, a ``pip install`` line, another program — starts fresh, as before.

Servers are keyed by the variables TensorFlow's set-up reads (the runner gives tasks
different thread budgets) and started with the first such task's environment, which holds
the run's marker: a fork's ``/proc/PID/environ`` is its server's, which is what
``stop_leftover`` checks when a run is resumed. A server warms up in the background: tasks
that are ready before it start fresh instead of waiting, so a run never waits on it.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from ideko.local.launch.launcher import IMPORT_TIME_ENV, Forked, WarmPlan, WarmServer, warm_plan

EXECUTOR_MODULE = "kfp.dsl.executor_main"
STEP_MODULES = tuple(
    f"ideko.runtime.steps.{name}"
    for name in ("preprocess", "tune", "train", "evaluate", "compare", "register")
)
SCRIPT_HEAD = (
    "program_path=$(mktemp -d)",
    'printf "%s" "$0" > "$program_path/ephemeral_component.py"',
)
SCRIPT_RUN = (
    "_KFP_RUNTIME=true",
    "python3",
    "-m",
    EXECUTOR_MODULE,
    "--component_module_path",
    '"$program_path/ephemeral_component.py"',
    '"$@"',
)


def kfp_component(command: list[str]) -> tuple[str, list[str]] | None:
    """``(component source, executor args)`` when ``command`` is KFP's python-component
    launch and nothing else, else None."""
    if len(command) < 4 or command[:2] != ["sh", "-ec"]:
        return None
    lines = [line.strip() for line in command[2].splitlines() if line.strip()]
    if len(lines) != 3 or tuple(lines[:2]) != SCRIPT_HEAD or tuple(lines[2].split()) != SCRIPT_RUN:
        return None
    return command[3], list(command[4:])


def runner_plan() -> WarmPlan | None:
    """What a task server preloads: the train step's declared set-up, every step, KFP."""
    train = warm_plan([sys.executable, "-m", "ideko.runtime.steps.train"], {})
    if train is None:
        return None
    return WarmPlan(EXECUTOR_MODULE, (*train.imports, *STEP_MODULES), train.env)


class WarmTasks:
    """One warm server per distinct set-up environment, for the duration of one run."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.plan = runner_plan()
        self.notice: str | None = None  # why warm starts were given up, if they were
        self._closing = False
        self._servers: dict[tuple[tuple[str, str], ...], WarmServer] = {}
        self._warming: dict[tuple[tuple[str, str], ...], threading.Thread] = {}
        self._lock = threading.Lock()

    def start(
        self, command: list[str], env: dict[str, str], stdout_fd: int, log_path: Path, cwd: Path
    ) -> Forked | None:
        """Fork ``command`` with its output on ``stdout_fd``; None when it must start fresh."""
        parsed = kfp_component(command)
        if parsed is None or self.plan is None or self.notice is not None:
            return None
        server = self._server(env)
        if server is None or not server.accepts(env):
            return None
        source, args = parsed
        component = log_path.with_suffix(".component.py")
        component.write_text(source, encoding="utf-8")
        try:
            return server.fork(
                ["--component_module_path", str(component), *args],
                {**env, "_KFP_RUNTIME": "true"},
                stdout_fd,
                str(cwd),
            )
        except OSError as exc:
            self._give_up(str(exc))
            return None

    def _key(self, env: dict[str, str]) -> tuple[tuple[str, str], ...]:
        assert self.plan is not None
        names = {k for k in env if k.startswith(IMPORT_TIME_ENV)} | set(self.plan.env)
        return tuple(sorted((k, env[k]) for k in names if k in env and k != "PYTHONUNBUFFERED"))

    def _server(self, env: dict[str, str]) -> WarmServer | None:
        """The ready server for ``env``'s set-up; None (start fresh) while it warms up."""
        assert self.plan is not None
        key = self._key(env)
        with self._lock:
            server = self._servers.get(key)
            if server is None:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                log = self.log_dir / f"warm-server-{len(self._servers) + 1}.log"
                try:
                    server = WarmServer(self.plan, log, env=env, wait=False)
                except OSError as exc:
                    self.notice = f"{exc}; tasks start fresh interpreters"
                    print(f"ideko run: {self.notice}", file=sys.stderr)
                    return None
                self._servers[key] = server
                warming = threading.Thread(target=self._warm_up, args=(server,), daemon=True)
                self._warming[key] = warming
                warming.start()
                return None
            if self._warming[key].is_alive() or not server.ready:
                return None
            return server

    def _warm_up(self, server: WarmServer) -> None:
        try:
            server.wait_ready()
        except OSError as exc:
            if not self._closing:
                self._give_up(str(exc))

    def _give_up(self, why: str) -> None:
        with self._lock:
            if self.notice is None:
                self.notice = f"{why}; tasks start fresh interpreters from now on"
                print(f"ideko run: {self.notice}", file=sys.stderr)

    def close(self) -> None:
        """Stop the servers, warming ones included (running forks are the runner's)."""
        with self._lock:
            self._closing = True
            for server in self._servers.values():
                server.close()
            warming = list(self._warming.values())
            self._servers.clear()
            self._warming.clear()
        for thread in warming:
            thread.join(timeout=15)
