"""Pool several hpo_bench.py runs: both issue-5 targets over every (run, sampler seed) pair.

One TPE run is one draw (and with parallel trials its path also depends on finishing order),
so the targets are judged on the pooled pairs: mean, median and the count meeting them.
Usage: python bench/hpo_summary.py RESULTS.json [RESULTS.json ...]
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def pairs(path: Path) -> list[dict]:
    """One row per sampler seed of a results.json written by hpo_bench.py."""
    document = json.loads(path.read_text())
    default = document["default"]
    rows = []
    for seed, arms in document["runs"].items():
        plain, stopped = arms["no-earlystop"], arms["medianstop"]
        tuned = document["tuned"][seed]["no-earlystop"]
        rows.append(
            {
                "run": path.parent.name,
                "seed": seed,
                "gain_accuracy": tuned["accuracy"] - default["accuracy"],
                "gain_macro_f1": tuned["macro_f1"] - default["macro_f1"],
                "wall_without": plain["trial_seconds"],
                "wall_with": stopped["trial_seconds"],
                "cpu_without": plain["trial_cpu_seconds"],
                "cpu_with": stopped["trial_cpu_seconds"],
                "epochs_without": plain["epochs_trained"],
                "epochs_with": stopped["epochs_trained"],
                "best_change": stopped["best_validation_accuracy"]
                - plain["best_validation_accuracy"],
            }
        )
    return rows


def describe(label: str, values: list[float], target: str, meets: int) -> str:
    return (
        f"{label}: mean {statistics.mean(values):+.1f}, median {statistics.median(values):+.1f}, "
        f"min {min(values):+.1f}, max {max(values):+.1f}; {meets} of {len(values)} meet {target}"
    )


def main(paths: list[str]) -> int:
    rows = [row for path in paths for row in pairs(Path(path))]
    if not rows:
        print("no results given", file=sys.stderr)
        return 2
    print(f"{len(rows)} (run, sampler seed) pairs from {len(paths)} run(s)")
    gains = [100 * r["gain_accuracy"] for r in rows]
    f1 = [100 * r["gain_macro_f1"] for r in rows]
    print(describe("tuned - default, accuracy points", gains, ">= +5", sum(g >= 5 for g in gains)))
    print(describe("tuned - default, macro F1 points", f1, ">= +5", sum(g >= 5 for g in f1)))
    for kind in ("wall", "cpu", "epochs"):
        saved = [100 * (1 - r[f"{kind}_with"] / r[f"{kind}_without"]) for r in rows]
        pooled = 100 * (
            1 - sum(r[f"{kind}_with"] for r in rows) / sum(r[f"{kind}_without"] for r in rows)
        )
        print(
            describe(f"medianstop saves, {kind} %", saved, ">= 30", sum(s >= 30 for s in saved))
            + f"; pooled {pooled:.1f} %"
        )
    change = [100 * r["best_change"] for r in rows]
    print(describe("best validation change, points", change, ">= -1", sum(c >= -1 for c in change)))
    for r in rows:
        print(
            f"  {r['run']:<12} seed {r['seed']:>2}: gain {100 * r['gain_accuracy']:+.1f} acc "
            f"{100 * r['gain_macro_f1']:+.1f} F1; saved wall "
            f"{100 * (1 - r['wall_with'] / r['wall_without']):.1f} %, best change "
            f"{100 * r['best_change']:+.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
