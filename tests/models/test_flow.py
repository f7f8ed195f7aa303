"""Flow matching: the straight path and its velocity against their closed forms, one training
step, the Euler and Heun steps on a field with a known solution, label dropout's rate, guidance
at w = 0 and w = 1, sampling, saving in a fresh process, and bad inputs."""

import subprocess
import sys

import keras
import numpy as np
import pytest

from course_lib.config import seed_everything
from course_lib.models.flow import (FlowMatching, euler_step, guided_velocity, heun_step,
                                    straight_path, velocity_target)


def images(n=16, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def tiny_model(classes=3, compiled=False, **kwargs):
    """A tiny flow model whose steps run eagerly, since tracing a U-Net's step takes far longer
    than a few steps; `compiled`: traced into a graph, as the lessons train it."""
    seed_everything(0)
    model = FlowMatching(widths=(4, 8, 8), groups=2, classes=classes, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), run_eagerly=not compiled)
    return model


def test_the_path_runs_straight_from_the_data_to_the_noise_at_the_target_velocity():
    rng = np.random.default_rng(0)
    x0 = rng.uniform(-1, 1, (4, 3, 3, 1)).astype(np.float32)
    noise = rng.standard_normal(x0.shape).astype(np.float32)
    t = np.array([0.0, 0.25, 0.5, 1.0], np.float32)
    x_t = np.asarray(straight_path(x0, noise, t))
    np.testing.assert_allclose(x_t[0], x0[0], atol=1e-6)
    np.testing.assert_allclose(x_t[3], noise[3], atol=1e-6)
    np.testing.assert_allclose(x_t[1], 0.75 * x0[1] + 0.25 * noise[1], atol=1e-6)
    # The target is the path's derivative: a finite difference in t gives it, at every t.
    dt = 1e-3
    ahead = np.asarray(straight_path(x0, noise, t + dt))
    np.testing.assert_allclose((ahead - x_t) / dt, np.asarray(velocity_target(x0, noise)),
                               atol=2e-2)


def test_euler_and_heun_steps_on_a_field_with_a_known_solution():
    # dx/dt = x has the solution x(t) = x(1)·e^(t − 1); integrate from t = 1 to t = 0.
    def field(x, t):
        return x

    x1 = np.array([[1.0, -2.0]])
    exact = x1 * np.exp(-1.0)
    np.testing.assert_allclose(euler_step(field, x1, 1.0, 0.0), x1 * 0.0)  # x + (−1)·x
    np.testing.assert_allclose(heun_step(field, x1, 1.0, 0.0), x1 * 0.5)  # x − (x + 0)/2
    errors = {}
    for name, step in (("euler", euler_step), ("heun", heun_step)):
        for n in (10, 20):
            x, times = x1.copy(), np.linspace(1.0, 0.0, n + 1)
            for t, t_next in zip(times[:-1], times[1:]):
                x = step(field, x, t, t_next)
            errors[name, n] = np.abs(x - exact).max()
    # First order: halving the step halves the error; second order: it quarters it.
    assert 1.8 < errors["euler", 10] / errors["euler", 20] < 2.2
    assert 3.6 < errors["heun", 10] / errors["heun", 20] < 4.4
    assert errors["heun", 20] < errors["euler", 20] / 10


def test_one_compiled_train_step_changes_the_network_and_moves_the_average():
    model = tiny_model(compiled=True)
    before = [np.asarray(w).copy() for w in model.network.weights]
    ema_before = [np.asarray(w).copy() for w in model.ema_network.weights]
    logs = model.train_on_batch(images(8), np.arange(8) % 3, return_dict=True)
    assert np.isfinite(logs["loss"])
    assert any(not np.array_equal(b, np.asarray(w)) for b, w in zip(before, model.network.weights))
    assert any(not np.array_equal(b, np.asarray(w))
               for b, w in zip(ema_before, model.ema_network.weights))


def test_the_loss_is_the_velocity_regression_of_the_math():
    # An untrained network outputs zero (its last layer starts at zero), so the first step's loss
    # is E[(ε − x_0)²] over the batch, which the test recomputes from the same draws.
    model = tiny_model(classes=0)
    x = images(64)
    x0 = 2 * x - 1
    loss = model.train_on_batch(x, return_dict=True)["loss"]
    # E[(ε − x0)²] = 1 + E[x0²] for ε independent of x0.
    assert loss == pytest.approx(1 + np.mean(x0 ** 2), rel=0.05)


def test_label_dropout_replaces_labels_by_the_empty_token_at_its_rate():
    model = tiny_model(classes=3, label_dropout=0.2)
    labels = np.asarray(model.drop_labels(keras.ops.convert_to_tensor(np.zeros(40_000, "int32"))))
    assert set(np.unique(labels)) == {0, 3}
    assert np.mean(labels == 3) == pytest.approx(0.2, abs=0.01)
    kept = np.asarray(tiny_model(classes=3, label_dropout=0.0).drop_labels(
        keras.ops.convert_to_tensor(np.arange(300, dtype="int32") % 3)))
    np.testing.assert_array_equal(kept, np.arange(300) % 3)


def test_guidance_is_the_unconditional_velocity_at_0_and_the_conditional_one_at_1():
    v_u, v_c = np.array([1.0, -2.0]), np.array([3.0, 0.5])
    np.testing.assert_allclose(guided_velocity(v_u, v_c, 0.0), v_u)
    np.testing.assert_allclose(guided_velocity(v_u, v_c, 1.0), v_c)
    np.testing.assert_allclose(guided_velocity(v_u, v_c, 3.0), v_u + 3 * (v_c - v_u))
    model = tiny_model()
    model.fit(images(32), np.arange(32) % 3, batch_size=16, epochs=2, verbose=0)
    x, labels = np.random.default_rng(1).standard_normal((4, 28, 28, 1)), np.array([0, 1, 2, 0])
    empty = model.velocity(x, 0.5)
    conditional = model.velocity(x, 0.5, labels, guidance=1.0)
    assert not np.allclose(empty, conditional)
    np.testing.assert_allclose(model.velocity(x, 0.5, labels, guidance=0.0), empty)
    np.testing.assert_allclose(model.velocity(x, 0.5, labels, guidance=2.5),
                               empty + 2.5 * (conditional - empty), rtol=1e-5, atol=1e-6)


def test_sampling_is_reproducible_in_range_and_heun_calls_the_network_twice_per_step():
    model = tiny_model()
    model.fit(images(32), np.arange(32) % 3, batch_size=16, epochs=1, verbose=0)
    a = model.sample(5, steps=3, labels=[0, 1, 2, 0, 1], guidance=2.0, seed=4)
    b = model.sample(5, steps=3, labels=[0, 1, 2, 0, 1], guidance=2.0, seed=4, batch_size=2)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert a.shape == (5, 28, 28, 1) and a.min() >= 0 and a.max() <= 1
    calls = []
    model.velocity = lambda x, t, labels=None, guidance=1.0: calls.append(t) or np.zeros_like(x)
    model.sample(2, steps=4, method="heun")
    assert len(calls) == 8 and calls[0] == 1.0 and calls[-1] == 0.0
    images_out, frames = model.sample(3, steps=4, frames=5)
    assert frames.shape == (5, 3, 28, 28, 1)


def test_a_vector_model_learns_a_point_mass():
    # All data at one point: the velocity field's flow must carry every noise draw near it.
    seed_everything(0)
    model = FlowMatching(widths=(32,), data_shape=(2,), ema_decay=0.9)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    model.fit(np.tile([[1.5, -0.5]], (2048, 1)).astype("float32"), batch_size=128, epochs=15,
              verbose=0)
    out = model.sample(200, steps=20, seed=0)
    np.testing.assert_allclose(out.mean(0), [1.5, -0.5], atol=0.15)
    assert out.std(0).max() < 0.3


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=0), "steps"),
    (dict(method="rk4"), "method must be one of"),
    (dict(labels=[0, 5]), r"expected class indices in \[0, 2\]"),
    (dict(labels=[0, 1, 2]), "one per sample"),
    (dict(labels=[0.5, 1]), "non-integer"),
    (dict(labels=[0, 1], guidance=-1.0), "guidance must be a number ≥ 0"),
    (dict(labels=[0, 1], guidance=float("nan")), "guidance must be a number ≥ 0"),
    (dict(guidance=2.0), "guidance needs labels"),
])
def test_bad_sampling_requests_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny_model().sample(2, **kwargs)


def test_bad_settings_and_data_are_refused():
    with pytest.raises(ValueError, match="unconditional"):
        tiny_model(classes=0).sample(2, labels=[0, 1])
    with pytest.raises(ValueError, match="label_dropout"):
        FlowMatching(label_dropout=1.0)
    with pytest.raises(ValueError, match="classes must be 0"):
        FlowMatching(classes=-2)
    with pytest.raises(ValueError, match=r"call fit\(x, y\)"):
        tiny_model().train_on_batch(images(4))
    with pytest.raises(TypeError, match="expected floats in"):
        tiny_model().train_on_batch((images(4) * 255).astype("uint8"), np.zeros(4, "int32"))


LOADER = """
import sys, numpy as np, keras
import course_lib.models.flow  # registers the classes
model = keras.models.load_model(sys.argv[1], safe_mode=True)
np.save(sys.argv[2], model.sample(3, steps=2, labels=[0, 1, 2], guidance=2.0, seed=1))
"""


@pytest.mark.usefixtures("skip_on_gpu")
def test_save_and_load_in_a_fresh_process(tmp_path):
    model = tiny_model()
    model.fit(images(32), np.arange(32) % 3, batch_size=16, epochs=1, verbose=0)
    model.save(tmp_path / "flow.keras")
    subprocess.run([sys.executable, "-c", LOADER, str(tmp_path / "flow.keras"),
                    str(tmp_path / "out.npy")], check=True, timeout=300)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"),
                               model.sample(3, steps=2, labels=[0, 1, 2], guidance=2.0, seed=1),
                               atol=1e-6)


def test_the_velocity_loss_of_an_untrained_model_is_that_of_a_zero_velocity():
    model = tiny_model()
    x = images(20)
    rng = np.random.default_rng(2)
    noise, t = rng.standard_normal(x.shape).astype(np.float32), rng.random(20).astype(np.float32)
    expected = np.mean((noise - (2 * x - 1)) ** 2)
    assert model.velocity_loss(x, noise, t) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="one time per image"):
        model.velocity_loss(x, noise, t[:3])
