import json
import os

import keras
import numpy as np
import pytest

from course_lib.config import seed_everything
from course_lib.models.autoencoder import Autoencoder
from course_lib.models.steps import track
from course_lib.training import (EAGER_MAX_STEPS, CheckpointError, cosine_adam,
                                 fit_optionally_resumable, fit_resumable, seed_states,
                                 trained_history, trained_seconds)
from course_lib.training import BatchLosses, StepScore


def tiny_images(n=64):
    return np.random.default_rng(0).random((n, 28, 28, 1), dtype=np.float32)


def fresh_model(latent_dim=4):
    seed_everything(0)
    model = Autoencoder(latent_dim, filters=(4, 8))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def test_checkpoint_files_and_history(tmp_path):
    x = tiny_images()
    history = fit_resumable(fresh_model(), x, x, epochs=2, batch_size=32, workdir=tmp_path, verbose=0)
    assert len(history["loss"]) == 2
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["epoch"] == 2 and state["history"]["loss"] == history["loss"]
    assert (tmp_path / "checkpoint.weights.h5").exists() and (tmp_path / "rng.npz").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("tmp-")]


@pytest.mark.parametrize("fast, n, eager", [("1", 32 * EAGER_MAX_STEPS, True),
                                            ("1", 32 * EAGER_MAX_STEPS + 1, False),
                                            ("", 32, False)])
def test_only_a_run_of_a_few_steps_in_fast_mode_skips_tracing(tmp_path, monkeypatch, fast, n,
                                                             eager):
    monkeypatch.setenv("COURSE_FAST", fast)
    x = tiny_images(n)
    for _ in ("trained", "reloaded"):
        model = fresh_model()
        fit_resumable(model, x, x, epochs=1, workdir=tmp_path, batch_size=32, verbose=0)
        assert bool(model.run_eagerly) is eager


def test_training_time_is_summed_over_sessions_and_kept_on_reload(tmp_path):
    x = tiny_images()
    assert np.isnan(trained_seconds(tmp_path))
    fit_resumable(fresh_model(), x, x, epochs=1, batch_size=32, workdir=tmp_path, verbose=0)
    first = trained_seconds(tmp_path)
    fit_resumable(fresh_model(), x, x, epochs=2, batch_size=32, workdir=tmp_path, verbose=0)
    second = trained_seconds(tmp_path)
    assert 0 < first < second
    fit_resumable(fresh_model(), x, x, epochs=2, batch_size=32, workdir=tmp_path, verbose=0)
    assert trained_seconds(tmp_path) == second


def test_the_recorded_history_is_the_one_training_returned(tmp_path):
    x = tiny_images()
    assert trained_history(tmp_path) == {}
    history = fit_resumable(fresh_model(), x, x, epochs=2, batch_size=32, workdir=tmp_path, verbose=0)
    assert trained_history(tmp_path) == history and len(history["loss"]) == 2


@pytest.mark.usefixtures("skip_on_gpu")
def test_resumed_run_matches_an_uninterrupted_one(tmp_path):
    x = tiny_images()
    straight = fit_resumable(fresh_model(), x, x, epochs=3, batch_size=32,
                             workdir=tmp_path / "a", verbose=0)
    fit_resumable(fresh_model(), x, x, epochs=1, batch_size=32, workdir=tmp_path / "b", verbose=0)
    resumed_model = fresh_model()
    resumed = fit_resumable(resumed_model, x, x, epochs=3, batch_size=32,
                            workdir=tmp_path / "b", verbose=0)
    np.testing.assert_allclose(resumed["loss"], straight["loss"], rtol=1e-5)


def test_finished_run_reloads_instead_of_training(tmp_path):
    x = tiny_images()
    trained = fresh_model()
    fit_resumable(trained, x, x, epochs=1, batch_size=32, workdir=tmp_path, verbose=0)
    stamp = os.path.getmtime(tmp_path / "checkpoint.weights.h5")
    reloaded = fresh_model()
    history = fit_resumable(reloaded, x, x, epochs=1, batch_size=32, workdir=tmp_path, verbose=0)
    assert len(history["loss"]) == 1
    assert os.path.getmtime(tmp_path / "checkpoint.weights.h5") == stamp
    np.testing.assert_allclose(reloaded.predict(x[:4], verbose=0), trained.predict(x[:4], verbose=0))


def test_a_reloaded_run_shows_its_recorded_training(tmp_path, capsys):
    x = tiny_images()
    history = fit_resumable(fresh_model(), x, x, epochs=2, batch_size=32, workdir=tmp_path,
                            verbose=0)
    assert capsys.readouterr().out == ""
    fit_resumable(fresh_model(), x, x, epochs=2, batch_size=32, workdir=tmp_path, verbose=2)
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].startswith(f"{tmp_path.name}: 2 of 2 epochs trained earlier (") and \
        shown[0].endswith("reloaded; their record:")
    assert shown[1:] == [f"  epoch {e + 1}/2: loss: {history['loss'][e]:.4f}" for e in range(2)]
    fit_resumable(fresh_model(), x, x, epochs=2, batch_size=32, workdir=tmp_path, verbose=0)
    assert capsys.readouterr().out == ""  # verbose=0 stays silent


def test_optimizer_state_is_restored(tmp_path):
    x = tiny_images()
    trained = fresh_model()
    fit_resumable(trained, x, x, epochs=1, batch_size=32, workdir=tmp_path, verbose=0)
    reloaded = fresh_model()
    fit_resumable(reloaded, x, x, epochs=1, batch_size=32, workdir=tmp_path, verbose=0)
    assert int(reloaded.optimizer.iterations.numpy()) == 2
    for a, b in zip(trained.optimizer.variables, reloaded.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b))


def test_seed_generator_state_is_restored(tmp_path):
    import keras

    class Noisy(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.noise = keras.random.SeedGenerator(5)

        def call(self, x, training=False):
            return x + keras.random.normal(keras.ops.shape(x), seed=self.noise) if training else x

    def model():
        seed_everything(0)
        m = keras.Sequential([keras.Input((3,)), Noisy(), keras.layers.Dense(1)])
        m.compile("sgd", "mse")
        return m

    x, y = np.ones((8, 3), np.float32), np.ones((8, 1), np.float32)
    first = model()
    fit_resumable(first, x, y, epochs=2, batch_size=4, workdir=tmp_path, verbose=0)
    second = model()
    fit_resumable(second, x, y, epochs=2, batch_size=4, workdir=tmp_path, verbose=0)
    (a,), (b,) = seed_states(first), seed_states(second)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def count_batches():
    """A callback whose `.n` counts the batches trained."""
    class Counter(keras.callbacks.Callback):
        n = 0

        def on_train_batch_end(self, batch, logs=None):
            Counter.n += 1
    return Counter()


def test_a_run_of_other_settings_is_set_aside_not_reloaded(tmp_path, capsys):
    x, run = tiny_images(), tmp_path / "run"
    fit_resumable(fresh_model(), x, x, epochs=1, batch_size=32, workdir=run, verbose=0)
    before = (run / "checkpoint.weights.h5").read_bytes()
    counter = count_batches()
    history = fit_resumable(fresh_model(), x, x, epochs=1, batch_size=16, workdir=run, verbose=0,
                            callbacks=[counter])
    assert counter.n == 4 and len(history["loss"]) == 1  # trained afresh: 64 images in 16s
    (aside,) = tmp_path.glob("run.*")
    assert (aside / "checkpoint.weights.h5").read_bytes() == before
    assert "differs from this one in seed, batch size or shuffling" in capsys.readouterr().out


def test_another_model_in_the_same_folder_trains_afresh_and_the_first_comes_back(tmp_path, capsys):
    x, run = tiny_images(), tmp_path / "run"
    first = fit_resumable(fresh_model(4), x, x, epochs=1, batch_size=32, workdir=run, verbose=0)
    fit_resumable(fresh_model(6), x, x, epochs=1, batch_size=32, workdir=run, verbose=0)
    assert "differs from this one in the model" in capsys.readouterr().out
    counter = count_batches()
    again = fit_resumable(fresh_model(4), x, x, epochs=1, batch_size=32, workdir=run, verbose=0,
                          callbacks=[counter])
    assert counter.n == 0 and again == first  # reloaded, not retrained
    assert "set aside earlier, is back in run" in capsys.readouterr().out
    assert len(list(tmp_path.glob("run.*"))) == 1  # the latent-6 run, now aside


def test_changed_noise_retrains_lesson_03s_exercise_and_an_unchanged_rerun_reloads(tmp_path):
    # Lesson 03's salt-and-pepper exercise: the learner edits the noise function and reruns.
    clean = tiny_images()

    def salt_and_pepper(x, p):
        hit = np.random.default_rng(4).random(x.shape) < p
        return np.where(hit, np.random.default_rng(5).integers(0, 2, x.shape), x).astype(np.float32)

    def salt_only(x, p):  # a learner's slip: every hit pixel turns white
        return np.where(np.random.default_rng(4).random(x.shape) < p, 1.0, x).astype(np.float32)

    run, counts = tmp_path / "lesson03_exercise_saltpepper", []
    for noise in (salt_and_pepper, salt_only, salt_only):
        counter = count_batches()
        fit_resumable(fresh_model(), noise(clean, 0.2), clean, epochs=1, batch_size=32,
                      workdir=run, verbose=0, callbacks=[counter])
        counts.append(counter.n)
    assert counts == [2, 2, 0]


def test_a_keras_update_alone_does_not_retrain_but_a_data_change_with_it_does(tmp_path, capsys):
    x, run = tiny_images(), tmp_path / "run"
    first = fit_resumable(fresh_model(), x, x, epochs=1, batch_size=32, workdir=run, verbose=0)
    state = json.loads((run / "state.json").read_text())
    assert state["keras"] == keras.__version__
    # As if saved by an older Keras whose layer configs read differently.
    state.update(keras="3.0.0", fingerprint={**state["fingerprint"], "model": "0" * 16})
    (run / "state.json").write_text(json.dumps(state))
    counter = count_batches()
    again = fit_resumable(fresh_model(), x, x, epochs=1, batch_size=32, workdir=run, verbose=0,
                          callbacks=[counter])
    assert counter.n == 0 and again == first
    assert "saved with Keras 3.0.0" in capsys.readouterr().out
    assert json.loads((run / "state.json").read_text())["keras"] == keras.__version__
    state = json.loads((run / "state.json").read_text())
    state.update(keras="3.0.0", fingerprint={**state["fingerprint"], "model": "0" * 16,
                                             "data": "0" * 16})
    (run / "state.json").write_text(json.dumps(state))
    fit_resumable(fresh_model(), x, x, epochs=1, batch_size=32, workdir=run, verbose=0)
    assert "differs from this one in the training data, the model" in capsys.readouterr().out


def test_a_checkpoint_from_before_fingerprints_still_reloads_and_gets_one(tmp_path):
    x, run = tiny_images(), tmp_path / "run"
    first = fit_resumable(fresh_model(), x, x, epochs=1, batch_size=32, workdir=run, verbose=0)
    state = json.loads((run / "state.json").read_text())
    fingerprint = state.pop("fingerprint")
    (run / "state.json").write_text(json.dumps(state))
    counter = count_batches()
    again = fit_resumable(fresh_model(), x, x, epochs=1, batch_size=32, workdir=run, verbose=0,
                          callbacks=[counter])
    assert counter.n == 0 and again == first
    assert json.loads((run / "state.json").read_text())["fingerprint"] == fingerprint


def test_changed_settings_of_a_checkpoint_from_before_fingerprints_are_refused(tmp_path):
    x, run = tiny_images(), tmp_path / "run"
    fit_resumable(fresh_model(), x, x, epochs=1, batch_size=32, workdir=run, verbose=0)
    state = json.loads((run / "state.json").read_text())
    del state["fingerprint"]
    (run / "state.json").write_text(json.dumps(state))
    before = (run / "checkpoint.weights.h5").read_bytes()
    with pytest.raises(CheckpointError, match="batch_size=32 there, 16 now"):
        fit_resumable(fresh_model(), x, x, epochs=2, batch_size=16, workdir=run, verbose=0)
    with pytest.raises(CheckpointError, match="does not fit this model"):
        fit_resumable(fresh_model(6), x, x, epochs=2, batch_size=32, workdir=run, verbose=0)
    assert (run / "checkpoint.weights.h5").read_bytes() == before


def test_corrupt_state_file_is_reported_not_replaced(tmp_path):
    (tmp_path / "state.json").write_text("{not json")
    x = tiny_images()
    with pytest.raises(CheckpointError, match="not a readable training state"):
        fit_resumable(fresh_model(), x, x, epochs=1, workdir=tmp_path, verbose=0)
    assert (tmp_path / "state.json").read_text() == "{not json"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_unwritable_folder_is_reported(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    with pytest.raises(CheckpointError, match="not writable"):
        fit_resumable(fresh_model(), tiny_images(), tiny_images(), epochs=1, workdir=locked / "run")


def test_workdir_that_is_a_file_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    with pytest.raises(CheckpointError, match="not writable"):
        fit_resumable(fresh_model(), tiny_images(), tiny_images(), epochs=1, workdir=blocker)
    assert blocker.read_text() == "keep me"


@pytest.mark.parametrize("kwargs, message", [({"epochs": 0}, "epochs"),
                                             ({"epochs": 1, "batch_size": -2}, "batch_size")])
def test_bad_sizes(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit_resumable(fresh_model(), tiny_images(), tiny_images(), workdir=tmp_path, **kwargs)


def test_empty_data(tmp_path):
    with pytest.raises(ValueError, match="no training examples"):
        fit_resumable(fresh_model(), np.zeros((0, 28, 28, 1), np.float32), epochs=1, workdir=tmp_path)


def test_cosine_adam_decays_to_zero_over_the_run():
    optimizer = cosine_adam(2e-3, epochs=2, n_examples=10, batch_size=4)  # 2 × 3 steps
    optimizer.build([keras.Variable(np.zeros(3, np.float32))])
    for step, expected in [(0, 2e-3), (3, 1e-3), (6, 0.0)]:
        optimizer.iterations.assign(step)
        assert float(optimizer.learning_rate) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("kwargs, message", [({"epochs": 0}, "epochs"),
                                             ({"n_examples": 0}, "n_examples"),
                                             ({"batch_size": 1.5}, "batch_size")])
def test_cosine_adam_bad_sizes(kwargs, message):
    sizes = {"epochs": 1, "n_examples": 10, "batch_size": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        cosine_adam(1e-3, **sizes)


BATCH_VALUES = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0]  # one value per batch of 2 (the last: of 1)


class RunningMeans(keras.Model):
    """Logs each batch's input mean as "d_loss" and twice it as "g_loss" through running-mean
    trackers, as the GAN's `train_step` does."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.trackers = [keras.metrics.Mean(name="d_loss"), keras.metrics.Mean(name="g_loss")]

    @property
    def metrics(self):
        return self.trackers

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        value = keras.ops.mean(data[0] if isinstance(data, tuple) else data)
        return track(self.trackers, {"d_loss": value, "g_loss": 2.0 * value})


def running_means_model():
    seed_everything(0)
    model = RunningMeans()
    model.compile(optimizer="sgd")
    return model


def batch_data():
    return np.repeat(BATCH_VALUES, 2)[:13, None].astype(np.float32)


def test_batch_losses_turns_running_means_into_per_batch_values(tmp_path):
    batches = BatchLosses()
    history = fit_resumable(running_means_model(), batch_data(), epochs=2, batch_size=2,
                            shuffle=False, workdir=tmp_path, callbacks=[batches], verbose=0)
    assert history["d_loss"][0] == pytest.approx(np.mean(BATCH_VALUES))  # Keras logs means
    assert batches.records["epoch"] == [0] * 7 + [1] * 7
    assert batches.records["batch"] == list(range(7)) * 2
    np.testing.assert_allclose(batches.records["d_loss"], BATCH_VALUES * 2, rtol=1e-5)
    np.testing.assert_allclose(batches.records["g_loss"], [2 * v for v in BATCH_VALUES] * 2,
                               rtol=1e-5)


def test_batch_losses_survive_a_resumed_and_a_reloaded_run(tmp_path):
    x, path = batch_data(), tmp_path / "run" / "batches.json"
    straight = BatchLosses()
    fit_resumable(running_means_model(), x, epochs=2, batch_size=2, shuffle=False,
                  workdir=tmp_path / "straight", callbacks=[straight], verbose=0)
    for epochs in (1, 2, 2):  # interrupted after one epoch, resumed, then reloaded finished
        resumed = BatchLosses(path=path)
        fit_resumable(running_means_model(), x, epochs=epochs, batch_size=2, shuffle=False,
                      workdir=tmp_path / "run", callbacks=[resumed], verbose=0)
    assert resumed.records["epoch"] == straight.records["epoch"]
    np.testing.assert_allclose(resumed.records["d_loss"], straight.records["d_loss"], rtol=1e-6)
    assert json.loads(path.read_text()) == resumed.records
    assert not (tmp_path / "run" / "tmp-batches.json").exists()


def test_an_epochs_curve_averages_equal_runs_of_its_batches(tmp_path):
    batches = BatchLosses()
    fit_resumable(running_means_model(), batch_data(), epochs=2, batch_size=2, shuffle=False,
                  workdir=tmp_path, callbacks=[batches], verbose=0)
    expected = [np.mean(BATCH_VALUES[:3]), np.mean(BATCH_VALUES[3:5]), np.mean(BATCH_VALUES[5:])]
    np.testing.assert_allclose(batches.epoch_curve("d_loss", epoch=1, points=3), expected,
                               rtol=1e-5)
    with pytest.raises(ValueError, match="epoch 1 has 7 recorded batches; expected at least 8"):
        batches.epoch_curve("d_loss", epoch=1, points=8)


def test_batch_losses_of_a_retrained_epoch_replace_the_old_ones():
    batches, model = BatchLosses(), running_means_model()
    for _ in range(2):
        model.fit(batch_data(), batch_size=2, epochs=1, shuffle=False, verbose=0,
                  callbacks=[batches])
    assert batches.records["batch"] == list(range(7))


def test_batch_losses_bad_keys(tmp_path):
    with pytest.raises(ValueError, match="keys: got none"):
        BatchLosses(keys=())
    with pytest.raises(KeyError, match="no \\['d_fake'\\]"):
        running_means_model().fit(batch_data(), batch_size=2, epochs=1, verbose=0,
                                  callbacks=[BatchLosses(keys=("d_loss", "d_fake"))])
    path = tmp_path / "batches.json"
    path.write_text(json.dumps({"epoch": [], "batch": [], "d_loss": []}))
    with pytest.raises(ValueError, match="has no records of \\['g_loss'\\]"):
        BatchLosses(path=path)


def test_step_score_records_every_n_steps_across_epochs_and_reloads(tmp_path):
    x, path = batch_data(), tmp_path / "run" / "steps.json"  # 7 steps per epoch
    calls = []

    def score(model):
        calls.append(model)
        return len(calls) / 2

    for epochs in (1, 2, 2):  # interrupted after one epoch, resumed, then reloaded finished
        steps = StepScore("half_step", score, every=3, path=path)
        fit_resumable(running_means_model(), x, epochs=epochs, batch_size=2, shuffle=False,
                      workdir=tmp_path / "run", callbacks=[steps], verbose=0)
    assert steps.records == {"step": [0, 3, 6, 9, 12], "half_step": [0.5, 1, 1.5, 2, 2.5]}
    assert json.loads(path.read_text()) == steps.records
    assert len(calls) == 5  # the reload scored nothing


def test_step_score_of_a_retrained_first_epoch_starts_over():
    steps, model = StepScore("one", lambda model: 1.0, every=7), running_means_model()
    for _ in range(2):
        model.fit(batch_data(), batch_size=2, epochs=1, shuffle=False, verbose=0,
                  callbacks=[steps])
    assert steps.records["step"] == [0, 7]


def test_step_score_bad_settings(tmp_path):
    with pytest.raises(ValueError, match="every must be"):
        StepScore("x", float, every=0)
    path = tmp_path / "steps.json"
    path.write_text(json.dumps({"step": [], "other": []}))
    with pytest.raises(ValueError, match="holds records of \\['other', 'step'\\]"):
        StepScore("x", float, every=1, path=path)


def test_fit_optionally_resumable_checkpoints_only_with_a_workdir(tmp_path):
    x = tiny_images(32)
    plain, checkpointed = fresh_model(), fresh_model()
    before = [np.array(w) for w in plain.get_weights()]
    plain_history = fit_optionally_resumable(plain, x, x, epochs=1, batch_size=16, verbose=0)
    assert any(not np.array_equal(b, w) for b, w in zip(before, plain.get_weights()))
    assert not any(tmp_path.iterdir())
    history = fit_optionally_resumable(checkpointed, x, x, epochs=1, batch_size=16,
                                       workdir=tmp_path / "run", verbose=0)
    assert json.loads((tmp_path / "run" / "state.json").read_text())["epoch"] == 1
    assert len(plain_history["loss"]) == len(history["loss"]) == 1  # the same history either way
