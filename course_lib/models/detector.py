"""Lesson 07's fake detector: a small CNN that tells real digits from generated ones.

It is trained on a balanced, shuffled set of real (label 0) and generated (label 1) images
and outputs one logit; `fake_scores` turns it into P(fake). Its quality is the AUROC
(`metrics.auroc`) on held-out images, first against the generator it was trained on, then
against another one.
"""

import keras
import numpy as np
from keras import layers, ops

from ..config import seed_everything
from ..training import fit_optionally_resumable
from ..validation import IMAGE_SHAPE, check_images, check_positive_int


def build_fake_detector(filters=(16, 32), name: str = "fake_detector") -> keras.Model:
    """Images (n, 28, 28, 1) → stride-2 convolutions with ReLU (28 → 14 → 7) → global
    average pooling → one logit (positive: "generated")."""
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = inputs
    for n_filters in filters:
        x = layers.Conv2D(check_positive_int(n_filters, "filters"), 3, strides=2,
                          padding="same", activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(1, name="fake_logit")(x), name=name)


def detector_data(real, fake, seed: int = 0):
    """A balanced, shuffled training set: as many real as fake images (a seeded random
    subset of the larger set), labels 0 = real and 1 = fake. Returns (images, labels)."""
    real, fake = check_images(real, "real"), check_images(fake, "fake")
    rng = np.random.default_rng(seed)
    n = min(len(real), len(fake))
    real, fake = real[rng.permutation(len(real))[:n]], fake[rng.permutation(len(fake))[:n]]
    order = rng.permutation(2 * n)
    labels = np.concatenate([np.zeros(n, np.float32), np.ones(n, np.float32)])
    return np.concatenate([real, fake])[order], labels[order]


def train_fake_detector(real, fake, epochs: int, seed: int = 0, workdir=None,
                        batch_size: int = 128, learning_rate: float = 1e-3,
                        verbose=0) -> keras.Model:
    """Build and train `build_fake_detector()` on `detector_data(real, fake, seed)` with
    binary cross-entropy on its logit (Adam). With `workdir` the run goes through
    `fit_resumable` (checkpointed every epoch, reloaded when finished)."""
    epochs = check_positive_int(epochs, "epochs")
    x, y = detector_data(real, fake, seed)
    seed_everything(seed)
    detector = build_fake_detector()
    detector.compile(optimizer=keras.optimizers.Adam(learning_rate),
                     loss=keras.losses.BinaryCrossentropy(from_logits=True),
                     metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
    fit_optionally_resumable(detector, x, y, epochs=epochs, batch_size=batch_size, seed=seed,
                             workdir=workdir, verbose=verbose)
    return detector


def fake_scores(detector, images, batch_size: int = 512) -> np.ndarray:
    """P(fake) for each image in [0, 1], shape (n,)."""
    logits = detector.predict(check_images(images), batch_size=batch_size, verbose=0)
    return np.asarray(ops.sigmoid(logits), dtype=np.float32).ravel()
