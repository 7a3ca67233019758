"""A fake Katib trial that writes its metrics to a file (File collector tests).

--metrics-file P   where to write (the tuner rewrites the manifest's path to a per-trial one)
--format F         text: "epoch=i accuracy=v" lines; json: one JSON object per line
--quality Q        accuracy at epoch i is Q * (i + 1) / epochs
--epochs N, --sleep S, --hang S, --exit C   as in fake_trial.py
--strings          JSON values as strings ("0.5"), as Katib's own examples write them
--garbage          also write lines that are not metrics (not JSON, a JSON list, a bool value)
--never-write      never create the metrics file
--no-final-newline the last line has no newline
The trial prints a line on stdout too, with a decoy "accuracy=1.0" that must NOT be collected.
"""

import argparse
import json
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--metrics-file", required=True)
parser.add_argument("--format", choices=("text", "json"), default="text")
parser.add_argument("--quality", type=float, default=0.5)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--sleep", type=float, default=0.0)
parser.add_argument("--hang", type=float, default=0.0)
parser.add_argument("--exit", type=int, default=0)
parser.add_argument("--strings", action="store_true")
parser.add_argument("--garbage", action="store_true")
parser.add_argument("--never-write", action="store_true")
parser.add_argument("--no-final-newline", action="store_true")
args = parser.parse_args()
print(f"writing metrics to {args.metrics_file}; stdout decoy accuracy=1.0", flush=True)


def line(epoch: int, accuracy: float) -> str:
    if args.format == "text":
        return f"epoch={epoch} accuracy={accuracy:.6f}"
    value = f"{accuracy:.6f}" if args.strings else round(accuracy, 6)
    return json.dumps({"epoch": epoch, "accuracy": value, "timestamp": 1700000000.5 + epoch})


if not args.never_write:
    with open(args.metrics_file, "w", encoding="utf-8") as out:
        if args.garbage:
            out.write("this is not json\n[1, 2]\n" + json.dumps({"accuracy": True}) + "\n")
            out.flush()
        for epoch in range(args.epochs):
            accuracy = args.quality * (epoch + 1) / args.epochs
            last = epoch == args.epochs - 1
            end = "" if last and args.no_final_newline else "\n"
            out.write(line(epoch, accuracy) + end)
            out.flush()
            time.sleep(args.sleep)
time.sleep(args.hang)
sys.exit(args.exit)
