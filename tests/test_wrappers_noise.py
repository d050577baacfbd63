"""Weight-noise wrappers perturb the kernel when training: compared with the inner layer's clean
output (the input is no reference: the inner layer changes it anyway)."""

import keras
import numpy as np
from registry import CASES, params

WRAPPERS = [case for case in CASES if hasattr(case, "make_inner")]


@params(WRAPPERS)
def test_training_output_differs_from_the_inner_layers_clean_output(case):
    layer, x = case.layer(), case.inputs(batch=8)
    clean = np.asarray(layer(x, training=False))
    np.testing.assert_array_equal(clean, np.asarray(layer.layer(x)))
    noisy = np.asarray(layer(x, training=True))
    assert noisy.shape == clean.shape and not np.allclose(noisy, clean, atol=1e-4)
    model = case.model(case.layer())
    inner = model.layers[-1].layer
    assert not np.allclose(model(x, training=True), inner(x), atol=1e-4)
    np.testing.assert_array_equal(model(x, training=False), inner(x))


@params(WRAPPERS)
def test_zero_strength_gives_the_inner_layers_clean_output_when_training(case):
    layer, x = case.layer(), case.inputs(batch=8)
    layer.strength.assign(0.0)
    np.testing.assert_array_equal(layer(x, training=True), layer.layer(x))


def test_the_registry_has_both_wrappers():
    names = {case.layer_cls.__name__ for case in WRAPPERS}
    assert names == {"WeightNoise", "DropConnect"}
    assert all(isinstance(case.layer().layer, keras.layers.Layer) for case in WRAPPERS)
