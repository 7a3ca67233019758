"""Benchmark of the data flow (read -> assess -> split -> pad -> encode) at two sizes.

Generates (once, cached under bench/results/) synthetic IDEKO trees of 1,000 and 2,000
series x 4 indicators x 1,000..5,000 points, then times ``prepare`` for each in a fresh
subprocess (wall and CPU time: CPU time is steadier on a shared machine) and reads the
peak resident memory of that subprocess (``ru_maxrss`` after the
run minus before it). Linear scaling shows as a 2000/1000 ratio close to the input ratio.

    .venv/bin/python bench/preprocess_bench.py [--sizes 1000 2000] [--max-length 5000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
INDICATORS = 4

CHILD = r"""
import json, resource, sys, time
import sklearn.model_selection  # imported before timing: a constant cost, not preprocessing
from ideko.runtime.data.prepare import prepare
from ideko.runtime.data.config import parse_data_config
config = parse_data_config({"indicators": [f"f{i + 1}" for i in range(int(sys.argv[2]))]})
usage = resource.getrusage(resource.RUSAGE_SELF)
before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
started = time.perf_counter()
train, test, meta, report = prepare(sys.argv[1], config, 2)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
after, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu
print(json.dumps({
    "seconds": seconds, "cpu_seconds": cpu, "peak_mb": (after - before) / 1024,
    "rss_mb": after / 1024, "verdict": report.verdict, "shape": meta["shapes"]["train"],
}))
"""


def ensure_tree(series: int, max_length: int) -> Path:
    """Generate the tree once; later runs reuse it (bench/results/ is gitignored)."""
    from ideko.runtime.data.synth import SynthOptions, generate

    root = RESULTS / f"synth-{series}x{INDICATORS}x{max_length}"
    if not root.is_dir():
        options = SynthOptions(
            series=series,
            seed=0,
            indicators=INDICATORS,
            days=4,
            min_length=max_length // 5,
            max_length=max_length,
        )
        started = time.perf_counter()
        generate(root, options)
        print(f"generated {root.name} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return root


def input_size(root: Path) -> tuple[int, int, int]:
    """(files, zip bytes, CSV bytes uncompressed)."""
    import zipfile

    files = sorted(root.rglob("*.zip"))
    unpacked = 0
    for path in files:
        with zipfile.ZipFile(path) as archive:
            unpacked += sum(info.file_size for info in archive.infolist())
    return len(files), sum(p.stat().st_size for p in files), unpacked


def measure(root: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), str(INDICATORS)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 2000])
    parser.add_argument("--max-length", type=int, default=5000)
    args = parser.parse_args()
    rows = []
    for series in args.sizes:
        root = ensure_tree(series, args.max_length)
        files, zipped, unpacked = input_size(root)
        result = measure(root)
        points = result["shape"][0]  # train rows only; total below from files
        rows.append((series, files, zipped, unpacked, result))
        mb = unpacked / 1e6
        print(
            f"{series:>5} series ({files} files, {zipped / 1e6:.1f} MB zip, {mb:.1f} MB CSV): "
            f"{result['seconds']:.2f} s wall, {result['cpu_seconds']:.2f} s CPU, "
            f"{files / result['seconds']:.0f} series/s, "
            f"{mb / result['seconds']:.1f} MB/s CSV, peak +{result['peak_mb']:.0f} MB "
            f"(process {result['rss_mb']:.0f} MB), verdict {result['verdict']}, "
            f"train X {result['shape']} ({points} rows)"
        )
    (small, _, _, small_csv, a), (large, _, _, large_csv, b) = rows
    print(
        f"ratio {large}/{small}: input {large_csv / small_csv:.2f}x, "
        f"wall time {b['seconds'] / a['seconds']:.2f}x, "
        f"CPU time {b['cpu_seconds'] / a['cpu_seconds']:.2f}x, "
        f"peak memory {b['peak_mb'] / a['peak_mb']:.2f}x "
        "(linear => time and memory ratios close to the input ratio)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
