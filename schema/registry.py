"""The model registry's shared names: backends, the embedded store's file, the tracking env.

The compiler checks a spec's ``registry:`` section against these and the runtime opens the
registry with them, so both halves agree on what ``backend: mlflow`` and a folder URI mean.
"""

from __future__ import annotations

import re

MLFLOW = "mlflow"
KUBEFLOW = "kubeflow"
BACKENDS: tuple[str, ...] = (MLFLOW, KUBEFLOW)

# The embedded MLflow registry in a folder: its SQLite store (files go to <folder>/artifacts).
STORE_FILE = "mlflow.db"

# URI schemes a registry URI may use with each backend (a plain path has none).
MLFLOW_SCHEMES: tuple[str, ...] = ("", "file", "sqlite", "http", "https")
KUBEFLOW_SCHEMES: tuple[str, ...] = ("http", "https")

# A registered model's name (MLflow and the Model Registry both accept it; no path tricks).
REGISTERED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
