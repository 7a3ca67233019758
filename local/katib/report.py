"""The experiment's human view: ``trials.png`` and ``report.html``.

The PNG shows the objective per trial (coloured by state, best so far as a line) and, when
the experiment tracks accuracy and training time (the ideko weighted ``score``) or ran a
local multi-objective search, a second panel with every trial in that plane and the Pareto
front highlighted. The HTML embeds the PNG and tables the trials and the front.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from ideko.local.katib.pareto import pareto_front
from ideko.local.katib.trial import TrialResult
from ideko.local.katib.tuner import ExperimentResult, objective_value
from ideko.runtime.atomic import write_text

COLOURS = {
    "Succeeded": "tab:green",
    "EarlyStopped": "tab:orange",
    "Failed": "tab:red",
    "MetricsUnavailable": "tab:red",
    "Killed": "tab:purple",
}
DEFAULT_PARETO = (("validation_accuracy", "maximize"), ("training_time", "minimize"))


def pareto_metrics(result: ExperimentResult) -> tuple[tuple[str, str], ...]:
    """The two metrics of the Pareto panel, or ``()`` when there is none to draw."""
    if len(result.pareto_metrics) >= 2:
        return result.pareto_metrics[:2]
    names = result.plan.objective.metric_names
    return DEFAULT_PARETO if all(m in names for m, _ in DEFAULT_PARETO) else ()


def pareto_points(
    result: ExperimentResult,
) -> tuple[list[TrialResult], list[tuple[float, float]], list[int]]:
    """Trials with both Pareto metrics, their points and the indices on the front."""
    metrics = pareto_metrics(result)
    if not metrics:
        return [], [], []
    trials, points = [], []
    for trial in result.trials:
        if trial.state not in ("Succeeded", "EarlyStopped"):
            continue
        values = []
        for metric, direction in metrics:
            strategy = result.plan.objective.strategies.get(
                metric, "max" if direction == "maximize" else "min"
            )
            values.append(trial.observation.value(metric, strategy))
        if None not in values:
            trials.append(trial)
            points.append((float(values[0]), float(values[1])))  # type: ignore[arg-type]
    return trials, points, pareto_front(points, [d for _, d in metrics])


def render_png(result: ExperimentResult) -> bytes:
    """The PNG bytes of the per-trial objective (and Pareto) figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = pareto_metrics(result)
    fig, axes = plt.subplots(
        1, 2 if metrics else 1, figsize=(11 if metrics else 6, 4), squeeze=False
    )
    ax = axes[0][0]
    objective = result.plan.objective
    best: float | None = None
    xs, best_line = [], []
    for i, trial in enumerate(result.trials, start=1):
        value = objective_value(result.plan, trial)
        if value is None:
            ax.axvline(i, color=COLOURS.get(trial.state, "grey"), alpha=0.3)
            continue
        ax.scatter(i, value, color=COLOURS.get(trial.state, "grey"), zorder=3)
        best = value if best is None or objective.better(value, best) else best
        xs.append(i)
        best_line.append(best)
    if xs:
        ax.step(xs, best_line, where="post", color="black", linewidth=1, label="best so far")
        ax.legend(loc="best")
    if objective.goal is not None:
        ax.axhline(objective.goal, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("trial")
    ax.set_ylabel(objective.metric)
    ax.set_title(f"{result.plan.name}: {objective.metric} per trial ({objective.type})")
    if metrics:
        pax = axes[0][1]
        _, points, front = pareto_points(result)
        if points:
            pax.scatter(
                [p[0] for p in points], [p[1] for p in points], color="tab:blue", label="trials"
            )
            ordered = sorted(points[i] for i in front)
            pax.plot(
                [p[0] for p in ordered],
                [p[1] for p in ordered],
                "o-",
                color="tab:red",
                label="Pareto front",
            )
            pax.legend(loc="best")
        pax.set_xlabel(f"{metrics[0][0]} ({metrics[0][1]})")
        pax.set_ylabel(f"{metrics[1][0]} ({metrics[1][1]})")
        pax.set_title("Pareto front")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def render_html(result: ExperimentResult, png: bytes) -> str:
    """A self-contained HTML page (PNG inlined) with the trials and the Pareto front."""
    e = html.escape
    plan, objective = result.plan, result.plan.objective
    names = objective.metric_names
    head = "".join(
        f"<th>{e(n)}</th>" for n in ("trial", "state", "seconds", *plan_params(result), *names)
    )
    rows = []
    for trial in result.trials:
        cells = [trial.name, trial.state, f"{trial.seconds:.1f}"]
        cells += [trial.assignments.get(p, "") for p in plan_params(result)]
        for metric in names:
            value = trial.observation.value(metric, objective.strategies[metric])
            cells.append("" if value is None else f"{value:.6g}")
        mark = ' class="best"' if result.best is trial else ""
        rows.append(f"<tr{mark}>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    trials, _, front = pareto_points(result)
    front_html = ""
    if front:
        items = "".join(f"<li>{e(trials[i].name)}</li>" for i in front)
        front_html = f"<h2>Pareto front</h2><ul>{items}</ul>"
    image = base64.b64encode(png).decode("ascii")
    best = result.best.name if result.best else "none"
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{e(plan.name)} tuning</title><style>body{{font-family:sans-serif}}"
        "td,th{padding:2px 8px;border-bottom:1px solid #ddd}tr.best{background:#e6ffe6}</style>"
        f"</head><body><h1>{e(plan.name)}</h1><p>{e(result.condition)} ({e(result.reason)}): "
        f"{e(result.message)}</p><p>algorithm {e(plan.algorithm)}, objective {e(objective.type)} "
        f"{e(objective.metric)}, best trial {e(best)}</p>"
        f"<img alt='trials' src='data:image/png;base64,{image}'>"
        f"<table><tr>{head}</tr>{''.join(rows)}</table>{front_html}</body></html>\n"
    )


def plan_params(result: ExperimentResult) -> list[str]:
    return [p.name for p in result.plan.parameters]


def write_view(result: ExperimentResult, out_dir: Path) -> None:
    """Write ``trials.png`` and ``report.html`` under ``out_dir`` (atomically)."""
    png = render_png(result)
    tmp = out_dir / ".trials.png.tmp"
    tmp.write_bytes(png)
    tmp.replace(out_dir / "trials.png")
    write_text(out_dir / "report.html", render_html(result, png))
