"""`seed_everything(s)` and the same small training give bit-identical weights on CPU, for the
autoencoder, the VAE and the GAN; another seed gives other weights (so the check can fail)."""

import numpy as np
import pytest

from course_lib.config import seed_everything
from course_lib.models.autoencoder import Autoencoder
from course_lib.models.gan import GAN
from course_lib.models.vae import VAE

X = (np.random.default_rng(0).random((64, 28, 28, 1)) < 0.3).astype(np.float32)


def build(kind):
    if kind == "autoencoder":
        model = Autoencoder(4, filters=(4, 8))
        model.compile(optimizer="adam", loss="binary_crossentropy")
    elif kind == "vae":
        model = VAE(2, filters=(4, 8))
        model.compile(optimizer="adam")
    else:
        model = GAN(noise_dim=8)
        model.compile()
    return model


def train(kind, seed):
    """Seed, build and fit for two shuffled epochs; return every weight as numpy."""
    seed_everything(seed)
    model = build(kind)
    model.fit(X, X if kind == "autoencoder" else None, batch_size=16, epochs=2, shuffle=True,
              verbose=0)
    return [np.array(w) for w in model.weights]


@pytest.mark.parametrize("kind", ["autoencoder", "vae", "gan"])
def test_same_seed_same_weights_bit_for_bit(kind):
    first, second, other = train(kind, 7), train(kind, 7), train(kind, 8)
    assert len(first) == len(second) > 0
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other))
