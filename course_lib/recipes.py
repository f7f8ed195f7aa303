"""What notebooks, benchmarks and tools share about the lessons' trained models: their settings,
their checkpoint names and the calls that train them or reload them when they are finished.

Each model is written down once here, so a notebook and the benchmark that measures it train the
same model into the same checkpoint, and whichever runs second reloads what the first trained.
With `require_trained=True` a recipe refuses to train and raises `NotTrainedError` instead (what
a tool that only reads trained models wants).
"""

import keras

from . import saving
from .config import by_mode, checkpoint_dir, model_path, seed_everything
from .training import cosine_adam, fit_resumable, is_finished
from .validation import check_images, check_labels, check_positive_int

CNN_FILE = "cnn_classifier.keras"
CNN_RUN = "lesson01_cnn"
DCGAN_RUN = "lesson06_dcgan"


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
    if workdir is None:
        model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose)
    else:
        fit_resumable(model, x, y, epochs=epochs, workdir=workdir, batch_size=batch_size,
                      seed=seed, verbose=verbose)
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
