"""Specs compiled through the real compiler, for the tests that check it reads the one home.

``compile_spec(tmp_path, data)`` writes ``data`` as a spec into a throwaway repository and
returns the loaded ``Spec`` and the rendered files (``{relative path: text}``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from ideko.compiler.api import Spec, load_spec, render

MINIMAL: dict[str, Any] = {
    "apiVersion": "ideko.dev/v1",
    "metadata": {"name": "small"},
    "runtime": {"image": "ghcr.io/ideko/ideko-runtime:0.1.0"},
    "data": {
        "source": {"local": {"path": "data"}},
        "indicators": ["f3"],
        "classes": {"a": "a", "b": "b"},
    },
    "models": {
        "NeuralNetwork": {
            "model_parameters": {"units": [4]},
            "training_parameters": {"epochs": 1, "batch_size": 2},
            "hpo": {
                "algorithm": "random",
                "objective": {"metric": "score"},
                "weights": {"validation_accuracy": 1.0, "training_time": 0.1},
                "budget": {},
                "early_stopping": {},
                "parameters": {"dropout": {"type": "double", "min": 0.0, "max": 0.5}},
            },
        }
    },
}


def minimal(**sections: Any) -> dict[str, Any]:
    """A copy of ``MINIMAL`` with top-level ``sections`` replaced."""
    return {**copy.deepcopy(MINIMAL), **copy.deepcopy(sections)}


def load(tmp_path: Path, data: dict[str, Any]) -> Spec:
    """``data`` loaded by the compiler's loader from ``<tmp_path>/specs/spec.yaml``."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    path = tmp_path / "specs" / "spec.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_spec(path)


def compile_spec(tmp_path: Path, data: dict[str, Any]) -> tuple[Spec, dict[str, Any]]:
    """The loaded spec and its rendered documents (``{relative path: [YAML documents]}``)."""
    spec = load(tmp_path, data)
    files = {
        path: list(yaml.safe_load_all(text)) for path, text in render(spec).items()
    }
    return spec, files
