"""The lesson-03 checks pass the solutions and reject stubs and plausible mistakes."""

import re

import numpy as np
import pytest
import tensorflow as tf

from course_lib.checks import ExerciseError
from course_lib.checks import lesson03 as check
from course_lib.models.autoencoder import DenoisingAutoencoder
from course_lib.models.steps import apply_gradients, track, unit_images


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


def salt_pepper_solution(x, p, rng):
    out = x.copy()
    hit = rng.random(x.shape) < p
    out[hit] = rng.integers(0, 2, size=int(hit.sum()))
    return out


def salt_pepper_in_place(x, p, rng):
    hit = rng.random(x.shape) < p
    x[hit] = rng.integers(0, 2, size=int(hit.sum()))
    return x


def salt_pepper_reversed(x, p, rng):
    return np.where(rng.random(x.shape) > p, rng.integers(0, 2, x.shape), x)


def salt_pepper_two_masks(x, p, rng):
    out = np.where(rng.random(x.shape) < p, 0.0, x)
    return np.where(rng.random(x.shape) < p, 1.0, out)


def salt_pepper_uniform(x, p, rng):
    return np.where(rng.random(x.shape) < p, rng.random(x.shape), x)


def salt_pepper_flip(x, p, rng):
    return np.where(rng.random(x.shape) < p, 1.0 - x, x)


def test_salt_and_pepper_accepts_solution(capsys):
    check.salt_and_pepper(salt_pepper_solution)
    assert "✓ salt_and_pepper" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (salt_pepper_in_place, "changed its input"),
    (salt_pepper_reversed, "reversed"),
    (salt_pepper_two_masks, "ONE mask"),
    (salt_pepper_uniform, "neither 0 nor 1"),
    (salt_pepper_flip, "neither 0 nor 1"),
    (lambda x, p, rng: np.where(rng.random(x.shape) < p, 0.0, x), "pepper only"),
    (lambda x, p, rng: np.where(rng.random(x.shape) < p, 1.0, x), "salt only"),
    (lambda x, p, rng: np.where(rng.random(x.shape) < p / 2, rng.integers(0, 2, x.shape), x),
     "expected about 20%"),
    (lambda x, p, rng: np.where(rng.random(x.shape) < p, rng.random(x.shape) < 0.8, x),
     "expected about half"),
    (lambda x, p, rng: salt_pepper_solution(x, p, np.random.default_rng(0)), "same pixels"),
    (lambda x, p, rng: salt_pepper_solution(x, max(p, 0.01), rng), "p=0"),
    (lambda x, p, rng: salt_pepper_solution(x, min(p, 0.5), rng), "p=1"),
])
def test_salt_and_pepper_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.salt_and_pepper(wrong)


def test_alarm_threshold_accepts_the_reference_and_an_interpolated_quantile(capsys):
    check.alarm_threshold(check.reference_alarm_threshold)
    check.alarm_threshold(lambda s, b: np.quantile(s, 1 - b))
    assert "✓ alarm_threshold" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda s, b: np.quantile(s, b), "upper tail"),
    (lambda s, b: np.quantile(s, 1 - b / 2), "higher than it needs to be"),
    (lambda s, b: np.sort(s)[::-1][int(b * len(s)) + 1], "more than the budget allows"),
    (lambda s, b: s.sort() or s[int((1 - b) * len(s))], "changed its input"),
])
def test_alarm_threshold_names_the_common_mistakes(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.alarm_threshold(wrong)


@pytest.mark.parametrize("letter, message", [("a", "same test images"), ("c", "how a threshold"),
                                             ("d", "one of"), (2, "one of")])
def test_why_recall_differs_explains_each_wrong_choice(letter, message):
    with pytest.raises(ExerciseError, match=message):
        check.why_recall_differs(lambda: letter)
    check.why_recall_differs(lambda: " B ")


def test_why_recall_differs_not_answered_yet():
    def stub():
        raise NotImplementedError()

    with pytest.raises(ExerciseError, match="not done yet"):
        check.why_recall_differs(stub)


# The build exercise: the denoiser's train_step, checked by training it against the course's.

class RightStep(DenoisingAutoencoder):
    def train_step(self, data):
        clean = unit_images(data, "RightStep")
        damaged = self.corrupt(clean)
        with tf.GradientTape() as tape:
            scores = self.scores(clean, self(damaged, training=True))
        apply_gradients(self.optimizer, tape, scores["loss"], self.trainable_weights)
        return track(self.metrics, scores)


class StubStep(DenoisingAutoencoder):
    def train_step(self, data):
        raise NotImplementedError()


class UntrackedStep(DenoisingAutoencoder):
    def train_step(self, data):
        return {"loss": RightStep.train_step(self, data)["loss"]}


def test_train_step_accepts_a_right_step_and_the_course_class(capsys):
    check.denoiser_train_step(RightStep)
    check.denoiser_train_step(DenoisingAutoencoder)
    assert capsys.readouterr().out.count("✓ denoiser_train_step") == 2


@pytest.mark.parametrize("hint", [
    "with the DAMAGED batch", "the network sees the clean batch", "gradient is taken of the MSE",
    "weights never change"])
def test_train_step_names_each_known_mistake(hint):
    mistake = next(cls for text, cls in check._denoiser_mistakes().items() if hint in text)
    with pytest.raises(ExerciseError, match=re.escape(hint)):
        check.denoiser_train_step(mistake)


def test_train_step_explains_a_stub_a_missing_score_and_a_non_class():
    with pytest.raises(ExerciseError, match="not done yet"):
        check.denoiser_train_step(StubStep)
    with pytest.raises(ExerciseError, match="also returns \\['mse'\\]"):
        check.denoiser_train_step(UntrackedStep)
    with pytest.raises(ExerciseError, match="subclass of DenoisingAutoencoder"):
        check.denoiser_train_step(RightStep(latent_dim=2))
