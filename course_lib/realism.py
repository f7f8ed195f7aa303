"""Whether an image counts as a digit: lesson 01's two models judge together.

A classifier alone is a poor judge: lesson 01's CNN is confident on much of uniform noise,
because its softmax must pick some class. A density alone is a poor judge too: a Gaussian
fitted to digits rates a blank or a blurred image *more* likely than any real digit. So an
image counts as a digit when both agree: the CNN names a class with confidence at least
`confidence`, and the image's log-likelihood under the generative model is at least `floor`,
a low percentile of the log-likelihoods of real digits the density was not fitted on.
`recipes.digit_judge()` builds the course's judge with lesson 01's models."""

import numpy as np

from .validation import check_images


class DigitJudge:
    """Accepts an image when `classifier` (softmax outputs) is at least `confidence` sure of
    some class and `density.log_likelihood` of it is at least `floor` (nats)."""

    def __init__(self, classifier, density, floor: float, confidence: float = 0.9,
                 batch_size: int = 512):
        if not np.isfinite(floor):
            raise ValueError(f"floor must be a finite log-likelihood in nats, got {floor!r}")
        if not 0.0 < confidence <= 1.0:
            raise ValueError(f"confidence must lie in (0, 1], got {confidence!r}")
        self.classifier, self.density = classifier, density
        self.floor, self.confidence_threshold = float(floor), float(confidence)
        self.batch_size = batch_size

    def confidence(self, images) -> np.ndarray:
        """The classifier's top probability for each image, shape (n,)."""
        images = check_images(images, "images")
        probs = self.classifier.predict(images, batch_size=self.batch_size, verbose=0)
        return np.asarray(probs).max(axis=1)

    def log_likelihood(self, images) -> np.ndarray:
        """log p(x) of each image under the density, in nats, shape (n,)."""
        return np.asarray(self.density.log_likelihood(check_images(images, "images")))

    def accepts(self, images) -> np.ndarray:
        """Per image: True when it counts as a digit (confident and likely enough)."""
        images = check_images(images, "images")
        return (self.confidence(images) >= self.confidence_threshold) & \
            (self.log_likelihood(images) >= self.floor)

    def completeness(self, images) -> float:
        """The share of `images` accepted as digits."""
        return float(np.mean(self.accepts(images)))


def likelihood_floor(density, images, percentile: float) -> float:
    """The `percentile` (0-100) of the log-likelihoods of real `images` under `density`: the
    floor below which only that share of real digits falls."""
    if not 0.0 <= percentile <= 100.0:
        raise ValueError(f"percentile must lie in [0, 100], got {percentile!r}")
    return float(np.percentile(density.log_likelihood(check_images(images, "images")), percentile))
