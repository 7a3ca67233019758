"""Issue 11/15 numbers for the local runner's state: how long an engine's children outlive a
``kill -9`` of it, and how long ``ideko lineage`` takes both ways on a lineage database of
many runs.

1. kill -9: an engine process (a :class:`Launcher` in warm mode) starts a warm server, a fork
   of it and a fresh ``sh`` with two grandchildren, then is SIGKILLed; we time until none of
   them is alive (median of ``--repeat``). With ``--before DIR`` the same scenario also runs
   against an older checkout of ``local/launch`` (``git archive COMMIT local | tar -x -C DIR``)
   for the "before" figure; there the children outlive the engine until the wait ends.
2. lineage: ``--runs`` synthetic runs of the IDEKO shape (preprocess, tune, four train/evaluate,
   compare, register; every fourth run on new data) written through the runner's own
   ``LineageStore``; then median wall time of ``find_models`` + ``trace_back`` from a registry
   version and of ``trace_forward`` from a data fingerprint.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from proc_table import group_members, wait_gone  # shared with the tests of the same stop

ENGINE = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from ideko.local.launch.launcher import Launcher
    launcher = Launcher("warm", Path(sys.argv[1]))
    warm = launcher.launch([sys.executable, "-m", "sleepy_trial"], dict(os.environ))
    fresh = launcher.launch(["sh", "-c", "sleep 30 & sleep 31; wait"], dict(os.environ))
    print(warm.pid, fresh.pid, launcher.server._proc.pid, flush=True)
    time.sleep(60)
    """
)
SLEEPY = 'import time\nWARM_IMPORTS = ("json",)\nif __name__ == "__main__":\n    time.sleep(30)\n'


def survive_seconds(pythonpath: str, limit: float) -> float:
    """Seconds from SIGKILL of the engine until all its children are gone (``limit`` if
    some are still alive then; they are killed by us afterwards)."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "sleepy_trial.py").write_text(SLEEPY)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (pythonpath, tmp) if p)}
        engine = subprocess.Popen(
            [sys.executable, "-c", ENGINE, tmp], stdout=subprocess.PIPE, text=True, env=env, cwd=tmp
        )
        warm, fresh, server = map(int, engine.stdout.readline().split())  # type: ignore[union-attr]
        time.sleep(0.3)
        victims = {warm, server, *group_members(fresh), *group_members(warm)}
        engine.send_signal(signal.SIGKILL)
        engine.wait()
        took, left = wait_gone(victims, limit, poll=0.002)
        for pid in left:
                os.killpg(pid, signal.SIGKILL) if os.getpgid(pid) == pid else os.kill(pid, 9)
        return took


def lineage_numbers(runs: int, repeat: int) -> None:
    from ideko.local.runner.artifacts import ArtifactRef
    from ideko.local.runner.lineage import LineageStore
    from ideko.local.runner.lineage_walk import find_models, trace_back, trace_forward

    with tempfile.TemporaryDirectory() as tmp:
        store = LineageStore(Path(tmp) / "lineage.sqlite")
        started = time.perf_counter()
        for n in range(runs):
            _one_run(store, ArtifactRef, f"run-{n:04d}", n, Path(tmp))
        written = time.perf_counter() - started
        size = (Path(tmp) / "lineage.sqlite").stat().st_size
        back, forward = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            (model,) = find_models(store, f"anomaly/{runs // 2}")
            trace = trace_back(store, model)
            t1 = time.perf_counter()
            derived = trace_forward(store, trace.data["fingerprint"])
            t2 = time.perf_counter()
            back.append(t1 - t0)
            forward.append(t2 - t1)
        store.close()
    print(f"lineage: {runs} runs written in {written:.2f} s ({size / 1e6:.1f} MB)")
    print(f"  back  (name/version -> data): median {statistics.median(back) * 1e3:.1f} ms, "
          f"{len(trace.steps)} steps")  # fmt: skip
    print(f"  forward (fingerprint -> all): median {statistics.median(forward) * 1e3:.1f} ms, "
          f"{len(derived.runs)} runs, {len(derived.models)} models, "
          f"{len(derived.registry)} registry versions")  # fmt: skip


def _one_run(store: Any, ref: Any, run_id: str, n: int, root: Path) -> None:
    """One synthetic run of the IDEKO shape through the store's own writes."""
    data = n // 4  # four runs per data version
    store.record_run(run_id, "ideko", "sha", str(root / run_id), {}, "succeeded", time.time())

    def art(task: str, output: str, title: str, **md: object) -> object:
        uri = f"{root}/{run_id}/{task}/{output}"
        return ref(output, uri, title, metadata=md, digest="sha256:x")

    fp = f"sha256:{data:064x}"
    train = art("preprocess", "train_data", "system.Dataset", fingerprint=fp)
    test = art("preprocess", "test_data", "system.Dataset", fingerprint=fp)

    def execute(task: str, ins: dict, outs: dict, producers: dict | None = None) -> None:
        store.record_execution(
            run_id, task, f"comp-{task}", state="succeeded", attempts=1, cached=False,
            cache_key=f"{task}-{data}", started=time.time(), finished=time.time(),
            input_parameters={"data_uri": "data/synthetic"}, input_artifacts=ins,
            output_parameters={}, output_artifacts=outs, parameter_producers=producers,
        )  # fmt: skip

    execute("preprocess", {}, {"train_data": train, "test_data": test})
    execute("tune-lstm", {"train_data": train}, {})
    models, evals = {}, {}
    for name in ("cnn", "lstm", "nn", "rnn"):
        models[name] = art(f"train-{name}", "model", "system.Model", model_name=name)
        producers = {"overrides": "tune-lstm.best_parameters"} if name == "lstm" else None
        execute(f"train-{name}", {"train_data": train}, {"model": models[name]}, producers)
        evals[name] = art(f"evaluate-{name}", "evaluation", "system.Artifact", model_name=name)
        execute(f"evaluate-{name}", {"model": models[name], "test_data": test},
                {"evaluation": evals[name]})  # fmt: skip
    best = art("compare", "best_model", "system.Model", model_name="cnn")
    ins = {f"model_{k}": v for k, v in models.items()} | {f"eval_{k}": v for k, v in evals.items()}
    execute("compare", ins, {"best_model": best})
    entry = {"name": "anomaly", "version": str(n), "registry_backend": "mlflow"}
    registered = art("register", "registered_model", "system.Model", **entry, registry_uri="r")
    execute("register", {"best_model": best}, {"registered_model": registered})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--before", help="a folder holding an older ideko/local/launch tree")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    after = [survive_seconds("", 10.0) for _ in range(args.repeat)]
    print(f"kill -9: children gone after median {statistics.median(after) * 1e3:.0f} ms "
          f"(max {max(after) * 1e3:.0f} ms, n={args.repeat})")  # fmt: skip
    if args.before:
        before = [survive_seconds(args.before, 5.0) for _ in range(3)]
        print(f"  before (at {args.before}): still alive after {min(before):.1f} s "
              "(the check stops there; the children run to their natural end)")  # fmt: skip
    lineage_numbers(args.runs, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
