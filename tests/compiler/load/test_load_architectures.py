"""fcn/resnet/inception in a spec: the papers' defaults, the kernel rule, default search spaces."""

from __future__ import annotations

from pathlib import Path

import pytest
from ideko.compiler.api import SpecError, load_spec
from ideko.schema.architectures import ARCHITECTURES, default_search_space

SPEC = """\
apiVersion: ideko.dev/v1
metadata: {{name: nets}}
runtime: {{image: ghcr.io/ideko/ideko-runtime:0.1.0}}
data:
  source: {{local: {{path: data}}}}
  indicators: [f1]
  classes: {{a: a, b: b}}
models:
  fcn_model:
    architecture: fcn
{params}    training_parameters: {{epochs: 2, batch_size: 8}}
    hpo:
      algorithm: random
      objective: {{metric: validation_accuracy}}
      budget: {{max_trials: 2, parallel_trials: 1}}
"""


def _load(repo: Path, params: str = "") -> object:
    path = repo / "specs" / "spec.yaml"
    path.write_text(SPEC.format(params=params), encoding="utf-8")
    return load_spec(path)


def test_an_hpo_section_without_parameters_searches_the_architectures_space(repo: Path) -> None:
    spec = _load(repo)
    model = spec.models[0]
    assert model.model_parameters["filters"] == [128, 256, 128]
    assert model.model_parameters["kernel_sizes"] == [8, 5, 3]
    assert model.hpo is not None
    names = [p.name for p in model.hpo.parameters]
    assert names == list(default_search_space("fcn"))
    targets = {p.name: p.target for p in model.hpo.parameters}
    assert targets["learning_rate"] == "training_parameters.learning_rate"
    assert targets["kernel_sizes_0"] == "model_parameters.kernel_sizes.0"


def test_fcn_kernel_count_is_checked_at_its_line(repo: Path) -> None:
    params = "    model_parameters: {filters: [8, 8], kernel_sizes: [3]}\n"
    with pytest.raises(SpecError) as info:
        _load(repo, params)
    lines = [str(d) for d in info.value.diagnostics]
    assert len(lines) == 1
    assert "spec.yaml:11:41:" in lines[0]
    assert "one kernel size per filters element: 2 filters, 1" in lines[0]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_every_default_search_space_compiles_on_the_default_model(repo: Path, arch: str) -> None:
    """Each space's targets exist in its architecture's defaults and pass Katib's rules."""
    own = {"dense": "{units: [8]}", "cnn": "{filters: [8], kernel_size: 3, pool_size: 2}",
           "rnn": "{hidden_units: [8]}", "lstm": "{hidden_units: [8]}",
           "gru": "{hidden_units: [8]}"}.get(arch)
    text = SPEC.replace("architecture: fcn", f"architecture: {arch}")
    path = repo / "specs" / "spec.yaml"
    params = f"    model_parameters: {own}\n" if own else ""
    path.write_text(text.format(params=params), encoding="utf-8")
    spec = load_spec(path)
    assert spec.models[0].hpo is not None
