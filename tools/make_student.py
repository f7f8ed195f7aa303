"""Write student versions of the lesson notebooks with nbgrader's preprocessors, standalone.

Usage: python tools/make_student.py [--out student]
Each `notebooks/NN_*.ipynb` becomes `<out>/NN_*.ipynb` with every `### BEGIN SOLUTION` …
`### END SOLUTION` region replaced by `raise NotImplementedError()` (or a prompt in markdown),
every `### BEGIN HIDDEN TESTS` region removed and all outputs cleared. No nbgrader database or
course configuration is needed. Running it twice gives byte-identical files.
"""

import argparse
import sys
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

from course_lib import config

ROOT = config.repo_root()
GENERATED_MARK = "course_student_version"


def student_version(nb):
    """Return the student version of a solution notebook."""
    resources = {"language": "python"}
    for step in (ClearSolutions(enforce_metadata=False), ClearHiddenTests(enforce_metadata=False),
                 ClearOutput()):
        nb, resources = step.preprocess(nb, resources)
    nb.metadata[GENERATED_MARK] = True
    return nb


def main(argv) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "student")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        target = args.out / source.name
        if target.exists() and not nbformat.read(target, as_version=4).metadata.get(GENERATED_MARK):
            print(f"refusing to overwrite {target}: it is not a generated student notebook",
                  file=sys.stderr)
            return 1
        nb = student_version(nbformat.read(source, as_version=4))
        nbformat.write(nb, target)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
