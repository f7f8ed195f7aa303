"""The lesson-07 checks pass a right answer and name the plausible mistakes."""

import numpy as np
import pytest

from course_lib import metrics
from course_lib.checks import ExerciseError
from course_lib.checks import lesson07 as check
from course_lib.config import seed_everything
from course_lib.models.cgan import ConditionalGAN
from course_lib.models.cyclegan import CycleGAN


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


class InkClassifier:
    """A stand-in for lesson 01's CNN: the class is the image's mean ink, in ten bins."""

    def predict(self, x, verbose=0, batch_size=None):
        bins = np.clip((np.asarray(x).mean(axis=(1, 2, 3)) * 10).astype(int), 0, 9)
        return np.eye(10)[bins]


@pytest.fixture(scope="module")
def cgans():
    seed_everything(0)
    digits, clothes = ConditionalGAN(seed=0), ConditionalGAN(seed=1)
    for model in (digits, clothes):
        model.compile()
        model.fit(images(16), np.arange(16) % 10, batch_size=16, epochs=1, verbose=0)
    return digits, clothes


def test_clothes_generator_accepts_a_trained_cgan(cgans, capsys):
    check.clothes_generator(cgans[1], cgans[0])
    assert "✓ clothes_generator" in capsys.readouterr().out


def test_clothes_generator_rejects(cgans):
    digits, clothes = cgans
    with pytest.raises(ExerciseError, match="digit generator of section 1"):
        check.clothes_generator(digits, digits)
    with pytest.raises(ExerciseError, match="not been trained"):
        untrained = ConditionalGAN(seed=2)
        untrained.compile()
        check.clothes_generator(untrained, digits)
    with pytest.raises(ExerciseError, match="not been trained"):
        check.clothes_generator(ConditionalGAN(seed=3), digits)
    with pytest.raises(ExerciseError, match="return the trained ConditionalGAN"):
        check.clothes_generator(clothes.generator, digits)


@pytest.fixture(scope="module")
def experiment():
    seed_everything(0)
    model = CycleGAN(cycle_weight=2.0, filters=4, n_res=0, seed=0)
    model.compile()
    model.fit(images(8, 1), images(8, 2), batch_size=8, epochs=1, verbose=0)
    x_a = images(12, 3)
    true_b = 0.3 * x_a  # another "style" of the same digits, far from both x_a and the outputs
    classifier = InkClassifier()
    translated = model.translate_ab(x_a)
    labels = classifier.predict(translated).argmax(1)
    labels[8:] = (labels[8:] + 1) % 10  # two thirds of the translations keep their class
    kept = float(np.mean(classifier.predict(translated).argmax(1) == labels))
    assert 0.5 < kept < 1.0
    results = {"psnr_db": metrics.psnr(true_b, translated), "class_kept": kept}
    return model, results, (x_a, true_b, labels, classifier)


def test_cycle_weight_experiment_accepts_right_measurements(experiment, capsys):
    model, results, data = experiment
    check.cycle_weight_experiment(model, results, 2.0, *data)
    assert "✓ cycle_weight_experiment" in capsys.readouterr().out


def test_cycle_weight_experiment_rejects(experiment):
    model, results, (x_a, true_b, labels, classifier) = experiment
    data = (x_a, true_b, labels, classifier)
    translated = model.translate_ab(x_a)
    wrong = [
        ({**results, "psnr_db": metrics.psnr(true_b, x_a)}, 2.0, "identity baseline"),
        ({**results, "psnr_db": metrics.psnr(x_a, translated)}, 2.0, "true B versions"),
        ({**results, "psnr_db": results["psnr_db"] + 1.0}, 2.0, "against true_b"),
        ({**results, "class_kept": 100 * results["class_kept"]}, 2.0, "not a percentage"),
        ({**results, "class_kept": 1 - results["class_kept"]}, 2.0, "changed class"),
        ({"psnr": results["psnr_db"]}, 2.0, "keys 'psnr_db' and 'class_kept'"),
        (results, 5.0, "not the 5 asked for"),
    ]
    for answer, weight, message in wrong:
        with pytest.raises(ExerciseError, match=message):
            check.cycle_weight_experiment(model, answer, weight, *data)
    lesson_weight = CycleGAN(cycle_weight=10.0, filters=4, n_res=0)
    with pytest.raises(ExerciseError, match="lesson's own weight"):
        check.cycle_weight_experiment(lesson_weight, results, 10.0, *data)
    untrained = CycleGAN(cycle_weight=2.0, filters=4, n_res=0)
    untrained.compile()
    with pytest.raises(ExerciseError, match="not been trained"):
        check.cycle_weight_experiment(untrained, results, 2.0, *data)
    with pytest.raises(ExerciseError, match="return the CycleGAN"):
        check.cycle_weight_experiment(model.g_ab, results, 2.0, *data)
