"""Importing course_lib imports TensorFlow quietly, and says what went wrong when it cannot."""

import logging
import os
import subprocess
import sys

import tensorflow as tf

import course_lib  # noqa: F401  (installs the filter on TensorFlow's logger)


def run_python(code, **env):
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**environment, **env}, timeout=300, check=False)


def test_importing_course_lib_keeps_tensorflows_start_up_log_off_stderr():
    done = run_python("import course_lib, tensorflow as tf; print(float(tf.constant(1.0) + 1))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2.0" and done.stderr == ""


def test_tensorflows_cpp_notices_are_off_unless_the_learner_sets_a_level():
    shown = "import os, course_lib; print(os.environ['TF_CPP_MIN_LOG_LEVEL'])"
    assert run_python(shown).stdout.strip() == "3"
    assert run_python(shown, TF_CPP_MIN_LOG_LEVEL="1").stdout.strip() == "1"


def test_a_failing_tensorflow_import_shows_what_it_printed(tmp_path):
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "import os\nos.write(2, b'libtensorflow: this CPU lacks AVX\\n')\n"
        "raise ImportError('no TensorFlow here')\n")
    done = run_python("import course_lib", PYTHONPATH=f"{tmp_path}{os.pathsep}"
                      f"{os.environ.get('PYTHONPATH', '')}")
    assert done.returncode != 0
    assert "this CPU lacks AVX" in done.stderr and "no TensorFlow here" in done.stderr


def test_only_the_retracing_warning_is_filtered():
    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    logger = tf.get_logger()
    logger.addHandler(handler)
    try:
        logger.warning("5 out of the last 5 calls to <function f> triggered tf.function retracing.")
        logger.warning("something else went wrong")
    finally:
        logger.removeHandler(handler)
    assert seen == ["something else went wrong"]
