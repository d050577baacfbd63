"""Every registered layer in fit: mixed precision, XLA, MirroredStrategy, strength w/o retrace."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from registry import CASES, CASES_BY_KIND, params

MODEL_CASES = [c for c in CASES if c.kind != "batch"]  # fit a model that contains the layer
# Batch layers (MixUp, CutMix, LabelSmoothing) need labels: they are fitted as data-pipeline
# layers mapped over the training set, and compiled alone under XLA (see the end of the file).
BATCH = CASES_BY_KIND["batch"]


def _clean_targets(model, x):
    """The model's own clean output: regressing onto it, the loss measures only the noise."""
    return np.asarray(model(x, training=False), dtype="float32")


def _compiled(case, layer, **compile_kwargs):
    model = case.model(layer)
    model.compile(optimizer="sgd", loss="mse", **compile_kwargs)
    return model


@params(MODEL_CASES)
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision(case, policy, dtype_policy):
    dtype_policy(policy)
    layer, x = case.layer(), case.inputs(batch=8)
    compute_dtype = keras.mixed_precision.Policy(policy).compute_dtype
    is_float = np.issubdtype(x.dtype, np.floating)  # integer inputs (token ids) stay integer
    outputs = layer(x.astype(compute_dtype) if is_float else x, training=True)
    if is_float:
        assert outputs.dtype == compute_dtype
    assert np.all(np.isfinite(np.asarray(outputs, dtype="float32")))
    model = _compiled(case, layer)
    history = model.fit(x, _clean_targets(model, x), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


@params(MODEL_CASES)
def test_xla_training(case):
    layer, x = case.layer(), case.inputs(batch=8)
    model = _compiled(case, layer, jit_compile=True)
    history = model.fit(x, _clean_targets(model, x), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    noisy = tf.function(lambda t: layer(t, training=True), jit_compile=True)
    first, second = np.asarray(noisy(x)), np.asarray(noisy(x))
    assert not np.array_equal(first, np.asarray(x)) and not np.array_equal(first, second)


@params(MODEL_CASES)
def test_mirrored_strategy_fit(case, mirrored_strategy):
    strategy = mirrored_strategy
    assert strategy.num_replicas_in_sync == 2
    x = case.inputs(batch=16)
    with strategy.scope():
        model = _compiled(case, case.layer())
    history = model.fit(x, _clean_targets(model, x), batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


@params(MODEL_CASES)
@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_strength_assignment_takes_effect_without_retracing(case, jit_compile):
    layer, x = case.layer(), case.inputs(batch=8)
    active = layer.get_config()[layer.strength_name]
    low = case.zero_strength if case.zero_strength is not None else active / 100.0
    model = case.model(layer)
    traces = []
    train_step = model.train_step

    def counting_train_step(data):
        traces.append(1)  # a Python side effect: runs once per trace, never per step
        return train_step(data)

    model.train_step = counting_train_step
    model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
    y = _clean_targets(model, x)

    layer.strength.assign(low)
    quiet = model.fit(x, y, batch_size=8, epochs=1, verbose=0).history["loss"][-1]
    trace_count = len(traces)
    layer.strength.assign(active)
    noisy = model.fit(x, y, batch_size=8, epochs=1, verbose=0).history["loss"][-1]

    assert len(traces) == trace_count >= 1, "assigning the strength must not retrace"
    if case.zero_strength is not None:  # regressing onto the clean output: no noise, no loss
        # (not exactly 0: under XLA the inner layers of wrappers may round differently)
        assert quiet < 1e-10, f"strength {low} must give the clean output: loss {quiet}"
    assert noisy > quiet + 1e-6, f"strength change had no effect: loss {quiet} -> {noisy}"


# ------------------------------------------------------------------------------ batch layers
def _classifier(case, **compile_kwargs):
    model = keras.Sequential(
        [keras.Input(case.example_shape), keras.layers.Flatten(), keras.layers.Dense(3, "softmax")]
    )
    model.compile(optimizer="sgd", loss="categorical_crossentropy", **compile_kwargs)
    return model


def _mapped_training_set(case, layer, batches=2, batch=8):
    element = case.inputs(batch=batches * batch)
    ds = tf.data.Dataset.from_tensor_slices((element["images"], element["labels"]))
    return ds.batch(batch).map(layer)


def _fit_losses(model, ds):
    return model.fit(ds, epochs=2, verbose=0).history["loss"]


def _assert_probabilities(labels):
    labels = np.asarray(labels)
    assert labels.dtype == np.float32 and np.all(np.isfinite(labels))
    np.testing.assert_allclose(labels.sum(axis=-1), 1.0, rtol=1e-5)


@params(BATCH)
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_batch_layer_mixed_precision(case, policy, dtype_policy):
    dtype_policy(policy)
    layer, element = case.layer(), case.inputs(batch=8)
    images = element["images"]
    compute_dtype = keras.mixed_precision.Policy(policy).compute_dtype
    is_float = np.issubdtype(images.dtype, np.floating)
    out = layer(images.astype(compute_dtype) if is_float else images, element["labels"])
    assert out[0].dtype == (compute_dtype if is_float else images.dtype)
    assert np.all(np.isfinite(np.asarray(out[0], dtype="float32")))
    _assert_probabilities(out[1])  # labels are mixed in float32, never rounded to 16 bits
    assert np.all(np.isfinite(_fit_losses(_classifier(case), _mapped_training_set(case, layer))))


@params(BATCH)
def test_batch_layer_xla(case):
    layer, element = case.layer(), case.inputs(batch=8)
    noisy = tf.function(lambda e: layer(e, training=True), jit_compile=True)
    first, second = noisy(element), noisy(element)
    _assert_probabilities(first["labels"])
    for got in (first, second):
        assert any(not np.array_equal(got[key], element[key]) for key in element)
    if case.stochastic:
        assert any(not np.array_equal(first[key], second[key]) for key in element)
    model = _classifier(case, jit_compile=True)
    assert np.all(np.isfinite(_fit_losses(model, _mapped_training_set(case, layer))))


@params(BATCH)
def test_batch_layer_mirrored_strategy(case, mirrored_strategy):
    strategy = mirrored_strategy
    with strategy.scope():
        model = _classifier(case)
        in_scope = case.layer(seed=1)
    assert np.all(np.isfinite(_fit_losses(model, _mapped_training_set(case, case.layer()))))
    # Inside a replica function (mixing on the devices), with the layer made in the scope.
    element = case.inputs(batch=16)
    ds = tf.data.Dataset.from_tensor_slices((element["images"], element["labels"])).batch(16)
    (images, labels) = next(iter(strategy.experimental_distribute_dataset(ds)))
    out = tf.function(
        lambda x, y: strategy.run(lambda a, b: in_scope(a, b, training=True), args=(x, y))
    )(images, labels)
    for replica_labels in strategy.experimental_local_results(out[1]):
        _assert_probabilities(replica_labels)


@params(BATCH)
@pytest.mark.parametrize("mode", ["tf.data", "xla"])
def test_batch_layer_strength_assignment_takes_effect_without_retracing(case, mode):
    """A pipeline traced once follows the strength: a draw made after an assignment is the one
    a run at the new strength makes, and differs from the one a run at the old strength makes."""
    layer, element = case.layer(seed=7), case.inputs(batch=8)
    active = layer.get_config()[layer.strength_name]
    low = case.zero_strength if case.zero_strength is not None else active / 100.0
    start = layer.seed_generator.state.numpy()
    traces = []

    def counting_call(e):
        traces.append(1)  # a Python side effect: runs once per trace, never per call
        return layer(e)  # `training=None` outside a model: a data pipeline applies the layer

    if mode == "tf.data":
        ds = tf.data.Dataset.from_tensors(element).map(counting_call)

        def run():
            return next(iter(ds))
    else:
        compiled = tf.function(counting_call, jit_compile=True)

        def run():
            return compiled(element)

    def two_draws(first, second):
        """The first two draws from the seed's start, at the strength `first`, then `second`."""
        layer.seed_generator.state.assign(start)
        layer.strength.assign(first)
        draw = run()
        layer.strength.assign(second)
        return draw, run()

    quiet, noisy = two_draws(low, active)
    first_low, second_low = two_draws(low, low)
    _, second_active = two_draws(active, active)
    if mode == "xla":  # (`Dataset.map` traces its function once by construction)
        assert len(traces) == 1, "assigning the strength must not retrace"
    assert not all(np.allclose(second_active[k], second_low[k], atol=1e-5) for k in element)
    for key in element:
        np.testing.assert_allclose(quiet[key], first_low[key], atol=1e-5)
        np.testing.assert_allclose(noisy[key], second_active[key], atol=1e-5)
