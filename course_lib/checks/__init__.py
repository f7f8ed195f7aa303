"""Feedback for the exercises: one module per lesson (`from course_lib.checks import lesson05 as check`).

Each check runs the learner's function on cases with known answers and prints a pass line, or
raises `ExerciseError` saying what is wrong (shape, sign, reduction, a constant factor) without
giving the solution away.
"""

from .feedback import ExerciseError, compare, passed, run_learner

__all__ = ["ExerciseError", "compare", "passed", "run_learner"]
