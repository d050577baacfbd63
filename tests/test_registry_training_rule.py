"""Every registered layer: identity at inference, noise when training, seeds, `tf.data` maps."""

import numpy as np
import pytest
import tensorflow as tf
from registry import CASES, CASES_BY_KIND, params

PREPROCESSING = CASES_BY_KIND["preprocessing"]
IN_MODEL = CASES_BY_KIND["in_model"]


def _equal(a, b) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


@params([c for c in CASES if c.inference_is_identity])
def test_identity_outside_training(case):
    layer, x = case.layer(), case.inputs()
    assert _equal(layer(x, training=False), x)
    model = case.model(layer)
    assert _equal(model(x), x), "a model called without `training` is in inference mode"
    assert _equal(model(x, training=False), x)
    assert _equal(model.predict(x, verbose=0), x)


@params()
def test_noise_is_applied_when_training(case):
    layer, x = case.layer(), case.inputs()
    assert not _equal(layer(x, training=True), x)
    assert not _equal(case.model(case.layer())(x, training=True), x)


@params()
def test_same_seed_same_noise_and_fresh_noise_per_call(case):
    x = case.inputs()
    first, second = case.layer(seed=11), case.layer(seed=11)
    a1, a2 = first(x, training=True), first(x, training=True)
    b1, b2 = second(x, training=True), second(x, training=True)
    assert _equal(a1, b1) and _equal(a2, b2)
    assert not _equal(a1, a2), "each call must draw fresh noise"
    assert not _equal(a1, case.layer(seed=12)(x, training=True))


@params(PREPROCESSING)
def test_direct_call_without_training_applies_noise(case):
    layer, x = case.layer(), case.inputs()
    assert not _equal(layer(x), x)


@params(IN_MODEL)
def test_in_model_layer_is_identity_without_training(case):
    layer, x = case.layer(), case.inputs()
    assert _equal(layer(x), x)


def _elements(x):
    y = np.arange(len(x), dtype="int32")
    w = np.linspace(0.5, 1.0, len(x)).astype("float32")
    return {
        "x": (x,),
        "(x, y)": (x, y),
        "(x, y, sample_weight)": (x, y, w),
        "dict": ({"images": x, "labels": y},),
    }


@params(PREPROCESSING)
@pytest.mark.parametrize("form", ["x", "(x, y)", "(x, y, sample_weight)", "dict"])
def test_tf_data_map_applies_noise_and_keeps_structure(case, form):
    x = case.inputs()
    element = _elements(x)[form]
    source = element[0] if len(element) == 1 else element
    ds = tf.data.Dataset.from_tensors(source).map(case.layer())
    out = next(iter(ds))
    if form == "x":
        assert not _equal(out, x)
    elif form == "dict":
        assert set(out) == {"images", "labels"}
        assert not _equal(out["images"], x) and _equal(out["labels"], element[0]["labels"])
    else:
        assert isinstance(out, tuple) and len(out) == len(element)
        assert not _equal(out[0], x)
        for got, want in zip(out[1:], element[1:], strict=True):
            assert _equal(got, want), "labels and sample weights pass through unchanged"


@params(IN_MODEL)
def test_tf_data_map_of_in_model_layer_is_identity(case):
    x = case.inputs()
    out = next(iter(tf.data.Dataset.from_tensors(x).map(case.layer())))
    assert _equal(out, x)


@params(PREPROCESSING)
def test_no_repeated_noise_under_parallel_map(case):
    """600 batches of the same input, parallel map: every output must be distinct."""
    x = case.inputs(batch=2)
    ds = (
        tf.data.Dataset.from_tensors(x)
        .repeat(600)
        .map(case.layer(seed=None), num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    )
    digests = {np.asarray(batch).tobytes() for batch in ds}
    assert len(digests) == 600, f"{600 - len(digests)} of 600 batches repeated earlier noise"
