"""MNIST and Fashion-MNIST from their IDX files (offline first), plus the data helpers lessons
share.

Search order for a dataset's four files: `$COURSE_DATA_DIR/<name>/`, then the repository's
`data/<name>/`, then a download through `keras.datasets`. Every file read from disk is checked
against the SHA-256 of its uncompressed bytes, and so is a download (rebuilt as IDX bytes: Keras
checks no hash of the Fashion-MNIST files it caches); a mismatch raises `DataError` and leaves
the file untouched.
"""

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

from .config import repo_root
from .validation import check_images, check_positive_int

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

# Fashion-MNIST's class names, by label (Xiao, Rasul & Vollgraf 2017).
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


class DataError(RuntimeError):
    """A dataset file is missing, truncated or corrupted."""


def load_mnist(n_train=None, n_test=None):
    """MNIST as `(x_train, y_train), (x_test, y_test)`: float32 images in [0, 1] shaped
    (n, 28, 28, 1) and int64 labels. `n_train`/`n_test` keep only the first n examples."""
    return _load("mnist", n_train, n_test)


def load_fashion_mnist(n_train=None, n_test=None):
    """Fashion-MNIST (Zalando's clothes, `FASHION_CLASSES`), loaded and checked like
    `load_mnist`: float32 images in [0, 1] shaped (n, 28, 28, 1) and int64 labels."""
    return _load("fashion-mnist", n_train, n_test)


def candidate_dirs(name: str) -> list:
    """Folders searched for a dataset, in order."""
    dirs = []
    if os.environ.get("COURSE_DATA_DIR"):
        dirs.append(Path(os.environ["COURSE_DATA_DIR"]) / name)
    dirs.append(repo_root() / "data" / name)
    return dirs


def _load(name, n_train, n_test):
    for limit, label in ((n_train, "n_train"), (n_test, "n_test")):
        if limit is not None:
            check_positive_int(limit, label)
    arrays = None
    for folder in candidate_dirs(name):
        if folder.is_dir() and any(_find(folder, f) for f in FILES):
            arrays = [read_idx(_require(folder, f), SHA256[name][f]) for f in FILES]
            break
    if arrays is None:
        arrays = _download(name)
    x_train, y_train, x_test, y_test = arrays
    return ((_to_float(x_train[:n_train]), y_train[:n_train].astype(np.int64)),
            (_to_float(x_test[:n_test]), y_test[:n_test].astype(np.int64)))


def _find(folder: Path, stem: str):
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    return None


def _require(folder: Path, stem: str) -> Path:
    path = _find(folder, stem)
    if path is None:
        present = sorted(p.name for p in folder.iterdir())
        raise DataError(
            f"{folder} holds some dataset files but not {stem}(.gz) (found: {present}). "
            f"Copy all four IDX files there, or remove the folder to use the next location."
        )
    return path


def read_idx(path, expected_sha256=None) -> np.ndarray:
    """Read one IDX file (`.gz` or raw) into a uint8 array, verifying its uncompressed SHA-256."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise DataError(f"{path}: cannot be read or decompressed ({err}). "
                        f"Replace it with a fresh copy of the original file.") from err
    if expected_sha256 is not None:
        actual = hashlib.sha256(raw).hexdigest()
        if actual != expected_sha256:
            raise DataError(
                f"{path}: checksum mismatch, the file is truncated or corrupted.\n"
                f"  expected sha256 {expected_sha256}\n  actual   sha256 {actual}\n"
                f"Replace it with a fresh copy (see data/README.md); the file was left as it is."
            )
    return _parse_idx(raw, path)


def _parse_idx(raw: bytes, path) -> np.ndarray:
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    if len(raw) - offset != int(np.prod(dims)):
        raise DataError(f"{path}: header announces shape {dims} but the data size does not match")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def _download(name):
    import keras

    loader = {"mnist": keras.datasets.mnist, "fashion-mnist": keras.datasets.fashion_mnist}[name]
    tried = ", ".join(str(d) for d in candidate_dirs(name))
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as err:
        raise DataError(
            f"{name}: no local copy found (looked in {tried}) and the download failed ({err}). "
            f"Put the four IDX files in one of those folders or set COURSE_DATA_DIR."
        ) from err
    arrays = [np.asarray(a, dtype=np.uint8) for a in (x_train, y_train, x_test, y_test)]
    for stem, array in zip(FILES, arrays):
        actual = hashlib.sha256(_idx_bytes(array)).hexdigest()
        if actual != SHA256[name][stem]:
            raise DataError(
                f"{name}: the {stem} array from keras.datasets does not match the original file.\n"
                f"  expected sha256 {SHA256[name][stem]}\n  actual   sha256 {actual}\n"
                f"Its cache (~/.keras/datasets) may hold another version; put the four IDX files "
                f"in one of {tried} instead."
            )
    return arrays


def _idx_bytes(array: np.ndarray) -> bytes:
    """The IDX file of an uint8 array (the inverse of `_parse_idx`), to check it by SHA-256."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def _to_float(images: np.ndarray) -> np.ndarray:
    return (images.astype(np.float32) / 255.0)[..., None]


def add_noise(x, sigma: float, seed=None) -> np.ndarray:
    """Add Gaussian noise of standard deviation `sigma` and clip back to [0, 1]."""
    x = check_images(x, "x")
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma!r}")
    rng = np.random.default_rng(seed)
    noisy = x + sigma * rng.standard_normal(x.shape).astype(np.float32)
    return np.clip(noisy, 0.0, 1.0)


def binarize(x, mode: str = "static", seed=None) -> np.ndarray:
    """Binary images: `static` thresholds at 0.5; `dynamic` draws each pixel ~ Bernoulli(x)."""
    x = check_images(x, "x")
    if mode == "static":
        return (x > 0.5).astype(np.float32)
    if mode == "dynamic":
        rng = np.random.default_rng(seed)
        return (rng.random(x.shape, dtype=np.float32) < x).astype(np.float32)
    raise ValueError(f"mode must be 'static' or 'dynamic', got {mode!r}")


def make_dataset(x, y=None, batch_size: int = 128, shuffle: bool = True, seed: int = 0,
                 drop_remainder: bool = False, autotune: bool = False):
    """A `tf.data` pipeline: optional seeded shuffle, batch, prefetch of two batches.

    tf.data's autotuner stays off unless `autotune=True`: on a 2-core CPU it made training
    stall (see `benchmarks/results/summary.md`, "Measurement history").
    """
    import tensorflow as tf

    check_positive_int(batch_size, "batch_size")
    n = len(x)
    if y is not None and len(y) != n:
        raise ValueError(f"x has {n} examples but y has {len(y)}; expected the same number")
    ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if shuffle:
        ds = ds.shuffle(min(n, 60_000), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    options = tf.data.Options()
    options.autotune.enabled = autotune
    return ds.prefetch(tf.data.AUTOTUNE if autotune else 2).with_options(options)


def make_outliers(x, seed: int = 0) -> dict:
    """Three out-of-distribution versions of an image batch in [0, 1], same shape: `inverted`
    (1 − x), `noise` (uniform pixels) and `rotated` (each image turned by 90°)."""
    x = check_images(x, "x")
    rng = np.random.default_rng(seed)
    return {
        "inverted": 1.0 - x,
        "noise": rng.random(x.shape, dtype=np.float32),
        "rotated": np.ascontiguousarray(np.rot90(x, k=1, axes=(1, 2))),
    }
