"""Environment variable names the compiler writes into pods and the runtime reads.

One name per fact so a rename cannot leave one half reading what the other no longer sets.
"""

from __future__ import annotations

# Thread budget of a step or trial (the local runner sets it; OMP_NUM_THREADS is the fallback).
NUM_THREADS = "IDEKO_NUM_THREADS"
OMP_NUM_THREADS = "OMP_NUM_THREADS"
# A step's timeout in whole seconds (KFP has no per-task timeout the launcher enforces).
STEP_TIMEOUT_SECONDS = "IDEKO_STEP_TIMEOUT_SECONDS"
# The local runner's run id, visible to every task it starts.
RUN_ID = "IDEKO_RUN_ID"
KFP_RUN_ID = "KFP_RUN_ID"

# Object store of artifacts (S3 API): endpoint, region and static credentials.
AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL"
MINIO_ENDPOINT = "MINIO_ENDPOINT"  # host:port, the older spelling KFP's MinIO set-ups use
AWS_REGION = "AWS_REGION"
AWS_DEFAULT_REGION = "AWS_DEFAULT_REGION"
AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
GOOGLE_APPLICATION_CREDENTIALS = "GOOGLE_APPLICATION_CREDENTIALS"

# lakeFS: the endpoint and access keys, under the names lakeFS's own clients (lakectl, the
# `lakefs` Python SDK) read. The compiler sets the endpoint on the preprocess pod and maps the
# spec's credentials secret onto the two key names; no value is ever written into a file.
LAKEFS_ENDPOINT = "LAKECTL_SERVER_ENDPOINT_URL"
LAKEFS_ACCESS_KEY_ID = "LAKECTL_CREDENTIALS_ACCESS_KEY_ID"
LAKEFS_SECRET_ACCESS_KEY = "LAKECTL_CREDENTIALS_SECRET_ACCESS_KEY"
