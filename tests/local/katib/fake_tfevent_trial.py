"""A fake Katib trial writing TensorBoard scalars (TensorFlowEvent collector test).

--log-dir D    event directory; scalars go to D/train (accuracy, loss) and D/test (accuracy),
               TF1 simple_value scalars to D/legacy (accuracy Q/2 then Q)
--quality Q    train accuracy at step i is Q * (i + 1) / 3; test accuracy is half of it

TensorBoard is not installed next to tensorflow-cpu here, so ``tf.summary.scalar`` (which
lives in TensorBoard) is unavailable; ``tf.summary.write`` with the scalars plugin's
metadata writes the same event a TF2 ``tf.summary.scalar`` call writes.

Run as ``python -m fake_tfevent_trial``, trials fork from one warm interpreter that imported
TensorFlow (``WARM_IMPORTS``, :mod:`ideko.local.launch.warm_server`; it imports this module
too, so nothing runs outside ``__main__``) instead of each importing it afresh.
"""

import argparse
import os

WARM_IMPORTS = ("tensorflow",)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402 - after the log-level switch

SCALAR = tf.compat.v1.SummaryMetadata(
    plugin_data=tf.compat.v1.SummaryMetadata.PluginData(plugin_name="scalars"),
    data_class=1,  # DATA_CLASS_SCALAR
)


def scalar(tag: str, value: float, step: int) -> None:
    tf.summary.write(tag, tf.constant(value, dtype=tf.float32), step=step, metadata=SCALAR)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("--quality", type=float, default=0.5)
    args = parser.parse_args()
    for sub, scale in (("train", 1.0), ("test", 0.5)):
        writer = tf.summary.create_file_writer(os.path.join(args.log_dir, sub))
        with writer.as_default():
            for step in range(3):
                accuracy = scale * args.quality * (step + 1) / 3
                scalar("accuracy", accuracy, step)
                if sub == "train":
                    scalar("loss", 1.0 - accuracy, step)
        writer.close()
    # a TF1-style event file: Summary values with simple_value, as tf.compat.v1 FileWriter wrote
    legacy = os.path.join(args.log_dir, "legacy")
    os.makedirs(legacy, exist_ok=True)
    with tf.io.TFRecordWriter(os.path.join(legacy, "events.out.tfevents.1")) as w:
        for step in range(2):
            quality = args.quality / (2 - step)
            value = tf.compat.v1.Summary.Value(tag="accuracy", simple_value=quality)
            event = tf.compat.v1.Event(wall_time=1.7e9 + step, step=step)
            event.summary.value.append(value)
            w.write(event.SerializeToString())
    with open(os.path.join(args.log_dir, "notes.txt"), "w", encoding="utf-8") as notes:
        notes.write("not an event file\n")
    print("done", flush=True)


if __name__ == "__main__":
    main()
