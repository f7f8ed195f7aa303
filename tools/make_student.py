"""Write student versions of the lesson notebooks with nbgrader's preprocessors, standalone.

Usage: python tools/make_student.py [--out student]
Each `notebooks/NN_*.ipynb` becomes `<out>/NN_*.ipynb` with every `### BEGIN SOLUTION` …
`### END SOLUTION` region replaced by `raise NotImplementedError()` (or a prompt in markdown),
every `### BEGIN HIDDEN TESTS` region removed and all outputs cleared; its Colab badge and setup
cell open the student copy (`student/NN_*.ipynb` in the repository). No nbgrader database or
course configuration is needed. Running it twice gives byte-identical files; a generated copy
whose lesson is gone is deleted; a hand-written notebook is never touched.
"""

import argparse
import sys
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

from course_lib import config

ROOT = config.repo_root()
GENERATED_MARK = "course_student_version"
FOLDER = "student"


def _header():
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("notebook_header", ROOT / "tools" / "notebook_header.py")
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def student_version(nb, path: Path = None):
    """Return the student version of a solution notebook; given the lesson's `path`, its badge
    and setup cell are rewritten to open the student copy."""
    resources = {"language": "python"}
    for step in (ClearSolutions(enforce_metadata=False), ClearHiddenTests(enforce_metadata=False),
                 ClearOutput()):
        nb, resources = step.preprocess(nb, resources)
    if path is not None:
        nb = _header().with_header(nb, path, FOLDER)
    nb.metadata[GENERATED_MARK] = True
    return nb


def lessons() -> list:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def main(argv) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / FOLDER)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    sources = lessons()
    names = {source.name for source in sources}
    generated = {p.name for p in args.out.glob("*.ipynb")
                 if nbformat.read(p, as_version=4).metadata.get(GENERATED_MARK)}
    for name in sorted(names - generated):
        if (args.out / name).exists():
            print(f"refusing to overwrite {args.out / name}: it is not a generated student "
                  "notebook", file=sys.stderr)
            return 1
    for name in sorted(generated - names):
        (args.out / name).unlink()
        print(f"deleted {args.out / name}: its lesson is gone")
    for source in sources:
        target = args.out / source.name
        nbformat.write(student_version(nbformat.read(source, as_version=4), source), target)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
