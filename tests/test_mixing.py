"""MixUp and CutMix: the Beta draw, partners, exact CutMix areas, labels, structures, bad input.

Cross-cutting checks (serialization, identity at inference, seeds, `tf.data`, mixed precision,
XLA, MirroredStrategy, strength without retracing, export) run from the registry
(`tests/cases/mixing.py`); this file checks what the mixing does.
"""

import math

import hypothesis
import keras
import numpy as np
import pytest
import scipy.special
import scipy.stats
import tensorflow as tf
from hypothesis import strategies as st

import keras_noise as kn
from keras_noise.ops import beta, mixing

SEED = tf.constant([3, 4], tf.int64)
SHAPE = (8, 6, 10, 3)  # non-square images


def _images(shape=SHAPE, seed=0, dtype="float32"):
    return np.random.default_rng(seed).uniform(0, 1, size=shape).astype(dtype)


def _constant_images(batch=8, height=6, width=10, channels=3):
    """Image i is filled with the value i, so every pixel tells where it came from."""
    values = np.arange(batch, dtype="float32")[:, None, None, None]
    return np.broadcast_to(values, (batch, height, width, channels)).copy()


def _one_hot(batch=8, classes=4):
    return np.eye(classes, dtype="float32")[np.arange(batch) % classes]


# ----------------------------------------------------------------------------- Beta draws
@pytest.mark.parametrize("alpha", [0.2, 1.0, 2.0])
def test_symmetric_beta_has_the_moments_of_beta(alpha):
    draws = beta.symmetric_beta([200_000], alpha, SEED).numpy().astype("float64")
    variance = 1.0 / (4.0 * (2.0 * alpha + 1.0))
    # 6 standard errors: the mean's is sqrt(var / n); the variance's is below sqrt(1/16 / n).
    assert abs(draws.mean() - 0.5) < 6 * math.sqrt(variance / draws.size)
    assert abs(draws.var() - variance) < 6 * math.sqrt(1.0 / 16.0 / draws.size)
    assert draws.min() >= 0.0 and draws.max() <= 1.0


@pytest.mark.parametrize("alpha", [0.05, 0.2, 1.0, 4.0])
@pytest.mark.parametrize("method", ["rejection", "kernel"])
def test_gamma_draws_are_exact_in_distribution(alpha, method):
    """A Kolmogorov-Smirnov test of log Gamma(alpha) (log space keeps tiny draws exact), for the
    XLA path (rejection) and the kernel path."""
    special, stats = scipy.special, scipy.stats
    uniforms = tf.random.stateless_uniform([1 + 3 * beta._CANDIDATES, 50_000], SEED)
    if method == "rejection":
        logs = beta._log_gamma_rejection(uniforms, tf.constant(alpha), SEED).numpy()
    else:  # the kernel takes only the boost uniforms
        logs = beta._log_gamma_kernel(uniforms[0], tf.constant(alpha), SEED).numpy()
    result = stats.kstest(logs.astype("float64"), lambda t: special.gammainc(alpha, np.exp(t)))
    assert result.pvalue > 1e-6, f"KS statistic {result.statistic:.4f}"


def test_gamma_draws_stay_exact_when_the_first_round_rejects_everything():
    """Acceptance uniforms of 0 reject every first-round candidate: the loop draws them all."""
    special, stats = scipy.special, scipy.stats
    uniforms = tf.random.stateless_uniform([1 + 3 * beta._CANDIDATES, 20_000], SEED)
    candidates = 2 * beta._CANDIDATES
    uniforms = tf.concat([uniforms[: 1 + candidates], tf.zeros_like(uniforms[1 + candidates :])], 0)
    logs = beta._log_gamma_rejection(uniforms, tf.constant(0.5), SEED).numpy()
    result = stats.kstest(logs.astype("float64"), lambda t: special.gammainc(0.5, np.exp(t)))
    assert result.pvalue > 1e-6, f"KS statistic {result.statistic:.4f}"


def test_mixup_graph_outside_xla_has_no_loop():
    """A loop makes every new tf.data iterator instantiate its functions: a cost per epoch."""
    graph = (
        tf.function(lambda seed: beta.symmetric_beta([8], 0.5, seed))
        .get_concrete_function(tf.TensorSpec((2,), tf.int64))
        .graph
    )
    types = {op.type for op in graph.get_operations()}
    assert not types & {"While", "StatelessWhile"}, types
    assert "StatelessRandomGammaV3" in types


def test_symmetric_beta_compiles_under_xla_with_the_same_distribution():
    draw = tf.function(lambda seed: beta.symmetric_beta([100_000], 0.5, seed), jit_compile=True)
    draws = draw(SEED).numpy().astype("float64")
    assert abs(draws.var() - 1.0 / 8.0) < 6 * math.sqrt(1.0 / 16.0 / draws.size)


@pytest.mark.parametrize("alpha", [0.0, 1e-9])
def test_symmetric_beta_at_alpha_zero_gives_zeros_and_ones(alpha):
    draws = beta.symmetric_beta([1000], alpha, SEED).numpy()
    assert set(np.unique(draws)) <= {0.0, 1.0}


# ------------------------------------------------------------------------------- partners
@hypothesis.settings(max_examples=15, deadline=None)
@hypothesis.given(batch=st.integers(2, 64), seed=st.integers(0, 2**31 - 1))
def test_partners_form_one_cycle_through_the_batch(batch, seed):
    partners = mixing.partner_indices(batch, tf.constant([seed, 1], tf.int64)).numpy()
    visited, current = set(), 0
    for _ in range(batch):
        visited.add(current)
        current = partners[current]
    assert current == 0 and visited == set(range(batch))  # no fixed points, all used once


# ----------------------------------------------------------------------------- CutMix boxes
@hypothesis.settings(max_examples=15, deadline=None)
@hypothesis.given(
    height=st.integers(1, 40),
    width=st.integers(1, 40),
    lam=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**31 - 1),
)
def test_cutmix_boxes_lie_in_the_image_and_report_their_clipped_area(height, width, lam, seed):
    seed = tf.constant([seed, 2], tf.int64)
    top, bottom, left, right, pasted = (
        t.numpy()[0] for t in mixing.cutmix_boxes(tf.constant([lam]), height, width, seed)
    )
    assert 0 <= top <= bottom <= height and 0 <= left <= right <= width
    assert pasted == np.float32((bottom - top) * (right - left)) / np.float32(height * width)
    side = math.sqrt(1.0 - lam)
    assert bottom - top <= round(side * height) + 1 and right - left <= round(side * width) + 1


@pytest.mark.parametrize("mode", ["example", "batch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cutmix_label_weight_is_the_pasted_area_exactly(mode, data_format):
    images = _constant_images(batch=8, height=6, width=10)
    if data_format == "channels_first":
        images = images.transpose(0, 3, 1, 2)
    layer = kn.layers.CutMix(alpha=1.0, mode=mode, data_format=data_format, seed=5)
    for _ in range(4):
        out, labels = layer(images, np.eye(8, dtype="float32"))
        out, labels = np.asarray(out), np.asarray(labels)
        kept = (out == images).mean(axis=(1, 2, 3))  # partners differ: a pasted pixel changes
        np.testing.assert_allclose(labels[np.arange(8), np.arange(8)], kept, atol=1e-6)
        np.testing.assert_allclose(labels.sum(axis=-1), 1.0, atol=1e-6)
        source = out[:, 0] if data_format == "channels_first" else out[..., 0]
        for i in range(8):  # a pasted pixel comes from the one partner the label names
            partner = int(np.argmax(labels[i] * (np.arange(8) != i)))
            assert set(np.unique(source[i])) <= {i, partner}
        if mode == "batch":
            masks = source != np.arange(8)[:, None, None]
            assert all(np.array_equal(masks[0], mask) for mask in masks)


def test_cutmix_keeps_integer_images_exact():
    images = np.random.default_rng(0).integers(0, 256, size=(6, 7, 9, 1)).astype("uint8")
    out, _ = kn.layers.CutMix(seed=0)(images, _one_hot(6, 3))
    out = np.asarray(out)
    assert out.dtype == np.uint8
    assert np.all(np.isin(out, images))


def test_cutmix_boxes_have_the_sampled_area_on_average():
    """lam = 3/4: boxes of 100 x 100 px in 200 x 200 images, area 1/4 unless clipped."""
    *_, pasted = mixing.cutmix_boxes(tf.fill([20_000], 0.75), 200, 200, SEED)
    pasted = pasted.numpy()
    assert pasted.max() == 0.25
    # A box keeps all 100 rows only if its centre is 50 px from both edges; on average it
    # keeps 87.5 rows and 87.5 columns: (87.5 / 200) ** 2 = 0.1914.
    assert abs(pasted.mean() - 0.1914) < 0.005


# --------------------------------------------------------------------------------- MixUp
@pytest.mark.parametrize(
    "labels, kwargs",
    [
        (np.arange(8) % 4, {"num_classes": 4}),
        ((np.arange(8) % 4)[:, None], {"num_classes": 4}),
        (_one_hot(), {}),
        (np.random.default_rng(1).dirichlet(np.ones(4), size=8).astype("float32"), {}),
    ],
    ids=["sparse", "sparse (batch, 1)", "one-hot", "soft"],
)
def test_mixup_labels_are_probabilities_that_sum_to_one(labels, kwargs):
    _, mixed = kn.layers.MixUp(alpha=1.0, seed=0, **kwargs)(_images(), labels)
    mixed = np.asarray(mixed)
    assert mixed.shape == (8, 4) and mixed.dtype == np.float32
    assert np.all(mixed >= 0.0)
    np.testing.assert_allclose(mixed.sum(axis=-1), 1.0, atol=1e-6)


def test_mixup_mixes_inputs_and_labels_with_the_same_weights():
    images, labels = _constant_images(), np.eye(8, dtype="float32")
    out, mixed = kn.layers.MixUp(alpha=1.0, seed=2)(images, labels)
    out, mixed = np.asarray(out), np.asarray(mixed)
    # Image i is lam * i + (1 - lam) * j, and its labels put lam on i and 1 - lam on j.
    expected = mixed @ np.arange(8, dtype="float32")
    np.testing.assert_allclose(out[:, 0, 0, 0], expected, atol=1e-5)
    assert np.all(mixed[np.arange(8), np.arange(8)] >= 0.5)  # each keeps the larger share
    assert np.all(np.count_nonzero(mixed, axis=-1) <= 2)


@pytest.mark.parametrize("alpha", [1e-9, 0.0])
def test_mixup_at_alpha_towards_zero_returns_the_inputs(alpha):
    layer = kn.layers.MixUp(alpha=1e-9, seed=0)
    layer.strength.assign(alpha)  # a schedule may start at 0, below the constructor's bound
    images, labels = _images(), _one_hot()
    out, mixed = layer(images, labels)
    np.testing.assert_array_equal(out, images)
    np.testing.assert_array_equal(mixed, labels)


def test_mixup_strength_can_be_scheduled_from_zero_but_not_below():
    layer = kn.layers.MixUp(alpha=0.2, seed=0)
    layer.set_strength(0.0)
    images = _images()
    np.testing.assert_array_equal(layer(images, _one_hot())[0], images)
    with pytest.raises(
        ValueError, match=r"Invalid value for `mix_up.*\.alpha`: expected a float >= 0"
    ):
        layer.set_strength(-0.1)


def test_mixup_batch_mode_draws_one_weight_per_batch():
    _, mixed = kn.layers.MixUp(alpha=1.0, mode="batch", seed=0)(
        _images(), np.eye(8, dtype="float32")
    )
    own = np.asarray(mixed)[np.arange(8), np.arange(8)]
    np.testing.assert_allclose(own, own[0], atol=1e-6)
    assert 0.5 <= own[0] <= 1.0


def test_mixup_weight_distribution_follows_folded_beta():
    """lam' = max(lam, 1 - lam) with lam ~ Beta(0.4, 0.4): E[lam'] from the Beta density."""
    layer = kn.layers.MixUp(alpha=0.4, seed=0)
    labels = np.eye(512, dtype="float32")
    own = np.concatenate(
        [np.diag(np.asarray(layer(np.zeros((512, 1), "float32"), labels)[1])) for _ in range(20)]
    )
    stats = scipy.stats
    expected = stats.beta(0.4, 0.4).expect(lambda lam: np.maximum(lam, 1.0 - lam))
    assert abs(own.mean() - expected) < 6 * 0.25 / math.sqrt(own.size)  # sd <= 1/4 on [1/2, 1]


def test_mixup_with_sample_weights_mixes_the_weighted_losses_exactly():
    rng = np.random.default_rng(0)
    labels = rng.dirichlet(np.ones(5), size=8).astype("float32")
    weights = rng.uniform(0.0, 2.0, size=8).astype("float32")
    weights[3] = 0.0
    layer = kn.layers.MixUp(alpha=1.0, seed=4, name="mix")
    _, mixed, mixed_weights = layer(_images(), labels, weights)
    # The same draw without weights gives lam and the partners.
    _, plain = kn.layers.MixUp(alpha=1.0, seed=4, name="mix")(_images(), labels)
    plain, mixed, mixed_weights = map(np.asarray, (plain, mixed, mixed_weights))
    eye = np.eye(8, dtype="float32")
    _, pairs = kn.layers.MixUp(alpha=1.0, seed=4, name="mix")(_images(), eye)
    pairs = np.asarray(pairs)
    lam = np.diag(pairs)
    partner = np.argmax(pairs - np.diag(lam), axis=-1)
    expected_plain = lam[:, None] * labels + (1 - lam[:, None]) * labels[partner]
    np.testing.assert_allclose(plain, expected_plain, rtol=1e-6)
    np.testing.assert_allclose(mixed_weights, lam * weights + (1 - lam) * weights[partner], 1e-6)
    np.testing.assert_allclose(mixed.sum(axis=-1), 1.0, atol=1e-6)
    predictions = rng.dirichlet(np.ones(5), size=8)

    def cross_entropy(y):
        return -(y * np.log(predictions)).sum(axis=-1)

    expected = lam * weights * cross_entropy(labels) + (1 - lam) * weights[partner] * cross_entropy(
        labels[partner]
    )
    np.testing.assert_allclose(mixed_weights * cross_entropy(mixed), expected, rtol=1e-5)


def test_mixup_keeps_integer_inputs_integer():
    images = np.random.default_rng(0).integers(0, 256, size=(8, 5, 4, 3)).astype("uint8")
    out, _ = kn.layers.MixUp(alpha=1.0, seed=0)(images, _one_hot())
    out = np.asarray(out)
    assert out.dtype == np.uint8 and out.shape == images.shape


@pytest.mark.parametrize("shape", [(8, 5), (8, 7, 2)], ids=["tabular", "sequence"])
def test_mixup_works_on_any_feature_rank(shape):
    out, labels = kn.layers.MixUp(alpha=0.5, seed=0)(_images(shape), _one_hot())
    assert out.shape == shape and labels.shape == (8, 4)


@pytest.mark.parametrize("layer_cls", [kn.layers.MixUp, kn.layers.CutMix])
def test_same_seed_gives_the_same_mix_in_eager_graph_and_tf_data(layer_cls):
    images, labels = _images(), _one_hot()
    layers = [layer_cls(seed=9, name="mix") for _ in range(3)]  # same seed and name
    eager = layers[0](images, labels)
    graph = tf.function(lambda x, y: layers[1](x, y))(images, labels)
    mapped = next(iter(tf.data.Dataset.from_tensors((images, labels)).map(layers[2])))
    for other in (graph, mapped):
        for got, want in zip(other, eager, strict=True):
            np.testing.assert_allclose(got, want, atol=1e-6)
    # XLA draws its own stream (TensorFlow's random ops compile differently), reproducibly.
    layer = layer_cls(seed=9)
    compiled = tf.function(layer, jit_compile=True)
    state = layer.seed_generator.state.numpy()
    first = compiled(images, labels)
    layer.seed_generator.state.assign(state)  # back to the seed's start
    second = compiled(images, labels)
    for got, want in zip(first, second, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(np.sum(first[1], axis=-1), 1.0, atol=1e-6)


# ------------------------------------------------------------------------------ structures
@pytest.mark.parametrize("layer_cls", [kn.layers.MixUp, kn.layers.CutMix])
def test_dicts_keep_their_other_keys_and_take_a_key_map(layer_cls):
    images, labels = _images(), _one_hot()
    element = {"images": images, "labels": labels, "id": np.arange(8)}
    out = layer_cls(seed=0)(element)
    assert set(out) == {"images", "labels", "id"}
    np.testing.assert_array_equal(out["id"], element["id"])
    weights = np.ones(8, "float32")
    custom = {"image": images, "label": labels, "weight": weights}
    keys = {"features": "image", "labels": "label", "sample_weight": "weight"}
    out = layer_cls(key_map=keys, seed=0)(custom)
    assert set(out) == set(custom) and not np.array_equal(out["image"], images)
    np.testing.assert_allclose(out["weight"], weights, rtol=1e-6)  # equal weights stay equal
    assert layer_cls.from_config(layer_cls(key_map=keys).get_config()).key_map == keys


def test_mixup_in_a_batched_tf_data_pipeline_with_unknown_batch_size():
    ds = tf.data.Dataset.from_tensor_slices((_images((10, 6, 10, 3)), np.arange(10) % 4))
    ds = ds.batch(4).map(kn.layers.MixUp(alpha=0.2, num_classes=4, seed=0))  # batches 4, 4, 2
    sizes = []
    for images, labels in ds:
        sizes.append(len(images))
        np.testing.assert_allclose(np.sum(labels, axis=-1), 1.0, atol=1e-6)
    assert sizes == [4, 4, 2]


# ------------------------------------------------------------------------------- bad input
LAYERS = [kn.layers.MixUp, kn.layers.CutMix]


@pytest.mark.parametrize("layer_cls", LAYERS)
@pytest.mark.parametrize("alpha", [0.0, -1.0, float("nan"), True])
def test_alpha_must_be_positive(layer_cls, alpha):
    with pytest.raises(ValueError, match=r"Invalid value for `alpha`: expected a float > 0"):
        layer_cls(alpha=alpha)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"mode": "pair"}, "Invalid value for `mode`"),
        ({"num_classes": 1}, "Invalid value for `num_classes`"),
        ({"num_classes": 2.5}, "Invalid value for `num_classes`"),
        ({"key_map": {"image": "x"}}, "Invalid value for `key_map`"),
        ({"key_map": {"features": 3}}, "Invalid value for `key_map`"),
        ({"data_format": "NHWC"}, "Invalid value for `data_format`"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kn.layers.CutMix(**kwargs)


@pytest.mark.parametrize("layer_cls", LAYERS)
def test_sparse_labels_need_num_classes(layer_cls):
    with pytest.raises(ValueError, match=r"num_classes.*integer class ids"):
        layer_cls()(_images(), np.arange(8) % 4)


@pytest.mark.parametrize("layer_cls", LAYERS)
def test_label_batch_size_must_match_and_the_message_gives_both(layer_cls):
    with pytest.raises(ValueError, match=r"batch size 8\).*batch size 6\)"):
        layer_cls()(_images(), _one_hot(batch=6))
    with pytest.raises(ValueError, match=r"sample weights .*batch size 5\)"):
        layer_cls()(_images(), _one_hot(), np.ones(5, "float32"))


def test_label_batch_size_is_checked_at_run_time_when_unknown():
    mismatched = tf.data.Dataset.from_tensor_slices(_images((8, 6, 10, 3))).batch(4)
    labels = tf.data.Dataset.from_tensor_slices(_one_hot(8)).batch(3)
    ds = tf.data.Dataset.zip((mismatched, labels)).map(kn.layers.MixUp(seed=0))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"labels with the batch size"):
        next(iter(ds))


@pytest.mark.parametrize("layer_cls", LAYERS)
def test_class_ids_out_of_range(layer_cls):
    labels = np.array([0, 1, 2, 3, 4, 0, 1, -1])
    with pytest.raises(ValueError, match=r"class ids in \[0, 4\).*ids from -1 to 4"):
        layer_cls(num_classes=4)(_images(), labels)
    ds = tf.data.Dataset.from_tensors((_images(), labels)).map(layer_cls(num_classes=4))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"class ids in \[0, 4\)"):
        next(iter(ds))


def test_class_ids_out_of_range_under_xla_give_nan_labels():
    labels = np.array([0, 1, 2, 3, 9, 0, 1, 2])
    layer = kn.layers.MixUp(num_classes=4, seed=0)
    _, mixed = tf.function(lambda x, y: layer(x, y), jit_compile=True)(_images(), labels)
    assert np.isnan(np.asarray(mixed)).any()


@pytest.mark.parametrize("layer_cls", LAYERS)
def test_unbatched_elements_say_to_batch_first(layer_cls):
    with pytest.raises(ValueError, match=r"batch the dataset first"):
        layer_cls(num_classes=4)(_images((6, 10, 3)), np.array(2))
    with pytest.raises(ValueError, match=r"batch the dataset first"):
        layer_cls()(_images((6, 10, 3)), _one_hot(1)[0])
    ds = tf.data.Dataset.from_tensor_slices((_images(), np.arange(8) % 4))
    with pytest.raises(ValueError, match=r"batch the dataset first"):
        ds.map(layer_cls(num_classes=4))


def test_cutmix_needs_rank_4_images():
    with pytest.raises(ValueError, match=r"expected rank 4.*batch the dataset first"):
        kn.layers.CutMix()(_images((8, 6, 10)), _one_hot())


@pytest.mark.parametrize("layer_cls", LAYERS)
def test_dict_without_the_expected_keys_lists_the_keys_found(layer_cls):
    with pytest.raises(ValueError, match=r"without a features key.*Received keys: \['label', "):
        layer_cls()({"label": _one_hot(), "pixels": _images()})
    with pytest.raises(ValueError, match=r"without labels.*Received keys: \['images', 'target'\]"):
        layer_cls()({"images": _images(), "target": _one_hot()})


@pytest.mark.parametrize("layer_cls", LAYERS)
def test_a_bare_tensor_is_refused(layer_cls):
    with pytest.raises(ValueError, match=r"inputs and the labels together.*\(x, y\)"):
        layer_cls()(_images())


@pytest.mark.parametrize(
    "labels, error, match",
    [
        (np.eye(4, dtype="int32")[np.arange(8) % 4], ValueError, r"one-hot or soft labels must"),
        (np.array(["a"] * 8), TypeError, r"Invalid labels.*dtype string"),
        (np.ones((8, 3), "float32"), ValueError, r"num_classes=4 columns"),
    ],
    ids=["integer one-hot", "strings", "wrong class count"],
)
def test_bad_labels(labels, error, match):
    with pytest.raises(error, match=match):
        kn.layers.MixUp(num_classes=4)(_images(), labels)


# ------------------------------------------------------------------ vocabulary of 0.2.0
def test_mixup_is_a_deprecated_alias_of_mix_up_that_loads_old_configs():
    with pytest.warns(DeprecationWarning, match=r"`Mixup` is deprecated; use `MixUp`"):
        layer = kn.layers.Mixup(alpha=0.4, num_classes=3, seed=0)
    assert isinstance(layer, kn.layers.MixUp)
    assert kn.layers.Mixup.deprecated_alias_of is kn.layers.MixUp
    images, labels = layer(_images(), np.arange(8) % 3)
    assert labels.shape == (8, 3)
    old = {  # a 0.1 config: the class was called Mixup
        "module": "keras_noise.layers.mixing",
        "class_name": "Mixup",
        "config": kn.layers.MixUp(alpha=0.3, name="m").get_config(),
        "registered_name": "keras_noise>Mixup",
    }
    with pytest.warns(DeprecationWarning):
        loaded = keras.saving.deserialize_keras_object(old)
    assert isinstance(loaded, kn.layers.MixUp) and loaded.get_config() == old["config"]
