"""Checks for the exercises of lesson 04 (why sampling a plain autoencoder is unreliable), and the
decision whether the decoder or the sampler is the bottleneck."""

import math

import numpy as np

from .feedback import ExerciseError, as_array, compare, passed, run_learner


def _probability_rows(top, n_classes, rng):
    """Softmax-like rows (len(top), n_classes) whose largest entry is `top` (each ≥ 0.3), at a
    random column; the rest of each row's mass is spread nearly evenly over the other classes."""
    weights = rng.uniform(0.9, 1.1, size=(len(top), n_classes - 1))
    rest = weights / weights.sum(1, keepdims=True) * (1.0 - top)[:, None]
    columns = rng.integers(0, n_classes, size=len(top))
    return np.stack([np.insert(r, c, t) for r, c, t in zip(rest, columns, top)])


def threshold_for_share(threshold_fn):
    """`threshold_fn(probs, share)` must return the largest confidence threshold t such that at
    least `share` of the rows of `probs` (n, classes) have a largest probability ≥ t."""
    name = "threshold_for_share"
    rng = np.random.default_rng(4)
    distinct = rng.permutation(np.linspace(0.35, 0.995, 200))
    saturated = np.concatenate([np.ones(60), rng.permutation(np.linspace(0.3, 0.99, 140))])
    cases = [(distinct, 0.95), (distinct, 0.8), (distinct, 0.5), (saturated, 0.2)]
    for top, share in cases:
        probs = _probability_rows(top, 4, rng)
        result = as_array(run_learner(name, threshold_fn, probs.copy(), share))
        if result.ndim != 0:
            raise ExerciseError(f"{name}: returned shape {result.shape}, expected one number (the "
                                f"threshold); take each row's largest probability first, then "
                                f"one threshold over all rows")
        threshold = float(result)
        k = math.ceil(share * len(top) - 1e-9)
        best = np.sort(top)[::-1][k - 1]  # the k-th largest: the highest threshold k rows clear
        need, got = np.sum(top >= best), np.sum(top >= threshold)
        if need <= got <= need + 1:
            continue
        where = f"(share = {share}, {len(top)} rows)"
        if np.isclose(threshold, np.quantile(probs, 1 - share)):
            raise ExerciseError(f"{name}: your threshold is a quantile of every probability in "
                                f"`probs`; use only each row's largest one {where}")
        if abs(got / len(top) - (1 - share)) <= 1.5 / len(top) and share != 0.5:
            raise ExerciseError(f"{name}: at your threshold {got / len(top):.0%} of the rows count, "
                                f"about 1 − share: the threshold that `share` of rows clear is "
                                f"the (1 − share) quantile of the top probabilities {where}")
        if got < need:
            raise ExerciseError(f"{name}: too high: at your threshold {threshold:.4g} only "
                                f"{got} of {len(top)} rows count as recognised, fewer than "
                                f"share · n = {share * len(top):g} {where}")
        raise ExerciseError(f"{name}: too low: at your threshold {threshold:.4g}, {got} of "
                            f"{len(top)} rows count as recognised; a higher threshold still lets "
                            f"{need} rows through, at least share · n = {share * len(top):g} {where}")
    passed(name, len(cases))


def nearest_code_distance(distance_fn):
    """`distance_fn(points, codes)` must return, for each row of `points` (n, d), the Euclidean
    distance to the nearest row of `codes` (m, d): shape (n,)."""
    name = "nearest_code_distance"
    rng = np.random.default_rng(5)
    cases = [
        (np.array([[0.0, 0.0], [3.0, 0.0], [6.0, 8.0], [10.0, 1.0]]),
         np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])),
        (rng.normal(size=(50, 3)), rng.normal(size=(80, 3)) * 2.0),
        (rng.uniform(-3, 3, size=(30, 2)).astype(np.float32),
         rng.uniform(-3, 3, size=(200, 2)).astype(np.float32)),
    ]
    for points, codes in cases:
        pairs = np.asarray(points, np.float64)[:, None, :] - np.asarray(codes, np.float64)[None]
        euclidean = np.linalg.norm(pairs, axis=-1)
        expected = euclidean.min(axis=1)
        actual = as_array(run_learner(name, distance_fn, points.copy(), codes.copy()))
        if actual.shape == (len(codes),):
            raise ExerciseError(f"{name}: got one value per code, shape {actual.shape}; expected "
                                f"one per point, ({len(points)},): take the minimum over the codes")
        if actual.shape != expected.shape:
            raise ExerciseError(f"{name}: returned shape {actual.shape}, expected "
                                f"({len(points)},): one distance per point")
        if np.allclose(actual, euclidean.argmin(axis=1)) and not np.allclose(actual, expected):
            raise ExerciseError(f"{name}: these look like the indices of the nearest codes; "
                                f"return the distances to them")
        if np.allclose(actual, expected ** 2, rtol=1e-4, atol=1e-5) and not np.allclose(
                actual, expected, rtol=1e-4, atol=1e-5):
            raise ExerciseError(f"{name}: these are squared distances; take the square root")
        if np.allclose(actual, euclidean.max(axis=1), rtol=1e-4, atol=1e-5):
            raise ExerciseError(f"{name}: these are distances to the farthest code; take the "
                                f"minimum, not the maximum")
        if np.allclose(actual, np.abs(pairs).sum(-1).min(axis=1), rtol=1e-4, atol=1e-5) and not \
                np.allclose(actual, expected, rtol=1e-4, atol=1e-5):
            raise ExerciseError(f"{name}: these are city-block (L1) distances; use the Euclidean "
                                f"distance, the square root of the summed squared differences")
        compare(name, actual, expected, what="the result", rtol=1e-4, atol=1e-5)
    passed(name, len(cases))


BOTTLENECK_CASES = [  # (reconstructions, Gaussian draws, path frames): completeness shares
    (0.52, 0.45, 0.36), (0.95, 0.54, 0.80), (0.6, 0.3, 0.55), (0.7, 0.3, 0.65), (0.75, 0.5, 0.4),
    (0.4, 0.45, 0.3)]


def _verdict(decoder_loss, sampling_loss, strict=False):
    worse = decoder_loss > sampling_loss if strict else decoder_loss >= sampling_loss
    return "decoder" if worse else "sampling"


def bottleneck(bottleneck_fn):
    """`bottleneck_fn(shares)` must return "decoder" when the share of reconstructions the judge
    rejects, 1 − r, is at least what sampling loses on top of it, r − g (r: reconstructions,
    g: Gaussian draws), and "sampling" otherwise."""
    name = "bottleneck"
    cases = [{"reconstructions": r, "Gaussian draws": g, "path frames": p}
             for r, g, p in BOTTLENECK_CASES]
    got = [run_learner(name, bottleneck_fn, dict(shares)) for shares in cases]
    for answer in got:
        if answer not in ("decoder", "sampling"):
            raise ExerciseError(f'{name}: return "decoder" or "sampling", got {answer!r}')

    def rule(loss):
        return [loss(c["reconstructions"], c["Gaussian draws"], c["path frames"]) for c in cases]

    expected = rule(lambda r, g, p: _verdict(1 - r, r - g))
    if got == expected:
        passed(name, len(cases))
        return
    mistakes = {
        "the two answers are swapped: when the decoder already rejects more than sampling "
        "loses, fix the decoder": [{"decoder": "sampling", "sampling": "decoder"}[v] for v in expected],
        "sampling is judged on the path frames; the sampler's share is the Gaussian draws'":
            rule(lambda r, g, p: _verdict(1 - r, r - p)),
        "what sampling loses is measured from the reconstructions, r − g, not from a perfect "
        "score, 1 − g": rule(lambda r, g, p: _verdict(1 - r, 1 - g)),
        "on a tie (1 − r equal to r − g) the answer is \"decoder\": \"at least\"":
            rule(lambda r, g, p: _verdict(1 - r, r - g, strict=True)),
    }
    for hint, wrong in mistakes.items():
        if got == wrong:
            raise ExerciseError(f"{name}: {hint}")
    i = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
    r, g = cases[i]["reconstructions"], cases[i]["Gaussian draws"]
    raise ExerciseError(f"{name}: with reconstructions {r:g} and Gaussian draws {g:g} you said "
                        f"{got[i]!r}: the decoder rejects {1 - r:.2f} of its own reconstructions, "
                        f"sampling loses {r - g:.2f} more, so the answer is {expected[i]!r}")


def _sampler_cases():
    """(name, codes): correlated 2-D codes with variances far from 1, 16-D codes with a random
    covariance, and five 2-D codes (their sample covariance, not the population's)."""
    rng = np.random.default_rng(6)
    tilted = rng.multivariate_normal([3.0, -1.0], [[4.0, 0.8], [0.8, 0.25]], size=3000)
    mixing = rng.normal(size=(16, 16)) / 4.0
    wide = rng.normal(size=(2000, 16)) @ mixing + rng.normal(size=16)
    few = np.array([[0.0, 1.0], [2.0, 2.5], [4.0, 2.0], [1.0, 0.0], [3.0, 4.5]])
    return [("2-D correlated codes", tilted.astype(np.float32)), ("16-D codes", wide),
            ("five 2-D codes", few)]


def _draw_statistics(draws):
    cov = np.atleast_2d(np.cov(draws, rowvar=False))
    return draws.mean(0), cov


def _close_covariance(cov, target, n):
    """`cov` matches `target` within sampling error for `n` draws: variances within 6 standard
    errors of their ratio, correlations within 0.04."""
    var, var_t = np.diag(cov), np.diag(target)
    if np.any(np.abs(var / var_t - 1) > 6 * np.sqrt(2 / n)):
        return False
    corr = cov / np.sqrt(np.outer(var, var))
    corr_t = target / np.sqrt(np.outer(var_t, var_t))
    return bool(np.max(np.abs(corr - corr_t)) <= 0.04)


def gaussian_draws(draws_fn, n: int = 20_000):
    """`draws_fn(codes, n, seed)` must return `n` codes (n, d) drawn from the Gaussian fitted to
    `codes` (m, d): their mean and covariance (np.cov of the rows), the same draws for the same
    `seed` and different ones for another seed."""
    name = "gaussian_draws"
    cases = _sampler_cases()
    for label, codes in cases:
        m, d = codes.shape
        draws = as_array(run_learner(name, draws_fn, codes.copy(), n, 0))
        if draws.shape == (d, n):
            raise ExerciseError(f"{name}: {label}: shape {draws.shape} is transposed; return one "
                                f"row per draw, ({n}, {d})")
        if draws.shape != (n, d):
            raise ExerciseError(f"{name}: {label}: asked for {n} draws of {d} numbers, got shape "
                                f"{draws.shape}")
        if not np.all(np.isfinite(draws)):
            raise ExerciseError(f"{name}: {label}: the draws contain NaN or infinite values")
        mean_t = codes.astype(np.float64).mean(0)
        cov_t = np.atleast_2d(np.cov(codes.astype(np.float64), rowvar=False))
        mean, cov = _draw_statistics(draws)
        where = f"({label}, {n} draws)"
        mean_ok = np.all(np.abs(mean - mean_t) <= 6 * np.sqrt(np.diag(cov_t) / n))
        if (np.allclose(mean, 0, atol=0.05) and _close_covariance(cov, np.eye(d), n)
                and not mean_ok):
            raise ExerciseError(f"{name}: the draws look like a standard normal N(0, I) {where}; "
                                f"a plain autoencoder has no prior: fit the mean and covariance "
                                f"of `codes` and draw from that Gaussian")
        if not mean_ok:
            gap = np.max(np.abs(mean - mean_t))
            raise ExerciseError(f"{name}: the draws' mean is off the codes' mean by up to "
                                f"{gap:.3g} {where}: take the mean of each dimension over the "
                                f"codes (axis 0)")
        if _close_covariance(cov, target=cov_t, n=n):
            continue
        if _close_covariance(cov, np.diag(np.diag(cov_t)), n):
            raise ExerciseError(f"{name}: each dimension has the right spread but the dimensions "
                                f"are uncorrelated, while the codes' are not {where}: draw with "
                                f"the full covariance, np.cov(codes, rowvar=False)")
        if _close_covariance(cov, np.diag(np.diag(cov_t) ** 2), n) or _close_covariance(
                cov, cov_t @ cov_t, n):
            raise ExerciseError(f"{name}: the draws' variances are the codes' variances squared "
                                f"{where}: a standard deviation (or a square root of the "
                                f"covariance, np.linalg.cholesky) scales the noise, not the "
                                f"covariance itself; rng.multivariate_normal takes the covariance")
        if _close_covariance(cov, np.diag(np.sqrt(np.diag(cov_t))), n):
            raise ExerciseError(f"{name}: the draws' variances are the codes' standard deviations "
                                f"{where}: rng.multivariate_normal takes the covariance, "
                                f"rng.normal a standard deviation")
        ratio = np.diag(cov) / np.diag(cov_t)
        raise ExerciseError(f"{name}: the draws' covariance is not the codes' {where}: their "
                            f"variances are {ratio.min():.3g} to {ratio.max():.3g} times the "
                            f"codes'")
    codes = cases[0][1]
    again = as_array(run_learner(name, draws_fn, codes.copy(), 50, 0))
    other = as_array(run_learner(name, draws_fn, codes.copy(), 50, 1))
    if not np.array_equal(again, as_array(run_learner(name, draws_fn, codes.copy(), 50, 0))):
        raise ExerciseError(f"{name}: the same seed gave different draws: make the generator from "
                            f"the seed, np.random.default_rng(seed)")
    if np.array_equal(again, other):
        raise ExerciseError(f"{name}: seeds 0 and 1 gave the same draws: make the generator from "
                            f"the seed you are given, np.random.default_rng(seed)")
    passed(name, len(cases) + 1)


def reference_threshold_for_share(probs, share):
    """The course's answer to `threshold_for_share`."""
    top = np.sort(np.max(probs, axis=1))[::-1]
    return float(top[int(np.ceil(share * len(top) - 1e-9)) - 1])


def reference_nearest_code_distance(points, codes):
    """The course's answer to `nearest_code_distance`."""
    points, codes = np.asarray(points, np.float64), np.asarray(codes, np.float64)
    squared = (points ** 2).sum(1)[:, None] - 2 * points @ codes.T + (codes ** 2).sum(1)[None, :]
    return np.sqrt(np.maximum(squared.min(axis=1), 0.0))


def reference_bottleneck(shares):
    """The course's answer to `bottleneck`."""
    r, g = shares["reconstructions"], shares["Gaussian draws"]
    return "decoder" if 1 - r >= r - g else "sampling"


def reference_gaussian_draws(codes, n, seed):
    """The course's answer to `gaussian_draws` (what `latent.gaussian_draws` computes)."""
    codes = np.asarray(codes, np.float64)
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(codes.mean(0), np.cov(codes, rowvar=False), size=n)


REFERENCES = {"threshold_for_share": reference_threshold_for_share,
              "nearest_code_distance": reference_nearest_code_distance,
              "bottleneck": reference_bottleneck, "gaussian_draws": reference_gaussian_draws}
