"""Every course model round-trips through `.keras` in a fresh process with `safe_mode=True`,
optimizer state included; damaged or foreign files give a clear `ModelFileError` and are kept.

The VAE's own fresh-process test (tests/models/test_vae.py) checks its reconstructions only, and
tests/models/test_gan.py checks the GAN's two optimizers in the same process; here all five
models are reloaded together in one new process, with predictions and optimizer variables.
"""

import json
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib import saving
from course_lib.config import seed_everything
from course_lib.models.autoencoder import Autoencoder, DenoisingAutoencoder
from course_lib.models.classifiers import build_cnn_classifier
from course_lib.models.gan import GAN
from course_lib.models.vae import VAE
from course_lib.saving import ModelFileError, load_course_model

X = (np.random.default_rng(0).random((32, 28, 28, 1)) < 0.3).astype(np.float32)
Y = np.arange(32) % 10

LOADER = """
import json, sys, numpy as np
from course_lib.saving import load_course_model
x = np.load(sys.argv[2])
out = {}
for name, cls in json.loads(sys.argv[1]).items():
    model = load_course_model(f"{sys.argv[3]}/{name}.keras")
    assert type(model).__name__ == cls, (name, type(model).__name__)
    out[name] = (model.generate(4, seed=3) if cls == "GAN" else model.predict(x, verbose=0))
    optimizers = [model.d_optimizer, model.g_optimizer] if cls == "GAN" else [model.optimizer]
    for i, optimizer in enumerate(optimizers):
        for j, variable in enumerate(optimizer.variables):
            out[f"{name}/opt{i}/{j}"] = np.asarray(variable)
np.savez(sys.argv[4], **out)
"""


def trained_models() -> dict:
    seed_everything(0)
    models = {"autoencoder": Autoencoder(4, filters=(4, 8)),
              "denoiser": DenoisingAutoencoder(4, filters=(4, 8), seed=1),
              "vae": VAE(2, filters=(4, 8), seed=2),
              "gan": GAN(noise_dim=8, seed=3),
              "cnn": build_cnn_classifier()}
    models["autoencoder"].compile(optimizer="adam", loss="binary_crossentropy")
    models["denoiser"].compile(optimizer="adam")
    models["vae"].compile(optimizer="adam")
    models["gan"].compile(label_smoothing=0.1)
    models["cnn"].compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    for name, model in models.items():
        targets = {"autoencoder": X, "cnn": Y}.get(name)
        model.fit(X, targets, batch_size=16, epochs=1, verbose=0)
    return models


@pytest.mark.usefixtures("skip_on_gpu")
def test_every_course_model_reloads_in_a_fresh_process(tmp_path):
    models = trained_models()
    for name, model in models.items():
        model.save(tmp_path / f"{name}.keras")
    np.save(tmp_path / "x.npy", X[:4])
    classes = {name: type(model).__name__ for name, model in models.items()}
    subprocess.run([sys.executable, "-c", LOADER, json.dumps(classes), str(tmp_path / "x.npy"),
                    str(tmp_path), str(tmp_path / "out.npz")], check=True, timeout=300)
    with np.load(tmp_path / "out.npz") as loaded:
        for name, model in models.items():
            mine = model.generate(4, seed=3) if name == "gan" else model.predict(X[:4], verbose=0)
            np.testing.assert_array_equal(loaded[name], mine, err_msg=name)
            optimizers = [model.d_optimizer, model.g_optimizer] if name == "gan" else [model.optimizer]
            for i, optimizer in enumerate(optimizers):
                assert int(optimizer.iterations.numpy()) == 2
                assert len(optimizer.variables) > 2  # Adam's moments, not just the counters
                for j, variable in enumerate(optimizer.variables):
                    np.testing.assert_array_equal(loaded[f"{name}/opt{i}/{j}"],
                                                  np.asarray(variable), err_msg=f"{name} opt{i}")


@pytest.fixture(scope="module")
def saved_vae(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    seed_everything(0)
    model = VAE(2, filters=(4, 8))
    model.compile(optimizer="adam")
    model(X[:1])
    model.save(folder / "vae.keras")
    return folder / "vae.keras"


def damaged_copies(source, folder) -> dict:
    raw = source.read_bytes()
    files = {"truncated": raw[: len(raw) // 2], "text": b"not a model at all\n"}
    for name, content in files.items():
        (folder / f"{name}.keras").write_bytes(content)
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(folder / "foreign.keras", "w") as out:
        for item in original.namelist():
            data = original.read(item)
            if item == "config.json":
                data = data.replace(b'"course_lib>VAE"', b'"someone_else>Mystery"')
            out.writestr(item, data)
    with zipfile.ZipFile(folder / "no_weights.keras", "w") as out, zipfile.ZipFile(source) as original:
        for item in ("metadata.json", "config.json"):
            out.writestr(item, original.read(item))
    return {name: folder / f"{name}.keras" for name in ("truncated", "text", "foreign", "no_weights")}


@pytest.mark.parametrize("kind, message", [
    ("truncated", "is not a .keras archive"),
    ("text", "is not a .keras archive"),
    ("foreign", "could not be loaded .*; expected a saved VAE"),
    ("no_weights", "could not be loaded .*; expected a saved VAE"),
])
def test_damaged_or_foreign_file_is_reported_and_kept(saved_vae, tmp_path, kind, message):
    path = damaged_copies(saved_vae, tmp_path)[kind]
    before = path.read_bytes()
    with pytest.raises(ModelFileError, match=message) as caught:
        load_course_model(path, VAE)
    assert str(path) in str(caught.value) and "expected" in str(caught.value)
    assert path.read_bytes() == before


def test_missing_file_and_wrong_model_class(saved_vae, tmp_path):
    with pytest.raises(ModelFileError, match="no such file; expected a saved VAE"):
        load_course_model(tmp_path / "missing.keras", VAE)
    with pytest.raises(ModelFileError, match="holds a VAE; expected a GAN"):
        load_course_model(saved_vae, GAN)
    assert isinstance(load_course_model(saved_vae, (GAN, VAE)), VAE)
    assert issubclass(ModelFileError, ValueError)


def test_shipping_weights_records_their_checksum(tmp_path, monkeypatch):
    monkeypatch.setattr(saving, "shipped_weights_dir", lambda: tmp_path / "weights")
    source = tmp_path / "w.weights.h5"
    source.write_bytes(b"weights")
    target = saving.ship_weights(source, "unit_net", {"epochs": 3})
    assert target == tmp_path / "weights" / "unit_net.weights.h5"
    assert target.read_bytes() == b"weights"
    assert saving.shipped_record("unit_net") == {"epochs": 3, "sha256": saving.sha256_of(source),
                                                 "tensorflow": tf.__version__,
                                                 "keras": keras.__version__}
    assert saving.verified_shipped_weights("unit_net") == target


def test_damaged_or_missing_shipped_weights_are_named_and_kept(tmp_path, monkeypatch):
    folder = tmp_path / "weights"
    monkeypatch.setattr(saving, "shipped_weights_dir", lambda: folder)
    with pytest.raises(FileNotFoundError, match="unit_net.json is missing.*--ship"):
        saving.verified_shipped_weights("unit_net")
    source = tmp_path / "w.weights.h5"
    source.write_bytes(b"weights, in full")
    target = saving.ship_weights(source, "unit_net", {})
    target.write_bytes(b"weights")  # truncated
    with pytest.raises(ValueError, match="damaged or is a Git LFS pointer"):
        saving.verified_shipped_weights("unit_net")
    assert target.read_bytes() == b"weights"  # left as it is
    target.unlink()
    with pytest.raises(FileNotFoundError, match="unit_net.weights.h5 is missing"):
        saving.verified_shipped_weights("unit_net")
