"""The lesson recipes: one definition of each trained model, its settings and its checkpoint."""

import json

import numpy as np
import pytest

from course_lib import recipes
from course_lib.config import checkpoint_dir, model_path, seed_everything
from course_lib.models.autoencoder import Autoencoder, DenoisingAutoencoder
from course_lib.models.classifiers import feature_model
from course_lib.recipes import fit_autoencoder, lesson_autoencoder, lesson_plan, train_cnn_classifier


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def test_fit_autoencoder_resumes_from_its_checkpoint(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x = images(32)
    seed_everything(0)
    model = Autoencoder(2, filters=(4, 8))
    history = fit_autoencoder(model, x, epochs=1, name="unit_ae", batch_size=16, verbose=0)
    assert (checkpoint_dir("unit_ae") / "state.json").exists()
    again = Autoencoder(2, filters=(4, 8))
    assert fit_autoencoder(again, x, epochs=1, name="unit_ae", batch_size=16, verbose=0) == history
    np.testing.assert_allclose(again.encode(x), model.encode(x), atol=1e-6)


def test_lesson_autoencoder_is_lesson_02s_run_and_reloads(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    plan, x = lesson_plan(), images(16)
    model = lesson_autoencoder(2, x)
    assert (model.latent_dim, model.filters) == (2, plan["filters"])
    state = json.loads((checkpoint_dir("lesson02_ae_k2") / "state.json").read_text())
    assert state["epoch"] == plan["sweep_epochs"][2]
    again = lesson_autoencoder(2, x)
    np.testing.assert_allclose(again.encode(x), model.encode(x), atol=1e-6)


def test_lesson_autoencoder_refuses_a_size_lesson_02_does_not_train(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    with pytest.raises(ValueError, match="k=5"):
        lesson_autoencoder(5, images(4))


def test_lesson_plan_is_smaller_in_fast_mode(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    fast = lesson_plan()
    monkeypatch.setenv("COURSE_FAST", "0")
    default = lesson_plan()
    assert default["ks"] == (2, 4, 8, 16, 32, 64) and set(fast["ks"]) <= set(default["ks"])
    assert set(default["sweep_epochs"]) == set(default["ks"]) and set(fast["sweep_epochs"]) == set(fast["ks"])
    assert all(fast["sweep_epochs"][k] <= default["sweep_epochs"][k] for k in fast["ks"])
    assert max(default["sweep_epochs"], key=default["sweep_epochs"].get) == 32  # the headline size
    assert default["n_train"] is None
    assert default["filters"] == Autoencoder().filters  # default runs use the builders' widths


def test_train_or_reload_can_be_refused(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x = images(16)
    with pytest.raises(recipes.NotTrainedError, match="lesson02_ae_k2.*run the lesson"):
        lesson_autoencoder(2, x, require_trained=True)
    assert not checkpoint_dir("lesson02_ae_k2").joinpath("state.json").exists()  # nothing trained
    trained = lesson_autoencoder(2, x)
    again = lesson_autoencoder(2, x, require_trained=True)
    np.testing.assert_allclose(again.encode(x), trained.encode(x), atol=1e-6)


def test_lesson03_recipes_build_the_lessons_models(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    plan, x = lesson_plan(), images(24)
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
    plan = lesson_plan()
    assert recipes.sweep_run(32) == "lesson02_ae_k32"
    assert recipes.denoiser_run(plan) == "lesson03_dae_sigma0.5"
    assert recipes.anomaly_run(plan) == "lesson03_anomaly_without2"
    assert recipes.inpainter_run(plan) == "lesson03_inpaint_patch12"
    assert recipes.vae_benchmark_run(32) == "bench_vae_z32"
    assert (recipes.CNN_RUN, recipes.DCGAN_RUN) == ("lesson01_cnn", "lesson06_dcgan")
    assert recipes.vae_run(2, 1.0, 60000, 10) == "lesson05_vae2d_c1_n60000_e10"
    assert recipes.vae_run(16, 1.0, 60000, 5) == "lesson05_vae16d_c1_n60000_e5"


def test_train_cnn_classifier_learns_and_resumes(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 32)
    x = np.zeros((64, 28, 28, 1), np.float32)
    x[y == 1, :14] = 1.0  # class 1: top half lit
    x = np.clip(x + rng.random(x.shape).astype(np.float32) * 0.1, 0.0, 1.0)
    model = train_cnn_classifier(x, y, epochs=4, batch_size=8, verbose=0, workdir=tmp_path)
    assert np.mean(model.predict(x, verbose=0).argmax(1) == y) == 1.0
    again = train_cnn_classifier(x, y, epochs=4, batch_size=8, verbose=0, workdir=tmp_path)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)
    assert feature_model(model).predict(x[:2], verbose=0).shape == (2, 128)
    with pytest.raises(ValueError, match="same"):
        train_cnn_classifier(x, y[:10], epochs=1)


def test_reference_classifier_reloads_the_saved_model(monkeypatch):
    import keras

    monkeypatch.setenv("COURSE_FAST", "1")
    seed_everything(0)
    saved = train_cnn_classifier(images(20), np.arange(20) % 10, epochs=1, verbose=0)
    saved.save(model_path(recipes.CNN_FILE))
    loaded = recipes.reference_classifier(verbose=0)
    assert isinstance(loaded, keras.Model)
    np.testing.assert_allclose(loaded.predict(images(3), verbose=0),
                               saved.predict(images(3), verbose=0), rtol=1e-5)


def test_a_damaged_reference_classifier_is_named(monkeypatch):
    from course_lib.saving import ModelFileError

    monkeypatch.setenv("COURSE_FAST", "1")
    model_path(recipes.CNN_FILE).write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="cnn_classifier.keras is not a .keras archive"):
        recipes.reference_classifier()
    assert model_path(recipes.CNN_FILE).read_bytes() == b"not a zip"  # left as it is


def test_the_shipped_diffusion_weights_match_their_record_and_load():
    record = recipes.shipped_diffusion_record()
    path = recipes.shipped_weights_dir() / recipes.DIFFUSION_FILE
    assert recipes.sha256_of(path) == record["sha256"]
    model = recipes.shipped_diffusion()
    for ema, weight in zip(model.ema_network.weights, model.network.weights):
        np.testing.assert_array_equal(np.asarray(ema), np.asarray(weight))
    assert model.sample(2, steps=2, seed=0).shape == (2, 28, 28, 1)


def test_damaged_shipped_weights_are_named_and_kept(tmp_path, monkeypatch):
    folder = tmp_path / "weights"
    folder.mkdir()
    source = recipes.shipped_weights_dir()
    raw = (source / recipes.DIFFUSION_FILE).read_bytes()
    (folder / recipes.DIFFUSION_FILE).write_bytes(raw[:1000])
    (folder / recipes.DIFFUSION_RECORD).write_text((source / recipes.DIFFUSION_RECORD).read_text())
    monkeypatch.setattr(recipes, "shipped_weights_dir", lambda: folder)
    with pytest.raises(ValueError, match="damaged or is a Git LFS pointer"):
        recipes.shipped_diffusion()
    assert (folder / recipes.DIFFUSION_FILE).read_bytes() == raw[:1000]
    (folder / recipes.DIFFUSION_RECORD).unlink()
    with pytest.raises(FileNotFoundError, match="diffusion.py --ship"):
        recipes.shipped_diffusion()


def test_ship_diffusion_weights_records_the_checksum(tmp_path, monkeypatch):
    monkeypatch.setattr(recipes, "shipped_weights_dir", lambda: tmp_path / "weights")
    source = tmp_path / "w.weights.h5"
    source.write_bytes(b"weights")
    target = recipes.ship_diffusion_weights(source, {"epochs": 3})
    assert target.read_bytes() == b"weights"
    assert recipes.shipped_diffusion_record() == {"epochs": 3, "sha256": recipes.sha256_of(source)}


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
    with pytest.raises(recipes.NotTrainedError, match="run lesson 05 first"):
        recipes.lesson_vae16(x, require_trained=True)


def test_cycle_domains_are_the_plans_share_of_two_disjoint_halves(monkeypatch):
    from course_lib.domains import to_style_b

    monkeypatch.setenv("COURSE_FAST", "1")
    n = recipes.gan_applications_plan()["cycle_n_train"]
    x, y = images(2 * n + 10), np.arange(2 * n + 10) % 10
    x_a, x_b = recipes.cycle_domains(x, y)
    assert len(x_a) == len(x_b) == n
    np.testing.assert_array_equal(x_a, x[:n])  # A: the first half as it is
    np.testing.assert_allclose(x_b, to_style_b(x[n + 5:2 * n + 5]))  # B: the second half, restyled
