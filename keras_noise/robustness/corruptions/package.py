"""The package's own corruptions, continuous strengths: jitter, salt and pepper, occlusion, mask.

They are the noise of `layers.Jitter`, `layers.SaltAndPepper`, `layers.Cutout` and
`layers.FeatureMask` (the same ops), with the strength as the severity, and work on any value
range: noisy values are clipped to it, salt and pepper are its ends, holes take its low end.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_noise.ops import image, input_noise, tabular


def jitter(x: tf.Tensor, sigma: float, seed: tf.Tensor, value_range) -> tf.Tensor:
    """Additive Gaussian noise of standard deviation `sigma` (input units), clipped."""
    noisy = input_noise.jitter(x, sigma, seed)
    if value_range is None:
        return noisy
    return tf.clip_by_value(noisy, value_range[0], value_range[1])


def salt_and_pepper(x: tf.Tensor, rate: float, seed: tf.Tensor, value_range) -> tf.Tensor:
    """A fraction `rate` of the values set to the low or high end of the range, half each."""
    low, high = (0.0, 1.0) if value_range is None else value_range
    return input_noise.salt_and_pepper(x, rate, seed, low=low, high=high)


def occlusion(x: tf.Tensor, area: float, seed: tf.Tensor, value_range) -> tf.Tensor:
    """One square hole of `area` (a fraction of the image) at a uniform center, clipped."""
    height, width = x.shape[1], x.shape[2]
    side = math.sqrt(area)
    box = tuple(max(int(round(side * n)), 1) for n in (height, width))
    fill = 0.0 if value_range is None else value_range[0]
    return image.cutout(x, seed, box_height=box[0], box_width=box[1], fill_value=fill)


def feature_mask(x: tf.Tensor, rate: float, seed: tf.Tensor, value_range) -> tf.Tensor:
    """A fraction `rate` of the values replaced by 0, independently."""
    return tabular.feature_mask(x, rate, seed)
