"""The conditional DCGAN: shapes, the label reaching both networks, one round of the game per
batch, seeded generation on demand, bad labels, saving in a fresh process, resuming."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib import training
from course_lib.config import seed_everything
from course_lib.models.cgan import (ConditionalGAN, build_conditional_discriminator,
                                    build_conditional_generator)
from course_lib.models.gan import GAN
from course_lib.saving import course_classes


def images(n=16, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def labels(n=16):
    return np.arange(n) % 10


def tiny_cgan(**compile_kwargs):
    seed_everything(0)
    cgan = ConditionalGAN(noise_dim=8, seed=0)
    cgan.compile(**compile_kwargs)
    return cgan


def values(variables):
    return [np.array(v) for v in variables]


def changed(before, variables):
    return [not np.array_equal(b, np.array(v)) for b, v in zip(before, variables)]


def test_builders_shapes_inputs_and_output_range():
    generator = build_conditional_generator(5)
    assert [t.name for t in generator.inputs] == ["noise", "labels"]
    assert generator.inputs[1].dtype == "int32" and tuple(generator.inputs[1].shape) == (None,)
    noise = np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32)
    fake = np.asarray(generator({"noise": noise, "labels": np.array([0, 4, 9])}))
    assert fake.shape == (3, 28, 28, 1) and fake.min() >= 0.0 and fake.max() <= 1.0
    discriminator = build_conditional_discriminator()
    assert [t.name for t in discriminator.inputs] == ["image", "labels"]
    logit, class_logits = discriminator([images(4), labels(4)])
    assert logit.shape == (4, 1) and class_logits.shape == (4, 10)


def test_the_label_reaches_both_networks():
    cgan = tiny_cgan(g_optimizer=keras.optimizers.Adam(0.01))  # a big step, to see it
    noise = np.tile(np.random.default_rng(1).normal(size=(1, 8)).astype(np.float32), (2, 1))
    # The generator starts as lesson 06's (scale 1, shift 0 for every class) ...
    np.testing.assert_allclose(*cgan.generate_with_noise(noise, [3, 7]), atol=1e-6)
    same = images(1).repeat(2, axis=0)
    logits = np.asarray(cgan.discriminator([same, np.array([3, 7])], training=False)[0])
    assert abs(logits[0, 0] - logits[1, 0]) > 1e-4
    cgan.train_step((tf.constant(images()), tf.constant(labels())))
    three_and_seven = cgan.generate_with_noise(noise, [3, 7])  # ... and one step makes them differ
    assert np.abs(three_and_seven[0] - three_and_seven[1]).max() > 1e-4
    np.testing.assert_allclose(cgan.generate_with_noise(noise, [3, 3])[1], three_and_seven[0],
                               atol=1e-6)


def test_one_train_step_changes_both_networks_and_reports_metrics():
    cgan = tiny_cgan()
    d_before, g_before = values(cgan.discriminator.trainable_weights), values(cgan.generator.trainable_weights)
    logs = cgan.train_step((tf.constant(images()), tf.constant(labels())))
    assert all(changed(d_before, cgan.discriminator.trainable_weights))
    assert all(changed(g_before, cgan.generator.trainable_weights))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert 0.0 < float(logs["d_real"]) < 1.0 and 0.0 < float(logs["d_fake"]) < 1.0
    assert cgan.d_optimizer.iterations.numpy() == cgan.g_optimizer.iterations.numpy() == 1


def test_each_step_changes_only_its_own_network():
    cgan = tiny_cgan()
    g_before, d_before = values(cgan.generator.trainable_weights), values(cgan.discriminator.trainable_weights)
    cgan.discriminator_step(tf.constant(images()), tf.constant(labels(), tf.int32))
    assert not any(changed(g_before, cgan.generator.trainable_weights))
    assert all(changed(d_before, cgan.discriminator.trainable_weights))
    d_after = values(cgan.discriminator.trainable_weights)
    cgan.generator_step(tf.constant(labels(), tf.int32))
    assert not any(changed(d_after, cgan.discriminator.trainable_weights))
    assert all(changed(g_before, cgan.generator.trainable_weights))


def test_class_weights_set_the_auxiliary_classifiers_share_of_each_loss():
    def class_head_change(**weights):
        seed_everything(0)
        cgan = ConditionalGAN(noise_dim=8, seed=0, **weights)
        cgan.compile()
        head = cgan.discriminator.get_layer("class_logits").kernel
        before = np.array(head)
        cgan.discriminator_step(tf.constant(images()), tf.constant(labels(), tf.int32))
        return float(np.abs(np.array(head) - before).max()), cgan

    assert class_head_change(d_class_weight=0.0)[0] == 0.0  # the classifier learns only from D's loss
    change, cgan = class_head_change()
    assert change > 0 and (cgan.d_class_weight, cgan.g_class_weight) == (10.0, 1.0)
    config = ConditionalGAN(noise_dim=8, d_class_weight=3.0, g_class_weight=0.5).get_config()
    rebuilt = ConditionalGAN.from_config(config)
    assert (rebuilt.d_class_weight, rebuilt.g_class_weight) == (3.0, 0.5)


def test_fit_with_a_partial_batch_and_seeded_generation_on_demand():
    cgan = tiny_cgan()
    history = cgan.fit(images(20), labels(20), batch_size=8, epochs=1, verbose=0).history
    assert np.all(np.isfinite(history["g_loss"]))
    a, b = cgan.generate([7, 7, 1], seed=1), cgan.generate([7, 7, 1], seed=1)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 28, 28, 1) and a.min() >= 0 and a.max() <= 1
    assert not np.allclose(a, cgan.generate([7, 7, 1], seed=2))
    grid = cgan.generate_grid(3, seed=4)  # rows = classes, columns = the same three noises
    assert grid.shape == (30, 28, 28, 1)
    np.testing.assert_allclose(grid[15:18], cgan.generate(np.full(3, 5), seed=4), atol=1e-6)
    assert cgan.discriminate(images(3), [0, 1, 2]).shape == (3,)


@pytest.mark.parametrize("bad, message", [
    ([3, 10], r"labels: values span \[3, 10\]; expected class indices in \[0, 9\]"),
    ([-1, 2], r"labels: values span \[-1, 2\]; expected class indices in \[0, 9\]"),
    (np.eye(10)[:2], r"labels: got shape \(2, 10\); expected a 1-D array of class indices in \[0, 9\]. One-hot"),
    (7, r"labels: got shape \(\); expected a 1-D array .* np.full\(n, label\)"),
    ([], r"labels: got none; expected a 1-D array of class indices in \[0, 9\]"),
    ([1.5, 2], "labels: got non-integer values"),
])
def test_bad_labels_for_generate(bad, message):
    with pytest.raises(ValueError, match=message):
        tiny_cgan().generate(bad)


def test_bad_labels_for_fit_and_the_compiled_step(tmp_path):
    cgan = tiny_cgan()
    x = images(8)
    with pytest.raises(ValueError, match=r"labels: values span \[5, 12\]; expected class indices in \[0, 9\]"):
        cgan.fit(x, np.arange(8) + 5, verbose=0)
    with pytest.raises(ValueError, match=r"labels: got shape \(8, 10\).*One-hot"):
        cgan.fit(x, np.eye(10)[labels(8)], verbose=0)
    with pytest.raises(ValueError, match="got 7 labels for 8 images"):
        cgan.fit(x, labels(7), verbose=0)
    with pytest.raises(ValueError, match=r"labels: got None; expected a 1-D array of class indices"):
        cgan.fit(x, verbose=0)
    with pytest.raises(ValueError, match="noise: got shape"):
        cgan.generate_with_noise(np.zeros((2, 3)), [1, 2])
    # fit_resumable hands `fit` a tf.data pipeline: the compiled step checks the labels itself
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"labels must be integer class indices in \[0, 9\]"):
        training.fit_resumable(cgan, x, np.arange(8) + 5, epochs=1, workdir=tmp_path / "a", verbose=0)
    with pytest.raises(ValueError, match=r"labels must have shape \(batch,\)"):
        training.fit_resumable(tiny_cgan(), x, labels(8)[:, None], epochs=1, workdir=tmp_path / "b", verbose=0)
    with pytest.raises(TypeError, match="labels of dtype float"):
        training.fit_resumable(tiny_cgan(), x, labels(8) * 1.0, epochs=1, workdir=tmp_path / "c", verbose=0)


def test_bad_settings():
    with pytest.raises(ValueError, match="n_classes must be a whole number >= 1"):
        ConditionalGAN(n_classes=0)
    with pytest.raises(ValueError, match="noise_dim"):
        build_conditional_generator(0)
    for weights in ({"d_class_weight": -1.0}, {"g_class_weight": float("nan")}):
        with pytest.raises(ValueError, match=f"{next(iter(weights))} must be a finite number >= 0"):
            ConditionalGAN(**weights)
    with pytest.raises(ValueError, match="label_smoothing"):
        tiny_cgan(label_smoothing=0.5)
    with pytest.raises(RuntimeError, match="compile the ConditionalGAN"):
        ConditionalGAN(noise_dim=4).build_optimizers()


LOADER = """
import sys, numpy as np, keras
folder = sys.argv[1]
generator = keras.models.load_model(f"{folder}/generator.keras", safe_mode=True)  # no course_lib
noise, labels = np.load(f"{folder}/noise.npy"), np.array([0, 3, 7, 9])
out = {"by_name": generator.predict({"noise": noise, "labels": labels}, verbose=0),
       "by_position": generator.predict([noise, labels], verbose=0)}
assert "course_lib" not in sys.modules
from course_lib.models.cgan import ConditionalGAN
from course_lib.saving import load_course_model
cgan = load_course_model(f"{folder}/cgan.keras", ConditionalGAN)
out["generate"] = cgan.generate([1, 2, 3], seed=5)
out["smoothing"] = np.array(cgan.label_smoothing)
for i, optimizer in enumerate([cgan.d_optimizer, cgan.g_optimizer]):
    for j, variable in enumerate(optimizer.variables):
        out[f"opt{i}/{j}"] = np.asarray(variable)
np.savez(f"{folder}/out.npz", **out)
"""


@pytest.mark.usefixtures("skip_on_gpu")
def test_generator_and_model_reload_in_a_fresh_process(tmp_path):
    assert course_classes()["ConditionalGAN"] is ConditionalGAN and issubclass(ConditionalGAN, GAN)
    cgan = tiny_cgan(label_smoothing=0.1)
    cgan.fit(images(16), labels(16), batch_size=8, epochs=1, verbose=0)
    cgan.generator.save(tmp_path / "generator.keras")
    cgan.save(tmp_path / "cgan.keras")
    noise = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)
    np.save(tmp_path / "noise.npy", noise)
    subprocess.run([sys.executable, "-c", LOADER, str(tmp_path)], check=True, timeout=300)
    with np.load(tmp_path / "out.npz") as loaded:
        mine = cgan.generate_with_noise(noise, [0, 3, 7, 9])
        np.testing.assert_allclose(loaded["by_name"], mine, atol=1e-6)
        np.testing.assert_allclose(loaded["by_position"], mine, atol=1e-6)
        assert loaded["by_name"].shape == (4, 28, 28, 1)
        np.testing.assert_array_equal(loaded["generate"], cgan.generate([1, 2, 3], seed=5))
        assert float(loaded["smoothing"]) == pytest.approx(0.1)
        for i, optimizer in enumerate([cgan.d_optimizer, cgan.g_optimizer]):
            assert int(optimizer.iterations.numpy()) == 2 and len(optimizer.variables) > 2
            for j, variable in enumerate(optimizer.variables):
                np.testing.assert_array_equal(loaded[f"opt{i}/{j}"], np.asarray(variable))


def test_fit_resumable_trains_and_resumes(tmp_path):
    x, y = images(256), labels(256)
    first = training.fit_resumable(tiny_cgan(), x, y, epochs=1, workdir=tmp_path / "run",
                                   batch_size=64, verbose=0)
    resumed = tiny_cgan()
    history = training.fit_resumable(resumed, x, y, epochs=2, workdir=tmp_path / "run",
                                     batch_size=64, verbose=0)
    assert history["g_loss"][0] == first["g_loss"][0] and len(history["g_loss"]) == 2
    assert int(resumed.d_optimizer.iterations.numpy()) == int(resumed.g_optimizer.iterations.numpy()) == 8
    assert json.loads((tmp_path / "run" / training.STATE).read_text())["epoch"] == 2


def test_resize_upsampling_replaces_the_transposed_convolutions():
    generator = build_conditional_generator(noise_dim=8, upsampling="resize")
    kinds = {type(layer).__name__ for layer in generator.layers}
    assert "UpSampling2D" in kinds and "Conv2DTranspose" not in kinds
    out = generator.predict({"noise": np.zeros((3, 8), np.float32), "labels": np.arange(3)},
                            verbose=0)
    assert out.shape == (3, 28, 28, 1) and 0.0 <= out.min() and out.max() <= 1.0
    model = ConditionalGAN(noise_dim=8, upsampling="resize")
    assert model.get_config()["upsampling"] == "resize"
    assert "Conv2DTranspose" not in {type(layer).__name__ for layer in model.generator.layers}
    with pytest.raises(ValueError, match="upsampling: got 'bilinear'"):
        build_conditional_generator(upsampling="bilinear")
