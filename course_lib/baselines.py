"""The classical methods the lessons measure their models against: PCA for compression and
Gaussian or median filters for denoising."""

import numpy as np

from .metrics import psnr
from .validation import check_images, check_positive_int


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
