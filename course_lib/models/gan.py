"""Lesson 06's DCGAN: a generator and a discriminator trained against each other (Goodfellow
et al. 2014, "Generative Adversarial Nets"), built from convolutions as in Radford, Metz &
Chintala 2016, "Unsupervised Representation Learning with Deep Convolutional GANs".

The generator G turns noise z into an image; the discriminator D gives each image a logit,
positive for "real". Every batch is one round of the game: D takes a step to tell real images
from G's fakes (binary cross-entropy, optionally with one-sided label smoothing), then G takes
a step to make D call its fakes real. G's loss is the non-saturating −log D(G(z)), whose
gradient stays strong while D still wins easily. Each player has its own Adam optimizer
(`TwoOptimizerModel`).

Images are in [0, 1] as everywhere in the course, so the generator ends in a sigmoid
(sigmoid(2a) = (1 + tanh(a)) / 2: the usual tanh output, rescaled to the data's range).
The `train_step` is written with the kit of `steps` (a `tf.GradientTape` per network), so the GAN
runs on the TensorFlow backend.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from ..validation import IMAGE_SHAPE, check_images, check_positive_int
from .steps import apply_gradients, track, unit_images
from .two_player import TwoOptimizerModel

NOISE_DIM = 64


def build_generator(noise_dim: int = NOISE_DIM, filters=(128, 64), name: str = "generator"):
    """Noise (n, noise_dim) → dense → reshape to 7×7 → two `Conv2DTranspose` upsamplings
    (7 → 14 → 28) with batch norm and ReLU → a sigmoid channel: images in [0, 1]. The default
    widths were chosen by measurement (`benchmarks/results/summary.md`, "Measurement history")."""
    check_positive_int(noise_dim, "noise_dim")
    inputs = keras.Input((noise_dim,), name="noise")
    x = layers.Dense(7 * 7 * filters[0], use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((7, 7, filters[0]))(x)
    return keras.Model(inputs, upsample_to_image(x, filters[1]), name=name)


def upsample_to_image(x, filters: int):
    """7×7 feature maps → `Conv2DTranspose` to 14×14 with batch norm and ReLU → a sigmoid
    `Conv2DTranspose` to 28×28×1: the last layers of the course's generators."""
    x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    return layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid",
                                  name="pixels")(x)


def build_discriminator(filters=(32, 64), dropout: float = 0.3, spectral_norm: bool = False,
                        batch_norm: bool = False, minibatch_std: bool = False,
                        name: str = "discriminator"):
    """Images (n, 28, 28, 1) → strided convolutions (28 → 14 → 7) with LeakyReLU and dropout →
    one logit per image (positive: "looks real"). With `spectral_norm`, every convolution and
    the logit layer are wrapped in `SpectralNormalization` (Miyato et al. 2018), which divides
    each weight matrix by its largest singular value so that no layer can stretch its input by
    more than a factor 1; pass `dropout=0` with it, as SN-GANs do. With `batch_norm`, every
    convolution but the first is followed by batch normalization, as in the DCGAN paper's
    discriminator (Radford et al. 2016). With `minibatch_std`, a `MinibatchStdDev` channel
    follows the first convolution's activation and dropout (Karras et al. 2018)."""
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    features = image_features(inputs, filters, dropout, spectral_norm, batch_norm, minibatch_std)
    return keras.Model(inputs, _maybe_normalized(layers.Dense(1, name="logit"), spectral_norm)(features),
                       name=name)


def image_features(x, filters, dropout: float, spectral_norm: bool = False,
                   batch_norm: bool = False, minibatch_std: bool = False):
    """Images → strided convolutions (28 → 14 → 7) with LeakyReLU and dropout (none at rate 0),
    optionally spectrally normalized, optionally batch-normalized after every convolution but
    the first, optionally with a `MinibatchStdDev` channel after the first block → flat
    features: the body of the course's discriminators."""
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must lie in [0, 1), got {dropout!r}")
    for i, n_filters in enumerate(filters):
        conv = layers.Conv2D(check_positive_int(n_filters, "filters"), 4, strides=2, padding="same")
        x = _maybe_normalized(conv, spectral_norm)(x)
        if batch_norm and i > 0:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout > 0:
            x = layers.Dropout(dropout)(x)
        if minibatch_std and i == 0:
            x = MinibatchStdDev()(x)
    return layers.Flatten()(x)


@keras.saving.register_keras_serializable(package="course_lib")
class MinibatchStdDev(layers.Layer):
    """Appends one channel to feature maps (n, h, w, c): the standard deviation of each feature
    across the batch, averaged over all features, the same number at every position of every
    image (Karras et al. 2018, "Progressive Growing of GANs", section 3). A batch of look-alike
    fakes has a smaller spread than a batch of real images, and D can see it; so D's verdict on
    an image also depends on the batch it comes in."""

    def call(self, x):
        spread = ops.mean(ops.sqrt(ops.var(x, axis=0) + 1e-8))
        return ops.concatenate([x, ops.ones_like(x[..., :1]) * spread], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)


def _maybe_normalized(layer, spectral_norm: bool):
    return layers.SpectralNormalization(layer) if spectral_norm else layer


def discriminator_loss(real_logits, fake_logits, smoothing: float = 0.0):
    """Binary cross-entropy of "real" (target 1 − smoothing) on real logits plus "fake"
    (target 0) on generated ones, each averaged over its batch. `smoothing` > 0 is one-sided
    label smoothing: the discriminator is never pushed to be certain."""
    real_targets = ops.full_like(real_logits, 1.0 - smoothing)
    real = keras.losses.binary_crossentropy(real_targets, real_logits, from_logits=True)
    fake = keras.losses.binary_crossentropy(ops.zeros_like(fake_logits), fake_logits,
                                            from_logits=True)
    return ops.mean(real) + ops.mean(fake)


def generator_loss(fake_logits):
    """The non-saturating generator loss: cross-entropy of "real" on generated logits, i.e.
    −log D(G(z)) averaged over the batch (strong gradients while D still wins easily)."""
    return ops.mean(keras.losses.binary_crossentropy(ops.ones_like(fake_logits), fake_logits,
                                                     from_logits=True))


@keras.saving.register_keras_serializable(package="course_lib")
class GAN(TwoOptimizerModel):
    """A generator and a discriminator trained against each other with two optimizers.

    `fit(images)` takes images in [0, 1]; each batch does one discriminator update and then one
    generator update. Calling the model on images returns the discriminator's logits.
    `discriminator` holds the options of `build_discriminator` (e.g. `{"spectral_norm": True}`);
    without it, D is the builder's default, the small dropout discriminator without batch norm
    (lesson 06 passes `recipes.dcgan.LESSON_DISCRIMINATOR`, which adds it).
    """

    def __init__(self, noise_dim: int = NOISE_DIM, seed: int = 0, discriminator: dict = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.noise_dim = check_positive_int(noise_dim, "noise_dim")
        self.seed = int(seed)
        self.discriminator_options = dict(discriminator or {})
        self.generator, self.discriminator = self.build_networks()
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.label_smoothing = 0.0
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("d_loss", "g_loss", "d_real", "d_fake")}
        self.built = True  # both networks are functional models, built on construction

    def build_networks(self):
        """The generator and the discriminator (a subclass builds its own, e.g. conditional ones)."""
        return build_generator(self.noise_dim), build_discriminator(**self.discriminator_options)

    def compile(self, d_optimizer=None, g_optimizer=None, label_smoothing: float = 0.0, **kwargs):
        """Two optimizers (default: Adam, learning rate 2e-4, β1 = 0.5, as in the DCGAN paper)
        and optional one-sided label smoothing in [0, 0.5)."""
        if not 0.0 <= label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must lie in [0, 0.5), got {label_smoothing!r}")
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def optimizer_targets(self) -> dict:
        """The discriminator's optimizer first, then the generator's."""
        return {"d_optimizer": self.discriminator.trainable_variables,
                "g_optimizer": self.generator.trainable_variables}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, images, training=False):
        return self.discriminator(images, training=training)

    def sample_noise(self, batch_size):
        """Standard normal noise drawn from the model's own seed generator."""
        return keras.random.normal((batch_size, self.noise_dim), seed=self.seed_generator)

    def d_loss(self, real_logits, fake_logits):
        """D's loss on its logits for a real and a generated batch: cross-entropy (with the
        compiled label smoothing). A subclass may play another game (`HingeGAN`)."""
        return discriminator_loss(real_logits, fake_logits, self.label_smoothing)

    def g_loss(self, fake_logits):
        """G's loss on D's logits for G's images: the non-saturating cross-entropy."""
        return generator_loss(fake_logits)

    def discriminator_step(self, real):
        """One update of the discriminator only; returns (loss, mean D(x), mean D(G(z)))."""
        fake = self.generator(self.sample_noise(ops.shape(real)[0]), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            loss = self.d_loss(real_logits, fake_logits)
        apply_gradients(self.d_optimizer, tape, loss, self.discriminator.trainable_weights)
        return loss, ops.mean(ops.sigmoid(real_logits)), ops.mean(ops.sigmoid(fake_logits))

    def generator_step(self, batch_size):
        """One update of the generator only (the discriminator is held fixed); returns its loss."""
        noise = self.sample_noise(batch_size)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(noise, training=True), training=True)
            loss = self.g_loss(fake_logits)
        apply_gradients(self.g_optimizer, tape, loss, self.generator.trainable_weights)
        return loss

    def train_step(self, data):
        real = unit_images(data, "GAN")
        d_loss, d_real, d_fake = self.discriminator_step(real)
        g_loss = self.generator_step(ops.shape(real)[0])
        return track(self.metrics, {"d_loss": d_loss, "g_loss": g_loss,
                                    "d_real": d_real, "d_fake": d_fake})

    def generator_gradient_norm(self, n: int = 256, seed: int = 0) -> float:
        """The length (global L2 norm over all G's weights) of the gradient of G's loss on `n`
        noise vectors seeded by `seed`: how hard D's verdict pushes G right now. Both networks
        run in inference mode, so measuring changes nothing in the model."""
        noise = keras.random.normal((check_positive_int(n, "n"), self.noise_dim), seed=int(seed))
        with tf.GradientTape() as tape:
            loss = self.g_loss(self.discriminator(self.generator(noise, training=False),
                                                  training=False))
        gradients = tape.gradient(loss, self.generator.trainable_weights)
        return float(tf.linalg.global_norm(gradients))

    def generate(self, n: int, seed: int = 0, batch_size: int = 512) -> np.ndarray:
        """`n` images in [0, 1] from noise seeded by `seed` (same seed, same images)."""
        n = check_positive_int(n, "n")
        noise = keras.random.normal((n, self.noise_dim), seed=int(seed))
        return self.generator.predict(noise, batch_size=batch_size, verbose=0)

    def discriminate(self, images, batch_size: int = 512) -> np.ndarray:
        """D's probability that each image is real, for images in [0, 1]."""
        logits = self.discriminator.predict(check_images(images), batch_size=batch_size, verbose=0)
        return np.asarray(ops.sigmoid(logits)).ravel()

    def get_config(self):
        return {**super().get_config(), "noise_dim": self.noise_dim, "seed": self.seed,
                "discriminator": self.discriminator_options}

    def get_compile_config(self):
        config = super().get_compile_config()
        if config is not None:
            config["label_smoothing"] = self.label_smoothing
        return config


def hinge_discriminator_loss(real_logits, fake_logits):
    """The hinge loss of D (Lim & Ye 2017, "Geometric GAN"; used by SN-GAN, Miyato et al.
    2018): mean max(0, 1 − D(x)) + mean max(0, 1 + D(G(z))). A real image scored above +1 or a
    fake below −1 costs nothing, so D stops pushing on images it already sorts by a margin."""
    return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))


def hinge_generator_loss(fake_logits):
    """G's loss under the hinge game: −mean D(G(z)), the raw logits made as large as possible."""
    return -ops.mean(fake_logits)


@keras.saving.register_keras_serializable(package="course_lib")
class HingeGAN(GAN):
    """`GAN` with the hinge losses (`hinge_discriminator_loss`, `hinge_generator_loss`) in place
    of cross-entropy; same networks, optimizers and cost per step. The tracked d_real and d_fake
    are the sigmoids of D's scores, which the hinge loss does not calibrate as probabilities."""

    def compile(self, d_optimizer=None, g_optimizer=None, label_smoothing: float = 0.0, **kwargs):
        """As `GAN.compile`; label smoothing belongs to cross-entropy, so it must stay 0."""
        if label_smoothing:
            raise ValueError(f"label_smoothing applies to cross-entropy, not to the hinge loss; "
                             f"got {label_smoothing!r}, expected 0")
        super().compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer, **kwargs)

    def d_loss(self, real_logits, fake_logits):
        return hinge_discriminator_loss(real_logits, fake_logits)

    def g_loss(self, fake_logits):
        return hinge_generator_loss(fake_logits)
