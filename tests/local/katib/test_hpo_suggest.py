"""Every supported algorithm yields assignments inside the search space."""

import copy
import math

import pytest
from hpo_helpers import categorical, manifest
from ideko.local.katib.suggest import build_suggester, latent_to_value, snap
from ideko.runtime.katib.experiment import Parameter, plan_from_dict

PARAMS = [
    {
        "name": "lr",
        "parameterType": "double",
        "feasibleSpace": {"min": "0.0005", "max": "0.01", "distribution": "logUniform"},
    },
    {
        "name": "units",
        "parameterType": "int",
        "feasibleSpace": {"min": "16", "max": "64", "step": "16"},
    },
    {
        "name": "drop",
        "parameterType": "double",
        "feasibleSpace": {"min": "0.0", "max": "0.5", "step": "0.1", "distribution": "normal"},
    },
    {"name": "bs", "parameterType": "discrete", "feasibleSpace": {"list": ["16", "32", "64"]}},
]
ARGS = [f"--{p['name']}=${{trialParameters.{p['name']}}}" for p in PARAMS]


def check(assignment):
    assert 0.0005 <= float(assignment["lr"]) <= 0.01
    assert assignment["units"] in {"16", "32", "48", "64"}
    drop = float(assignment["drop"])
    assert 0.0 <= drop <= 0.5 and math.isclose(drop * 10, round(drop * 10), abs_tol=1e-9)
    assert assignment["bs"] in {"16", "32", "64"}


@pytest.mark.parametrize(
    "algorithm",
    ["random", "tpe", "multivariate-tpe", "cmaes", "sobol", "grid", "bayesianoptimization"],
)
def test_algorithms_suggest_inside_the_space(algorithm):
    params = copy.deepcopy(PARAMS)
    if algorithm == "grid":
        params[0]["feasibleSpace"]["step"] = "0.0005"  # Katib's grid needs a step for doubles
    plan = plan_from_dict(
        manifest(parameters=params, args=ARGS, algorithm=algorithm, max_trials=6, parallel=2)
    )
    suggester = build_suggester(plan, seed=7)
    seen = []
    for i in range(6):
        first, second = suggester.ask(), suggester.ask()  # two in flight, as with parallel trials
        check(first.assignments)
        check(second.assignments)
        seen += [first.assignments, second.assignments]
        suggester.tell(first, [float(first.assignments["lr"]) * 100])
        suggester.tell(second, None if i % 3 == 0 else [0.5])  # some failures
    assert len({tuple(sorted(a.items())) for a in seen}) > 3


def test_grid_visits_each_point_once_then_ends():
    params = [
        {
            "name": "units",
            "parameterType": "int",
            "feasibleSpace": {"min": "16", "max": "48", "step": "16"},
        },
        categorical("act", ["relu", "tanh"]),
    ]
    args = ["--u=${trialParameters.units}", "--a=${trialParameters.act}"]
    plan = plan_from_dict(manifest(parameters=params, args=args, algorithm="grid", max_trials=6))
    suggester = build_suggester(plan, seed=1)
    points = []
    while (suggestion := suggester.ask()) is not None:
        points.append((suggestion.assignments["units"], suggestion.assignments["act"]))
        suggester.tell(suggestion, [0.1])
    assert sorted(points) == sorted((u, a) for u in ("16", "32", "48") for a in ("relu", "tanh"))


def test_seed_makes_suggestions_reproducible():
    plan = plan_from_dict(manifest(parameters=PARAMS, args=ARGS, algorithm="tpe"))
    a, b = build_suggester(plan, seed=3), build_suggester(plan, seed=3)
    assert [a.ask().assignments for _ in range(3)] == [b.ask().assignments for _ in range(3)]


def test_random_state_setting_wins_over_seed():
    plan = plan_from_dict(
        manifest(parameters=PARAMS, args=ARGS, algorithm="random", settings={"random_state": "5"})
    )
    assert (
        build_suggester(plan, seed=1).ask().assignments
        == build_suggester(plan, seed=2).ask().assignments
    )


def test_normal_distribution_is_centred_and_truncated():
    param = Parameter("x", "double", 0.0, 6.0, distribution="normal")
    assert latent_to_value(param, 0.5) == pytest.approx(3.0)
    assert latent_to_value(param, 0.0) == pytest.approx(0.0, abs=1e-6)
    assert latent_to_value(param, 1.0) == pytest.approx(6.0, abs=1e-6)
    # one sigma (= range / 6) above the mean at the normal CDF's 84th percentile
    assert latent_to_value(param, 0.8413 / 0.9973 - (1 - 0.9973) / 2 / 0.9973) == pytest.approx(
        4.0, abs=0.01
    )
    lognormal = Parameter("lr", "double", 1e-4, 1e-2, distribution="logNormal")
    assert latent_to_value(lognormal, 0.5) == pytest.approx(1e-3)
    assert snap(Parameter("u", "int", 16, 64, 16), 41.0) == 48


def test_nsga2_for_multi_objective():
    plan = plan_from_dict(manifest(parameters=PARAMS, args=ARGS))
    suggester = build_suggester(
        plan, seed=1, multi_objective=[("accuracy", "maximize"), ("training_time", "minimize")]
    )
    assert type(suggester.study.sampler).__name__ == "NSGAIISampler"
    s = suggester.ask()
    suggester.tell(s, [0.5, 10.0])
    assert suggester.study.trials[0].values == [0.5, 10.0]


def test_sobol_keeps_categorical_parameters_on_the_low_discrepancy_sequence():
    """optuna's QMC sampler would draw them at random: 4 distinct of 4 in 9 % of draws."""
    params = [
        categorical("c", ["a", "b", "c", "d"]),
        {"name": "q", "parameterType": "double", "feasibleSpace": {"min": "0.1", "max": "0.9"}},
    ]
    args = ["--quality", "${trialParameters.q}", "--c", "${trialParameters.c}"]
    for seed in (1, 2, 3):
        plan = plan_from_dict(manifest(parameters=params, args=args, algorithm="sobol"))
        suggester = build_suggester(plan, seed=seed)
        asked = []
        for _ in range(9):
            suggestion = suggester.ask()
            asked.append(suggestion.assignments["c"])
            suggester.tell(suggestion, [0.5])
        # optuna samples the first trial independently; the next 8 Sobol points cut [0, 1)
        # into quarters twice over: every value exactly twice
        assert sorted(asked[1:]) == ["a", "a", "b", "b", "c", "c", "d", "d"], asked
