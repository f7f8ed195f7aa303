"""Checks for the exercises of lesson 09 (flow matching): the flow-matching loss, an Euler sampler
from noise to data, and the decision of a guidance weight. The expected answers come from the
course's own code (`straight_path`, `velocity_target`, `euler_step`)."""

import numpy as np

from ..models.flow import euler_step, straight_path, velocity_target
from .feedback import ExerciseError, as_array, compare, name_mistake, passed, run_learner


def _loss_cases():
    """(x0, noise, t, velocity_fn, label): images and vectors, with three velocity fields: zero,
    one that depends on x_t, one that depends on t."""
    cases = []
    fields = {"a field of zeros": lambda x, t: 0.0 * x,
              "v(x, t) = 0.5·x": lambda x, t: 0.5 * x,
              "v(x, t) = t (per example)": lambda x, t: np.ones_like(x) * np.reshape(
                  t, (-1,) + (1,) * (np.ndim(x) - 1))}
    for seed, shape in enumerate(((6, 4, 4, 1), (5, 3))):
        rng = np.random.default_rng(seed)
        x0 = rng.uniform(-1, 1, shape)
        noise = rng.standard_normal(shape)
        t = rng.uniform(0.05, 0.95, shape[0])
        for label, field in fields.items():
            cases.append((x0, noise, t, field, label))
    return cases


def _loss(x0, noise, t, velocity_fn, path=None, target=None):
    x_t = np.asarray(straight_path(x0, noise, t), np.float64) if path is None else path
    target = np.asarray(velocity_target(x0, noise), np.float64) if target is None else target
    return float(np.mean((target - np.asarray(velocity_fn(x_t, t), np.float64)) ** 2))


def flow_matching_loss(loss_fn):
    """`loss_fn(x0, noise, t, velocity_fn)` must build x_t = (1 − t)·x0 + t·noise (one t per
    example), ask `velocity_fn(x_t, t)` for the velocity and return the mean squared difference
    from the target noise − x0, as one number."""
    name = "flow_matching_loss"
    cases = _loss_cases()
    for x0, noise, t, field, label in cases:
        actual = as_array(run_learner(name, loss_fn, x0.copy(), noise.copy(), t.copy(), field))
        if actual.size != 1:
            raise ExerciseError(f"{name}: returned shape {actual.shape}; return one number, "
                                f"the mean over every example and pixel")
        actual = float(actual.reshape(()))
        expected = _loss(x0, noise, t, field)
        col = np.reshape(t, (-1,) + (1,) * (x0.ndim - 1))
        mistakes = {
            "the target's sign is flipped: the velocity from data (t = 0) to noise (t = 1) is "
            "noise − x0": _loss(x0, noise, t, field, target=x0 - noise),
            "x0 and the noise are swapped on the path: at t = 0 the point is the data, "
            "x_t = (1 − t)·x0 + t·noise": _loss(x0, noise, t, field,
                                                 path=col * x0 + (1 - col) * noise),
            "the target is the noise itself; in flow matching it is the velocity, noise − x0":
                _loss(x0, noise, t, field, target=noise),
            "the velocity was asked at the data x0, not at the point x_t on the path":
                _loss(x0, noise, t, field, path=x0),
            "the error is not squared": float(np.mean(
                np.asarray(velocity_target(x0, noise)) - np.asarray(
                    field(np.asarray(straight_path(x0, noise, t)), t)))),
        }
        name_mistake(name, np.array(actual), mistakes, expected)
        compare(name, actual, expected, what=f"the loss for {label}")
    passed(name, len(cases))


def _euler_reference(velocity_fn, x1, steps):
    x, times = np.asarray(x1, np.float64), np.linspace(1.0, 0.0, steps + 1)
    for t, t_next in zip(times[:-1], times[1:]):
        x = euler_step(velocity_fn, x, t, t_next)
    return x


def euler_sample(sample_fn):
    """`sample_fn(velocity_fn, x1, steps)` must carry `x1` (noise, at t = 1) to t = 0 in `steps`
    equal Euler steps, x ← x + (t_next − t)·velocity_fn(x, t), and return the result."""
    name = "euler_sample"
    rng = np.random.default_rng(3)
    x1 = rng.standard_normal((4, 3))
    fields = {"a constant field": lambda x, t: np.ones_like(x) * 2.0,
              "v(x, t) = x": lambda x, t: x,
              "v(x, t) = t·x": lambda x, t: t * x}
    cases = [(label, field, steps) for label, field in fields.items() for steps in (1, 4)]
    for label, field, steps in cases:
        calls = []

        def recorded(x, t, field=field):
            calls.append(float(np.asarray(t)))
            return field(x, t)

        actual = as_array(run_learner(name, sample_fn, recorded, x1.copy(), steps))
        expected = _euler_reference(field, x1, steps)
        if actual.shape != x1.shape:
            raise ExerciseError(f"{name}: returned shape {actual.shape}, expected the shape of "
                                f"x1, {x1.shape}")
        if len(calls) != steps:
            raise ExerciseError(f"{name}: with {steps} steps the velocity was asked {len(calls)} "
                                f"times; Euler asks once per step")
        grid = np.linspace(1.0, 0.0, steps + 1)
        mistakes = {}
        x_fwd, x_late = x1.copy(), x1.copy()
        for t, t_next in zip(grid[:-1], grid[1:]):
            x_fwd = x_fwd + (t - t_next) * field(x_fwd, t)
            x_late = x_late + (t_next - t) * field(x_late, t_next)
        mistakes["the steps go the wrong way: from t = 1 to t = 0 each step has t_next − t < 0, "
                 "so x ← x + (t_next − t)·v moves against the velocity"] = x_fwd
        mistakes["the velocity was read at the end of each step (t_next); Euler reads it at the "
                 "start, t"] = x_late
        name_mistake(name, actual, mistakes, expected)
        if calls and abs(calls[0] - 1.0) > 1e-9:
            raise ExerciseError(f"{name}: the first velocity was asked at t = {calls[0]:g}; "
                                f"Euler reads it at the start of each step, and the first "
                                f"starts at t = 1, where the noise x1 sits")
        compare(name, actual, expected, what=f"x at t = 0 for {label}, {steps} step(s)")
    passed(name, len(cases))


def guidance_for(choose_fn):
    """`choose_fn(sweep, share_target, min_recall)` must return, from `sweep` (guidance weight →
    {"class_share", "recall"}), the smallest weight whose class share reaches `share_target`
    among those whose recall is at least `min_recall`, or None when none does."""
    name = "guidance_for"
    sweep = {0.0: {"class_share": 0.62, "recall": 0.80}, 1.0: {"class_share": 0.95, "recall": 0.78},
             2.0: {"class_share": 0.985, "recall": 0.74}, 3.0: {"class_share": 0.99, "recall": 0.70},
             5.0: {"class_share": 0.995, "recall": 0.55}}
    cases = [(0.98, 0.7, 2.0), (0.99, 0.6, 3.0), (0.9, 0.0, 1.0), (0.98, 0.75, None),
             (0.999, 0.0, None)]
    for target, min_recall, expected in cases:
        got = run_learner(name, choose_fn, {k: dict(v) for k, v in sweep.items()}, target,
                          min_recall)
        if got == expected:
            continue
        if expected is None:
            raise ExerciseError(f"{name}: for a share of {target:g} with recall ≥ {min_recall:g} "
                                f"no weight qualifies; return None, got {got!r}")
        if got not in sweep:
            raise ExerciseError(f"{name}: return a guidance weight (a key of `sweep`), got "
                                f"{got!r}")
        row = sweep[got]
        if row["recall"] < min_recall:
            raise ExerciseError(f"{name}: w = {got:g} has recall {row['recall']:g}, below the "
                                f"diversity budget {min_recall:g}")
        if row["class_share"] < target:
            raise ExerciseError(f"{name}: w = {got:g} reaches a class share of "
                                f"{row['class_share']:g}, below the target {target:g}")
        raise ExerciseError(f"{name}: w = {got:g} qualifies, but so does the smaller "
                            f"w = {expected:g}; every step up in w costs diversity, so take the "
                            f"smallest that qualifies")
    passed(name, len(cases))


def reference_flow_matching_loss(x0, noise, t, velocity_fn):
    """The course's answer to `flow_matching_loss`."""
    t_col = np.reshape(t, (-1,) + (1,) * (np.ndim(x0) - 1))
    x_t = (1 - t_col) * x0 + t_col * noise
    return np.mean((noise - x0 - velocity_fn(x_t, t)) ** 2)


def reference_euler_sample(velocity_fn, x1, steps):
    """The course's answer to `euler_sample`."""
    x, times = x1, np.linspace(1.0, 0.0, steps + 1)
    for t, t_next in zip(times[:-1], times[1:]):
        x = x + (t_next - t) * velocity_fn(x, t)
    return x


def reference_guidance_for(sweep, share_target, min_recall):
    """The course's answer to `guidance_for`."""
    fits = [w for w, row in sweep.items()
            if row["class_share"] >= share_target and row["recall"] >= min_recall]
    return min(fits) if fits else None


REFERENCES = {"flow_matching_loss": reference_flow_matching_loss,
              "euler_sample": reference_euler_sample, "guidance_for": reference_guidance_for}
