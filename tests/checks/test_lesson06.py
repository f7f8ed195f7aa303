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
