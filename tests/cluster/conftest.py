"""Loopback doubles of the two APIs a submission talks to, and clients pointed at them.

The Kubernetes double is the Katib backend's (tests/runtime/katib/katib_api_stub.py, one
home for what the Kubernetes API answers); the KFP double is ``kfp_api_stub`` here.
"""

import sys
from pathlib import Path

import pytest
import yaml

KATIB_TESTS = Path(__file__).resolve().parents[1] / "runtime" / "katib"
if str(KATIB_TESTS) not in sys.path:
    sys.path.insert(0, str(KATIB_TESTS))

from katib_api_stub import KatibApiStub  # noqa: E402
from kfp_api_stub import KfpApiStub  # noqa: E402
from submit_cases import INJECTION, NS  # noqa: E402


@pytest.fixture
def kube():
    with KatibApiStub(token="kube-token") as server:
        server.namespaces = {NS}
        server.namespace_labels[NS] = dict(INJECTION)
        yield server


@pytest.fixture
def kfp_stub():
    with KfpApiStub() as server:
        yield server


@pytest.fixture
def kubeconfig(kube, tmp_path, monkeypatch):
    """A kubeconfig whose current context is the Kubernetes double (namespace team-a)."""
    path = tmp_path / "kubeconfig"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "stub", "cluster": {"server": kube.url}}],
        "users": [{"name": "alice", "user": {"token": kube.token}}],
        "contexts": [
            {"name": "stub", "context": {"cluster": "stub", "user": "alice", "namespace": NS}}
        ],
        "current-context": "stub",
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("KUBECONFIG", str(path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    return path


@pytest.fixture(autouse=True)
def kfp_home(tmp_path, monkeypatch):
    """kfp.Client reads and writes ~/.config/kfp/context.json: keep it in the test's folder,
    and start every test without KFP credentials in the environment."""
    import kfp

    monkeypatch.setattr(kfp.Client, "_LOCAL_KFP_CONTEXT", str(tmp_path / "kfp-context.json"))
    for name in (
        "KF_PIPELINES_TOKEN",
        "KF_PIPELINES_COOKIE",
        "KF_PIPELINES_ENDPOINT",
        "KF_PIPELINES_UI_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(tmp_path / "no-sa-token"))
