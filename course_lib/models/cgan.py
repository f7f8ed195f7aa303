"""Lesson 07's conditional DCGAN: "draw me a 7".

A conditional GAN (Mirza & Osindero 2014, "Conditional Generative Adversarial Nets") hands both
players a class label y: the generator draws an image of class y from noise, and the
discriminator judges whether an image is a real image *of that class*. `ConditionalGAN` is
lesson 06's `GAN` (same losses, optimizers and `train_step` kit) whose networks and steps take
labels. The label enters in three places:

- Generator: conditional batch normalization (de Vries et al. 2017, "Modulating early visual
  processing by language"; Dumoulin et al. 2017, "A learned representation for artistic
  style"). It is lesson 06's generator, except that its first batch norm takes its scale and
  shift from the label (one learned pair per class and unit), starting at scale 1 and shift 0
  for every class.
- Discriminator: a projection discriminator (Miyato & Koyama 2018, "cGANs with Projection
  Discriminator"), logit = ψ(φ(x)) + embed(y)·φ(x), with φ lesson 06's convolutional features
  and ψ its dense logit. The label enters once, as an inner product with the image's features,
  the form Miyato & Koyama derive from the optimal discriminator of the cross-entropy loss.
- Auxiliary classifier (AC-GAN, Odena et al. 2017, "Conditional Image Synthesis with Auxiliary
  Classifier GANs"): D also predicts the class from φ(x), trained on real images only
  (`d_class_weight` in D's loss), and G is also rewarded when that classifier reads the
  requested class in its fakes (`g_class_weight` in G's loss).

The fakes of both steps carry the batch's own labels, so a real batch and its fake batch have
the same class mix and D cannot tell them apart by label alone. Why these choices and not the
simpler ones (the label concatenated to the noise, the label as an extra image channel, no
auxiliary classifier, weight 1 for it in D's loss), with the measurements:
`benchmarks/results/history.md`, "Conditional GAN".
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from ..validation import IMAGE_SHAPE, check_images, check_labels, check_positive_int, check_weight
from .gan import (GAN, NOISE_DIM, discriminator_loss, generator_loss, image_features,
                  upsample_to_image)
from .steps import apply_gradients, track, unit_images

N_CLASSES = 10
UPSAMPLINGS = ("transpose", "resize")


def resize_upsample_to_image(x, filters: int):
    """7×7 feature maps → nearest-neighbour resize to 14×14, 3 × 3 convolution, batch norm and
    ReLU → resize to 28×28 and a sigmoid 3 × 3 convolution to one channel: `upsample_to_image`
    with resize-then-convolve in place of transposed convolutions (Odena, Dumoulin & Olah
    2016), so every output pixel is made from the same pattern of inputs."""
    x = layers.UpSampling2D(2, interpolation="nearest")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.UpSampling2D(2, interpolation="nearest")(x)
    return layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="pixels")(x)


def build_conditional_generator(noise_dim: int = NOISE_DIM, n_classes: int = N_CLASSES,
                                filters=(128, 64), name: str = "cgan_generator",
                                upsampling: str = "transpose"):
    """Inputs `noise` (n, noise_dim) floats and `labels` (n,) int32 class indices → (n, 28, 28, 1)
    images in [0, 1]. Lesson 06's generator (dense → 7×7 → two `Conv2DTranspose` upsamplings →
    sigmoid) whose first batch norm is conditional: normalized units × scale[y] + shift[y].
    `upsampling="resize"` upsamples with `resize_upsample_to_image` instead."""
    check_positive_int(noise_dim, "noise_dim")
    check_positive_int(n_classes, "n_classes")
    if upsampling not in UPSAMPLINGS:
        raise ValueError(f"upsampling: got {upsampling!r}; expected one of {UPSAMPLINGS}")
    noise = keras.Input((noise_dim,), name="noise")
    labels = keras.Input((), dtype="int32", name="labels")
    units = 7 * 7 * filters[0]
    x = layers.Dense(units, use_bias=False)(noise)
    x = layers.BatchNormalization(center=False, scale=False)(x)
    scale = layers.Embedding(n_classes, units, embeddings_initializer="ones", name="class_scale")(labels)
    shift = layers.Embedding(n_classes, units, embeddings_initializer="zeros", name="class_shift")(labels)
    x = layers.Add()([layers.Multiply()([x, scale]), shift])
    x = layers.ReLU()(x)
    x = layers.Reshape((7, 7, filters[0]))(x)
    upsample = upsample_to_image if upsampling == "transpose" else resize_upsample_to_image
    return keras.Model([noise, labels], upsample(x, filters[1]), name=name)


def build_conditional_discriminator(n_classes: int = N_CLASSES, filters=(32, 64),
                                    dropout: float = 0.3, name: str = "cgan_discriminator"):
    """Inputs `image` (n, 28, 28, 1) and `labels` (n,) int32 → `[logit, class_logits]`: one logit
    per image ("a real image of this class") and the auxiliary classifier's logits (n, n_classes).
    A projection discriminator: lesson 06's features φ(x) (strided convolutions, LeakyReLU,
    dropout, flatten) feed its dense logit ψ, and the label adds embed(y)·φ(x)."""
    check_positive_int(n_classes, "n_classes")
    image = keras.Input(IMAGE_SHAPE, name="image")
    labels = keras.Input((), dtype="int32", name="labels")
    features = image_features(image, filters, dropout)
    unconditional = layers.Dense(1, name="logit")(features)
    label_code = layers.Embedding(n_classes, features.shape[-1], name="label_projection")(labels)
    projection = layers.Dot(axes=1, name="projection")([label_code, features])
    logit = layers.Add(name="conditional_logit")([unconditional, projection])
    class_logits = layers.Dense(n_classes, name="class_logits")(features)
    return keras.Model([image, labels], [logit, class_logits], name=name)


def class_loss(labels, class_logits):
    """Mean cross-entropy of the auxiliary classifier's logits against the labels."""
    return ops.mean(keras.losses.sparse_categorical_crossentropy(labels, class_logits,
                                                                 from_logits=True))


def check_class_labels(labels, n_classes: int = N_CLASSES, n=None) -> np.ndarray:
    """`labels` as int32 after checking they are a 1-D array of class indices in
    [0, n_classes) (and, given `n`, one per image): the check of every array of labels the
    model is given (`batch_labels` checks them inside a compiled step)."""
    expected = f"a 1-D array of class indices in [0, {n_classes - 1}]"
    if labels is None:
        raise ValueError(f"labels: got None; expected {expected} (to train: fit(images, labels))")
    arr = np.asarray(labels)
    if arr.ndim != 1:
        hint = (" One-hot labels? Use labels.argmax(axis=1)." if arr.ndim == 2 else
                " For one label use [label], for n copies np.full(n, label)." if arr.ndim == 0 else "")
        raise ValueError(f"labels: got shape {arr.shape}; expected {expected}.{hint}")
    if arr.size == 0:
        raise ValueError(f"labels: got none; expected {expected} with at least one label")
    arr = check_labels(arr, n_classes, name="labels")
    if n is not None and len(arr) != n:
        raise ValueError(f"labels: got {len(arr)} labels for {n} images; expected one per image")
    return arr.astype(np.int32)


def batch_labels(data, n_classes: int, owner: str):
    """The labels of a `(x, y)` batch as int32, checked to be one class index in
    [0, n_classes) per image, with a clear error inside a compiled step too: the check for
    batches that did not pass `check_class_labels`, e.g. `fit_resumable`'s `tf.data` ones."""
    expected = f"integer class indices in [0, {n_classes - 1}], one per image"
    if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
        raise ValueError(f"{owner}: got images without labels; expected fit(x, y) with y {expected}")
    x, y = ops.convert_to_tensor(data[0]), ops.convert_to_tensor(data[1])
    if y.dtype.is_floating or y.dtype.is_bool:
        raise TypeError(f"{owner}: labels of dtype {y.dtype.name}; expected {expected}")
    shape_message = (f"{owner}: labels must have shape (batch,) with {expected} (not one-hot); "
                     f"got labels of shape {y.shape}")
    range_message = f"{owner}: labels must be {expected}; got a value outside [0, {n_classes - 1}]"
    with tf.control_dependencies([  # assert_rank raises at once when the rank is known
            tf.debugging.assert_rank(y, 1, message=shape_message),
            tf.debugging.assert_equal(ops.shape(y)[0], ops.shape(x)[0], message=shape_message),
            tf.debugging.assert_greater_equal(ops.min(y), ops.cast(0, y.dtype), message=range_message),
            tf.debugging.assert_less(ops.max(y), ops.cast(n_classes, y.dtype), message=range_message)]):
        return ops.cast(tf.identity(y), "int32")


@keras.saving.register_keras_serializable(package="course_lib")
class ConditionalGAN(GAN):
    """Lesson 06's `GAN` with a label on both sides: `fit(images, labels)` takes images in [0, 1]
    and integer class indices; each batch does one discriminator update, then one generator
    update, both on the batch's labels. Calling the model on `(images, labels)` returns the
    discriminator's logits. Compiling, the two optimizers, the metrics and saving are `GAN`'s.
    `upsampling`: the generator's, "transpose" (lesson 06's) or "resize".
    """

    def __init__(self, noise_dim: int = NOISE_DIM, n_classes: int = N_CLASSES, seed: int = 0,
                 d_class_weight: float = 10.0, g_class_weight: float = 1.0,
                 upsampling: str = "transpose", **kwargs):
        # Set before GAN.__init__, which builds the networks with them.
        self.n_classes = check_positive_int(n_classes, "n_classes")
        self.upsampling = upsampling
        self.d_class_weight = check_weight(d_class_weight, "d_class_weight")
        self.g_class_weight = check_weight(g_class_weight, "g_class_weight")
        super().__init__(noise_dim, seed, **kwargs)

    def build_networks(self):
        return (build_conditional_generator(self.noise_dim, self.n_classes,
                                            upsampling=self.upsampling),
                build_conditional_discriminator(self.n_classes))

    def call(self, inputs, training=False):
        images, labels = inputs
        return self.discriminator([images, labels], training=training)

    def fit(self, x=None, y=None, *args, **kwargs):
        """`GAN.fit` with labels: for an array `x` of images, the labels `y` are checked first,
        so missing or bad labels raise a `ValueError` before any training."""
        if isinstance(x, np.ndarray):
            y = check_class_labels(y, self.n_classes, n=len(x))
        return super().fit(x, y, *args, **kwargs)

    def discriminator_step(self, real, labels):
        """One update of the discriminator only; returns (loss, mean D(x, y), mean D(G(z, y), y)).
        The loss adds the auxiliary classifier's cross-entropy on the real images."""
        fake = self.generator([self.sample_noise(ops.shape(real)[0]), labels], training=True)
        with tf.GradientTape() as tape:
            real_logits, real_classes = self.discriminator([real, labels], training=True)
            fake_logits, _ = self.discriminator([fake, labels], training=True)
            loss = (discriminator_loss(real_logits, fake_logits, self.label_smoothing)
                    + self.d_class_weight * class_loss(labels, real_classes))
        apply_gradients(self.d_optimizer, tape, loss, self.discriminator.trainable_weights)
        return loss, ops.mean(ops.sigmoid(real_logits)), ops.mean(ops.sigmoid(fake_logits))

    def generator_step(self, labels):
        """One update of the generator only, making one image of each class in `labels`: fool
        D and be classified as the requested class by D's auxiliary classifier; returns its loss."""
        noise = self.sample_noise(ops.shape(labels)[0])
        with tf.GradientTape() as tape:
            fake = self.generator([noise, labels], training=True)
            fake_logits, fake_classes = self.discriminator([fake, labels], training=True)
            loss = (generator_loss(fake_logits)
                    + self.g_class_weight * class_loss(labels, fake_classes))
        apply_gradients(self.g_optimizer, tape, loss, self.generator.trainable_weights)
        return loss

    def train_step(self, data):
        real = unit_images(data, self.name)
        labels = batch_labels(data, self.n_classes, self.name)
        d_loss, d_real, d_fake = self.discriminator_step(real, labels)
        g_loss = self.generator_step(labels)
        return track(self.metrics, {"d_loss": d_loss, "g_loss": g_loss,
                                    "d_real": d_real, "d_fake": d_fake})

    def generate(self, labels, seed: int = 0, batch_size: int = 512) -> np.ndarray:
        """One image in [0, 1] per requested label, from noise seeded by `seed`. Image i's noise
        depends only on (seed, i), so the same seed with other labels keeps each image's style."""
        labels = check_class_labels(labels, self.n_classes)
        noise = keras.random.normal((len(labels), self.noise_dim), seed=int(seed))
        return self.generate_with_noise(noise, labels, batch_size)

    def generate_with_noise(self, noise, labels, batch_size: int = 512) -> np.ndarray:
        """Images for given noise rows (n, noise_dim) and labels (n,): e.g. one noise repeated
        with labels 0-9 draws the same style as ten different classes."""
        noise = np.asarray(noise, dtype=np.float32)
        if noise.ndim != 2 or noise.shape[1] != self.noise_dim or not np.all(np.isfinite(noise)):
            raise ValueError(f"noise: got shape {noise.shape}; expected finite values of shape "
                             f"(n, {self.noise_dim})")
        labels = check_class_labels(labels, self.n_classes, n=len(noise))
        return self.generator.predict({"noise": noise, "labels": labels}, batch_size=batch_size,
                                      verbose=0)

    def generate_grid(self, n_per_class: int, seed: int = 0) -> np.ndarray:
        """`n_classes` × `n_per_class` images in rows of one class each (class 0 first); column j
        uses the same noise in every row, so a row shows one class and a column one style."""
        n_per_class = check_positive_int(n_per_class, "n_per_class")
        noise = keras.random.normal((n_per_class, self.noise_dim), seed=int(seed))
        return self.generate_with_noise(np.tile(np.asarray(noise), (self.n_classes, 1)),
                                        np.repeat(np.arange(self.n_classes), n_per_class))

    def discriminate(self, images, labels, batch_size: int = 512) -> np.ndarray:
        """D's probability that each image is a real image of its label, for images in [0, 1]."""
        images = check_images(images)
        labels = check_class_labels(labels, self.n_classes, n=len(images))
        logits, _ = self.discriminator.predict({"image": images, "labels": labels},
                                               batch_size=batch_size, verbose=0)
        return np.asarray(ops.sigmoid(logits)).ravel()

    def get_config(self):
        return {**super().get_config(), "n_classes": self.n_classes,
                "d_class_weight": self.d_class_weight, "g_class_weight": self.g_class_weight,
                "upsampling": self.upsampling}
