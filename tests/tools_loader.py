"""Import a script from `tools/` as a module, for the tests of the maintenance scripts."""

import importlib.util
import sys

from course_lib.config import repo_root


def tool(name):
    """The module `tools/<name>.py`, freshly executed (with `tools/` importable, as when the
    script runs)."""
    folder = str(repo_root() / "tools")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, repo_root() / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
