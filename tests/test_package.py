"""The package's import contract and top-level API."""

import subprocess
import sys

import keras_noise as kn


def _run(code: str, **env) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
        timeout=120,
    )


def test_import_without_tensorflow_says_what_to_install():
    result = _run("import sys; sys.modules['tensorflow'] = None; import keras_noise")
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert 'pip install "keras-noise[tensorflow-cpu]"' in result.stderr


def test_import_with_another_keras_backend_says_what_to_set():
    result = _run("import keras_noise", KERAS_BACKEND="jax")
    assert result.returncode != 0
    assert "RuntimeError" in result.stderr and "KERAS_BACKEND=tensorflow" in result.stderr


def test_version_and_explicit_exports():
    assert kn.__version__.count(".") == 2
    for module in (kn, kn.layers, kn.ops):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.__all__ lists missing {name}"
