"""Lesson 07's models (also `benchmarks/gan_applications.py`): the conditional GAN, the
CycleGAN with its ablations (no cycle loss, no coordinate channels) and the paired translator
above it, and the fake detector, with their settings."""

import keras
import numpy as np

from ..config import by_mode, checkpoint_dir, model_path
from ..domains import to_style_b, unpaired_domains
from ..models.cgan import ConditionalGAN
from ..models.cyclegan import CycleGAN, build_translator
from ..models.detector import build_fake_detector
from ..validation import check_images
from .dcgan import train_dcgan
from .runs import NotTrainedError, Trained, train_or_reload

CGAN_FILE = "cgan_generator.keras"
CGAN_RUN = "lesson07_cgan_dclass10"  # "lesson07_cgan" held the model before d_class_weight
CGAN_SNAPSHOT = "generator_epoch1.weights.h5"
DCGAN_SAME_STEPS_RUN = "bench_gan_applications_dcgan"
# The translators' runs: 1 epoch on 12,000 digits per domain, all four at the same steps.
# (Earlier names: "lesson07_cyclegan", 3 epochs on 20,000; "lesson07_nocycle", 1 epoch, no
# identity loss; "lesson07_detector", 3 epochs of the smaller detector.)
CYCLE_RUN = "lesson07_cyclegan_12k"
NOCYCLE_RUN = "lesson07_nocycle_12k"
NOCOORD_RUN = "lesson07_nocoord_12k"
PAIRED_RUN = "lesson07_paired_12k"
CYCLE_VARIANTS = {  # variant → (run name, CycleGAN settings besides seed 0)
    "cycle": (CYCLE_RUN, {}),
    "nocycle": (NOCYCLE_RUN, {"cycle_weight": 0.0, "identity_weight": 5.0}),
    "nocoord": (NOCOORD_RUN, {"coordinates": False}),
}
DETECTOR_RUN = "lesson07_detector_es"
CLOTHES_RUNS = {"transpose": "lesson07_fashion_cgan",  # exercise 1's run (the learner's code)
                "resize": "bench_gan_applications_fashion_resize"}


def gan_applications_plan() -> dict:
    """Sizes and epochs of lesson 07. The conditional GAN trains like lesson 06's DCGAN (all
    60,000 digits, batch 128, 469 generator steps per epoch), so lesson 06's per-epoch history
    gives the unconditional model at the same number of steps. Translators (the CycleGAN, its
    two ablations and the paired one): 1 epoch on 12,000 + 12,000 digits, batch 32 (375 steps).
    Fake detector: up to `detector_max_epochs`, stopped when its validation AUROC has not risen
    by more than `detector_min_delta` for `detector_patience` epochs (measurements in `benchmarks/results/history.md`). Fast
    mode: seconds each."""
    return {
        "cgan_n_train": by_mode(None, 1024), "cgan_epochs": by_mode(6, 2), "cgan_batch_size": 128,
        "n_per_class": by_mode(1000, 50),
        "cycle_n_train": by_mode(12_000, 64), "cycle_epochs": 1, "cycle_batch_size": 32,
        "n_translate": by_mode(2000, 200),
        "detector_max_epochs": by_mode(30, 3), "detector_patience": by_mode(3, 1),
        "detector_min_delta": 1e-3, "detector_validation_share": 0.2,
        "clothes_n_train": by_mode(30_000, 512), "clothes_epochs": by_mode(2, 1),
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


def lesson_cyclegan(x_a, x_b, variant: str = "cycle", verbose=2,
                    require_trained: bool = False) -> Trained:
    """Lesson 07's `CycleGAN` (seed 0) trained on unpaired domain-A and domain-B images for the
    plan's epochs, or reloaded. `variant`: "cycle" (the lesson's model: cycle weight 10,
    identity weight 5, coordinate channels), "nocycle" (cycle weight 0, all else kept) or
    "nocoord" (no coordinate channels, all else kept); each has its run in `CYCLE_VARIANTS`."""
    if variant not in CYCLE_VARIANTS:
        raise ValueError(f"variant: got {variant!r}; expected one of {sorted(CYCLE_VARIANTS)}")
    plan = gan_applications_plan()
    name, settings = CYCLE_VARIANTS[variant]
    return train_or_reload(lambda: CycleGAN(seed=0, **settings), x_a, x_b, name=name,
                           epochs=plan["cycle_epochs"], batch_size=plan["cycle_batch_size"],
                           compile_args={}, made_by="lesson 07", verbose=verbose,
                           require_trained=require_trained)


def paired_translator(x_a, verbose=2, require_trained: bool = False) -> Trained:
    """The upper reference of lesson 07's CycleGAN: its A → B translator (same network, same
    seed, same optimizer, batch and epochs) trained with supervision, L1 between its output and
    the true B version (`to_style_b`) of each domain-A image: the pairs the CycleGAN never sees."""
    plan = gan_applications_plan()
    x_a = check_images(x_a, "x_a")
    compile_args = {"optimizer": keras.optimizers.Adam(2e-4, beta_1=0.5),
                    "loss": keras.losses.MeanAbsoluteError()}
    return train_or_reload(lambda: build_translator(seed=0, name="paired_ab"), x_a,
                           to_style_b(x_a), name=PAIRED_RUN, epochs=plan["cycle_epochs"],
                           batch_size=plan["cycle_batch_size"], compile_args=compile_args,
                           made_by="lesson 07", verbose=verbose, require_trained=require_trained)


def clothes_cgan(x, y, upsampling: str = "transpose", verbose=2,
                 require_trained: bool = False) -> Trained:
    """A `ConditionalGAN(seed=0, upsampling=...)` trained on clothes (Fashion-MNIST images and
    labels: the plan's `clothes_n_train`) for `clothes_epochs` of batch 128, or reloaded:
    "transpose" is exercise 1's run, "resize" the same with resize-then-convolve upsampling
    (`benchmarks/gan_applications.py`), each under its run in `CLOTHES_RUNS`."""
    if upsampling not in CLOTHES_RUNS:
        raise ValueError(f"upsampling: got {upsampling!r}; expected one of {sorted(CLOTHES_RUNS)}")
    plan = gan_applications_plan()
    return train_or_reload(lambda: ConditionalGAN(seed=0, upsampling=upsampling), x, y,
                           name=CLOTHES_RUNS[upsampling], epochs=plan["clothes_epochs"],
                           batch_size=128, compile_args={},
                           made_by="lesson 07's exercise 1 or benchmarks/gan_applications.py",
                           verbose=verbose, require_trained=require_trained)


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


class KeepBestWeights(keras.callbacks.Callback):
    """Saves the model's weights to `path` at the end of an epoch whose `val_auroc` exceeds
    `best` (that of the run's `best_epoch` so far) by more than `min_delta`."""

    def __init__(self, path, best: float, min_delta: float):
        super().__init__()
        self.path, self.best, self.min_delta = path, best, min_delta

    def on_epoch_end(self, epoch, logs=None):
        if logs["val_auroc"] > self.best + self.min_delta:
            self.best = logs["val_auroc"]
            self.model.save_weights(self.path)


def best_epoch(scores, min_delta: float) -> int:
    """Index of the epoch whose score last beat every earlier best by more than `min_delta`
    (the first epoch always counts)."""
    best, index = -np.inf, 0
    for i, score in enumerate(scores):
        if score > best + min_delta:
            best, index = score, i
    return index


def train_fake_detector(real, fake, *, max_epochs: int, patience: int,
                        validation_share: float = 0.2, min_delta: float = 1e-3,
                        name: str = DETECTOR_RUN, verbose=0,
                        require_trained: bool = False) -> Trained:
    """`build_fake_detector()` trained with binary cross-entropy on its logit (Adam 1e-3,
    batch 128) on `detector_data` of the first (1 − `validation_share`) of `real` and `fake`,
    one epoch at a time under run `name`, until the AUROC on the rest (`val_auroc`) has not
    risen by more than `min_delta` for `patience` epochs, or `max_epochs`. Returns the model
    with the weights of its best epoch (`best_epoch`), or reloads it."""
    real, fake = check_images(real, "real"), check_images(fake, "fake")
    n_real, n_fake = (int(round(len(images) * (1 - validation_share))) for images in (real, fake))
    if not 0 < n_real < len(real) or not 0 < n_fake < len(fake):
        raise ValueError(f"validation_share: {validation_share!r} leaves no training or no "
                         f"validation images of {len(real)} real and {len(fake)} fake")
    x, y = detector_data(real[:n_real], fake[:n_fake])
    validation = detector_data(real[n_real:], fake[n_fake:])
    best_path = checkpoint_dir(name) / "best.weights.h5"
    history, epochs = {"val_auroc": []}, 1
    while True:
        scores = history["val_auroc"]
        best = scores[best_epoch(scores, min_delta)] if scores else -np.inf
        compile_args = {"optimizer": keras.optimizers.Adam(1e-3),
                        "loss": keras.losses.BinaryCrossentropy(from_logits=True),
                        "metrics": [keras.metrics.AUC(from_logits=True, name="auroc")]}
        model, history = train_or_reload(
            build_fake_detector, x, y, name=name, epochs=epochs, batch_size=128,
            compile_args=compile_args, made_by="lesson 07", verbose=verbose,
            validation_data=validation, require_trained=require_trained,
            callbacks=[KeepBestWeights(best_path, best, min_delta)])
        scores = history["val_auroc"]
        if len(scores) >= max_epochs or len(scores) - 1 - best_epoch(scores, min_delta) >= patience:
            break
        epochs = len(scores) + 1
    model.load_weights(best_path)
    return Trained(model, history)


def lesson_fake_detector(real, fake, verbose=0, require_trained: bool = False) -> Trained:
    """Lesson 07's fake detector, trained on the even-indexed images of `real` and `fake` (the
    real test digits and the conditional GAN's samples; the last fifth of them for early
    stopping); `held_out` gives the others."""
    real, fake = check_images(real, "real"), check_images(fake, "fake")
    plan = gan_applications_plan()
    return train_fake_detector(real[0::2], fake[0::2], max_epochs=plan["detector_max_epochs"],
                               patience=plan["detector_patience"],
                               min_delta=plan["detector_min_delta"],
                               validation_share=plan["detector_validation_share"],
                               verbose=verbose, require_trained=require_trained)


def held_out(images):
    """The odd-indexed images: those `lesson_fake_detector` never trains on."""
    return images[1::2]
