"""Re-evaluate the current champion on a new test set, so both models meet the same data.

A champion registered on other data has metrics from another test set; comparing those with
a challenger's would compare data, not models. The champion's ``.keras`` file is scored on
the challenger's test split instead. Series shorter than the champion's input are padded
with the dataset's padding value on the dataset's side; longer series or other classes make
the comparison impossible (a :class:`RegistryError` saying why).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ideko.runtime.registry.base import RegistryError


def _fit_length(x: Any, length: int, value: float, side: str) -> Any:
    import numpy as np

    missing = length - x.shape[1]
    if missing <= 0:
        return x
    pad = [(0, 0)] * x.ndim
    pad[1] = (missing, 0) if side == "pre" else (0, missing)
    return np.pad(x, pad, constant_values=value)


def evaluate_on(
    model_dir: Path,
    test_data: Path,
    padding: tuple[float, str] = (0.0, "post"),
    champion_classes: list[str] | None = None,
) -> dict[str, Any]:
    """Test-set metrics (``classification_metrics``' keys) of the model in ``model_dir``;
    ``padding`` is the new dataset's (value, side)."""
    from ideko.runtime.data.dataset_io import load_dataset
    from ideko.runtime.training.environment import prepare_tensorflow
    from ideko.runtime.training.evaluation import classification_metrics, predict_classes
    from ideko.runtime.training.trainer import load_model

    files = sorted(model_dir.glob("*.keras"))
    if len(files) != 1:
        raise RegistryError(f"champion files {model_dir} must hold exactly one .keras file")
    test = load_dataset(test_data)
    if champion_classes is not None and list(champion_classes) != list(test.classes):
        raise RegistryError(
            f"the champion predicts classes {champion_classes}, the new test set has "
            f"{list(test.classes)}: they cannot be compared on it"
        )
    prepare_tensorflow()
    model = load_model(files[0])
    length = model.input_shape[1]
    x = test.X
    if length is not None and x.shape[1] > length:
        raise RegistryError(
            f"the champion reads series of {length} points, the new test set has "
            f"{x.shape[1]}: it cannot be scored on them without cutting data"
        )
    if length is not None:
        x = _fit_length(x, int(length), padding[0], padding[1])
    predicted = predict_classes(model, x)
    return classification_metrics(test.y_int, predicted, list(test.classes))
