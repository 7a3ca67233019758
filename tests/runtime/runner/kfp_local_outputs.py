"""Run an IR file with kfp.local (SubprocessRunner, current environment) and collect each
task's executor output, for the equivalence tests and the benchmark."""

import json
from pathlib import Path
from typing import Any


def run_with_kfp_local(pipeline_file: Path, root: Path, **arguments: Any) -> dict[str, Any]:
    """Execute ``pipeline_file`` with kfp.local; return ``{task name: executor output}``."""
    from kfp import local
    from kfp.components import load_component_from_file

    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(root))
    load_component_from_file(str(pipeline_file))(**arguments)
    outputs = {}
    for path in sorted(root.glob("*/*/executor_output.json")):
        outputs[path.parent.name] = json.loads(path.read_text())
    return outputs


def comparable(executor_output: dict[str, Any]) -> dict[str, Any]:
    """Output parameters and artifact metadata (metrics), without run-specific URIs."""
    artifacts = {
        name: [a.get("metadata", {}) for a in value.get("artifacts", [])]
        for name, value in executor_output.get("artifacts", {}).items()
    }
    return {"parameters": executor_output.get("parameterValues", {}), "artifacts": artifacts}
