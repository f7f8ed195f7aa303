import json

import numpy as np

from course_lib import report


def test_record_and_load_all(monkeypatch, scratch_build_dir):
    monkeypatch.setenv("COURSE_FAST", "1")
    figures = report.record("lesson09", {"accuracy": 0.5, "count": 3})
    assert figures == {"accuracy": 0.5, "count": 3.0}
    saved = json.loads((scratch_build_dir / "results" / "lesson09.json").read_text())
    assert saved == {"lesson": "lesson09", "mode": "fast", "figures": figures}
    assert report.load_all() == report.load_all("fast") == [saved]
    assert report.load_all("default") == []


def test_benchmark_in_fast_mode_never_touches_committed_results(monkeypatch, scratch_build_dir, capsys):
    monkeypatch.setenv("COURSE_FAST", "1")
    path = report.write_benchmark("demo", {"img_per_s": 1234.5, "steps": np.int64(3),
                                           "sampler": "ddim"})
    assert path == scratch_build_dir / "bench" / "demo.json"
    saved = json.loads(path.read_text())
    assert saved["img_per_s"] == 1234.5 and saved["mode"] == "fast" and saved["machine"]
    assert saved["steps"] == 3.0 and saved["sampler"] == "ddim"  # numbers as floats, names kept
    assert "img_per_s" in capsys.readouterr().out


def test_recorded_figures_show_as_one_line_and_read_as_a_dict(monkeypatch):
    from IPython.lib.pretty import pretty

    monkeypatch.setenv("COURSE_FAST", "1")
    figures = report.record("lesson09", {"a": 1, "b": 2.5})
    assert figures == {"a": 1.0, "b": 2.5} and figures["b"] == 2.5
    shown = pretty(figures)
    assert shown == repr(figures) and "\n" not in shown
    assert shown.startswith("2 figures of lesson09 recorded (fast mode) in results/lesson09.json")


def test_a_score_cache_computes_once_and_sets_aside_another_identitys_scores(
        monkeypatch, scratch_build_dir, capsys):
    monkeypatch.setenv("COURSE_FAST", "1")
    calls = []

    def compute():
        calls.append(1)
        return {"fd": 12.5}

    cache = report.ScoreCache("demo_scores", {"weights": "abc", "n": 500})
    assert cache.get("ddim_10", compute) == {"fd": 12.5}
    again = report.ScoreCache("demo_scores", {"weights": "abc", "n": 500})
    assert again.get("ddim_10", compute) == {"fd": 12.5} and len(calls) == 1
    other = report.ScoreCache("demo_scores", {"weights": "abc", "n": 1000})
    assert "scoring anew" in capsys.readouterr().out
    assert other.get("ddim_10", compute) == {"fd": 12.5} and len(calls) == 2
