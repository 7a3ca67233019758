"""Every environment variable the compiler writes into a pod is one the contract names."""

from __future__ import annotations

from pathlib import Path

import yaml
from ideko.schema import env

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
NAMES = {value for key, value in vars(env).items() if key.isupper()}


def _env_names(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "env" and isinstance(value, list):
                found |= {item["name"] for item in value if isinstance(item, dict)}
            found |= _env_names(value)
    elif isinstance(node, list):
        for value in node:
            found |= _env_names(value)
    return found


def _written(pattern: str) -> set[str]:
    found: set[str] = set()
    for path in GOLDEN.glob(pattern):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            found |= _env_names(document)
    return found


def test_trial_job_variables_are_named_by_the_contract() -> None:
    written = _written("*/expected/*/katib/*.yaml")
    assert written, "the golden Katib Experiments write trial env"
    assert written <= NAMES
    assert {env.MINIO_ENDPOINT, env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY} <= written


def test_step_variables_are_named_by_the_contract() -> None:
    """The compiled steps set exactly the thread budget, the timeout and the MLflow tracking
    target (the spec's embedded registry) the runtime reads."""
    assert _written("*/expected/*/pipeline.yaml") == {
        env.NUM_THREADS,
        env.STEP_TIMEOUT_SECONDS,
        env.TRACKING_URI,
        env.TRACKING_EXPERIMENT,
    }


def test_warm_trial_env_is_read_as_literals_and_names_the_contract() -> None:
    """The warm server reads WARM_ENV from the source (ast), so it stays literal strings."""
    import importlib.util

    from ideko.local.launch.warm_server import declared_tuples

    spec = importlib.util.find_spec("ideko.runtime.steps.train")
    assert spec is not None and spec.origin is not None
    declared = declared_tuples(Path(spec.origin).read_text(encoding="utf-8"))
    assert declared["WARM_ENV"][:2] == (env.NUM_THREADS, env.OMP_NUM_THREADS)
    assert "ideko.runtime.training.metric_output" in declared["WARM_IMPORTS"]


def test_the_local_runner_sets_the_contracts_variables() -> None:
    """What the runner puts into a task's environment is named by the contract (TensorFlow's
    own thread variables aside)."""
    from ideko.local.runner.scheduler import Request, thread_environment

    names = set(thread_environment(Request(cpu=2), cores=2))
    assert {env.NUM_THREADS, env.OMP_NUM_THREADS} <= names
    assert names - NAMES == {"TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"}
