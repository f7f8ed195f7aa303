"""Each lesson records its headline figures; `make course` collects them into one table.
Benchmarks write their figures in the course's result format (`write_benchmark`)."""

import json
from pathlib import Path

from .config import build_dir, checkpoint_dir, fast_mode, machine_label, mode, repo_root


class RecordedFigures(dict):
    """A lesson's recorded figures (name → float). A notebook shows it as one line saying
    where they went, not as a dictionary of dozens of lines; the assertions below it read it."""

    def __init__(self, lesson: str, figures: dict):
        super().__init__(figures)
        self.lesson = lesson

    def __repr__(self):
        return (f"{len(self)} figures of {self.lesson} recorded ({mode()} mode) in "
                f"results/{self.lesson}.json of the build folder; `make course` tabulates them")

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))


def record(lesson: str, figures: dict) -> RecordedFigures:
    """Write `build/results/<lesson>.json` with the figures (floats) and the mode they ran in;
    returns them as `RecordedFigures`."""
    clean = {key: float(value) for key, value in figures.items()}
    payload = {"lesson": lesson, "mode": mode(), "figures": clean}
    (build_dir("results") / f"{lesson}.json").write_text(json.dumps(payload, indent=1))
    return RecordedFigures(lesson, clean)


def load_all(in_mode: str = None) -> list:
    """All recorded lessons, sorted by name; with `in_mode`, only those recorded in that mode."""
    payloads = [json.loads(p.read_text()) for p in sorted(build_dir("results").glob("*.json"))]
    return [p for p in payloads if in_mode is None or p.get("mode") == in_mode]


def results_dir() -> Path:
    """Where benchmark results go: `benchmarks/results/` in default mode; `build/bench/` in
    fast mode, so a smoke run never replaces real figures."""
    return build_dir("bench") if fast_mode() else repo_root() / "benchmarks" / "results"


def write_benchmark(name: str, figures: dict) -> Path:
    """Print and write a benchmark's figures in the course's result format (one flat JSON
    object plus `mode` and `machine`) to `results_dir()/<name>.json`. Figures are numbers, or
    a string naming a setting (e.g. the sampler a row used)."""
    payload = {key: value if isinstance(value, str) else float(value)
               for key, value in figures.items()}
    payload["mode"] = mode()
    payload["machine"] = machine_label()
    folder = results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    width = max(map(len, payload))
    print(f"{name} ({payload['mode']} mode, {payload['machine']})")
    for key, value in payload.items():
        print(f"  {key:<{width}}  {value:.6g}" if isinstance(value, float) else f"  {key:<{width}}  {value}")
    print(f"wrote {path}")
    return path


class ScoreCache:
    """The scores a benchmark has computed so far for one `identity` (e.g. the weights and the
    sample size), kept in the checkpoint folder `name`, so a rerun after an interruption goes
    on where it stopped. Scores of another identity are set aside, saying so, never mixed in."""

    def __init__(self, name: str, identity: dict):
        self.path = checkpoint_dir(name) / "scores.json"
        self.identity = dict(identity)
        cache = json.loads(self.path.read_text()) if self.path.exists() else None
        if cache is not None and {k: cache.get(k) for k in self.identity} != self.identity:
            print(f"{self.path} holds scores of {({k: cache.get(k) for k in self.identity})}, "
                  f"not {self.identity}: scoring anew")
            cache = None
        self.scores = (cache or {}).get("scores", {})

    def get(self, key: str, compute) -> dict:
        """The scores under `key`, computed by `compute()` (a dict of numbers) and saved when
        missing."""
        if key not in self.scores:
            self.scores[key] = compute()
            self.path.write_text(json.dumps({**self.identity, "scores": self.scores}, indent=1))
        return self.scores[key]
