"""The lesson-05 checks pass the solutions and reject stubs and plausible mistakes."""

import re

import keras
import numpy as np
import pytest
from keras import ops

from course_lib.checks import ExerciseError
from course_lib.checks import lesson05 as check
from course_lib.models.vae import VAE


def reparameterize_solution(z_mean, z_log_var, epsilon):
    return z_mean + np.exp(0.5 * z_log_var) * epsilon


def kl_solution(z_mean, z_log_var):
    return -0.5 * np.sum(1 + z_log_var - z_mean ** 2 - np.exp(z_log_var), axis=-1)


def vector_solution(codes, has_attribute):
    return codes[has_attribute].mean(0) - codes[~has_attribute].mean(0)


def stub(*args):
    raise NotImplementedError()


def test_reparameterize_accepts_solution(capsys):
    check.reparameterize(reparameterize_solution)
    assert "✓ reparameterize" in capsys.readouterr().out


def test_reparameterize_accepts_keras_ops(capsys):
    from keras import ops

    check.reparameterize(lambda m, v, e: m + ops.exp(0.5 * v) * e)
    assert "✓ reparameterize" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda m, v, e: m + np.exp(v) * e, "by the variance"),
    (lambda m, v, e: m + v * e, "log σ² itself"),
    (lambda m, v, e: m + np.exp(0.5 * v) * np.random.standard_normal(m.shape), "not right yet"),
    (lambda m, v, e: m - np.exp(0.5 * v) * e, "not right yet"),
])
def test_reparameterize_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.reparameterize(wrong)


def test_vae_kl_accepts_solution(capsys):
    check.vae_kl(kl_solution)
    assert "✓ vae_kl" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda m, v: -kl_solution(m, v), "wrong sign"),
    (lambda m, v: kl_solution(m, v) / m.shape[1], "number of latent dimensions"),
    (lambda m, v: 2 * kl_solution(m, v), "the ½ in front"),
    (lambda m, v: np.mean(kl_solution(m, v)), "one number for the whole batch"),
    (lambda m, v: 0.5 * np.sum(m ** 2 + np.exp(v) - v, axis=-1), "not right yet"),
])
def test_vae_kl_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.vae_kl(wrong)


def test_vae_kl_catches_a_constant_offset_at_the_prior():
    # right on every case but one: a KL that is not 0 at the prior
    def offset(m, v):
        return kl_solution(m, v) + (np.abs(m).sum() == 0) * 0.1

    with pytest.raises(ExerciseError, match="must be 0"):
        check.vae_kl(offset)


def test_attribute_vector_accepts_solution(capsys):
    check.attribute_vector(vector_solution)
    assert "✓ attribute_vector" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda c, h: -vector_solution(c, h), "wrong sign"),
    (lambda c, h: c[h].mean(0) - c.mean(0), "mean of all codes"),
    (lambda c, h: c[h].sum(0) - c[~h].sum(0), "not the sum"),
    (lambda c, h: c[h].mean(0), "not right yet"),
])
def test_attribute_vector_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.attribute_vector(wrong)


def test_pick_c_accepts_the_reference(capsys):
    check.pick_c(check.reference_pick_c)
    assert "✓ pick_c" in capsys.readouterr().out


def pick_within(key="reconstruction", strict=False, larger_on_tie=False, absolute=False):
    """A learner's `pick_c` with one common mistake."""
    def pick(rows, max_extra):
        floor = 0.0 if absolute else min(row[key] for row in rows.values())
        fits = [c for c, row in rows.items()
                if (row[key] < floor + max_extra if strict else row[key] <= floor + max_extra)]
        if not fits:
            return None
        return max(fits, key=lambda c: (rows[c]["completeness"], c if larger_on_tie else -c))
    return pick


@pytest.mark.parametrize("wrong, message", [
    (lambda rows, m: max(rows, key=lambda c: rows[c]["completeness"]), "the budget was ignored"),
    (pick_within(key="kl"), "not to the KL"),
    (lambda rows, m: min(rows, key=lambda c: rows[c]["reconstruction"]), "lowest reconstruction"),
    (pick_within(strict=True), "at most"),
    (pick_within(larger_on_tie=True), "take the smaller c"),
    (pick_within(absolute=True), "above the lowest"),
    (lambda rows, m: rows[check.reference_pick_c(rows, m)], "return a value of c"),
    (lambda rows, m: 1 / 0, "raised ZeroDivisionError"),
])
def test_pick_c_names_the_common_mistakes(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.pick_c(wrong)


# The build exercise: the VAE's compute_losses, checked by training it against the course's.

class RightLosses(VAE):
    def compute_losses(self, x, training=False):
        z_mean, z_log_var = self.encoder(x, training=training)
        logits = self.decoder(self.sampling([z_mean, z_log_var]), training=training)
        per_pixel = keras.losses.binary_crossentropy(x, logits, from_logits=True)
        reconstruction = ops.mean(ops.sum(per_pixel, axis=(1, 2)))
        kl = ops.mean(-0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var),
                                     axis=-1))
        return {"loss": reconstruction + self.kl_weight * kl, "reconstruction": reconstruction,
                "kl": kl}


class StubLosses(VAE):
    def compute_losses(self, x, training=False):
        raise NotImplementedError()


class LossOnly(VAE):
    def compute_losses(self, x, training=False):
        return {"loss": RightLosses.compute_losses(self, x, training)["loss"]}


def test_vae_losses_accepts_keras_cross_entropy_and_the_course_class(capsys):
    check.vae_losses(RightLosses)
    check.vae_losses(VAE)
    assert capsys.readouterr().out.count("✓ vae_losses") == 2


@pytest.mark.parametrize("hint", [
    "averaged over the pixels", "averaged over the latent dimensions", "summed over the batch",
    "ignores the KL weight", "minus sign", "decoder gets z_mean", "used as log σ"])
def test_vae_losses_names_each_known_mistake(hint):
    mistake = next(cls for text, cls in check._vae_mistakes().items() if hint in text)
    with pytest.raises(ExerciseError, match=re.escape(hint)):
        check.vae_losses(mistake)


def test_vae_losses_explains_a_stub_missing_terms_and_a_non_class():
    with pytest.raises(ExerciseError, match="not done yet"):
        check.vae_losses(StubLosses)
    with pytest.raises(ExerciseError, match="KeyError: 'reconstruction'"):
        check.vae_losses(LossOnly)
    with pytest.raises(ExerciseError, match="subclass of VAE"):
        check.vae_losses("VAE")

