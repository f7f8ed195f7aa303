"""Lesson 08's recipes: the shipped U-Net weights, the live pixel run, the latent diffusion."""

import keras
import numpy as np
import pytest

from course_lib import recipes, saving


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def test_the_shipped_weights_match_their_record_and_load():
    path = saving.verified_shipped_weights(recipes.SHIPPED_DIFFUSION)
    assert saving.sha256_of(path) == saving.shipped_record(recipes.SHIPPED_DIFFUSION)["sha256"]
    model = recipes.shipped_diffusion()
    for ema, weight in zip(model.ema_network.weights, model.network.weights):
        np.testing.assert_array_equal(np.asarray(ema), np.asarray(weight))
    assert model.sample(2, steps=2, seed=0).shape == (2, 28, 28, 1)


def test_the_untrained_unet_is_the_same_every_time():
    a, b = recipes.pixel_unet(), recipes.pixel_unet()
    for wa, wb in zip(a.network.weights, b.network.weights):
        np.testing.assert_array_equal(np.asarray(wa), np.asarray(wb))


def test_a_live_pixel_run_trains_then_reloads(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x = images(16)
    model, history = recipes.pixel_diffusion(x, 1, "unit_pixel", verbose=0)
    assert len(history["loss"]) == 1 and np.isfinite(history["loss"][0])
    again = recipes.pixel_diffusion(x, 1, "unit_pixel", verbose=0, require_trained=True)
    assert again.history == history


def test_a_shorter_run_can_keep_the_longer_runs_learning_rate_schedule(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")

    def decay_steps(model):
        return keras.optimizers.serialize(model.optimizer)["config"]["learning_rate"][
            "config"]["decay_steps"]

    x = images(16)  # one batch per epoch
    own = recipes.pixel_diffusion(x, 1, "unit_pixel_own_schedule", verbose=0).model
    first = recipes.pixel_diffusion(x, 1, "unit_pixel_first_of_8", verbose=0,
                                    schedule_epochs=8).model
    assert (decay_steps(own), decay_steps(first)) == (1, 8)


def test_on_a_cpu_the_lesson_trains_one_epoch_then_uses_the_shipped_weights(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    models = recipes.lesson_pixel_models(images(16), on_gpu=False, verbose=0)
    assert models.epochs == 1 and len(models.history["loss"]) == 1 and not models.reloaded
    assert models.model is not models.live
    assert models.model_seconds == saving.shipped_record(recipes.SHIPPED_DIFFUSION)["train_seconds"]
    assert recipes.lesson_pixel_models(images(16), on_gpu=False, verbose=0).reloaded


def test_on_a_gpu_the_lesson_trains_the_shipped_length_and_uses_its_own_run(monkeypatch,
                                                                           eager_training):
    # The GPU branch of lesson 08's live cell, run on the CPU at a tiny size (16 digits, one
    # batch per epoch) in default mode, so its length is the shipped run's 8 epochs.
    monkeypatch.delenv("COURSE_FAST", raising=False)
    models = recipes.lesson_pixel_models(images(16), on_gpu=True, verbose=0)
    epochs = recipes.diffusion_plan()["shipped_epochs"]
    assert models.epochs == epochs > 1 and len(models.history["loss"]) == epochs
    assert models.model is models.live and models.model_seconds == models.seconds > 0
    assert np.all(np.isfinite(models.history["loss"]))
    assert models.model.sample(2, steps=2, seed=0).shape == (2, 28, 28, 1)


def test_latent_diffusion_trains_on_a_vaes_codes_and_reloads(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x = images(64)
    vae, _ = recipes.lesson_vae(x, 2, epochs=1, verbose=0)
    sampler, history = recipes.latent_diffusion(vae, x, verbose=0)
    assert len(history["loss"]) == 2
    digits = sampler.generate(3, steps=4, seed=1)
    assert digits.shape == (3, 28, 28, 1) and 0 <= digits.min() <= digits.max() <= 1
    again, _ = recipes.latent_diffusion(vae, x, verbose=0)
    np.testing.assert_allclose(again.generate(3, steps=4, seed=1), digits, atol=1e-5)


def test_a_missing_latent_run_is_refused(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x = images(32)
    vae, _ = recipes.lesson_vae(x, 2, epochs=1, verbose=0)
    with pytest.raises(recipes.NotTrainedError, match="lesson08_latent_diffusion"):
        recipes.latent_diffusion(vae, x, require_trained=True)


def test_the_table_sampler_is_a_valid_sampling_setting_and_names_itself(monkeypatch):
    monkeypatch.delenv("COURSE_FAST", raising=False)
    sampler = recipes.diffusion_plan()["table_sampler"]
    assert sampler == {"eta": 1.0, "steps": 100}
    assert recipes.sampler_label(sampler) == "DDPM, 100 steps"
    assert recipes.sampler_label({"eta": 0.0, "steps": 25}) == "DDIM, 25 steps"
    images = recipes.pixel_unet().sample(2, **{**sampler, "steps": 3}, seed=0)
    assert images.shape == (2, 28, 28, 1)
