"""Shared code of the course Generative Deep Learning with Keras.

Importing the package imports TensorFlow quietly: its C++ start-up lines (the oneDNN notice,
and absl's warning that logs come before `InitializeLog`, which `TF_CPP_MIN_LOG_LEVEL` does not
reach) are kept out of stderr, and so is TensorFlow's warning that a `tf.function` was traced
again (Keras traces one `predict` function per model and batch shape; the lessons predict with
dozens of small models, where a retrace costs milliseconds). Import it before TensorFlow.
"""

import logging
import os
import sys
import tempfile

# 3: TensorFlow's C++ log keeps its notices to itself too, such as oneDNN falling back to Eigen
# for int32 ops, or grappler giving up on a graph rewrite, which reach a notebook's output as
# "E0000" lines in the middle of a lesson; an error still raises a Python exception.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"


class _NoRetracingWarning(logging.Filter):
    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


def _import_tensorflow_quietly():
    """Import TensorFlow with file descriptor 2 sent to a scratch file; when the import fails,
    what it wrote there is printed with the error."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as scratch:
        os.dup2(scratch.fileno(), 2)
        try:
            import tensorflow as tf
        except BaseException:
            os.dup2(saved, 2)
            scratch.seek(0)
            sys.stderr.write(scratch.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return tf


_tf = sys.modules.get("tensorflow") or _import_tensorflow_quietly()
_tf.get_logger().addFilter(_NoRetracingWarning())
