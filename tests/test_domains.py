"""Lesson 07's domains: the style-B transform (deterministic, in range, thicker, slanted) and
the unpaired split of the training set."""

import numpy as np
import pytest

from course_lib.domains import to_style_b, unpaired_domains


def strokes(n=8, seed=0):
    """Upright bars of varying position and length: simple digit-like images."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28, 1), np.float32)
    for image, col, top in zip(x, rng.integers(10, 18, n), rng.integers(3, 8, n)):
        image[top:28 - top, col:col + 2, 0] = 1.0
        image[top:top + 2, col - 3:col + 5, 0] = 0.8  # a bar centred on the stem
    return x


def slant(images) -> np.ndarray:
    """Correlation of row and column coordinates under each image's ink: the slant."""
    w = images[..., 0].astype(np.float64)
    r, c = np.mgrid[:28, :28]
    mass = w.sum((1, 2))
    mr, mc = (w * r).sum((1, 2)) / mass, (w * c).sum((1, 2)) / mass
    dr, dc = r - mr[:, None, None], c - mc[:, None, None]
    cov = (w * dr * dc).sum((1, 2))
    return cov / np.sqrt((w * dr ** 2).sum((1, 2)) * (w * dc ** 2).sum((1, 2)))


def test_style_b_is_deterministic_in_range_and_keeps_the_shape():
    x = strokes()
    b = to_style_b(x)
    assert b.shape == x.shape and b.dtype == np.float32
    assert b.min() >= 0.0 and b.max() <= 1.0
    np.testing.assert_array_equal(b, to_style_b(x))
    np.testing.assert_array_equal(to_style_b(x[:3]), b[:3])  # each image on its own
    np.testing.assert_array_equal(to_style_b(np.zeros((2, 28, 28, 1))), 0.0)


def test_style_b_thickens_and_slants():
    x = strokes()
    b = to_style_b(x)
    ink_a, ink_b = x.sum((1, 2, 3)), b.sum((1, 2, 3))
    assert np.all(ink_b > 1.8 * ink_a)  # a 3 × 3 dilation widens 2-pixel strokes to 4
    assert np.all(np.abs(slant(x)) < 0.05)  # upright bars
    assert np.all(slant(b) > 0.3)  # the top leans left: rows and columns now correlate


def test_unpaired_domains_split_the_training_set_in_two_disjoint_halves():
    x = strokes(10)
    y = np.arange(10)
    domains = unpaired_domains(x, y)
    np.testing.assert_array_equal(domains["x_a"], x[:5])
    np.testing.assert_array_equal(domains["x_b"], to_style_b(x[5:]))
    np.testing.assert_array_equal(domains["y_a"], y[:5])
    np.testing.assert_array_equal(domains["y_b"], y[5:])
    assert not set(domains["y_a"]) & set(domains["y_b"])  # each label is an image index here


def test_clear_errors_for_bad_images_and_labels():
    with pytest.raises(ValueError, match=r"uint8 images .* x.astype\('float32'\) / 255"):
        to_style_b((strokes(2) * 255).astype(np.uint8))
    with pytest.raises(ValueError, match=r"expected values in \[0, 1\]"):
        to_style_b(strokes(2) * 2)
    with pytest.raises(ValueError, match="channel axis is missing"):
        to_style_b(strokes(2)[..., 0])
    with pytest.raises(ValueError, match="one label per image"):
        unpaired_domains(strokes(4), np.arange(3))
    with pytest.raises(ValueError, match="at least 2"):
        unpaired_domains(strokes(1), np.arange(1))
