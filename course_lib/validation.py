"""Input checks shared by the package: each failure says what was wrong and what was expected."""

import math
import numbers

import numpy as np

IMAGE_SHAPE = (28, 28, 1)


def check_images(x, name: str = "images", value_range=(0.0, 1.0), shape=IMAGE_SHAPE) -> np.ndarray:
    """Return `x` as a float32 array after checking it is a non-empty batch of images.

    Expected: floats of shape (n, 28, 28, 1) with finite values in `value_range`.
    """
    arr = np.asarray(x)
    low, high = value_range
    if arr.dtype == np.uint8 or (np.issubdtype(arr.dtype, np.integer) and arr.size and arr.max() > 1):
        raise ValueError(
            f"{name}: got {arr.dtype} images with values up to {arr.max() if arr.size else 0}; "
            f"expected floats in [{low:g}, {high:g}]. Convert with x.astype('float32') / 255"
            + (" * 2 - 1." if low < 0 else ".")
        )
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
            or arr.dtype == bool):
        raise ValueError(f"{name}: got dtype {arr.dtype}; expected floating-point images")
    if arr.ndim == len(shape) and arr.shape == tuple(shape):
        raise ValueError(
            f"{name}: got a single image of shape {arr.shape}; expected a batch of shape "
            f"(n, {', '.join(map(str, shape))}). Use x[None] to add the batch axis."
        )
    if arr.ndim != len(shape) + 1 or arr.shape[1:] != tuple(shape):
        hint = ""
        if arr.ndim == len(shape) and arr.shape[1:] == tuple(shape[:-1]):
            hint = " The channel axis is missing: use x[..., None]."
        raise ValueError(
            f"{name}: got shape {arr.shape}; expected (n, {', '.join(map(str, shape))}).{hint}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name}: got an empty batch (0 images); expected at least one image")
    arr = arr.astype(np.float32, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values; expected finite pixel values")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < low - 1e-6 or hi > high + 1e-6:
        raise ValueError(
            f"{name}: values span [{lo:g}, {hi:g}]; expected values in [{low:g}, {high:g}]"
        )
    return arr


def check_positive_int(value, name: str) -> int:
    """Return `value` as an int after checking it is a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def check_weight(value, name: str) -> float:
    """Return `value` as a float after checking it is a finite real number >= 0 (a loss
    weight: 0 switches its term off)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        problem = f"of type {type(value).__name__}"
    elif math.isnan(value):
        problem = "not a number"
    elif math.isinf(value):
        problem = "infinite"
    elif value < 0:
        problem = "negative"
    else:
        return float(value)
    raise ValueError(f"{name} must be a finite number >= 0, got {value!r} ({problem})")


def check_labels(y, n_classes: int = 10, name: str = "labels") -> np.ndarray:
    """Return `y` as int64 after checking it holds class indices in [0, n_classes)."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name}: got shape {arr.shape}; expected a 1-D array of class indices")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise ValueError(f"{name}: got non-integer values; expected class indices")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(
            f"{name}: values span [{arr.min()}, {arr.max()}]; expected class indices in "
            f"[0, {n_classes - 1}]"
        )
    return arr


def check_feature_batch(x, name: str = "x", feature_shape=None) -> np.ndarray:
    """Return `x` as a float64 array of shape (n, d), one flattened example per row, after
    checking it is a non-empty batch of finite numbers (and, given `feature_shape`, that each
    example has that shape, e.g. the shape seen when a model was fitted)."""
    arr = np.asarray(x)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name}: got dtype {arr.dtype}; expected numbers")
    if arr.ndim < 2:
        raise ValueError(f"{name}: got shape {arr.shape}; expected a batch (n, ...) with one "
                         f"example per row. Use x[None] for a single example.")
    if feature_shape is not None and arr.shape[1:] != tuple(feature_shape):
        raise ValueError(f"{name}: got examples of shape {arr.shape[1:]}; expected "
                         f"{tuple(feature_shape)}, the shape the model was fitted on")
    if arr.shape[0] == 0:
        raise ValueError(f"{name}: got an empty batch (0 examples); expected at least one")
    flat = arr.reshape(len(arr), -1).astype(np.float64)
    if not np.all(np.isfinite(flat)):
        raise ValueError(f"{name}: contains NaN or infinite values; expected finite numbers")
    return flat


def check_codes(z, latent_dim: int, name: str = "z") -> np.ndarray:
    """Return `z` as float32 after checking it is a non-empty batch of finite latent codes of
    shape (n, latent_dim)."""
    arr = np.asarray(z, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[1] != latent_dim or arr.shape[0] == 0:
        raise ValueError(f"{name}: got shape {arr.shape}; expected codes of shape "
                         f"(n, {latent_dim}) with n >= 1")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values; expected finite codes")
    return arr
