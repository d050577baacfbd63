"""Weather corruptions of the suite: brightness, fog, snow and spatter (frost is left out).

Parameters per severity 1-5 are those of CIFAR-10-C (Hendrycks and Dietterich, ICLR 2019);
lengths in pixels (blur sigmas, motion-blur lengths) are multiplied by ``min(height, width) / 32``.
Frost needs the paper's frost photographs (texture images), which this package does not ship.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_noise.ops import random
from keras_noise.robustness.corruptions import _image

#: Added to the HSV value channel.
BRIGHTNESS_SHIFT = (0.05, 0.10, 0.15, 0.20, 0.30)
#: (fog thickness, roughness decay per octave of the fractal).
FOG = ((0.2, 3.0), (0.5, 3.0), (0.75, 2.5), (1.0, 2.0), (1.5, 1.75))
#: (flake mean, flake std, zoom, threshold, motion length px, motion sigma px, image blend).
SNOW = (
    (0.10, 0.2, 1.00, 0.60, 8, 3, 0.95),
    (0.10, 0.2, 1.00, 0.50, 10, 4, 0.90),
    (0.15, 0.3, 1.75, 0.55, 10, 4, 0.90),
    (0.25, 0.3, 2.25, 0.60, 12, 6, 0.85),
    (0.30, 0.3, 1.25, 0.65, 14, 12, 0.80),
)
#: (liquid mean, liquid std, liquid blur sigma px, threshold, intensity or mud blur sigma, mud).
SPATTER = (
    (0.62, 0.1, 0.7, 0.70, 0.5, 0),
    (0.65, 0.1, 0.8, 0.70, 0.5, 0),
    (0.65, 0.3, 1.0, 0.69, 0.5, 0),
    (0.65, 0.1, 0.7, 0.69, 0.6, 1),
    (0.65, 0.1, 0.5, 0.68, 0.6, 1),
)
_WATER_RGB = (175 / 255, 238 / 255, 238 / 255)  # pale turquoise
_MUD_RGB = (63 / 255, 42 / 255, 20 / 255)  # brown


def brightness(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """Adds c to the HSV value (V) channel; on one-channel images V is the pixel itself."""
    shift = BRIGHTNESS_SHIFT[severity - 1]
    if images.shape[-1] == 1:
        return images + shift
    hsv = tf.image.rgb_to_hsv(tf.clip_by_value(images, 0.0, 1.0))
    hue, saturation, value = tf.unstack(hsv, axis=-1)
    value = tf.clip_by_value(value + shift, 0.0, 1.0)
    return tf.image.hsv_to_rgb(tf.stack([hue, saturation, value], axis=-1))


def fractal(batch, side: int, decay: float, seed: tf.Tensor) -> tf.Tensor:
    """A plasma-like fractal per image, `(batch, side, side, 1)` in [0, 1].

    The sum of octaves of bilinearly upsampled uniform value noise: octave k has a grid of
    ``2^k + 1`` points and amplitude ``decay^-(k-1)``, the per-level amplitude decay of the
    paper's diamond-square map (an octave sum, not a diamond-square implementation).
    """
    levels = max(1, math.ceil(math.log2(max(side, 2))))
    total = None
    for level in range(1, levels + 1):
        points = 2**level + 1
        draws = random.uniform(
            tf.stack([batch, points, points, 1]), random.stream_seed(seed, level), minval=-1.0
        )
        octave = tf.image.resize(draws, (side, side), method="bilinear") * decay ** -(level - 1)
        total = octave if total is None else total + octave
    low = tf.reduce_min(total, axis=(1, 2, 3), keepdims=True)
    high = tf.reduce_max(total, axis=(1, 2, 3), keepdims=True)
    return (total - low) / tf.maximum(high - low, 1e-6)


def fog(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """Adds ``c * fractal`` and rescales so the brightest pixel keeps its value: a veil of fog."""
    thickness, decay = FOG[severity - 1]
    height, width = images.shape[1], images.shape[2]
    plasma = fractal(tf.shape(images)[0], max(height, width), decay, seed)[:, :height, :width]
    peak = tf.reduce_max(images, axis=(1, 2, 3), keepdims=True)
    return (images + thickness * plasma) * peak / (peak + thickness)


def snow(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """Flakes (thresholded zoomed Gaussian noise, motion-blurred) on a paler image."""
    mean, std, zoom, threshold, length, sigma, blend = SNOW[severity - 1]
    scale = _image.spatial_scale(images)
    flake_seed, angle_seed = random.split_seed(seed, 2)
    shape = tf.concat([tf.shape(images)[:3], [1]], axis=0)
    flakes = mean + std * random.normal(shape, flake_seed)
    if zoom > 1.0:
        flakes = _image.zoom(flakes, zoom)
    flakes = tf.clip_by_value(tf.where(flakes < threshold, 0.0, flakes), 0.0, 1.0)
    angle = random.uniform(
        tf.shape(images)[:1], angle_seed, minval=-0.75 * math.pi, maxval=-0.25 * math.pi
    )
    flakes = _image.motion_blur(flakes, length * scale, sigma * scale, angle)
    pale = tf.maximum(images, _image.grayscale(images) * 1.5 + 0.5)
    images = blend * images + (1.0 - blend) * pale
    return images + flakes + tf.reverse(flakes, axis=[1, 2])


def _color(rgb, channels: int) -> tf.Tensor:
    if channels == 1:
        return tf.constant([0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]], tf.float32)
    return tf.constant(rgb, tf.float32)


def spatter(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """Water drops (severities 1-3) or mud (4-5) from thresholded, blurred Gaussian noise.

    Water adds pale turquoise in proportion to the liquid layer normalized by its per-image
    maximum times an intensity (the paper shades the drops with edge and distance transforms,
    which have no batched TensorFlow equivalent: this is the simpler, unshaded form). Mud covers
    the blurred liquid mask where it exceeds 0.8 with brown, as in the paper.
    """
    mean, std, sigma, threshold, strength, mud = SPATTER[severity - 1]
    scale = _image.spatial_scale(images)
    shape = tf.concat([tf.shape(images)[:3], [1]], axis=0)
    liquid = _image.gaussian_blur(mean + std * random.normal(shape, seed), sigma * scale)
    channels = images.shape[-1]
    if not mud:
        liquid = tf.where(liquid < threshold, 0.0, liquid)
        peak = tf.reduce_max(liquid, axis=(1, 2, 3), keepdims=True)
        amount = liquid / tf.maximum(peak, 1e-6) * strength
        return images + amount * _color(_WATER_RGB, channels)
    mask = _image.gaussian_blur(tf.cast(liquid > threshold, tf.float32), strength * scale)
    mask = tf.where(mask < 0.8, 0.0, mask)
    return images * (1.0 - mask) + mask * _color(_MUD_RGB, channels)


__all__ = ["brightness", "fog", "fractal", "snow", "spatter"]
