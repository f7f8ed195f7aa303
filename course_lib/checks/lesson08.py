"""Checks for the exercises of lesson 08 (diffusion): the closed-form forward sampler q(x_t | x_0),
one deterministic DDIM step, and the step of a schedule that matches lesson 03's noise level.
The expected answers come from the course's own code (`noise_to_step`, `Diffusion.denoise_step`)."""

from types import SimpleNamespace

import numpy as np

from ..models.diffusion import Diffusion, noise_to_step, signal_schedule
from .feedback import ExerciseError, as_array, compare, name_mistake, passed, run_learner
from .training_check import train_class_alike


def _forward_cases():
    """(x0, t, noise, alpha_bar): images and vectors, on both schedules, steps spread over 1…T−1."""
    cases = []
    for seed, (shape, kind) in enumerate((((4, 5, 5, 1), "linear"), ((6, 3), "cosine"))):
        rng = np.random.default_rng(seed)
        alpha_bar = signal_schedule(kind)
        x0 = rng.uniform(-1, 1, shape).astype(np.float32)
        t = rng.integers(1, len(alpha_bar), shape[0]).astype(np.int32)
        t[0] = len(alpha_bar) - 1
        noise = rng.standard_normal(shape).astype(np.float32)
        cases.append((x0, t, noise, alpha_bar))
    return cases


def q_sample(q_sample_fn):
    """`q_sample_fn(x0, t, noise, alpha_bar)` must return √ᾱ_t·x0 + √(1 − ᾱ_t)·noise, with
    each example's own ᾱ_t (`t` holds one step per example)."""
    name = "q_sample"
    cases = _forward_cases()
    for x0, t, noise, alpha_bar in cases:
        actual = as_array(run_learner(name, q_sample_fn, x0.copy(), t.copy(), noise.copy(),
                                      alpha_bar.copy()))
        expected = np.asarray(noise_to_step(x0, t, noise, alpha_bar), np.float64)
        if actual.shape != x0.shape:
            hint = ""
            if actual.shape == x0.shape[:-1] + (len(x0),) or actual.ndim > x0.ndim:
                hint = (f": ᾱ_t has shape ({len(x0)},) and was broadcast against the last axis "
                        f"of x0; reshape it to ({len(x0)},{' 1,' * (x0.ndim - 1)}) first")
            raise ExerciseError(f"{name}: returned shape {actual.shape}, expected the shape of "
                                f"x0, {x0.shape}{hint}")
        shape = (-1,) + (1,) * (x0.ndim - 1)
        a = alpha_bar[t].astype(np.float64).reshape(shape)
        a_before = alpha_bar[t - 1].astype(np.float64).reshape(shape)
        a_first = np.full_like(a, alpha_bar[t[0]])
        x, eps = x0.astype(np.float64), noise.astype(np.float64)
        mistakes = {
            "the noise passed in is not in the result (draw no noise of your own)": np.sqrt(a) * x,
            "ᾱ_t scales x0 and 1 − ᾱ_t scales the noise: those are variances; the factors are "
            "their square roots": a * x + (1 - a) * eps,
            "the signal and noise factors are swapped: x0 gets √ᾱ_t, the noise √(1 − ᾱ_t)":
                np.sqrt(1 - a) * x + np.sqrt(a) * eps,
            "x0 is not scaled: the signal shrinks by √ᾱ_t as the noise grows":
                x + np.sqrt(1 - a) * eps,
            "ᾱ is read at step t − 1: `alpha_bar[t]` is already the share kept at step t":
                np.sqrt(a_before) * x + np.sqrt(1 - a_before) * eps,
            "every example got the ᾱ of the first one: index alpha_bar with the whole array t":
                np.sqrt(a_first) * x + np.sqrt(1 - a_first) * eps,
        }
        name_mistake(name, actual, mistakes, expected)
        compare(name, actual, expected, what="x_t")
    passed(name, len(cases))


def _library_ddim(x_t, eps_hat, a_t, a_prev):
    """The course's `Diffusion.denoise_step` with η = 0 on vectors (no clipping), with a fixed
    noise prediction in place of the network."""
    steps = np.array([a_prev, a_t], np.float32) if a_prev < 1 else np.array([a_t], np.float32)
    stand_in = SimpleNamespace(alpha_bar=steps, data_shape=x_t.shape[1:],
                               _predict_noise=lambda x, t: eps_hat)
    for method in ("estimate_clean", "clean_from_noise", "noise_from_clean"):
        setattr(stand_in, method, getattr(Diffusion, method).__get__(stand_in))
    t, t_prev = (1, 0) if a_prev < 1 else (0, -1)
    return Diffusion.denoise_step(stand_in, x_t, t, t_prev, 0.0, np.random.default_rng(0))


def ddim_step(ddim_fn):
    """`ddim_fn(x_t, eps_hat, a_t, a_prev)` must return the η = 0 DDIM update:
    x̂_0 = (x_t − √(1 − a_t)·ε̂)/√a_t, then √a_prev·x̂_0 + √(1 − a_prev)·ε̂."""
    name = "ddim_step"
    rng = np.random.default_rng(7)
    cases = [(0.05, 0.3), (0.6, 0.9), (0.2, 1.0)]
    for a_t, a_prev in cases:
        x_t = rng.standard_normal((5, 3)).astype(np.float32)
        eps = rng.standard_normal((5, 3)).astype(np.float32)
        actual = as_array(run_learner(name, ddim_fn, x_t.copy(), eps.copy(), a_t, a_prev))
        expected = np.asarray(_library_ddim(x_t, eps, a_t, a_prev), np.float64)
        if actual.shape != x_t.shape:
            raise ExerciseError(f"{name}: returned shape {actual.shape}, expected the shape of "
                                f"x_t, {x_t.shape}")
        x, e = x_t.astype(np.float64), eps.astype(np.float64)
        x0_hat = (x - np.sqrt(1 - a_t) * e) / np.sqrt(a_t)
        swapped = (x - np.sqrt(1 - a_prev) * e) / np.sqrt(a_prev)
        mistakes = {
            "this is the estimate x̂_0 itself: the step goes to the level a_prev, so add the "
            "predicted noise back with weight √(1 − a_prev)": x0_hat,
            "the predicted noise is not added back: x_prev = √a_prev·x̂_0 + √(1 − a_prev)·ε̂":
                np.sqrt(a_prev) * x0_hat,
            "x̂_0 divides by a_t and subtracts (1 − a_t)·ε̂: use the square roots, "
            "x̂_0 = (x_t − √(1 − a_t)·ε̂)/√a_t":
                np.sqrt(a_prev) * (x - (1 - a_t) * e) / a_t + np.sqrt(1 - a_prev) * e,
            "a_t and a_prev are swapped: x̂_0 comes from the current level a_t, the result sits "
            "at the earlier level a_prev": np.sqrt(a_t) * swapped + np.sqrt(1 - a_t) * e,
            "the result is scaled by a_prev instead of √a_prev":
                a_prev * x0_hat + (1 - a_prev) * e,
        }
        name_mistake(name, actual, mistakes, expected)
        compare(name, actual, expected, what="x_prev")
    same = as_array(run_learner(name, ddim_fn, x_t.copy(), eps.copy(), 0.4, 0.4))
    compare(name, same, x_t, what="a step to the same level (a_prev = a_t), which should return x_t")
    passed(name, len(cases) + 1)


def matching_step(step_fn):
    """`step_fn(sigma, alpha_bar)` must return the step t whose ᾱ_t equals 1/(1 + 4σ²): the
    signal-to-noise ratio of N(0, σ²) noise on [0, 1] images, on the [−1, 1] scale. Any step
    whose neighbours' ᾱ bracket that value is accepted."""
    name = "matching_step"
    cases = [(sigma, kind) for kind in ("linear", "cosine") for sigma in (0.5, 0.2, 1.0)]
    for sigma, kind in cases:
        alpha_bar = signal_schedule(kind)
        actual = run_learner(name, step_fn, sigma, alpha_bar.copy())
        value = as_array(actual)
        if value.size != 1:
            raise ExerciseError(f"{name}: returned shape {value.shape}; return one step t")
        value = float(value.reshape(()))
        if value != round(value):
            raise ExerciseError(f"{name}: returned {value:.4g}, not a whole number: return the "
                                f"step t (an index into alpha_bar), not ᾱ_t or a ratio")
        t = int(round(value))
        if not 0 <= t < len(alpha_bar):
            raise ExerciseError(f"{name}: returned t = {t}; a step lies between 0 and "
                                f"{len(alpha_bar) - 1}")
        target = 1 / (1 + 4 * sigma ** 2)
        if _closest(alpha_bar, target, t):
            continue
        mistakes = {
            "the image was not rescaled to [−1, 1]: there the noise's standard deviation is 2σ, "
            "not σ": 1 / (1 + sigma ** 2),
            "σ is a standard deviation: the signal-to-noise ratio uses its square, (2σ)²":
                1 / (1 + 2 * sigma),
            "the signal-to-noise ratio of step t is ᾱ_t / (1 − ᾱ_t), not ᾱ_t":
                min(1.0, 1 / (4 * sigma ** 2)),
        }
        for hint, wrong in mistakes.items():
            if _closest(alpha_bar, wrong, t):
                raise ExerciseError(f"{name}: {hint}")
        raise ExerciseError(f"{name}: for σ = {sigma} on the {kind} schedule you returned t = "
                            f"{t} (ᾱ_t = {alpha_bar[t]:.3f}); that is not the step with the same "
                            f"signal-to-noise ratio")
    passed(name, len(cases))


def _closest(alpha_bar, target, t) -> bool:
    """True when step t is (within one step) the step whose ᾱ is nearest `target`."""
    best = int(np.argmin(np.abs(alpha_bar - target)))
    return abs(t - best) <= 1


def steps_for_budget(choose_fn):
    """`choose_fn(sweep, budget)` must return, from `sweep` (steps → {"fd", "seconds_per_1000"}),
    the step count with the lowest Fréchet distance among those that sample 1,000 images in at
    most `budget` seconds (the fewer steps on a tie), or None when none fits."""
    name = "steps_for_budget"
    sweep = {50: {"fd": 22.0, "seconds_per_1000": 40.0}, 10: {"fd": 32.0, "seconds_per_1000": 8.0},
             100: {"fd": 22.0, "seconds_per_1000": 80.0}, 25: {"fd": 24.0, "seconds_per_1000": 20.0}}
    cases = [(30.0, 25), (40.0, 50), (100.0, 50), (5.0, None)]
    for budget, expected in cases:
        got = run_learner(name, choose_fn, {k: dict(v) for k, v in sweep.items()}, budget)
        if got == expected:
            continue
        if expected is None:
            raise ExerciseError(f"{name}: with {budget:g} s no setting fits; return None, got "
                                f"{got!r}")
        fits = [k for k, row in sweep.items() if row["seconds_per_1000"] <= budget]
        if got not in sweep:
            raise ExerciseError(f"{name}: return a step count (a key of `sweep`), got {got!r}")
        if sweep[got]["seconds_per_1000"] > budget:
            raise ExerciseError(f"{name}: {got} steps take {sweep[got]['seconds_per_1000']:g} s per "
                                f"1,000 images, over the budget of {budget:g} s")
        if got == max(fits) and sweep[got]["fd"] == sweep[expected]["fd"]:
            raise ExerciseError(f"{name}: with {budget:g} s, {got} and {expected} steps reach the "
                                f"same distance; take the fewer steps, the cheaper one")
        raise ExerciseError(f"{name}: with {budget:g} s you chose {got} steps (Fréchet distance "
                            f"{sweep[got]['fd']:g}); among the settings that fit, {expected} "
                            f"steps reach the lowest ({sweep[expected]['fd']:g})")
    passed(name, len(cases))


def reference_steps_for_budget(sweep, budget):
    """The course's answer to `steps_for_budget`."""
    fits = [(row["fd"], steps) for steps, row in sweep.items() if row["seconds_per_1000"] <= budget]
    return min(fits)[1] if fits else None


def reference_q_sample(x0, t, noise, alpha_bar):
    """The course's answer to `q_sample`."""
    a = np.asarray(alpha_bar)[np.asarray(t)].reshape((-1,) + (1,) * (np.ndim(x0) - 1))
    return np.sqrt(a) * x0 + np.sqrt(1 - a) * noise


def reference_ddim_step(x_t, eps_hat, a_t, a_prev):
    """The course's answer to `ddim_step`."""
    x0_hat = (x_t - np.sqrt(1 - a_t) * eps_hat) / np.sqrt(a_t)
    return np.sqrt(a_prev) * x0_hat + np.sqrt(1 - a_prev) * eps_hat


def reference_matching_step(sigma, alpha_bar):
    """The course's answer to `matching_step`."""
    return int(np.argmin(np.abs(np.asarray(alpha_bar) - 1 / (1 + 4 * sigma ** 2))))


# The build exercise: the diffusion model's `train_step`, checked by training the learner's
# subclass of `Diffusion` and the course's from the same weights, seed and batches.

def _diffusion_batches():
    """Three batches of four digit-like images in [0, 1]."""
    rng = np.random.default_rng(0)
    return [np.clip(rng.normal(0.15, 0.3, (4, 28, 28, 1)), 0.0, 1.0).astype(np.float32)
            for _ in range(3)]


def _small_diffusion(cls):
    """A tiny pixel diffusion model of class `cls` (U-Net widths 4, 8, 8 without group norm,
    the linear schedule, an average that moves fast enough to show), seeded and compiled alike."""
    import keras

    keras.utils.set_random_seed(3)
    model = cls(widths=(4, 8, 8), groups=0, ema_decay=0.5, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(0.01), run_eagerly=True)
    return model


def _diffusion_mistakes():
    """Train steps with one plausible mistake each, and what to tell a learner whose step
    trains like one of them."""
    import keras
    import tensorflow as tf
    from keras import ops

    from ..models.steps import apply_gradients, track, unit_images

    def step(target="noise", one_t=False, noise_first=False, raw_images=False, no_sqrt=False):
        def train_step(self, data):
            x0 = unit_images(data, "mistake") if raw_images else self._to_model_space(data)
            n = ops.shape(x0)[0]

            def draw_t():
                if one_t:
                    return ops.repeat(keras.random.randint((1,), 0, self.timesteps,
                                                           seed=self.seed_generator, dtype="int32"), n)
                return keras.random.randint((n,), 0, self.timesteps, seed=self.seed_generator,
                                            dtype="int32")
            if noise_first:
                noise = keras.random.normal(ops.shape(x0), seed=self.seed_generator)
                t = draw_t()
            else:
                t = draw_t()
                noise = keras.random.normal(ops.shape(x0), seed=self.seed_generator)
            if no_sqrt:
                a = ops.reshape(ops.take(ops.convert_to_tensor(self.alpha_bar), t), (-1, 1, 1, 1))
                x_t = a * x0 + (1.0 - a) * noise
            else:
                x_t = noise_to_step(x0, t, noise, self.alpha_bar)
            with tf.GradientTape() as tape:
                wanted = x0 if target == "x0" else noise
                loss = ops.mean(ops.square(wanted - self.network([x_t, t], training=True)))
            apply_gradients(self.optimizer, tape, loss, self.network.trainable_weights)
            self.update_ema()
            return track(self.metrics, {"loss": loss})
        return type("Mistake", (Diffusion,), {"train_step": train_step})

    return {
        "the network regresses x_0: its target is the noise ε that made x_t, as in DDPM":
            step(target="x0"),
        "every image of the batch got the same step t: draw one t per image, shape (batch,)":
            step(one_t=True),
        "ε is drawn before t: draw t first, then ε, both from self.seed_generator, so that your "
        "draws are the ones the check compares with": step(noise_first=True),
        "the images stay in [0, 1]: the model works on 2x − 1 (self._to_model_space(data)), "
        "the scale of the noise": step(raw_images=True),
        "x_t mixes ᾱ·x_0 and (1 − ᾱ)·ε: q(x_t | x_0) takes their square roots, "
        "√ᾱ·x_0 + √(1 − ᾱ)·ε, so that x_t keeps unit variance": step(no_sqrt=True),
    }


def _same_average(name):
    """A check that the learner's averaged network ends where the course's does."""
    def check(learner, reference):
        for mine, theirs in zip(learner.ema_network.weights, reference.ema_network.weights):
            if not np.allclose(np.asarray(mine), np.asarray(theirs), rtol=1e-3, atol=1e-5):
                raise ExerciseError(f"{name}: the losses and the trained weights match the "
                                    f"course's, but the averaged network (ema_network) ends "
                                    f"elsewhere: call self.update_ema() once per step, after "
                                    f"the optimizer's update")
    return check


def diffusion_train_step(diffusion_class):
    """`diffusion_class` must be a subclass of `Diffusion` whose `train_step` draws a step t per
    image and then ε, makes x_t with q(x_t | x_0), regresses ε with a mean squared error, updates
    the network and then its average: trained from the course's weights on the same batches with
    the same seed, it must give the course's losses, weights and averaged weights."""

    name = "diffusion_train_step"
    batches = _diffusion_batches()
    first, last = train_class_alike(name, diffusion_class, Diffusion, _small_diffusion, batches,
                                    _diffusion_mistakes, after=_same_average(name))
    print(f"✓ {name}: the same losses, weights and averaged weights as the course's on "
          f"{len(batches)} steps; on one batch the loss then fell from {first:.4f} to "
          f"{last:.4f} in 10 steps")


REFERENCES = {"q_sample": reference_q_sample, "ddim_step": reference_ddim_step,
              "matching_step": reference_matching_step, "steps_for_budget": reference_steps_for_budget,
              "diffusion_train_step": Diffusion}
