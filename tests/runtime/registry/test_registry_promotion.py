"""Champion/challenger: a new version is challenger unless it beats the champion on the same
test set by the margin; the champion is re-scored when the test set changed; rollback."""

from __future__ import annotations

import json

import pytest
from ideko.runtime.registry import RegistryError, open_registry
from ideko.runtime.registry import tags as keys
from ideko.runtime.registry.promotion import crown, decide, history, rollback

pytestmark = pytest.mark.slow  # real registry stores for every backend

SAME_TEST = "aa" * 32
NEW_TEST = "bb" * 32


def _register(registry, name, model_dir, accuracy, test_set=SAME_TEST):
    from ideko.runtime.registry.checksum import directory_checksum

    folder = model_dir(accuracy)
    tags = {
        keys.CHECKSUM: directory_checksum(folder),
        keys.TEST_METRICS: json.dumps({"accuracy": accuracy}),
        keys.TEST_SET: test_set,
    }
    return registry.create_version(name, str(folder), tags, None, folder.as_uri())


def _never(_files, _version):
    raise AssertionError("the champion must not be re-scored on the same test set")


@pytest.fixture
def registry(embedded):
    return open_registry(embedded)


@pytest.fixture(params=["embedded", "kubeflow"])
def both(request):
    """The rules on both backends (the Model Registry keeps aliases as custom properties)."""
    return open_registry(request.getfixturevalue(request.param))


def test_challenger_is_crowned_only_when_it_beats_the_champion_by_the_margin(
    both, model_dir, name
):
    registry = both
    first = decide(registry, _register(registry, name, model_dir, 0.80), "accuracy",
                   "accuracy", 0.02, _never)  # fmt: skip
    assert first.alias == "champion" and "no champion" in first.reason
    close = decide(registry, _register(registry, name, model_dir, 0.81), "accuracy",
                   "accuracy", 0.02, _never)  # fmt: skip
    assert close.alias == "challenger"
    assert close.champion_version == "1" and close.champion_evaluation == "stored_metrics"
    assert "does not beat champion v1's 0.8000" in close.reason and "margin 0.02" in close.reason
    assert registry.get_model(name).aliases == {"champion": "1", "challenger": "2"}
    better = decide(registry, _register(registry, name, model_dir, 0.83), "accuracy",
                    "accuracy", 0.02, _never)  # fmt: skip
    assert better.alias == "champion" and "beats champion v1" in better.reason
    assert registry.get_model(name).aliases == {"champion": "3", "challenger": "2"}
    recorded = json.loads(registry.get_version(name, "2").tags[keys.PROMOTION])
    assert recorded["alias"] == "challenger" and recorded["champion_value"] == 0.8
    assert registry.get_version(name, "3").tags[keys.CHAMPION_EVALUATION] == "stored_metrics"
    assert [(e["version"], e["previous"]) for e in history(registry, name)] == [
        ("1", None), ("3", "1")
    ]


def test_champion_is_re_scored_on_a_changed_test_set(registry, model_dir, name):
    decide(registry, _register(registry, name, model_dir, 0.95), "accuracy", "accuracy",
           0.0, _never)  # fmt: skip
    scored = []

    def rescore(files, version):
        scored.append(version.version)
        assert (files / "evaluation.json").is_file()  # the champion's own, verified files
        return {"accuracy": 0.60}

    new = _register(registry, name, model_dir, 0.70, test_set=NEW_TEST)
    decision = decide(registry, new, "accuracy", "accuracy", 0.05, rescore)
    assert scored == ["1"]
    assert decision.alias == "champion" and decision.champion_value == 0.60
    assert decision.champion_evaluation == "re_evaluated"
    assert registry.get_version(name, "2").tags[keys.CHAMPION_EVALUATION] == "re_evaluated"


def test_a_champion_that_cannot_be_re_scored_keeps_its_title(registry, model_dir, name):
    decide(registry, _register(registry, name, model_dir, 0.7), "accuracy", "accuracy", 0.0,
           _never)  # fmt: skip

    def rescore(_files, _version):
        raise RegistryError("the champion reads series of 30 points, the new test set has 50")

    new = _register(registry, name, model_dir, 0.99, test_set=NEW_TEST)
    decision = decide(registry, new, "accuracy", "accuracy", 0.0, rescore)
    assert decision.alias == "challenger"
    assert "could not be scored on the new test set" in decision.reason
    assert "30 points" in decision.reason


def test_rollback_walks_back_and_records_who_when_why(both, model_dir, name):
    registry = both
    for accuracy in (0.7, 0.8, 0.9):
        decide(registry, _register(registry, name, model_dir, accuracy), "accuracy",
               "accuracy", 0.0, _never)  # fmt: skip
    assert registry.get_model(name).aliases["champion"] == "3"
    entry = rollback(registry, name, "v3 misclassifies spindle faults", by="alice")
    assert (entry["version"], entry["previous"], entry["by"]) == ("2", "3", "alice")
    assert entry["why"] == "v3 misclassifies spindle faults" and entry["at"].endswith("Z")
    assert rollback(registry, name, "again")["version"] == "1"
    assert registry.get_model(name).aliases["champion"] == "1"
    with pytest.raises(RegistryError, match="no earlier champion"):
        rollback(registry, name, "nothing left")
    actions = [e["action"] for e in history(registry, name)]
    assert actions == ["promote", "promote", "promote", "rollback", "rollback"]


def test_rollback_skips_a_deleted_previous_champion(registry, model_dir, name):
    for accuracy in (0.7, 0.8, 0.9):
        decide(registry, _register(registry, name, model_dir, accuracy), "accuracy",
               "accuracy", 0.0, _never)  # fmt: skip
    registry.delete_version(name, "2")
    assert rollback(registry, name, "bad")["version"] == "1"


def test_manual_promotion_is_recorded(registry, model_dir, name):
    for accuracy in (0.9, 0.5):
        decide(registry, _register(registry, name, model_dir, accuracy), "accuracy",
               "accuracy", 0.0, _never)  # fmt: skip
    entry = crown(registry, name, "2", "promote", "field test passed", by="bob")
    assert registry.get_model(name).aliases == {"champion": "2"}
    assert history(registry, name)[-1] == entry and entry["previous"] == "1"
