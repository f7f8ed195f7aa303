"""The one scorer of generated digits: each figure against what it must be on known inputs."""

import numpy as np
import pytest

from course_lib import metrics
from course_lib.config import seed_everything
from course_lib.models.classifiers import build_cnn_classifier
from course_lib.scoring import ImageScorer


def images(n, seed=0, brightness=1.0):
    return (np.random.default_rng(seed).random((n, 28, 28, 1)) * brightness).astype(np.float32)


@pytest.fixture(scope="module")
def classifier():
    seed_everything(0)
    return build_cnn_classifier()  # untrained: enough to check the bookkeeping


def test_the_reference_scores_zero_against_itself(classifier):
    reference = images(64)
    scorer = ImageScorer(classifier, reference)
    assert scorer.frechet(reference) == pytest.approx(0.0, abs=1e-6)
    assert scorer.frechet(images(64, seed=1, brightness=0.2)) > 0.0


def test_score_is_the_frechet_distance_and_the_classifiers_shares(classifier):
    reference, generated = images(40), images(30, seed=2, brightness=0.5)
    scorer = ImageScorer(classifier, reference, train_images=images(50, seed=3))
    result = scorer.score(generated, n_nearest=10)
    probs = classifier.predict(generated, verbose=0)
    expected_fd = metrics.frechet_distance(scorer.features(generated), scorer.features(reference))
    assert result["fd"] == pytest.approx(expected_fd)
    np.testing.assert_allclose(result["class_shares"], metrics.class_histogram(probs))
    assert result["min_class_share"] == result["class_shares"].min()
    assert result["max_class_share"] == result["class_shares"].max()
    assert result["confident_share"] == pytest.approx(np.mean(probs.max(axis=1) >= 0.9))
    _, distances = metrics.nearest_images(generated[:10], images(50, seed=3))
    assert result["nearest_train_distance"] == pytest.approx(distances.mean())
    assert "nearest_train_distance" not in scorer.score(generated)
    assert result["n"] == 30
    rows = np.random.default_rng(0).choice(40, 30, replace=False)
    coverage = metrics.precision_recall(scorer.features(reference)[rows], scorer.features(generated))
    assert (result["precision"], result["recall"]) == (coverage.precision, coverage.recall)


def test_precision_and_recall_of_the_reference_itself_are_one(classifier):
    reference = images(40)
    assert ImageScorer(classifier, reference).precision_recall(reference) == \
        metrics.PrecisionRecall(1.0, 1.0)


def test_the_yardstick_draws_real_training_digits_as_many_as_asked(classifier):
    reference, train = images(40), images(60, seed=3)
    scorer = ImageScorer(classifier, reference, train_images=train)
    stick = scorer.yardstick(30, draws=5, seed=1)
    expected = metrics.frechet_yardstick(scorer.features(train), scorer.reference_features, 30,
                                         draws=5, seed=1)
    assert stick == expected and (stick.n, stick.draws) == (30, 5) and stick.std > 0
    assert ImageScorer(classifier, reference, train_images=reference).yardstick(40).mean == \
        pytest.approx(0.0, abs=1e-6)


class EveryOtherJudge:
    """A stand-in digit judge: accepts the images at even positions."""

    def completeness(self, images):
        return float(np.mean(np.arange(len(images)) % 2 == 0))


def test_a_judge_adds_the_share_it_accepts_as_digits(classifier):
    scorer = ImageScorer(classifier, images(20), judge=EveryOtherJudge())
    assert scorer.score(images(9, seed=5))["digit_share"] == pytest.approx(5 / 9)
    assert "digit_share" not in ImageScorer(classifier, images(20)).score(images(9, seed=5))


def test_requested_class_shares_count_only_the_requested_class(classifier):
    scorer = ImageScorer(classifier, images(20))
    generated = images(20, seed=4)
    read = classifier.predict(generated, verbose=0).argmax(axis=1)
    overall, per_class = scorer.requested_class_shares(generated, read)
    assert overall == 1.0 and np.nansum(per_class) == len(set(read.tolist()))
    overall, _ = scorer.requested_class_shares(generated, (read + 1) % 10)
    assert overall == 0.0


def test_bad_inputs_are_named(classifier):
    scorer = ImageScorer(classifier, images(20))
    with pytest.raises(ValueError, match="uint8"):
        scorer.score((images(4) * 255).astype(np.uint8))
    with pytest.raises(ValueError, match="needs the training images"):
        scorer.nearest_train_distance(images(4), 2)
    with pytest.raises(ValueError, match="needs the training images"):
        scorer.yardstick(10)
    with pytest.raises(ValueError, match="one label per image"):
        scorer.requested_class_shares(images(4), [0, 1])
