"""HPO benchmark (issue 5): does tuning pay, and what does medianstop save?

Setting: a harder synthetic IDEKO set (1,800 series of 75…200 steps, `--difficulty 0.85`:
overlapping classes) prepared with a stratified 0.3 test split (540 test series; the train
step's validation split of the 1,260 train series is 252 series), sized so that one series
is well under a point on both splits (at 600 series of 150…400 steps, one validation series
was 1.19 points: "<= 1 point loss" meant "no change" and the validation winner did not carry
over to test), with series half as long to keep the run time bounded; and a CNN whose spec
defaults (the example spec's filters [32, 64], kernel 3, batch 32, Adam with its default
learning rate, the spec's EarlyStopping patience 10) are not tuned for it. The Katib
Experiment searches what a practitioner would: learning_rate log-uniformly over 1e-5…1e-1,
the optimizer (adam, sgd, rmsprop), batch_size (16…128), filters_0 and kernel_size, with TPE
(Katib's/optuna's default 10 random start-up trials, fixed random_state) for
validation_accuracy (the train step's internal validation split), `--trials` trials of up to
`--epochs` epochs, `--parallel` at a time. Part of that space crawls (sgd at 1e-5) or
diverges (rmsprop at 1e-1): the trials medianstop exists to cut. Trials are real
`python -m ideko.runtime.steps.train` processes, started as `ideko tune` starts them
(`--launcher warm`: forks of a server that imported TensorFlow once; `process`: fresh
interpreters). One run of TPE is one draw: the whole comparison is repeated for each of
`--sampler-seeds` (TPE random_state) and reported per seed and as the mean.

1. Tuned vs default: the best trial's parameters and the defaults are each trained once more
   in-process with the same data and seed, then evaluated on the held-out test split
   (accuracy and macro F1). Target: >= +5 points.
2. medianstop: the same experiment (same budget, same seeds, same sampler seed) with and
   without Katib's medianstop (Katib's defaults: min_trials_required 3, start_step 4; change
   with --start-step). Both arms get the same suggestions until a stop (or, with
   --parallel > 1, a different finishing order) changes the history the sampler sees; the
   shared prefix is printed. Reported: total trial wall time (sum of trial run times;
   sensitive to other load on the machine), the trials' CPU time (wait4 of each trial
   process) and epochs trained (load-independent), and the best validation_accuracy.
   Target: >= 30 % less time for <= 1 point lower best metric. The rule is also replayed
   on the run without it at several start_steps (epochs saved, best kept), to show where the
   target is reachable at all.

Printed, not asserted. Usage: python bench/hpo_bench.py [--trials 20] [--parallel 2]
[--epochs 30] [--series 1800] [--min-length 75] [--max-length 200] [--difficulty 0.85]
[--start-step 4] [--sampler-seeds 7,8,9] [--launcher warm|process] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "local" / "katib"))

from hpo_helpers import manifest  # the Katib Experiment frame the tuner tests build on
from ideko.runtime.baseline import data_config as baseline_data_config
from ideko.runtime.document_files import read_yaml
from ideko.runtime.training.models_yaml import model_configs

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_SPEC = "specs/ideko.yaml"
SEED = 2
VALIDATION_SPLIT = 0.2  # the train step's default (training_parameters.validation_split)
# The original script's data handling (ideko baseline), with a stratified 30 % test split so
# the held-out comparison has enough series per class.
DATA_CONFIG = {
    **baseline_data_config(["f3", "f4", "f5"], SEED),
    "split": {"strategy": "stratified", "test_size": 0.3, "test_days": [], "seed": SEED},
}
SEARCH = [
    (
        "learning_rate",
        "double",
        {"min": "0.00001", "max": "0.1", "distribution": "logUniform"},
        "training_parameters.learning_rate",
    ),
    (
        "optimizer",
        "categorical",
        {"list": ["adam", "sgd", "rmsprop"]},
        "training_parameters.optimizer",
    ),
    (
        "batch_size",
        "categorical",
        {"list": ["16", "32", "64", "128"]},
        "training_parameters.batch_size",
    ),
    ("filters_0", "int", {"min": "8", "max": "64", "step": "8"}, "model_parameters.filters.0"),
    ("kernel_size", "int", {"min": "3", "max": "15", "step": "2"}, "model_parameters.kernel_size"),
]


def default_config(epochs: int) -> dict:
    """The example spec's CNN (``specs/ideko.yaml``, schema defaults filled the way the runtime
    fills them), with the bench's epoch budget."""
    spec = read_yaml(ROOT / EXAMPLE_SPEC, SystemExit)
    configs = {config["key"]: config for config, _ in model_configs(spec["models"], EXAMPLE_SPEC)}
    config = configs["CNN"]
    config["training_parameters"]["epochs"] = epochs
    return config


def experiment(
    name: str,
    config: dict,
    train: Path,
    trials: int,
    parallel: int,
    medianstop: bool,
    start_step: int = 4,
    sampler_seed: int = 7,
) -> dict:
    """A Katib v1beta1 Experiment whose trials run the train step on ``train``."""
    args = [
        "-m",
        "ideko.runtime.steps.train",
        "--model-config",
        json.dumps(config),
        "--train-data",
        str(train),
        "--seed",
        str(SEED),
    ]
    for pname, _, _, target in SEARCH:
        args += ["--set", f"{target}=${{trialParameters.{pname}}}"]
    return manifest(
        parameters=[
            {"name": n, "parameterType": t, "feasibleSpace": space} for n, t, space, _ in SEARCH
        ],
        args=args,
        algorithm="tpe",
        settings={"random_state": str(sampler_seed)},
        max_trials=trials,
        parallel=parallel,
        max_failed=trials,
        early_stopping=(
            {"min_trials_required": "3", "start_step": str(start_step)} if medianstop else None
        ),
        metric="validation_accuracy",
        container="training",
        image="ideko-runtime",
        command=["python"],
        name=name,
        namespace=None,
    )


def tune(manifest: dict, out: Path, parallel: int, launcher: str) -> dict:
    """Run one experiment; wall time, CPU time of the trial processes and epochs trained."""
    from ideko.local.katib.tuner import TuneOptions, run_experiment
    from ideko.runtime.katib.experiment import plan_from_dict

    started = time.time()
    options = TuneOptions(out_dir=out, parallel=parallel, launcher=launcher)
    result = run_experiment(plan_from_dict(manifest), options)
    cpu = sum(t.cpu_seconds or 0.0 for t in result.trials)
    states: dict[str, int] = {}
    for trial in result.trials:
        states[trial.state] = states.get(trial.state, 0) + 1
    curves = [_epoch_curve(Path(t.log_path)) for t in result.trials]
    fits = [_fit_seconds(Path(t.log_path)) for t in result.trials]
    epochs = sum(len(c) for c in curves)
    best = result.best
    return {
        "condition": f"{result.condition} ({result.reason})",
        "states": states,
        "trial_seconds": sum(t.seconds for t in result.trials),
        "trial_cpu_seconds": cpu,
        "epochs_trained": epochs,
        "wall_seconds": time.time() - started,
        "best_trial": best.name if best else None,
        "best_validation_accuracy": result.objective_value(best) if best else None,
        "best_assignments": dict(best.assignments) if best else {},
        "curves": curves,
        "spans": [(t.started - started, t.finished - started) for t in result.trials],
        "trials": [
            {
                "name": t.name,
                "state": t.state,
                "assignments": dict(t.assignments),
                "epochs": len(curve),
                "best": max(curve) if curve else None,
                "message": t.message,
                "seconds": t.seconds,
                "cpu_seconds": t.cpu_seconds,
                "fit_seconds": fit,
            }
            for t, curve, fit in zip(result.trials, curves, fits, strict=True)
        ],
    }


def _epoch_curve(log: Path) -> list[float]:
    """The per-epoch validation_accuracy reports of one trial log, in order."""
    values = []
    for line in log.read_text().splitlines():
        match = re.search(r"validation_accuracy=([-+.\deE]+)", line)
        if line.startswith("epoch=") and match:
            values.append(float(match.group(1)))
    return values


def _fit_seconds(log: Path) -> float | None:
    """The trial's own ``training_time`` report (time inside model.fit); None if stopped."""
    found = None
    for line in log.read_text().splitlines():
        match = re.search(r"training_time=([-+.\deE]+)", line)
        if match:
            found = float(match.group(1))
    return found


def overhead_line(run: dict) -> str:
    """Per-trial time outside model.fit (process start, imports, data, model build, save).

    No early stopping can save it: it is paid by every trial, stopped or not.
    """
    pairs = [(t["seconds"], t["fit_seconds"]) for t in run["trials"] if t["fit_seconds"]]
    if not pairs:
        return "  no trial reported training_time"
    total = sum(a for a, _ in pairs)
    outside = sum(a - b for a, b in pairs)
    return (
        f"  {len(pairs)} finished trials: {outside / len(pairs):.1f} s per trial outside "
        f"model.fit = {100 * outside / total:.0f} % of their wall time"
    )


def replay(run: dict, start_steps: list[int], min_trials: int = 3) -> list[str]:
    """Katib's medianstop rule replayed on a run without early stopping (load-independent).

    Trial i gets the rule made from the trials that had finished when it started (and were
    not stopped in the replay); the rule is evaluated on its recorded per-epoch curve. An
    approximation: a real run's sampler would propose different trials after a stop.
    """
    from ideko.local.katib.earlystop import RuleWatcher, median_rule

    curves, spans = run["curves"], run["spans"]
    total, best_all = sum(len(c) for c in curves), max(max(c) for c in curves if c)
    lines = []
    for step in start_steps:
        stopped: dict[int, int] = {}
        for i, curve in enumerate(curves):
            done = [
                curves[j][: stopped.get(j, len(curves[j]))]
                for j in range(len(curves))
                if j not in stopped and spans[j][1] <= spans[i][0]
            ]
            rule = median_rule(
                done,
                metric="validation_accuracy",
                objective_type="maximize",
                min_trials_required=min_trials,
                start_step=step,
            )
            if rule is None:
                continue
            watcher = RuleWatcher(rule)
            for k, value in enumerate(curve):
                if watcher.report(value):
                    stopped[i] = k + 1
                    break
        saved = sum(len(curves[i]) - n for i, n in stopped.items())
        kept = max(max(c[: stopped.get(i, len(c))]) for i, c in enumerate(curves) if c)
        lines.append(
            f"  start_step {step:>2}: {len(stopped):>2} trial(s) stopped, epochs saved "
            f"{100 * saved / total:5.1f} %, best metric {kept:.4f} (without: {best_all:.4f})"
        )
    return lines


def train_and_evaluate(config: dict, overrides: dict, data: Path, out: Path) -> dict:
    from ideko.runtime.steps import evaluate, train

    train.run(config, str(data / "train.npz"), SEED, out, overrides=overrides, emit_metrics=False)
    document = evaluate.run(config, out, str(data / "train.npz"), str(data / "test.npz"))
    return {k: document["summary"][k] for k in ("accuracy", "macro_f1", "training_time")}


def overrides_of(assignments: dict) -> dict:
    """Katib's string assignments → the train step's typed overrides."""
    out: dict = {}
    for name, kind, _, target in SEARCH:
        value = assignments[name]
        if kind == "double":
            out[target] = float(value)
        elif kind == "int" or value.isdigit():
            out[target] = int(value)
        else:
            out[target] = value
    return out


def resolution_lines(n_train: int, n_test: int) -> list[str]:
    """Points per series of the validation split (what Katib ranks by) and the test split.

    A metric cannot change by less than one series, so targets stated in points only mean
    something when a series is well under a point.
    """
    # Keras' validation_split keeps the last n - floor(n * (1 - split)) series
    n_val = n_train - math.floor(n_train * (1 - VALIDATION_SPLIT))
    return [
        f"resolution: validation_accuracy {n_val} validation series, one series = "
        f"{100 / n_val:.2f} points",
        f"resolution: test accuracy {n_test} test series, one series = {100 / n_test:.2f} points",
    ]


def trial_table(run: dict) -> list[str]:
    """One line per trial: state, epochs run, best validation_accuracy, assignments."""
    lines = []
    for t in run["trials"]:
        a = t["assignments"]
        best = "   -  " if t["best"] is None else f"{t['best']:.4f}"
        lines.append(
            f"  {t['name'][-3:]} {t['state']:<12} epochs {t['epochs']:>2}  best {best}  "
            f"lr {float(a['learning_rate']):.2e} {a['optimizer']:<7} batch {a['batch_size']:>3} "
            f"filters_0 {a['filters_0']:>2} kernel {a['kernel_size']:>2}"
        )
    return lines


def shared_prefix(a: dict, b: dict) -> int:
    """How many leading trials both arms ran with identical assignments."""
    n = 0
    for x, y in zip(a["trials"], b["trials"], strict=False):
        if x["assignments"] != y["assignments"]:
            break
        n += 1
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--series", type=int, default=1800)
    parser.add_argument("--min-length", type=int, default=75, help="shortest series (steps)")
    parser.add_argument("--max-length", type=int, default=200, help="longest series (steps)")
    parser.add_argument("--difficulty", type=float, default=0.85)
    parser.add_argument("--start-step", type=int, default=4, help="medianstop start_step")
    parser.add_argument(
        "--sampler-seeds", default="7,8,9", help="TPE random_state values, one repeat each"
    )
    parser.add_argument("--launcher", choices=("warm", "process"), default="warm")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "results" / "hpo")
    args = parser.parse_args()
    seeds = [int(x) for x in args.sampler_seeds.split(",") if x.strip()]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("IDEKO_NUM_THREADS", "1")

    from ideko.runtime.data.dataset_io import save_dataset
    from ideko.runtime.data.prepare import prepare
    from ideko.runtime.data.synth import SynthOptions, generate

    work = args.workdir.resolve()
    if work.exists():
        shutil.rmtree(work)
    data = work / "data"
    generate(
        data / "raw",
        SynthOptions(
            series=args.series,
            seed=11,
            days=3,
            difficulty=args.difficulty,
            min_length=args.min_length,
            max_length=args.max_length,
        ),
    )
    train_split, test_split, _, _ = prepare(data / "raw", DATA_CONFIG, SEED)
    save_dataset(data / "train.npz", train_split)
    save_dataset(data / "test.npz", test_split)
    print(
        f"data: {len(train_split)} train / {len(test_split)} test series, "
        f"difficulty {args.difficulty}, length {train_split.X.shape[1]}; load "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; launcher {args.launcher}"
    )
    for line in resolution_lines(len(train_split), len(test_split)):
        print(line, flush=True)

    config = default_config(args.epochs)
    runs: dict[int, dict[str, dict]] = {}
    for seed in seeds:
        runs[seed] = {}
        for label, medianstop in (("no-earlystop", False), ("medianstop", True)):
            manifest = experiment(
                f"bench-{label}-s{seed}",
                config,
                data / "train.npz",
                args.trials,
                args.parallel,
                medianstop,
                args.start_step,
                seed,
            )
            run = tune(manifest, work / f"seed-{seed}" / label, args.parallel, args.launcher)
            runs[seed][label] = run
            shown = {k: v for k, v in run.items() if k not in ("curves", "spans", "trials")}
            print(f"seed {seed} {label}: {json.dumps(shown)}", flush=True)

    default = train_and_evaluate(config, {}, data, work / "models" / "default")
    tuned = {
        seed: {
            label: train_and_evaluate(
                config,
                overrides_of(runs[seed][label]["best_assignments"]),
                data,
                work / "models" / f"seed-{seed}-{label}",
            )
            for label in ("no-earlystop", "medianstop")
        }
        for seed in seeds
    }
    report(runs, default, tuned, seeds, len(train_split), len(test_split))
    results = {"default": default, "tuned": tuned, "runs": runs}
    (work / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def report(
    runs: dict[int, dict[str, dict]],
    default: dict,
    tuned: dict[int, dict],
    seeds: list[int],
    n_train: int,
    n_test: int,
) -> None:
    """Both targets, per sampler seed and averaged over the seeds."""
    print()
    print("== 1. tuned vs default (held-out test split, same data and seed) ==")
    print(
        f"default (spec CNN)   accuracy {default['accuracy']:.4f}  macro F1 "
        f"{default['macro_f1']:.4f}"
    )
    gains_acc, gains_f1 = [], []
    for seed in seeds:
        plain, result = runs[seed]["no-earlystop"], tuned[seed]["no-earlystop"]
        gains_acc.append(result["accuracy"] - default["accuracy"])
        gains_f1.append(result["macro_f1"] - default["macro_f1"])
        print(
            f"tuned, TPE seed {seed}  accuracy {result['accuracy']:.4f}  macro F1 "
            f"{result['macro_f1']:.4f}  (best trial {plain['best_trial'][-3:]}, validation "
            f"{plain['best_validation_accuracy']:.4f}) {plain['best_assignments']}"
        )
    print(
        f"gain, mean over {len(seeds)} seeds: accuracy {100 * mean(gains_acc):+.1f} points "
        f"(per seed {', '.join(f'{100 * g:+.1f}' for g in gains_acc)}), macro F1 "
        f"{100 * mean(gains_f1):+.1f} points (per seed "
        f"{', '.join(f'{100 * g:+.1f}' for g in gains_f1)}); target >= +5"
    )
    print("== 2. same budget with and without medianstop ==")
    saved_wall, saved_cpu, saved_epochs, losses, test_changes = [], [], [], [], []
    for seed in seeds:
        plain, stopped = runs[seed]["no-earlystop"], runs[seed]["medianstop"]
        for label, run in (("without", plain), ("with", stopped)):
            print(
                f"seed {seed} {label:<8} trial wall {run['trial_seconds']:7.1f}s  trial CPU "
                f"{run['trial_cpu_seconds']:7.1f}s  epochs {run['epochs_trained']:4d}  best "
                f"validation_accuracy {run['best_validation_accuracy']:.4f}  {run['states']}"
            )
        saved_wall.append(1 - stopped["trial_seconds"] / plain["trial_seconds"])
        saved_cpu.append(1 - stopped["trial_cpu_seconds"] / plain["trial_cpu_seconds"])
        saved_epochs.append(1 - stopped["epochs_trained"] / plain["epochs_trained"])
        losses.append(plain["best_validation_accuracy"] - stopped["best_validation_accuracy"])
        test_changes.append(
            tuned[seed]["medianstop"]["accuracy"] - tuned[seed]["no-earlystop"]["accuracy"]
        )
        print(
            f"seed {seed}: saved {100 * saved_wall[-1]:.1f} % wall, {100 * saved_cpu[-1]:.1f} % "
            f"CPU, {100 * saved_epochs[-1]:.1f} % epochs; best validation change "
            f"{-100 * losses[-1]:+.1f} points, its retrained test accuracy change "
            f"{100 * test_changes[-1]:+.1f} points; shared first "
            f"{shared_prefix(plain, stopped)} of {len(plain['trials'])} suggestions"
        )
    print(
        f"mean over {len(seeds)} seeds: time saved {100 * mean(saved_wall):.1f} % wall, "
        f"{100 * mean(saved_cpu):.1f} % CPU, {100 * mean(saved_epochs):.1f} % epochs "
        f"(target >= 30 %); best validation_accuracy change {-100 * mean(losses):+.1f} points "
        f"(per seed {', '.join(f'{-100 * x:+.1f}' for x in losses)}; target >= -1); test "
        f"accuracy of the retrained best {100 * mean(test_changes):+.1f} points"
    )
    for line in resolution_lines(n_train, n_test):
        print(line)
    print("time a stop cannot save (runs without medianstop):")
    for seed in seeds:
        print(f"  seed {seed}:" + overhead_line(runs[seed]["no-earlystop"])[1:])
    print("replay of Katib's medianstop rule on the runs without it (epochs, load-independent):")
    for seed in seeds:
        print(f"  seed {seed}:")
        for line in replay(runs[seed]["no-earlystop"], [2, 4, 6, 8]):
            print("  " + line)
    for seed in seeds:
        for label in ("no-earlystop", "medianstop"):
            print(f"trials, seed {seed}, {label}:")
            for line in trial_table(runs[seed][label]):
                print(line)


if __name__ == "__main__":
    sys.exit(main())
