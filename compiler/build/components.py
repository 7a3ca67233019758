"""KFP component definitions: thin Python functions whose bodies call the runtime.

kfp embeds each function's *source* in the IR and runs it in the runtime image, so these are
real module-level functions. Their bodies import ``ideko.runtime.steps.<step>`` inside the
function: a body only ever executes inside the runtime image, never in the compiler, so the
import-linter contract exempts exactly these imports (``ignore_imports`` in pyproject.toml)
and a test compiles with ``ideko.runtime`` blocked to prove it. Each body
returns a NamedTuple of the dict that ``component(...)`` returns. No
``from __future__ import annotations`` here: kfp reads the annotations to derive each
component's interface.

The compare step fans in one evaluation and one model per enabled model. KFP components have
a fixed signature, so its source is generated for the model list (``compare_source``) and
exec'd under a synthetic file name registered in ``linecache`` so kfp can read it back.
"""

import copy
import hashlib
import linecache
from collections.abc import Callable, Sequence
from typing import NamedTuple

from kfp import dsl
from kfp.dsl import (
    HTML,
    Artifact,
    ClassificationMetrics,
    Dataset,
    Input,
    Markdown,
    Metrics,
    Model,
    Output,
)
from kfp.dsl.python_component import PythonComponent


def preprocess(
    data_uri: str,
    data_ref: str,
    seed: int,
    data_config: str,
    train_data: Output[Dataset],
    test_data: Output[Dataset],
    dataset_metadata: Output[Artifact],
    quality_report: Output[Markdown],
) -> NamedTuple("PreprocessOutputs", [("verdict", str), ("reasons", str), ("num_series", int)]):
    """Read, pad, encode and split the raw series; judge the data quality."""
    from collections import namedtuple

    from ideko.runtime.steps import preprocess as step

    result = step.component(
        data_uri=data_uri,
        data_ref=data_ref,
        seed=seed,
        data_config=data_config,
        train_data=train_data,
        test_data=test_data,
        dataset_metadata=dataset_metadata,
        quality_report=quality_report,
    )
    outputs = namedtuple("PreprocessOutputs", ["verdict", "reasons", "num_series"])
    return outputs(str(result["verdict"]), str(result["reasons"]), int(result["num_series"]))


def tune(
    model_config: str,
    experiment: str,
    backend: str,
    seed: int,
    train_data: Input[Dataset],
    tuning_result: Output[Artifact],
) -> NamedTuple("TuneOutputs", [("best_parameters", str), ("best_objective", float)]):
    """Run the model's Katib Experiment (or the local tuner) and return the best overrides."""
    from collections import namedtuple

    from ideko.runtime.steps import tune as step

    result = step.component(
        model_config=model_config,
        experiment=experiment,
        train_data=train_data,
        backend=backend,
        tuning_result=tuning_result,
        seed=seed,
    )
    outputs = namedtuple("TuneOutputs", ["best_parameters", "best_objective"])
    return outputs(str(result["best_parameters"]), float(result["best_objective"]))


def train(
    model_config: str,
    overrides: str,
    seed: int,
    train_data: Input[Dataset],
    model: Output[Model],
) -> NamedTuple("TrainOutputs", [("validation_accuracy", float), ("training_time", float)]):
    """Train one model (with the tuner's overrides applied) and save it."""
    from collections import namedtuple

    from ideko.runtime.steps import train as step

    result = step.component(
        model_config=model_config,
        overrides=overrides,
        seed=seed,
        train_data=train_data,
        model=model,
    )
    outputs = namedtuple("TrainOutputs", ["validation_accuracy", "training_time"])
    return outputs(float(result["validation_accuracy"]), float(result["training_time"]))


def evaluate(
    model_config: str,
    model: Input[Model],
    train_data: Input[Dataset],
    test_data: Input[Dataset],
    metrics: Output[Metrics],
    classification_metrics: Output[ClassificationMetrics],
    evaluation: Output[Artifact],
) -> NamedTuple("EvaluateOutputs", [("accuracy", float), ("macro_f1", float)]):
    """Score one trained model on the test split (metrics, confusion matrix, full JSON)."""
    from collections import namedtuple

    from ideko.runtime.steps import evaluate as step

    result = step.component(
        model_config=model_config,
        model=model,
        train_data=train_data,
        test_data=test_data,
        metrics=metrics,
        classification_metrics=classification_metrics,
        evaluation=evaluation,
    )
    outputs = namedtuple("EvaluateOutputs", ["accuracy", "macro_f1"])
    return outputs(float(result["accuracy"]), float(result["macro_f1"]))


def register(
    model_name: str,
    registry_uri: str,
    best_model: Input[Model],
    registered_model: Output[Model],
) -> NamedTuple("RegisterOutputs", [("version", str)]):
    """Publish the selected model to the registry."""
    from collections import namedtuple

    from ideko.runtime.steps import register as step

    result = step.component(
        model_name=model_name,
        registry_uri=registry_uri,
        best_model=best_model,
        registered_model=registered_model,
    )
    outputs = namedtuple("RegisterOutputs", ["version"])
    return outputs(str(result["version"]))


_COMPARE_TEMPLATE = '''def compare(
    selection_config: str,
    promotion_config: str,
    dataset_metadata: Input[Artifact],
{inputs}
    report: Output[HTML],
    best_model: Output[Model],
    ranking: Output[Metrics],
) -> NamedTuple(
    "CompareOutputs", [("best_model_name", str), ("promote", bool), ("best_score", float)]
):
    """Rank every model's evaluation, pick the best one and decide on promotion."""
    from collections import namedtuple

    from ideko.runtime.steps import compare as step

    result = step.component(
        selection_config=selection_config,
        promotion_config=promotion_config,
        evaluations={{
{evaluations}
        }},
        models={{
{models}
        }},
        report=report,
        best_model=best_model,
        ranking=ranking,
        dataset_metadata=dataset_metadata,
    )
    outputs = namedtuple("CompareOutputs", ["best_model_name", "promote", "best_score"])
    return outputs(
        str(result["best_model_name"]), bool(result["promote"]), float(result["best_score"])
    )
'''


def compare_source(models: Sequence[tuple[str, str]]) -> str:
    """Source of the compare function for ``(model name, identifier)`` pairs, in spec order."""
    inputs = "\n".join(
        f"    eval_{ident}: Input[Artifact],\n    model_{ident}: Input[Model],"
        for _, ident in models
    )
    evaluations = "\n".join(f'            "{name}": eval_{ident},' for name, ident in models)
    model_refs = "\n".join(f'            "{name}": model_{ident},' for name, ident in models)
    return _COMPARE_TEMPLATE.format(inputs=inputs, evaluations=evaluations, models=model_refs)


def compare_function(models: Sequence[tuple[str, str]]) -> Callable[..., object]:
    """Exec the generated compare source so kfp can inspect it like a hand-written function.

    The synthetic file name is derived from the source text, so the same model list always
    maps to the same ``linecache`` entry (no growth across repeated compiles).
    """
    source = compare_source(models)
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    filename = f"<ideko-compare-{digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, object] = {
        "NamedTuple": NamedTuple,
        "Input": Input,
        "Output": Output,
        "Artifact": Artifact,
        "Model": Model,
        "HTML": HTML,
        "Metrics": Metrics,
        "__name__": "ideko_compare",
    }
    exec(compile(source, filename, "exec"), namespace)
    return namespace["compare"]  # type: ignore[return-value]


class ComponentFactory:
    """Builds each component function once per compile, then one renamed copy per task.

    The copy's name becomes the task name in the IR (``train-lstm``), so each model gets its
    own task, executor and per-task settings. Building once matters at scale: kfp re-reads
    and tokenises the function source for every ``dsl.component`` call.
    """

    def __init__(self, image: str) -> None:
        self.image = image
        self._built: dict[Callable[..., object], PythonComponent] = {}

    def __call__(self, func: Callable[..., object], name: str) -> PythonComponent:
        base = self._built.get(func)
        if base is None:
            base = dsl.component(func, base_image=self.image, install_kfp_package=False)
            self._built[func] = base
        spec = copy.deepcopy(base.component_spec)
        spec.name = name
        return PythonComponent(component_spec=spec, python_func=base.python_func)
