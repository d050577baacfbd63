"""WeightNoise and DropConnect: clean kernel at inference, noisy kernel in training, gradients,
expected value, supported layer kinds, weights and serialization, bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_noise as kn
from keras_noise.layers import _sampling_mode

WRAPPERS = {
    "weight_noise": lambda layer, **kw: kn.layers.WeightNoise(layer, stddev=0.3, **kw),
    "weight_noise_kernel": lambda layer, **kw: kn.layers.WeightNoise(
        layer, stddev=0.3, relative_to="kernel", **kw
    ),
    "weight_noise_weight": lambda layer, **kw: kn.layers.WeightNoise(
        layer, stddev=0.3, relative_to="weight", **kw
    ),
    "drop_connect": lambda layer, **kw: kn.layers.DropConnect(layer, rate=0.4, **kw),
    "drop_connect_bias": lambda layer, **kw: kn.layers.DropConnect(
        layer, rate=0.4, drop_bias=True, **kw
    ),
}

# Layer kinds with a kernel, and an input shape each (non-square images).
INNER = {
    "dense": (lambda: keras.layers.Dense(4, bias_initializer="ones"), (3, 5)),
    "conv1d": (lambda: keras.layers.Conv1D(3, 3), (2, 9, 4)),
    "conv2d": (lambda: keras.layers.Conv2D(3, 3, padding="same"), (2, 7, 5, 2)),
    "conv3d": (lambda: keras.layers.Conv3D(2, 2), (2, 4, 5, 3, 2)),
    "conv2d_transpose": (lambda: keras.layers.Conv2DTranspose(2, 3), (2, 4, 6, 3)),
    "depthwise_conv2d": (lambda: keras.layers.DepthwiseConv2D(3), (2, 6, 8, 3)),
    "separable_conv2d": (lambda: keras.layers.SeparableConv2D(3, 3), (2, 6, 8, 3)),
    "einsum_dense": (
        lambda: keras.layers.EinsumDense("btf,fo->bto", output_shape=(None, 4), bias_axes="o"),
        (2, 3, 5),
    ),
    "lstm": (lambda: keras.layers.LSTM(3), (2, 4, 5)),
}


def _x(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("inner_name", sorted(INNER))
@pytest.mark.parametrize("wrapper_name", ["weight_noise", "drop_connect"])
def test_clean_kernel_at_inference_noisy_in_training(inner_name, wrapper_name):
    make_inner, shape = INNER[inner_name]
    inner = make_inner()
    wrapper = WRAPPERS[wrapper_name](inner, seed=0)
    x = _x(shape)
    clean = np.asarray(wrapper(x, training=False))
    np.testing.assert_array_equal(clean, np.asarray(inner(x)))
    np.testing.assert_array_equal(np.asarray(wrapper(x)), clean)
    first, second = np.asarray(wrapper(x, training=True)), np.asarray(wrapper(x, training=True))
    assert first.shape == clean.shape
    assert not np.allclose(first, clean) and not np.allclose(first, second)
    np.testing.assert_array_equal(np.asarray(wrapper(x, training=False)), clean)


@pytest.mark.parametrize("wrapper_name", sorted(WRAPPERS))
def test_variables_are_never_changed_by_the_noise(wrapper_name):
    inner = keras.layers.Dense(4)
    wrapper = WRAPPERS[wrapper_name](inner, seed=1)
    x = _x((6, 5))
    wrapper(x)
    before = [v.numpy().copy() for v in inner.weights]
    tf.function(lambda t: wrapper(t, training=True))(x)
    wrapper(x, training=True)
    for value, variable in zip(before, inner.weights, strict=True):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_fit_with_zero_learning_rate_leaves_the_kernel_clean():
    dense = keras.layers.Dense(3)
    model = keras.Sequential([keras.Input((5,)), kn.layers.WeightNoise(dense, stddev=1.0, seed=0)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    before = dense.kernel.numpy().copy()
    model.fit(_x((16, 5)), _x((16, 3)), epochs=2, verbose=0)
    np.testing.assert_array_equal(dense.kernel.numpy(), before)


def test_drop_connect_gradient_reaches_the_clean_kernel_through_the_mask():
    rate = 0.4
    dense = keras.layers.Dense(6, use_bias=False)
    wrapper = kn.layers.DropConnect(dense, rate=rate, seed=3)
    x = _x((8, 10))
    wrapper(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(wrapper(x, training=True))
    noisy_grad = tape.gradient(loss, dense.kernel)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(dense(x))
    clean_grad = tape.gradient(loss, dense.kernel)
    ratio = np.asarray(noisy_grad) / np.asarray(clean_grad)
    # Each entry's gradient is the clean one times its mask / (1 - rate): 0 or 1 / (1 - rate).
    dropped = np.isclose(ratio, 0.0)
    kept = np.isclose(ratio, 1.0 / (1.0 - rate), rtol=1e-4)
    assert np.all(dropped | kept)
    assert 0.2 < dropped.mean() < 0.6  # 60 entries at rate 0.4: far inside any realistic draw


def test_weight_noise_gradient_of_a_linear_layer_equals_the_clean_gradient():
    dense = keras.layers.Dense(4)
    wrapper = kn.layers.WeightNoise(dense, stddev=0.5, seed=0)
    x = _x((5, 3))
    wrapper(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(wrapper(x, training=True))
    noisy = tape.gradient(loss, dense.trainable_variables)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(dense(x))
    clean = tape.gradient(loss, dense.trainable_variables)
    for a, b in zip(noisy, clean, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5)


def test_lstm_gradients_reach_both_kernels():
    lstm = keras.layers.LSTM(3)
    wrapper = kn.layers.DropConnect(lstm, rate=0.3, seed=0)
    x = _x((2, 4, 5))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(wrapper(x, training=True) ** 2)
    grads = dict(
        zip(
            [v.name for v in lstm.trainable_variables],
            tape.gradient(loss, lstm.trainable_variables),
            strict=True,
        )
    )
    assert set(grads) == {"kernel", "recurrent_kernel", "bias"}
    assert all(g is not None and np.any(np.asarray(g) != 0) for g in grads.values())


def test_drop_connect_expected_output_equals_the_plain_layer():
    """Mean of many DropConnect outputs of a linear layer vs the clean output, within 6 sigma."""
    rate, draws = 0.3, 1500
    dense = keras.layers.Dense(4, bias_initializer="ones")
    wrapper = kn.layers.DropConnect(dense, rate=rate, seed=0)
    x = _x((3, 8))
    clean = np.asarray(dense(x))
    noisy = tf.function(lambda: wrapper(x, training=True))
    mean = np.mean([np.asarray(noisy()) for _ in range(draws)], axis=0)
    # Var of one output: sum_i x_i^2 w_ij^2 * rate / (1 - rate).
    kernel = dense.kernel.numpy()
    variance = (x**2) @ (kernel**2) * rate / (1.0 - rate)
    np.testing.assert_array_less(np.abs(mean - clean), 6.0 * np.sqrt(variance / draws) + 1e-5)


def test_weight_noise_statistics_of_a_linear_layer():
    """Output noise of `x @ (W + s*e)` has std `s * ||x||`, per output, over many draws."""
    stddev, draws = 0.2, 1500
    dense = keras.layers.Dense(2, use_bias=False)
    wrapper = kn.layers.WeightNoise(dense, stddev=stddev, seed=0)
    x = _x((1, 6))
    clean = np.asarray(dense(x))
    noisy = tf.function(lambda: wrapper(x, training=True))
    outputs = np.stack([np.asarray(noisy()) for _ in range(draws)])
    expected_std = stddev * np.linalg.norm(x)
    np.testing.assert_allclose(outputs.std(axis=0), expected_std, rtol=0.1)
    np.testing.assert_array_less(
        np.abs(outputs.mean(axis=0) - clean), 6 * expected_std / np.sqrt(draws)
    )


def test_relative_noise_scales_with_the_kernel():
    def noisy_kernel_spread(relative_to, scale):
        dense = keras.layers.Dense(64, use_bias=False)
        dense.build((None, 64))
        dense.kernel.assign(dense.kernel * scale)
        wrapper = kn.layers.WeightNoise(dense, stddev=0.1, relative_to=relative_to, seed=0)
        eye = np.eye(64, dtype="float32")  # the output of the identity matrix is the kernel
        return float(np.std(np.asarray(wrapper(eye, training=True)) - dense.kernel.numpy()))

    absolute = noisy_kernel_spread(None, 1.0), noisy_kernel_spread(None, 10.0)
    relative = noisy_kernel_spread("kernel", 1.0), noisy_kernel_spread("kernel", 10.0)
    per_weight = noisy_kernel_spread("weight", 1.0), noisy_kernel_spread("weight", 10.0)
    assert absolute[1] == pytest.approx(absolute[0], rel=0.05)
    assert relative[1] == pytest.approx(10 * relative[0], rel=0.05)
    assert per_weight[1] == pytest.approx(10 * per_weight[0], rel=0.05)


def test_drop_bias_drops_bias_entries():
    dense = keras.layers.Dense(200, kernel_initializer="zeros", bias_initializer="ones")
    x = _x((1, 3))
    plain = kn.layers.DropConnect(dense, rate=0.5, seed=0)
    with_bias = kn.layers.DropConnect(dense, rate=0.5, drop_bias=True, seed=0)
    np.testing.assert_array_equal(np.asarray(plain(x, training=True)), 1.0)
    values = np.asarray(with_bias(x, training=True))
    assert set(np.unique(values).tolist()) == {0.0, 2.0}


def test_one_mask_per_call_is_shared_by_the_batch():
    wrapper = kn.layers.DropConnect(keras.layers.Dense(8, use_bias=False), rate=0.5, seed=0)
    x = np.ones((5, 4), "float32")
    y = np.asarray(wrapper(x, training=True))
    np.testing.assert_array_equal(y, np.broadcast_to(y[:1], y.shape))


def test_sampling_mode_draws_one_kernel_per_stacked_sample():
    wrapper = kn.layers.DropConnect(keras.layers.Dense(8, use_bias=False), rate=0.5, seed=0)
    x = np.ones((3, 4), "float32")
    with _sampling_mode.activate(samples=4):
        y = np.asarray(wrapper(np.tile(x, (4, 1)), training=False)).reshape(4, 3, 8)
    for block in y:
        np.testing.assert_array_equal(block, np.broadcast_to(block[:1], block.shape))
    assert len({block.tobytes() for block in y}) == 4


def test_state_updates_and_losses_of_the_inner_layer_are_kept():
    inner = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(4, activity_regularizer="l2"),
            keras.layers.BatchNormalization(momentum=0.0),
        ]
    )
    wrapper = kn.layers.WeightNoise(inner, stddev=0.1, seed=0)
    x = _x((16, 4)) * 3.0 + 2.0
    moving_mean = inner.layers[1].moving_mean
    before = moving_mean.numpy().copy()
    wrapper(x, training=True)
    assert not np.allclose(moving_mean.numpy(), before), "BatchNorm update was lost"
    assert len(wrapper.losses) == 1 and float(wrapper.losses[0]) > 0.0


@pytest.mark.parametrize("wrapper_name", ["weight_noise", "drop_connect"])
def test_in_sequential_and_functional_models_and_keras_file_round_trip(wrapper_name, tmp_path):
    inputs = keras.Input((7, 6, 3))
    hidden = WRAPPERS[wrapper_name](keras.layers.Conv2D(4, 3), seed=0)(inputs)
    hidden = keras.layers.Flatten()(hidden)
    outputs = WRAPPERS[wrapper_name](keras.layers.Dense(2), seed=1)(hidden)
    functional = keras.Model(inputs, outputs)
    sequential = keras.Sequential(
        [
            keras.Input((5,)),
            WRAPPERS[wrapper_name](keras.layers.Dense(4, activation="relu"), seed=2),
            keras.layers.Dense(2),
        ]
    )
    for model, x in ((functional, _x((4, 7, 6, 3))), (sequential, _x((4, 5)))):
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, _x((4, 2)), epochs=1, verbose=0)
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
        for original, restored in zip(model.weights, loaded.weights, strict=True):
            np.testing.assert_array_equal(np.asarray(original), np.asarray(restored))


def _plain_model():
    return keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dense(2, name="head"),
        ]
    )


def test_loading_weights_of_an_unwrapped_model_by_sharing_its_layers(tmp_path):
    """The documented way: load into the plain model, then wrap its layer objects."""
    trained = _plain_model()
    path = str(tmp_path / "plain.weights.h5")
    trained.save_weights(path)
    plain = _plain_model()
    plain.load_weights(path)
    wrapped = keras.Sequential(
        [
            keras.Input((5,)),
            kn.layers.DropConnect(plain.get_layer("hidden"), rate=0.3),
            kn.layers.WeightNoise(plain.get_layer("head"), stddev=0.1),
        ]
    )
    x = _x((3, 5))
    np.testing.assert_allclose(wrapped.predict(x, verbose=0), trained.predict(x, verbose=0))
    # The variables keep their names and are the plain model's own objects.
    assert [v.name for v in wrapped.trainable_weights] == ["kernel", "bias", "kernel", "bias"]
    assert wrapped.get_layer(index=0).layer.kernel is plain.get_layer("hidden").kernel


def test_loading_weights_of_an_unwrapped_model_layer_by_layer():
    trained = _plain_model()
    wrapped = keras.Sequential(
        [
            keras.Input((5,)),
            kn.layers.DropConnect(keras.layers.Dense(8, activation="relu"), rate=0.3),
            keras.layers.Dense(2),
        ]
    )
    wrapped.layers[0].layer.set_weights(trained.get_layer("hidden").get_weights())
    wrapped.layers[1].set_weights(trained.get_layer("head").get_weights())
    x = _x((3, 5))
    np.testing.assert_allclose(wrapped.predict(x, verbose=0), trained.predict(x, verbose=0))


def test_inference_layer_is_the_wrapped_layer():
    dense = keras.layers.Dense(3)
    assert kn.layers.WeightNoise(dense, stddev=0.1).inference_layer() is dense
    assert kn.layers.DropConnect(dense, rate=0.1).inference_layer() is dense


def test_mixed_precision_noise_is_computed_on_the_float32_kernel(dtype_policy):
    dtype_policy("mixed_bfloat16")
    dense = keras.layers.Dense(3)
    wrapper = kn.layers.WeightNoise(dense, stddev=1e-2, seed=0)
    x = _x((64, 4))  # bfloat16 keeps ~3 digits: enough outputs that the noise shows in some
    y = wrapper(x, training=True)
    assert y.dtype == "bfloat16" and dense.kernel.dtype == "float32"
    assert not np.array_equal(np.asarray(y, "float32"), np.asarray(wrapper(x), "float32"))


# ------------------------------------------------------------------------------------ bad input
def test_wrapping_a_layer_without_a_kernel_is_an_error():
    with pytest.raises(ValueError, match=r"Invalid value for `layer`: expected a Keras layer"):
        kn.layers.DropConnect(keras.layers.Dropout(0.1), rate=0.1)  # built, no weights
    wrapper = kn.layers.WeightNoise(keras.layers.Flatten(), stddev=0.1)
    with pytest.raises(ValueError, match=r"Invalid value for `layer`.*Received: layer=<Flatten"):
        wrapper(np.ones((2, 3, 4), "float32"))
    embedding = keras.layers.Embedding(10, 3)
    embedding.build((None,))
    with pytest.raises(ValueError, match=r"Invalid value for `layer`"):
        kn.layers.WeightNoise(embedding, stddev=0.1)


def test_wrapping_a_non_layer_is_a_type_error():
    with pytest.raises(TypeError, match=r"Invalid type for `layer`.*Received: layer='dense'"):
        kn.layers.WeightNoise("dense", stddev=0.1)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, True])
def test_drop_connect_rate_outside_unit_interval(rate):
    with pytest.raises(ValueError, match=r"Invalid value for `rate`: expected a float in \[0, 1\)"):
        kn.layers.DropConnect(keras.layers.Dense(2), rate=rate)


def test_weight_noise_bad_stddev_and_options():
    with pytest.raises(ValueError, match=r"Invalid value for `stddev`: expected a float >= 0"):
        kn.layers.WeightNoise(keras.layers.Dense(2), stddev=-0.1)
    with pytest.raises(ValueError, match=r"Invalid value for `relative_to`"):
        kn.layers.WeightNoise(keras.layers.Dense(2), stddev=0.1, relative_to="bias")
    with pytest.raises(ValueError, match=r"Invalid value for `drop_bias`"):
        kn.layers.DropConnect(keras.layers.Dense(2), rate=0.1, drop_bias="yes")
