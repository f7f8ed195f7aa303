"""The points lessons 04 and 05 probe a latent space at: grids, Gaussian draws, paths."""

import numpy as np
import pytest

from course_lib import latent


def test_latent_grid_order_and_extent():
    codes = np.random.default_rng(0).uniform(-1, 1, (500, 2))
    points, extent = latent.latent_grid(codes, n=4, quantile=0.0)
    assert points.shape == (16, 2)
    assert points[0, 0] == pytest.approx(extent[0]) and points[0, 1] == pytest.approx(extent[3])
    assert points[-1, 0] == pytest.approx(extent[1]) and points[-1, 1] == pytest.approx(extent[2])


def test_gaussian_draws_follow_the_codes_mean_and_covariance():
    codes = np.random.default_rng(1).multivariate_normal([1.0, -2.0], [[2.0, 0.6], [0.6, 0.5]], 5000)
    draws = latent.gaussian_draws(codes, 20000, seed=0)
    assert draws.shape == (20000, 2) and draws.dtype == np.float32
    np.testing.assert_allclose(draws.mean(0), codes.mean(0), atol=0.05)
    np.testing.assert_allclose(np.cov(draws, rowvar=False), np.cov(codes, rowvar=False), atol=0.08)
    np.testing.assert_array_equal(draws, latent.gaussian_draws(codes, 20000, seed=0))


def test_path_codes_lie_strictly_between_the_ends():
    start, end = np.zeros((3, 2)), np.array([[8.0, 0.0], [0.0, 8.0], [8.0, 8.0]])
    frames = latent.path_codes(start, end, n_frames=3).reshape(3, 3, 2)
    np.testing.assert_allclose(frames[1], end * 0.5)
    np.testing.assert_allclose(frames[0], end * 0.25)
    np.testing.assert_allclose(frames[2], end * 0.75)
    with pytest.raises(ValueError, match="two equal"):
        latent.path_codes(start, end[:2])


def test_a_grid_needs_two_dimensional_codes():
    with pytest.raises(ValueError, match="expected \\(n, 2\\)"):
        latent.latent_grid(np.zeros((10, 3)))
