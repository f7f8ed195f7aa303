"""Each lesson records its headline figures; `make course` collects them into one table."""

import json

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
