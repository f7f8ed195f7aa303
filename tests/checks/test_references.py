"""Every lesson's `REFERENCES`: the course's answer to each exercise passes that exercise's own
check, so the lesson that falls back on it runs on a right answer."""

import importlib

import pytest

# Lesson 07's checks train models on data they are given: tests/checks/test_lesson07.py runs
# its references through them.
LESSONS = [f"lesson{n:02d}" for n in range(1, 10) if n != 7]


def cases():
    for lesson in LESSONS:
        module = importlib.import_module(f"course_lib.checks.{lesson}")
        for name in module.REFERENCES:
            yield pytest.param(module, name, id=f"{lesson}.{name}")


@pytest.mark.parametrize("module, name", cases())
def test_each_reference_passes_its_own_check(module, name, capsys):
    getattr(module, name)(module.REFERENCES[name])
    assert "✓" in capsys.readouterr().out
