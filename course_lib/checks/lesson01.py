"""Checks for the exercises of lesson 01 (discriminative vs generative classification)."""

import numpy as np
from scipy import stats
from scipy.special import softmax

from ..metrics import LOG_2PI
from .feedback import ExerciseError, as_array, compare, passed, run_learner

def _density_case(n=5, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1, (n, d)), rng.normal(0, 1, d), rng.uniform(0.05, 2.0, d)


def gaussian_log_density(density_fn):
    """`density_fn(x, mean, var)` must return log N(x; mean, diag(var)) of each row of `x`
    (shape (n, d)), summed over the d features: shape (n,)."""
    name = "gaussian_log_density"
    cases = [_density_case(5, 4, 0), _density_case(3, 7, 1)]
    for x, mean, var in cases:
        actual = as_array(run_learner(name, density_fn, x.copy(), mean.copy(), var.copy()))
        expected = stats.multivariate_normal(mean, np.diag(var)).logpdf(x)
        if actual.shape == x.shape:
            raise ExerciseError(f"{name}: returned one value per feature, shape {actual.shape}; "
                                f"the features are independent, so add their log-densities up "
                                f"to one value per example, shape ({len(x)},)")
        if actual.shape == expected.shape and np.all(np.isfinite(actual)):
            _name_an_offset(name, actual - expected, len(mean), var)
        compare(name, actual, expected, what="the log-density", factors={"2 (the ½)": 2.0})
    passed(name, len(cases))


def _name_an_offset(name, offset, d, var):
    if not np.allclose(offset, offset[0], atol=1e-6) or np.isclose(offset[0], 0, atol=1e-6):
        return
    hints = {
        0.5 * d * LOG_2PI: "the normalizing constant −½·d·log 2π is missing",
        0.5 * np.sum(np.log(var)): "the −½·Σ log σ² term is missing: a wider Gaussian spreads its "
                                   "density thinner, and that term says by how much",
        np.sum(np.log(var)): "the −½·Σ log σ² term has the wrong sign",
    }
    for value, hint in hints.items():
        if np.isclose(offset[0], value, atol=1e-6):
            raise ExerciseError(f"{name}: {hint}")


def bayes_posterior(posterior_fn):
    """`posterior_fn(class_log_lik, log_prior)` must return p(y | x) from log p(x | y) (shape
    (n, n_classes)) and log p(y) (shape (n_classes,)): probabilities, rows summing to 1, computed
    so that log-likelihoods of −10,000 nats (typical for images) do not underflow."""
    name = "bayes_posterior"
    rng = np.random.default_rng(3)
    log_prior = np.log([0.5, 0.3, 0.2])
    cases = [rng.normal(0, 2, (4, 3)), rng.normal(-10_000, 5, (4, 3))]
    for log_lik in cases:
        with np.errstate(all="ignore"):
            actual = as_array(run_learner(name, posterior_fn, log_lik.copy(), log_prior.copy()))
        expected = softmax(log_lik + log_prior, axis=1)
        if actual.shape == expected.shape:
            _name_a_posterior_mistake(name, actual, expected, log_lik, log_prior)
        compare(name, actual, expected, what="the posterior")
    passed(name, len(cases))


def _name_a_posterior_mistake(name, actual, expected, log_lik, log_prior):
    if not np.all(np.isfinite(actual)):
        raise ExerciseError(
            f"{name}: got NaN or inf for log-likelihoods near {log_lik.mean():.0f} nats: exp() of "
            f"such numbers underflows to 0 (or overflows). Shift each row by its maximum before "
            f"exponentiating (the log-sum-exp trick); the shift cancels in the ratio")
    if np.allclose(actual, np.log(expected), atol=1e-6):
        raise ExerciseError(f"{name}: returned log-probabilities; return probabilities")
    if np.allclose(actual, softmax(log_lik, axis=1), atol=1e-6):
        raise ExerciseError(f"{name}: the result ignores the prior p(y); Bayes' rule multiplies "
                            f"the likelihood by it (adds it, in logs)")
    if np.allclose(actual, softmax(log_lik - log_prior, axis=1), atol=1e-6):
        raise ExerciseError(f"{name}: the prior enters with the wrong sign")
    if not np.allclose(actual.sum(axis=1), 1.0, atol=1e-6):
        raise ExerciseError(f"{name}: rows sum to {actual.sum(axis=1).round(4).tolist()}; "
                            f"divide by p(x) = Σ_y p(x|y) p(y) so each row sums to 1")


def reference_gaussian_log_density(x, mean, var):
    """The course's answer to `gaussian_log_density`."""
    return -0.5 * np.sum(LOG_2PI + np.log(var) + (x - mean) ** 2 / var, axis=1)


def reference_bayes_posterior(class_log_lik, log_prior):
    """The course's answer to `bayes_posterior`."""
    return softmax(np.asarray(class_log_lik) + log_prior, axis=1)


REFERENCES = {"gaussian_log_density": reference_gaussian_log_density,
              "bayes_posterior": reference_bayes_posterior}
