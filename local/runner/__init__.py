"""The pipeline runner: executes compiled KFP IR (``pipeline.yaml``) on this machine."""
