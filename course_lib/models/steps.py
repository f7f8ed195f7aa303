"""The kit every custom `train_step` of the course is written with, so that the steps differ only
in their math:

- `unit_images(data, owner)`: the images of a `fit`/`evaluate` batch, checked to be floats in
  [0, 1] (a clear error otherwise, even inside a compiled step);
- `apply_gradients(optimizer, tape, loss, weights)`: gradients of `loss`, scaled per replica
  (`per_replica`), applied to `weights` only;
- `track(trackers, values)`: update each `keras.metrics.Mean` by name and return the logs.

The steps use `tf.GradientTape`, so the course's models run on the TensorFlow backend.
"""

import tensorflow as tf
from keras import ops


def unit_images(data, owner: str):
    """The images of a batch given as `x`, `(x,)` or `(x, y)`, as float32.

    Raises `TypeError` for integer images (when the step is traced) and stops the step with
    `InvalidArgumentError` when a value lies outside [0, 1]; `owner` names the model in both.
    """
    x = ops.convert_to_tensor(data[0] if isinstance(data, (tuple, list)) else data)
    if not x.dtype.is_floating:
        raise TypeError(f"{owner}: got {x.dtype.name} images; expected floats in [0, 1]. "
                        f"Convert with x.astype('float32') / 255.")
    message = f"{owner}: pixel values must lie in [0, 1] (floats, x / 255); got values outside"
    low, high = ops.cast(0, x.dtype), ops.cast(1, x.dtype)
    with tf.control_dependencies([
            tf.debugging.assert_greater_equal(ops.min(x), low, message=message),
            tf.debugging.assert_less_equal(ops.max(x), high, message=message)]):
        return ops.cast(tf.identity(x), "float32")


def per_replica(gradients) -> list:
    """Gradients divided by the number of replicas: under a `tf.distribute` strategy each replica
    sees 1/N of the global batch and Keras sums the replicas' gradients, so this gives the
    gradient of the global-batch mean (unchanged on one device)."""
    n = tf.distribute.get_strategy().num_replicas_in_sync
    return [g if g is None or n == 1 else g / n for g in gradients]


def apply_gradients(optimizer, tape, loss, weights) -> None:
    """One update of `weights` (and of nothing else) down the gradient of `loss`."""
    optimizer.apply_gradients(zip(per_replica(tape.gradient(loss, weights)), weights))


def track(trackers, values: dict) -> dict:
    """Update every tracker with `values[tracker.name]`; return all trackers' results by name."""
    for tracker in trackers:
        tracker.update_state(values[tracker.name])
    return {tracker.name: tracker.result() for tracker in trackers}
