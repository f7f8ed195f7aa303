"""One epoch of the VAE and one GAN step on 1 device and under `MirroredStrategy` over 2 logical
CPUs; prints a JSON summary. Run as a fresh process: logical devices must be set up before
TensorFlow initializes."""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras
import numpy as np

from course_lib.config import seed_everything
from course_lib.models.autoencoder import DenoisingAutoencoder
from course_lib.models.gan import GAN
from course_lib.models.vae import VAE

X = (np.random.default_rng(0).random((64, 28, 28, 1)) < 0.3).astype(np.float32)


def vae_epoch(initial, strategy):
    """Weights after one SGD epoch. The log-variance bias starts at -30, so σ ≈ 3e-7 and the
    sampling noise (drawn differently per replica) cannot change the result."""
    with strategy.scope():
        model = VAE(2, filters=(4, 8), seed=0)
        model.compile(optimizer=keras.optimizers.SGD(1e-3))
    if initial is None:
        bias = model.encoder.get_layer("z_log_var").bias
        bias.assign(np.full(bias.shape, -30.0, np.float32))
    else:
        model.set_weights(initial)
    start = model.get_weights()
    history = model.fit(X, batch_size=16, epochs=1, shuffle=False, verbose=0).history
    return start, model.get_weights(), history["loss"][-1]


def denoiser_epoch(initial, strategy):
    """Weights after one SGD epoch of a denoiser whose noise level is 0, so that every replica
    sees exactly the single-device batch halves."""
    with strategy.scope():
        model = DenoisingAutoencoder(2, filters=(4, 8), corruption="gaussian", level=0.0, seed=0)
        model.compile(optimizer=keras.optimizers.SGD(1e-2))
    model(X[:1])
    if initial is not None:
        model.set_weights(initial)
    start = model.get_weights()
    model.fit(X, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return start, model.get_weights()


def gan_step(initial, strategy):
    """Norm of each network's first SGD update on one global batch of 16 images."""
    with strategy.scope():
        model = GAN(noise_dim=8, seed=0)
        model.compile(d_optimizer=keras.optimizers.SGD(1e-2), g_optimizer=keras.optimizers.SGD(1e-2))
    if initial is not None:
        model.set_weights(initial)
    start = model.get_weights()
    model.fit(X[:16], batch_size=16, epochs=1, shuffle=False, verbose=0)
    parts = {"d": model.discriminator.trainable_weights, "g": model.generator.trainable_weights}
    before = dict(zip([id(w) for w in model.weights], start))
    return start, {k: float(np.sqrt(sum(np.sum((np.asarray(w) - before[id(w)]) ** 2) for w in ws)))
                   for k, ws in parts.items()}


if __name__ == "__main__":
    seed_everything(0)
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    single = tf.distribute.get_strategy()
    start, single_weights, single_loss = vae_epoch(None, single)
    _, mirrored_weights, mirrored_loss = vae_epoch(start, mirrored)
    weight_error = max(float(np.max(np.abs(a - b))) for a, b in zip(single_weights, mirrored_weights))
    change = max(float(np.max(np.abs(a - b))) for a, b in zip(single_weights, start))
    start, dae_single = denoiser_epoch(None, single)
    _, dae_mirrored = denoiser_epoch(start, mirrored)
    dae_error = max(float(np.max(np.abs(a - b))) for a, b in zip(dae_single, dae_mirrored))
    dae_change = max(float(np.max(np.abs(a - b))) for a, b in zip(dae_single, start))
    start, single_steps = gan_step(None, single)
    _, mirrored_steps = gan_step(start, mirrored)
    print(json.dumps({"replicas": mirrored.num_replicas_in_sync, "vae_loss": [single_loss, mirrored_loss],
                      "vae_max_weight_difference": weight_error, "vae_max_weight_change": change,
                      "dae_max_weight_difference": dae_error, "dae_max_weight_change": dae_change,
                      "gan_update_norms": {"single": single_steps, "mirrored": mirrored_steps}}))
