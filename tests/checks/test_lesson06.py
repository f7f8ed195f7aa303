"""The lesson-06 checks pass the solutions and reject stubs and plausible mistakes."""

import keras
import numpy as np
import pytest
from keras import ops

from course_lib.checks import ExerciseError
from course_lib.checks import lesson06 as check
from course_lib.models import gan


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
