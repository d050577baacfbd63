"""The ImageNet-C / CIFAR-10-C corruption suite: strength by severity, layouts, seeds, tf.data."""

import io

import numpy as np
import pytest
import tensorflow as tf

from keras_noise.robustness import CORRUPTIONS, SUITE, corrupt


def smooth_images(shape, seed=0):
    """Natural-ish images: upsampled coarse noise in (0, 1)."""
    batch, height, width, channels = shape
    coarse = np.random.default_rng(seed).uniform(0.1, 0.9, size=(batch, 6, 6, channels))
    return tf.image.resize(coarse.astype("float32"), (height, width)).numpy()


def test_the_suite_is_the_papers_minus_frost():
    assert SUITE == (
        "gaussian_noise",
        "shot_noise",
        "impulse_noise",
        "speckle_noise",
        "defocus_blur",
        "gaussian_blur",
        "motion_blur",
        "zoom_blur",
        "glass_blur",
        "brightness",
        "contrast",
        "saturate",
        "fog",
        "snow",
        "spatter",
        "elastic_transform",
        "pixelate",
        "jpeg_compression",
    )
    assert all(CORRUPTIONS[name].default_severities == (1, 2, 3, 4, 5) for name in SUITE)
    assert "frost" not in CORRUPTIONS


@pytest.mark.parametrize("shape", [(8, 32, 32, 3), (8, 24, 40, 1)], ids=["32x32x3", "24x40x1"])
def test_severity_5_is_further_from_the_clean_image_than_severity_1(shape):
    images = smooth_images(shape)
    for name in SUITE:
        if shape[-1] not in CORRUPTIONS[name].channels or name == "elastic_transform":
            continue
        first, last = (
            float(np.mean(np.abs(np.asarray(corrupt(images, name, s, seed=1)) - images)))
            for s in (1, 5)
        )
        assert last > 1.05 * first and last > 1e-3, (name, first, last)


def test_elastic_transform_grows_its_non_rigid_distortion_with_severity():
    # With the paper's CIFAR-10-C parameters the affine jitter shrinks (0.08 -> 0.03 of the
    # side) while the smooth local displacement grows (amplitude 0 -> 0.1): by raw pixel distance
    # severity 1 moves more. What grows is the non-rigid part, measured exactly on a linear ramp:
    # a bilinear affine warp keeps it a plane, a local displacement does not.
    rows, cols = np.meshgrid(np.arange(32.0), np.arange(32.0), indexing="ij")
    ramp = np.repeat(((0.3 * rows + 0.7 * cols) / 36)[None, ..., None], 8, 0).astype("float32")
    design = np.stack([rows[6:-6, 6:-6].ravel(), cols[6:-6, 6:-6].ravel(), np.ones(400)], 1)

    def non_rigid(severity):
        out = np.asarray(corrupt(ramp, "elastic_transform", severity, seed=0))
        interior = out[:, 6:-6, 6:-6, 0].reshape(8, -1)
        fits = [design @ np.linalg.lstsq(design, y, rcond=None)[0] for y in interior]
        return float(np.mean(np.abs(interior - np.stack(fits))))

    residuals = [non_rigid(s) for s in (1, 3, 5)]
    assert residuals[0] < 1e-3 < residuals[1] < residuals[2]
    moved = float(np.mean(np.abs(np.asarray(corrupt(ramp, "elastic_transform", 1, seed=0)) - ramp)))
    assert moved > 0.01  # severity 1 is still a (rigid) distortion


@pytest.mark.parametrize("name", SUITE)
def test_shapes_dtypes_range_and_determinism(name):
    channels = 3 if name == "saturate" else 1
    images = smooth_images((3, 20, 28, channels))
    out = corrupt(images, name, 3, seed=5)
    assert out.shape == images.shape and out.dtype == tf.float32
    values = np.asarray(out)
    assert values.min() >= 0.0 and values.max() <= 1.0
    np.testing.assert_array_equal(values, np.asarray(corrupt(images, name, 3, seed=5)))
    half = corrupt(tf.constant(images, tf.float16), name, 3, seed=5)
    assert half.dtype == tf.float16 and half.shape == images.shape
    single = corrupt(images[0], name, 3, seed=5)
    assert single.shape == images.shape[1:]


def test_seeds_give_different_draws_and_images_of_a_batch_differ():
    images = np.full((4, 16, 16, 3), 0.5, "float32")
    for name in ("gaussian_noise", "shot_noise", "fog", "snow", "glass_blur", "motion_blur"):
        textured = (
            smooth_images((4, 16, 16, 3)) if name in ("glass_blur", "motion_blur") else images
        )
        a = np.asarray(corrupt(textured, name, 4, seed=0))
        b = np.asarray(corrupt(textured, name, 4, seed=1))
        assert not np.allclose(a, b), name
        assert not np.allclose(a[0], a[1]), name
    fresh = [np.asarray(corrupt(images, "gaussian_noise", 2)) for _ in range(2)]
    assert not np.allclose(*fresh)


def test_corruptions_do_what_they_say():
    images = smooth_images((8, 32, 32, 3))
    brighter = np.asarray(corrupt(images, "brightness", 5))
    assert brighter.mean() > images.mean() + 0.15
    flat = np.asarray(corrupt(images, "contrast", 5))
    np.testing.assert_allclose(flat.std(axis=(1, 2)), 0.15 * images.std(axis=(1, 2)), rtol=1e-3)
    grey = np.asarray(corrupt(images, "saturate", 2))
    assert np.ptp(grey, axis=-1).mean() < 0.2 * np.ptp(images, axis=-1).mean()
    hits = np.asarray(corrupt(images, "impulse_noise", 5, seed=0))
    assert abs(float(np.mean((hits == 0) | (hits == 1))) - 0.07) < 0.01
    noisy = np.asarray(corrupt(np.full((8, 32, 32, 1), 0.5, "float32"), "gaussian_noise", 5))
    assert float(np.std(noisy)) == pytest.approx(0.10, rel=0.05)
    blocks = np.asarray(corrupt(images, "pixelate", 5))  # 32 -> 20 pixels -> 32
    assert len(np.unique(blocks[0, :, :, 0])) <= 20 * 20


def test_jpeg_matches_an_encoder_up_to_rounding():
    from PIL import Image

    images = np.round(smooth_images((4, 24, 40, 3), seed=3) * 255) / 255
    for severity, quality in ((1, 80), (5, 40)):
        ours = np.asarray(corrupt(images, "jpeg_compression", severity))
        reference = []
        for image in images:
            buffer = io.BytesIO()
            Image.fromarray(np.round(image * 255).astype(np.uint8)).save(
                buffer, "JPEG", quality=quality
            )
            reference.append(np.asarray(Image.open(buffer)) / 255.0)
        reference = np.stack(reference)
        loss = np.abs(reference - images).mean()
        assert np.abs(ours - reference).mean() < 0.25 * loss
        assert np.abs(ours - images).mean() == pytest.approx(loss, rel=0.2)


def test_usable_in_a_tf_data_map_with_a_seed_per_batch():
    images = smooth_images((12, 16, 16, 3))
    labels = np.arange(12)
    ds = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .batch(4)
        .enumerate()
        .map(lambda i, b: (corrupt(b[0], "fog", 4, seed=tf.stack([7, i])), b[1]))
    )
    first = [np.asarray(x) for x, _ in ds]
    second = [np.asarray(x) for x, _ in ds]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert first[0].shape == (4, 16, 16, 3)
    eager = np.asarray(corrupt(images[:4], "fog", 4, seed=tf.constant([7, 0], tf.int64)))
    np.testing.assert_allclose(first[0], eager, atol=1e-6)
    per_image = tf.data.Dataset.from_tensor_slices(images).map(
        lambda x: corrupt(x, "jpeg_compression", 5)
    )
    assert next(iter(per_image)).shape == (16, 16, 3)


def test_bad_input_gets_clear_errors():
    images = smooth_images((2, 16, 16, 1))
    with pytest.raises(
        ValueError,
        match=r"Invalid value for `corruption`: expected names of known corruptions: "
        r"'gaussian_noise', .*'jpeg_compression', 'jitter', .* \(unknown: 'frost'\)",
    ):
        corrupt(images, "frost", 1)
    for severity in (0, 6, 2.0, True):
        with pytest.raises(
            ValueError, match=r"`severity`: expected an integer in \[1, 5\]. Received: severity="
        ):
            corrupt(images, "fog", severity)
    with pytest.raises(ValueError, match=r"`severity`: expected a float >= 0"):
        corrupt(images, "jitter", -0.1)
    with pytest.raises(ValueError, match=r"corruption 'saturate' expects 3 channel"):
        corrupt(images, "saturate", 1)
    with pytest.raises(TypeError, match=r"expects float values .*Received: dtype=uint8"):
        corrupt(np.zeros((2, 16, 16, 3), "uint8"), "fog", 1)
    with pytest.raises(ValueError, match=r"corruption 'fog' expects images .*shape=\(16, 16\)"):
        corrupt(np.zeros((16, 16), "float32"), "fog", 1)
    with pytest.raises(ValueError, match=r"Invalid value for `seed`"):
        corrupt(images, "fog", 1, seed=-1)

    @tf.function(input_signature=[tf.TensorSpec((None, None, None, 3))])
    def dynamic(x):
        return corrupt(x, "fog", 1)

    with pytest.raises(ValueError, match=r"needs a static height, width"):
        dynamic.get_concrete_function()


def test_pixel_lengths_scale_with_the_image_side():
    # Severity 5 of gaussian_blur is sigma = 1 pixel at 32x32, so 2 pixels at 64x64: the blurred
    # image of one bright pixel has a variance of sigma^2 along each axis.
    def spread(side):
        impulse = np.zeros((1, side, side, 1), "float32")
        impulse[0, side // 2, side // 2, 0] = 1.0
        out = np.asarray(corrupt(impulse, "gaussian_blur", 5))[0, :, :, 0]
        offsets = np.arange(side) - side // 2
        return float((out.sum(axis=1) * offsets**2).sum() / out.sum())

    assert spread(32) == pytest.approx(1.0, rel=0.02)
    assert spread(64) == pytest.approx(4.0, rel=0.02)
