"""Convolutional encoder/decoder builders (shared by the autoencoder and VAE lessons) and `Autoencoder`."""

import keras
import numpy as np
from keras import layers, ops

from ..config import by_mode, checkpoint_dir, seed_everything
from ..training import cosine_adam, fit_resumable
from ..validation import IMAGE_SHAPE, check_codes, check_images, check_positive_int


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
    and a seeded run is repeatable. `train_step` uses `tf.GradientTape` (TensorFlow backend).
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

    def _scores(self, clean, x_hat):
        loss = ops.mean(keras.losses.binary_crossentropy(clean, x_hat))
        return loss, ops.mean(ops.square(clean - x_hat))

    def train_step(self, data):
        import tensorflow as tf

        clean = _clean_images(data)
        damaged = self.corrupt(clean)
        with tf.GradientTape() as tape:
            loss, mse = self._scores(clean, self(damaged, training=True))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return self._update_metrics(loss, mse)

    def test_step(self, data):
        clean = _clean_images(data)
        loss, mse = self._scores(clean, self(self.corrupt(clean), training=False))
        return self._update_metrics(loss, mse)

    def _update_metrics(self, loss, mse):
        self.loss_tracker.update_state(loss)
        self.mse_tracker.update_state(mse)
        return {m.name: m.result() for m in self.metrics}

    def get_config(self):
        return {**super().get_config(), "corruption": self.corruption, "level": self.level,
                "seed": self.seed}


def _clean_images(data):
    """The clean batch of `fit` data given as `x`, `(x,)` or `(x, x)`."""
    return data[0] if isinstance(data, (tuple, list)) else data


def lesson_plan() -> dict:
    """Data sizes and epochs of lessons 02-04. The notebooks and `benchmarks/autoencoders.py`
    both read them, so whichever runs second reloads what the first trained.

    `sweep_epochs` maps each bottleneck size to its epochs: the headline k=32 trains longest
    (its target is 0.0035 MSE/pixel); the others only need to beat PCA, which they do within a
    few epochs, and the sweep must fit the course's time budget on a 2-core CPU."""
    return {
        "n_train": by_mode(None, 3000),
        "n_test": by_mode(None, 1000),
        "ks": by_mode((2, 4, 8, 16, 32, 64), (2, 32)),
        "filters": by_mode((32, 64), (16, 32)),
        "sweep_epochs": by_mode({2: 4, 4: 3, 8: 3, 16: 3, 32: 12, 64: 3}, {2: 3, 32: 3}),
        "dae_epochs": by_mode(5, 3),
        "anomaly_epochs": by_mode(3, 2),
        "patch_epochs": by_mode(3, 3),
        "batch_size": by_mode(128, 32),
        "learning_rate": 2e-3,
        "sigma": 0.5,
        "dae_k": 64,
        "anomaly_digit": 2,
        "anomaly_k": 8,
        "patch_side": 12,
    }


def fit_autoencoder(model, x, *, epochs: int, name: str, batch_size: int = 128,
                    learning_rate: float = 2e-3, verbose=2) -> dict:
    """Compile `model` (Adam with a cosine decay of the learning rate to 0 over the run) and
    train it on images `x` with `fit_resumable` in `config.checkpoint_dir(name)`: a finished run
    reloads instead of retraining. A plain `Autoencoder` learns x → x with binary cross-entropy;
    a `DenoisingAutoencoder` brings its own loss. Returns the history."""
    x = check_images(x, "x")
    optimizer = cosine_adam(learning_rate, epochs=epochs, n_examples=len(x), batch_size=batch_size)
    if isinstance(model, DenoisingAutoencoder):
        model.compile(optimizer=optimizer)
        targets = None
    else:
        model.compile(optimizer=optimizer, loss="binary_crossentropy")
        targets = x
    return fit_resumable(model, x, targets, epochs=epochs, workdir=checkpoint_dir(name),
                         batch_size=batch_size, verbose=verbose)


def lesson_autoencoder(k: int, x_train, verbose=0) -> Autoencoder:
    """Lesson 02's sweep autoencoder with bottleneck `k`, as `lesson_plan()` trains it: reloaded
    from its checkpoint when lesson 02 (or its benchmark) already trained it, else trained now
    with the same seed and settings. Lessons 04 and 05 use the k = 2 one."""
    plan = lesson_plan()
    if k not in plan["sweep_epochs"]:
        raise ValueError(f"k={k}: lesson 02 trains k in {sorted(plan['sweep_epochs'])} in this mode")
    seed_everything(k)
    model = Autoencoder(latent_dim=k, filters=plan["filters"])
    fit_autoencoder(model, x_train, epochs=plan["sweep_epochs"][k], name=f"lesson02_ae_k{k}",
                    batch_size=plan["batch_size"], learning_rate=plan["learning_rate"],
                    verbose=verbose)
    return model
