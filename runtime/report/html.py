"""ideko's self-contained HTML reports: jinja2 templates, base64-embedded PNGs, atomic writes.

Two pages go through here: the pipeline's model comparison (``report.html.j2``, written by the
compare step) and a Katib Experiment's tuning report (``tuning.html.j2``, written by
``ideko tune`` and the tune step's local backend). One file each, no external assets: it can
be opened from a KFP artifact store or attached to a review as is. Figures are drawn with
matplotlib's Agg backend by the caller and passed in as PNG bytes.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ideko.runtime.report.ranking import Criterion, RankedModel

TEMPLATES = Path(__file__).parent / "templates"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def render(template: str, **context: Any) -> str:
    """``templates/<template>`` rendered with ``context`` (autoescaped, strict undefined)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(template).render(**context)


def write_page(path: Path, template: str, **context: Any) -> Path:
    """Render ``template`` and write it to ``path`` atomically."""
    from ideko.runtime.atomic import write_text

    return write_text(path, render(template, **context))


def write_tuning_report(out_dir: Path, trials_png: bytes, **context: Any) -> tuple[Path, Path]:
    """``trials.png`` and ``report.html`` (``tuning.html.j2``) under ``out_dir``, atomically.

    ``context`` is the template's: experiment, condition, reason, message, algorithm,
    objective_type, objective_metric, best (trial name or None), parameters and metrics
    (column names), trials (name, state, seconds, parameters, metrics) and pareto_front.
    """
    from ideko.runtime.atomic import write_bytes

    png = write_bytes(out_dir / "trials.png", trials_png)
    page = write_page(
        out_dir / "report.html", "tuning.html.j2", trials_png=_b64(trials_png), **context
    )
    return png, page


def class_distribution(evaluations: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """Series per class and split from the first evaluation that records it."""
    for name in sorted(evaluations):
        found = evaluations[name].get("class_distribution")
        if found:
            splits = [s for s in ("train", "validation", "test", "all") if s in found]
            counts = {s: dict(found[s]) for s in splits}
            classes = list(evaluations[name].get("classes") or next(iter(counts.values())).keys())
            if "all" not in counts and {"train", "test"} <= set(counts):
                counts["all"] = {
                    c: counts["train"].get(c, 0) + counts["test"].get(c, 0) for c in classes
                }
                splits.append("all")
            return {"splits": splits, "classes": classes, "counts": counts}
    return None


def data_version(evaluations: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """The data version the models were trained on (the preprocess step's ``data_version``,
    carried through the train step's lineage), from the first evaluation that records it."""
    for name in sorted(evaluations):
        found = (evaluations[name].get("lineage") or {}).get("data_version")
        if found:
            return dict(found)
    return None


def data_quality(evaluations: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """The preprocess step's findings (verdict, reasons, validation set) from the first
    evaluation that carries them: every model of a run was evaluated on the same data."""
    for name in sorted(evaluations):
        found = evaluations[name].get("data_quality")
        if found:
            return dict(found)
    return None


def _model_view(name: str, evaluation: Mapping[str, Any]) -> dict[str, Any]:
    from ideko.runtime.training.plots import confusion_matrix_png, history_png

    matrix = evaluation["test"]["confusion_matrix"]
    history = evaluation.get("history") or {}
    return {
        "name": name,
        "architecture": evaluation.get("architecture", ""),
        "summary": evaluation["summary"],
        "whole_accuracy": evaluation.get("whole_dataset", {}).get("accuracy", float("nan")),
        "per_class": evaluation["test"]["per_class"],
        "confusion_png": _b64(
            confusion_matrix_png(matrix["matrix"], matrix["labels"], f"{name} (test)")
        ),
        "history_png": _b64(history_png(history, name)) if history else "",
        "notes": list(evaluation.get("notes", [])),
    }


def render_report(
    ranking: Sequence[RankedModel],
    criteria: Sequence[Criterion],
    evaluations: Mapping[str, Mapping[str, Any]],
    promote: bool,
    promotion: Mapping[str, Any] | None,
    title: str = "ideko model comparison",
) -> str:
    """The report as one HTML string (models in ranking order)."""
    return render(
        "report.html.j2",
        title=title,
        best=ranking[0],
        promote=promote,
        promotion=promotion,
        criteria=criteria,
        ranking=ranking,
        models=[_model_view(row.name, evaluations[row.name]) for row in ranking],
        distribution=class_distribution(evaluations),
        data=data_version(evaluations),
        data_quality=data_quality(evaluations),
    )
