import json

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
    path = report.write_benchmark("demo", {"img_per_s": 1234.5})
    assert path == scratch_build_dir / "bench" / "demo.json"
    saved = json.loads(path.read_text())
    assert saved["img_per_s"] == 1234.5 and saved["mode"] == "fast" and saved["machine"]
    assert "img_per_s" in capsys.readouterr().out
