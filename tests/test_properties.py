"""Property tests over shapes and dtypes for the input-noise layers (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_noise as kn

shapes = st.lists(st.integers(1, 7), min_size=1, max_size=4).map(tuple)
FACTORIES = {
    "jitter": lambda: kn.layers.Jitter(stddev=0.3, value_range=(0.0, 1.0), seed=0),
    "multiplicative": lambda: kn.layers.MultiplicativeNoise(stddev=0.3, value_range=(0, 1), seed=0),
    "salt_and_pepper": lambda: kn.layers.SaltAndPepper(rate=0.3, seed=0),
}


@settings(max_examples=15, deadline=None)
@given(
    shape=shapes,
    name=st.sampled_from(sorted(FACTORIES)),
    dtype=st.sampled_from(["float32", "float16"]),
)
def test_shape_dtype_range_kept_and_identity_at_inference(shape, name, dtype):
    x = np.random.default_rng(0).uniform(0, 1, shape).astype(dtype)
    layer = FACTORIES[name]()
    assert np.array_equal(np.asarray(layer(x, training=False)), x)
    y = np.asarray(layer(x, training=True))
    assert y.shape == x.shape
    assert np.all(np.isfinite(y)) and y.min() >= 0.0 and y.max() <= 1.0


@settings(max_examples=15, deadline=None)
@given(shape=shapes, low=st.integers(0, 100), width=st.integers(2, 155))
def test_integer_inputs_stay_integers_inside_the_declared_range(shape, low, width):
    # width >= 2: a range of two integers would binarise the inputs, an error by design.
    high = low + width
    x = np.random.default_rng(1).integers(low, high + 1, shape).astype("int32")
    y = np.asarray(kn.layers.Jitter(stddev=30.0, value_range=(low, high), seed=1)(x, training=True))
    assert y.dtype == np.int32 and y.min() >= low and y.max() <= high
