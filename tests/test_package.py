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


def _public_noise_classes() -> list[type]:
    """Every public noise layer class, and `GradientNoise` (an optimizer with a strength)."""
    layers = [getattr(kn.layers, name) for name in kn.layers.__all__]
    layers = [
        cls for cls in layers if isinstance(cls, type) and issubclass(cls, kn.layers.NoiseLayer)
    ]
    return [*layers, kn.optimizers.GradientNoise]


def test_every_public_layer_takes_its_strength_first_and_the_rest_by_keyword():
    """The vocabulary rule (issue 15): a layer's only positional parameter is its primary strength
    (`strength_name`, the variable NoiseScheduler moves); a wrapper takes the wrapped layer or
    optimizer first, then the strength (the Keras wrapper convention). Everything else is
    keyword-only, so a new layer cannot break the rule unnoticed."""
    import inspect

    from keras_noise.layers.weight_noise import KernelNoiseWrapper

    positional_kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    keyword_kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD)
    classes = _public_noise_classes()
    assert len(classes) >= 20 and kn.layers.Cutout in classes
    wrappers = 0
    for cls in classes:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]  # no self
        positional = [p.name for p in parameters if p.kind in positional_kinds]
        if issubclass(cls, KernelNoiseWrapper) or cls is kn.optimizers.GradientNoise:
            wrappers += 1
            expected = [positional[0], cls.strength_name]
            assert positional[0] in ("layer", "optimizer"), cls.__name__
        else:
            expected = [cls.strength_name]
        assert positional == expected, f"{cls.__name__}: positional parameters {positional}"
        rest = parameters[len(expected) :]
        assert all(p.kind in keyword_kinds for p in rest), f"{cls.__name__}: {rest}"
    assert wrappers == 3  # WeightNoise, DropConnect, GradientNoise
