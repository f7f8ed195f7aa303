"""Lesson 07's fake detector: shapes, the balanced training set, and that it learns an easy
real-versus-fake split (strokes against noise blobs)."""

import numpy as np
import pytest

from course_lib.metrics import auroc
from course_lib.models.detector import (build_fake_detector, detector_data, fake_scores,
                                        train_fake_detector)


def strokes(n, seed=0):
    """'Real' images: one bright bar each, at random places."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28, 1), np.float32)
    for image, r, c in zip(x, rng.integers(4, 12, n), rng.integers(6, 20, n)):
        image[r:r + 14, c:c + 3, 0] = 1.0
    return x


def blobs(n, seed=0):
    """'Fake' images: smooth noise blobs with the same mean brightness as the strokes."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((n, 7, 7, 1)).astype(np.float32)
    x = np.repeat(np.repeat(coarse, 4, axis=1), 4, axis=2)
    return x * (strokes(1).mean() / x.mean())


def test_builder_gives_one_logit_per_image():
    assert build_fake_detector()(strokes(3)).shape == (3, 1)


def test_detector_data_is_balanced_shuffled_and_labelled():
    real, fake = strokes(10), blobs(4)
    x, y = detector_data(real, fake, seed=1)
    assert x.shape == (8, 28, 28, 1) and y.tolist().count(1.0) == y.tolist().count(0.0) == 4
    assert y.tolist() != sorted(y.tolist())  # shuffled
    for image, label in zip(x, y):  # each image keeps its own label
        assert (label == 1.0) == any(np.array_equal(image, f) for f in fake)
    np.testing.assert_array_equal(x, detector_data(real, fake, seed=1)[0])


def test_detector_learns_an_easy_split(tmp_path):
    detector = train_fake_detector(strokes(512), blobs(512), epochs=4,
                                   workdir=tmp_path / "detector")
    real_scores, fake = fake_scores(detector, strokes(200, seed=1)), \
        fake_scores(detector, blobs(200, seed=1))
    assert real_scores.shape == (200,) and 0 <= real_scores.min() and fake.max() <= 1
    assert auroc(fake, real_scores) > 0.9
    assert (tmp_path / "detector" / "state.json").exists()


def test_bad_images():
    with pytest.raises(ValueError, match="real: got uint8 images"):
        detector_data((strokes(2) * 255).astype(np.uint8), blobs(2))
    with pytest.raises(ValueError, match=r"expected values in \[0, 1\]"):
        fake_scores(build_fake_detector(), blobs(2) * 30)
