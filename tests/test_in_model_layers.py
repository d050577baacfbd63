"""ActivationNoise, DropPath and MCDropout: what the noise does, the training rule, bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_noise as kn
from keras_noise.layers import _sampling_mode

N = 200_000  # entries for statistical checks: a 0.002 standard error on a fraction


# ------------------------------------------------------------------------------ ActivationNoise
def test_additive_activation_noise_statistics():
    x = np.full((N,), 3.0, "float32")
    y = np.asarray(kn.layers.ActivationNoise(stddev=0.5, seed=0)(x, training=True))
    assert abs(y.mean() - 3.0) < 6 * 0.5 / np.sqrt(N)
    assert abs(y.std() - 0.5) < 0.01


def test_multiplicative_activation_noise_statistics_and_zeros():
    x = np.full((N,), 2.0, "float32")
    layer = kn.layers.ActivationNoise(stddev=0.3, mode="multiplicative", seed=0)
    ratio = np.asarray(layer(x, training=True)) / 2.0
    assert abs(ratio.mean() - 1.0) < 6 * 0.3 / np.sqrt(N)
    assert abs(ratio.std() - 0.3) < 0.01
    zeros = np.zeros((10,), "float32")
    np.testing.assert_array_equal(np.asarray(layer(zeros, training=True)), zeros)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_activation_noise_in_half_precision_keeps_the_noise_level(policy, dtype_policy):
    dtype_policy(policy)
    layer = kn.layers.ActivationNoise(stddev=0.5, seed=0)
    dtype = keras.mixed_precision.Policy(policy).compute_dtype
    y = layer(np.zeros((N,), dtype), training=True)
    assert y.dtype == dtype
    assert abs(float(np.std(np.asarray(y, "float32"))) - 0.5) < 0.01


def test_activation_noise_bad_input():
    with pytest.raises(ValueError, match=r"Invalid value for `stddev`: expected a float >= 0"):
        kn.layers.ActivationNoise(stddev=-1.0)
    with pytest.raises(ValueError, match=r"Invalid value for `mode`: expected one of"):
        kn.layers.ActivationNoise(stddev=0.1, mode="gaussian")


# ------------------------------------------------------------------------------------ DropPath
@settings(max_examples=15, deadline=None)
@given(
    shape=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    rate=st.floats(0.05, 0.95),
    seed=st.integers(0, 2**16),
)
def test_drop_path_keeps_or_drops_whole_examples(shape, rate, seed):
    x = np.random.default_rng(seed).uniform(1.0, 2.0, size=(16, *shape)).astype("float32")
    y = np.asarray(kn.layers.DropPath(rate=rate, seed=seed)(x, training=True))
    for example, output in zip(x, y, strict=True):
        dropped = np.all(output == 0.0)
        kept = np.allclose(output, example / (1.0 - rate), rtol=1e-5)
        assert dropped or kept


def test_drop_path_drops_the_rate_of_examples_and_keeps_the_mean():
    x = np.ones((N, 2, 3), "float32")
    y = np.asarray(kn.layers.DropPath(rate=0.3, seed=1)(x, training=True))
    dropped = np.all(y == 0.0, axis=(1, 2))
    assert abs(dropped.mean() - 0.3) < 0.01
    assert abs(y.mean() - 1.0) < 0.02


def test_drop_path_in_a_residual_block_and_jit():
    inputs = keras.Input((6, 4, 3))
    branch = keras.layers.Conv2D(3, 3, padding="same")(inputs)
    outputs = keras.layers.Add()([inputs, kn.layers.DropPath(0.5, seed=0)(branch)])
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).normal(size=(32, 6, 4, 3)).astype("float32")
    np.testing.assert_allclose(model(x), x + np.asarray(model.layers[1](x)), rtol=1e-5)
    noisy = np.asarray(tf.function(lambda t: model(t, training=True), jit_compile=True)(x))
    skipped = np.all(np.isclose(noisy, x), axis=(1, 2, 3))
    assert 0 < skipped.sum() < 32


def test_drop_path_bad_input():
    with pytest.raises(ValueError, match=r"Invalid value for `rate`: expected a float in \[0, 1\)"):
        kn.layers.DropPath(rate=1.0)
    with pytest.raises(ValueError, match=r"Invalid input shape for layer 'dp'.*shape=\(\)"):
        kn.layers.DropPath(rate=0.1, name="dp")(np.float32(1.0), training=True)


# ----------------------------------------------------------------------------------- MCDropout
def test_mc_dropout_statistics():
    x = np.ones((N,), "float32")
    y = np.asarray(kn.layers.MCDropout(rate=0.25, seed=0)(x, training=True))
    assert abs((y == 0.0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(np.unique(y), [0.0, 1.0 / 0.75], rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.01


def test_mc_dropout_shared_axes_drop_whole_feature_maps():
    x = np.ones((8, 5, 7, 16), "float32")
    y = np.asarray(kn.layers.MCDropout(rate=0.5, shared_axes=(1, 2), seed=0)(x, training=True))
    per_map = y.reshape(8, 35, 16)
    np.testing.assert_array_equal(per_map, np.broadcast_to(per_map[:, :1], per_map.shape))
    assert 0.0 < (per_map[:, 0] == 0).mean() < 1.0


def test_mc_dropout_samples_in_sampling_mode_only():
    layer = kn.layers.MCDropout(rate=0.5, seed=0)
    x = np.ones((4, 64), "float32")
    assert np.array_equal(layer(x, training=False), x)
    with _sampling_mode.activate():
        assert not np.array_equal(layer(x, training=False), x)
        assert not np.array_equal(layer(x), x)
    assert np.array_equal(layer(x), x)


def test_rate_is_a_variable_in_a_compiled_function():
    layer = kn.layers.MCDropout(rate=0.0, seed=0)
    x = np.ones((1000,), "float32")
    noisy = tf.function(lambda t: layer(t, training=True), jit_compile=True)
    assert np.array_equal(noisy(x), x)
    layer.set_strength(0.5)
    assert 0.4 < float(np.mean(np.asarray(noisy(x)) == 0.0)) < 0.6


def test_mc_dropout_bad_input():
    with pytest.raises(ValueError, match=r"Invalid value for `rate`: expected a float in \[0, 1\)"):
        kn.layers.MCDropout(rate=-0.5)
    with pytest.raises(ValueError, match=r"Invalid value for `shared_axes`.*batch axis 0"):
        kn.layers.MCDropout(rate=0.5, shared_axes=(0, 1))
    with pytest.raises(ValueError, match=r"Invalid value for `shared_axes`.*rank 2"):
        kn.layers.MCDropout(rate=0.5, shared_axes=(3,))(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"Invalid value for `shared_axes`.*rank 2"):
        kn.layers.MCDropout(rate=0.5, shared_axes=(-2,))(np.ones((2, 3), "float32"))


def test_in_model_layers_opt_into_sampling_mode():
    for layer in (
        kn.layers.ActivationNoise(0.1),
        kn.layers.DropPath(0.1),
        kn.layers.MCDropout(0.1),
        kn.layers.WeightNoise(keras.layers.Dense(2), stddev=0.1),
        kn.layers.DropConnect(keras.layers.Dense(2), rate=0.1),
    ):
        assert layer.mc_sampling
    assert not kn.layers.Jitter(0.1).mc_sampling
