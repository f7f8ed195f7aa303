"""tools/run_benchmarks.py: the summary built from result files, and the run bookkeeping."""

import json
import re
import pytest

from course_lib.config import repo_root
from tools_loader import tool

ROOT = repo_root()


@pytest.fixture(scope="module")
def bench():
    return tool("run_benchmarks")


def write(folder, name, payload):
    (folder / f"{name}.json").write_text(json.dumps(payload))


MACHINE = {"cpu": "Test CPU", "cores": 2, "gpus": [], "tensorflow": "9.9", "python": "3.11"}


@pytest.fixture
def results(tmp_path):
    write(tmp_path, "lesson01", {"cnn_test_accuracy": 0.9876, "train_seconds": 321.0,
                                 "extra_key": 0.5, "mode": "default", "machine": "Test CPU (2 cores)"})
    write(tmp_path, "throughput", {"autoencoder_img_per_s": 950.0,
                                   "autoencoder_reference_img_per_s": 1000.0,
                                   "autoencoder_ratio": 0.95, "autoencoder_xla_speedup": 0.8,
                                   "rounds": 3, "steps_per_round": 16, "mode": "default",
                                   "machine": "Test CPU (2 cores)"})
    write(tmp_path, "runs", {"machine": MACHINE, "benchmarks": {
        "lesson01": {"wall_seconds": 400.0, "peak_rss_mib": 1500.0, "exit_code": 0}}})
    write(tmp_path, "notebook_memory_fast", {"mode": "fast", "machine": MACHINE, "notebooks": {
        "01_x": {"peak_rss_mib": 812.0, "wall_seconds": 30.0}}})
    return tmp_path


def test_summary_only_writes_figures_anchors_runs_and_machine(bench, results):
    assert bench.main(["--summary-only", "--results", str(results)]) == 0
    text = (results / "summary.md").read_text()
    assert "| CNN test accuracy | 0.9876 | 0.9922 | keras.io" in text
    assert "Training wall time: 321 s." in text
    assert "`extra_key` = 0.5" in text
    assert "| autoencoder | 950 | 1000 | 0.95 |" in text
    assert "`autoencoder_xla_speedup` = 0.8" in text
    assert "| lesson01 | 400 s | 1500 MiB | 0 |" in text
    assert "01_x: 812 MiB" in text
    assert "default mode: not measured" in text
    assert "Test CPU, 2 cores; GPU: none; TensorFlow 9.9" in text
    assert "## Measurement history" in text and "DCGAN generator widths" in text


def test_missing_results_are_named_not_invented(bench, tmp_path):
    text = bench.summary(tmp_path)
    for name in ("lesson01", "autoencoders", "vae", "dcgan", "throughput", "scaling"):
        assert f"run `python benchmarks/{name}.py`" in text
    assert "No runs recorded" in text


def test_summary_only_needs_an_existing_folder(bench, tmp_path):
    with pytest.raises(SystemExit, match="no such folder"):
        bench.main(["--summary-only", "--results", str(tmp_path / "missing")])


def test_run_benchmark_records_time_memory_and_exit_code(bench, tmp_path):
    script = tmp_path / "grow.py"
    script.write_text("import sys\nblock = bytearray(200 * 1024 * 1024)\nsys.exit(3)\n")
    run = bench.run_benchmark(script, tmp_path)
    assert run["exit_code"] == 3
    assert run["peak_rss_mib"] >= 200
    assert 0 < run["wall_seconds"] < 60


def test_unknown_benchmark_is_refused(bench, tmp_path):
    with pytest.raises(SystemExit, match="unknown benchmark"):
        bench.run_all(["no_such_benchmark"], tmp_path)


def test_machine_reports_cpu_cores_and_installed_tensorflow(bench):
    info = bench.machine()
    assert info["cores"] >= 1 and info["cpu"]
    assert re.match(r"\d+\.\d+", info["tensorflow"])  # the venv has TensorFlow installed


def test_notebook_memory_reads_the_kernels_peak_rss(bench, tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("block = bytearray(300 * 1024 * 1024)")]
    nbformat.write(nb, tmp_path / "01_grow.ipynb")
    payload = json.loads(bench.notebook_memory(tmp_path, folder=tmp_path).read_text())
    assert payload["notebooks"]["01_grow"]["peak_rss_mib"] >= 300
    assert payload["mode"] in ("fast", "default")


def test_a_failing_notebook_is_recorded_as_failed(bench, tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("raise ValueError('broken lesson')")]
    nbformat.write(nb, tmp_path / "02_broken.ipynb")
    bench.notebook_memory(tmp_path, folder=tmp_path)
    text = bench.summary(tmp_path)
    assert "02_broken: FAILED" in text and "broken lesson" in text
    assert "\x1b[" not in text  # the kernel's terminal colours are stripped


def test_notebook_memory_reruns_only_the_named_notebooks(bench, tmp_path):
    import nbformat

    for name in ("01_small", "02_other"):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("x = 1")]
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
    bench.notebook_memory(tmp_path, folder=tmp_path)
    (tmp_path / "01_small.ipynb").unlink()
    payload = json.loads(bench.notebook_memory(tmp_path, folder=tmp_path, only=["02"]).read_text())
    assert set(payload["notebooks"]) == {"01_small", "02_other"}  # 01's entry is kept
    with pytest.raises(SystemExit, match="no notebook"):
        bench.notebook_memory(tmp_path, folder=tmp_path, only=["07"])
