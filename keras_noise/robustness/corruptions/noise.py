"""Noise corruptions of the suite: Gaussian, shot (Poisson), impulse and speckle noise.

Parameters per severity 1-5 are those of CIFAR-10-C (Hendrycks and Dietterich, ICLR 2019); they
are per-pixel intensities on [0, 1] images, so they do not depend on the image size.
"""

from __future__ import annotations

import tensorflow as tf

from keras_noise.ops import input_noise

#: Standard deviation of additive Gaussian noise.
GAUSSIAN_STDDEV = (0.04, 0.06, 0.08, 0.09, 0.10)
#: Photons per unit intensity: the image is Poisson(x * c) / c.
SHOT_PHOTONS = (500.0, 250.0, 100.0, 75.0, 50.0)
#: Fraction of values set to 0 or 1 (half each).
IMPULSE_AMOUNT = (0.01, 0.02, 0.03, 0.05, 0.07)
#: Standard deviation of multiplicative Gaussian noise: x + x * N(0, c^2).
SPECKLE_STDDEV = (0.06, 0.10, 0.12, 0.16, 0.20)


def gaussian_noise(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """``x + N(0, c^2)`` per value."""
    return input_noise.jitter(images, GAUSSIAN_STDDEV[severity - 1], seed)


def shot_noise(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """``Poisson(x * c) / c`` per value: photon noise, stronger on bright pixels in absolute terms.

    Drawn with `tf.random.stateless_poisson` (a stateless draw from the call's seed).
    """
    photons = SHOT_PHOTONS[severity - 1]
    rate = tf.maximum(images, 0.0) * photons
    counts = tf.random.stateless_poisson(tf.shape(images), seed, rate, dtype=tf.float32)
    return counts / photons


def impulse_noise(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """Salt-and-pepper: a fraction c of the values set to 0 or 1, independently per value."""
    amount = IMPULSE_AMOUNT[severity - 1]
    return input_noise.salt_and_pepper(images, amount, seed, low=0.0, high=1.0)


def speckle_noise(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """``x + x * N(0, c^2)`` per value (`keras_noise.ops.input_noise.multiplicative_noise`)."""
    return input_noise.multiplicative_noise(images, SPECKLE_STDDEV[severity - 1], seed)


__all__ = ["gaussian_noise", "impulse_noise", "shot_noise", "speckle_noise"]
