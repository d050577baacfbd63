"""Blur corruptions of the suite: defocus, Gaussian, motion, zoom and glass blur.

Parameters per severity 1-5 are those of CIFAR-10-C (Hendrycks and Dietterich, ICLR 2019), chosen
for 32x32 images; lengths in pixels (blur sigmas, radii, shuffle distances) are multiplied by
``min(height, width) / 32`` so an image of another size is blurred by the same fraction of its
side. Zoom factors are relative and not scaled.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from keras_noise.ops import random
from keras_noise.robustness.corruptions import _image

#: (disk radius, anti-aliasing Gaussian sigma), pixels at 32x32.
DEFOCUS = ((0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1.0, 0.2), (1.5, 0.1))
#: Gaussian sigma, pixels at 32x32.
GAUSSIAN_SIGMA = (0.4, 0.6, 0.7, 0.8, 1.0)
#: (length, Gaussian sigma of the weights along it), pixels at 32x32; the angle is uniform in
#: [-45, 45] degrees per image.
MOTION = ((6.0, 1.0), (6.0, 1.5), (6.0, 2.0), (8.0, 2.0), (9.0, 2.5))
#: The largest zoom factor; the blur averages the image with zooms 1.00, 1.01, ..., this.
ZOOM_MAX = (1.05, 1.10, 1.15, 1.20, 1.25)
#: (Gaussian sigma, largest shuffle distance, shuffle iterations), pixels at 32x32.
GLASS = ((0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2))


def disk_kernel(radius: float, alias_sigma: float) -> np.ndarray:
    """A normalized disk of `radius` pixels, smoothed by a 3x3 Gaussian of `alias_sigma`."""
    half = math.ceil(radius) + 1
    taps = np.arange(-half, half + 1, dtype=np.float64)
    disk = (taps[:, None] ** 2 + taps[None, :] ** 2 <= radius**2).astype(np.float64)
    disk /= disk.sum()
    smooth = np.exp(-0.5 * (np.arange(-1, 2) / max(alias_sigma, 1e-3)) ** 2)
    smooth /= smooth.sum()
    padded = np.pad(disk, 1)
    out = np.zeros_like(padded)
    for i, wi in enumerate(smooth):  # separable 3x3 smoothing of a small constant kernel
        for j, wj in enumerate(smooth):
            out += wi * wj * np.roll(np.roll(padded, i - 1, axis=0), j - 1, axis=1)
    return (out / out.sum()).astype(np.float32)


def defocus_blur(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """Convolution with an anti-aliased disk (the image of an out-of-focus point)."""
    radius, alias = DEFOCUS[severity - 1]
    scale = _image.spatial_scale(images)
    return _image.convolve(images, disk_kernel(radius * scale, alias * scale))


def gaussian_blur(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """A Gaussian blur."""
    return _image.gaussian_blur(images, GAUSSIAN_SIGMA[severity - 1] * _image.spatial_scale(images))


def motion_blur(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """A one-sided motion blur along a random direction per image (uniform in +-45 degrees)."""
    length, sigma = MOTION[severity - 1]
    scale = _image.spatial_scale(images)
    angle = random.uniform(tf.shape(images)[:1], seed, minval=-math.pi / 4, maxval=math.pi / 4)
    return _image.motion_blur(images, length * scale, sigma * scale, angle)


def zoom_blur(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """The mean of the image and its zooms about the center by 1.01, 1.02, ... (moving camera)."""
    count = round((ZOOM_MAX[severity - 1] - 1.0) / 0.01)
    total = images
    for step in range(1, count + 1):
        total += _image.zoom(images, 1.0 + 0.01 * step)
    return total / (count + 1)


def glass_blur(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """Blur, then shuffle pixels locally (frosted glass), then blur again.

    The paper swaps pixel pairs one after another, an inherently sequential loop; here every
    pixel reads a random neighbour at most `distance` pixels away in each direction (uniform
    integer offsets, reflected at the border), `iterations` times: the same local scrambling as
    one batched gather. The distance is at least 1 pixel on any image size.
    """
    sigma, distance, iterations = GLASS[severity - 1]
    scale = _image.spatial_scale(images)
    sigma *= scale
    distance = max(1, round(distance * scale))
    out = _image.gaussian_blur(images, sigma)
    rows, cols = _image.pixel_grid(images)
    shape = tf.concat([tf.shape(images)[:1], tf.shape(images)[1:3]], axis=0)
    for iteration in range(iterations):
        step_seed = random.stream_seed(seed, 2 * iteration)
        dy = random.uniform(shape, step_seed, tf.int32, -distance, distance + 1)
        dx = random.uniform(
            shape, random.stream_seed(seed, 2 * iteration + 1), tf.int32, -distance, distance + 1
        )
        out = _image.sample(out, rows + tf.cast(dy, tf.float32), cols + tf.cast(dx, tf.float32))
    return _image.gaussian_blur(out, sigma)
