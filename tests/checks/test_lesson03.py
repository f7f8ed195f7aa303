"""The lesson-03 checks pass the solutions and reject stubs and plausible mistakes."""

import numpy as np
import pytest

from course_lib.checks import ExerciseError
from course_lib.checks import lesson03 as check


def noise_solution(x, sigma, rng):
    return np.clip(x + sigma * rng.standard_normal(x.shape), 0.0, 1.0)


def stub(*args):
    raise NotImplementedError()


def blank_solution(x, top, left, size):
    out = x.copy()
    out[:, top:top + size, left:left + size, :] = 0.0
    return out


def blank_in_place(x, top, left, size):
    x[:, top:top + size, left:left + size, :] = 0.0
    return x


def blank_swapped(x, top, left, size):
    return blank_solution(x, left, top, size)


def blank_inclusive(x, top, left, size):
    return blank_solution(x, top, left, size + 1)


def test_noise_accepts_solution(capsys):
    check.gaussian_noise(noise_solution)
    assert "✓ gaussian_noise" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda x, s, rng: x + s * rng.standard_normal(x.shape), "clip"),
    (lambda x, s, rng: noise_solution(x, s * s, rng), "sigma²"),
    (lambda x, s, rng: noise_solution(x, s, np.random.default_rng(0)), "same noise"),
    (lambda x, s, rng: np.clip(x + s * rng.random(x.shape), 0, 1), "mean 0"),
])
def test_noise_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.gaussian_noise(wrong)


def test_blank_accepts_solution(capsys):
    check.blank_square(blank_solution)
    assert "✓ blank_square" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (blank_in_place, "changed its input"),
    (blank_swapped, "swapped"),
    (blank_inclusive, "size × size"),
])
def test_blank_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.blank_square(wrong)
