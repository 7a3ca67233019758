"""Kubernetes expands ``$(VAR)`` in a container's args: spec text in a Katib trial Job is
escaped, and the local tuner's expansion gives the spec's text back (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from ideko.compiler.api import load_spec, render
from ideko.local.katib.trial import container_command
from ideko.schema import k8s_args

REPO = Path(__file__).resolve().parents[3]
SECRET_LABEL = "$(AWS_SECRET_ACCESS_KEY)"


def test_a_label_naming_a_secret_variable_stays_text_in_the_trial_job(tmp_path) -> None:
    text = (REPO / "tests" / "golden" / "hpo-heavy" / "spec.yaml").read_text()
    text = text.replace("electrical_anomalies: electrical anomaly",
                        f'electrical_anomalies: "{SECRET_LABEL}"')
    assert SECRET_LABEL in text
    (tmp_path / "pyproject.toml").write_text("")
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(text)
    files = render(load_spec(spec_path))
    manifest = yaml.safe_load(files["hpo-heavy/katib/cnn.yaml"])
    job = manifest["spec"]["trialTemplate"]["trialSpec"]
    container = job["spec"]["template"]["spec"]["containers"][0]
    secret_env = [e["name"] for e in container["env"] if "valueFrom" in e]
    assert "AWS_SECRET_ACCESS_KEY" in secret_env  # the variable the label names is defined
    args = container["args"]
    data_config = args[args.index("--data-config") + 1]
    assert "$$(AWS_SECRET_ACCESS_KEY)" in data_config
    assert "$(AWS" not in data_config.replace("$$(AWS", "")
    argv, _ = container_command(job, container["name"])  # what ideko tune runs
    config = json.loads(argv[argv.index("--data-config") + 1])
    assert SECRET_LABEL in json.dumps(config)
    assert "$$(" not in argv[argv.index("--data-config") + 1]


def test_escape_and_expand_are_inverse_as_the_kubelet_reads_them() -> None:
    env = {"AWS_SECRET_ACCESS_KEY": "s3cr3t", "A": "1"}
    for text in ["$(AWS_SECRET_ACCESS_KEY)", "a$$(b", "x$", "$x", "$$", "${trialParameters.x}",
                 "$(", "$(A$(B))", "plain"]:
        assert k8s_args.expand(k8s_args.escape(text), env) == text
    assert k8s_args.expand("$(A)-$(MISSING)-$$(A)", env) == "1-$(MISSING)-$(A)"
