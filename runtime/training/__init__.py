"""Keras model builders, the training loop and evaluation metrics (TensorFlow imported lazily).

Modules, one job each:

- ``config``: the ``model_config`` contract on read — defaults for hand-written configs (from
  ``ideko.schema.defaults``), validation, dotted-path overrides (``--set
  model_parameters.hidden_units.0=48``).
- ``builders`` / ``layers``: dense, CNN, RNN, LSTM, GRU with the original semantics.
  ``masking: "original"`` (default) reproduces IDEKO's models, including that Keras 3's
  ``Conv1D`` and ``Flatten`` drop the padding mask (recorded as a note, warning silenced);
  ``masking: "mask-aware"`` keeps padding out of dense and CNN models (masked convolution
  blocks and a masked global average instead of ``Flatten``). See ``builders``.
- ``environment``: quiet TF logs, thread limits (``IDEKO_NUM_THREADS``), seeds + op determinism.
- ``trainer``: ``fit`` with EarlyStopping(val_loss) and a best-on-val_accuracy checkpoint;
  writes ``<model_name>.keras``, ``history.json``, ``history.png``.
- ``metric_output``: the metric lines training prints on stdout (format and Katib's filter in
  ``ideko.schema.metric_lines``), the HPO ``score``.
- ``evaluation``: accuracy, macro and per-class scores by class name, confusion matrix,
  latency, size. ``plots``: PNG figures.
- ``models_yaml``: IDEKO's original ``models.yaml`` for ``ideko baseline``.
- ``datasource``: preparing a raw folder for a Katib trial (shared step plumbing lives in
  ``ideko.runtime.errors``, ``cli_args``, ``artifact_uri`` and ``atomic``).
"""
