"""``ideko submit``: run a spec or a compiled pipeline on Kubeflow Pipelines, checked first.

This bridge lives in ``ideko.cli`` because it needs the compiler (a spec is compiled in
memory, byte-identical to ``generated/``) and the local engine's parameter rules (``-p``
checked and cast against the IR as ``ideko run`` does); ``ideko.cluster`` does the rest.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from ideko.cluster.auth import COOKIE_ENV, TOKEN_ENV

EPILOG = f"""\
examples:
  ideko submit specs/ideko.yaml --host http://localhost:8080/pipeline \\
      --namespace team-a -p data_uri=s3://mlpipeline/ideko/raw --dry-run
  ideko submit specs/ideko.yaml -p data_uri=s3://... --apply-rbac --wait

auth (first found): {TOKEN_ENV} (bearer token), {COOKIE_ENV}
(session cookie, e.g. authservice_session=...), the pod's KFP service-account
token, kfp's own defaults (~/.config/kfp/context.json, kubeconfig).
exit status: 0 submitted (with --wait: the run succeeded); 1 a preflight
check, the run or the API failed; 2 bad input.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "submit",
        help="run a spec on Kubeflow Pipelines, checked first",
        description="Run a spec or a compiled pipeline on Kubeflow Pipelines, checked first.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source", type=Path, help="specs/<name>.yaml or generated/<name>/pipeline.yaml"
    )
    parser.add_argument(
        "--host", help="KFP API endpoint (default: KF_PIPELINES_ENDPOINT, then kfp's config)"
    )
    parser.add_argument("--namespace", help="profile namespace (default: the kubeconfig context's)")
    parser.add_argument("--experiment", help="KFP experiment (default: the pipeline's name)")
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="pipeline parameter (repeatable)",
    )
    parser.add_argument(
        "--run-name", help="display name of the run (default: pipeline, version, time)"
    )
    parser.add_argument(
        "--service-account",
        help="account the run's pods use (default: pipeline-runner, whom rbac.yaml binds)",
    )
    parser.add_argument("--kube-context", help="kubeconfig context for the preflight checks")
    parser.add_argument(
        "--apply-rbac", action="store_true", help="apply the compiled katib/rbac.yaml first"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check and print the plan; create nothing"
    )
    parser.add_argument(
        "--wait", action="store_true", help="follow the run's task states until it ends"
    )
    parser.add_argument("--timeout", help="with --wait: stop following after this long (e.g. 2h)")
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=5.0,
        help="with --wait: seconds between reads (default 5)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ideko.cluster.errors import SubmitError
    from ideko.cluster.submit import Submitter
    from ideko.local.runner.errors import RunnerError

    try:
        request = build_request(args)
    except (SubmitError, RunnerError, ValueError) as exc:
        print(f"ideko submit: error: {exc}", file=sys.stderr)
        return 2
    try:
        return Submitter().submit(request)
    except SubmitError as exc:
        print(f"ideko submit: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ideko submit: stopped following; the run goes on in KFP", file=sys.stderr)
        return 130


def build_request(args: argparse.Namespace) -> Any:
    """The submission the arguments describe: the package, its parameters, the options."""
    from ideko.cluster.submit import SubmitRequest
    from ideko.local.runner.params import parse_assignments, pipeline_arguments
    from ideko.schema.durations import parse_duration

    package = load_package(args.source)
    given = parse_assignments(args.param)
    arguments = pipeline_arguments(package.root_inputs, given)
    arguments, given = _pin_data_ref(package.text, arguments, given)
    return SubmitRequest(
        package=package,
        arguments=arguments,
        overrides={name: arguments[name] for name in given},
        host=args.host,
        namespace=args.namespace,
        experiment=args.experiment,
        run_name=args.run_name,
        service_account=args.service_account,
        kube_context=args.kube_context,
        wait=args.wait,
        dry_run=args.dry_run,
        apply_rbac=args.apply_rbac,
        timeout_seconds=parse_duration(args.timeout) if args.timeout else None,
        poll_seconds=args.poll_seconds,
    )


def _pin_data_ref(
    text: str, arguments: dict[str, Any], given: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A versioned source's ``data_ref`` resolved to its commit here, before the run exists,
    and sent as an explicit argument: the cluster run (and KFP's cache key) carry the commit."""
    from ideko.local.runner.data_pin import DATA_REF, pin_data_ref
    from ideko.local.runner.ir import parse_pipeline

    pinned = pin_data_ref(parse_pipeline(text), arguments)
    if pinned.get(DATA_REF) == arguments.get(DATA_REF):
        return arguments, given
    return pinned, {**given, DATA_REF: pinned[DATA_REF]}


def load_package(path: Path) -> Any:
    """A spec compiled in memory (with its metadata.version), or a compiled pipeline.yaml."""
    from ideko.cluster.errors import SubmitError
    from ideko.cluster.package import PipelinePackage, load_ir_file
    from ideko.compiler.layout import KATIB_DIR, PIPELINE_FILE, RBAC_FILE
    from ideko.runtime.katib.api import RBAC_PATH

    try:
        first = next(iter(yaml.safe_load_all(path.read_text(encoding="utf-8"))), None)
    except OSError as exc:
        raise SubmitError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SubmitError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not (isinstance(first, dict) and str(first.get("apiVersion", "")).startswith("ideko")):
        return load_ir_file(path, f"{KATIB_DIR}/{RBAC_FILE}")
    from ideko.compiler.api import SpecError, load_spec, render

    try:
        spec = load_spec(str(path))
    except SpecError as exc:
        lines = [str(d) for d in getattr(exc, "diagnostics", [])]
        if not lines:
            raise SubmitError(f"{path}: invalid spec: {exc}") from None
        for line in lines:  # as ideko-compile reports them: file:line:col, one per line
            print(line, file=sys.stderr)
        raise SubmitError(f"{path}: invalid spec ({len(lines)} problem(s))") from None
    files = render(spec)
    root = spec.metadata.name
    rbac = f"{root}/{KATIB_DIR}/{RBAC_FILE}"
    return PipelinePackage(
        text=files[f"{root}/{PIPELINE_FILE}"],
        source=str(path),
        spec_version=str(spec.metadata.version) if spec.metadata.version else None,
        rbac_text=files.get(rbac),
        rbac_path=RBAC_PATH.format(pipeline=root) if rbac in files else None,
    )
