"""The lesson-08 checks pass the solutions and reject stubs and plausible mistakes."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from course_lib.checks import ExerciseError
from course_lib.checks import lesson08 as check
from course_lib.models.diffusion import Diffusion, noise_to_step
from course_lib.models.steps import apply_gradients, track


def _alpha(alpha_bar, t, x0):
    return np.asarray(alpha_bar)[np.asarray(t)].reshape((-1,) + (1,) * (np.ndim(x0) - 1))


def q_solution(x0, t, noise, alpha_bar):
    a = _alpha(alpha_bar, t, x0)
    return np.sqrt(a) * x0 + np.sqrt(1 - a) * noise


def ddim_solution(x_t, eps_hat, a_t, a_prev):
    x0_hat = (x_t - np.sqrt(1 - a_t) * eps_hat) / np.sqrt(a_t)
    return np.sqrt(a_prev) * x0_hat + np.sqrt(1 - a_prev) * eps_hat


def step_solution(sigma, alpha_bar):
    return int(np.argmin(np.abs(alpha_bar - 1 / (1 + 4 * sigma ** 2))))


def step_by_snr(sigma, alpha_bar):
    """Another correct answer: the first step whose signal-to-noise ratio falls below 1/(2σ)²."""
    return int(np.searchsorted(-(alpha_bar / (1 - alpha_bar)), -1 / (2 * sigma) ** 2))


def stub(*args):
    raise NotImplementedError()


def q_mistake(signal, noise_factor, shift=0):
    def wrong(x0, t, noise, alpha_bar):
        a = _alpha(alpha_bar, np.asarray(t) - shift, x0)
        return signal(a) * x0 + noise_factor(a) * noise
    return wrong


@pytest.mark.parametrize("solution", [q_solution, noise_to_step])
def test_q_sample_accepts_solutions(solution, capsys):
    check.q_sample(solution)
    assert "✓ q_sample" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (q_mistake(np.sqrt, lambda a: 0 * a), "noise passed in is not in the result"),
    (q_mistake(lambda a: a, lambda a: 1 - a), "those are variances"),
    (q_mistake(lambda a: np.sqrt(1 - a), np.sqrt), "swapped"),
    (q_mistake(lambda a: 1 + 0 * a, lambda a: np.sqrt(1 - a)), "x0 is not scaled"),
    (q_mistake(np.sqrt, lambda a: np.sqrt(1 - a), shift=1), "step t − 1"),
    (lambda x0, t, noise, ab: q_solution(x0, np.full_like(t, t[0]), noise, ab), "first one"),
    (lambda x0, t, noise, ab: np.sqrt(ab[t]) * x0 + np.sqrt(1 - ab[t]) * noise,
     "broadcast|raised ValueError"),
    (lambda x0, t, noise, ab: q_solution(x0, t, noise, ab) + 0.01, "not right yet"),
])
def test_q_sample_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.q_sample(wrong)


def test_ddim_step_accepts_the_solution(capsys):
    check.ddim_step(ddim_solution)
    assert "✓ ddim_step" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda x, e, a, p: (x - np.sqrt(1 - a) * e) / np.sqrt(a), "estimate x̂_0 itself"),
    (lambda x, e, a, p: np.sqrt(p) * (x - np.sqrt(1 - a) * e) / np.sqrt(a), "not added back"),
    (lambda x, e, a, p: np.sqrt(p) * (x - (1 - a) * e) / a + np.sqrt(1 - p) * e, "square roots"),
    (lambda x, e, a, p: ddim_solution(x, e, p, a), "swapped"),
    (lambda x, e, a, p: p * (x - np.sqrt(1 - a) * e) / np.sqrt(a) + (1 - p) * e, "instead of √a_prev"),
    (lambda x, e, a, p: ddim_solution(x, e, a, p)[:2], "returned shape"),
    (lambda x, e, a, p: ddim_solution(x, e, a, p) + 0.1 * np.random.default_rng(0).standard_normal(x.shape),
     "not right yet"),
])
def test_ddim_step_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.ddim_step(wrong)


@pytest.mark.parametrize("solution", [step_solution, step_by_snr])
def test_matching_step_accepts_solutions(solution, capsys):
    check.matching_step(solution)
    assert "✓ matching_step" in capsys.readouterr().out


def step_for(target):
    return lambda sigma, alpha_bar: int(np.argmin(np.abs(alpha_bar - target(sigma))))


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (step_for(lambda s: 1 / (1 + s ** 2)), "not rescaled to \\[−1, 1\\]"),
    (step_for(lambda s: 1 / (1 + 2 * s)), "uses its square"),
    (step_for(lambda s: min(1.0, 1 / (4 * s ** 2))), "not ᾱ_t"),
    (lambda s, ab: 1 / (1 + 4 * s ** 2), "not a whole number"),
    (lambda s, ab: len(ab), "between 0 and 999"),
    (lambda s, ab: 500, "not the step with the same"),
    (lambda s, ab: np.arange(3), "return one step"),
])
def test_matching_step_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.matching_step(wrong)


def test_steps_for_budget_accepts_the_reference(capsys):
    check.steps_for_budget(check.reference_steps_for_budget)
    assert "✓ steps_for_budget" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda s, b: max((k for k, r in s.items() if r["seconds_per_1000"] <= b), default=None),
     "take the fewer steps"),
    (lambda s, b: min(s, key=lambda k: s[k]["fd"]), "over the budget"),
    (lambda s, b: 1 / 0, "raised ZeroDivisionError"),
    (lambda s, b: min((r["fd"] for r in s.values() if r["seconds_per_1000"] <= b), default=None),
     "return a step count"),
    (lambda s, b: min((k for k, r in s.items() if r["seconds_per_1000"] <= b), default=None),
     "among the settings that fit"),
])
def test_steps_for_budget_names_the_common_mistakes(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.steps_for_budget(wrong)


# The build exercise: the diffusion train_step, checked by training it against the course's.

class RightStep(Diffusion):
    def train_step(self, data):
        x0 = self._to_model_space(data)
        t = keras.random.randint((ops.shape(x0)[0],), 0, self.timesteps, seed=self.seed_generator,
                                 dtype="int32")
        noise = keras.random.normal(ops.shape(x0), seed=self.seed_generator)
        a = ops.reshape(ops.take(ops.convert_to_tensor(self.alpha_bar), t), (-1, 1, 1, 1))
        x_t = ops.sqrt(a) * x0 + ops.sqrt(1.0 - a) * noise
        with tf.GradientTape() as tape:
            loss = ops.mean(ops.square(self.network([x_t, t], training=True) - noise))
        apply_gradients(self.optimizer, tape, loss, self.network.trainable_weights)
        self.update_ema()
        return track(self.metrics, {"loss": loss})


class NoAverage(Diffusion):
    def train_step(self, data):
        x_t, t, noise = self.noisy_batch(self._to_model_space(data))
        with tf.GradientTape() as tape:
            loss = ops.mean(ops.square(noise - self.network([x_t, t], training=True)))
        apply_gradients(self.optimizer, tape, loss, self.network.trainable_weights)
        return track(self.metrics, {"loss": loss})


class StubStep(Diffusion):
    def train_step(self, data):
        raise NotImplementedError()


def test_train_step_accepts_a_step_written_out_and_the_course_class(capsys):
    check.diffusion_train_step(RightStep)
    check.diffusion_train_step(Diffusion)
    assert capsys.readouterr().out.count("✓ diffusion_train_step") == 2


@pytest.mark.parametrize("hint", [
    "regresses x_0", "the same step t", "drawn before t", "stay in [0, 1]", "square roots"])
def test_train_step_names_each_known_mistake(hint):
    mistake = next(cls for text, cls in check._diffusion_mistakes().items() if hint in text)
    with pytest.raises(ExerciseError, match=re.escape(hint)):
        check.diffusion_train_step(mistake)


def test_train_step_catches_a_missing_average_a_stub_and_a_non_class():
    with pytest.raises(ExerciseError, match="ema_network.*update_ema"):
        check.diffusion_train_step(NoAverage)
    with pytest.raises(ExerciseError, match="not done yet"):
        check.diffusion_train_step(StubStep)
    with pytest.raises(ExerciseError, match="subclass of Diffusion"):
        check.diffusion_train_step(RightStep.train_step)

