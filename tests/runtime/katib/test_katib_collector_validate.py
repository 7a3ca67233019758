"""metricsCollectorSpec validation: Katib's webhook rules per kind, plus the local tuner's."""

import pytest
from collector_helpers import KATIB_FILE, container, file_manifest, tfevent_manifest
from hpo_helpers import manifest
from ideko.runtime.katib.collector import CollectorSpec
from ideko.runtime.katib.errors import ManifestError
from ideko.runtime.katib.experiment import plan_from_dict


def problems(document) -> list[str]:
    with pytest.raises(ManifestError) as info:
        plan_from_dict(document)
    return info.value.problems


def test_stdout_is_the_default():
    plan = plan_from_dict(manifest())
    assert plan.collector == CollectorSpec()


def test_file_collector_plan():
    plan = plan_from_dict(file_manifest(fmt="JSON"))
    assert plan.collector == CollectorSpec("File", KATIB_FILE, "JSON")
    assert plan.collector.mounted_dir == "/var/log/katib"


def test_file_format_defaults_to_text_and_source_to_katibs_path():
    document = file_manifest(fmt=None)
    assert plan_from_dict(document).collector.format == "TEXT"
    del document["spec"]["metricsCollectorSpec"]["source"]
    plan = plan_from_dict(document)  # Katib's default path is the one the command names
    assert plan.collector.path == "/var/log/katib/metrics.log"


def test_tfevent_plan():
    plan = plan_from_dict(tfevent_manifest("train/accuracy", []))
    assert plan.collector.kind == "TensorFlowEvent"
    assert plan.collector.mounted_dir == "/var/log/katib/tfevent"


def test_file_collector_problems_all_at_once():
    document = file_manifest(path="relative/metrics.log", fmt="YAML")
    fs = document["spec"]["metricsCollectorSpec"]["source"]["fileSystemPath"]
    fs["kind"] = "Directory"
    found = problems(document)
    assert any("fileSystemPath.kind must be File" in p for p in found)
    assert any("must be an absolute path" in p for p in found)
    assert any("format must be TEXT or JSON, got 'YAML'" in p for p in found)


def test_json_file_with_filter_is_refused():
    document = file_manifest(fmt="JSON")
    document["spec"]["metricsCollectorSpec"]["source"]["filter"] = {
        "metricsFormat": [r"(\w+):(\S+)"]
    }
    found = problems(document)
    assert any("filter must be absent when the file format is JSON" in p for p in found)


def test_text_file_takes_a_filter():
    document = file_manifest()
    document["spec"]["metricsCollectorSpec"]["source"]["filter"] = {
        "metricsFormat": [r"(\w+):\s*([\d.]+)"]
    }
    assert plan_from_dict(document).metric_filters == (r"(\w+):\s*([\d.]+)",)


def test_tfevent_problems():
    document = tfevent_manifest("accuracy", [])
    source = document["spec"]["metricsCollectorSpec"]["source"]
    source["fileSystemPath"].update(kind="File", format="TEXT")
    source["filter"] = {"metricsFormat": [r"(\w+)=(\S+)"]}
    found = problems(document)
    assert any("kind must be Directory for the TensorFlowEvent collector" in p for p in found)
    assert any("format is only for the File collector" in p for p in found)
    assert any("filter is only for the StdOut and File collectors" in p for p in found)


def test_path_must_appear_in_the_trial_command():
    document = file_manifest()
    container(document)["args"][1] = "/somewhere/else.log"
    found = problems(document)
    assert any("must appear in the trial container's command, args or env" in p for p in found)
    # named through the environment is fine
    container(document)["env"] = [{"name": "METRICS", "value": KATIB_FILE}]
    assert plan_from_dict(document).collector.kind == "File"


def test_path_directly_under_root_is_refused():
    found = problems(file_manifest(path="/metrics.log"))
    assert any("directory below /" in p for p in found)


def test_push_collector_is_an_error_with_the_reason():
    document = manifest()
    document["spec"]["metricsCollectorSpec"] = {"collector": {"kind": "Push"}}
    (problem,) = problems(document)
    assert "collects no metrics" in problem and "MetricsUnavailable" in problem


def test_none_is_not_a_katib_collector_kind():
    document = manifest()
    document["spec"]["metricsCollectorSpec"] = {"collector": {"kind": "None"}}
    (problem,) = problems(document)
    assert problem.startswith(
        "spec.metricsCollectorSpec.collector.kind: 'None' is not a Katib metrics collector kind"
    )


@pytest.mark.parametrize("kind", ["Custom", "PrometheusMetric"])
def test_other_kinds_remain_errors(kind):
    document = manifest()
    document["spec"]["metricsCollectorSpec"] = {"collector": {"kind": kind}}
    found = problems(document)
    assert any(f"{kind!r} is not supported by the local tuner" in p for p in found)
    assert any("StdOut, File, TensorFlowEvent" in p for p in found)
