"""Set up an nbgrader course folder with lessons of this course as assignments.

Usage: python tools/make_nbgrader_course.py COURSE_DIR LESSON [LESSON ...] [--timeout SECONDS]
A LESSON is its number (03) or file name (03_denoising_autoencoders.ipynb). Each becomes the
assignment `NN_name` in `COURSE_DIR/source/NN_name/`, a copy of the solution notebook whose
badge and setup cell open the student version (`student/` in the repository), so the copy that
`nbgrader generate_assignment` releases sends learners to the answer-free notebook.
`COURSE_DIR/nbgrader_config.py` is written when missing: the course folder as root, and a
per-cell timeout large enough for the lessons' training cells (`--timeout`; nbgrader's own
default, 30 s, stops them). Nothing that exists is overwritten.
Then: cd COURSE_DIR && nbgrader generate_assignment NN_name, and, after collecting submissions
in submitted/<student>/NN_name/, COURSE_FAST=1 COURSE_BUILD_DIR=<fresh folder> nbgrader autograde
NN_name (docs/instructors.md).
"""

import argparse
import sys
from pathlib import Path

import nbformat

from course_lib import config
import notebook_header

ROOT = config.repo_root()
STUDENT_FOLDER = "student"
# Default mode trains the longest cells in up to about 10 minutes on 2 cores (docs/timings.md):
# twice that leaves room on a slower grader. Fast mode needs far less.
DEFAULT_TIMEOUT = 1200

CONFIG = '''# Written by tools/make_nbgrader_course.py of Generative Deep Learning with Keras.
c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "generative-deep-learning-keras"
# Seconds one cell may run while nbgrader executes a notebook (its default, 30, stops every
# training cell). Grade in fast mode (COURSE_FAST=1) unless the grader has a GPU.
c.Execute.timeout = {timeout}
'''


def lesson_path(lesson: str) -> Path:
    """The lesson notebook a LESSON argument names (its number or its file name)."""
    matches = sorted((ROOT / "notebooks").glob(f"{lesson}*.ipynb" if lesson.isdigit() else lesson))
    if len(matches) != 1:
        known = ", ".join(p.stem for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
        raise SystemExit(f"no single lesson matches {lesson!r}; expected a number or file name "
                         f"of one of: {known}")
    return matches[0]


def assignment_source(path: Path):
    """Lesson `path` with its badge and setup cell pointing at the student copy."""
    return notebook_header.with_header(nbformat.read(path, as_version=4), path, STUDENT_FOLDER)


def write_course(course: Path, lessons: list, timeout: int) -> list:
    """Write the config (when missing) and one source assignment per lesson; return what was
    written. Raises `SystemExit` before writing anything when a source notebook exists."""
    paths = [lesson_path(lesson) for lesson in lessons]
    targets = [course / "source" / path.stem / path.name for path in paths]
    existing = [str(target) for target in targets if target.exists()]
    if existing:
        raise SystemExit(f"refusing to overwrite {', '.join(existing)}: move it away first")
    written = []
    config_path = course / "nbgrader_config.py"
    if not config_path.exists():
        course.mkdir(parents=True, exist_ok=True)
        config_path.write_text(CONFIG.format(root=str(course.resolve()), timeout=int(timeout)))
        written.append(config_path)
    for path, target in zip(paths, targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(assignment_source(path), target)
        written.append(target)
    return written


def main(argv) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", type=Path, help="the nbgrader course folder (made if missing)")
    parser.add_argument("lessons", nargs="+", help="lesson numbers (03) or file names")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                        help=f"seconds per cell when nbgrader executes (default {DEFAULT_TIMEOUT})")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error(f"--timeout must be a positive number of seconds, got {args.timeout}")
    for path in write_course(args.course, args.lessons, args.timeout):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
