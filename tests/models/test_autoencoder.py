"""Builders, the Autoencoder and the denoising autoencoder."""

import keras
import numpy as np
import pytest

from course_lib.config import seed_everything
from course_lib.models.autoencoder import (Autoencoder, DenoisingAutoencoder, build_decoder,
                                           build_encoder, corrupt)


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


@pytest.mark.parametrize("latent_dim", [1, 2, 16, 64])
def test_builders_output_shapes(latent_dim):
    encoder = build_encoder(latent_dim, filters=(4, 8))
    decoder = build_decoder(latent_dim, filters=(8, 4))
    codes = encoder(images(3))
    assert tuple(codes.shape) == (3, latent_dim)
    out = np.asarray(decoder(codes))
    assert out.shape == (3, 28, 28, 1)
    assert out.min() >= 0 and out.max() <= 1


def test_variational_encoder_has_two_heads():
    z_mean, z_log_var = build_encoder(3, filters=(4, 8), variational=True)(images(2))
    assert tuple(z_mean.shape) == tuple(z_log_var.shape) == (2, 3)


def test_autoencoder_round_trip_shapes():
    model = Autoencoder(5, filters=(4, 8))
    x = images(6)
    codes = model.encode(x)
    assert codes.shape == (6, 5)
    assert model.decode(codes).shape == x.shape
    assert np.asarray(model(x)).shape == x.shape


@pytest.mark.parametrize("latent_dim", [0, -3, 2.5, True])
def test_bad_latent_dim_is_rejected(latent_dim):
    with pytest.raises(ValueError, match="latent_dim"):
        build_encoder(latent_dim)
    with pytest.raises(ValueError, match="latent_dim"):
        build_decoder(latent_dim)


@pytest.mark.parametrize("bad, message", [
    ((np.ones((2, 28, 28, 1)) * 255).astype(np.uint8), "uint8"),
    (np.zeros((2, 28, 28), np.float32), "channel axis"),
    (np.zeros((28, 28, 1), np.float32), "single image"),
])
def test_encode_rejects_bad_images(bad, message):
    with pytest.raises(ValueError, match=message):
        Autoencoder(2, filters=(4, 8)).encode(bad)


def test_gaussian_corruption_is_clipped_and_has_sigma():
    x = np.full((64, 28, 28, 1), 0.5, np.float32)
    noisy = np.asarray(corrupt(x, "gaussian", 0.1, seed=0))
    assert noisy.min() >= 0 and noisy.max() <= 1
    assert abs(noisy.std() - 0.1) < 0.005 and abs(noisy.mean() - 0.5) < 0.005
    strong = np.asarray(corrupt(x, "gaussian", 3.0, seed=0))
    assert strong.min() == 0 and strong.max() == 1


def test_patch_corruption_blanks_one_square_per_image():
    x = np.ones((32, 28, 28, 1), np.float32)
    out = np.asarray(corrupt(x, "patch", 9, seed=1))
    zero = out[..., 0] == 0
    assert np.all(zero.sum(axis=(1, 2)) == 81)
    rows, cols = np.nonzero(zero[0])
    assert rows.max() - rows.min() == 8 and cols.max() - cols.min() == 8
    assert len({tuple(np.argwhere(z)[0]) for z in zero}) > 1  # corners differ between images


def test_corrupt_rejects_unknown_mode():
    with pytest.raises(ValueError, match="corruption"):
        corrupt(images(1), "salt", 0.1, seed=0)


@pytest.mark.parametrize("kwargs, message", [
    ({"corruption": "blur"}, "corruption"),
    ({"corruption": "gaussian", "level": -0.1}, "sigma"),
    ({"corruption": "patch", "level": 40}, "patch side"),
])
def test_denoiser_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DenoisingAutoencoder(2, filters=(4, 8), **kwargs)


def test_denoiser_draws_fresh_noise_each_call_and_is_seeded():
    x = images(4)
    first, second = DenoisingAutoencoder(2, filters=(4, 8), seed=3), DenoisingAutoencoder(2, filters=(4, 8), seed=3)
    a, b = np.asarray(first.corrupt(x)), np.asarray(first.corrupt(x))
    assert not np.allclose(a, b)
    np.testing.assert_allclose(np.asarray(second.corrupt(x)), a)


def test_denoiser_trains_tracks_metrics_and_validates():
    seed_everything(0)
    model = DenoisingAutoencoder(2, filters=(4, 8), level=0.3)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = images(40)
    history = model.fit(x, batch_size=16, epochs=2, validation_data=(images(8, 1),), verbose=0)
    assert set(history.history) == {"loss", "mse", "val_loss", "val_mse"}
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert history.history["loss"][1] < history.history["loss"][0]
    scores = model.evaluate(x, verbose=0, return_dict=True)
    assert set(scores) == {"loss", "mse"}


def test_denoiser_saves_and_reloads(tmp_path):
    model = DenoisingAutoencoder(3, filters=(4, 8), corruption="patch", level=7, seed=5)
    x = images(2)
    expected = np.asarray(model(x))
    path = tmp_path / "dae.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert isinstance(loaded, DenoisingAutoencoder)
    assert (loaded.corruption, loaded.level, loaded.seed) == ("patch", 7.0, 5)
    np.testing.assert_allclose(np.asarray(loaded(x)), expected, atol=1e-6)
