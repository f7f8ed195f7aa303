"""The lesson-05 checks pass the solutions and reject stubs and plausible mistakes."""

import numpy as np
import pytest

from course_lib.checks import ExerciseError
from course_lib.checks import lesson05 as check


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
