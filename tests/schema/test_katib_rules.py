"""Katib's admission rules (ideko.schema.katib_rules): one refused and one admitted manifest per
rule, and every committed Experiment (golden and generated) is admitted."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from ideko.schema.katib_rules import Problem, admission_problems, grid_size

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "tests/golden/ideko/expected/ideko-anomaly-classification/katib/lstm.yaml"
Manifest = dict[str, Any]


def _committed() -> list[Path]:
    paths = [*ROOT.glob("tests/golden/*/expected/**/katib/*.yaml"),
             *ROOT.glob("generated/**/katib/*.yaml")]
    return sorted(p for p in paths if p.name != "rbac.yaml")


def base() -> Manifest:
    return yaml.safe_load(BASE.read_text(encoding="utf-8"))


def spec(m: Manifest) -> dict[str, Any]:
    return m["spec"]


def param(m: Manifest, i: int) -> dict[str, Any]:
    return m["spec"]["parameters"][i]


def space(m: Manifest, i: int) -> dict[str, Any]:
    return param(m, i)["feasibleSpace"]


def template(m: Manifest) -> dict[str, Any]:
    return m["spec"]["trialTemplate"]


def pod(m: Manifest) -> dict[str, Any]:
    return template(m)["trialSpec"]["spec"]["template"]["spec"]


def container(m: Manifest) -> dict[str, Any]:
    return pod(m)["containers"][0]


def collector(m: Manifest, kind: str, **source: Any) -> None:
    m["spec"]["metricsCollectorSpec"] = {"collector": {"kind": kind}}
    if source:
        m["spec"]["metricsCollectorSpec"]["source"] = source


def algorithm(m: Manifest, name: str, **settings: str) -> None:
    m["spec"]["algorithm"] = {"algorithmName": name}
    if settings:
        m["spec"]["algorithm"]["algorithmSettings"] = [
            {"name": k, "value": v} for k, v in settings.items()]


def medianstop(m: Manifest, **settings: str) -> None:
    m["spec"]["earlyStopping"]["algorithmSettings"] = [
        {"name": k, "value": v} for k, v in settings.items()]


def grid_of(m: Manifest, max_trials: int) -> None:
    """grid over hidden_units_0 (4 points) x batch_size (3) with learning_rate stepped (2)."""
    algorithm(m, "grid")
    space(m, 0).update(min="0.001", max="0.002", step="0.001")
    space(m, 0).pop("distribution")
    spec(m)["maxTrialCount"] = max_trials
    spec(m)["maxFailedTrialCount"] = 1


Mutation = Callable[[Manifest], Any]
# rule: (break it, stay just inside it, path of the problem, words of its message)
RULES: dict[str, tuple[Mutation, Mutation, tuple[Any, ...], str]] = {
    "api version": (lambda m: m.update(apiVersion="kubeflow.org/v1"),
                    lambda m: None, ("apiVersion",), "kubeflow.org/v1beta1"),
    "kind": (lambda m: m.update(kind="Trial"), lambda m: None, ("kind",), "Experiment"),
    "name pattern": (lambda m: m["metadata"].update(name="Bad_Name"),
                     lambda m: m["metadata"].update(name="a-1"),
                     ("metadata", "name"), "lower-case letters"),
    "name ends with a letter or digit": (lambda m: m["metadata"].update(name="abc-"),
                                         lambda m: m["metadata"].update(name="abc-9"),
                                         ("metadata", "name"), "end with a letter or digit"),
    "name length": (lambda m: m["metadata"].update(name="a" * 41),
                    lambda m: m["metadata"].update(name="a" * 40),
                    ("metadata", "name"), "at most 40"),
    "name required": (lambda m: m["metadata"].pop("name"), lambda m: None,
                      ("metadata", "name"), "is required"),
    "max trials positive": (lambda m: spec(m).update(maxTrialCount=0),
                            lambda m: spec(m).update(maxTrialCount=3),
                            ("spec", "maxTrialCount"), "greater than 0"),
    "parallel positive": (lambda m: spec(m).update(parallelTrialCount=0),
                          lambda m: spec(m).update(parallelTrialCount=1),
                          ("spec", "parallelTrialCount"), "greater than 0"),
    "failed not negative": (lambda m: spec(m).update(maxFailedTrialCount=-1),
                            lambda m: spec(m).update(maxFailedTrialCount=0),
                            ("spec", "maxFailedTrialCount"), "negative"),
    "parallel within max": (lambda m: spec(m).update(parallelTrialCount=5),
                            lambda m: spec(m).update(parallelTrialCount=4),
                            ("spec", "parallelTrialCount"),
                            "(5) must not exceed maxTrialCount (4)"),
    "katib's default parallel within max": (
        lambda m: (spec(m).pop("parallelTrialCount"), spec(m).update(maxTrialCount=2,
                                                                   maxFailedTrialCount=1)),
        lambda m: spec(m).pop("parallelTrialCount"),
        ("spec", "parallelTrialCount"), "(3, Katib's default) must not exceed"),
    "failed within max": (lambda m: spec(m).update(maxFailedTrialCount=5),
                          lambda m: spec(m).update(maxFailedTrialCount=4),
                          ("spec", "maxFailedTrialCount"), "(5) must not exceed maxTrialCount"),
    "counts are integers": (lambda m: spec(m).update(maxTrialCount="4"), lambda m: None,
                            ("spec", "maxTrialCount"), "must be an integer"),
    "resume policy": (lambda m: spec(m).update(resumePolicy="Sometimes"),
                      lambda m: spec(m).update(resumePolicy="LongRunning"),
                      ("spec", "resumePolicy"), "LongRunning"),
    "objective type": (lambda m: spec(m)["objective"].update(type="best"),
                       lambda m: spec(m)["objective"].update(type="minimize"),
                       ("spec", "objective", "type"), "maximize or minimize"),
    "objective metric": (lambda m: spec(m)["objective"].pop("objectiveMetricName"),
                         lambda m: None, ("spec", "objective", "objectiveMetricName"),
                         "required"),
    "objective not additional": (
        lambda m: spec(m)["objective"]["additionalMetricNames"].append("score"),
        lambda m: spec(m)["objective"]["additionalMetricNames"].append("loss"),
        ("spec", "objective", "additionalMetricNames"), "already the objective metric"),
    "metric strategy": (lambda m: spec(m)["objective"]["metricStrategies"][0].update(value="avg"),
                        lambda m: spec(m)["objective"]["metricStrategies"][0].update(value="max"),
                        ("spec", "objective", "metricStrategies", 0, "value"), "min, max, latest"),
    "algorithm name": (lambda m: algorithm(m, "hillclimb"), lambda m: algorithm(m, "sobol"),
                       ("spec", "algorithm", "algorithmName"), "default config"),
    "algorithm required": (lambda m: spec(m).pop("algorithm"), lambda m: None,
                           ("spec", "algorithm", "algorithmName"), "required"),
    "unknown setting": (lambda m: algorithm(m, "tpe", gamma="0.2"),
                        lambda m: algorithm(m, "tpe", n_startup_trials="0"),
                        ("spec", "algorithm", "algorithmSettings", 0, "name"),
                        "unknown setting 'gamma' for tpe"),
    "random_state": (lambda m: algorithm(m, "random", random_state="-1"),
                     lambda m: algorithm(m, "random", random_state="0"),
                     ("spec", "algorithm", "algorithmSettings", 0, "value"),
                     "an integer from 0 to 4294967295"),
    "random_state above numpy's seed range": (
        lambda m: algorithm(m, "tpe", random_state="4294967296"),
        lambda m: algorithm(m, "tpe", random_state="4294967295"),
        ("spec", "algorithm", "algorithmSettings", 0, "value"), "(a numpy seed)"),
    "bayesianoptimization base_estimator": (
        lambda m: algorithm(m, "bayesianoptimization", base_estimator="XGB"),
        lambda m: algorithm(m, "bayesianoptimization", base_estimator="GBRT"),
        ("spec", "algorithm", "algorithmSettings", 0, "value"), "GP, RF, ET, GBRT"),
    "cmaes sigma": (lambda m: algorithm(m, "cmaes", sigma="0"),
                    lambda m: (algorithm(m, "cmaes", sigma="0.5"),
                               param(m, 2).update(parameterType="discrete")),
                    ("spec", "algorithm", "algorithmSettings", 0, "value"), "a number > 0"),
    "cmaes dimensions": (
        lambda m: (algorithm(m, "cmaes"), param(m, 1).update(parameterType="discrete",
                                                             feasibleSpace={"list": ["8"]}),
                   param(m, 2).update(parameterType="discrete")),
        lambda m: (algorithm(m, "cmaes"), param(m, 2).update(parameterType="discrete")),
        ("spec", "algorithm", "algorithmName"), "at least two int or double"),
    "cmaes categorical": (lambda m: algorithm(m, "cmaes"),
                          lambda m: (algorithm(m, "cmaes"),
                                     param(m, 2).update(parameterType="discrete")),
                          ("spec", "parameters", 2, "parameterType"), "cannot search categorical"),
    "early stopping algorithm": (lambda m: spec(m)["earlyStopping"].update(algorithmName="hb"),
                                 lambda m: spec(m).pop("earlyStopping"),
                                 ("spec", "earlyStopping", "algorithmName"), "medianstop"),
    "medianstop min_trials_required": (lambda m: medianstop(m, min_trials_required="0"),
                                       lambda m: medianstop(m, min_trials_required="1"),
                                       ("spec", "earlyStopping", "algorithmSettings", 0, "value"),
                                       "an integer > 0"),
    "medianstop start_step": (lambda m: medianstop(m, start_step="zero"),
                              lambda m: medianstop(m, start_step="1"),
                              ("spec", "earlyStopping", "algorithmSettings", 0, "value"),
                              "an integer > 0"),
    "medianstop unknown setting": (lambda m: medianstop(m, burn_in="3"), lambda m: medianstop(m),
                                   ("spec", "earlyStopping", "algorithmSettings", 0, "name"),
                                   "unknown setting 'burn_in' for medianstop"),
    "parameters required": (lambda m: spec(m).update(parameters=[]), lambda m: None,
                            ("spec", "parameters"), "at least one"),
    "parameter names unique": (lambda m: param(m, 1).update(name="learning_rate"),
                               lambda m: None, ("spec", "parameters", 1, "name"), "used twice"),
    "parameter type": (lambda m: param(m, 1).update(parameterType="integer"),
                       lambda m: param(m, 2).update(parameterType="discrete"),
                       ("spec", "parameters", 1, "parameterType"), "int, double"),
    "feasible space required": (lambda m: param(m, 1).update(feasibleSpace={}), lambda m: None,
                                ("spec", "parameters", 1, "feasibleSpace"), "must be specified"),
    "distribution": (lambda m: space(m, 0).update(distribution="gamma"),
                     lambda m: space(m, 0).update(distribution="normal"),
                     ("spec", "parameters", 0, "feasibleSpace", "distribution"), "logNormal"),
    "numbers as strings": (lambda m: space(m, 1).update(min=16),
                           lambda m: space(m, 1).update(min="17"),
                           ("spec", "parameters", 1, "feasibleSpace", "min"), "must be a string"),
    "range needs min and max": (lambda m: space(m, 1).pop("max"), lambda m: None,
                                ("spec", "parameters", 1, "feasibleSpace", "max"), "min and max"),
    "range takes no list": (lambda m: space(m, 1).update(list=["1"]), lambda m: None,
                            ("spec", "parameters", 1, "feasibleSpace", "list"),
                            "not feasibleSpace"),
    "min below max": (lambda m: space(m, 1).update(min="64"),
                      lambda m: space(m, 1).update(min="63", step="1"),
                      ("spec", "parameters", 1, "feasibleSpace", "min"),
                      "min (64) must be less than max (64)"),
    "int bounds": (lambda m: space(m, 1).update(min="1.5"), lambda m: space(m, 1).update(min="-2"),
                   ("spec", "parameters", 1, "feasibleSpace", "min"), "'1.5' is not a valid int"),
    "double bounds": (lambda m: space(m, 0).update(max="big"),
                      lambda m: space(m, 0).update(max="1e-2"),
                      ("spec", "parameters", 0, "feasibleSpace", "max"), "not a valid double"),
    "step positive": (lambda m: space(m, 1).update(step="0"), lambda m: space(m, 1).pop("step"),
                      ("spec", "parameters", 1, "feasibleSpace", "step"), "greater than 0"),
    "log distribution min": (lambda m: space(m, 0).update(min="0"),
                             lambda m: space(m, 0).update(min="1e-9"),
                             ("spec", "parameters", 0, "feasibleSpace", "min"),
                             "logUniform distribution needs min > 0"),
    "list required": (lambda m: space(m, 2).update(list=[]), lambda m: None,
                      ("spec", "parameters", 2, "feasibleSpace", "list"), "must not be empty"),
    "list takes no range": (lambda m: space(m, 2).update(min="1"), lambda m: None,
                            ("spec", "parameters", 2, "feasibleSpace"), "not min/max/step"),
    "list of strings": (lambda m: space(m, 2).update(list=[16, "32"]), lambda m: None,
                        ("spec", "parameters", 2, "feasibleSpace", "list", 0), "strings"),
    "discrete numbers": (lambda m: param(m, 2).update(parameterType="discrete",
                                                      feasibleSpace={"list": ["1", "x"]}),
                         lambda m: param(m, 2).update(parameterType="discrete"),
                         ("spec", "parameters", 2, "feasibleSpace", "list", 1), "must be numbers"),
    "grid step for doubles": (lambda m: algorithm(m, "grid"), lambda m: grid_of(m, 4),
                              ("spec", "parameters", 0, "feasibleSpace", "step"),
                              "grid algorithm needs a step"),
    "grid combinations": (lambda m: grid_of(m, 25), lambda m: grid_of(m, 24),
                          ("spec", "maxTrialCount"),
                          "maxTrialCount (25) exceeds the 24 combinations of the grid"),
    "primary container named": (lambda m: template(m).pop("primaryContainerName"),
                                lambda m: None, ("spec", "trialTemplate", "primaryContainerName"),
                                "required"),
    "primary container exists": (lambda m: template(m).update(primaryContainerName="main"),
                                 lambda m: (template(m).update(primaryContainerName="main"),
                                            container(m).update(name="main")),
                                 ("spec", "trialTemplate", "primaryContainerName"),
                                 "no container named 'main'"),
    "conditions outside a Job": (
        lambda m: (template(m)["trialSpec"].update(apiVersion="kubeflow.org/v1", kind="TFJob"),
                   template(m).pop("successCondition")),
        lambda m: (template(m).pop("successCondition"), template(m).pop("failureCondition")),
        ("spec", "trialTemplate"), "successCondition and failureCondition"),
    "trial parameters required": (lambda m: template(m).pop("trialParameters"), lambda m: None,
                                  ("spec", "trialTemplate", "trialParameters"), "required"),
    "trial spec or config map": (
        lambda m: template(m).update(configMap={"configMapName": "t"}),
        lambda m: (template(m).pop("trialSpec"), template(m).update(configMap={
            "configMapName": "t", "configMapNamespace": "kubeflow", "templatePath": "job.yaml"})),
        ("spec", "trialTemplate"), "exactly one of"),
    "config map fields": (
        lambda m: (template(m).pop("trialSpec"),
                   template(m).update(configMap={"configMapName": "t"})),
        lambda m: None, ("spec", "trialTemplate", "configMap"), "configMapNamespace"),
    "trial parameter name and reference": (
        lambda m: template(m)["trialParameters"][0].pop("reference"), lambda m: None,
        ("spec", "trialTemplate", "trialParameters", 0), "name (without '{' or '}')"),
    "trial parameter names unique": (
        lambda m: template(m)["trialParameters"].append(
            dict(template(m)["trialParameters"][0], reference="${trialSpec.Name}")),
        lambda m: (template(m)["trialParameters"].append(
            {"name": "trial", "reference": "${trialSpec.Labels[app]}"}),
            container(m)["args"].append("${trialParameters.trial}")),
        ("spec", "trialTemplate", "trialParameters", 3, "name"), "used twice"),
    "trial parameter references unique": (
        lambda m: (template(m)["trialParameters"].append(
            {"name": "again", "reference": "learning_rate"}),
            container(m)["args"].append("${trialParameters.again}")),
        lambda m: None, ("spec", "trialTemplate", "trialParameters", 3, "reference"), "used twice"),
    "trial parameter reference exists": (
        lambda m: template(m)["trialParameters"][0].update(reference="missing"),
        lambda m: (template(m)["trialParameters"].append(
            {"name": "ns", "reference": "${trialSpec.Namespace}"}),
            container(m)["args"].append("${trialParameters.ns}")),
        ("spec", "trialTemplate", "trialParameters", 0, "reference"), "reference 'missing'"),
    "trial parameter used": (
        lambda m: container(m).update(args=[a for a in container(m)["args"]
                                            if "trialParameters.batch_size" not in a]),
        lambda m: None, ("spec", "trialTemplate", "trialParameters", 2, "name"), "never used"),
    "placeholder declared": (lambda m: container(m)["args"].append("${trialParameters.nope}"),
                             lambda m: None, ("spec", "trialTemplate", "trialSpec"),
                             "${trialParameters.nope} is not declared"),
    "trial spec unnamed": (lambda m: template(m)["trialSpec"].update(metadata={"name": "x"}),
                           lambda m: template(m)["trialSpec"].update(metadata={"labels": {}}),
                           ("spec", "trialTemplate", "trialSpec", "metadata"), "omitted"),
    "trial spec kind": (lambda m: template(m)["trialSpec"].pop("kind"), lambda m: None,
                        ("spec", "trialTemplate", "trialSpec"), "apiVersion and kind"),
    "job restart policy": (lambda m: pod(m).update(restartPolicy="Always"),
                           lambda m: pod(m).update(restartPolicy="OnFailure"),
                           ("spec", "trialTemplate", "trialSpec", "spec", "template", "spec",
                            "restartPolicy"), "Never or OnFailure"),
    "collector kind": (lambda m: collector(m, "Stdout"), lambda m: collector(m, "Push"),
                       ("spec", "metricsCollectorSpec", "collector", "kind"), "not a Katib"),
    "file collector path kind": (
        lambda m: collector(m, "File", fileSystemPath={"kind": "Directory", "path": "/m/x"}),
        lambda m: collector(m, "File"),
        ("spec", "metricsCollectorSpec", "source", "fileSystemPath", "kind"), "must be File"),
    "file collector absolute path": (
        lambda m: collector(m, "File", fileSystemPath={"path": "m.log"}),
        lambda m: collector(m, "File", fileSystemPath={"path": "/m/x.log", "kind": "File"}),
        ("spec", "metricsCollectorSpec", "source", "fileSystemPath", "path"), "absolute"),
    "file collector format": (
        lambda m: collector(m, "File", fileSystemPath={"format": "CSV"}),
        lambda m: collector(m, "File", fileSystemPath={"format": "JSON"}),
        ("spec", "metricsCollectorSpec", "source", "fileSystemPath", "format"), "TEXT or JSON"),
    "json file takes no filter": (
        lambda m: collector(m, "File", fileSystemPath={"format": "JSON"},
                            filter={"metricsFormat": ["(a)(b)"]}),
        lambda m: collector(m, "File", fileSystemPath={"format": "TEXT"},
                            filter={"metricsFormat": ["(a)(b)"]}),
        ("spec", "metricsCollectorSpec", "source", "filter"), "absent"),
    "tfevent directory": (
        lambda m: collector(m, "TensorFlowEvent", fileSystemPath={"kind": "File"}),
        lambda m: collector(m, "TensorFlowEvent", fileSystemPath={"kind": "Directory",
                                                                 "path": "/logs/tb"}),
        ("spec", "metricsCollectorSpec", "source", "fileSystemPath", "kind"), "Directory"),
    "tfevent format empty": (
        lambda m: collector(m, "TensorFlowEvent", fileSystemPath={"format": "TEXT"}),
        lambda m: collector(m, "TensorFlowEvent"),
        ("spec", "metricsCollectorSpec", "source", "fileSystemPath", "format"), "leave it empty"),
    "prometheus port": (lambda m: collector(m, "PrometheusMetric", httpGet={"port": 0}),
                        lambda m: collector(m, "PrometheusMetric", httpGet={"port": 9090}),
                        ("spec", "metricsCollectorSpec", "source", "httpGet", "port"), "positive"),
    "prometheus path": (lambda m: collector(m, "PrometheusMetric", httpGet={"path": "metrics"}),
                        lambda m: collector(m, "PrometheusMetric"),
                        ("spec", "metricsCollectorSpec", "source", "httpGet", "path"), "'/'"),
    "custom collector container": (
        lambda m: collector(m, "Custom"),
        lambda m: (collector(m, "Custom"), spec(m)["metricsCollectorSpec"]["collector"].update(
            customCollector={"name": "c", "image": "c:1"})),
        ("spec", "metricsCollectorSpec", "collector", "customCollector"), "customCollector"),
    "filter regex": (lambda m: collector(m, "StdOut", filter={"metricsFormat": ["(a"]}),
                     lambda m: collector(m, "StdOut", filter={"metricsFormat": [r"(\w+)=(\S+)"]}),
                     ("spec", "metricsCollectorSpec", "source", "filter", "metricsFormat", 0),
                     "not a regex"),
    "filter groups": (lambda m: collector(m, "StdOut", filter={"metricsFormat": [r"(\w+)=\S+"]}),
                      lambda m: None,
                      ("spec", "metricsCollectorSpec", "source", "filter", "metricsFormat", 0),
                      "needs 2 groups"),
}


def test_the_base_manifest_is_admitted() -> None:
    assert admission_problems(base()) == []


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_refuses_a_breaking_manifest(rule: str) -> None:
    breaks, _, path, words = RULES[rule]
    manifest = base()
    breaks(manifest)
    found = admission_problems(manifest)
    assert any(p.path == path and words in p.message for p in found), found


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_admits_a_manifest_just_inside_it(rule: str) -> None:
    _, keeps, _, _ = RULES[rule]
    manifest = base()
    keeps(manifest)
    assert admission_problems(manifest) == []


@pytest.mark.parametrize("path", _committed(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_committed_experiment_is_admitted(path: Path) -> None:
    assert admission_problems(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_there_are_committed_experiments() -> None:
    assert len(_committed()) >= 7


def test_every_problem_is_reported_at_once() -> None:
    manifest = base()
    spec(manifest).update(maxTrialCount=1)
    space(manifest, 1).update(step="-1")
    found = {p.path for p in admission_problems(manifest)}
    assert {("spec", "parallelTrialCount"), ("spec", "maxFailedTrialCount"),
            ("spec", "parameters", 1, "feasibleSpace", "step")} <= found


@pytest.mark.parametrize("junk", [None, [], "x", {"spec": []}, {"spec": {"parameters": "x"}},
                                  {"spec": {"trialTemplate": {"trialParameters": [],
                                                              "trialSpec": "x"}}}])
def test_malformed_manifests_give_problems_not_tracebacks(junk: Any) -> None:
    assert admission_problems(copy.deepcopy(junk))


def test_grid_size_follows_katibs_enumeration() -> None:
    def p(kind: str, **space: Any) -> dict[str, Any]:
        return {"parameterType": kind, "feasibleSpace": space}

    assert grid_size([p("int", min="1", max="10", step="3")]) == 4  # 1 4 7 10
    assert grid_size([p("int", min="1", max="3")]) == 3  # Katib's int step defaults to 1
    assert grid_size([p("double", min="0.1", max="0.3", step="0.1")]) == 3
    assert grid_size([p("double", min="0", max="1", step="0.3")]) == 4  # 0 .3 .6 .9
    assert grid_size([p("categorical", list=["a", "b"]), p("discrete", list=["1"])]) == 2
    assert grid_size([p("double", min="0", max="1")]) is None


def test_problem_text_names_the_manifest_path() -> None:
    assert str(Problem(("spec", "parameters", 2, "feasibleSpace", "max"), "is bad")) == (
        "spec.parameters[2].feasibleSpace.max: is bad")
    assert str(Problem(("spec", "maxTrialCount"), "maxTrialCount (0) must be > 0")) == (
        "spec.maxTrialCount (0) must be > 0")
