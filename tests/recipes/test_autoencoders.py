"""Lessons 02-04's recipes: one definition of each autoencoder, its settings and checkpoint."""

import json

import numpy as np
import pytest

from course_lib import recipes
from course_lib.config import checkpoint_dir, seed_everything
from course_lib.models.autoencoder import Autoencoder, DenoisingAutoencoder
from course_lib.recipes import autoencoder_plan, fit_autoencoder, lesson_autoencoder


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def test_fit_autoencoder_resumes_from_its_checkpoint(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x = images(32)
    seed_everything(0)
    trained = fit_autoencoder(lambda: Autoencoder(2, filters=(4, 8)), x, epochs=1,
                              name="unit_ae", batch_size=16, verbose=0)
    assert (checkpoint_dir("unit_ae") / "state.json").exists()
    again = fit_autoencoder(lambda: Autoencoder(2, filters=(4, 8)), x, epochs=1, name="unit_ae",
                            batch_size=16, verbose=0)
    assert again.history == trained.history
    np.testing.assert_allclose(again.model.encode(x), trained.model.encode(x), atol=1e-6)


def test_a_denoiser_is_fitted_on_its_own_loss(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    trained = fit_autoencoder(lambda: DenoisingAutoencoder(2, filters=(4, 8)), images(16),
                              epochs=1, name="unit_dae", denoising=True, batch_size=8, verbose=0)
    assert trained.model.loss is None and np.isfinite(trained.history["loss"][0])


def test_lesson_autoencoder_is_lesson_02s_run_and_reloads(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    plan, x = autoencoder_plan(), images(16)
    model, history = lesson_autoencoder(2, x)
    assert (model.latent_dim, model.filters) == (2, plan["filters"])
    state = json.loads((checkpoint_dir("lesson02_ae_k2") / "state.json").read_text())
    assert state["epoch"] == plan["sweep_epochs"][2] == len(history["loss"])
    again = lesson_autoencoder(2, x)
    np.testing.assert_allclose(again.model.encode(x), model.encode(x), atol=1e-6)


def test_lesson_autoencoder_refuses_a_size_lesson_02_does_not_train(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    with pytest.raises(ValueError, match="k=5"):
        lesson_autoencoder(5, images(4))


def test_lesson_plan_is_smaller_in_fast_mode(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    fast = autoencoder_plan()
    monkeypatch.setenv("COURSE_FAST", "0")
    default = autoencoder_plan()
    assert default["ks"] == (2, 4, 8, 16, 32, 64) and set(fast["ks"]) <= set(default["ks"])
    assert set(default["sweep_epochs"]) == set(default["ks"]) and set(fast["sweep_epochs"]) == set(fast["ks"])
    assert all(fast["sweep_epochs"][k] <= default["sweep_epochs"][k] for k in fast["ks"])
    assert max(default["sweep_epochs"], key=default["sweep_epochs"].get) == 32  # the headline size
    assert default["n_train"] is None
    assert default["filters"] == Autoencoder().filters  # default runs use the builders' widths


def test_a_required_run_is_refused_until_trained(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x = images(16)
    with pytest.raises(recipes.NotTrainedError, match="lesson02_ae_k2.*run the lesson"):
        lesson_autoencoder(2, x, require_trained=True)
    assert not checkpoint_dir("lesson02_ae_k2").joinpath("state.json").exists()  # nothing trained
    trained = lesson_autoencoder(2, x)
    again = lesson_autoencoder(2, x, require_trained=True)
    np.testing.assert_allclose(again.model.encode(x), trained.model.encode(x), atol=1e-6)


def test_lesson03_recipes_build_the_lessons_models(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    plan, x = autoencoder_plan(), images(24)
    y = np.arange(24) % 10
    dae, history = recipes.lesson_denoiser(x, verbose=0)
    assert isinstance(dae, DenoisingAutoencoder)
    assert (dae.corruption, dae.level, dae.latent_dim) == ("gaussian", plan["sigma"], plan["dae_k"])
    assert len(history["loss"]) == plan["dae_epochs"]
    inpainter, _ = recipes.lesson_inpainter(x)
    assert (inpainter.corruption, inpainter.level) == ("patch", plan["patch_side"])
    detector, _ = recipes.lesson_anomaly_detector(x, y)
    assert type(detector) is Autoencoder and detector.latent_dim == plan["anomaly_k"]
    state = json.loads((checkpoint_dir(recipes.anomaly_run(plan)) / "state.json").read_text())
    assert state["n_examples"] == int(np.sum(y != plan["anomaly_digit"]))  # the left-out digit unseen
    for run in (recipes.denoiser_run(plan), recipes.inpainter_run(plan)):
        assert (checkpoint_dir(run) / "state.json").exists()


def test_checkpoint_names_are_the_ones_on_disk_from_earlier_runs():
    """Renaming a run would retrain every learner's finished model: the names are fixed."""
    plan = autoencoder_plan()
    assert recipes.sweep_run(32) == "lesson02_ae_k32"
    assert recipes.denoiser_run(plan) == "lesson03_dae_sigma0.5"
    assert recipes.anomaly_run(plan) == "lesson03_anomaly_without2"
    assert recipes.inpainter_run(plan) == "lesson03_inpaint_patch12"
