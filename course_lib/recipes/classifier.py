"""Lesson 01's models as the later lessons use them: the CNN they score images with
(reference classifier), the trainer lesson 01 uses for its smaller CNNs, and the digit judge
(`digit_judge`: the CNN and lesson 01's Gaussian model together decide what counts as a digit)."""

import keras

from .. import saving
from ..config import by_mode, checkpoint_dir, model_path, seed_everything
from ..data import load_mnist
from ..models.classifiers import GaussianClassifier, build_cnn_classifier
from ..realism import DigitJudge, likelihood_floor
from ..training import cosine_adam, fit_optionally_resumable
from ..validation import check_images, check_labels, check_positive_int
from .runs import Trained

CNN_FILE = "cnn_classifier.keras"
CNN_RUN = "lesson01_cnn"
# Lesson 01's best generative model: a full-covariance Gaussian per class in the top-40 PCA
# subspace, with the ridge lesson 01's validation split chose (0.01; the test set played no part).
DIGIT_DENSITY = {"covariance": "full", "n_components": 40, "reg": 0.01}
# The digit judge: the CNN's confidence threshold, and the log-likelihood floor as a percentile
# of held-out training digits: the last `calibration_fraction` of the CNN's training images
# (10,000 of 60,000; fast mode 1,000 of 6,000), which the density is not fitted on.
DIGIT_JUDGE = {"confidence": 0.9, "floor_percentile": 1.0, "calibration_fraction": 1 / 6}


def train_cnn_classifier(x, y, epochs: int, batch_size: int = 128, seed: int = 0,
                         verbose="auto", workdir=None) -> Trained:
    """Build, compile and fit lesson 01's CNN on images in [0, 1] and integer labels.

    Adam's learning rate follows a cosine decay from 1e-3 to 0 over the run, which settles the
    weights for the last epochs. With `workdir` the run goes through `fit_resumable`
    (checkpointed every epoch, resumed or reloaded when called again).
    """
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


def _reference_training_digits():
    """`(x, y)`: the training digits the reference classifier is trained on."""
    return load_mnist(n_train=by_mode(None, 6000))[0]


def reference_classifier(verbose="auto") -> keras.Model:
    """The lesson-01 CNN saved at `build/models/cnn_classifier.keras`, trained (and saved)
    when the file is absent: all 60,000 training images for 12 epochs (fast mode: 6,000
    images, 2 epochs). Lessons 04-08 and the benchmarks score images with it."""
    path = model_path(CNN_FILE)
    if path.exists():
        return saving.load_course_model(path)
    x, y = _reference_training_digits()
    model = train_cnn_classifier(x, y, epochs=by_mode(12, 2), verbose=verbose,
                                 workdir=checkpoint_dir(CNN_RUN)).model
    model.save(path)
    return model


def digit_judge(verbose="auto") -> DigitJudge:
    """The course's judge of "is this a digit?": the reference classifier at least
    `DIGIT_JUDGE["confidence"]` sure of a class, and the image at least as likely under lesson
    01's Gaussian model (`DIGIT_DENSITY`, fitted on the reference classifier's training digits
    minus a held-out calibration set) as all but `floor_percentile` % of that calibration set.
    Build it once per session: it loads the CNN (training it when absent, like
    `reference_classifier`) and fits the Gaussian, a few seconds on 50,000 digits."""
    classifier = reference_classifier(verbose=verbose)
    x, y = _reference_training_digits()
    n_cal = round(DIGIT_JUDGE["calibration_fraction"] * len(x))
    density = GaussianClassifier(**DIGIT_DENSITY).fit(x[:-n_cal], y[:-n_cal])
    floor = likelihood_floor(density, x[-n_cal:], DIGIT_JUDGE["floor_percentile"])
    return DigitJudge(classifier, density, floor, confidence=DIGIT_JUDGE["confidence"])
