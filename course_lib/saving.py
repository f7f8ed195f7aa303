"""Load a saved course model with a clear error when the file is missing, damaged or not
what was expected; ship trained weights with the course and load them checksum-verified.
Loading never writes to, moves or deletes a file."""

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import keras
import tensorflow as tf

from .config import repo_root


class ModelFileError(ValueError):
    """A `.keras` file that cannot be loaded as the expected course model."""


def course_classes() -> dict:
    """The course's own model classes by name (importing them registers them with Keras)."""
    from .models.autoencoder import Autoencoder, DenoisingAutoencoder
    from .models.cgan import ConditionalGAN
    from .models.cyclegan import CycleGAN
    from .models.gan import GAN
    from .models.vae import VAE

    return {cls.__name__: cls for cls in (Autoencoder, DenoisingAutoencoder, VAE, GAN,
                                          ConditionalGAN, CycleGAN)}


def load_course_model(path, expected=keras.Model) -> keras.Model:
    """Load the `.keras` file at `path` with `safe_mode=True` (no code is unpickled) and check
    it holds an instance of `expected` (a class or tuple of classes, e.g. `VAE`).

    Raises `ModelFileError` naming the file and what was expected when the file is missing,
    is not a `.keras` archive, is truncated, or holds something else.
    """
    path = Path(path)
    wanted = _describe(expected)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file; expected a saved {wanted} (.keras file). "
                             f"Train and save the model first, or check the path.")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path} is not a .keras archive (a zip file); expected a saved "
                             f"{wanted}. The file may be truncated or of another format.")
    course_classes()
    try:
        model = keras.models.load_model(path, safe_mode=True)
    except Exception as err:
        reason = (str(err).strip().splitlines() or [""])[0][:200]
        raise ModelFileError(f"{path} could not be loaded ({type(err).__name__}: {reason}); "
                             f"expected a saved {wanted}. The file was left as it is; it may be "
                             f"truncated or hold a model this course_lib does not know.") from err
    if not isinstance(model, expected):
        raise ModelFileError(f"{path} holds a {type(model).__name__}; expected a {wanted}")
    return model


def _describe(expected) -> str:
    classes = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(cls.__name__ for cls in classes)


def shipped_weights_dir() -> Path:
    """`data/weights/`: trained weights that ship with the course, each with a JSON record."""
    return repo_root() / "data" / "weights"


def sha256_of(path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def ship_weights(path, name: str, record: dict) -> Path:
    """Copy the weights file at `path` to `data/weights/<name>.weights.h5` with the record
    `data/weights/<name>.json` beside it: `record` (epochs, seconds, machine, command, …) plus
    the TensorFlow and Keras versions that made it and the file's SHA-256. Returns the shipped
    path."""
    folder = shipped_weights_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.weights.h5"
    shutil.copyfile(path, target)
    record = {**record, "tensorflow": tf.__version__, "keras": keras.__version__,
              "sha256": sha256_of(target)}
    (folder / f"{name}.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return target


def shipped_record(name: str) -> dict:
    """How the shipped weights `name` were made (`data/weights/<name>.json`)."""
    path = shipped_weights_dir() / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; expected the record of the weights that "
                                f"ship with the course (the benchmark's --ship writes it)")
    return json.loads(path.read_text())


def verified_shipped_weights(name: str) -> Path:
    """The path of the shipped weights `name`, after checking their SHA-256 against the record;
    a missing or damaged file raises an error that says so and leaves the file as it is."""
    path = shipped_weights_dir() / f"{name}.weights.h5"
    expected = shipped_record(name)["sha256"]
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; expected the weights that ship with the "
                                f"course (the benchmark's --ship makes them)")
    found = sha256_of(path)
    if found != expected:
        raise ValueError(f"{path} has SHA-256 {found}, expected {expected} (its record): the "
                         f"file is damaged or is a Git LFS pointer; fetch it again. It was "
                         f"left as it is.")
    return path
