"""The classical methods the lessons measure their models against: PCA for compression,
Gaussian or median filters for denoising, and tuned logistic regression for classification."""

import warnings

import numpy as np

from .metrics import psnr
from .models.classifiers import GaussianClassifier, stratified_split
from .validation import check_images, check_labels, check_positive_int


def pca_reconstruct(x_train, x_test, k: int, seed: int = 0) -> np.ndarray:
    """Fit PCA with `k` components on `x_train`; return the projection of `x_test` mapped back."""
    from sklearn.decomposition import PCA

    k = check_positive_int(k, "k")
    x_train, x_test = check_images(x_train, "x_train"), check_images(x_test, "x_test")
    pca = PCA(n_components=k, random_state=seed).fit(x_train.reshape(len(x_train), -1))
    codes = pca.transform(x_test.reshape(len(x_test), -1))
    return pca.inverse_transform(codes).reshape(x_test.shape).astype(np.float32)


CLASSICAL_FILTERS = ("gaussian", "median")


def classical_denoise(x, method: str, size: float) -> np.ndarray:
    """Filter each image: `gaussian` blur with standard deviation `size` pixels, or a `median`
    filter over a `size`×`size` window (the classical baselines of lesson 03)."""
    from scipy import ndimage

    x = check_images(x, "x")
    if method == "gaussian":
        out = ndimage.gaussian_filter(x, sigma=(0, size, size, 0))
    elif method == "median":
        out = ndimage.median_filter(x, size=(1, int(size), int(size), 1))
    else:
        raise ValueError(f"method must be one of {CLASSICAL_FILTERS}, got {method!r}")
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def best_classical_denoiser(noisy, clean,
                            settings=(("gaussian", 0.5), ("gaussian", 0.75), ("gaussian", 1.0),
                                      ("gaussian", 1.5), ("median", 3), ("median", 5))):
    """Try each (method, size) on `noisy` images and return `(method, size, psnr_db)` of the
    one that best restores `clean` (tune on training images, then apply to test images)."""
    scores = [(method, size, psnr(clean, classical_denoise(noisy, method, size)))
              for method, size in settings]
    return max(scores, key=lambda item: item[2])


def tuned_logistic_regression(flat, labels, c_grid, n_search: int, max_iter: int, seed: int = 0):
    """Logistic regression with the C of `c_grid` that is most accurate on GaussianClassifier's
    validation split (its default fraction and seed), each C fitted on at most `n_search`
    of the other examples (drawn with `seed`); the chosen C is refitted on all of `flat`.

    Every fit runs lbfgs for at most `max_iter` iterations. Returns `(model, validation accuracy
    by C, number of fits that stopped unconverged)`."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    flat, labels = _check_classification_data(flat, labels)
    c_grid = tuple(c_grid)
    if not c_grid or not all(np.isfinite(c) and c > 0 for c in c_grid):
        raise ValueError(f"c_grid must hold at least one finite C > 0, got {c_grid!r}")
    n_search = check_positive_int(n_search, "n_search")
    max_iter = check_positive_int(max_iter, "max_iter")
    defaults = GaussianClassifier()
    train, val = stratified_split(labels, int(labels.max()) + 1, defaults.validation_fraction,
                                  defaults.seed)
    search = np.random.default_rng(seed).choice(train, min(n_search, len(train)), replace=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        scores = {c: LogisticRegression(C=c, max_iter=max_iter).fit(flat[search], labels[search])
                                                                .score(flat[val], labels[val])
                  for c in c_grid}
        model = LogisticRegression(C=max(scores, key=scores.get), max_iter=max_iter)
        model.fit(flat, labels)
    unconverged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return model, scores, unconverged


def _check_classification_data(flat, labels):
    """`flat` as an (n, d) array and `labels` as n class indices, or a clear error."""
    flat = np.asarray(flat)
    if flat.ndim != 2 or len(flat) == 0:
        raise ValueError(f"flat: got shape {flat.shape}; expected (n_examples, n_features) "
                         f"with at least one example, one flattened example per row")
    labels = check_labels(labels, np.iinfo(np.int64).max, "labels")
    if len(labels) != len(flat):
        raise ValueError(f"flat has {len(flat)} examples but labels has {len(labels)}; "
                         f"expected one label per example")
    return flat, labels
