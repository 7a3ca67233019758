"""Manifests for the File / TensorFlowEvent collector tests, built on hpo_helpers.manifest."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hpo_helpers import manifest

HERE = Path(__file__).parent
FAKE_FILE_TRIAL = str(HERE / "fake_file_trial.py")
FAKE_TFEVENT_MODULE = "fake_tfevent_trial"  # HERE / "fake_tfevent_trial.py", run with -m
KATIB_FILE = "/var/log/katib/metrics.log"
KATIB_DIR = "/var/log/katib/tfevent/"


def container(document: dict[str, Any]) -> dict[str, Any]:
    spec = document["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]
    return spec["containers"][0]


def file_manifest(
    args: list[str] | None = None,
    *,
    fmt: str | None = "TEXT",
    path: str = KATIB_FILE,
    **options: Any,
) -> dict[str, Any]:
    """``fake_file_trial.py --metrics-file PATH`` under a File collector (format ``fmt``)."""
    document = manifest(additional=[], **options)
    c = container(document)
    c["command"] = ["python", FAKE_FILE_TRIAL]
    c["args"] = [
        "--metrics-file",
        path,
        "--quality",
        "${trialParameters.q}",
        *(args or []),
    ]
    fs: dict[str, Any] = {"kind": "File", "path": path}
    if fmt is not None:
        fs["format"] = fmt
    document["spec"]["metricsCollectorSpec"] = {
        "collector": {"kind": "File"},
        "source": {"fileSystemPath": fs},
    }
    return document


def tfevent_manifest(metric: str, additional: list[str]) -> dict[str, Any]:
    """``python -m fake_tfevent_trial --log-dir DIR`` under a TensorFlowEvent collector (the
    trials find the module when the test puts :data:`HERE` on ``PYTHONPATH``)."""
    document = manifest(additional=additional, max_trials=2, parallel=2)
    document["spec"]["objective"]["objectiveMetricName"] = metric
    c = container(document)
    c["command"] = ["python", "-m", FAKE_TFEVENT_MODULE]
    c["args"] = ["--log-dir", KATIB_DIR, "--quality", "${trialParameters.q}"]
    document["spec"]["metricsCollectorSpec"] = {
        "collector": {"kind": "TensorFlowEvent"},
        "source": {"fileSystemPath": {"kind": "Directory", "path": KATIB_DIR}},
    }
    return copy.deepcopy(document)
