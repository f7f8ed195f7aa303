"""Checking a learner's training code by training with it.

The learner's model and the course's reference are built alike (same layers, same seed), start
from the same weights and take the same batches; after each step their losses must agree, and
after the last one their weights too. A mismatch is explained by the first known mistake whose
model, built and trained alike, gives the learner's losses. `train_class_alike` does this for a
learner's subclass of one of the course's models, and then checks that its loss falls.
"""

import numpy as np

from .feedback import ExerciseError, run_learner


def train_alike(exercise: str, learner, reference, batches, mistakes: dict = None,
                rtol: float = 1e-3, atol: float = 1e-5) -> list:
    """Train `learner` and `reference` from the reference's weights, one `train_on_batch` step
    per batch (an array x, or a tuple (x, y)), and raise `ExerciseError` unless every step's
    losses and the final weights agree.

    `mistakes` maps a hint to a model built alike that makes that mistake, or is a function
    without arguments, called only when the learner's run differs, that returns such a mapping
    or (hint, model) pairs one at a time, so that no mistake is built after the one that
    matches. The first mistake whose losses and final weights the learner's match is named.
    Returns the learner's losses, one dict per step.
    """
    batches = list(batches)
    if not batches:
        raise ValueError("train_alike needs at least one batch")
    _require_built(learner, reference, *(mistakes.values() if isinstance(mistakes, dict) else ()))
    start = reference.get_weights()
    learner_losses = _train(exercise, learner, start, batches)
    reference_losses = _train("the reference", reference, start, batches)
    _same_names(exercise, learner_losses[0], reference_losses[0])
    step = _first_difference(learner_losses, reference_losses, rtol, atol)
    moved = _moved_weight(learner, reference, rtol, atol) if step is None else None
    if step is None and moved is None:
        return learner_losses
    if callable(mistakes):
        mistakes = mistakes()
    for hint, model in (mistakes.items() if isinstance(mistakes, dict) else mistakes or ()):
        _require_built(model)
        wrong = _train("a known mistake", model, start, batches)
        if (_first_difference(learner_losses, wrong, rtol, atol) is None
                and _moved_weight(learner, model, rtol, atol) is None):
            raise ExerciseError(f"{exercise}: {hint}")
    if step is None:
        raise ExerciseError(f"{exercise}: the losses match the reference's but weight {moved} "
                            f"ends elsewhere: check which variables each optimizer updates, and "
                            f"with which gradients")
    name = next(key for key in reference_losses[step]
                if not _close(learner_losses[step][key], reference_losses[step][key], rtol, atol))
    raise ExerciseError(
        f"{exercise}: after step {step + 1} of {len(batches)} (same weights, same batches, "
        f"same seed) {name} is {learner_losses[step][name]:.6g}, the reference's is "
        f"{reference_losses[step][name]:.6g}")
    return learner_losses


def loss_falls(exercise: str, model, batch, steps: int = 20, key: str = "loss",
               by: float = 0.95) -> tuple:
    """Train `model` `steps` times on one batch and raise `ExerciseError` unless loss `key` ends
    below `by` times its first value. Returns (first, last)."""
    if steps < 2:
        raise ValueError(f"loss_falls needs at least 2 steps, got {steps}")
    values = [_step(exercise, model, batch)[key] for _ in range(steps)]
    first, last = values[0], values[-1]
    if not np.isfinite(last):
        raise ExerciseError(f"{exercise}: {key} became {last} while training on one batch")
    if not last < by * first:
        raise ExerciseError(f"{exercise}: {steps} steps on one batch took {key} from {first:.4g} "
                            f"to {last:.4g}; it should fall below {by:g} × the first value: check "
                            f"that the gradient is taken of this loss and applied to the weights")
    return first, last


def train_class_alike(name, learner_class, reference_class, build, batches, mistakes,
                      falls: str = "loss", after=None):
    """Check a learner's subclass of the course's model `reference_class` by training: models
    made by `build(cls)` from the learner's class and the course's must train alike on `batches`
    (`training_check.train_alike`), and then the learner's loss `falls` (None: no such check)
    must fall on one batch. The models of `mistakes()` (hint → class) are built only when the
    learner's run differs, one at a time until one matches, to name the mistake.
    `after(learner, reference)`, when given, checks more of the two trained models. Returns that
    loss before and after 10 steps."""
    if not (isinstance(learner_class, type) and issubclass(learner_class, reference_class)):
        raise ExerciseError(f"{name}: pass your class itself (a subclass of "
                            f"{reference_class.__name__}), got {learner_class!r}")
    learner, reference = build(learner_class), build(reference_class)
    train_alike(name, learner, reference, batches,
                lambda: ((hint, build(cls)) for hint, cls in mistakes().items()))
    if after is not None:
        after(learner, reference)
    return None if falls is None else loss_falls(name, learner, batches[0], steps=10, key=falls)


def _require_built(*models):
    if not all(model.built for model in models):
        raise ValueError("build every model (call it on a batch) before train_alike")


def _train(exercise, model, weights, batches):
    """One step per batch from `weights`; each step's losses as floats."""
    model.set_weights(weights)
    return [_step(exercise, model, batch) for batch in batches]


def _step(exercise, model, batch):
    x, y = batch if isinstance(batch, tuple) else (batch, None)
    logs = run_learner(exercise, model.train_on_batch, x, y, return_dict=True)
    if not isinstance(logs, dict) or not logs:
        raise ExerciseError(f"{exercise}: train_step returned {logs!r}; it should return a dict "
                            f"of loss name → value")
    return {name: float(np.asarray(value)) for name, value in logs.items()}


def _same_names(exercise, learner_logs, reference_logs):
    missing = sorted(set(reference_logs) - set(learner_logs))
    if missing:
        raise ExerciseError(f"{exercise}: train_step returned {sorted(learner_logs)}; the "
                            f"reference also returns {missing}")


def _first_difference(actual, expected, rtol, atol):
    for step, (mine, theirs) in enumerate(zip(actual, expected)):
        if not all(name in mine and _close(mine[name], value, rtol, atol)
                   for name, value in theirs.items()):
            return step
    return None


def _close(a, b, rtol, atol):
    return bool(np.isclose(a, b, rtol=rtol, atol=atol))


def _moved_weight(model, other, rtol, atol):
    """The path of the first trainable weight of `model` that ends away from `other`'s, or None."""
    for mine, theirs in zip(model.trainable_weights, other.trainable_weights):
        if not np.allclose(np.asarray(mine), np.asarray(theirs), rtol=rtol, atol=atol):
            return mine.path
    return None
