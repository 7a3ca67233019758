"""Pipelines, versions, experiments and runs through ``kfp.Client`` (KFP's v2beta1 API).

A pipeline is found by name in the namespace and created empty if missing; its versions
are named ``<metadata.version>-<sha256[:12]>`` and found by that content tag, so the same
IR is uploaded once however often it is submitted. Creates are retried through blips only
after looking for what a lost answer may have created (the pipeline or version by name,
the run by its unique name and creation time).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ideko.cluster.auth import KfpAuth
from ideko.cluster.errors import SubmitError
from ideko.cluster.package import PipelinePackage
from ideko.cluster.retry import Retry, explain
from ideko.runtime.katib.api import is_api_error

# kfp's filter.proto operations (kfp.client.client._FILTER_OPERATIONS spells them as ints).
EQUALS, IS_SUBSTRING = "EQUALS", "IS_SUBSTRING"
RUN_LINK = "Run details: "  # how kfp.Client prints the run's UI link


def connect(host: str | None, namespace: str | None, auth: KfpAuth) -> Any:
    """A ``kfp.Client`` for ``host`` (None: ``KF_PIPELINES_ENDPOINT`` or kfp's defaults);
    ``namespace`` None leaves kfp's (a single-user KFP has none)."""
    import kfp

    where = {} if namespace is None else {"namespace": namespace}
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore", FutureWarning)
            return kfp.Client(host=host, **where, **auth.client_kwargs())
    except Exception as exc:
        if not is_api_error(exc) and not isinstance(exc, TimeoutError):
            raise
        raise SubmitError(
            f"cannot reach the KFP API at {host or 'the default endpoint'}: {explain(exc)}"
        ) from None


def name_filter(value: str, operation: str = EQUALS) -> str:
    return json.dumps(
        {"predicates": [{"operation": operation, "key": "display_name", "stringValue": value}]}
    )


@dataclass(frozen=True)
class Plan:
    """What exists already (ids) and so what a submission will create."""

    pipeline_id: str | None
    version_id: str | None
    version_name: str
    experiment_id: str | None


@dataclass
class Pipelines:
    """One ``kfp.Client``, the namespace of the user's runs, the retry policy."""

    client: Any
    namespace: str | None
    retry: Retry = field(default_factory=Retry)
    log: Callable[[str], None] | None = None
    printed: str = ""  # what kfp printed during the last call (it prints its UI links)

    def _call(self, what: str, fn: Callable[[], Any], before_retry: Any = None) -> Any:
        try:
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                result = self.retry.call(fn, before_retry=before_retry, log=self.log, what=what)
        except Exception as exc:
            if not is_api_error(exc):
                raise
            host = getattr(getattr(self.client, "_existing_config", None), "host", "")
            raise SubmitError(
                f"KFP API{f' at {host}' if host else ''}: {what} failed: {explain(exc)}"
            ) from None
        self.printed = printed.getvalue()
        return result

    def multi_user(self) -> bool:
        """Whether KFP runs in multi-user mode (objects belong to profile namespaces)."""
        health = self._call(
            "reading KFP's health", lambda: self.client.healthzs.healthz_service_get_healthz()
        )
        return bool(health.multi_user)

    def find_pipeline(self, name: str) -> str | None:
        found = self._call(
            f"looking up pipeline {name}",
            lambda: self.client.list_pipelines(filter=name_filter(name), namespace=self.namespace),
        )
        matches = [p for p in found.pipelines or [] if p.display_name == name]
        if len(matches) > 1:
            raise SubmitError(
                f"KFP holds {len(matches)} pipelines named {name}; delete the extra ones"
            )
        return matches[0].pipeline_id if matches else None

    def find_version(self, pipeline_id: str, package: PipelinePackage) -> tuple[str, str] | None:
        """(id, name) of a version of this content, whatever its metadata.version label."""
        tag = package.content_tag
        found = self._call(
            "looking up pipeline versions",
            lambda: self.client.list_pipeline_versions(
                pipeline_id=pipeline_id, filter=name_filter(tag, IS_SUBSTRING), page_size=100
            ),
        )
        for version in found.pipeline_versions or []:
            if (version.display_name or "").endswith(f"-{tag}"):
                return version.pipeline_version_id, version.display_name
        return None

    def find_experiment(self, name: str) -> str | None:
        found = self._call(
            f"looking up experiment {name}",
            lambda: self.client.list_experiments(
                filter=name_filter(name), namespace=self.namespace
            ),
        )
        matches = [e for e in found.experiments or [] if e.display_name == name]
        return matches[0].experiment_id if matches else None

    def plan(self, package: PipelinePackage, experiment: str) -> Plan:
        pipeline_id = self.find_pipeline(package.name)
        version = self.find_version(pipeline_id, package) if pipeline_id else None
        return Plan(
            pipeline_id=pipeline_id,
            version_id=version[0] if version else None,
            version_name=version[1] if version else package.version_name,
            experiment_id=self.find_experiment(experiment),
        )

    def publish(self, package: PipelinePackage, plan: Plan) -> tuple[str, str]:
        """(pipeline id, version id) of ``package``, uploading only what is missing."""
        pipeline_id = plan.pipeline_id or self._create_pipeline(package)
        if plan.version_id:
            return pipeline_id, plan.version_id
        with tempfile.TemporaryDirectory(prefix="ideko-submit-") as folder:
            path = Path(folder) / f"{package.name}.yaml"  # kfp picks the parser by suffix
            path.write_text(package.text, encoding="utf-8")
            version = self._call(
                f"uploading pipeline version {package.version_name}",
                lambda: self.client.upload_pipeline_version(
                    str(path),
                    pipeline_version_name=package.version_name,
                    pipeline_id=pipeline_id,
                    description=f"{package.source} sha256:{package.sha256}",
                ),
                before_retry=lambda: self._version_object(pipeline_id, package),
            )
        return pipeline_id, version.pipeline_version_id

    def _version_object(self, pipeline_id: str, package: PipelinePackage) -> Any:
        found = self.find_version(pipeline_id, package)
        return SimpleNamespace(pipeline_version_id=found[0]) if found else None

    def _create_pipeline(self, package: PipelinePackage) -> str:
        """An empty pipeline (its first version is named like every other one)."""
        body = self.client.api_models.V2beta1Pipeline(
            display_name=package.name, description=package.description, namespace=self.namespace
        )
        created = self._call(
            f"creating pipeline {package.name}",
            lambda: self.client.pipelines.pipeline_service_create_pipeline(pipeline=body),
            before_retry=lambda: self._pipeline_object(package.name),
        )
        return created.pipeline_id

    def _pipeline_object(self, name: str) -> Any:
        found = self.find_pipeline(name)
        return SimpleNamespace(pipeline_id=found) if found else None

    def experiment(self, name: str, plan: Plan) -> str:
        if plan.experiment_id:
            return plan.experiment_id
        created = self._call(
            f"creating experiment {name}",
            lambda: self.client.create_experiment(name=name, namespace=self.namespace),
        )
        return created.experiment_id

    def start(
        self,
        package: PipelinePackage,
        plan: Plan,
        experiment: str,
        run_name: str,
        parameters: dict[str, Any],
        service_account: str | None,
    ) -> tuple[str, str, str, str | None]:
        """Publish what ``plan`` lacks, then run the version in the experiment (made if
        missing): (pipeline id, version id, run id, the run's UI link)."""
        pipeline_id, version_id = self.publish(package, plan)
        run_id, link = self.run(
            experiment_id=self.experiment(experiment, plan),
            run_name=run_name,
            pipeline_id=pipeline_id,
            version_id=version_id,
            parameters=parameters,
            service_account=service_account,
        )
        return pipeline_id, version_id, run_id, link

    def run(
        self,
        *,
        experiment_id: str,
        run_name: str,
        pipeline_id: str,
        version_id: str,
        parameters: dict[str, Any],
        service_account: str | None,
    ) -> tuple[str, str | None]:
        """(run id, the run's UI link as kfp prints it) of a new run of the version."""
        started = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
        run = self._call(
            f"creating run {run_name}",
            lambda: self.client.run_pipeline(
                experiment_id=experiment_id,
                job_name=run_name,
                params=parameters,
                pipeline_id=pipeline_id,
                version_id=version_id,
                service_account=service_account,
            ),
            before_retry=lambda: self._run_created(experiment_id, run_name, started),
        )
        links = [line for line in self.printed.splitlines() if line.startswith(RUN_LINK)]
        return run.run_id, links[-1][len(RUN_LINK) :] if links else None

    def _run_created(self, experiment_id: str, run_name: str, since: datetime.datetime) -> Any:
        """The run a lost create answer made: same unique name, created since we started."""
        try:
            found = self.client.list_runs(experiment_id=experiment_id, filter=name_filter(run_name))
        except Exception as exc:
            if not is_api_error(exc):
                raise
            return None  # the API is still failing: the retry decides
        for run in found.runs or []:
            created = run.created_at
            if run.display_name == run_name and (created is None or created >= since):
                return run
        return None
