"""Every registered layer's strength means what it documents (`LayerCase.level`).

* Strength 0 gives exactly the clean output, and an assigned strength gives the documented noise
  level, in one traced function (assignments reach it without retracing).
* The level holds in float16 and bfloat16.
* Under MirroredStrategy, replicas fed the same batch draw different noise, each at the level.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from registry import CASES, params

LEVEL_CASES = [case for case in CASES if case.level is not None]


def _inputs(case, dtype=None):
    """The case's measurement batch; float features cast to `dtype` when given."""
    x = case.inputs(batch=case.level.batch)
    if dtype is None:
        return x

    def cast(a):
        return a.astype(dtype) if np.issubdtype(a.dtype, np.floating) else a

    if case.kind == "batch":
        return {**x, "images": cast(x["images"])}
    return cast(x)


def _numpy(structure):
    return keras.tree.map_structure(lambda t: np.asarray(t, dtype=np.asarray(t).dtype), structure)


def _clean(case, layer, x):
    """What the layer returns without noise: the input, the inner layer's output for a wrapper,
    the images and the labels as float probabilities for a batch layer."""
    if case.kind == "batch":
        labels = np.asarray(x["labels"])
        if not np.issubdtype(labels.dtype, np.floating):
            labels = np.eye(3, dtype="float32")[labels]
        return {"images": x["images"], "labels": labels}
    if not case.inference_is_identity:
        return np.asarray(layer(x, training=False))
    return x


def _level(case, layer, x, call) -> float:
    levels = [case.level.measure(layer, x, _numpy(call(x))) for _ in range(case.level.calls)]
    return float(np.mean(levels))


def _assert_level(case, level):
    low, high = case.level.expected(case.level.strength)
    assert low <= level <= high, (
        f"{case.name}: level {level:.5f} at strength {case.level.strength}, "
        f"documented [{low:.5f}, {high:.5f}]"
    )


def _assert_equal(got, want):
    keras.tree.map_structure(np.testing.assert_array_equal, _numpy(got), _numpy(want))


@params(LEVEL_CASES)
def test_assigned_strength_gives_the_documented_level_without_retracing(case):
    layer, x = case.layer(seed=1), _inputs(case)
    traces = []

    def noisy(t):
        traces.append(1)  # a Python side effect: runs once per trace, never per call
        return layer(t, training=True)

    layer(x, training=False)  # builds the layer: creating variables would trace again
    call = tf.function(noisy)
    call(x)  # traced at the constructor's strength
    if case.zero_strength is not None:
        layer.strength.assign(case.zero_strength)
        _assert_equal(call(x), _clean(case, layer, x))
    layer.strength.assign(case.level.strength)
    _assert_level(case, _level(case, layer, x, call))
    assert len(traces) == 1, "assigning the strength must not retrace"


@params(LEVEL_CASES)
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_documented_level_in_16_bit_precision(case, policy, dtype_policy):
    dtype_policy(policy)
    layer = case.layer(seed=2)
    x = _inputs(case, keras.mixed_precision.Policy(policy).compute_dtype)
    layer.strength.assign(case.level.strength)
    _assert_level(case, _level(case, layer, x, lambda t: layer(t, training=True)))


@params(LEVEL_CASES)
def test_replicas_draw_different_noise_at_the_documented_level(case, mirrored_strategy):
    strategy = mirrored_strategy
    x = _inputs(case)
    with strategy.scope():
        layer = case.layer(seed=3)
        layer(x, training=False)  # builds the layer (and its inner layer) in the scope
    layer.strength.assign(case.level.strength)
    per_replica = tf.function(
        lambda t: strategy.run(lambda u: layer(u, training=True), args=(t,))
    )  # every replica gets the same batch `t`
    replicas = [[], []]
    for _ in range(case.level.calls):
        outputs = strategy.experimental_local_results(per_replica(x))
        for collected, output in zip(replicas, outputs, strict=True):
            collected.append(_numpy(output))
    first, second = (outputs[0] for outputs in replicas)
    differ = keras.tree.flatten(
        keras.tree.map_structure(lambda a, b: not np.array_equal(a, b), first, second)
    )
    assert any(differ) == case.stochastic, "replicas must draw their own noise"
    for outputs in replicas:
        level = np.mean([case.level.measure(layer, x, output) for output in outputs])
        _assert_level(case, float(level))
