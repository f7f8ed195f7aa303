"""The shared machinery of the exercise checks: calling the learner's code and explaining a mismatch."""

import numpy as np


class ExerciseError(AssertionError):
    """The learner's answer is not right yet; the message says what to look at."""


class NotDoneYet(ExerciseError):
    """The learner's code still raises `NotImplementedError`: the exercise is not done yet."""


def run_learner(exercise: str, fn, *args, **kwargs):
    """Call the learner's `fn`; turn an unfinished stub or a crash into a readable message."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotDoneYet(f"{exercise}: not done yet, replace `raise NotImplementedError()` "
                            f"with your code") from None
    except ExerciseError:
        raise
    except Exception as err:
        raise ExerciseError(f"{exercise}: your code raised {type(err).__name__}: {err}") from err


def name_mistake(exercise: str, actual, mistakes: dict, expected) -> None:
    """Raise `ExerciseError` with the hint of the first plausible mistake (hint → what that
    mistake returns) that `actual` matches and the right answer `expected` does not."""
    actual = np.asarray(actual, np.float64)
    for hint, wrong in mistakes.items():
        wrong = np.asarray(wrong, np.float64)
        if (wrong.shape == actual.shape and np.allclose(actual, wrong, rtol=1e-4, atol=1e-5)
                and not np.allclose(wrong, expected, rtol=1e-4, atol=1e-5)):
            raise ExerciseError(f"{exercise}: {hint}")


def compare(exercise: str, actual, expected, what: str = "result", rtol: float = 1e-4,
            atol: float = 1e-5, factors: dict = None) -> None:
    """Raise `ExerciseError` unless `actual` matches `expected`, naming the likely mistake.

    `factors` maps a name to a number the answer may be off by (e.g. {"the batch size": 32}),
    so a sum-instead-of-mean mistake is called by its name.
    """
    actual = as_array(actual)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise ExerciseError(f"{exercise}: {what} has shape {actual.shape}, expected {expected.shape}")
    if not np.all(np.isfinite(actual)):
        raise ExerciseError(f"{exercise}: {what} contains NaN or infinite values")
    if np.allclose(actual, expected, rtol=rtol, atol=atol):
        return
    if np.any(expected != 0) and np.allclose(actual, -expected, rtol=rtol, atol=atol):
        raise ExerciseError(f"{exercise}: {what} has the wrong sign")
    ratio = _constant_ratio(actual, expected, rtol)
    if ratio is not None:
        for name, factor in (factors or {}).items():
            for r, word in ((factor, "times"), (1.0 / factor, "divided by")):
                if np.isclose(ratio, r, rtol=1e-3):
                    raise ExerciseError(f"{exercise}: {what} is {word} {name} ({factor:g}) away "
                                        f"from the right answer: check how you reduce (sum or mean)")
        if actual.size > 1:
            raise ExerciseError(f"{exercise}: {what} is off by a constant factor of {ratio:.4g}")
    error = np.max(np.abs(actual - expected))
    raise ExerciseError(f"{exercise}: {what} is not right yet (largest difference {error:.3g} "
                        f"on a case with a known answer)")


def passed(exercise: str, n_cases: int) -> None:
    """Print the pass line of a check."""
    print(f"✓ {exercise}: correct on all {n_cases} test cases")


def as_array(value) -> np.ndarray:
    """The learner's result (a NumPy array, a tensor or a number) as float64."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value, dtype=np.float64)


def _constant_ratio(actual, expected, rtol):
    mask = np.abs(expected) > 1e-8
    if not mask.any() or np.any(np.abs(actual[~mask]) > 1e-6):
        return None
    ratios = actual[mask] / expected[mask]
    if np.allclose(ratios, ratios.flat[0], rtol=max(rtol, 1e-3)):
        return float(ratios.flat[0])
    return None
