"""Lesson 07's CycleGAN: translation between two image domains learned without pairs
(Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
Adversarial Networks").

Two translators, G_AB and G_BA, and two critics, D_A and D_B. Each translator tries to make
its outputs pass its critic (the adversarial loss); translating there and back must give the
input again (the cycle loss, L1, weight `cycle_weight`); and a translator fed an image already
in its target domain should leave it alone (the identity loss, L1, weight `identity_weight`,
by default half the cycle weight as in the paper).

Kept from the paper: least-squares adversarial losses (LSGAN, Mao et al. 2017), PatchGAN
critics that judge overlapping patches, instance normalization, weights drawn from
N(0, 0.02), λ_cycle = 10, identity weight 0.5·λ_cycle, Adam(2e-4, β1 = 0.5).
Simplified for 28 × 28 digits on a CPU: one downsampling and two residual blocks instead of two
and nine, 16 base filters instead of 64, a 7 × 7 grid of patch logits, no pool of 50 past fakes
for the critics and no learning-rate decay. Added (by default, `coordinates=True`): the
translators also see each pixel's coordinates (`CoordinateChannels`), because lesson 07's slant
shifts each row by a different amount. That is knowledge of the target domain a real unpaired
problem does not give; lesson 07 measures the model without it. Written with the kit of
`steps`, so it runs on the TensorFlow backend.
"""

import itertools

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from ..validation import IMAGE_SHAPE, check_images, check_positive_int, check_weight
from .steps import apply_gradients, track, unit_images
from .two_player import TwoOptimizerModel


def _weights(seeds):
    """The paper's initialization, N(0, 0.02), with the next seed of `seeds`."""
    return keras.initializers.RandomNormal(0.0, 0.02, seed=next(seeds))


def _instance_norm():
    return layers.GroupNormalization(groups=-1, epsilon=1e-5)  # one group per channel


@keras.saving.register_keras_serializable(package="course_lib")
class CoordinateChannels(layers.Layer):
    """Append two channels holding each pixel's row and column, scaled to [−1, 1] (CoordConv,
    Liu et al. 2018): a convolution alone cannot tell where in the image it is, and a slant
    moves each row by an amount that depends on the row."""

    def call(self, images):
        shape = ops.shape(images)
        rows = ops.linspace(-1.0, 1.0, shape[1])[None, :, None, None]
        cols = ops.linspace(-1.0, 1.0, shape[2])[None, None, :, None]
        ones = ops.ones_like(images[..., :1])
        return ops.concatenate([images, ones * rows, ones * cols], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 2)


def build_translator(filters: int = 16, n_res: int = 2, seed: int = 0, name: str = "translator",
                     coordinates: bool = True):
    """Images (n, 28, 28, 1) → images of the same shape in [0, 1] (sigmoid).

    The image (with `coordinates`, also its pixel coordinates: `CoordinateChannels`) → a 5 × 5
    convolution,
    one stride-2 convolution (28 → 14), `n_res` residual blocks,
    one transposed convolution back to 28 × 28 and a 5 × 5 sigmoid convolution; instance
    norm and ReLU after each inner convolution.
    """
    filters, n_res = check_positive_int(filters, "filters"), int(n_res)
    if n_res < 0:
        raise ValueError(f"n_res must be a whole number >= 0, got {n_res!r}")
    seeds = itertools.count(1000 * int(seed))
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = CoordinateChannels()(inputs) if coordinates else inputs
    x = layers.Conv2D(filters, 5, padding="same", kernel_initializer=_weights(seeds))(x)
    x = layers.ReLU()(_instance_norm()(x))
    x = layers.Conv2D(2 * filters, 3, strides=2, padding="same",
                      kernel_initializer=_weights(seeds))(x)
    x = layers.ReLU()(_instance_norm()(x))
    for _ in range(n_res):
        y = layers.Conv2D(2 * filters, 3, padding="same", kernel_initializer=_weights(seeds))(x)
        y = layers.ReLU()(_instance_norm()(y))
        y = layers.Conv2D(2 * filters, 3, padding="same", kernel_initializer=_weights(seeds))(y)
        x = layers.Add()([x, _instance_norm()(y)])
    x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same",
                               kernel_initializer=_weights(seeds))(x)
    x = layers.ReLU()(_instance_norm()(x))
    outputs = layers.Conv2D(1, 5, padding="same", activation="sigmoid", name="pixels",
                            kernel_initializer=_weights(seeds))(x)
    return keras.Model(inputs, outputs, name=name)


def build_critic(filters=(32, 64), seed: int = 0, name: str = "critic"):
    """A PatchGAN critic: images (n, 28, 28, 1) → stride-2 convolutions (28 → 14 → 7) with
    LeakyReLU (instance norm after the first) → a (n, 7, 7, 1) grid of logits, one per
    overlapping patch (positive: "this patch looks real")."""
    seeds = itertools.count(1000 * int(seed))
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = inputs
    for i, n_filters in enumerate(filters):
        x = layers.Conv2D(check_positive_int(n_filters, "filters"), 4, strides=2, padding="same",
                          kernel_initializer=_weights(seeds))(x)
        x = layers.LeakyReLU(0.2)(x if i == 0 else _instance_norm()(x))
    logits = layers.Conv2D(1, 3, padding="same", name="patch_logits",
                           kernel_initializer=_weights(seeds))(x)
    return keras.Model(inputs, logits, name=name)


def critic_loss(real_logits, fake_logits):
    """LSGAN critic loss: mean (D(real) − 1)² + mean D(fake)², halved as in the paper."""
    return 0.5 * (ops.mean(ops.square(real_logits - 1.0)) + ops.mean(ops.square(fake_logits)))


def translator_loss(fake_logits):
    """LSGAN translator loss: mean (D(G(x)) − 1)², pushing every patch towards "real"."""
    return ops.mean(ops.square(fake_logits - 1.0))


def l1(a, b):
    """Mean absolute difference per pixel."""
    return ops.mean(ops.abs(a - b))


@keras.saving.register_keras_serializable(package="course_lib")
class CycleGAN(TwoOptimizerModel):
    """Translators A → B (`g_ab`) and B → A (`g_ba`) and critics (`d_a`, `d_b`), trained
    together with two optimizers (one for both translators, one for both critics).

    `fit(x_a, x_b)` (or `training.fit_resumable(model, x_a, x_b, ...)`) takes domain-A images
    as x and domain-B images as y, the same number of each, floats in [0, 1]. A batch pairs
    x_a[i] with x_b[i] only because they travel together: they are different, unrelated digits,
    so the training stays unpaired. Each batch does one translator update, then one critic
    update on the translations just made. Calling the model on A images returns G_AB(images).
    `coordinates=False` builds translators that see the pixels only (no `CoordinateChannels`).
    """

    def __init__(self, cycle_weight: float = 10.0, identity_weight=None, filters: int = 16,
                 n_res: int = 2, seed: int = 0, coordinates: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.cycle_weight = check_weight(cycle_weight, "cycle_weight")
        self.identity_weight = check_weight(0.5 * self.cycle_weight if identity_weight is None
                                            else identity_weight, "identity_weight")
        self.filters = check_positive_int(filters, "filters")
        self.n_res = int(n_res)
        self.seed = int(seed)
        self.coordinates = bool(coordinates)
        base = 4 * self.seed
        self.g_ab = build_translator(self.filters, self.n_res, seed=base, name="g_ab",
                                     coordinates=self.coordinates)
        self.g_ba = build_translator(self.filters, self.n_res, seed=base + 1, name="g_ba",
                                     coordinates=self.coordinates)
        self.d_a = build_critic(seed=base + 2, name="d_a")
        self.d_b = build_critic(seed=base + 3, name="d_b")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in
                         ("g_loss", "d_loss", "adversarial_loss", "cycle_loss", "identity_loss")}
        self.built = True  # all four networks are functional models, built on construction

    @property
    def translators(self) -> list:
        return self.g_ab.trainable_weights + self.g_ba.trainable_weights

    @property
    def critics(self) -> list:
        return self.d_a.trainable_weights + self.d_b.trainable_weights

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Two optimizers, by default Adam(2e-4, β1 = 0.5) as in the paper, built at once (a
        compiled step must not create variables: Keras 3.10 refuses it after a failed call)."""
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, **kwargs)
        self.build_optimizers()

    def optimizer_targets(self) -> dict:
        """The translators' optimizer first, then the critics'."""
        return {"g_optimizer": self.translators, "d_optimizer": self.critics}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, images, training=False):
        return self.g_ab(images, training=training)

    def translator_losses(self, real_a, real_b) -> dict:
        """Every term of the translators' objective for one batch (under the caller's tape),
        plus the translations, so the critics can be trained on them."""
        fake_b = self.g_ab(real_a, training=True)
        fake_a = self.g_ba(real_b, training=True)
        adversarial = (translator_loss(self.d_b(fake_b, training=True))
                       + translator_loss(self.d_a(fake_a, training=True)))
        cycle = (l1(self.g_ba(fake_b, training=True), real_a)
                 + l1(self.g_ab(fake_a, training=True), real_b))
        identity = (l1(self.g_ab(real_b, training=True), real_b)
                    + l1(self.g_ba(real_a, training=True), real_a))
        total = adversarial + self.cycle_weight * cycle + self.identity_weight * identity
        return {"g_loss": total, "adversarial_loss": adversarial, "cycle_loss": cycle,
                "identity_loss": identity, "fake_a": fake_a, "fake_b": fake_b}

    def critic_step(self, real_a, real_b, fake_a, fake_b):
        """One update of both critics only; returns their loss."""
        with tf.GradientTape() as tape:
            loss = (critic_loss(self.d_a(real_a, training=True), self.d_a(fake_a, training=True))
                    + critic_loss(self.d_b(real_b, training=True),
                                  self.d_b(fake_b, training=True)))
        apply_gradients(self.d_optimizer, tape, loss, self.critics)
        return loss

    def train_step(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
            raise ValueError("CycleGAN: fit(x_a, x_b) needs domain-A images as x and "
                             "domain-B images as y")
        real_a = unit_images(data[0], "CycleGAN (domain A, x)")
        real_b = unit_images(data[1], "CycleGAN (domain B, y)")
        with tf.GradientTape() as tape:
            losses = self.translator_losses(real_a, real_b)
        apply_gradients(self.g_optimizer, tape, losses["g_loss"], self.translators)
        d_loss = self.critic_step(real_a, real_b, losses["fake_a"], losses["fake_b"])
        return track(self.metrics, {**losses, "d_loss": d_loss})

    def translate_ab(self, images, batch_size: int = 512) -> np.ndarray:
        """Domain-A images in [0, 1] → their translations to domain B, in [0, 1]."""
        return self.g_ab.predict(check_images(images), batch_size=batch_size, verbose=0)

    def translate_ba(self, images, batch_size: int = 512) -> np.ndarray:
        """Domain-B images in [0, 1] → their translations to domain A, in [0, 1]."""
        return self.g_ba.predict(check_images(images), batch_size=batch_size, verbose=0)

    def get_config(self):
        return {**super().get_config(), "cycle_weight": self.cycle_weight,
                "identity_weight": self.identity_weight, "filters": self.filters,
                "n_res": self.n_res, "seed": self.seed, "coordinates": self.coordinates}
