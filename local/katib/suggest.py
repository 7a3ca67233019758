"""Suggestions from the same libraries Katib's suggestion services use.

* ``random``, ``grid``, ``tpe``, ``multivariate-tpe``, ``cmaes``, ``sobol``: optuna samplers
  driven through optuna's ask/tell interface (Katib's ``pkg/suggestion/v1beta1/optuna``).
* ``bayesianoptimization``: scikit-optimize's ``Optimizer`` with a Gaussian-process base
  estimator by default (Katib's ``pkg/suggestion/v1beta1/skopt``). Parallel asks use the
  constant-liar strategy (pending points are told the best value seen so far).
* multi-objective (local only, not a Katib algorithm): optuna's NSGA-II.

Distributions: ``uniform``/``logUniform`` map to the libraries' linear/log bounds.
``normal``/``logNormal`` have no optuna/skopt distribution, so the sampler searches a latent
``u`` in (0, 1) and the value is the inverse CDF of a normal truncated to [min, max] with
``mu = (min + max) / 2`` and ``sigma = (max - min) / 6`` (in log space for logNormal) —
the same mu/sigma reading Katib's hyperopt service gives min/max. A random search therefore
draws from that truncated normal exactly; model-based samplers search a monotone
reparametrisation of the same range. Values are snapped to ``step`` when one is given.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from ideko.runtime.katib.errors import TuneError
from ideko.runtime.katib.experiment import ExperimentPlan, Parameter, format_value

_EDGE = NormalDist().cdf(3.0)


@dataclass
class Suggestion:
    """One trial's assignments (Katib strings) plus the sampler's handle for ``tell``."""

    assignments: dict[str, str]
    handle: Any = field(default=None, repr=False)


def latent_to_value(param: Parameter, u: float) -> float:
    """Map a latent ``u`` in [0, 1] to the parameter's truncated (log)normal value."""
    assert param.min is not None and param.max is not None
    low, high = param.min, param.max
    if param.distribution == "logNormal":
        low, high = math.log(low), math.log(high)
    z = NormalDist().inv_cdf(min(max((1 - _EDGE) + u * (2 * _EDGE - 1), 1e-12), 1 - 1e-12))
    x = (low + high) / 2 + z * (high - low) / 6
    x = min(max(x, low), high)
    return math.exp(x) if param.distribution == "logNormal" else x


def snap(param: Parameter, value: float) -> float:
    """Round onto ``min + k * step`` (ints onto whole numbers) inside [min, max]."""
    assert param.min is not None and param.max is not None
    if param.step:
        value = param.min + round((value - param.min) / param.step) * param.step
    if param.type == "int":
        value = round(value)
    return min(max(value, param.min), param.max)


def _to_assignment(param: Parameter, raw: Any) -> str:
    if param.type in ("categorical", "discrete"):
        if isinstance(raw, float) and str(raw) not in param.values:  # a latent choice in [0, 1]
            return str(param.values[min(int(raw * len(param.values)), len(param.values) - 1)])
        return str(raw)
    value = float(raw)
    if param.distribution in ("normal", "logNormal"):
        value = latent_to_value(param, value)
    return format_value(param, snap(param, value))


class OptunaSuggester:
    """Optuna ask/tell for Katib's optuna algorithms and local NSGA-II."""

    def __init__(self, plan: ExperimentPlan, seed: int | None, directions: list[str]) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.plan = plan
        self.params = plan.parameters
        settings = plan.algorithm_settings
        seed = int(settings["random_state"]) if "random_state" in settings else seed
        self.limit: int | None = None
        self.asked = 0
        grid = plan.algorithm == "grid" and len(directions) == 1
        # optuna's QMC sampler draws categorical parameters at random (independent sampler);
        # a latent u in [0, 1) cut into equal parts keeps them on the low-discrepancy sequence
        self.latent_choices = plan.algorithm == "sobol" and len(directions) == 1
        self.distributions = {p.name: self._distribution(p, grid) for p in self.params}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sampler = self._sampler(plan.algorithm if len(directions) == 1 else "nsga2", seed)
            self.study = optuna.create_study(sampler=sampler, directions=directions)

    def _distribution(self, p: Parameter, grid: bool) -> Any:
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        if grid:
            return CategoricalDistribution(p.grid() if p.step or p.values else _int_grid(p))
        if p.type in ("categorical", "discrete"):
            if self.latent_choices:
                return FloatDistribution(0.0, 1.0)
            return CategoricalDistribution(list(p.values))
        assert p.min is not None and p.max is not None
        if p.distribution in ("normal", "logNormal"):
            return FloatDistribution(0.0, 1.0)
        log = p.distribution == "logUniform"
        if p.type == "int":
            step = 1 if log or not p.step else int(p.step)
            high = p.min + ((p.max - p.min) // step) * step
            return IntDistribution(int(p.min), int(high), log=log, step=step)
        step = None if log or not p.step else p.step
        high = p.max if step is None else p.min + math.floor((p.max - p.min) / step + 1e-9) * step
        return FloatDistribution(p.min, high, log=log, step=step)

    def _sampler(self, algorithm: str, seed: int | None) -> Any:
        import optuna.samplers as s

        settings = self.plan.algorithm_settings
        tpe_args = {
            k: int(settings[k]) for k in ("n_startup_trials", "n_ei_candidates") if k in settings
        }
        if algorithm == "random":
            return s.RandomSampler(seed=seed)
        if algorithm == "tpe":
            return s.TPESampler(seed=seed, **tpe_args)
        if algorithm == "multivariate-tpe":
            return s.TPESampler(seed=seed, multivariate=True, **tpe_args)
        if algorithm == "cmaes":
            try:
                import cmaes  # noqa: F401  (optuna's CmaEsSampler needs it at ask time)
            except ImportError:
                raise TuneError("cmaes needs the 'cmaes' package (pip install cmaes)") from None
            restart = settings.get("restart_strategy", "none")
            sigma = float(settings["sigma"]) if "sigma" in settings else None
            return s.CmaEsSampler(
                seed=seed, sigma0=sigma, restart_strategy=None if restart == "none" else restart
            )
        if algorithm == "sobol":
            scramble = settings.get("scramble", "false") == "true"
            return s.QMCSampler(qmc_type="sobol", scramble=scramble, seed=seed)
        if algorithm == "grid":
            space = {name: list(d.choices) for name, d in self.distributions.items()}
            self.limit = math.prod(len(v) for v in space.values())
            return _grid_sampler(space, seed)
        if algorithm == "nsga2":
            return s.NSGAIISampler(seed=seed)
        raise TuneError(f"algorithm {algorithm!r} has no optuna sampler")

    def ask(self) -> Suggestion | None:
        """The next assignments, or None when the search space is exhausted (grid)."""
        if self.limit is not None and self.asked >= self.limit:
            return None
        self.asked += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trial = self.study.ask(self.distributions)
        assignments = {p.name: _to_assignment(p, trial.params[p.name]) for p in self.params}
        return Suggestion(assignments, trial)

    def tell(self, suggestion: Suggestion, values: list[float] | None) -> None:
        """Report a finished trial: its objective value(s), or None for a failed one."""
        from optuna.trial import TrialState

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if values is None:
                self.study.tell(suggestion.handle, state=TrialState.FAIL)
            else:
                self.study.tell(suggestion.handle, values if len(values) > 1 else values[0])


def _grid_sampler(space: dict[str, list[Any]], seed: int | None) -> Any:
    """optuna's GridSampler usable with ask/tell (no ``study.stop()`` after the last point)."""
    from optuna.samplers import GridSampler

    class AskTellGridSampler(GridSampler):
        """optuna's grid, minus the ``study.stop()`` that only works inside ``optimize``.

        Exhaustion is tracked by :class:`OptunaSuggester` (``limit``) instead.
        """

        def after_trial(self, *args: Any, **kwargs: Any) -> None:
            return None

    return AskTellGridSampler(space, seed=seed)


def _int_grid(p: Parameter) -> list[str]:
    return Parameter(p.name, p.type, p.min, p.max, 1.0).grid()


class SkoptSuggester:
    """scikit-optimize ``Optimizer`` (Katib's bayesianoptimization), minimising ``-value``."""

    def __init__(self, plan: ExperimentPlan, seed: int | None) -> None:
        try:
            from skopt import Optimizer
            from skopt.space import Categorical, Integer, Real
        except ImportError:
            raise TuneError(
                "bayesianoptimization needs scikit-optimize (pip install scikit-optimize), "
                "the library Katib's suggestion service uses"
            ) from None
        settings = plan.algorithm_settings
        self.sign = -1.0 if plan.objective.type == "maximize" else 1.0
        self.params = plan.parameters
        dims: list[Any] = []
        for p in self.params:
            if p.type in ("categorical", "discrete"):
                dims.append(Categorical(list(p.values), name=p.name))
            elif p.distribution in ("normal", "logNormal"):
                dims.append(Real(0.0, 1.0, name=p.name))
            else:
                prior = "log-uniform" if p.distribution == "logUniform" else "uniform"
                kind = Integer if p.type == "int" else Real
                dims.append(kind(p.min, p.max, prior=prior, name=p.name))
        self.optimizer = Optimizer(
            dims,
            base_estimator=settings.get("base_estimator", "GP"),
            n_initial_points=int(settings.get("n_initial_points", 10)),
            acq_func=settings.get("acq_func", "gp_hedge"),
            acq_optimizer=settings.get("acq_optimizer", "auto"),
            random_state=int(settings.get("random_state", seed if seed is not None else 0)),
        )
        self.pending: list[list[Any]] = []

    def ask(self) -> Suggestion:
        """Next point; with trials in flight, ask a copy told the pending points' lie."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimizer = self.optimizer
            if self.pending and optimizer.yi:
                optimizer = optimizer.copy(random_state=len(optimizer.yi) + len(self.pending))
                optimizer.tell(self.pending, [min(self.optimizer.yi)] * len(self.pending))
            point = [_plain(v) for v in optimizer.ask()]
        self.pending.append(point)
        assignments = {
            p.name: _to_assignment(p, v) for p, v in zip(self.params, point, strict=True)
        }
        return Suggestion(assignments, point)

    def tell(self, suggestion: Suggestion, values: list[float] | None) -> None:
        """Failed trials are dropped (Katib's skopt service only learns from observations)."""
        self.pending.remove(suggestion.handle)
        if values is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.optimizer.tell(suggestion.handle, self.sign * values[0])


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars so points compare and print plainly."""
    return value.item() if hasattr(value, "item") else value


def build_suggester(
    plan: ExperimentPlan,
    seed: int | None = None,
    multi_objective: list[tuple[str, str]] | None = None,
) -> OptunaSuggester | SkoptSuggester:
    """The suggester for ``plan.algorithm`` (or NSGA-II when ``multi_objective`` is given)."""
    if multi_objective:
        return OptunaSuggester(plan, seed, [direction for _, direction in multi_objective])
    if plan.algorithm == "bayesianoptimization":
        return SkoptSuggester(plan, seed)
    return OptunaSuggester(plan, seed, [plan.objective.type])
