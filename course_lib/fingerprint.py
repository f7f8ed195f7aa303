"""What makes two training runs the same run: `run_fingerprint` sums up a run's data, model,
compile settings, the learner's own training code and its training settings (seed, batch
size, …) in five short hashes, which `fit_resumable` keeps with every checkpoint and compares
before it reloads one.

Floating-point data are summed up by statistics rounded to 4 significant digits rather than
hashed bit for bit, so the same data computed again on a GPU (whose sums can differ in the
last bits) still count as the same run, while a changed noise function, a different subset or
another preprocessing does not. Integer data (labels) are hashed exactly.
"""

import hashlib
import json
import types

import numpy as np
from keras.src.models.functional import Functional

PARTS = {"data": "the training data", "model": "the model", "compile": "the compile settings",
         "code": "the learner's training code", "training": "seed, batch size or shuffling"}
_DIGITS = 4  # significant digits kept of each statistic of float data
_PROJECTIONS = 8  # fixed random directions the per-feature means are projected on


def run_fingerprint(model, x, y=None, **training) -> dict:
    """`PARTS` → a 16-hex-digit hash each, for training the built and compiled `model` on
    arrays `x` (and targets `y`) with the settings `training` (seed, batch size, …)."""
    return {
        "data": _hash([data_summary(x), data_summary(y)]),
        "model": _hash(model_summary(model)),
        "compile": _hash(canonical(model.get_compile_config())),
        "code": _hash(code_summary(model)),
        "training": _hash(canonical(training)),
    }


def short(fingerprint: dict) -> str:
    """10 hex digits for the whole fingerprint (names a folder)."""
    return _hash([fingerprint[part] for part in PARTS])[:10]


def changes(old: dict, new: dict) -> str:
    """What differs between two fingerprints, in words ("the training data, the model")."""
    return ", ".join(words for part, words in PARTS.items() if old.get(part) != new.get(part))


def data_summary(array):
    """Shape, dtype and contents of an array: statistics rounded to `_DIGITS` significant
    digits for floats, the exact bytes' hash otherwise; None stays None."""
    if array is None:
        return None
    array = np.asarray(array)
    head = {"shape": list(array.shape), "dtype": str(array.dtype)}
    if not np.issubdtype(array.dtype, np.floating):
        return {**head, "sha256": hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()}
    rows = array.reshape(len(array), -1) if array.ndim else array.reshape(1, 1)
    width = rows.shape[1]
    directions = np.random.default_rng(0).standard_normal((width, _PROJECTIONS)) / np.sqrt(width)
    projected = rows @ directions.astype(rows.dtype)
    stats = [rows.mean(dtype=np.float64), rows.std(dtype=np.float64), rows.min(), rows.max(),
             rows.mean(axis=1, dtype=np.float64).std(), *projected.mean(axis=0, dtype=np.float64),
             *projected.std(axis=0, dtype=np.float64)]
    return {**head, "stats": [f"{value:.{_DIGITS}g}" for value in stats]}


def model_summary(model) -> dict:
    """The model's class and settings, every layer inside it (class and settings, names left
    out, since Keras numbers them by creation order) and the shapes of its weights."""
    layers = [layer for layer in model._flatten_layers(include_self=False)
              if not list(layer._flatten_layers(include_self=False))]
    # A functional model's own config wires its layers by their numbered names: left out, its
    # layers (in graph order) and weights describe it.
    own = None if isinstance(model, Functional) else _config_or_none(model)
    return {"class": _qualified(type(model)), "config": own,
            "layers": [[_qualified(type(layer)), _config_or_none(layer)] for layer in layers],
            "weights": [list(weight.shape) for weight in model.weights]}


def _config_or_none(layer):
    try:
        return canonical(layer.get_config())
    except NotImplementedError:  # a custom layer without a config: its class and weights count
        return None


def code_summary(model) -> list:
    """The bytecode of the methods of every class of `model` written outside the course and
    Keras (a learner's subclass with its own `train_step`), and of its loss if the learner wrote
    that: so editing one retrains, while the course's own code changing does not."""
    summary = []
    for cls in type(model).__mro__:
        if _is_learners(cls):
            for name, member in sorted(vars(cls).items()):
                if isinstance(member, types.FunctionType):
                    summary.append([_qualified(cls), name, _code_hash(member.__code__)])
    loss = getattr(model, "loss", None)
    if isinstance(loss, types.FunctionType) and _is_learners(loss):
        summary.append(["loss", _code_hash(loss.__code__)])
    return summary


def canonical(value):
    """`value` as JSON-ready data that is the same in every process: dicts sorted, "name" keys
    dropped (unless alone, as in a dtype policy), objects by their class and config, functions
    by their qualified name. Never a `repr` (it would hold a memory address)."""
    if isinstance(value, dict):
        keep_name = set(value) == {"name"}
        return {str(key): canonical(item) for key, item in sorted(value.items(), key=str)
                if key != "name" or keep_name}
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, (np.generic, np.ndarray)):
        return data_summary(np.atleast_1d(value))
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
        return _qualified(value)
    if hasattr(value, "get_config"):
        return {"class": _qualified(type(value)), "config": canonical(value.get_config())}
    return _qualified(type(value))


def _is_learners(obj) -> bool:
    module = getattr(obj, "__module__", "") or ""
    return not module.startswith(("course_lib", "keras", "tensorflow", "builtins", "abc"))


def _code_hash(code: types.CodeType) -> str:
    return _hash([code.co_code.hex(), list(code.co_names),
                  [_constant(const) for const in code.co_consts]])


def _constant(const):
    """A code object's constant, the same in every process (a frozenset's order is not)."""
    if isinstance(const, types.CodeType):
        return _code_hash(const)
    if isinstance(const, (tuple, frozenset)):
        items = [_constant(item) for item in const]
        return sorted(items, key=str) if isinstance(const, frozenset) else items
    return repr(const)


def _qualified(obj) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__name__)}"


def _hash(value) -> str:
    text = json.dumps(value, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
