"""Lessons 02-04: the autoencoders, their settings (`autoencoder_plan`, whose data sizes lessons
05 and 08 read too, so their models reload there), run names and train-or-reload calls;
`benchmarks/autoencoders.py` trains the same runs."""

from ..config import by_mode
from ..models.autoencoder import Autoencoder, DenoisingAutoencoder
from ..training import cosine_adam
from ..validation import check_images, check_labels
from .runs import Trained, train_or_reload


def autoencoder_plan() -> dict:
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


def fit_autoencoder(build, x, *, epochs: int, name: str, denoising: bool = False,
                    batch_size: int = 128, learning_rate: float = 2e-3, seed=0, verbose=2,
                    require_trained: bool = False) -> Trained:
    """Train (or reload) the autoencoder that `build()` makes on images `x` under run `name`,
    with Adam whose learning rate decays to 0 along a cosine over the run. A plain
    `Autoencoder` learns x → x with binary cross-entropy; a `DenoisingAutoencoder`
    (`denoising=True`) corrupts its input itself and brings its own loss."""
    x = check_images(x, "x")
    compile_args = {"optimizer": cosine_adam(learning_rate, epochs=epochs, n_examples=len(x),
                                             batch_size=batch_size)}
    if not denoising:
        compile_args["loss"] = "binary_crossentropy"
    return train_or_reload(build, x, None if denoising else x, name=name, epochs=epochs,
                           batch_size=batch_size, compile_args=compile_args, seed=seed,
                           verbose=verbose, require_trained=require_trained)


def lesson_autoencoder(k: int, x_train, verbose=0, require_trained: bool = False) -> Trained:
    """Lesson 02's sweep autoencoder with bottleneck `k`, trained or reloaded. Lessons 04 and 05
    use the k = 2 one."""
    plan = autoencoder_plan()
    if k not in plan["sweep_epochs"]:
        raise ValueError(f"k={k}: lesson 02 trains k in {sorted(plan['sweep_epochs'])} in this mode")
    return _fit(lambda: Autoencoder(latent_dim=k, filters=plan["filters"]), x_train,
                plan["sweep_epochs"][k], sweep_run(k), plan, seed=k, verbose=verbose,
                require_trained=require_trained)


def lesson_denoiser(x_train, verbose=2, require_trained: bool = False) -> Trained:
    """Lesson 03's denoiser for Gaussian noise of σ = `plan["sigma"]`."""
    return _lesson_dae(x_train, "gaussian", "sigma", "dae_epochs", denoiser_run, verbose,
                       require_trained)


def lesson_anomaly_detector(x_train, y_train, verbose=0, require_trained: bool = False) -> Trained:
    """Lesson 03's autoencoder trained on every digit but `plan["anomaly_digit"]`."""
    plan = autoencoder_plan()
    x_train = check_images(x_train, "x_train")
    y_train = check_labels(y_train, name="y_train")
    normal = x_train[y_train != plan["anomaly_digit"]]
    return _fit(lambda: Autoencoder(latent_dim=plan["anomaly_k"], filters=plan["filters"]),
                normal, plan["anomaly_epochs"], anomaly_run(plan), plan, verbose=verbose,
                require_trained=require_trained)


def lesson_inpainter(x_train, verbose=0, require_trained: bool = False) -> Trained:
    """Lesson 03's denoiser for a blanked square of side `plan["patch_side"]`."""
    return _lesson_dae(x_train, "patch", "patch_side", "patch_epochs", inpainter_run, verbose,
                       require_trained)


def _lesson_dae(x_train, corruption: str, level_key: str, epochs_key: str, run_name, verbose,
                require_trained) -> Trained:
    """A `DenoisingAutoencoder` of lesson 03 (bottleneck `plan["dae_k"]`) for `corruption` at
    the plan's `level_key`, trained for its `epochs_key` under `run_name(plan)`, or reloaded."""
    plan = autoencoder_plan()

    def build():
        return DenoisingAutoencoder(latent_dim=plan["dae_k"], filters=plan["filters"],
                                    corruption=corruption, level=plan[level_key], seed=0)

    return _fit(build, x_train, plan[epochs_key], run_name(plan), plan, denoising=True,
                verbose=verbose, require_trained=require_trained)


def _fit(build, x, epochs, name, plan, seed=0, **kwargs) -> Trained:
    """`fit_autoencoder` with the plan's batch size and learning rate."""
    return fit_autoencoder(build, x, epochs=epochs, name=name, batch_size=plan["batch_size"],
                           learning_rate=plan["learning_rate"], seed=seed, **kwargs)
