"""Lesson 05 benchmark: how good a likelihood model the course VAE is, next to published anchors.

1. A VAE with a 32-dimensional latent on dynamically binarized MNIST (a fresh Bernoulli draw of
   the training images every epoch), batch 128, Adam 1e-3; test negative log-likelihood by
   importance weighting with k = 200 samples on the first `--iw-images` test images, and with
   k = 5,000 on the first 200 of them beside k = 200 on the same 200, to measure how much the
   published k tightens the bound, and with k = 200 on as many images from the second half of
   the test set (which, per the MNIST page, comes from other writers than the first). Anchors: Burda, Grosse & Salakhutdinov (2016, "Importance
   Weighted Autoencoders", Table 1), with k = 5,000 on the whole test set: 86.76 nats for their
   VAE (one stochastic layer of 50 units, trained with k = 1), 82.90 for their IWAE (two
   stochastic layers, trained with k = 50), both after 3,280 epochs. The test images are
   binarized once, with a fixed seed.
2. The 2-D VAE of the lesson trained 10 epochs on statically binarized MNIST (threshold 0.5, as
   in the TensorFlow "Convolutional Variational Autoencoder" tutorial, whose reported test ELBO
   at latent size 2 is about −156): its single-sample test ELBO, and the completeness and
   continuity of its decoded latent grid (completeness: the share the course's digit judge,
   `recipes.digit_judge()`, accepts).

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
    """Train a VAE, one checkpointed epoch at a time, or reload it; returns (model, seconds spent
    training it, summed over every run that trained it, history)."""
    config.seed_everything(0)
    model = VAE(latent_dim=latent_dim, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    workdir = config.checkpoint_dir(recipes.vae_benchmark_run(latent_dim))
    history = {}
    for epoch in range(epochs):
        x = data.binarize(x_train, "dynamic", seed=1000 + epoch) if dynamic else x_train
        history = training.fit_resumable(model, x, epochs=epoch + 1, workdir=workdir,
                                         batch_size=128, validation_data=(x_val,), verbose=2)
    return model, training.trained_seconds(workdir), history


def main(iw_images):
    (x_train, _), (x_test, _) = data.load_mnist(n_train=config.by_mode(None, 2000),
                                                n_test=config.by_mode(None, 500))
    k = config.by_mode(200, 20)
    large_k, large_k_images = config.by_mode(5000, 100), config.by_mode(200, 20)
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
    same = subset[:large_k_images]
    figures.update(iw_large_k=large_k, iw_large_k_images=len(same),
                   iw_nll_large_k_nats=-vae.log_likelihood(same, k=large_k, seed=0).mean(),
                   iw_nll_same_images_nats=-vae.log_likelihood(same, k=k, seed=0).mean())
    later = x_test_dyn[len(x_test_dyn) // 2:][:iw_images]
    figures.update(iw_nll_second_half_nats=-vae.log_likelihood(later, k=k, seed=0).mean(),
                   iw_second_half_images=len(later))

    x_train_static, x_test_static = data.binarize(x_train), data.binarize(x_test)
    vae2d, seconds_2d, _ = train_vae(x_train_static, 2, epochs_2d, False, x_test_static)
    grid, _ = latent.decode_latent_grid(vae2d.encode(x_test_static)[0], vae2d.decode)
    completeness, continuity = metrics.grid_scores(grid, recipes.digit_judge(verbose=2))
    figures.update(vae2d_test_elbo=vae2d.elbo(x_test_static, k=1, seed=0).mean(),
                   vae2d_epochs=epochs_2d, vae2d_train_seconds=seconds_2d,
                   vae_completeness=completeness, vae_continuity=continuity)

    report.write_benchmark("vae", figures)
    print(f"test NLL {figures['iw_nll_nats']:.2f} nats (k={k}, {len(subset)} images) vs "
          f"Burda et al. 2016 (k=5000, 10,000 images): VAE {BURDA_VAE_NATS:.2f}, IWAE {BURDA_IWAE_NATS:.2f}")
    print(f"on the first {len(same)} of those images: k={k} {figures['iw_nll_same_images_nats']:.2f}, "
          f"k={large_k} {figures['iw_nll_large_k_nats']:.2f} nats; {len(later)} images of the test "
          f"set's second half, k={k}: {figures['iw_nll_second_half_nats']:.2f} nats")
    print(f"2-D test ELBO {figures['vae2d_test_elbo']:.1f} nats vs TF CVAE tutorial "
          f"≈ {TF_TUTORIAL_ELBO_2D:.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iw-images", type=int, default=2_000,
                        help="how many test images the importance-weighted NLL uses")
    main(parser.parse_args().iw_images)
