"""What notebooks, benchmarks and tools share about the lessons' trained models: their settings,
their checkpoint names and the calls that train them or reload them when they are finished.

Each model is written down once here, so a notebook and the benchmark that measures it train the
same model into the same checkpoint, and whichever runs second reloads what the first trained.
With `require_trained=True` a recipe refuses to train and raises `NotTrainedError` instead (what
a tool that only reads trained models wants).
"""

import hashlib
import json
import shutil
from pathlib import Path

import keras
import numpy as np

from . import saving
from .config import by_mode, checkpoint_dir, model_path, repo_root, seed_everything
from .training import cosine_adam, fit_optionally_resumable, fit_resumable, is_finished
from .validation import check_images, check_labels, check_positive_int

CNN_FILE = "cnn_classifier.keras"
CNN_RUN = "lesson01_cnn"
DCGAN_RUN = "lesson06_dcgan"
CGAN_FILE = "cgan_generator.keras"
CGAN_RUN = "lesson07_cgan_dclass10"  # "lesson07_cgan" held the model before d_class_weight
DIFFUSION_FILE = "diffusion_unet.weights.h5"
DIFFUSION_RECORD = "diffusion_unet.json"


class NotTrainedError(RuntimeError):
    """A recipe was asked for a trained model whose run has not finished."""


def lesson_plan() -> dict:
    """Data sizes, epochs and settings of lessons 02-04 (and of `benchmarks/autoencoders.py`).

    `sweep_epochs` maps each bottleneck size to its epochs: the headline k=32 trains longest
    (its target is 0.0035 MSE/pixel); the others only need to beat PCA, which they do within a
    few epochs, and the sweep must fit the course's time budget on a 2-core CPU."""
    return {
        "n_train": by_mode(None, 3000),
        "n_test": by_mode(None, 1000),
        "ks": by_mode((2, 4, 8, 16, 32, 64), (2, 32)),
        "filters": by_mode((32, 64), (16, 32)),
        "sweep_epochs": by_mode({2: 4, 4: 3, 8: 3, 16: 3, 32: 12, 64: 3}, {2: 3, 32: 3}),
        "dae_epochs": by_mode(5, 3),
        "anomaly_epochs": by_mode(3, 2),
        "patch_epochs": by_mode(3, 3),
        "batch_size": by_mode(128, 32),
        "learning_rate": 2e-3,
        "sigma": 0.5,
        "dae_k": 64,
        "anomaly_digit": 2,
        "anomaly_k": 8,
        "patch_side": 12,
    }


def sweep_run(k: int) -> str:
    """Checkpoint name of lesson 02's autoencoder with bottleneck `k`."""
    return f"lesson02_ae_k{k}"


def denoiser_run(plan: dict) -> str:
    """Checkpoint name of lesson 03's Gaussian-noise denoiser."""
    return f"lesson03_dae_sigma{plan['sigma']}"


def anomaly_run(plan: dict) -> str:
    """Checkpoint name of lesson 03's anomaly detector (trained without one digit)."""
    return f"lesson03_anomaly_without{plan['anomaly_digit']}"


def inpainter_run(plan: dict) -> str:
    """Checkpoint name of lesson 03's inpainter (trained on blanked squares)."""
    return f"lesson03_inpaint_patch{plan['patch_side']}"


def vae_benchmark_run(latent_dim: int) -> str:
    """Checkpoint name of `benchmarks/vae.py`'s VAE with `latent_dim` latent dimensions."""
    return f"bench_vae_z{latent_dim}"


def fit_autoencoder(model, x, *, epochs: int, name: str, batch_size: int = 128,
                    learning_rate: float = 2e-3, verbose=2, require_trained: bool = False) -> dict:
    """Compile `model` (Adam with a cosine decay of the learning rate to 0 over the run) and
    train it on images `x` with `fit_resumable` in `config.checkpoint_dir(name)`: a finished run
    reloads instead of retraining. A plain `Autoencoder` learns x → x with binary cross-entropy;
    a `DenoisingAutoencoder` brings its own loss. Returns the history."""
    from .models.autoencoder import DenoisingAutoencoder

    x = check_images(x, "x")
    workdir = checkpoint_dir(name)
    if require_trained and not is_finished(workdir):
        raise NotTrainedError(f"{workdir} holds no finished run of {name!r}: run the lesson or "
                              f"benchmark that trains it first")
    optimizer = cosine_adam(learning_rate, epochs=epochs, n_examples=len(x), batch_size=batch_size)
    if isinstance(model, DenoisingAutoencoder):
        model.compile(optimizer=optimizer)
        targets = None
    else:
        model.compile(optimizer=optimizer, loss="binary_crossentropy")
        targets = x
    return fit_resumable(model, x, targets, epochs=epochs, workdir=workdir,
                         batch_size=batch_size, verbose=verbose)


def _fit_lesson_model(model, x, epochs, name, plan, verbose, require_trained):
    """Train or reload one model of lessons 02-03 with the plan's batch size and learning rate."""
    history = fit_autoencoder(model, x, epochs=epochs, name=name, batch_size=plan["batch_size"],
                              learning_rate=plan["learning_rate"], verbose=verbose,
                              require_trained=require_trained)
    return model, history


def lesson_autoencoder(k: int, x_train, verbose=0, require_trained: bool = False):
    """Lesson 02's sweep autoencoder with bottleneck `k`, trained or reloaded. Lessons 04 and 05
    use the k = 2 one."""
    from .models.autoencoder import Autoencoder

    plan = lesson_plan()
    if k not in plan["sweep_epochs"]:
        raise ValueError(f"k={k}: lesson 02 trains k in {sorted(plan['sweep_epochs'])} in this mode")
    seed_everything(k)
    model, _ = _fit_lesson_model(Autoencoder(latent_dim=k, filters=plan["filters"]), x_train,
                                 plan["sweep_epochs"][k], sweep_run(k), plan, verbose,
                                 require_trained)
    return model


def lesson_denoiser(x_train, verbose=2, require_trained: bool = False):
    """Lesson 03's denoiser for Gaussian noise of σ = `plan["sigma"]`: `(model, history)`."""
    plan = lesson_plan()
    return _lesson_dae(x_train, "gaussian", plan["sigma"], plan["dae_epochs"], denoiser_run(plan),
                       verbose, require_trained)


def lesson_anomaly_detector(x_train, y_train, verbose=0, require_trained: bool = False):
    """Lesson 03's autoencoder trained on every digit but `plan["anomaly_digit"]`:
    `(model, history)`."""
    from .models.autoencoder import Autoencoder

    plan = lesson_plan()
    x_train = check_images(x_train, "x_train")
    y_train = check_labels(y_train, name="y_train")
    seed_everything(0)
    model = Autoencoder(latent_dim=plan["anomaly_k"], filters=plan["filters"])
    normal = x_train[y_train != plan["anomaly_digit"]]
    return _fit_lesson_model(model, normal, plan["anomaly_epochs"], anomaly_run(plan), plan,
                             verbose, require_trained)


def lesson_inpainter(x_train, verbose=0, require_trained: bool = False):
    """Lesson 03's denoiser for a blanked square of side `plan["patch_side"]`:
    `(model, history)`."""
    plan = lesson_plan()
    return _lesson_dae(x_train, "patch", plan["patch_side"], plan["patch_epochs"],
                       inpainter_run(plan), verbose, require_trained)


def _lesson_dae(x_train, corruption, level, epochs, name, verbose, require_trained):
    """A `DenoisingAutoencoder` of lesson 03 (bottleneck `plan["dae_k"]`), trained or reloaded."""
    from .models.autoencoder import DenoisingAutoencoder

    plan = lesson_plan()
    seed_everything(0)
    model = DenoisingAutoencoder(latent_dim=plan["dae_k"], filters=plan["filters"],
                                 corruption=corruption, level=level, seed=0)
    return _fit_lesson_model(model, x_train, epochs, name, plan, verbose, require_trained)


def train_cnn_classifier(x, y, epochs: int, batch_size: int = 128, seed: int = 0,
                         verbose="auto", workdir=None) -> keras.Model:
    """Build, compile and fit lesson 01's CNN on images in [0, 1] and integer labels.

    Adam's learning rate follows a cosine decay from 1e-3 to 0 over the run, which settles the
    weights for the last epochs. With `workdir` the run goes through `fit_resumable`
    (checkpointed every epoch, resumed or reloaded when called again).
    """
    from .models.classifiers import build_cnn_classifier

    x = check_images(x, "x")
    y = check_labels(y, name="y")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} images but y has {len(y)} labels; expected the same")
    epochs = check_positive_int(epochs, "epochs")
    seed_everything(seed)
    model = build_cnn_classifier()
    model.compile(optimizer=cosine_adam(1e-3, epochs=epochs, n_examples=len(x), batch_size=batch_size),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    fit_optionally_resumable(model, x, y, epochs=epochs, batch_size=batch_size, seed=seed,
                             workdir=workdir, verbose=verbose)
    return model


def reference_classifier(verbose="auto") -> keras.Model:
    """The lesson-01 CNN saved at `build/models/cnn_classifier.keras`, trained (and saved)
    when the file is absent: all 60,000 training images for 12 epochs (fast mode: 6,000
    images, 2 epochs). Lessons 04-06 and the benchmarks score images with it."""
    path = model_path(CNN_FILE)
    if path.exists():
        return saving.load_course_model(path)
    from .data import load_mnist

    (x, y), _ = load_mnist(n_train=by_mode(None, 6000))
    model = train_cnn_classifier(x, y, epochs=by_mode(12, 2), verbose=verbose,
                                 workdir=checkpoint_dir(CNN_RUN))
    model.save(path)
    return model


def diffusion_plan() -> dict:
    """Settings of lesson 08's pixel diffusion model, shared by the weights shipped in
    `data/weights/` (`benchmarks/diffusion.py`), the notebook's live run and its tests."""
    return {"widths": (16, 32, 64), "groups": 8, "schedule": "linear", "batch_size": 128,
            "learning_rate": 2e-3, "shipped_epochs": by_mode(8, 1)}


def new_pixel_diffusion(plan: dict = None):
    """An untrained `Diffusion` U-Net with the plan's settings (seeded, not compiled)."""
    from .models.diffusion import Diffusion

    plan = plan or diffusion_plan()
    seed_everything(0)
    return Diffusion(widths=plan["widths"], groups=plan["groups"], schedule=plan["schedule"],
                     seed=0)


def pixel_diffusion(x_train, epochs: int, name: str, verbose=2, callbacks=(),
                    require_trained: bool = False):
    """Lesson 08's U-Net diffusion model trained on `x_train` for `epochs` (Adam, cosine decay
    from the plan's learning rate), checkpointed under `name`; returns (model, history)."""
    plan = diffusion_plan()
    workdir = checkpoint_dir(name)
    if require_trained and not is_finished(workdir):
        raise NotTrainedError(f"{workdir} holds no finished run; train it first")
    x_train = check_images(x_train, "x_train")
    model = new_pixel_diffusion(plan)
    model.compile(optimizer=cosine_adam(plan["learning_rate"], epochs=epochs,
                                        n_examples=len(x_train), batch_size=plan["batch_size"]))
    history = fit_resumable(model, x_train, epochs=epochs, workdir=workdir,
                            batch_size=plan["batch_size"], seed=0, verbose=verbose,
                            callbacks=callbacks)
    return model, history


def shipped_diffusion_run() -> str:
    """Checkpoint name of the run whose averaged weights ship in `data/weights/`."""
    return f"bench_diffusion_e{diffusion_plan()['shipped_epochs']}"


def vae_run(latent_dim: int, kl_weight: float, n_train: int, epochs: int) -> str:
    """Checkpoint name of a lesson-05 VAE."""
    return f"lesson05_vae{latent_dim}d_c{kl_weight:g}_n{n_train}_e{epochs}"


def lesson_vae(x_train, latent_dim: int, kl_weight: float = 1.0, epochs: int = None, verbose=2,
               validation_data=None, require_trained: bool = False):
    """A lesson-05 VAE (Adam 1e-3, the plan's batch size, seed 0) trained on `x_train` for
    `epochs` (default: lesson 05's 10, fast mode 1); returns (model, history)."""
    from .models.vae import VAE

    epochs = by_mode(10, 1) if epochs is None else epochs
    workdir = checkpoint_dir(vae_run(latent_dim, kl_weight, len(x_train), epochs))
    if require_trained and not is_finished(workdir):
        raise NotTrainedError(f"{workdir} holds no finished VAE; run lesson 05 first")
    model = VAE(latent_dim=latent_dim, kl_weight=kl_weight, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = fit_resumable(model, x_train, epochs=epochs, batch_size=lesson_plan()["batch_size"],
                            verbose=verbose, validation_data=validation_data, workdir=workdir)
    return model, history


VAE16_EPOCHS = (5, 1)  # default and fast mode


def vae16_run(n_train: int) -> str:
    """Checkpoint name of lesson 05's 16-dimensional VAE trained on `n_train` images."""
    return vae_run(16, 1.0, n_train, by_mode(*VAE16_EPOCHS))


def lesson_vae16(x_train, verbose=2, require_trained: bool = False):
    """Lesson 05's 16-dimensional VAE (5 epochs; fast mode 1), the one lesson 08 builds on."""
    return lesson_vae(x_train, 16, epochs=by_mode(*VAE16_EPOCHS), verbose=verbose,
                      require_trained=require_trained)[0]


class LatentDiffusion:
    """A diffusion model over a VAE's standardised codes, and the VAE that decodes its samples
    (Rombach et al. 2022's latent diffusion, in miniature)."""

    def __init__(self, diffusion, vae, mean, std):
        self.diffusion, self.vae = diffusion, vae
        self.mean, self.std = mean, std

    def generate(self, n: int, steps: int = 50, seed: int = 0) -> np.ndarray:
        """`n` images in [0, 1]: codes sampled by DDIM in `steps` steps, decoded by the VAE."""
        codes = self.diffusion.sample(n, steps=steps, seed=seed) * self.std + self.mean
        return self.vae.decode(codes)


LATENT_DIFFUSION_RUN = "lesson08_latent_diffusion"


def latent_diffusion(vae, x_train, verbose=2, require_trained: bool = False):
    """A small MLP diffusion model trained on the posterior means of `vae` for `x_train`
    (standardised per dimension; 40 epochs, fast mode 2); returns (LatentDiffusion, history)."""
    from .models.diffusion import Diffusion

    workdir = checkpoint_dir(LATENT_DIFFUSION_RUN)
    if require_trained and not is_finished(workdir):
        raise NotTrainedError(f"{workdir} holds no finished latent diffusion; run lesson 08 first")
    codes = vae.encode(x_train)[0]
    mean, std = codes.mean(axis=0), codes.std(axis=0)
    epochs, batch_size = by_mode(40, 2), 256
    seed_everything(0)
    model = Diffusion(widths=(256,), data_shape=codes.shape[1:], seed=0)
    model.compile(optimizer=cosine_adam(1e-3, epochs=epochs, n_examples=len(codes),
                                        batch_size=batch_size))
    history = fit_resumable(model, (codes - mean) / std, epochs=epochs, batch_size=batch_size,
                            verbose=verbose, workdir=workdir)
    return LatentDiffusion(model, vae, mean, std), history


def shipped_weights_dir():
    """`data/weights/`: trained weights that ship with the course, each with a JSON record."""
    return repo_root() / "data" / "weights"


def ship_diffusion_weights(path, record: dict):
    """Copy the EMA weights at `path` into `data/weights/` with a record beside them: their
    SHA-256 and how they were made (`record`: epochs, seconds, machine, …). This is what
    `benchmarks/diffusion.py --ship` does; returns the shipped path."""
    folder = shipped_weights_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / DIFFUSION_FILE
    shutil.copyfile(path, target)
    record = {**record, "sha256": sha256_of(target)}
    (folder / DIFFUSION_RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return target


def sha256_of(path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def shipped_diffusion_record() -> dict:
    """How the shipped diffusion weights were made (`data/weights/diffusion_unet.json`)."""
    path = shipped_weights_dir() / DIFFUSION_RECORD
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; expected the record of the weights that "
                                f"ship with the course (benchmarks/diffusion.py --ship writes it)")
    return json.loads(path.read_text())


def shipped_diffusion():
    """Lesson 08's U-Net with the shipped averaged weights (checksum verified first)."""
    path = shipped_weights_dir() / DIFFUSION_FILE
    expected = shipped_diffusion_record()["sha256"]
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; expected the weights that ship with the "
                                f"course (benchmarks/diffusion.py --ship makes them)")
    found = sha256_of(path)
    if found != expected:
        raise ValueError(f"{path} has SHA-256 {found}, expected {expected} (its record): the "
                         f"file is damaged or is a Git LFS pointer; fetch it again. It was "
                         f"left as it is.")
    model = new_pixel_diffusion()
    model.ema_network.load_weights(path)
    model.network.set_weights(model.ema_network.get_weights())
    return model


# Lesson 07: what GANs are for (also `benchmarks/gan_applications.py`).

CYCLE_RUN = "lesson07_cyclegan"
NOCYCLE_RUN = "lesson07_nocycle"
DETECTOR_RUN = "lesson07_detector"
CGAN_SNAPSHOT = "generator_epoch1.weights.h5"


def gan_applications_plan() -> dict:
    """Sizes and epochs of lesson 07. The conditional GAN trains like lesson 06's DCGAN (all
    60,000 digits, batch 128, 469 generator steps per epoch), so lesson 06's per-epoch history
    gives the unconditional model at the same number of steps. CycleGAN settings follow
    `models/cyclegan.py`'s author's measurements (3 epochs on 20,000 + 20,000 digits, batch 32;
    the model without cycle loss 1 epoch). Fast mode: seconds each."""
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


def lesson_cgan(x_train, y_train, name: str = CGAN_RUN, epochs: int = None, verbose=2,
                require_trained: bool = False):
    """Lesson 07's `ConditionalGAN` (seed 0, lesson 06's optimizers) trained on images and
    integer labels with `fit_resumable` under `name` (default: the plan's epochs, batch 128).
    After its first epoch the generator's weights are also kept in the checkpoint folder
    (`CGAN_SNAPSHOT`): the early forger of lesson 07's fake detector. Returns (model, history)."""
    from .models.cgan import ConditionalGAN

    plan = gan_applications_plan()
    epochs = plan["cgan_epochs"] if epochs is None else check_positive_int(epochs, "epochs")
    workdir = checkpoint_dir(name)
    if require_trained and not is_finished(workdir):
        raise NotTrainedError(f"{workdir} holds no finished conditional GAN; run lesson 07 or "
                              f"benchmarks/gan_applications.py first")
    seed_everything(0)
    model = ConditionalGAN(seed=0)
    model.compile()
    snapshot = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: (
        model.generator.save_weights(workdir / CGAN_SNAPSHOT) if epoch == 0 else None))
    history = fit_resumable(model, x_train, y_train, epochs=epochs, workdir=workdir,
                            batch_size=plan["cgan_batch_size"], callbacks=[snapshot],
                            verbose=verbose)
    return model, history


def early_cgan(name: str = CGAN_RUN):
    """The conditional GAN of run `name` as it was after its first epoch (weights saved by
    `lesson_cgan`); raises `NotTrainedError` when the run has no such snapshot."""
    from .models.cgan import ConditionalGAN

    path = checkpoint_dir(name) / CGAN_SNAPSHOT
    if not path.exists():
        raise NotTrainedError(f"{path} is missing: train the run with recipes.lesson_cgan")
    model = ConditionalGAN(seed=0)
    model.generator.load_weights(path)
    return model


def cycle_domains(x_train, y_train) -> tuple:
    """Lesson 07's unpaired collections (`domains.unpaired_domains` of the training digits),
    each cut to the plan's `cycle_n_train` images: (x_a, x_b)."""
    from .domains import unpaired_domains

    n = gan_applications_plan()["cycle_n_train"]
    halves = unpaired_domains(x_train, y_train)
    return halves["x_a"][:n], halves["x_b"][:n]


def lesson_cyclegan(x_a, x_b, cycle_weight: float = 10.0, verbose=2,
                    require_trained: bool = False):
    """Lesson 07's `CycleGAN` (seed 0) trained on unpaired domain-A and domain-B images with
    `fit_resumable`: with the cycle loss (weight 10, `CYCLE_RUN`, the plan's epochs) or, with
    `cycle_weight=0`, without it (`NOCYCLE_RUN`, 1 epoch). Returns (model, history)."""
    from .models.cyclegan import CycleGAN

    plan = gan_applications_plan()
    if cycle_weight not in (0, 10.0):
        raise ValueError(f"cycle_weight: lesson 07 trains 10 (CycleGAN) and 0 (no cycle), got "
                         f"{cycle_weight!r}; train other weights with CycleGAN directly")
    name, epochs = ((CYCLE_RUN, plan["cycle_epochs"]) if cycle_weight else
                    (NOCYCLE_RUN, plan["nocycle_epochs"]))
    workdir = checkpoint_dir(name)
    if require_trained and not is_finished(workdir):
        raise NotTrainedError(f"{workdir} holds no finished CycleGAN; run lesson 07 first")
    seed_everything(0)
    model = CycleGAN(cycle_weight=cycle_weight, seed=0)
    model.compile()
    history = fit_resumable(model, x_a, x_b, epochs=epochs, workdir=workdir,
                            batch_size=plan["cycle_batch_size"], verbose=verbose)
    return model, history


def lesson_fake_detector(real, fake, verbose=0, require_trained: bool = False):
    """Lesson 07's fake detector, trained on the even-indexed images of `real` and `fake` (the
    real test digits and the conditional GAN's samples) under `DETECTOR_RUN`. Returns
    (detector, held-out real, held-out fake): the odd-indexed images, never trained on."""
    from .models.detector import train_fake_detector

    real, fake = check_images(real, "real"), check_images(fake, "fake")
    workdir = checkpoint_dir(DETECTOR_RUN)
    if require_trained and not is_finished(workdir):
        raise NotTrainedError(f"{workdir} holds no finished detector; run lesson 07 first")
    detector = train_fake_detector(real[0::2], fake[0::2],
                                   epochs=gan_applications_plan()["detector_epochs"],
                                   workdir=workdir, verbose=verbose)
    return detector, real[1::2], fake[1::2]
