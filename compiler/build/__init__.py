"""Stage 2 of the compiler, build: ``Spec`` → KFP IR (``pipeline``) and Katib manifests
(``katib``, ``rbac``) as plain data, with the task settings they share (``resources``,
``durations``) and the KFP components (``components``)."""
