"""Run every `benchmarks/*.py` and write `benchmarks/results/summary.md`.

Usage: python tools/run_benchmarks.py [--summary-only] [--notebook-memory] [--results DIR]
                                      [BENCHMARK ...]

Each benchmark runs in its own process; its wall time and peak resident memory (from the
`rusage` of `os.wait4`) go to `<results>/runs.json`. The summary then reads every result JSON
of the folder: per lesson the headline figures beside their published anchors, training wall
times, throughput against the plain references, the runs, notebook memory and the machine.
`--summary-only` only rebuilds summary.md from the JSON files already there.
`--notebook-memory` runs the notebooks instead of the benchmarks (in the current mode:
`COURSE_FAST=1` for the short one) and records the kernel's peak resident memory (VmHWM) in
`<results>/notebook_memory_<mode>.json`. `<results>` is `benchmarks/results/` in default mode and
`build/bench/` in fast mode (pass `--results benchmarks/results` to record fast-mode memory there); with names (`--notebook-memory 02 06`) it runs only the
notebooks whose number or name starts with one of them and keeps the others' earlier entries.
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from course_lib import config, report

ROOT = config.repo_root()
RUNS = "runs.json"
MIB = 1024 * 1024

# (result file, key, label, anchor, source): the published figures each lesson is compared with
# (papers and official tutorials only; an empty anchor where none is published).
ANCHORS = [
    ("lesson01", "cnn_test_accuracy", "CNN test accuracy", "0.9922",
     "keras.io example *Simple MNIST convnet*"),
    ("lesson01", "gaussian_diag_test_accuracy", "Gaussian naive Bayes test accuracy", "", ""),
    ("lesson01", "gaussian_full_test_accuracy", "best regularized Gaussian (QDA) test accuracy",
     "0.967 (quadratic classifier on 40 PCA components)", "LeCun et al., MNIST database table"),
    ("lesson01", "logreg_test_accuracy", "logistic regression test accuracy", "", ""),
    ("autoencoders", "pca_mse_k2", "PCA test MSE/pixel, k = 2", "", ""),
    ("autoencoders", "ae_mse_k2", "AE test MSE/pixel, k = 2", "", ""),
    ("autoencoders", "pca_mse_k16", "PCA test MSE/pixel, k = 16", "", ""),
    ("autoencoders", "ae_mse_k16", "AE test MSE/pixel, k = 16", "", ""),
    ("autoencoders", "pca_mse_k32", "PCA test MSE/pixel, k = 32", "", ""),
    ("autoencoders", "ae_mse_k32", "AE test MSE/pixel, k = 32", "≈ 0.0038 (30-d deep AE)",
     "Hinton & Salakhutdinov, Science 2006"),
    ("autoencoders", "pca_mse_k64", "PCA test MSE/pixel, k = 64", "", ""),
    ("autoencoders", "ae_mse_k64", "AE test MSE/pixel, k = 64", "", ""),
    ("autoencoders", "noisy_psnr_db", "noisy input PSNR (σ = 0.5), dB", "", ""),
    ("autoencoders", "baseline_psnr_db", "best classical filter PSNR, dB", "", ""),
    ("autoencoders", "dae_psnr_db", "denoising AE PSNR (σ = 0.5), dB", "", ""),
    ("autoencoders", "anomaly_auroc", "anomaly detection AUROC (digit 2 left out)", "", ""),
    ("autoencoders", "filled_psnr_db", "inpainting PSNR, 12×12 hole filled, dB", "", ""),
    ("autoencoders", "completeness_real", "digit judge: share of real test digits accepted", "", ""),
    ("autoencoders", "completeness_noise", "digit judge: share of uniform noise accepted", "", ""),
    ("autoencoders", "completeness_inverted", "digit judge: share of inverted digits accepted", "", ""),
    ("autoencoders", "ae_completeness", "2-D AE latent completeness (digit judge)", "", ""),
    ("vae", "iw_nll_nats", "VAE importance-weighted NLL, nats (k = 200, 2,000 test digits)",
     "86.76 (VAE, 1 stochastic layer), 82.90 (IWAE, 2 layers)",
     "Burda, Grosse & Salakhutdinov 2016, Table 1: k = 5,000, all 10,000 test digits"),
    ("vae", "vae2d_test_elbo", "2-D VAE test ELBO, nats", "≈ −156",
     "TensorFlow CVAE tutorial, latent dim 2"),
    ("dcgan", "fd_course", "course DCGAN Fréchet distance (CNN features)", "", ""),
    ("dcgan", "fd_real_yardstick", "real training digits' Fréchet distance, same sample size",
     "", ""),
    ("dcgan", "fd_reference", "TF-tutorial DCGAN Fréchet distance, same run", "", ""),
    ("dcgan", "min_class_share", "smallest class share of generated digits (0.1 if balanced)", "", ""),
    ("gan_applications", "cgan_class_accuracy", "conditional GAN: share read as the requested class",
     "", ""),
    ("gan_applications", "cgan_fd", "conditional GAN Fréchet distance", "", ""),
    ("gan_applications", "fd_real_yardstick", "real training digits' Fréchet distance, same sample size",
     "", ""),
    ("gan_applications", "dcgan_fd_same_steps", "DCGAN Fréchet distance, same generator steps", "", ""),
    ("gan_applications", "cycle_psnr_db", "CycleGAN PSNR against the true B digits, dB", "", ""),
    ("gan_applications", "identity_psnr_db", "untranslated digit PSNR against its true B, dB", "", ""),
    ("gan_applications", "cycle_class_kept", "CycleGAN: share of translations that keep their class",
     "", ""),
    ("gan_applications", "nocycle_class_kept", "without cycle loss: share that keep their class",
     "", ""),
    ("gan_applications", "detector_auroc_same", "fake detector AUROC, its own forger", "", ""),
    ("gan_applications", "detector_auroc_other", "fake detector AUROC, another forger", "", ""),
    ("diffusion", "fd_real_yardstick", "real training digits' Fréchet distance, same sample size",
     "", ""),
    ("diffusion", "fd_ddim_25", "pixel diffusion Fréchet distance, DDIM 25 steps", "", ""),
    ("diffusion", "confident_share", "pixel diffusion: share labelled with ≥ 0.9 confidence", "", ""),
    ("diffusion", "latent_fd", "latent diffusion Fréchet distance", "", ""),
    ("diffusion", "vae_prior_fd", "VAE prior draws Fréchet distance", "", ""),
    ("flow_matching", "fd_real_yardstick", "real training digits' Fréchet distance, same sample size",
     "", ""),
    ("flow_matching", "fd_heun_8", "flow matching (no labels) Fréchet distance, Heun 8 steps", "", ""),
    ("flow_matching", "fd_euler_8", "flow matching (no labels) Fréchet distance, Euler 8 steps", "", ""),
    ("flow_matching", "fd_ddpm_25", "lesson 08's diffusion Fréchet distance, DDPM 25 steps, same run",
     "", ""),
    ("flow_matching", "chosen_w", "guidance weight chosen (smallest reaching 98 % / 95 %)", "", ""),
    ("flow_matching", "cfg_class_share_1.5", "guided at w = 1.5: share read as the requested digit",
     "", ""),
    ("flow_matching", "cfg_fd_1.5", "guided at w = 1.5: Fréchet distance", "", ""),
    ("generators", "fd_real_yardstick", "closing table: real training digits' Fréchet distance",
     "", ""),
    ("generators", "vae_fd", "closing table: VAE Fréchet distance", "", ""),
    ("generators", "dcgan_fd", "closing table: DCGAN Fréchet distance", "", ""),
    ("generators", "cgan_fd", "closing table: conditional GAN Fréchet distance", "", ""),
    ("generators", "latent_diffusion_fd", "closing table: latent diffusion Fréchet distance", "", ""),
    ("generators", "diffusion_fd", "closing table: pixel diffusion Fréchet distance", "", ""),
    ("generators", "flow_fd", "closing table: flow matching (no labels) Fréchet distance", "", ""),
    ("generators", "flow_cfg_fd", "closing table: flow matching with guidance Fréchet distance",
     "", ""),
]
LESSONS = {"lesson01": "Lesson 01: discriminative vs generative classifiers",
           "autoencoders": "Lessons 02-04: autoencoders, denoising, anomalies",
           "vae": "Lesson 05: variational autoencoder", "dcgan": "Lesson 06: DCGAN",
           "gan_applications": "Lesson 07: what GANs are for",
           "diffusion": "Lesson 08: diffusion", "flow_matching": "Lesson 09: flow matching",
           "generators": "The closing table"}
THROUGHPUT_MODELS = ("autoencoder", "vae", "dcgan")


def machine() -> dict:
    """CPU model and cores, GPUs (from nvidia-smi) and the TensorFlow version, without
    importing TensorFlow."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpus = []
    if shutil.which("nvidia-smi"):
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, check=False)
        gpus = [line.split(" (UUID")[0] for line in out.stdout.splitlines() if line.strip()]
    # the distribution may be tensorflow, tensorflow-cpu, tensorflow-macos, ...
    dists = metadata.packages_distributions().get("tensorflow", [])
    tf_version = metadata.version(dists[0]) if dists else "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "gpus": gpus, "tensorflow": tf_version,
            "python": platform.python_version()}


def run_benchmark(script: Path, log_dir: Path) -> dict:
    """Run one benchmark in a subprocess; its wall time, peak RSS and exit status."""
    log = log_dir / f"{script.stem}.log"
    print(f"  {script.name} ... (log: {log})", end=" ", flush=True)
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, str(script)], stdout=out, stderr=subprocess.STDOUT,
                                cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    print(f"{seconds:.0f} s, exit {code}", flush=True)
    return {"wall_seconds": seconds, "peak_rss_mib": usage.ru_maxrss * 1024 / MIB,
            "exit_code": code}


def run_all(names, results: Path) -> list:
    """Run the named benchmarks (all by default), merge their runs into runs.json; returns
    the names of those that failed."""
    scripts = sorted((ROOT / "benchmarks").glob("*.py"))
    if names:
        known = {s.stem: s for s in scripts}
        unknown = sorted(set(names) - set(known))
        if unknown:
            raise SystemExit(f"unknown benchmark(s) {unknown}; expected some of {sorted(known)}")
        scripts = [known[n] for n in names]
    results.mkdir(parents=True, exist_ok=True)
    log_dir = config.build_dir("bench-logs")
    runs = read_json(results / RUNS) or {"benchmarks": {}}
    print(f"Running {len(scripts)} benchmarks")
    for script in scripts:
        runs["benchmarks"][script.stem] = run_benchmark(script, log_dir)
        runs["machine"] = machine()
        (results / RUNS).write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n")
    return [s.stem for s in scripts if runs["benchmarks"][s.stem]["exit_code"] != 0]


MEMORY_CELL = """\
import re as _re
print("VmHWM_kB", _re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))"""


def notebook_memory(results: Path, folder: Path = ROOT / "notebooks", only=()) -> Path:
    """Run the lesson notebooks of `folder` (those starting with a prefix in `only`, or all)
    with a last cell that prints the kernel's peak resident memory (Linux /proc); write it, in
    MiB, with each notebook's wall time, beside the entries of notebooks not rerun."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    mode = config.mode()
    target = results / f"notebook_memory_{mode}.json"
    notebooks = [p for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))
                 if not only or p.stem.startswith(tuple(only))]
    if not notebooks:
        raise SystemExit(f"--notebook-memory {' '.join(only)}: no notebook in {folder} matches")
    earlier = read_json(target) if only else None
    figures = earlier["notebooks"] if earlier and earlier["mode"] == mode else {}
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(MEMORY_CELL))
        start = time.perf_counter()
        try:
            NotebookClient(nb, timeout=3600, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        except CellExecutionError as err:
            last_line = re.sub(r"\x1b\[[0-9;]*m", "", str(err).strip().splitlines()[-1])
            figures[path.stem] = {"error": last_line[:200]}
            print(f"  {path.name}: FAILED, {figures[path.stem]['error']}", flush=True)
            continue
        text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
        figures[path.stem] = {"peak_rss_mib": int(text.split()[-1]) / 1024,
                              "wall_seconds": time.perf_counter() - start}
        print(f"  {path.name}: {figures[path.stem]['peak_rss_mib']:.0f} MiB", flush=True)
    target.write_text(json.dumps({"mode": mode, "machine": machine(), "notebooks": figures},
                                 indent=1, sort_keys=True) + "\n")
    return target


def read_json(path: Path):
    return json.loads(path.read_text()) if path.is_file() else None


def fmt(value) -> str:
    if isinstance(value, str):
        return value
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def source_of(payload: dict) -> str:
    return f"{payload.get('mode', '?')} mode, {payload.get('machine', '?')}"


def lesson_sections(results: Path) -> list:
    lines = []
    for name, title in LESSONS.items():
        payload = read_json(results / f"{name}.json")
        lines += ["", f"## {title}", ""]
        if payload is None:
            lines.append(f"Not measured yet: run `python benchmarks/{name}.py`.")
            continue
        lines += [f"`benchmarks/{name}.py` ({source_of(payload)})", "",
                  "| figure | measured | published anchor | anchor source |", "|---|---|---|---|"]
        shown = {"mode", "machine"}
        for file, key, label, anchor, source in ANCHORS:
            if file == name and key in payload:
                lines.append(f"| {label} | {fmt(payload[key])} | {anchor} | {source} |")
                shown.add(key)
        if "train_seconds" in payload:
            lines += ["", f"Training wall time: {payload['train_seconds']:.0f} s."]
            shown.add("train_seconds")
        rest = ", ".join(f"`{k}` = {fmt(v)}" for k, v in sorted(payload.items()) if k not in shown)
        if rest:
            lines += ["", f"Other figures: {rest}."]
    return lines


def throughput_section(results: Path) -> list:
    payload = read_json(results / "throughput.json")
    lines = ["", "## Training throughput against plain references", ""]
    if payload is None:
        return lines + ["Not measured yet: run `python benchmarks/throughput.py`."]
    lines += [f"`benchmarks/throughput.py` ({source_of(payload)}); images/s over "
              f"{payload.get('rounds', 0):.0f} interleaved rounds of "
              f"{payload.get('steps_per_round', 0):.0f} batches; ratio = course / reference "
              "(target ≥ 0.95). Other processes slow single rounds down: rerun "
              "`python benchmarks/throughput.py` on an idle machine before reading much into a "
              "ratio.", "",
              "| model | course img/s | reference img/s | ratio |", "|---|---|---|---|"]
    for model in THROUGHPUT_MODELS:
        keys = (f"{model}_img_per_s", f"{model}_reference_img_per_s", f"{model}_ratio")
        if all(k in payload for k in keys):
            lines.append(f"| {model} | " + " | ".join(fmt(payload[k]) for k in keys) + " |")
    variants = sorted(k for k in payload if k.endswith("_speedup") or
                      (k.endswith("_ratio") and k[:-6] not in THROUGHPUT_MODELS))
    if variants:
        lines += ["", "Variants of the course models (speedup = variant / course default img/s):",
                  ""] + [f"- `{k}` = {fmt(payload[k])}" for k in variants]
    return lines + ["", "The DCGAN reference is the TensorFlow tutorial's step: one generator pass "
                    "and simultaneous updates. The course GAN updates D, then G against the "
                    "updated D with fresh noise (keras.io's DCGAN), which costs a second "
                    "generator pass; `dcgan_alternating_ratio` compares it with that algorithm in "
                    "a bare `@tf.function` loop. `autotune` is tf.data's autotuner, which the "
                    "course's pipeline (`data.make_dataset`) leaves off."]


def runs_section(results: Path) -> list:
    runs = read_json(results / RUNS)
    lines = ["", "## Benchmark runs (wall time and peak resident memory)", ""]
    if not runs:
        return lines + ["No runs recorded: `python tools/run_benchmarks.py` records them."]
    lines += ["| benchmark | wall time | peak RSS | exit |", "|---|---|---|---|"]
    for name, run in sorted(runs["benchmarks"].items()):
        lines.append(f"| {name} | {run['wall_seconds']:.0f} s | {run['peak_rss_mib']:.0f} MiB "
                     f"| {run['exit_code']} |")
    return lines


def memory_section(results: Path) -> list:
    lines = ["", "## Notebook peak resident memory (kernel VmHWM)", ""]
    found = False
    for mode in ("default", "fast"):
        payload = read_json(results / f"notebook_memory_{mode}.json")
        if payload is None:
            lines.append(f"- {mode} mode: not measured (`tools/run_benchmarks.py "
                         f"--notebook-memory`{' with COURSE_FAST=1' if mode == 'fast' else ''}).")
            continue
        found = True
        lines += [f"- {mode} mode ({payload['machine']['cpu']}, {payload['machine']['cores']} cores):",
                  ""] + [f"  - {nb}: " + (f"FAILED ({v['error']})" if "error" in v else
                                          f"{v['peak_rss_mib']:.0f} MiB, {v['wall_seconds']:.0f} s")
                         for nb, v in sorted(payload["notebooks"].items())] + [""]
    if found:
        lines.append("Budget: under 4 GB (4096 MiB) per notebook in default mode. A wall time is "
                     "the whole notebook's; it includes training only where the notebook found "
                     "no finished checkpoint of its models (the per-lesson table of docs/timings.md says "
                     "which runs trained).")
    return lines


def scaling_section(results: Path) -> list:
    payload = read_json(results / "scaling.json")
    if payload is None:
        return ["", "## Scaling", "", "Not measured yet: run `python benchmarks/scaling.py`."]
    lines = ["", "## Scaling: autoencoder wall time vs training-set size and batch size", "",
             f"`benchmarks/scaling.py` ({source_of(payload)})", ""]
    if (results / "scaling.png").is_file():
        lines += ["![scaling](scaling.png)", ""]
    rows = sorted(k for k in payload if k.startswith("seconds_"))
    return lines + [f"- `{k}` = {fmt(payload[k])} s" for k in rows]


HISTORY = ROOT / "benchmarks" / "results" / "history.md"


def history_section() -> list:
    """The hand-written history of measured decisions (`benchmarks/results/history.md`)."""
    return ["", "## Measurement history", "", HISTORY.read_text().strip()]


def summary(results: Path, now: str = None) -> str:
    """The whole summary.md text from the JSON files in `results`."""
    runs = read_json(results / RUNS) or {}
    info = runs.get("machine") or machine()
    gpus = ", ".join(info["gpus"]) or "none"
    lines = ["# Benchmark results", "",
             f"{'Machine of the last `make bench`' if runs else 'This machine (no `make bench` run recorded)'}: "
             f"{info['cpu']}, {info['cores']} cores; GPU: {gpus}; "
             f"TensorFlow {info['tensorflow']}, Python {info['python']}.",
             "Each section names the mode and machine its file was measured on. Times measured "
             "on a shared machine are inflated by the load from other processes.",
             f"Written by `tools/run_benchmarks.py`{' on ' + now if now else ''}; every number "
             "comes from a JSON file in this folder."]
    lines += lesson_sections(results) + throughput_section(results) + scaling_section(results)
    lines += runs_section(results) + memory_section(results) + history_section()
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benchmarks", nargs="*",
                        help="benchmark names, or notebook prefixes with --notebook-memory "
                             "(default: all)")
    parser.add_argument("--summary-only", action="store_true",
                        help="only rebuild summary.md from the JSON files")
    parser.add_argument("--notebook-memory", action="store_true",
                        help="run every notebook (not the benchmarks), record its peak memory")
    parser.add_argument("--results", type=Path, default=None,
                        help="results folder (default: benchmarks/results/, or build/bench/ in "
                             "fast mode)")
    args = parser.parse_args(argv)
    args.results = args.results or report.results_dir()
    failed = []
    if args.notebook_memory:
        notebook_memory(args.results, only=args.benchmarks)
    elif not args.summary_only:
        failed = run_all(args.benchmarks, args.results)
    elif not args.results.is_dir():
        raise SystemExit(f"--results {args.results}: no such folder")
    target = args.results / "summary.md"
    target.write_text(summary(args.results, time.strftime("%Y-%m-%d")))
    print(f"wrote {target}")
    if failed:
        print(f"failed: {', '.join(failed)} (logs in {config.build_dir('bench-logs')})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
