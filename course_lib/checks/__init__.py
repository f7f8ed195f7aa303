"""Feedback for the exercises: one module per lesson (`from course_lib.checks import lesson05 as check`).

Each check runs the learner's function on cases with known answers and prints a pass line, or
raises `ExerciseError` saying what is wrong (shape, sign, reduction, a constant factor) without
giving the solution away. Each module's `REFERENCES` holds the course's own answer to each of its
exercises, which `Exercises.check` hands back in place of an answer that does not pass yet, so
the lesson still runs to its end.
"""

from .exercises import Exercises
from .feedback import ExerciseError, compare, passed, run_learner

__all__ = ["ExerciseError", "Exercises", "compare", "passed", "run_learner"]
