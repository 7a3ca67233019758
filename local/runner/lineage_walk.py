"""``ideko lineage`` both ways over the lineage database: from a model (a registry
``name/version``, a model URI or an artifact id) back to the raw data's fingerprint and
data commit, and from data forward to every run, model and registry version built from it.

Links are MLMD's (an OUTPUT event of one execution is an INPUT event of the next) plus the
parameter links the runner records (``parameter_producers``: the tune step's best
parameters reach its train step as a parameter, not an artifact). Walking back from the
selected model, the compare step consumed every candidate; only the candidates whose
``model_name`` is the selected one's are followed (``everything=True`` follows all).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ideko.local.runner.errors import RunnerError
from ideko.local.runner.lineage import ArtifactRow, ExecutionRow, LineageStore

REGISTRY_KEYS = ("name", "version", "registry_uri", "registry_backend", "alias")
_URI_KEYS = ("registry_uri", "model_uri", "uri")
_MIN_DATA_PREFIX = 6  # a shorter fingerprint/commit prefix matches too much


def registry_entry(artifact: ArtifactRow) -> dict[str, Any] | None:
    """The registry version an artifact stands for (the register step's
    ``registered_model`` output), or None."""
    md = artifact.metadata
    if artifact.type != "system.Model" or "name" not in md or "version" not in md:
        return None
    if "registry_uri" not in md and "registry_backend" not in md:
        return None
    return {key: md.get(key) for key in REGISTRY_KEYS}


def data_identity(artifact: ArtifactRow) -> dict[str, Any]:
    """What identifies the raw data in a dataset's metadata: fingerprints and the data
    version (``data_version.commit`` is null for a plain local path, or absent in older
    runs)."""
    md = artifact.metadata
    found = {k: v for k, v in md.items() if "fingerprint" in k.lower() and isinstance(v, str)}
    version = md.get("data_version")
    if isinstance(version, dict):
        found["data_version"] = version
        if version.get("commit"):
            found["commit"] = version["commit"]
    return found


@dataclass
class Step:
    """One execution on the way back, what it produced on the path and what it used."""

    execution: ExecutionRow
    produced: list[tuple[str, ArtifactRow]] = field(default_factory=list)
    consumed: list[tuple[str, ArtifactRow]] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)  # input -> "task.output"


@dataclass
class Trace:
    """The chain behind one model."""

    target: ArtifactRow
    registry: dict[str, Any] | None
    run_id: str
    steps: list[Step]
    data: dict[str, Any]  # data_uri, fingerprint(s), commit, data_version
    datasets: list[tuple[str, ArtifactRow]]  # (producing task, dataset) of the raw data


def find_models(
    store: LineageStore, query: str, registry_uri: str | None = None
) -> list[ArtifactRow]:
    """Artifacts named by ``query``: an artifact id, a registry ``name/version``
    (``name/latest`` too), ``name@alias`` (asked of the registry, whose URI is
    ``registry_uri`` or the one the lineage recorded for that name), or a URI / path of a
    model or a registry version."""
    text = query.strip()
    if re.fullmatch(r"(artifact:)?\d+", text):
        found = store.artifact(int(text.removeprefix("artifact:")))
        return [found] if found is not None else []
    name_version = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)/([0-9]+|latest)", text)
    if name_version and not Path(text).exists():
        return _registry_versions(store, *name_version.groups())
    name_alias = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)@([A-Za-z0-9._-]+)", text)
    if name_alias and not Path(text).exists():
        return _by_alias(store, *name_alias.groups(), registry_uri)
    return _by_uri(store, text)


def _by_alias(
    store: LineageStore, name: str, alias: str, registry_uri: str | None
) -> list[ArtifactRow]:
    """Aliases move after registration (``champion``): only the registry knows where one
    points now, through its agreed ``open_registry(uri, backend).resolve(name, ref)`` (the
    backend the register step recorded for that URI, else the URI's own)."""
    try:
        from ideko.runtime.registry import open_registry
    except ImportError as exc:
        raise RunnerError(
            f"{name}@{alias}: resolving an alias needs ideko.runtime.registry"
        ) from exc
    from ideko.runtime.errors import UserError

    recorded = _recorded_registries(store, name)
    uris = [registry_uri] if registry_uri else sorted(recorded)
    if len(uris) != 1:
        seen = ", ".join(uris) or "none recorded"
        raise RunnerError(f"{name}@{alias}: give --registry URI (registries seen: {seen})")
    try:
        version = open_registry(uris[0], recorded.get(uris[0])).resolve(name, alias)
    except UserError as exc:
        raise RunnerError(str(exc)) from exc
    return _registry_versions(store, name, str(version.version))


def _recorded_registries(store: LineageStore, name: str) -> dict[str, str | None]:
    """registry URI -> its recorded backend (None when the lineage has none) for ``name``."""
    candidates = store.artifacts_where(
        "t.name = 'system.Model' AND json_extract(a.custom_properties, '$.name') = ?", (name,)
    )
    entries = [e for e in (registry_entry(a) for a in candidates) if e and e.get("registry_uri")]
    return {
        str(e["registry_uri"]): (str(e["registry_backend"]) if e.get("registry_backend") else None)
        for e in entries
    }


def _registry_versions(store: LineageStore, name: str, version: str) -> list[ArtifactRow]:
    candidates = store.artifacts_where(
        "t.name = 'system.Model' AND json_extract(a.custom_properties, '$.name') = ?", (name,)
    )
    entries = [(a, registry_entry(a)) for a in candidates]
    entries = [(a, e) for a, e in entries if e is not None]
    if version == "latest":
        numbers = [int(e["version"]) for _, e in entries if str(e["version"]).isdigit()]
        if not numbers:
            return []
        version = str(max(numbers))
    return [a for a, e in entries if str(e["version"]) == version]


def _by_uri(store: LineageStore, text: str) -> list[ArtifactRow]:
    forms = {text}
    parsed = urlparse(text)
    path = unquote(parsed.path) if parsed.scheme == "file" else text if not parsed.scheme else ""
    if path:
        resolved = Path(path).expanduser().resolve()
        forms |= {str(resolved), resolved.as_uri(), str(resolved).rstrip("/")}
    marks = ",".join("?" * len(forms))
    hits = store.artifacts_where(f"a.uri IN ({marks})", tuple(sorted(forms)))
    for key in _URI_KEYS:
        hits += store.artifacts_where(
            f"json_extract(a.custom_properties, ?) IN ({marks})", (f"$.{key}", *sorted(forms))
        )
    unique = {a.id: a for a in hits}
    return [unique[k] for k in sorted(unique)]


def trace_back(store: LineageStore, target: ArtifactRow, everything: bool = False) -> Trace:
    """Walk from ``target`` back to the executions that had no upstream (the data)."""
    producers = store.executions_touching(target.id, "OUTPUT")
    if not producers:
        raise RunnerError(f"artifact {target.id} ({target.uri}) has no recorded producer")
    run_id = producers[0].run_id
    by_task = {e.task: e for e in store.executions(run_id)}
    steps: dict[int, Step] = {}
    # (execution, the artifact of it we came through, the model_name followed so far)
    queue: deque[tuple[ExecutionRow, ArtifactRow | None, Any]] = deque(
        (p, target, None) for p in producers
    )
    while queue:
        execution, produced, focus = queue.popleft()
        if produced is not None:
            focus = produced.metadata.get("model_name", focus)
        step = steps.get(execution.id)
        if step is None:
            step = steps[execution.id] = Step(execution)
            _follow_inputs(store, step, None if everything else focus, queue, by_task)
        if produced is not None and all(a.id != produced.id for _, a in step.produced):
            step.produced.append((_event_name(store, execution, produced), produced))
    ordered = sorted(steps.values(), key=lambda s: -(s.execution.started or 0.0))
    data, datasets = _origin(store, ordered)
    return Trace(target, registry_entry(target), run_id, ordered, data, datasets)


def _event_name(store: LineageStore, execution: ExecutionRow, artifact: ArtifactRow) -> str:
    for name, out in store.artifacts_of(execution.id, "OUTPUT"):
        if out.id == artifact.id:
            return name
    return artifact.name


def _follow_inputs(
    store: LineageStore,
    step: Step,
    focus: Any,
    queue: deque[tuple[ExecutionRow, ArtifactRow | None, Any]],
    by_task: dict[str, ExecutionRow],
) -> None:
    """Queue the producers of ``step``'s inputs; with a ``focus`` (the selected model's
    name) inputs naming another model are the compare step's other candidates: skipped."""
    for name, artifact in store.artifacts_of(step.execution.id, "INPUT"):
        named = artifact.metadata.get("model_name")
        if focus is not None and named is not None and named != focus:
            continue
        step.consumed.append((name, artifact))
        for producer in store.executions_touching(artifact.id, "OUTPUT", step.execution.run_id):
            queue.append((producer, artifact, focus))
    for name, source in step.execution.parameter_producers.items():
        task, _, _output = source.rpartition(".")
        producer = by_task.get(task)
        if producer is not None:
            step.parameters[name] = source
            queue.append((producer, None, focus))


def _origin(
    store: LineageStore, steps: list[Step]
) -> tuple[dict[str, Any], list[tuple[str, ArtifactRow]]]:
    """The raw data behind a trace: what the first executions (no upstream) read and the
    identity their outputs recorded."""
    data: dict[str, Any] = {}
    datasets: list[tuple[str, ArtifactRow]] = []
    for step in steps:
        if step.consumed or step.parameters:
            continue
        for key, value in step.execution.input_parameters.items():
            if key == "data_uri" or (key.startswith("data_") and key != "data_config"):
                data.setdefault(key, value)
        for _, artifact in store.artifacts_of(step.execution.id, "OUTPUT"):
            identity = data_identity(artifact)
            if identity:
                datasets.append((step.execution.task, artifact))
                for key, value in identity.items():
                    data.setdefault(key, value)
    data.setdefault("commit", None)
    return data, datasets


@dataclass
class Derived:
    """Everything built from one data fingerprint or commit."""

    query: str
    matches: dict[str, Any]  # the identities that matched (fingerprint / commit values)
    runs: list[dict[str, Any]]
    models: list[tuple[ExecutionRow, str, ArtifactRow]]
    registry: list[tuple[ExecutionRow, dict[str, Any], ArtifactRow]]


def trace_forward(store: LineageStore, query: str) -> Derived:
    """Every run, model and registry version downstream of data whose fingerprint or data
    commit is (or starts with) ``query``."""
    text = query.strip().removeprefix("sha256:")
    if len(text) < _MIN_DATA_PREFIX:
        raise RunnerError(f"give at least {_MIN_DATA_PREFIX} characters of a fingerprint or commit")
    seeds, matches = _data_seeds(store, text)
    executions: dict[int, ExecutionRow] = {}
    models: dict[int, tuple[ExecutionRow, str, ArtifactRow]] = {}
    registry: dict[int, tuple[ExecutionRow, dict[str, Any], ArtifactRow]] = {}
    queue: deque[ArtifactRow] = deque(seeds)
    seen_artifacts = {a.id for a in seeds}
    for seed in seeds:
        for producer in store.executions_touching(seed.id, "OUTPUT"):
            executions[producer.id] = producer
    runs_tasks: dict[str, list[ExecutionRow]] = {}
    while queue:
        artifact = queue.popleft()
        for consumer in store.executions_touching(artifact.id, "INPUT"):
            for downstream in _with_parameter_consumers(store, consumer, runs_tasks):
                if downstream.id in executions:
                    continue
                executions[downstream.id] = downstream
                for name, out in store.artifacts_of(downstream.id, "OUTPUT"):
                    entry = registry_entry(out)
                    if entry is not None:
                        registry[out.id] = (downstream, entry, out)
                    elif out.type == "system.Model":
                        models[out.id] = (downstream, name, out)
                    if out.id not in seen_artifacts:
                        seen_artifacts.add(out.id)
                        queue.append(out)
    runs = _runs_of(store, {e.run_id for e in executions.values()})
    return Derived(
        query=query,
        matches=matches,
        runs=runs,
        models=sorted(models.values(), key=lambda m: (m[0].run_id, m[0].task)),
        registry=sorted(registry.values(), key=lambda r: (str(r[1]["name"]), _num(r[1]))),
    )


def _num(entry: dict[str, Any]) -> int:
    version = str(entry.get("version"))
    return int(version) if version.isdigit() else 0


def _data_seeds(store: LineageStore, text: str) -> tuple[list[ArtifactRow], dict[str, Any]]:
    """Artifacts whose recorded data identity matches ``text`` (SQL narrows, Python checks)."""
    candidates = store.artifacts_where("instr(a.custom_properties, ?) > 0 ORDER BY a.id", (text,))
    seeds, matches = [], {}
    for artifact in candidates:
        for key, value in data_identity(artifact).items():
            if isinstance(value, str) and value.removeprefix("sha256:").startswith(text):
                seeds.append(artifact)
                matches.setdefault(key, set()).add(value)
                break
    return seeds, {k: sorted(v) for k, v in matches.items()}


def _with_parameter_consumers(
    store: LineageStore, execution: ExecutionRow, runs_tasks: dict[str, list[ExecutionRow]]
) -> list[ExecutionRow]:
    """``execution`` and every execution of its run fed by its output parameters,
    transitively (the tune step's train step)."""
    if execution.run_id not in runs_tasks:
        runs_tasks[execution.run_id] = store.executions(execution.run_id)
    tasks = runs_tasks[execution.run_id]
    found = [execution]
    names = {execution.task}
    changed = True
    while changed:
        changed = False
        for other in tasks:
            if other.task in names:
                continue
            sources = {s.rpartition(".")[0] for s in other.parameter_producers.values()}
            if sources & names:
                found.append(other)
                names.add(other.task)
                changed = True
    return found


def _runs_of(store: LineageStore, run_ids: set[str]) -> list[dict[str, Any]]:
    runs = [store.run(r) for r in run_ids]
    return [
        {"run_id": r.run_id, "pipeline": r.pipeline_name, "status": r.status,
         "started": r.started, "run_dir": r.run_dir}
        for r in sorted((r for r in runs if r is not None), key=lambda r: r.started)
    ]  # fmt: skip
