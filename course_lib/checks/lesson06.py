"""Checks for the exercises of lesson 06 (the DCGAN): the discriminator's and the generator's losses,
both computed from logits."""

import numpy as np

from ..models import gan
from .feedback import ExerciseError, as_array, compare, passed, run_learner

EPSILON = 1e-7  # cross-entropy on probabilities clips them to [ε, 1 − ε]


def _logits(n, seed):
    return np.random.default_rng(seed).normal(0.0, 2.0, (n, 1)).astype(np.float32)


def _scalar(name, value):
    value = as_array(value)
    if value.size != 1:
        raise ExerciseError(f"{name}: returned shape {value.shape}; return one number, the loss "
                            f"averaged over the batch")
    return value.reshape(())


def _softplus(x):
    return np.logaddexp(0.0, np.asarray(x, np.float64))


def _as_probabilities(target, values):
    """Cross-entropies computed as if `values` were probabilities (the from_logits mistake), as
    plain code and as Keras (which adds ε inside the logarithms) compute them."""
    eps, one = np.float32(EPSILON), np.float32(1.0)
    p = np.clip(np.asarray(values, np.float32), eps, one - eps)  # in float32, like the learner
    plain = -(target * np.log(p) + (one - target) * np.log(one - p))
    keras_style = -(target * np.log(p + eps) + (one - target) * np.log(one - p + eps))
    return float(plain.mean()), float(keras_style.mean())


def discriminator_loss(loss_fn):
    """`loss_fn(real_logits, fake_logits)` must return the discriminator's cross-entropy: target
    1 ("real") on the real logits plus target 0 ("fake") on the generated ones, each averaged
    over its batch."""
    name = "discriminator_loss"
    cases = [(_logits(8, 0), _logits(8, 1)), (_logits(6, 2), _logits(4, 3))]
    for real, fake in cases:
        actual = _scalar(name, run_learner(name, loss_fn, real.copy(), fake.copy()))
        mistakes = {
            "the targets are swapped: real images should get target 1, generated ones target 0":
                _softplus(real).mean() + _softplus(-fake).mean(),
            "the logits were treated as probabilities: the discriminator outputs raw logits, so "
            "use from_logits=True (or a sigmoid inside the cross-entropy)":
                np.add(_as_probabilities(1.0, real), _as_probabilities(0.0, fake)),
            "only the real images' term is there: add the term for the generated images":
                _softplus(-real).mean(),
            "only the generated images' term is there: add the term for the real images":
                _softplus(fake).mean(),
        }
        _name_mistake(name, actual, mistakes)
        compare(name, actual, _softplus(-real).mean() + _softplus(fake).mean(), what="the loss",
                factors={"2 (add the two averages instead of averaging them)": 2.0,
                         "the batch size": len(real)})
    passed(name, len(cases))


def generator_loss(loss_fn):
    """`loss_fn(fake_logits)` must return the non-saturating generator loss: the cross-entropy of
    target 1 ("real") on the generated images' logits, averaged over the batch."""
    name = "generator_loss"
    cases = [_logits(8, 4), _logits(5, 5)]
    for fake in cases:
        actual = _scalar(name, run_learner(name, loss_fn, fake.copy()))
        mistakes = {
            "this is the minimax form log(1 − D(G(z))): it saturates while the discriminator "
            "wins easily; the generator should instead maximize log D(G(z))":
                -_softplus(fake).mean(),
            "the target is 0 (\"fake\"): the generator wants the discriminator to answer "
            "\"real\" for its images":
                _softplus(fake).mean(),
            "the logits were treated as probabilities: use from_logits=True (or a sigmoid "
            "inside the cross-entropy)":
                np.asarray(_as_probabilities(1.0, fake)),
        }
        _name_mistake(name, actual, mistakes)
        compare(name, actual, _softplus(-fake).mean(), what="the loss",
                factors={"the batch size": len(fake)})
    passed(name, len(cases))


def _name_mistake(name, actual, mistakes):
    for hint, wrong in mistakes.items():
        if np.any(np.isclose(actual, wrong, rtol=1e-4, atol=1e-5)):
            raise ExerciseError(f"{name}: {hint}")


def reference_discriminator_loss(real_logits, fake_logits):
    """The course's answer to `discriminator_loss` (the course GAN's own loss)."""
    return gan.discriminator_loss(real_logits, fake_logits)


REFERENCES = {"discriminator_loss": reference_discriminator_loss,
              "generator_loss": gan.generator_loss}
