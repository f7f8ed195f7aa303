"""Train a tiny course model with `fit_resumable`; run as a subprocess by the reliability tests.

    python tests/resume_worker.py KIND WORKDIR EPOCHS OUT.json [--slow]

KIND is `vae` or `gan`. The final history is written to OUT.json. With `--slow`, every batch
after the first epoch pauses, so a test can kill the process in the middle of epoch 2.
"""

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np

from course_lib.config import seed_everything
from course_lib.models.gan import GAN
from course_lib.models.vae import VAE
from course_lib.training import fit_resumable

N_IMAGES, BATCH_SIZE, SEED = 192, 32, 3


def images():
    """Deterministic binary images with some structure (blobs), no dataset needed."""
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[:28, :28]
    centres = rng.uniform(6, 22, size=(N_IMAGES, 2, 1, 1))
    dist = (rows - centres[:, 0]) ** 2 + (cols - centres[:, 1]) ** 2
    return (dist < rng.uniform(9, 40, size=(N_IMAGES, 1, 1)))[..., None].astype(np.float32)


def model(kind):
    seed_everything(SEED)
    if kind == "vae":
        net = VAE(latent_dim=2, filters=(4, 8), seed=SEED)
        net.compile(optimizer=keras.optimizers.Adam(1e-3))
    else:
        net = GAN(noise_dim=8, seed=SEED)
        net.compile()
    return net


def train(kind, workdir, epochs, slow=False):
    net = model(kind)
    callbacks = [Pause()] if slow else []
    return fit_resumable(net, images(), epochs=epochs, workdir=workdir, batch_size=BATCH_SIZE,
                         seed=SEED, verbose=0, callbacks=callbacks)


class Pause(keras.callbacks.Callback):
    """Sleep after every batch of the second and later epochs (the kill lands there)."""

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch >= 1:
            time.sleep(0.5)


if __name__ == "__main__":
    kind, workdir, epochs, out = sys.argv[1:5]
    history = train(kind, workdir, int(epochs), slow="--slow" in sys.argv)
    with open(out, "w") as handle:
        json.dump(history, handle)
