"""Lesson 07's fake detector: a small CNN that tells real digits from generated ones.

It outputs one logit per image, trained (by `recipes.train_fake_detector`) on a balanced,
shuffled set of real (label 0) and generated (label 1) images; `fake_scores` turns it into
P(fake). Its quality is the AUROC (`metrics.auroc`) on held-out images, first against the
generator it was trained on, then against others. `cue_statistics` gives three simple
properties of a set of images, to find what a detector may be reading; `grid_pattern` the
2-pixel pattern that transposed convolutions leave (checkerboard artefacts).
"""

import keras
import numpy as np
from keras import layers, ops

from ..validation import IMAGE_SHAPE, check_images, check_positive_int

DETECTOR_LAYERS = ((32, 2), (64, 2), (128, 1))  # (filters, stride): 28 → 14 → 7 → 7


def build_fake_detector(layer_specs=DETECTOR_LAYERS, name: str = "fake_detector") -> keras.Model:
    """Images (n, 28, 28, 1) → 3 × 3 convolutions with ReLU, one per (filters, stride) of
    `layer_specs` → global average pooling → one logit (positive: "generated")."""
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = inputs
    for n_filters, stride in layer_specs:
        x = layers.Conv2D(check_positive_int(n_filters, "filters"), 3,
                          strides=check_positive_int(stride, "stride"), padding="same",
                          activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(1, name="fake_logit")(x), name=name)


def fake_scores(detector, images, batch_size: int = 512) -> np.ndarray:
    """P(fake) for each image in [0, 1], shape (n,)."""
    logits = detector.predict(check_images(images), batch_size=batch_size, verbose=0)
    return np.asarray(ops.sigmoid(logits), dtype=np.float32).ravel()


def cue_statistics(images) -> dict:
    """Means over a set of images in [0, 1]: `ink` (mean pixel value: how much is drawn),
    `grey_share` (share of pixels strictly between 0.1 and 0.9: soft, unsure pixels) and
    `high_freq` (mean squared difference between neighbouring pixels, across and down:
    the energy of sharp edges and of pixel-level texture)."""
    x = check_images(images)[..., 0].astype(np.float64)
    across, down = np.diff(x, axis=2), np.diff(x, axis=1)
    return {"ink": float(x.mean()), "grey_share": float(np.mean((x > 0.1) & (x < 0.9))),
            "high_freq": float(0.5 * (np.mean(across ** 2) + np.mean(down ** 2)))}


def grid_pattern(images) -> float:
    """Amplitude of the 2-pixel patterns locked to the pixel grid: each image's mean against the
    ±1 patterns that alternate by row, by column and both, averaged over the images first (so
    texture that falls anywhere cancels, and what every image shares at the same pixels
    remains), then the length of those three averages. Near 0 for real photos or digits; a
    generator whose upsampling leaves a checkerboard scores higher."""
    x = check_images(images)[..., 0].astype(np.float64)
    rows = (-1.0) ** np.arange(x.shape[1])[:, None]
    cols = (-1.0) ** np.arange(x.shape[2])[None, :]
    means = [np.mean(x * pattern) for pattern in (rows, cols, rows * cols)]
    return float(np.sqrt(np.sum(np.square(means))))
