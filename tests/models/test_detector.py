"""Lesson 07's fake detector model: one logit per image, P(fake) for images in [0, 1], and the
cue statistics (its training is a recipe: `tests/recipes/test_gan_applications.py`)."""

import numpy as np
import pytest

from course_lib.models.detector import build_fake_detector, cue_statistics, fake_scores


def blobs(n, seed=0):
    """Smooth noise blobs in [0, 1] with mean brightness 0.1."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((n, 7, 7, 1)).astype(np.float32)
    x = np.repeat(np.repeat(coarse, 4, axis=1), 4, axis=2)
    return x * 0.1 / x.mean()


def test_builder_gives_one_logit_per_image():
    assert build_fake_detector()(blobs(3)).shape == (3, 1)
    assert build_fake_detector(((4, 2), (8, 1)))(blobs(2)).shape == (2, 1)
    with pytest.raises(ValueError, match="stride"):
        build_fake_detector(((4, 0),))


def test_cue_statistics_of_known_images():
    x = np.zeros((2, 28, 28, 1), np.float32)
    x[:, :, :14] = 1.0  # left half white: ink 0.5, no grey, one edge per row
    cues = cue_statistics(x)
    assert cues["ink"] == pytest.approx(0.5) and cues["grey_share"] == 0.0
    assert cues["high_freq"] == pytest.approx(0.5 * (1 / 27 + 0.0))  # one jump of 1 in 27 pairs
    assert cue_statistics(x * 0.5)["grey_share"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"expected values in \[0, 1\]"):
        cue_statistics(x * 3)


def test_scores_are_probabilities_and_bad_images_are_named():
    scores = fake_scores(build_fake_detector(), blobs(4))
    assert scores.shape == (4,) and np.all((0 <= scores) & (scores <= 1))
    with pytest.raises(ValueError, match=r"expected values in \[0, 1\]"):
        fake_scores(build_fake_detector(), blobs(2) * 30)


def test_grid_pattern_sees_what_is_locked_to_the_pixel_grid():
    from course_lib.models.detector import grid_pattern

    rows, cols = np.indices((28, 28))
    board = ((rows + cols) % 2).astype(np.float32)[None, :, :, None]  # a checkerboard of 0 and 1
    assert grid_pattern(np.repeat(board, 4, axis=0)) == pytest.approx(0.5)
    assert grid_pattern(np.concatenate([board, 1 - board])) == pytest.approx(0.0, abs=1e-12)
    assert grid_pattern(np.full((2, 28, 28, 1), 0.3, np.float32)) == pytest.approx(0.0, abs=1e-12)
