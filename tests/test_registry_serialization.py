"""Every registered layer: get_config/from_config and `.keras` save/load round-trips."""

import numpy as np
import pytest
from registry import CASES, params

import keras_noise as kn


@params()
def test_config_round_trip(case):
    layer = case.layer(seed=3)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert config["seed"] == 3


@params()
def test_config_reports_the_current_strength(case):
    layer = case.layer()
    layer.strength.assign(0.125)
    assert layer.get_config()[layer.strength_name] == pytest.approx(0.125)


@params()
def test_keras_file_round_trip_in_safe_mode(case, tmp_path):
    import keras

    layer = case.layer(seed=5)
    model = case.model(layer)
    x = case.inputs()
    expected = model.predict(x, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    keras.tree.map_structure(  # batch cases predict a dict {"images": ..., "labels": ...}
        lambda got, want: np.testing.assert_allclose(got, want, rtol=1e-6),
        loaded.predict(x, verbose=0),
        expected,
    )
    loaded_layer = next(lyr for lyr in loaded.layers if isinstance(lyr, type(layer)))
    assert loaded_layer.get_config() == layer.get_config()


def test_every_public_layer_is_registered():
    public = {
        getattr(kn.layers, name)
        for name in kn.layers.__all__
        if isinstance(getattr(kn.layers, name), type)
        and issubclass(getattr(kn.layers, name), kn.layers.NoiseLayer)
        and getattr(kn.layers, name) not in (kn.layers.NoiseLayer, kn.layers.PipelineNoiseLayer)
        and "deprecated_alias_of" not in vars(getattr(kn.layers, name))  # e.g. Mixup -> MixUp
    }
    registered = {case.layer_cls for case in CASES}
    assert public - registered == set(), "every public layer needs a LayerCase in tests/registry.py"


@params([c for c in CASES if c.stochastic])
def test_reloaded_layer_draws_the_same_noise(case, tmp_path):
    """A seeded layer loaded from a `.keras` file draws the noise the saved layer draws."""
    import keras

    layer = case.layer(seed=5)
    model = case.model(layer)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    loaded_layer = next(lyr for lyr in loaded.layers if isinstance(lyr, type(layer)))
    x = case.inputs()
    for _ in range(2):  # the first draw, and the next one
        noisy = layer(x, training=True)
        keras.tree.map_structure(
            np.testing.assert_array_equal, loaded_layer(x, training=True), noisy
        )
        assert not np.array_equal(keras.tree.flatten(noisy)[0], keras.tree.flatten(x)[0])
