"""Checks for the exercises of lesson 01 (discriminative vs generative classification), and the
decision where one learning curve overtakes another for good."""

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


def _overtakes(a, b, strict=True, for_good=True, before=False, ordered=True):
    """The smallest x from which curve `a` lies above curve `b` at every larger x (None when it
    is not ahead at the largest x); with the other arguments, the common mistakes."""
    xs = sorted(a) if ordered else list(a)
    ahead = [a[x] > b[x] if strict else a[x] >= b[x] for x in xs]
    if not for_good:
        return next((x for x, won in zip(xs, ahead) if won), None)
    if not ahead[-1]:
        return None
    i = len(xs) - 1
    while i > 0 and ahead[i - 1]:
        i -= 1
    return (xs[i - 1] if i > 0 else None) if before else xs[i]


def _curve_cases():
    """(a, b): dicts x → value, keys not in sorted order; no lead at the end, a crossing, a dip
    after a first lead, a tie at the crossing, a lead from the start, a curve of epochs."""
    def curves(xs, a, b):
        order = np.random.default_rng(len(xs)).permutation(len(xs))
        return ({xs[i]: a[i] for i in order}, {xs[i]: b[i] for i in order})

    sizes = [100, 300, 1000, 3000, 10000]
    return [curves(sizes, [0.70, 0.80, 0.92, 0.93, 0.90], [0.75, 0.85, 0.88, 0.90, 0.91]),
            curves(sizes, [0.70, 0.80, 0.90, 0.95, 0.97], [0.75, 0.85, 0.88, 0.90, 0.91]),
            curves(sizes, [0.80, 0.84, 0.86, 0.93, 0.96], [0.78, 0.86, 0.88, 0.90, 0.91]),
            curves(sizes, [0.70, 0.85, 0.88, 0.93, 0.96], [0.75, 0.85, 0.87, 0.90, 0.91]),
            curves(sizes, [0.80, 0.88, 0.92, 0.95, 0.97], [0.70, 0.80, 0.85, 0.88, 0.90]),
            curves([2, 5, 10, 20, 50], [0.70, 0.82, 0.90, 0.93, 0.96], [0.94] * 5)]


def overtakes(overtakes_fn):
    """`overtakes_fn(a, b)` must return the smallest x (a key of both dicts x → accuracy) from
    which `a` is strictly ahead of `b` at that x and every larger one, or None when `a` is not
    ahead at the largest x."""
    name = "overtakes"
    cases = _curve_cases()
    for a, b in cases:
        expected = _overtakes(a, b)
        got = run_learner(name, overtakes_fn, dict(a), dict(b))
        if got == expected:
            continue
        if got is not None and got not in a:
            raise ExerciseError(f"{name}: return an x (a key of the curves, e.g. a training-set "
                                f"size) or None, got {got!r}")
        xs = sorted(a)
        listed = ", ".join(f"{x}: {a[x]:g} against {b[x]:g}" for x in xs)
        mistakes = {
            "this is where a first leads, but it falls behind again later: find where it "
            "leads for good": _overtakes(a, b, for_good=False),
            "a tie is not a lead: a must be strictly above b": _overtakes(a, b, strict=False),
            "this is the last x where a is not ahead; return the first x of the lead":
                _overtakes(a, b, before=True),
            # (named only when the swapped curves give an x: a None fits too many mistakes)
            "the curves are swapped: `a` is the one that overtakes": _overtakes(b, a) or "none",
            "the keys are not in order: sort the x values before walking the curves":
                _overtakes(a, b, ordered=False),
        }
        for hint, wrong in mistakes.items():
            if got == wrong != expected:
                raise ExerciseError(f"{name}: {hint} ({listed}: expected {expected}, got {got})")
        raise ExerciseError(f"{name}: on the curves {listed} you returned {got!r}; expected "
                            f"{expected!r}")
    passed(name, len(cases))


def reference_gaussian_log_density(x, mean, var):
    """The course's answer to `gaussian_log_density`."""
    return -0.5 * np.sum(LOG_2PI + np.log(var) + (x - mean) ** 2 / var, axis=1)


def reference_bayes_posterior(class_log_lik, log_prior):
    """The course's answer to `bayes_posterior`."""
    return softmax(np.asarray(class_log_lik) + log_prior, axis=1)


def reference_overtakes(a, b):
    """The course's answer to `overtakes`."""
    xs = sorted(a)
    found = None
    for x in reversed(xs):
        if a[x] <= b[x]:
            break
        found = x
    return found


REFERENCES = {"gaussian_log_density": reference_gaussian_log_density,
              "bayes_posterior": reference_bayes_posterior, "overtakes": reference_overtakes}
