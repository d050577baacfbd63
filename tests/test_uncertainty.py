"""predict_mc and sampling_mode: BatchNorm stays in inference, estimates, inputs, bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_noise as kn
from keras_noise.uncertainty import (
    mutual_information,
    predict_mc,
    predictive_entropy,
    sampling_mode,
)

CLASSES = 4


def _x(rows=40, features=6, seed=0):
    return np.random.default_rng(seed).normal(2.0, 3.0, size=(rows, features)).astype("float32")


def _bn_model(dropout: keras.layers.Layer, *, activation="softmax", units=CLASSES):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(32)(inputs)
    hidden = keras.layers.BatchNormalization()(hidden)
    hidden = keras.layers.Activation("relu")(hidden)
    hidden = dropout(hidden)
    outputs = keras.layers.Dense(units, activation=activation)(hidden)
    return keras.Model(inputs, outputs)


def _batch_norm(model):
    return next(lyr for lyr in model.layers if isinstance(lyr, keras.layers.BatchNormalization))


def test_batch_norm_stays_in_inference_and_is_not_updated():
    model = _bn_model(kn.layers.MCDropout(0.0, seed=0))
    x = _x()
    batch_norm = _batch_norm(model)
    before = [v.numpy().copy() for v in batch_norm.variables]
    result = predict_mc(model, x, samples=5, verbose=0)
    for value, variable in zip(before, batch_norm.variables, strict=True):
        np.testing.assert_array_equal(variable.numpy(), value)
    # At rate 0 every sample is the inference output; the `training=True` idiom is not.
    np.testing.assert_allclose(result.mean, model.predict(x, verbose=0), atol=1e-5)
    np.testing.assert_allclose(result.std, 0.0, atol=1e-6)
    training_idiom = np.asarray(model(x, training=True))
    assert np.abs(training_idiom - result.mean).max() > 0.05


def test_outputs_differ_from_training_true_calls_with_batch_norm():
    model = _bn_model(kn.layers.MCDropout(0.3, seed=0))
    x = _x()
    mc = predict_mc(model, x, samples=200, verbose=0).mean
    idiom = np.mean([np.asarray(model(x, training=True)) for _ in range(20)], axis=0)
    assert np.abs(mc - idiom).max() > 0.05


def test_estimates_with_dropout():
    model = _bn_model(kn.layers.MCDropout(0.5, seed=0))
    result = predict_mc(model, _x(), samples=30, verbose=0)
    assert result.samples == 30
    assert result.mean.shape == result.std.shape == (40, CLASSES)
    assert result.entropy.shape == result.mutual_information.shape == (40,)
    assert np.all(result.std.max(axis=1) > 0)
    np.testing.assert_allclose(result.mean.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(result.entropy >= 0) and np.all(result.entropy <= np.log(CLASSES) + 1e-6)
    assert np.all(result.mutual_information >= 0)
    assert np.all(result.mutual_information <= result.entropy + 1e-6)
    assert np.any(result.mutual_information > 0)


def test_entropy_and_mutual_information_math():
    uniform = np.full((1, CLASSES), 1.0 / CLASSES, "float32")
    assert float(predictive_entropy(uniform)[0]) == pytest.approx(np.log(CLASSES), rel=1e-6)
    rng = np.random.default_rng(0)
    samples = rng.dirichlet(np.ones(CLASSES), size=(50, 8)).astype("float32")
    mean = samples.mean(axis=0)
    expected_total = -(mean * np.log(mean)).sum(-1)
    expected_mi = expected_total - (-(samples * np.log(samples)).sum(-1)).mean(0)
    np.testing.assert_allclose(predictive_entropy(mean), expected_total, rtol=1e-5)
    np.testing.assert_allclose(mutual_information(samples), expected_mi, rtol=1e-4, atol=1e-6)
    binary = np.array([[0.5], [1.0]], "float32")
    np.testing.assert_allclose(predictive_entropy(binary), [np.log(2.0), 0.0], atol=1e-6)


def test_keras_dropout_samples_and_is_restored():
    model = _bn_model(keras.layers.Dropout(0.5, seed=0))
    dropout = next(lyr for lyr in model.layers if isinstance(lyr, keras.layers.Dropout))
    x = _x()
    result = predict_mc(model, x, samples=20, verbose=0)
    assert np.all(result.std.max(axis=1) > 0)
    assert "call" not in vars(dropout)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize(
    "layer",
    [
        keras.layers.SpatialDropout1D(0.5),
        keras.layers.GaussianDropout(0.5),
        keras.layers.AlphaDropout(0.5),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_other_keras_dropout_layers_sample(layer):
    model = keras.Sequential(
        [keras.Input((5, 4)), layer, keras.layers.Flatten(), keras.layers.Dense(3)]
    )
    result = predict_mc(model, _x(8, 20).reshape(8, 5, 4), samples=10, output="regression")
    assert np.all(result.std.max(axis=1) > 0)


@pytest.mark.parametrize(
    "make_layer",
    [
        lambda: kn.layers.DropConnect(keras.layers.Dense(16), rate=0.5),
        lambda: kn.layers.WeightNoise(keras.layers.Dense(16), stddev=0.2),
        lambda: kn.layers.ActivationNoise(stddev=0.5),
        lambda: kn.layers.DropPath(rate=0.5),
    ],
    ids=["drop_connect", "weight_noise", "activation_noise", "drop_path"],
)
def test_every_in_model_layer_samples(make_layer):
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(16, activation="relu"),
            make_layer(),
            keras.layers.Dense(3),
        ]
    )
    result = predict_mc(model, _x(10), samples=12, output="logits", verbose=0)
    assert np.all(result.std.max(axis=1) > 0), "each example's samples must differ"
    np.testing.assert_allclose(result.mean.sum(axis=1), 1.0, rtol=1e-5)


def test_samples_are_batched_not_looped():
    calls = []

    class Counter(keras.layers.Layer):
        def call(self, inputs):
            calls.append(inputs.shape[0])  # Python: runs once per trace or eager call
            return inputs

    model = keras.Sequential(
        [keras.Input((6,)), Counter(), kn.layers.MCDropout(0.5), keras.layers.Dense(3)]
    )
    calls.clear()  # drop the symbolic call that built the model
    predict_mc(model, _x(64), samples=30, batch_size=32, output="regression", verbose=0)
    assert len(calls) == 1 and calls[0] in (None, 32 * 30)


def test_tf_data_input_with_labels_and_progress_bar(capsys):
    model = _bn_model(kn.layers.MCDropout(0.5, seed=0))
    x = _x(50)
    dataset = tf.data.Dataset.from_tensor_slices((x, np.zeros(50))).batch(16)
    keras.config.enable_interactive_logging()
    try:
        result = predict_mc(model, dataset, samples=4, verbose=1)
    finally:
        keras.config.disable_interactive_logging()
    assert result.mean.shape == (50, CLASSES)
    assert "4/4" in capsys.readouterr().out
    unlabeled = predict_mc(model, tf.data.Dataset.from_tensor_slices(x).batch(16), verbose=0)
    assert unlabeled.mean.shape == (50, CLASSES)


def test_multi_input_model_with_dict_inputs():
    first, second = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    merged = keras.layers.Concatenate()([first, second])
    outputs = keras.layers.Dense(1, activation="sigmoid")(kn.layers.MCDropout(0.5)(merged))
    model = keras.Model({"a": first, "b": second}, outputs)
    x = {"a": _x(10, 3), "b": _x(10, 2)}
    result = predict_mc(model, x, samples=8, batch_size=4, verbose=0)
    assert result.mean.shape == (10, 1)
    assert np.all(result.entropy <= np.log(2.0) + 1e-6)


def test_mixed_precision_model(dtype_policy):
    dtype_policy("mixed_float16")
    model = _bn_model(kn.layers.MCDropout(0.5, seed=0))
    result = predict_mc(model, _x(), samples=8, verbose=0)
    assert result.mean.dtype == np.float32
    np.testing.assert_allclose(result.mean.sum(axis=1), 1.0, atol=5e-3)


def test_model_under_mirrored_strategy(mirrored_strategy):
    with mirrored_strategy.scope():
        model = _bn_model(kn.layers.MCDropout(0.5, seed=0))
    result = predict_mc(model, _x(), samples=8, verbose=0)
    assert np.all(result.std.max(axis=1) > 0)


def test_sampling_mode_for_direct_calls_and_restores_predict():
    model = _bn_model(keras.layers.Dropout(0.5, seed=0))
    x = _x()
    clean = model.predict(x, verbose=0)
    with sampling_mode(model):
        with sampling_mode(model):  # nesting is harmless
            first = np.asarray(model(x))
        second = np.asarray(model(x, training=False))
        noisy_predict = model.predict(x, verbose=0)
    assert not np.allclose(first, second) and not np.allclose(noisy_predict, clean)
    np.testing.assert_array_equal(model.predict(x, verbose=0), clean)
    np.testing.assert_array_equal(np.asarray(model(x)), np.asarray(model(x)))


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("samples", [0, -3, 2.5, True])
def test_bad_samples(samples):
    model = _bn_model(kn.layers.MCDropout(0.5))
    with pytest.raises(ValueError, match=r"Invalid value for `samples`: expected an integer >= 1"):
        predict_mc(model, _x(), samples=samples)


def test_model_without_stochastic_layers_is_an_error():
    model = _bn_model(keras.layers.Identity())
    with pytest.raises(ValueError, match=r"Invalid value for `model`.*would be all zero"):
        predict_mc(model, _x())


def test_outputs_that_are_not_probabilities_are_an_error():
    model = _bn_model(kn.layers.MCDropout(0.5), activation=None)
    with pytest.raises(ValueError, match=r"Invalid value for `output`.*not probabilities"):
        predict_mc(model, _x(), verbose=0)
    assert predict_mc(model, _x(), output="regression", verbose=0).entropy is None


def test_other_bad_arguments():
    model = _bn_model(kn.layers.MCDropout(0.5))
    dataset = tf.data.Dataset.from_tensor_slices(_x()).batch(8)
    with pytest.raises(ValueError, match=r"Invalid value for `batch_size`.*already batched"):
        predict_mc(model, dataset, batch_size=8)
    with pytest.raises(ValueError, match=r"Invalid value for `batch_size`"):
        predict_mc(model, _x(), batch_size=0)
    with pytest.raises(ValueError, match=r"Invalid value for `output`: expected one of"):
        predict_mc(model, _x(), output="probs")
    with pytest.raises(TypeError, match=r"Invalid type for `x`"):
        predict_mc(model, "images.npy")
    with pytest.raises(TypeError, match=r"Invalid type for `model`"):
        predict_mc(lambda t: t, _x())
    with pytest.raises(ValueError, match=r"Invalid value for `jit_compile`.*Received.*'xla'"):
        predict_mc(model, _x(), jit_compile="xla")


def _compiled_steps(model) -> list[bool]:
    from keras_noise.uncertainty.predict import _FUNCTIONS

    return [key[-1] for key in _FUNCTIONS.get(model, {})]


@pytest.mark.parametrize(
    ("dropout", "expected"),
    [(lambda: kn.layers.MCDropout(0.5, seed=0), True), (lambda: keras.layers.Dropout(0.5), False)],
    ids=["keras-noise layer: XLA", "keras Dropout: no XLA"],
)
def test_auto_jit_compile_compiles_only_models_sampled_by_keras_noise_layers(dropout, expected):
    model = _bn_model(dropout())
    result = predict_mc(model, _x(16), samples=50, batch_size=16, verbose=0)
    assert _compiled_steps(model) == [expected]
    # The estimate is a Monte-Carlo one either way: samples differ, rows are probabilities.
    assert result.std.max() > 0.01
    np.testing.assert_allclose(result.mean.sum(axis=-1), 1.0, atol=1e-4)


def test_explicit_jit_compile_is_used_and_agrees_in_distribution():
    model = _bn_model(kn.layers.MCDropout(0.5, seed=0))
    x = _x(8)
    compiled = predict_mc(model, x, samples=2000, batch_size=8, verbose=0, jit_compile=True)
    plain = predict_mc(model, x, samples=2000, batch_size=8, verbose=0, jit_compile=False)
    assert sorted(_compiled_steps(model)) == [False, True]
    # Two independent 2000-sample estimates of the same predictive mean.
    np.testing.assert_allclose(compiled.mean, plain.mean, atol=0.03)


def test_multi_output_model_is_an_error():
    inputs = keras.Input((6,))
    hidden = kn.layers.MCDropout(0.5)(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(2)(hidden), keras.layers.Dense(3)(hidden)])
    with pytest.raises(ValueError, match=r"single output tensor"):
        predict_mc(model, _x(), output="regression", verbose=0)
