"""Lesson 07's two unpaired image domains, made offline from MNIST.

Domain A holds the digits as they are. Domain B holds other digits in another style, made by
a fixed transform the models never see: strokes thickened by a grey dilation (3 × 3), then
slanted backwards by a horizontal shear around the image centre. Because we made B ourselves,
the true B version of every A digit is known, which lets lesson 07 measure a translation
pixel by pixel (real unpaired problems, such as horse → zebra, have no such answer).
"""

import numpy as np
from scipy import ndimage

from .validation import check_images

DILATION = 3  # side of the square footprint that thickens the strokes
SHEAR = 0.3   # columns shifted per row away from the centre row: the slant
CENTRE = (28 - 1) / 2


def to_style_b(images) -> np.ndarray:
    """The domain-B version of each image in [0, 1] (shape (n, 28, 28, 1)): thicker strokes
    and a backward slant, values clipped to [0, 1], float32, same shape. Deterministic."""
    x = check_images(images)[..., 0]
    thick = ndimage.grey_dilation(x, footprint=np.ones((1, DILATION, DILATION), bool))
    # Output pixel (row r, column c) reads the input at column c − SHEAR·(r − centre): ink
    # below the centre row moves right and ink above it moves left, so the digit leans back.
    matrix = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, -SHEAR, 1.0]])
    offset = np.array([0.0, 0.0, SHEAR * CENTRE])
    slanted = ndimage.affine_transform(thick, matrix, offset=offset, order=1, mode="constant")
    return np.clip(slanted, 0.0, 1.0).astype(np.float32)[..., None]


def unpaired_domains(x_train, y_train) -> dict:
    """Split a training set in two halves that share no image: A = the first half as it is,
    B = `to_style_b` of the second half (MNIST train 0–29,999 and 30,000–59,999).

    Returns {"x_a", "y_a", "x_b", "y_b"}. No digit appears in both domains, so a model
    trained on them never sees a pair (A image, its B version).
    """
    x = check_images(x_train, "x_train")
    y = np.asarray(y_train)
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"y_train: got shape {y.shape}; expected one label per image ({len(x)},)")
    if len(x) < 2:
        raise ValueError(f"x_train: got {len(x)} image; expected at least 2 to split in two halves")
    half = len(x) // 2
    return {"x_a": x[:half], "y_a": y[:half],
            "x_b": to_style_b(x[half:2 * half]), "y_b": y[half:2 * half]}
