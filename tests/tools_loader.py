"""Import a script from `tools/` as a module, for the tests of the maintenance scripts."""

import importlib.util

from course_lib.config import repo_root


def tool(name):
    """The module `tools/<name>.py`, freshly executed."""
    spec = importlib.util.spec_from_file_location(name, repo_root() / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
