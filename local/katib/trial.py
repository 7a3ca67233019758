"""One Katib trial on this machine: fill the template, run the Job's container, collect.

Substitution follows Katib's trial template: every ``${trialParameters.NAME}`` anywhere in
``trialSpec`` becomes the assignment of the parameter that ``NAME``'s ``reference`` names
(or the trial's name/namespace/kind/apiVersion for ``${trialSpec.Name}`` style references).
The primary container's ``command`` + ``args`` run as a process of their own
(``python``/``python3`` as the program mean this interpreter; ``python -m MODULE`` may start
as a fork of a warm interpreter, see :mod:`ideko.local.launch.launcher`), with its literal
``env`` values and ``PYTHONUNBUFFERED=1`` so metric lines arrive while the trial runs.
Metrics are collected as Katib's collector kind says: StdOut lines as they arrive
(:mod:`ideko.local.katib.metrics`); a File collector's metrics file followed while the trial
writes it (:mod:`ideko.local.katib.file_follower`), in TEXT or JSON format; TensorFlowEvent scalars
read from the trial's event directory once it ended (:mod:`ideko.local.katib.tfevents`).
StdOut and File reports feed the trial's medianstop rule, which kills the process group as
soon as it fires (Katib's tfevent collector evaluates no rules, so neither does this one).

States are Katib's: Succeeded (exit 0 with the objective reported), MetricsUnavailable
(exit 0 without it), Failed (non-zero exit), EarlyStopped, Killed (experiment ended).
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ideko.local.katib.earlystop import RuleWatcher, StopRule
from ideko.local.katib.file_follower import FileFollower
from ideko.local.katib.metrics import JsonLineParser, LineParser, MetricLog, Observation
from ideko.local.katib.trial_paths import TrialPaths
from ideko.local.launch.launcher import Launched, Launcher
from ideko.local.launch.process_group import stop_group
from ideko.local.runner.scheduler import (
    Request,
    available_cores,
    parse_quantity,
    thread_environment,
)
from ideko.runtime.katib.collector import FILE, STDOUT, TFEVENT
from ideko.runtime.katib.errors import TuneError
from ideko.runtime.katib.experiment import ExperimentPlan
from ideko.runtime.katib.validate import PLACEHOLDER
from ideko.schema import k8s_args

PYTHON_NAMES = ("python", "python3", "python3.11")


def substitute(plan: ExperimentPlan, assignments: dict[str, str], trial_name: str) -> Any:
    """The trial's Job: the template with every ``${trialParameters.*}`` replaced."""
    meta = {
        "${trialSpec.Name}": trial_name,
        "${trialSpec.Namespace}": plan.namespace,
        "${trialSpec.Kind}": "Job",
        "${trialSpec.APIVersion}": str(plan.template.trial_spec.get("apiVersion", "batch/v1")),
    }
    values: dict[str, str] = {}
    for name, reference in plan.template.trial_parameters.items():
        values[name] = meta[reference] if reference in meta else assignments[reference]

    def fill(node: Any) -> Any:
        if isinstance(node, str):
            return PLACEHOLDER.sub(lambda m: values[m.group(1)], node)
        if isinstance(node, list):
            return [fill(item) for item in node]
        if isinstance(node, dict):
            return {key: fill(value) for key, value in node.items()}
        return node

    return fill(plan.template.trial_spec)


def container_command(job: dict[str, Any], primary: str) -> tuple[list[str], dict[str, str]]:
    """``(argv, env)`` of the Job's primary container, ready for ``subprocess``."""
    container = primary_container(job, primary)
    argv = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
    if not argv:
        raise TuneError(
            f"container {primary!r} has no command/args; the local tuner cannot run an image "
            "entrypoint"
        )
    env = {str(e["name"]): str(e["value"]) for e in container.get("env") or [] if "value" in e}
    argv = [k8s_args.expand(arg, env) for arg in argv]  # as the kubelet does (`$(VAR)`, `$$`)
    if Path(argv[0]).name in PYTHON_NAMES:
        argv[0] = sys.executable
    return argv, env


def primary_container(job: dict[str, Any], primary: str) -> dict[str, Any]:
    """The Job's container Katib collects metrics from (``primaryContainerName``)."""
    containers = job["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c.get("name") == primary)


def trial_threads(container: dict[str, Any]) -> dict[str, str]:
    """Thread caps from the trial container's cpu (request, else limit), as a task's.

    Parallel trials share the machine as pods share a node: without this each trial's
    TensorFlow would size its pools to every core (two trials on two cores: four busy
    threads). The request, as ``ideko run`` sizes a task's threads: a tune task is admitted
    with ``parallel_trials`` times the trial's request, so trials using their limit would
    oversubscribe what it holds. Variables the container sets itself win.
    """
    resources = container.get("resources") or {}
    cpu = (resources.get("requests") or {}).get("cpu") or (resources.get("limits") or {}).get("cpu")
    if cpu is None:
        return {}
    return thread_environment(Request(cpu=parse_quantity(cpu)), available_cores())


@dataclass
class TrialResult:
    name: str
    assignments: dict[str, str]
    state: str = "Created"
    observation: Observation = field(default_factory=Observation)
    message: str = ""
    exit_code: int | None = None
    started: float = 0.0
    finished: float = 0.0
    log_path: str = ""
    cpu_seconds: float | None = None  # user + system time of the trial process

    @property
    def seconds(self) -> float:
        return max(self.finished - self.started, 0.0)


class TrialProcess:
    """A running trial; ``run`` blocks until it ends, ``kill`` ends it from another thread."""

    def __init__(
        self,
        plan: ExperimentPlan,
        result: TrialResult,
        argv: list[str],
        env: dict[str, str],
        log_path: Path,
        rule: StopRule | None,
        launcher: Launcher | None = None,
        paths: TrialPaths | None = None,
        threads: dict[str, str] | None = None,
    ) -> None:
        self.plan, self.result, self.argv, self.env = plan, result, argv, env
        self.threads = threads or {}
        self.log_path = log_path
        self.collector = plan.collector
        if self.collector.kind != STDOUT and paths is None:
            raise ValueError(f"a {self.collector.kind} collector needs the trial's paths")
        self.paths = paths
        evaluates_rules = self.collector.kind in (STDOUT, FILE)
        self.watcher = RuleWatcher(rule) if rule and evaluates_rules else None
        names = plan.objective.metric_names
        self.parser: LineParser | JsonLineParser = (
            JsonLineParser(names)
            if self.collector.kind == FILE and self.collector.format == "JSON"
            else LineParser(names, plan.metric_filters)
        )
        self.launcher = launcher or Launcher("process", log_path.parent)
        self._proc: Launched | None = None
        self._lock = threading.Lock()
        self._ending: str | None = None  # "EarlyStopped" or "Killed" once we stop it
        self._file_seen = False  # File collector: the trial created its metrics file

    def run(self) -> TrialResult:
        """Run to completion, stop early or be killed; returns the filled-in result."""
        result = self.result
        result.started, result.state = time.time(), "Running"
        result.log_path = str(self.log_path)
        env = self.launch_env()
        # line-buffered: `tail -f trials/N.log` follows a running trial
        with open(self.log_path, "w", encoding="utf-8", buffering=1) as log:
            log.write("# " + " ".join(self.argv) + "\n")
            follower = None
            try:
                self._fresh_metrics_dir()
                with self._lock:
                    if self._ending:
                        return self._finish(None)
                    self._proc = self.launcher.launch(self.argv, env, self.env)
            except OSError as exc:
                result.message = f"cannot start the trial command: {exc}"
                return self._finish(None)
            if self.collector.kind == FILE:
                assert self.paths is not None
                follower = FileFollower(self.paths.source, self._collect_line).start()
            assert self._proc.stdout is not None  # launched without a file descriptor
            for line in self._proc.stdout:
                log.write(line)
                if self.collector.kind == STDOUT:
                    self._collect_line(line)
            code = self._proc.wait()
            assert code is not None
            result.cpu_seconds = self._proc.cpu_seconds
            if follower is not None:
                follower.finish()
                self._file_seen = follower.seen
                if isinstance(self.parser, JsonLineParser) and self.parser.skipped:
                    log.write(
                        f"# {self.parser.skipped} line(s) of {self.paths.source} were not "
                        "JSON objects and were skipped\n"
                    )
            elif self.collector.kind == TFEVENT:
                self._read_tfevents(log)
        return self._finish(code)

    def launch_env(self) -> dict[str, str]:
        """The trial process' whole environment: ours, its thread caps, the Job's own."""
        return {**os.environ, **self.threads, **self.env, "PYTHONUNBUFFERED": "1"}

    def _fresh_metrics_dir(self) -> None:
        """An empty per-trial metrics directory (a rerun into the same --out reads no old file)."""
        if self.paths is not None:
            shutil.rmtree(self.paths.directory, ignore_errors=True)
            self.paths.directory.mkdir(parents=True)

    def _collect_line(self, line: str) -> None:
        """One line of the collected stream: record its metrics, evaluate the stop rule."""
        self._collect(self.parser.parse(line))

    def _collect(self, logs: list[MetricLog]) -> None:
        self.result.observation.add(logs)
        if self.watcher and not self._ending:
            for item in logs:
                if item.name == self.plan.objective.metric and self.watcher.report(item.value):
                    self._stop("EarlyStopped")
                    break

    def _read_tfevents(self, log: Any) -> None:
        from ideko.local.katib.tfevents import read_scalars

        assert self.paths is not None
        try:
            self._collect(read_scalars(self.paths.source, self.plan.objective.metric_names))
        except ImportError as exc:
            self.result.message = f"the TensorFlowEvent collector needs TensorFlow: {exc}"
            log.write(f"# {self.result.message}\n")

    def _finish(self, code: int | None) -> TrialResult:
        result = self.result
        result.finished, result.exit_code = time.time(), code
        objective = self.plan.objective.metric
        if self._ending == "EarlyStopped":
            result.state = "EarlyStopped"
            rule = self.watcher.rule if self.watcher else None
            if rule is not None:
                result.message = (
                    f"best {objective} so far {self.watcher.best:.6g} is "
                    f"{rule.comparison} than the medianstop threshold {rule.threshold:.6g} "
                    f"at step {self.watcher.reports}"
                )
        elif self._ending == "Killed":
            result.state, result.message = "Killed", "experiment completed"
        elif code != 0:
            result.state = "Failed"
            result.message = result.message or f"trial command exited with status {code}"
        elif not result.observation.has(objective):
            result.state = "MetricsUnavailable"
            result.message = result.message or self._unavailable_message()
        else:
            result.state = "Succeeded"
        return result

    def _unavailable_message(self) -> str:
        objective = self.plan.objective.metric
        if self.collector.kind == FILE and self.paths is not None:
            if not self._file_seen:
                return f"the trial never wrote its metrics file {self.paths.source}"
            return f"objective metric {objective!r} not found in {self.paths.source}"
        if self.collector.kind == TFEVENT and self.paths is not None:
            return (
                f"objective metric {objective!r} not found in event files under {self.paths.source}"
            )
        return f"objective metric {objective!r} not found in the trial's output"

    def _stop(self, why: str) -> None:
        with self._lock:
            if self._ending:
                return
            self._ending = why
            proc = self._proc
            if proc is not None and proc.running():
                # the reader thread reaps it; this thread only watches it end
                stopper = threading.Thread(
                    target=stop_group, args=(proc.pid, _ended_within(proc)), daemon=True
                )
                stopper.start()

    def kill(self) -> None:
        """End the trial because the experiment is over (state Killed)."""
        self._stop("Killed")


def _ended_within(proc: Launched) -> Callable[[float], bool]:
    """``ended(timeout)`` for :func:`stop_group`, without reaping (the reader thread does)."""

    def ended(timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while proc.running():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    return ended
