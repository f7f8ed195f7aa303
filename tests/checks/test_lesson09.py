"""The lesson-09 checks pass the solutions and reject stubs and plausible mistakes."""

import numpy as np
import pytest

from course_lib.checks import ExerciseError
from course_lib.checks import lesson09 as check


def column(t, x):
    return np.reshape(t, (-1,) + (1,) * (np.ndim(x) - 1))


def loss_solution(x0, noise, t, velocity_fn):
    x_t = (1 - column(t, x0)) * x0 + column(t, x0) * noise
    return np.mean((noise - x0 - velocity_fn(x_t, t)) ** 2)


def loss_mistake(path, target, square=True):
    def wrong(x0, noise, t, velocity_fn):
        c = column(t, x0)
        error = target(x0, noise) - velocity_fn(path(x0, noise, c), t)
        return np.mean(error ** 2 if square else error)
    return wrong


def straight(x0, noise, c):
    return (1 - c) * x0 + c * noise


def euler_solution(velocity_fn, x1, steps):
    x, dt = x1, 1.0 / steps
    for i in range(steps):
        x = x - dt * velocity_fn(x, 1.0 - i * dt)
    return x


def stub(*args):
    raise NotImplementedError()


def test_flow_matching_loss_accepts_the_solution(capsys):
    check.flow_matching_loss(loss_solution)
    assert "✓ flow_matching_loss" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (loss_mistake(straight, lambda x0, n: x0 - n), "sign is flipped"),
    (loss_mistake(lambda x0, n, c: c * x0 + (1 - c) * n, lambda x0, n: n - x0), "swapped"),
    (loss_mistake(straight, lambda x0, n: n), "target is the noise itself"),
    (loss_mistake(lambda x0, n, c: x0, lambda x0, n: n - x0), "asked at the data x0"),
    (loss_mistake(straight, lambda x0, n: n - x0, square=False), "not squared"),
    (lambda x0, n, t, v: np.mean((n - x0 - v(straight(x0, n, column(t, x0)), t)) ** 2, axis=0),
     "return one number"),
    (lambda x0, n, t, v: loss_solution(x0, n, t, v) * 1.1, "not right yet"),
])
def test_flow_matching_loss_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.flow_matching_loss(wrong)


def test_euler_sample_accepts_the_solution(capsys):
    check.euler_sample(euler_solution)
    assert "✓ euler_sample" in capsys.readouterr().out


def forward(velocity_fn, x1, steps):
    x, dt = x1, 1.0 / steps
    for i in range(steps):
        x = x + dt * velocity_fn(x, 1.0 - i * dt)
    return x


def read_at_end(velocity_fn, x1, steps):
    x, dt = x1, 1.0 / steps
    for i in range(steps):
        x = x - dt * velocity_fn(x, 1.0 - (i + 1) * dt)
    return x


def one_call_too_many(velocity_fn, x1, steps):
    velocity_fn(x1, 1.0)
    return euler_solution(velocity_fn, x1, steps)


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (forward, "wrong way"),
    (read_at_end, "end of each step|start of each step"),
    (one_call_too_many, "asked 2 times"),
    (lambda v, x1, steps: euler_solution(v, x1, steps)[:2], "returned shape"),
    (lambda v, x1, steps: euler_solution(v, x1, steps) + 0.01, "not right yet"),
])
def test_euler_sample_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.euler_sample(wrong)


def test_guidance_for_accepts_the_solution(capsys):
    check.guidance_for(check.reference_guidance_for)
    assert "✓ guidance_for" in capsys.readouterr().out


def largest_share(sweep, target, min_recall):
    fits = [w for w, r in sweep.items() if r["class_share"] >= target and r["recall"] >= min_recall]
    return max(fits) if fits else None


def ignores_recall(sweep, target, min_recall):
    fits = [w for w, r in sweep.items() if r["class_share"] >= target]
    return min(fits) if fits else None


def ignores_share(sweep, target, min_recall):
    fits = [w for w, r in sweep.items() if r["recall"] >= min_recall]
    return min(fits) if fits else None


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (largest_share, "smallest that qualifies"),
    (ignores_recall, "below the diversity budget|return None"),
    (ignores_share, "below the target|return None"),
    (lambda sweep, target, min_recall: 1.0, "return None|below"),
    (lambda sweep, target, min_recall: "2", "a key of `sweep`"),
])
def test_guidance_for_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.guidance_for(wrong)
