"""A lesson's exercises as a learner meets them: a check that fails says what is wrong and hands
back the course's reference, so the rest of the lesson still runs; the lesson's last cells list
what is done and grade each exercise (nbgrader scores those cells).

In a lesson: `exercises = Exercises(check)` with the lesson's check module, whose `REFERENCES`
maps each exercise to the course's own answer; after each exercise,
`answer = exercises.check("name", answer)`; at the end, `exercises.summary()` and one graded
cell per exercise, `exercises.require("name")`.
"""

from .feedback import ExerciseError


class Exercises:
    """The exercises of one lesson, checked by the functions of module `checks`."""

    def __init__(self, checks):
        if not getattr(checks, "REFERENCES", None):
            raise TypeError(f"{checks.__name__} has no REFERENCES: expected a dict of each "
                            f"exercise's name → the course's answer")
        self.checks = checks
        self.problems = {}  # exercise → None when it passed, else what is wrong

    def check(self, name: str, answer, *args):
        """Run the check `name` on `answer` (and any further `args` it takes): when it passes,
        return `answer`; when not, print what is wrong and return the course's reference in its
        place, saying the lesson goes on with it."""
        if name not in self.checks.REFERENCES:
            raise KeyError(f"no exercise {name!r} in {self.checks.__name__}; its exercises are "
                           f"{sorted(self.checks.REFERENCES)}")
        try:
            getattr(self.checks, name)(answer, *args)
        except ExerciseError as problem:
            self.problems[name] = str(problem)
            print(f"✗ {problem}\n→ until it passes, the lesson goes on with the course's answer "
                  f"to {name} in place of yours", flush=True)
            return self.checks.REFERENCES[name]
        self.problems[name] = None
        return answer

    def done(self) -> dict:
        """Exercise → True when its check passed (every exercise of the lesson, in order)."""
        return {name: self.problems.get(name, "not checked") is None
                for name in self.checks.REFERENCES}

    def whose(self, name: str) -> str:
        """"your" when exercise `name` passed its check, else "the course's": for the labels of
        what the lesson computes with the answer."""
        return "your" if self.problems.get(name, "") is None else "the course's"

    def summary(self) -> dict:
        """Print which exercises are done and which are not yet; return `done()`."""
        done = self.done()
        width = max(map(len, done))
        print(f"{sum(done.values())} of {len(done)} exercises done")
        for name, ok in done.items():
            print(f"  {'✓' if ok else '✗'} {name:<{width}}  {'done' if ok else 'not done yet'}")
        return done

    def require(self, name: str) -> None:
        """The graded cell of exercise `name`: raises `ExerciseError` unless its check passed."""
        if name not in self.checks.REFERENCES:
            raise KeyError(f"no exercise {name!r} in {self.checks.__name__}")
        if name not in self.problems:
            raise ExerciseError(f"{name}: not checked yet; run the exercise's check cell first")
        if self.problems[name] is not None:
            raise ExerciseError(self.problems[name])
        print(f"✓ {name}")
