"""Diffusion: the schedules, q(x_t | x_0) against its closed form, the U-Net, one training step,
the EMA update, the DDIM step against its formula, saving, and bad inputs."""

import math
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib.config import seed_everything
from course_lib.models.diffusion import (Diffusion, StepEmbedding, build_mlp_denoiser, build_unet,
                                         noise_to_step, signal_schedule)


def images(n=16, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def tiny_model(compiled=False, **kwargs):
    """A tiny U-Net diffusion model whose `fit` runs eagerly, since tracing a U-Net's step takes
    far longer than a few steps; `compiled`: traced into a graph, as the lessons train it."""
    seed_everything(0)
    model = Diffusion(widths=(4, 8, 8), groups=2, timesteps=50, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), run_eagerly=not compiled)
    return model


def tiny_vector_model():
    seed_everything(0)
    model = Diffusion(widths=(16,), timesteps=20, data_shape=(2,))
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    return model


def test_schedules_keep_all_signal_at_the_start_and_almost_none_at_the_end():
    linear, cosine = signal_schedule("linear"), signal_schedule("cosine")
    assert linear.shape == cosine.shape == (1000,)
    assert linear[0] == pytest.approx(1 - 1e-4)  # β_1 = 1e-4 (Ho et al. 2020)
    assert linear[-1] < 1e-4 and cosine[-1] < 1e-4
    assert np.all(np.diff(linear) < 0) and np.all(np.diff(cosine) < 0)
    # The cosine schedule destroys signal more slowly in the first half.
    assert cosine[500] > linear[500]
    with pytest.raises(ValueError, match="schedule must be one of"):
        signal_schedule("quadratic")


def test_noise_to_step_draws_from_the_closed_form():
    alpha_bar = signal_schedule("linear")
    x0 = np.full((20_000, 3), [-0.8, 0.1, 0.9], np.float32)
    for t in (10, 300, 900):
        noise = np.random.default_rng(t).standard_normal(x0.shape).astype(np.float32)
        x_t = np.asarray(noise_to_step(x0, np.full(len(x0), t), noise, alpha_bar))
        np.testing.assert_allclose(x_t.mean(0), math.sqrt(alpha_bar[t]) * x0[0], atol=0.02)
        np.testing.assert_allclose(x_t.var(0), 1 - alpha_bar[t], rtol=0.05, atol=1e-4)


def test_step_embedding_starts_at_sin_0_cos_1_and_tells_steps_apart():
    e = np.asarray(StepEmbedding(8)(np.array([0, 1, 500])))
    assert e.shape == (3, 8)
    np.testing.assert_allclose(e[0], [0, 0, 0, 0, 1, 1, 1, 1], atol=1e-7)
    assert np.abs(e[1] - e[2]).max() > 0.5
    with pytest.raises(ValueError, match="even"):
        StepEmbedding(7)


def test_unet_and_mlp_shapes():
    unet = build_unet((4, 8, 8), groups=2)
    out = unet([images(3), np.array([0, 10, 999], np.int32)])
    assert out.shape == (3, 28, 28, 1)
    assert np.all(np.asarray(out) == 0)  # zero-initialised last layer: predicts no noise at first
    mlp = build_mlp_denoiser(5)
    assert mlp([np.zeros((4, 5), np.float32), np.arange(4, dtype=np.int32)]).shape == (4, 5)
    with pytest.raises(ValueError, match="three numbers"):
        build_unet((4, 8))


def test_train_steps_change_the_network_and_move_the_average():
    model = tiny_model()
    before = [np.array(w) for w in model.network.trainable_weights]
    ema_before = [np.array(w) for w in model.ema_network.weights]
    # The last layer starts at zero, so the first step only moves it; from the second on the
    # gradient reaches every weight.
    model.train_step(tf.constant(images()))
    logs = model.train_step(tf.constant(images(seed=1)))
    assert set(logs) == {"loss"} and np.isfinite(float(logs["loss"]))
    assert all(not np.array_equal(b, np.array(w))
               for b, w in zip(before, model.network.trainable_weights))
    moved = [not np.array_equal(b, np.array(w)) for b, w in zip(ema_before, model.ema_network.weights)]
    assert any(moved)
    assert not model.ema_network.trainable_weights  # the average is never trained directly


def test_ema_update_follows_the_warm_up_formula():
    model = tiny_model(ema_decay=0.99)
    model.optimizer.build(model.network.trainable_variables)
    ema = [np.array(w) for w in model.ema_network.weights]
    for w in model.network.weights:
        w.assign(np.asarray(w) + 1.0)
    weights = [np.array(w) for w in model.network.weights]
    for k in (0, 500):  # warm-up (decay 1/10) and the plateau (0.99)
        model.optimizer.iterations.assign(k)
        decay = min(0.99, (1 + k) / (10 + k))
        model.update_ema()
        ema = [decay * e + (1 - decay) * w for e, w in zip(ema, weights)]
        for expected, got in zip(ema, model.ema_network.weights):
            np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-6)


def test_ddim_step_matches_the_deterministic_formula():
    model = tiny_vector_model()
    model.fit(np.random.default_rng(0).normal(size=(256, 2)).astype(np.float32), epochs=2,
              batch_size=64, verbose=0)
    x_t = np.random.default_rng(1).normal(size=(5, 2)).astype(np.float32)
    t, t_prev = 15, 7
    eps = np.asarray(model.ema_network([x_t, np.full(5, t, np.int32)]))
    a, a_prev = model.alpha_bar[t], model.alpha_bar[t_prev]
    x0 = (x_t - np.sqrt(1 - a) * eps) / np.sqrt(a)
    expected = np.sqrt(a_prev) * x0 + np.sqrt(1 - a_prev) * eps
    got = model.denoise_step(x_t, t, t_prev, eta=0.0, rng=np.random.default_rng(99))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    # The last step (to t = −1) returns the estimate of x_0 itself.
    np.testing.assert_allclose(model.denoise_step(x_t, t, -1, 0.0, None), x0, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("t", [0, 10, 49])
def test_the_clean_estimate_and_the_noise_still_add_up_to_x_t(t):
    model = tiny_model()
    rng = np.random.default_rng(3)
    x0 = rng.uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
    noise = rng.standard_normal(x0.shape).astype(np.float32)
    x_t = np.asarray(noise_to_step(x0, np.full(4, t), noise, model.alpha_bar))
    a = float(model.alpha_bar[t])
    # A perfect noise predictor gets x_0 and ε back exactly.
    x0_hat, eps_hat = model.estimate_clean(x_t, noise, t)
    np.testing.assert_allclose(x0_hat, x0, atol=2e-3)
    np.testing.assert_allclose(eps_hat, noise, atol=2e-3)
    # A wrong one that shifts x̂_0 by −3 pushes it out of range: it is clipped, and ε̂ changes
    # with it, so the pair still describes the same x_t (the next step starts consistent).
    x0_hat, eps_hat = model.estimate_clean(x_t, noise + 3.0 * np.sqrt(a / (1 - a)), t)
    np.testing.assert_array_equal(x0_hat, -1.0)
    np.testing.assert_allclose(np.sqrt(a) * x0_hat + np.sqrt(1 - a) * eps_hat, x_t, atol=1e-4)


def test_clean_data_and_noise_are_each_others_inverse_split_of_x_t():
    model = tiny_model()
    rng = np.random.default_rng(4)
    x0 = rng.uniform(-1, 1, (2, 28, 28, 1)).astype(np.float32)
    noise = rng.standard_normal(x0.shape).astype(np.float32)
    x_t = np.asarray(noise_to_step(x0, np.full(2, 20), noise, model.alpha_bar))
    np.testing.assert_allclose(model.clean_from_noise(x_t, noise, 20), x0, atol=1e-4)
    np.testing.assert_allclose(model.noise_from_clean(x_t, x0, 20), noise, atol=1e-4)


def test_vectors_are_never_clipped():
    model = tiny_vector_model()
    x_t = np.full((3, 2), 50.0, np.float32)
    x0_hat, eps_hat = model.estimate_clean(x_t, np.zeros((3, 2), np.float32), 5)
    np.testing.assert_allclose(x0_hat, x_t / np.sqrt(model.alpha_bar[5]), rtol=1e-6)
    np.testing.assert_array_equal(eps_hat, 0.0)


def test_sampling_is_reproducible_and_ddim_ignores_the_later_noise():
    model = tiny_model()
    a = model.sample(3, steps=4, seed=5)
    assert a.shape == (3, 28, 28, 1) and a.dtype == np.float32 and 0 <= a.min() <= a.max() <= 1
    np.testing.assert_array_equal(a, model.sample(3, steps=4, seed=5))
    # DDPM (eta = 1) draws fresh noise along the way, so it differs from DDIM from the same start.
    assert not np.array_equal(a, model.sample(3, steps=4, seed=5, eta=1.0))
    images_, frames = model.sample(3, steps=4, seed=5, frames=3)
    np.testing.assert_array_equal(images_, a)
    assert frames.shape == (3, 3, 28, 28, 1)
    np.testing.assert_array_equal(frames[-1], a)


def test_sample_steps_are_spread_from_the_noisiest_to_the_cleanest():
    model = tiny_model()
    np.testing.assert_array_equal(model.sample_steps(5), [49, 37, 24, 12, 0])
    assert len(model.sample_steps(50)) == 50


@pytest.mark.parametrize("kwargs, message", [
    ({"steps": 0}, "steps must be a whole number >= 1"),
    ({"steps": 51}, "steps must be between 1 and the model's 50"),
    ({"steps": 2.5}, "steps must be a whole number >= 1"),
    ({"eta": 1.5}, "eta must lie in"),
])
def test_bad_sampling_settings(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        tiny_model().sample(2, **kwargs)


def test_bad_training_images_are_refused():
    model = tiny_model()
    with pytest.raises(TypeError, match="expected floats in"):
        model.train_step((images() * 255).astype(np.uint8))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"must lie in \[0, 1\]"):
        model.train_step(tf.constant(images() * 255))
    with pytest.raises(ValueError, match="ema_decay"):
        Diffusion(ema_decay=1.0)


LOADER = """
import sys, numpy as np, keras
import course_lib.models.diffusion  # registers the classes
model = keras.models.load_model(sys.argv[1], safe_mode=True)
np.save(sys.argv[2], model.sample(2, steps=3, seed=1))
"""


@pytest.mark.usefixtures("skip_on_gpu")
def test_save_and_load_in_a_fresh_process(tmp_path):
    model = tiny_model()
    model.fit(images(32), batch_size=16, epochs=1, verbose=0)
    model.save(tmp_path / "diffusion.keras")
    subprocess.run([sys.executable, "-c", LOADER, str(tmp_path / "diffusion.keras"),
                    str(tmp_path / "out.npy")], check=True, timeout=300)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), model.sample(2, steps=3, seed=1))
