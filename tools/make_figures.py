"""Save the README gallery under `docs/figures/` from the models the default-mode benchmarks (and,
for the GIF, lesson 06) left under `build/`; nothing is trained here.

Usage: python tools/make_figures.py [--out DIR]

- `reconstructions_vs_pca.png`: test digits, PCA (k = 32) and the autoencoder (k = 32);
- `denoising_grid.png`: clean, noisy (σ = 0.5) and denoised test digits;
- `latent_spaces.png`: test codes of the 2-D autoencoder and of the 2-D VAE, by digit;
- `vae_attribute_row.png`: test digits decoded along the VAE's "bold ink" attribute vector,
  class-balanced as in lesson 05;
- `dcgan_progress.gif`: lesson 06's generator grid, epoch by epoch (from the notebook's
  default-mode run, which trains longer than `benchmarks/dcgan.py`);
- `cgan_on_demand.png`: lesson 07's conditional generator, one row per requested digit;
- `cycle_translation.png`: lesson 07's unpaired translation, test digits, translated, true style B;
- `diffusion_chain.png`: lesson 08's reverse chain with the shipped weights, noise to digit;
- `flow_guidance.png`: lesson 09's shipped flow-matching model asked for each digit, one row per
  guidance weight of its plan, from the same noise;
- `generators_side_by_side.png`: a row of samples from each model of the closing table
  (`benchmarks/generators.py`'s saved samples).

A figure whose benchmark has not finished (no result JSON), or whose checkpoint is missing or
unfinished, is skipped
with a message naming the benchmark to run; the exit status is 1 when any was skipped.
"""

import argparse
import shutil
import sys
import warnings
from pathlib import Path

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from course_lib import baselines, config, data, plots, recipes, report, saving, training  # noqa: E402

ROOT = config.repo_root()
N_SHOW = 10


class Missing(Exception):
    """A model or checkpoint that the default-mode benchmarks have not produced (yet)."""


def require_result(benchmark):
    """Refuse models of a benchmark whose run has not finished (it writes its JSON last)."""
    path = report.results_dir() / f"{benchmark}.json"
    if not path.is_file():
        raise Missing(f"`python benchmarks/{benchmark}.py` has not finished here (no {path})")


def require_finished(name, how):
    """The checkpoint folder of the finished run `name`; `how` says what trains it."""
    workdir = config.checkpoint_dir(name)
    if not training.is_finished(workdir):
        raise Missing(f"{workdir} holds no finished run: {how}")
    return workdir


def lesson_model(recipe, benchmark, *args):
    """A lesson model from its recipe, only when its benchmark has trained it."""
    require_result(benchmark)
    try:
        return recipe(*args, require_trained=True).model
    except recipes.NotTrainedError as why:
        raise Missing(f"{why} (`python benchmarks/{benchmark}.py`)") from None


def vae(latent_dim):
    """The benchmark's VAE with `latent_dim` latent dimensions (weights only)."""
    import keras

    from course_lib.models.vae import VAE

    require_result("vae")
    workdir = require_finished(recipes.vae_benchmark_run(latent_dim), "run `python benchmarks/vae.py`")
    model = VAE(latent_dim=latent_dim, seed=0)
    model.compile(optimizer=keras.optimizers.Adam())
    training.build_for_training(model, np.zeros((1, 28, 28, 1), "float32"))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*_operations_by_depth.*")
        model.load_weights(workdir / training.WEIGHTS)
    return model


def save(fig, path):
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def reconstructions_vs_pca(x_train, x_test, out):
    model = lesson_model(recipes.lesson_autoencoder, "autoencoders", 32, x_train)
    show = x_test[:N_SHOW]
    pca_rec = baselines.pca_reconstruct(x_train[:10000], show, 32)
    rows = np.concatenate([show, np.clip(pca_rec, 0, 1), model.predict(show, verbose=0)])
    fig = plots.image_grid(rows, ncols=N_SHOW,
                           row_labels=["test digit", "PCA, k = 32", "autoencoder, k = 32"])
    return save(fig, out / "reconstructions_vs_pca.png")


def denoising_grid(x_train, x_test, out):
    sigma = recipes.autoencoder_plan()["sigma"]
    model = lesson_model(recipes.lesson_denoiser, "autoencoders", x_train)
    clean = x_test[:N_SHOW]
    noisy = data.add_noise(clean, sigma, seed=1)
    rows = np.concatenate([clean, noisy, model.predict(noisy, verbose=0)])
    fig = plots.image_grid(rows, ncols=N_SHOW, row_labels=["clean", f"noisy, σ = {sigma}",
                                                          "denoised"])
    return save(fig, out / "denoising_grid.png")


def latent_spaces(x_train, x_test, y_test, out):
    ae, model = lesson_model(recipes.lesson_autoencoder, "autoencoders", 2, x_train), vae(2)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
    plots.latent_scatter(ae.encode(x_test), y_test, ax=left, title="autoencoder, 2-D code")
    plots.latent_scatter(model.encode(x_test)[0], y_test, ax=right, title="VAE, 2-D posterior mean")
    return save(fig, out / "latent_spaces.png")


def vae_attribute_row(x_train, y_train, x_test, out):
    """Lesson 05's class-balanced "bold" vector: training images with more ink than the median of
    their own digit, against the rest (an overall median would pit 8s against 1s)."""
    model = vae(32)
    codes = model.encode(x_train)[0]
    ink = x_train.reshape(len(x_train), -1).mean(axis=1)
    class_median = np.array([np.median(ink[y_train == d]) for d in range(10)])
    bold = ink > class_median[y_train]
    vector = codes[bold].mean(0) - codes[~bold].mean(0)
    starts = model.encode(x_test[:4])[0]
    steps = np.linspace(-1.5, 1.5, 7)
    grid = np.concatenate([model.decode(z + steps[:, None] * vector) for z in starts])
    fig = plots.image_grid(grid, ncols=len(steps),
                           titles=[f"{t:+.1f}·v" for t in steps] + [""] * (len(grid) - len(steps)))
    return save(fig, out / "vae_attribute_row.png")


def dcgan_progress(out):
    """Lesson 06's progress GIF: its 8-epoch default run, longer than the benchmark's."""
    workdir = require_finished(recipes.DCGAN_RUN, "run notebooks/06_dcgan.ipynb to the end")
    return Path(shutil.copyfile(workdir / "progress" / "progress.gif", out / "dcgan_progress.gif"))


def cgan_on_demand(out):
    require_result("gan_applications")
    path = config.model_path(recipes.CGAN_FILE)
    if not path.exists():
        raise Missing(f"{path} is missing (`python benchmarks/gan_applications.py`)")
    generator = saving.load_course_model(path)
    noise = np.random.default_rng(2).standard_normal((N_SHOW, generator.inputs[0].shape[-1]))
    grid = generator.predict({"noise": np.tile(noise, (10, 1)).astype("float32"),
                              "labels": np.repeat(np.arange(10), N_SHOW)}, verbose=0)
    fig = plots.image_grid(grid, ncols=N_SHOW, row_labels=[f"a {d}" for d in range(10)])
    return save(fig, out / "cgan_on_demand.png")


def cycle_translation(x_test, out):
    from course_lib import domains

    require_result("gan_applications")
    (x_all, y_all), _ = data.load_mnist()
    try:
        model = recipes.lesson_cyclegan(*recipes.cycle_domains(x_all, y_all),
                                        require_trained=True, verbose=0).model
    except recipes.NotTrainedError as why:
        raise Missing(f"{why} (`python benchmarks/gan_applications.py`)") from None
    show = x_test[:N_SHOW]
    rows = np.concatenate([show, model.translate_ab(show), domains.to_style_b(show)])
    fig = plots.image_grid(rows, ncols=N_SHOW,
                           row_labels=["test digit (A)", "translated to B", "true B"])
    return save(fig, out / "cycle_translation.png")


def diffusion_chain(out):
    model = recipes.shipped_diffusion()
    _, frames = model.sample(6, steps=25, seed=3, frames=9)
    chain = np.transpose(frames, (1, 0, 2, 3, 4)).reshape(-1, 28, 28, 1)
    fig = plots.image_grid(chain, ncols=frames.shape[0])
    return save(fig, out / "diffusion_chain.png")


def flow_guidance(out):
    model, plan = recipes.shipped_flow(), recipes.flow_plan()
    labels = np.arange(N_SHOW) % 10
    rows = np.concatenate([model.sample(N_SHOW, **plan["sampler"], labels=labels, guidance=w, seed=3)
                           for w in plan["guidance_weights"]])
    fig = plots.image_grid(rows, ncols=N_SHOW,
                           row_labels=[f"w = {w:g}" for w in plan["guidance_weights"]])
    return save(fig, out / "flow_guidance.png")


def generators_side_by_side(out):
    require_result("generators")
    names = ("vae", "dcgan", "cgan", "latent_diffusion", "diffusion", "flow", "flow_cfg")
    folder = config.build_dir("samples")
    missing = [n for n in names if not (folder / f"{n}.npy").exists()]
    if missing:
        raise Missing(f"no samples of {missing} in {folder} (`python benchmarks/generators.py`)")
    rows = np.concatenate([np.load(folder / f"{n}.npy", mmap_mode="r")[:N_SHOW] for n in names])
    fig = plots.image_grid(rows, ncols=N_SHOW, row_labels=[n.replace("_", " ") for n in names])
    return save(fig, out / "generators_side_by_side.png")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    out = parser.parse_args(argv).out
    if config.fast_mode():
        print("note: COURSE_FAST is set, so the fast-mode checkpoints are used")
    out.mkdir(parents=True, exist_ok=True)
    plan = recipes.autoencoder_plan()
    (x_train, y_train), (x_test, y_test) = data.load_mnist(plan["n_train"], n_test=None)
    makers = {"reconstructions vs PCA": lambda: reconstructions_vs_pca(x_train, x_test, out),
              "denoising grid": lambda: denoising_grid(x_train, x_test, out),
              "AE vs VAE latent spaces": lambda: latent_spaces(x_train, x_test, y_test, out),
              "VAE attribute row": lambda: vae_attribute_row(x_train, y_train, x_test, out),
              "DCGAN progress GIF": lambda: dcgan_progress(out),
              "conditional GAN on demand": lambda: cgan_on_demand(out),
              "unpaired translation": lambda: cycle_translation(x_test, out),
              "diffusion reverse chain": lambda: diffusion_chain(out),
              "flow matching with guidance": lambda: flow_guidance(out),
              "generators side by side": lambda: generators_side_by_side(out)}
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
