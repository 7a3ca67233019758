"""Model-quality benchmark (issue 10): public UCR sets through `ideko run`, beside the papers.

ArrowHead, ItalyPowerDemand and OSULeaf as sktime 1.2.0 ships them (``.ts``, no download),
converted to IDEKO's layout by ``ideko.runtime.data.ucr`` (class folders, the official TRAIN
and TEST files as the day folders ``train`` and ``test``), then one spec per set run with
``ideko run`` and ``split: {strategy: by_day, test_days: [test]}``: the official split. The
spec declares the four original models (their ``model_parameters`` as in
``specs/ideko.yaml``, i.e. IDEKO's models.yaml) and FCN, ResNet and Inception with the
schema's defaults (the papers' settings); every model has the same training settings below.
Two runs per set: untuned (no ``hpo``) and tuned (every model has an ``hpo`` section with the
architecture's default search space, ``$defs.searchSpaces``, searched by TPE on
validation_accuracy). Printed per set and architecture: test accuracy and macro F1, tuned
and untuned, beside the published MLP / FCN / ResNet accuracies (Ismail Fawaz et al. 2019,
mean of 10 runs; see bench/README.md). Other UCR sets are held out: do not tune on them.

Training settings not given on the command line are the schema's defaults for the model's
architecture (``$defs.trainingParameters``; fcn/resnet/inception: ``convTrainingParameters``);
``--training NAME=VALUE`` sets one for every model (e.g. ``refit=true``). Epochs are chosen
per set and model: ``--epochs``, then ``--set-epochs SET=N``, then ``--epochs-for
SET:MODEL=N`` (measure the per-epoch cost first: the ``epoch_seconds`` column of
``history.json``).

Usage: python bench/quality_bench.py [--sets A,B] [--models FCN,LSTM] [--epochs 150]
[--set-epochs OSULeaf=40] [--epochs-for OSULeaf:FCN=200] [--patience 40] [--training
[SET:]refit=true] [--trials 4] [--parallel 2] [--tuned-models FCN,ArrowHead:CNN]
[--untuned-only OSULeaf] [--arms tuned] [--tuned-epochs-factor 0.5] [--workdir DIR] [--json FILE]
python bench/quality_bench.py --table-from A.json B.json   (the table of earlier runs)
python bench/quality_bench.py --sets OSULeaf --workdir DIR --collect   (a run still going)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SETS = ("ArrowHead", "ItalyPowerDemand", "OSULeaf")
# Ismail Fawaz et al. 2019, "Deep learning for time series classification: a review", Data
# Min. Knowl. Disc. 33(4), results on the UCR/UEA archive (85 sets), mean accuracy in % over
# 10 runs: the companion repository's results/results-uea-avg-std.csv (MLP, FCN, ResNet).
PUBLISHED = {
    "ArrowHead": {"MLP": 77.8, "FCN": 84.3, "ResNet": 84.5},
    "ItalyPowerDemand": {"MLP": 95.4, "FCN": 96.1, "ResNet": 96.3},
    "OSULeaf": {"MLP": 55.7, "FCN": 97.7, "ResNet": 97.9},
}
ORIGINAL = ("NeuralNetwork", "CNN", "RNN", "LSTM")
NEW = {"FCN": "fcn", "Resnet": "resnet", "Inception": "inception"}


def original_models() -> dict[str, dict[str, Any]]:
    """The four original models' architecture settings, as specs/ideko.yaml declares them."""
    spec = yaml.safe_load((ROOT / "specs" / "ideko.yaml").read_text(encoding="utf-8"))
    return {k: {"model_parameters": spec["models"][k]["model_parameters"]} for k in ORIGINAL}


def epochs_of(args: argparse.Namespace, data_set: str, model: str) -> int:
    """``--epochs-for SET:MODEL``, else ``--set-epochs SET``, else ``--epochs``."""
    return int(args.epochs_for.get(f"{data_set}:{model}",
                                   args.set_epochs.get(data_set, args.epochs)))


def model_section(names: list[str], args: argparse.Namespace, data_set: str,
                  tuned: list[str], factor: float = 1.0) -> dict[str, Any]:
    """The spec's ``models:``: every model trained alike but for its epochs; tuned ones get
    the default search space (their trials and retrain run ``factor`` x the epochs)."""
    originals = original_models()
    models: dict[str, Any] = {}
    for name in names:
        body = dict(originals[name]) if name in originals else {"architecture": NEW[name]}
        epochs = max(1, round(epochs_of(args, data_set, name) * factor))
        body["training_parameters"] = {"epochs": epochs, "batch_size": args.batch_size,
                                       "patience": args.patience,
                                       **args.training.get("", {}),
                                       **args.training.get(data_set, {})}
        if name in tuned:
            body["hpo"] = {
                "algorithm": "tpe",
                "objective": {"metric": "validation_accuracy", "type": "maximize"},
                "budget": {"max_trials": args.trials, "parallel_trials": args.parallel,
                           "max_failed_trials": args.trials},
            }
        models[name] = body
    return models


def write_spec(data_dir: Path, classes: dict[str, str], models: dict[str, Any], path: Path,
               name: str) -> Path:
    spec = {
        "apiVersion": "ideko.dev/v1",
        "metadata": {"name": name, "description": "quality_bench.py: a UCR set, official split"},
        "runtime": {"image": "ghcr.io/ideko/ideko-runtime:0.1.0"},
        "data": {
            "source": {"local": {"path": str(data_dir)}},
            "indicators": ["f1"],
            "classes": classes,
            "padding": {"value": 0.0, "side": "post"},
            "split": {"strategy": "by_day", "test_days": ["test"], "seed": 2},
            "quality_gate": {"min_series": 10, "min_per_class": 2, "max_nan_fraction": 0.0,
                             "required_indicators": ["f1"]},
        },
        "models": models,
        "execution": {"parallelism": 2, "caching": False},
        "conditions": {"quality_gate": True},
        "selection": {"criteria": [{"metric": "accuracy", "weight": 1.0}]},
        # a benchmark reads its scores from the runs: no MLflow tracking (~4 s per training)
        "registry": {"uri": str(path.parent / "registry"), "tracking": False},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def run_spec(spec: Path, run_dir: Path, log: Path) -> tuple[float, dict[str, dict[str, float]]]:
    """``ideko run SPEC``; returns the wall time and ``{model key: evaluation summary}``."""
    ideko = Path(sys.executable).with_name("ideko")
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.call(
            [str(ideko), "run", str(spec), "--run-dir", str(run_dir), "--no-cache"],
            stdout=out, stderr=subprocess.STDOUT, cwd=spec.parent,
        )
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"ideko run {spec} failed (exit {code}); see {log}")
    return seconds, evaluations(run_dir)


def evaluations(run_dir: Path) -> dict[str, dict[str, Any]]:
    """``{model key: evaluation summary}`` of the latest run in ``run_dir`` (the models
    evaluated so far, for a run still going or stopped)."""
    runs = sorted((p for p in run_dir.iterdir() if (p / "state.json").exists()),
                  key=lambda p: p.stat().st_mtime)
    results: dict[str, dict[str, Any]] = {}
    for path in (runs[-1] / "artifacts").rglob("evaluation") if runs else ():
        if path.is_file():
            document = json.loads(path.read_text(encoding="utf-8"))
            config = document["model_config"]
            results[str(document["key"])] = {
                **document["summary"],
                "best_epoch": document.get("best_epoch"),
                "epochs_run": len(document.get("history", {}).get("loss", [])),
                "epoch_seconds": _median(document.get("epoch_seconds", [])),
                "training_parameters": config["training_parameters"],
                "model_parameters": config["model_parameters"],
                "learning_rate": config["training_parameters"]["learning_rate"],
                "batch_size": config["training_parameters"]["batch_size"],
            }
    return results


def collect(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """What the run directories of ``name`` under ``--workdir`` hold, without running: the
    arms' models evaluated so far (seconds: from the spec's write to the log's last write)."""
    out: dict[str, Any] = {}
    for arm in ("untuned", "tuned"):
        base = args.workdir / name / arm
        if (base / "runs").is_dir():
            seconds = (base / "run.log").stat().st_mtime - (base / "spec.yaml").stat().st_mtime
            out[arm] = {"seconds": seconds, "results": evaluations(base / "runs"),
                        "collected": True}
    return out


def _median(values: list[float]) -> float | None:
    ordered = sorted(float(v) for v in values)
    return ordered[len(ordered) // 2] if ordered else None


def bench_set(name: str, args: argparse.Namespace, names: list[str]) -> dict[str, Any]:
    from ideko.runtime.data.ucr import convert, packaged_ts_dir

    base = args.workdir / name
    converted = convert(packaged_ts_dir(name), name, base / "data", force=True)
    print(f"{name}: {converted.counts['train']} train / {converted.counts['test']} test series"
          f" of {converted.length} steps, {len(converted.classes)} classes", flush=True)
    out: dict[str, Any] = {"counts": converted.counts, "length": converted.length}
    tuned = [m for m in names if m in args.tuned_models or f"{name}:{m}" in args.tuned_models]
    if name in args.untuned_only:
        tuned = []
    arms = {arm: arm_names for arm, arm_names in (("untuned", names), ("tuned", tuned))
            if arm in args.arms}
    out["epochs"] = {m: epochs_of(args, name, m) for m in names}
    for arm, arm_names in arms.items():
        if not arm_names:
            continue
        factor = args.tuned_epochs_factor if arm == "tuned" else 1.0
        models = model_section(arm_names, args, name,
                               tuned=arm_names if arm == "tuned" else [], factor=factor)
        spec = write_spec(base / "data", converted.classes, models, base / arm / "spec.yaml",
                          f"bench-{name.lower()}-{arm}")
        load_before = os.getloadavg()[0]
        seconds, results = run_spec(spec, base / arm / "runs", base / arm / "run.log")
        load = (load_before, os.getloadavg()[0])
        print(f"  {arm}: ideko run {seconds:.0f} s, load average {load[0]:.1f} -> {load[1]:.1f}",
              flush=True)
        out[arm] = {"seconds": seconds, "results": results, "load": load}
    return out


def _cells(row: dict[str, Any] | None) -> str:
    if not row:
        return f"{'-':>6}{'-':>6}{'-':>9}"
    kept = f"{row.get('best_epoch')}/{row.get('epochs_run')}"
    return f"{100 * row['accuracy']:6.1f}{100 * row['macro_f1']:6.1f}{kept:>9}"


def table(all_results: dict[str, Any], names: list[str]) -> str:
    """One row per set and model: untuned and tuned accuracy / macro F1 / kept epoch of
    epochs run, the gain, the published figures; then each set's target verdict."""
    lines = [f"{'set':<17}{'model':<14}{'acc':>6}{'F1':>6}{'kept':>9}  |{'acc':>6}{'F1':>6}"
             f"{'kept':>9}{'gain':>7}   published MLP / FCN / ResNet",
             f"{'':<31}{'untuned':^21}  |{'tuned':^21}"]
    for name, result in all_results.items():
        pub = PUBLISHED[name]
        for model in names:
            base = result.get("untuned", {}).get("results", {}).get(model)
            tuned = result.get("tuned", {}).get("results", {}).get(model)
            gain = (f"{100 * (tuned['accuracy'] - base['accuracy']):+7.1f}"
                    if base and tuned else f"{'-':>7}")
            lines.append(f"{name:<17}{model:<14}{_cells(base)}  |{_cells(tuned)}{gain}   "
                         f"{pub['MLP']:.1f} / {pub['FCN']:.1f} / {pub['ResNet']:.1f}")
        rows = [(r["accuracy"], f"{model} {arm}") for arm in ("untuned", "tuned")
                for model, r in result.get(arm, {}).get("results", {}).items()]
        best, which = max(rows, default=(0.0, "-"))
        target = pub["FCN"] - 2.0
        verdict = "OK" if 100 * best >= target else f"MISSED by {target - 100 * best:.1f}"
        loads = [f"{arm} {result[arm]['seconds']:.0f} s at load {result[arm]['load'][0]:.1f}-"
                 f"{result[arm]['load'][1]:.1f}" for arm in ("untuned", "tuned")
                 if arm in result and "load" in result[arm]]
        lines.append(f"{name:<17}best {100 * best:.1f} ({which}) vs FCN - 2 = {target:.1f}: "
                     f"{verdict}; {'; '.join(loads)}")
    return "\n".join(lines)


def _settings(items: list[str], parser: argparse.ArgumentParser) -> dict[str, dict[str, Any]]:
    """``[SET:]NAME=VALUE`` items as ``{set or "": {name: value}}`` (values read as YAML)."""
    out: dict[str, dict[str, Any]] = {}
    for text in items:
        target, sep, value = text.partition("=")
        if not sep:
            parser.error(f"--training {text!r}: expected [SET:]NAME=VALUE")
        data_set, _, name = target.rpartition(":")
        out.setdefault(data_set, {})[name.strip()] = yaml.safe_load(value)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--models", default=",".join([*ORIGINAL, *NEW]))
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--patience", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--set-epochs", default="", help="per-set epochs, e.g. OSULeaf=40")
    parser.add_argument("--epochs-for", default="",
                        help="per set and model, e.g. OSULeaf:FCN=200,OSULeaf:LSTM=10")
    parser.add_argument("--training", action="append", default=[], metavar="[SET:]NAME=VALUE",
                        help="a training_parameters setting for every model (of SET), e.g. "
                             "ArrowHead:refit=true")
    parser.add_argument("--table-from", nargs="+", type=Path, metavar="JSON",
                        help="only print the table of earlier --json files (one run per set)")
    parser.add_argument("--tuned-epochs-factor", type=float, default=1.0,
                        help="the tuned arm's epochs (trials and retrain) as a share of the "
                             "untuned arm's")
    parser.add_argument("--tuned-models", default=None,
                        help="models of the tuned run (all), each MODEL or SET:MODEL")
    parser.add_argument("--untuned-only", default="", help="sets run without the tuned arm")
    parser.add_argument("--arms", default="untuned,tuned",
                        help="the arms to run (e.g. tuned alone, beside an untuned run)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "results" / "quality")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--collect", action="store_true",
                        help="run nothing: read the models evaluated so far under --workdir")
    args = parser.parse_args(argv)
    sets = [s for s in args.sets.split(",") if s]
    unknown = [s for s in sets if s not in SETS]
    if unknown:
        parser.error(f"only {', '.join(SETS)} are benchmarked (others are held out): {unknown}")
    names = [m for m in args.models.split(",") if m]
    if args.table_from:
        merged: dict[str, Any] = {}
        for path in args.table_from:  # a set's arms may come from different runs
            for name, result in json.loads(path.read_text(encoding="utf-8")).items():
                merged.setdefault(name, {}).update(result)
        print(table(merged, names), flush=True)
        return 0
    pairs = [item.split("=") for item in args.set_epochs.split(",") if item]
    args.set_epochs = {key: int(value) for key, value in pairs}
    pairs = [item.split("=") for item in args.epochs_for.split(",") if item]
    args.epochs_for = {key: int(value) for key, value in pairs}
    args.training = _settings(args.training, parser)
    args.tuned_models = names if args.tuned_models is None else args.tuned_models.split(",")
    args.untuned_only = [s for s in args.untuned_only.split(",") if s]
    args.arms = [a for a in args.arms.split(",") if a]
    args.workdir = args.workdir.resolve()
    print(f"load average {os.getloadavg()[0]:.1f}; epochs {args.epochs} {args.set_epochs} "
          f"{args.epochs_for}, patience {args.patience}, batch {args.batch_size}, trials "
          f"{args.trials}, training {args.training}", flush=True)
    all_results: dict[str, Any] = {}
    for name in sets:
        all_results[name] = collect(name, args) if args.collect else bench_set(name, args, names)
        if args.json:  # after every set: a long run's finished sets are kept
            args.json.write_text(json.dumps(all_results, indent=2), encoding="utf-8")
    print(table(all_results, names), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
