"""The train_step kit: batch unpacking and checking, per-replica gradients, trackers; and every
custom train_step of the course uses it (the denoiser included)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib.models.autoencoder import DenoisingAutoencoder
from course_lib.models.gan import GAN
from course_lib.models.steps import apply_gradients, per_replica, track, unit_images
from course_lib.models.vae import VAE


def images(n=4, scale=1.0):
    return (np.random.default_rng(0).random((n, 28, 28, 1)) * scale).astype(np.float32)


@pytest.mark.parametrize("pack", [lambda x: x, lambda x: (x,), lambda x: [x], lambda x: (x, x[:, 0])])
def test_unit_images_unpacks_every_batch_form(pack):
    x = images()
    np.testing.assert_array_equal(np.asarray(unit_images(pack(x), "M")), x)


def test_unit_images_casts_to_float32():
    assert unit_images(images().astype(np.float64), "M").dtype == tf.float32


def test_unit_images_refuses_integers_by_name():
    with pytest.raises(TypeError, match=r"Model X: got uint8 images; expected floats in \[0, 1\]"):
        unit_images((images() * 255).astype(np.uint8), "Model X")


def test_unit_images_stops_a_compiled_step_outside_the_unit_interval():
    step = tf.function(lambda x: unit_images(x, "M"))
    step(images())  # fine
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"M: pixel values must lie in \[0, 1\]"):
        step(images(scale=3.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="pixel values"):
        step(images() - 0.5)


def test_apply_gradients_moves_only_the_weights_it_is_given():
    a, b = keras.Variable(1.0), keras.Variable(2.0)
    optimizer = keras.optimizers.SGD(0.5)
    with tf.GradientTape() as tape:
        loss = 3.0 * a * b
    apply_gradients(optimizer, tape, loss, [a])
    assert float(a.numpy()) == pytest.approx(1.0 - 0.5 * 6.0) and float(b.numpy()) == 2.0


def test_per_replica_is_the_identity_on_one_device():
    grads = [tf.constant([2.0, 4.0]), None]
    out = per_replica(grads)
    np.testing.assert_array_equal(out[0].numpy(), [2.0, 4.0])
    assert out[1] is None


def test_track_updates_each_tracker_by_name_and_returns_the_logs():
    trackers = [keras.metrics.Mean(name="loss"), keras.metrics.Mean(name="kl")]
    track(trackers, {"loss": 2.0, "kl": 1.0, "unused": 9.0})
    logs = track(trackers, {"loss": 4.0, "kl": 3.0})
    assert {k: float(v) for k, v in logs.items()} == {"loss": 3.0, "kl": 2.0}
    with pytest.raises(KeyError):
        track(trackers, {"loss": 1.0})


@pytest.mark.parametrize("make", [
    lambda: DenoisingAutoencoder(2, filters=(4, 8), level=0.1),
    lambda: VAE(2, filters=(4, 8), seed=0),
    lambda: GAN(noise_dim=4, seed=0),
], ids=["denoiser", "vae", "gan"])
def test_every_custom_train_step_checks_its_batch(make):
    def compiled():
        model = make()
        model.compile() if isinstance(model, GAN) else model.compile(optimizer="adam")
        return model

    with pytest.raises(TypeError, match="uint8 images"):
        compiled().fit((images(8) * 255).astype(np.uint8), batch_size=4, epochs=1, verbose=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"pixel values must lie in \[0, 1\]"):
        compiled().fit(images(8, scale=2.0), batch_size=4, epochs=1, verbose=0)
