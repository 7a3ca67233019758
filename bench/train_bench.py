"""Training benchmark: seconds per epoch for each architecture on the default synthetic data,
and the whole `ideko baseline` wall time (the reference the local runner is compared with).

Data: `ideko data synth` defaults (240 series, 200-600 steps, seed 0), prepared with the example
spec's data section (indicators f3,f4,f5, random split 0.2, seed 2). Models: the example spec's
parameters (dense units [100, 50], CNN filters [32, 64], recurrent hidden units [32, 16]; GRU as
LSTM), batch size 32, early stopping off for the timing.

Epoch 1 includes tf.function tracing, so it is reported apart from the steady-state mean of the
later epochs. The baseline run is a separate process; its wall time is split into process start
plus imports (wall minus what the process measured itself), data reading, TensorFlow import and
training. Usage: python bench/train_bench.py [--epochs 3] [--baseline-epochs 8] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = {
    "dense": ("NeuralNetwork", {"activation_function": "relu", "units": [100, 50]}),
    "cnn": (
        "CNN",
        {"activation_function": "relu", "filters": [32, 64], "kernel_size": 3, "pool_size": 2},
    ),
    "rnn": ("RNN", {"activation_function": "tanh", "hidden_units": [32, 16]}),
    "lstm": ("LSTM", {"activation_function": "tanh", "hidden_units": [32, 16]}),
    "gru": ("GRU", {"activation_function": "tanh", "hidden_units": [32, 16]}),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per architecture timing")
    parser.add_argument("--baseline-epochs", type=int, default=8, help="the example spec's epochs")
    parser.add_argument(
        "--threads", type=int, default=None, help="IDEKO_NUM_THREADS (default: TF's)"
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "results" / "train")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    if args.threads:
        os.environ["IDEKO_NUM_THREADS"] = str(args.threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    work = args.workdir.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    data = work / "data"
    from ideko.runtime.data.synth import SynthOptions, generate

    generate(data, SynthOptions())
    spec = yaml.safe_load((ROOT / "specs" / "ideko.yaml").read_text())
    threads = os.environ.get("IDEKO_NUM_THREADS", "-")
    print(f"cpu cores: {os.cpu_count()}, IDEKO_NUM_THREADS={threads}, {load()}")

    per_epoch = time_architectures(data, spec, args.epochs)
    print(
        f"\nper-architecture training time ({args.epochs} epochs, batch 32, default synthetic data)"
    )
    print(f"{'arch':<6} {'epoch 1 s':>10} {'later s/epoch':>14} {'all s/epoch':>12}")
    for arch, seconds in per_epoch.items():
        later = statistics.mean(seconds[1:]) if len(seconds) > 1 else float("nan")
        print(f"{arch:<6} {seconds[0]:>10.2f} {later:>14.2f} {statistics.mean(seconds):>12.2f}")

    if not args.skip_baseline:
        baseline(data, spec, work, args.baseline_epochs)
    print(f"\nat the end: {load()} (other processes on these cores inflate every number)")
    return 0


def load() -> str:
    """The 1/5/15-minute load averages: the machine may be shared."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f}"


def time_architectures(data: Path, spec: dict, epochs: int) -> dict[str, list[float]]:
    from ideko.runtime.data.prepare import prepare
    from ideko.runtime.training.config import normalise_model_config
    from ideko.runtime.training.trainer import train_model

    started = time.perf_counter()
    data_config = {
        key: spec["data"][key] for key in ("indicators", "classes", "padding", "scaling", "split")
    }
    train, _test, meta, _report = prepare(data, data_config, 2)
    print(f"data: train {meta['shapes']['train']}, test {meta['shapes']['test']} "
          f"(read + prepare {time.perf_counter() - started:.2f}s)")  # fmt: skip
    out: dict[str, list[float]] = {}
    for arch, (key, params) in PARAMETERS.items():
        config = normalise_model_config({
            "name": arch, "key": key, "architecture": arch, "model_parameters": params,
            "training_parameters": {"epochs": epochs, "batch_size": 32, "patience": epochs + 1},
        })  # fmt: skip
        result = train_model(config, train.X, train.y, seed=2, emit_metrics=False)
        out[arch] = result.epoch_seconds
    return out


def baseline(data: Path, spec: dict, work: Path, epochs: int) -> None:
    models = {
        key: {
            k: v
            for k, v in body.items()
            if k in ("enabled", "name_parameters", "model_parameters", "training_parameters")
        }
        for key, body in spec["models"].items()
    }
    models_file = work / "models.yaml"
    models_file.write_text(yaml.safe_dump(models, sort_keys=False))
    out = work / "baseline"
    command = [sys.executable, "-m", "ideko.cli.main", "baseline", "--data", str(data), "--models",
               str(models_file), "--epochs-override", str(epochs), "--out", str(out)]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"ideko baseline failed with status {proc.returncode}")
    summary = json.loads((out / "summary.json").read_text())
    timings = summary["timings"]
    print(f"\nideko baseline: 4 models x {epochs} epochs (early stopping as configured)")
    print(f"  wall time                {wall:8.2f}s")
    print(f"  process start + imports  {wall - timings['total_seconds']:8.2f}s")
    print(f"  data read/prepare        {timings['data_seconds']:8.2f}s")
    print(f"  TensorFlow import        {timings['tensorflow_import_seconds']:8.2f}s")
    print(f"  training (model.fit)     {timings['training_seconds']:8.2f}s")
    rest = (
        timings["total_seconds"]
        - timings["data_seconds"]
        - timings["tensorflow_import_seconds"]
        - timings["training_seconds"]
    )
    print(f"  build/evaluate/save      {rest:8.2f}s")
    for name, row in summary["models"].items():
        print(f"  {name:<16} {row['epochs_run']} epochs, {row['seconds_per_epoch']:.2f} s/epoch, "
              f"accuracy {row['accuracy']:.3f}, macro F1 {row['macro_f1']:.3f}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
