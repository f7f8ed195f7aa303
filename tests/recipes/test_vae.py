"""Lesson 05's VAE recipes: run names on disk and the 16-d VAE lesson 08 builds on."""

import numpy as np
import pytest

from course_lib import recipes
from course_lib.models.vae import VAE


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def test_checkpoint_names_are_the_ones_on_disk_from_earlier_runs():
    assert recipes.vae_benchmark_run(32) == "bench_vae_z32"
    assert recipes.vae_run(2, 1.0, 60000, 10) == "lesson05_vae2d_c1_n60000_e10"
    assert recipes.vae_run(16, 1.0, 60000, 5) == "lesson05_vae16d_c1_n60000_e5"


def test_lesson_vae_trains_then_reloads(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x = images(32)
    vae, history = recipes.lesson_vae(x, 2, epochs=1, verbose=0)
    assert isinstance(vae, VAE) and vae.latent_dim == 2 and len(history["loss"]) == 1
    again = recipes.lesson_vae(x, 2, epochs=1, verbose=0)
    assert again.history == history
    np.testing.assert_allclose(again.model.encode(x)[0], vae.encode(x)[0], atol=1e-6)


def test_lesson_vae16_is_refused_until_lesson_05_trained_it(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x = images(16)
    with pytest.raises(recipes.NotTrainedError, match="run lesson 05 first"):
        recipes.lesson_vae16(x, require_trained=True)
    assert recipes.lesson_vae16(x, verbose=0).model.latent_dim == 16
