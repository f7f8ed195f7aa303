"""Checks for the exercises of lesson 04 (the gaps in a plain autoencoder's latent space)."""

import numpy as np

from .feedback import ExerciseError, compare, passed, run_learner


def completeness(completeness_fn):
    """`completeness_fn(probs, threshold)` must return the fraction of rows of the softmax
    outputs `probs` (n, classes) whose largest probability is at least `threshold`."""
    name = "completeness"
    probs = np.array([[0.95, 0.05, 0.0], [0.9, 0.1, 0.0], [0.4, 0.3, 0.3],
                      [0.1, 0.05, 0.85], [0.0, 1.0, 0.0]])
    cases = ((0.9, 0.6), (0.5, 0.8), (0.99, 0.2))
    for threshold, expected in cases:
        actual = run_learner(name, completeness_fn, probs.copy(), threshold)
        if np.ndim(actual) != 0:
            raise ExerciseError(f"{name}: returned shape {np.shape(actual)}, expected one number")
        if threshold == 0.9 and np.isclose(float(actual), 0.4):
            raise ExerciseError(f"{name}: a row whose top probability equals the threshold "
                                f"exactly must count as recognised (≥, not >)")
        compare(name, actual, expected, what=f"the result for threshold {threshold}",
                factors={"the number of rows": len(probs)})
    passed(name, len(cases))


def gaussian_sampler(sample_fn):
    """`sample_fn(codes, n, rng)` must return n samples (n, d) from the Gaussian with the mean
    and full covariance of `codes` (m, d), drawn with the NumPy generator `rng`."""
    name = "gaussian_sampler"
    rng = np.random.default_rng(0)
    base = rng.standard_normal((4000, 2))
    codes = base @ np.array([[2.0, 1.2], [0.0, 0.5]]) + np.array([3.0, -1.0])
    samples = np.asarray(run_learner(name, sample_fn, codes.copy(), 20000,
                                     np.random.default_rng(1)), np.float64)
    if samples.shape != (20000, 2):
        raise ExerciseError(f"{name}: asked for 20000 samples of 2-D codes, got shape "
                            f"{samples.shape}")
    mean, cov = codes.mean(0), np.cov(codes, rowvar=False)
    if np.allclose(samples.mean(0), 0, atol=0.1) and np.allclose(np.cov(samples, rowvar=False),
                                                                  np.eye(2), atol=0.15):
        raise ExerciseError(f"{name}: the samples look standard normal; fit the Gaussian to the "
                            f"codes (their mean and covariance) instead")
    compare(name, samples.mean(0), mean, what="the mean of the samples", rtol=0, atol=0.08)
    sample_cov = np.cov(samples, rowvar=False)
    if abs(sample_cov[0, 1]) < 0.3 * abs(cov[0, 1]):
        raise ExerciseError(f"{name}: the samples lose the correlation between the two latent "
                            f"axes; use the full covariance matrix, not one spread per axis")
    compare(name, sample_cov, cov, what="the covariance of the samples", rtol=0.1, atol=0.08)
    passed(name, 3)
