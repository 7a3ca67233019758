"""Tiny KFP DSL pipelines the runner tests execute (fan-out/fan-in, conditional, retried,
cached, artifact passing). No ``from __future__ import annotations``: kfp reads real
type annotations. Component bodies are trivial and stdlib-only so a task takes
well under a second; they are compiled with kfp's own Compiler, like real IR would be.
"""

from ideko.schema import env
from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

_OPTS = {"base_image": "python:3.11", "install_kfp_package": False}


@dsl.component(**_OPTS)
def make_data(n: int, data: Output[Dataset]) -> str:
    with open(data.path, "w") as f:
        f.write(str(n))
    data.metadata["data_fingerprint"] = f"n={n}"
    return "PASS" if n > 0 else "FAIL"


@dsl.component(**_OPTS)
def train_model(data: Input[Dataset], k: int, model: Output[Model]) -> float:
    import json
    import os
    import time

    start = time.time()
    value = int(open(data.path).read()) * k
    time.sleep(float(os.environ.get("TEST_TRAIN_SLEEP", "0")))
    os.makedirs(model.path)
    with open(os.path.join(model.path, "weights.txt"), "w") as f:
        f.write(str(value))
    with open(os.path.join(model.path, "timing.json"), "w") as f:
        json.dump({"start": start, "end": time.time()}, f)
    return value / 10


@dsl.component(**_OPTS)
def evaluate_model(model: Input[Model], metrics: Output[Metrics]) -> float:
    import os

    value = int(open(os.path.join(model.path, "weights.txt")).read())
    metrics.log_metric("accuracy", value / 10)
    return value / 10


@dsl.component(**_OPTS)
def pick_best(a: float, b: float) -> str:
    return "a" if a >= b else "b"


@dsl.component(**_OPTS)
def threads_seen() -> str:
    import os

    names = ("IDEKO_NUM_THREADS", "OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")
    return ",".join(os.environ.get(n, "-") for n in names)


@dsl.component(**_OPTS)
def flaky(counter: str, fail_times: int) -> int:
    import os

    count = int(open(counter).read()) if os.path.exists(counter) else 0
    count += 1
    with open(counter, "w") as f:
        f.write(str(count))
    if count <= fail_times:
        raise RuntimeError(f"injected failure {count} of {fail_times}")
    return count


@dsl.component(**_OPTS)
def sleeper(seconds: float, marker: str) -> str:
    import os
    import time

    if marker and os.path.exists(marker):
        return "fast"
    time.sleep(seconds)
    return "slept"


@dsl.pipeline(name="fan")
def fan_pipeline(n: int = 2):
    """make -> (train a, train b) -> evaluate each -> pick; then a gated extra evaluation."""
    data = make_data(n=n)
    with dsl.If(data.outputs["Output"] == "PASS", name="quality-gate"):
        a = train_model(data=data.outputs["data"], k=1)
        b = train_model(data=data.outputs["data"], k=2)
        for task in (a, b):
            task.set_cpu_request("1").set_memory_request("100Mi")
        ea = evaluate_model(model=a.outputs["model"])
        eb = evaluate_model(model=b.outputs["model"])
        best = pick_best(a=ea.outputs["Output"], b=eb.outputs["Output"])
        with dsl.If(best.output == "a", name="promote-a"):
            evaluate_model(model=a.outputs["model"])


@dsl.pipeline(name="threads")
def threads_pipeline():
    """Two thread budgets; the third task, after both, shares the first's (so each budget's
    server is started while a later task may still use it, in either start order; uncached:
    requests are not part of a cache key, it would reuse the 500m task's output)."""
    two = threads_seen().set_cpu_request("2")
    half = threads_seen().set_cpu_request("500m")
    threads_seen().set_cpu_request("2").after(two, half).set_caching_options(False)


@dsl.pipeline(name="heavy")
def heavy_pipeline():
    """Two independent trainings that each request two cores."""
    data = make_data(n=1)
    for k in (1, 2):
        train_model(data=data.outputs["data"], k=k).set_cpu_request("2")


@dsl.pipeline(name="flaky")
def flaky_pipeline(counter: str, fail_times: int = 2, retries: int = 2):
    flaky(counter=counter, fail_times=fail_times).set_retry(
        num_retries=2, backoff_duration="0s", backoff_factor=2.0
    ).set_caching_options(False)


@dsl.pipeline(name="backoff")
def backoff_pipeline(counter: str):
    """Fails twice; retries wait 1s then 1s * 3 = 3s, well inside the 60s window."""
    flaky(counter=counter, fail_times=2).set_retry(
        num_retries=2, backoff_duration="1s", backoff_factor=3.0, backoff_max_duration="60s"
    ).set_caching_options(False)


@dsl.pipeline(name="window")
def window_pipeline(counter: str):
    """Always fails; 9 retries 1s apart, but the 3s window closes after a few."""
    flaky(counter=counter, fail_times=99).set_retry(
        num_retries=9, backoff_duration="1s", backoff_factor=1.0, backoff_max_duration="3s"
    ).set_caching_options(False)


@dsl.pipeline(name="failing")
def failing_pipeline(counter: str, seconds: float = 1.0):
    """One branch always fails; the independent sleeper must still finish."""
    flaky(counter=counter, fail_times=99).set_caching_options(False)
    sleeper(seconds=seconds, marker="").set_caching_options(False)


@dsl.pipeline(name="timeout")
def timeout_pipeline():
    sleeper(seconds=30.0, marker="").set_env_variable(
        env.STEP_TIMEOUT_SECONDS, "1"
    ).set_caching_options(False)


@dsl.pipeline(name="resumable")
def resumable_pipeline(marker: str, n: int = 3):
    data = make_data(n=n)
    slow = sleeper(seconds=60.0, marker=marker).after(data)
    slow.set_caching_options(False)
    train_model(data=data.outputs["data"], k=1).after(slow)


@dsl.component(**_OPTS)
def prepare(n: int, commit: str, train_data: Output[Dataset]) -> str:
    import hashlib

    with open(train_data.path, "w") as f:
        f.write(str(n))
    train_data.metadata["fingerprint"] = "sha256:" + hashlib.sha256(str(n).encode()).hexdigest()
    version = {"source": "dvc" if commit else "local", "uri": "data", "ref": None}
    train_data.metadata["data_version"] = {**version, "commit": commit or None}
    return "PASS"


@dsl.component(**_OPTS)
def tune_k(train_data: Input[Dataset]) -> str:
    return '{"k": 3}'


@dsl.component(**_OPTS)
def train_named(train_data: Input[Dataset], name: str, overrides: str, model: Output[Model]):
    import json
    import os

    os.makedirs(model.path)
    k = json.loads(overrides).get("k", 1)
    with open(os.path.join(model.path, "weights.txt"), "w") as f:
        f.write(str(int(open(train_data.path).read()) * k))
    model.metadata["model_name"] = name


@dsl.component(**_OPTS)
def compare_two(a: Input[Model], b: Input[Model], best_model: Output[Model]) -> str:
    import os
    import shutil

    def weight(m):
        return int(open(os.path.join(m.path, "weights.txt")).read())

    best = a if weight(a) >= weight(b) else b
    shutil.copytree(best.path, best_model.path)
    best_model.metadata["model_name"] = best.metadata["model_name"]
    return best.metadata["model_name"]


@dsl.component(**_OPTS)
def register_best(best_model: Input[Model], registry: str, registered_model: Output[Model]):
    import os
    import shutil

    os.makedirs(registry, exist_ok=True)
    version = str(len(os.listdir(registry)) + 1)
    shutil.copytree(best_model.path, os.path.join(registry, version))
    with open(registered_model.path, "w") as f:
        f.write(version)
    registered_model.metadata.update(
        {
            "name": "anomaly",
            "version": version,
            "registry_uri": "file://" + os.path.join(registry, version),
            "registry_backend": "mlflow",
            "alias": "challenger",
        }
    )


@dsl.pipeline(name="lineage")
def lineage_pipeline(registry: str, n: int = 2, commit: str = "1a2b3c4d5e6f"):
    """preprocess -> tune -> train (the tuned one takes its parameters) -> compare ->
    register: the shape of the IDEKO pipeline, stdlib-only."""
    data = prepare(n=n, commit=commit)
    tuned = tune_k(train_data=data.outputs["train_data"])
    a = train_named(train_data=data.outputs["train_data"], name="A", overrides=tuned.output)
    b = train_named(train_data=data.outputs["train_data"], name="B", overrides="{}")
    best = compare_two(a=a.outputs["model"], b=b.outputs["model"])
    register_best(best_model=best.outputs["best_model"], registry=registry).set_caching_options(
        False
    )


PIPELINES = {
    "fan": fan_pipeline,
    "threads": threads_pipeline,
    "heavy": heavy_pipeline,
    "flaky": flaky_pipeline,
    "backoff": backoff_pipeline,
    "window": window_pipeline,
    "failing": failing_pipeline,
    "timeout": timeout_pipeline,
    "resumable": resumable_pipeline,
    "lineage": lineage_pipeline,
}
