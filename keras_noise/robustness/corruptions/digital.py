"""Digital corruptions of the suite: contrast, saturate, pixelate and elastic transform.

Parameters per severity 1-5 are those of CIFAR-10-C (Hendrycks and Dietterich, ICLR 2019); the
elastic transform's lengths are fractions of ``min(height, width)``, as the paper writes them
for 32x32 images.
"""

from __future__ import annotations

import tensorflow as tf

from keras_noise.ops import random
from keras_noise.robustness.corruptions import _image

#: Contrast factor around the per-image, per-channel mean.
CONTRAST = (0.75, 0.5, 0.4, 0.3, 0.15)
#: (factor, offset) of the HSV saturation: s * factor + offset.
SATURATE = ((0.3, 0.0), (0.1, 0.0), (1.5, 0.0), (2.0, 0.1), (2.5, 0.2))
#: Side of the downsampled image as a fraction of the original side.
PIXELATE = (0.95, 0.9, 0.85, 0.75, 0.65)
#: (displacement amplitude, displacement smoothness sigma, affine jitter), fractions of the side.
ELASTIC = (
    (0.0, 0.0, 0.08),
    (0.05, 0.2, 0.07),
    (0.08, 0.06, 0.06),
    (0.1, 0.04, 0.05),
    (0.1, 0.03, 0.03),
)


def contrast(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """``(x - mean) * c + mean`` with the mean per image and channel."""
    mean = tf.reduce_mean(images, axis=(1, 2), keepdims=True)
    return (images - mean) * CONTRAST[severity - 1] + mean


def saturate(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """Scales and shifts the HSV saturation (RGB images only)."""
    factor, offset = SATURATE[severity - 1]
    hsv = tf.image.rgb_to_hsv(tf.clip_by_value(images, 0.0, 1.0))
    hue, saturation, value = tf.unstack(hsv, axis=-1)
    saturation = tf.clip_by_value(saturation * factor + offset, 0.0, 1.0)
    return tf.image.hsv_to_rgb(tf.stack([hue, saturation, value], axis=-1))


def pixelate(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """Box-downsamples to a fraction c of each side, then upsamples back with nearest pixels."""
    height, width = images.shape[1], images.shape[2]
    fraction = PIXELATE[severity - 1]
    small = (max(1, int(height * fraction)), max(1, int(width * fraction)))
    reduced = tf.image.resize(images, small, method="area")
    return tf.image.resize(reduced, (height, width), method="nearest")


def elastic_transform(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """A random affine map plus a smooth random displacement field, in one bilinear read.

    The affine map moves three points around the center (a third of the side away) by up to the
    affine jitter; the displacement is uniform noise in [-1, 1] blurred by a Gaussian of the
    smoothness sigma, times the amplitude. Pixels read ``A(p + d(p))`` with reflection at the
    border (the paper warps twice: affine then displacement; one read composes both).
    """
    amplitude, smoothness, jitter = ELASTIC[severity - 1]
    height, width = images.shape[1], images.shape[2]
    side = min(height, width)
    amplitude, smoothness, jitter = amplitude * side, smoothness * side, jitter * side
    batch = tf.shape(images)[0]
    affine_seed, dx_seed, dy_seed = random.split_seed(seed, 3)

    cx, cy, reach = width // 2, height // 2, side // 3
    source = tf.constant(
        [[cx + reach, cy + reach], [cx + reach, cy - reach], [cx - reach, cy - reach]], tf.float32
    )
    moved = source + random.uniform(
        tf.stack([batch, 3, 2]), affine_seed, minval=-jitter, maxval=jitter
    )
    # The inverse map A: moved -> source, solved per image from the three point pairs.
    ones = tf.ones(tf.stack([batch, 3, 1]))
    coefficients = tf.linalg.solve(
        tf.concat([moved, ones], axis=2), tf.broadcast_to(source, tf.shape(moved))
    )  # (batch, 3, 2): [x, y, 1] @ coefficients = source point

    rows, cols = _image.pixel_grid(images)
    field_shape = tf.stack([batch, height, width, 1])
    if amplitude > 0:
        dx = _image.gaussian_blur(random.uniform(field_shape, dx_seed, minval=-1.0), smoothness)
        dy = _image.gaussian_blur(random.uniform(field_shape, dy_seed, minval=-1.0), smoothness)
        cols = cols + amplitude * dx[..., 0]
        rows = rows + amplitude * dy[..., 0]
    else:
        cols = tf.broadcast_to(cols, field_shape[:3])
        rows = tf.broadcast_to(rows, field_shape[:3])
    c = coefficients[:, None, None]  # (batch, 1, 1, 3, 2)
    source_x = cols * c[..., 0, 0] + rows * c[..., 1, 0] + c[..., 2, 0]
    source_y = cols * c[..., 0, 1] + rows * c[..., 1, 1] + c[..., 2, 1]
    return _image.sample(images, source_y, source_x)
