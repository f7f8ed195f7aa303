"""The lesson-07 checks pass a right answer, name the plausible mistakes, turn an exercise not
done yet into a readable message, and the course's own answers pass them."""

import numpy as np
import pytest

from course_lib import config, metrics
from course_lib.checks import ExerciseError
from course_lib.checks import lesson07 as check
from course_lib.config import seed_everything
from course_lib.models.cgan import ConditionalGAN
from course_lib.models.cyclegan import CycleGAN


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def ink_class(x):
    """A stand-in for lesson 01's CNN: the class is the image's mean ink, in ten bins."""
    return np.clip((np.asarray(x).mean(axis=(1, 2, 3)) * 10).astype(int), 0, 9)


def not_done(*args):
    raise NotImplementedError()


def returning(answer):
    """A learner's function that returns `answer` whatever it is given."""
    return lambda *args: answer


@pytest.fixture(scope="module")
def cgans():
    seed_everything(0)
    digits, clothes = ConditionalGAN(seed=0), ConditionalGAN(seed=1)
    for model in (digits, clothes):
        model.compile()
        model.fit(images(16), np.arange(16) % 10, batch_size=16, epochs=1, verbose=0)
    return digits, clothes


CLOTHES = (images(16, 4), np.arange(16) % 10, 1)  # x, y, epochs


def test_clothes_generator_accepts_a_trained_cgan(cgans, capsys):
    check.clothes_generator(returning(cgans[1]), *CLOTHES, cgans[0])
    assert "✓ clothes_generator" in capsys.readouterr().out


def test_clothes_generator_calls_the_function_with_the_clothes(cgans):
    calls = []

    def train(x, y, epochs):
        calls.append((x, y, epochs))
        return cgans[1]

    check.clothes_generator(train, *CLOTHES, cgans[0])
    assert len(calls) == 1 and calls[0][0] is CLOTHES[0] and calls[0][2] == 1


def test_clothes_generator_rejects(cgans):
    digits, clothes = cgans
    with pytest.raises(ExerciseError, match="not done yet"):
        check.clothes_generator(not_done, *CLOTHES, digits)
    with pytest.raises(ExerciseError, match="digit generator of section 1"):
        check.clothes_generator(returning(digits), *CLOTHES, digits)
    with pytest.raises(ExerciseError, match="not been trained"):
        untrained = ConditionalGAN(seed=2)
        untrained.compile()
        check.clothes_generator(returning(untrained), *CLOTHES, digits)
    with pytest.raises(ExerciseError, match="not been trained"):
        check.clothes_generator(returning(ConditionalGAN(seed=3)), *CLOTHES, digits)
    with pytest.raises(ExerciseError, match="return the trained ConditionalGAN"):
        check.clothes_generator(returning(clothes.generator), *CLOTHES, digits)
    with pytest.raises(ExerciseError, match="raised ValueError"):
        check.clothes_generator(lambda x, y, epochs: int("seven"), *CLOTHES, digits)


def test_reference_clothes_generator_passes_its_check_and_reloads(cgans, capsys):
    model = check.REFERENCES["clothes_generator"](*CLOTHES)
    check.clothes_generator(check.REFERENCES["clothes_generator"], *CLOTHES, cgans[0])
    out = capsys.readouterr().out
    assert "✓ clothes_generator" in out and "reloaded" in out  # the check's call reloaded the run
    assert (config.checkpoint_dir("lesson07_fashion_cgan") / "state.json").exists()
    assert int(model.g_optimizer.iterations) == 1  # 16 clothes, one epoch of batch 128


@pytest.fixture(scope="module")
def experiment():
    seed_everything(0)
    model = CycleGAN(cycle_weight=2.0, filters=4, n_res=0, seed=0)
    model.compile()
    model.fit(images(8, 1), images(8, 2), batch_size=8, epochs=1, verbose=0)
    x_eval = images(12, 3)
    true_b = 0.3 * x_eval  # another "style" of the same digits, far from both x_eval and the outputs
    translated = model.translate_ab(x_eval)
    labels = ink_class(translated)
    labels[8:] = (labels[8:] + 1) % 10  # two thirds of the translations keep their class
    kept = float(np.mean(ink_class(translated) == labels))
    assert 0.5 < kept < 1.0
    results = {"psnr_db": metrics.psnr(true_b, translated), "class_kept": kept}
    return model, results, (images(8, 1), images(8, 2), x_eval, true_b, labels, ink_class)


@pytest.fixture
def finished_run(scratch_build_dir):
    """A finished run in the folder exercise 2 asks for (weight 2), as fit_resumable leaves it."""
    workdir = config.checkpoint_dir(check.CYCLE_EXERCISE_RUN.format(2.0))
    (workdir / "state.json").write_text('{"epoch": 1, "epochs": 1, "history": {}}')
    return workdir


def test_cycle_weight_experiment_accepts_right_measurements(experiment, finished_run, capsys):
    model, results, data = experiment
    check.cycle_weight_experiment(returning((model, results)), 2.0, *data)
    assert "✓ cycle_weight_experiment" in capsys.readouterr().out


def test_cycle_weight_experiment_rejects(experiment, finished_run):
    model, results, data = experiment
    x_eval, true_b = data[2], data[3]
    translated = model.translate_ab(x_eval)
    wrong = [
        ({**results, "psnr_db": metrics.psnr(true_b, x_eval)}, 2.0, "identity baseline"),
        ({**results, "psnr_db": metrics.psnr(x_eval, translated)}, 2.0, "true B versions"),
        ({**results, "psnr_db": results["psnr_db"] + 1.0}, 2.0, "against true_b"),
        ({**results, "class_kept": 100 * results["class_kept"]}, 2.0, "not a percentage"),
        ({**results, "class_kept": 1 - results["class_kept"]}, 2.0, "changed class"),
        ({"psnr": results["psnr_db"]}, 2.0, "keys 'psnr_db' and 'class_kept'"),
        (results, 5.0, "not the 5 asked for"),
    ]
    for answer, weight, message in wrong:
        with pytest.raises(ExerciseError, match=message):
            check.cycle_weight_experiment(returning((model, answer)), weight, *data)
    with pytest.raises(ExerciseError, match="not done yet"):
        check.cycle_weight_experiment(not_done, 2.0, *data)
    lesson_weight = CycleGAN(cycle_weight=10.0, filters=4, n_res=0)
    with pytest.raises(ExerciseError, match="lesson's own weight"):
        check.cycle_weight_experiment(returning((lesson_weight, results)), 10.0, *data)
    untrained = CycleGAN(cycle_weight=2.0, filters=4, n_res=0)
    untrained.compile()
    with pytest.raises(ExerciseError, match="not been trained"):
        check.cycle_weight_experiment(returning((untrained, results)), 2.0, *data)
    with pytest.raises(ExerciseError, match="return the CycleGAN"):
        check.cycle_weight_experiment(returning((model.g_ab, results)), 2.0, *data)
    with pytest.raises(ExerciseError, match="return two things"):
        check.cycle_weight_experiment(returning(model), 2.0, *data)


def test_cycle_weight_experiment_wants_the_run_in_its_folder(experiment):
    model, results, data = experiment
    with pytest.raises(ExerciseError, match="holds no finished run"):
        check.cycle_weight_experiment(returning((model, results)), 2.0, *data)


def test_reference_cycle_weight_experiment_passes_its_check_and_reloads(experiment, capsys):
    data = experiment[2]
    model, results = check.REFERENCES["cycle_weight_experiment"](3.0, *data)
    check.cycle_weight_experiment(check.REFERENCES["cycle_weight_experiment"], 3.0, *data)
    out = capsys.readouterr().out
    assert "✓ cycle_weight_experiment" in out and "reloaded" in out
    assert model.cycle_weight == 3.0 and int(model.g_optimizer.iterations) == 1
    assert set(results) == {"psnr_db", "class_kept"} and 0.0 <= results["class_kept"] <= 1.0


def test_caught_forgers_accepts_the_reference(capsys):
    check.caught_forgers(check.reference_caught_forgers)
    assert "✓ caught_forgers" in capsys.readouterr().out


def catcher(quantile=None, pooled=False, strict=False, keep_all=False, counts=False):
    """A learner's `caught_forgers` with one common mistake (np.quantile for the threshold)."""
    def caught(real_scores, forger_scores, budget, min_rate):
        found = {}
        for name, scores in forger_scores.items():
            base = np.concatenate([real_scores, scores]) if pooled else real_scores
            t = np.quantile(base, 1 - budget if quantile is None else quantile(budget))
            rate = np.sum(scores > t) if counts else float(np.mean(scores > t))
            if keep_all or (rate > min_rate if strict else rate >= min_rate):
                found[name] = rate
        return found
    return caught


def test_caught_forgers_accepts_an_interpolated_quantile(capsys):
    check.caught_forgers(catcher())
    assert "✓ caught_forgers" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (catcher(quantile=lambda b: b), "not the budget one"),
    (catcher(pooled=True), "real digits' scores alone"),
    (catcher(strict=True), "at least min_rate"),
    (catcher(keep_all=True), "slip past"),
    (catcher(counts=True), "between 0 and 1"),
    (lambda r, f, b, m: sorted(check.reference_caught_forgers(r, f, b, m)), "return a dict"),
    (lambda r, f, b, m: {"blurry": 1.0}, "expected the forgers"),
])
def test_caught_forgers_names_the_common_mistakes(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.caught_forgers(wrong)


def l1(a, b):
    from keras import ops

    return ops.mean(ops.abs(a - b))


def cycle_terms(cycle=None, identity=None, weights=lambda c, i: (c, i)):
    """A learner's `cycle_identity_losses`: the reference with one part swapped for a mistake."""
    def losses(g_ab, g_ba, a, b, fake_a, fake_b, cycle_weight, identity_weight):
        c = (cycle(g_ab, g_ba, a, b, fake_a, fake_b) if cycle
             else l1(g_ba(fake_b), a) + l1(g_ab(fake_a), b))
        i = identity(g_ab, g_ba, a, b) if identity else l1(g_ab(b), b) + l1(g_ba(a), a)
        w_cycle, w_identity = weights(cycle_weight, identity_weight)
        return w_cycle * c, w_identity * i
    return losses


def test_cycle_identity_losses_accepts_the_reference_and_trains_alike(capsys):
    check.cycle_identity_losses(check.reference_cycle_identity_losses)
    out = capsys.readouterr().out
    assert "✓ cycle_identity_losses" in out and "losses and weights agree" in out


def squared(a, b):
    from keras import ops

    return ops.mean(ops.square(a - b))


@pytest.mark.parametrize("wrong, message", [
    (not_done, "not done yet"),
    (cycle_terms(weights=lambda c, i: (i, c)), "swapped"),
    (cycle_terms(weights=lambda c, i: (1.0, 1.0)), "multiply each term by its weight"),
    (cycle_terms(weights=lambda c, i: (10.0, 5.0)), "not the lesson's 10 and 5"),
    (cycle_terms(weights=lambda c, i: (c, c / 2)), "not always half"),
    (cycle_terms(lambda g_ab, g_ba, a, b, fa, fb: squared(g_ba(fb), a) + squared(g_ab(fa), b),
                 lambda g_ab, g_ba, a, b: squared(g_ab(b), b) + squared(g_ba(a), a)), "squared"),
    (cycle_terms(lambda g_ab, g_ba, a, b, fa, fb: l1(g_ba(fb), a),
                 lambda g_ab, g_ba, a, b: l1(g_ab(b), b)), "two directions"),
    (cycle_terms(lambda g_ab, g_ba, a, b, fa, fb: l1(fb, a) + l1(fa, b)), "round trip"),
    (cycle_terms(identity=lambda g_ab, g_ba, a, b: l1(g_ba(b), b) + l1(g_ab(a), a)),
     "target\\* domain"),
    (lambda *args: tuple(784 * 6 * t for t in check.reference_cycle_identity_losses(*args)),
     "pixels in the batch"),
    (lambda *args: sum(check.reference_cycle_identity_losses(*args)), "return two numbers"),
    (lambda g_ab, g_ba, a, b, fa, fb, c, i: (c * np.abs(g_ba(fb) - a).mean(axis=(1, 2, 3)), i),
     "one number"),
    (returning((0.5, 0.25)), "not right yet"),
])
def test_cycle_identity_losses_names_the_common_mistakes(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.cycle_identity_losses(wrong)


def test_cycle_identity_losses_needs_the_gradient_to_flow():
    def with_numpy(*args):
        return tuple(float(np.asarray(t)) for t in check.reference_cycle_identity_losses(*args))

    with pytest.raises(ExerciseError, match="no gradient flows"):
        check.cycle_identity_losses(with_numpy)


def test_the_reference_terms_are_the_cyclegans():
    seed_everything(0)
    model = CycleGAN(seed=0, filters=8, n_res=1)
    a, b = images(4, seed=1), images(4, seed=2)
    reference = model.translator_losses(a, b)
    cycle, identity = check.reference_cycle_identity_losses(
        model.g_ab, model.g_ba, a, b, reference["fake_a"], reference["fake_b"],
        model.cycle_weight, model.identity_weight)
    np.testing.assert_allclose(float(cycle), model.cycle_weight * float(reference["cycle_loss"]),
                               rtol=1e-5)
    np.testing.assert_allclose(float(identity),
                               model.identity_weight * float(reference["identity_loss"]), rtol=1e-5)
