"""Save the README gallery under `docs/figures/` from the models the default-mode benchmarks (and,
for the GIF, lesson 06) left under `build/`; nothing is trained here.

Usage: python tools/make_figures.py [--out DIR]

- `reconstructions_vs_pca.png`: test digits, PCA (k = 32) and the autoencoder (k = 32);
- `denoising_grid.png`: clean, noisy (σ = 0.5) and denoised test digits;
- `latent_spaces.png`: test codes of the 2-D autoencoder and of the 2-D VAE, by digit;
- `vae_attribute_row.png`: test digits decoded along the VAE's "bold ink" attribute vector;
- `dcgan_progress.gif`: lesson 06's generator grid, epoch by epoch (from the notebook's
  default-mode run, which trains longer than `benchmarks/dcgan.py`).

A figure whose benchmark has not finished (no result JSON), or whose checkpoint is missing or
unfinished, is skipped
with a message naming the benchmark to run; the exit status is 1 when any was skipped.
"""

import argparse
import json
import shutil
import sys
import warnings
from pathlib import Path

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from course_lib import config, data, plots, training  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
N_SHOW = 10


class Missing(Exception):
    """A model or checkpoint that the default-mode benchmarks have not produced (yet)."""


def require_result(benchmark):
    """Refuse models of a benchmark whose run has not finished (it writes its JSON last)."""
    results = config.build_dir("bench") if config.fast_mode() else ROOT / "benchmarks" / "results"
    if not (results / f"{benchmark}.json").is_file():
        raise Missing(f"`python benchmarks/{benchmark}.py` has not finished here "
                      f"(no {results / benchmark}.json)")


def restore(model, name, benchmark):
    """Load the finished checkpoint `name` into `model` (built and compiled here)."""
    import keras

    require_result(benchmark)
    workdir = config.checkpoint_dir(name)
    state_path = workdir / training.STATE
    if not state_path.is_file():
        raise Missing(f"no checkpoint {workdir}: run `python benchmarks/{benchmark}.py`")
    state = json.loads(state_path.read_text())
    if state["epoch"] < state["epochs"]:
        raise Missing(f"{workdir} holds an unfinished run ({state['epoch']}/{state['epochs']} "
                      f"epochs): let `python benchmarks/{benchmark}.py` finish")
    model.compile(optimizer=keras.optimizers.Adam())
    training.build_for_training(model, np.zeros((1, 28, 28, 1), "float32"))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*_operations_by_depth.*")
        # the lessons used a learning-rate schedule: only the weights matter here
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model.load_weights(workdir / training.WEIGHTS)
    return model


def autoencoder(k):
    from course_lib.models.autoencoder import Autoencoder, lesson_plan

    return restore(Autoencoder(latent_dim=k, filters=lesson_plan()["filters"]),
                   f"lesson02_ae_k{k}", "autoencoders")


def vae(k):
    from course_lib.models.vae import VAE

    return restore(VAE(latent_dim=k, seed=0), f"bench_vae_z{k}", "vae")


def save(fig, path):
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def reconstructions_vs_pca(x_train, x_test, out):
    from sklearn.decomposition import PCA

    model = autoencoder(32)
    show = x_test[:N_SHOW]
    pca = PCA(32, random_state=0).fit(x_train[:10000].reshape(-1, 784))
    pca_rec = pca.inverse_transform(pca.transform(show.reshape(-1, 784))).reshape(show.shape)
    rows = np.concatenate([show, np.clip(pca_rec, 0, 1), model.predict(show, verbose=0)])
    fig = plots.image_grid(rows, ncols=N_SHOW,
                           row_labels=["test digit", "PCA, k = 32", "autoencoder, k = 32"])
    return save(fig, out / "reconstructions_vs_pca.png")


def denoising_grid(x_test, out):
    from course_lib.models.autoencoder import DenoisingAutoencoder, lesson_plan

    plan = lesson_plan()
    sigma = plan["sigma"]
    model = restore(DenoisingAutoencoder(latent_dim=plan["dae_k"], filters=plan["filters"],
                                         corruption="gaussian", level=sigma, seed=0),
                    f"lesson03_dae_sigma{sigma}", "autoencoders")
    clean = x_test[:N_SHOW]
    noisy = data.add_noise(clean, sigma, seed=1)
    rows = np.concatenate([clean, noisy, model.predict(noisy, verbose=0)])
    fig = plots.image_grid(rows, ncols=N_SHOW, row_labels=["clean", f"noisy, σ = {sigma}",
                                                          "denoised"])
    return save(fig, out / "denoising_grid.png")


def latent_spaces(x_test, y_test, out):
    ae, model = autoencoder(2), vae(2)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
    plots.latent_scatter(ae.encode(x_test), y_test, ax=left, title="autoencoder, 2-D code")
    plots.latent_scatter(model.encode(x_test)[0], y_test, ax=right, title="VAE, 2-D posterior mean")
    return save(fig, out / "latent_spaces.png")


def vae_attribute_row(x_test, out):
    model = vae(32)
    codes = model.encode(x_test)[0]
    ink = x_test.reshape(len(x_test), -1).mean(axis=1)
    bold = ink > np.median(ink)
    vector = codes[bold].mean(0) - codes[~bold].mean(0)
    steps = np.linspace(-1.5, 1.5, 7)
    starts = codes[:4]
    grid = np.concatenate([model.decode(z + steps[:, None] * vector) for z in starts])
    fig = plots.image_grid(grid, ncols=len(steps),
                           titles=[f"{t:+.1f}·v" for t in steps] + [""] * (len(grid) - len(steps)))
    return save(fig, out / "vae_attribute_row.png")


def dcgan_progress(out):
    """Lesson 06's progress GIF: its 8-epoch default run, longer than the benchmark's."""
    workdir = config.checkpoint_dir("lesson06_dcgan")
    state_path = workdir / training.STATE
    if not state_path.is_file():
        raise Missing(f"no {workdir}: run notebooks/06_dcgan.ipynb in default mode")
    state = json.loads(state_path.read_text())
    if state["epoch"] < state["epochs"]:
        raise Missing(f"{workdir} holds an unfinished run ({state['epoch']}/{state['epochs']} "
                      "epochs): run notebooks/06_dcgan.ipynb again to finish it")
    return Path(shutil.copyfile(workdir / "progress" / "progress.gif", out / "dcgan_progress.gif"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    out = parser.parse_args(argv).out
    if config.fast_mode():
        print("note: COURSE_FAST is set, so the fast-mode checkpoints are used")
    out.mkdir(parents=True, exist_ok=True)
    (x_train, _), (x_test, y_test) = data.load_mnist(n_train=10000, n_test=None)
    makers = {"reconstructions vs PCA": lambda: reconstructions_vs_pca(x_train, x_test, out),
              "denoising grid": lambda: denoising_grid(x_test, out),
              "AE vs VAE latent spaces": lambda: latent_spaces(x_test, y_test, out),
              "VAE attribute row": lambda: vae_attribute_row(x_test, out),
              "DCGAN progress GIF": lambda: dcgan_progress(out)}
    skipped = 0
    for title, make in makers.items():
        try:
            print(f"{title}: wrote {make()}", flush=True)
        except Missing as why:
            skipped += 1
            print(f"{title}: skipped, {why}", flush=True)
    return 1 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
