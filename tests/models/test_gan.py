"""The DCGAN: builder shapes, one round of the GAN game (non-saturating generator loss), saving, bad inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib import training
from course_lib.config import seed_everything
from course_lib.models.gan import (GAN, HingeGAN, MinibatchStdDev, build_discriminator,
                                   build_generator, discriminator_loss, generator_loss,
                                   hinge_discriminator_loss, hinge_generator_loss)


def images(n=16, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def tiny_gan(**compile_kwargs):
    seed_everything(0)
    gan = GAN(noise_dim=8, seed=0)
    gan.compile(**compile_kwargs)
    return gan


def values(variables):
    return [np.array(v) for v in variables]


def changed(before, variables):
    return [not np.array_equal(b, np.array(v)) for b, v in zip(before, variables)]


def test_builders_shapes_and_output_range():
    generator = build_generator(5)
    fake = np.asarray(generator(np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32)))
    assert fake.shape == (3, 28, 28, 1)
    assert fake.min() >= 0.0 and fake.max() <= 1.0
    assert build_discriminator()(images(4)).shape == (4, 1)


def test_spectral_norm_wraps_every_weight_layer_and_drops_dropout():
    plain = build_discriminator()
    normalized = build_discriminator((8, 16), dropout=0.0, spectral_norm=True)
    wrapped = [layer for layer in normalized.layers
               if isinstance(layer, keras.layers.SpectralNormalization)]
    assert [type(layer.layer).__name__ for layer in wrapped] == ["Conv2D", "Conv2D", "Dense"]
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in normalized.layers)
    assert sum(isinstance(layer, keras.layers.Dropout) for layer in plain.layers) == 2
    assert normalized(images(3), training=True).shape == (3, 1)
    # After a training call each weight matrix, divided by its estimated largest singular
    # value, stretches no input by more than about 1.
    kernel = np.asarray(wrapped[-1].layer.kernel)
    assert np.linalg.norm(kernel, 2) <= 1.05
    with pytest.raises(ValueError, match="dropout must lie"):
        build_discriminator(dropout=1.0)


def test_batch_norm_follows_every_convolution_but_the_first():
    normed = build_discriminator((8, 16, 32), batch_norm=True)
    kinds = [type(layer).__name__ for layer in normed.layers
             if type(layer).__name__ in ("Conv2D", "BatchNormalization")]
    assert kinds == ["Conv2D", "Conv2D", "BatchNormalization", "Conv2D", "BatchNormalization"]
    assert not any(isinstance(layer, keras.layers.BatchNormalization)
                   for layer in build_discriminator().layers)
    assert normed(images(3), training=True).shape == (3, 1)


def test_the_minibatch_channel_holds_the_batchs_mean_spread():
    x = np.random.default_rng(0).normal(size=(5, 3, 3, 2)).astype(np.float32)
    out = np.asarray(MinibatchStdDev()(x))
    assert out.shape == (5, 3, 3, 3)
    np.testing.assert_array_equal(out[..., :2], x)
    np.testing.assert_allclose(out[..., 2], x.std(axis=0).mean(), rtol=1e-4)
    same = np.asarray(MinibatchStdDev()(np.repeat(x[:1], 4, axis=0)))
    assert np.allclose(same[..., 2], 0.0, atol=1e-3)  # identical images: no spread
    with_channel = build_discriminator((8, 16), minibatch_std=True)
    kinds = [type(layer).__name__ for layer in with_channel.layers
             if type(layer).__name__ in ("Conv2D", "MinibatchStdDev")]
    assert kinds == ["Conv2D", "MinibatchStdDev", "Conv2D"]
    assert with_channel(images(3), training=True).shape == (3, 1)


def test_gan_builds_the_discriminator_it_is_given_and_saves_the_choice(tmp_path):
    seed_everything(0)
    options = {"filters": (8, 16), "dropout": 0.0, "spectral_norm": True}
    gan = GAN(noise_dim=8, discriminator=options)
    gan.compile()
    gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
    gan.save(tmp_path / "sn.keras")
    loaded = keras.saving.load_model(tmp_path / "sn.keras")
    assert loaded.discriminator_options == {"filters": [8, 16], "dropout": 0.0,
                                            "spectral_norm": True}
    np.testing.assert_allclose(loaded.discriminate(images(4)), gan.discriminate(images(4)),
                               atol=1e-6)
    assert GAN(noise_dim=8).discriminator.count_params() == build_discriminator().count_params()
    batch_spread = GAN(noise_dim=8, discriminator={"filters": (8, 16), "minibatch_std": True})
    batch_spread.compile()
    batch_spread.fit(images(8), batch_size=8, epochs=1, verbose=0)
    batch_spread.save(tmp_path / "mbstd.keras")
    reloaded = keras.saving.load_model(tmp_path / "mbstd.keras")
    np.testing.assert_allclose(reloaded.discriminate(images(4)),
                               batch_spread.discriminate(images(4)), atol=1e-6)


def test_generator_gradient_norm_is_seeded_and_changes_nothing():
    gan = tiny_gan()
    weights = values(gan.weights)
    norm = gan.generator_gradient_norm(32, seed=3)
    assert norm > 0 and norm == pytest.approx(gan.generator_gradient_norm(32, seed=3), rel=1e-6)
    assert not any(changed(weights, gan.weights))


def test_losses_at_the_point_of_confusion():
    zeros = np.zeros((4, 1), np.float32)
    assert float(discriminator_loss(zeros, zeros)) == pytest.approx(2 * np.log(2), rel=1e-5)
    assert float(generator_loss(zeros)) == pytest.approx(np.log(2), rel=1e-5)
    smoothed = float(discriminator_loss(np.full((4, 1), 10.0, np.float32), -10 + zeros, 0.1))
    assert smoothed > float(discriminator_loss(np.full((4, 1), 10.0, np.float32), -10 + zeros))


def test_hinge_losses_on_hand_computed_cases():
    real = np.array([[2.0], [0.5], [-1.0], [1.0]], np.float32)  # max(0, 1 − x): 0, 0.5, 2, 0
    fake = np.array([[-2.0], [0.0], [0.5], [-1.0]], np.float32)  # max(0, 1 + x): 0, 1, 1.5, 0
    assert float(hinge_discriminator_loss(real, fake)) == pytest.approx(0.625 + 0.625, rel=1e-6)
    assert float(hinge_generator_loss(fake)) == pytest.approx(0.625, rel=1e-6)  # −mean(fake)
    beyond = np.full((4, 1), 3.0, np.float32)  # every image sorted by more than the margin
    assert float(hinge_discriminator_loss(beyond, -beyond)) == 0.0


def test_hinge_gan_trains_both_networks_saves_and_refuses_label_smoothing(tmp_path):
    seed_everything(0)
    gan = HingeGAN(noise_dim=8, seed=0)
    gan.compile()
    d_before, g_before = values(gan.discriminator.trainable_weights), values(gan.generator.trainable_weights)
    logs = gan.train_step(tf.constant(images()))
    # At the start every score lies inside the margin (−1, 1), so the logit's bias gets the
    # gradient −1 (reals) + 1 (fakes) = 0 and stays; every other weight of both networks moves.
    assert changed(d_before, gan.discriminator.trainable_weights) == [True] * 5 + [False]
    assert all(changed(g_before, gan.generator.trainable_weights))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert float(logs["d_loss"]) == pytest.approx(2.0, abs=0.1)  # 1 + 1 for scores near 0
    gan.save(tmp_path / "hinge.keras")
    loaded = keras.saving.load_model(tmp_path / "hinge.keras")
    assert type(loaded) is HingeGAN
    np.testing.assert_allclose(loaded.discriminate(images(4)), gan.discriminate(images(4)), atol=1e-6)
    with pytest.raises(ValueError, match="not to the hinge loss"):
        HingeGAN(noise_dim=8).compile(label_smoothing=0.1)


def test_one_train_step_changes_both_networks_and_reports_metrics():
    gan = tiny_gan()
    d_before, g_before = values(gan.discriminator.trainable_weights), values(gan.generator.trainable_weights)
    logs = gan.train_step(tf.constant(images()))
    assert all(changed(d_before, gan.discriminator.trainable_weights))
    assert all(changed(g_before, gan.generator.trainable_weights))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert 0.0 < float(logs["d_real"]) < 1.0 and 0.0 < float(logs["d_fake"]) < 1.0
    assert gan.d_optimizer.iterations.numpy() == gan.g_optimizer.iterations.numpy() == 1


def test_discriminator_update_leaves_the_generator_alone():
    gan = tiny_gan()
    g_before, d_before = values(gan.generator.trainable_weights), values(gan.discriminator.trainable_weights)
    gan.discriminator_step(tf.constant(images()))
    assert not any(changed(g_before, gan.generator.trainable_weights))
    assert all(changed(d_before, gan.discriminator.trainable_weights))
    assert gan.g_optimizer.iterations.numpy() == 0


def test_generator_update_leaves_the_discriminator_alone():
    gan = tiny_gan()
    g_before, d_before = values(gan.generator.trainable_weights), values(gan.discriminator.trainable_weights)
    gan.generator_step(16)
    assert not any(changed(d_before, gan.discriminator.trainable_weights))
    assert all(changed(g_before, gan.generator.trainable_weights))
    assert gan.d_optimizer.iterations.numpy() == 0


def test_compiled_steps_draw_fresh_noise_and_a_partial_batch_works():
    gan = tiny_gan()
    history = gan.fit(images(20), batch_size=8, epochs=2, verbose=0).history  # last batch: 4
    assert len(history["g_loss"]) == 2 and np.all(np.isfinite(history["g_loss"]))
    draw = tf.function(lambda: gan.sample_noise(3))
    assert not np.allclose(draw(), draw())


def test_generate_is_seeded_and_in_range():
    gan = tiny_gan()
    a, b, c = gan.generate(5, seed=1), gan.generate(5, seed=1), gan.generate(5, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert a.shape == (5, 28, 28, 1) and a.min() >= 0 and a.max() <= 1
    assert gan.discriminate(images(3)).shape == (3,)


def test_save_and_load_the_gan_with_both_optimizer_states(tmp_path):
    gan = tiny_gan(label_smoothing=0.1)
    gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert isinstance(loaded, GAN) and loaded.noise_dim == 8 and loaded.label_smoothing == 0.1
    np.testing.assert_array_equal(loaded.generate(4, seed=3), gan.generate(4, seed=3))
    for mine, theirs in ((gan.d_optimizer, loaded.d_optimizer), (gan.g_optimizer, loaded.g_optimizer)):
        assert int(theirs.iterations.numpy()) == 2
        assert len(theirs.variables) == len(mine.variables) > 1
        for a, b in zip(mine.variables, theirs.variables):
            np.testing.assert_array_equal(np.array(a), np.array(b))
    loaded.fit(images(16), batch_size=8, epochs=1, verbose=0)  # and it trains on


def test_save_and_load_the_generator_alone(tmp_path):
    gan = tiny_gan()
    gan.generator.save(tmp_path / "generator.keras")
    generator = keras.models.load_model(tmp_path / "generator.keras")
    noise = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    np.testing.assert_allclose(generator.predict(noise, verbose=0),
                               gan.generator.predict(noise, verbose=0), atol=1e-6)


def test_checkpoint_restores_both_optimizers(tmp_path):
    x = images(16)
    gan = tiny_gan()
    training.fit_resumable(gan, x, epochs=1, workdir=tmp_path / "run", batch_size=8, verbose=0)
    resumed = tiny_gan()
    training.fit_resumable(resumed, x, epochs=1, workdir=tmp_path / "run", batch_size=8, verbose=0)
    assert int(resumed.d_optimizer.iterations.numpy()) == int(resumed.g_optimizer.iterations.numpy()) == 2
    for a, b in zip(gan.g_optimizer.variables, resumed.g_optimizer.variables):
        np.testing.assert_array_equal(np.array(a), np.array(b))


@pytest.mark.parametrize("noise_dim", [0, -3, 2.5])
def test_bad_noise_dim(noise_dim):
    with pytest.raises(ValueError, match="noise_dim must be a whole number >= 1"):
        GAN(noise_dim=noise_dim)
    with pytest.raises(ValueError, match="noise_dim"):
        build_generator(noise_dim)


def test_images_outside_the_unit_range_stop_training():
    gan = tiny_gan()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"must lie in \[0, 1\]"):
        gan.fit(images(8) * 255, batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"expected values in \[0, 1\]"):
        gan.discriminate(images(2) * 2 - 1)


def test_bad_settings():
    with pytest.raises(ValueError, match="label_smoothing"):
        tiny_gan(label_smoothing=0.7)
    with pytest.raises(RuntimeError, match="compile the GAN"):
        GAN(noise_dim=4).build_optimizers()
    with pytest.raises(ValueError, match="n must be"):
        tiny_gan().generate(0)


def test_progress_grid_and_epoch_score_callbacks(tmp_path):
    from PIL import Image

    gan = tiny_gan()
    noise = np.random.default_rng(0).standard_normal((6, 8)).astype(np.float32)
    grid = training.ProgressGrid(noise, tmp_path / "frames", ncols=3)
    score = training.EpochScore("mean_pixel", lambda model: model.generate(4).mean())
    history = training.fit_resumable(gan, images(8), epochs=2, workdir=tmp_path / "run",
                                     batch_size=8, callbacks=[grid, score], verbose=0)
    assert [f.name for f in grid.frames()] == ["epoch_001.png", "epoch_002.png"]
    with Image.open(grid.frames()[0]) as frame:
        assert frame.size == (3 * 28 * 2, 2 * 28 * 2)
    with Image.open(grid.gif_path) as gif:  # Pillow would merge two identical frames into one
        assert gif.n_frames == 2
    assert len(history["mean_pixel"]) == 2 and 0 < history["mean_pixel"][0] < 1
    with pytest.raises(ValueError, match="noise"):
        training.ProgressGrid(np.zeros(8), tmp_path / "x")
