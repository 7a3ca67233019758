"""IDEKO's original ``models.yaml``, read by the runtime itself (``ideko baseline``).

The runtime never imports the compiler, so this is a second, deliberately small reader of the
same shape: the four canonical keys imply their architecture
(:data:`ideko.schema.architectures.CANONICAL_ARCHITECTURES`); any other key needs
``architecture``. The spec-only keys ``resources`` and ``hpo`` are accepted and ignored; names
and defaults are the compiler's (:mod:`ideko.schema.names`, :mod:`ideko.schema.defaults`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ideko.runtime.document_files import read_yaml
from ideko.runtime.training.config import ConfigError, normalise_model_config
from ideko.schema.architectures import CANONICAL_ARCHITECTURES
from ideko.schema.names import k8s_name

KNOWN_KEYS = frozenset(
    {
        "enabled",
        "architecture",
        "name_parameters",
        "model_parameters",
        "training_parameters",
        "resources",
        "hpo",
    }
)


def model_configs(document: Any, source: str = "models.yaml") -> list[tuple[dict[str, Any], bool]]:
    """(normalised model_config, enabled) per model, in file order."""
    if not isinstance(document, dict) or not document:
        raise ConfigError(f"{source}: expected a mapping of model names to model definitions")
    out = []
    for key, body in document.items():
        where = f"{source}: {key}"
        if not isinstance(body, dict):
            raise ConfigError(f"{where}: must be a mapping")
        unknown = sorted(set(body) - KNOWN_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
        arch = body.get("architecture", CANONICAL_ARCHITECTURES.get(str(key)))
        if arch is None:
            raise ConfigError(
                f"{where}: not a canonical model name; add architecture: dense|cnn|rnn|lstm|gru"
            )
        enabled = body.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(f"{where}.enabled: must be true or false")
        raw = {
            "name": k8s_name(str(key)),
            "key": str(key),
            "architecture": arch,
            "name_parameters": dict(body.get("name_parameters") or {}),
            "model_parameters": dict(body.get("model_parameters") or {}),
            "training_parameters": dict(body.get("training_parameters") or {}),
        }
        try:
            out.append((normalise_model_config(raw), enabled))
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    return out


def read_models_yaml(path: str | Path) -> list[tuple[dict[str, Any], bool]]:
    """Load and normalise a models.yaml file; every problem is a ConfigError."""
    source = Path(path)
    return model_configs(read_yaml(source, ConfigError), str(source))
