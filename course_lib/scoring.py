"""The one scorer of generated digits. Every lesson and benchmark that judges a generator
measures it here, the same way: in lesson 01's CNN, against one set of real reference digits.

- Fréchet distance between Gaussians fitted to the CNN's penultimate features of the samples
  and of the reference (the formula behind FID, in a digit classifier's features), read beside
  its yardstick: what real training digits, as many as the samples, score against the same
  reference (the distance is biased upward at small sample sizes);
- precision and recall in the same features (Kynkäänniemi et al. 2019): the share of samples
  that lie among real digits (quality) and the share of real digits the samples reach
  (coverage), each against as many reference digits as there are samples;
- the share of each class the CNN predicts, its smallest and largest share;
- the share the CNN classifies with confidence ≥ 0.9, and, given a digit judge
  (`recipes.digit_judge()`), the share it accepts as digits: confident *and* as likely under
  lesson 01's Gaussian model as real digits (noise and blank images fail the second test);
- optionally, the mean pixel distance from samples to their nearest training image (a
  generator that copies its training set scores far below real unseen digits).
"""

import numpy as np

from . import metrics
from .models.classifiers import feature_model
from .validation import check_images, check_labels, check_positive_int

CONFIDENCE = 0.9
BATCH_SIZE = 1000


class ImageScorer:
    """Built once from a classifier (softmax over 10 digits, e.g.
    `recipes.reference_classifier()`) and the real reference digits; scores any set of images
    in [0, 1] against them. `train_images` serve the yardstick and the nearest-image distance,
    `judge` (e.g. `recipes.digit_judge()`) the share of images that count as digits."""

    def __init__(self, classifier, reference, train_images=None, judge=None):
        self.classifier, self.judge = classifier, judge
        self.embedder = feature_model(classifier)
        self.reference = check_images(reference, "reference")
        self.reference_features = self.features(self.reference)
        self.train_images = None if train_images is None else check_images(train_images,
                                                                            "train_images")
        self._train_features = None

    def features(self, images) -> np.ndarray:
        """The classifier's penultimate-layer features of `images`, shape (n, d)."""
        return np.asarray(self.embedder.predict(check_images(images), batch_size=BATCH_SIZE,
                                                verbose=0))

    def probabilities(self, images) -> np.ndarray:
        """The classifier's class probabilities for `images`, shape (n, 10)."""
        return np.asarray(self.classifier.predict(check_images(images), batch_size=BATCH_SIZE,
                                                  verbose=0))

    def frechet(self, images) -> float:
        """Fréchet distance between `images` and the reference digits, in the CNN's features."""
        return metrics.frechet_distance(self.features(images), self.reference_features)

    def yardstick(self, n: int, draws: int = 5, seed: int = 0) -> metrics.Yardstick:
        """The Fréchet distance of `n` real training digits drawn at random (never the
        reference), mean and spread over `draws` draws: what a perfect generator scores with
        `n` samples. Quote every `frechet(images)` beside `yardstick(len(images))`."""
        if self.train_images is None:
            raise ValueError("yardstick needs the training images: build the scorer with "
                             "train_images=...")
        if self._train_features is None:
            self._train_features = self.features(self.train_images)
        return metrics.frechet_yardstick(self._train_features, self.reference_features, n,
                                         draws=draws, seed=seed)

    def precision_recall(self, images, seed: int = 0) -> metrics.PrecisionRecall:
        """Precision and recall of `images` (k = 3) against as many reference digits, drawn
        at random with `seed` (all of them if there are fewer): equal sets, as the metric
        needs. Real training digits score what a perfect generator would."""
        return self._coverage(self.features(images), seed)

    def _coverage(self, features, seed: int = 0) -> metrics.PrecisionRecall:
        n = min(len(features), len(self.reference_features))
        rows = np.random.default_rng(seed).choice(len(self.reference_features), n, replace=False)
        return metrics.precision_recall(self.reference_features[rows], features[:n])

    def score(self, images, n_nearest: int = None) -> dict:
        """`n` (the number of images), `fd`, `precision`, `recall`, `class_shares` (an array
        of 10), `min_class_share`, `max_class_share` and `confident_share` of `images`; with
        `n_nearest`, also `nearest_train_distance`: the mean distance from the first `n_nearest`
        images to their nearest training image; with a judge, also `digit_share`: the share it
        accepts."""
        probs = self.probabilities(images)
        shares = metrics.class_histogram(probs)
        features = self.features(images)
        coverage = self._coverage(features)
        result = {"n": len(probs), "fd": metrics.frechet_distance(features, self.reference_features),
                  "precision": coverage.precision,
                  "recall": coverage.recall, "class_shares": shares,
                  "min_class_share": float(shares.min()), "max_class_share": float(shares.max()),
                  "confident_share": float(np.mean(probs.max(axis=1) >= CONFIDENCE))}
        if self.judge is not None:
            result["digit_share"] = self.judge.completeness(images)
        if n_nearest is not None:
            result["nearest_train_distance"] = self.nearest_train_distance(images, n_nearest)
        return result

    def nearest_train_distance(self, images, n: int) -> float:
        """Mean pixel distance from the first `n` images to their nearest training image."""
        return float(self.nearest_train_distances(images, n).mean())

    def nearest_train_distances(self, images, n: int) -> np.ndarray:
        """Pixel distance from each of the first `n` images to its nearest training image."""
        if self.train_images is None:
            raise ValueError("nearest_train_distance needs the training images: build the "
                             "scorer with train_images=...")
        images = check_images(images)[:check_positive_int(n, "n")]
        return metrics.nearest_images(images, self.train_images)[1]

    def requested_class_shares(self, images, requested) -> tuple:
        """For images generated on request: (share the CNN reads as the requested class,
        that share per class, an array of 10)."""
        requested = check_labels(requested, name="requested")
        got = self.probabilities(images).argmax(axis=1)
        if len(got) != len(requested):
            raise ValueError(f"{len(got)} images but {len(requested)} requested labels; "
                             f"expected one label per image")
        per_class = np.array([np.mean(got[requested == c] == c) if np.any(requested == c)
                              else np.nan for c in range(10)])
        return float(np.mean(got == requested)), per_class
