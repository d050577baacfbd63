"""Every registered layer: identity at inference, noise when training, seeds, `tf.data` maps."""

import numpy as np
import pytest
import tensorflow as tf
from registry import CASES, CASES_BY_KIND, params

PREPROCESSING = CASES_BY_KIND["preprocessing"]
IN_MODEL = CASES_BY_KIND["in_model"]
BATCH = CASES_BY_KIND["batch"]  # inputs are {"images": x, "labels": y} elements


def _equal(a, b) -> bool:
    if isinstance(a, (dict, tuple)) or isinstance(b, (dict, tuple)):  # batch elements
        try:
            tf.nest.assert_same_structure(a, b)
        except (ValueError, TypeError):
            return False
        pairs = zip(tf.nest.flatten(a), tf.nest.flatten(b), strict=True)
        return all(_equal(u, v) for u, v in pairs)
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


@params([c for c in CASES if c.inference_is_identity])
def test_identity_outside_training(case):
    layer, x = case.layer(), case.inputs()
    assert _equal(layer(x, training=False), x)
    model = case.model(layer)
    assert _equal(model(x, training=False), x)
    assert _equal(model.predict(x, verbose=0), x)
    if case.kind == "in_model":
        assert _equal(model(x), x), "in-model noise is off with training=None"
    else:  # Input -> layer holds no trainable weight: an augmentation block, a data pipeline
        assert not _equal(model(x), x), "an augmentation block called directly applies noise"


@params()
def test_noise_is_applied_when_training(case):
    layer, x = case.layer(), case.inputs()
    assert not _equal(layer(x, training=True), x)
    assert not _equal(case.model(case.layer())(x, training=True), x)


@params([c for c in CASES if c.stochastic])
def test_same_seed_same_noise_and_fresh_noise_per_call(case):
    x = case.inputs(batch=16)  # per-example draws (DropPath): 2**16 outcomes, no chance ties
    # Same seed and same layer name: the same noise (the name keys the layer's stream).
    first, second = case.layer(seed=11, name="seeded"), case.layer(seed=11, name="seeded")
    a1, a2 = first(x, training=True), first(x, training=True)
    b1, b2 = second(x, training=True), second(x, training=True)
    assert _equal(a1, b1) and _equal(a2, b2)
    assert not _equal(a1, a2), "each call must draw fresh noise"
    assert not _equal(a1, case.layer(seed=12, name="seeded")(x, training=True))
    # Same seed, another layer name: an independent stream.
    assert not _equal(a1, case.layer(seed=11, name="other_noise")(x, training=True))


@params([c for c in CASES if not c.stochastic])
def test_deterministic_layer_gives_one_output_whatever_the_call_or_seed(case):
    x = case.inputs()
    first = case.layer(seed=11)(x, training=True)
    assert _equal(first, case.layer(seed=11)(x, training=True))
    assert _equal(first, case.layer(seed=12)(x, training=True))


@params(PREPROCESSING + BATCH)
def test_direct_call_without_training_applies_noise(case):
    layer, x = case.layer(), case.inputs()
    assert not _equal(layer(x), x)


@params(IN_MODEL)
def test_in_model_layer_is_identity_without_training(case):
    layer, x = case.layer(), case.inputs()
    assert _equal(layer(x), _inference_output(case, layer, x))


def _inference_output(case, layer, x):
    """`x` itself, or for a layer that is not the identity at inference (a weight-noise wrapper
    returns its inner layer's output) its `training=False` output."""
    return x if case.inference_is_identity else layer(x, training=False)


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


def _batch_elements(element):
    x, y = element["images"], element["labels"]
    w = np.linspace(0.5, 1.0, len(x)).astype("float32")
    return {
        "(x, y)": (x, y),
        "(x, y, sample_weight)": (x, y, w),
        "dict": {"images": x, "labels": y},
        "dict with sample_weight": {"images": x, "labels": y, "sample_weight": w},
    }


@params(BATCH)
@pytest.mark.parametrize(
    "form", ["(x, y)", "(x, y, sample_weight)", "dict", "dict with sample_weight"]
)
def test_tf_data_map_of_batch_layer_keeps_structure_and_outputs_probabilities(case, form):
    element = _batch_elements(case.inputs(batch=6))[form]
    out = next(iter(tf.data.Dataset.from_tensors(element).map(case.layer())))
    assert type(out) is type(element)
    if isinstance(element, dict):
        assert out.keys() == element.keys()
    else:
        assert len(out) == len(element)
    assert not _equal(out, element)
    parts = list(out.values()) if isinstance(out, dict) else list(out)
    wants = list(element.values()) if isinstance(element, dict) else list(element)
    assert parts[0].shape == wants[0].shape and parts[0].dtype == wants[0].dtype
    labels = np.asarray(parts[1])
    assert labels.dtype == np.float32 and labels.shape[0] == len(wants[0])
    np.testing.assert_allclose(labels.sum(axis=-1), 1.0, rtol=1e-5)
    if len(parts) == 3:
        assert parts[2].shape == wants[2].shape and np.all(np.isfinite(parts[2]))


@params(IN_MODEL)
def test_tf_data_map_of_in_model_layer_is_identity(case):
    layer, x = case.layer(), case.inputs()
    expected = _inference_output(case, layer, x)
    out = next(iter(tf.data.Dataset.from_tensors(x).map(layer)))
    assert _equal(out, expected)


@params(PREPROCESSING + [c for c in BATCH if c.stochastic])
def test_no_repeated_noise_under_parallel_map(case):
    """600 batches of the same input, parallel map: every output must be distinct."""
    # Batch layers mix examples with a random cyclic partner: with 16 there are 15! cycles, so
    # two calls repeat only if their seeds do (with 4, a "batch"-mode weight drawn twice among 6
    # cycles made a chance repeat about once in a few hundred runs).
    x = case.inputs(batch=16 if case.kind == "batch" else 2)
    ds = (
        tf.data.Dataset.from_tensors(x)
        .repeat(600)
        .map(case.layer(seed=None), num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    )
    digests = {b"".join(np.asarray(t).tobytes() for t in tf.nest.flatten(b)) for b in ds}
    assert len(digests) == 600, f"{600 - len(digests)} of 600 batches repeated earlier noise"
