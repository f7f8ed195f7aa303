"""Checks for the exercises of lesson 02 (autoencoders)."""

import numpy as np

from ..models.autoencoder import build_decoder
from .feedback import ExerciseError, compare, passed, run_learner


def decoder(build_decoder_fn):
    """`build_decoder_fn(latent_dim)` must return a model mapping (n, latent_dim) codes to
    (n, 28, 28, 1) images in [0, 1], upsampling with `Conv2DTranspose`."""
    name = "decoder"
    rng = np.random.default_rng(0)
    for latent_dim in (2, 16):
        model = run_learner(name, build_decoder_fn, latent_dim)
        if not hasattr(model, "predict") or not hasattr(model, "layers"):
            raise ExerciseError(f"{name}: expected a keras.Model, got {type(model).__name__}")
        expected_in = (None, latent_dim)
        if tuple(model.input_shape) != expected_in:
            raise ExerciseError(f"{name}: for latent_dim={latent_dim} the input shape is "
                                f"{model.input_shape}, expected {expected_in}")
        kinds = {type(layer).__name__ for layer in model.layers}
        if "Conv2DTranspose" not in kinds:
            raise ExerciseError(f"{name}: no Conv2DTranspose layer found; upsample 7 → 14 → 28 "
                                f"with strided transposed convolutions")
        codes = 3.0 * rng.standard_normal((8, latent_dim)).astype(np.float32)
        images = np.asarray(run_learner(name, model.predict, codes, verbose=0))
        if images.shape != (8, 28, 28, 1):
            raise ExerciseError(f"{name}: 8 codes decode to shape {images.shape}, expected "
                                f"(8, 28, 28, 1); count the stride-2 layers after the 7×7 reshape")
        if images.min() < 0 or images.max() > 1:
            raise ExerciseError(f"{name}: pixel values span [{images.min():.3g}, "
                                f"{images.max():.3g}]; the last layer must squash them into [0, 1]")
    passed(name, 2)


def pca_reconstruction(pca_fn):
    """`pca_fn(train, test, k)` on flat (n, d) arrays must return `test` projected onto the
    top-k principal directions of `train` and mapped back, shape like `test`."""
    name = "pca_reconstruction"
    rng = np.random.default_rng(1)
    mixing = rng.standard_normal((6, 12))
    train = rng.standard_normal((200, 6)) @ mixing * np.linspace(3, 0.3, 12) + 5.0
    test = rng.standard_normal((40, 6)) @ mixing * np.linspace(3, 0.3, 12) + 5.0
    for k in (1, 3, 12):
        actual = np.asarray(run_learner(name, pca_fn, train.copy(), test.copy(), k), np.float64)
        expected = _reference(train, test, k, train.mean(0), train.mean(0))
        if actual.shape == expected.shape and not np.allclose(actual, expected, atol=1e-6):
            if np.allclose(actual, _reference(train, test, k, 0.0, 0.0), atol=1e-6):
                raise ExerciseError(f"{name}: with k={k} the result matches PCA without centering: "
                                    f"subtract the mean of the training data first, add it back last")
            if np.allclose(actual, _reference(train, test, k, train.mean(0), test.mean(0)), atol=1e-6):
                raise ExerciseError(f"{name}: with k={k} you centre with the test mean; use the "
                                    f"training mean (the test set is unseen at fitting time)")
        compare(name, actual, expected, what=f"the reconstruction with k={k}", atol=1e-6)
    passed(name, 3)


def _reference(train, test, k, fit_mean, apply_mean):
    """PCA fitted on `train - fit_mean`, applied to `test` centred (and restored) with `apply_mean`."""
    _, _, vt = np.linalg.svd(train - fit_mean, full_matrices=False)
    basis = vt[:k]
    return (test - apply_mean) @ basis.T @ basis + apply_mean


def smallest_code(code_fn):
    """`code_fn(mse_by_k, target)` must return the smallest code size k (a key of the dict
    `mse_by_k`) whose test error is at most `target`, or None when none reaches it."""
    name = "smallest_code"
    sweep = {16: 0.010, 2: 0.050, 8: 0.020, 4: 0.030, 32: 0.004}  # keys not in order
    cases = [(0.025, 8), (0.010, 16), (0.05, 2), (0.001, None)]
    for target, expected in cases:
        got = run_learner(name, code_fn, dict(sweep), target)
        if got == expected:
            continue
        if expected is None:
            raise ExerciseError(f"{name}: no code size reaches {target} here; return None, got "
                                f"{got!r}")
        if isinstance(got, float) and got in sweep.values():
            raise ExerciseError(f"{name}: you returned an error ({got}); return the code size k "
                                f"whose error it is")
        if got == min((k for k, m in sweep.items() if m < target), default=None):
            raise ExerciseError(f"{name}: for target {target} the answer is {expected}, whose "
                                f"error equals the target: \"at most\" includes equality (<=)")
        if got == max(k for k, m in sweep.items() if m <= target):
            raise ExerciseError(f"{name}: for target {target} you returned the largest code that "
                                f"reaches it; the question is the smallest")
        raise ExerciseError(f"{name}: for target {target} you returned {got!r}; the sizes reaching "
                            f"it are {sorted(k for k, m in sweep.items() if m <= target)} (the "
                            f"dict's keys are not sorted)")
    passed(name, len(cases))


def reference_smallest_code(mse_by_k, target):
    """The course's answer to `smallest_code`."""
    return min((k for k, mse in mse_by_k.items() if mse <= target), default=None)


def reference_pca_reconstruction(train, test, k):
    """The course's answer to `pca_reconstruction`."""
    mean = np.asarray(train).mean(axis=0)
    return _reference(train, test, k, mean, mean)


REFERENCES = {"decoder": build_decoder, "pca_reconstruction": reference_pca_reconstruction,
              "smallest_code": reference_smallest_code}
