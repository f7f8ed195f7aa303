"""Lesson 07's fake detector: a small CNN that tells real digits from generated ones.

It outputs one logit per image, trained (by `recipes.train_fake_detector`) on a balanced,
shuffled set of real (label 0) and generated (label 1) images; `fake_scores` turns it into
P(fake). Its quality is the AUROC (`metrics.auroc`) on held-out images, first against the
generator it was trained on, then against another one.
"""

import keras
import numpy as np
from keras import layers, ops

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


def fake_scores(detector, images, batch_size: int = 512) -> np.ndarray:
    """P(fake) for each image in [0, 1], shape (n,)."""
    logits = detector.predict(check_images(images), batch_size=batch_size, verbose=0)
    return np.asarray(ops.sigmoid(logits), dtype=np.float32).ravel()
