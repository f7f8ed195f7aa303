import gzip
import hashlib
import shutil

import numpy as np
import pytest

from course_lib import data
from course_lib.config import repo_root

SHIPPED = repo_root() / "data" / "mnist"
LOADERS = {"mnist": data.load_mnist, "fashion-mnist": data.load_fashion_mnist}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_shipped_files_match_their_checksums(name):
    for stem, digest in data.SHA256[name].items():
        raw = gzip.decompress((repo_root() / "data" / name / f"{stem}.gz").read_bytes())
        assert hashlib.sha256(raw).hexdigest() == digest


def test_load_mnist_shapes_types_and_ranges():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60_000, 28, 28, 1) and x_test.shape == (10_000, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert np.array_equal(np.unique(y_test), np.arange(10))
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]  # the well-known first MNIST labels


def test_load_fashion_mnist_shapes_types_ranges_and_classes():
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert x_train.shape == (60_000, 28, 28, 1) and x_test.shape == (10_000, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert np.bincount(y_train).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
    assert y_train[:5].tolist() == [9, 0, 0, 3, 0]  # ankle boot, two T-shirts, dress, T-shirt
    assert len(data.FASHION_CLASSES) == 10 and data.FASHION_CLASSES[3] == "Dress"
    (x, y), (xt, yt) = data.load_fashion_mnist(n_train=7, n_test=3)
    assert x.shape == (7, 28, 28, 1) and len(y) == 7 and len(xt) == len(yt) == 3
    np.testing.assert_array_equal(x, x_train[:7])
    assert not np.array_equal(x, data.load_mnist(n_train=7)[0][0])


def test_load_mnist_limits():
    (x, y), (xt, yt) = data.load_mnist(n_train=100, n_test=20)
    assert x.shape == (100, 28, 28, 1) and y.shape == (100,) and len(xt) == len(yt) == 20
    with pytest.raises(ValueError, match="n_train"):
        data.load_mnist(n_train=0)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "mnist"
    folder.mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    return folder


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_corrupted_file_of_either_dataset_names_file_and_digests(name, tmp_path, monkeypatch):
    folder = tmp_path / name
    shutil.copytree(repo_root() / "data" / name, folder)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    target = folder / "train-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(target.read_bytes()))
    raw[-1] = (raw[-1] + 1) % 10  # one label changed: still a valid IDX file
    target.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(data.DataError, match="checksum mismatch") as info:
        LOADERS[name]()
    message = str(info.value)
    assert str(target) in message and data.SHA256[name]["train-labels-idx1-ubyte"] in message
    assert hashlib.sha256(bytes(raw)).hexdigest() in message


def test_raw_uncompressed_files_in_course_data_dir(data_dir):
    for stem in data.FILES:
        (data_dir / stem).write_bytes(gzip.decompress((SHIPPED / f"{stem}.gz").read_bytes()))
    (x, y), _ = data.load_mnist(n_train=10)
    assert x.shape == (10, 28, 28, 1) and y[:5].tolist() == [5, 0, 4, 1, 9]


def test_corrupted_file_raises_data_error_and_is_left_in_place(data_dir):
    for stem in data.FILES:
        shutil.copy(SHIPPED / f"{stem}.gz", data_dir / f"{stem}.gz")
    target = data_dir / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(target.read_bytes()))
    raw[100] ^= 0xFF
    target.write_bytes(gzip.compress(bytes(raw)))
    before = target.read_bytes()
    with pytest.raises(data.DataError) as info:
        data.load_mnist()
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert data.SHA256["mnist"]["t10k-labels-idx1-ubyte"] in message
    assert hashlib.sha256(bytes(raw)).hexdigest() in message
    assert target.exists() and target.read_bytes() == before


def test_truncated_gzip_raises_data_error_and_is_left_in_place(data_dir):
    for stem in data.FILES:
        shutil.copy(SHIPPED / f"{stem}.gz", data_dir / f"{stem}.gz")
    target = data_dir / "train-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:5000])
    with pytest.raises(data.DataError, match="train-images-idx3-ubyte.gz"):
        data.load_mnist()
    assert target.stat().st_size == 5000


def test_partial_folder_names_the_missing_file(data_dir):
    shutil.copy(SHIPPED / "train-images-idx3-ubyte.gz", data_dir)
    with pytest.raises(data.DataError, match="train-labels-idx1-ubyte"):
        data.load_mnist()


def test_empty_course_data_dir_falls_back_to_the_shipped_files(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    (x, _), _ = data.load_mnist(n_train=3)
    assert x.shape == (3, 28, 28, 1)


def test_missing_everywhere_gives_a_clear_message(tmp_path, monkeypatch):
    import keras

    def offline():
        raise OSError("no network")

    monkeypatch.setattr(data, "candidate_dirs", lambda name: [tmp_path / name])
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(data.DataError, match="no local copy found.*no network.*COURSE_DATA_DIR"):
        data.load_mnist()


def test_downloads_are_checked_against_the_same_digests(tmp_path, monkeypatch):
    import keras

    arrays = [data.read_idx(repo_root() / "data" / "fashion-mnist" / f"{stem}.gz")
              for stem in data.FILES]
    monkeypatch.setattr(data, "candidate_dirs", lambda name: [tmp_path / name])
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data",
                        lambda: ((arrays[0], arrays[1]), (arrays[2], arrays[3])))
    (x, y), _ = data.load_fashion_mnist(n_train=4)
    assert x.shape == (4, 28, 28, 1) and y.tolist() == [9, 0, 0, 3]
    arrays[3] = arrays[3].copy()
    arrays[3][0] = (arrays[3][0] + 1) % 10  # another version of the test labels in Keras's cache
    with pytest.raises(data.DataError, match="t10k-labels-idx1-ubyte array from keras.datasets"):
        data.load_fashion_mnist()


def test_not_an_idx_file(tmp_path):
    bad = tmp_path / "x"
    bad.write_bytes(b"hello world")
    with pytest.raises(data.DataError, match="magic"):
        data.read_idx(bad)


def test_add_noise_is_seeded_clipped_and_validated():
    x = np.full((4, 28, 28, 1), 0.5, np.float32)
    a, b = data.add_noise(x, 0.5, seed=1), data.add_noise(x, 0.5, seed=1)
    np.testing.assert_array_equal(a, b)
    assert a.min() >= 0 and a.max() <= 1 and 0.3 < a.std() < 0.5
    assert not np.array_equal(a, data.add_noise(x, 0.5, seed=2))
    np.testing.assert_array_equal(data.add_noise(x, 0.0, seed=0), x)
    with pytest.raises(ValueError, match="sigma"):
        data.add_noise(x, -0.1)
    with pytest.raises(ValueError, match="uint8"):
        data.add_noise((x * 255).astype(np.uint8), 0.1)


def test_binarize_static_and_dynamic():
    x = np.random.default_rng(0).random((50, 28, 28, 1), dtype=np.float32)
    static = data.binarize(x)
    np.testing.assert_array_equal(static, (x > 0.5).astype(np.float32))
    dyn = data.binarize(x, "dynamic", seed=3)
    np.testing.assert_array_equal(dyn, data.binarize(x, "dynamic", seed=3))
    assert set(np.unique(dyn)) <= {0.0, 1.0}
    assert abs(dyn.mean() - x.mean()) < 0.01  # Bernoulli(x) keeps the mean
    with pytest.raises(ValueError, match="'static' or 'dynamic'"):
        data.binarize(x, "random")


def test_make_dataset_batches_and_shuffles_with_a_seed():
    x = np.arange(10, dtype=np.float32)
    batches = [b.numpy().tolist() for b in data.make_dataset(x, batch_size=4, shuffle=False)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    first = [b.numpy().tolist() for b in data.make_dataset(x, batch_size=10, seed=1)]
    again = [b.numpy().tolist() for b in data.make_dataset(x, batch_size=10, seed=1)]
    assert first == again and sorted(first[0]) == list(range(10)) and first[0] != list(range(10))
    with pytest.raises(ValueError, match="same number"):
        data.make_dataset(x, np.arange(3))
    with pytest.raises(ValueError, match="batch_size"):
        data.make_dataset(x, batch_size=0)


def test_make_dataset_turns_autotuning_off_unless_asked():
    x = np.arange(10, dtype=np.float32)
    assert data.make_dataset(x).options().autotune.enabled is False
    assert data.make_dataset(x).repeat().options().autotune.enabled is False
    assert data.make_dataset(x, autotune=True).options().autotune.enabled is True


def test_make_outliers_inverts_rotates_and_draws_seeded_noise():
    x = np.zeros((2, 28, 28, 1), np.float32)
    x[:, 0, 5, 0] = 1.0  # one lit pixel in the top row
    out = data.make_outliers(x, seed=4)
    assert set(out) == {"inverted", "noise", "rotated"}
    np.testing.assert_array_equal(out["inverted"], 1.0 - x)
    assert out["rotated"][0, 22, 0, 0] == 1.0 and out["rotated"].sum() == x.sum()
    assert out["noise"].shape == x.shape and 0.4 < out["noise"].mean() < 0.6
    np.testing.assert_array_equal(out["noise"], data.make_outliers(x, seed=4)["noise"])
    with pytest.raises(ValueError, match="uint8"):
        data.make_outliers((x * 255).astype(np.uint8))
