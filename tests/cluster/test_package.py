"""What a submission reads from a compiled pipeline: name, version name, images, manifests."""

import json

import pytest
from ideko.cluster.errors import SubmitError
from ideko.cluster.package import PipelinePackage, load_ir_file
from ideko.schema.names import experiment_name
from submit_cases import IR, PIPELINE

TEXT = IR.read_text(encoding="utf-8")


def test_reads_name_images_and_the_tune_steps_experiments():
    package = load_ir_file(IR, "katib/rbac.yaml")
    assert package.name == PIPELINE
    assert package.images == ["ghcr.io/ideko/ideko-runtime:0.1.0"]
    tuned = ["cnn", "fcn", "lstm", "neural-network", "rnn"]  # every enabled model has hpo
    assert sorted(e["metadata"]["name"] for e in package.experiments) == sorted(
        experiment_name(PIPELINE, m) for m in tuned
    )
    assert set(package.root_inputs) >= {"data_uri", "seed"}
    assert package.rbac_path.endswith("katib/rbac.yaml") and "RoleBinding" in package.rbac_text


def test_version_name_is_the_spec_version_and_the_content_sha():
    with_spec = PipelinePackage(text=TEXT, source="specs/ideko.yaml", spec_version="0.1.0")
    ir_only = PipelinePackage(text=TEXT, source=str(IR))
    assert with_spec.version_name == f"0.1.0-{with_spec.sha256[:12]}"
    assert ir_only.version_name == f"ir-{with_spec.sha256[:12]}"
    edited = PipelinePackage(text=TEXT + "# edited\n", source=str(IR), spec_version="0.1.0")
    assert edited.content_tag != with_spec.content_tag


def test_a_trial_image_edited_in_the_ir_is_seen():
    trial = '"image":"ghcr.io/ideko/ideko-runtime:0.1.0","name":"training"'
    edited = TEXT.replace(trial, '"image":"me/trial:latest","name":"training"')
    assert edited != TEXT
    package = PipelinePackage(text=edited, source="x.yaml")
    assert "me/trial:latest" in package.images


@pytest.mark.parametrize(
    "text, words",
    [
        ("a: [1\n", "not valid YAML"),
        (json.dumps({"apiVersion": "v1", "kind": "Pod"}), "neither an ideko spec"),
        ("", "neither an ideko spec"),
    ],
)
def test_a_file_that_is_not_a_pipeline_is_one_line(tmp_path, text, words):
    path = tmp_path / "pipeline.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SubmitError) as caught:
        load_ir_file(path, "katib/rbac.yaml")
    assert words in str(caught.value) and "\n" not in str(caught.value)
