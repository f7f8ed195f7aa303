"""Lesson 06's DCGAN: its data, budget and run, the record its training keeps, and the one
generator file the later lessons and the closing table read (`dcgan_generator.keras`)."""

import keras
import numpy as np

from .. import saving
from ..config import by_mode, checkpoint_dir, model_path
from ..data import load_mnist
from ..models.gan import GAN, NOISE_DIM
from ..scoring import ImageScorer
from ..training import BatchLosses, EpochScore, ProgressGrid
from .classifier import reference_classifier
from .runs import NotTrainedError, Trained, train_or_reload

DCGAN_RUN = "lesson06_dcgan"
DCGAN_FILE = "dcgan_generator.keras"
LESSON_DISCRIMINATOR = {"batch_norm": True}  # options of lesson 06's D for `build_discriminator`


def dcgan_plan() -> dict:
    """Lesson 06's data and budget: all 60,000 training digits for 8 epochs of batch 128
    (3,752 generator steps), scored after every epoch on 5,000 samples against the 10,000 test
    digits. Fast mode: 1,024 digits for 2 epochs, 500 samples against 500 test digits."""
    return {"n_train": by_mode(None, 1024), "n_test": by_mode(None, 500), "epochs": by_mode(8, 2),
            "batch_size": 128, "n_score": by_mode(5000, 500)}


def progress_noise() -> np.ndarray:
    """The 40 fixed noise vectors whose images lesson 06 follows through training."""
    return np.random.default_rng(0).standard_normal((40, NOISE_DIM)).astype(np.float32)


def train_dcgan(x_train, *, epochs: int, name: str, discriminator: dict = None,
                optimizers: dict = None, callbacks=(), verbose=2,
                require_trained: bool = False, gan_class=GAN) -> Trained:
    """A `GAN` (seed 0; `discriminator`: options for `build_discriminator`, default its
    defaults; `optimizers`: `d_optimizer` and/or `g_optimizer` for `GAN.compile`, default its
    own; `gan_class`: `GAN` or a subclass with other losses, e.g. `HingeGAN`) trained on images
    `x_train` for `epochs` of the plan's batch size under run `name`, or reloaded."""
    return train_or_reload(lambda: gan_class(seed=0, discriminator=discriminator), x_train, name=name,
                           epochs=epochs, batch_size=dcgan_plan()["batch_size"],
                           compile_args=dict(optimizers or {}), seed=0,
                           made_by="lesson 06 (notebooks/06_dcgan.ipynb)", verbose=verbose,
                           callbacks=callbacks, require_trained=require_trained)


def lesson_dcgan(verbose=2, require_trained: bool = False) -> Trained:
    """Lesson 06's own run (`DCGAN_RUN`) on the plan's data and budget, trained or reloaded,
    whoever calls it first (the lesson or a benchmark). Its record, in the run's folder: the
    40 `progress_noise` images after every epoch (`progress/`, with `progress.gif`), every
    batch's losses (`batch_losses.json`) and the Fréchet distance of fresh samples after every
    epoch (history `frechet`). Its generator is saved to `dcgan_generator.keras`."""
    plan = dcgan_plan()
    (x_train, _), (x_test, _) = load_mnist(n_train=plan["n_train"], n_test=plan["n_test"])
    scorer = ImageScorer(reference_classifier(verbose=verbose), x_test)
    workdir = checkpoint_dir(DCGAN_RUN)
    callbacks = [
        ProgressGrid(progress_noise(), workdir / "progress", ncols=10),
        EpochScore("frechet", lambda model: scorer.frechet(model.generate(plan["n_score"], seed=1))),
        BatchLosses(("d_loss", "g_loss"), path=workdir / "batch_losses.json"),
    ]
    trained = train_dcgan(x_train, epochs=plan["epochs"], name=DCGAN_RUN,
                          discriminator=LESSON_DISCRIMINATOR, callbacks=callbacks,
                          verbose=verbose, require_trained=require_trained)
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
