"""The VAE: reparameterization, loss terms and reduction, training, likelihood, saving, bad inputs."""

import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from course_lib.config import seed_everything
from course_lib.models.vae import VAE, Sampling, bernoulli_nll, kl_divergence


def binary_images(n=16, seed=0):
    return (np.random.default_rng(seed).random((n, 28, 28, 1)) < 0.3).astype(np.float32)


def tiny_vae(latent_dim=2, learning_rate=1e-3, **kwargs):
    seed_everything(0)
    model = VAE(latent_dim=latent_dim, filters=(4, 8), seed=0, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    model(binary_images(1))
    return model


@pytest.fixture(scope="module")
def trained():
    """A tiny VAE fitted for one epoch on random binary images, with validation data."""
    model = tiny_vae()
    x = binary_images(64)
    history = model.fit(x, batch_size=32, epochs=1, validation_data=(binary_images(16, 1),),
                        verbose=0)
    return model, history.history


def test_sampling_matches_mean_and_variance():
    mean = np.tile([[1.0, -2.0, 0.0]], (20000, 1)).astype(np.float32)
    log_var = np.tile([[0.0, np.log(4.0), np.log(0.25)]], (20000, 1)).astype(np.float32)
    z = np.asarray(Sampling(seed=1)([mean, log_var]))
    np.testing.assert_allclose(z.mean(0), [1.0, -2.0, 0.0], atol=0.05)
    np.testing.assert_allclose(z.var(0), [1.0, 4.0, 0.25], rtol=0.05)


def test_sampling_is_seeded_and_draws_fresh_noise_in_a_compiled_step():
    inputs = [np.zeros((5, 3), np.float32), np.zeros((5, 3), np.float32)]
    a, b = Sampling(seed=7), Sampling(seed=7)
    draw_a = tf.function(lambda: a(inputs))
    first, second = np.asarray(draw_a()), np.asarray(draw_a())
    np.testing.assert_array_equal(first, np.asarray(b(inputs)))
    assert not np.allclose(first, second), "a compiled step reused the same noise"


def test_sampling_config_round_trip():
    layer = Sampling.from_config(Sampling(seed=3, name="s").get_config())
    assert layer.seed == 3 and layer.name == "s"


def test_kl_matches_the_closed_form_and_is_zero_at_the_prior():
    mu = np.array([[0.5, -1.0], [2.0, 0.0]], np.float32)
    log_var = np.array([[0.0, np.log(2.0)], [np.log(0.1), 1.0]], np.float32)
    sigma = np.exp(0.5 * log_var)
    # KL(N(μ, σ²) ‖ N(0, 1)) = −log σ + (σ² + μ²)/2 − 1/2, summed over dimensions
    expected = np.sum(-np.log(sigma) + (sigma ** 2 + mu ** 2) / 2 - 0.5, axis=1)
    np.testing.assert_allclose(np.asarray(kl_divergence(mu, log_var)), expected, rtol=1e-5)
    zeros = np.zeros((3, 4), np.float32)
    np.testing.assert_array_equal(np.asarray(kl_divergence(zeros, zeros)), np.zeros(3))


def test_bernoulli_nll_sums_pixels_per_image():
    x = binary_images(3)
    logits = np.random.default_rng(1).normal(size=x.shape).astype(np.float32) * 3
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    expected = -np.sum(x * np.log(p) + (1 - x) * np.log1p(-p), axis=(1, 2, 3))
    np.testing.assert_allclose(np.asarray(bernoulli_nll(x, logits)), expected, rtol=1e-5)


def test_loss_is_reconstruction_plus_weighted_kl_in_nats_per_image():
    model = tiny_vae(kl_weight=4.0)
    x = binary_images(8)
    losses = {k: float(v) for k, v in model.compute_losses(x).items()}
    assert losses["loss"] == pytest.approx(losses["reconstruction"] + 4.0 * losses["kl"], rel=1e-5)
    # a fresh decoder gives logits near 0: about log 2 nats for each of the 784 pixels
    assert 0.8 * 784 * np.log(2) < losses["reconstruction"] < 1.2 * 784 * np.log(2)


def test_one_train_step_lowers_the_loss():
    model = tiny_vae(learning_rate=1e-2)
    x = binary_images(32)
    before = -model.elbo(x, k=8, seed=0).mean()
    logs = model.train_step(tf.constant(x))
    after = -model.elbo(x, k=8, seed=0).mean()
    assert after < before - 1.0
    assert set(logs) == {"loss", "reconstruction", "kl"}


def test_fit_reports_each_term_for_training_and_validation(trained):
    model, history = trained
    assert {"loss", "reconstruction", "kl", "val_loss", "val_reconstruction", "val_kl"} <= set(history)
    assert history["loss"][0] == pytest.approx(history["reconstruction"][0] + history["kl"][0],
                                               rel=1e-4)
    result = model.evaluate(binary_images(16, 1), verbose=0, return_dict=True)
    assert result["loss"] == pytest.approx(result["reconstruction"] + result["kl"], rel=1e-4)


def test_log_likelihood_matches_a_direct_monte_carlo_computation(trained):
    model, _ = trained
    x, k = binary_images(3, 2), 50
    eps = np.random.default_rng(5).standard_normal((k, 3, model.latent_dim))
    mu, log_var = (np.asarray(a, np.float64) for a in model.encode(x))
    z = mu + np.exp(0.5 * log_var) * eps
    p = 1 / (1 + np.exp(-model.decoder.predict(z.reshape(-1, 2), verbose=0).astype(np.float64)))
    p = np.clip(p.reshape(k, 3, -1), 1e-12, 1 - 1e-12)
    flat = x.reshape(1, 3, -1)
    log_px_z = np.sum(flat * np.log(p) + (1 - flat) * np.log(1 - p), axis=-1)
    log_w = (log_px_z + stats.norm.logpdf(z).sum(-1)
             - stats.norm.logpdf(z, mu, np.exp(0.5 * log_var)).sum(-1))
    direct = np.logaddexp.reduce(log_w, axis=0) - np.log(k)
    np.testing.assert_allclose(model.log_likelihood(x, k=k, seed=5), direct, rtol=1e-4)
    np.testing.assert_allclose(model.elbo(x, k=k, seed=5), log_w.mean(0), rtol=1e-4)


def test_log_likelihood_agrees_with_quadrature_in_one_dimension():
    model = tiny_vae(latent_dim=1)
    x = binary_images(2, 3)
    grid = np.linspace(-8, 8, 1601)
    logits = model.decoder.predict(grid[:, None].astype(np.float32), verbose=0)
    log_px_z = -np.stack([np.asarray(bernoulli_nll(np.repeat(img[None], len(grid), 0), logits))
                          for img in x])
    exact = np.logaddexp.reduce(log_px_z + stats.norm.logpdf(grid), axis=1) + np.log(grid[1] - grid[0])
    np.testing.assert_allclose(model.log_likelihood(x, k=2000), exact, atol=0.05)


def test_log_likelihood_is_at_least_the_elbo_on_average(trained):
    model, _ = trained
    x = binary_images(8, 4)
    assert model.log_likelihood(x, k=64, seed=1).mean() >= model.elbo(x, k=64, seed=2).mean()


def test_sample_decode_and_reconstruct(trained):
    model, _ = trained
    images = model.sample(4, seed=3)
    assert images.shape == (4, 28, 28, 1) and images.min() >= 0 and images.max() <= 1
    np.testing.assert_array_equal(images, model.sample(4, seed=3))
    assert model.reconstruct(binary_images(2)).shape == (2, 28, 28, 1)


@pytest.mark.usefixtures("skip_on_gpu")
def test_save_and_load_in_a_fresh_process(trained, tmp_path):
    model, _ = trained
    x = binary_images(4, 6)
    path = tmp_path / "vae.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    script = (
        "import sys, numpy as np, keras\n"
        "import course_lib.models.vae\n"
        "m = keras.models.load_model(sys.argv[1], safe_mode=True)\n"
        "assert type(m).__name__ == 'VAE' and m.latent_dim == 2 and m.kl_weight == 1.0\n"
        "np.save(sys.argv[3], m.reconstruct(np.load(sys.argv[2])))\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path / "x.npy"),
                    str(tmp_path / "out.npy")], check=True, timeout=600)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), model.reconstruct(x), atol=1e-6)


@pytest.mark.parametrize("make, error, message", [
    (lambda: VAE(latent_dim=0), ValueError, "latent_dim"),
    (lambda: VAE(latent_dim=2, kl_weight=-1.0), ValueError, "kl_weight"),
])
def test_bad_settings(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("call, message", [
    (lambda m: m.log_likelihood(binary_images(2), k=0), "k must be"),
    (lambda m: m.log_likelihood((binary_images(2) * 255).astype(np.uint8)), "uint8"),
    (lambda m: m.elbo(binary_images(2) * 2.0), r"expected values in \[0, 1\]"),
    (lambda m: m.decode(np.zeros((3, 5))), r"expected codes of shape \(n, 2\)"),
    (lambda m: m.sample(0), "n must be"),
])
def test_bad_inputs_to_methods(trained, call, message):
    with pytest.raises(ValueError, match=message):
        call(trained[0])


def test_fit_rejects_uint8_images():
    with pytest.raises(TypeError, match="uint8 images"):
        tiny_vae().fit((binary_images(4) * 255).astype(np.uint8), epochs=1, verbose=0)


def test_fit_rejects_images_outside_the_unit_interval():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"VAE: pixel values must lie in \[0, 1\]"):
        tiny_vae().fit(binary_images(4) * 3.0, epochs=1, verbose=0)
