"""Compile benchmark: cold `ideko-compile` vs `kfp dsl compile`, and a 100-model spec.

Every measurement is a whole new process (imports included), repeated and reported as the
median. The two commands alternate so machine load hits both alike. Targets (issue 2):
ideko-compile of specs/ideko.yaml <= 1.0x `kfp dsl compile` of the hand-written DSL pipeline
of the same shape (bench/ideko_dsl_pipeline.py); a 100-model spec in <= 3 s.

    .venv/bin/python bench/compile_bench.py [--repeat 7] [--models 100] [--strict]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXAMPLE = "specs/ideko.yaml"
DSL_PIPELINE = "bench/ideko_dsl_pipeline.py"
RATIO_TARGET = 1.0
MANY_TARGET_S = 3.0


def many_models_spec(count: int) -> str:
    """A valid spec with ``count`` dense models (the example's settings, generated models)."""
    models = "".join(
        f"  dense_{i}:\n"
        f"    architecture: dense\n"
        f"    model_parameters:\n      units: [{16 + i % 64}]\n"
        f"    training_parameters:\n      epochs: 2\n      batch_size: 32\n"
        for i in range(count)
    )
    return (
        "apiVersion: ideko.dev/v1\n"
        f"metadata:\n  name: many-{count}\n"
        "runtime:\n  image: ghcr.io/ideko/ideko-runtime:0.1.0\n"
        "data:\n  source:\n    local:\n      path: data/synthetic\n"
        "  indicators: [f3, f4, f5]\n"
        "  classes:\n    not_anomalous: not anomalous\n"
        "    mechanical_anomalies: mechanical anomaly\n"
        "    electrical_anomalies: electrical anomaly\n"
        f"models:\n{models}"
        "conditions:\n  promotion:\n    metric: accuracy\n    threshold: 0.7\n"
        "selection:\n  criteria:\n    - metric: macro_f1\n      weight: 1.0\n"
        "registry:\n  uri: registry\n"
    )


def timed(argv: list[str]) -> float:
    """Wall time of one process; a failing command aborts the benchmark with its output."""
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(argv)}\n{result.stdout}{result.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (median)")
    parser.add_argument("--models", type=int, default=100, help="models in the generated spec")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ideko-bench-") as tmp:
        out = Path(tmp)
        ideko = [str(BIN / "ideko-compile"), EXAMPLE, "--out", str(out / "ideko"), "-q"]
        kfp = [
            str(BIN / "kfp"),
            "dsl",
            "compile",
            "--py",
            DSL_PIPELINE,
            "--output",
            str(out / "kfp" / "pipeline.yaml"),
        ]
        (out / "kfp").mkdir()
        many_path = out / "many.yaml"
        many_path.write_text(many_models_spec(args.models), encoding="utf-8")
        many = [str(BIN / "ideko-compile"), str(many_path), "--out", str(out / "many"), "-q"]
        for argv in (ideko, kfp, many):  # warm-up: .pyc files and the page cache
            timed(argv)
        ideko_times, kfp_times, many_times = [], [], []
        for _ in range(args.repeat):
            ideko_times.append(timed(ideko))
            kfp_times.append(timed(kfp))
            many_times.append(timed(many))
    ideko_s, kfp_s = statistics.median(ideko_times), statistics.median(kfp_times)
    many_s = statistics.median(many_times)
    ratio = ideko_s / kfp_s
    ratio_ok, many_ok = ratio <= RATIO_TARGET, many_s <= MANY_TARGET_S
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"cold process, median of {args.repeat} runs ({os.cpu_count()} cores, load {load})")
    print(f"  ideko-compile {EXAMPLE:<28} {ideko_s:6.3f} s")
    print(f"  kfp dsl compile {DSL_PIPELINE:<26} {kfp_s:6.3f} s")
    print(
        f"  ratio ideko/kfp {ratio:.2f}x (target <= {RATIO_TARGET:.1f}x) "
        f"{'OK' if ratio_ok else 'MISSED'}"
    )
    print(
        f"  ideko-compile {args.models}-model spec {'':<14} {many_s:6.3f} s "
        f"(target <= {MANY_TARGET_S:.1f} s) {'OK' if many_ok else 'MISSED'}"
    )
    return 0 if (ratio_ok and many_ok) or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
