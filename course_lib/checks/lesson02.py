"""Checks for the exercises of lesson 02 (autoencoders)."""

import math

import numpy as np

from ..models.autoencoder import build_decoder
from .feedback import ExerciseError, compare, name_mistake, passed, run_learner

FAST_TARGET, FAST_STEPS = 0.064, 96  # the fit_to_target of fast mode, and of the check's own digits


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


def _held_out_digits():
    """1,000 training digits and 500 others held out: the check's data when given none."""
    from ..data import load_mnist

    (x, _), _ = load_mnist(n_train=1500, n_test=1)
    return x[:1000], x[1000:]


def _loss_name(model) -> str:
    loss = model.loss
    return str(getattr(loss, "name", None) or getattr(loss, "__name__", None) or loss)


def _why_short(model, steps, max_steps) -> str:
    """The likeliest reasons a run stopped above its target, from the model's compile settings."""
    loss, optimizer = _loss_name(model).lower(), model.optimizer
    if "categorical" in loss:
        return (f"the loss {_loss_name(model)} spreads a probability over the channel axis, which "
                f"holds one value per pixel; use a pixel loss (binary cross-entropy or MSE)")
    hints = []
    rate = getattr(optimizer, "learning_rate", None)
    try:
        rate = float(np.asarray(rate))
    except (TypeError, ValueError):
        rate = None
    kind = type(optimizer).__name__
    if rate is not None and kind == "SGD":
        hints.append(f"plain SGD at learning rate {rate:g} moves slowly on this budget; Adam "
                     f"adapts its step to each weight")
    elif rate is not None and rate < 3e-4:
        hints.append(f"the learning rate {rate:g} is far too small for so few steps")
    elif rate is not None and rate > 3e-2:
        hints.append(f"the learning rate {rate:g} is far too large: the steps overshoot")
    if steps <= max_steps // 2:
        hints.append(f"you used only {steps} of the {max_steps} steps allowed")
    if not hints:
        hints.append(f"with {kind} at learning rate {rate if rate is None else f'{rate:g}'}, "
                     f"{steps} steps were not enough: try another learning rate (the lesson's "
                     f"1e-3 is slow for this budget) or another batch size")
    return "; ".join(hints)


def fit_to_target(fit_fn, x=None, x_val=None, target: float = FAST_TARGET,
                  max_steps: int = FAST_STEPS):
    """`fit_fn(model, x, x_val, max_steps)` must compile `model` (a fresh k = 32 `Autoencoder`),
    train it on x → x in at most `max_steps` optimizer steps and return its test error on the
    held-out `x_val`, the MSE per pixel; that error must be at most `target`. Without `x`, the
    check uses 1,000 training digits and 500 held-out ones."""
    from ..config import seed_everything
    from ..metrics import mse_per_pixel
    from ..models.autoencoder import Autoencoder

    name = "fit_to_target"
    if x is None or x_val is None:
        x, x_val = _held_out_digits()
    seed_everything(0)
    model = Autoencoder(latent_dim=32)
    reported = run_learner(name, fit_fn, model, x, x_val, max_steps)
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise ExerciseError(f"{name}: the model was not compiled: model.compile(optimizer=..., "
                            f"loss=...) before model.fit")
    steps = int(np.asarray(model.optimizer.iterations))
    if steps == 0:
        raise ExerciseError(f"{name}: the model was compiled but not trained: model.fit(x, x, "
                            f"...), the images are their own target")
    if steps > max_steps:
        raise ExerciseError(f"{name}: {steps} optimizer steps, over the budget of {max_steps}: "
                            f"steps = epochs × ceil(len(x) / batch_size) = epochs × "
                            f"ceil({len(x)} / batch_size); fewer epochs or larger batches")
    reached = mse_per_pixel(x_val, model.predict(x_val, batch_size=512, verbose=0))
    try:
        reported = float(np.asarray(reported))
    except (TypeError, ValueError):
        raise ExerciseError(f"{name}: return one number, the MSE per pixel on x_val; got a "
                            f"{type(reported).__name__}") from None
    if not np.isclose(reported, reached, rtol=1e-3, atol=1e-6):
        mistakes = {
            "that is the MSE on the training images x; measure it on the held-out x_val":
                mse_per_pixel(x, model.predict(x, batch_size=512, verbose=0)),
            "that is the root of the MSE (an RMSE); return the MSE itself": math.sqrt(reached),
            "that is the squared error summed over each image's 784 pixels; return the mean per "
            "pixel": 784 * reached,
        }
        if "mean_squared_error" not in _loss_name(model) and _loss_name(model) != "mse":
            evaluated = model.evaluate(x_val, x_val, batch_size=512, verbose=0)
            mistakes[f"that is the compiled loss ({_loss_name(model)}) on x_val, as "
                     f"model.evaluate reports it; the target is in MSE per pixel, "
                     f"metrics.mse_per_pixel(x_val, model.predict(x_val))"] = float(
                np.asarray(evaluated[0] if isinstance(evaluated, list) else evaluated))
        name_mistake(name, reported, mistakes, reached)
        raise ExerciseError(f"{name}: you returned {reported:.5g}, but the trained model's MSE "
                            f"per pixel on x_val is {reached:.5g}")
    if reached > target:
        raise ExerciseError(f"{name}: the held-out MSE per pixel is {reached:.4f} after {steps} "
                            f"steps, above the target {target:g}: {_why_short(model, steps, max_steps)}")
    print(f"✓ {name}: held-out MSE per pixel {reached:.4f} (target {target:g}) after {steps} of "
          f"{max_steps} steps, with {type(model.optimizer).__name__} and {_loss_name(model)}")


def reference_fit_to_target(model, x, x_val, max_steps):
    """The course's answer to `fit_to_target`: binary cross-entropy, Adam at 3e-3, batches of
    128 (32 for fewer than 5,000 images) for as many whole epochs as the budget holds."""
    import keras

    from ..metrics import mse_per_pixel

    batch_size = 128 if len(x) >= 5000 else 32
    epochs = max_steps // math.ceil(len(x) / batch_size)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss="binary_crossentropy")
    model.fit(x, x, epochs=epochs, batch_size=batch_size, verbose=0)
    return mse_per_pixel(x_val, model.predict(x_val, batch_size=512, verbose=0))


def reference_smallest_code(mse_by_k, target):
    """The course's answer to `smallest_code`."""
    return min((k for k, mse in mse_by_k.items() if mse <= target), default=None)


def reference_pca_reconstruction(train, test, k):
    """The course's answer to `pca_reconstruction`."""
    mean = np.asarray(train).mean(axis=0)
    return _reference(train, test, k, mean, mean)


REFERENCES = {"decoder": build_decoder, "pca_reconstruction": reference_pca_reconstruction,
              "smallest_code": reference_smallest_code, "fit_to_target": reference_fit_to_target}
