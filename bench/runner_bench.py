"""Benchmark of `ideko run` against kfp.local and the monolithic baseline, on the default IDEKO
pipeline (four models) with tiny synthetic data and few epochs. One run of each, side by side:

  kfp.local   SubprocessRunner(use_venv=False) on the compiled pipeline.yaml
  ideko run   cold (empty run root), default parallelism (capped by cores)
  ideko run   --parallelism 1, cold
  ideko run   --launcher process (every task a fresh interpreter), cold, and with -p1
  ideko run   cached re-run of the first
  baseline    `ideko baseline` (one process, the original script's flow)

Prints wall times, the ratios the issue sets as targets, and where the time goes (process
start, TF import, training). Usage: python bench/runner_bench.py [--epochs 2] [--series 60]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from kfp_local_helpers import executor_outputs, kfp_local_variant

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ORIGINAL_MODEL_KEYS = ("enabled", "name_parameters", "model_parameters", "training_parameters")
KFP_LOCAL_SNIPPET = """
import sys
from kfp import local
from kfp.components import load_component_from_file
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=sys.argv[2])
load_component_from_file(sys.argv[1])()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "specs" / "ideko.yaml")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--series", type=int, default=60, help="synthetic series in total")
    parser.add_argument("--hpo-trials", type=int, default=2, help="LSTM tuning budget")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "results" / "runner")
    parser.add_argument("--skip-kfp-local", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    work = args.workdir.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    data = make_data(work / "data", args.series)
    spec_file, models_file = write_inputs(args.spec, work, data, args.epochs, args.hpo_trials)
    pipeline = compile_spec(spec_file, work / "generated")
    print(f"pipeline: {pipeline}\ndata: {args.series} series, {args.epochs} epoch(s)\n")

    times: dict[str, float] = {}
    notes: list[str] = []
    if not args.skip_kfp_local:
        # The IR as compiled: kfp.local mis-parses the gate and skips every training task.
        as_is = timed(
            [PYTHON, "-c", KFP_LOCAL_SNIPPET, str(pipeline), str(work / "kfp-local-as-is")],
            work / "kfp-local-as-is.log",
        )
        ran = sorted(executor_outputs(work / "kfp-local-as-is"))
        notes.append(f"kfp.local on the IR as compiled: {as_is:.1f}s, ran only {ran}")
        variant = pipeline.with_name("pipeline-kfp-local.yaml")
        variant.write_text(kfp_local_variant(pipeline.read_text()))
        times["kfp.local"] = timed(
            [PYTHON, "-c", KFP_LOCAL_SNIPPET, str(variant), str(work / "kfp-local")],
            work / "kfp-local.log",
        )
        count = len(executor_outputs(work / "kfp-local"))
        notes.append(f"kfp.local timed on the condition-rewritten IR: ran {count} tasks")
    ideko = [PYTHON, "-m", "ideko.cli.main", "run", str(pipeline)]
    times["ideko run"] = timed([*ideko, "--run-dir", str(work / "runs")], work / "run.log")
    times["ideko run -p1"] = timed(
        [*ideko, "--run-dir", str(work / "runs-p1"), "--parallelism", "1"], work / "run-p1.log"
    )
    fresh = [*ideko, "--launcher", "process"]
    times["ideko run fresh"] = timed(
        [*fresh, "--run-dir", str(work / "runs-fresh")], work / "run-fresh.log"
    )
    times["ideko run -p1 fresh"] = timed(
        [*fresh, "--run-dir", str(work / "runs-p1-fresh"), "--parallelism", "1"],
        work / "run-p1-fresh.log",
    )
    times["ideko run cached"] = timed(
        [*ideko, "--run-dir", str(work / "runs")], work / "run-cached.log"
    )
    if not args.skip_baseline:
        times["ideko baseline"] = timed(
            [PYTHON, "-m", "ideko.cli.main", "baseline", "--data", str(data), "--models",
             str(models_file), "--epochs-override", str(args.epochs), "--out",
             str(work / "baseline")],
            work / "baseline.log",
        )  # fmt: skip
    breakdown = where_time_goes(work / "runs")
    report(times, breakdown, notes)
    if not args.skip_kfp_local:
        print_equivalence(work / "kfp-local", work / "runs")
    (work / "results.json").write_text(json.dumps({"times": times, **breakdown}, indent=1))
    return 0


def make_data(out: Path, series: int) -> Path:
    from ideko.runtime.data.synth import SynthOptions, generate

    generate(out, SynthOptions(series=series, min_length=100, max_length=200))
    return out


def write_inputs(
    spec_path: Path, work: Path, data: Path, epochs: int, trials: int
) -> tuple[Path, Path]:
    """A copy of the spec pointing at the tiny data, with few epochs; and a models.yaml."""
    spec = yaml.safe_load(spec_path.read_text())
    spec["data"]["source"] = {"local": {"path": str(data)}}
    gate = spec["data"].get("quality_gate", {})
    gate["min_series"] = min(gate.get("min_series", 1), 10)
    gate["min_per_class"] = min(gate.get("min_per_class", 1), 3)
    spec["registry"] = {"uri": str(work / "registry")}
    models = {}
    for key, model in spec["models"].items():
        model["training_parameters"]["epochs"] = epochs
        if "hpo" in model:
            budget = model["hpo"]["budget"]
            budget.update(max_trials=trials, parallel_trials=1)
            budget["max_failed_trials"] = min(budget.get("max_failed_trials", 1), trials)
        models[key] = {k: model[k] for k in ORIGINAL_MODEL_KEYS if k in model}
    spec_file = work / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(spec, sort_keys=False))
    models_file = work / "models.yaml"
    models_file.write_text(yaml.safe_dump(models, sort_keys=False))
    return spec_file, models_file


def compile_spec(spec_file: Path, out: Path) -> Path:
    subprocess.run(
        [PYTHON, "-m", "ideko.compiler.cli", str(spec_file), "--out", str(out), "-q"], check=True
    )
    (pipeline,) = out.glob("*/pipeline.yaml")
    return pipeline


CPU: dict[str, float] = {}  # CPU seconds (user + sys) of each command and its children


def timed(cmd: list[str], log: Path) -> float:
    """Wall seconds of one command; its output goes to ``log``; a failure stops the bench."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with log.open("w") as out:
        code = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT).returncode
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU[log.stem] = cpu
    if code != 0:
        sys.exit(f"command failed ({code}): {' '.join(cmd[:6])} ... see {log}")
    load = os.getloadavg()[0]
    print(f"  {log.stem:<16} {elapsed:7.1f}s wall {cpu:7.1f}s CPU  (load {load:.1f})", flush=True)
    return elapsed


def startup(code: str, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([PYTHON, "-c", code], check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def where_time_goes(run_root: Path) -> dict[str, Any]:
    """Per-process fixed costs and the training time reported by the train steps."""
    (state_file,) = sorted(run_root.glob("*/state.json"))[:1]
    state = json.loads(state_file.read_text())
    tasks = {k: t for k, t in state["tasks"].items() if t.get("attempts")}
    training = sum(
        float(t["outputs"]["parameters"].get("training_time", 0.0))
        for k, t in tasks.items() if k.rsplit("/", 1)[-1].startswith("train-")
    )  # fmt: skip
    durations = {k: round(t["finished"] - t["started"], 2) for k, t in tasks.items()}
    return {
        "critical_path_s": critical_path_seconds(state_file.parent / "pipeline.yaml", durations),
        "cpu_s": dict(CPU),
        "cores": len(os.sched_getaffinity(0)),
        "python_start_s": startup("pass"),
        "kfp_executor_import_s": startup("import kfp.dsl.executor_main"),
        "tf_import_s": startup("import tensorflow", repeat=1),
        "task_processes": len(tasks),
        "training_time_s": training,
        "task_durations_s": durations,
    }


def critical_path_seconds(pipeline_file: Path, durations: dict[str, float]) -> float:
    """Longest chain of measured task durations: the floor for any amount of parallelism."""
    from ideko.local.runner.ir import load_pipeline

    pipeline = load_pipeline(pipeline_file)
    start: dict[str, float] = {}
    finish: dict[str, float] = {}
    for path, node in pipeline.nodes.items():  # parents and dependencies come first
        start[path] = max([finish[d] for d in node.deps] + [start.get(node.parent, 0.0)])
        finish[path] = start[path] + durations.get(path, 0.0)
        for ancestor in _ancestors(path):  # a DAG ends when its last task does
            finish[ancestor] = max(finish[ancestor], finish[path])
    return round(max(finish.values(), default=0.0), 1)


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


TIME_DEPENDENT = ("time", "latency", "score", "best_parameters", "best_objective", "promote")


def print_equivalence(kfp_root: Path, run_root: Path) -> None:
    """Per task: do kfp.local and ideko run agree on outputs that do not depend on timing?

    Tuning is not deterministic (its objective weighs training time), so the tuned model and
    everything downstream of the selection may legitimately differ.
    """
    reference = executor_outputs(kfp_root)
    (state_file,) = sorted(run_root.glob("*/state.json"))[:1]
    tasks = json.loads(state_file.read_text())["tasks"]
    print("\nequivalence with kfp.local (outputs not depending on measured time)")
    print("  (tuning weighs training time, so the tuned model and the selection may differ)")
    for path, task in tasks.items():
        leaf = path.rsplit("/", 1)[-1]
        if not task.get("attempts") or leaf not in reference:
            continue
        theirs = reference[leaf].get("parameterValues", {})
        mine = task["outputs"]["parameters"]
        keys = [k for k in mine if not any(t in k for t in TIME_DEPENDENT)]
        same = [k for k in keys if theirs.get(k) == mine[k]]
        differ = sorted(set(keys) - set(same))
        verdict = "same" if not differ else f"differs: {', '.join(differ)}"
        print(f"  {path:<40} {verdict}  ({len(same)}/{len(keys)} compared)")


def report(times: dict[str, float], breakdown: dict[str, Any], notes: list[str]) -> None:
    for note in notes:
        print(f"\nnote: {note}")
    print("\nwall time")
    for name, seconds in times.items():
        print(f"  {name:<18} {seconds:8.1f}s")
    cold = times["ideko run"]
    print("\nratios (target)")
    if "kfp.local" in times:
        print(f"  ideko run / kfp.local          {cold / times['kfp.local']:.2f}  (<= 0.60)")
    print(f"  ideko run -p1 / ideko run      {times['ideko run -p1'] / cold:.2f}  (>= 1.60)")
    print(f"  cached re-run / cold run       {times['ideko run cached'] / cold:.3f} (<= 0.10)")
    if "ideko baseline" in times:
        print(f"  ideko run / ideko baseline     {cold / times['ideko baseline']:.2f}")
    fresh = times["ideko run fresh"]
    print(f"  -p1 / parallel, fresh tasks    {times['ideko run -p1 fresh'] / fresh:.2f}  (>= 1.60)")
    print(
        f"  warm tasks / fresh processes   {cold / fresh:.2f} wall, "
        f"{CPU['run'] / CPU['run-fresh']:.2f} CPU"
    )
    n = breakdown["task_processes"]
    fixed = breakdown["python_start_s"] + breakdown["tf_import_s"]
    print("\nwhere the time goes")
    print(f"  cores                          {breakdown['cores']}")
    for name, cpu in breakdown["cpu_s"].items():
        print(f"  CPU time {name:<21} {cpu:.1f}s")
    print(f"  critical path (cold run)       {breakdown['critical_path_s']:.1f}s")
    print(f"  python start                   {breakdown['python_start_s']:.2f}s per process")
    print(f"  kfp executor import            {breakdown['kfp_executor_import_s']:.2f}s per process")
    print(f"  TensorFlow import              {breakdown['tf_import_s']:.2f}s per process")
    print(f"  task processes in the run      {n} (~{n * fixed:.0f}s of start + TF import, CPU)")
    print(f"  training (sum over models)     {breakdown['training_time_s']:.1f}s")
    for task, seconds in breakdown["task_durations_s"].items():
        print(f"    {task:<40} {seconds:6.1f}s")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
