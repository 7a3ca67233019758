"""Katib's TensorFlowEvent metrics collector: scalars from a trial's TensorBoard event files.

Semantics follow Katib's ``tfevent-metricscollector/tfevent_loader.py``: after the trial
ends, every file under the directory (recursively) is read as an event file (files that
are not are skipped); a summary value counts for metric ``m`` when its tag *starts with*
the last ``/`` component of ``m`` and, for a name ``dir/name``, the event file's directory
path *ends with* ``dir`` (so ``train/accuracy`` is the ``accuracy`` scalar written under a
``…/train`` log dir; a plain ``accuracy`` matches in any directory). Both prefix tests are
string tests, as in Katib (``accuracy`` also matches a tag ``accuracy_top5``). Values come
from TF2 tensor summaries (``tf.summary.scalar``) or TF1 ``simple_value`` summaries.

TensorFlow is imported here only when this collector is used.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ideko.local.katib.metrics import MetricLog


def matches(metric: str, tag: str, event_dir: str) -> bool:
    """Katib's tag test: tag prefix = the metric's last component, directory suffix = the rest."""
    head, _, last = metric.rpartition("/")
    if not tag.startswith(last):
        return False
    return not head or event_dir.endswith(head)


def read_scalars(directory: Path, metric_names: Sequence[str]) -> list[MetricLog]:
    """Every scalar reported for ``metric_names`` under ``directory``, file by file."""
    import tensorflow as tf

    found: list[MetricLog] = []
    for path in sorted(_files(directory)):
        event_dir = os.path.dirname(path)
        try:  # TFRecordDataset, not the deprecated summary_iterator (which logs a warning)
            records = [r.numpy() for r in tf.data.TFRecordDataset(path)]
            events = [tf.compat.v1.Event.FromString(r) for r in records]
        except Exception:  # not an event file (or a corrupt one): Katib skips it too
            continue
        for event in events:
            stamp = _rfc3339(event.wall_time)
            for value in event.summary.value:
                number = _scalar(tf, value)
                if number is None:
                    continue
                for metric in metric_names:
                    if matches(metric, value.tag, event_dir):
                        found.append(MetricLog(metric, number, stamp))
    return found


def _files(directory: Path) -> list[str]:
    out = []
    for root, _dirs, files in os.walk(directory):
        out.extend(os.path.join(root, name) for name in files)
    return out


def _scalar(tf: Any, value: Any) -> float | None:
    if value.HasField("simple_value"):
        number = float(value.simple_value)
    elif value.HasField("tensor"):
        try:
            array = tf.make_ndarray(value.tensor)
        except Exception:  # a non-numeric tensor (text, image) is not a metric
            return None
        if array.size != 1 or array.dtype.kind not in "fiu":
            return None
        number = float(array.reshape(()))
    else:
        return None
    return number if math.isfinite(number) else None


def _rfc3339(wall_time: float) -> str:
    return datetime.fromtimestamp(wall_time, UTC).isoformat().replace("+00:00", "Z")
