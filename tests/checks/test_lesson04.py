"""The lesson-04 checks pass the solutions and reject stubs and plausible mistakes."""

import numpy as np
import pytest

from course_lib.checks import ExerciseError
from course_lib.checks import lesson04 as check


def completeness_solution(probs, threshold):
    return float(np.mean(probs.max(axis=1) >= threshold))


def sampler_solution(codes, n, rng):
    return rng.multivariate_normal(codes.mean(0), np.cov(codes, rowvar=False), size=n)


def stub(*args):
    raise NotImplementedError()


def test_completeness_accepts_solution(capsys):
    check.completeness(completeness_solution)
    assert "✓ completeness" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda p, t: float(np.mean(p.max(axis=1) > t)), "≥, not >"),
    (lambda p, t: float(np.sum(p.max(axis=1) >= t)), "number of rows"),
    (lambda p, t: p.max(axis=1) >= t, "expected one number"),
])
def test_completeness_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.completeness(wrong)


def test_sampler_accepts_solution(capsys):
    check.gaussian_sampler(sampler_solution)
    assert "✓ gaussian_sampler" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda c, n, rng: rng.standard_normal((n, c.shape[1])), "standard normal"),
    (lambda c, n, rng: c.mean(0) + c.std(0) * rng.standard_normal((n, c.shape[1])), "correlation"),
    (lambda c, n, rng: rng.multivariate_normal(c.mean(0), np.cov(c, rowvar=False), size=n // 2),
     "shape"),
])
def test_sampler_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.gaussian_sampler(wrong)
