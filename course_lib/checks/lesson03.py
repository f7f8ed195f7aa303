"""Checks for the exercises of lesson 03 (denoising and inpainting autoencoders)."""

import numpy as np

from .feedback import ExerciseError, compare, passed, run_learner


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
