"""Load a saved course model with a clear error when the file is missing, damaged or not
what was expected. Loading never writes to, moves or deletes the file."""

import zipfile
from pathlib import Path

import keras


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
