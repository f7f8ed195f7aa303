from types import ModuleType

import pytest

from course_lib.checks import Exercises, ExerciseError
from course_lib.checks.feedback import run_learner


def lesson():
    """A lesson's check module with one exercise: a function that doubles its input."""
    module = ModuleType("course_lib.checks.lesson99")

    def double(fn):
        if run_learner("double", fn, 3) != 6:
            raise ExerciseError("double: 3 should give 6")
        print("✓ double")

    module.double = double
    module.REFERENCES = {"double": lambda x: 2 * x}
    return module


def stub(x):
    raise NotImplementedError()


def test_a_passing_answer_is_kept_and_graded_done(capsys):
    exercises = Exercises(lesson())
    answer = lambda x: x + x  # noqa: E731
    assert exercises.check("double", answer) is answer
    exercises.require("double")
    assert exercises.done() == {"double": True} and exercises.whose("double") == "your"


def test_an_unanswered_exercise_is_replaced_by_the_reference_and_fails_its_grade(capsys):
    module = lesson()
    exercises = Exercises(module)
    assert exercises.check("double", stub) is module.REFERENCES["double"]
    out = capsys.readouterr().out
    assert "✗ double: not done yet" in out and "course's answer to double" in out
    assert exercises.whose("double") == "the course's"
    assert exercises.summary() == {"double": False}
    assert "0 of 1 exercises done" in capsys.readouterr().out
    with pytest.raises(ExerciseError, match="not done yet"):
        exercises.require("double")


def test_a_wrong_answer_keeps_its_message_for_the_grade(capsys):
    exercises = Exercises(lesson())
    exercises.check("double", lambda x: x)
    with pytest.raises(ExerciseError, match="3 should give 6"):
        exercises.require("double")


def test_an_exercise_never_checked_is_not_done_and_unknown_names_are_refused():
    exercises = Exercises(lesson())
    assert exercises.done() == {"double": False}
    with pytest.raises(ExerciseError, match="run the exercise's check cell first"):
        exercises.require("double")
    with pytest.raises(KeyError, match="its exercises are \\['double'\\]"):
        exercises.check("triple", stub)


def test_a_check_module_without_references_is_refused():
    with pytest.raises(TypeError, match="has no REFERENCES"):
        Exercises(ModuleType("course_lib.checks.lesson98"))
