"""A local KFP API server (v2beta1), over real HTTP, for the ``ideko submit`` tests.

It implements the endpoints ``kfp.Client`` calls for a submission, as KFP's backend
(backend/api/v2beta1, backend/src/apiserver) answers them: list pipelines / experiments /
versions / runs with ``filter`` (EQUALS and IS_SUBSTRING on ``display_name``), create a
pipeline, multipart ``upload_version`` (the file must parse as a PipelineSpec; a duplicate
version name is 409 with the upload server's ``error_message`` body), create an
experiment, create and get runs. Errors of the gRPC gateway are ``google.rpc.Status``-shaped.
A run moves along a script on each GET (PENDING -> RUNNING -> SUCCEEDED or FAILED) with one
task per task of the uploaded pipeline's root DAG. Requests need the expected bearer token
or session cookie; faults (a status, or a dropped connection) are queued per request.
"""

from __future__ import annotations

import datetime
import email.parser
import email.policy
import itertools
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import loopback_http
import yaml
from loopback_http import Received, RecordingDouble

API = "/apis/v2beta1"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# google.rpc.Code of each HTTP status the stub answers with.
GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 500: 13, 502: 14, 503: 14}


@dataclass
class RunScript:
    """Run state after n GETs: PENDING at creation, RUNNING from ``running_after``, the
    outcome from ``finish_after``; with FAILED the last task fails with ``error``."""

    running_after: int = 2
    finish_after: int = 4
    outcome: str = "SUCCEEDED"
    error: str = "task train-lstm failed: exit status 1"


@dataclass
class Fault(loopback_http.Fault):
    """With ``handled`` the request is carried out first (a create that happened but whose
    answer was lost)."""

    methods: tuple[str, ...] = ("GET", "POST")
    handled: bool = False


@dataclass
class KfpApiStub(RecordingDouble):
    token: str = "kfp-token"
    cookie: str = "authservice_session=cookie-secret"
    multi_user: bool = True
    script: RunScript = field(default_factory=RunScript)
    pipelines: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> version (+spec)
    experiments: dict[str, dict[str, Any]] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)
        self._gets: dict[str, int] = {}

    def parse_body(self, content_type: str, raw: bytes) -> Any:
        if content_type.startswith("multipart/form-data"):
            return _multipart(content_type, raw)
        return super().parse_body(content_type, raw)

    def answer(self, request: Received) -> tuple[int, Any] | None:
        """The API's answer, or the first queued fault's (``None``: drop the connection)."""
        with self.lock:
            fault = self.next_fault(request)
            if fault is None or fault.handled:
                reply = self.handle(
                    request.method, request.path, request.query, request.headers, request.body
                )
            if fault is None:
                return reply
            if not fault.status:
                return None
            phrase = HTTPStatus(fault.status).phrase
            return rpc_error(fault.status, f"{phrase}: injected fault")

    # -- the API -----------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: Any,
    ) -> tuple:
        if not self._authorised(headers):
            return rpc_error(401, "Unauthenticated: no valid bearer token or session cookie")
        q = {k: v[0] for k, v in query.items()}
        parts = path[len(API) :].strip("/").split("/") if path.startswith(API) else []
        route = (method, *parts[:1])
        if route == ("GET", "healthz"):
            return 200, {"multi_user": self.multi_user}
        if route == ("GET", "pipelines") and len(parts) == 1:
            return 200, _page(
                "pipelines", self._listed(self.pipelines.values(), q, namespaced=True)
            )
        if route == ("POST", "pipelines") and len(parts) == 1:
            return self._create_pipeline(body)
        if route == ("POST", "pipelines") and parts[1:] == ["upload_version"]:
            return self._upload_version(q, body)
        if route == ("GET", "pipelines") and len(parts) == 3 and parts[2] == "versions":
            if parts[1] not in self.pipelines:
                return rpc_error(404, f"Pipeline {parts[1]} not found")
            mine = [v for v in self.versions.values() if v["pipeline_id"] == parts[1]]
            listed = [_public(v) for v in self._listed(mine, q)]
            return 200, _page("pipeline_versions", listed)
        if route == ("GET", "experiments") and len(parts) == 1:
            return 200, _page(
                "experiments", self._listed(self.experiments.values(), q, namespaced=True)
            )
        if route == ("POST", "experiments") and len(parts) == 1:
            return self._create_experiment(body)
        if route == ("POST", "runs") and len(parts) == 1:
            return self._create_run(body)
        if route == ("GET", "runs") and len(parts) == 1:
            runs = [
                r
                for r in self.runs.values()
                if r["experiment_id"] == q.get("experiment_id", r["experiment_id"])
            ]
            return 200, _page("runs", self._listed(runs, q))
        if route == ("GET", "runs") and len(parts) == 2:
            return self._get_run(parts[1])
        return rpc_error(404, f"Not Found: {method} {path}")

    def _authorised(self, headers: dict[str, str]) -> bool:
        if headers.get("authorization") == f"Bearer {self.token}":
            return True
        return self.cookie in [c.strip() for c in headers.get("cookie", "").split(";")]

    def _listed(
        self, items: Any, q: dict[str, str], namespaced: bool = False
    ) -> list[dict[str, Any]]:
        result = list(items)
        if namespaced and self.multi_user:
            result = [i for i in result if i.get("namespace", "") == q.get("namespace", "")]
        if "filter" in q:
            for predicate in json.loads(q["filter"]).get("predicates", []):
                result = [i for i in result if _matches(i, predicate)]
        return result

    def _new_id(self, kind: str) -> str:
        return f"{kind}-{next(self._ids)}"

    def _create_pipeline(self, body: Any) -> tuple:
        name = (body or {}).get("display_name") or (body or {}).get("name")
        if not name:
            return rpc_error(400, "Invalid input error: pipeline's name cannot be empty")
        namespace = body.get("namespace", "") if self.multi_user else ""
        if any(
            p["display_name"] == name and p.get("namespace", "") == namespace
            for p in self.pipelines.values()
        ):
            return rpc_error(409, f"Already exist error: pipeline with name {name} already exists")
        pipeline = {
            "pipeline_id": self._new_id("pipeline"),
            "display_name": name,
            "name": name,
            "description": body.get("description", ""),
            "namespace": namespace,
            "created_at": _now(),
        }
        self.pipelines[pipeline["pipeline_id"]] = pipeline
        return 200, pipeline

    def _upload_version(self, q: dict[str, str], body: Any) -> tuple:
        pipeline_id = q.get("pipelineid", "")
        if not isinstance(body, dict) or "uploadfile" not in body:
            return upload_error(
                400,
                "Failed to create a pipeline version due to error parsing pipeline spec filename",
            )
        if pipeline_id not in self.pipelines:
            return upload_error(
                400,
                "Failed to create a pipeline version due to error reading namespace: "
                f"pipeline {pipeline_id} not found",
            )
        try:
            spec = next(yaml.load_all(body["uploadfile"], Loader=_LOADER))
        except (yaml.YAMLError, StopIteration):
            spec = None
        if not isinstance(spec, dict) or "pipelineInfo" not in spec:
            return upload_error(
                400, "Failed to create a pipeline version due to error reading pipeline spec file"
            )
        name = q.get("name") or q.get("display_name") or ""
        if any(
            v["pipeline_id"] == pipeline_id and v["display_name"] == name
            for v in self.versions.values()
        ):
            return upload_error(
                409,
                f"Failed to create a pipeline version. The pipeline already exists. version {name}",
            )
        version = {
            "pipeline_id": pipeline_id,
            "pipeline_version_id": self._new_id("version"),
            "display_name": name,
            "name": name,
            "description": q.get("description", ""),
            "created_at": _now(),
            "_spec": spec,
            "_text": body["uploadfile"],
        }
        self.versions[version["pipeline_version_id"]] = version
        return 200, _public(version)

    def _create_experiment(self, body: Any) -> tuple:
        name = (body or {}).get("display_name")
        namespace = body.get("namespace", "") if self.multi_user else ""
        if self.multi_user and not namespace:
            return rpc_error(
                400, "Invalid input error: In multi-user mode, experiment namespace can't be empty"
            )
        experiment = {
            "experiment_id": self._new_id("experiment"),
            "display_name": name,
            "namespace": namespace,
            "created_at": _now(),
            "storage_state": "AVAILABLE",
        }
        self.experiments[experiment["experiment_id"]] = experiment
        return 200, experiment

    def _create_run(self, body: Any) -> tuple:
        reference = (body or {}).get("pipeline_version_reference") or {}
        version = self.versions.get(reference.get("pipeline_version_id", ""))
        if version is None or version["pipeline_id"] != reference.get("pipeline_id"):
            return rpc_error(
                404, f"Pipeline version {reference.get('pipeline_version_id')} not found"
            )
        if body.get("experiment_id") not in self.experiments:
            return rpc_error(404, f"Experiment {body.get('experiment_id')} not found")
        run = {
            "run_id": self._new_id("run"),
            "experiment_id": body["experiment_id"],
            "display_name": body.get("display_name", ""),
            "pipeline_version_reference": reference,
            "runtime_config": body.get("runtime_config") or {},
            "service_account": body.get("service_account", ""),
            "created_at": _now(),
            "state": "PENDING",
            "storage_state": "AVAILABLE",
        }
        self.runs[run["run_id"]] = run
        return 200, run

    def _get_run(self, run_id: str) -> tuple:
        run = self.runs.get(run_id)
        if run is None:
            return rpc_error(404, f"Run {run_id} not found")
        gets = self._gets[run_id] = self._gets.get(run_id, 0) + 1
        script = self.script
        version = self.versions[run["pipeline_version_reference"]["pipeline_version_id"]]
        tasks = sorted(version["_spec"]["root"]["dag"]["tasks"])
        if gets >= script.finish_after:
            run["state"] = script.outcome
            states = ["SUCCEEDED"] * len(tasks)
            if script.outcome == "FAILED":
                states[-1] = "FAILED"
                run["error"] = {"code": 2, "message": script.error}
            run["finished_at"] = _now()
        elif gets >= script.running_after:
            run["state"] = "RUNNING"
            states = ["SUCCEEDED"] + ["RUNNING"] * (len(tasks) - 1)
        else:
            states = ["PENDING"] * len(tasks)
        run["run_details"] = {
            "task_details": [
                {"run_id": run_id, "task_id": f"{run_id}-{i}", "display_name": t, "state": s}
                for i, (t, s) in enumerate(zip(tasks, states, strict=True))
            ]
        }
        return 200, run


def _matches(item: dict[str, Any], predicate: dict[str, Any]) -> bool:
    value = str(item.get(predicate.get("key", ""), ""))
    wanted = predicate.get("stringValue", predicate.get("string_value"))
    operation = predicate.get("operation")
    if operation in ("EQUALS", 1):
        return value == wanted
    if operation in ("IS_SUBSTRING", 9):
        return str(wanted) in value
    raise ValueError(f"the stub does not implement filter operation {operation!r}")


def _page(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: items, "total_size": len(items)} if items else {"total_size": 0}


def _public(version: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in version.items() if not k.startswith("_")}


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rpc_error(code: int, message: str) -> tuple:
    """An error as KFP's gRPC gateway answers it (google.rpc.Status, plus ``error``)."""
    return code, {
        "error": message,
        "code": GRPC_CODES.get(code, 2),
        "message": message,
        "details": [],
    }


def upload_error(code: int, message: str) -> tuple:
    """An error as KFP's multipart upload server answers it."""
    return code, {"error_message": message, "error_details": message}


def _multipart(content_type: str, raw: bytes) -> dict[str, str]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    return {
        part.get_param("name", header="content-disposition"): part.get_payload(decode=True).decode()
        for part in message.iter_parts()
    }
