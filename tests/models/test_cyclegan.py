"""Lesson 07's CycleGAN: builder shapes, one training step (both translators and both critics
move), the loss terms (`cycle_weight=0` drops the cycle term), checkpoints, saving in a fresh
process, bad inputs."""

import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib import training
from course_lib.config import seed_everything
from course_lib.models.cyclegan import CycleGAN, build_critic, build_translator, critic_loss

LOADER = """
import sys, numpy as np
from course_lib.models.cyclegan import CycleGAN
from course_lib.saving import load_course_model
model = load_course_model(sys.argv[1], CycleGAN)
x = np.load(sys.argv[2])
np.savez(sys.argv[3], ab=model.translate_ab(x), ba=model.translate_ba(x),
         g_iterations=int(model.g_optimizer.iterations.numpy()),
         cycle_weight=model.cycle_weight, identity_weight=model.identity_weight,
         coordinates=model.coordinates)
"""


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def tiny(compiled=False, **kwargs):
    """A tiny CycleGAN whose `fit` runs eagerly, since tracing its step takes far longer than a
    few steps; `compiled`: traced into a graph, as the lesson trains it."""
    seed_everything(0)
    model = CycleGAN(filters=4, n_res=1, **kwargs)
    model.compile(run_eagerly=not compiled)
    return model


def values(variables):
    return [np.array(v) for v in variables]


def changed(before, variables):
    return [not np.array_equal(b, np.array(v)) for b, v in zip(before, variables)]


def test_builders_shapes_and_output_range():
    translated = np.asarray(build_translator(filters=4, n_res=1)(images(3)))
    assert translated.shape == (3, 28, 28, 1)
    assert translated.min() >= 0.0 and translated.max() <= 1.0
    assert build_critic(filters=(4, 8))(images(2)).shape == (2, 7, 7, 1)
    np.testing.assert_array_equal(build_translator(4, 1, seed=3)(images(2)),
                                  build_translator(4, 1, seed=3)(images(2)))  # seeded weights


def test_coordinates_are_an_option_of_the_translators():
    from course_lib.models.cyclegan import CoordinateChannels

    def has_coordinates(network):
        return any(isinstance(layer, CoordinateChannels) for layer in network.layers)

    assert has_coordinates(build_translator(4, 1))
    plain = build_translator(4, 1, coordinates=False)
    assert not has_coordinates(plain) and plain(images(2)).shape == (2, 28, 28, 1)
    model = tiny(coordinates=False)
    assert not has_coordinates(model.g_ab) and not has_coordinates(model.g_ba)
    assert model.get_config()["coordinates"] is False and tiny().coordinates is True


def test_lsgan_critic_loss():
    ones, zeros = np.ones((2, 7, 7, 1), np.float32), np.zeros((2, 7, 7, 1), np.float32)
    assert float(critic_loss(ones, zeros)) == 0.0  # perfect critic
    assert float(critic_loss(zeros, ones)) == pytest.approx(1.0)  # 0.5 · (1 + 1)


def test_one_train_step_changes_all_four_networks_and_reports_metrics():
    model = tiny()
    networks = (model.g_ab, model.g_ba, model.d_a, model.d_b)
    before = [values(n.trainable_weights) for n in networks]
    logs = model.train_step((tf.constant(images()), tf.constant(images(seed=1))))
    for network, weights in zip(networks, before):
        assert all(changed(weights, network.trainable_weights)), network.name
    assert set(logs) == {"g_loss", "d_loss", "adversarial_loss", "cycle_loss", "identity_loss"}
    assert model.g_optimizer.iterations.numpy() == model.d_optimizer.iterations.numpy() == 1


def test_critic_step_leaves_the_translators_alone():
    model = tiny()
    g_before = values(model.translators)
    a, b = tf.constant(images()), tf.constant(images(seed=1))
    model.critic_step(a, b, model.g_ba(b), model.g_ab(a))
    assert not any(changed(g_before, model.translators))
    assert model.g_optimizer.iterations.numpy() == 0


@pytest.mark.parametrize("cycle_weight, identity_weight", [(10.0, None), (0.0, None), (0.0, 2.0)])
def test_g_loss_is_the_weighted_sum_of_its_terms(cycle_weight, identity_weight):
    model = tiny(cycle_weight=cycle_weight, identity_weight=identity_weight)
    expected_identity = 0.5 * cycle_weight if identity_weight is None else identity_weight
    assert model.identity_weight == expected_identity
    terms = {k: float(v) for k, v in model.translator_losses(images(), images(seed=1)).items()
             if k.endswith("loss")}
    assert terms["cycle_loss"] > 0 and terms["identity_loss"] > 0
    assert terms["g_loss"] == pytest.approx(terms["adversarial_loss"]
                                            + cycle_weight * terms["cycle_loss"]
                                            + expected_identity * terms["identity_loss"], rel=1e-5)


def test_fit_resumable_trains_one_epoch_then_resumes(tmp_path):
    x_a, x_b = images(128), images(128, seed=1)
    model = tiny()
    history = training.fit_resumable(model, x_a, x_b, epochs=1, workdir=tmp_path / "run",
                                     batch_size=64, verbose=0)
    assert np.isfinite(history["g_loss"][0]) and np.isfinite(history["cycle_loss"][0])
    resumed = tiny()
    history = training.fit_resumable(resumed, x_a, x_b, epochs=2, workdir=tmp_path / "run",
                                     batch_size=64, verbose=0)
    assert len(history["g_loss"]) == 2
    assert int(resumed.g_optimizer.iterations.numpy()) == int(resumed.d_optimizer.iterations.numpy()) == 4
    reloaded = tiny()  # a finished run reloads and trains nothing
    training.fit_resumable(reloaded, x_a, x_b, epochs=2, workdir=tmp_path / "run",
                           batch_size=64, verbose=0)
    np.testing.assert_array_equal(reloaded.translate_ab(x_a[:4]), resumed.translate_ab(x_a[:4]))


@pytest.mark.usefixtures("skip_on_gpu")
def test_save_and_load_in_a_fresh_process(tmp_path):
    model = tiny(cycle_weight=3.0, identity_weight=1.0, coordinates=False)
    model.fit(images(16), images(16, seed=1), batch_size=8, epochs=1, verbose=0)
    model.save(tmp_path / "cyclegan.keras")
    x = images(4, seed=2)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([sys.executable, "-c", LOADER, str(tmp_path / "cyclegan.keras"),
                    str(tmp_path / "x.npy"), str(tmp_path / "out.npz")], check=True, timeout=300)
    with np.load(tmp_path / "out.npz") as loaded:
        np.testing.assert_array_equal(loaded["ab"], model.translate_ab(x))
        np.testing.assert_array_equal(loaded["ba"], model.translate_ba(x))
        assert int(loaded["g_iterations"]) == 2
        assert float(loaded["cycle_weight"]) == 3.0 and float(loaded["identity_weight"]) == 1.0
        assert not bool(loaded["coordinates"])
    translator = tmp_path / "g_ab.keras"
    model.g_ab.save(translator)
    np.testing.assert_array_equal(keras.models.load_model(translator, safe_mode=True).predict(x, verbose=0),
                                  model.translate_ab(x))


def test_translate_rejects_bad_images():
    model = tiny()
    with pytest.raises(ValueError, match="uint8 images"):
        model.translate_ab((images(2) * 255).astype(np.uint8))
    with pytest.raises(ValueError, match=r"expected \(n, 28, 28, 1\)"):
        model.translate_ba(np.zeros((2, 32, 32, 1), np.float32))
    with pytest.raises(ValueError, match=r"expected values in \[0, 1\]"):
        model.translate_ab(images(2) * 2 - 1)


def test_training_needs_two_domains_of_unit_images():
    with pytest.raises(ValueError, match="domain-B images as y"):
        tiny().fit(images(8), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"domain B, y.*must lie in \[0, 1\]"):
        tiny(compiled=True).fit(images(8), images(8) * 255, batch_size=8, epochs=1, verbose=0)


def test_bad_settings():
    with pytest.raises(ValueError, match="cycle_weight must be a finite number >= 0"):
        CycleGAN(cycle_weight=-1.0)
    with pytest.raises(ValueError, match="identity_weight"):
        CycleGAN(identity_weight=float("nan"))
    with pytest.raises(RuntimeError, match="compile the CycleGAN"):
        CycleGAN(filters=4, n_res=1).build_optimizers()
