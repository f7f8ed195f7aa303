"""The lesson-01 checks pass the solutions and reject stubs and plausible mistakes."""

import numpy as np
import pytest
from scipy.special import logsumexp

from course_lib.checks import ExerciseError
from course_lib.checks import lesson01 as check


def density_solution(x, mean, var):
    return -0.5 * np.sum(np.log(2 * np.pi * var) + (x - mean) ** 2 / var, axis=1)


def posterior_solution(log_lik, log_prior):
    joint = log_lik + log_prior
    return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))


def naive_posterior(log_lik, log_prior):
    joint = np.exp(log_lik) * np.exp(log_prior)
    return joint / joint.sum(axis=1, keepdims=True)


def stub(*args):
    raise NotImplementedError()


def test_gaussian_log_density_accepts_solution(capsys):
    check.gaussian_log_density(density_solution)
    assert "✓ gaussian_log_density" in capsys.readouterr().out


def test_gaussian_log_density_accepts_tensorflow():
    import tensorflow as tf

    check.gaussian_log_density(lambda x, m, v: tf.reduce_sum(
        -0.5 * (tf.math.log(2 * np.pi * v) + (x - m) ** 2 / v), axis=1))


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda x, m, v: -0.5 * (np.log(2 * np.pi * v) + (x - m) ** 2 / v), "one value per feature"),
    (lambda x, m, v: -0.5 * np.sum(np.log(v) + (x - m) ** 2 / v, axis=1), "−½·d·log 2π"),
    (lambda x, m, v: -0.5 * np.sum(np.log(2 * np.pi) + (x - m) ** 2 / v, axis=1), "Σ log σ²"),
    (lambda x, m, v: -0.5 * np.sum(np.log(2 * np.pi / v) + (x - m) ** 2 / v, axis=1),
     "wrong sign"),
    (lambda x, m, v: -np.sum(np.log(2 * np.pi * v) + (x - m) ** 2 / v, axis=1), "the ½"),
    (lambda x, m, v: -0.5 * np.sum(np.log(2 * np.pi * v) + (x - m) ** 2 / np.sqrt(v), axis=1),
     "not right yet"),
    (lambda x, m, v: -density_solution(x, m, v), "wrong sign"),
])
def test_gaussian_log_density_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.gaussian_log_density(wrong)


def test_bayes_posterior_accepts_solution(capsys):
    check.bayes_posterior(posterior_solution)
    assert "✓ bayes_posterior" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (naive_posterior, "log-sum-exp"),
    (lambda ll, lp: np.log(posterior_solution(ll, lp)), "log-probabilities"),
    (lambda ll, lp: posterior_solution(ll, 0 * lp), "ignores the prior"),
    (lambda ll, lp: posterior_solution(ll, -lp), "wrong sign"),
    (lambda ll, lp: np.exp(ll + lp - ll.max(axis=1, keepdims=True)), "sums to 1"),
    (lambda ll, lp: posterior_solution(ll, lp)[:, ::-1], "not right yet"),
])
def test_bayes_posterior_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.bayes_posterior(wrong)


def test_overtakes_accepts_the_reference(capsys):
    check.overtakes(check.reference_overtakes)
    assert "✓ overtakes" in capsys.readouterr().out


def walker(ordered=True, strict=True, for_good=True, before=False):
    """A learner's `overtakes` with one common mistake."""
    def overtakes(a, b):
        xs = sorted(a) if ordered else list(a)
        ahead = [a[x] > b[x] if strict else a[x] >= b[x] for x in xs]
        if not for_good:
            return next((x for x, won in zip(xs, ahead) if won), None)
        found, last = None, None
        for x, won in reversed(list(zip(xs, ahead))):
            if not won:
                last = x
                break
            found = x
        return last if before and found is not None else found
    return overtakes


@pytest.mark.parametrize("wrong, message", [
    (walker(ordered=False), "not in order"),
    (walker(for_good=False), "falls behind again"),
    (walker(strict=False), "a tie is not a lead"),
    (walker(before=True), "last x where a is not ahead"),
    (lambda a, b: check.reference_overtakes(b, a), "swapped"),
    (lambda a, b: a[check.reference_overtakes(a, b)] if check.reference_overtakes(a, b) else None,
     "return an x"),
    (lambda a, b: 1 / 0, "raised ZeroDivisionError"),
])
def test_overtakes_names_the_common_mistakes(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.overtakes(wrong)
