"""Lesson 06's DCGAN: its settings, its run and the one generator file the later lessons and
the closing table read (`build/models/dcgan_generator.keras`)."""

import keras

from .. import saving
from ..config import by_mode, model_path
from ..models.gan import GAN
from .runs import NotTrainedError, Trained, train_or_reload

DCGAN_RUN = "lesson06_dcgan"
DCGAN_FILE = "dcgan_generator.keras"


def dcgan_plan() -> dict:
    """Lesson 06's budget: all 60,000 training digits for 8 epochs of batch 128 (3,752
    generator steps); fast mode 1,024 digits for 2 epochs."""
    return {"n_train": by_mode(None, 1024), "epochs": by_mode(8, 2), "batch_size": 128}


def train_dcgan(x_train, *, epochs: int, name: str, callbacks=(), verbose=2,
                require_trained: bool = False) -> Trained:
    """Lesson 06's `GAN` (seed 0, its default optimizers) trained on images `x_train` for
    `epochs` of the plan's batch size under run `name`, or reloaded."""
    return train_or_reload(lambda: GAN(seed=0), x_train, name=name, epochs=epochs,
                           batch_size=dcgan_plan()["batch_size"], compile_args={}, seed=0,
                           made_by="lesson 06 (notebooks/06_dcgan.ipynb)", verbose=verbose,
                           callbacks=callbacks, require_trained=require_trained)


def lesson_dcgan(x_train, callbacks=(), verbose=2, require_trained: bool = False) -> Trained:
    """Lesson 06's own run (`DCGAN_RUN`, the plan's epochs), trained or reloaded; its generator
    is saved to `build/models/dcgan_generator.keras` for lessons 07 and 08."""
    trained = train_dcgan(x_train, epochs=dcgan_plan()["epochs"], name=DCGAN_RUN,
                          callbacks=callbacks, verbose=verbose, require_trained=require_trained)
    trained.model.generator.save(model_path(DCGAN_FILE))
    return trained


def dcgan_generator() -> keras.Model:
    """The generator lesson 06 saved (noise → images in [0, 1]); `NotTrainedError` when the
    lesson has not run yet."""
    path = model_path(DCGAN_FILE)
    if not path.exists():
        raise NotTrainedError(f"{path} is missing: run lesson 06 (notebooks/06_dcgan.ipynb) "
                              f"first")
    return saving.load_course_model(path)
