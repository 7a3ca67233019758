"""The experiment's tuning report: ``trials.png`` and ``report.html``.

The PNG shows the objective per trial (coloured by state, best so far as a line) and, when
the experiment tracks accuracy and training time (the ideko weighted ``score``) or ran a
local multi-objective search, a second panel with every trial in that plane and the Pareto
front highlighted. The HTML (``tuning.html.j2``, rendered and written by
:mod:`ideko.runtime.report.html` like the comparison report) embeds the PNG and tables the
trials and the front.
"""

from __future__ import annotations

import io
from pathlib import Path

from ideko.local.katib.pareto import pareto_front
from ideko.local.katib.trial import TrialResult
from ideko.local.katib.tuner import ExperimentResult, objective_value
from ideko.runtime.report.html import write_tuning_report

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


def write_report(result: ExperimentResult, out_dir: Path) -> None:
    """Write ``trials.png`` and ``report.html`` under ``out_dir`` (the report module's)."""
    plan, objective = result.plan, result.plan.objective
    names = objective.metric_names
    parameters = [p.name for p in plan.parameters]
    rows = []
    for trial in result.trials:
        rows.append(
            {
                "name": trial.name,
                "state": trial.state,
                "seconds": trial.seconds,
                "parameters": [trial.assignments.get(p, "") for p in parameters],
                "metrics": [
                    trial.observation.value(metric, objective.strategies[metric])
                    for metric in names
                ],
            }
        )
    front_trials, _, front = pareto_points(result)
    write_tuning_report(
        out_dir,
        render_png(result),
        experiment=plan.name,
        condition=result.condition,
        reason=result.reason,
        message=result.message,
        algorithm=plan.algorithm,
        objective_type=objective.type,
        objective_metric=objective.metric,
        best=result.best.name if result.best else None,
        parameters=parameters,
        metrics=list(names),
        trials=rows,
        pareto_front=[front_trials[i].name for i in front],
    )
