"""Each lesson records its headline figures; `make course` collects them into one table."""

import json
from pathlib import Path

from .config import build_dir, fast_mode


def record(lesson: str, figures: dict) -> dict:
    """Write `build/results/<lesson>.json` with the figures (floats) and the mode they ran in."""
    clean = {key: float(value) for key, value in figures.items()}
    payload = {"lesson": lesson, "mode": "fast" if fast_mode() else "default", "figures": clean}
    (build_dir("results") / f"{lesson}.json").write_text(json.dumps(payload, indent=1))
    return clean


def load_all() -> list:
    """All recorded lessons, sorted by name."""
    return [json.loads(p.read_text()) for p in sorted(build_dir("results").glob("*.json"))]


def write_benchmark(name: str, figures: dict) -> Path:
    """Print and write a benchmark's figures in the course's result format (one flat JSON
    object plus `mode` and `machine`). Default mode writes `benchmarks/results/<name>.json`;
    fast mode writes `build/bench/<name>.json`, so a smoke run never replaces real figures."""
    from .config import machine_label, repo_root

    payload = {key: float(value) for key, value in figures.items()}
    payload["mode"] = "fast" if fast_mode() else "default"
    payload["machine"] = machine_label()
    folder = build_dir("bench") if fast_mode() else repo_root() / "benchmarks" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    width = max(map(len, payload))
    print(f"{name} ({payload['mode']} mode, {payload['machine']})")
    for key, value in payload.items():
        print(f"  {key:<{width}}  {value:.6g}" if isinstance(value, float) else f"  {key:<{width}}  {value}")
    print(f"wrote {path}")
    return path
