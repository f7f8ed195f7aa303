"""Lesson 05's variational autoencoders: run names and train-or-reload calls, shared with
`benchmarks/vae.py` and lesson 08 (which builds on the 16-dimensional VAE)."""

import keras

from ..config import by_mode
from ..models.vae import VAE
from .autoencoders import autoencoder_plan
from .runs import Trained, train_or_reload

VAE16_EPOCHS = (5, 1)  # default and fast mode


def vae_run(latent_dim: int, kl_weight: float, n_train: int, epochs: int) -> str:
    """Checkpoint name of a lesson-05 VAE."""
    return f"lesson05_vae{latent_dim}d_c{kl_weight:g}_n{n_train}_e{epochs}"


def vae16_run(n_train: int) -> str:
    """Checkpoint name of lesson 05's 16-dimensional VAE trained on `n_train` images."""
    return vae_run(16, 1.0, n_train, by_mode(*VAE16_EPOCHS))


def vae_benchmark_run(latent_dim: int) -> str:
    """Checkpoint name of `benchmarks/vae.py`'s VAE with `latent_dim` latent dimensions."""
    return f"bench_vae_z{latent_dim}"


def lesson_vae(x_train, latent_dim: int, kl_weight: float = 1.0, epochs: int = None, verbose=2,
               validation_data=None, require_trained: bool = False) -> Trained:
    """A lesson-05 VAE (Adam 1e-3, the autoencoder plan's batch size, seed 0) trained on
    `x_train` for `epochs` (default: lesson 05's 10, fast mode 1), or reloaded."""
    epochs = by_mode(10, 1) if epochs is None else epochs
    return train_or_reload(
        lambda: VAE(latent_dim=latent_dim, kl_weight=kl_weight, seed=0), x_train,
        name=vae_run(latent_dim, kl_weight, len(x_train), epochs), epochs=epochs,
        batch_size=autoencoder_plan()["batch_size"],
        compile_args={"optimizer": keras.optimizers.Adam(1e-3)}, seed=None,
        made_by="lesson 05", verbose=verbose, validation_data=validation_data,
        require_trained=require_trained)


def lesson_vae16(x_train, verbose=2, require_trained: bool = False) -> Trained:
    """Lesson 05's 16-dimensional VAE (5 epochs; fast mode 1), the one lesson 08 builds on."""
    return lesson_vae(x_train, 16, epochs=by_mode(*VAE16_EPOCHS), verbose=verbose,
                      require_trained=require_trained)
