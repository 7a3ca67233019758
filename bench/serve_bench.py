"""Serving latency per series and the model server's memory (issue 12).

Builds a packaged model the way the pipeline does (synthetic data -> preprocess -> train ->
evaluate -> compare), or takes one with --model-dir (e.g. a `make demo` run's best_model),
starts `python -m ideko.runtime.serving --model-dir ...` (KServe's ModelServer) on loopback
and measures, over a fixed batch of RAW test series:

- one series per request (v2 /infer and v1 :predict): p50 / p95 milliseconds per request,
  and the server's CPU per request (psutil), which the machine's load does not inflate;
- the whole batch in one v2 request: milliseconds (and server CPU) per series;
- start-up (process start to /v2/health/ready, wall and the server's CPU) and the server's
  RSS after loading and after the requests (psutil; children included).

    .venv/bin/python bench/serve_bench.py [--architecture dense|cnn|lstm] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEED = 2
PARAMETERS = {
    "dense": {"activation_function": "relu", "units": [100, 50]},
    "cnn": {"activation_function": "relu", "filters": [32, 64], "kernel_size": 3, "pool_size": 2},
    "lstm": {"activation_function": "tanh", "hidden_units": [32, 16]},
}


def build_package(work: Path, architecture: str, series: int) -> tuple[Path, Path]:
    """(best_model package, raw data tree) from synthetic data of the demo's shape."""
    from ideko.runtime.baseline import data_config
    from ideko.runtime.data.dataset_io import save_dataset, save_metadata
    from ideko.runtime.data.prepare import prepare
    from ideko.runtime.data.synth import SynthOptions, generate
    from ideko.runtime.steps import compare, evaluate, train

    raw = work / "data"
    generate(raw, SynthOptions(series=series, seed=7))
    config = data_config(["f3", "f4", "f5"], SEED)
    train_set, test_set, metadata, _ = prepare(raw, config, SEED)
    save_dataset(work / "train.npz", train_set)
    save_dataset(work / "test.npz", test_set)
    save_metadata(work / "metadata.json", metadata)
    model = {
        "name": architecture,
        "architecture": architecture,
        "name_parameters": {"folder_name": architecture, "model_name": f"{architecture}.keras"},
        "model_parameters": PARAMETERS[architecture],
        "training_parameters": {"epochs": 2, "batch_size": 32},
    }
    train.run(model, work / "train.npz", SEED, work / "model", emit_metrics=False)
    evaluate.run(model, work / "model", work / "train.npz", work / "test.npz", work / "eval.json")
    compare.run(
        {"criteria": [{"metric": "accuracy", "weight": 1.0, "goal": "maximize"}]},
        {},
        {architecture: work / "eval.json"},
        {architecture: work / "model"},
        work / "report.html",
        work / "best_model",
        dataset_metadata=work / "metadata.json",
    )
    return work / "best_model", raw


def raw_series(package: Path, raw: Path | None, count: int) -> list[np.ndarray]:
    """The test split's raw series (the model's indicators), or random ones of its shape."""
    from ideko.runtime.data.config import parse_data_config
    from ideko.runtime.data.reader import read_tree

    metadata = json.loads((package / "dataset_metadata.json").read_text())
    if raw is not None:
        tree = read_tree(raw, parse_data_config(metadata["data_config"]))
        return tree.series[:count]
    rng = np.random.default_rng(0)
    length, width = metadata["padding"]["length"], len(metadata["indicators"])
    return [rng.normal(size=(int(rng.integers(length // 2, length + 1)), width))
            for _ in range(count)]


def post(url: str, body: dict) -> float:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return (time.perf_counter() - started) * 1000.0


def v2_body(series: list[np.ndarray]) -> dict:
    longest = max(len(s) for s in series)
    batch = np.zeros((len(series), longest, series[0].shape[1]))
    for i, values in enumerate(series):
        batch[i, : len(values)] = values
    return {"inputs": [
        {"name": "series", "shape": list(batch.shape), "datatype": "FP32",
         "data": batch.flatten().tolist()},
        {"name": "lengths", "shape": [len(series)], "datatype": "INT64",
         "data": [len(s) for s in series]},
    ]}


def cpu_seconds(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def rss_mb(pid: int) -> float:
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--architecture", choices=sorted(PARAMETERS), default="cnn")
    parser.add_argument("--model-dir", help="bench this packaged model instead of building one")
    parser.add_argument("--series", type=int, default=120, help="synthetic series to build from")
    parser.add_argument("--batch", type=int, default=32, help="fixed batch of test series")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the batch")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    work = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    if args.model_dir:
        package, raw = Path(args.model_dir), None
    else:
        package, raw = build_package(work, args.architecture, args.series)
    series = raw_series(package, raw, args.batch)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "IDEKO_NUM_THREADS": "1"}
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "ideko.runtime.serving", "--model-dir", str(package),
         "--name", "bench", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/v2/health/ready", timeout=5):
                    break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("the model server exited") from None
                time.sleep(0.1)
        startup = time.perf_counter() - started
        startup_cpu = cpu_seconds(server.pid)
        loaded_rss = rss_mb(server.pid)
        post(f"{url}/v2/models/bench/infer", v2_body(series[:1]))  # warm-up
        v2_one, v1_one, batched = [], [], []
        cpu: dict[str, float] = {"v2": 0.0, "v1": 0.0, "batch": 0.0}
        for _ in range(args.rounds):
            mark = cpu_seconds(server.pid)
            v2_one += [post(f"{url}/v2/models/bench/infer", v2_body([s])) for s in series]
            cpu["v2"] += cpu_seconds(server.pid) - mark
            mark = cpu_seconds(server.pid)
            v1_one += [post(f"{url}/v1/models/bench:predict", {"instances": [s.tolist()]})
                       for s in series]
            cpu["v1"] += cpu_seconds(server.pid) - mark
            mark = cpu_seconds(server.pid)
            batched.append(post(f"{url}/v2/models/bench/infer", v2_body(series)) / len(series))
            cpu["batch"] += cpu_seconds(server.pid) - mark
        after_rss = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    metadata = json.loads((package / "dataset_metadata.json").read_text())
    lengths = [len(s) for s in series]
    print(f"model {package.name}: input {metadata['padding']['length']} points x "
          f"{len(metadata['indicators'])} indicators; batch of {len(series)} raw series "
          f"({min(lengths)}-{max(lengths)} points), {args.rounds} rounds")
    print(f"  start-up to ready          {startup:7.2f} s wall, {startup_cpu:.2f} s CPU")
    requests = args.rounds * len(series)
    print(f"  v2 one series/request      p50 {percentile(v2_one, 50):7.2f} ms   "
          f"p95 {percentile(v2_one, 95):7.2f} ms   server CPU "
          f"{cpu['v2'] * 1000 / requests:.2f} ms/request")
    print(f"  v1 one series/request      p50 {percentile(v1_one, 50):7.2f} ms   "
          f"p95 {percentile(v1_one, 95):7.2f} ms   server CPU "
          f"{cpu['v1'] * 1000 / requests:.2f} ms/request")
    print(f"  v2 whole batch             {statistics.median(batched):7.2f} ms per series   "
          f"server CPU {cpu['batch'] * 1000 / requests:.2f} ms/series")
    print(f"  server RSS                 {loaded_rss:7.1f} MB loaded, {after_rss:.1f} MB after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
