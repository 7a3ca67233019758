"""Submit compiled ideko pipelines to Kubeflow Pipelines, after checking the cluster can run them.

``ideko submit`` (``ideko.cli.submit``) is the caller. The package talks to the cluster only
through the official clients (``kfp.Client`` for the KFP v2beta1 API, ``kubernetes`` for the
preflight checks) and never imports the compiler, the local engine or TensorFlow.
"""
