"""The servable model package: a model directory plus what serving needs to trust and use it.

The compare step packages the winner (``best_model``): the train step's files (the ``.keras``
file, ``history.json``), its ``evaluation.json``, the dataset metadata the model was trained
on (``dataset_metadata.json``: indicators, padding, scaling, length policy) and
``checksums.json``, a sha256 per file. The register step copies the package byte for byte
(:func:`servable_copy`), so a registry version is the same package: one copy of the dataset
metadata, one checksum rule. The model server verifies every checksum before it
loads anything, so a truncated copy or a swapped ``.keras`` file is refused at load time
instead of serving wrong predictions. Stdlib only: the compare step imports it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ideko.runtime.atomic import write_json
from ideko.runtime.errors import UserError
from ideko.runtime.file_digest import file_sha256

DATASET_METADATA_FILE = "dataset_metadata.json"
CHECKSUMS_FILE = "checksums.json"
EVALUATION_FILE = "evaluation.json"
HISTORY_FILE = "history.json"
CHECKSUMS_FORMAT = "ideko-model-package/v1"


class PackageError(UserError):
    """A model directory that cannot be served: missing files, failed checksums."""


def write_package_files(folder: Path, dataset_metadata: dict[str, Any]) -> None:
    """Add ``dataset_metadata.json`` and then ``checksums.json`` (over every file) to ``folder``.

    Called last while the folder is still being assembled (the compare step's staging
    directory), so the checksums cover exactly what is published.
    """
    write_json(folder / DATASET_METADATA_FILE, dataset_metadata)
    files = {
        path.relative_to(folder).as_posix(): file_sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != CHECKSUMS_FILE
    }
    write_json(
        folder / CHECKSUMS_FILE,
        {"format": CHECKSUMS_FORMAT, "algorithm": "sha256", "files": files},
    )


def is_package(folder: Path) -> bool:
    """Whether ``folder`` already carries its package files (``checksums.json``)."""
    return (folder / CHECKSUMS_FILE).is_file()


def servable_copy(folder: Path, dataset_metadata: dict[str, Any]) -> None:
    """Make the register step's copy of a best model servable, without a second rule.

    A package (the compare step ran with the dataset metadata) is verified and left as it
    is: rewriting its ``dataset_metadata.json`` would break its own checksums. A bare model
    directory (compare ran without metadata) becomes a package by :func:`write_package_files`
    when ``dataset_metadata`` is given.
    """
    if is_package(folder):
        verify(folder, [])
    elif dataset_metadata:
        write_package_files(folder, dataset_metadata)


@dataclass(frozen=True)
class ModelPackage:
    """The verified files of a model directory, as the model server reads them."""

    folder: Path
    keras_file: Path
    model_config: dict[str, Any]
    evaluation: dict[str, Any]
    dataset_metadata: dict[str, Any]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"cannot read {path}: {exc}") from exc


def _checksums(folder: Path) -> dict[str, str]:
    path = folder / CHECKSUMS_FILE
    if not path.is_file():
        raise PackageError(
            f"{folder} has no {CHECKSUMS_FILE}: not a packaged model (the compare step "
            "packages the best model; serve its best_model directory or a registry version)"
        )
    document = _read_json(path)
    files = document.get("files") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("format") != CHECKSUMS_FORMAT
        or not isinstance(files, dict)
        or not all(isinstance(v, str) for v in files.values())
    ):
        raise PackageError(f"{path} is not a {CHECKSUMS_FORMAT} checksum list")
    return files


def verify(folder: Path, needed: list[str]) -> None:
    """Every file listed in ``checksums.json`` matches; every ``needed`` file is listed."""
    listed = _checksums(folder)
    unlisted = [name for name in needed if name not in listed]
    if unlisted:
        raise PackageError(f"{folder}: {', '.join(unlisted)} not covered by {CHECKSUMS_FILE}")
    for name, expected in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            raise PackageError(f"{path} is listed in {CHECKSUMS_FILE} but missing")
        actual = file_sha256(path)
        if actual != expected:
            raise PackageError(
                f"{path} failed its checksum (sha256 {actual[:12]}…, expected "
                f"{expected[:12]}…): the model files were changed or damaged after packaging"
            )


def _keras_file(folder: Path, config: dict[str, Any]) -> Path:
    named = str(config.get("name_parameters", {}).get("model_name", ""))
    if named and (folder / named).is_file():
        return folder / named
    found = sorted(folder.glob("*.keras"))
    if len(found) != 1:
        raise PackageError(f"model directory {folder} must hold exactly one .keras file")
    return found[0]


def load_package(folder: Path) -> ModelPackage:
    """Read and verify a packaged model directory; :class:`PackageError` says what is wrong."""
    if not folder.is_dir():
        raise PackageError(f"model directory {folder} does not exist")
    for name in (EVALUATION_FILE, DATASET_METADATA_FILE):
        if not (folder / name).is_file():
            raise PackageError(f"model directory {folder} has no {name}")
    evaluation = _read_json(folder / EVALUATION_FILE)
    if not isinstance(evaluation, dict) or not isinstance(evaluation.get("model_config"), dict):
        raise PackageError(f"{folder / EVALUATION_FILE} is not an evaluate step's evaluation")
    config = evaluation["model_config"]
    keras_file = _keras_file(folder, config)
    verify(folder, [keras_file.name, EVALUATION_FILE, DATASET_METADATA_FILE])
    from ideko.runtime.data.dataset_io import load_metadata
    from ideko.runtime.data.errors import DataError

    try:
        metadata = load_metadata(folder / DATASET_METADATA_FILE)
    except DataError as exc:
        raise PackageError(str(exc)) from exc
    return ModelPackage(folder, keras_file, config, evaluation, metadata)
