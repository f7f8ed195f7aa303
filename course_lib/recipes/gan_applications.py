"""Lesson 07's models (also `benchmarks/gan_applications.py`): the conditional GAN, the
CycleGAN and the model without its cycle loss, and the fake detector, with their settings."""

import keras
import numpy as np

from ..config import by_mode, checkpoint_dir, model_path
from ..domains import unpaired_domains
from ..models.cgan import ConditionalGAN
from ..models.cyclegan import CycleGAN
from ..models.detector import build_fake_detector
from ..validation import check_images
from .dcgan import train_dcgan
from .runs import NotTrainedError, Trained, train_or_reload

CGAN_FILE = "cgan_generator.keras"
CGAN_RUN = "lesson07_cgan_dclass10"  # "lesson07_cgan" held the model before d_class_weight
CGAN_SNAPSHOT = "generator_epoch1.weights.h5"
DCGAN_SAME_STEPS_RUN = "bench_gan_applications_dcgan"
CYCLE_RUN = "lesson07_cyclegan"
NOCYCLE_RUN = "lesson07_nocycle"
DETECTOR_RUN = "lesson07_detector"


def gan_applications_plan() -> dict:
    """Sizes and epochs of lesson 07. The conditional GAN trains like lesson 06's DCGAN (all
    60,000 digits, batch 128, 469 generator steps per epoch), so lesson 06's per-epoch history
    gives the unconditional model at the same number of steps. CycleGAN: 3 epochs on 20,000 +
    20,000 digits, batch 32; the model without cycle loss 1 epoch (measurements in
    `benchmarks/results/history.md`). Fast mode: seconds each."""
    return {
        "cgan_n_train": by_mode(None, 1024), "cgan_epochs": by_mode(6, 2), "cgan_batch_size": 128,
        "n_per_class": by_mode(1000, 50),
        "cycle_n_train": by_mode(20_000, 256), "cycle_epochs": by_mode(3, 1),
        "nocycle_epochs": 1, "cycle_batch_size": 32, "n_translate": by_mode(2000, 200),
        "detector_epochs": by_mode(3, 1),
    }


def cgan_steps(n_train: int, plan: dict = None) -> int:
    """Generator steps of lesson 07's conditional GAN run on `n_train` images."""
    plan = plan or gan_applications_plan()
    return plan["cgan_epochs"] * int(np.ceil(n_train / plan["cgan_batch_size"]))


class KeepFirstEpochGenerator(keras.callbacks.Callback):
    """Saves the generator's weights at the end of the first epoch: lesson 07's early forger."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.model.generator.save_weights(self.path)


def lesson_cgan(x_train, y_train, verbose=2, require_trained: bool = False) -> Trained:
    """Lesson 07's `ConditionalGAN` (seed 0, lesson 06's optimizers) trained on images and
    integer labels for the plan's epochs (batch 128), or reloaded. The generator after the
    first epoch is kept in the run's folder (`early_cgan`), the final one in
    `build/models/cgan_generator.keras`."""
    plan = gan_applications_plan()
    trained = train_or_reload(
        lambda: ConditionalGAN(seed=0), x_train, y_train, name=CGAN_RUN,
        epochs=plan["cgan_epochs"], batch_size=plan["cgan_batch_size"], compile_args={},
        made_by="lesson 07 or benchmarks/gan_applications.py", verbose=verbose,
        callbacks=[KeepFirstEpochGenerator(checkpoint_dir(CGAN_RUN) / CGAN_SNAPSHOT)],
        require_trained=require_trained)
    trained.model.generator.save(model_path(CGAN_FILE))
    return trained


def early_cgan():
    """Lesson 07's conditional GAN as it was after its first epoch (weights kept by
    `lesson_cgan`); `NotTrainedError` when the run has no such snapshot."""
    path = checkpoint_dir(CGAN_RUN) / CGAN_SNAPSHOT
    if not path.exists():
        raise NotTrainedError(f"{path} is missing: train the run with recipes.lesson_cgan")
    model = ConditionalGAN(seed=0)
    model.generator.load_weights(path)
    return model


def dcgan_same_steps(x_train, verbose=2) -> Trained:
    """Lesson 06's DCGAN trained on the conditional GAN's images for the same number of
    generator steps (the plan's epochs of batch 128): the benchmark's unconditional reference."""
    return train_dcgan(x_train, epochs=gan_applications_plan()["cgan_epochs"],
                       name=DCGAN_SAME_STEPS_RUN, verbose=verbose)


def cycle_domains(x_train, y_train) -> tuple:
    """Lesson 07's unpaired collections (`domains.unpaired_domains` of the training digits),
    each cut to the plan's `cycle_n_train` images: (x_a, x_b)."""
    n = gan_applications_plan()["cycle_n_train"]
    halves = unpaired_domains(x_train, y_train)
    return halves["x_a"][:n], halves["x_b"][:n]


def lesson_cyclegan(x_a, x_b, cycle_weight: float = 10.0, verbose=2,
                    require_trained: bool = False) -> Trained:
    """Lesson 07's `CycleGAN` (seed 0) trained on unpaired domain-A and domain-B images: with
    the cycle loss (weight 10, `CYCLE_RUN`, the plan's epochs) or, with `cycle_weight=0`,
    without it (`NOCYCLE_RUN`, 1 epoch); or reloaded."""
    plan = gan_applications_plan()
    if cycle_weight not in (0, 10.0):
        raise ValueError(f"cycle_weight: lesson 07 trains 10 (CycleGAN) and 0 (no cycle), got "
                         f"{cycle_weight!r}; train other weights with CycleGAN directly")
    name, epochs = ((CYCLE_RUN, plan["cycle_epochs"]) if cycle_weight else
                    (NOCYCLE_RUN, plan["nocycle_epochs"]))
    return train_or_reload(lambda: CycleGAN(cycle_weight=cycle_weight, seed=0), x_a, x_b,
                           name=name, epochs=epochs, batch_size=plan["cycle_batch_size"],
                           compile_args={}, made_by="lesson 07", verbose=verbose,
                           require_trained=require_trained)


def detector_data(real, fake, seed: int = 0):
    """A balanced, shuffled training set: as many real as fake images (a seeded random
    subset of the larger set), labels 0 = real and 1 = fake. Returns (images, labels)."""
    real, fake = check_images(real, "real"), check_images(fake, "fake")
    rng = np.random.default_rng(seed)
    n = min(len(real), len(fake))
    real, fake = real[rng.permutation(len(real))[:n]], fake[rng.permutation(len(fake))[:n]]
    order = rng.permutation(2 * n)
    labels = np.concatenate([np.zeros(n, np.float32), np.ones(n, np.float32)])
    return np.concatenate([real, fake])[order], labels[order]


def train_fake_detector(real, fake, *, epochs: int, name: str = DETECTOR_RUN, verbose=0,
                        require_trained: bool = False) -> Trained:
    """`build_fake_detector()` trained on `detector_data(real, fake)` with binary
    cross-entropy on its logit (Adam 1e-3, batch 128) under run `name`, or reloaded."""
    x, y = detector_data(real, fake)
    compile_args = {"optimizer": keras.optimizers.Adam(1e-3),
                    "loss": keras.losses.BinaryCrossentropy(from_logits=True),
                    "metrics": [keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")]}
    return train_or_reload(build_fake_detector, x, y, name=name, epochs=epochs, batch_size=128,
                           compile_args=compile_args, made_by="lesson 07", verbose=verbose,
                           require_trained=require_trained)


def lesson_fake_detector(real, fake, verbose=0, require_trained: bool = False) -> Trained:
    """Lesson 07's fake detector, trained on the even-indexed images of `real` and `fake` (the
    real test digits and the conditional GAN's samples); `held_out` gives the others."""
    real, fake = check_images(real, "real"), check_images(fake, "fake")
    return train_fake_detector(real[0::2], fake[0::2],
                               epochs=gan_applications_plan()["detector_epochs"],
                               verbose=verbose, require_trained=require_trained)


def held_out(images):
    """The odd-indexed images: those `lesson_fake_detector` never trains on."""
    return images[1::2]
