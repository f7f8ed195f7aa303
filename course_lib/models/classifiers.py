"""Lesson 01's classifiers: the discriminative CNN (also the course's reference digit
classifier) and the generative `GaussianClassifier`."""

import keras
import numpy as np
from keras import layers
from scipy.special import logsumexp

from ..metrics import LOG_2PI
from ..validation import IMAGE_SHAPE, check_feature_batch, check_labels, check_positive_int


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


def feature_model(classifier: keras.Model) -> keras.Model:
    """Maps images to the classifier's `features` activations (for Fréchet distances)."""
    return keras.Model(classifier.inputs, classifier.get_layer("features").output)


MIN_PER_CLASS = 2
DEFAULT_GRIDS = {
    "diag": (1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1),
    "full": (1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3),
}


def stratified_split(labels, n_classes: int, fraction: float, seed: int):
    """Indices `(train, val)` that hold out `fraction` of each class for validation.

    Class by class (0 first), the class's indices are permuted by one
    `np.random.default_rng(seed)`; the first round(fraction · n) of them, at least 1 and at
    most n - MIN_PER_CLASS, go to validation and the rest to training."""
    n_classes = check_positive_int(n_classes, "n_classes")
    labels = check_labels(labels, n_classes, "labels")
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction!r}")
    counts = np.bincount(labels, minlength=n_classes)
    if counts.min() <= MIN_PER_CLASS:
        short = [int(c) for c in np.flatnonzero(counts <= MIN_PER_CLASS)]
        raise ValueError(f"labels: classes {short} have fewer than {MIN_PER_CLASS + 1} examples "
                         f"(counts {counts[short].tolist()}); each class needs "
                         f"{MIN_PER_CLASS} to train on and 1 to validate on")
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in range(n_classes):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_val = int(np.clip(round(fraction * len(idx)), 1, len(idx) - MIN_PER_CLASS))
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    return np.concatenate(train), np.concatenate(val)


class GaussianClassifier:
    """A generative classifier: p(y) from the class shares and p(x | y) = N(μ_y, Σ_y).

    It classifies with Bayes' rule, scores how likely an input is under the mixture
    p(x) = Σ_y p(y) p(x | y), and draws new examples from p(x | y).

    - `covariance="diag"`: one variance per feature (Gaussian naive Bayes); `reg` is a
      variance floor (smaller variances are raised to it).
    - `covariance="full"`: a full covariance matrix; `reg` is a ridge added to its diagonal.
    - `n_components=k`: the Gaussians live in the top-k PCA subspace of the training data and
      the remaining directions get one shared isotropic variance (as in probabilistic PCA), so
      the model is still a density over the whole input that can be sampled.
    - `reg=None`: the value of `reg_grid` with the best accuracy on a stratified validation
      split (`validation_fraction` of each class) is chosen, then the model is refitted on all
      the data passed to `fit`. The test set is never involved.
    """

    def __init__(self, covariance: str = "full", reg=None, n_components=None, reg_grid=None,
                 validation_fraction: float = 0.2, n_classes=None, seed: int = 0):
        if covariance not in DEFAULT_GRIDS:
            raise ValueError(f"covariance must be 'diag' or 'full', got {covariance!r}")
        if reg is not None and not (np.isfinite(reg) and reg >= 0):
            raise ValueError(f"reg must be a finite number >= 0 or None, got {reg!r}")
        if n_components is not None:
            check_positive_int(n_components, "n_components")
        if not 0 < validation_fraction < 1:
            raise ValueError(f"validation_fraction must lie in (0, 1), got {validation_fraction!r}")
        self.covariance = covariance
        self.reg = reg
        self.n_components = n_components
        self.reg_grid = tuple(reg_grid or DEFAULT_GRIDS[covariance])
        self.validation_fraction = validation_fraction
        self.n_classes = None if n_classes is None else check_positive_int(n_classes, "n_classes")
        self.seed = seed

    # ----- fitting
    def fit(self, x, y) -> "GaussianClassifier":
        """Estimate the class shares, means and (regularized) covariances from `x` and labels `y`."""
        flat, labels = self._check_training_data(x, y)
        self.feature_shape_ = np.asarray(x).shape[1:]
        self.validation_scores_ = {}
        if self.reg is None:
            train, val = self._split(labels)
            self._fit_statistics(flat[train], labels[train])
            self.validation_scores_ = self._validation_accuracies(flat[val], labels[val])
            self.reg_ = max(self.validation_scores_, key=self.validation_scores_.get)
        else:
            self.reg_ = float(self.reg)
        self._fit_statistics(flat, labels)
        self._check_spectrum()
        return self

    def _check_training_data(self, x, y):
        flat = check_feature_batch(x, "x")
        labels = check_labels(y, self.n_classes or np.iinfo(np.int64).max, "y")
        if len(labels) != len(flat):
            raise ValueError(f"x has {len(flat)} examples but y has {len(labels)} labels; "
                             f"expected one label per example")
        self.n_classes_ = self.n_classes or int(labels.max()) + 1
        counts = np.bincount(labels, minlength=self.n_classes_)
        needed = MIN_PER_CLASS + (1 if self.reg is None else 0)
        if counts.min() < needed:
            short = [int(c) for c in np.flatnonzero(counts < needed)]
            why = " (2 to fit, 1 to choose reg on; or pass reg)" if self.reg is None else ""
            raise ValueError(f"y: classes {short} have fewer than {needed} examples "
                             f"(counts {counts[short].tolist()}); each class needs at least "
                             f"{needed}{why}")
        if self.n_components is not None and self.n_components >= flat.shape[1]:
            raise ValueError(f"n_components={self.n_components} must be smaller than the "
                             f"number of features ({flat.shape[1]})")
        return flat, labels

    def _split(self, labels):
        """Stratified split: at least one validation and two training examples per class."""
        return stratified_split(labels, self.n_classes_, self.validation_fraction, self.seed)

    def _fit_statistics(self, flat, labels):
        self.log_priors_ = np.log(np.bincount(labels, minlength=self.n_classes_) / len(labels))
        self._fit_subspace(flat)
        z = self._project(flat)
        self.z_means_ = np.stack([z[labels == c].mean(0) for c in range(self.n_classes_)])
        spectra, bases = [], []
        for c in range(self.n_classes_):
            zc = z[labels == c]
            if self.covariance == "diag":
                spectra.append(zc.var(axis=0, ddof=1))
            else:
                values, vectors = np.linalg.eigh(np.cov(zc, rowvar=False).reshape(z.shape[1], -1))
                spectra.append(np.maximum(values, 0.0))
                bases.append(vectors)
        self.spectra_ = np.stack(spectra)
        self.bases_ = np.stack(bases) if bases else None

    def _fit_subspace(self, flat):
        """PCA on all training data (identity when `n_components` is None)."""
        self.center_ = flat.mean(0)
        if self.n_components is None:
            self.components_, self.residual_var_ = None, None
            return
        values, vectors = np.linalg.eigh(np.cov(flat, rowvar=False))
        order = np.argsort(values)[::-1]
        self.components_ = vectors[:, order[:self.n_components]]
        rest = np.maximum(values[order[self.n_components:]], 0.0)
        self.residual_var_ = max(float(rest.mean()), 1e-12)

    def _project(self, flat):
        return flat if self.components_ is None else (flat - self.center_) @ self.components_

    def _check_spectrum(self):
        if np.any(self._regularized(self.spectra_) <= 0):
            raise ValueError("some feature has zero variance within a class, so its density is "
                             "infinite; use reg > 0 (a variance floor or ridge)")

    def _regularized(self, spectrum, reg=None):
        reg = self.reg_ if reg is None else reg
        return np.maximum(spectrum, reg) if self.covariance == "diag" else spectrum + reg

    # ----- densities
    def _squared_coordinates(self, z, c):
        """(z - μ_c)² along the axes of class c's Gaussian (its eigenvectors for "full")."""
        centered = z - self.z_means_[c]
        if self.bases_ is not None:
            centered = centered @ self.bases_[c]
        return centered ** 2

    def _gaussian_log_density(self, squared, spectrum, reg=None):
        variances = self._regularized(spectrum, reg)
        return -0.5 * (len(variances) * LOG_2PI + np.sum(np.log(variances))
                       + squared @ (1.0 / variances))

    def _validation_accuracies(self, flat, labels):
        z = self._project(flat)
        scores = np.zeros((len(self.reg_grid), len(z), self.n_classes_))
        for c in range(self.n_classes_):
            squared = self._squared_coordinates(z, c)
            for i, reg in enumerate(self.reg_grid):
                scores[i, :, c] = self._gaussian_log_density(squared, self.spectra_[c], reg)
        scores += self.log_priors_
        return {reg: float(np.mean(scores[i].argmax(1) == labels))
                for i, reg in enumerate(self.reg_grid)}

    def class_log_likelihood(self, x) -> np.ndarray:
        """log p(x | y = c) in nats for every example and class, shape (n, n_classes)."""
        flat = self._check_input(x)
        z = self._project(flat)
        out = np.stack([self._gaussian_log_density(self._squared_coordinates(z, c), self.spectra_[c])
                        for c in range(self.n_classes_)], axis=1)
        if self.components_ is not None:
            residual = np.sum((flat - self.center_) ** 2, axis=1) - np.sum(z ** 2, axis=1)
            dims = flat.shape[1] - self.n_components
            out += (-0.5 * (dims * (LOG_2PI + np.log(self.residual_var_))
                            + np.maximum(residual, 0.0) / self.residual_var_))[:, None]
        return out

    def log_likelihood(self, x) -> np.ndarray:
        """log p(x) = log Σ_y p(y) p(x | y) in nats per example, shape (n,)."""
        return logsumexp(self.class_log_likelihood(x) + self.log_priors_, axis=1)

    def predict_proba(self, x) -> np.ndarray:
        """p(y | x) by Bayes' rule, shape (n, n_classes); rows sum to 1."""
        joint = self.class_log_likelihood(x) + self.log_priors_
        return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))

    def predict(self, x) -> np.ndarray:
        """The most probable class of each example."""
        return np.argmax(self.class_log_likelihood(x) + self.log_priors_, axis=1)

    def score(self, x, y) -> float:
        """Accuracy on examples `x` with labels `y`."""
        labels = check_labels(y, self.__dict__.get("n_classes_", 1), "y")
        predictions = self.predict(x)
        if len(labels) != len(predictions):
            raise ValueError(f"x has {len(predictions)} examples but y has {len(labels)} labels")
        return float(np.mean(predictions == labels))

    def _check_input(self, x):
        if not hasattr(self, "spectra_"):
            raise RuntimeError("this GaussianClassifier is not fitted yet; call fit(x, y) first")
        return check_feature_batch(x, "x", self.feature_shape_)

    # ----- the model's parameters in input space, and sampling
    @property
    def means_(self) -> np.ndarray:
        """Class means in input space, shape (n_classes, *feature_shape)."""
        means = self.z_means_ if self.components_ is None else \
            self.center_ + self.z_means_ @ self.components_.T
        return means.reshape(self.n_classes_, *self.feature_shape_)

    def covariance_matrix(self, label: int) -> np.ndarray:
        """The regularized covariance of class `label` in (flattened) input space, shape (d, d)."""
        c = self._check_label(label)
        variances = self._regularized(self.spectra_[c])
        sigma = np.diag(variances) if self.bases_ is None else \
            (self.bases_[c] * variances) @ self.bases_[c].T
        if self.components_ is None:
            return sigma
        w = self.components_
        return w @ sigma @ w.T + self.residual_var_ * (np.eye(len(w)) - w @ w.T)

    def sample(self, n: int, label: int, seed=None) -> np.ndarray:
        """Draw `n` examples from p(x | y = label), shape (n, *feature_shape)."""
        n = check_positive_int(n, "n")
        c = self._check_label(label)
        rng = np.random.default_rng(seed)
        variances = self._regularized(self.spectra_[c])
        z = rng.standard_normal((n, len(variances))) * np.sqrt(variances)
        if self.bases_ is not None:
            z = z @ self.bases_[c].T
        z += self.z_means_[c]
        if self.components_ is None:
            return z.reshape(n, *self.feature_shape_)
        w = self.components_
        noise = rng.standard_normal((n, len(w)))
        noise -= (noise @ w) @ w.T
        x = self.center_ + z @ w.T + np.sqrt(self.residual_var_) * noise
        return x.reshape(n, *self.feature_shape_)

    def _check_label(self, label) -> int:
        if not hasattr(self, "spectra_"):
            raise RuntimeError("this GaussianClassifier is not fitted yet; call fit(x, y) first")
        return int(check_labels([label], self.n_classes_, "label")[0])
