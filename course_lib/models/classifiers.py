"""Lesson 01's classifiers: the discriminative CNN (also the course's reference digit classifier)."""

import keras
from keras import layers

from ..config import by_mode, model_path, seed_everything
from ..validation import IMAGE_SHAPE

CNN_FILE = "cnn_classifier.keras"


def build_cnn_classifier(n_classes: int = 10) -> keras.Model:
    """A small convnet after keras.io's "Simple MNIST convnet", with a named 128-unit
    `features` layer whose activations later lessons use as an image embedding."""
    return keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(128, activation="relu", name="features"),
        layers.Dense(n_classes, activation="softmax", name="probabilities"),
    ], name="cnn_classifier")


def train_cnn_classifier(x, y, epochs: int, batch_size: int = 128, seed: int = 0,
                         verbose="auto") -> keras.Model:
    """Build, compile and fit the CNN on images in [0, 1] and integer labels."""
    seed_everything(seed)
    model = build_cnn_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=batch_size, epochs=epochs, validation_split=0.1, verbose=verbose)
    return model


def reference_classifier(verbose="auto") -> keras.Model:
    """The lesson-01 CNN saved at `build/models/cnn_classifier.keras`, trained (and saved)
    through the same builder when the file is absent. Lessons 04-06 score images with it."""
    path = model_path(CNN_FILE)
    if path.exists():
        return keras.models.load_model(path)
    from ..data import load_mnist

    (x, y), _ = load_mnist(n_train=by_mode(None, 6000))
    model = train_cnn_classifier(x, y, epochs=by_mode(12, 2), verbose=verbose)
    model.save(path)
    return model


def feature_model(classifier: keras.Model) -> keras.Model:
    """Maps images to the classifier's `features` activations (for Fréchet distances)."""
    return keras.Model(classifier.inputs, classifier.get_layer("features").output)
