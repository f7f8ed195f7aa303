"""Lesson 05 benchmark: how good a likelihood model the course VAE is, next to published anchors.

1. A VAE with a 32-dimensional latent on dynamically binarized MNIST (a fresh Bernoulli draw of
   the training images every epoch), batch 128, Adam 1e-3; test negative log-likelihood by
   importance weighting with k = 200 samples (Burda et al. 2015, "Importance Weighted
   Autoencoders", Table 1: 86.76 nats for their VAE, 82.90 for their IWAE, both after 3,280
   epochs). The test images are binarized once, with a fixed seed.
2. The 2-D VAE of the lesson trained 10 epochs on statically binarized MNIST (threshold 0.5, as
   in the TensorFlow "Convolutional Variational Autoencoder" tutorial, whose reported test ELBO
   at latent size 2 is about −156): its single-sample test ELBO, and the completeness and
   continuity of its decoded latent grid (scored by the lesson-01 CNN).

Both trainings checkpoint every epoch (`fit_resumable`), so an interrupted run resumes.
Usage: python benchmarks/vae.py [--iw-images N]   (COURSE_FAST=1 for a smoke run)
"""

import argparse
import time

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import keras
import numpy as np

from course_lib import config, data, latent, metrics, recipes, report, training
from course_lib.models.vae import VAE

BURDA_VAE_NATS = 86.76
BURDA_IWAE_NATS = 82.90
TF_TUTORIAL_ELBO_2D = -156.0


def train_vae(x_train, latent_dim, epochs, dynamic, x_val):
    """Train a VAE, one checkpointed epoch at a time; returns (model, seconds, history)."""
    config.seed_everything(0)
    model = VAE(latent_dim=latent_dim, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    workdir = config.checkpoint_dir(recipes.vae_benchmark_run(latent_dim))
    start, history = time.perf_counter(), {}
    for epoch in range(epochs):
        x = data.binarize(x_train, "dynamic", seed=1000 + epoch) if dynamic else x_train
        history = training.fit_resumable(model, x, epochs=epoch + 1, workdir=workdir,
                                         batch_size=128, validation_data=(x_val,), verbose=2)
    return model, time.perf_counter() - start, history


def main(iw_images):
    (x_train, _), (x_test, _) = data.load_mnist(n_train=config.by_mode(None, 2000),
                                                n_test=config.by_mode(None, 500))
    k = config.by_mode(200, 20)
    epochs = config.by_mode(15, 1)
    epochs_2d = config.by_mode(10, 1)
    figures = {}

    x_test_dyn = data.binarize(x_test, "dynamic", seed=2015)
    vae, seconds, history = train_vae(x_train, 32, epochs, True, x_test_dyn[:2000])
    for epoch, value in enumerate(history["val_loss"], start=1):
        figures[f"test_neg_elbo_epoch_{epoch:02d}"] = value
    subset = x_test_dyn[:iw_images]
    start = time.perf_counter()
    nll = -vae.log_likelihood(subset, k=k, seed=0)
    figures.update(iw_nll_nats=nll.mean(), iw_nll_sem=nll.std(ddof=1) / np.sqrt(len(nll)),
                   iw_k=k, iw_test_images=len(subset), latent_dim=32, epochs=epochs,
                   neg_elbo_nats=-vae.elbo(subset, k=1, seed=0).mean(), train_seconds=seconds,
                   iw_seconds=time.perf_counter() - start)

    x_train_static, x_test_static = data.binarize(x_train), data.binarize(x_test)
    vae2d, seconds_2d, _ = train_vae(x_train_static, 2, epochs_2d, False, x_test_static)
    grid, _ = latent.decode_latent_grid(vae2d.encode(x_test_static)[0], vae2d.decode)
    completeness, continuity = metrics.grid_scores(grid, recipes.reference_classifier(verbose=2))
    figures.update(vae2d_test_elbo=vae2d.elbo(x_test_static, k=1, seed=0).mean(),
                   vae2d_epochs=epochs_2d, vae2d_train_seconds=seconds_2d,
                   vae_completeness=completeness, vae_continuity=continuity)

    report.write_benchmark("vae", figures)
    print(f"test NLL {figures['iw_nll_nats']:.2f} nats (k={k}, {len(subset)} images) vs "
          f"Burda et al. 2015: VAE {BURDA_VAE_NATS}, IWAE {BURDA_IWAE_NATS}")
    print(f"2-D test ELBO {figures['vae2d_test_elbo']:.1f} nats vs TF CVAE tutorial "
          f"≈ {TF_TUTORIAL_ELBO_2D:.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iw-images", type=int, default=10_000,
                        help="how many test images the importance-weighted NLL uses")
    main(parser.parse_args().iw_images)
