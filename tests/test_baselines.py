"""The classical baselines: PCA against a direct SVD, filters against the noise they remove."""

import numpy as np
import pytest

from course_lib import baselines, metrics


def images(n=6, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def low_rank_images(n, seed):
    """Images near a 6-D subspace, so the top principal directions are well separated."""
    rng = np.random.default_rng(seed)
    basis = np.random.default_rng(99).random((6, 784)) * np.arange(6, 0, -1)[:, None]
    flat = rng.random((n, 6)) @ basis / 25 + 0.01 * rng.random((n, 784))
    return flat.reshape(n, 28, 28, 1).astype(np.float32)


def test_pca_reconstruct_matches_numpy_svd():
    train, test = low_rank_images(60, 0), low_rank_images(10, 1)
    flat = train.reshape(60, -1)
    mean = flat.mean(0)
    _, _, vt = np.linalg.svd(flat - mean, full_matrices=False)
    expected = ((test.reshape(10, -1) - mean) @ vt[:5].T @ vt[:5] + mean).reshape(test.shape)
    np.testing.assert_allclose(baselines.pca_reconstruct(train, test, 5), expected, atol=1e-4)


def test_pca_error_falls_with_k():
    train, test = images(80), images(20, seed=1)
    errors = [metrics.mse_per_pixel(test, np.clip(baselines.pca_reconstruct(train, test, k), 0, 1))
              for k in (1, 8, 40)]
    assert errors[0] > errors[1] > errors[2]


def test_classical_denoise_helps_and_best_setting_is_reported():
    clean = np.zeros((10, 28, 28, 1), np.float32)
    clean[:, 8:20, 8:20] = 1.0
    noisy = np.clip(clean + 0.4 * np.random.default_rng(0).standard_normal(clean.shape), 0, 1)
    noisy = noisy.astype(np.float32)
    method, size, score = baselines.best_classical_denoiser(noisy, clean)
    assert (method, size) in [("gaussian", 0.5), ("gaussian", 0.75), ("gaussian", 1.0),
                              ("gaussian", 1.5), ("median", 3), ("median", 5)]
    assert score == pytest.approx(metrics.psnr(clean, baselines.classical_denoise(noisy, method, size)))
    assert score > metrics.psnr(clean, noisy) + 3


@pytest.mark.parametrize("call, message", [
    (lambda: baselines.pca_reconstruct(images(5), images(2), 0), "k must be"),
    (lambda: baselines.classical_denoise(images(1), "bilateral", 3), "method"),
])
def test_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
