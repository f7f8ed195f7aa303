"""The lesson-04 checks pass the solutions and reject stubs and plausible mistakes."""

import numpy as np
import pytest

from course_lib.checks import ExerciseError
from course_lib.checks import lesson04 as check


def threshold_solution(probs, share):
    top = np.sort(probs.max(axis=1))[::-1]
    return float(top[int(np.ceil(share * len(top) - 1e-9)) - 1])


def threshold_by_quantile(probs, share):
    return float(np.quantile(probs.max(axis=1), 1 - share))


def distance_solution(points, codes):
    return np.linalg.norm(points[:, None, :] - codes[None, :, :], axis=-1).min(axis=1)


def distance_by_kd_tree(points, codes):
    from scipy.spatial import cKDTree

    return cKDTree(codes).query(points)[0]


def stub(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("solution", [threshold_solution, threshold_by_quantile,
                                      lambda p, s: np.quantile(p.max(axis=1), 1 - s,
                                                               method="lower")])
def test_threshold_accepts_solutions(solution, capsys):
    check.threshold_for_share(solution)
    assert "✓ threshold_for_share" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda p, s: float(np.quantile(p.max(axis=1), s)), "1 − share"),
    (lambda p, s: float(np.quantile(p, 1 - s)), "each row's largest"),
    (lambda p, s: np.quantile(p, 1 - s, axis=0), "expected one number"),
    (lambda p, s: float(np.quantile(p.max(axis=1), 1 - s)) + 0.05, "too high"),
    (lambda p, s: float(np.quantile(p.max(axis=1), 1 - s)) - 0.05, "too low"),
    (lambda p, s: float(np.mean(p.max(axis=1) >= 0.9)), "too"),
])
def test_threshold_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.threshold_for_share(wrong)


@pytest.mark.parametrize("solution", [distance_solution, distance_by_kd_tree])
def test_distance_accepts_solutions(solution, capsys):
    check.nearest_code_distance(solution)
    assert "✓ nearest_code_distance" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda p, c: ((p[:, None] - c[None]) ** 2).sum(-1).min(1), "squared"),
    (lambda p, c: np.linalg.norm(p[:, None] - c[None], axis=-1).max(1), "farthest"),
    (lambda p, c: np.linalg.norm(p[:, None] - c[None], axis=-1).min(0), "one value per code"),
    (lambda p, c: np.linalg.norm(p[:, None] - c[None], axis=-1).argmin(1), "indices"),
    (lambda p, c: np.abs(p[:, None] - c[None]).sum(-1).min(1), "city-block"),
    (lambda p, c: np.linalg.norm(p[:, None] - c[None], axis=-1).mean(1), "not right yet"),
    (lambda p, c: np.linalg.norm(p[:, None] - c[None], axis=-1).min(), "shape"),
])
def test_distance_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.nearest_code_distance(wrong)


def test_bottleneck_accepts_the_reference(capsys):
    check.bottleneck(check.reference_bottleneck)
    assert "✓ bottleneck" in capsys.readouterr().out


def judged(decoder_loss, sampling_loss, strict=False):
    """A learner's `bottleneck` measuring the two losses with `decoder_loss(r, g, p)` and
    `sampling_loss(r, g, p)`."""
    def bottleneck(shares):
        r, g, p = shares["reconstructions"], shares["Gaussian draws"], shares["path frames"]
        a, b = decoder_loss(r, g, p), sampling_loss(r, g, p)
        return "decoder" if (a > b if strict else a >= b) else "sampling"
    return bottleneck


@pytest.mark.parametrize("wrong, message", [
    (lambda s: "sampling" if check.reference_bottleneck(s) == "decoder" else "decoder", "swapped"),
    (judged(lambda r, g, p: 1 - r, lambda r, g, p: r - p), "path frames"),
    (judged(lambda r, g, p: 1 - r, lambda r, g, p: 1 - g), "not from a perfect score"),
    (judged(lambda r, g, p: 1 - r, lambda r, g, p: r - g, strict=True), "on a tie"),
    (lambda s: s["reconstructions"] > 0.5, 'return "decoder" or "sampling"'),
    (lambda s: "decoder", "the answer is"),
    (lambda s: 1 / 0, "raised ZeroDivisionError"),
])
def test_bottleneck_names_the_common_mistakes(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.bottleneck(wrong)


def draws_solution(codes, n, seed):
    rng = np.random.default_rng(seed)
    mean, cov = codes.mean(0), np.cov(codes, rowvar=False)
    return mean + rng.standard_normal((n, codes.shape[1])) @ np.linalg.cholesky(cov).T


def draws_with(scale, mean=None, seeded=True):
    """A learner's sampler: noise z (n, d) times `scale(codes)` plus the codes' mean."""
    def draws(codes, n, seed):
        rng = np.random.default_rng(seed if seeded else None)
        centre = codes.mean(0) if mean is None else mean(codes)
        return centre + rng.standard_normal((n, codes.shape[1])) @ scale(codes)
    return draws


def cov_of(codes):
    return np.cov(codes, rowvar=False)


@pytest.mark.parametrize("solution", [check.reference_gaussian_draws, draws_solution])
def test_gaussian_draws_accepts_solutions(solution, capsys):
    check.gaussian_draws(solution)
    assert "✓ gaussian_draws" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda codes, n, seed: np.random.default_rng(seed).standard_normal((n, codes.shape[1])),
     "standard normal"),
    (draws_with(lambda c: np.diag(c.std(0))), "uncorrelated"),
    (draws_with(cov_of), "variances squared"),
    (draws_with(lambda c: np.diag(np.diag(cov_of(c)))), "variances squared"),
    (lambda codes, n, seed: np.random.default_rng(seed).multivariate_normal(
        codes.mean(0), np.diag(codes.std(0)), size=n), "standard deviations"),
    (draws_with(lambda c: np.linalg.cholesky(cov_of(c)).T, mean=lambda c: c.mean()), "mean"),
    (draws_with(lambda c: 2 * np.linalg.cholesky(cov_of(c)).T), "4 to 4 times|times the codes'"),
    (lambda codes, n, seed: draws_solution(codes, n, seed).T, "transposed"),
    (lambda codes, n, seed: draws_solution(codes, n - 1, seed), "got shape"),
    (draws_with(lambda c: np.linalg.cholesky(cov_of(c)).T, seeded=False), "same seed"),
    (lambda codes, n, seed: draws_solution(codes, n, 0), "seeds 0 and 1"),
])
def test_gaussian_draws_names_the_common_mistakes(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.gaussian_draws(wrong)


def test_the_reference_sampler_is_the_lessons():
    from course_lib import latent

    codes = np.random.default_rng(0).normal(size=(100, 3)).astype(np.float32)
    np.testing.assert_allclose(check.reference_gaussian_draws(codes, 10, seed=4),
                               latent.gaussian_draws(codes, 10, seed=4), rtol=1e-5, atol=1e-6)
