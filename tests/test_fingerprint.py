import subprocess
import sys

import keras
import numpy as np

from course_lib.fingerprint import PARTS, canonical, changes, data_summary, run_fingerprint, short
from course_lib.models.autoencoder import Autoencoder


def images(n=32, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1), dtype=np.float32)


def compiled(model, **compile_args):
    model.compile(**({"optimizer": "adam", "loss": "mse"} | compile_args))
    model(images(1))
    return model


def functional(width=8):
    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Dense(1)(keras.layers.Dense(width)(keras.layers.Flatten()(inputs)))
    return keras.Model(inputs, outputs)


def test_every_part_is_a_short_hash_and_settings_change_only_their_own():
    x = images()
    base = run_fingerprint(compiled(Autoencoder(4, filters=(4, 8))), x, x, seed=0)
    assert set(base) == set(PARTS) and all(len(h) == 16 for h in base.values())
    other = {
        "data": run_fingerprint(compiled(Autoencoder(4, filters=(4, 8))), x[:16], x[:16], seed=0),
        "model": run_fingerprint(compiled(Autoencoder(6, filters=(4, 8))), x, x, seed=0),
        "compile": run_fingerprint(compiled(Autoencoder(4, filters=(4, 8)), loss="mae"), x, x, seed=0),
        "training": run_fingerprint(compiled(Autoencoder(4, filters=(4, 8))), x, x, seed=1),
    }
    for part, fingerprint in other.items():
        assert [p for p in PARTS if fingerprint[p] != base[p]] == [part]
        assert changes(base, fingerprint) == PARTS[part]
    assert len(short(base)) == 10 and short(base) != short(other["data"])


def test_float_data_count_as_the_same_up_to_last_bit_noise_but_not_after_a_real_change():
    x = images(256)
    noisy_bits = x * (1 + np.float32(1e-7) * np.random.default_rng(1).standard_normal(x.shape,
                                                                                  dtype=np.float32))
    assert not np.array_equal(x, noisy_bits)
    assert data_summary(noisy_bits) == data_summary(x)
    salted = x.copy()
    salted[:, :2, :2] = 1.0  # 4 pixels of 784 per image
    assert data_summary(salted) != data_summary(x)
    assert data_summary(x[::-1]) == data_summary(x)  # order does not matter: fit shuffles


def test_integer_data_are_hashed_exactly():
    labels = np.arange(100) % 10
    swapped = labels.copy()
    swapped[[0, 1]] = swapped[[1, 0]]
    assert data_summary(swapped) != data_summary(labels)
    assert data_summary(None) is None


def test_a_functional_model_built_twice_has_one_fingerprint_despite_new_layer_names():
    x = images()
    first, second = compiled(functional()), compiled(functional())
    assert first.layers[-1].name != second.layers[-1].name
    assert run_fingerprint(first, x, seed=0) == run_fingerprint(second, x, seed=0)
    assert run_fingerprint(compiled(functional(9)), x, seed=0)["model"] != run_fingerprint(
        first, x, seed=0)["model"]


def test_a_learners_train_step_counts_and_the_course_code_does_not():
    class MyAutoencoder(Autoencoder):
        def train_step(self, data):
            return super().train_step(data)

    class EditedAutoencoder(Autoencoder):
        def train_step(self, data):
            x, y = data
            return super().train_step((x * 0.5, y))

    x = images()
    course = run_fingerprint(compiled(Autoencoder(4, filters=(4, 8))), x, x, seed=0)
    mine = run_fingerprint(compiled(MyAutoencoder(4, filters=(4, 8))), x, x, seed=0)
    edited = run_fingerprint(compiled(EditedAutoencoder(4, filters=(4, 8))), x, x, seed=0)
    assert len({course["code"], mine["code"], edited["code"]}) == 3


def test_a_learners_loss_function_counts_by_its_code():
    def my_loss(y_true, y_pred):
        return keras.ops.mean(keras.ops.abs(y_true - y_pred))

    def my_other_loss(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred))

    x = images()
    one = run_fingerprint(compiled(Autoencoder(4, filters=(4, 8)), loss=my_loss), x, x, seed=0)
    two = run_fingerprint(compiled(Autoencoder(4, filters=(4, 8)), loss=my_other_loss), x, x, seed=0)
    assert one["code"] != two["code"]


def test_canonical_drops_names_and_never_holds_a_memory_address():
    value = canonical({"name": "dense_7", "units": 3, "policy": {"name": "float32"},
                       "fn": np.mean, "obj": object(), "arr": np.float32(0.5)})
    assert "name" not in value and value["policy"] == {"name": "float32"}
    assert "0x" not in repr(value)


def test_the_fingerprint_is_the_same_in_every_process():
    code = ("import numpy as np; from course_lib.fingerprint import run_fingerprint;"
            "from course_lib.models.gan import GAN;"
            "g = GAN(seed=0); g.compile();"
            "x = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32);"
            "print(run_fingerprint(g, x, seed=0, batch_size=32))")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1] for _ in range(2)}
    assert len(outputs) == 1
