"""Metrics against direct NumPy computations, on constructed cases, and on bad inputs."""

import numpy as np
import pytest

from course_lib import latent, metrics


def images(n=6, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def test_mse_matches_numpy():
    a, b = images(), images(seed=1)
    assert metrics.mse_per_pixel(a, b) == pytest.approx(float(((a - b) ** 2).mean()), rel=1e-6)
    np.testing.assert_allclose(metrics.mse_per_image(a, b), ((a - b) ** 2).mean(axis=(1, 2, 3)),
                               rtol=1e-6)


def test_psnr_matches_formula_and_caps_identical_images():
    a = images()
    b = np.clip(a + 0.05, 0, 1)
    per_image = 10 * np.log10(1.0 / ((a - b) ** 2).mean(axis=(1, 2, 3)))
    assert metrics.psnr(a, b) == pytest.approx(per_image.mean(), rel=1e-5)
    assert metrics.psnr(a, a) == metrics.PSNR_CAP_DB == 100.0


def test_compression_ratio():
    assert metrics.compression_ratio(2) == 98.0
    assert metrics.compression_ratio(64) == pytest.approx(784 / 256)
    assert metrics.compression_ratio(8, bytes_per_number=1) == 98.0


def smooth_grid(n=8):
    """Decodings that move a bright square steadily across the image as the grid point moves."""
    grid = np.zeros((n, n, 28, 28, 1), np.float32)
    for r in range(n):
        for c in range(n):
            grid[r, c, 2 * r:2 * r + 12, 2 * c:2 * c + 12] = 1.0
    return grid


def noise_grid(n=8):
    return np.random.default_rng(0).random((n, n, 28, 28, 1)).astype(np.float32)


def test_smooth_decoder_is_more_continuous_than_noise():
    smooth, noise = metrics.continuity(smooth_grid()), metrics.continuity(noise_grid())
    assert smooth < 0.6 < noise
    assert noise == pytest.approx(1.0, abs=0.05)


class BrightJudge:
    """A stand-in digit judge: accepts the images whose mean pixel value is above 0.5."""

    def completeness(self, images):
        return float(np.mean(np.asarray(images).mean(axis=(1, 2, 3)) > 0.5))


def test_grid_scores_of_a_decoded_latent_grid_match_the_parts():
    codes = np.random.default_rng(0).normal(size=(200, 2))
    points, extent = latent.latent_grid(codes, n=4)
    decode = lambda z: np.clip(np.repeat(z[:, :1], 784, axis=1) / 10 + 0.5, 0, 1).reshape(-1, 28, 28, 1)
    grid, same_extent = latent.decode_latent_grid(codes, decode, n=4)
    assert grid.shape == (4, 4, 28, 28, 1) and same_extent == extent
    np.testing.assert_array_equal(grid.reshape(-1, 28, 28, 1), decode(points))
    judge = BrightJudge()
    assert metrics.grid_scores(grid, judge) == (
        judge.completeness(decode(points)), metrics.continuity(grid))
    assert metrics.grid_scores(grid, judge)[0] == 0.5  # the right half of the grid is bright


def test_mse_per_image_scores_anomalies_higher_and_auroc():
    a = images(20)
    close, far = np.clip(a + 0.01, 0, 1), np.clip(a[::-1] * 0.2, 0, 1)
    normal, odd = metrics.mse_per_image(a, close), metrics.mse_per_image(a, far)
    assert metrics.auroc(odd, normal) == 1.0
    assert metrics.auroc(normal, odd) == 0.0


@pytest.mark.parametrize("fn", [metrics.mse_per_pixel, metrics.psnr, metrics.mse_per_image])
def test_pairwise_metrics_reject_bad_inputs(fn):
    good = images(2)
    with pytest.raises(ValueError, match="uint8"):
        fn((good * 255).astype(np.uint8), good)
    with pytest.raises(ValueError, match="shape"):
        fn(good[..., 0], good[..., 0])
    with pytest.raises(ValueError, match="shapes differ"):
        fn(good, images(3))


@pytest.mark.parametrize("call, message", [
    (lambda: metrics.compression_ratio(0), "k must be"),
    (lambda: metrics.continuity(np.zeros((1, 5, 28, 28, 1))), "at least 2 rows"),
    (lambda: metrics.continuity(np.zeros((25, 28, 28, 1))), "rows, cols"),
    (lambda: metrics.grid_scores(np.zeros((16, 28, 28, 1)), BrightJudge()), "rows, cols"),
    (lambda: metrics.auroc([], [1.0]), "non-empty"),
])
def test_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_precision_recall_separates_quality_from_coverage():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(600, 4))
    same = rng.normal(size=(600, 4))
    one_corner = real[real[:, 0] > 1.0] + rng.normal(scale=0.01, size=(int((real[:, 0] > 1.0).sum()), 4))
    far_away = rng.normal(size=(600, 4)) + 20.0
    both = metrics.precision_recall(real, same)
    assert both.precision > 0.85 and both.recall > 0.85
    dropped = metrics.precision_recall(real, one_corner)  # good samples of one region only
    assert dropped.precision > 0.95 and dropped.recall < 0.35
    assert metrics.precision_recall(real, far_away) == metrics.PrecisionRecall(0.0, 0.0)


def test_precision_recall_counts_a_point_inside_its_neighbours_ball():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])  # each point's 1st neighbour is 1 away
    fake = np.array([[0.5], [1.5], [10.0], [11.0]])  # the last two: 1 apart, far from the real
    result = metrics.precision_recall(real, fake, k=1)
    assert result.precision == 0.5  # 0.5 and 1.5 lie within 1 of a real point
    assert result.recall == 0.75  # fake balls of radius 1 around 0.5 and 1.5 cover 0, 1 and 2


@pytest.mark.parametrize("real, fake, k, message", [
    (np.zeros((5, 3)), np.zeros((5, 2)), 3, "expected \\(n, d\\) and \\(m, d\\)"),
    (np.zeros((3, 2)), np.zeros((9, 2)), 3, "needs more than k rows"),
    (np.full((9, 2), np.nan), np.zeros((9, 2)), 3, "NaN"),
])
def test_precision_recall_refuses_bad_features(real, fake, k, message):
    with pytest.raises(ValueError, match=message):
        metrics.precision_recall(real, fake, k=k)


def test_nearest_rows_finds_each_points_nearest_reference_row():
    reference = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 5.0]])
    index, distance = metrics.nearest_rows(np.array([[9.0, 0.0], [1.0, 4.0], [0.0, 0.0]]), reference,
                                           batch_size=2)
    np.testing.assert_array_equal(index, [1, 2, 0])
    np.testing.assert_allclose(distance, [1.0, np.sqrt(2.0), 0.0])


def test_closer_than_real_is_a_half_for_real_like_distances_and_one_for_copies():
    real = np.linspace(3, 5, 1001)  # median 4
    assert metrics.closer_than_real(np.random.default_rng(1).uniform(3, 5, 5000), real) == \
        pytest.approx(0.5, abs=0.03)
    assert metrics.closer_than_real(np.zeros(10), real) == 1.0  # exact copies
    with pytest.raises(ValueError, match="non-empty"):
        metrics.closer_than_real([], real)
