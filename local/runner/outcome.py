"""What a run is asked to do (``RunOptions``) and what it reports back (``RunResult``): exit
status, failure message, the comparison report and the condition groups that were skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ideko.local.runner.ir import Pipeline, TaskNode
from ideko.local.runner.state import INTERRUPTED, SKIPPED, SUCCEEDED, TaskRecord

DEFAULT_RUN_ROOT = Path(".ideko/runs")
_CONDITION_INPUT = re.compile(r"parameter_values\['([^']+)'\]")


@dataclass
class RunOptions:
    run_root: Path = DEFAULT_RUN_ROOT
    parallelism: int | None = None  # --parallelism; None: the IR's value, else the default
    use_cache: bool = True  # False: never reuse cached outputs (fresh results still stored)
    parameters: dict[str, Any] = field(default_factory=dict)
    resume: str | None = None  # run id to continue
    poll_interval: float = 0.05
    launcher: str = "warm"  # "warm": KFP python components fork a warm server; "process"
    lineage: bool = True  # False (--no-lineage): run without recording lineage


@dataclass
class RunResult:
    run_id: str
    run_dir: Path
    status: str  # succeeded | failed | interrupted
    records: dict[str, TaskRecord]
    failure: str = ""
    report: Path | None = None
    skipped_groups: dict[str, str] = field(default_factory=dict)  # DAG display name -> why
    parallelism: int = 0  # the concurrent-task limit the run used
    parallelism_from: str = ""  # where it came from: --parallelism, the IR, the default
    data_quality: dict[str, Any] | None = None  # see find_data_quality
    notes: list[str] = field(default_factory=list)  # what the user should know (lock, lineage)

    @property
    def exit_code(self) -> int:
        return {SUCCEEDED: 0, INTERRUPTED: 130}.get(self.status, 1)


def find_report(records: Iterable[TaskRecord]) -> Path | None:
    """The comparison HTML report among a run's outputs, if one was produced."""
    for record in records:
        artifacts = record.outputs.artifacts.values() if record.outputs else ()
        for ref in artifacts:
            if ref.schema_title != "system.HTML" and ref.name != "report":
                continue
            path = Path(ref.uri)
            if path.is_file():
                return path
            if path.is_dir():
                pages = sorted(path.rglob("*.html"))
                if pages:
                    return pages[0]
    return None


def find_data_quality(records: Iterable[TaskRecord]) -> dict[str, Any] | None:
    """The data findings a run produced: the ``data_quality`` metadata (verdict, reasons,
    validation set) that the preprocess step puts on its dataset artifacts, whatever the
    task is called."""
    for record in records:
        artifacts = record.outputs.artifacts.values() if record.outputs else ()
        for ref in artifacts:
            found = ref.metadata.get("data_quality")
            if isinstance(found, dict):
                return found
    return None


def data_quality_lines(found: dict[str, Any]) -> list[str]:
    """The end-of-run summary of the data: verdict, every reason, the validation set."""
    reasons = [str(r) for r in found.get("reasons", [])]
    lines = [f"data quality: {found.get('verdict', '?')}, {len(reasons)} finding(s)"]
    lines += [f"  - {reason}" for reason in reasons]
    if found.get("validation"):
        from ideko.runtime.data.quality import describe_validation

        lines.append(f"  {describe_validation(found['validation'])}")
    return lines


def skipped_groups(pipeline: Pipeline, records: dict[str, TaskRecord]) -> dict[str, str]:
    """Condition groups whose condition was false: display name -> why."""
    return {
        node.display_name: records[path].message
        for path, node in pipeline.nodes.items()
        if node.is_dag
        and node.condition
        and records[path].state == SKIPPED
        and records[path].message.startswith("condition false")
    }


def describe_false_condition(node: TaskNode, parameters: dict[str, Any]) -> str:
    """Why a condition group was skipped: the CEL text and the values it looked at."""
    names = dict.fromkeys(_CONDITION_INPUT.findall(node.condition or ""))
    values = ", ".join(
        f"{name.removeprefix('pipelinechannel--')}={parameters.get(name)!r}" for name in names
    )
    return f"condition false: {node.condition}" + (f" ({values})" if values else "")
