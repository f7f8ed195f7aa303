"""Numbers the lessons report: reconstruction error, PSNR, latent-space completeness (the
share a judge of what counts as a digit accepts, `realism.DigitJudge`) and continuity,
Fréchet distance, precision and recall (quality and coverage), class shares and AUROC. The classical methods they are compared with live in
`baselines`, the points a latent space is probed at in `latent`, and the scoring of generated
digits, built from these numbers, in `scoring`."""

import math
from dataclasses import dataclass

import numpy as np

from .validation import check_images, check_positive_int

PSNR_CAP_DB = 100.0
LOG_2PI = math.log(2.0 * math.pi)  # the constant of every Gaussian log-density


def mse_per_pixel(x, x_hat) -> float:
    """Mean squared error per pixel over a batch of images."""
    x, x_hat = check_images(x, "x"), check_images(x_hat, "x_hat")
    _same_shape(x, x_hat)
    return float(np.mean((x - x_hat) ** 2))


def psnr(x, x_hat, max_value: float = 1.0) -> float:
    """Mean over images of 10·log10(max² / MSE) in dB; an exact copy scores `PSNR_CAP_DB` (100)."""
    x, x_hat = check_images(x, "x"), check_images(x_hat, "x_hat")
    _same_shape(x, x_hat)
    mse = np.mean((x - x_hat) ** 2, axis=(1, 2, 3))
    with np.errstate(divide="ignore"):
        per_image = 10.0 * np.log10(max_value ** 2 / mse)
    return float(np.mean(np.minimum(per_image, PSNR_CAP_DB)))


def grid_scores(grid, judge) -> tuple:
    """`(completeness, continuity)` of a decoded latent grid of shape (n, n, 28, 28, 1):
    the share of its images `judge` accepts as digits (`judge.completeness`, e.g.
    `recipes.digit_judge()`), and `continuity`."""
    grid = np.asarray(grid)
    if grid.ndim != 5:
        raise ValueError(f"grid: got shape {grid.shape}; expected (rows, cols, 28, 28, 1)")
    return judge.completeness(grid.reshape(-1, *grid.shape[2:])), continuity(grid)


def continuity(decoded_grid, n_pairs: int = 2000, seed: int = 0) -> float:
    """Mean distance between decodings of neighbouring grid points, divided by the mean distance
    between random pairs of decodings. Lower is smoother: about 1 means neighbours are as
    different as random points; a smooth decoder scores well below 1.

    `decoded_grid` has shape (rows, cols, 28, 28, 1).
    """
    grid = np.asarray(decoded_grid, dtype=np.float64)
    if grid.ndim != 5 or min(grid.shape[:2]) < 2:
        raise ValueError(
            f"decoded_grid: got shape {grid.shape}; expected (rows, cols, 28, 28, 1) with at "
            f"least 2 rows and 2 columns"
        )
    if not np.all(np.isfinite(grid)):
        raise ValueError("decoded_grid: contains NaN or infinite values; expected finite images")
    flat = grid.reshape(grid.shape[0], grid.shape[1], -1)
    right = np.linalg.norm(flat[:, 1:] - flat[:, :-1], axis=-1)
    down = np.linalg.norm(flat[1:, :] - flat[:-1, :], axis=-1)
    neighbour = np.concatenate([right.ravel(), down.ravel()]).mean()
    everything = flat.reshape(-1, flat.shape[-1])
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, len(everything), size=(2, n_pairs))
    keep = i != j
    random_pairs = np.linalg.norm(everything[i[keep]] - everything[j[keep]], axis=-1).mean()
    if random_pairs == 0:
        return 0.0
    return float(neighbour / random_pairs)


def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (the formula behind FID):
    ‖μa − μb‖² + Tr(Σa + Σb − 2 (Σa Σb)^½)."""
    a, b = _feature_sets(features_a, features_b)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("features: need at least 2 rows in each set to estimate a covariance")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = _sqrtm_product(cov_a, cov_b)
    value = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2.0 * covmean)
    return float(max(value, 0.0))


@dataclass(frozen=True)
class Yardstick:
    """What real digits score: the Fréchet distance of `n` real images against the reference,
    its mean and standard deviation over `draws` random draws."""

    n: int
    draws: int
    mean: float
    std: float

    def __str__(self) -> str:
        return f"{self.mean:.2f} ± {self.std:.2f} ({self.draws} draws of {self.n:,} real digits)"


def frechet_yardstick(pool_features, reference_features, n: int, draws: int = 5,
                      seed: int = 0) -> Yardstick:
    """The Fréchet distance a perfect generator would score with `n` samples: `n` rows drawn at
    random without replacement from `pool_features` (real images that are not the reference),
    against `reference_features`, `draws` times. Fréchet distance is biased upward at small
    sample sizes, so a model's distance is read beside this, at its own sample size."""
    pool = np.asarray(pool_features)
    n, draws = check_positive_int(n, "n"), check_positive_int(draws, "draws")
    if n > len(pool):
        raise ValueError(f"n = {n} real images requested but the pool holds {len(pool)}; "
                         f"expected n ≤ {len(pool)}")
    rng = np.random.default_rng(seed)
    values = [frechet_distance(pool[rng.choice(len(pool), n, replace=False)], reference_features)
              for _ in range(draws)]
    return Yardstick(n=n, draws=draws, mean=float(np.mean(values)), std=float(np.std(values)))


@dataclass(frozen=True)
class PrecisionRecall:
    """Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for Assessing Generative
    Models": `precision` is the share of generated samples that fall inside the real data's
    manifold (quality), `recall` the share of real samples inside the generated samples'
    manifold (coverage: a generator that drops a class loses recall, not precision)."""

    precision: float
    recall: float


def precision_recall(real_features, fake_features, k: int = 3,
                     batch_size: int = 1000) -> PrecisionRecall:
    """Each set's manifold is the union of balls around its points, each ball reaching the
    point's k-th nearest neighbour in its own set (k = 3, as in the paper). Precision: share of
    `fake_features` rows inside the real manifold; recall: share of `real_features` rows inside
    the fake one. Compare sets of equal size: the balls shrink as a set grows."""
    real, fake = _feature_sets(real_features, fake_features)
    k = check_positive_int(k, "k")
    if k >= min(len(real), len(fake)):
        raise ValueError(f"k = {k} needs more than k rows in each set; got {len(real)} real "
                         f"and {len(fake)} generated")
    real_radii = _kth_neighbour_distance(real, k, batch_size)
    fake_radii = _kth_neighbour_distance(fake, k, batch_size)
    return PrecisionRecall(precision=_share_inside(fake, real, real_radii, batch_size),
                           recall=_share_inside(real, fake, fake_radii, batch_size))


def _feature_sets(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"features: got shapes {a.shape} and {b.shape}; expected (n, d) and (m, d)")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("features: contain NaN or infinite values; expected finite numbers")
    return a, b


def _squared_distances(a, b):
    d2 = (a ** 2).sum(1)[:, None] - 2.0 * a @ b.T + (b ** 2).sum(1)[None]
    return np.maximum(d2, 0.0)


def _kth_neighbour_distance(points, k, batch_size):
    """Each point's squared distance to its k-th nearest other point of the same set."""
    radii = [np.partition(_squared_distances(points[i:i + batch_size], points), k, axis=1)[:, k]
             for i in range(0, len(points), batch_size)]  # column 0 is the point itself
    return np.concatenate(radii)


def _share_inside(queries, centres, radii, batch_size):
    """Share of `queries` within the squared radius of at least one of `centres`."""
    inside = [np.any(_squared_distances(queries[i:i + batch_size], centres) <= radii[None], axis=1)
              for i in range(0, len(queries), batch_size)]
    return float(np.concatenate(inside).mean())


def _sqrtm_product(cov_a, cov_b):
    """Real part of (cov_a · cov_b)^½. Few samples or dead features make the product singular:
    then a tiny ridge keeps the root defined (the usual FID practice) instead of a warning."""
    import warnings

    from scipy import linalg

    with warnings.catch_warnings():
        warnings.simplefilter("error", linalg.LinAlgWarning)
        try:
            root = linalg.sqrtm(cov_a @ cov_b)
            if np.all(np.isfinite(root)):
                return np.real(root)
        except linalg.LinAlgWarning:
            pass
    ridge = 1e-6 * np.eye(len(cov_a))
    return np.real(linalg.sqrtm((cov_a + ridge) @ (cov_b + ridge)))


def class_histogram(labels, n_classes: int = 10) -> np.ndarray:
    """Share of each class among predicted labels (or among rows of class probabilities)."""
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels: got shape {labels.shape}; expected a non-empty 1-D array")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels: values must lie in [0, {n_classes - 1}]")
    return np.bincount(labels.astype(int), minlength=n_classes) / labels.size


def auroc(scores_in, scores_out) -> float:
    """Area under the ROC curve for telling `scores_in` (should be higher) from `scores_out`."""
    from sklearn.metrics import roc_auc_score

    s_in, s_out = np.ravel(scores_in), np.ravel(scores_out)
    if s_in.size == 0 or s_out.size == 0:
        raise ValueError("auroc: both score sets must be non-empty")
    if not (np.all(np.isfinite(s_in)) and np.all(np.isfinite(s_out))):
        raise ValueError("auroc: scores contain NaN or infinite values; expected finite numbers")
    y = np.concatenate([np.ones(s_in.size), np.zeros(s_out.size)])
    return float(roc_auc_score(y, np.concatenate([s_in, s_out])))


def _same_shape(a, b):
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}; expected two equal batches")


def mse_per_image(x, x_hat) -> np.ndarray:
    """Mean squared error of each image (shape (n,)): the anomaly score of lesson 03."""
    x, x_hat = check_images(x, "x"), check_images(x_hat, "x_hat")
    _same_shape(x, x_hat)
    return np.mean((x - x_hat) ** 2, axis=(1, 2, 3))


def compression_ratio(k: int, bytes_per_number: int = 4, image_bytes: int = 28 * 28) -> float:
    """How many times smaller a code of `k` numbers (float32: 4 bytes each) is than a raw
    8-bit image (784 bytes)."""
    k = check_positive_int(k, "k")
    return image_bytes / (k * check_positive_int(bytes_per_number, "bytes_per_number"))


def nearest_images(images, reference, batch_size: int = 256):
    """For each image, its nearest image in `reference` by pixel (L2) distance.

    Returns `(neighbours, distances)`; a generator that copies its training set scores
    distances far below those of real, unseen images.
    """
    images, reference = check_images(images, "images"), check_images(reference, "reference")
    indices, distances = nearest_rows(images.reshape(len(images), -1),
                                      reference.reshape(len(reference), -1), batch_size)
    return reference[indices], distances


def nearest_rows(points, reference, batch_size: int = 256):
    """For each row of `points` (n, d), the index of its nearest row of `reference` (m, d) and
    the Euclidean distance to it."""
    points, reference = _feature_sets(points, reference)
    ref_sq = (reference ** 2).sum(1)
    indices, distances = [], []
    for start in range(0, len(points), batch_size):
        batch = points[start:start + batch_size]
        d2 = (batch ** 2).sum(1)[:, None] - 2.0 * batch @ reference.T + ref_sq[None]
        idx = d2.argmin(1)
        indices.append(idx)
        distances.append(np.sqrt(np.maximum(d2[np.arange(len(batch)), idx], 0.0)))
    return np.concatenate(indices), np.concatenate(distances)


def closer_than_real(distances, real_distances) -> float:
    """Share of generated samples nearer their nearest training example than the median real
    unseen example is (`distances` and `real_distances`: each one's distance to its nearest
    training example). About 0.5 when samples are as new as unseen real data; towards 1 when
    they hug, or copy, the training set."""
    distances, real_distances = np.ravel(distances), np.ravel(real_distances)
    if distances.size == 0 or real_distances.size == 0:
        raise ValueError("closer_than_real: both distance sets must be non-empty")
    return float(np.mean(distances < np.median(real_distances)))
