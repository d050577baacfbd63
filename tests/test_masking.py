"""What Cutout, FeatureMask and TokenMask do: geometry, statistics, dtypes and bad input.

Statistical tolerances are >= 5 standard errors wide and are checked over several seeds.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from deprecation import check_renamed_keyword
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

import keras_noise as kn
from keras_noise.ops import image

SEEDS = [0, 1, 2]


def _holes(y, fill=0.0):
    """The per-image boolean hole masks `(batch, height, width)` of channels-last images."""
    hole = y == fill
    assert np.all(hole.all(axis=-1) == hole.any(axis=-1)), "a hole covers every channel"
    return hole[..., 0]


def _bounding_box(mask):
    rows, cols = np.nonzero(mask)
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


def _expected_area(height, width, box_height, box_width):
    """The exact mean hole area over all (uniform, integer) centers, clipped to the image."""

    def covered(length, box):
        starts = np.arange(length) - box // 2
        return (np.minimum(starts + box, length) - np.maximum(starts, 0)).mean()

    return covered(height, box_height) * covered(width, box_width)


# ------------------------------------------------------------------------------------ Cutout
def test_cutout_holes_are_rectangles_of_the_pixel_size_on_non_square_images():
    x = np.ones((64, 20, 30, 3), "float32")
    y = np.asarray(kn.layers.Cutout(size_pixels=(3, 5), seed=0)(x))
    holes = _holes(y)
    sizes = set()
    for mask in holes:
        top, bottom, left, right = _bounding_box(mask)
        assert mask.sum() == (bottom - top) * (right - left), "one solid rectangle"
        sizes.add((bottom - top, right - left))
    assert max(h for h, _ in sizes) == 3 and max(w for _, w in sizes) == 5
    assert (3, 5) in sizes
    assert len({_bounding_box(m) for m in holes}) > 20, "positions are drawn per image"


def test_cutout_fraction_size_is_relative_to_each_side():
    x = np.ones((64, 24, 40, 1), "float32")
    holes = _holes(np.asarray(kn.layers.Cutout(size_fraction=(0.25, 0.5), seed=1)(x)))
    heights = [np.ptp(np.nonzero(m)[0]) + 1 for m in holes]
    widths = [np.ptp(np.nonzero(m)[1]) + 1 for m in holes]
    assert max(heights) == 6 and max(widths) == 20


@pytest.mark.parametrize("seed", SEEDS)
def test_cutout_centers_are_uniform_and_boxes_clipped_as_in_the_paper(seed):
    height, width, box = 12, 20, (5, 8)
    x = np.ones((3000, height, width, 1), "float32")
    holes = _holes(np.asarray(kn.layers.Cutout(size_pixels=box, seed=seed)(x)))
    area = holes.sum(axis=(1, 2))
    expected = _expected_area(height, width, *box)
    stderr = area.std() / np.sqrt(len(area))
    assert abs(area.mean() - expected) < 5 * stderr + 1e-6
    # Every pixel, corners included, can be hit: centers cover the whole image.
    assert holes.any(axis=0).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_cutout_rate_is_the_probability_that_an_image_is_cut(seed):
    x = np.ones((2000, 8, 10, 1), "float32")
    y = np.asarray(kn.layers.Cutout(size_pixels=2, probability=0.3, seed=seed)(x))
    cut = (y == 0).any(axis=(1, 2, 3))
    assert abs(cut.mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 2000)


def test_cutout_several_holes_and_fill_value():
    x = np.zeros((32, 16, 16, 2), "float32")
    y = np.asarray(kn.layers.Cutout(size_pixels=2, num_boxes=3, fill_value=0.5, seed=0)(x))
    area = _holes(y, fill=0.5).sum(axis=(1, 2))
    assert area.max() <= 12 and area.mean() > 4, "up to three 2x2 holes per image"
    assert set(np.unique(y)) == {0.0, 0.5}


def test_cutout_single_image_and_unbatched_tf_data_map():
    x = np.ones((10, 14, 3), "float32")
    layer = kn.layers.Cutout(size_fraction=0.5, seed=0)
    assert np.asarray(layer(x)).shape == (10, 14, 3)
    ds = tf.data.Dataset.from_tensor_slices(np.ones((6, 10, 14, 3), "float32")).map(layer)
    batch = next(iter(ds.batch(6)))
    assert batch.shape == (6, 10, 14, 3) and np.all((np.asarray(batch) == 0).any(axis=(1, 2, 3)))


def test_cutout_channels_first_matches_channels_last():
    x = np.random.default_rng(0).uniform(size=(4, 9, 13, 3)).astype("float32")
    # Same seed and name -> the same stream (a layer's stream hashes its seed and its name).
    last = kn.layers.Cutout(size_pixels=(4, 3), seed=7, name="cut", data_format="channels_last")(x)
    first = kn.layers.Cutout(size_pixels=(4, 3), seed=7, name="cut", data_format="channels_first")(
        np.transpose(x, (0, 3, 1, 2))
    )
    np.testing.assert_array_equal(np.transpose(np.asarray(first), (0, 2, 3, 1)), last)


def test_cutout_keeps_uint8_images_and_rejects_unrepresentable_fill_values():
    x = np.full((4, 8, 8, 3), 200, "uint8")
    y = np.asarray(kn.layers.Cutout(size_pixels=3, fill_value=128, seed=0)(x))
    assert y.dtype == np.uint8 and set(np.unique(y)) == {128, 200}
    with pytest.raises(ValueError, match=r"`fill_value` of layer 'cut': expected an integer in"):
        kn.layers.Cutout(size_pixels=3, fill_value=300, name="cut")(x)
    with pytest.raises(ValueError, match=r"Received: fill_value=0.5"):
        kn.layers.Cutout(size_pixels=3, fill_value=0.5)(x)


def test_cutout_uint8_in_a_model_reports_the_integer_dtype():
    inputs = keras.Input((8, 8, 3), dtype="uint8")
    outputs = kn.layers.Cutout(size_fraction=0.5)(inputs)
    assert outputs.dtype == "uint8"


def test_cutout_strength_zero_is_identity():
    x = np.ones((4, 8, 8, 1), "float32")
    layer = kn.layers.Cutout(size_fraction=0.5, seed=0)
    layer.set_strength(0.0)
    np.testing.assert_array_equal(layer(x), x)


@settings(max_examples=15, deadline=None)
@given(
    batch=st.integers(1, 4),
    height=st.integers(1, 17),
    width=st.integers(1, 17),
    channels=st.integers(1, 3),
    box=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    holes=st.integers(1, 3),
)
def test_cutout_property_shape_values_and_area(batch, height, width, channels, box, holes):
    x = np.ones((batch, height, width, channels), "float32")
    if box[0] > height or box[1] > width:
        with pytest.raises(ValueError, match=r"expected boxes no larger than the image"):
            kn.layers.Cutout(size_pixels=box)(x)
        box = (min(box[0], height), min(box[1], width))
    layer = kn.layers.Cutout(size_pixels=box, num_boxes=holes, seed=0)
    y = np.asarray(layer(x))
    assert y.shape == x.shape and set(np.unique(y)) <= {0.0, 1.0}
    area = _holes(y).sum(axis=(1, 2))
    assert np.all(area >= 1), "a hole's center is always inside the image"
    assert np.all(area <= holes * min(box[0], height) * min(box[1], width))


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (
            lambda: kn.layers.Cutout(size_fraction=0.2, size_pixels=3),
            r"`size_fraction`: expected at most one of .* received size_pixels=3, "
            r"area_range=None. Received: size_fraction=0.2",
        ),
        (
            lambda: kn.layers.Cutout(size_fraction=0.2, area_range=(0.1, 0.2)),
            r"`size_fraction`: expected at most one of .* area_range=\(0.1, 0.2\). "
            r"Received: size_fraction=0.2",
        ),
        (
            lambda: kn.layers.Cutout(size_fraction=0.0),
            r"`size_fraction`: expected a float in \(0, 1\]",
        ),
        (lambda: kn.layers.Cutout(size_fraction=1.5), r"Received: size_fraction=1.5"),
        (
            lambda: kn.layers.Cutout(size_fraction=(0.2, 0.3, 0.4)),
            r"`size_fraction`: expected a number or a pair",
        ),
        (lambda: kn.layers.Cutout(size_pixels=0), r"`size_pixels`: expected an integer >= 1"),
        (lambda: kn.layers.Cutout(size_pixels=2.5), r"Received: size_pixels=2.5"),
        (
            lambda: kn.layers.Cutout(size_fraction=0.2, num_boxes=0),
            r"`num_boxes`: expected an integer",
        ),
        (
            lambda: kn.layers.Cutout(size_fraction=0.2, data_format="nhwc"),
            r"`data_format`: expected one",
        ),
        (
            lambda: kn.layers.Cutout(size_fraction=0.2, probability=1.5),
            r"`probability`: expected a float in \[0, 1\]",
        ),
        (lambda: kn.layers.Cutout(size_fraction=0.2, fill_value=float("nan")), r"`fill_value`"),
    ],
)
def test_cutout_bad_arguments(factory, message):
    with pytest.raises(ValueError, match=r"^Invalid value for .*" + message):
        factory()


def test_cutout_bad_rank_and_dtype_name_the_received_input():
    with pytest.raises(ValueError, match=r"layer 'cut': expected rank 3 or 4.*shape=\(8, 8\)"):
        kn.layers.Cutout(size_fraction=0.5, name="cut")(np.ones((8, 8), "float32"))
    with pytest.raises(
        TypeError, match=r"expected a float or integer tensor. Received: dtype=bool"
    ):
        kn.layers.Cutout(size_fraction=0.5)(np.ones((2, 8, 8, 1), bool))


# ------------------------------------------------------------------------------- FeatureMask
@pytest.mark.parametrize("seed", SEEDS)
def test_feature_mask_masks_the_requested_fraction_independently(seed):
    x = np.random.default_rng(seed).uniform(1, 2, (1000, 100)).astype("float32")
    y = np.asarray(kn.layers.FeatureMask(rate=0.2, seed=seed)(x))
    masked = y == 0
    assert abs(masked.mean() - 0.2) < 5 * np.sqrt(0.2 * 0.8 / x.size)
    np.testing.assert_array_equal(y[~masked], x[~masked])  # kept values are not rescaled
    per_feature = masked.mean(axis=0)
    assert np.all(np.abs(per_feature - 0.2) < 6 * np.sqrt(0.2 * 0.8 / 1000))
    assert len({row.tobytes() for row in masked}) == 1000, "each example has its own mask"


def test_feature_mask_fill_value_integers_and_extremes():
    x = np.arange(24, dtype="int32").reshape(4, 6) + 1
    y = np.asarray(kn.layers.FeatureMask(rate=1.0, fill_value=-1, seed=0)(x))
    assert y.dtype == np.int32 and np.all(y == -1)
    np.testing.assert_array_equal(kn.layers.FeatureMask(rate=0.0, seed=0)(x), x)
    with pytest.raises(ValueError, match=r"`fill_value` of layer 'fm': expected an integer"):
        kn.layers.FeatureMask(rate=0.5, fill_value=0.5, name="fm")(x)


def test_feature_mask_in_a_model_is_identity_at_inference_and_active_in_fit():
    layer = kn.layers.FeatureMask(rate=0.5, seed=0)
    model = keras.Sequential([keras.Input((8,)), layer])
    x = np.ones((16, 8), "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert (np.asarray(model(x, training=True)) == 0).any()


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: kn.layers.FeatureMask(rate=1.5), r"`rate`: expected a float in \[0, 1\]"),
        (lambda: kn.layers.FeatureMask(rate=-0.1), r"Received: rate=-0.1"),
        (lambda: kn.layers.FeatureMask(rate=0.1, fill_value="x"), r"`fill_value`"),
    ],
)
def test_feature_mask_bad_arguments(factory, message):
    with pytest.raises(ValueError, match=r"^Invalid value for .*" + message):
        factory()


# ------------------------------------------------------------- Cutout: random erasing options
def test_cutout_counts_holes_per_image_and_each_is_a_clipped_rectangle():
    x = np.ones((200, 40, 60, 1), "float32")
    holes = _holes(np.asarray(kn.layers.Cutout(size_pixels=(3, 4), num_boxes=3, seed=0)(x)))
    counts, whole = [], 0
    for mask in holes:
        labels, count = ndimage.label(mask)
        counts.append(count)
        assert 1 <= count <= 3 and mask.sum() <= 3 * 12
        for index, region in enumerate(ndimage.find_objects(labels), start=1):
            piece = labels[region] == index
            inside = region[0].start > 0 and region[1].start > 0
            inside = inside and region[0].stop < 40 and region[1].stop < 60
            if inside and piece.sum() == 12:  # one hole alone, away from the border
                assert piece.shape == (3, 4) and piece.all()
                whole += 1
    assert (np.array(counts) == 3).mean() > 0.7, "three holes per image, rarely overlapping"
    assert whole > 300


def test_cutout_border_holes_are_clipped_rectangles():
    x = np.ones((300, 10, 14, 1), "float32")
    holes = _holes(np.asarray(kn.layers.Cutout(size_pixels=(6, 8), seed=1)(x)))
    clipped = 0
    for mask in holes:
        top, bottom, left, right = _bounding_box(mask)
        assert mask.sum() == (bottom - top) * (right - left), "a single solid rectangle"
        assert bottom - top <= 6 and right - left <= 8
        if (bottom - top, right - left) != (6, 8):
            clipped += 1
            assert top == 0 or bottom == 10 or left == 0 or right == 14, "clipped at the border"
    assert clipped > 100


@pytest.mark.parametrize("seed", SEEDS)
def test_random_box_sizes_draw_areas_uniformly_and_aspect_ratios_log_uniformly(seed):
    h, w = image.random_box_sizes(
        20000,
        1000,
        800,
        tf.constant([seed, 7], tf.int64),
        area_range=(0.02, 0.4),
        aspect_ratio_range=(0.3, 3.3),
    )
    h, w = np.asarray(h, "float64")[:, 0], np.asarray(w, "float64")[:, 0]
    area = h * w / (1000 * 800)
    slack = (h + w + 1) / 2 / (1000 * 800)  # each side is rounded by at most half a pixel
    assert np.all(area >= 0.02 - slack) and np.all(area <= 0.4 + slack)
    stderr = 0.38 / np.sqrt(12 * len(area))
    assert abs(area.mean() - 0.21) < 5 * stderr + 1e-4  # uniform on [0.02, 0.4]
    log_ratio = np.log(h / w)
    assert log_ratio.min() > np.log(0.3) - 0.01 and log_ratio.max() < np.log(3.3) + 0.01
    center = (np.log(0.3) + np.log(3.3)) / 2
    spread = np.log(3.3) - np.log(0.3)
    assert abs(log_ratio.mean() - center) < 5 * spread / np.sqrt(12 * len(h)) + 1e-3


def test_cutout_area_range_holes_have_their_area_when_inside_the_image():
    x = np.ones((400, 48, 64, 1), "float32")
    layer = kn.layers.Cutout(area_range=(0.05, 0.1), aspect_ratio_range=(0.5, 2.0), seed=0)
    holes = _holes(np.asarray(layer(x)))
    shapes = set()
    for mask in holes:
        top, bottom, left, right = _bounding_box(mask)
        assert mask.sum() == (bottom - top) * (right - left)
        if top > 0 and left > 0 and bottom < 48 and right < 64:  # not clipped
            height, width = bottom - top, right - left
            area = height * width / (48 * 64)
            slack = (height + width + 1) / 2 / (48 * 64)  # rounding of each side by <= 0.5
            assert 0.05 - slack <= area <= 0.1 + slack
            assert 0.5 * (height - 0.5) / (width + 0.5) <= 1.0 + 1e-9  # ratio >= 0.5 roughly
            shapes.add((height, width))
    assert len(shapes) > 20, "sizes are drawn per hole"
    assert any(h > w for h, w in shapes) and any(h < w for h, w in shapes)


def test_cutout_mean_fill_is_each_images_per_channel_mean():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(16, 12, 20, 3)).astype("float32") + np.arange(3, dtype="float32")
    y = np.asarray(kn.layers.Cutout(size_fraction=0.5, fill_mode="mean", seed=0, name="cut")(x))
    changed = (y != x).any(axis=-1)
    means = x.mean(axis=(1, 2))
    for out, mask, mean in zip(y, changed, means, strict=True):
        assert mask.any()
        np.testing.assert_allclose(out[mask], np.broadcast_to(mean, out[mask].shape), rtol=1e-5)
    first = kn.layers.Cutout(
        size_fraction=0.5, fill_mode="mean", seed=0, name="cut", data_format="channels_first"
    )
    y_first = np.asarray(first(np.transpose(x, (0, 3, 1, 2))))
    np.testing.assert_allclose(np.transpose(y_first, (0, 2, 3, 1)), y, rtol=1e-6)


def test_cutout_mean_fill_of_uint8_images_is_the_rounded_mean():
    x = np.zeros((4, 8, 10, 2), "uint8")
    x[..., 0], x[..., 1] = 10, 201
    x[:, 0, 0, 1] = 0  # channel 1 mean: 201 * 79 / 80 = 198.49 -> 198
    x[:, :6, :8, 0] = 11  # channel 0 mean: (48 * 11 + 32 * 10) / 80 = 10.6 -> 11 (not 10)
    y = np.asarray(kn.layers.Cutout(size_fraction=0.5, fill_mode="mean", seed=0, name="cut")(x))
    changed = (y != x).any(axis=-1)
    assert y.dtype == np.uint8 and changed.any()
    assert set(y[..., 1][changed].tolist()) <= {198}
    assert set(y[..., 0][changed].tolist()) == {11}


@pytest.mark.parametrize("seed", SEEDS)
def test_cutout_noise_fill_in_a_value_range_and_standard_normal_without(seed):
    x = np.full((64, 32, 32, 3), 5.0, "float32")
    y = np.asarray(
        kn.layers.Cutout(size_fraction=0.5, fill_mode="noise", value_range=(-1.0, 3.0), seed=seed)(
            x
        )
    )
    noise = y[y != 5.0]
    assert noise.min() >= -1.0 and noise.max() < 3.0
    assert abs(noise.mean() - 1.0) < 5 * 4 / np.sqrt(12 * noise.size)
    assert abs(noise.std() - 4 / np.sqrt(12)) < 0.02
    y = np.asarray(kn.layers.Cutout(size_fraction=0.5, fill_mode="noise", seed=seed)(x))
    noise = y[y != 5.0]
    assert abs(noise.mean()) < 5 / np.sqrt(noise.size) and abs(noise.std() - 1.0) < 0.02


def test_cutout_noise_fill_of_uint8_images_draws_integers_in_the_value_range():
    x = np.full((64, 16, 16, 3), 255, "uint8")
    layer = kn.layers.Cutout(size_fraction=0.5, fill_mode="noise", value_range=(10, 20), seed=0)
    y = np.asarray(layer(x))
    assert y.dtype == np.uint8
    assert set(np.unique(y[y != 255]).tolist()) == set(range(10, 21))


def test_cutout_integer_images_need_a_value_range_for_noise_fill():
    x = np.zeros((2, 8, 8, 3), "uint8")
    with pytest.raises(
        ValueError,
        match=r"Invalid value for `value_range` of layer 'cut': integer inputs \(uint8\) with "
        r"fill_mode='noise' need a declared value range.*Received: value_range=None",
    ):
        kn.layers.Cutout(size_fraction=0.5, fill_mode="noise", name="cut")(x)
    with pytest.raises(ValueError, match=r"expected a range within \[0, 255\].*\(0.0, 1000.0\)"):
        kn.layers.Cutout(size_fraction=0.5, fill_mode="noise", value_range=(0, 1000))(x)
    with pytest.raises(ValueError, match=r"holding an integer.*value_range=\(0.2, 0.8\)"):
        kn.layers.Cutout(size_fraction=0.5, fill_mode="noise", value_range=(0.2, 0.8))(x)
    with pytest.raises(ValueError, match=r"`value_range` of layer 'cut'.*value_range=None"):
        kn.layers.Cutout(size_fraction=0.5, fill_mode="noise", name="cut")(x, training=False)


@pytest.mark.parametrize(
    ("shape", "data_format", "received"),
    [
        ((2, 12, 16, 3), "channels_last", r"\(12, 16\).*shape=\(2, 12, 16, 3\)"),
        ((12, 16, 3), "channels_last", r"\(12, 16\).*shape=\(12, 16, 3\)"),
        ((2, 3, 12, 16), "channels_first", r"\(12, 16\).*shape=\(2, 3, 12, 16\)"),
    ],
)
def test_cutout_holes_larger_than_the_image_in_pixels_are_an_error(shape, data_format, received):
    layer = kn.layers.Cutout(size_pixels=(13, 4), data_format=data_format, name="cut")
    with pytest.raises(
        ValueError,
        match=r"^Invalid value for `size_pixels` of layer 'cut': expected boxes no larger than "
        r"the image " + received + r". Received: size_pixels=\(13, 4\)",
    ):
        layer(np.ones(shape, "float32"))
    kn.layers.Cutout(size_pixels=(12, 16), data_format=data_format)(np.ones(shape, "float32"))


def test_cutout_holes_larger_than_the_image_are_caught_in_models_and_tf_data():
    with pytest.raises(ValueError, match=r"`size_pixels` of layer 'cut'.*shape=\(None, 8, 8, 1\)"):
        kn.layers.Cutout(size_pixels=9, name="cut")(keras.Input((8, 8, 1)))
    ds = tf.data.Dataset.from_tensor_slices(np.ones((4, 8, 8, 1), "float32"))
    with pytest.raises(ValueError, match=r"`size_pixels` of layer 'cut'.*shape=\(8, 8, 1\)"):
        ds.map(kn.layers.Cutout(size_pixels=(2, 9), name="cut"))


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (
            lambda: kn.layers.Cutout(area_range=(0.0, 0.5)),
            r"`area_range`: expected a pair \(low, high\) of fractions in \(0, 1\] with low <= "
            r"high. Received: area_range=\(0.0, 0.5\)",
        ),
        (lambda: kn.layers.Cutout(area_range=(0.2, 1.5)), r"Received: area_range=\(0.2, 1.5\)"),
        (lambda: kn.layers.Cutout(area_range=(0.5, 0.2)), r"`area_range`: expected a pair"),
        (lambda: kn.layers.Cutout(area_range=0.3), r"`area_range`: expected a pair"),
        (
            lambda: kn.layers.Cutout(size_fraction=0.3, aspect_ratio_range=(0.5, 2.0)),
            r"`aspect_ratio_range`: expected None unless `area_range` is given",
        ),
        (
            lambda: kn.layers.Cutout(area_range=(0.1, 0.2), aspect_ratio_range=(0.0, 2.0)),
            r"`aspect_ratio_range`: expected a pair \(low, high\) of floats with 0 < low <= high",
        ),
        (
            lambda: kn.layers.Cutout(area_range=(0.1, 0.2), aspect_ratio_range=(3.0, 1.0)),
            r"Received: aspect_ratio_range=\(3.0, 1.0\)",
        ),
        (
            lambda: kn.layers.Cutout(size_fraction=0.3, fill_mode="blur"),
            r"`fill_mode`: expected one of",
        ),
        (
            lambda: kn.layers.Cutout(size_fraction=0.3, fill_mode="mean", fill_value=0.5),
            r"`fill_value`: expected None with fill_mode='mean'",
        ),
        (
            lambda: kn.layers.Cutout(size_fraction=0.3, fill_value=2.0, value_range=(0, 1)),
            r"`fill_value`: expected a float in the value range \[0, 1\] \(None means 0.0\). "
            r"Received: fill_value=2",
        ),
        (
            lambda: kn.layers.Cutout(size_fraction=0.3, value_range=(10, 20)),
            r"`fill_value`: expected a float in the value range \[10, 20\].*fill_value=None",
        ),
        (
            lambda: kn.layers.Cutout(size_fraction=0.3, value_range=(1, 1)),
            r"`value_range`: expected a pair .* low < high",
        ),
    ],
)
def test_cutout_bad_random_erasing_arguments(factory, message):
    with pytest.raises(ValueError, match=r"^Invalid value for .*" + message):
        factory()


def test_cutout_config_round_trip_keeps_the_random_erasing_options():
    layer = kn.layers.Cutout(
        area_range=(0.02, 0.4),
        aspect_ratio_range=(0.3, 3.3),
        num_boxes=2,
        fill_mode="noise",
        value_range=(0, 255),
        seed=3,
    )
    clone = kn.layers.Cutout.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    x = np.zeros((2, 16, 12, 3), "uint8")
    np.testing.assert_array_equal(clone(x), layer(x))


# ------------------------------------------------------- FeatureMask: fills and shared masks
def test_feature_mask_per_feature_fill_values_e_g_training_means():
    x = np.random.default_rng(0).uniform(1, 2, (500, 4)).astype("float32")
    means = np.array([10.0, -20.0, 30.0, 0.5], "float32")
    y = np.asarray(kn.layers.FeatureMask(rate=0.3, fill_value=means, seed=0)(x))
    masked = y != x
    assert abs(masked.mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / x.size)
    for feature in range(4):
        assert np.all(y[masked[:, feature], feature] == means[feature])


def test_feature_mask_fill_vector_length_is_checked_against_the_feature_axis():
    with pytest.raises(
        ValueError,
        match=r"^Invalid value for `fill_value` of layer 'fm': expected a float or 64 values, "
        r"one per feature on the last axis of inputs of shape=\(None, 64\). "
        r"Received: fill_value of length 10",
    ):
        kn.layers.FeatureMask(rate=0.2, fill_value=[0.0] * 10, name="fm")(keras.Input((64,)))
    with pytest.raises(ValueError, match=r"`noise_stddev` of layer 'fm'.*shape=\(8, 3\).*len"):
        kn.layers.FeatureMask(rate=0.2, fill_mode="noise", noise_stddev=[1.0, 2.0], name="fm")(
            np.ones((8, 3), "float32")
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_feature_mask_noise_fill_has_the_given_per_feature_mean_and_stddev(seed):
    x = np.full((20000, 2), 100.0, "float32")
    layer = kn.layers.FeatureMask(
        rate=0.5, fill_mode="noise", fill_value=[1.0, -3.0], noise_stddev=[0.5, 2.0], seed=seed
    )
    y = np.asarray(layer(x))
    for feature, (mean, std) in enumerate([(1.0, 0.5), (-3.0, 2.0)]):
        noise = y[y[:, feature] != 100.0, feature]
        assert abs(len(noise) / 20000 - 0.5) < 5 * np.sqrt(0.25 / 20000)
        assert abs(noise.mean() - mean) < 5 * std / np.sqrt(len(noise))
        assert abs(noise.std() / std - 1.0) < 0.05
    y = np.asarray(kn.layers.FeatureMask(rate=1.0, fill_mode="noise", seed=seed)(x))
    assert abs(y.mean()) < 5 / np.sqrt(y.size) and abs(y.std() - 1.0) < 0.02


@pytest.mark.parametrize("seed", SEEDS)
def test_feature_mask_shared_axes_shares_the_mask_across_time_steps(seed):
    x = np.ones((400, 30, 8), "float32")
    layer = kn.layers.FeatureMask(rate=0.25, shared_axes=(1,), seed=seed)
    masked = np.asarray(layer(x)) == 0
    assert np.all(masked.all(axis=1) == masked.any(axis=1)), "one decision for every time step"
    per_feature = masked[:, 0, :]
    assert abs(per_feature.mean() - 0.25) < 5 * np.sqrt(0.25 * 0.75 / per_feature.size)
    assert len({row.tobytes() for row in per_feature}) > 100, "decisions differ per example"


def test_feature_mask_noise_fill_needs_float_inputs_and_numeric_dtypes():
    with pytest.raises(TypeError, match=r"layer 'fm': fill_mode='noise' expects a float tensor"):
        kn.layers.FeatureMask(rate=0.5, fill_mode="noise", name="fm")(np.ones((2, 3), "int32"))
    with pytest.raises(TypeError, match=r"layer 'fm': expected a float or integer tensor"):
        kn.layers.FeatureMask(rate=0.5, name="fm")(np.ones((2, 3), bool))


def test_feature_mask_rejects_scalar_inputs():
    with pytest.raises(ValueError, match=r"layer 'fm': expected rank >= 1.*shape=\(\)"):
        kn.layers.FeatureMask(rate=0.5, name="fm")(tf.constant(1.0))


def test_feature_mask_shared_axes_is_checked_against_the_input_shape():
    x = np.ones((4, 5, 6), "float32")
    with pytest.raises(
        ValueError,
        match=r"^Invalid value for `shared_axes`: expected axes of an input of rank 3. "
        r"Received: shared_axes=\(3,\)",
    ):
        kn.layers.FeatureMask(rate=0.5, shared_axes=(3,), name="fm")(x)
    with pytest.raises(ValueError, match=r"shared_axes=\(-4,\)"):
        kn.layers.FeatureMask(rate=0.5, shared_axes=-4, name="fm")(x)


def test_feature_mask_deprecated_noise_shape_maps_to_shared_axes_or_fails():
    """`noise_shape` (before 0.2.0): a 1 is a shared axis; an int size has no equivalent."""
    x = np.ones((64, 5, 6), "float32")
    with pytest.warns(DeprecationWarning, match=r"`noise_shape` of FeatureMask.*`shared_axes`"):
        old = kn.layers.FeatureMask(rate=0.5, noise_shape=(None, 1, None), seed=3, name="fm")
    assert old.shared_axes == (1,)
    new = kn.layers.FeatureMask(rate=0.5, shared_axes=(1,), seed=3, name="fm")
    np.testing.assert_array_equal(old(x), new(x))
    with (
        pytest.raises(ValueError, match=r"^Invalid value for `noise_shape`.*\(None, 3, None\)"),
        pytest.warns(DeprecationWarning),
    ):
        kn.layers.FeatureMask(rate=0.5, noise_shape=(None, 3, None))
    with pytest.raises(ValueError, match=r"`noise_shape` is the deprecated name of `shared_axes`"):
        kn.layers.FeatureMask(rate=0.5, noise_shape=(None, 1), shared_axes=(1,))


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: kn.layers.FeatureMask(rate=0.1, fill_mode="mean"), r"`fill_mode`: expected one"),
        (lambda: kn.layers.FeatureMask(rate=0.1, fill_value=[]), r"`fill_value`: expected a"),
        (
            lambda: kn.layers.FeatureMask(rate=0.1, fill_value=[1.0, float("nan")]),
            r"`fill_value`: expected a float finite",
        ),
        (
            lambda: kn.layers.FeatureMask(rate=0.1, noise_stddev=1.0),
            r"`noise_stddev`: expected None with fill_mode='constant'",
        ),
        (
            lambda: kn.layers.FeatureMask(rate=0.1, fill_mode="noise", noise_stddev=[1.0, -1.0]),
            r"`noise_stddev`: expected a float >= 0. Received: noise_stddev=-1.0",
        ),
        (lambda: kn.layers.FeatureMask(rate=0.1, shared_axes=(1, 0.5)), r"`shared_axes`"),
        (lambda: kn.layers.FeatureMask(rate=0.1, shared_axes="(1,)"), r"`shared_axes`"),
    ],
)
def test_feature_mask_bad_fill_arguments(factory, message):
    with pytest.raises(ValueError, match=r"^Invalid value for .*" + message):
        factory()


def test_feature_mask_config_round_trip_with_vectors():
    layer = kn.layers.FeatureMask(
        rate=0.3,
        fill_mode="noise",
        fill_value=np.array([1.0, 2.0]),
        noise_stddev=[0.1, 0.2],
        shared_axes=[1],
        seed=0,
    )
    config = layer.get_config()
    assert config["fill_value"] == (1.0, 2.0) and config["shared_axes"] == (1,)
    clone = kn.layers.FeatureMask.from_config(config)
    x = np.ones((3, 4, 2), "float32")
    np.testing.assert_array_equal(clone(x), layer(x))


# --------------------------------------------------------------------------------- TokenMask
def _tokens(shape, seed=0, vocabulary=1000):
    return np.random.default_rng(seed).integers(5, vocabulary, size=shape).astype("int32")


@pytest.mark.parametrize("seed", SEEDS)
def test_token_mask_default_is_the_bert_80_10_10_split_and_special_ids_are_untouched(seed):
    ids = _tokens((500, 128), seed)
    ids[:, :2] = 101  # [CLS]-like special id, protected
    ids[:, -3:] = 0  # padding, protected by default
    layer = kn.layers.TokenMask(
        rate=0.15,
        vocabulary_size=1000,
        mask_token_id=3,
        protected_token_ids=(0, 101),
        return_mask=True,
        seed=seed,
    )
    out, selected = (np.asarray(t) for t in layer(ids))
    special = (ids == 0) | (ids == 101)
    assert np.all(out[special] == ids[special]) and not selected[special].any()
    eligible = selected[~special]
    n = eligible.size
    assert abs(eligible.mean() - 0.15) < 5 * np.sqrt(0.15 * 0.85 / n)
    assert np.all(out[~selected] == ids[~selected]), "only selected tokens change"
    chosen, original = out[selected], ids[selected]
    k = len(chosen)
    masked = chosen == 3
    unchanged = chosen == original
    randomized = ~masked & ~unchanged
    # A random replacement equals the original (or 3) with probability ~1/1000: within slack.
    assert abs(masked.mean() - 0.8) < 5 * np.sqrt(0.8 * 0.2 / k) + 0.001
    assert abs(randomized.mean() - 0.1) < 5 * np.sqrt(0.1 * 0.9 / k) + 0.001
    assert abs(unchanged.mean() - 0.1) < 5 * np.sqrt(0.1 * 0.9 / k) + 0.001
    assert np.all((chosen >= 0) & (chosen < 1000))
    # random ids are uniform over the vocabulary: both halves are hit about equally
    replaced = chosen[randomized]
    assert abs((replaced < 500).mean() - 0.5) < 5 * np.sqrt(0.25 / len(replaced)) + 0.01


def test_token_mask_ratios_are_configurable():
    ids = _tokens((200, 64))
    layer = kn.layers.TokenMask(
        rate=1.0,
        vocabulary_size=1000,
        mask_token_id=3,
        mask_token_rate=0.0,
        random_token_rate=0.0,
        protected_token_ids=(),
        return_mask=True,
        seed=0,
    )
    out, selected = layer(ids)
    assert np.asarray(selected).all()
    np.testing.assert_array_equal(out, ids)  # every selected token is kept: only the mask marks
    out = np.asarray(
        kn.layers.TokenMask(
            rate=1.0,
            vocabulary_size=1000,
            mask_token_id=3,
            mask_token_rate=1.0,
            random_token_rate=0.0,
            seed=0,
        )(ids)
    )
    assert np.all(out == 3)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_token_mask_is_integer_in_integer_out(dtype):
    ids = _tokens((8, 16), vocabulary=200).astype(dtype)
    layer = kn.layers.TokenMask(
        rate=0.5, vocabulary_size=200, mask_token_id=1, random_token_rate=0.0, seed=0
    )
    out = np.asarray(layer(ids))
    assert out.dtype == np.dtype(dtype)
    assert set(np.unique(out[out != ids])) == {1}


def test_token_mask_return_mask_at_inference_in_models_and_tf_data():
    ids = _tokens((4, 10))
    layer = kn.layers.TokenMask(
        rate=0.5, vocabulary_size=1000, mask_token_id=1, return_mask=True, seed=0
    )
    out, selected = layer(ids, training=False)
    np.testing.assert_array_equal(out, ids)
    assert selected.dtype == tf.bool and not np.asarray(selected).any()

    inputs = keras.Input((10,), dtype="int32")
    masked_ids, mask = layer(inputs)
    assert masked_ids.dtype == "int32" and mask.dtype == "bool"
    model = keras.Model(inputs, [masked_ids, mask])
    out, selected = model(ids, training=True)
    changed = np.asarray(out) != ids
    assert np.asarray(selected).any() and not (changed & ~np.asarray(selected)).any()

    y = np.arange(4)
    (ds_ids, ds_mask), ds_y = next(iter(tf.data.Dataset.from_tensors((ids, y)).map(layer)))
    assert ds_ids.dtype == tf.int32 and ds_mask.shape == (4, 10)
    np.testing.assert_array_equal(ds_y, y)


def test_token_mask_rejects_float_inputs_and_dtypes_too_small_for_the_vocabulary():
    layer = kn.layers.TokenMask(vocabulary_size=1000, mask_token_id=1, name="tm")
    with pytest.raises(TypeError, match=r"layer 'tm': expected an integer tensor of token ids"):
        layer(np.ones((2, 4), "float32"))
    with pytest.raises(
        ValueError,
        match=r"`vocabulary_size` of layer 'tm': expected at most 256 for uint8 token ids.*"
        r"Received: vocabulary_size=1000",
    ):
        layer(np.ones((2, 4), "uint8"))


def _token_mask(**kwargs):
    return kn.layers.TokenMask(**{"vocabulary_size": 100, "mask_token_id": 1, **kwargs})


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: _token_mask(mask_token_id=-1), r"`mask_token_id`: expected an integer in \[0, 99"),
        (
            lambda: _token_mask(mask_token_id=100),
            r"`mask_token_id`: expected an integer in \[0, 99\]. Received: mask_token_id=100",
        ),
        (lambda: _token_mask(rate=2.0), r"`rate`: expected a float"),
        (lambda: _token_mask(vocabulary_size=0), r"`vocabulary_size`: expected an integer >= 1"),
        (
            lambda: _token_mask(mask_token_rate=0.8, random_token_rate=0.3),
            r"`random_token_rate`: expected a float in \[0, 0.2\]",
        ),
        (lambda: _token_mask(mask_token_rate=1.5), r"`mask_token_rate`: expected a float in"),
        (lambda: _token_mask(protected_token_ids="0"), r"`protected_token_ids`: expected a seq"),
        (
            lambda: _token_mask(protected_token_ids=(0, -2)),
            r"`protected_token_ids`: expected an integer in \[0, 99\]",
        ),
        (
            lambda: _token_mask(protected_token_ids=(0, 100)),
            r"`protected_token_ids`: expected an integer in \[0, 99\]. .*=100",
        ),
        (lambda: _token_mask(return_mask="yes"), r"`return_mask`: expected True or False"),
    ],
)
def test_token_mask_bad_arguments(factory, message):
    with pytest.raises(ValueError, match=r"^Invalid value for .*" + message):
        factory()


def test_token_mask_with_return_mask_round_trips_through_a_keras_file(tmp_path):
    inputs = keras.Input((6,), dtype="int32")
    layer = _token_mask(rate=0.5, return_mask=True, seed=0)
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert loaded.layers[-1].get_config() == layer.get_config()
    ids = _tokens((2, 6), vocabulary=100)
    out, selected = loaded(ids, training=False)
    np.testing.assert_array_equal(out, ids)
    assert not np.asarray(selected).any()
    # Input -> TokenMask holds no trainable weight: called directly it is a data pipeline
    _, selected = loaded(ids)
    assert np.asarray(selected).any()


# ------------------------------------------------------------------ vocabulary of 0.2.0
@pytest.mark.parametrize(
    ("old", "new", "value", "kwargs"),
    [
        ("rate", "probability", 0.5, {"size_pixels": 2}),
        ("size", "size_fraction", 0.3, {}),
        ("num_holes", "num_boxes", 2, {"size_pixels": 2}),
    ],
)
def test_cutout_renamed_keywords_still_work_with_a_warning(old, new, value, kwargs):
    check_renamed_keyword(
        kn.layers.Cutout, old, new, value, np.ones((8, 10, 12, 3), "float32"), **kwargs
    )


def test_cutout_defaults_erase_one_random_erasing_box_per_image():
    """`Cutout()` works like `keras.layers.RandomErasing()`: one box per image, every image, with
    an area fraction in RandomErasing's default scale (0.02, 0.33) (clipped at the border)."""
    height, width, batch = 40, 50, 64
    y = np.asarray(kn.layers.Cutout(seed=0)(np.ones((batch, height, width, 3), "float32")))
    # square boxes (the default aspect ratio) whose side is the rounded sqrt of the area
    smallest, largest = (round(np.sqrt(f * height * width)) for f in (0.02, 0.33))
    interior = 0
    for erased in y[..., 0] == 0:
        assert ndimage.label(erased)[1] == 1, "exactly one box per image"
        rows, cols = np.nonzero(erased)
        sides = (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
        assert sides[0] * sides[1] == erased.sum(), "the erased region is one rectangle"
        assert max(sides) <= largest
        if rows.min() > 0 and cols.min() > 0 and rows.max() < height - 1 and cols.max() < width - 1:
            interior += 1  # not clipped by the border: the whole box
            assert sides[0] == sides[1] and smallest <= sides[0] <= largest
    assert interior >= 5, "enough unclipped boxes to check the area range"
    assert kn.layers.Cutout().get_config()["area_range"] == (0.02, 0.33)
