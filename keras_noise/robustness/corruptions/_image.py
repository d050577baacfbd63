"""Shared image operations of the corruption suite: filters, resampling and the size scale.

Every function takes a float32 batch `(batch, height, width, channels)` with a static height and
width and is built from batched TensorFlow ops (no per-image loop): kernels are constants made
at trace time, random geometry comes in as tensors.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

#: The side, in pixels, that the CIFAR-10-C parameters were chosen for.
REFERENCE_SIDE = 32


def spatial_scale(images: tf.Tensor) -> float:
    """``min(height, width) / 32``: pixel-unit parameters of CIFAR-10-C are multiplied by it."""
    height, width = images.shape[1], images.shape[2]
    return min(height, width) / REFERENCE_SIDE


def gaussian_kernel(sigma: float, *, truncate: float = 4.0) -> np.ndarray:
    """A normalized 1-D Gaussian kernel with radius ``ceil(truncate * sigma)`` (1 tap at 0)."""
    if sigma <= 1e-3:
        return np.ones((1,), np.float32)
    radius = max(1, math.ceil(truncate * sigma))
    taps = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (taps / sigma) ** 2)
    return (kernel / kernel.sum()).astype(np.float32)


def _pad(images: tf.Tensor, pad_h: int, pad_w: int) -> tf.Tensor:
    # SYMMETRIC (edge pixel repeated) needs pads no larger than the side.
    pad_h = min(pad_h, images.shape[1])
    pad_w = min(pad_w, images.shape[2])
    return tf.pad(images, [[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]], mode="SYMMETRIC")


def convolve(images: tf.Tensor, kernel: np.ndarray) -> tf.Tensor:
    """Convolves every channel with a 2-D `kernel` (odd sides), symmetric border, same size."""
    kh, kw = kernel.shape
    if kh > 2 * images.shape[1] + 1 or kw > 2 * images.shape[2] + 1:
        crop_h = max(0, (kh - (2 * images.shape[1] + 1)) // 2)
        crop_w = max(0, (kw - (2 * images.shape[2] + 1)) // 2)
        kernel = kernel[crop_h : kh - crop_h, crop_w : kw - crop_w]
        kernel = kernel / kernel.sum()
        kh, kw = kernel.shape
    channels = images.shape[-1]
    padded = _pad(images, kh // 2, kw // 2)
    filters = tf.constant(np.tile(kernel[:, :, None, None], (1, 1, channels, 1)), tf.float32)
    return tf.nn.depthwise_conv2d(padded, filters, strides=[1, 1, 1, 1], padding="VALID")


def gaussian_blur(images: tf.Tensor, sigma: float) -> tf.Tensor:
    """A separable Gaussian blur of standard deviation `sigma` pixels (identity below 1e-3)."""
    kernel = gaussian_kernel(sigma)
    if kernel.size == 1:
        return images
    kernel = kernel[: 2 * min(images.shape[1], images.shape[2]) + 1]
    rows = convolve(images, kernel[:, None])
    return convolve(rows, kernel[None, :])


def transform(images: tf.Tensor, transforms: tf.Tensor) -> tf.Tensor:
    """Bilinear resampling by projective maps, reflected at the border.

    Args:
        images: `(batch, height, width, channels)` float32.
        transforms: `(batch, 8)` or `(1, 8)` float32 rows ``[a0, a1, a2, b0, b1, b2, 0, 0]``:
            output pixel (x, y) reads input ``(a0 x + a1 y + a2, b0 x + b1 y + b2)``.
    """
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=tf.cast(transforms, tf.float32),
        output_shape=tf.constant([images.shape[1], images.shape[2]], tf.int32),
        fill_value=tf.constant(0.0),
        interpolation="BILINEAR",
        fill_mode="REFLECT",
    )


def translations(dx: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """`transform` rows that read each image at ``(x + dx, y + dy)`` (dx, dy of shape (batch,))."""
    ones, zeros = tf.ones_like(dx), tf.zeros_like(dx)
    return tf.stack([ones, zeros, dx, zeros, ones, dy, zeros, zeros], axis=1)


def zoom(images: tf.Tensor, factor) -> tf.Tensor:
    """Zooms in by `factor` (>= 1) about the image center, keeping the size (bilinear)."""
    height, width = images.shape[1], images.shape[2]
    inverse = 1.0 / float(factor)
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    row = [inverse, 0.0, cx * (1 - inverse), 0.0, inverse, cy * (1 - inverse), 0.0, 0.0]
    return transform(images, tf.constant([row], tf.float32))


def motion_blur(images: tf.Tensor, radius: float, sigma: float, angle: tf.Tensor) -> tf.Tensor:
    """A one-sided motion blur: Gaussian-weighted copies shifted along `angle` (radians, per image).

    Copies at 0, 1, ..., ``round(radius)`` pixels behind each pixel, weights
    ``exp(-k^2 / (2 sigma^2))`` normalized, read with bilinear interpolation.
    """
    steps = max(1, round(radius))
    weights = np.exp(-0.5 * (np.arange(steps + 1) / max(sigma, 1e-3)) ** 2)
    weights = (weights / weights.sum()).astype(np.float32)
    cos, sin = tf.cos(angle), tf.sin(angle)
    out = images * weights[0]
    for k in range(1, steps + 1):
        shifted = transform(images, translations(-k * cos, -k * sin))
        out += shifted * weights[k]
    return out


def sample(images: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor) -> tf.Tensor:
    """Bilinear reads of each image at per-pixel coordinates, reflected into the image.

    Args:
        images: `(batch, height, width, channels)` float32.
        rows: `(batch, height, width)` float32 source rows (any real value).
        cols: `(batch, height, width)` float32 source columns.
    """
    batch = tf.shape(images)[0]
    height, width, channels = images.shape[1], images.shape[2], images.shape[3]
    rows = _reflect(rows, height)
    cols = _reflect(cols, width)
    row0 = tf.floor(rows)
    col0 = tf.floor(cols)
    frac_r = (rows - row0)[..., None]
    frac_c = (cols - col0)[..., None]
    row0 = tf.cast(row0, tf.int32)
    col0 = tf.cast(col0, tf.int32)
    row1 = tf.minimum(row0 + 1, height - 1)
    col1 = tf.minimum(col0 + 1, width - 1)
    flat = tf.reshape(images, tf.stack([batch, height * width, channels]))

    def read(r, c):
        index = tf.reshape(r * width + c, tf.stack([batch, height * width]))
        values = tf.gather(flat, index, batch_dims=1)
        return tf.reshape(values, tf.stack([batch, height, width, channels]))

    top = read(row0, col0) * (1 - frac_c) + read(row0, col1) * frac_c
    bottom = read(row1, col0) * (1 - frac_c) + read(row1, col1) * frac_c
    return top * (1 - frac_r) + bottom * frac_r


def _reflect(coordinate: tf.Tensor, size: int) -> tf.Tensor:
    """Reflects coordinates into ``[0, size - 1]`` (edge not repeated), then clamps."""
    if size == 1:
        return tf.zeros_like(coordinate)
    last = float(size - 1)
    period = 2.0 * last
    folded = tf.math.floormod(coordinate, period)
    folded = last - tf.abs(last - folded)
    return tf.clip_by_value(folded, 0.0, last)


def pixel_grid(images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """The row and column coordinates of every pixel, each of shape `(1, height, width)`."""
    height, width = images.shape[1], images.shape[2]
    rows, cols = tf.meshgrid(
        tf.range(height, dtype=tf.float32), tf.range(width, dtype=tf.float32), indexing="ij"
    )
    return rows[None], cols[None]


def grayscale(images: tf.Tensor) -> tf.Tensor:
    """Luma (ITU-R BT.601) of RGB images, or the single channel itself; keeps a channel axis."""
    if images.shape[-1] == 1:
        return images
    return tf.image.rgb_to_grayscale(images)
