"""Orchestration of one local run of a compiled KFP IR (Kedro-style template method).

``LocalRunner.run`` fixes the sequence — prepare the run directory (or reopen it for
``--resume``), record the run, execute the DAG, finalise state and lineage — and the
execution loop is split into small steps: settle (skip / fail / cache-hit / enter DAGs),
admit (by cpu/memory), poll (finish, retry, fail). Tasks run as subprocesses, so the loop
is one thread polling them.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ideko.local.launch.launcher import Launcher
from ideko.local.progress import LineProgress, Observer
from ideko.local.runner.artifacts import Outputs, tree_digest
from ideko.local.runner.cache import CacheStore, cache_key, caching_enabled
from ideko.local.runner.conditions import evaluate_condition
from ideko.local.runner.data_pin import create_run_branch, pin_data_ref
from ideko.local.runner.errors import RunnerError, os_error_text
from ideko.local.runner.executor_input import PreparedTask, prepare_task, read_outputs
from ideko.local.runner.inputs import (
    ResolvedInputs,
    dag_outputs,
    parameter_producers,
    resolve_inputs,
)
from ideko.local.runner.ir import Pipeline, TaskNode, critical_path_lengths, load_pipeline
from ideko.local.runner.ir_settings import run_parallelism
from ideko.local.runner.kfp_fork import warm_task_launcher
from ideko.local.runner.lineage import LineageError, LineageStore, NoLineage
from ideko.local.runner.outcome import (
    RunOptions,
    RunResult,
    describe_false_condition,
    find_data_quality,
    find_report,
    skipped_groups,
)
from ideko.local.runner.params import pipeline_arguments
from ideko.local.runner.retry import RetryPolicy
from ideko.local.runner.run_lock import RunLock
from ideko.local.runner.scheduler import (
    Capacity,
    Request,
    ResourcePool,
    available_cores,
    thread_environment,
)
from ideko.local.runner.state import (
    FAILED,
    INTERRUPTED,
    NOT_RUN,
    PENDING,
    RETRYING,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    TERMINAL,
    RunPaths,
    RunState,
    TaskRecord,
    load_state,
    new_run_id,
    save_state,
)
from ideko.local.runner.task_process import TaskProcess, log_tail, stop_leftover
from ideko.local.runner.warm_need import only_while_tasks_remain
from ideko.runtime.atomic import write_text
from ideko.schema.env import MLFLOW_TRACKING_URI, RUN_ID, STEP_TIMEOUT_SECONDS, TRACKING_URI


@dataclass
class _Attempt:
    process: TaskProcess
    prepared: PreparedTask
    inputs: ResolvedInputs
    request: Request
    key: str


class LocalRunner:
    """Runs a pipeline.yaml on this machine; one instance per run."""

    def __init__(self, options: RunOptions, observer: Observer | None = None) -> None:
        self.options = options
        self.observer = observer or LineProgress()
        self.cores = available_cores()

    # --- template method --------------------------------------------------------------
    def run(self, source: Path | Pipeline | None) -> RunResult:
        """Execute an IR (a file, or one compiled in memory; for ``--resume``, the run's own
        copy) and return the outcome.

        The lineage database is opened and the run directory locked before anything is
        written, so a damaged database or a run held by another runner is refused without
        leaving a half-made run behind.
        """
        self.notes: list[str] = []
        self.lineage = self._open_lineage()
        try:
            pipeline, state, paths, self.lock = self._prepare(source)
        except BaseException:
            self.lineage.close()
            raise
        try:
            return self._run_locked(pipeline, state, paths)
        finally:
            self.lock.release()
            self.lineage.close()

    def _open_lineage(self) -> LineageStore | NoLineage:
        root = self.options.run_root.resolve()
        if not self.options.lineage:
            self.notes.append("lineage is not recorded for this run (--no-lineage)")
            return NoLineage()
        return LineageStore(RunPaths(root, "").lineage_db)

    def _run_locked(self, pipeline: Pipeline, state: RunState, paths: RunPaths) -> RunResult:
        self.pool = ResourcePool(Capacity.of_machine(), self.parallelism)
        self.pipeline, self.state, self.paths = pipeline, state, paths
        self.cache = CacheStore(paths.cache_dir)
        self.outputs: dict[str, Outputs | None] = {}
        self.scopes: dict[str, Outputs] = {"": Outputs(parameters=dict(state.parameters))}
        self.inputs: dict[str, ResolvedInputs] = {}
        self.running: dict[str, _Attempt] = {}
        self.retry_at: dict[str, float] = {}
        self.ready: list[str] = []
        self.priority = critical_path_lengths(pipeline)
        self.failure = ""
        self._stopping = False  # set while stopping: a failed state save must not raise
        self.launcher = (
            warm_task_launcher(paths.run_dir / "warm", tracking=self._tracks(pipeline))
            if self.options.launcher == "warm"
            else Launcher("process", paths.run_dir, engine="ideko run", children="tasks")
        )
        self.fork_rule = self.launcher.fork_rule  # ungated: asking it starts nothing
        self.launcher.fork_rule = only_while_tasks_remain(self.fork_rule, self._to_start)
        self.observer.start(state.run_id, self._container_records())
        try:
            self._restore_finished()
            self._record_run(finished=None)
            self._execute()
            status = FAILED if self.failure else SUCCEEDED
        except KeyboardInterrupt:
            self._interrupt("stopped by Ctrl-C")
            status = INTERRUPTED
        except RunnerError as exc:  # e.g. a condition that cannot be evaluated
            self._interrupt("stopped: the run failed")
            self.failure, status = str(exc), FAILED
        except OSError as exc:  # e.g. the disk filled up under the cache or the run folder
            self._interrupt("stopped: the run failed")
            self.failure, status = os_error_text(exc, "the run cannot write"), FAILED
        finally:
            self.observer.stop()
            self.launcher.close()
        self._finalise(status)
        return RunResult(
            run_id=state.run_id,
            run_dir=paths.run_dir,
            status=status,
            records=self._container_records(),
            failure=self.failure,
            report=find_report(state.tasks.values()),
            skipped_groups=skipped_groups(pipeline, state.tasks),
            parallelism=self.parallelism,
            parallelism_from=self.parallelism_from,
            data_quality=find_data_quality(state.tasks.values()),
            notes=self.notes,
        )

    def _finalise(self, status: str) -> None:
        """Leave a resumable state even when the disk is full: no task stays ``running``
        in ``state.json`` (in memory first, then one save; if even that save fails, the
        old file still resumes — the lock tells a crashed run from a live one)."""
        state = self.state
        for record in state.tasks.values():
            if record.state not in TERMINAL:
                record.state = PENDING if status == INTERRUPTED else NOT_RUN
        state.status = status
        try:
            save_state(self.paths, state)
        except OSError as exc:
            self.notes.append(os_error_text(exc, "state.json could not be updated"))
        try:
            self._record_run(finished=time.time())
        except LineageError as exc:
            self.notes.append(f"lineage of this run is incomplete: {exc}")

    # --- preparation ------------------------------------------------------------------
    def _prepare(
        self, source: Path | Pipeline | None
    ) -> tuple[Pipeline, RunState, RunPaths, RunLock]:
        root = self.options.run_root.resolve()  # artifact URIs are absolute paths
        if self.options.resume:
            return self._reopen(RunPaths(root, self.options.resume))
        if source is None:
            raise RunnerError("a pipeline file is required unless --resume is given")
        pipeline = source if isinstance(source, Pipeline) else load_pipeline(source)
        self._choose_parallelism(pipeline)  # a bad IR value fails before the run exists
        parameters = pipeline_arguments(pipeline.root_inputs, self.options.parameters)
        parameters = pin_data_ref(pipeline, parameters)  # a branch becomes its commit, once
        paths = RunPaths(root, new_run_id(pipeline.name))
        lock = None
        try:
            paths.run_dir.mkdir(parents=True)
            lock = RunLock(paths.run_dir, paths.run_id)
            write_text(paths.pipeline_file, pipeline.text)  # the exact file that is executed
            state = RunState(
                run_id=paths.run_id,
                pipeline_name=pipeline.name,
                pipeline_sha256=pipeline.sha256,
                parameters=parameters,
                tasks={path: TaskRecord() for path in pipeline.nodes},
            )
            save_state(paths, state)
            create_run_branch(pipeline, parameters, paths.run_id)  # the spec's run_branches
        except (OSError, RunnerError) as exc:  # nothing of a run that never started is left
            if lock is not None:
                lock.release()
            shutil.rmtree(paths.run_dir, ignore_errors=True)
            if isinstance(exc, RunnerError):
                raise
            raise RunnerError(os_error_text(exc, "cannot prepare the run directory")) from exc
        return pipeline, state, paths, lock

    def _reopen(self, paths: RunPaths) -> tuple[Pipeline, RunState, RunPaths, RunLock]:
        """``--resume``: lock the run first (a live runner is refused before anything of
        its run is touched), then read its state and its own copy of the IR."""
        if self.options.parameters:
            raise RunnerError("-p cannot be combined with --resume (the run fixes them)")
        if not paths.state_file.is_file():
            load_state(paths)  # the one "no run ..." message
        try:
            lock = RunLock(paths.run_dir, paths.run_id)
        except OSError as exc:
            raise RunnerError(os_error_text(exc, "cannot lock the run")) from exc
        try:
            if lock.previous is not None:
                self.notes.append(
                    f"took over the run from its runner {lock.previous.describe()}, "
                    "which ended without releasing it"
                )
            state = load_state(paths)
            pipeline = load_pipeline(paths.pipeline_file)
            if pipeline.sha256 != state.pipeline_sha256:
                raise RunnerError(f"{paths.pipeline_file} changed since the run started")
            self._choose_parallelism(pipeline)
            state.status = RUNNING
        except BaseException:
            lock.release()
            raise
        return pipeline, state, paths, lock

    def _choose_parallelism(self, pipeline: Pipeline) -> None:
        self.parallelism, self.parallelism_from = run_parallelism(
            self.options.parallelism, pipeline, self.cores
        )

    def _restore_finished(self) -> None:
        """On resume keep finished container tasks whose artifacts are intact; redo the rest."""
        for path, node in self.pipeline.nodes.items():
            record = self.state.tasks.setdefault(path, TaskRecord())
            intact = (
                not node.is_dag
                and record.state == SUCCEEDED
                and record.outputs is not None
                and all(tree_digest(a.uri) == a.digest for a in record.outputs.artifacts.values())
            )
            if intact:
                record.resumed = record.resumed or self.options.resume is not None
                self.outputs[path] = record.outputs
            else:
                if record.state == RUNNING and record.pid:  # the previous runner died
                    stop_leftover(record.pid, self._marker())
                earlier = record.earlier_attempts + record.attempts
                self.state.tasks[path] = TaskRecord(earlier_attempts=earlier)

    # --- the loop ---------------------------------------------------------------------
    def _execute(self) -> None:
        while True:
            progressed = self._settle()
            progressed |= self._admit()
            progressed |= self._poll()
            if not self.running and not self.ready and not self.retry_at and not progressed:
                return
            if not progressed:
                time.sleep(self.options.poll_interval)

    def _settle(self) -> bool:
        """Decide every pending node whose parent DAG is entered and whose deps finished."""
        changed = False
        for path, node in self.pipeline.nodes.items():
            record = self.state.tasks[path]
            if node.is_dag and record.state == RUNNING:
                changed |= self._maybe_close_dag(node)
                continue
            if record.state != PENDING or path in self.ready:
                continue
            if node.parent and self.state.tasks[node.parent].state != RUNNING:
                continue
            dep_states = [self.state.tasks[d].state for d in node.deps]
            if any(s not in TERMINAL for s in dep_states):
                continue
            changed = True
            if self.failure or any(s in (FAILED, NOT_RUN, INTERRUPTED) for s in dep_states):
                self._finish(path, NOT_RUN, "an upstream task failed" if not self.failure else "")
                continue
            inputs = resolve_inputs(node, self.scopes[node.parent], self.outputs)
            if inputs.missing:
                self._skip(path, f"inputs from skipped tasks: {', '.join(inputs.missing)}")
            elif node.is_dag:
                self._enter_dag(node, inputs)
            else:
                self._queue(node, inputs)
        return changed

    def _enter_dag(self, node: TaskNode, inputs: ResolvedInputs) -> None:
        if node.condition and not evaluate_condition(node.condition, inputs.parameters):
            self._skip(node.path, describe_false_condition(node, inputs.parameters))
            return
        self.scopes[node.path] = Outputs(dict(inputs.parameters), dict(inputs.artifacts))
        record = self.state.tasks[node.path]
        record.state, record.started = RUNNING, time.time()

    def _maybe_close_dag(self, node: TaskNode) -> bool:
        states = [self.state.tasks[c].state for c in node.children]
        if any(s not in TERMINAL for s in states):
            return False
        if any(s in (FAILED, NOT_RUN, INTERRUPTED) for s in states):
            self._finish(node.path, FAILED, "a task inside failed")
        else:
            self.outputs[node.path] = dag_outputs(node, self.outputs)
            self._finish(node.path, SUCCEEDED)
        return True

    def _skip(self, path: str, reason: str) -> None:
        self.outputs[path] = None
        self._finish(path, SKIPPED, reason)
        node = self.pipeline.nodes[path]
        for child in node.children:
            if self.state.tasks[child].state == PENDING:
                self._skip(child, "its condition group was skipped")

    def _queue(self, node: TaskNode, inputs: ResolvedInputs) -> None:
        """Reuse a cache hit, otherwise put the task in the admission queue."""
        self.inputs[node.path] = inputs
        key = cache_key(node, inputs)
        record = self.state.tasks[node.path]
        record.cache_key = key
        if self.options.use_cache and caching_enabled(node):
            restored = self.cache.restore(key, self.paths.artifacts_dir(node.path))
            if restored is not None:
                record.cached, record.started = True, time.time()
                self._succeed(node, restored)
                return
        self.ready.append(node.path)

    def _admit(self) -> bool:
        now = time.monotonic()
        for path, due in list(self.retry_at.items()):
            if due <= now:
                del self.retry_at[path]
                self.ready.append(path)
        started = False
        self.ready.sort(key=self._rank)
        for path in list(self.ready):
            if self.failure:
                self.ready.remove(path)  # after a failure nothing new starts
                self._finish(path, NOT_RUN, "the run failed before it started")
                continue
            node = self.pipeline.nodes[path]
            request = Request.from_container(node.executor or {})
            if not self.pool.can_admit(request):
                break  # no overtaking: a big task is not starved by small ones
            if self._held_for_server(node, request):
                continue  # its resources stay free; it starts as a fork once warm
            self.ready.remove(path)
            self._launch(node, request)
            started = True
        return started

    def _rank(self, path: str) -> tuple[int, float, float]:
        """Start order: the longest chain first; among equal chains the larger declared
        request (cpu, then memory) first, as in largest-first packing: a model whose spec
        asks for more (the demo's LSTM) is the likelier long pole; else IR order."""
        request = Request.from_container(self.pipeline.nodes[path].executor or {})
        return (-self.priority[path], -request.cpu, -request.memory)

    def _held_for_server(self, node: TaskNode, request: Request) -> bool:
        """Whether ``node`` waits for the warm server of its set-up, still warming: started
        fresh beside it, it would import TensorFlow and the steps a second time on the same
        cores. A light task (preprocess) whose launch would start the server runs fresh
        beside it; a heavy one (a training: ``Fork.warm_first``) starts the warm-up and
        waits too, unless no other task is left to use the server. The wait is bounded
        (:meth:`Launcher.warming`)."""
        container = node.executor or {}
        command = [*container.get("command", []), *container.get("args", [])]
        env = self._environment(node, request)
        fork = self.fork_rule(command, env, {}, self._next_log(node.path))
        if fork is None or not fork.uses_preloads:
            return False
        if self.launcher.warming(fork.plan, env):
            return True
        return (
            fork.warm_first
            and self._to_start(besides=node.path)
            and self.launcher.start_warming(fork.plan, env)
        )

    def _next_log(self, path: str) -> Path:
        """The log file of ``path``'s next attempt (numbered across resumed runs)."""
        record = self.state.tasks[path]
        return self.paths.log_file(path, record.earlier_attempts + record.attempts + 1)

    def _launch(self, node: TaskNode, request: Request) -> None:
        record = self.state.tasks[node.path]
        log = self._next_log(node.path)
        record.attempts += 1
        record.state = RUNNING
        record.started = record.started or time.time()
        inputs = self.inputs[node.path]
        prepared = prepare_task(
            node,
            inputs,
            self.paths.artifacts_dir(node.path),
            pipeline_name=self.pipeline.name,
            run_id=self.state.run_id,
            pipeline_root=str(self.paths.run_dir / "artifacts"),
        )
        env = self._environment(node, request)
        timeout = float(env[STEP_TIMEOUT_SECONDS]) if env.get(STEP_TIMEOUT_SECONDS) else None
        try:
            process = TaskProcess(
                prepared.command,
                env,
                log,
                timeout=timeout,
                cwd=Path.cwd(),
                launcher=self.launcher,
            )
        except OSError as exc:
            raise RunnerError(f"cannot start task {node.path}: {exc}") from exc
        record.pid = process.pid
        self.pool.acquire(node.path, request)
        self.running[node.path] = _Attempt(process, prepared, inputs, request, record.cache_key)
        self._changed(node.path)

    @staticmethod
    def _tracks(pipeline: Pipeline) -> bool:
        """Whether some task will log to MLflow (its env, or ours, names a tracking URI)."""
        names = (MLFLOW_TRACKING_URI, TRACKING_URI)
        if any(os.environ.get(name) for name in names):
            return True
        return any(
            item.get("name") in names and item.get("value")
            for node in pipeline.nodes.values()
            for item in (node.executor or {}).get("env", [])
        )

    def _environment(self, node: TaskNode, request: Request) -> dict[str, str]:
        """The current environment stands in for the image: its python3 runs the step."""
        env = dict(os.environ)
        for item in (node.executor or {}).get("env", []):
            env[item["name"]] = str(item.get("value", ""))
        env.update(thread_environment(request, self.cores))
        bin_dir = str(Path(sys.executable).parent)
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
        env["PYTHONUNBUFFERED"] = "1"
        name, _, value = self._marker().partition("=")
        env[name] = value
        return env

    def _marker(self) -> str:
        """Environment entry identifying this run's task processes."""
        return f"{RUN_ID}={self.state.run_id}"

    def _poll(self) -> bool:
        changed = False
        for path, attempt in list(self.running.items()):
            code = attempt.process.poll()
            if code is None:
                continue
            changed = True
            del self.running[path]
            self.pool.release(path)
            node = self.pipeline.nodes[path]
            if code == 0:
                try:
                    outputs = read_outputs(attempt.prepared)
                except RunnerError as exc:
                    self._attempt_failed(node, attempt, str(exc))
                    continue
                self._succeed(node, outputs)
                if caching_enabled(node):  # after the state records the success
                    self.cache.store(attempt.key, outputs, task=path)
            else:
                why = "timed out" if attempt.process.timed_out else f"exit code {code}"
                self._attempt_failed(node, attempt, why)
        return changed

    def _attempt_failed(self, node: TaskNode, attempt: _Attempt, why: str) -> None:
        record = self.state.tasks[node.path]
        elapsed = time.time() - (record.started or time.time())  # since the first attempt
        retry = RetryPolicy.from_task_spec(node.spec).next_retry(record.attempts, elapsed)
        if retry.delay is not None and not self.failure:
            record.state, record.message = RETRYING, f"attempt {record.attempts}: {why}"
            self.retry_at[node.path] = time.monotonic() + retry.delay
            self._changed(node.path)
            return
        log = attempt.process.log_path
        tail = log_tail(log)
        stopped = f"{retry.why_not}.\n" if retry.why_not else ""
        self.failure = (
            f"task {node.path} failed after {record.attempts} attempt(s) ({why}).\n"
            f"{stopped}Last lines of {log}:\n{tail}"
        )
        self._finish(node.path, FAILED, why)
        self._record_execution(node, attempt.inputs)

    def _succeed(self, node: TaskNode, outputs: Outputs) -> None:
        record = self.state.tasks[node.path]
        record.outputs = outputs
        self.outputs[node.path] = outputs
        self._finish(node.path, SUCCEEDED)
        self._record_execution(node, self.inputs[node.path])

    def _finish(self, path: str, state: str, message: str = "") -> None:
        record = self.state.tasks[path]
        record.state, record.message = state, message
        if record.started is not None:
            record.finished = time.time()
        self._changed(path)

    def _changed(self, path: str) -> None:
        try:
            save_state(self.paths, self.state)
        except OSError:
            if not self._stopping:
                raise  # the run stops; _finalise tries once more
        if not self.pipeline.nodes[path].is_dag:
            self.observer.update(path, self.state.tasks[path])

    def _interrupt(self, why: str) -> None:
        """Stop running tasks, keep everything finished, leave a resumable state."""
        self._stopping = True
        for path, attempt in list(self.running.items()):
            attempt.process.stop()
            self.pool.release(path)
            self._finish(path, INTERRUPTED, why)
        self.running.clear()

    def _to_start(self, besides: str | None = None) -> bool:
        """Whether a container task other than the ones started (and other than
        ``besides``, a ready task asking before it starts) may still start."""
        return any(
            self.state.tasks[path].state in (PENDING, RETRYING)
            for path, node in self.pipeline.nodes.items()
            if not node.is_dag and path != besides
        )

    # --- records ----------------------------------------------------------------------
    def _container_records(self) -> dict[str, TaskRecord]:
        return {p: self.state.tasks[p] for p, n in self.pipeline.nodes.items() if not n.is_dag}

    def _record_run(self, finished: float | None) -> None:
        self.lineage.record_run(
            self.state.run_id,
            self.pipeline.name,
            self.pipeline.sha256,
            str(self.paths.run_dir),
            self.state.parameters,
            self.state.status,
            self.state.created,
            finished,
        )

    def _record_execution(self, node: TaskNode, inputs: ResolvedInputs) -> None:
        record = self.state.tasks[node.path]
        outputs = record.outputs or Outputs()
        self.lineage.record_execution(
            self.state.run_id,
            node.path,
            node.component_name,
            state=record.state,
            attempts=record.attempts,
            cached=record.cached,
            cache_key=record.cache_key,
            started=record.started,
            finished=record.finished,
            input_parameters=inputs.parameters,
            input_artifacts=inputs.artifacts,
            output_parameters=outputs.parameters,
            output_artifacts=outputs.artifacts,
            display_name=node.display_name,
            parameter_producers=parameter_producers(node, self.pipeline.nodes),
            message=record.message,
        )
