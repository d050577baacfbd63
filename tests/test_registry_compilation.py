"""Every registered layer in fit: mixed precision, XLA, MirroredStrategy, strength w/o retrace."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from registry import params


def _clean_targets(model, x):
    """The model's own clean output: regressing onto it, the loss measures only the noise."""
    return np.asarray(model(x, training=False), dtype="float32")


def _compiled(case, layer, **compile_kwargs):
    model = case.model(layer)
    model.compile(optimizer="sgd", loss="mse", **compile_kwargs)
    return model


@params()
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision(case, policy, dtype_policy):
    dtype_policy(policy)
    layer, x = case.layer(), case.inputs(batch=8)
    compute_dtype = keras.mixed_precision.Policy(policy).compute_dtype
    outputs = layer(x.astype(compute_dtype), training=True)
    if np.issubdtype(x.dtype, np.floating):
        assert outputs.dtype == compute_dtype
    assert np.all(np.isfinite(np.asarray(outputs, dtype="float32")))
    model = _compiled(case, layer)
    history = model.fit(x, _clean_targets(model, x), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


@params()
def test_xla_training(case):
    layer, x = case.layer(), case.inputs(batch=8)
    model = _compiled(case, layer, jit_compile=True)
    history = model.fit(x, _clean_targets(model, x), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    noisy = tf.function(lambda t: layer(t, training=True), jit_compile=True)
    first, second = np.asarray(noisy(x)), np.asarray(noisy(x))
    assert not np.array_equal(first, np.asarray(x)) and not np.array_equal(first, second)


@params()
def test_mirrored_strategy_fit(case):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == 2
    x = case.inputs(batch=16)
    with strategy.scope():
        model = _compiled(case, case.layer())
    history = model.fit(x, _clean_targets(model, x), batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


@params()
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
    traced_function, trace_count = model.train_function, len(traces)
    layer.strength.assign(active)
    noisy = model.fit(x, y, batch_size=8, epochs=1, verbose=0).history["loss"][-1]

    assert len(traces) == trace_count >= 1, "assigning the strength must not retrace"
    assert model.train_function is traced_function
    assert noisy > quiet + 1e-6, f"strength change had no effect: loss {quiet} -> {noisy}"
