"""The classical baselines: PCA against a direct SVD, filters against the noise they remove,
logistic regression tuned on GaussianClassifier's validation split."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from course_lib import baselines, metrics
from course_lib.models.classifiers import GaussianClassifier, stratified_split


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



def blobs(n_per_class=60, seed=0):
    """Three overlapping Gaussian classes in 20 dimensions, so C matters."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(3, 20))
    labels = np.repeat(np.arange(3), n_per_class)
    return centers[labels] + 1.5 * rng.normal(size=(len(labels), 20)), labels


def test_tuned_logistic_regression_picks_the_best_c_on_the_gaussians_split():
    flat, labels = blobs()
    grid = (1e-3, 0.1, 10.0)
    model, scores, unconverged = baselines.tuned_logistic_regression(flat, labels, grid,
                                                                     n_search=1000, max_iter=500)
    assert list(scores) == list(grid) and len(set(scores.values())) > 1
    assert model.C == max(scores, key=scores.get)
    assert unconverged == 0 and model.n_iter_.max() < 500
    np.testing.assert_array_equal(model.coef_, LogisticRegression(C=model.C, max_iter=500)
                                  .fit(flat, labels).coef_)  # refitted on all the data
    # n_search covers the whole training part: each score is a fit on it, judged on the
    # validation part that GaussianClassifier's defaults give
    defaults = GaussianClassifier()
    train, val = stratified_split(labels, 3, defaults.validation_fraction, defaults.seed)
    assert scores[0.1] == LogisticRegression(C=0.1, max_iter=500).fit(
        flat[train], labels[train]).score(flat[val], labels[val])


def test_tuned_logistic_regression_counts_fits_stopped_unconverged():
    flat, labels = blobs()
    _, _, unconverged = baselines.tuned_logistic_regression(flat, labels, (0.1, 1.0),
                                                            n_search=50, max_iter=1)
    assert unconverged == 3  # two searches and the refit


@pytest.mark.parametrize("flat, labels, message", [
    (np.zeros((9, 2, 2)), np.repeat(np.arange(3), 3), r"flat: got shape \(9, 2, 2\)"),
    (np.zeros((9, 4)), np.repeat(np.arange(3), 4), "9 examples but labels has 12"),
    (np.zeros((9, 4)), [0, 0, 0, 1, 1, 1, 2, 2, -1], "class indices"),
    (np.zeros((8, 4)), [0, 0, 0, 1, 1, 1, 2, 2], r"classes \[2\] have fewer than 3"),
])
def test_tuned_logistic_regression_rejects_bad_data(flat, labels, message):
    with pytest.raises(ValueError, match=message):
        baselines.tuned_logistic_regression(flat, labels, (0.1,), n_search=10, max_iter=10)

@pytest.mark.parametrize("call, message", [
    (lambda: baselines.pca_reconstruct(images(5), images(2), 0), "k must be"),
    (lambda: baselines.classical_denoise(images(1), "bilateral", 3), "method"),
    (lambda: baselines.tuned_logistic_regression(*blobs(), (), 10, 10), "c_grid"),
    (lambda: baselines.tuned_logistic_regression(*blobs(), (0.1, -1.0), 10, 10), "c_grid"),
    (lambda: baselines.tuned_logistic_regression(*blobs(), (0.1,), 0, 10), "n_search must be"),
])
def test_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
