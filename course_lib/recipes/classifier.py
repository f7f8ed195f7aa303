"""Lesson 01's CNN: the classifier the later lessons score images with (reference
classifier) and the trainer lesson 01 uses for its smaller CNNs."""

import keras

from .. import saving
from ..config import by_mode, checkpoint_dir, model_path, seed_everything
from ..training import cosine_adam, fit_optionally_resumable
from ..validation import check_images, check_labels, check_positive_int
from .runs import Trained

CNN_FILE = "cnn_classifier.keras"
CNN_RUN = "lesson01_cnn"


def train_cnn_classifier(x, y, epochs: int, batch_size: int = 128, seed: int = 0,
                         verbose="auto", workdir=None) -> Trained:
    """Build, compile and fit lesson 01's CNN on images in [0, 1] and integer labels.

    Adam's learning rate follows a cosine decay from 1e-3 to 0 over the run, which settles the
    weights for the last epochs. With `workdir` the run goes through `fit_resumable`
    (checkpointed every epoch, resumed or reloaded when called again).
    """
    from ..models.classifiers import build_cnn_classifier

    x = check_images(x, "x")
    y = check_labels(y, name="y")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} images but y has {len(y)} labels; expected the same")
    epochs = check_positive_int(epochs, "epochs")
    seed_everything(seed)
    model = build_cnn_classifier()
    model.compile(optimizer=cosine_adam(1e-3, epochs=epochs, n_examples=len(x), batch_size=batch_size),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = fit_optionally_resumable(model, x, y, epochs=epochs, batch_size=batch_size,
                                       seed=seed, workdir=workdir, verbose=verbose)
    return Trained(model, history)


def reference_classifier(verbose="auto") -> keras.Model:
    """The lesson-01 CNN saved at `build/models/cnn_classifier.keras`, trained (and saved)
    when the file is absent: all 60,000 training images for 12 epochs (fast mode: 6,000
    images, 2 epochs). Lessons 04-08 and the benchmarks score images with it."""
    path = model_path(CNN_FILE)
    if path.exists():
        return saving.load_course_model(path)
    from ..data import load_mnist

    (x, y), _ = load_mnist(n_train=by_mode(None, 6000))
    model = train_cnn_classifier(x, y, epochs=by_mode(12, 2), verbose=verbose,
                                 workdir=checkpoint_dir(CNN_RUN)).model
    model.save(path)
    return model
