"""A fake Katib trial: prints metric lines shaped by its arguments (used by the hpo tests).

--quality Q     accuracy reported at epoch i is Q * (i + 1) / epochs
--epochs N      number of epoch lines
--sleep S       seconds to sleep after each epoch line
--exit C        exit status at the end (non-zero = failed trial)
--silent        print no objective metric at all
--hang S        after the epochs, sleep S more seconds (to test killing)
"""

import argparse
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--quality", type=float, default=0.5)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--sleep", type=float, default=0.0)
parser.add_argument("--exit", type=int, default=0)
parser.add_argument("--silent", action="store_true")
parser.add_argument("--hang", type=float, default=0.0)
parser.add_argument("--cost", type=float, default=1.0)
args, _ = parser.parse_known_args()
print("starting fake trial; loss is not a metric here", flush=True)
for epoch in range(args.epochs):
    accuracy = args.quality * (epoch + 1) / args.epochs
    if not args.silent:
        print(f"epoch={epoch} accuracy={accuracy:.6f}", flush=True)
    time.sleep(args.sleep)
if not args.silent:
    print(f"training_time={args.cost:.3f}", flush=True)
time.sleep(args.hang)
sys.exit(args.exit)
