"""Process set-up before TensorFlow runs anything: quiet logs, thread counts, seeds.

Thread counts come from ``IDEKO_NUM_THREADS`` (else ``OMP_NUM_THREADS``); the local runner
sets them so parallel steps do not oversubscribe the CPU. They must be applied before the
first TensorFlow op, hence one :func:`prepare_tensorflow` call at the top of every step.
"""

from __future__ import annotations

import os
import random
import warnings
from typing import Any

from ideko.schema import env

# Keras 3's "Layer 'flatten' ... does not support masking" warning: build_model records it
# once per model as a note (it is the original models' behaviour); everywhere else it is noise.
MASK_WARNING = r".*does not support masking and will therefore destroy the mask information.*"

_configured = False


def quiet_tensorflow_logs() -> None:
    """Send nothing but errors from TF's C++ logs; they go to stderr anyway."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def thread_count() -> int | None:
    """The thread budget from the environment, or ``None`` for TensorFlow's default."""
    for name in (env.NUM_THREADS, env.OMP_NUM_THREADS):
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def prepare_tensorflow() -> Any:
    """Import TensorFlow quietly, apply thread limits once and return the module."""
    global _configured
    quiet_tensorflow_logs()
    import tensorflow as tf

    # Re-added on every call (it replaces itself): test runners reset filters between tests.
    warnings.filterwarnings("ignore", message=MASK_WARNING)
    if not _configured:
        try:
            import absl.logging

            absl.logging.set_verbosity(absl.logging.ERROR)
        except ImportError:  # absl ships with TensorFlow; keep going without it
            pass
        tf.get_logger().setLevel("ERROR")
        threads = thread_count()
        if threads is not None:
            try:
                tf.config.threading.set_intra_op_parallelism_threads(threads)
                tf.config.threading.set_inter_op_parallelism_threads(threads)
            except RuntimeError:  # TF already initialised in this process: keep its setting
                pass
        _configured = True
    return tf


def set_seeds(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow and make TF ops deterministic."""
    import numpy as np

    tf = prepare_tensorflow()
    import keras

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
