"""Convolutional encoder/decoder builders (shared by the autoencoder and VAE lessons), `Autoencoder`,
and `DenoisingAutoencoder` with the corruptions it learns to undo."""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from ..validation import IMAGE_SHAPE, check_codes, check_images, check_positive_int
from .steps import apply_gradients, track, unit_images


def build_encoder(latent_dim: int, filters=(32, 64), variational: bool = False,
                  name: str = "encoder") -> keras.Model:
    """Strided convolutions (28 → 14 → 7) down to a dense bottleneck of `latent_dim` numbers.

    With `variational=True` the bottleneck has two heads, `z_mean` and `z_log_var`.
    """
    check_positive_int(latent_dim, "latent_dim")
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = inputs
    for n_filters in filters:
        x = layers.Conv2D(n_filters, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    if variational:
        z_mean = layers.Dense(latent_dim, name="z_mean")(x)
        z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
        return keras.Model(inputs, [z_mean, z_log_var], name=name)
    return keras.Model(inputs, layers.Dense(latent_dim, name="code")(x), name=name)


def build_decoder(latent_dim: int, filters=(64, 32), output_activation="sigmoid",
                  name: str = "decoder") -> keras.Model:
    """Dense → reshape to 7×7 → `Conv2DTranspose` upsampling (7 → 14 → 28) → one 28×28 channel.

    `output_activation="sigmoid"` gives pixel intensities in [0, 1]; `None` gives logits.
    """
    check_positive_int(latent_dim, "latent_dim")
    inputs = keras.Input((latent_dim,), name="code")
    x = layers.Dense(7 * 7 * filters[0], activation="relu")(inputs)
    x = layers.Reshape((7, 7, filters[0]))(x)
    for n_filters in filters:
        x = layers.Conv2DTranspose(n_filters, 3, strides=2, padding="same", activation="relu")(x)
    outputs = layers.Conv2DTranspose(1, 3, padding="same", activation=output_activation,
                                     name="pixels")(x)
    return keras.Model(inputs, outputs, name=name)


@keras.saving.register_keras_serializable(package="course_lib")
class Autoencoder(keras.Model):
    """x → encoder → code → decoder → x̂, trained with `fit(x, x)` on a pixel loss."""

    def __init__(self, latent_dim: int = 32, filters=(32, 64), **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.filters = tuple(filters)
        self.encoder = build_encoder(latent_dim, self.filters)
        self.decoder = build_decoder(latent_dim, self.filters[::-1])

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    def encode(self, x, batch_size: int = 512):
        """Codes of shape (n, latent_dim) for images in [0, 1]."""
        return self.encoder.predict(check_images(x), batch_size=batch_size, verbose=0)

    def decode(self, z, batch_size: int = 512):
        """Images of shape (n, 28, 28, 1) for codes of shape (n, latent_dim)."""
        z = check_codes(z, self.latent_dim)
        return self.decoder.predict(z, batch_size=batch_size, verbose=0)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "filters": list(self.filters)}


CORRUPTIONS = ("gaussian", "patch")


def corrupt(x, corruption: str, level: float, seed):
    """Damage a batch of images in [0, 1] with backend ops (usable inside a compiled step).

    - `"gaussian"`: add noise of standard deviation `level` and clip back to [0, 1];
    - `"patch"`: blank (set to 0) one square of side `int(level)` pixels per image, placed at
      random, standing for missing pixels.
    `seed` is a `keras.random.SeedGenerator` (fresh draws on every call) or an int.
    """
    if corruption == "gaussian":
        noise = keras.random.normal(ops.shape(x), stddev=level, seed=seed, dtype=x.dtype)
        return ops.clip(x + noise, 0.0, 1.0)
    if corruption == "patch":
        side = int(level)
        height, width = IMAGE_SHAPE[:2]
        corners = keras.random.randint((ops.shape(x)[0], 2), 0, height - side + 1, seed=seed)
        top, left = corners[:, :1], corners[:, 1:]
        rows = ops.arange(height)[None, :]
        cols = ops.arange(width)[None, :]
        in_rows = ops.logical_and(rows >= top, rows < top + side)
        in_cols = ops.logical_and(cols >= left, cols < left + side)
        hole = ops.logical_and(in_rows[:, :, None], in_cols[:, None, :])[..., None]
        return ops.where(hole, ops.zeros_like(x), x)
    raise ValueError(f"corruption must be one of {CORRUPTIONS}, got {corruption!r}")


@keras.saving.register_keras_serializable(package="course_lib")
class DenoisingAutoencoder(Autoencoder):
    """An `Autoencoder` trained to undo damage: every training batch is corrupted afresh
    (Gaussian noise or a blanked patch, see `corrupt`) and the loss compares the reconstruction
    with the clean batch. `fit(x)` is enough, the clean images are their own targets.

    The noise comes from a `SeedGenerator` stored on the model, so each step draws new noise
    and a seeded run is repeatable. `train_step` is written with the kit of `steps`.
    """

    def __init__(self, latent_dim: int = 32, filters=(32, 64), corruption: str = "gaussian",
                 level: float = 0.5, seed: int = 0, **kwargs):
        super().__init__(latent_dim=latent_dim, filters=filters, **kwargs)
        if corruption not in CORRUPTIONS:
            raise ValueError(f"corruption must be one of {CORRUPTIONS}, got {corruption!r}")
        level = float(level)
        if corruption == "gaussian" and not (np.isfinite(level) and level >= 0):
            raise ValueError(f"level (the noise sigma) must be a finite number >= 0, got {level!r}")
        if corruption == "patch" and not 1 <= level <= IMAGE_SHAPE[0]:
            raise ValueError(f"level (the patch side) must lie in [1, {IMAGE_SHAPE[0]}] pixels, "
                             f"got {level!r}")
        self.corruption, self.level, self.seed = corruption, level, int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mse_tracker = keras.metrics.Mean(name="mse")

    @property
    def metrics(self):
        return [self.loss_tracker, self.mse_tracker]

    def corrupt(self, x):
        """A freshly damaged copy of the batch `x`."""
        return corrupt(x, self.corruption, self.level, self.seed_generator)

    def scores(self, clean, x_hat) -> dict:
        """The loss (binary cross-entropy against the clean batch) and the MSE."""
        return {"loss": ops.mean(keras.losses.binary_crossentropy(clean, x_hat)),
                "mse": ops.mean(ops.square(clean - x_hat))}

    def train_step(self, data):
        clean = unit_images(data, "DenoisingAutoencoder")
        damaged = self.corrupt(clean)
        with tf.GradientTape() as tape:
            scores = self.scores(clean, self(damaged, training=True))
        apply_gradients(self.optimizer, tape, scores["loss"], self.trainable_weights)
        return track(self.metrics, scores)

    def test_step(self, data):
        clean = unit_images(data, "DenoisingAutoencoder")
        return track(self.metrics, self.scores(clean, self(self.corrupt(clean), training=False)))

    def get_config(self):
        return {**super().get_config(), "corruption": self.corruption, "level": self.level,
                "seed": self.seed}
