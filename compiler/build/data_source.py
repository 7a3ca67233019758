"""What the preprocess task needs to read a versioned data source on a cluster.

A lakeFS source puts the server's endpoint in the task's environment (a plain value, visible
in the IR) and, when the spec names a credentials secret, maps the secret's two keys onto
the environment names lakeFS's clients read, through kfp-kubernetes (a PlatformSpec entry:
the IR holds the secret's *name*, never a key). A DVC/git source needs nothing here: the
repository URL is in ``data_uri`` and git/DVC remotes authenticate as the pod is set up to.
"""

from typing import Any

from ideko.compiler.build.task_fields import set_env
from ideko.compiler.load.spec_model import DataSource
from ideko.schema import env


def configure_data_source(task: Any, source: DataSource) -> None:
    """Endpoint and credential wiring of ``task`` (the preprocess task) for ``source``."""
    lakefs = source.lakefs
    if lakefs is None:
        return
    set_env(task, env.LAKEFS_ENDPOINT, lakefs.endpoint)
    credentials = lakefs.credentials
    if credentials.secret is None:
        return
    from kfp import kubernetes

    kubernetes.use_secret_as_env(
        task,
        secret_name=credentials.secret,
        secret_key_to_env={
            credentials.access_key_id_key: env.LAKEFS_ACCESS_KEY_ID,
            credentials.secret_access_key_key: env.LAKEFS_SECRET_ACCESS_KEY,
        },
    )
