"""One submission: preflight, then pipeline/version/experiment/run, then (``--wait``) the run.

Nothing is created before every check passed; ``dry_run`` stops after printing the checks
and the plan (what exists, what would be created), having only read.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ideko.cluster import kube as kube_api
from ideko.cluster.auth import resolve_auth
from ideko.cluster.errors import SubmitError
from ideko.cluster.package import PipelinePackage
from ideko.cluster.pipelines import Pipelines, Plan, connect
from ideko.cluster.preflight import FAIL, ClusterCheck, Finding, failed, static_findings
from ideko.cluster.rbac import rbac_documents
from ideko.cluster.retry import Retry
from ideko.cluster.watch import RunWatcher
from ideko.runtime.katib.api import RBAC_SUBJECT


@dataclass
class SubmitRequest:
    package: PipelinePackage
    arguments: dict[str, Any]  # every parameter's effective value (given or IR default)
    overrides: dict[str, Any]  # the ones given with -p: what the run is created with
    host: str | None = None
    namespace: str | None = None
    experiment: str | None = None  # default: the pipeline's name
    run_name: str | None = None
    service_account: str | None = None  # None: the compiled default, not sent to KFP
    kube_context: str | None = None
    wait: bool = False
    dry_run: bool = False
    apply_rbac: bool = False
    timeout_seconds: float | None = None
    poll_seconds: float = 5.0


@dataclass
class Submitter:
    out: Callable[[str], None] = print
    environ: Mapping[str, str] | None = None
    retry: Retry = field(default_factory=Retry)
    kube_client: Any = None  # an ApiClient; None: from in-cluster config or kubeconfig

    def submit(self, request: SubmitRequest) -> int:
        package = request.package
        namespace = request.namespace or kube_api.default_namespace(request.kube_context)
        account = request.service_account or RBAC_SUBJECT
        auth = resolve_auth(self.environ)
        experiment = request.experiment or package.name
        self.out(
            f"{package.name} ({package.source}, sha256 {package.content_tag}) -> KFP at "
            f"{request.host or 'the default endpoint'}, namespace {namespace}, auth: {auth.source}"
        )
        findings = static_findings(package, request.arguments)
        findings += self._cluster(request, package, namespace, account, bool(failed(findings)))
        self.out("preflight:")
        for finding in findings:
            self.out(f"  {finding.status:<4} {finding.message}")
        problems = failed(findings)
        if problems:
            raise SubmitError(f"preflight failed ({len(problems)} problem(s)); nothing was created")
        pipelines = Pipelines(
            connect(request.host, namespace, auth), namespace, retry=self.retry, log=self.out
        )
        if not pipelines.multi_user():  # single-user KFP: objects have no namespace
            client = connect(request.host, None, auth)
            pipelines = Pipelines(client, None, retry=self.retry, log=self.out)
            self.out(
                "KFP is single-user: its pipelines, experiments and runs have no namespace "
                f"(the checks above were for {namespace}: pass --namespace <KFP's namespace> "
                "if its pods run elsewhere)"
            )
        plan = pipelines.plan(package, experiment)
        run_name = request.run_name or _run_name(package)
        self._print_plan(package, plan, experiment, run_name, request.overrides)
        if request.dry_run:
            self.out("dry run: nothing was created")
            return 0
        _, _, run_id, link = pipelines.start(
            package, plan, experiment, run_name, request.overrides, request.service_account
        )
        self.out(f"run {run_name} ({run_id}) created: {link or 'open the KFP UI, Runs'}")
        if not request.wait:
            return 0
        watcher = RunWatcher(
            pipelines.client,
            out=self.out,
            poll_seconds=request.poll_seconds,
            timeout_seconds=request.timeout_seconds,
            retry=self.retry,
        )
        end = watcher.wait(run_id)
        detail = f": {end.error}" if end.error else ""
        self.out(f"run {run_id} ended {end.state}{detail}")
        return end.exit_status

    def _cluster(
        self,
        request: SubmitRequest,
        package: PipelinePackage,
        namespace: str,
        account: str,
        blocked: bool,
    ) -> list[Finding]:
        if not package.experiments:
            return [Finding("ok", "no tune step: Katib is not needed")]
        apply = None
        if request.apply_rbac:
            if package.rbac_text is None:
                return [
                    Finding(
                        FAIL,
                        f"--apply-rbac: no katib/rbac.yaml beside {package.source}; "
                        "recompile it with ideko-compile",
                    )
                ]
            apply = rbac_documents(package.rbac_text, package.rbac_path or package.source, account)
        try:
            api_client = self.kube_client or kube_api.connect(request.kube_context)
        except SubmitError as exc:
            return [Finding(FAIL, str(exc))]
        check = ClusterCheck(
            kube=kube_api.KubeCluster(api_client, retry=self.retry, log=self.out),
            namespace=namespace,
            service_account=account,
            apply=apply,
            dry_run=request.dry_run,
            blocked=blocked,
        )
        return check.findings(package)

    def _print_plan(
        self,
        package: PipelinePackage,
        plan: Plan,
        experiment: str,
        run_name: str,
        overrides: dict[str, Any],
    ) -> None:
        pipeline = f"exists ({plan.pipeline_id})" if plan.pipeline_id else "new"
        version = (
            f"{plan.version_name}: same content exists ({plan.version_id}), reused"
            if plan.version_id
            else f"{plan.version_name}: new upload"
        )
        exp = f"exists ({plan.experiment_id})" if plan.experiment_id else "new"
        given = ", ".join(f"{k}={v}" for k, v in sorted(overrides.items())) or "pipeline defaults"
        self.out(f"pipeline {package.name}: {pipeline}")
        self.out(f"version {version}")
        self.out(f"experiment {experiment}: {exp}")
        self.out(f"run {run_name}: parameters {given}")


def _run_name(package: PipelinePackage) -> str:
    """Unique per submission, so a retried create can recognise its own run."""
    now = datetime.datetime.now(datetime.UTC)
    return f"{package.name} {package.version_name} {now:%Y-%m-%d %H:%M:%S.%f}"[:-3]
