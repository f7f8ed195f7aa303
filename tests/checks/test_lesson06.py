"""The lesson-06 checks pass the solutions and reject stubs and plausible mistakes."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from course_lib.checks import ExerciseError
from course_lib.checks import lesson06 as check
from course_lib.models import gan
from course_lib.models.steps import apply_gradients, track, unit_images


def bce(targets, logits, from_logits=True):
    return keras.losses.binary_crossentropy(targets, logits, from_logits=from_logits)


def d_solution(real_logits, fake_logits):
    return (ops.mean(bce(ops.ones_like(real_logits), real_logits))
            + ops.mean(bce(ops.zeros_like(fake_logits), fake_logits)))


def g_solution(fake_logits):
    return ops.mean(bce(ops.ones_like(fake_logits), fake_logits))


def stub(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("solution", [d_solution, gan.discriminator_loss])
def test_discriminator_loss_accepts_solutions(solution, capsys):
    check.discriminator_loss(solution)
    assert "✓ discriminator_loss" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda r, f: d_solution(f, r), "targets are swapped"),
    (lambda r, f: ops.mean(bce(ops.ones_like(r), r, False)) + ops.mean(bce(ops.zeros_like(f), f, False)),
     "treated as probabilities"),
    (lambda r, f: ops.mean(bce(ops.ones_like(r), r)), "only the real images' term"),
    (lambda r, f: ops.mean(bce(ops.zeros_like(f), f)), "only the generated images' term"),
    (lambda r, f: d_solution(r, f) / 2, "add the two averages"),
    (lambda r, f: ops.sum(bce(ops.ones_like(r), r)) + ops.sum(bce(ops.zeros_like(f), f)),
     "not right yet|batch size"),
    (lambda r, f: bce(ops.ones_like(r), r) + ops.mean(bce(ops.zeros_like(f), f)), "return one number"),
    (lambda r, f: gan.discriminator_loss(r, f, smoothing=0.1), "not right yet"),
])
def test_discriminator_loss_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.discriminator_loss(wrong)


@pytest.mark.parametrize("solution", [g_solution, gan.generator_loss,
                                      lambda f: -np.mean(np.log(1 / (1 + np.exp(-f))))])
def test_generator_loss_accepts_solutions(solution, capsys):
    check.generator_loss(solution)
    assert "✓ generator_loss" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda f: -ops.mean(bce(ops.zeros_like(f), f)), "minimax form"),
    (lambda f: ops.mean(bce(ops.zeros_like(f), f)), "target is 0"),
    (lambda f: ops.mean(bce(ops.ones_like(f), f, False)), "treated as probabilities"),
    (lambda f: ops.sum(bce(ops.ones_like(f), f)), "the batch size"),
    (lambda f: bce(ops.ones_like(f), f), "return one number"),
    (lambda f: ops.mean(f), "not right yet"),
])
def test_generator_loss_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.generator_loss(wrong)


def test_failed_variants_accepts_the_reference(capsys):
    check.failed_variants(check.reference_failed_variants)
    assert "✓ failed_variants" in capsys.readouterr().out


def against(root_only=False, grow=False, lower=False, d_real=False):
    """A learner's `failed_variants` with one common mistake."""
    def choose(table, reference_of):
        found = {}
        for variant, reference in reference_of.items():
            row, ref = table[variant], table["as trained" if root_only else reference]
            if (row["D(x)"] if d_real else row["D(G(z))"]) < 0.1:
                found[variant] = "D(G(z))"
            elif (row["norm last"] > 10 * ref["norm last"] if grow
                  else row["norm last"] < 0.1 * ref["norm last"]):
                found[variant] = "norm last"
            elif (row["frechet"] < ref["frechet"] / 1.2 if lower
                  else row["frechet"] > 1.2 * ref["frechet"]):
                found[variant] = "frechet"
        return found
    return choose


def everything(table, reference_of):
    return {v: check.reference_failed_variants(table, reference_of).get(v) for v in reference_of}


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (against(root_only=True), "compare it with that row"),
    (against(grow=True), "not a failure"),
    (against(lower=True), "lower is better"),
    (against(d_real=True), "not D\\(x\\)"),
    (everything, "leave it out of the dict"),
    (lambda t, r: list(check.reference_failed_variants(t, r)), "return a dict"),
    (lambda t, r: {**check.reference_failed_variants(t, r), "as trained": "frechet"}, "reference row"),
    (lambda t, r: {v: "frechet" for v in check.reference_failed_variants(t, r)}, "does not show it"),
])
def test_failed_variants_names_the_common_mistakes(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.failed_variants(wrong)


# The build exercise: the GAN's train_step, checked by training it against the course's.

class RightRound(gan.GAN):
    def train_step(self, data):
        real = unit_images(data, "RightRound")
        n = ops.shape(real)[0]
        fake = self.generator(self.sample_noise(n), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = gan.discriminator_loss(real_logits, fake_logits, self.label_smoothing)
        apply_gradients(self.d_optimizer, tape, d_loss, self.discriminator.trainable_weights)
        with tf.GradientTape() as tape:
            g_loss = gan.generator_loss(self.discriminator(
                self.generator(self.sample_noise(n), training=True), training=True))
        apply_gradients(self.g_optimizer, tape, g_loss, self.generator.trainable_weights)
        return track(self.metrics, {"d_loss": d_loss, "g_loss": g_loss,
                                    "d_real": ops.mean(ops.sigmoid(real_logits)),
                                    "d_fake": ops.mean(ops.sigmoid(fake_logits))})


class StubRound(gan.GAN):
    def train_step(self, data):
        raise NotImplementedError()


class LossesOnly(gan.GAN):
    def train_step(self, data):
        logs = RightRound.train_step(self, data)
        return {"d_loss": logs["d_loss"], "g_loss": logs["g_loss"]}


def test_train_step_accepts_a_right_round_and_the_course_class(capsys):
    check.gan_train_step(RightRound)
    check.gan_train_step(gan.GAN)
    assert capsys.readouterr().out.count("✓ gan_train_step") == 2


@pytest.mark.parametrize("hint", [
    "labels swapped", "real images only", "also moves D's weights", "before D",
    "reuses the noise", "saturating"])
def test_train_step_names_each_known_mistake(hint):
    mistake = next(cls for text, cls in check._gan_mistakes().items() if hint in text)
    with pytest.raises(ExerciseError, match=re.escape(hint)):
        check.gan_train_step(mistake)


def test_train_step_explains_a_stub_missing_numbers_and_a_non_class():
    with pytest.raises(ExerciseError, match="not done yet"):
        check.gan_train_step(StubRound)
    with pytest.raises(ExerciseError, match="also returns \\['d_fake', 'd_real'\\]"):
        check.gan_train_step(LossesOnly)
    with pytest.raises(ExerciseError, match="subclass of GAN"):
        check.gan_train_step(keras.Model)

