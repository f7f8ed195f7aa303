import numpy as np
import pytest

from course_lib.checks import ExerciseError, compare, passed, run_learner


def test_exact_and_close_answers_pass():
    compare("ex", [1.0, 2.0], [1.0, 2.0 + 1e-7])


@pytest.mark.parametrize("actual, expected, message", [
    ([1.0, 2.0, 3.0], [1.0, 2.0], "shape \\(3,\\), expected \\(2,\\)"),
    ([-1.0, -2.0], [1.0, 2.0], "wrong sign"),
    ([2.0, 4.0], [1.0, 2.0], "constant factor of 2"),
    ([1.0, 5.0], [1.0, 2.0], "not right yet"),
    ([np.nan, 1.0], [1.0, 2.0], "NaN"),
])
def test_mismatches_are_named(actual, expected, message):
    with pytest.raises(ExerciseError, match=message):
        compare("ex", actual, expected)


def test_named_factor_points_at_the_reduction():
    with pytest.raises(ExerciseError, match="divided by the batch size \\(32\\).*sum or mean"):
        compare("ex", np.array([1.0, 2.0]) / 32, [1.0, 2.0], factors={"the batch size": 32})
    with pytest.raises(ExerciseError, match="times the batch size"):
        compare("ex", np.array([1.0, 2.0]) * 32, [1.0, 2.0], factors={"the batch size": 32})


def test_tensors_are_accepted():
    import tensorflow as tf

    compare("ex", tf.constant([1.0, 2.0]), [1.0, 2.0])


def test_run_learner_explains_stubs_and_crashes():
    def stub():
        raise NotImplementedError()

    with pytest.raises(ExerciseError, match="not done yet"):
        run_learner("ex", stub)
    with pytest.raises(ExerciseError, match="ZeroDivisionError"):
        run_learner("ex", lambda: 1 / 0)
    assert run_learner("ex", lambda a, b=0: a + b, 1, b=2) == 3


def test_exercise_error_is_an_assertion_error_for_autograders(capsys):
    assert issubclass(ExerciseError, AssertionError)
    passed("ex", 3)
    assert "✓ ex: correct on all 3 test cases" in capsys.readouterr().out


def test_name_mistake_names_the_first_mistake_the_answer_matches_and_the_truth_does_not():
    from course_lib.checks.feedback import name_mistake

    expected = np.array([1.0, 2.0])
    mistakes = {"same as the truth, never named": expected, "sign flipped": -expected,
                "doubled": 2 * expected}
    with pytest.raises(ExerciseError, match="^demo: doubled$"):
        name_mistake("demo", 2 * expected, mistakes, expected)
    name_mistake("demo", expected, mistakes, expected)  # the right answer: nothing raised
    name_mistake("demo", 3 * expected, mistakes, expected)  # an unknown mistake: left to compare
