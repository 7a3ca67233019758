"""The local experiment loop: Katib's experiment controller, on one machine.

Trials are created while fewer than ``parallelTrialCount`` are active and fewer than
``maxTrialCount`` exist. After every finished trial the experiment's condition is decided in
the order of Katib's ``UpdateExperimentStatusCondition``:

1. a trial's objective value reached the goal -> Succeeded, ``ExperimentGoalReached``;
2. completed trials (succeeded + failed + killed + early-stopped + metrics-unavailable)
   >= ``maxTrialCount`` -> Succeeded, ``ExperimentMaxTrialsReached``;
3. the suggestion service is exhausted (grid) and nothing is active -> Succeeded,
   ``ExperimentSuggestionEndReached``;
4. failed + metrics-unavailable > ``maxFailedTrialCount`` -> Failed,
   ``ExperimentMaxFailedTrialsReached``.

When the experiment ends with trials still running they are killed (state Killed). The
current optimal trial is the best objective value (by its metric strategy) among Succeeded
and EarlyStopped trials.
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ideko.local.katib.earlystop import median_rule
from ideko.local.katib.suggest import Suggestion, build_suggester
from ideko.local.katib.trial import (
    TrialProcess,
    TrialResult,
    container_command,
    primary_container,
    substitute,
    trial_threads,
)
from ideko.local.katib.trial_paths import rewrite_paths, trial_paths
from ideko.local.launch.launcher import Launcher
from ideko.local.launch.signal_guard import stop_signals_as_interrupt
from ideko.local.progress import TrialProgress
from ideko.runtime.katib.experiment import ExperimentPlan
from ideko.runtime.katib.trial_args import inject_train_data, set_arg

COMPLETED_STATES = ("Succeeded", "Failed", "Killed", "EarlyStopped", "MetricsUnavailable")
FAILED_STATES = ("Failed", "MetricsUnavailable")
WITH_OBJECTIVE = ("Succeeded", "EarlyStopped")


@dataclass(frozen=True)
class TuneOptions:
    out_dir: Path
    parallel: int | None = None  # overrides parallelTrialCount
    seed: int | None = None  # used when the algorithm has no random_state setting
    multi_objective: tuple[tuple[str, str], ...] = ()  # (metric, maximize|minimize)
    set_args: tuple[tuple[str, str], ...] = ()  # (flag name, value) applied to every trial
    train_data: str | None = None  # replaces --data-uri X with --train-data URI
    show_progress: bool = True
    log_trials: bool = False  # without the progress bar: one plain stderr line per trial
    launcher: str = "warm"  # "warm": python -m trials fork a warm interpreter; "process"
    serve_here: bool = False  # warm: the trials' server may be a fork of this process


@dataclass
class ExperimentResult:
    plan: ExperimentPlan
    trials: list[TrialResult]
    condition: str  # Succeeded | Failed
    reason: str
    message: str
    started: float
    finished: float
    best: TrialResult | None = None
    pareto_metrics: tuple[tuple[str, str], ...] = field(default=())

    def objective_value(self, trial: TrialResult) -> float | None:
        return objective_value(self.plan, trial)


def objective_value(plan: ExperimentPlan, trial: TrialResult) -> float | None:
    """The trial's objective under its metric strategy; None unless it has one."""
    if trial.state not in WITH_OBJECTIVE:
        return None
    metric = plan.objective.metric
    return trial.observation.value(metric, plan.objective.strategies[metric])


class Tuner:
    """Runs one experiment plan to a Katib-style terminal condition."""

    def __init__(self, plan: ExperimentPlan, options: TuneOptions, suggester: Any = None) -> None:
        """``suggester`` (anything with ``ask``/``tell``) replaces the algorithm's sampler."""
        self.plan, self.options = plan, options
        self.parallel = options.parallel or plan.parallel_trial_count
        self.suggester = suggester or build_suggester(
            plan, options.seed, list(options.multi_objective)
        )
        self.trials: list[TrialResult] = []
        self.logs = options.out_dir / "trials"
        self.launcher = Launcher(options.launcher, self.logs, serve_here=options.serve_here)

    def run(self) -> ExperimentResult:
        """Create, run and account trials until a terminal condition; never raises for trials.

        Whatever ends the loop (a verdict, an error, Ctrl-C), trials still running are killed
        and waited for: they run in their own sessions and would otherwise outlive the tuner.
        """
        started = time.time()
        self.logs.mkdir(parents=True, exist_ok=True)
        active: dict[Future[TrialResult], tuple[TrialProcess, Suggestion]] = {}
        progress = TrialProgress(self.plan, self.options.show_progress, self.options.log_trials)
        with (
            stop_signals_as_interrupt(),
            ThreadPoolExecutor(max_workers=self.parallel) as pool,
            progress,
        ):
            try:
                verdict = self._loop(pool, active, progress)
            finally:
                for process, _ in active.values():
                    process.kill()
                wait(active)
                self.launcher.close()
            progress.update(self.trials, 0)
        condition, reason, message = verdict
        return ExperimentResult(
            self.plan,
            self.trials,
            condition,
            reason,
            message,
            started,
            time.time(),
            self._best(),
            self.options.multi_objective,
        )

    def _loop(
        self,
        pool: ThreadPoolExecutor,
        active: dict[Future[TrialResult], tuple[TrialProcess, Suggestion]],
        progress: TrialProgress,
    ) -> tuple[str, str, str]:
        """Keep ``parallel`` trials running until the experiment's condition is terminal."""
        exhausted = False
        while True:
            while not exhausted and len(active) < self.parallel and self._may_create():
                suggestion = self.suggester.ask()
                if suggestion is None:
                    exhausted = True
                    break
                process = self._create(suggestion)
                if len(self.trials) == 1:  # before the pool's first thread: see serve_here
                    self.launcher.prepare(process.argv, process.launch_env(), process.env)
                active[pool.submit(process.run)] = (process, suggestion)
            progress.update(self.trials, len(active))
            if not active:
                return self._verdict(exhausted) or (
                    "Succeeded",
                    "ExperimentSuggestionEndReached",
                    "Experiment has succeeded because suggestion service has reached the end",
                )
            done, _ = wait(active, return_when=FIRST_COMPLETED)
            for future in done:
                _, suggestion = active.pop(future)
                result = future.result()
                self.suggester.tell(suggestion, self._values(result))
                progress.finished(result, objective_value(self.plan, result))
            verdict = self._verdict(exhausted and not active)
            if verdict is not None:
                return verdict

    def _may_create(self) -> bool:
        limit = self.plan.max_trial_count
        return limit is None or len(self.trials) < limit

    def _create(self, suggestion: Suggestion) -> TrialProcess:
        plan = self.plan
        name = f"{plan.name}-{len(self.trials) + 1:03d}"
        result = TrialResult(name, suggestion.assignments)
        self.trials.append(result)
        job = substitute(plan, suggestion.assignments, name)
        argv, env = container_command(job, plan.template.primary_container)
        if self.options.train_data:
            argv = inject_train_data(argv, self.options.train_data)
        for flag, value in self.options.set_args:
            argv = set_arg(argv, flag, value)
        rule = None
        if plan.early_stopping is not None:
            metric = plan.objective.metric
            succeeded = [
                t.observation.values(metric) for t in self.trials if t.state == "Succeeded"
            ]
            rule = median_rule(
                succeeded,
                metric=metric,
                objective_type=plan.objective.type,
                min_trials_required=plan.early_stopping.min_trials_required,
                start_step=plan.early_stopping.start_step,
            )
        number = len(self.trials)
        paths = trial_paths(plan.collector, self.logs, number)
        if paths is not None:  # the manifest's metrics path -> this trial's own directory
            argv, env = rewrite_paths(argv, env, plan.collector, paths.directory)
        log = self.logs / f"{number}.log"
        threads = trial_threads(primary_container(job, plan.template.primary_container))
        return TrialProcess(plan, result, argv, env, log, rule, self.launcher, paths, threads)

    def _values(self, trial: TrialResult) -> list[float] | None:
        """What the suggester learns: objective value(s), or None for a failed trial."""
        if trial.state not in WITH_OBJECTIVE:
            return None
        if not self.options.multi_objective:
            value = objective_value(self.plan, trial)
            return None if value is None else [value]
        values = []
        for metric, direction in self.options.multi_objective:
            default = "max" if direction == "maximize" else "min"
            value = trial.observation.value(
                metric, self.plan.objective.strategies.get(metric, default)
            )
            if value is None:
                return None
            values.append(value)
        return values

    def _verdict(self, exhausted_and_idle: bool) -> tuple[str, str, str] | None:
        plan = self.plan
        completed = [t for t in self.trials if t.state in COMPLETED_STATES]
        failed = [t for t in completed if t.state in FAILED_STATES]
        for trial in completed:
            value = objective_value(plan, trial)
            if value is not None and plan.objective.reached(value):
                return (
                    "Succeeded",
                    "ExperimentGoalReached",
                    f"Experiment has succeeded because Objective goal has reached "
                    f"({trial.name}: {plan.objective.metric}={value:g})",
                )
        if plan.max_trial_count is not None and len(completed) >= plan.max_trial_count:
            return (
                "Succeeded",
                "ExperimentMaxTrialsReached",
                "Experiment has succeeded because max trial count has reached",
            )
        if exhausted_and_idle:
            return (
                "Succeeded",
                "ExperimentSuggestionEndReached",
                "Experiment has succeeded because suggestion service has reached the end",
            )
        limit = plan.max_failed_trial_count
        if limit is not None and len(failed) > limit:
            last = failed[-1]
            return (
                "Failed",
                "ExperimentMaxFailedTrialsReached",
                f"Experiment has failed because max failed count has reached "
                f"({len(failed)} > {limit}; last: {last.name}: {last.message})",
            )
        return None

    def _best(self) -> TrialResult | None:
        best, best_value = None, None
        for trial in self.trials:
            value = objective_value(self.plan, trial)
            if value is None:
                continue
            if best_value is None or self.plan.objective.better(value, best_value):
                best, best_value = trial, value
        return best


def run_experiment(plan: ExperimentPlan, options: TuneOptions) -> ExperimentResult:
    """Run ``plan`` locally; write status, logs and the tuning report under ``out_dir``."""
    from ideko.local.katib.report import write_report
    from ideko.local.katib.status import write_status

    result = Tuner(plan, options).run()
    write_status(result, options.out_dir)
    write_report(result, options.out_dir)
    return result
