"""LabelSmoothing: the formula for every label form, structures, composition, bad input.

Cross-cutting checks run from the registry (`tests/cases/mixing.py`).
"""

import numpy as np
import pytest
import tensorflow as tf
from deprecation import check_renamed_keyword

import keras_noise as kn

ONE_HOT = np.eye(4, dtype="float32")[[1, 3, 0]]
SMOOTHED = ONE_HOT * 0.8 + 0.05  # smoothing = 0.2 over 4 classes


@pytest.mark.parametrize(
    "labels",
    [ONE_HOT, np.array([1, 3, 0]), np.array([[1], [3], [0]], "int64")],
    ids=["one-hot", "class ids", "class ids (batch, 1)"],
)
def test_smoothing_formula(labels):
    out = kn.layers.LabelSmoothing(0.2, num_classes=4)(labels)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out, SMOOTHED, atol=1e-7)


def test_soft_labels_and_the_ends_of_smoothing():
    soft = np.random.default_rng(0).dirichlet(np.ones(5), size=6).astype("float32")
    for smoothing, expected in [
        (0.0, soft),
        (1.0, np.full_like(soft, 0.2)),
        (0.3, soft * 0.7 + 0.06),
    ]:
        out = np.asarray(kn.layers.LabelSmoothing(smoothing)(soft))
        np.testing.assert_allclose(out, expected, atol=1e-6)
        np.testing.assert_allclose(out.sum(axis=-1), 1.0, atol=1e-6)


def test_a_single_column_is_a_binary_probability_smoothed_towards_one_half():
    out = kn.layers.LabelSmoothing(0.2)(np.array([[0.0], [1.0]], "float32"))
    np.testing.assert_allclose(out, [[0.1], [0.9]], atol=1e-7)


def test_float16_labels_keep_their_dtype():
    out = kn.layers.LabelSmoothing(0.2)(ONE_HOT.astype("float16"))
    assert out.dtype == tf.float16
    np.testing.assert_allclose(np.asarray(out, "float32"), SMOOTHED, atol=1e-3)


@pytest.mark.parametrize("form", ["(x, y)", "(x, y, sample_weight)", "dict", "key_map"])
def test_only_the_labels_change_in_every_structure(form):
    x = np.random.default_rng(0).uniform(size=(3, 5, 7, 1)).astype("float32")
    w = np.array([0.5, 1.0, 2.0], "float32")
    element, layer = {
        "(x, y)": ((x, ONE_HOT), kn.layers.LabelSmoothing(0.2)),
        "(x, y, sample_weight)": ((x, ONE_HOT, w), kn.layers.LabelSmoothing(0.2)),
        "dict": ({"images": x, "labels": ONE_HOT}, kn.layers.LabelSmoothing(0.2)),
        "key_map": (
            {"pixels": x, "target": ONE_HOT},
            kn.layers.LabelSmoothing(0.2, key_map={"features": "pixels", "labels": "target"}),
        ),
    }[form]
    for out in (layer(element), next(iter(tf.data.Dataset.from_tensors(element).map(layer)))):
        parts = list(out.values()) if isinstance(out, dict) else list(out)
        want = list(element.values()) if isinstance(element, dict) else list(element)
        assert type(out) is type(element) and len(parts) == len(want)
        np.testing.assert_array_equal(parts[0], x)
        np.testing.assert_allclose(parts[1], SMOOTHED, atol=1e-7)
        if len(parts) == 3:
            np.testing.assert_array_equal(parts[2], w)


def test_unbatched_elements_are_smoothed_too():
    ds = tf.data.Dataset.from_tensor_slices((np.zeros((3, 2), "float32"), np.array([1, 3, 0])))
    out = [y.numpy() for _, y in ds.map(kn.layers.LabelSmoothing(0.2, num_classes=4))]
    np.testing.assert_allclose(out, SMOOTHED, atol=1e-7)


def test_identity_at_inference_keeps_class_ids():
    labels = np.array([1, 3, 0])
    out = kn.layers.LabelSmoothing(0.2, num_classes=4)(labels, training=False)
    np.testing.assert_array_equal(out, labels)


def test_composes_after_mixup_in_a_pipeline():
    x = np.random.default_rng(0).uniform(size=(8, 6, 10, 3)).astype("float32")
    ds = (
        tf.data.Dataset.from_tensor_slices((x, np.arange(8) % 4))
        .batch(8)
        .map(kn.layers.MixUp(alpha=0.4, num_classes=4, seed=0))
        .map(kn.layers.LabelSmoothing(0.1))
    )
    _, labels = next(iter(ds))
    labels = np.asarray(labels)
    np.testing.assert_allclose(labels.sum(axis=-1), 1.0, atol=1e-6)
    assert labels.min() >= 0.1 / 4 - 1e-7


def test_assigned_smoothing_reaches_a_built_pipeline():
    layer = kn.layers.LabelSmoothing(0.0, num_classes=4)
    ds = tf.data.Dataset.from_tensors(np.array([1, 3, 0])).map(layer)
    np.testing.assert_allclose(next(iter(ds)), ONE_HOT)
    layer.set_strength(0.2)
    np.testing.assert_allclose(next(iter(ds)), SMOOTHED, atol=1e-7)


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("smoothing", [-0.1, 1.5, float("nan"), "0.1"])
def test_smoothing_must_be_in_zero_one(smoothing):
    with pytest.raises(ValueError, match=r"Invalid value for `smoothing`: expected a float in \[0"):
        kn.layers.LabelSmoothing(smoothing)


def test_class_ids_need_num_classes():
    with pytest.raises(ValueError, match=r"num_classes.*integer class ids"):
        kn.layers.LabelSmoothing(0.1)(np.array([1, 2]))


def test_class_ids_out_of_range():
    with pytest.raises(ValueError, match=r"class ids in \[0, 4\).*ids from 0 to 7"):
        kn.layers.LabelSmoothing(0.1, num_classes=4)(np.array([0, 7]))
    ds = tf.data.Dataset.from_tensors(np.array([0, 7])).map(
        kn.layers.LabelSmoothing(0.1, num_classes=4)
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"class ids in \[0, 4\)"):
        next(iter(ds))


def test_class_count_must_match_num_classes():
    with pytest.raises(ValueError, match=r"num_classes=3 columns.*\(3, 4\)"):
        kn.layers.LabelSmoothing(0.1, num_classes=3)(ONE_HOT)


def test_ambiguous_float_labels_are_refused_with_the_fix():
    for labels in (np.float32(1.0), np.array([0.0, 1.0, 1.0], "float32")):
        with pytest.raises(ValueError, match=r"either binary labels.*binary=True, or binary=False"):
            kn.layers.LabelSmoothing(0.1)(labels)


def test_binary_labels_of_a_batch_smooth_towards_one_half_like_keras():
    """Issue #12: (B,) binary labels gave 0.0125/0.9125 (smoothed towards 1/B)."""
    import keras

    labels = np.array([0, 1, 1, 0, 1, 0, 0, 1], "float32")
    out = np.asarray(kn.layers.LabelSmoothing(0.1, binary=True)(labels))
    np.testing.assert_allclose(out, np.where(labels == 1, 0.95, 0.05), atol=1e-7)
    # the same targets Keras' BinaryCrossentropy(label_smoothing=0.1) trains on
    predictions = np.full((8, 1), 0.3, "float32")
    smoothed_loss = keras.losses.BinaryCrossentropy(label_smoothing=0.1)(
        labels[:, None], predictions
    )
    ours = keras.losses.BinaryCrossentropy()(out[:, None], predictions)
    np.testing.assert_allclose(float(ours), float(smoothed_loss), rtol=1e-5)
    ints = np.asarray(kn.layers.LabelSmoothing(0.2, binary=True)(np.array([[0, 1], [1, 1]])))
    np.testing.assert_allclose(ints, [[0.1, 0.9], [0.9, 0.9]], atol=1e-7)  # multi-label
    one_hot = np.asarray(kn.layers.LabelSmoothing(0.2, binary=False)(np.eye(4, dtype="float32")[1]))
    np.testing.assert_allclose(one_hot, [0.05, 0.85, 0.05, 0.05], atol=1e-7)
    with pytest.raises(ValueError, match=r"`num_classes`: expected None with binary=True"):
        kn.layers.LabelSmoothing(0.1, binary=True, num_classes=2)


def test_dict_without_labels_lists_its_keys():
    with pytest.raises(ValueError, match=r"without labels.*Received keys: \['images', 'target'\]"):
        kn.layers.LabelSmoothing(0.1)({"images": np.zeros((3, 2)), "target": ONE_HOT})


def test_renamed_epsilon_still_works_with_a_warning():
    """`epsilon` (before 0.2.0) is now `smoothing`; `epsilon` is the attack radius of fgsm/pgd."""
    check_renamed_keyword(kn.layers.LabelSmoothing, "epsilon", "smoothing", 0.2, ONE_HOT)
