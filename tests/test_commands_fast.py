"""Every benchmark and every tool, run end to end as a user runs it, in fast mode: small data,
seconds each, everything written to a scratch build folder. The committed benchmark results and
README figures are left untouched. A benchmark or tool that crashes anywhere (an undefined name,
a key that is not there, a changed signature) fails here."""

import hashlib
import json
import os
import subprocess
import sys

import pytest

from course_lib.config import repo_root

ROOT = repo_root()
BENCHMARKS = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py"))
COMMITTED = [ROOT / "benchmarks" / "results", ROOT / "docs" / "figures", ROOT / "notebooks"]


def fingerprint():
    """SHA-256 of every file in the committed folders a command could write to."""
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in COMMITTED for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return tmp_path_factory.mktemp("commands") / "build"


def run(build, *command, timeout=900):
    env = {**os.environ, "COURSE_FAST": "1", "COURSE_BUILD_DIR": str(build), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def benchmarks_run(build):
    """`tools/run_benchmarks.py` in fast mode: every benchmark in its own process."""
    before = fingerprint()
    done = run(build, "tools/run_benchmarks.py", timeout=1800)
    return done, before, fingerprint()


def test_every_benchmark_runs_in_fast_mode(benchmarks_run, build):
    done, _, _ = benchmarks_run
    runs = json.loads((build / "bench" / "runs.json").read_text())["benchmarks"]
    failed = {name: (build / "bench-logs" / f"{name}.log").read_text()[-2000:]
              for name, result in runs.items() if result["exit_code"] != 0}
    assert not failed, "benchmarks failed in fast mode:\n" + "\n".join(
        f"--- {name}\n{tail}" for name, tail in failed.items())
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(runs) == BENCHMARKS


@pytest.mark.parametrize("name", BENCHMARKS)
def test_each_benchmark_writes_its_fast_results_to_the_build_folder(benchmarks_run, build, name):
    payload = json.loads((build / "bench" / f"{name}.json").read_text())
    assert payload["mode"] == "fast" and payload["machine"]
    # A string names the setting a figure used, or (`cfg_w`) the settings a sweep tried.
    names = ("_run", "_sampler", "_estimate", "cfg_w")
    assert all(isinstance(v, float) or (isinstance(v, str) and k.endswith(names))
               for k, v in payload.items() if k not in ("mode", "machine"))


def test_fast_benchmarks_leave_the_committed_results_alone(benchmarks_run, build):
    _, before, after = benchmarks_run
    assert after == before
    assert "# Benchmark results" in (build / "bench" / "summary.md").read_text()


def test_generators_only_rescores_the_named_rows_and_keeps_the_others(benchmarks_run, build):
    path = build / "bench" / "generators.json"
    before = json.loads(path.read_text())
    assert before["flow_cfg_class_share"] >= 0 and before["cgan_min_requested_share"] >= 0
    done = run(build, "benchmarks/generators.py", "--only", "flow")
    assert done.returncode == 0, done.stdout + done.stderr
    after = json.loads(path.read_text())
    assert sorted(after) == sorted(before)
    assert all(after[key] == value for key, value in before.items() if not key.startswith("flow_"))
    wrong = run(build, "benchmarks/generators.py", "--only", "gan")
    assert wrong.returncode != 0 and "unknown model(s) ['gan']" in wrong.stdout + wrong.stderr


def test_make_figures_draws_the_gallery_from_the_fast_models(benchmarks_run, build, tmp_path):
    # generators.py trained lesson 06's run through its recipe, progress GIF included.
    assert (build / "checkpoints" / "fast" / "lesson06_dcgan" / "progress" / "progress.gif").exists()
    done = run(build, "tools/make_figures.py", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cgan_on_demand.png", "cycle_translation.png", "dcgan_progress.gif",
        "denoising_grid.png", "diffusion_chain.png", "flow_guidance.png",
        "generators_side_by_side.png",
        "latent_spaces.png", "reconstructions_vs_pca.png", "vae_attribute_row.png"]


def test_run_course_runs_a_lesson_and_writes_its_html(build):
    done = run(build, "tools/run_course.py", "notebooks/00_setup.ipynb")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "in fast mode" in done.stdout and "| 00_setup |" in done.stdout
    assert (build / "html" / "00_setup.html").stat().st_size > 10_000


def test_make_student_runs(tmp_path, build):
    # `tools/notebook_header.py --check` runs the same way in tests/test_notebooks.py.
    done = run(build, "tools/make_student.py", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list(tmp_path.glob("[0-9][0-9]_*.ipynb"))) == len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
