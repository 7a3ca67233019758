"""The TensorFlowEvent collector on a trial writing real TensorBoard scalars (imports TF)."""

import os

import pytest
from collector_helpers import FAKE_FILE_TRIAL, HERE, KATIB_DIR, container, tfevent_manifest
from hpo_helpers import ScriptedSuggester
from ideko.local.katib.tuner import TuneOptions, Tuner
from ideko.runtime.katib.experiment import plan_from_dict


@pytest.mark.slow
def test_tfevent_scalars_by_katib_tag_rules(tmp_path, monkeypatch):
    """The two trials (``python -m``, declaring ``WARM_IMPORTS``) fork from one warm
    interpreter: one TensorFlow import, not one per trial."""
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(HERE), path) if p))
    document = tfevent_manifest("train/accuracy", ["test/accuracy", "loss", "legacy/accuracy"])
    plan = plan_from_dict(document)
    suggester = ScriptedSuggester([{"q": "0.6"}, {"q": "0.9"}])
    options = TuneOptions(out_dir=tmp_path, show_progress=False, launcher="warm")
    result = Tuner(plan, options, suggester=suggester).run()
    assert [t.state for t in result.trials] == ["Succeeded", "Succeeded"]
    best = result.best
    assert best.assignments == {"q": "0.9"}
    obs = best.observation
    assert obs.values("train/accuracy") == pytest.approx([0.3, 0.6, 0.9])
    assert obs.values("test/accuracy") == pytest.approx([0.15, 0.3, 0.45])
    assert obs.values("loss") == pytest.approx([0.7, 0.4, 0.1])  # any directory
    assert obs.values("legacy/accuracy") == pytest.approx([0.45, 0.9])  # TF1 simple_value
    assert obs.logs[0].timestamp.endswith("Z")
    event_dir = tmp_path / "trials" / "1.metrics" / "train"
    assert any(p.name.startswith("events.out.tfevents") for p in event_dir.iterdir())


@pytest.mark.slow
def test_no_event_file_is_metrics_unavailable(tmp_path):
    # a trial that writes only a text file (accuracy=... lines) into the event directory
    document = tfevent_manifest("accuracy", [])
    document["spec"].update(maxTrialCount=1, parallelTrialCount=1)
    c = container(document)
    c["command"] = ["python", FAKE_FILE_TRIAL]
    c["args"] = ["--metrics-file", KATIB_DIR + "metrics.txt", "--quality", "${trialParameters.q}"]
    plan = plan_from_dict(document)
    options = TuneOptions(out_dir=tmp_path, show_progress=False, launcher="process")
    result = Tuner(plan, options, suggester=ScriptedSuggester([{"q": "0.5"}])).run()
    (trial,) = result.trials
    assert (tmp_path / "trials" / "1.metrics" / "metrics.txt").read_text("utf-8")
    assert trial.state == "MetricsUnavailable"
    assert "not found in event files under" in trial.message
