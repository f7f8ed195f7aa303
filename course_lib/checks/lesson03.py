"""Checks for the exercises of lesson 03 (denoising and inpainting autoencoders)."""

import numpy as np

from ..models.autoencoder import DenoisingAutoencoder
from .feedback import ExerciseError, compare, passed, run_learner
from .training_check import train_class_alike


def gaussian_noise(noise_fn):
    """`noise_fn(x, sigma, rng)` must return a new array: `x` plus Gaussian noise of standard
    deviation `sigma` drawn from the NumPy generator `rng`, clipped to [0, 1]."""
    name = "gaussian_noise"
    x = np.full((50, 28, 28, 1), 0.5, dtype=np.float32)
    original = x.copy()
    rng = np.random.default_rng(0)
    noisy = np.asarray(run_learner(name, noise_fn, x, 0.1, rng))
    if noisy.shape != x.shape:
        raise ExerciseError(f"{name}: the output has shape {noisy.shape}, expected {x.shape}")
    if not np.array_equal(x, original):
        raise ExerciseError(f"{name}: your function changed its input; return a new array")
    mean, std = float(noisy.mean()), float(noisy.std())
    if abs(mean - 0.5) > 0.01:
        raise ExerciseError(f"{name}: noise on a grey image should average to 0.5, got {mean:.3f}; "
                            f"the noise must have mean 0")
    if abs(std - 0.01) < 0.003:
        raise ExerciseError(f"{name}: with sigma=0.1 the noise has standard deviation {std:.4f}, "
                            f"about sigma²: scale standard normal draws by sigma, not by its square")
    if abs(std - 0.1) > 0.005:
        raise ExerciseError(f"{name}: with sigma=0.1 the noise has standard deviation {std:.4f}, "
                            f"expected about 0.1")
    again = np.asarray(run_learner(name, noise_fn, x, 0.1, rng))
    if np.array_equal(again, noisy):
        raise ExerciseError(f"{name}: two calls gave the same noise; draw it from `rng` so "
                            f"every call gets fresh noise")
    strong = np.asarray(run_learner(name, noise_fn, x, 2.0, rng))
    if strong.min() < 0 or strong.max() > 1:
        raise ExerciseError(f"{name}: with sigma=2 values span [{strong.min():.2f}, "
                            f"{strong.max():.2f}]; clip the result back to [0, 1]")
    compare(name, run_learner(name, noise_fn, x, 0.0, rng), x, what="the output for sigma=0")
    passed(name, 4)


def blank_square(blank_fn):
    """`blank_fn(x, top, left, size)` must return a copy of `x` whose pixels in rows
    top … top+size-1 and columns left … left+size-1 are 0 (every image, every channel)."""
    name = "blank_square"
    x = np.random.default_rng(0).uniform(0.1, 1.0, (3, 28, 28, 1)).astype(np.float32)
    original = x.copy()
    for top, left, size in ((0, 0, 5), (10, 3, 8), (20, 14, 8)):
        out = np.asarray(run_learner(name, blank_fn, x, top, left, size))
        if not np.array_equal(x, original):
            raise ExerciseError(f"{name}: your function changed its input; blank a copy")
        if out.shape != x.shape:
            raise ExerciseError(f"{name}: the output has shape {out.shape}, expected {x.shape}")
        expected = x.copy()
        expected[:, top:top + size, left:left + size, :] = 0.0
        if np.array_equal(out, expected):
            continue
        n_zero, n_expected = int((out[0] == 0).sum()), size * size
        if n_zero != n_expected:
            raise ExerciseError(f"{name}: (top={top}, left={left}, size={size}) blanked {n_zero} "
                                f"pixels per image, expected {n_expected} (size × size)")
        swapped = x.copy()
        swapped[:, left:left + size, top:top + size, :] = 0.0
        if np.array_equal(out, swapped):
            raise ExerciseError(f"{name}: rows and columns are swapped: `top` picks rows (axis 1), "
                                f"`left` picks columns (axis 2)")
        raise ExerciseError(f"{name}: (top={top}, left={left}, size={size}) blanked the right "
                            f"number of pixels in the wrong place")
    passed(name, 3)


def salt_and_pepper(noise_fn):
    """`noise_fn(x, p, rng)` must return a new array in which each pixel, with probability `p`
    (drawn from the NumPy generator `rng`), is set to 0 or to 1 with equal odds, every other
    pixel keeping its value."""
    name = "salt_and_pepper"
    # Pixels strictly inside (0, 1): a changed pixel is one that became exactly 0 or 1.
    x = np.random.default_rng(0).uniform(0.05, 0.95, (200, 28, 28, 1)).astype(np.float32)
    original = x.copy()
    rng = np.random.default_rng(1)
    p = 0.2
    out = np.asarray(run_learner(name, noise_fn, x, p, rng))
    if not np.array_equal(x, original):
        raise ExerciseError(f"{name}: your function changed its input; return a new array")
    if out.shape != x.shape:
        raise ExerciseError(f"{name}: the output has shape {out.shape}, expected {x.shape}")
    changed = out != x
    if np.any((out[changed] != 0) & (out[changed] != 1)):
        raise ExerciseError(f"{name}: some changed pixels are neither 0 nor 1; a chosen pixel "
                            f"becomes exactly 0 (pepper) or exactly 1 (salt)")
    fraction = float(changed.mean())
    if abs(fraction - (1 - p)) < 0.01:
        raise ExerciseError(f"{name}: with p={p} you changed {fraction:.1%} of the pixels, about "
                            f"1 - p: the mask is reversed, change a pixel when its draw is below p")
    if abs(fraction - (1 - (1 - p) ** 2)) < 0.01:
        raise ExerciseError(f"{name}: with p={p} you changed {fraction:.1%} of the pixels, about "
                            f"1 - (1 - p)²: draw ONE mask of the pixels to change (probability p), "
                            f"then pick 0 or 1 for each of them, not a salt mask and a pepper mask "
                            f"of probability p each")
    if abs(fraction - p) > 0.01:
        raise ExerciseError(f"{name}: with p={p} you changed {fraction:.1%} of the pixels, "
                            f"expected about {p:.0%}")
    salt = float(out[changed].mean())
    if salt < 0.05:
        raise ExerciseError(f"{name}: every changed pixel is 0 (pepper only); set half of them to "
                            f"1 (salt)")
    if salt > 0.95:
        raise ExerciseError(f"{name}: every changed pixel is 1 (salt only); set half of them to "
                            f"0 (pepper)")
    if abs(salt - 0.5) > 0.03:
        raise ExerciseError(f"{name}: {salt:.0%} of the changed pixels are 1; expected about half "
                            f"(salt and pepper equally likely)")
    again = np.asarray(run_learner(name, noise_fn, x, p, rng))
    if np.array_equal(again, out):
        raise ExerciseError(f"{name}: two calls damaged the same pixels; draw from `rng` so "
                            f"every call gets fresh noise")
    compare(name, run_learner(name, noise_fn, x, 0.0, rng), x, what="the output for p=0")
    full = np.asarray(run_learner(name, noise_fn, x, 1.0, rng))
    if not np.all((full == 0) | (full == 1)):
        raise ExerciseError(f"{name}: with p=1 every pixel should become 0 or 1")
    passed(name, 4)


def alarm_threshold(threshold_fn):
    """`threshold_fn(normal_scores, budget)` must return the lowest threshold t such that a share
    `budget` of `normal_scores` lies strictly above t (budget × n scores, rounded either way to a
    whole number)."""
    name = "alarm_threshold"
    rng = np.random.default_rng(3)
    cases = [(rng.gamma(2.0, 0.01, 1000), 0.05), (rng.gamma(2.0, 0.01, 999), 0.01),
             (np.linspace(0.0, 1.0, 101), 0.1)]
    for scores, budget in cases:
        original = scores.copy()
        t = float(np.asarray(run_learner(name, threshold_fn, scores, budget)))
        if not np.array_equal(scores, original):
            raise ExerciseError(f"{name}: your function changed its input; sort a copy")
        alarms, share = int(np.sum(scores > t)), float(np.mean(scores > t))
        if abs(share - (1 - budget)) < 0.02:
            raise ExerciseError(f"{name}: with budget {budget} your threshold lets {share:.1%} of "
                                f"the normal scores above it, about 1 − budget: the alarms are the "
                                f"upper tail, take the (1 − budget) quantile, not the budget one")
        # budget × n false alarms, rounded either way to whole scores
        fewest, most = np.floor(budget * len(scores) + 1e-9), np.ceil(budget * len(scores) - 1e-9)
        if alarms > most:
            raise ExerciseError(f"{name}: with budget {budget} your threshold lets {share:.2%} of "
                                f"the normal scores above it, more than the budget allows")
        if alarms < fewest:
            raise ExerciseError(f"{name}: with budget {budget} your threshold lets only "
                                f"{share:.2%} of the normal scores above it: it is higher than it "
                                f"needs to be, and every alarm it gives up is recall lost")
    passed(name, len(cases))


# The decision question after `alarm_threshold`: why does the recall at a 5 % false-alarm budget
# differ from the AUROC? Each option and what to say to a learner who picks a wrong one.
WHY_OPTIONS = {
    "a": "the AUROC and the recall are measured on different test images",
    "b": "the AUROC summarises every threshold at once (the area under the whole ROC curve); the "
         "recall is the curve's height at the one false-alarm rate chosen",
    "c": "the threshold comes from training digits, so it cannot be used on test digits",
}
WHY_FEEDBACK = {
    "a": "both use the same test images (`test_scores`); look at what each number averages over",
    "c": "calibrating on training data is how a threshold must be set; the printed false-alarm "
         "rate on test digits shows it carries over. The question is what AUROC averages over",
}


def why_recall_differs(answer_fn):
    """`answer_fn()` must return the letter of the reason the recall at one threshold differs
    from the AUROC."""
    name = "why_recall_differs"
    letter = run_learner(name, answer_fn)
    if not isinstance(letter, str) or letter.strip().lower() not in WHY_OPTIONS:
        raise ExerciseError(f"{name}: set WHY to one of {sorted(WHY_OPTIONS)} (a string), "
                            f"got {letter!r}")
    letter = letter.strip().lower()
    if letter != "b":
        raise ExerciseError(f"{name}: ({letter}) is not it: {WHY_FEEDBACK[letter]}")
    passed(name, 1)


def reference_gaussian_noise(x, sigma, rng):
    """The course's answer to `gaussian_noise`."""
    return np.clip(x + sigma * rng.standard_normal(x.shape), 0.0, 1.0)


def reference_blank_square(x, top, left, size):
    """The course's answer to `blank_square`."""
    out = np.array(x, copy=True)
    out[:, top:top + size, left:left + size, :] = 0.0
    return out


def reference_salt_and_pepper(x, p, rng):
    """The course's answer to `salt_and_pepper`."""
    out = np.array(x, copy=True)
    hit = rng.random(out.shape) < p
    out[hit] = rng.integers(0, 2, size=int(hit.sum()))
    return out


def reference_alarm_threshold(normal_scores, budget):
    """The course's answer to `alarm_threshold`: the score just below the allowed alarms."""
    ranked = np.sort(np.asarray(normal_scores))[::-1]
    return float(ranked[int(np.floor(budget * len(ranked) + 1e-9))])


def reference_why_recall_differs():
    """The course's answer to `why_recall_differs`."""
    return "b"




# The build exercise: the denoiser's `train_step`, checked by training the learner's subclass of
# `DenoisingAutoencoder` and the course's from the same weights, seed and batches.

def _denoiser_batches():
    """Three batches of four digit-like images in [0, 1]: strokes on a dark background."""
    rng = np.random.default_rng(0)
    return [np.clip(rng.normal(0.15, 0.3, (4, 28, 28, 1)), 0.0, 1.0).astype(np.float32)
            for _ in range(3)]


def _small_denoiser(cls):
    """A tiny denoiser of class `cls` (4-number code, 2 and 4 filters), seeded and compiled alike."""
    import keras

    keras.utils.set_random_seed(3)
    model = cls(latent_dim=4, filters=(2, 4), corruption="gaussian", level=0.5, seed=0)
    model(np.zeros((1, 28, 28, 1), np.float32))
    model.compile(optimizer=keras.optimizers.Adam(0.01), run_eagerly=True)
    return model


def _denoiser_mistakes():
    """Train steps with one plausible mistake each, and what to tell a learner whose step
    trains like one of them."""
    import tensorflow as tf

    from ..models.steps import apply_gradients, track, unit_images

    def step(target_damaged=False, input_clean=False, minimise="loss", update=True):
        def train_step(self, data):
            clean = unit_images(data, "mistake")
            damaged = self.corrupt(clean)
            with tf.GradientTape() as tape:
                x_hat = self(clean if input_clean else damaged, training=True)
                scores = self.scores(damaged if target_damaged else clean, x_hat)
            if update:
                apply_gradients(self.optimizer, tape, scores[minimise], self.trainable_weights)
            return track(self.metrics, scores)
        return type("Mistake", (DenoisingAutoencoder,), {"train_step": train_step})

    return {
        "the loss compares the reconstruction with the DAMAGED batch; score it against the clean "
        "batch, which is what the network must learn to give back": step(target_damaged=True),
        "the network sees the clean batch; feed it the damaged copy (self.corrupt(clean)) and "
        "score its output against the clean one": step(input_clean=True),
        "the gradient is taken of the MSE; minimise scores['loss'] (the cross-entropy), and "
        "report the MSE beside it": step(minimise="mse"),
        "the weights never change: apply the gradients of the loss with self.optimizer":
            step(update=False),
    }


def denoiser_train_step(denoiser_class):
    """`denoiser_class` must be a subclass of `DenoisingAutoencoder` whose `train_step` damages
    the clean batch, reconstructs the damaged copy, scores it against the clean batch, takes one
    step down the loss and returns the tracked scores: trained from the course's weights on the
    same batches with the same seed, it must give the course's losses and weights."""
    name = "denoiser_train_step"
    batches = _denoiser_batches()
    first, last = train_class_alike(name, denoiser_class, DenoisingAutoencoder, _small_denoiser,
                                    batches, _denoiser_mistakes)
    print(f"✓ {name}: the same losses and weights as the course's step on {len(batches)} steps; "
          f"on one batch the loss then fell from {first:.4f} to {last:.4f} in 10 steps")


REFERENCES = {"gaussian_noise": reference_gaussian_noise, "blank_square": reference_blank_square,
              "salt_and_pepper": reference_salt_and_pepper,
              "alarm_threshold": reference_alarm_threshold,
              "why_recall_differs": reference_why_recall_differs,
              "denoiser_train_step": DenoisingAutoencoder}
